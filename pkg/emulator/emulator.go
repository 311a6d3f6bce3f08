// Package emulator is an honest, strict, in-memory stand-in for the services nimbusctl talks
// to, served over real TLS on 127.0.0.1. Tests use it, and so does `nimbusctl sandbox`.
//
// This package only assembles the parts: the shared core (core: listener, TLS, middleware,
// faults, rate limits, tokens, request validation, Stats) and one package per emulated service,
// each readable on its own and each following its own contract:
//
//	/nimbus/  nimbus    the Nimbus connector API (its swagger, pkg/contract)
//	/entra/   entra     the Entra ID authority MSAL signs in against
//	/nps/     npstoday  the nps.today API
//	/odata/   odata     the Nimbus reporting OData feed
//
// Every service gets the same middleware (latency, rate limit, fault injection and Deny, in
// that order); Entra is exempt from all but latency and the faults staged for it with
// InjectFaults, so that sign-in stays reliable.
//
// The emulator deliberately shares no code with the clients (no pkg/httpx, no pkg/nimbus):
// it speaks the contracts so that it cannot agree with a client's bug.
//
// Adding a service: write a package under pkg/emulator that imports core only, with an
// http.Handler that sees paths relative to its prefix (optionally a core.OperationNamer, which
// names requests in Stats and the log), and mount it in Start with srv.Mount(prefix, name, h).
// Bearer tokens are checked with core.Server.Authenticate; errors are answered with
// core.WriteError / core.WriteHTTPError. Services that need each other meet in core (tokens,
// webhook delivery, the tenant's users and services), never by importing each other.
package emulator

import (
	"crypto/x509"
	"net/http"
	"time"

	"github.com/nimbusctl/nimbusctl/pkg/emulator/core"
	"github.com/nimbusctl/nimbusctl/pkg/emulator/entra"
	"github.com/nimbusctl/nimbusctl/pkg/emulator/nimbus"
	"github.com/nimbusctl/nimbusctl/pkg/emulator/npstoday"
	"github.com/nimbusctl/nimbusctl/pkg/emulator/odata"
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
	// Deny names services ("nimbus", "odata", "npstoday") answered 403 for everything,
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
	// RunScheduledCalls runs each scheduled call once its due time has passed: the entry
	// reports Started, an outbound Audio call plays with its task events, then the entry
	// reports Completed and is no longer listed (package nimbus, calls.go). The sandbox runs
	// them; tests opt in.
	RunScheduledCalls bool
	// CallSpeed above 1 makes played calls end after their talk time divided by it, in real
	// time; their events still report the full talk time. Otherwise a call ends when the
	// emulator's clock (Now) has passed its end.
	CallSpeed float64
	// ControlToken is the bearer token of the control endpoint /control/ (control_http.go), which
	// `nimbusctl sandbox call` uses; default: made up at Start (see Emulator.ControlToken).
	ControlToken string

	// OData shapes the reporting feed's data set, paging and codes encoding (package odata).
	OData ODataOptions

	// Entra ID (package entra). AccessTokenTTL is the lifetime of the access tokens it issues
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

	// NPSTodayAuthScheme is how the nps.today part (package npstoday) expects its API key in
	// the Authorization header: "raw" (the key itself; default), "bearer" or "basic" (ApiKey:key).
	NPSTodayAuthScheme string
	// NPSTodayRateLimit is the nps.today part's limit per API key; the zero value means the
	// documented 10 calls per second. (RateLimit, above, still applies to the whole service.)
	NPSTodayRateLimit Rate
}

// Emulator is a running server. All methods are safe for concurrent use.
type Emulator struct {
	srv      *core.Server
	nimbus   *nimbus.Service
	entra    *entra.Service
	npstoday *npstoday.Service
	odata    *odata.Service
	control  string // the control endpoint's token
}

// Start generates the certificates, listens and serves until Close.
func Start(opts Options) (*Emulator, error) {
	srv, err := core.Listen(core.Config{
		Addr: opts.Addr, Seed: opts.Seed, Latency: opts.Latency,
		FaultRate: opts.FaultRate, FaultKinds: opts.FaultKinds, RateLimit: opts.RateLimit,
		Deny: opts.Deny, Now: opts.Now, Logf: opts.Logf,
	})
	if err != nil {
		return nil, err
	}
	e := &Emulator{srv: srv, control: opts.ControlToken}
	if e.control == "" {
		if e.control, err = newControlToken(); err != nil {
			srv.Close()
			return nil, err
		}
	}
	if err := e.mount(opts); err != nil {
		srv.Close()
		return nil, err
	}
	srv.Serve()
	return e, nil
}

// mount makes the services and mounts each under its prefix.
func (e *Emulator) mount(opts Options) (err error) {
	if e.nimbus, err = nimbus.New(e.srv, nimbus.Options{Empty: opts.Empty, RunScheduledCalls: opts.RunScheduledCalls, CallSpeed: opts.CallSpeed}); err != nil {
		return err
	}
	e.srv.Mount(nimbus.Prefix, nimbus.Name, e.nimbus)
	if e.odata, err = odata.New(e.srv, opts.OData); err != nil {
		return err
	}
	e.srv.Mount(odata.Prefix, odata.Name, e.odata)
	e.entra = entra.New(e.srv, entra.Options{
		AccessTokenTTL: opts.AccessTokenTTL, DeviceCodeTTL: opts.DeviceCodeTTL,
		DeviceCodePolls: opts.DeviceCodePolls, DeviceUser: opts.DeviceUser,
		ClientSecret: opts.ClientSecret, AppPrincipal: opts.AppPrincipal,
	})
	e.srv.MountSignIn(entra.Prefix, entra.Name, e.entra)
	// Exempt from faults and limits like sign-in: playing a call must not fail at random.
	e.srv.MountSignIn(ControlPrefix, "control", controlHandler{e})
	if e.npstoday, err = npstoday.New(e.srv, npstoday.Options{
		AuthScheme: opts.NPSTodayAuthScheme, RateLimit: opts.NPSTodayRateLimit,
	}); err != nil {
		return err
	}
	e.srv.Mount(npstoday.Prefix, npstoday.Name, e.npstoday)
	return nil
}

// Close stops the server and waits (briefly) for background deliveries.
func (e *Emulator) Close() { e.srv.Close() }

// URL is the server root, https://127.0.0.1:PORT.
func (e *Emulator) URL() string { return e.srv.URL() }

// HTTPClient returns a client that trusts the emulator's CA.
func (e *Emulator) HTTPClient() *http.Client { return e.srv.HTTPClient() }

// CACertPEM is the CA certificate in PEM, for a profile's CA file.
func (e *Emulator) CACertPEM() []byte { return e.srv.CACertPEM() }

// CertPool holds the CA, for clients built elsewhere.
func (e *Emulator) CertPool() *x509.CertPool { return e.srv.CertPool() }

// NimbusURL is the base URL of the Nimbus connector API (the equivalent of
// https://api.luware.cloud).
func (e *Emulator) NimbusURL() string { return e.nimbus.URL() }

// EntraURL is the authority host of the emulated Entra ID: a profile's `authority` (the tenant
// is appended to it).
func (e *Emulator) EntraURL() string { return e.entra.URL() }

// NPSTodayURL is the base URL of the nps.today API (the equivalent of https://api.nps.today).
func (e *Emulator) NPSTodayURL() string { return e.npstoday.URL() }

// ODataURL is the feed's base URL (the equivalent of https://api.ch-01.luware.cloud/v1/odata).
func (e *Emulator) ODataURL() string { return e.odata.URL() }
