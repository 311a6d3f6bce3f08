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

// autoAt is an auto limiter on a fake clock whose sleeps move the clock.
func autoAt(r Rate) (*Limiter, *fakeClock) {
	clk := &fakeClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	l := NewLimiter(r)
	l.now = clk.now
	l.sleep = func(_ context.Context, d time.Duration) error { clk.t = clk.t.Add(d); return nil }
	l.lastChange = clk.t
	return l, clk
}

func TestSlowStartGrowsOnlyWhileTheRateIsUsedUp(t *testing.T) {
	l, clk := autoAt(Rate{Auto: true, Count: 2, Per: time.Second}) // burst 2
	ctx := context.Background()
	l.Wait(ctx)
	clk.t = clk.t.Add(10 * time.Second)
	l.Observe(200, 0) // a token is left: callers are slower than the rate
	if got := l.Limit(); got != 2 {
		t.Fatalf("rate moved to %v with tokens to spare", got)
	}
	l.Wait(ctx)
	l.Wait(ctx) // now callers wait for tokens
	l.Observe(200, 0)
	if got := l.Limit(); got < 2.82 || got > 2.83 {
		t.Fatalf("rate = %v, want 2×√2 (doubling every two successes)", got)
	}
	// Many quick successes: the rate jumps to twice what the server accepted.
	for i := 0; i < 8; i++ {
		l.Observe(200, 0)
	}
	clk.t = clk.t.Add(time.Second) // 11 successes in 11s, 10 of them in the last
	l.Wait(ctx)
	l.Wait(ctx)
	l.Observe(200, 0)
	if got := l.Limit(); got < 64 {
		t.Fatalf("rate = %v after 11 successes, want 2×√2^10", got)
	}
}

func TestAutoHalvesAtSlowStartsEndThenMeasures(t *testing.T) {
	l, clk := autoAt(Rate{Auto: true, Count: 100, Per: time.Minute})
	l.setRate(400, clk.t)
	l.Wait(context.Background()) // the measure starts with the first call

	// The first 429 ends slow start: half the rate, and everyone pauses.
	clk.t = clk.t.Add(200 * time.Millisecond)
	l.Observe(429, time.Second)
	if got := l.Limit(); got != 200 {
		t.Fatalf("after slow start's 429 rate = %v, want 200", got)
	}
	if d := l.pausedFor(); d != time.Second {
		t.Fatalf("pause = %s, want 1s", d)
	}
	// The same overshoot's other 429s move the pause's end, not the rate.
	clk.t = clk.t.Add(10 * time.Millisecond)
	l.Observe(429, 2*time.Second)
	if got := l.Limit(); got != 200 || l.pausedFor() != 2*time.Second {
		t.Fatalf("a 429 during the pause: rate %v pause %s, want 200 and 2s", got, l.pausedFor())
	}
	// After the pause: 30 calls accepted in 0.5s, then a 429 asking for 1s. The server took
	// 30 calls in 1.5s: 20/s, and 20 at once (its rate over the pause).
	clk.t = clk.t.Add(2 * time.Second)
	for i := 0; i < 30; i++ {
		l.Observe(200, 0)
	}
	clk.t = clk.t.Add(500 * time.Millisecond)
	l.Observe(429, time.Second)
	if got, burst := l.Limit(), l.lim.Burst(); got != 20 || burst != 20 {
		t.Fatalf("measured rate %v burst %d, want 20 and 20", got, burst)
	}
	// The measured rate holds through the pause and 4s more, then grows 2% a clean second.
	l.lim.SetBurstAt(clk.t, 1)
	clk.t = clk.t.Add(4500 * time.Millisecond)
	l.Wait(context.Background())
	l.Observe(200, 0)
	if got := l.Limit(); got != 20 {
		t.Fatalf("rate grew to %v during the hold", got)
	}
	clk.t = clk.t.Add(1500 * time.Millisecond)
	l.Wait(context.Background())
	l.Observe(200, 0)
	if got := l.Limit(); got < 20.39 || got > 20.41 {
		t.Fatalf("after the hold rate = %v, want 20.4", got)
	}
	// With too few successes to measure anything, a 429 halves the rate.
	clk.t = clk.t.Add(time.Second)
	l.Observe(429, time.Second)
	if got := l.Limit(); got < 10.19 || got > 10.21 {
		t.Fatalf("after a 429 with 2 successes rate = %v, want 10.2", got)
	}
	if l.Throttled() != 4 {
		t.Errorf("throttled = %d", l.Throttled())
	}
}

// server is a simulated rate limit: a token bucket (Count at once, Count per Per) or a fixed
// window (Count calls, then refused until Per has passed since the window's first call).
type server struct {
	count  int
	per    time.Duration
	window bool
	tokens float64
	last   time.Time
	used   int
}

func (s *server) take(now time.Time) (bool, time.Duration) {
	if s.window {
		if s.last.IsZero() || now.Sub(s.last) >= s.per {
			s.last, s.used = now, 0
		}
		if s.used < s.count {
			s.used++
			return true, 0
		}
		return false, s.last.Add(s.per).Sub(now)
	}
	perToken := s.per / time.Duration(s.count)
	if s.last.IsZero() {
		s.tokens = float64(s.count)
	} else {
		s.tokens = min(s.tokens+float64(now.Sub(s.last))/float64(perToken), float64(s.count))
	}
	s.last = now
	if s.tokens >= 1 {
		s.tokens--
		return true, 0
	}
	return false, time.Duration((1 - s.tokens) * float64(perToken))
}

// simulate sends n accepted calls one after the other through an auto limiter starting from
// start, against srv, with latency per call; 429s are waited out as the client does (their
// Retry-After in whole seconds, rounded up). It returns the time taken and the 429s.
func simulate(t *testing.T, start Rate, srv *server, n int, latency time.Duration) (time.Duration, int64) {
	t.Helper()
	l, clk := autoAt(start)
	begin := clk.t
	for ok := 0; ok < n; {
		if err := l.Wait(context.Background()); err != nil {
			t.Fatal(err)
		}
		accepted, wait := srv.take(clk.t)
		clk.t = clk.t.Add(latency)
		if accepted {
			l.Observe(200, 0)
			ok++
			continue
		}
		retryAfter := (wait + time.Second - 1) / time.Second * time.Second
		l.Observe(429, retryAfter)
		clk.t = clk.t.Add(retryAfter)
		if l.Throttled() > int64(n) {
			t.Fatalf("%d 429s for %d calls", l.Throttled(), n)
		}
	}
	return clk.t.Sub(begin), l.Throttled()
}

// TestAutoFindsABucketsRate: from the profile's 100/60s, auto finds a 50/s token bucket
// within a second and then stays near it: 1,000 calls at (nearly) the bucket's pace, with a
// handful of 429s.
func TestAutoFindsABucketsRate(t *testing.T) {
	took, throttled := simulate(t, Rate{Auto: true, Count: 100, Per: time.Minute}, &server{count: 50, per: time.Second}, 1000, time.Millisecond)
	ideal := 19 * time.Second // the bucket's 50 at once, then 950 at 50/s
	t.Logf("1000 calls in %s (ideal %s), %d 429s", took, ideal, throttled)
	if took > ideal*103/100 || throttled > 10 {
		t.Fatalf("1000 calls took %s with %d 429s; want within 3%% of %s and at most 10", took, throttled, ideal)
	}
}

// TestAutoUsesAWindowWhole: against a fixed window (the connector's 100 calls per 60 s), auto
// sends each window's calls at once and waits for the next, with one or two 429s a window.
func TestAutoUsesAWindowWhole(t *testing.T) {
	took, throttled := simulate(t, Rate{Auto: true, Count: 100, Per: time.Minute}, &server{count: 100, per: time.Minute, window: true}, 250, 50*time.Millisecond)
	t.Logf("250 calls in %s, %d 429s", took, throttled)
	// Windows begin at 0s, ~60s and ~120s: the last 50 calls go in the third.
	if took > 125*time.Second || throttled > 6 {
		t.Fatalf("250 calls through a 100/60s window took %s with %d 429s; want about 2 minutes and at most 2 a window", took, throttled)
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

// TestWaitHonoursAPauseThatBeganWhileWaiting: a caller waiting for its turn when another
// caller's 429 pauses everyone does not send into the pause.
func TestWaitHonoursAPauseThatBeganWhileWaiting(t *testing.T) {
	clk := &fakeClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	l := NewLimiter(Rate{Count: 1, Per: time.Second})
	l.now = clk.now
	var slept []time.Duration
	l.sleep = func(_ context.Context, d time.Duration) error {
		slept = append(slept, d)
		if len(slept) == 1 {
			l.Observe(429, 5*time.Second) // another worker is throttled meanwhile
		}
		clk.t = clk.t.Add(d)
		return nil
	}
	if err := l.Wait(context.Background()); err != nil { // the burst's one token
		t.Fatal(err)
	}
	start := clk.t
	if err := l.Wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	if clk.t.Before(start.Add(5 * time.Second)) {
		t.Fatalf("sent %s after the start of a 5s pause (waits %v)", clk.t.Sub(start), slept)
	}
	if l.Requests() != 2 {
		t.Errorf("requests = %d", l.Requests())
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

// TestAutoFollowsASlowBucket: a 100/60s token bucket (100 at once, then one call every
// 0.6s): 250 calls take the bucket's 100, then 150 at its pace.
func TestAutoFollowsASlowBucket(t *testing.T) {
	took, throttled := simulate(t, Rate{Auto: true, Count: 100, Per: time.Minute}, &server{count: 100, per: time.Minute}, 250, 50*time.Millisecond)
	ideal := 90 * time.Second
	t.Logf("250 calls in %s (ideal %s), %d 429s", took, ideal, throttled)
	if took > ideal*103/100 || throttled > 10 {
		t.Fatalf("250 calls took %s with %d 429s; want within 3%% of %s and at most 10", took, throttled, ideal)
	}
}
