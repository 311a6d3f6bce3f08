package core

import (
	"maps"
	"sync"
	"time"
)

// Stats are counters since Start. Every request is counted when it arrives, including those
// that were then throttled, faulted or denied.
type Stats struct {
	Requests    map[string]int    // by service name ("nimbus")
	Operations  map[string]int    // by operation id ("AddContact"); unknown routes are not counted
	RateLimited map[string]int    // 429 answers, by service name
	Faults      map[FaultKind]int // injected faults, by kind
}

// TotalRateLimited sums the 429 answers of every service.
func (s Stats) TotalRateLimited() int {
	n := 0
	for _, v := range s.RateLimited {
		n += v
	}
	return n
}

type statsCounter struct {
	mu       sync.Mutex
	s        Stats
	inFlight int // requests whose handler has not returned yet
}

func newStatsCounter() *statsCounter {
	return &statsCounter{s: Stats{
		Requests:    map[string]int{},
		Operations:  map[string]int{},
		RateLimited: map[string]int{},
		Faults:      map[FaultKind]int{},
	}}
}

func (c *statsCounter) request(svc, op string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.inFlight++
	c.s.Requests[svc]++
	if op != "" {
		c.s.Operations[op]++
	}
}

func (c *statsCounter) done() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.inFlight--
}

func (c *statsCounter) rateLimited(svc string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.s.RateLimited[svc]++
}

func (c *statsCounter) fault(k FaultKind) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.s.Faults[k]++
}

// Stats returns a copy of the counters.
func (s *Server) Stats() Stats {
	s.stats.mu.Lock()
	defer s.stats.mu.Unlock()
	return Stats{
		Requests:    maps.Clone(s.stats.s.Requests),
		Operations:  maps.Clone(s.stats.s.Operations),
		RateLimited: maps.Clone(s.stats.s.RateLimited),
		Faults:      maps.Clone(s.stats.s.Faults),
	}
}

// WaitIdle waits until no request is being handled, or the timeout passes, and says whether
// it got there. Tests that kill a client call it before looking at the state: a request the
// dead process sent may still be applied after the process is gone.
func (s *Server) WaitIdle(timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	for {
		s.stats.mu.Lock()
		n := s.stats.inFlight
		s.stats.mu.Unlock()
		if n == 0 {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(2 * time.Millisecond)
	}
}
