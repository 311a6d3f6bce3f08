// Package emulator is an honest, strict, in-memory stand-in for the services nimbusctl talks
// to, served over real TLS on 127.0.0.1. Tests use it, and so does `nimbusctl sandbox`.
//
// One listener serves every service under its own path prefix (/nimbus/, /entra/ — the
// Entra ID authority MSAL signs in against, see entra.go — and /nps/ and /odata/ plug in the
// same way through mount). Each service gets the same
// middleware: latency, rate limit, fault injection and RBAC denial, in that order.
//
// The emulator deliberately shares no code with the clients (no pkg/httpx, no pkg/nimbus):
// it speaks the contract (pkg/contract) so that it cannot agree with a client's bug.
//
// Adding a service (Entra, nps.today, OData): write an http.Handler that sees paths relative
// to its prefix (optionally with an `operation(*http.Request) string` method, which names
// requests in Stats and the log), add a Service* name, and mount it in Start with
// e.mount(prefix, name, handler). Bearer tokens come from IssueToken and are checked with
// e.authenticate(w, r, audience); errors are answered with writeError / writeHTTPError.
package emulator

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

// Options configure an emulator. The zero value is a healthy, fast, seeded emulator.
type Options struct {
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
	// Deny names services ("nimbus", later "odata", "npstoday") answered 403 for everything,
	// as when the signed-in user's role lacks access to the whole product.
	Deny []string
	// Now is the emulator's clock for domain time: due dates, token expiry, timestamps.
	// Default time.Now. Rate limiting and latency always use the wall clock.
	Now func() time.Time
	// Logf, when set, receives one line per request; it is called from many goroutines.
	Logf func(format string, args ...any)
	// Empty starts with users, services, address books and lookup lists only: no contacts,
	// no scheduler entries, no tasks.
	Empty bool

	// OData shapes the reporting feed's data set, paging and codes encoding (odata.go).
	OData ODataOptions

	// Entra ID (entra.go). AccessTokenTTL is the lifetime of the access tokens it issues
	// (default 1h); MSAL refreshes a token with less than 5 minutes left, so a TTL under 5m
	// sends every silent acquisition through the refresh token.
	AccessTokenTTL time.Duration
	// DeviceCodeTTL is how long a device code can be redeemed (default 15m).
	DeviceCodeTTL time.Duration
	// DeviceCodePolls is how many token polls answer authorization_pending before a device
	// code is approved automatically (0: the default, 1; negative: approved at the first poll).
	DeviceCodePolls int
	// DeviceUser approves the device codes (default DefaultUser).
	DeviceUser string
	// ClientSecret is the secret of the confidential app ConfidentialClientID (default: made
	// up at Start, see Emulator.ClientSecret).
	ClientSecret string
	// AppPrincipal is who app-only (client credentials) tokens act as (default DefaultUser).
	AppPrincipal string

	// NPSTodayAuthScheme is how the nps.today part (nps.go) expects its API key in the
	// Authorization header: "raw" (the key itself; default), "bearer" or "basic" (ApiKey:key).
	NPSTodayAuthScheme string
	// NPSTodayRateLimit is the nps.today part's limit per API key; the zero value means the
	// documented 10 calls per second. (RateLimit, above, still applies to the whole service.)
	NPSTodayRateLimit Rate
}

// Rate is "Count calls per Per, in bursts of up to Count".
type Rate struct {
	Count int
	Per   time.Duration
}

func (r Rate) enabled() bool { return r.Count > 0 && r.Per > 0 }

// Emulator is a running server. All methods are safe for concurrent use.
type Emulator struct {
	opts     Options
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

	nimbus *nimbusService
	odata  *odataService // odata.go
	entra  *entraService

	npstoday *npsService // nps.go

	received receivedLog // requests.go

	bg     sync.WaitGroup // best-effort background work (webhook deliveries)
	hooks  *http.Client   // delivers webhooks (loopback only)
	closed chan struct{}
	once   sync.Once
}

// Start generates the certificates, listens and serves until Close.
func Start(opts Options) (*Emulator, error) {
	if opts.Addr == "" {
		opts.Addr = "127.0.0.1:0"
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.FaultRate < 0 || opts.FaultRate > 1 {
		return nil, fmt.Errorf("emulator: fault rate %v is outside 0..1", opts.FaultRate)
	}
	for _, k := range opts.FaultKinds {
		if !k.valid() {
			return nil, fmt.Errorf("emulator: unknown fault kind %q", k)
		}
	}
	if opts.RateLimit.Count < 0 || opts.RateLimit.Per < 0 {
		return nil, errors.New("emulator: negative rate limit")
	}

	e := &Emulator{
		opts:   opts,
		mux:    http.NewServeMux(),
		stats:  newStatsCounter(),
		faults: newFaultInjector(opts.Seed, opts.FaultRate, opts.FaultKinds),
		tokens: newTokenStore(),
		// A stream of its own, so that ids do not depend on how many faults were drawn.
		ids:    newIDGen(opts.Seed),
		closed: make(chan struct{}),
	}
	tlsCfg, err := e.makeCerts()
	if err != nil {
		return nil, err
	}
	ln, err := tls.Listen("tcp", opts.Addr, tlsCfg)
	if err != nil {
		return nil, fmt.Errorf("emulator: listen: %w", err)
	}
	e.listener = ln
	e.url = "https://" + ln.Addr().String()
	e.client = &http.Client{
		Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: e.pool}},
		Timeout:   time.Minute,
	}
	e.hooks = newWebhookClient(e.ca)

	if e.nimbus, err = newNimbusService(e); err != nil {
		ln.Close()
		return nil, err
	}
	e.mount("/nimbus", ServiceNimbus, e.nimbus)
	if e.odata, err = newODataService(e); err != nil {
		ln.Close()
		return nil, err
	}
	e.mount("/odata", ServiceOData, e.odata)
	e.entra = newEntraService(e)
	e.mountEntra()
	if e.npstoday, err = newNPSService(e); err != nil {
		ln.Close()
		return nil, err
	}
	e.mount("/nps", ServiceNPSToday, e.npstoday)
	e.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "No service is mounted at "+r.URL.Path+".")
	})

	e.srv = &http.Server{
		Handler:           e.received.record(e.mux),
		ReadHeaderTimeout: 10 * time.Second,
		// Handshake failures from clients that do not trust the CA are noise, not errors.
		ErrorLog: log.New(io.Discard, "", 0),
	}
	go e.srv.Serve(ln)
	return e, nil
}

// Close stops the server and waits (briefly) for background deliveries.
func (e *Emulator) Close() {
	e.once.Do(func() {
		close(e.closed)
		e.srv.Close()
		done := make(chan struct{})
		go func() { e.bg.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
		}
		e.client.CloseIdleConnections()
		e.hooks.CloseIdleConnections()
	})
}

// URL is the server root, https://127.0.0.1:PORT.
func (e *Emulator) URL() string { return e.url }

// NimbusURL is the base URL of the Nimbus connector API (the equivalent of
// https://api.luware.cloud).
func (e *Emulator) NimbusURL() string { return e.url + "/nimbus" }

// HTTPClient returns a client that trusts the emulator's CA.
func (e *Emulator) HTTPClient() *http.Client { return e.client }

func (e *Emulator) now() time.Time { return e.opts.Now() }

func (e *Emulator) logf(format string, args ...any) {
	if e.opts.Logf != nil {
		e.opts.Logf(format, args...)
	}
}

// operationNamer is implemented by service handlers that can name the operation of a request
// (for Stats and the request log) before the middleware decides its fate.
type operationNamer interface {
	operation(r *http.Request) string
}

// mount serves h under prefix for service svc, wrapped in the shared middleware. h sees the
// path with the prefix stripped. Later services (Entra, nps.today, OData) plug in here.
func (e *Emulator) mount(prefix, svc string, h http.Handler) {
	prefix = "/" + strings.Trim(prefix, "/")
	var namer func(*http.Request) string
	if n, ok := h.(operationNamer); ok {
		namer = n.operation
	}
	limiter := newBucket(e.opts.RateLimit)
	denied := false
	for _, d := range e.opts.Deny {
		denied = denied || strings.EqualFold(d, svc)
	}
	e.mux.Handle(prefix+"/", http.StripPrefix(prefix, e.middleware(svc, namer, limiter, denied, h)))
}
