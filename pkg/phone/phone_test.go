package phone

import "testing"

func TestNormalize(t *testing.T) {
	cases := []struct{ in, cc, want string }{
		{"+41 44 555 12 34", "+45", "+41445551234"},
		{"0041 44 555 12 34", "+45", "+41445551234"},
		{"044 555 12 34", "+41", "+41445551234"},
		{"12 34 56 78", "+45", "+4512345678"},
		{"(555) 123-4567", "+1", "+15551234567"},
	}
	for _, c := range cases {
		got, err := Normalize(c.in, c.cc)
		if err != nil || got != c.want {
			t.Errorf("Normalize(%q, %s) = %q, %v; want %q", c.in, c.cc, got, err, c.want)
		}
	}
	for _, bad := range []string{"", "+", "abc", "+41 44 555 12 34 ext 5", "123", "+1234567890123456", "0", "++41445551234"} {
		if got, err := Normalize(bad, "+45"); err == nil {
			t.Errorf("Normalize(%q) = %q, want an error", bad, got)
		}
	}
	if _, err := Normalize("044 555 12 34", ""); err == nil {
		t.Error("no default country: want an error")
	}
}

func TestIsE164(t *testing.T) {
	for s, want := range map[string]bool{"+41445551234": true, "41445551234": false, "+0445551234": false, "+41 44": false, "+4144555123456789": false} {
		if IsE164(s) != want {
			t.Errorf("IsE164(%q) != %v", s, want)
		}
	}
}
