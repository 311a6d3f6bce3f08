package httpx

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"
)

// Rate is a parsed --rate value: Count calls per Per, or Auto (start at Count/Per and probe
// upward until the server answers 429).
type Rate struct {
	Auto  bool
	Count int
	Per   time.Duration
}

// PerSecond is the rate as calls per second.
func (r Rate) PerSecond() float64 {
	if r.Count <= 0 || r.Per <= 0 {
		return 0
	}
	return float64(r.Count) / r.Per.Seconds()
}

// String gives the rate back in the form ParseRate reads ("100/60s", "auto:50/s").
func (r Rate) String() string {
	per := r.Per.String()
	if r.Per == time.Second {
		per = "s"
	} else if r.Per%time.Second == 0 {
		per = fmt.Sprintf("%ds", r.Per/time.Second)
	}
	s := fmt.Sprintf("%d/%s", r.Count, per)
	if r.Auto {
		s = "auto:" + s
	}
	return s
}

// ParseRate reads "100/60s", "50/s", "10/1m", "25" (per second), or "auto" (which starts from
// def). "auto:20/s" starts auto mode from 20/s.
func ParseRate(s string, def Rate) (Rate, error) {
	s = strings.TrimSpace(strings.ToLower(s))
	if s == "" {
		return def, nil
	}
	if s == "auto" {
		def.Auto = true
		return def, nil
	}
	auto := false
	if rest, ok := strings.CutPrefix(s, "auto:"); ok {
		auto, s = true, rest
	}
	count, per, hasPer := strings.Cut(s, "/")
	n, err := strconv.Atoi(strings.TrimSpace(count))
	if err != nil || n <= 0 {
		return Rate{}, fmt.Errorf("invalid rate %q: want N/DURATION (e.g. 100/60s, 50/s) or auto", s)
	}
	d := time.Second
	if hasPer {
		per = strings.TrimSpace(per)
		switch per {
		case "s", "sec", "second":
			d = time.Second
		case "m", "min", "minute":
			d = time.Minute
		default:
			if !strings.ContainsAny(per[len(per)-1:], "smh") {
				per += "s"
			}
			d, err = time.ParseDuration(per)
			if err != nil || d <= 0 {
				return Rate{}, fmt.Errorf("invalid rate %q: bad period %q", s, per)
			}
		}
	}
	return Rate{Auto: auto, Count: n, Per: d}, nil
}

// Limiter paces the calls to one service, shared by every request and worker of a process.
// Fixed mode is a token bucket. Auto mode starts from the configured rate and doubles it
// every two successes (slow start) until the first 429 halves it. Each later 429 sets it to
// the server's capacity as seen since the last pause: the calls it accepted over that time
// plus the Retry-After. That measure is right for a token bucket and for a fixed window
// alike (N calls, then a wait to the window's end, is N per window). Between 429s the rate
// grows gently (+2% a second). In both modes a 429's Retry-After pauses every caller, not
// only the one that got it.
type Limiter struct {
	mu          sync.Mutex
	lim         *rate.Limiter
	auto        bool
	slowStart   bool
	floor       rate.Limit
	lastChange  time.Time // last rate change: growth waits a second after it
	pausedUntil time.Time
	now         func() time.Time
	sleep       func(context.Context, time.Duration) error

	throttled atomic.Int64 // 429 answers seen
	requests  atomic.Int64 // requests sent

	// Auto mode's measure of the server: successes since the last pause ended (or since the
	// limiter got busy after an idle spell).
	since    time.Time
	accepted int
	lastSent time.Time
}

const (
	idleReset   = 2 * time.Second // an idle spell this long starts the measure afresh
	minMeasured = 4               // successes needed to measure the server at a 429
	probeHold   = 4 * time.Second // how long a measured rate holds before growth resumes
)

// NewLimiter builds a limiter for r. A zero rate means unlimited.
func NewLimiter(r Rate) *Limiter {
	l := &Limiter{now: time.Now, sleep: sleep, auto: r.Auto, slowStart: r.Auto}
	ps := r.PerSecond()
	if ps <= 0 {
		l.lim = rate.NewLimiter(rate.Inf, 1)
		l.auto = false
		return l
	}
	l.lim = rate.NewLimiter(rate.Limit(ps), burstFor(r))
	l.floor = rate.Limit(math.Min(ps, 0.2))
	l.lastChange = l.now()
	return l
}

// burstFor allows a handful of back-to-back calls, so one-off commands do not wait between
// their few requests, without letting a bulk run overshoot the server's window by much.
func burstFor(r Rate) int {
	b := r.Count
	if b > 10 {
		b = 10
	}
	if b < 1 {
		b = 1
	}
	return b
}

// Wait blocks until the caller may send one request: after any pause, and at its turn. A
// pause that began while it waited for its turn (another caller's 429) is waited out too,
// rather than sending into it.
func (l *Limiter) Wait(ctx context.Context) error {
	if l == nil {
		return nil
	}
	for {
		if err := l.waitPause(ctx); err != nil {
			return err
		}
		now := l.now()
		r := l.lim.ReserveN(now, 1)
		if d := r.DelayFrom(now); d > 0 {
			if err := l.sleep(ctx, d); err != nil {
				r.CancelAt(l.now())
				return err
			}
		}
		if l.pausedFor() <= 0 {
			break
		}
	}
	l.requests.Add(1)
	l.mu.Lock()
	now := l.now()
	if gap := now.Sub(l.lastSent); gap > idleReset && gap > 3*l.interval() && now.After(l.pausedUntil) {
		l.since, l.accepted = now, 0 // an idle spell says nothing of the server's capacity
	}
	l.lastSent = now
	l.mu.Unlock()
	return nil
}

// interval is the time between two calls at the current rate.
func (l *Limiter) interval() time.Duration {
	r := l.lim.Limit()
	if r == rate.Inf || r <= 0 {
		return 0
	}
	return time.Duration(float64(time.Second) / float64(r))
}

func (l *Limiter) waitPause(ctx context.Context) error {
	for d := l.pausedFor(); d > 0; d = l.pausedFor() {
		if err := l.sleep(ctx, d); err != nil {
			return err
		}
	}
	return ctx.Err()
}

// pausedFor is how long the current pause lasts still.
func (l *Limiter) pausedFor() time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.pausedUntil.Sub(l.now())
}

// Throttled is the number of 429 answers seen so far.
func (l *Limiter) Throttled() int64 {
	if l == nil {
		return 0
	}
	return l.throttled.Load()
}

// Requests is the number of requests let through so far.
func (l *Limiter) Requests() int64 {
	if l == nil {
		return 0
	}
	return l.requests.Load()
}

// Limit is the current rate in calls per second (it moves in auto mode).
func (l *Limiter) Limit() float64 {
	if l == nil {
		return 0
	}
	return float64(l.lim.Limit())
}

// Auto reports whether the limiter adapts its rate.
func (l *Limiter) Auto() bool { return l != nil && l.auto }

// Observe feeds an answer back: status and Retry-After of a 429, or a success.
func (l *Limiter) Observe(status int, retryAfter time.Duration) {
	if l == nil {
		return
	}
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if status == 429 {
		l.throttled.Add(1)
		if retryAfter <= 0 {
			retryAfter = time.Second
		}
		// 429s that arrive during a pause are the same overshoot: they move the pause's end
		// if they say so, but the rate was set by the first.
		overshoot := !now.Before(l.pausedUntil)
		restart := false
		if l.auto && overshoot {
			restart = l.cut(now, retryAfter)
		}
		if until := now.Add(retryAfter); until.After(l.pausedUntil) {
			l.pausedUntil = until
			if restart || l.accepted == 0 {
				l.since = until // the measure starts when the pause ends
			}
		}
		return
	}
	if !l.auto || status >= 400 {
		return
	}
	l.accepted++
	if l.lim.TokensAt(now) >= 1 {
		return // callers do not use the rate up: raising it would prove nothing
	}
	if l.slowStart {
		// Double every two successes, or jump to twice what the server has accepted so far
		// (an initial burst answered quickly shows a fast server).
		next := l.lim.Limit() * math.Sqrt2
		if el := now.Sub(l.since); el > 0 {
			next = max(next, rate.Limit(2*float64(l.accepted)/el.Seconds()))
		}
		l.setRate(next, now)
	} else if now.Sub(l.lastChange) >= time.Second {
		l.setRate(l.lim.Limit()*1.02, now)
	}
}

// cut lowers the rate at a 429 (the first of an overshoot), and reports whether the measure
// of the server starts afresh at the pause's end.
//
// The calls accepted since the measure began show the server's rate: over that time plus
// the pause it asks for, they are its rate, and that rate over the pause is what it allows
// at once (a window of N calls per W shows as N at once, N/W on average; a token bucket as
// its refill rate and size). Slow start sent below the server's rate at first, so its
// successes say little: it halves, and the next overshoot, at full speed, measures. With too
// few calls to tell, it halves too, and the measure goes on over the next pause. The rate
// never goes below one call per Retry-After: the server has just promised that much.
func (l *Limiter) cut(now time.Time, retryAfter time.Duration) (restart bool) {
	cur := l.lim.Limit()
	low := min(cur, max(l.floor, rate.Limit(1/retryAfter.Seconds())))
	if l.accepted < minMeasured || l.slowStart {
		restart = l.slowStart
		l.slowStart = false
		l.setRate(max(cur/2, low), now)
	} else {
		capacity := rate.Limit(float64(l.accepted) / (now.Sub(l.since) + retryAfter).Seconds())
		l.setRate(max(min(capacity, cur), low), now)
		burst := int(float64(capacity) * retryAfter.Seconds())
		l.lim.SetBurstAt(now, max(1, min(burst, l.accepted)))
		l.lastChange = now.Add(retryAfter + probeHold) // hold the measured rate a while before probing above it
		restart = true
	}
	if restart {
		l.accepted = 0
	}
	return restart
}

func (l *Limiter) setRate(r rate.Limit, now time.Time) {
	l.lim.SetLimitAt(now, r)
	l.lastChange = now
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
