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
