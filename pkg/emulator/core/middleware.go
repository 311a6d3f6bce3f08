package core

import (
	"fmt"
	"net/http"
	"time"
)

// middleware wraps one service: observed (request log, Stats, latency) → rate limit → fault
// injection → Deny → the service itself.
func (s *Server) middleware(svc string, namer func(*http.Request) string, limiter *Bucket, denied bool, h http.Handler) http.Handler {
	return s.observed(svc, namer, func(w http.ResponseWriter, r *http.Request) {
		if ok, wait := limiter.Take(time.Now()); !ok {
			s.RateLimited(w, svc, wait, "Rate limit exceeded.")
			return
		}
		if kind, ok := s.faults.draw(svc); ok {
			s.stats.fault(kind)
			if kind.after() {
				// The change is applied, only the answer is lost: the case where a client
				// must not blindly repeat a POST.
				h.ServeHTTP(newDiscardWriter(), r)
			}
			WriteError(w, kind.Status(), kind.message())
			return
		}
		if denied {
			WriteError(w, http.StatusForbidden, "Forbidden. The signed-in user has no role that allows the "+svc+" API.")
			return
		}
		h.ServeHTTP(w, r)
	})
}

// signInMiddleware wraps a sign-in service: observed (request log, Stats, latency) → faults
// staged with InjectFaults → the service. No rate limit, random faults or Deny (see MountSignIn).
func (s *Server) signInMiddleware(svc string, namer func(*http.Request) string, h http.Handler) http.Handler {
	return s.observed(svc, namer, func(w http.ResponseWriter, r *http.Request) {
		if kind, ok := s.queuedFault(svc); ok {
			s.stats.fault(kind)
			WriteError(w, kind.Status(), kind.message())
			return
		}
		h.ServeHTTP(w, r)
	})
}

// observed is the part every mount shares: Stats count every request that arrives, whatever
// its fate, the request log gets a line once it is answered, and the configured latency
// passes before next sees the request.
func (s *Server) observed(svc string, namer func(*http.Request) string, next http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		op := ""
		if namer != nil {
			op = namer(r)
		}
		s.stats.request(svc, op)
		defer s.stats.done()
		rec := &statusRecorder{ResponseWriter: w}
		defer func() {
			s.Logf("%s %s %s %s -> %d (%s)", svc, opOrDash(op), r.Method, r.RequestURI, rec.status(), time.Since(start).Round(time.Millisecond))
		}()
		if d := s.cfg.Latency; d > 0 {
			select {
			case <-time.After(d):
			case <-r.Context().Done():
				// The client gave up: answer nothing (an empty 200 could still reach it).
				panic(http.ErrAbortHandler)
			}
		}
		next(rec, r)
	})
}

func opOrDash(op string) string {
	if op == "" {
		return "-"
	}
	return op
}

// RateLimited answers a request over a limit, counted in Stats: 429, Retry-After in whole
// seconds, and a message that says the limit and how long to wait. The middleware answers
// the service-wide limit with it, a service a limit of its own (nps.today's per API key).
func (s *Server) RateLimited(w http.ResponseWriter, svc string, wait time.Duration, limit string) {
	s.stats.rateLimited(svc)
	secs := CeilSeconds(wait)
	w.Header().Set("Retry-After", fmt.Sprint(secs))
	WriteError(w, http.StatusTooManyRequests, fmt.Sprintf("%s Try again in %d seconds.", limit, secs))
}

// CeilSeconds rounds a duration up to whole seconds, at least 1, as Retry-After and
// expires_in want.
func CeilSeconds(d time.Duration) int {
	s := int((d + time.Second - 1) / time.Second)
	if s < 1 {
		s = 1
	}
	return s
}

// statusRecorder remembers the status for the request log.
type statusRecorder struct {
	http.ResponseWriter
	code int
}

func (s *statusRecorder) WriteHeader(code int) {
	if s.code == 0 {
		s.code = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.code == 0 {
		s.code = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

func (s *statusRecorder) status() int {
	if s.code == 0 {
		return http.StatusOK
	}
	return s.code
}

// discardWriter is a ResponseWriter that drops the answer.
type discardWriter struct{ h http.Header }

func newDiscardWriter() *discardWriter               { return &discardWriter{h: http.Header{}} }
func (d *discardWriter) Header() http.Header         { return d.h }
func (d *discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (d *discardWriter) WriteHeader(int)             {}
