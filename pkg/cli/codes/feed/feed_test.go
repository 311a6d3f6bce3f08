package feed

import (
	"testing"
	"time"

	"github.com/nimbusctl/nimbusctl/pkg/output"
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

// A slow feed shows what it waits for from the first request ($metadata) on, then counts.
func TestProgressShowsTheRequestWaitedForThenTheCount(t *testing.T) {
	t.Parallel()
	for _, tty := range []bool{false, true} {
		ios, _, _, errOut := output.Test()
		ios.SetStderrTTY(tty)
		now := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
		p := newProgress(ios, "sessions", func() time.Time { return now })
		p.Request("OData $metadata")
		now = now.Add(20*time.Second + 300*time.Millisecond)
		p.draw(0)
		p.Request("OData ServiceSessions")
		now = now.Add(10 * time.Second)
		p.Add(400)
		p.draw(1)
		p.Request("OData ServiceSessions (page 2)")
		p.Add(5)
		p.draw(2)
		p.Clear()
		p.Done()
		want := "waiting for OData $metadata (20s)\nreading sessions: 400 so far (13/s)\nreading sessions: 405 so far (13/s)\n"
		if tty {
			want = "\r\x1b[K⠋ waiting for OData $metadata (20s)\r\x1b[K⠙ reading sessions: 400 (13/s)\r\x1b[K⠹ reading sessions: 405 (13/s)\r\x1b[K"
		}
		if got := errOut.String(); got != want {
			t.Errorf("tty %v:\n got %q\nwant %q", tty, got, want)
		}
	}
}
