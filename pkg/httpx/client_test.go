package httpx

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// noSleep records waits instead of sleeping, and moves a fake clock on by them, so retry
// tests run instantly.
type noSleep struct {
	mu    sync.Mutex
	clock time.Time
	waits []time.Duration
}

func (n *noSleep) sleep(_ context.Context, d time.Duration) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.waits = append(n.waits, d)
	n.clock = n.clock.Add(d)
	return nil
}

func (n *noSleep) now() time.Time {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.clock
}

func newTestClient(t *testing.T, url string, mod func(*Config)) (*Client, *noSleep) {
	t.Helper()
	ns := &noSleep{}
	cfg := Config{Service: "nimbus", BaseURL: url, Sleep: ns.sleep, Retry: Retry{MaxAttempts: 5}}
	if mod != nil {
		mod(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c, ns
}

// scripted answers with the given statuses in turn, then 200, counting calls.
func scripted(statuses ...int) (http.HandlerFunc, *atomic.Int32) {
	var n atomic.Int32
	return func(w http.ResponseWriter, r *http.Request) {
		i := int(n.Add(1)) - 1
		if i < len(statuses) {
			if statuses[i] == 429 {
				w.Header().Set("Retry-After", "2")
			}
			w.WriteHeader(statuses[i])
			io.WriteString(w, `{"message":"scripted failure"}`)
			return
		}
		io.WriteString(w, `{"ok":true}`)
	}, &n
}

func TestRetriesThrough429StormHonouringRetryAfter(t *testing.T) {
	h, calls := scripted(429, 429, 429)
	srv := httptest.NewServer(h)
	defer srv.Close()
	lim := NewLimiter(Rate{Count: 1000, Per: time.Second})
	c, ns := newTestClient(t, srv.URL, func(c *Config) { c.Limiter = lim })
	lim.now, lim.sleep = ns.now, ns.sleep

	var out struct{ OK bool }
	resp, err := c.Do(context.Background(), &Request{Op: "CreateSchedulerEntry", Method: "POST", Path: "/v1/x", Body: map[string]int{"a": 1}}, &out)
	if err != nil {
		t.Fatal(err)
	}
	if !out.OK || resp.Attempts != 4 || calls.Load() != 4 {
		t.Fatalf("out=%v attempts=%d calls=%d", out, resp.Attempts, calls.Load())
	}
	// Each 429 is waited out once, by the backoff; the limiter's shared pause has then passed.
	if len(ns.waits) != 3 {
		t.Errorf("waits = %v, want three", ns.waits)
	}
	for _, w := range ns.waits {
		if w != 2*time.Second {
			t.Errorf("waited %s, want the server's Retry-After 2s", w)
		}
	}
	if lim.Throttled() != 3 {
		t.Errorf("limiter saw %d 429s, want 3", lim.Throttled())
	}
}

func TestPOSTIsNotRetriedWhenItMayHaveLanded(t *testing.T) {
	for _, status := range []int{502, 504} {
		h, calls := scripted(status)
		srv := httptest.NewServer(h)
		c, _ := newTestClient(t, srv.URL, nil)
		_, err := c.Do(context.Background(), &Request{Op: "AddContact", Method: "POST", Path: "/c", Body: []byte(`{}`)}, nil)
		srv.Close()
		if !IsAmbiguous(err) {
			t.Fatalf("%d: err = %v, want AmbiguousError", status, err)
		}
		if calls.Load() != 1 {
			t.Errorf("%d: POST sent %d times, want exactly 1", status, calls.Load())
		}
		if StatusOf(err) != status {
			t.Errorf("StatusOf = %d", StatusOf(err))
		}
	}
}

func TestPOSTRetriedOn503AndIdempotentOn5xx(t *testing.T) {
	h, calls := scripted(503, 503)
	srv := httptest.NewServer(h)
	defer srv.Close()
	c, _ := newTestClient(t, srv.URL, nil)
	if _, err := c.Do(context.Background(), &Request{Op: "AddContact", Method: "POST", Path: "/c", Body: []byte(`{}`)}, nil); err != nil {
		t.Fatal(err)
	}
	if calls.Load() != 3 {
		t.Errorf("calls = %d, want 3", calls.Load())
	}

	// A GET is retried through every 5xx a retry can fix, 500 included (exit 10 then means
	// "gave up after retries" for each of them).
	h2, calls2 := scripted(502, 504, 500)
	srv2 := httptest.NewServer(h2)
	defer srv2.Close()
	c2, _ := newTestClient(t, srv2.URL, nil)
	if _, err := c2.Do(context.Background(), &Request{Op: "GetContacts", Method: "GET", Path: "/c"}, nil); err != nil {
		t.Fatalf("err = %v: 502, 504 and 500 are retried for a GET", err)
	}
	if calls2.Load() != 4 {
		t.Errorf("GET calls = %d, want 4", calls2.Load())
	}
}

// Which answers are retried, and which are the answer: one table, for every status the
// services document.
func TestRetryStatus(t *testing.T) {
	for _, tc := range []struct {
		status           int
		idem             bool
		retry, ambiguous bool
	}{
		{429, false, true, false}, {429, true, true, false},
		{503, false, true, false}, {503, true, true, false},
		{500, true, true, false}, {502, true, true, false}, {504, true, true, false},
		{500, false, false, true}, {502, false, false, true}, {504, false, false, true},
		{400, true, false, false}, {401, true, false, false}, {403, true, false, false},
		{404, true, false, false}, {409, true, false, false}, {501, true, false, false},
	} {
		retry, amb := RetryStatus(tc.status, tc.idem)
		if retry != tc.retry || amb != tc.ambiguous {
			t.Errorf("%d idempotent=%v: retry=%v ambiguous=%v, want %v %v", tc.status, tc.idem, retry, amb, tc.retry, tc.ambiguous)
		}
	}
}

func TestGivesUpAfterMaxAttempts(t *testing.T) {
	h, calls := scripted(503, 503, 503, 503, 503, 503)
	srv := httptest.NewServer(h)
	defer srv.Close()
	c, ns := newTestClient(t, srv.URL, func(c *Config) { c.Retry.MaxAttempts = 3 })
	_, err := c.Do(context.Background(), &Request{Op: "GetAddressBooks", Method: "GET", Path: "/v2/AddressBooks"}, nil)
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.Status != 503 || apiErr.Attempts != 3 {
		t.Fatalf("err = %#v", err)
	}
	if calls.Load() != 3 || len(ns.waits) != 2 {
		t.Errorf("calls=%d waits=%d", calls.Load(), len(ns.waits))
	}
	want := "GetAddressBooks: 503 Service Unavailable: scripted failure (after 3 attempts)"
	if apiErr.Error() != want {
		t.Errorf("message\n got %q\nwant %q", apiErr.Error(), want)
	}
}

func TestRetryAfterBeyondMaxWaitGivesUp(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "3600")
		w.WriteHeader(429)
	}))
	defer srv.Close()
	c, ns := newTestClient(t, srv.URL, func(c *Config) { c.Retry.MaxWait = time.Minute })
	_, err := c.Do(context.Background(), &Request{Op: "X", Method: "GET", Path: "/"}, nil)
	if StatusOf(err) != 429 || len(ns.waits) != 0 {
		t.Fatalf("err=%v waits=%v: an hour-long Retry-After must not be waited out", err, ns.waits)
	}
}

// TestThrottlingIsNotAFailedAttempt: a 429 that says when to come back is waited out without
// using the retry budget, however often it comes (up to MaxThrottle in all).
func TestThrottlingIsNotAFailedAttempt(t *testing.T) {
	h, calls := scripted(429, 429, 429, 429, 429, 429, 429, 503)
	srv := httptest.NewServer(h)
	defer srv.Close()
	c, ns := newTestClient(t, srv.URL, func(c *Config) { c.Retry.MaxAttempts = 2 })
	resp, err := c.Do(context.Background(), &Request{Op: "AddContact", Method: "POST", Path: "/c", Body: []byte(`{}`)}, nil)
	if err != nil {
		t.Fatalf("seven 429s and a 503 with two attempts allowed: %v", err)
	}
	if resp.Attempts != 9 || calls.Load() != 9 {
		t.Errorf("attempts=%d calls=%d, want 9 requests sent", resp.Attempts, calls.Load())
	}
	var throttled time.Duration
	for _, w := range ns.waits[:7] {
		throttled += w
	}
	if throttled != 14*time.Second {
		t.Errorf("waits %v: want the server's 2s seven times", ns.waits)
	}
}

func TestThrottledTooLongGivesUp(t *testing.T) {
	h, calls := scripted(429, 429, 429, 429)
	srv := httptest.NewServer(h)
	defer srv.Close()
	c, ns := newTestClient(t, srv.URL, func(c *Config) { c.Retry.MaxThrottle = 5 * time.Second })
	_, err := c.Do(context.Background(), &Request{Op: "AddContact", Method: "POST", Path: "/c", Body: []byte(`{}`)}, nil)
	if StatusOf(err) != 429 || calls.Load() != 3 || len(ns.waits) != 2 {
		t.Fatalf("err=%v calls=%d waits=%v: two 2s waits fit in 5s, a third does not", err, calls.Load(), ns.waits)
	}
	want := "AddContact: 429 Too Many Requests: scripted failure (after 3 attempts, throttled for 4s)"
	if err.Error() != want {
		t.Errorf("message\n got %q\nwant %q", err.Error(), want)
	}
}

// A 429 without Retry-After says nothing about when to come back: it is an attempt like a 503.
func Test429WithoutRetryAfterUsesTheBudget(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.WriteHeader(429)
	}))
	defer srv.Close()
	c, _ := newTestClient(t, srv.URL, func(c *Config) { c.Retry.MaxAttempts = 3 })
	_, err := c.Do(context.Background(), &Request{Op: "X", Method: "GET", Path: "/"}, nil)
	if StatusOf(err) != 429 || calls.Load() != 3 {
		t.Fatalf("err=%v calls=%d, want 3 attempts", err, calls.Load())
	}
}

func TestConnectionRefusedPOSTIsRetriedBecauseNothingWasSent(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens: every dial is refused
	c, ns := newTestClient(t, "http://"+addr, func(c *Config) { c.Retry.MaxAttempts = 3 })
	_, err = c.Do(context.Background(), &Request{Op: "AddContact", Method: "POST", Path: "/c", Body: []byte(`{}`)}, nil)
	var netErr *NetError
	if !errors.As(err, &netErr) || IsAmbiguous(err) {
		t.Fatalf("err = %v, want a plain NetError", err)
	}
	if netErr.Attempts != 3 || len(ns.waits) != 2 {
		t.Errorf("attempts=%d waits=%d, want 3 attempts", netErr.Attempts, len(ns.waits))
	}
}

func TestDroppedConnectionAfterPOSTIsAmbiguous(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		io.ReadAll(r.Body)
		conn, _, _ := w.(http.Hijacker).Hijack()
		conn.Close() // the request arrived; the answer never does
	}))
	defer srv.Close()
	c, _ := newTestClient(t, srv.URL, nil)
	_, err := c.Do(context.Background(), &Request{Op: "CreateSchedulerEntry", Method: "POST", Path: "/s", Body: []byte(`{}`)}, nil)
	if !IsAmbiguous(err) || calls.Load() != 1 {
		t.Fatalf("err=%v calls=%d: a POST whose answer was lost must not be resent", err, calls.Load())
	}
	// The same failure on a GET is simply retried.
	calls.Store(0)
	_, err = c.Do(context.Background(), &Request{Op: "GetSchedulerEntries", Method: "GET", Path: "/s"}, nil)
	if err == nil || IsAmbiguous(err) || calls.Load() != 5 {
		t.Fatalf("GET: err=%v calls=%d", err, calls.Load())
	}
}

func TestIdempotentPOSTIsRetried(t *testing.T) {
	h, calls := scripted(502)
	srv := httptest.NewServer(h)
	defer srv.Close()
	c, _ := newTestClient(t, srv.URL, nil)
	_, err := c.Do(context.Background(), &Request{Op: "RemoveContacts", Method: "POST", Path: "/d", Body: []byte(`["a"]`), Idempotent: true}, nil)
	if err != nil || calls.Load() != 2 {
		t.Fatalf("err=%v calls=%d", err, calls.Load())
	}
}

func TestAPIErrorCarriesServerMessageAndRequestID(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Request-Id", "req-7")
		w.WriteHeader(403)
		io.WriteString(w, `{"message":"Forbidden. No access to Addressbook."}`)
	}))
	defer srv.Close()
	c, _ := newTestClient(t, srv.URL, nil)
	_, err := c.Do(context.Background(), &Request{Op: "GetContacts", Method: "GET", Path: "/v2/AddressBooks/x/contacts"}, nil)
	want := "GetContacts: 403 Forbidden: Forbidden. No access to Addressbook. [request id req-7]"
	if err == nil || err.Error() != want {
		t.Fatalf("got %v\nwant %s", err, want)
	}
}

func TestServerMessageShapes(t *testing.T) {
	cases := map[string]string{
		`{"message":"m1"}`:                                   "m1",
		`{"error":{"code":"x","message":"m2"}}`:              "m2",
		`{"error":"invalid_grant","error_description":"m3"}`: "m3",
		`{"title":"One or more validation errors occurred.","errors":{"maxAttempts":["must be at most 10"]}}`: "One or more validation errors occurred.; maxAttempts: must be at most 10",
		"plain text failure\nsecond line": "plain text failure",
		"<html><body>502</body></html>":   "",
		"":                                "",
	}
	for body, want := range cases {
		if got := serverMessage([]byte(body)); got != want {
			t.Errorf("serverMessage(%q) = %q, want %q", body, got, want)
		}
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)
	cases := map[string]time.Duration{
		"3":                             3 * time.Second,
		"0.5":                           500 * time.Millisecond,
		"Sat, 21 Nov 2026 10:00:30 GMT": 30 * time.Second,
		"":                              0,
		"soon":                          0,
		"-4":                            0,
	}
	for in, want := range cases {
		if got := parseRetryAfter(in, now); got != want {
			t.Errorf("parseRetryAfter(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestRefusesPlainHTTPExceptLoopback(t *testing.T) {
	for url, ok := range map[string]bool{
		"https://api.luware.cloud":     true,
		"http://127.0.0.1:8080/nimbus": true,
		"http://localhost:1":           true,
		"http://[::1]:1":               true,
		"http://api.luware.cloud":      false,
		"http://10.0.0.5":              false,
		"ftp://api.luware.cloud":       false,
	} {
		_, err := New(Config{Service: "nimbus", BaseURL: url})
		if (err == nil) != ok {
			t.Errorf("New(%s): err=%v, want ok=%v", url, err, ok)
		}
	}
}

func TestTraceRedactsSecrets(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"access_token":"eyJhbGciOi.eyJzdWIiOi.sig","refresh_token":"R-SECRET","note":"key KEY-123456 inside"}`)
	}))
	defer srv.Close()
	var trace bytes.Buffer
	c, _ := newTestClient(t, srv.URL, func(c *Config) {
		c.Trace = &trace
		c.Secrets = []string{"KEY-123456"}
		c.Auth = func(context.Context) (string, error) { return "Bearer eyJhbGciOi.eyJzdWIiOi.sig", nil }
	})
	_, err := c.Do(context.Background(), &Request{Op: "X", Method: "POST", Path: "/t",
		Query: map[string][]string{"api_key": {"KEY-123456"}, "page": {"2"}},
		Body:  map[string]string{"client_secret": "S3CRET-VALUE", "name": "ok"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	out := trace.String()
	for _, secret := range []string{"eyJhbGciOi", "R-SECRET", "KEY-123456", "S3CRET-VALUE"} {
		if strings.Contains(out, secret) {
			t.Errorf("trace leaks %q:\n%s", secret, out)
		}
	}
	for _, visible := range []string{"> POST", "page=2", `"name":"ok"`, "< 200 OK", "Authorization: [redacted]"} {
		if !strings.Contains(out, visible) {
			t.Errorf("trace lacks %q:\n%s", visible, out)
		}
	}
}

func TestAuthFailureIsNotRetried(t *testing.T) {
	h, calls := scripted()
	srv := httptest.NewServer(h)
	defer srv.Close()
	sentinel := errors.New("not logged in")
	c, ns := newTestClient(t, srv.URL, func(c *Config) {
		c.Auth = func(context.Context) (string, error) { return "", sentinel }
	})
	_, err := c.Do(context.Background(), &Request{Op: "X", Method: "GET", Path: "/"}, nil)
	if !errors.Is(err, sentinel) || calls.Load() != 0 || len(ns.waits) != 0 {
		t.Fatalf("err=%v calls=%d waits=%d", err, calls.Load(), len(ns.waits))
	}
}

func TestPathsAreJoinedToTheBase(t *testing.T) {
	var got string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.URL.EscapedPath() + "?" + r.URL.RawQuery
	}))
	defer srv.Close()
	c, _ := newTestClient(t, srv.URL+"/nimbus/", nil)
	_, err := c.Do(context.Background(), &Request{Method: "GET", Path: "/v2/AddressBooks/a%2Fb/contacts", Query: map[string][]string{"externalIds": {"x,y"}}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got != "/nimbus/v2/AddressBooks/a%2Fb/contacts?externalIds=x%2Cy" {
		t.Errorf("request went to %q", got)
	}
}

// hang answers nothing until the client gives up (head false), or sends the head and a
// first byte of the body, then nothing more (head true).
func hang(head bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if head {
			w.Write([]byte(`{"value":[`))
			w.(http.Flusher).Flush()
		}
		<-r.Context().Done()
	}
}

func TestAttemptTimeoutNamesItsSetting(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(hang(false))
	defer srv.Close()
	c, _ := newTestClient(t, srv.URL, func(cfg *Config) {
		cfg.Timeout, cfg.TimeoutSetting, cfg.Retry.MaxAttempts = 30*time.Millisecond, "request_timeout", 2
	})
	_, err := c.Do(context.Background(), &Request{Op: "GetThing", Method: "GET", Path: "x"}, nil)
	var te *TimeoutError
	if !errors.As(err, &te) || !errors.Is(err, context.DeadlineExceeded) ||
		err.Error() != "GetThing: the Nimbus service did not answer within 30ms (request_timeout), 2 attempts" {
		t.Fatalf("%T %v", err, err)
	}

	body := httptest.NewServer(hang(true))
	defer body.Close()
	c, _ = newTestClient(t, body.URL, func(cfg *Config) { cfg.Timeout, cfg.TimeoutSetting = 30*time.Millisecond, "request_timeout" })
	resp, err := c.Open(context.Background(), &Request{Op: "ListThings", Method: "GET", Path: "x"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = io.ReadAll(resp.Body)
	resp.Body.Close()
	if !errors.As(err, &te) || err.Error() != "ListThings: the Nimbus service did not complete its answer within 30ms (request_timeout)" {
		t.Fatalf("reading: %T %v", err, err)
	}
}

func TestTheCallersDeadlineNamesTheOperation(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(hang(false))
	defer srv.Close()
	c, _ := newTestClient(t, srv.URL, func(cfg *Config) { cfg.Timeout = time.Minute })
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	_, err := c.Do(ctx, &Request{Op: "GetThing", Method: "GET", Path: "x"}, nil)
	var ie *InterruptedError
	var te *TimeoutError
	if !errors.As(err, &ie) || ie.Op != "GetThing" || !errors.Is(err, context.DeadlineExceeded) || errors.As(err, &te) {
		t.Fatalf("%T %v", err, err)
	}
}

// An API that echoes the credential it refused does not get it into the error: the message
// is shown, written to reports and logged, so the Authorization value sent (and its token),
// and the configured secrets, are [redacted] in it.
func TestAPIErrorHidesTheCredentialTheServerQuotes(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprintf(w, `{"message":"header '%s', token %s, key k3y-0123456789 not valid"}`, r.Header.Get("Authorization"), strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "))
	}))
	defer srv.Close()
	c, _ := newTestClient(t, srv.URL, func(c *Config) {
		c.Auth = func(context.Context) (string, error) { return "Bearer eyJ0eXAi.secret-token-value", nil }
		c.Secrets = []string{"k3y-0123456789"}
	})
	_, err := c.Do(context.Background(), &Request{Op: "X", Method: "GET", Path: "/x"}, nil)
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.Message != `header '[redacted]', token [redacted], key [redacted] not valid` {
		t.Fatalf("%#v", err)
	}
}
