package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestStartsWithoutTheEmulator keeps the emulator (and its OpenAPI validator, whose package
// initialisation alone costs several milliseconds) out of nimbusctl: `nimbusctl sandbox` runs
// the separate nimbusctl-sandbox program instead.
func TestStartsWithoutTheEmulator(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, pkg := range strings.Fields(string(out)) {
		if strings.Contains(pkg, "/pkg/emulator") || strings.Contains(pkg, "kin-openapi") || strings.Contains(pkg, "/sandbox/serve") {
			t.Errorf("nimbusctl links %s", pkg)
		}
	}
}

// TestStartsWithoutACollection keeps `nimbusctl version` and `--help` free of a garbage
// collection cycle: the libraries allocate about 4 MB while they initialise, and pkg/gcpause
// holds the collector off from before the first of them until a command starts its work.
func TestStartsWithoutACollection(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "nimbusctl")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	for _, args := range [][]string{{"version"}, {"--help"}} {
		cmd := exec.Command(bin, args...)
		cmd.Env = append(withoutGCSettings(os.Environ()), "GODEBUG=inittrace=1,gctrace=1")
		var stderr strings.Builder
		cmd.Stderr = &stderr
		if err := cmd.Run(); err != nil {
			t.Fatalf("nimbusctl %s: %v\n%s", args[0], err, stderr.String())
		}
		pause, phone := -1, -1
		for i, line := range strings.Split(stderr.String(), "\n") {
			switch {
			case strings.HasPrefix(line, "gc "):
				t.Errorf("nimbusctl %s ran a collection: %s", args[0], line)
			case strings.HasPrefix(line, "init github.com/nimbusctl/nimbusctl/pkg/gcpause "):
				pause = i
			case strings.HasPrefix(line, "init github.com/nyaruka/phonenumbers "):
				phone = i
			}
		}
		if pause < 0 || phone < 0 || pause > phone {
			t.Errorf("nimbusctl %s: gcpause must initialise before the phone-number metadata loads (lines %d, %d)", args[0], pause, phone)
		}
	}
}

// withoutGCSettings drops the variables that would change the collector's own setting.
func withoutGCSettings(env []string) []string {
	var kept []string
	for _, kv := range env {
		if !strings.HasPrefix(kv, "GOGC=") && !strings.HasPrefix(kv, "GOMEMLIMIT=") && !strings.HasPrefix(kv, "GODEBUG=") {
			kept = append(kept, kv)
		}
	}
	return kept
}
