package emulator

import (
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestTLS(t *testing.T) {
	e := start(t, Options{})
	if !strings.HasPrefix(e.URL(), "https://127.0.0.1:") || e.NimbusURL() != e.URL()+"/nimbus" {
		t.Fatalf("URL %q NimbusURL %q", e.URL(), e.NimbusURL())
	}
	// A client that does not trust the CA is refused: the TLS is real.
	if _, err := http.Get(e.URL() + "/nimbus/v1/diagnostics/testconnection"); err == nil {
		t.Fatal("the default client trusted the emulator's certificate")
	}
	block, _ := pem.Decode(e.CACertPEM())
	if block == nil || block.Type != "CERTIFICATE" {
		t.Fatalf("CACertPEM: %q", e.CACertPEM())
	}
	ca, err := x509.ParseCertificate(block.Bytes)
	if err != nil || !ca.IsCA {
		t.Fatalf("CA: %v %v", err, ca)
	}
	as(t, e, DefaultUser).do("GET", "/v1/diagnostics/testconnection", nil).expect(t, 200)

	// The certificate is valid for localhost too.
	resp, err := e.HTTPClient().Get(strings.Replace(e.URL(), "127.0.0.1", "localhost", 1) + "/nope")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if e.CertPool() == nil {
		t.Fatal("no cert pool")
	}
}

func TestUnknownPathsAndRoutes(t *testing.T) {
	e := start(t, Options{})
	c := as(t, e, DefaultUser)
	r := c.do("GET", "/v1/nothing-here", nil).expect(t, 404)
	r.err(t)
	c.do("PATCH", "/v1/scheduler-entries", nil).expect(t, 405).err(t)

	resp, err := e.HTTPClient().Get(e.URL() + "/unmounted")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 404 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		t.Fatalf("unmounted: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
}

func TestRateLimit(t *testing.T) {
	e := start(t, Options{RateLimit: Rate{Count: 3, Per: time.Minute}})
	c := as(t, e, DefaultUser)
	for i := 0; i < 3; i++ {
		c.do("GET", "/v1/tasks/events", nil).expect(t, 200)
	}
	r := c.do("GET", "/v1/tasks/events", nil).expect(t, 429)
	secs, err := strconv.Atoi(r.header.Get("Retry-After"))
	// One token per 20 s: the wait is close to 20 s, never more.
	if err != nil || secs < 1 || secs > 20 {
		t.Fatalf("Retry-After %q", r.header.Get("Retry-After"))
	}
	if msg := r.err(t).Message; msg != "Rate limit exceeded. Try again in "+strconv.Itoa(secs)+" seconds." {
		t.Fatalf("message %q", msg)
	}
	st := e.Stats()
	if st.RateLimited[ServiceNimbus] != 1 || st.TotalRateLimited() != 1 || st.Requests[ServiceNimbus] != 4 {
		t.Fatalf("stats %+v", st)
	}
}

func TestBucketRefills(t *testing.T) {
	b := newBucket(Rate{Count: 2, Per: 10 * time.Second})
	t0 := time.Unix(1000, 0)
	for i := 0; i < 2; i++ {
		if ok, _ := b.take(t0); !ok {
			t.Fatal("burst refused")
		}
	}
	ok, wait := b.take(t0)
	if ok || wait != 5*time.Second {
		t.Fatalf("empty bucket: %v %v", ok, wait)
	}
	if ok, _ := b.take(t0.Add(5 * time.Second)); !ok {
		t.Fatal("no token after refill time")
	}
	if ok, _ := newBucket(Rate{}).take(t0); !ok {
		t.Fatal("zero rate must not limit")
	}
	if ceilSeconds(1500*time.Millisecond) != 2 || ceilSeconds(0) != 1 {
		t.Fatal("ceilSeconds")
	}
}

// TestWindowLimit: a fixed window takes Count calls at any speed, then refuses until the
// window's end (that is the Retry-After), then starts a new window at the next call.
func TestWindowLimit(t *testing.T) {
	b := newBucket(Rate{Count: 3, Per: time.Minute, Window: true})
	t0 := time.Unix(1000, 0)
	for i := 0; i < 3; i++ {
		if ok, _ := b.take(t0.Add(time.Duration(i) * time.Second)); !ok {
			t.Fatalf("call %d of the window refused", i+1)
		}
	}
	ok, wait := b.take(t0.Add(20 * time.Second))
	if ok || wait != 40*time.Second {
		t.Fatalf("full window: %v %v, want refused for the 40s left", ok, wait)
	}
	// Unlike a bucket, nothing comes back before the window ends.
	if ok, _ := b.take(t0.Add(59 * time.Second)); ok {
		t.Fatal("a call accepted before the window ended")
	}
	for i := 0; i < 3; i++ {
		if ok, _ := b.take(t0.Add(90 * time.Second)); !ok {
			t.Fatalf("call %d of the next window refused", i+1)
		}
	}
	if ok, wait := b.take(t0.Add(100 * time.Second)); ok || wait != 50*time.Second {
		t.Fatalf("second window: %v %v, want refused for 50s (it began at 90s)", ok, wait)
	}
}

func TestFaultInjectionIsSeeded(t *testing.T) {
	run := func() ([]int, Stats) {
		e := start(t, Options{Seed: 42, FaultRate: 0.5})
		c := as(t, e, DefaultUser)
		var got []int
		for i := 0; i < 40; i++ {
			got = append(got, c.do("GET", "/v1/tasks/directions", nil).status)
		}
		return got, e.Stats()
	}
	a, stats := run()
	b, _ := run()
	if strings.Join(strs(a), ",") != strings.Join(strs(b), ",") {
		t.Fatalf("same seed, different faults:\n%v\n%v", a, b)
	}
	for _, k := range AllFaultKinds {
		if stats.Faults[k] == 0 {
			t.Errorf("fault kind %s never drawn in 40 requests at rate 0.5: %v", k, stats.Faults)
		}
	}
	seen := map[int]int{}
	for _, s := range a {
		seen[s]++
	}
	total := 0
	for _, k := range AllFaultKinds {
		if seen[k.status()] != stats.Faults[k] {
			t.Errorf("%s: %d answers, %d counted", k, seen[k.status()], stats.Faults[k])
		}
		total += stats.Faults[k]
	}
	if seen[200]+total != 40 || stats.Operations["GetTaskDirections"] != 40 {
		t.Fatalf("answers %v stats %+v", seen, stats)
	}
}

func TestFaultKindsOption(t *testing.T) {
	if _, err := Start(Options{FaultKinds: []FaultKind{"418-teapot"}}); err == nil {
		t.Fatal("unknown fault kind accepted")
	}
	if _, err := Start(Options{FaultRate: 2}); err == nil {
		t.Fatal("fault rate 2 accepted")
	}
	e := start(t, Options{Seed: 1, FaultRate: 1, FaultKinds: []FaultKind{FaultBadGateway}})
	c := as(t, e, DefaultUser)
	for i := 0; i < 3; i++ {
		c.do("GET", "/v1/tasks/events", nil).expect(t, 502).err(t)
	}
	e.SetFaultRate(0)
	c.do("GET", "/v1/tasks/events", nil).expect(t, 200)
}

func TestFault504AfterApplies(t *testing.T) {
	e := start(t, Options{})
	c := as(t, e, DefaultUser)
	e.InjectFaults(ServiceNimbus, FaultTimeoutAfter)
	c.do("POST", "/v2/AddressBooks/"+BookCustomers+"/contacts", map[string]any{"externalId": "NEW-1"}).expect(t, 504)
	if !hasContact(e.Contacts(BookCustomers), "NEW-1") {
		t.Fatal("504-after: the contact was not added")
	}
	// A blind retry of the POST is now a duplicate.
	c.do("POST", "/v2/AddressBooks/"+BookCustomers+"/contacts", map[string]any{"externalId": "NEW-1"}).expect(t, 400)

	for _, k := range []FaultKind{FaultUnavailable, FaultInternal, FaultBadGateway} {
		e.InjectFaults(ServiceNimbus, k)
		c.do("POST", "/v2/AddressBooks/"+BookCustomers+"/contacts", map[string]any{"externalId": "NEW-" + string(k)}).expect(t, k.status())
		if hasContact(e.Contacts(BookCustomers), "NEW-"+string(k)) {
			t.Fatalf("%s: the contact was added", k)
		}
	}
	st := e.Stats()
	for _, k := range AllFaultKinds {
		if st.Faults[k] != 1 {
			t.Fatalf("faults %v", st.Faults)
		}
	}
	if st.Operations["AddContact"] != 5 {
		t.Fatalf("operations %v", st.Operations)
	}
}

func TestDeny(t *testing.T) {
	e := start(t, Options{Deny: []string{"nimbus"}})
	r := as(t, e, DefaultUser).do("GET", "/v2/AddressBooks", nil).expect(t, 403)
	r.err(t)
}

func TestLatency(t *testing.T) {
	e := start(t, Options{Latency: 30 * time.Millisecond})
	c := as(t, e, DefaultUser)
	t0 := time.Now()
	c.do("GET", "/v1/diagnostics/testconnection", nil).expect(t, 200)
	if d := time.Since(t0); d < 30*time.Millisecond {
		t.Fatalf("answered in %v, before the latency", d)
	}
}

func TestRequestLog(t *testing.T) {
	var mu sync.Mutex
	var lines []string
	e := start(t, Options{Logf: func(f string, a ...any) {
		mu.Lock()
		defer mu.Unlock()
		lines = append(lines, fmt.Sprintf(f, a...))
	}})
	as(t, e, DefaultUser).do("GET", "/v1/diagnostics/testconnection", nil).expect(t, 200)
	// The line is written once the handler returns, which may be just after the answer.
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		mu.Lock()
		n := len(lines)
		mu.Unlock()
		if n > 0 {
			break
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(lines) != 1 || !strings.Contains(lines[0], "nimbus TestConnection GET /nimbus/v1/diagnostics/testconnection -> 200") {
		t.Fatalf("log lines: %q", lines)
	}
}

func TestIDsAreSeeded(t *testing.T) {
	a, b, c := newIDGen(7), newIDGen(7), newIDGen(8)
	x, y, z := a.uuid(), b.uuid(), c.uuid()
	if x != y || x == z || len(x) != 36 || x[14] != '4' {
		t.Fatalf("%s %s %s", x, y, z)
	}
}

func strs(a []int) []string {
	out := make([]string, len(a))
	for i, v := range a {
		out[i] = strconv.Itoa(v)
	}
	return out
}

func hasContact(list []map[string]any, id string) bool {
	for _, c := range list {
		if c["externalId"] == id {
			return true
		}
	}
	return false
}
