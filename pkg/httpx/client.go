// Package httpx is the one HTTP pipeline every nimbusctl API client uses: pacing by a shared
// limiter, bounded retries that honour Retry-After, typed errors with the server's message,
// a redacted --debug trace, and the refusal of plain http:// except to loopback.
package httpx

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"os"
	"strings"
	"time"
)

// AuthFunc returns the value of the Authorization header for one request.
type AuthFunc func(ctx context.Context) (string, error)

// Retry bounds the retries of one request.
type Retry struct {
	MaxAttempts int           // attempts in all, including the first (default 5)
	BaseDelay   time.Duration // first backoff step (default 500ms), doubled each time, with jitter
	MaxDelay    time.Duration // cap of one backoff step (default 30s)
	MaxWait     time.Duration // longest Retry-After we accept before giving up (default 2m)
	// MaxThrottle is how long one request may wait in all on 429s that say when to come back
	// (default 10m). Those waits are not failed attempts: a throttled run slows down, it does
	// not lose rows.
	MaxThrottle time.Duration
}

func (r Retry) withDefaults() Retry {
	if r.MaxAttempts <= 0 {
		r.MaxAttempts = 5
	}
	if r.BaseDelay <= 0 {
		r.BaseDelay = 500 * time.Millisecond
	}
	if r.MaxDelay <= 0 {
		r.MaxDelay = 30 * time.Second
	}
	if r.MaxWait <= 0 {
		r.MaxWait = 2 * time.Minute
	}
	if r.MaxThrottle <= 0 {
		r.MaxThrottle = 10 * time.Minute
	}
	return r
}

// Config describes one service's client.
type Config struct {
	Service   string // "nimbus", "npstoday", "odata"
	BaseURL   string
	Auth      AuthFunc // nil: no Authorization header
	Limiter   *Limiter // shared by all workers; nil: unpaced
	Retry     Retry
	Transport http.RoundTripper // nil: NewTransport("")
	Timeout   time.Duration     // per attempt (default 60s)
	// TimeoutSetting names the setting behind Timeout in messages (e.g. "request_timeout").
	TimeoutSetting string
	UserAgent      string
	Trace          io.Writer // --debug: requests and answers, redacted
	Secrets        []string  // literal values to scrub from the trace (API keys)
	Sleep          func(ctx context.Context, d time.Duration) error
}

// Client sends requests to one service.
type Client struct {
	cfg  Config
	base *url.URL
	hc   *http.Client
}

// New checks the base URL and builds the client.
func New(cfg Config) (*Client, error) {
	base, err := url.Parse(strings.TrimRight(cfg.BaseURL, "/"))
	if err != nil || base.Host == "" {
		return nil, fmt.Errorf("invalid %s endpoint %q: want https://host[/path]", serviceName(cfg.Service), cfg.BaseURL)
	}
	if err := CheckScheme(base); err != nil {
		return nil, err
	}
	cfg.Retry = cfg.Retry.withDefaults()
	if cfg.Timeout <= 0 {
		cfg.Timeout = 60 * time.Second
	}
	if cfg.TimeoutSetting == "" {
		cfg.TimeoutSetting = "per-request timeout"
	}
	if cfg.Sleep == nil {
		cfg.Sleep = sleep
	}
	if cfg.Transport == nil {
		t, err := NewTransport("")
		if err != nil {
			return nil, err
		}
		cfg.Transport = t
	}
	c := &Client{cfg: cfg, base: base}
	c.hc = &http.Client{Transport: cfg.Transport, CheckRedirect: c.checkRedirect}
	return c, nil
}

// checkRedirect follows a redirect only where the request itself could have gone: https (or
// http to loopback), below the base URL, where the credential belongs. A refusal is
// permanent: the same request would be redirected the same way again.
func (c *Client) checkRedirect(req *http.Request, via []*http.Request) error {
	from, to := via[len(via)-1].URL.Redacted(), req.URL.Redacted()
	if len(via) >= 5 {
		return &redirectError{from, to, "too many redirects"}
	}
	if err := CheckScheme(req.URL); err != nil {
		return &redirectError{from, to, err.Error()}
	}
	if !within(c.base, req.URL) {
		return &redirectError{from, to, fmt.Sprintf("it leaves the service's base URL %s, and the credential is only sent there", c.base)}
	}
	return nil
}

// BaseURL is the service root the client was built with.
func (c *Client) BaseURL() string { return c.base.String() }

// Limiter is the client's shared limiter.
func (c *Client) Limiter() *Limiter { return c.cfg.Limiter }

// CheckScheme allows https anywhere and http only to loopback, where the sandbox lives.
func CheckScheme(u *url.URL) error {
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		if IsLoopback(u.Hostname()) {
			return nil
		}
		return fmt.Errorf("refusing plain http:// to %s: tokens and keys would travel unencrypted (use https://; http is allowed only to loopback)", u.Host)
	}
	return fmt.Errorf("unsupported URL scheme %q in %s", u.Scheme, u.Redacted())
}

// CheckWebhookURL is the rule for a URL a service is asked to POST events to (a Nimbus
// trigger, an nps.today webhook): absolute, with a host, and https — or http to loopback,
// for a local receiver. The events carry customers' names and numbers; they travel
// encrypted, as our own requests do.
func CheckWebhookURL(raw string) error {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || !u.IsAbs() || u.Host == "" || u.Hostname() == "" {
		return fmt.Errorf("%q is not an absolute URL: give one such as https://hooks.example.com/events", raw)
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		if IsLoopback(u.Hostname()) {
			return nil
		}
		return fmt.Errorf("%q is plain http: the events carry customer data and must travel encrypted; use https:// (http is allowed only to loopback, for a local receiver)", raw)
	}
	return fmt.Errorf("%q is not an https:// URL", raw)
}

// IsLoopback reports whether host is localhost or a loopback address.
func IsLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// NewTransport returns a TLS 1.2+ transport trusting the system roots plus caFile (PEM), if set.
func NewTransport(caFile string) (*http.Transport, error) {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	t.MaxIdleConnsPerHost = 32
	if caFile == "" {
		return t, nil
	}
	pem, err := os.ReadFile(caFile)
	if err != nil {
		return nil, fmt.Errorf("reading CA file: %w", err)
	}
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("CA file %s holds no PEM certificate", caFile)
	}
	t.TLSClientConfig.RootCAs = pool
	return t, nil
}

// Request is one API call. Path is relative to the base URL and already escaped; an absolute
// URL (an OData nextLink) is used as it is, after the scheme check.
type Request struct {
	Op     string // operation name for errors and traces: "AddContact"
	Method string
	Path   string
	Query  url.Values
	Body   any // []byte is sent as is; anything else is JSON-encoded
	Header http.Header
	// Idempotent marks a POST that is safe to repeat (a delete-by-POST, a query). PUT, GET
	// and DELETE are idempotent already.
	Idempotent bool
}

// Response is a 2xx answer with its body read.
type Response struct {
	Status   int
	Header   http.Header
	Body     []byte
	Attempts int
}

// Do sends the request (retrying where it is safe) and decodes a JSON answer into out.
func (c *Client) Do(ctx context.Context, r *Request, out any) (*Response, error) {
	hr, attempts, err := c.send(ctx, r)
	if err != nil {
		return nil, err
	}
	defer hr.Body.Close()
	body, err := io.ReadAll(hr.Body)
	if err != nil {
		return nil, &NetError{Service: c.cfg.Service, Op: r.Op, Attempts: attempts, Err: err}
	}
	c.traceBody(body)
	resp := &Response{Status: hr.StatusCode, Header: hr.Header, Body: body, Attempts: attempts}
	if out != nil && len(bytes.TrimSpace(body)) > 0 {
		if err := json.Unmarshal(body, out); err != nil {
			return resp, fmt.Errorf("%s: unexpected answer from the %s service: %w", r.Op, serviceName(c.cfg.Service), err)
		}
	}
	return resp, nil
}

// Open sends the request like Do but hands back the live 2xx answer for streaming. The
// caller closes the body. Retries happen only before the body is handed over.
func (c *Client) Open(ctx context.Context, r *Request) (*http.Response, error) {
	hr, _, err := c.send(ctx, r)
	return hr, err
}

func (c *Client) idempotent(r *Request) bool {
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodPut, http.MethodDelete, http.MethodOptions:
		return true
	}
	return r.Idempotent
}

// resolve turns the request's path into the URL to call. A relative path stays below the base
// path; an absolute one (an OData nextLink) must be there too: the credential this client
// sends was issued for its service, and goes nowhere else.
func (c *Client) resolve(r *Request) (*url.URL, error) {
	var u *url.URL
	if strings.HasPrefix(r.Path, "https://") || strings.HasPrefix(r.Path, "http://") {
		abs, err := url.Parse(r.Path)
		if err != nil {
			return nil, err
		}
		if !within(c.base, abs) {
			return nil, &PermanentError{Service: c.cfg.Service, Op: r.Op, Reason: fmt.Sprintf("refusing to send the %s credential to %s: it is outside the service's base URL %s", serviceName(c.cfg.Service), abs.Redacted(), c.base), Fix: "report the link; nothing was sent"}
		}
		u = abs
	} else {
		joined, err := joinUnder(c.base, r.Path)
		if err != nil {
			var pe *PathError
			if errors.As(err, &pe) {
				pe.Op = r.Op
				return nil, pe
			}
			return nil, fmt.Errorf("%s: %w", r.Op, err)
		}
		u = joined
	}
	if len(r.Query) > 0 {
		q := u.Query()
		for k, vs := range r.Query {
			for _, v := range vs {
				q.Add(k, v)
			}
		}
		u.RawQuery = q.Encode()
	}
	return u, CheckScheme(u)
}

func (c *Client) encodeBody(r *Request) ([]byte, error) {
	switch b := r.Body.(type) {
	case nil:
		return nil, nil
	case []byte:
		return b, nil
	case json.RawMessage:
		return b, nil
	default:
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(b); err != nil {
			return nil, fmt.Errorf("%s: encoding the request: %w", r.Op, err)
		}
		return bytes.TrimRight(buf.Bytes(), "\n"), nil
	}
}

// send runs the attempts. It returns a 2xx answer with an unread body, or an error.
func (c *Client) send(ctx context.Context, r *Request) (*http.Response, int, error) {
	u, err := c.resolve(r)
	if err != nil {
		return nil, 0, err
	}
	body, err := c.encodeBody(r)
	if err != nil {
		return nil, 0, err
	}
	idem := c.idempotent(r)
	pol := c.cfg.Retry
	// attempt counts every request sent; the throttled ones (a 429 that says when to come back)
	// are not failed attempts and use only the throttle budget, pol.MaxThrottle.
	throttles, throttled := 0, time.Duration(0)
	for attempt := 1; ; attempt++ {
		if err := c.cfg.Limiter.Wait(ctx); err != nil {
			return nil, attempt - 1, interrupted(r.Op, ctx, err)
		}
		hr, wrote, elapsed, err := c.attempt(ctx, r, u, body)
		last := attempt-throttles >= pol.MaxAttempts
		var authErr errAuth
		if errors.As(err, &authErr) {
			return nil, attempt, authErr.err
		}
		if err != nil {
			if ctx.Err() != nil {
				return nil, attempt, Interrupted(r.Op, ctx.Err())
			}
			if perm := c.permanent(r, err); perm != nil {
				return nil, attempt, perm
			}
			var netErr error = &NetError{Service: c.cfg.Service, Op: r.Op, Attempts: attempt, Err: err}
			if errors.Is(err, context.DeadlineExceeded) { // this attempt's own timeout
				netErr = c.timeoutError(r.Op, attempt, false)
			}
			if !idem && wrote {
				return nil, attempt, &AmbiguousError{Err: netErr}
			}
			if last {
				return nil, attempt, netErr
			}
			if err := c.backoff(ctx, attempt-throttles, 0); err != nil {
				return nil, attempt, interrupted(r.Op, ctx, err)
			}
			continue
		}
		retryAfter := parseRetryAfter(hr.Header.Get("Retry-After"), time.Now())
		c.cfg.Limiter.Observe(hr.StatusCode, retryAfter)
		c.traceStatus(hr, elapsed)
		if hr.StatusCode < 400 {
			return hr, attempt, nil
		}
		apiErr := c.apiError(r, u, hr, attempt)
		if hr.StatusCode == http.StatusTooManyRequests && retryAfter > 0 {
			if retryAfter > pol.MaxWait || throttled+retryAfter > pol.MaxThrottle {
				apiErr.Throttled = throttled
				return nil, attempt, apiErr
			}
			throttles, throttled = throttles+1, throttled+retryAfter
			if err := c.throttle(ctx, retryAfter); err != nil {
				return nil, attempt, interrupted(r.Op, ctx, err)
			}
			continue
		}
		retryable, ambiguous := RetryStatus(hr.StatusCode, idem)
		if ambiguous {
			return nil, attempt, &AmbiguousError{Err: apiErr}
		}
		if !retryable || last || retryAfter > pol.MaxWait {
			return nil, attempt, apiErr
		}
		if err := c.backoff(ctx, attempt-throttles, retryAfter); err != nil {
			return nil, attempt, interrupted(r.Op, ctx, err)
		}
	}
}

func (c *Client) timeoutError(op string, attempts int, reading bool) *TimeoutError {
	return &TimeoutError{Service: c.cfg.Service, Op: op, After: c.cfg.Timeout, Setting: c.cfg.TimeoutSetting, Attempts: attempts, Reading: reading}
}

// interrupted names the operation in an error caused by ctx ending (Ctrl-C, --timeout).
func interrupted(op string, ctx context.Context, err error) error {
	if ctx.Err() != nil && errors.Is(err, ctx.Err()) {
		return Interrupted(op, err)
	}
	return err
}

func (c *Client) attempt(ctx context.Context, r *Request, u *url.URL, body []byte) (*http.Response, bool, time.Duration, error) {
	actx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	wrote := false
	trace := &httptrace.ClientTrace{
		WroteRequest: func(info httptrace.WroteRequestInfo) { wrote = wrote || info.Err == nil },
	}
	req, err := http.NewRequestWithContext(httptrace.WithClientTrace(actx, trace), r.Method, u.String(), bytes.NewReader(body))
	if err != nil {
		cancel()
		return nil, false, 0, &PermanentError{Service: c.cfg.Service, Op: r.Op, Reason: "cannot build the request: " + err.Error(), Err: err}
	}
	if body == nil {
		req.Body = http.NoBody
		req.GetBody = func() (io.ReadCloser, error) { return http.NoBody, nil }
	}
	for k, vs := range r.Header {
		req.Header[k] = vs
	}
	if body != nil && req.Header.Get("Content-Type") == "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if req.Header.Get("Accept") == "" {
		req.Header.Set("Accept", "application/json")
	}
	if c.cfg.UserAgent != "" {
		req.Header.Set("User-Agent", c.cfg.UserAgent)
	}
	if c.cfg.Auth != nil {
		v, err := c.cfg.Auth(ctx)
		if err != nil {
			cancel()
			return nil, false, 0, errAuth{err}
		}
		req.Header.Set("Authorization", v)
	}
	if perm := checkHeaders(c.cfg.Service, r.Op, req.Header); perm != nil {
		cancel()
		return nil, false, 0, perm
	}
	c.traceRequest(r, req, body)
	start := time.Now()
	hr, err := c.hc.Do(req)
	elapsed := time.Since(start)
	if err != nil {
		cancel()
		return nil, wrote, elapsed, err
	}
	hr.Body = &cancelOnClose{ReadCloser: hr.Body, cancel: cancel, attempt: actx, parent: ctx, timeout: func() error { return c.timeoutError(r.Op, 1, true) }}
	return hr, wrote, elapsed, nil
}

// RetryStatus says what a failed answer allows: retry it (the service was busy or failed in
// a way that may pass), or report it as ambiguous (a non-idempotent request the server may
// have applied). 429 and 503 mean nothing was done: always retried. 500, 502 and 504 may
// come after the work was done: retried when the request is idempotent, else ambiguous.
// Every other status is the answer: a retry would get the same one.
func RetryStatus(status int, idempotent bool) (retry, ambiguous bool) {
	switch status {
	case http.StatusTooManyRequests, http.StatusServiceUnavailable:
		return true, false
	case http.StatusInternalServerError, http.StatusBadGateway, http.StatusGatewayTimeout:
		return idempotent, !idempotent
	}
	return false, false
}

// permanent classifies a transport failure that no retry can fix (see Permanent).
func (c *Client) permanent(r *Request, err error) *PermanentError {
	var redir *redirectError
	if errors.As(err, &redir) {
		return &PermanentError{Service: c.cfg.Service, Op: r.Op, Reason: redir.Error(), Err: err,
			Fix: "check the endpoint in the profile (nimbusctl config list): it should be the service's https:// URL"}
	}
	return Permanent(c.cfg.Service, r.Op, err)
}

// errAuth carries a credential failure out of attempt: it is not a network error and is
// never retried.
type errAuth struct{ err error }

func (e errAuth) Error() string { return e.err.Error() }

type cancelOnClose struct {
	io.ReadCloser
	cancel          context.CancelFunc
	attempt, parent context.Context
	timeout         func() error
}

// Read turns the attempt's own deadline, hit while the answer streams in, into a
// *TimeoutError that names the setting (the caller's deadline stays what it is).
func (c *cancelOnClose) Read(p []byte) (int, error) {
	n, err := c.ReadCloser.Read(p)
	if err != nil && err != io.EOF && c.attempt.Err() == context.DeadlineExceeded && c.parent.Err() == nil {
		err = c.timeout()
	}
	return n, err
}

// Close drains what is left of the body (a JSON decoder stops before the final newline)
// so the connection goes back to the pool instead of a new TLS handshake per request.
func (c *cancelOnClose) Close() error {
	io.Copy(io.Discard, io.LimitReader(c.ReadCloser, 64<<10))
	err := c.ReadCloser.Close()
	c.cancel()
	return err
}

func (c *Client) apiError(r *Request, u *url.URL, hr *http.Response, attempt int) *APIError {
	defer hr.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(hr.Body, 64<<10))
	c.traceBody(body)
	return &APIError{
		Service:   c.cfg.Service,
		Op:        r.Op,
		Method:    r.Method,
		Path:      u.Path,
		Status:    hr.StatusCode,
		Message:   c.hideCredentials(serverMessage(body), hr.Request),
		Challenge: hr.Header.Get("WWW-Authenticate"),
		RequestID: requestID(hr.Header),
		Attempts:  attempt,
	}
}

// hideCredentials keeps the credential a request carried (the Authorization value, and its
// token) and the configured secrets out of a server's message: an API that echoes what it
// refused would put them in the error, the report and the log.
func (c *Client) hideCredentials(msg string, req *http.Request) string {
	secrets := c.cfg.Secrets
	if req != nil {
		if v := req.Header.Get("Authorization"); v != "" {
			secrets = append([]string{v}, secrets...)
			if _, tok, ok := strings.Cut(v, " "); ok {
				secrets = append(secrets, tok)
			}
		}
	}
	for _, s := range secrets {
		if len(s) >= 8 {
			msg = strings.ReplaceAll(msg, s, redacted)
		}
	}
	return msg
}

func requestID(h http.Header) string {
	for _, k := range []string{"X-Request-Id", "X-Ms-Request-Id", "Request-Id", "X-Correlation-Id"} {
		if v := h.Get(k); v != "" {
			return v
		}
	}
	return ""
}

// backoff waits before the next attempt: the server's Retry-After when it gave one, else an
// exponential step with full jitter.
func (c *Client) backoff(ctx context.Context, attempt int, retryAfter time.Duration) error {
	d := retryAfter
	if d <= 0 {
		step := c.cfg.Retry.BaseDelay << (attempt - 1)
		if step > c.cfg.Retry.MaxDelay || step <= 0 {
			step = c.cfg.Retry.MaxDelay
		}
		d = step/2 + rand.N(step/2+1)
	}
	if c.cfg.Trace != nil {
		fmt.Fprintf(c.cfg.Trace, "* retrying in %s (attempt %d of %d)\n", d.Round(time.Millisecond), attempt+1, c.cfg.Retry.MaxAttempts)
	}
	return c.cfg.Sleep(ctx, d)
}

// throttle waits out a 429's Retry-After before the request is sent again.
func (c *Client) throttle(ctx context.Context, d time.Duration) error {
	if c.cfg.Trace != nil {
		fmt.Fprintf(c.cfg.Trace, "* throttled: sending again in %s (not counted as an attempt)\n", d.Round(time.Millisecond))
	}
	return c.cfg.Sleep(ctx, d)
}
