package nps_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nimbusctl/nimbusctl/pkg/cli/clitest"
	"github.com/nimbusctl/nimbusctl/pkg/emulator"
)

// unlimited lifts the emulator's per-key limit for tests that make many calls in a row (the
// limit has tests of its own).
func unlimited() clitest.Option {
	return clitest.WithEmulator(func(o *emulator.Options) {
		o.NPSTodayRateLimit = emulator.Rate{Count: 1000, Per: 1e9}
	})
}

// writeFile writes a test input into the env's home.
func writeFile(t *testing.T, e *clitest.Env, name, body string) string {
	t.Helper()
	path := filepath.Join(e.Home, name)
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// noSecret fails when a key (or its Basic form) shows in any output.
func noSecret(t *testing.T, r clitest.Result, secrets ...string) {
	t.Helper()
	for _, s := range secrets {
		if strings.Contains(r.Stdout, s) || strings.Contains(r.Stderr, s) {
			t.Fatalf("the key %q leaked:\nstdout:\n%s\nstderr:\n%s", s, r.Stdout, r.Stderr)
		}
	}
}

func lines(ls ...string) string {
	if len(ls) == 0 {
		return ""
	}
	return strings.Join(ls, "\n") + "\n"
}
