package cli_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nimbusctl/nimbusctl/pkg/cli/clitest"
	"github.com/nimbusctl/nimbusctl/pkg/emulator"
)

// The contact-center loop, in the sandbox, through the CLI only: cron imports two callbacks;
// the sandbox runs them once due — one reaches voicemail (20 s), one is a conversation (3
// minutes) with Luca; their task events reach `trigger listen` through the trigger it
// registered; exactly the long call's destination is surveyed, about Luca. A batch
// after-call over the listener's files afterwards sends nothing.
func TestLoopScheduledCallsInTheSandbox(t *testing.T) {
	t.Parallel()
	e := clitest.New(t, clitest.NoLogin())
	for _, k := range []string{"NIMBUSCTL_ENDPOINT", "NIMBUSCTL_CA_FILE", "NIMBUSCTL_ODATA_URL", "NIMBUSCTL_NPSTODAY_URL", "NPSTODAY_API_KEY"} {
		e.Setenv(k, "") // the sandbox's profile is all there is
	}
	ready := filepath.Join(e.Home, "sandbox.ready")
	sandbox := e.Start(ready, "sandbox", "--port", "0", "--ready-file", ready, "--call-speed", "1000")
	defer sandbox.Stop()
	e.Setenv("NIMBUSCTL_PROFILE", "sandbox")
	e.MustRun("auth", "login")

	// How the two calls will go.
	e.MustRun("sandbox", "call", "--service", emulator.ServiceSupport, "--scheduled", "cb-voicemail", "--talk", "20s")
	e.MustRun("sandbox", "call", "--service", emulator.ServiceSupport, "--scheduled", "cb-talk", "--talk", "3m", "--agent", "luca.rossi@contoso.com")

	dir := filepath.Join(e.Home, "events")
	lready := filepath.Join(e.Home, "listen.ready")
	listen := e.Start(lready, "trigger", "listen", "--listen", "127.0.0.1:0", "--ready-file", lready, "--dir", dir,
		"--register", "tasks", "--service", emulator.ServiceSupport, "--task-event", "Terminated", "--direction", "Outbound",
		"--after-call", "-o", "json", "--jq", "[.stored, .surveyed, .surveysFailed]")

	// The morning's cron job: two callbacks, due in a second.
	csv := filepath.Join(e.Home, "callbacks.csv")
	os.WriteFile(csv, []byte("ReferenceId,destination,due\ncb-voicemail,+41 79 555 12 34,+1s\ncb-talk,+41 79 555 12 35,+1s\n"), 0o600)
	e.MustRun("schedule", "import", csv, "--service", emulator.ServiceSupport)

	// The sandbox runs both; once they have ended they are no longer listed.
	e.WaitFor("the calls to run", func() bool {
		r := e.Run("schedule", "list", "--service", emulator.ServiceSupport, "-o", "json", "--jq", `map(select(.ReferenceId | startswith("cb-"))) | length`)
		return r.Code == 0 && r.Stdout == "0\n"
	})
	e.WaitFor("the events to be stored", func() bool { return len(taskLines(t, dir)) == 2 })
	r := listen.Stop() // lets the after-call job finish what it has
	if r.Code != 0 || r.Stdout != "[2,1,0]\n" {
		t.Fatalf("listen: exit %d %q\n%s", r.Code, r.Stdout, r.Stderr)
	}
	if !strings.Contains(r.Stderr, "skipped:too-short: outbound call lasted 20s, under --min-duration-outbound 1m0s: likely voicemail\n") ||
		!strings.Contains(r.Stderr, ": sent (campaign 101, +41795551235, about luca.rossi@contoso.com)\n") {
		t.Errorf("listen log:\n%s", r.Stderr)
	}
	// What nps.today received: one survey, to the long call's destination, about its agent.
	e.Run("nps", "bi", "campaignmembers", "-o", "json", "--jq", `map([.campaignId, .respondent.phoneNumber, .employeeEmail]) | tojson`).
		Expect(t, 0, `[[101,"+41795551235","luca.rossi@contoso.com"]]`+"\n", "")
	// The events carry the contract's fields: the destination, the service's own number as
	// the caller, the agent, the reference, created → terminated.
	for _, line := range taskLines(t, dir) {
		var ev map[string]any
		json.Unmarshal([]byte(line), &ev)
		if ev["direction"] != "Outbound" || ev["callerTelNumber"] != "+41445550100" || ev["referenceId"] == nil || ev["terminated"] == nil {
			t.Errorf("event %s", line)
		}
	}

	// The batch over the listener's files sends nothing more.
	files, _ := filepath.Glob(filepath.Join(dir, "tasks-*.jsonl"))
	e.Run(append([]string{"nps", "survey", "after-call", "-o", "json", "--jq", "map(.result) | sort | tojson"}, files...)...).
		Expect(t, 0, `["skipped:already-surveyed","skipped:too-short"]`+"\n", "")
	e.Run("nps", "bi", "campaignmembers", "--jq", "length").Expect(t, 0, "1\n", "")
	if r := sandbox.Stop(); r.Code != 0 {
		t.Errorf("sandbox: exit %d %s", r.Code, r.Stderr)
	}
}

// The guide's "customer calls agent": a caller with earlier responses; the screen-pop puts
// the summary into the task while the call is on; the call ends with it in its context
// parameters, and the caller gets the survey.
func TestLoopInboundScreenPopAndSurvey(t *testing.T) {
	t.Parallel()
	clock := &offsetClock{}
	e := clitest.New(t, clitest.WithEmulator(func(o *emulator.Options) { o.Now = clock.Now }))
	dir := filepath.Join(e.Home, "events")
	lready := filepath.Join(e.Home, "listen.ready")
	listen := e.Start(lready, "trigger", "listen", "--listen", "127.0.0.1:0", "--ready-file", lready, "--dir", dir,
		"--register", "tasks", "--service", emulator.ServiceSupport, "--task-event", "Created,Terminated", "--direction", "Inbound",
		"--after-call", "--enrich", "-o", "json", "--jq", "[.stored, .enriched, .surveyed]")

	task, err := e.Emu.PlayCall(emulator.Call{Service: emulator.ServiceSupport, Direction: "Inbound", Caller: emulator.NPSCustomerPhone,
		Agent: emulator.AgentUser, Talk: 3 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	id := task["taskId"].(string)
	// Wait for the summary in the task, not for the request: the call must not end (its
	// task is gone then) while the update is still on its way.
	e.WaitFor("the screen-pop", func() bool {
		live, ok := e.Emu.Task(id)
		return ok && strings.Contains(fmt.Sprint(live["taskInformation"]), "NPS.Summary")
	})
	clock.Advance(4 * time.Minute) // the call ends
	e.WaitFor("the survey", func() bool { return len(e.Emu.NPSSurveys()) == 1 })
	if r := listen.Stop(); r.Code != 0 || r.Stdout != "[2,1,1]\n" {
		t.Fatalf("listen: exit %d %q\n%s", r.Code, r.Stdout, r.Stderr)
	}
	ended, ok := e.Emu.EndedCall(id)
	if !ok {
		t.Fatal("the call did not end")
	}
	day := clock.Now().Add(-2 * 24 * time.Hour).UTC().Format("2006-01-02") // Alice's last answer, seeded two days back
	params := fmt.Sprint(ended["taskInformation"].(map[string]any)["customContextParameters"])
	if want := "map[name:NPS.Summary value:2 responses; last 9 on " + day + ": “Quick and friendly help”]"; !strings.Contains(params, want) {
		t.Errorf("context parameters %s, want %s", params, want)
	}
	// The Terminated event in the file carries them too (it is what the agent's tools see).
	if lines := taskLines(t, dir); len(lines) != 2 || !strings.Contains(lines[0]+lines[1], `"NPS.Summary"`) {
		t.Errorf("events %q", lines)
	}
	s := e.Emu.NPSSurveys()[0]
	if s.CampaignID != emulator.NPSCampaignSupport || s.Respondent["phoneNumber"] != emulator.NPSCustomerPhone || s.Employee["email"] != emulator.AgentUser {
		t.Errorf("survey %+v", s)
	}
}

// taskLines reads the task events the listener wrote.
func taskLines(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	files, _ := filepath.Glob(filepath.Join(dir, "tasks-*.jsonl"))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
			if l != "" {
				out = append(out, l)
			}
		}
	}
	return out
}

// offsetClock is the wall clock moved forward by what the test advances: the emulator's
// domain clock, so that a call ends when the test says.
type offsetClock struct {
	mu     sync.Mutex
	offset time.Duration
}

func (c *offsetClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset)
}

func (c *offsetClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.offset += d
}
