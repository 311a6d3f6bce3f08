package sandbox_test

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/nimbusctl/nimbusctl/pkg/auth"
	"github.com/nimbusctl/nimbusctl/pkg/cli/clitest"
	"github.com/nimbusctl/nimbusctl/pkg/cli/sandbox"
	"github.com/nimbusctl/nimbusctl/pkg/emulator"
)

// sandboxEnv is a fresh environment with nothing pointing at clitest's own emulator: the
// sandbox profile is all there is.
func sandboxEnv(t *testing.T) *clitest.Env {
	e := clitest.New(t, clitest.NoLogin())
	for _, k := range []string{"NIMBUSCTL_ENDPOINT", "NIMBUSCTL_CA_FILE", "NIMBUSCTL_ODATA_URL", "NIMBUSCTL_NPSTODAY_URL", "NPSTODAY_API_KEY"} {
		e.Setenv(k, "")
	}
	return e
}

// start runs `nimbusctl sandbox` in the background and waits for its ready file.
func start(t *testing.T, e *clitest.Env, ready string, more ...string) (url string, stop func() clitest.Result) {
	t.Helper()
	bg := e.Start(ready, append([]string{"sandbox", "--port", "0", "--ready-file", ready}, more...)...)
	return bg.Ready, bg.Stop
}

func TestSandboxWritesAProfileServesItAndStopsCleanly(t *testing.T) {
	t.Parallel()
	e := sandboxEnv(t)
	ready := filepath.Join(e.Home, "sandbox.ready")
	url, stop := start(t, e, ready, "--seed", "1")

	e.Run("--profile", "sandbox", "config", "get", "endpoint").Expect(t, 0, url+"/nimbus\n", "")
	e.Run("--profile", "sandbox", "config", "get", "authority").Expect(t, 0, url+"/entra\n", "")
	e.Run("--profile", "sandbox", "config", "get", "client_id").Expect(t, 0, emulator.PublicClientID+"\n", "")
	cfgDir := e.Getenv("NIMBUSCTL_CONFIG_DIR")
	for _, f := range []string{"sandbox-ca.pem", "sandbox-client-secret", "sandbox-client-cert.pem", "sandbox-control-token"} {
		if st, err := os.Stat(filepath.Join(cfgDir, f)); err != nil || st.Mode().Perm() != 0o600 {
			t.Errorf("%s: %v %v", f, st, err)
		}
	}

	r := e.Run("--profile", "sandbox", "auth", "login")
	if r.Code != 0 || !strings.HasPrefix(r.Stderr, "To sign in, open "+url+"/entra/devicelogin and enter the code ") {
		t.Fatalf("login: %d %q", r.Code, r.Stderr)
	}
	r = e.Run("--profile", "sandbox", "api", "GET", "/v2/AddressBooks")
	if r.Code != 0 || !strings.Contains(r.Stdout, emulator.BookCustomersName) {
		t.Fatalf("api: %d %q %q", r.Code, r.Stdout, r.Stderr)
	}

	// The CI-style credentials it wrote work too.
	secret, err := os.ReadFile(filepath.Join(cfgDir, "sandbox-client-secret"))
	if err != nil {
		t.Fatal(err)
	}
	e.Setenv("NIMBUSCTL_CLIENT_ID", emulator.ConfidentialClientID)
	e.Setenv("NIMBUSCTL_CLIENT_SECRET", string(secret))
	if r := e.Run("--profile", "sandbox", "api", "GET", "/v2/AddressBooks"); r.Code != 0 {
		t.Fatalf("client secret: %d %q", r.Code, r.Stderr)
	}
	e.Setenv("NIMBUSCTL_CLIENT_SECRET", "")
	e.Setenv("NIMBUSCTL_CLIENT_CERTIFICATE", filepath.Join(cfgDir, "sandbox-client-cert.pem"))
	if r := e.Run("--profile", "sandbox", "api", "GET", "/v2/AddressBooks"); r.Code != 0 {
		t.Fatalf("client certificate: %d %q", r.Code, r.Stderr)
	}
	e.Setenv("NIMBUSCTL_CLIENT_CERTIFICATE", "")
	e.Setenv("NIMBUSCTL_CLIENT_ID", "")

	res := stop()
	cfgPath := filepath.Join(cfgDir, "config.yaml")
	want := "Sandbox running at " + url + " (seed 1). Ctrl-C stops it.\n" +
		"Profile \"sandbox\" written to " + cfgPath + "; CA certificate " + filepath.Join(cfgDir, "sandbox-ca.pem") + ".\n" +
		"Try (device codes are approved automatically, as admin@contoso.com):\n" +
		"  nimbusctl --profile sandbox auth login\n" +
		"  nimbusctl --profile sandbox addressbook list\n" +
		"CI-style: NIMBUSCTL_CLIENT_ID=" + emulator.ConfidentialClientID + " NIMBUSCTL_CLIENT_SECRET_FILE=" + filepath.Join(cfgDir, "sandbox-client-secret") + " nimbusctl --profile sandbox auth status\n" +
		"Sandbox stopped.\n"
	res.Expect(t, 0, "", want)
	if _, err := os.Stat(ready); !os.IsNotExist(err) {
		t.Errorf("ready file left behind: %v", err)
	}
	if strings.Contains(res.Stderr, string(secret)) {
		t.Error("the sandbox printed its client secret")
	}

	// A restart makes a new emulator: the old tokens mean nothing, so the cache is cleared.
	cache := auth.CachePath(e.Getenv("NIMBUSCTL_CACHE_DIR"), "sandbox") + ".enc" // encrypted: the keyring (mock) answers
	if _, err := os.Stat(cache); err != nil {
		t.Fatal(err)
	}
	_, stop = start(t, e, ready)
	e.Run("--profile", "sandbox", "auth", "status").Expect(t, 4, "", "error: not logged in (profile sandbox): "+auth.Fix+"\n")
	stop()
}

// TestShapesMatchTheEmulator: the command lists the emulator's feed layouts without loading
// the emulator; the two lists must stay equal.
func TestShapesMatchTheEmulator(t *testing.T) {
	if !slices.Equal(sandbox.ODataShapes, emulator.ODataShapes) {
		t.Fatalf("sandbox.ODataShapes %v, emulator.ODataShapes %v", sandbox.ODataShapes, emulator.ODataShapes)
	}
}

func TestSandboxFlags(t *testing.T) {
	t.Parallel()
	e := sandboxEnv(t)
	e.Run("sandbox", "--fault-rate", "1.5").Expect(t, 3, "", "error: --fault-rate must be between 0 and 1, got 1.5\nRun 'nimbusctl sandbox --help' for usage.\n")
	e.Run("sandbox", "--port", "70000").Expect(t, 3, "", "error: --port must be between 0 and 65535, got 70000\nRun 'nimbusctl sandbox --help' for usage.\n")
	e.Run("sandbox", "--rate-limit", "lots").Expect(t, 3, "", "error: --rate-limit must be N/PERIOD, e.g. 100/60s or 10/s, got \"lots\"\nRun 'nimbusctl sandbox --help' for usage.\n")
	e.Run("sandbox", "--latency", "-1s").Expect(t, 3, "", "error: --latency must not be negative, got -1s\nRun 'nimbusctl sandbox --help' for usage.\n")
	e.Run("sandbox", "--rate-limit", "5/s", "--rate-limit-kind", "sliding").Expect(t, 3, "", "error: --rate-limit-kind must be bucket or window, got \"sliding\"\nRun 'nimbusctl sandbox --help' for usage.\n")
}

// TestSandboxWindowLimit: with --rate-limit-kind window the sandbox refuses until the window
// ends (a bucket of 2 an hour would give one call back after 30 minutes).
func TestSandboxWindowLimit(t *testing.T) {
	t.Parallel()
	e := sandboxEnv(t)
	_, stop := start(t, e, filepath.Join(e.Home, "sandbox.ready"), "--rate-limit", "2/1h", "--rate-limit-kind", "window")
	defer stop()
	if r := e.Run("--profile", "sandbox", "auth", "login"); r.Code != 0 {
		t.Fatalf("login: %d %q", r.Code, r.Stderr)
	}
	for i := 0; i < 2; i++ {
		if r := e.Run("--profile", "sandbox", "api", "GET", "/v2/AddressBooks"); r.Code != 0 {
			t.Fatalf("call %d: %d %q", i+1, r.Code, r.Stderr)
		}
	}
	r := e.Run("--profile", "sandbox", "api", "GET", "/v2/AddressBooks")
	m := regexp.MustCompile(`^error: GetAddressBooks: 429 Too Many Requests: Rate limit exceeded. Try again in (\d+) seconds.\nThe service is busy or unreachable; nothing more was sent. Try again later.\n$`).FindStringSubmatch(r.Stderr)
	if r.Code != 10 || m == nil {
		t.Fatalf("third call: %d %q", r.Code, r.Stderr)
	}
	if secs, _ := strconv.Atoi(m[1]); secs <= 1800 {
		t.Fatalf("Retry-After %ds: a window of an hour, just begun, has more than half an hour left", secs)
	}
}

// Each start draws a new seed (printed, so that --seed can replay the run): the ids it makes
// never repeat an earlier run's. The profile's ledgers outlive a restart, and the after-call
// ledger knows calls by their task id: with a fixed seed, the first call after a restart got
// the id of the first call before it, and its survey was skipped as already sent.
func TestSandboxIdsDoNotRepeatAcrossStarts(t *testing.T) {
	t.Parallel()
	e := sandboxEnv(t)
	ready := filepath.Join(e.Home, "sandbox.ready")
	run := func(more ...string) (task, banner string) {
		t.Helper()
		_, stop := start(t, e, ready, more...)
		r := e.Run("sandbox", "call", "--service", "support@contoso.com", "--caller", "+41445551001", "--talk", "1s")
		res := stop()
		if r.Code != 0 || res.Code != 0 {
			t.Fatalf("call: %d %q %q; sandbox: %d %q", r.Code, r.Stdout, r.Stderr, res.Code, res.Stderr)
		}
		banner, _, _ = strings.Cut(res.Stderr, "\n")
		return strings.Split(r.Stdout, "\t")[0], banner
	}
	seed := regexp.MustCompile(`^Sandbox running at \S+ \(seed (\d+)\)\. Ctrl-C stops it\.$`)
	task1, banner1 := run()
	task2, banner2 := run()
	if task1 == task2 {
		t.Errorf("two starts made the same task id %s", task1)
	}
	s1, s2 := seed.FindStringSubmatch(banner1), seed.FindStringSubmatch(banner2)
	if s1 == nil || s2 == nil || s1[1] == s2[1] {
		t.Errorf("seeds: %q, %q", banner1, banner2)
	}
	if _, banner := run("--seed", "42"); seed.FindStringSubmatch(banner) == nil || !strings.Contains(banner, "(seed 42)") {
		t.Errorf("--seed 42: %q", banner)
	}
}
