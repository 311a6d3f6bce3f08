package httpx

import (
	"context"
	"testing"
	"time"
)

func TestParseRate(t *testing.T) {
	def := Rate{Count: 100, Per: time.Minute}
	cases := map[string]Rate{
		"":            def,
		"auto":        {Auto: true, Count: 100, Per: time.Minute},
		"100/60s":     {Count: 100, Per: time.Minute},
		"50/s":        {Count: 50, Per: time.Second},
		"10/1m":       {Count: 10, Per: time.Minute},
		"25":          {Count: 25, Per: time.Second},
		"auto:20/s":   {Auto: true, Count: 20, Per: time.Second},
		"3/2":         {Count: 3, Per: 2 * time.Second},
		" 7 / minute": {Count: 7, Per: time.Minute},
	}
	for in, want := range cases {
		got, err := ParseRate(in, def)
		if err != nil || got != want {
			t.Errorf("ParseRate(%q) = %+v, %v; want %+v", in, got, err, want)
		}
	}
	for _, bad := range []string{"x", "0/s", "-1/s", "5/xyz", "5/0s"} {
		if _, err := ParseRate(bad, def); err == nil {
			t.Errorf("ParseRate(%q) accepted", bad)
		}
	}
	for _, r := range []Rate{{Count: 100, Per: time.Minute}, {Count: 50, Per: time.Second}, {Auto: true, Count: 10, Per: time.Second}} {
		back, err := ParseRate(r.String(), Rate{})
		if err != nil || back != r {
			t.Errorf("round trip %+v -> %q -> %+v, %v", r, r.String(), back, err)
		}
	}
}

type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time { return c.t }

func TestAutoLimiterSlowStartThenAIMD(t *testing.T) {
	clk := &fakeClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	l := NewLimiter(Rate{Auto: true, Count: 2, Per: time.Second})
	l.now = clk.now
	l.lastChange = clk.t

	// Slow start: the rate doubles every 250ms of clean answers.
	for i := 0; i < 4; i++ {
		clk.t = clk.t.Add(250 * time.Millisecond)
		l.Observe(200, 0)
	}
	if got := l.Limit(); got != 32 {
		t.Fatalf("after slow start rate = %v, want 32", got)
	}
	// The first 429 ends slow start with a cut to what the server accepted lately (here 4
	// answers in the 2s window: 2/s), but never below half, and pauses everyone.
	l.Observe(429, 3*time.Second)
	if got := l.Limit(); got != 16 {
		t.Fatalf("after first 429 rate = %v, want 16", got)
	}
	l.Observe(429, time.Second) // the same overshoot's other 429s do not cut again
	if got := l.Limit(); got != 16 {
		t.Fatalf("a second 429 at once cut again: %v", got)
	}
	if d := l.pausedUntil.Sub(clk.t); d != 3*time.Second {
		t.Fatalf("pause = %s, want 3s", d)
	}
	// Then gentle growth: +2% per clean second.
	clk.t = clk.t.Add(time.Second)
	l.Observe(200, 0)
	if got := l.Limit(); got < 16.31 || got > 16.33 {
		t.Fatalf("after a clean second rate = %v, want 16.32", got)
	}
	// A later 429 when the server accepted more than 90% of the rate cuts by 10%.
	for i := 0; i < 40; i++ {
		clk.t = clk.t.Add(50 * time.Millisecond)
		l.Observe(200, 0)
	}
	l.Observe(429, time.Second)
	if got := l.Limit(); got < 15.27 || got > 15.29 { // 16.32 grew twice more to 16.98; 16.98 x 0.9
		t.Fatalf("after a later 429 rate = %v, want ~15.28", got)
	}
	if l.Throttled() != 3 {
		t.Errorf("throttled = %d", l.Throttled())
	}
}

func TestFixedLimiterDoesNotMoveButPauses(t *testing.T) {
	clk := &fakeClock{t: time.Now()}
	l := NewLimiter(Rate{Count: 100, Per: time.Minute})
	l.now = clk.now
	l.Observe(200, 0)
	l.Observe(429, 2*time.Second)
	if got := l.Limit(); got < 1.66 || got > 1.67 {
		t.Fatalf("fixed rate moved to %v", got)
	}
	var slept time.Duration
	l.sleep = func(_ context.Context, d time.Duration) error { slept += d; clk.t = clk.t.Add(d); return nil }
	if err := l.Wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	if slept != 2*time.Second {
		t.Errorf("Wait slept %s, want the 2s pause", slept)
	}
}

func TestLimiterPacesRequests(t *testing.T) {
	l := NewLimiter(Rate{Count: 3, Per: time.Hour}) // burst 3, then one per 20 minutes
	for i := 0; i < 3; i++ {
		if err := l.Wait(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	r := l.lim.Reserve()
	defer r.Cancel()
	if d := r.Delay(); d < 19*time.Minute {
		t.Errorf("the 4th call may go after %s, want about 20m", d)
	}
	if l.Requests() != 3 {
		t.Errorf("requests = %d", l.Requests())
	}
}

func TestWaitHonoursCancel(t *testing.T) {
	l := NewLimiter(Rate{Count: 1, Per: time.Hour})
	_ = l.Wait(context.Background()) // use the burst
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := l.Wait(ctx); err != context.Canceled {
		t.Fatalf("err = %v", err)
	}
}
