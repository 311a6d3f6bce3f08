package doctor_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/nimbusctl/nimbusctl/pkg/cli/clitest"
	"github.com/nimbusctl/nimbusctl/pkg/emulator"
)

type result struct {
	Check      string `json:"check"`
	Status     string `json:"status"`
	Detail     string `json:"detail"`
	DurationMs int64  `json:"durationMs"`
}

func run(t *testing.T, e *clitest.Env) ([]result, clitest.Result) {
	t.Helper()
	r := e.Run("doctor", "-o", "json")
	var out []result
	if err := json.Unmarshal([]byte(r.Stdout), &out); err != nil {
		t.Fatalf("doctor -o json is not JSON: %v\n%s\n%s", err, r.Stdout, r.Stderr)
	}
	return out, r
}

// named is the check called name among checks.
func named(t *testing.T, checks []result, name string) result {
	t.Helper()
	for _, c := range checks {
		if c.Check == name {
			return c
		}
	}
	t.Fatalf("no %s check in %+v", name, checks)
	return result{}
}

func TestDoctorAllGood(t *testing.T) {
	t.Parallel()
	e := clitest.New(t)
	checks, r := run(t, e)
	if r.Code != 0 || r.Stderr != "" {
		t.Fatalf("exit %d: %s", r.Code, r.Stderr)
	}
	names := []string{}
	for _, c := range checks {
		names = append(names, c.Check+"="+c.Status)
	}
	if got := strings.Join(names, " "); !strings.HasPrefix(got, "config=ok credential=ok nimbus=ok") {
		t.Errorf("checks: %s", got)
	}
	if !strings.Contains(checks[1].Detail, "token from NIMBUSCTL_TOKEN") || !strings.Contains(checks[2].Detail, "TestConnection answered 200 from "+e.Emu.NimbusURL()) {
		t.Errorf("details: %+v", checks)
	}
}

func TestDoctorReportsForbiddenAndExitsWithItsCode(t *testing.T) {
	t.Parallel()
	e := clitest.New(t, clitest.WithEmulator(func(o *emulator.Options) { o.Deny = []string{"nimbus"} }))
	checks, r := run(t, e)
	if r.Code != 5 {
		t.Fatalf("exit %d, want 5 (forbidden)", r.Code)
	}
	if checks[2].Status != "failed" || !strings.Contains(checks[2].Detail, "TestConnection: 403 Forbidden") {
		t.Errorf("nimbus check: %+v", checks[2])
	}
	if !strings.HasPrefix(r.Stderr, "error: 1 of ") || !strings.Contains(r.Stderr, "first: TestConnection: 403 Forbidden") {
		t.Errorf("stderr: %q", r.Stderr)
	}
}

func TestDoctorNotLoggedIn(t *testing.T) {
	t.Parallel()
	e := clitest.New(t, clitest.NoLogin())
	checks, r := run(t, e)
	if r.Code != 4 || checks[1].Status != "failed" || checks[2].Status != "failed" {
		t.Fatalf("exit %d checks %+v", r.Code, checks)
	}
}

func TestDoctorTableIsPlainWhenPiped(t *testing.T) {
	t.Parallel()
	e := clitest.New(t)
	r := e.MustRun("doctor")
	lines := strings.Split(strings.TrimSpace(r.Stdout), "\n")
	if len(lines) < 3 || !strings.HasPrefix(lines[0], "config\tok\t") {
		t.Errorf("piped output should be tab-separated rows without header:\n%s", r.Stdout)
	}
}
