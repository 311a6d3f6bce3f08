// Package core is what every emulated service shares: one listener on 127.0.0.1 with real
// TLS (a throwaway CA), the middleware each service is mounted behind (request log, latency,
// rate limit, fault injection, Deny, Stats), the bearer tokens the Entra stand-in issues and
// the others check, swagger request validation, JSON error answers, loopback-only webhook
// delivery and the emulated tenant's identity. Server's exported methods are also the control
// surface that tests and `nimbusctl sandbox` drive the emulator with (InjectFaults,
// SetFaultRate, Stats, WaitIdle, IssueToken, RevokeTokens).
//
// Core follows no service's contract of its own; it makes every service reachable the way the
// real ones are — verified TLS, OAuth bearer tokens, 429 with Retry-After, 5xx faults that a
// client must survive — and it shares no code with the clients (no pkg/httpx, no pkg/nimbus),
// so that an emulated service cannot agree with a client's bug.
//
// A service is an http.Handler that sees paths relative to its prefix; it may implement
// OperationNamer to name requests in Stats and the log. Mount it with Server.Mount.
package core

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Config is the part of the emulator's options that every service shares.
type Config struct {
	// Addr is the listen address; default "127.0.0.1:0" (a free port).
	Addr string
	// Seed drives every pseudo-random choice (fault injection, generated ids), so a run can
	// be replayed.
	Seed int64
	// Latency is added to every request before anything else happens.
	Latency time.Duration
	// FaultRate is the probability (0..1) that a request gets an injected fault.
	FaultRate float64
	// FaultKinds restricts the injected kinds; empty means all of them.
	FaultKinds []FaultKind
	// RateLimit throttles each service separately; the zero value means no limit.
	RateLimit Rate
	// Deny names services answered 403 for everything.
	Deny []string
	// Now is the domain clock (due dates, token expiry, timestamps); default time.Now. Rate
	// limiting and latency always use the wall clock.
	Now func() time.Time
	// Logf, when set, receives one line per request; it is called from many goroutines.
	Logf func(format string, args ...any)
}

// Server is the running listener the services are mounted on. All methods are safe for
// concurrent use.
type Server struct {
	cfg      Config
	listener net.Listener
	srv      *http.Server
	mux      *http.ServeMux
	url      string

	ca     *x509.Certificate
	caPEM  []byte
	pool   *x509.CertPool
	client *http.Client

	stats  *statsCounter
	faults *faultInjector
	tokens *tokenStore
	ids    *idGen

	bg     sync.WaitGroup // best-effort background work (webhook deliveries)
	hooks  *http.Client   // delivers webhooks (loopback only)
	closed chan struct{}
	once   sync.Once

	received receivedLog // received.go
}

// Listen checks cfg, generates the certificates and listens. Nothing is served until Serve,
// so that the services can be mounted first.
func Listen(cfg Config) (*Server, error) {
	if cfg.Addr == "" {
		cfg.Addr = "127.0.0.1:0"
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.FaultRate < 0 || cfg.FaultRate > 1 {
		return nil, fmt.Errorf("emulator: fault rate %v is outside 0..1", cfg.FaultRate)
	}
	for _, k := range cfg.FaultKinds {
		if !k.valid() {
			return nil, fmt.Errorf("emulator: unknown fault kind %q", k)
		}
	}
	if cfg.RateLimit.Count < 0 || cfg.RateLimit.Per < 0 {
		return nil, errors.New("emulator: negative rate limit")
	}

	s := &Server{
		cfg:    cfg,
		mux:    http.NewServeMux(),
		stats:  newStatsCounter(),
		faults: newFaultInjector(cfg.Seed, cfg.FaultRate, cfg.FaultKinds),
		tokens: newTokenStore(),
		// A stream of its own, so that ids do not depend on how many faults were drawn.
		ids:    newIDGen(cfg.Seed),
		closed: make(chan struct{}),
	}
	tlsCfg, err := s.makeCerts()
	if err != nil {
		return nil, err
	}
	ln, err := tls.Listen("tcp", cfg.Addr, tlsCfg)
	if err != nil {
		return nil, fmt.Errorf("emulator: listen: %w", err)
	}
	s.listener = ln
	s.url = "https://" + ln.Addr().String()
	s.client = &http.Client{
		Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: s.pool}},
		Timeout:   time.Minute,
	}
	s.hooks = newWebhookClient(s.ca)
	s.srv = &http.Server{
		Handler:           s.received.record(s.mux),
		ReadHeaderTimeout: 10 * time.Second,
		// Handshake failures from clients that do not trust the CA are noise, not errors.
		ErrorLog: log.New(io.Discard, "", 0),
	}
	return s, nil
}

// Serve answers 404 where no service is mounted and starts serving, until Close.
func (s *Server) Serve() {
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		WriteError(w, http.StatusNotFound, "No service is mounted at "+r.URL.Path+".")
	})
	go s.srv.Serve(s.listener)
}

// Close stops the server and waits (briefly) for background deliveries.
func (s *Server) Close() {
	s.once.Do(func() {
		close(s.closed)
		s.srv.Close()
		s.listener.Close() // not yet closed by srv.Close when Serve never ran
		done := make(chan struct{})
		go func() { s.bg.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
		}
		s.client.CloseIdleConnections()
		s.hooks.CloseIdleConnections()
	})
}

// URL is the server root, https://127.0.0.1:PORT.
func (s *Server) URL() string { return s.url }

// Done is closed when Close begins: background work of the services stops with it.
func (s *Server) Done() <-chan struct{} { return s.closed }

// HTTPClient returns a client that trusts the emulator's CA.
func (s *Server) HTTPClient() *http.Client { return s.client }

// Now is the domain clock (Config.Now).
func (s *Server) Now() time.Time { return s.cfg.Now() }

// Seed is Config.Seed, for services that draw from seeded sources of their own.
func (s *Server) Seed() int64 { return s.cfg.Seed }

// UUID returns a version-4-shaped id from the seeded stream.
func (s *Server) UUID() string { return s.ids.uuid() }

// Logf writes one line to Config.Logf, if set.
func (s *Server) Logf(format string, args ...any) {
	if s.cfg.Logf != nil {
		s.cfg.Logf(format, args...)
	}
}

// OperationNamer is implemented by service handlers that can name the operation of a request
// (for Stats and the request log) before the middleware decides its fate.
type OperationNamer interface {
	Operation(r *http.Request) string
}

// Mount serves h under prefix for service svc, wrapped in the shared middleware. h sees the
// path with the prefix stripped.
func (s *Server) Mount(prefix, svc string, h http.Handler) {
	limiter := NewBucket(s.cfg.RateLimit)
	denied := false
	for _, d := range s.cfg.Deny {
		denied = denied || strings.EqualFold(d, svc)
	}
	s.handle(prefix, s.middleware(svc, namer(h), limiter, denied, h))
}

// MountSignIn serves h like Mount, but exempt from the rate limit, random faults and Deny,
// which model the APIs: sign-in stays reliable so that fault tests exercise a client's API
// retries. The request log, Stats, Latency and faults staged with InjectFaults still apply.
func (s *Server) MountSignIn(prefix, svc string, h http.Handler) {
	s.handle(prefix, s.signInMiddleware(svc, namer(h), h))
}

func (s *Server) handle(prefix string, h http.Handler) {
	prefix = "/" + strings.Trim(prefix, "/")
	s.mux.Handle(prefix+"/", http.StripPrefix(prefix, h))
}

func namer(h http.Handler) func(*http.Request) string {
	if n, ok := h.(OperationNamer); ok {
		return n.Operation
	}
	return nil
}
