package feed

import (
	"testing"
	"time"
)

func TestWindowResolve(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 31, 14, 30, 0, 0, time.UTC)
	for _, c := range []struct {
		since, until, tz string
		from, to         string
		err              string
	}{
		{"30d", "", "UTC", "2026-03-01T14:30:00Z", "2026-03-31T14:30:00Z", ""},
		{"2w", "12h", "", "2026-03-17T14:30:00Z", "2026-03-31T02:30:00Z", ""},
		{"2026-03-01", "2026-03-02", "Europe/Zurich", "2026-02-28T23:00:00Z", "2026-03-01T23:00:00Z", ""},
		{"2026-03-01T08:00:00+02:00", "", "UTC", "2026-03-01T06:00:00Z", "2026-03-31T14:30:00Z", ""},
		{"3m", "", "UTC", "", "", `--since: "3m" is not an age (30d, 12h, 2w), a date (2026-01-31) or a time (2026-01-31T08:00:00Z)`},
		{"1d", "2d", "UTC", "", "", "--since (2026-03-30T14:30:00Z) must be before --until (2026-03-29T14:30:00Z)"},
		{"1d", "", "Nowhere/City", "", "", `--tz: unknown time zone "Nowhere/City" (use an IANA name such as Europe/Zurich, UTC or local)`},
	} {
		w := Window{Since: c.since, Until: c.until, TZ: c.tz, defSince: "30d"}
		from, to, _, err := w.Resolve(now)
		if c.err != "" {
			if err == nil || err.Error() != c.err {
				t.Errorf("%+v: error %v, want %s", c, err, c.err)
			}
			continue
		}
		if err != nil || from.UTC().Format(time.RFC3339) != c.from || to.UTC().Format(time.RFC3339) != c.to {
			t.Errorf("%+v: %s .. %s, %v", c, from.UTC().Format(time.RFC3339), to.UTC().Format(time.RFC3339), err)
		}
	}
}
