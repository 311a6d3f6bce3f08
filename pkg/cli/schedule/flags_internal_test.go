package schedule

import "testing"

func TestUTCDue(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"2030-01-02T03:04:05Z":          "2030-01-02T03:04:05Z",
		"2030-01-02T03:04:05.1234567Z":  "2030-01-02T03:04:05Z",
		"2030-01-02T04:04:05+01:00":     "2030-01-02T03:04:05Z",
		"2030-01-02T03:04:05":           "2030-01-02T03:04:05Z",
		"2030-01-02T03:04:05.000000000": "2030-01-02T03:04:05Z",
		"garbage":                       "garbage",
	} {
		if got := utcDue(in); got != want {
			t.Errorf("utcDue(%q) = %q, want %q", in, got, want)
		}
	}
}
