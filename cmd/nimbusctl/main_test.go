package main

import (
	"os/exec"
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
