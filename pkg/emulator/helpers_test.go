package emulator

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// start runs an emulator for the test's lifetime.
func start(t *testing.T, opts Options) *Emulator {
	t.Helper()
	e, err := Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Close)
	return e
}

// testClock is a settable domain clock.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *testClock {
	return &testClock{t: time.Date(2026, 3, 23, 10, 0, 0, 0, time.UTC)}
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// caller calls the Nimbus API as one user, over real TLS.
type caller struct {
	t     testing.TB
	e     *Emulator
	token string
}

func as(t testing.TB, e *Emulator, user string) *caller {
	return &caller{t: t, e: e, token: e.IssueToken(user, NimbusAudience, time.Hour)}
}

type result struct {
	status int
	header http.Header
	body   []byte
}

func (c *caller) do(method, path string, body any) result {
	c.t.Helper()
	auth := ""
	if c.token != "" {
		auth = "Bearer " + c.token
	}
	return send(c.t, c.e, method, c.e.NimbusURL()+path, auth, body)
}

// send makes one request: body as is when it is a string, JSON-encoded otherwise (nil: no
// body), with auth as the Authorization header unless empty.
func send(t testing.TB, e *Emulator, method, url, auth string, body any) result {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := e.HTTPClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return result{status: resp.StatusCode, header: resp.Header, body: raw}
}

func (r result) expect(t *testing.T, status int) result {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d; body %s", r.status, status, r.body)
	}
	return r
}

func (r result) json(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
}

// apiErr is the error body.
type apiErr struct {
	Message string       `json:"message"`
	Errors  []fieldError `json:"errors"`
}

func (r result) err(t *testing.T) apiErr {
	t.Helper()
	var e apiErr
	r.json(t, &e)
	if e.Message == "" {
		t.Fatalf("error body without message: %s", r.body)
	}
	return e
}

// hasField reports whether a 400 names field, with a message containing msg.
func (e apiErr) hasField(field, msg string) bool {
	for _, f := range e.Errors {
		if f.Field == field && strings.Contains(f.Message, msg) {
			return true
		}
	}
	return false
}

// entry is a valid SchedulerEntryWriteData for the admin, due in an hour of clock time.
func entry(now time.Time, extra map[string]any) map[string]any {
	m := map[string]any{
		"ReferenceId":    "ref-1",
		"destination":    "+41445551234",
		"serviceUpn":     ServiceSupport,
		"dueDateTimeUtc": now.Add(time.Hour).UTC().Format(time.RFC3339),
	}
	for k, v := range extra {
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
	}
	return m
}
