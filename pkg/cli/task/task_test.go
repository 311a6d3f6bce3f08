package task_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/nimbusctl/nimbusctl/pkg/cli/clitest"
	"github.com/nimbusctl/nimbusctl/pkg/emulator"
)

func info(t *testing.T, e *clitest.Env, id string) string {
	t.Helper()
	task, ok := e.Emu.Task(id)
	if !ok {
		t.Fatalf("no task %s", id)
	}
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(task["taskInformation"]); err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(b.String())
}

func TestUpdate(t *testing.T) {
	t.Parallel()
	e := clitest.New(t)
	e.Run("task", "update", emulator.TaskSupportCall,
		"--customer-first-name", "Alice", "--customer-last-name", "Muster", "--customer-upn", "alice.muster@muster.example",
		"--customer-tel", "Mobile=+41795551001", "--customer-field", "Tier=Gold",
		"--context", "Reason=Invoice question", "--context", "Ticket=INC-4711",
		"--preferred-user", "anna.meier@contoso.com:1", "--preferred-user", "luca.rossi@contoso.com:50",
	).Expect(t, 0, "", "")
	want := `{"customContextParameters":[{"name":"Reason","value":"Invoice question"},{"name":"Ticket","value":"INC-4711"}],` +
		`"customer":{"UPN":"alice.muster@muster.example","customFields":[{"name":"Tier","value":"Gold"}],"firstName":"Alice","lastName":"Muster",` +
		`"telNumbers":[{"name":"Mobile","value":"+41795551001"}]},` +
		`"preferredUsers":[{"priority":1,"upn":"anna.meier@contoso.com"},{"priority":50,"upn":"luca.rossi@contoso.com"}]}`
	if got := info(t, e, emulator.TaskSupportCall); got != want {
		t.Errorf("taskInformation:\n%s\nwant\n%s", got, want)
	}
	// Only what is given is sent: the API merges customer fields and context parameters.
	e.RunWith(clitest.RunOpts{TTY: true}, "task", "update", emulator.TaskSupportCall, "--customer-company", "Muster AG", "--context", "Reason=Callback").
		Expect(t, 0, "", "✓ Updated task "+emulator.TaskSupportCall+"\n")
	want = `{"customContextParameters":[{"name":"Reason","value":"Callback"},{"name":"Ticket","value":"INC-4711"}],` +
		`"customer":{"UPN":"alice.muster@muster.example","company":"Muster AG","customFields":[{"name":"Tier","value":"Gold"}],"firstName":"Alice","lastName":"Muster",` +
		`"telNumbers":[{"name":"Mobile","value":"+41795551001"}]},` +
		`"preferredUsers":[{"priority":1,"upn":"anna.meier@contoso.com"},{"priority":50,"upn":"luca.rossi@contoso.com"}]}`
	if got := info(t, e, emulator.TaskSupportCall); got != want {
		t.Errorf("taskInformation:\n%s\nwant\n%s", got, want)
	}
	e.RunWith(clitest.RunOpts{Stdin: `{"preferredUsers":[{"upn":"sophie.martin@contoso.com"}]}`}, "task", "update", emulator.TaskSalesCall, "--from-json", "-").
		Expect(t, 0, "", "")
	if got := info(t, e, emulator.TaskSalesCall); got != `{"preferredUsers":[{"upn":"sophie.martin@contoso.com"}]}` {
		t.Errorf("taskInformation %s", got)
	}
}

func TestUpdateFailures(t *testing.T) {
	t.Parallel()
	e := clitest.New(t)
	usage := "Run 'nimbusctl task update --help' for usage.\n"
	e.Run("task", "update", emulator.TaskSupportCall).
		Expect(t, 3, "", "error: nothing to update: give customer flags, --context, --preferred-user or --from-json\n"+usage)
	e.Run("task", "update", emulator.TaskSupportCall, "--preferred-user", "anna.meier@contoso.com:-1").
		Expect(t, 3, "", "error: --preferred-user priority must be between 1 (high) and 99 (low), got -1 for anna.meier@contoso.com\n"+usage)
	e.RunWith(clitest.RunOpts{Stdin: `{"customContextParameters":[{"value":"x"}]}`}, "task", "update", emulator.TaskSupportCall, "--from-json", "-").
		Expect(t, 3, "", "error: invalid request: customContextParameters[0].name: is required\n")
	if ops := e.Emu.Stats().Operations; len(ops) != 0 {
		t.Errorf("invalid input made API calls: %v", ops)
	}
	e.Run("task", "update", "no-such-task", "--context", "a=b").
		Expect(t, 6, "", "error: UpdateTask: 404 Not Found: Task \"no-such-task\" not found.\n")
	e.Run("task", "update", emulator.TaskVIPCall, "--context", "a=b").
		Expect(t, 5, "", "error: UpdateTask: 403 Forbidden: Forbidden for the given Service UPN\n")
	e.Run("task", "update", emulator.TaskSupportCall, "--preferred-user", "ghost@contoso.com").
		Expect(t, 7, "", "error: UpdateTask: 400 Bad Request: The request is invalid: preferredUsers[0].upn: \"ghost@contoso.com\" is not a user for preferred routing\n")
	if got := info(t, e, emulator.TaskSupportCall); got != "{}" {
		t.Errorf("taskInformation changed: %s", got)
	}
}

func TestLookups(t *testing.T) {
	t.Parallel()
	e := clitest.New(t)
	e.Run("task", "events").Expect(t, 0,
		"Created\tCreated\nQueued\tQueued\nAccepted\tAccepted\nConnected\tConnected\nTransferred\tTransferred\nUpdated\tUpdated\nTerminated\tTerminated\n", "")
	e.Run("task", "modalities", "-o", "json", "--jq", ".[].value").Expect(t, 0, "Audio\nInstantMessaging\nExternalTask\n", "")
	e.RunWith(clitest.RunOpts{TTY: true}, "task", "directions").Expect(t, 0, ""+
		"NAME      VALUE\n"+
		"Inbound   Inbound\n"+
		"Outbound  Outbound\n"+
		"None      None\n", "")
	e.Run("task", "services", "-o", "csv").Expect(t, 0, "service\nsupport@contoso.com\nsales@contoso.com\n", "")
	e.Run("task", "preferred-users").Expect(t, 0,
		"admin@contoso.com\nagent@contoso.com\nanna.meier@contoso.com\nluca.rossi@contoso.com\nsophie.martin@contoso.com\n", "")
	e.Run("task", "events", "now").
		Expect(t, 3, "", "error: nimbusctl task events takes no arguments (got \"now\")\nRun 'nimbusctl task events --help' for usage.\n")

	denied := clitest.New(t, clitest.WithEmulator(func(o *emulator.Options) { o.Deny = []string{"nimbus"} }))
	for cmd, op := range map[string]string{
		"events": "GetTaskEvents", "modalities": "GetTaskModalities", "directions": "GetTaskDirections",
		"services": "GetServices", "preferred-users": "GetUsersForPreferredRouting",
	} {
		denied.Run("task", cmd).
			Expect(t, 5, "", "error: "+op+": 403 Forbidden: Forbidden. The signed-in user has no role that allows the nimbus API.\n")
	}

	agent := clitest.New(t)
	agent.Setenv("NIMBUSCTL_TOKEN", agent.Emu.IssueToken("nobody@contoso.com", emulator.NimbusAudience, time.Hour))
	agent.Run("task", "services").
		Expect(t, 5, "", "error: GetServices: 403 Forbidden: Forbidden. The user nobody@contoso.com has no Nimbus role.\n")
}
