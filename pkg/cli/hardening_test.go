package cli_test

import (
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/nimbusctl/nimbusctl/pkg/cli/clitest"
	"github.com/nimbusctl/nimbusctl/pkg/emulator"
	"github.com/nimbusctl/nimbusctl/pkg/nimbus"
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
		// A server that takes \ for / (IIS) or decodes %2F would resolve these; a # ends the path.
		{[]string{"schedule", "remove", `..\`}, 3, `error: DeleteSchedulerEntry: invalid SchedulerEntryID "..\\": an id cannot have a part of only dots between slashes or backslashes` + "\n", nil},
		{[]string{"task", "update", "x/../..", "--customer-first-name", "A"}, 3, `error: UpdateTask: invalid taskId "x/../..": an id cannot have a part of only dots between slashes or backslashes` + "\n", nil},
		{[]string{"api", "--service", "odata", "GET", `/..\..\nimbus/v2/AddressBooks`}, 3, `error: GET /..\..\nimbus/v2/AddressBooks: the path "/..\\..\\nimbus/v2/AddressBooks" has a part of only dots between backslashes or encoded slashes, which a server may resolve out of the base path /odata: write it with plain slashes` + "\n", nil},
		{[]string{"api", "--service", "odata", "GET", "/..%2F..%2Fnimbus/v2/AddressBooks"}, 3, `error: GET /..%2F..%2Fnimbus/v2/AddressBooks: the path "/..%2F..%2Fnimbus/v2/AddressBooks" has a part of only dots between backslashes or encoded slashes, which a server may resolve out of the base path /odata: write it with plain slashes` + "\n", nil},
		{[]string{"api", "--service", "odata", "GET", "/..#/nimbus/v2/AddressBooks"}, 3, `error: GET /..#/nimbus/v2/AddressBooks: the path "/..#/nimbus/v2/AddressBooks" has a # (a fragment, never sent): write it as %23` + "\n", nil},
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

// hostileEndpoint serves h over TLS and points the profile's Nimbus endpoint at it: a server
// that answers what a test needs (an error quoting anything).
func hostileEndpoint(t *testing.T, e *clitest.Env, h http.HandlerFunc) {
	t.Helper()
	srv := httptest.NewUnstartedServer(h)
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	t.Cleanup(srv.Close)
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	e.Setenv("NIMBUSCTL_CA_FILE", ca)
	e.Setenv("NIMBUSCTL_ENDPOINT", srv.URL)
}

// terminalUnsafe finds the first byte or rune a terminal would act on: ESC, BEL, another C0
// control but tab and newline, DEL, or a C1 control (as a UTF-8 rune or a raw byte).
func terminalUnsafe(s string) (string, bool) {
	for i, r := range s {
		switch {
		case r == '\t' || r == '\n':
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f):
			return fmt.Sprintf("U+%04X at %d", r, i), true
		case r == utf8.RuneError && s[i] >= 0x80 && s[i] <= 0x9f:
			return fmt.Sprintf("raw byte %#x at %d", s[i], i), true
		}
	}
	return "", false
}

// Item 2: text from the services is shown escaped in every human format (table, TSV, CSV on
// a terminal, --jq strings on a terminal, messages, the --debug trace); JSON and YAML keep
// the exact value (escaped the JSON/YAML way, so no raw control byte reaches the terminal).
func TestServerTextNeverDrivesTheTerminal(t *testing.T) {
	t.Parallel()
	e := clitest.New(t)
	const evil = "Evil\x1b[31mRED\x1b]0;pwned\a\x1b[2J\u009b2J\x7f\u202egnp.exe\r"
	e.Emu.PutContacts(emulator.BookCustomersName, []map[string]any{{"externalId": "EVIL-1", "displayName": evil, "company": evil}})
	shown := `Evil\x1b[31mRED\x1b]0;pwned\x07\x1b[2J\x9b2J\x7f\u202egnp.exe\x0d`
	cell := strings.TrimSuffix(shown, `\x0d`) + " " // a cell is one line: CR and LF become spaces
	tty := clitest.RunOpts{TTY: true}
	for _, tc := range []struct {
		name string
		opts clitest.RunOpts
		args []string
		want string // a line the output must contain
	}{
		{"TSV", clitest.RunOpts{}, []string{"contact", "list", "Customers", "--external-id", "EVIL-1"}, "EVIL-1\t" + cell + "\t" + cell + "\t\t\n"},
		{"table", tty, []string{"contact", "list", "Customers", "--external-id", "EVIL-1"}, "EVIL-1       " + cell},
		{"csv on a terminal", tty, []string{"contact", "list", "Customers", "--external-id", "EVIL-1", "-o", "csv"}, "EVIL-1," + shown},
		{"jq string on a terminal", tty, []string{"contact", "list", "Customers", "--external-id", "EVIL-1", "--jq", ".[].displayName"}, shown + "\n"},
		{"jq value", clitest.RunOpts{}, []string{"contact", "list", "Customers", "--external-id", "EVIL-1", "--jq", ".[0] | {displayName}"}, `{"displayName":"Evil\u001b[31mRED\u001b]0;pwned\u0007\u001b[2J\u009b2J\u007f\u202egnp.exe\r"}` + "\n"},
		{"json", tty, []string{"contact", "list", "Customers", "--external-id", "EVIL-1", "-o", "json"}, `"displayName": "Evil\u001b[31mRED\u001b]0;pwned\u0007\u001b[2J\u009b2J\u007f\u202egnp.exe\r"`},
		{"yaml", clitest.RunOpts{}, []string{"contact", "list", "Customers", "--external-id", "EVIL-1", "-o", "yaml"}, `displayName: "Evil\e[31mRED\e]0;pwned\a\e[2J\x9B2J\x7F` + "\u202e" + `gnp.exe\r"`},
		{"debug trace", clitest.RunOpts{}, []string{"contact", "list", "Customers", "--external-id", "EVIL-1", "-o", "json", "--debug"}, `"displayName":"Evil\u001b[31mRED`},
	} {
		r := e.RunWith(tc.opts, tc.args...)
		if r.Code != 0 {
			t.Fatalf("%s: exit %d: %s", tc.name, r.Code, r.Stderr)
		}
		if what, bad := terminalUnsafe(r.Stdout + r.Stderr); bad {
			t.Errorf("%s: %s in the output:\n%q\n%q", tc.name, what, r.Stdout, r.Stderr)
		}
		if !strings.Contains(r.Stdout+r.Stderr, tc.want) {
			t.Errorf("%s: output lacks %q:\n%q\n%q", tc.name, tc.want, r.Stdout, r.Stderr)
		}
	}
	// JSON and YAML are exact: decoded, the value is the server's.
	r := e.Run("contact", "list", "Customers", "--external-id", "EVIL-1", "--jq", ".[0].displayName")
	if r.Stdout != evil+"\n" {
		t.Errorf("--jq to a pipe changed the value: %q", r.Stdout)
	}
	var got []map[string]any
	if err := json.Unmarshal([]byte(e.MustRun("contact", "list", "Customers", "--external-id", "EVIL-1", "-o", "json").Stdout), &got); err != nil || got[0]["displayName"] != evil {
		t.Errorf("-o json changed the value: %v %q", err, got)
	}

	// An error message quoting the server, and an answer whose keys become the table's header.
	hostileEndpoint(t, e, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path == "/keys" {
			io.WriteString(w, `[{"\u001b[2Jname":"x","n\u0007":1}]`)
			return
		}
		w.WriteHeader(http.StatusBadRequest)
		json.NewEncoder(w).Encode(map[string]string{"message": "no \x1b]0;pwned\a\x1b[2J\u009b way"})
	})
	r = e.Run("api", "GET", "/v2/AddressBooks")
	want := `error: GetAddressBooks: 400 Bad Request: no \x1b]0;pwned\x07\x1b[2J\x9b way` + "\n"
	if r.Code != 7 || r.Stderr != want {
		t.Errorf("error message: exit %d %q, want %q", r.Code, r.Stderr, want)
	}
	for _, format := range []string{"table", "csv"} {
		r = e.RunWith(tty, "api", "GET", "/keys", "-o", format)
		if what, bad := terminalUnsafe(r.Stdout + r.Stderr); bad || r.Code != 0 || !strings.Contains(r.Stdout, `\x1b[2J`) {
			t.Errorf("api -o %s with hostile keys: exit %d, %s:\n%q", format, r.Code, what, r.Stdout)
		}
	}
}

// Item 3: --jq cannot read the environment, and is bounded (exit 3 past a bound).
func TestJQCannotReadTheEnvironment(t *testing.T) {
	e := clitest.New(t)
	// The process environment is what gojq used to read: put the secrets there.
	for _, k := range []string{"NIMBUSCTL_TOKEN", "NPSTODAY_API_KEY", "NIMBUSCTL_CLIENT_SECRET"} {
		t.Setenv(k, "s3cret-"+k)
	}
	for _, tc := range []struct {
		expr   string
		code   int
		stdout string
		stderr string
	}{
		{"env", 0, "{}\n", ""},
		{"$ENV", 0, "{}\n", ""},
		{"$ENV.NIMBUSCTL_TOKEN", 0, "null\n", ""},
		{"env | keys | length", 0, "0\n", ""},
		{`def f: [f]; f`, 3, "", "error: --jq: the expression used more than 256 MiB of memory and was stopped; simplify it, or pipe -o json into jq\n"},
	} {
		r := e.Run("version", "--jq", tc.expr)
		if r.Code != tc.code || r.Stdout != tc.stdout || r.Stderr != tc.stderr {
			t.Errorf("--jq %s: exit %d %q %q, want %d %q %q", tc.expr, r.Code, r.Stdout, r.Stderr, tc.code, tc.stdout, tc.stderr)
		}
	}
}

// Item 5: one rule for every file holding a credential: readable by its owner only, or
// refused (exit 4, the chmod to run), with nothing sent.
func TestSecretFilesOthersMayReadAreRefused(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no mode bits on Windows")
	}
	t.Parallel()
	const why = "nimbusctl reads credentials only from files no one but their owner can read (see 'nimbusctl help environment').\n"

	// The token cache of a signed-in user: encrypted (a keyring answers), and plain (token_storage file).
	login := clitest.New(t, clitest.WithEntra())
	login.MustRun("auth", "login")
	cache := filepath.Join(login.Home, "cache", "msal-default.json.enc")
	plainLogin := clitest.New(t, clitest.WithEntra())
	plainLogin.Setenv("NIMBUSCTL_TOKEN_STORAGE", "file")
	plainLogin.MustRun("auth", "login")
	plainCache := filepath.Join(plainLogin.Home, "cache", "msal-default.json")

	// The confidential app's certificate and secret file.
	app := clitest.New(t, clitest.NoLogin())
	app.Setenv("NIMBUSCTL_AUTHORITY", app.Emu.EntraURL())
	app.Setenv("NIMBUSCTL_TENANT", emulator.TenantID)
	app.Setenv("NIMBUSCTL_CLIENT_ID", emulator.ConfidentialClientID)
	certPEM, err := app.Emu.ClientCertificatePEM()
	if err != nil {
		t.Fatal(err)
	}
	cert, secret := filepath.Join(app.Home, "app.pem"), filepath.Join(app.Home, "app.secret")
	os.WriteFile(cert, certPEM, 0o600)
	os.WriteFile(secret, []byte(app.Emu.ClientSecret()+"\n"), 0o600)

	// The nps.today key file of `nps login`.
	nps := clitest.New(t)
	nps.Setenv("NPSTODAY_API_KEY", "")
	if r := nps.RunWith(clitest.RunOpts{Stdin: emulator.NPSTodayAPIKey}, "nps", "login", "--with-key", "--no-verify"); r.Code != 0 {
		t.Fatalf("nps login: %d %q", r.Code, r.Stderr)
	}
	keyFile := filepath.Join(nps.Home, "config", "npstoday", "default.key")

	for _, tc := range []struct {
		name string
		e    *clitest.Env
		env  map[string]string
		file string
		args []string
		what string
	}{
		{"token cache", login, nil, cache, []string{"addressbook", "list"}, "the token cache"},
		{"token cache file", plainLogin, nil, plainCache, []string{"addressbook", "list"}, "the token cache"},
		{"client certificate", app, map[string]string{"NIMBUSCTL_CLIENT_CERTIFICATE": cert}, cert, []string{"addressbook", "list"}, "the client certificate (NIMBUSCTL_CLIENT_CERTIFICATE)"},
		{"client secret file", app, map[string]string{"NIMBUSCTL_CLIENT_SECRET_FILE": secret}, secret, []string{"addressbook", "list"}, "the client secret file (NIMBUSCTL_CLIENT_SECRET_FILE)"},
		{"nps.today key file", nps, nil, keyFile, []string{"nps", "campaigns", "list"}, "the nps.today key file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for k, v := range tc.env {
				tc.e.Setenv(k, v)
				defer tc.e.Setenv(k, "")
			}
			if r := tc.e.Run(tc.args...); r.Code != 0 {
				t.Fatalf("at 0600: exit %d %q", r.Code, r.Stderr)
			}
			for _, mode := range []os.FileMode{0o644, 0o640} {
				if err := os.Chmod(tc.file, mode); err != nil {
					t.Fatal(err)
				}
				r, sent := runAndRecord(tc.e, tc.args...)
				want := fmt.Sprintf("error: refusing to use %s %s: others may read it (mode %04o); run: chmod 600 %s\n", tc.what, tc.file, mode, tc.file) + why
				if r.Code != 4 || r.Stdout != "" || r.Stderr != want || len(sent) != 0 {
					t.Errorf("at %04o: exit %d %q %q, sent %q\nwant stderr %q", mode, r.Code, r.Stdout, r.Stderr, sent, want)
				}
			}
			os.Chmod(tc.file, 0o600)
		})
	}
}

// Item 6: profile names are [a-z0-9][a-z0-9_-]*; anything else exits 3 and writes nothing.
func TestProfileNamesAreChecked(t *testing.T) {
	t.Parallel()
	e := clitest.New(t)
	cfgFile := filepath.Join(e.Home, "config", "config.yaml")
	e.MustRun("--profile", "prod-eu_2", "config", "set", "region", "de-02")
	rule := `: use lowercase letters, digits, - and _, starting with a letter or digit`
	for _, tc := range []struct {
		args   []string
		env    string // NIMBUSCTL_PROFILE
		stderr string
	}{
		{[]string{"--profile", "prod.eu", "config", "set", "region", "de-02"}, "", `error: invalid profile name "prod.eu" (--profile)` + rule + "\nRun 'nimbusctl config set --help' for usage.\n"},
		{[]string{"--profile", "Prod", "config", "set", "region", "de-02"}, "", `error: invalid profile name "Prod" (--profile)` + rule + ` (did you mean "prod"?)` + "\nRun 'nimbusctl config set --help' for usage.\n"},
		{[]string{"--profile", "..", "addressbook", "list"}, "", `error: invalid profile name ".." (--profile)` + rule + "\nRun 'nimbusctl addressbook list --help' for usage.\n"},
		{[]string{"--profile", "", "config", "list"}, "", `error: invalid profile name "" (--profile)` + rule + "\nRun 'nimbusctl config list --help' for usage.\n"},
		{[]string{"--profile", "a\nb", "config", "list"}, "", `error: invalid profile name "a\nb" (--profile)` + rule + "\nRun 'nimbusctl config list --help' for usage.\n"},
		{[]string{"--profile", "-x", "config", "list"}, "", `error: invalid profile name "-x" (--profile)` + rule + "\nRun 'nimbusctl config list --help' for usage.\n"},
		{[]string{"config", "set", "region", "de-02"}, "prod.eu", `error: invalid profile name "prod.eu" (NIMBUSCTL_PROFILE)` + rule + "\n"},
		{[]string{"addressbook", "list"}, "../x", `error: invalid profile name "../x" (NIMBUSCTL_PROFILE)` + rule + "\n"},
		{[]string{"config", "use-profile", "Prod-EU_2"}, "", `error: invalid profile name "Prod-EU_2" (profile)` + rule + ` (did you mean "prod-eu_2"?)` + "\nRun 'nimbusctl config use-profile --help' for usage.\n"},
	} {
		before, _ := os.ReadFile(cfgFile)
		e.Setenv("NIMBUSCTL_PROFILE", tc.env)
		r, sent := runAndRecord(e, tc.args...)
		e.Setenv("NIMBUSCTL_PROFILE", "")
		if r.Code != 3 || r.Stdout != "" || r.Stderr != tc.stderr || len(sent) != 0 {
			t.Errorf("%q (NIMBUSCTL_PROFILE=%q): exit %d %q, sent %q\nwant stderr %q", tc.args, tc.env, r.Code, r.Stderr, sent, tc.stderr)
		}
		if after, _ := os.ReadFile(cfgFile); string(after) != string(before) {
			t.Errorf("%q changed config.yaml:\n%s", tc.args, after)
		}
	}
	e.Run("config", "use-profile", "prod-eu_2").Expect(t, 0, "", "")
	e.Run("config", "get", "region").Expect(t, 0, "de-02\n", "")
}

// Item 7: webhook URLs of both services are https, loopback excepted: one rule.
func TestWebhookURLsAreHTTPS(t *testing.T) {
	t.Parallel()
	e := clitest.New(t)
	const plain = `"http://hooks.example.com/x" is plain http: the events carry customer data and must travel encrypted; use https:// (http is allowed only to loopback, for a local receiver)`
	for _, tc := range []struct {
		args   []string
		code   int
		stderr string
		sent   int
	}{
		{[]string{"trigger", "create", "tasks", "--url", "http://hooks.example.com/x", "--service", "support@contoso.com", "--event", "Created"}, 3,
			"error: --url: " + plain + "\nRun 'nimbusctl trigger create --help' for usage.\n", 0},
		{[]string{"nps", "webhooks", "create", "--event", "responses", "--url", "http://hooks.example.com/x"}, 3,
			"error: --url: " + plain + "\nRun 'nimbusctl nps webhooks create --help' for usage.\n", 0},
		{[]string{"trigger", "create", "scheduler-entries", "--url", "ftp://hooks.example.com/x", "--service", "support@contoso.com", "--event", "Created"}, 3,
			"error: --url: \"ftp://hooks.example.com/x\" is not an https:// URL\nRun 'nimbusctl trigger create --help' for usage.\n", 0},
		{[]string{"nps", "webhooks", "create", "--event", "responses", "--url", "/relative"}, 3,
			"error: --url: \"/relative\" is not an absolute URL: give one such as https://hooks.example.com/events\nRun 'nimbusctl nps webhooks create --help' for usage.\n", 0},
		{[]string{"trigger", "create", "tasks", "--url", "http://127.0.0.1:8080/hook", "--service", "support@contoso.com", "--event", "Created", "-o", "json", "--jq", "length > 0"}, 0, "", 2},
		{[]string{"nps", "webhooks", "create", "--event", "responses", "--url", "https://hooks.example.com/nps", "--jq", ".url"}, 0, "", 1},
		{[]string{"nps", "webhooks", "create", "--event", "responses", "--url", "http://localhost:9000/nps", "--jq", ".url"}, 0, "", 1},
	} {
		r, sent := runAndRecord(e, tc.args...)
		if r.Code != tc.code || r.Stderr != tc.stderr || len(sent) != tc.sent {
			t.Errorf("%q: exit %d %q, sent %q\nwant exit %d %q, %d requests", tc.args, r.Code, r.Stderr, sent, tc.code, tc.stderr, tc.sent)
		}
	}
	// The clients hold the same rule, whatever calls them.
	if err := (nimbus.TaskTriggerConfig{URL: "http://hooks.example.com/x", Services: []string{"a"}, TaskEvents: []string{"Created"}}).Validate(); err == nil || err.Error() != "invalid request: url: "+plain {
		t.Errorf("nimbus client: %v", err)
	}
}

// Item 8: `api` checks a JSON body before sending it, builds objects from a[][b]=v, and
// applies -F and -f in command-line order.
func TestAPIBodiesAndFields(t *testing.T) {
	t.Parallel()
	e := clitest.New(t)
	bad := filepath.Join(e.Home, "bad.json")
	os.WriteFile(bad, []byte("{\n  \"serviceUpn\": \"support@contoso.com\",\n  oops\n}\n"), 0o600)
	usage := "Run 'nimbusctl api --help' for usage.\n"
	for _, tc := range []struct {
		name   string
		opts   clitest.RunOpts
		args   []string
		code   int
		stderr string // exact, or a line of the --debug trace
		sent   []string
	}{
		{"non-JSON --input", clitest.RunOpts{}, []string{"api", "POST", "/v1/ExternalTasks", "--input", bad}, 3,
			"error: --input: " + bad + " is not JSON at line 3, column 3 (invalid character 'o' looking for beginning of object key string); nothing was sent. To send another type, add -H 'Content-Type: <type>'\n" + usage, nil},
		{"non-JSON stdin", clitest.RunOpts{Stdin: "serviceUpn=x"}, []string{"nps", "api", "POST", "/campaigns/101/respondent", "--input", "-"}, 3,
			"error: --input: stdin is not JSON at line 1, column 1 (invalid character 's' looking for beginning of value); nothing was sent. To send another type, add -H 'Content-Type: <type>'\nRun 'nimbusctl nps api --help' for usage.\n", nil},
		{"another type, said so", clitest.RunOpts{Stdin: "plain text"}, []string{"api", "POST", "/v1/ExternalTasks", "--input", "-", "-H", "Content-Type: text/plain"}, 7,
			"", []string{"POST /nimbus/v1/ExternalTasks"}},
		{"a[][b]=v builds objects", clitest.RunOpts{}, []string{"api", "POST", "/v1/ExternalTasks", "--debug",
			"-f", "serviceUpn=support@contoso.com", "-f", "preferredUsers[][upn]=anna.meier@contoso.com", "-F", "preferredUsers[][priority]=1",
			"-f", "preferredUsers[][upn]=agent@contoso.com", "-F", "preferredUsers[][priority]=2"}, 0,
			`{"preferredUsers":[{"priority":1,"upn":"anna.meier@contoso.com"},{"priority":2,"upn":"agent@contoso.com"}],"serviceUpn":"support@contoso.com"}`,
			[]string{"POST /nimbus/v1/ExternalTasks"}},
		{"fields keep their order", clitest.RunOpts{}, []string{"api", "GET", "/v1/tasks/events", "-f", "x[]=a", "-F", "x[]=1", "-f", "x[]=b", "-F", "x[]=true"}, 0,
			"", []string{"GET /nimbus/v1/tasks/events?x=a&x=1&x=b&x=true"}},
	} {
		before := len(e.Emu.Received())
		r := e.RunWith(tc.opts, tc.args...)
		var sent []string
		for _, q := range e.Emu.Received()[before:] {
			sent = append(sent, q.Method+" "+q.URI)
		}
		okErr := r.Stderr == tc.stderr || (strings.HasPrefix(tc.stderr, "{") && strings.Contains(r.Stderr, "\n"+tc.stderr+"\n"))
		if tc.code == 7 {
			okErr = strings.HasPrefix(r.Stderr, "error: AddExternalTask: 400 Bad Request")
		}
		if r.Code != tc.code || !okErr || !slices.Equal(sent, tc.sent) {
			t.Errorf("%s: exit %d, sent %q, stderr:\n%s\nwant exit %d, sent %q, stderr %q", tc.name, r.Code, sent, r.Stderr, tc.code, tc.sent, tc.stderr)
		}
	}
}

// Item 9: nps.today bodies carry only documented fields, campaign ids are int32 and positive,
// and the API key is read without echo (see output.TestReadSecretDoesNotEcho for the terminal).
func TestNPSTodayInputs(t *testing.T) {
	t.Parallel()
	e := clitest.New(t)
	idRule := `" is not a campaign id: ids are whole numbers from 1 to 2147483647 (see 'nimbusctl nps campaigns list')` + "\n"
	for _, tc := range []struct {
		args   []string
		code   int
		stderr string
		sent   []string
	}{
		{[]string{"nps", "employee", "add", "--email", "nora@contoso.com", "--external-id", "E-1"}, 3,
			"error: unknown flag: --external-id\nRun 'nimbusctl nps employee add --help' for usage.\n", nil},
		{[]string{"nps", "survey", "send", "--campaign", "3000000000", "--email", "ada@example.com"}, 3, `error: campaign: "3000000000` + idRule, nil},
		{[]string{"nps", "survey", "send", "--campaign", "0", "--email", "ada@example.com"}, 3, `error: campaign: "0` + idRule, nil},
		{[]string{"nps", "survey", "send", "--campaign", "-101", "--email", "ada@example.com"}, 3, `error: campaign: "-101` + idRule, nil},
		{[]string{"nps", "webhooks", "create", "--url", "https://hooks.example.com/nps", "--campaign", "2147483648"}, 3,
			`error: --campaign: "2147483648` + idRule[:len(idRule)-1] + "\nRun 'nimbusctl nps webhooks create --help' for usage.\n", nil},
		{[]string{"nps", "survey", "after-call", "-", "--campaign-map", "support@contoso.com=-1"}, 3, `error: campaign: "-1` + idRule, nil},
	} {
		r, sent := runAndRecord(e, tc.args...)
		if r.Code != tc.code || r.Stderr != tc.stderr || !slices.Equal(sent, tc.sent) {
			t.Errorf("%q: exit %d, sent %q, stderr %q\nwant exit %d, stderr %q", tc.args, r.Code, sent, r.Stderr, tc.code, tc.stderr)
		}
	}
	// What AddEmployee gets: the contract's fields only.
	e.MustRun("nps", "employee", "add", "--email", "nora@contoso.com", "--first-name", "Nora", "--team", "Support")
	for _, emp := range e.Emu.NPSEmployees() {
		if emp["email"] == "nora@contoso.com" {
			if _, ok := emp["externalId"]; ok {
				t.Errorf("externalId sent: %v", emp)
			}
		}
	}
	// On a (test) terminal the key is asked for, said not to be shown, and read.
	e.Setenv("NPSTODAY_API_KEY", "")
	e.RunWith(clitest.RunOpts{TTY: true, Stdin: emulator.NPSTodayAPIKey + "\n"}, "nps", "login", "--with-key").
		Expect(t, 0, "", "Paste the nps.today API key and press Enter (it is not shown):\n✓ Saved the nps.today API key for profile default in "+filepath.Join(e.Home, "config", "npstoday", "default.key")+"\n")
}

// Item 10: the CSV edges of imports and their reports.
func TestCSVEdges(t *testing.T) {
	t.Parallel()
	e := clitest.New(t, clitest.WithEmulator(func(o *emulator.Options) { o.Empty = true }))
	file := func(name, content string) string {
		p := filepath.Join(e.Home, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	fix := "export the data as CSV (in Excel: File > Save As > CSV UTF-8) and import that"
	xlsx := file("contacts.xlsx", "PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00[Content_Types].xml")
	unclosed := file("unclosed.csv", "externalId,firstName\nC-1,Ada\nC-2,\"Grace\nC-3,Linus\nC-4,Ken\n")
	google := file("google.csv", "Name,Given Name,E-mail 1 - Value\nAda Lovelace,Ada,ada@example.com\n")
	for _, tc := range []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"binary file", []string{"contact", "import", "Customers", xlsx}, 3,
			"error: " + xlsx + ": not a text CSV file (it is a zip archive, such as an Excel .xlsx workbook): " + fix + "\n"},
		{"binary file, schedule", []string{"schedule", "import", xlsx, "--service", "support@contoso.com"}, 3,
			"error: " + xlsx + ": not a text CSV file (it is a zip archive, such as an Excel .xlsx workbook): " + fix + "\n"},
		{"unclosed quote", []string{"contact", "import", "Customers", unclosed}, 3,
			unclosed + `:3: a quoted cell opens on this line and is never closed, so every line after it was read into that cell: add the closing "` + "\n" +
				"error: 1 invalid row; nothing was sent (fix it, or pass --skip-invalid to import the rest)\n"},
		{"missing id, Google export", []string{"contact", "import", "Customers", google}, 3,
			"error: " + google + `: no column holds the external id: name one externalId (or External ID, ID, Customer ID), or pick one of the file's columns with --id-column (e.g. --id-column "E-mail 1 - Value")` + "\n"},
	} {
		r, sent := runAndRecord(e, tc.args...)
		var writes []string
		for _, s := range sent {
			if !strings.HasPrefix(s, "GET ") {
				writes = append(writes, s)
			}
		}
		if r.Code != tc.code || r.Stderr != tc.stderr || len(writes) != 0 {
			t.Errorf("%s: exit %d, writes %q, stderr:\n%s\nwant exit %d, stderr:\n%s", tc.name, r.Code, writes, r.Stderr, tc.code, tc.stderr)
		}
	}

	// Outlook's classic country columns land in the addresses.
	classic := file("outlook-classic.csv", "E-mail Address,First Name,Business City,Business Country,Home Country,Other Country\nada@example.com,Ada,London,United Kingdom,Switzerland,France\n")
	e.MustRun("contact", "import", "Customers", classic, "--id-column", "E-mail Address")
	got, _ := json.Marshal(e.Emu.Contacts("Customers")[0]["addresses"])
	if !strings.Contains(string(got), `"United Kingdom"`) || !strings.Contains(string(got), `"Switzerland"`) || !strings.Contains(string(got), `"France"`) {
		t.Errorf("addresses %s", got)
	}

	// The report is formula-safe, and a value starting with ' survives export and import.
	report := filepath.Join(e.Home, "report.csv")
	tricky := file("tricky.csv", "externalId,firstName,company\n=2+2,'=1+1,@SUM(1)\n")
	e.MustRun("contact", "import", "Customers", tricky, "--report", report)
	rep, _ := os.ReadFile(report)
	if want := "line,key,action,status,error\n2,'=2+2,add,ok,\n"; string(rep) != want {
		t.Errorf("report:\n%s\nwant\n%s", rep, want)
	}
	found := 0
	for _, c := range e.Emu.Contacts("Customers") {
		if c["externalId"] == "=2+2" {
			found++
			if c["firstName"] != "=1+1" || c["company"] != "@SUM(1)" {
				t.Errorf("imported %v", c)
			}
		}
	}
	e.Emu.PutContacts("Customers", []map[string]any{{"externalId": "Q-1", "firstName": "'=x", "lastName": "''", "company": "'plain"}})
	exported := file("export.csv", e.MustRun("contact", "export", "Customers").Stdout)
	e.MustRun("contact", "import", "Partners", exported)
	for _, c := range e.Emu.Contacts("Partners") {
		if c["externalId"] == "Q-1" {
			found++
			if c["firstName"] != "'=x" || c["lastName"] != "''" || c["company"] != "'plain" {
				t.Errorf("round trip: %v", c)
			}
		}
	}
	if found != 2 {
		t.Errorf("found %d of the 2 contacts", found)
	}
}

// Item 11: messages say what is true and what to do.
func TestMessagesSayWhatIsTrue(t *testing.T) {
	t.Parallel()
	e := clitest.New(t)

	// A token the service refuses: the advice depends on where it came from.
	login := clitest.New(t, clitest.WithEntra())
	login.MustRun("auth", "login")
	login.Emu.RevokeTokens()
	refused := func(v string) string {
		return v + " was refused: it has expired, or was issued for another resource or tenant. Set a fresh token, or unset " + v + " to use the account of 'nimbusctl auth login'.\n"
	}
	for _, tc := range []struct {
		name   string
		e      *clitest.Env
		env    map[string]string
		args   []string
		stderr string // the lines after the error
	}{
		{"raw token", e, map[string]string{"NIMBUSCTL_TOKEN": "expired-or-forged"}, []string{"addressbook", "list"}, refused("NIMBUSCTL_TOKEN")},
		{"raw OData token", e, map[string]string{"NIMBUSCTL_ODATA_TOKEN": "expired-or-forged"}, []string{"api", "--service", "odata", "GET", "/"}, refused("NIMBUSCTL_ODATA_TOKEN")},
		{"signed-in account", login, nil, []string{"addressbook", "list"}, "To sign in, run: nimbusctl auth login\n"},
	} {
		old := map[string]string{}
		for k, v := range tc.env {
			old[k] = tc.e.Getenv(k)
			tc.e.Setenv(k, v)
		}
		r := tc.e.Run(tc.args...)
		if r.Code != 4 || !strings.HasSuffix(r.Stderr, "\n"+tc.stderr) {
			t.Errorf("%s: exit %d, stderr:\n%s\nwant it to end with:\n%s", tc.name, r.Code, r.Stderr, tc.stderr)
		}
		for k, v := range old {
			tc.e.Setenv(k, v)
		}
	}
	e.Setenv("NIMBUSCTL_TOKEN", "expired-or-forged")

	// auth status does not call a token it never checked "ok".
	var rows []map[string]string
	if err := json.Unmarshal([]byte(e.MustRun("auth", "status", "-o", "json").Stdout), &rows); err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if r["status"] != "unchecked" || !strings.Contains(r["detail"], "only the service can tell") {
			t.Errorf("auth status row %v", r)
		}
	}
	e.Setenv("NIMBUSCTL_TOKEN", e.Emu.IssueToken(emulator.DefaultUser, emulator.NimbusAudience, time.Hour))

	// Only endpoint overridden, no config file: the feed's URL is not guessed, and doctor
	// says there is no config file instead of naming one.
	e.Setenv("NIMBUSCTL_ODATA_URL", "")
	oDataMsg := "odata_url is not set, and the reporting feed's URL cannot be derived from endpoint (" + e.Emu.NimbusURL() + ", from env NIMBUSCTL_ENDPOINT): " +
		"set odata_url (nimbusctl config set odata_url https://api.<cluster>.luware.cloud/v1/odata), or region instead of endpoint"
	r, sent := runAndRecord(e, "doctor", "-o", "json")
	var checks []map[string]any
	if err := json.Unmarshal([]byte(r.Stdout), &checks); err != nil || r.Code != 0 {
		t.Fatalf("doctor: exit %d %q %v", r.Code, r.Stderr, err)
	}
	cfgPath := filepath.Join(e.Home, "config", "config.yaml")
	if want := "profile default (no config file: " + cfgPath + " does not exist; settings come from the environment and the defaults); Nimbus API " + e.Emu.NimbusURL(); checks[0]["detail"] != want {
		t.Errorf("config check %q\nwant %q", checks[0]["detail"], want)
	}
	if checks[3]["check"] != "odata" || checks[3]["status"] != "skipped" || checks[3]["detail"] != oDataMsg {
		t.Errorf("odata check %v", checks[3])
	}
	for _, s := range sent {
		if strings.Contains(s, "/odata") {
			t.Errorf("doctor reached the feed: %s", s)
		}
	}
	r, sent = runAndRecord(e, "codes", "list")
	if r.Code != 3 || r.Stderr != "error: "+oDataMsg+"\n" || len(sent) != 0 {
		t.Errorf("codes list: exit %d %q, sent %q", r.Code, r.Stderr, sent)
	}

	// The docs say what the code does: api reaches the feed; auth login is the one command
	// that shows a device code without a terminal, in its help and in the cron guide.
	codes, _ := os.ReadFile(filepath.Join("..", "..", "docs", "codes.md"))
	cron, _ := os.ReadFile(filepath.Join("..", "..", "docs", "cron.md"))
	help := e.MustRun("auth", "--help").Stdout
	if !strings.Contains(string(codes), "`nimbusctl api --service odata` reaches the feed") || strings.Contains(string(codes), "does not reach the feed") {
		t.Error("docs/codes.md is wrong about api and the feed")
	}
	if !strings.Contains(string(cron), "Only `nimbusctl auth login`, which you run to sign in, shows its device code on stderr\nwith or without a terminal") ||
		!strings.Contains(help, "'auth login' is the exception: you asked for it, so it shows the code with or without a\nterminal.") {
		t.Error("docs/cron.md and 'auth --help' disagree on device codes without a terminal")
	}
}
