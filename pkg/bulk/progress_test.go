package bulk

import (
	"strings"
	"testing"
	"time"

	"github.com/nimbusctl/nimbusctl/pkg/output"
)

func TestProgressPlainLinesWhenPiped(t *testing.T) {
	ios, _, _, errOut := output.Test()
	p := NewProgress(ios, 1000, "rows")
	clock := p.start
	p.now = func() time.Time { return clock }
	p.Tick(10) // too soon: nothing
	clock = clock.Add(5 * time.Second)
	p.Tick(500)
	clock = clock.Add(2 * time.Second)
	p.Tick(600) // less than 5s since the last line
	clock = clock.Add(3 * time.Second)
	p.Tick(1000)
	p.Done()
	want := "progress: 500/1000 rows (100.0/s)  ETA 5s\nprogress: 1000/1000 rows (100.0/s)\n"
	if errOut.String() != want {
		t.Errorf("got %q\nwant %q", errOut.String(), want)
	}
}

func TestProgressBarOnATerminal(t *testing.T) {
	ios, _, _, errOut := output.Test()
	ios.SetStderrTTY(true)
	p := NewProgress(ios, 200, "rows")
	clock := p.start
	p.now = func() time.Time { return clock }
	clock = clock.Add(time.Second)
	p.Tick(100)
	clock = clock.Add(time.Second)
	p.Tick(200)
	p.Done()
	out := errOut.String()
	if !strings.HasPrefix(out, "\r") || !strings.Contains(out, "100/200 rows  100.0/s  ETA 1s") || !strings.HasSuffix(out, "200/200 rows  100.0/s\x1b[K\n") {
		t.Errorf("bar: %q", out)
	}
	if strings.Contains(out, "\x1b[3") {
		t.Errorf("colour without a colour-enabled terminal: %q", out)
	}
}

func TestProgressSilentForShortRuns(t *testing.T) {
	ios, _, _, errOut := output.Test()
	ios.SetStderrTTY(true)
	p := NewProgress(ios, 3, "rows")
	p.Tick(3)
	p.Done()
	if errOut.String() != "" {
		t.Errorf("a run shorter than one redraw printed %q", errOut.String())
	}
}

// The summary's figures are rounded where they are made, so that the line on stderr and
// -o json say the same: seconds to the millisecond, the rate to a tenth.
func TestSummaryFiguresAreRounded(t *testing.T) {
	for _, c := range []struct {
		requests      int64
		elapsed       time.Duration
		seconds, rate float64
	}{
		{1, 1234567 * time.Microsecond, 1.235, 0.8},
		{10022, 207*time.Second + 123456789, 207.123, 48.4},
		{4, 724069 * time.Nanosecond, 0.001, 5524.3},
		{0, 0, 0, 0},
	} {
		if s, r := figures(c.requests, c.elapsed); s != c.seconds || r != c.rate {
			t.Errorf("figures(%d, %s) = %v s, %v/s; want %v, %v", c.requests, c.elapsed, s, r, c.seconds, c.rate)
		}
	}
	if got := (&ErrInvalidRows{N: 1}).Error(); got != "1 invalid row; nothing was sent (fix it, or pass --skip-invalid to import the rest)" {
		t.Errorf("one invalid row: %q", got)
	}
}
