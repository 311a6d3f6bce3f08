package emulator

import (
	"fmt"
	"net/http"
	"time"
)

// Service names, as used by Options.Deny and Stats.
const (
	ServiceNimbus = "nimbus"
)

// middleware wraps one service: request log → latency → rate limit → fault injection →
// Deny → the service itself. Stats count every request that arrives, whatever its fate.
func (e *Emulator) middleware(svc string, namer func(*http.Request) string, limiter *bucket, denied bool, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		op := ""
		if namer != nil {
			op = namer(r)
		}
		e.stats.request(svc, op)
		defer e.stats.done()
		rec := &statusRecorder{ResponseWriter: w}
		defer func() {
			e.logf("%s %s %s %s -> %d (%s)", svc, opOrDash(op), r.Method, r.RequestURI, rec.status(), time.Since(start).Round(time.Millisecond))
		}()
		w = rec

		if d := e.opts.Latency; d > 0 {
			select {
			case <-time.After(d):
			case <-r.Context().Done():
				return
			}
		}
		if ok, wait := limiter.take(time.Now()); !ok {
			e.stats.rateLimited(svc)
			secs := ceilSeconds(wait)
			w.Header().Set("Retry-After", fmt.Sprint(secs))
			writeError(w, http.StatusTooManyRequests, fmt.Sprintf("Rate limit exceeded. Try again in %d seconds.", secs))
			return
		}
		if kind, ok := e.faults.draw(svc); ok {
			e.stats.fault(kind)
			if kind.after() {
				// The change is applied, only the answer is lost: the case where a client
				// must not blindly repeat a POST.
				h.ServeHTTP(newDiscardWriter(), r)
			}
			writeError(w, kind.status(), kind.message())
			return
		}
		if denied {
			writeError(w, http.StatusForbidden, "Forbidden. The signed-in user has no role that allows the "+svc+" API.")
			return
		}
		h.ServeHTTP(w, r)
	})
}

func opOrDash(op string) string {
	if op == "" {
		return "-"
	}
	return op
}

// ceilSeconds rounds a wait up to whole seconds, at least 1, as Retry-After wants.
func ceilSeconds(d time.Duration) int {
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
