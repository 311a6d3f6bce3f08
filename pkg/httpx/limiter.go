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
// Fixed mode is a token bucket. Auto mode starts from the configured rate, doubles it while the
// server accepts (slow start), and after the first 429 raises it gently and cuts it on each 429
// (AIMD). In both modes a 429's Retry-After pauses every caller, not only the one that got it.
type Limiter struct {
	mu          sync.Mutex
	lim         *rate.Limiter
	auto        bool
	slowStart   bool
	floor       rate.Limit
	lastChange  time.Time // last rate change (increases wait a step after it)
	lastCut     time.Time // last cut: concurrent 429s of one overshoot count once
	pausedUntil time.Time
	now         func() time.Time
	sleep       func(context.Context, time.Duration) error

	throttled atomic.Int64 // 429 answers seen
	requests  atomic.Int64 // requests sent

	// Recent successes in 250ms buckets (auto mode): what the server actually accepted.
	okBuckets [8]int
	okStart   time.Time // start of okBuckets[0]'s window
}

const okBucket = 250 * time.Millisecond

// noteOK counts one success in the sliding window of the last two seconds.
func (l *Limiter) noteOK(now time.Time) {
	l.rollTo(now)
	l.okBuckets[len(l.okBuckets)-1]++
}

// rollTo shifts the window so its last bucket covers now.
func (l *Limiter) rollTo(now time.Time) {
	if l.okStart.IsZero() {
		l.okStart = now.Add(-okBucket * time.Duration(len(l.okBuckets)-1))
	}
	for now.Sub(l.okStart) >= okBucket*time.Duration(len(l.okBuckets)) {
		copy(l.okBuckets[:], l.okBuckets[1:])
		l.okBuckets[len(l.okBuckets)-1] = 0
		l.okStart = l.okStart.Add(okBucket)
	}
}

// accepted is the rate the server accepted over the window, in calls per second.
func (l *Limiter) accepted(now time.Time) float64 {
	l.rollTo(now)
	n := 0
	for _, c := range l.okBuckets {
		n += c
	}
	return float64(n) / (okBucket * time.Duration(len(l.okBuckets))).Seconds()
}

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

// Wait blocks until the caller may send one request.
func (l *Limiter) Wait(ctx context.Context) error {
	if l == nil {
		return nil
	}
	for {
		l.mu.Lock()
		d := l.pausedUntil.Sub(l.now())
		l.mu.Unlock()
		if d <= 0 {
			break
		}
		if err := l.sleep(ctx, d); err != nil {
			return err
		}
	}
	if err := l.lim.Wait(ctx); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return err
	}
	l.requests.Add(1)
	return nil
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
		if until := now.Add(retryAfter); until.After(l.pausedUntil) {
			l.pausedUntil = until
		}
		if l.auto && now.Sub(l.lastCut) > 200*time.Millisecond {
			// Back off to what the server accepted lately (its real capacity, once we have been
			// over it for a moment), and never by more than half or less than a tenth.
			cur := l.lim.Limit()
			next := cur * 0.9
			if acc := rate.Limit(l.accepted(now)); acc > 0 && acc < next {
				next = max(acc, cur/2)
			}
			l.slowStart = false
			l.set(max(next, l.floor), now)
			l.lastCut = now
		}
		return
	}
	if !l.auto || status >= 400 {
		return
	}
	l.noteOK(now)
	step := time.Second
	factor := rate.Limit(1.02)
	if l.slowStart {
		step, factor = 250*time.Millisecond, 2
	}
	if now.Sub(l.lastChange) >= step {
		l.set(l.lim.Limit()*factor, now)
	}
}

func (l *Limiter) set(r rate.Limit, now time.Time) {
	l.lim.SetLimitAt(now, r)
	b := int(math.Ceil(float64(r) / 10))
	l.lim.SetBurstAt(now, max(1, min(b, 10)))
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
