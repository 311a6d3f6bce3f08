package bulk

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/nimbusctl/nimbusctl/pkg/output"
)

// Progress shows how far a run is, on stderr only. On a terminal it redraws one line with a
// bar, the rate and the time left; otherwise (cron, CI) it writes a plain line every few
// seconds, so logs stay readable.
type Progress struct {
	w        io.Writer
	tty      bool
	styles   *output.Styles
	total    int
	label    string
	start    time.Time
	last     time.Time
	every    time.Duration
	mu       sync.Mutex
	done     int
	finished bool
	now      func() time.Time
}

// NewProgress reports on the streams' stderr; total is the number of rows, label says what is
// counted ("rows", "sessions").
func NewProgress(ios *output.IOStreams, total int, label string) *Progress {
	p := &Progress{w: ios.ErrOut, tty: ios.IsStderrTTY(), styles: ios.Styles(), total: total, label: label, now: time.Now}
	p.start = p.now()
	p.last = p.start
	p.every = 5 * time.Second
	if p.tty {
		p.every = 100 * time.Millisecond
	}
	return p
}

// SetTotal sets the number of items, once it is known.
func (p *Progress) SetTotal(n int) {
	p.mu.Lock()
	p.total = n
	p.mu.Unlock()
}

// Tick sets the number of items done and redraws when it is time.
func (p *Progress) Tick(done int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done = done
	now := p.now()
	if now.Sub(p.last) < p.every {
		return
	}
	p.last = now
	p.draw(now)
}

// Note prints a line of its own (a failed row) on stderr; on a terminal it clears the bar
// first, which the next tick draws again below it.
func (p *Progress) Note(line string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.tty {
		fmt.Fprint(p.w, "\r\x1b[K")
	}
	fmt.Fprintln(p.w, line)
}

// Done draws the final state and ends the line.
func (p *Progress) Done() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.finished {
		return
	}
	p.finished = true
	if p.tty && p.now().Sub(p.start) >= p.every {
		p.draw(p.now())
		fmt.Fprintln(p.w)
	}
}

func (p *Progress) draw(now time.Time) {
	elapsed := now.Sub(p.start).Seconds()
	rate := 0.0
	if elapsed > 0 {
		rate = float64(p.done) / elapsed
	}
	eta := ""
	if rate > 0 && p.total > p.done {
		eta = "  ETA " + (time.Duration(float64(p.total-p.done)/rate) * time.Second).Round(time.Second).String()
	}
	if !p.tty {
		fmt.Fprintf(p.w, "progress: %d/%d %s (%.1f/s)%s\n", p.done, p.total, p.label, rate, eta)
		return
	}
	const width = 30
	filled := 0
	if p.total > 0 {
		filled = min(width, p.done*width/p.total)
	}
	bar := p.styles.Green(strings.Repeat("█", filled)) + p.styles.Dim(strings.Repeat("░", width-filled))
	fmt.Fprintf(p.w, "\r%s %d/%d %s  %.1f/s%s\x1b[K", bar, p.done, p.total, p.label, rate, eta)
}
