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

// TestStartsWithoutACollection keeps `nimbusctl version` and `--help` free of garbage
// collection: the libraries allocate about 4.5 MB while they initialise, and pkg/gcpause
// holds the collector off from before the first of them, then leaves the heap room to grow.
// A cycle started but not finished at exit still costs: gcpacertrace shows each start.
// pkg/prefault, which has the kernel map that heap on the other core, must start before the
// phone-number metadata too.
func TestStartsWithoutACollection(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "nimbusctl")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	for _, args := range [][]string{{"version"}, {"--help"}, {"version", "-o", "json", "--jq", ".go"}} {
		for range 5 { // whether an allocation needs a new span, and so a check of the goal, varies
			cmd := exec.Command(bin, args...)
			cmd.Env = append(withoutGCSettings(os.Environ()), "GODEBUG=inittrace=1,gcpacertrace=1")
			var stderr strings.Builder
			cmd.Stderr = &stderr
			if err := cmd.Run(); err != nil {
				t.Fatalf("nimbusctl %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
			}
			pause, prefault, phone := -1, -1, -1
			for i, line := range strings.Split(stderr.String(), "\n") {
				switch {
				case strings.HasPrefix(line, "pacer: assist ratio="):
					t.Fatalf("nimbusctl %s started a collection: %s", strings.Join(args, " "), line)
				case strings.HasPrefix(line, "init github.com/nimbusctl/nimbusctl/pkg/gcpause "):
					pause = i
				case strings.HasPrefix(line, "init github.com/nimbusctl/nimbusctl/pkg/prefault "):
					prefault = i
				case strings.HasPrefix(line, "init github.com/nyaruka/phonenumbers "):
					phone = i
				}
			}
			if pause < 0 || phone < 0 || pause > phone {
				t.Fatalf("nimbusctl %s: gcpause must initialise before the phone-number metadata loads (lines %d, %d)", strings.Join(args, " "), pause, phone)
			}
			if prefault < 0 || prefault > phone {
				t.Fatalf("nimbusctl %s: prefault must start before the phone-number metadata loads (lines %d, %d)", strings.Join(args, " "), prefault, phone)
			}
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
