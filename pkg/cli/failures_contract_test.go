package cli_test

import (
	"strings"
	"testing"
	"time"

	"github.com/nimbusctl/nimbusctl/pkg/cli/clitest"
	"github.com/nimbusctl/nimbusctl/pkg/emulator"
)

// A CI script tells failures apart by the exit code (docs/exit-codes.md): each service
// failure maps to the same code in every command family, stdout stays empty, and stderr
// carries the service's status and message.

// families: one reading command per command group, with the service it calls.
var families = []struct {
	name    string
	service string
	args    []string
}{
	{"addressbook", emulator.ServiceNimbus, []string{"addressbook", "list"}},
	{"contact", emulator.ServiceNimbus, []string{"contact", "list", "Customers"}},
	{"schedule", emulator.ServiceNimbus, []string{"schedule", "list", "--service", "support@contoso.com"}},
	{"external-task", emulator.ServiceNimbus, []string{"external-task", "services"}},
	{"task", emulator.ServiceNimbus, []string{"task", "events"}},
	{"api", emulator.ServiceNimbus, []string{"api", "GET", "/v2/AddressBooks"}},
	{"codes", emulator.ServiceOData, []string{"codes", "list", "--since", "30d"}},
	{"sessions", emulator.ServiceOData, []string{"sessions", "list", "--since", "30d"}},
	{"nps", emulator.ServiceNPSToday, []string{"nps", "campaigns", "list"}},
	{"nps responses", emulator.ServiceNPSToday, []string{"nps", "responses"}},
}

func expectFailure(t *testing.T, r clitest.Result, code int, says ...string) {
	t.Helper()
	if r.Code != code || r.Stdout != "" {
		t.Errorf("exit %d (want %d), stdout %q, stderr\n%s", r.Code, code, r.Stdout, r.Stderr)
		return
	}
	for _, s := range says {
		if !strings.Contains(r.Stderr, s) {
			t.Errorf("stderr does not say %q:\n%s", s, r.Stderr)
		}
	}
	if !strings.HasPrefix(r.Stderr, "error: ") {
		t.Errorf("stderr does not start with the error:\n%s", r.Stderr)
	}
}

func TestServiceFailuresMapToExitCodesInEveryFamily(t *testing.T) {
	t.Parallel()
	faults := clitest.New(t)
	faults.Setenv("NIMBUSCTL_MAX_RETRIES", "0")
	denied := clitest.New(t, clitest.WithEmulator(func(o *emulator.Options) {
		o.Deny = []string{emulator.ServiceNimbus, emulator.ServiceOData, emulator.ServiceNPSToday}
	}))
	// One call an hour: the second asks for a wait far past what a command waits out.
	throttled := clitest.New(t, clitest.WithEmulator(func(o *emulator.Options) {
		o.RateLimit = emulator.Rate{Count: 1, Per: time.Hour, Window: true}
		o.NPSTodayRateLimit = emulator.Rate{Count: 1, Per: time.Hour, Window: true}
	}))
	slow := clitest.New(t, clitest.WithEmulator(func(o *emulator.Options) { o.Latency = 2 * time.Second }))

	for _, fam := range families {
		t.Run(fam.name, func(t *testing.T) {
			t.Run("403", func(t *testing.T) {
				expectFailure(t, denied.Run(fam.args...), 5, "403")
			})
			t.Run("5xx", func(t *testing.T) {
				faults.Emu.InjectFaults(fam.service, emulator.FaultUnavailable)
				r := faults.Run(fam.args...)
				expectFailure(t, r, 10, "503")
			})
			t.Run("429", func(t *testing.T) {
				throttled.Run(fam.args...) // uses the hour's call, if nothing else did
				expectFailure(t, throttled.Run(fam.args...), 10, "429")
			})
			t.Run("timeout", func(t *testing.T) {
				expectFailure(t, slow.Run(append(fam.args, "--timeout", "100ms")...), 10, "timed out after 100ms (--timeout)")
			})
		})
	}
}

func TestNotFoundExits6InEveryFamily(t *testing.T) {
	t.Parallel()
	e := clitest.New(t)
	const none = "00000000-0000-4000-8000-000000000000"
	for _, tc := range []struct {
		args []string
		says string
	}{
		{[]string{"contact", "get", "Customers", "NOPE-1"}, `contact "NOPE-1" not found in address book Customers`},
		{[]string{"contact", "list", "NoSuchBook"}, `address book "NoSuchBook" not found`},
		{[]string{"schedule", "update", none, "--service", "support@contoso.com", "--max-attempts", "2"}, "scheduler entry " + none + " not found"},
		{[]string{"schedule", "remove", none}, "DeleteSchedulerEntry: 404 Not Found"},
		{[]string{"external-task", "remove", none}, "RemoveExternalTask: 404 Not Found"},
		{[]string{"task", "update", none, "--customer-display-name", "x"}, "UpdateTask: 404 Not Found"},
		{[]string{"nps", "employee", "analytics", "nobody@contoso.com"}, "GetEmployeeAnalytics: 404 Not Found: Employee not found."},
		{[]string{"api", "GET", "/v2/Nope"}, "GET /v2/Nope: 404 Not Found"},
		{[]string{"nps", "api", "GET", "/nope"}, "GET /nope: 404 Not Found"},
	} {
		t.Run(strings.Join(tc.args[:2], " "), func(t *testing.T) {
			expectFailure(t, e.Run(tc.args...), 6, tc.says)
		})
	}
}
