package cli_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/nimbusctl/nimbusctl/pkg/cli"
	"github.com/nimbusctl/nimbusctl/pkg/cli/clitest"
	"github.com/nimbusctl/nimbusctl/pkg/emulator"
)

func TestVersion(t *testing.T) {
	t.Parallel()
	e := clitest.New(t)
	e.Run("version").Expect(t, 0, "nimbusctl version 0.0.0-test\n", "")
	e.Run("--version").Expect(t, 0, "nimbusctl version 0.0.0-test\n", "")
	e.Run("version", "--jq", ".version").Expect(t, 0, "0.0.0-test\n", "")
}

func TestHelpExitCodes(t *testing.T) {
	t.Parallel()
	e := clitest.New(t)
	e.Run("help", "exit-codes").Expect(t, 0, cli.ExitCodesText()+"\n", "")
	if !strings.Contains(cli.ExitCodesText(), "  10  unavailable ") {
		t.Errorf("exit codes text:\n%s", cli.ExitCodesText())
	}
}

func TestGlobalFlagErrors(t *testing.T) {
	t.Parallel()
	e := clitest.New(t)
	e.Run("version", "-o", "xml").
		Expect(t, 3, "", "error: -o: invalid output format \"xml\": allowed: table, json, yaml, csv\nRun 'nimbusctl version --help' for usage.\n")
	e.Run("version", "-o", "csv", "--jq", ".").
		Expect(t, 3, "", "error: --jq works on JSON output; drop -o csv\nRun 'nimbusctl version --help' for usage.\n")
	r := e.Run("version", "--jq", ".[")
	if r.Code != 3 || !strings.HasPrefix(r.Stderr, "error: invalid --jq expression:") {
		t.Errorf("%d %q", r.Code, r.Stderr)
	}
	e.Run("bogus").Expect(t, 3, "", "error: unknown command \"bogus\" for \"nimbusctl\"\nRun 'nimbusctl --help' for usage.\n")
	e.Run("version", "--frobnicate").Expect(t, 3, "", "error: unknown flag: --frobnicate\nRun 'nimbusctl version --help' for usage.\n")
}

func TestTimeoutGivesUnavailable(t *testing.T) {
	t.Parallel()
	e := clitest.New(t, clitest.WithEmulator(func(o *emulator.Options) { o.Latency = 2 * time.Second }))
	e.Run("api", "GET", "/v2/AddressBooks", "--timeout", "100ms").
		Expect(t, 10, "", "error: timed out after 100ms (--timeout) during GetAddressBooks\n")
}

// One attempt's limit is request_timeout, not --timeout: the message says which fired.
func TestRequestTimeoutNamesItsSetting(t *testing.T) {
	t.Parallel()
	e := clitest.New(t, clitest.WithEmulator(func(o *emulator.Options) { o.Latency = 2 * time.Second }))
	e.Setenv("NIMBUSCTL_REQUEST_TIMEOUT", "100ms")
	e.Setenv("NIMBUSCTL_MAX_RETRIES", "1")
	e.Run("api", "GET", "/v2/AddressBooks").Expect(t, 10, "",
		"error: GetAddressBooks: the Nimbus service did not answer within 100ms (request_timeout), 2 attempts\n"+
			"The service is slow or unreachable. If it is slow, raise request_timeout (e.g. nimbusctl config set request_timeout 5m).\n")
}

func TestCtrlCCancels(t *testing.T) {
	t.Parallel()
	e := clitest.New(t, clitest.WithEmulator(func(o *emulator.Options) { o.Latency = 2 * time.Second }))
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	e.RunWith(clitest.RunOpts{Ctx: ctx}, "api", "GET", "/v2/AddressBooks").Expect(t, 2, "", "cancelled\n")
}
