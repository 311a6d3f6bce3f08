package core

import (
	"net/http"
	"sync"
)

// Received is one request as it reached the server, before any routing, fault or check:
// what a test asserts was (or was not) sent, and with which credential.
type Received struct {
	Method        string
	URI           string // the request target as sent: escaped path and query
	Authorization string // the header's value, "" when none
}

// maxReceived bounds the log: the sandbox runs for hours; tests look at the last few.
const maxReceived = 4096

type receivedLog struct {
	mu   sync.Mutex
	list []Received
}

// record wraps the whole server, so that a request to a path no service owns is seen too.
func (l *receivedLog) record(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		l.mu.Lock()
		if len(l.list) == maxReceived {
			l.list = append(l.list[:0], l.list[maxReceived/2:]...)
		}
		l.list = append(l.list, Received{Method: r.Method, URI: r.RequestURI, Authorization: r.Header.Get("Authorization")})
		l.mu.Unlock()
		h.ServeHTTP(w, r)
	})
}

// Received lists the requests that reached the server, oldest first (at most the last few
// thousand).
func (s *Server) Received() []Received {
	s.received.mu.Lock()
	defer s.received.mu.Unlock()
	return append([]Received(nil), s.received.list...)
}
