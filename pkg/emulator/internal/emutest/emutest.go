// Package emutest holds the helpers the emulator's own tests share: an emulator per test, a
// settable clock, and plain HTTP calls over real TLS whose answers a test checks.
package emutest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nimbusctl/nimbusctl/pkg/emulator"
	"github.com/nimbusctl/nimbusctl/pkg/emulator/core"
)

// Start runs an emulator for the test's lifetime.
func Start(t testing.TB, opts emulator.Options) *emulator.Emulator {
	t.Helper()
	e, err := emulator.Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Close)
	return e
}

// Clock is a settable domain clock, for Options.Now.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock starts at 2026-03-23 10:00 UTC.
func NewClock() *Clock {
	return &Clock{t: time.Date(2026, 3, 23, 10, 0, 0, 0, time.UTC)}
}

// Now is the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// Caller calls the Nimbus API as one user (with Token; none when empty), over real TLS.
type Caller struct {
	T     testing.TB
	E     *emulator.Emulator
	Token string
}

// As is a Caller with an hour-long Nimbus token for user.
func As(t testing.TB, e *emulator.Emulator, user string) *Caller {
	return &Caller{T: t, E: e, Token: e.IssueToken(user, emulator.NimbusAudience, time.Hour)}
}

// Result is an answer: status, headers and the whole body.
type Result struct {
	Status int
	Header http.Header
	Body   []byte
}

// Do calls the Nimbus API: path is relative to NimbusURL; body as for Send.
func (c *Caller) Do(method, path string, body any) Result {
	c.T.Helper()
	auth := ""
	if c.Token != "" {
		auth = "Bearer " + c.Token
	}
	return Send(c.T, c.E, method, c.E.NimbusURL()+path, auth, body)
}

// Send makes one request: body as is when it is a string, JSON-encoded otherwise (nil: no
// body), with auth as the Authorization header unless empty.
func Send(t testing.TB, e *emulator.Emulator, method, url, auth string, body any) Result {
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
	return Result{Status: resp.StatusCode, Header: resp.Header, Body: raw}
}

// Expect fails the test unless the answer has status.
func (r Result) Expect(t *testing.T, status int) Result {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d; body %s", r.Status, status, r.Body)
	}
	return r
}

// JSON decodes the body into v.
func (r Result) JSON(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decode %s: %v", r.Body, err)
	}
}

// APIErr is the error body.
type APIErr struct {
	Message string            `json:"message"`
	Errors  []core.FieldError `json:"errors"`
}

// Err decodes the error body; it fails the test when the body has no message.
func (r Result) Err(t *testing.T) APIErr {
	t.Helper()
	var e APIErr
	r.JSON(t, &e)
	if e.Message == "" {
		t.Fatalf("error body without message: %s", r.Body)
	}
	return e
}

// HasField reports whether a 400 names field, with a message containing msg.
func (e APIErr) HasField(field, msg string) bool {
	for _, f := range e.Errors {
		if f.Field == field && strings.Contains(f.Message, msg) {
			return true
		}
	}
	return false
}

// Entry is a valid SchedulerEntryWriteData for the admin, due in an hour of clock time.
func Entry(now time.Time, extra map[string]any) map[string]any {
	m := map[string]any{
		"ReferenceId":    "ref-1",
		"destination":    "+41445551234",
		"serviceUpn":     emulator.ServiceSupport,
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

// HasContact reports whether list (Emulator.Contacts) holds the contact with externalId id.
func HasContact(list []map[string]any, id string) bool {
	for _, c := range list {
		if c["externalId"] == id {
			return true
		}
	}
	return false
}
