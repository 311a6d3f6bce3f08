package core

import (
	"sync"
	"time"
)

// Rate is "Count calls per Per, in bursts of up to Count": a token bucket, or with Window a
// fixed window (Count calls, then 429 until Per has passed since the window's first call),
// as the connector's "100 calls per 60 s per connection" reads.
type Rate struct {
	Count  int
	Per    time.Duration
	Window bool
}

// Enabled reports whether the rate limits anything.
func (r Rate) Enabled() bool { return r.Count > 0 && r.Per > 0 }

// Bucket enforces a Rate. As a token bucket (the default) it holds up to Count tokens and
// refills Count per Per. With Rate.Window it is a fixed window: Count calls in each Per,
// counted from the first call of the window, all refused until the window ends. A nil Bucket
// lets everything through.
type Bucket struct {
	mu     sync.Mutex
	rate   Rate
	tokens float64
	last   time.Time // token bucket: last refill; window: start of the current window
	used   int       // window: calls accepted in the current window
}

// NewBucket makes a full bucket for r; nil when r limits nothing.
func NewBucket(r Rate) *Bucket {
	if !r.Enabled() {
		return nil
	}
	return &Bucket{rate: r, tokens: float64(r.Count)}
}

// Take spends one call; when there is none left it says how long until the next one.
func (b *Bucket) Take(now time.Time) (bool, time.Duration) {
	if b == nil {
		return true, 0
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.rate.Window {
		return b.takeWindow(now)
	}
	perToken := b.rate.Per / time.Duration(b.rate.Count)
	if !b.last.IsZero() {
		b.tokens += float64(now.Sub(b.last)) / float64(perToken)
		b.tokens = min(b.tokens, float64(b.rate.Count))
	}
	b.last = now
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	return false, time.Duration((1 - b.tokens) * float64(perToken))
}

func (b *Bucket) takeWindow(now time.Time) (bool, time.Duration) {
	if b.last.IsZero() || now.Sub(b.last) >= b.rate.Per {
		b.last, b.used = now, 0
	}
	if b.used < b.rate.Count {
		b.used++
		return true, 0
	}
	return false, b.last.Add(b.rate.Per).Sub(now)
}
