package core

import (
	"sync"
	"time"
)

// Rate is "Count calls per Per, in bursts of up to Count".
type Rate struct {
	Count int
	Per   time.Duration
}

// Enabled reports whether the rate limits anything.
func (r Rate) Enabled() bool { return r.Count > 0 && r.Per > 0 }

// Bucket is a token bucket: it holds up to Count tokens and refills Count per Per. A nil
// bucket lets everything through.
type Bucket struct {
	mu     sync.Mutex
	rate   Rate
	tokens float64
	last   time.Time
}

// NewBucket makes a full bucket for r; nil when r limits nothing.
func NewBucket(r Rate) *Bucket {
	if !r.Enabled() {
		return nil
	}
	return &Bucket{rate: r, tokens: float64(r.Count)}
}

// Take spends one token; when there is none it says how long until the next one.
func (b *Bucket) Take(now time.Time) (bool, time.Duration) {
	if b == nil {
		return true, 0
	}
	b.mu.Lock()
	defer b.mu.Unlock()
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
