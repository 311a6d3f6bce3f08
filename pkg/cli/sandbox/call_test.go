package sandbox_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/nimbusctl/nimbusctl/pkg/cli/clitest"
)

// `sandbox call` plays a call in the running sandbox and, with --wait, prints how it ended.
func TestSandboxCall(t *testing.T) {
	t.Parallel()
	e := sandboxEnv(t)
	e.Run("sandbox", "call", "--service", "support@contoso.com", "--caller", "+41445551001").
		Expect(t, 10, "", "error: no sandbox found (no sandbox profile)\nStart it with: nimbusctl sandbox &\n")
	_, stop := start(t, e, filepath.Join(e.Home, "sandbox.ready"), "--call-speed", "1000")

	r := e.Run("sandbox", "call", "--service", "sales@contoso.com", "--destination", "+41 79 555 12 34", "--agent", "luca.rossi@contoso.com",
		"--talk", "3m", "--wait", "-o", "json", "--jq", "[.event, .direction, .callerTelNumber, .destinationTelNumber, .LastConnectedUserEmail, (.terminated != null)] | tojson")
	r.Expect(t, 0, `["Terminated","Outbound","+41445550200","+41795551234","luca.rossi@contoso.com",true]`+"\n", "")
	r = e.Run("sandbox", "call", "--service", "support@contoso.com", "--caller", "+41445551001")
	if f := strings.Split(r.Stdout, "\t"); r.Code != 0 || len(f) != 9 || f[1] != "Created" || f[2] != "Inbound" || f[4] != "+41445551001" || f[6] != "agent@contoso.com" {
		t.Fatalf("exit %d %q %q", r.Code, r.Stdout, r.Stderr)
	}
	e.RunWith(clitest.RunOpts{TTY: true}, "sandbox", "call", "--service", "support@contoso.com", "--scheduled", "callback-1001", "--talk", "15s").
		Expect(t, 0, "", "✓ The scheduled calls callback-1001 will last 15s once due.\n")

	usage := "Run 'nimbusctl sandbox call --help' for usage.\n"
	for _, c := range []struct {
		args []string
		err  string
	}{
		{[]string{"--caller", "+41445551001"}, "--service is required: the UPN of a sandbox service (support@contoso.com, sales@contoso.com)"},
		{[]string{"--service", "support@contoso.com"}, "give one of --caller, --anonymous, --destination or --scheduled"},
		{[]string{"--service", "support@contoso.com", "--caller", "+41445551001", "--destination", "+41445551002"}, "give one of --caller, --anonymous, --destination or --scheduled"},
		{[]string{"--service", "support@contoso.com", "--caller", "+41445551001", "--talk", "forever"}, `--talk: "forever" is not a duration in whole seconds (e.g. 90, 90s, 2m)`},
		{[]string{"--service", "support@contoso.com", "--scheduled", "x", "--wait"}, "--wait plays a call now: drop it with --scheduled"},
		// 0 is not "the default talk time" (2 minutes, a call that gets surveyed).
		{[]string{"--service", "support@contoso.com", "--caller", "+41445551001", "--talk", "0"}, "--talk must be between 1s and 24h, got 0s"},
		{[]string{"--service", "support@contoso.com", "--scheduled", "x", "--talk", "0s"}, "--talk must be between 1s and 24h, got 0s"},
	} {
		r := e.Run(append([]string{"sandbox", "call"}, c.args...)...)
		if want := "error: " + c.err + "\n" + usage; r.Code != 3 || r.Stderr != want {
			t.Errorf("%v: exit %d %q", c.args, r.Code, r.Stderr)
		}
	}
	e.Run("sandbox", "call", "--service", "nobody@contoso.com", "--caller", "+41445551001").
		Expect(t, 7, "", "error: the sandbox refused: no service \"nobody@contoso.com\" (known: support@contoso.com, sales@contoso.com, vip@contoso.com)\n")
	stop()
	r = e.Run("sandbox", "call", "--service", "support@contoso.com", "--caller", "+41445551001")
	if r.Code != 10 || !strings.HasPrefix(r.Stderr, "error: the sandbox is not running (nothing answers at https://127.0.0.1:") || !strings.HasSuffix(r.Stderr, "/control)\nStart it with: nimbusctl sandbox &\n") {
		t.Errorf("stopped: exit %d %q", r.Code, r.Stderr)
	}
}
