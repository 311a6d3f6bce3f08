package trigger_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nimbusctl/nimbusctl/pkg/cli/clitest"
)

// TestMain lets the test binary stand in for an --exec command that prints its environment
// (LISTEN_TEST_PRINT_ENV=1), so no program of the machine's is needed.
func TestMain(m *testing.M) {
	if os.Getenv("LISTEN_TEST_PRINT_ENV") == "1" {
		for _, kv := range os.Environ() {
			fmt.Println(kv)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// --exec's command gets the event, not nimbusctl's credentials: every variable that holds
// one (or names a file that does) is left out of its environment; the others are passed on.
func TestListenExecGetsNoSecrets(t *testing.T) {
	t.Parallel()
	e := clitest.New(t)
	secrets := map[string]string{
		"NIMBUSCTL_TOKEN":              e.Getenv("NIMBUSCTL_TOKEN"),
		"NIMBUSCTL_ODATA_TOKEN":        e.Getenv("NIMBUSCTL_ODATA_TOKEN"),
		"NPSTODAY_API_KEY":             e.Getenv("NPSTODAY_API_KEY"),
		"NIMBUSCTL_CLIENT_SECRET":      "client-secret-d41d8cd98f00",
		"NIMBUSCTL_CLIENT_SECRET_FILE": filepath.Join(e.Home, "client-secret-file"),
		"NIMBUSCTL_CLIENT_CERTIFICATE": filepath.Join(e.Home, "client-certificate.pem"),
	}
	for name, v := range secrets {
		if v == "" {
			t.Fatalf("%s is not set", name)
		}
		e.Setenv(name, v)
	}
	e.Setenv("FOO", "bar")
	e.Setenv("LISTEN_TEST_PRINT_ENV", "1")
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(e.Home, "child-env")
	// -test.run='^$': a child that did not get LISTEN_TEST_PRINT_ENV runs no tests either.
	l := startListen(t, e, "--exec", `'`+exe+`' -test.run='^$' > '`+out+`'`)
	l.post(endedCall)
	if r := l.stop(); r.Code != 0 || strings.Contains(r.Stderr, "--exec failed") {
		t.Fatalf("exit %d\n%s", r.Code, r.Stderr)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{}
	for _, kv := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		k, v, _ := strings.Cut(kv, "=")
		env[k] = v
	}
	for name, v := range secrets {
		if _, ok := env[name]; ok || strings.Contains(string(b), v) {
			t.Errorf("the command was given %s", name)
		}
	}
	if env["FOO"] != "bar" || env["PATH"] != os.Getenv("PATH") || env["NIMBUSCTL_EVENT_KIND"] != "tasks" || env["HOME"] != e.Home {
		t.Errorf("ordinary variables are missing: FOO=%q PATH=%q NIMBUSCTL_EVENT_KIND=%q HOME=%q", env["FOO"], env["PATH"], env["NIMBUSCTL_EVENT_KIND"], env["HOME"])
	}
}
