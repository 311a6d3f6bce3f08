package cli_test

import (
	"strings"
	"testing"

	"github.com/nimbusctl/nimbusctl/pkg/cli/clitest"
	"github.com/nimbusctl/nimbusctl/pkg/emulator"
)

// Commands that remove many things at once (a whole address book, every recorded trigger, a
// prune past its limit) never act on a default: without a terminal they refuse with exit 3
// and name --yes, before anything changes; on a terminal they ask, and a "no" exits 2.
func TestDestructiveCommandsNeedYes(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		setup func(e *clitest.Env)
		args  []string
		says  string
	}{
		{
			name: "addressbook clear",
			args: []string{"addressbook", "clear", "Customers"},
			says: "error: refusing to clear address book Customers without confirmation: pass --yes (no terminal to ask)\n",
		},
		{
			name: "trigger delete --all",
			setup: func(e *clitest.Env) {
				e.MustRun("trigger", "create", "tasks", "--url", "https://h.example/t", "--service", emulator.ServiceSupport, "--event", "Created")
				e.MustRun("trigger", "create", "tasks", "--url", "https://h.example/u", "--service", emulator.ServiceSales, "--event", "Created")
			},
			args: []string{"trigger", "delete", "--all"},
			says: "error: refusing to delete the 2 triggers recorded for profile default (their webhooks stop) without confirmation: pass --yes (no terminal to ask)\n",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := clitest.New(t)
			if tc.setup != nil {
				tc.setup(e)
			}
			before := len(e.Emu.Received())
			hint := "Run 'nimbusctl " + strings.Join(strings.Fields(tc.name)[:2], " ") + " --help' for usage.\n"
			e.Run(tc.args...).Expect(t, 3, "", tc.says+hint)
			for _, r := range e.Emu.Received()[before:] {
				if r.Method != "GET" {
					t.Errorf("sent %s %s before anyone confirmed", r.Method, r.URI)
				}
			}
			r := e.RunWith(clitest.RunOpts{TTY: true, Prompter: &clitest.Answers{Confirms: []bool{false}}}, tc.args...)
			if r.Code != 2 || r.Stdout != "" {
				t.Errorf("declined on a terminal: exit %d, stdout %q, stderr %q", r.Code, r.Stdout, r.Stderr)
			}
			for _, r := range e.Emu.Received()[before:] {
				if r.Method != "GET" {
					t.Errorf("sent %s %s after a no", r.Method, r.URI)
				}
			}
			if r := e.Run(append(tc.args, "--yes")...); r.Code != 0 {
				t.Errorf("with --yes: exit %d %s", r.Code, r.Stderr)
			}
		})
	}
}
