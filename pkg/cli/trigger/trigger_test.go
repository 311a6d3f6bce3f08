package trigger_test

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/nimbusctl/nimbusctl/pkg/cli/clitest"
	"github.com/nimbusctl/nimbusctl/pkg/emulator"
)

func TestCreateTasksTrigger(t *testing.T) {
	t.Parallel()
	e := clitest.New(t)
	r := e.Run("trigger", "create", "tasks", "--url", "https://hooks.example.com/nimbus?key=1",
		"--service", emulator.ServiceSupport, "--event", "created", "--event", "Terminated,Created",
		"--modality", "audio", "--direction", "Inbound")
	trigs := e.Emu.Triggers()
	if len(trigs) != 1 {
		t.Fatalf("exit %d %q %q: triggers %+v", r.Code, r.Stdout, r.Stderr, trigs)
	}
	tr := trigs[0]
	r.Expect(t, 0, tr.ID+"\ttasks\t"+e.Emu.NimbusURL()+"/v1/triggers/tasks/"+tr.ID+"\n", "")
	if got := fmt.Sprintf("%s %s %s %v %v %v %v", tr.Kind, tr.User, tr.URL, tr.Services, tr.Events, tr.Modalities, tr.Directions); got !=
		"tasks admin@contoso.com https://hooks.example.com/nimbus?key=1 [support@contoso.com] [Created Terminated] [Audio] [Inbound]" {
		t.Errorf("stored %s", got)
	}
}

func TestCreateSchedulerEntriesTrigger(t *testing.T) {
	t.Parallel()
	e := clitest.New(t)
	r := e.RunWith(clitest.RunOpts{TTY: true}, "trigger", "create", "scheduler-entries", "--url", "http://127.0.0.1:9/hook",
		"--service", emulator.ServiceSupport+","+emulator.ServiceSales, "--event", "Completed", "-o", "json", "--jq", ".kind")
	trigs := e.Emu.Triggers()
	if len(trigs) != 1 {
		t.Fatalf("exit %d %q %q: triggers %+v", r.Code, r.Stdout, r.Stderr, trigs)
	}
	r.Expect(t, 0, "scheduler-entries\n", "✓ Created scheduler-entries trigger "+trigs[0].ID+"\n")
	tr := trigs[0]
	if got := fmt.Sprintf("%s %s %v %v %d %d", tr.Kind, tr.URL, tr.Services, tr.Events, len(tr.Modalities), len(tr.Directions)); got !=
		"scheduler-entries http://127.0.0.1:9/hook [support@contoso.com sales@contoso.com] [Completed] 0 0" {
		t.Errorf("stored %s", got)
	}
}

func TestCreateFailures(t *testing.T) {
	t.Parallel()
	e := clitest.New(t)
	usage := "Run 'nimbusctl trigger create --help' for usage.\n"
	ok := []string{"--service", emulator.ServiceSupport, "--event", "Created"}
	for _, c := range []struct {
		args []string
		err  string
	}{
		{append([]string{"trigger", "create", "tasks", "--url", "/hook"}, ok...), "--url: \"/hook\" is not an absolute URL: give one such as https://hooks.example.com/events"},
		{append([]string{"trigger", "create", "tasks", "--url", "hooks.example.com/x"}, ok...), "--url: \"hooks.example.com/x\" is not an absolute URL: give one such as https://hooks.example.com/events"},
		{append([]string{"trigger", "create", "tasks", "--url", "ftp://hooks.example.com/x"}, ok...), "--url: \"ftp://hooks.example.com/x\" is not an https:// URL"},
		{append([]string{"trigger", "create", "tasks"}, ok...), "--url is required: the absolute https URL the events are POSTed to"},
		{[]string{"trigger", "create", "tasks", "--url", "https://h.example", "--event", "Created"}, "--service is required: the UPN of at least one of your services"},
		{[]string{"trigger", "create", "tasks", "--url", "https://h.example", "--service", "s@x"}, "--event is required: at least one event (see 'nimbusctl task events')"},
		{[]string{"trigger", "create", "scheduler-entries", "--url", "https://h.example", "--service", "s@x"}, "--event is required: at least one event (see 'nimbusctl schedule events')"},
		{append([]string{"trigger", "create", "scheduler-entries", "--url", "https://h.example", "--modality", "Audio"}, ok...), "--modality and --direction apply to tasks triggers only"},
		{append([]string{"trigger", "create", "calls", "--url", "https://h.example"}, ok...), "unknown trigger kind \"calls\": allowed: tasks, scheduler-entries"},
		{[]string{"trigger", "create"}, "nimbusctl trigger create takes a trigger kind (tasks or scheduler-entries) (got 0 argument(s))"},
	} {
		r := e.Run(c.args...)
		if want := "error: " + c.err + "\n" + usage; r.Code != 3 || r.Stdout != "" || r.Stderr != want {
			t.Errorf("%v: exit %d\n%s--- want\n%s", c.args, r.Code, r.Stderr, want)
		}
	}
	if ops := e.Emu.Stats().Operations; len(ops) != 0 {
		t.Errorf("invalid flags made API calls: %v", ops)
	}
	e.Run("trigger", "create", "tasks", "--url", "https://h.example", "--service", emulator.ServiceSupport, "--event", "Hangup").
		Expect(t, 3, "", "error: --event: unknown value \"Hangup\": allowed: Created, Queued, Accepted, Connected, Transferred, Updated, Terminated\n"+usage)
	e.Run("trigger", "create", "tasks", "--url", "https://h.example", "--service", emulator.ServiceSupport, "--event", "Created", "--direction", "Sideways").
		Expect(t, 3, "", "error: --direction: unknown value \"Sideways\": allowed: Inbound, Outbound, None\n"+usage)
	e.Run("trigger", "create", "scheduler-entries", "--url", "https://h.example", "--service", emulator.ServiceSupport, "--event", "Queued").
		Expect(t, 3, "", "error: --event: unknown value \"Queued\": allowed: Created, Updated, Started, Completed, Deleted\n"+usage)
	e.Run("trigger", "create", "tasks", "--url", "https://h.example", "--service", emulator.ServiceVIP, "--event", "Created").
		Expect(t, 5, "", "error: RegisterTaskWebHook: 403 Forbidden: Forbidden for the given Service UPN\n")
	e.Run("trigger", "create", "scheduler-entries", "--url", "https://h.example", "--service", emulator.ServiceSupport+","+emulator.ServiceVIP, "--event", "Created").
		Expect(t, 5, "", "error: RegisterSchedulerEntryTrigger: 403 Forbidden: Forbidden for the given Service UPN\n")
	if n := len(e.Emu.Triggers()); n != 0 {
		t.Errorf("%d triggers registered", n)
	}
}

func TestDelete(t *testing.T) {
	t.Parallel()
	e := clitest.New(t)
	tasks := strings.TrimSpace(e.MustRun("trigger", "create", "tasks", "--url", "https://h.example/t", "--service", emulator.ServiceSupport, "--event", "Created", "--jq", ".id").Stdout)
	entries := strings.TrimSpace(e.MustRun("trigger", "create", "scheduler-entries", "--url", "https://h.example/s", "--service", emulator.ServiceSales, "--event", "Created", "--jq", ".id").Stdout)

	e.Run("trigger", "delete", "scheduler-entries", tasks).
		Expect(t, 6, "", "error: DeleteSchedulerEntriesTrigger: 404 Not Found: Trigger \""+tasks+"\" not found.\n")
	e.Run("trigger", "delete", "tasks", tasks).Expect(t, 0, "", "")
	e.RunWith(clitest.RunOpts{TTY: true}, "trigger", "delete", "scheduler-entry", entries).
		Expect(t, 0, "", "✓ Deleted scheduler-entries trigger "+entries+"\n")
	if n := len(e.Emu.Triggers()); n != 0 {
		t.Errorf("%d triggers left", n)
	}
	e.Run("trigger", "delete", "tasks", tasks).
		Expect(t, 6, "", "error: DeleteTaskEventsTrigger: 404 Not Found: Trigger \""+tasks+"\" not found.\n")
	e.Run("trigger", "delete", "hooks", "x").
		Expect(t, 3, "", "error: unknown trigger kind \"hooks\": allowed: tasks, scheduler-entries\nRun 'nimbusctl trigger delete --help' for usage.\n")
	e.Run("trigger", "delete", "tasks").
		Expect(t, 3, "", "error: nimbusctl trigger delete takes a trigger kind (tasks or scheduler-entries) and a trigger id (got 1 argument(s))\nRun 'nimbusctl trigger delete --help' for usage.\n")
}

func TestCompletion(t *testing.T) {
	t.Parallel()
	e := clitest.New(t)
	done := "Completion ended with directive: ShellCompDirectiveNoFileComp\n"
	e.Run("__complete", "trigger", "create", "").Expect(t, 0, "tasks\nscheduler-entries\n:4\n", done)
	e.Run("__complete", "trigger", "create", "scheduler-entries", "--event", "").
		Expect(t, 0, "Created\nUpdated\nStarted\nCompleted\nDeleted\n:4\n", done)
	e.Run("__complete", "trigger", "create", "tasks", "--direction", "").Expect(t, 0, "Inbound\nOutbound\nNone\n:4\n", done)
	e.Run("__complete", "trigger", "create", "scheduler-entries", "--modality", "").Expect(t, 0, ":4\n", done)
	e.Run("__complete", "trigger", "create", "tasks", "--service", "").Expect(t, 0, "support@contoso.com\nsales@contoso.com\n:4\n", done)
}

// The connector cannot list triggers: nimbusctl records the ones it creates, per profile;
// delete drops them from the record and delete --all removes whatever is left.
func TestListAndDeleteAll(t *testing.T) {
	t.Parallel()
	e := clitest.New(t)
	e.Run("trigger", "list").Expect(t, 0, "", "")
	e.Run("trigger", "list", "-o", "json").Expect(t, 0, "[]\n", "")
	e.Run("trigger", "delete", "--all").Expect(t, 0, "", "No triggers recorded for profile default.\n")
	a := strings.TrimSpace(e.MustRun("trigger", "create", "tasks", "--url", "https://h.example/t", "--service", emulator.ServiceSupport,
		"--event", "Terminated", "--direction", "Outbound", "--jq", ".id").Stdout)
	b := strings.TrimSpace(e.MustRun("trigger", "create", "scheduler-entries", "--url", "https://h.example/s", "--service", emulator.ServiceSales+","+emulator.ServiceSupport,
		"--event", "Completed", "--jq", ".id").Stdout)
	c := strings.TrimSpace(e.MustRun("trigger", "create", "tasks", "--url", "https://h.example/c", "--service", emulator.ServiceSales, "--event", "Created", "--jq", ".id").Stdout)
	r := e.Run("trigger", "list")
	stamp := regexp.MustCompile(`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ`)
	r.Stdout = stamp.ReplaceAllString(r.Stdout, "<T>")
	r.Expect(t, 0, a+"\ttasks\thttps://h.example/t\tsupport@contoso.com\tTerminated\tdefault\t<T>\ttrigger create\n"+
		b+"\tscheduler-entries\thttps://h.example/s\tsales@contoso.com, support@contoso.com\tCompleted\tdefault\t<T>\ttrigger create\n"+
		c+"\ttasks\thttps://h.example/c\tsales@contoso.com\tCreated\tdefault\t<T>\ttrigger create\n", "")
	e.Run("trigger", "list", "-o", "json", "--jq", `.[0] | [.directions, .profile, .createdBy] | tojson`).
		Expect(t, 0, `[["Outbound"],"default","trigger create"]`+"\n", "")
	// Another profile sees none of them, unless it asks for all.
	e.MustRun("config", "set", "region", "de-02", "--profile", "other")
	e.Run("--profile", "other", "trigger", "list", "--jq", "length").Expect(t, 0, "0\n", "")
	e.Run("--profile", "other", "trigger", "list", "--all-profiles", "--jq", "length").Expect(t, 0, "3\n", "")

	e.Run("trigger", "delete", "tasks", a).Expect(t, 0, "", "")
	// c disappeared behind nimbusctl's back (deleted elsewhere): --all reports it gone.
	e.MustRun("api", "DELETE", "/v1/triggers/tasks/"+c)
	e.Run("trigger", "delete", "--all", "--yes", "-o", "json").Expect(t, 0, `[
  {
    "id": "`+b+`",
    "kind": "scheduler-entries",
    "result": "deleted"
  },
  {
    "id": "`+c+`",
    "kind": "tasks",
    "result": "gone",
    "detail": "already deleted (or never reached Nimbus)"
  }
]
`, "")
	if n := len(e.Emu.Triggers()); n != 0 {
		t.Errorf("%d triggers left", n)
	}
	e.Run("trigger", "list", "-o", "json").Expect(t, 0, "[]\n", "")
	e.Run("trigger", "delete", "--all", "tasks", "x").Expect(t, 3, "", "error: --all deletes every recorded trigger: give no kind or id\nRun 'nimbusctl trigger delete --help' for usage.\n")
}

// A trigger made by hand for a listener ('trigger listen --show-url', as docs/listen.md
// shows) is recorded and listed with the listener's path token hidden, as the listener's own.
func TestCreateHidesTheListenersPathToken(t *testing.T) {
	t.Parallel()
	e := clitest.New(t)
	u := strings.TrimSpace(e.MustRun("trigger", "listen", "--public-url", "https://hooks.example.com/nimbus", "--show-url").Stdout)
	token := u[strings.LastIndexByte(u, '/')+1:]
	r := e.MustRun("--debug", "trigger", "create", "tasks", "--url", u, "--service", emulator.ServiceSupport, "--event", "Terminated", "--jq", ".id")
	if strings.Contains(r.Stderr, token) || !strings.Contains(r.Stderr, `"url":"https://hooks.example.com/nimbus/[redacted]"`) {
		t.Errorf("the --debug trace shows the path token:\n%s", r.Stderr)
	}
	id := strings.TrimSpace(r.Stdout)
	e.Run("trigger", "list", "--jq", `.[] | [.id, .url] | tojson`).Expect(t, 0, `["`+id+`","https://hooks.example.com/nimbus/{path-token}"]`+"\n", "")
	if b, err := os.ReadFile(filepath.Join(e.Home, "state", "triggers.json")); err != nil || strings.Contains(string(b), token) {
		t.Errorf("the record holds the path token (%v):\n%s", err, b)
	}
	if got := e.Emu.Triggers(); len(got) != 1 {
		t.Errorf("triggers %+v", got)
	}
}
