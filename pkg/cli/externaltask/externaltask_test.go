package externaltask_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/nimbusctl/nimbusctl/pkg/cli/clitest"
	"github.com/nimbusctl/nimbusctl/pkg/emulator"
)

func asJSON(t *testing.T, v any) string {
	t.Helper()
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(b.String())
}

func TestAdd(t *testing.T) {
	t.Parallel()
	e := clitest.New(t)
	r := e.Run("external-task", "add", "--service", emulator.ServiceSupport, "--customer-identifier", "CRM-77",
		"--priority", "High", "--context", "Ticket=INC-4711",
		"--customer-display-name", "Alice Muster", "--customer-upn", "alice.muster@muster.example", "--customer-email", "alice@private.example",
		"--preferred-user", "anna.meier@contoso.com:1", "--preferred-user", "Luca.Rossi@contoso.com",
		"-o", "json")
	var out struct {
		ID      string `json:"id"`
		Created string `json:"created"`
	}
	if err := json.Unmarshal([]byte(r.Stdout), &out); err != nil || out.ID == "" {
		t.Fatalf("exit %d, stdout %q, stderr %q", r.Code, r.Stdout, r.Stderr)
	}
	r.Expect(t, 0, `{
  "id": "`+out.ID+`",
  "modality": "ExternalTask",
  "created": "`+out.Created+`",
  "type": "ExternalTask",
  "serviceId": "`+emulator.ServiceSupportID+`",
  "serviceName": "Support",
  "serviceDescription": "First-level customer support hotline",
  "serviceDisplayName": "Contoso Support",
  "serviceUPN": "support@contoso.com",
  "serviceTelNumber": "+41445550100",
  "preferredUsers": [
    {
      "upn": "anna.meier@contoso.com",
      "priority": 1
    },
    {
      "upn": "Luca.Rossi@contoso.com"
    }
  ]
}
`, "")
	task, ok := e.Emu.Task(out.ID)
	if !ok {
		t.Fatalf("task %s not stored", out.ID)
	}
	// The emulator refuses a priority that is not a value of the lookup, so "High" went out as "3".
	want := `{"customContextParameters":[{"name":"Ticket","value":"INC-4711"}],` +
		`"customer":{"UPN":"alice.muster@muster.example","displayName":"Alice Muster","email":"alice@private.example"},` +
		`"preferredUsers":[{"priority":1,"upn":"anna.meier@contoso.com"},{"upn":"Luca.Rossi@contoso.com"}]}`
	if got := asJSON(t, task["taskInformation"]); got != want {
		t.Errorf("taskInformation %s\nwant            %s", got, want)
	}
	if task["customerIdentifier"] != "CRM-77" {
		t.Errorf("customerIdentifier %v", task["customerIdentifier"])
	}

	r = e.RunWith(clitest.RunOpts{TTY: true}, "external-task", "add", "--service", emulator.ServiceSales, "-o", "json", "--jq", ".serviceUPN")
	if r.Code != 0 || r.Stdout != "sales@contoso.com\n" || !strings.HasPrefix(r.Stderr, "✓ Added external task ") || !strings.HasSuffix(r.Stderr, " to sales@contoso.com\n") {
		t.Errorf("exit %d, stdout %q, stderr %q", r.Code, r.Stdout, r.Stderr)
	}
	body := `{"serviceUpn":"support@contoso.com","customer":{"UPN":"bruno@kellerbau.example"},"preferredUsers":[{"upn":"sophie.martin@contoso.com","priority":2}]}`
	r = e.RunWith(clitest.RunOpts{Stdin: body}, "external-task", "add", "--from-json", "-", "--customer-first-name", "Bruno")
	id, _, _ := strings.Cut(r.Stdout, "\t")
	task, _ = e.Emu.Task(id)
	r.Expect(t, 0, id+"\tsupport@contoso.com\tExternalTask\t"+task["created"].(string)+"\tsophie.martin@contoso.com:2\n", "")
	if got := asJSON(t, task["taskInformation"]); got != `{"customer":{"UPN":"bruno@kellerbau.example","firstName":"Bruno"},"preferredUsers":[{"priority":2,"upn":"sophie.martin@contoso.com"}]}` {
		t.Errorf("taskInformation %s", got)
	}
}

func TestAddFailures(t *testing.T) {
	t.Parallel()
	e := clitest.New(t)
	usage := "Run 'nimbusctl external-task add --help' for usage.\n"
	many := []string{"external-task", "add", "--service", emulator.ServiceSupport}
	for i := 0; i < 11; i++ {
		many = append(many, "--preferred-user", fmt.Sprintf("u%d@contoso.com", i))
	}
	for _, c := range []struct {
		args []string
		err  string
	}{
		{[]string{"external-task", "add"}, "--service is required: the UPN of a service (see 'nimbusctl external-task services')"},
		{many, "--preferred-user: at most 10 preferred users, got 11"},
		{[]string{"external-task", "add", "--service", "s@x", "--preferred-user", "anna.meier@contoso.com:100"},
			"--preferred-user priority must be between 1 (high) and 99 (low), got 100 for anna.meier@contoso.com"},
		{[]string{"external-task", "add", "--service", "s@x", "--preferred-user", "anna.meier@contoso.com:0"},
			"--preferred-user priority must be between 1 (high) and 99 (low), got 0 for anna.meier@contoso.com"},
		{[]string{"external-task", "add", "--service", "s@x", "--preferred-user", "anna.meier@contoso.com:top"},
			"--preferred-user: priority \"top\" of anna.meier@contoso.com is not a number between 1 (high) and 99 (low)"},
		{[]string{"external-task", "add", "--service", "s@x", "--preferred-user", ":5"},
			"--preferred-user: \":5\" has no UPN (want upn[:priority])"},
		{[]string{"external-task", "add", "--service", "s@x", "--customer-field", "novalue"},
			"--customer-field: \"novalue\" is not NAME=VALUE"},
	} {
		r := e.Run(c.args...)
		if want := "error: " + c.err + "\n" + usage; r.Code != 3 || r.Stdout != "" || r.Stderr != want {
			t.Errorf("%v: exit %d\n%s--- want\n%s", c.args, r.Code, r.Stderr, want)
		}
	}
	e.RunWith(clitest.RunOpts{Stdin: `{"serviceUpn":"support@contoso.com","preferredUsers":[{"priority":3}]}`}, "external-task", "add", "--from-json", "-").
		Expect(t, 3, "", "error: invalid request: preferredUsers[0].upn: is required\n")
	e.RunWith(clitest.RunOpts{Stdin: `{"serviceUPN":"support@contoso.com","customer":{"upn":"x@y.example","mail":"x@y.example"}}`}, "external-task", "add", "--from-json", "-").
		Expect(t, 3, "", "error: --from-json stdin: unknown field \"mail\": the API has no such field\n")
	if ops := e.Emu.Stats().Operations; len(ops) != 0 {
		t.Errorf("invalid input made API calls: %v", ops)
	}
	e.Run("external-task", "add", "--service", emulator.ServiceSupport, "--priority", "Critical").
		Expect(t, 3, "", "error: --priority: unknown value \"Critical\": allowed: Low (1), Normal (2), High (3), Urgent (4)\n"+usage)
	e.Run("external-task", "add", "--service", emulator.ServiceVIP).
		Expect(t, 5, "", "error: AddExternalTask: 403 Forbidden: Forbidden for the given Service UPN\n")
	e.Run("external-task", "add", "--service", emulator.ServiceSupport, "--preferred-user", "ghost@contoso.com").
		Expect(t, 7, "", "error: AddExternalTask: 400 Bad Request: The request is invalid: preferredUsers[0].upn: \"ghost@contoso.com\" is not a user for preferred routing\n")
}

func TestRemove(t *testing.T) {
	t.Parallel()
	e := clitest.New(t)
	id := strings.TrimSpace(e.MustRun("external-task", "add", "--service", emulator.ServiceSupport, "--jq", ".id").Stdout)
	e.RunWith(clitest.RunOpts{TTY: true}, "external-task", "remove", id).Expect(t, 0, "", "✓ Removed external task "+id+"\n")
	if _, ok := e.Emu.Task(id); ok {
		t.Error("the task is still there")
	}
	e.Run("external-task", "remove", id).
		Expect(t, 6, "", "error: RemoveExternalTask: 404 Not Found: External task \""+id+"\" not found.\n")
	e.Run("external-task", "remove", emulator.TaskSupportCall).
		Expect(t, 6, "", "error: RemoveExternalTask: 404 Not Found: External task \""+emulator.TaskSupportCall+"\" not found.\n")
	e.Run("external-task", "remove").
		Expect(t, 3, "", "error: nimbusctl external-task remove takes an external task id (got 0 argument(s))\nRun 'nimbusctl external-task remove --help' for usage.\n")
	if _, ok := e.Emu.Task(emulator.TaskSupportCall); !ok {
		t.Error("a call task was removed")
	}
}

func TestLookups(t *testing.T) {
	t.Parallel()
	e := clitest.New(t)
	e.Run("external-task", "services").Expect(t, 0, "support@contoso.com\nsales@contoso.com\n", "")
	e.Run("external-task", "priorities", "-o", "json").Expect(t, 0, `[
  {
    "name": "Low",
    "value": "1"
  },
  {
    "name": "Normal",
    "value": "2"
  },
  {
    "name": "High",
    "value": "3"
  },
  {
    "name": "Urgent",
    "value": "4"
  }
]
`, "")
	denied := clitest.New(t, clitest.WithEmulator(func(o *emulator.Options) { o.Deny = []string{"nimbus"} }))
	for cmd, op := range map[string]string{"services": "GetExternalTasksServices", "priorities": "GetExternalTasksDistributionPriorities"} {
		denied.Run("external-task", cmd).
			Expect(t, 5, "", "error: "+op+": 403 Forbidden: Forbidden. The signed-in user has no role that allows the nimbus API.\n")
	}
	e.Run("external-task", "services", "all").
		Expect(t, 3, "", "error: nimbusctl external-task services takes no arguments (got \"all\")\nRun 'nimbusctl external-task services --help' for usage.\n")
	e.Run("__complete", "external-task", "add", "--service", "").
		Expect(t, 0, "support@contoso.com\nsales@contoso.com\n:4\n", "Completion ended with directive: ShellCompDirectiveNoFileComp\n")
	e.Run("__complete", "external-task", "add", "--preferred-user", "").
		Expect(t, 0, "admin@contoso.com\nagent@contoso.com\nanna.meier@contoso.com\nluca.rossi@contoso.com\nsophie.martin@contoso.com\n:4\n",
			"Completion ended with directive: ShellCompDirectiveNoFileComp\n")
}
