package cli_test

import (
	"encoding/pem"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/nimbusctl/nimbusctl/pkg/cli/clitest"
	"github.com/nimbusctl/nimbusctl/pkg/emulator"
)

// runAndRecord runs one command line and returns its result and the requests that reached
// the emulator meanwhile, as "METHOD /uri".
func runAndRecord(e *clitest.Env, args ...string) (clitest.Result, []string) {
	before := len(e.Emu.Received())
	r := e.Run(args...)
	var sent []string
	for _, q := range e.Emu.Received()[before:] {
		sent = append(sent, q.Method+" "+q.URI)
	}
	return r, sent
}

// Item 1: an id that is empty or only dots is refused before anything is sent, for every
// path parameter of both services; `api` paths never leave the service's base path.
func TestDotIDsAndPathsNeverRetargetARequest(t *testing.T) {
	t.Parallel()
	e := clitest.New(t)
	const idRule = `: an id cannot be empty or only dots` + "\n"
	for _, tc := range []struct {
		args   []string
		code   int
		stderr string
		sent   []string
	}{
		{[]string{"schedule", "remove", ".."}, 3, `error: DeleteSchedulerEntry: invalid SchedulerEntryID ".."` + idRule, nil},
		{[]string{"schedule", "update", ".", "--service", "support@contoso.com", "--max-attempts", "2"}, 3, `error: UpdateSchedulerEntry: invalid SchedulerEntryID "."` + idRule, nil},
		{[]string{"task", "update", "..", "--customer-first-name", "A"}, 3, `error: UpdateTask: invalid taskId ".."` + idRule, nil},
		{[]string{"external-task", "remove", "..."}, 3, `error: RemoveExternalTask: invalid externalTaskId "..."` + idRule, nil},
		{[]string{"trigger", "delete", "tasks", "."}, 3, `error: DeleteTaskEventsTrigger: invalid triggerId "."` + idRule, nil},
		{[]string{"trigger", "delete", "scheduler-entries", ".."}, 3, `error: DeleteSchedulerEntriesTrigger: invalid triggerId ".."` + idRule, nil},
		{[]string{"nps", "employee", "responses", ".."}, 3, `error: GetEmployeeResponses: invalid employee ".."` + idRule, nil},
		{[]string{"nps", "employee", "analytics", "."}, 3, `error: GetEmployeeAnalytics: invalid employee "."` + idRule, nil},
		{[]string{"nps", "webhooks", "delete", ".."}, 3, `error: DeleteWebhook: invalid id ".."` + idRule, nil},
		{[]string{"api", "GET", "/../../x"}, 3, `error: GET /../../x: the path "/../../x" climbs above the service's base path /nimbus` + "\n", nil},
		{[]string{"api", "GET", "/%2e%2e/odata/Sessions"}, 3, `error: GET /%2e%2e/odata/Sessions: the path "/%2e%2e/odata/Sessions" climbs above the service's base path /nimbus` + "\n", nil},
		{[]string{"api", "--service", "odata", "GET", "/../nimbus/v2/AddressBooks"}, 3, `error: GET /../nimbus/v2/AddressBooks: the path "/../nimbus/v2/AddressBooks" climbs above the service's base path /odata` + "\n", nil},
		{[]string{"nps", "api", "GET", "/../nimbus/v2/AddressBooks"}, 3, `error: GET /../nimbus/v2/AddressBooks: the path "/../nimbus/v2/AddressBooks" climbs above the service's base path /nps` + "\n", nil},
		// Inside the base, dot segments resolve as in any URL.
		{[]string{"api", "GET", "/v1/x/../../v2/AddressBooks", "--jq", "length"}, 0, "", []string{"GET /nimbus/v2/AddressBooks"}},
	} {
		r, sent := runAndRecord(e, tc.args...)
		name := strings.Join(tc.args, " ")
		if r.Code != tc.code || r.Stderr != tc.stderr {
			t.Errorf("%s: exit %d, stderr %q\nwant exit %d, stderr %q", name, r.Code, r.Stderr, tc.code, tc.stderr)
		}
		if !slices.Equal(sent, tc.sent) {
			t.Errorf("%s: sent %q, want %q", name, sent, tc.sent)
		}
	}
}

// Item 1: a token goes only to the base it was issued for.
func TestTokensGoOnlyToTheirService(t *testing.T) {
	t.Parallel()
	e := clitest.New(t)
	e.MustRun("api", "--service", "odata", "GET", "/$metadata", "-o", "yaml")
	e.MustRun("api", "GET", "/v2/AddressBooks")
	e.MustRun("nps", "campaigns", "list")
	tokens := map[string]string{
		"/odata/":  "Bearer " + e.Getenv("NIMBUSCTL_ODATA_TOKEN"),
		"/nimbus/": "Bearer " + e.Getenv("NIMBUSCTL_TOKEN"),
		"/nps/":    e.Getenv("NPSTODAY_API_KEY"),
	}
	for _, q := range e.Emu.Received() {
		for prefix, want := range tokens {
			if strings.HasPrefix(q.URI, prefix) && q.Authorization != want {
				t.Errorf("%s %s carried the wrong credential", q.Method, q.URI)
			}
		}
	}
}

// Item 4: a failure no retry can fix is not retried, exits 1 and says what is wrong and what
// to do; a 500 is retried like the other 5xx a retry can fix, so exit 10 always means
// "gave up after retries".
func TestPermanentFailuresExit1AndAreNotRetried(t *testing.T) {
	t.Parallel()
	e := clitest.New(t)

	// A TLS-intercepting proxy (the emulator, without its CA file) and a redirect to http.
	redirect := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://api.example.test"+r.URL.Path, http.StatusFound)
	}))
	redirect.Config.ErrorLog = log.New(io.Discard, "", 0)
	redirect.StartTLS()
	t.Cleanup(redirect.Close)
	redirectCA := filepath.Join(e.Home, "redirect-ca.pem")
	if err := os.WriteFile(redirectCA, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: redirect.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		name   string
		env    map[string]string
		args   []string
		code   int
		stderr string
		sent   []string
	}{
		{
			name: "unknown certificate authority", env: map[string]string{"NIMBUSCTL_CA_FILE": ""},
			args: []string{"addressbook", "list"}, code: 1,
			stderr: "error: GetAddressBooks: the Nimbus service's TLS certificate is signed by an unknown authority (issuer nimbusctl emulator CA); if a proxy inspects TLS or the service uses a private CA, put that CA's PEM certificate in a file and set ca_file (nimbusctl config set ca_file /path/ca.pem, or NIMBUSCTL_CA_FILE); otherwise something is intercepting the connection\n",
		},
		{
			name: "redirect to http", env: map[string]string{"NIMBUSCTL_CA_FILE": redirectCA, "NIMBUSCTL_ENDPOINT": redirect.URL},
			args: []string{"addressbook", "list"}, code: 1,
			stderr: "error: GetAddressBooks: refused a redirect from " + redirect.URL + "/v2/AddressBooks to http://api.example.test/v2/AddressBooks: refusing plain http:// to api.example.test: tokens and keys would travel unencrypted (use https://; http is allowed only to loopback); check the endpoint in the profile (nimbusctl config list): it should be the service's https:// URL\n",
		},
		{
			name: "header with CR/LF",
			args: []string{"api", "GET", "/v2/AddressBooks", "-H", "X-Note: a\r\nX-Injected: 1"}, code: 1,
			stderr: "error: GetAddressBooks: cannot build the request: the X-Note header holds a line break or another control character; remove the line break from that value; nothing was sent\n",
		},
		{
			name: "token pasted with a CR", env: map[string]string{"NIMBUSCTL_TOKEN": e.Getenv("NIMBUSCTL_TOKEN") + "\r"},
			args: []string{"addressbook", "list"}, code: 1,
			stderr: "error: GetAddressBooks: cannot build the request: the credential (Authorization header) holds a line break or another control character; check the token or key you set (NIMBUSCTL_TOKEN, NPSTODAY_API_KEY, a key file): it must be one line; nothing was sent\n",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for k, v := range tc.env {
				old := e.Getenv(k)
				e.Setenv(k, v)
				defer e.Setenv(k, old)
			}
			r, sent := runAndRecord(e, tc.args...)
			if r.Code != tc.code || r.Stderr != tc.stderr || r.Stdout != "" {
				t.Errorf("exit %d, stdout %q, stderr\n%q\nwant exit %d, stderr\n%q", r.Code, r.Stdout, r.Stderr, tc.code, tc.stderr)
			}
			if !slices.Equal(sent, tc.sent) {
				t.Errorf("sent %q, want %q", sent, tc.sent)
			}
		})
	}
}

func TestServerErrorsAreRetriedOnlyWhereSafe(t *testing.T) {
	t.Parallel()
	e := clitest.New(t)
	// A GET answered 500 is retried, like 502 and 504.
	e.Emu.InjectFaults(emulator.ServiceNimbus, emulator.FaultInternal)
	r, sent := runAndRecord(e, "api", "GET", "/v2/AddressBooks", "--jq", "length")
	if r.Code != 0 || r.Stdout != "2\n" || len(sent) != 2 {
		t.Errorf("GET after a 500: exit %d %q %q, sent %q", r.Code, r.Stdout, r.Stderr, sent)
	}
	// A POST answered 500 may have been applied: not resent, exit 10.
	e.Emu.InjectFaults(emulator.ServiceNimbus, emulator.FaultInternal)
	r, sent = runAndRecord(e, "external-task", "add", "--service", "support@contoso.com")
	want := "error: AddExternalTask: 500 Internal Server Error: Internal Server Error. (the request may have been applied; not retried)\nThe service is busy or unreachable; nothing more was sent. Try again later.\n"
	if r.Code != 10 || r.Stderr != want || len(sent) != 1 {
		t.Errorf("POST after a 500: exit %d stderr %q, sent %q", r.Code, r.Stderr, sent)
	}
}

// Item 4: the sign-in reads an untrusted certificate the same way (exit 1, the fix).
func TestSignInThroughAnUntrustedCertificateExits1(t *testing.T) {
	t.Parallel()
	e := clitest.New(t, clitest.WithEntra())
	e.Setenv("NIMBUSCTL_CA_FILE", "")
	e.Run("auth", "login").Expect(t, 1, "", "error: DeviceCode: the Entra ID service's TLS certificate is signed by an unknown authority (issuer nimbusctl emulator CA); if a proxy inspects TLS or the service uses a private CA, put that CA's PEM certificate in a file and set ca_file (nimbusctl config set ca_file /path/ca.pem, or NIMBUSCTL_CA_FILE); otherwise something is intercepting the connection\n")
	if n := len(e.Emu.UserCodes()); n != 0 {
		t.Errorf("%d device codes issued", n)
	}
}
