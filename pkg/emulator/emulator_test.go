package emulator_test

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

	"github.com/nimbusctl/nimbusctl/pkg/emulator"
	"github.com/nimbusctl/nimbusctl/pkg/emulator/internal/emutest"
)

func TestTLS(t *testing.T) {
	e := emutest.Start(t, emulator.Options{})
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
	emutest.As(t, e, emulator.DefaultUser).Do("GET", "/v1/diagnostics/testconnection", nil).Expect(t, 200)

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
	e := emutest.Start(t, emulator.Options{})
	c := emutest.As(t, e, emulator.DefaultUser)
	r := c.Do("GET", "/v1/nothing-here", nil).Expect(t, 404)
	r.Err(t)
	c.Do("PATCH", "/v1/scheduler-entries", nil).Expect(t, 405).Err(t)

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
	e := emutest.Start(t, emulator.Options{RateLimit: emulator.Rate{Count: 3, Per: time.Minute}})
	c := emutest.As(t, e, emulator.DefaultUser)
	for i := 0; i < 3; i++ {
		c.Do("GET", "/v1/tasks/events", nil).Expect(t, 200)
	}
	r := c.Do("GET", "/v1/tasks/events", nil).Expect(t, 429)
	secs, err := strconv.Atoi(r.Header.Get("Retry-After"))
	// One token per 20 s: the wait is close to 20 s, never more.
	if err != nil || secs < 1 || secs > 20 {
		t.Fatalf("Retry-After %q", r.Header.Get("Retry-After"))
	}
	if msg := r.Err(t).Message; msg != "Rate limit exceeded. Try again in "+strconv.Itoa(secs)+" seconds." {
		t.Fatalf("message %q", msg)
	}
	st := e.Stats()
	if st.RateLimited[emulator.ServiceNimbus] != 1 || st.TotalRateLimited() != 1 || st.Requests[emulator.ServiceNimbus] != 4 {
		t.Fatalf("stats %+v", st)
	}
}

func TestFaultInjectionIsSeeded(t *testing.T) {
	run := func() ([]int, emulator.Stats) {
		e := emutest.Start(t, emulator.Options{Seed: 42, FaultRate: 0.5})
		c := emutest.As(t, e, emulator.DefaultUser)
		var got []int
		for i := 0; i < 40; i++ {
			got = append(got, c.Do("GET", "/v1/tasks/directions", nil).Status)
		}
		return got, e.Stats()
	}
	a, stats := run()
	b, _ := run()
	if strings.Join(strs(a), ",") != strings.Join(strs(b), ",") {
		t.Fatalf("same seed, different faults:\n%v\n%v", a, b)
	}
	for _, k := range emulator.AllFaultKinds {
		if stats.Faults[k] == 0 {
			t.Errorf("fault kind %s never drawn in 40 requests at rate 0.5: %v", k, stats.Faults)
		}
	}
	seen := map[int]int{}
	for _, s := range a {
		seen[s]++
	}
	total := 0
	for _, k := range emulator.AllFaultKinds {
		if seen[k.Status()] != stats.Faults[k] {
			t.Errorf("%s: %d answers, %d counted", k, seen[k.Status()], stats.Faults[k])
		}
		total += stats.Faults[k]
	}
	if seen[200]+total != 40 || stats.Operations["GetTaskDirections"] != 40 {
		t.Fatalf("answers %v stats %+v", seen, stats)
	}
}

func TestFaultKindsOption(t *testing.T) {
	if _, err := emulator.Start(emulator.Options{FaultKinds: []emulator.FaultKind{"418-teapot"}}); err == nil {
		t.Fatal("unknown fault kind accepted")
	}
	if _, err := emulator.Start(emulator.Options{FaultRate: 2}); err == nil {
		t.Fatal("fault rate 2 accepted")
	}
	e := emutest.Start(t, emulator.Options{Seed: 1, FaultRate: 1, FaultKinds: []emulator.FaultKind{emulator.FaultBadGateway}})
	c := emutest.As(t, e, emulator.DefaultUser)
	for i := 0; i < 3; i++ {
		c.Do("GET", "/v1/tasks/events", nil).Expect(t, 502).Err(t)
	}
	e.SetFaultRate(0)
	c.Do("GET", "/v1/tasks/events", nil).Expect(t, 200)
}

func TestFault504AfterApplies(t *testing.T) {
	e := emutest.Start(t, emulator.Options{})
	c := emutest.As(t, e, emulator.DefaultUser)
	e.InjectFaults(emulator.ServiceNimbus, emulator.FaultTimeoutAfter)
	c.Do("POST", "/v2/AddressBooks/"+emulator.BookCustomers+"/contacts", map[string]any{"externalId": "NEW-1"}).Expect(t, 504)
	if !emutest.HasContact(e.Contacts(emulator.BookCustomers), "NEW-1") {
		t.Fatal("504-after: the contact was not added")
	}
	// A blind retry of the POST is now a duplicate.
	c.Do("POST", "/v2/AddressBooks/"+emulator.BookCustomers+"/contacts", map[string]any{"externalId": "NEW-1"}).Expect(t, 400)

	for _, k := range []emulator.FaultKind{emulator.FaultUnavailable, emulator.FaultInternal, emulator.FaultBadGateway} {
		e.InjectFaults(emulator.ServiceNimbus, k)
		c.Do("POST", "/v2/AddressBooks/"+emulator.BookCustomers+"/contacts", map[string]any{"externalId": "NEW-" + string(k)}).Expect(t, k.Status())
		if emutest.HasContact(e.Contacts(emulator.BookCustomers), "NEW-"+string(k)) {
			t.Fatalf("%s: the contact was added", k)
		}
	}
	st := e.Stats()
	for _, k := range emulator.AllFaultKinds {
		if st.Faults[k] != 1 {
			t.Fatalf("faults %v", st.Faults)
		}
	}
	if st.Operations["AddContact"] != 5 {
		t.Fatalf("operations %v", st.Operations)
	}
}

func TestDeny(t *testing.T) {
	e := emutest.Start(t, emulator.Options{Deny: []string{"nimbus"}})
	r := emutest.As(t, e, emulator.DefaultUser).Do("GET", "/v2/AddressBooks", nil).Expect(t, 403)
	r.Err(t)
}

func TestLatency(t *testing.T) {
	e := emutest.Start(t, emulator.Options{Latency: 30 * time.Millisecond})
	c := emutest.As(t, e, emulator.DefaultUser)
	t0 := time.Now()
	c.Do("GET", "/v1/diagnostics/testconnection", nil).Expect(t, 200)
	if d := time.Since(t0); d < 30*time.Millisecond {
		t.Fatalf("answered in %v, before the latency", d)
	}
}

func TestRequestLog(t *testing.T) {
	var mu sync.Mutex
	var lines []string
	e := emutest.Start(t, emulator.Options{Logf: func(f string, a ...any) {
		mu.Lock()
		defer mu.Unlock()
		lines = append(lines, fmt.Sprintf(f, a...))
	}})
	emutest.As(t, e, emulator.DefaultUser).Do("GET", "/v1/diagnostics/testconnection", nil).Expect(t, 200)
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

func strs(a []int) []string {
	out := make([]string, len(a))
	for i, v := range a {
		out[i] = strconv.Itoa(v)
	}
	return out
}

// TestWaitIdleAfterSignIn: a finished Entra request is not in flight any more. (The sign-in
// middleware counted requests in and never out, so WaitIdle timed out after any sign-in.)
func TestWaitIdleAfterSignIn(t *testing.T) {
	e := emutest.Start(t, emulator.Options{})
	resp, err := e.HTTPClient().Get(e.EntraURL() + "/" + emulator.TenantID + "/v2.0/.well-known/openid-configuration")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("discovery: %d", resp.StatusCode)
	}
	if !e.WaitIdle(10 * time.Second) {
		t.Fatal("WaitIdle: the sign-in request is still counted in flight")
	}
}

// TestInjectFaultsLetsThroughOnSignIn: an empty kind lets that request through, on the sign-in
// service as on the others.
func TestInjectFaultsLetsThroughOnSignIn(t *testing.T) {
	e := emutest.Start(t, emulator.Options{})
	e.InjectFaults(emulator.ServiceEntra, "", emulator.FaultUnavailable)
	discovery := e.EntraURL() + "/" + emulator.TenantID + "/v2.0/.well-known/openid-configuration"
	for _, want := range []int{200, 503, 200} {
		emutest.Send(t, e, "GET", discovery, "", nil).Expect(t, want)
	}
	if f := e.Stats().Faults; len(f) != 1 || f[emulator.FaultUnavailable] != 1 {
		t.Fatalf("faults %v", f)
	}
}
