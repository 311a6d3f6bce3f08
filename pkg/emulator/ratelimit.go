package emulator

import (
	"sync"
	"time"
)

// bucket is a token bucket: it holds up to Count tokens and refills Count per Per. A nil
// bucket lets everything through.
type bucket struct {
	mu     sync.Mutex
	rate   Rate
	tokens float64
	last   time.Time
}

func newBucket(r Rate) *bucket {
	if !r.enabled() {
		return nil
	}
	return &bucket{rate: r, tokens: float64(r.Count)}
}

// take spends one token; when there is none it says how long until the next one.
func (b *bucket) take(now time.Time) (bool, time.Duration) {
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
