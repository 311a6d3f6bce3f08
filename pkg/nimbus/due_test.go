package nimbus

import (
	"testing"
	"time"
)

func TestParseDue(t *testing.T) {
	now := time.Date(2026, 11, 21, 10, 0, 0, 500, time.UTC)
	zurich, err := time.LoadLocation("Europe/Zurich")
	if err != nil {
		t.Skip("no tzdata:", err)
	}
	cases := map[string]string{
		"2026-12-01T09:30:00+01:00": "2026-12-01T08:30:00Z",
		"2026-12-01T08:30:00Z":      "2026-12-01T08:30:00Z",
		"+90m":                      "2026-11-21T11:30:00Z",
		"+2h":                       "2026-11-21T12:00:00Z",
		"+1d":                       "2026-11-22T10:00:00Z",
		"+1d2h30m":                  "2026-11-22T12:30:00Z",
		"2026-12-01 09:30":          "2026-12-01T08:30:00Z",
		"2026-07-01T09:30":          "2026-07-01T07:30:00Z",
		"2026-12-01 09:30:15":       "2026-12-01T08:30:15Z",
	}
	for in, want := range cases {
		got, err := ParseDue(in, now, zurich)
		if err != nil || FormatDue(got) != want {
			t.Errorf("ParseDue(%q) = %s, %v; want %s", in, FormatDue(got), err, want)
		}
	}
	for _, bad := range []string{"", "tomorrow", "+x", "+-2h", "2026-13-01 09:00", "01.12.2026"} {
		if _, err := ParseDue(bad, now, zurich); err == nil {
			t.Errorf("ParseDue(%q) accepted", bad)
		}
	}
}
