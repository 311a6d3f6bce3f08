package core

import (
	"math/rand/v2"
	"net/http"
	"sync"
)

// FaultKind is one way the emulator misbehaves on purpose.
type FaultKind string

// The injected faults. "before" kinds answer without running the handler: nothing was
// applied, so any client may retry. FaultTimeoutAfter runs the handler first and then loses
// the answer, like a gateway timing out on a slow backend: a POST that is retried blindly
// is applied twice.
const (
	FaultUnavailable  FaultKind = "503-before"
	FaultInternal     FaultKind = "500-before"
	FaultBadGateway   FaultKind = "502-before"
	FaultTimeoutAfter FaultKind = "504-after"
)

// AllFaultKinds lists every kind, in the order the random draw uses.
var AllFaultKinds = []FaultKind{FaultUnavailable, FaultInternal, FaultBadGateway, FaultTimeoutAfter}

func (k FaultKind) valid() bool {
	for _, v := range AllFaultKinds {
		if k == v {
			return true
		}
	}
	return false
}

func (k FaultKind) after() bool { return k == FaultTimeoutAfter }

// Status is the HTTP status a fault of this kind answers with.
func (k FaultKind) Status() int {
	switch k {
	case FaultUnavailable:
		return http.StatusServiceUnavailable
	case FaultBadGateway:
		return http.StatusBadGateway
	case FaultTimeoutAfter:
		return http.StatusGatewayTimeout
	default:
		return http.StatusInternalServerError
	}
}

func (k FaultKind) message() string {
	switch k {
	case FaultUnavailable:
		return "Service Unavailable."
	case FaultBadGateway:
		return "Bad Gateway."
	case FaultTimeoutAfter:
		return "The request timed-out."
	default:
		return "Internal Server Error."
	}
}

// faultInjector draws faults from a seeded source, so a run with the same seed and the same
// request sequence fails the same way. Queued faults (InjectFaults) come first.
type faultInjector struct {
	mu     sync.Mutex
	rng    *rand.Rand
	rate   float64
	kinds  []FaultKind
	queued map[string][]FaultKind
}

func newFaultInjector(seed int64, rate float64, kinds []FaultKind) *faultInjector {
	if len(kinds) == 0 {
		kinds = AllFaultKinds
	}
	return &faultInjector{
		rng:    rand.New(rand.NewPCG(uint64(seed), 0x6e696d627573)),
		rate:   rate,
		kinds:  append([]FaultKind(nil), kinds...),
		queued: map[string][]FaultKind{},
	}
}

func (f *faultInjector) draw(svc string) (FaultKind, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if k, staged := f.pop(svc); staged {
		return k, k != ""
	}
	if f.rate <= 0 || f.rng.Float64() >= f.rate {
		return "", false
	}
	return f.kinds[f.rng.IntN(len(f.kinds))], true
}

// InjectFaults makes the next requests to service svc fail with the given kinds, one per
// request, in order, before any random fault; an empty kind lets that request through. Tests
// use it to stage an exact failure.
func (s *Server) InjectFaults(svc string, kinds ...FaultKind) {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	s.faults.queued[svc] = append(s.faults.queued[svc], kinds...)
}

// SetFaultRate changes the probability of random faults at run time (0 turns them off).
func (s *Server) SetFaultRate(rate float64) {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	s.faults.rate = min(max(rate, 0), 1)
}

// pop takes the next fault staged for svc with InjectFaults; "" lets one request through, to
// aim at a later one. The caller holds f.mu.
func (f *faultInjector) pop(svc string) (kind FaultKind, staged bool) {
	q := f.queued[svc]
	if len(q) == 0 {
		return "", false
	}
	f.queued[svc] = q[1:]
	return q[0], true
}

// queuedFault pops a fault staged with InjectFaults, without drawing a random one.
func (s *Server) queuedFault(svc string) (FaultKind, bool) {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	k, _ := s.faults.pop(svc)
	return k, k != ""
}
