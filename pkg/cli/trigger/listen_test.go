package trigger_test

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/nimbusctl/nimbusctl/pkg/cli/clitest"
	"github.com/nimbusctl/nimbusctl/pkg/emulator"
	"github.com/nimbusctl/nimbusctl/pkg/listen"
)

// listener is a `trigger listen` running in-process on a free loopback port.
type listener struct {
	t     *testing.T
	bg    *clitest.Background
	token string
	base  string // http://127.0.0.1:PORT
	url   string // base/token
}

// testToken is the path token the tests' listeners read from their --path-token file.
const testToken = "tEsT-tOkEn-0123456789abcdefghijkl"

func startListen(t *testing.T, e *clitest.Env, args ...string) *listener {
	t.Helper()
	tokFile := filepath.Join(e.Home, "path-token")
	if err := os.WriteFile(tokFile, []byte(testToken+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	ready := filepath.Join(e.Home, "listen.ready")
	all := append([]string{"trigger", "listen", "--listen", "127.0.0.1:0", "--path-token", tokFile, "--ready-file", ready}, args...)
	bg := e.Start(ready, all...)
	return &listener{t: t, bg: bg, token: testToken, base: bg.Ready, url: bg.Ready + "/" + testToken}
}

// post sends one body to the event URL and returns the status and answer.
func (l *listener) post(body string) (int, string) {
	l.t.Helper()
	return postTo(l.t, l.url, body)
}

func postTo(t *testing.T, url, body string) (int, string) {
	t.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, strings.TrimSpace(string(b))
}

// stop sends the listener the signal (its context ends, as on SIGTERM) and returns its
// result, with the random port in stderr replaced by PORT.
func (l *listener) stop() clitest.Result {
	r := l.bg.Stop()
	r.Stderr = regexp.MustCompile(`127\.0\.0\.1:\d+`).ReplaceAllString(r.Stderr, "127.0.0.1:PORT")
	return r
}

func readLines(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
}

const (
	endedCall = `{"taskId":"T-end","event":"Terminated","direction":"Inbound","modality":"Audio","created":"2026-03-23T09:00:00Z",` +
		`"terminated":"2026-03-23T09:04:00Z","callerTelNumber":"+41315552002","serviceUPN":"support@contoso.com","LastConnectedUserEmail":"agent@contoso.com"}`
	heldCall = `{"taskId":"T-held","event":"Terminated","direction":"Inbound","modality":"Audio","created":"2026-03-23T09:00:00Z",` +
		`"terminated":"2026-03-23T09:04:00Z","callerTelNumber":"+41445551001","serviceUPN":"support@contoso.com","LastConnectedUserEmail":"anna.meier@contoso.com"}`
	// A Teams call from a colleague: no number, a callerUPN at the tenant's domain.
	colleagueCall = `{"taskId":"T-colleague","event":"Terminated","direction":"Inbound","modality":"Audio","created":"2026-03-23T09:00:00Z",` +
		`"terminated":"2026-03-23T09:04:00Z","callerUPN":"bob.keller@contoso.com","serviceUPN":"support@contoso.com","LastConnectedUserEmail":"agent@contoso.com"}`
	entryDone = `{"schedulerEntryId":"S-1","event":"Completed","ReferenceId":"R-1","destination":"+41795551234","serviceUpn":"support@contoso.com"}`
)

// Events are stored as received, one file per kind and day, before the answer; repeats and
// bodies that are not events are refused or dropped; the summary counts them all.
func TestListenStoresEvents(t *testing.T) {
	t.Parallel()
	e := clitest.New(t)
	dir := filepath.Join(e.Home, "events")
	l := startListen(t, e, "--dir", dir, "-o", "json")
	for _, c := range []struct {
		body   string
		code   int
		answer string
	}{
		{endedCall, 200, `{"status":"stored"}`},
		{entryDone, 200, `{"status":"stored"}`},
		{endedCall, 200, `{"status":"duplicate"}`},
		{`{"event":"Terminated"}`, 400, `{"error":"neither a TaskEventData (taskId) nor a SchedulerEntryEventData (schedulerEntryId)"}`},
	} {
		if code, answer := l.post(c.body); code != c.code || answer != c.answer {
			t.Errorf("%s: %d %s", c.body, code, answer)
		}
	}
	if code, _ := postTo(t, l.base+"/not-the-token", endedCall); code != 404 {
		t.Errorf("a wrong path answered %d", code)
	}
	if code, answer := postTo(t, l.base+listen.HealthPath, ""); code != 405 || answer != `{"error":"only GET"}` {
		t.Errorf("health POST: %d %s", code, answer)
	}
	resp, err := http.Get(l.base + listen.HealthPath)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("health: %v %v", resp, err)
	}
	resp.Body.Close()
	r := l.stop()
	r.Expect(t, 0, `{
  "stored": 2,
  "duplicates": 1,
  "rejected": 2,
  "failed": 0,
  "surveyed": 0,
  "held": 0,
  "surveysFailed": 0,
  "enriched": 0,
  "enrichFailed": 0,
  "execFailed": 0,
  "unprocessed": 0
}
`, "Listening on http://127.0.0.1:PORT; events go to "+dir+" (URL: http://127.0.0.1:PORT/{path-token}).\n"+
		"refused an event: neither a TaskEventData (taskId) nor a SchedulerEntryEventData (schedulerEntryId) (400)\n"+
		"Stopped.\n")
	day := time.Now().UTC().Format("2006-01-02")
	if got := readLines(t, filepath.Join(dir, "tasks-"+day+".jsonl")); len(got) != 1 || got[0] != endedCall {
		t.Errorf("tasks file %q", got)
	}
	if got := readLines(t, filepath.Join(dir, "scheduler-entries-"+day+".jsonl")); len(got) != 1 || got[0] != entryDone {
		t.Errorf("entries file %q", got)
	}
}

// --register creates the triggers at the event URL and records them (the token hidden);
// a clean stop deletes them and drops them from the record.
func TestListenRegistersAndCleansUp(t *testing.T) {
	t.Parallel()
	e := clitest.New(t)
	l := startListen(t, e, "--register", "tasks,scheduler-entries", "--service", emulator.ServiceSupport,
		"--task-event", "Created,Terminated", "--direction", "Inbound", "--entry-event", "Completed")
	trigs := e.Emu.Triggers()
	if len(trigs) != 2 || trigs[0].URL != l.url || trigs[1].URL != l.url || fmt.Sprint(trigs[0].Events, trigs[0].Directions, trigs[1].Events) != "[Created Terminated] [Inbound] [Completed]" {
		t.Fatalf("triggers %+v (url %s)", trigs, l.url)
	}
	e.Run("trigger", "list", "-o", "json", "--jq", `map([.kind, .url, .createdBy] | join(" ")) | join("\n")`).
		Expect(t, 0, "tasks "+l.base+"/{path-token} trigger listen\nscheduler-entries "+l.base+"/{path-token} trigger listen\n", "")
	r := l.stop()
	if r.Code != 0 || !strings.Contains(r.Stderr, "Registered tasks trigger "+trigs[0].ID+".\n") ||
		!strings.Contains(r.Stderr, "Deleted scheduler-entries trigger "+trigs[1].ID+".\n") {
		t.Fatalf("exit %d\n%s", r.Code, r.Stderr)
	}
	if n := len(e.Emu.Triggers()); n != 0 {
		t.Errorf("%d triggers left after a clean stop", n)
	}
	e.Run("trigger", "list", "-o", "json").Expect(t, 0, "[]\n", "")
}

// --after-call surveys each call that ends as it arrives, with the batch's rules and ledger:
// a held survey is logged with its command, and a batch run over the same file afterwards
// sends nothing.
// The path token is a secret in --debug traces too: the body that registers a trigger
// carries the event URL, and a trace kept in a journal would hand the token out.
func TestListenDebugHidesThePathToken(t *testing.T) {
	t.Parallel()
	e := clitest.New(t)
	l := startListen(t, e, "--debug", "--register", "tasks", "--service", emulator.ServiceSupport, "--task-event", "Terminated")
	r := l.stop()
	if r.Code != 0 || !strings.Contains(r.Stderr, "POST ") || !strings.Contains(r.Stderr, `"url":"http://127.0.0.1:PORT/[redacted]"`) || strings.Contains(r.Stderr, l.token) {
		t.Fatalf("exit %d\n%s", r.Code, r.Stderr)
	}
}

func TestListenAfterCall(t *testing.T) {
	t.Parallel()
	e := clitest.New(t)
	dir := filepath.Join(e.Home, "events")
	l := startListen(t, e, "--dir", dir, "--after-call", "-o", "json", "--jq", "[.stored, .surveyed, .held]")
	for _, b := range []string{endedCall, heldCall, colleagueCall, entryDone} {
		if code, answer := l.post(b); code != 200 {
			t.Fatalf("%d %s", code, answer)
		}
	}
	r := l.stop()
	r.Expect(t, 0, "[4,1,1]\n", "Listening on http://127.0.0.1:PORT; events go to "+dir+" (URL: http://127.0.0.1:PORT/{path-token}).\n"+
		"after-call T-end: sent (campaign 101, +41315552002, about agent@contoso.com)\n"+
		"after-call T-held: pgap (campaign 101, +41445551001, about anna.meier@contoso.com): held until the agent rates the call: "+
		"nimbusctl nps survey send --campaign 101 --phone +41445551001 --employee anna.meier@contoso.com --once task:T-held\n"+
		"after-call T-colleague: skipped:internal: caller bob.keller@contoso.com is a colleague: contoso.com is the service's domain (serviceUPN)\n"+
		"Stopped.\n")
	if len(e.Emu.NPSSurveys()) != 1 || e.Emu.NPSHeld() != 1 {
		t.Fatalf("sent %d held %d", len(e.Emu.NPSSurveys()), e.Emu.NPSHeld())
	}
	files, _ := filepath.Glob(filepath.Join(dir, "tasks-*.jsonl"))
	// The batch afterwards sends nothing; the held survey is still held, and it says so.
	e.Run(append([]string{"nps", "survey", "after-call", "-o", "json", "--jq", "map(.result) | tojson"}, files...)...).
		Expect(t, 8, `["skipped:already-surveyed","pgap","skipped:internal"]`+"\n",
			"error: 1 survey(s) held until the agent rates the call: run the command shown for each (on the agent's terminal it asks for the rating; or add --agent-rating 0-10)\n")
	if len(e.Emu.NPSSurveys()) != 1 || e.Emu.NPSHeld() != 1 {
		t.Errorf("the batch run surveyed again, or asked nps.today again: sent %d held %d", len(e.Emu.NPSSurveys()), e.Emu.NPSHeld())
	}
}

// --exec pipes each new event to a command; a failing one is logged and counted.
func TestListenExec(t *testing.T) {
	t.Parallel()
	e := clitest.New(t)
	out := filepath.Join(e.Home, "piped.jsonl")
	l := startListen(t, e, "--exec", `cat >> '`+out+`'; [ "$NIMBUSCTL_EVENT_KIND" = tasks ]`)
	l.post(endedCall)
	l.post(entryDone)
	r := l.stop()
	// The summary table shows the failure too (STORED ... ENRICH FAILED, EXEC FAILED, UNPROCESSED).
	if r.Code != 0 || r.Stdout != "2\t0\t0\t0\t0\t0\t0\t0\t0\t1\t0\n" || !strings.Contains(r.Stderr, "--exec failed (exit status 1) for a scheduler-entries event: \n") {
		t.Fatalf("exit %d %q\n%s", r.Code, r.Stdout, r.Stderr)
	}
	if got := strings.Join(readLines(t, out), "|"); got != endedCall+"|"+entryDone {
		t.Errorf("piped %q", got)
	}
}

func TestListenFlagErrors(t *testing.T) {
	t.Parallel()
	e := clitest.New(t)
	short := filepath.Join(e.Home, "short")
	os.WriteFile(short, []byte("abc"), 0o600)
	usage := "Run 'nimbusctl trigger listen --help' for usage.\n"
	for _, c := range []struct {
		args []string
		err  string
	}{
		{[]string{"--listen", "0.0.0.0:8787"}, `--listen: plain HTTP is served on loopback only, not on "0.0.0.0:8787": give --cert and --key, or listen on 127.0.0.1 behind a reverse proxy that ends TLS`},
		{[]string{"--listen", ":443", "--cert", "c.pem"}, "--cert and --key go together"},
		{[]string{"--public-url", "http://hooks.example.com/n"}, `--public-url: "http://hooks.example.com/n" is plain http: the events carry customer data and must travel encrypted; use https:// (http is allowed only to loopback, for a local receiver)`},
		{[]string{"--public-url", "https://hooks.example.com/n?x=1"}, `--public-url must not have a query or fragment (the path token is appended to its path), got "https://hooks.example.com/n?x=1"`},
		{[]string{"--max-body", "10"}, "--max-body must be between 1024 and 67108864 bytes, got 10"},
		{[]string{"--register", "calls"}, `--register: unknown trigger kind "calls": allowed: tasks, scheduler-entries`},
		{[]string{"--register", "tasks", "--task-event", "Terminated"}, "--register needs --service: the UPN of at least one of your services"},
		{[]string{"--register", "tasks", "--service", "support@contoso.com"}, "--register tasks needs --task-event: at least one event (see 'nimbusctl task events'; --after-call needs Terminated, --enrich the first event of a call)"},
		{[]string{"--register", "tasks", "--service", "s@x", "--task-event", "Created", "--entry-event", "Completed"}, "--entry-event applies to --register scheduler-entries"},
		{[]string{"--service", "s@x"}, "--service applies to --register"},
		{[]string{"--campaign-map", "a=1"}, "--campaign-map applies to --after-call"},
		{[]string{"--after-call", "--no-ledger"}, "--after-call keeps the after-call ledger, so that a batch run over the same files surveys nobody twice: drop --no-ledger"},
		{[]string{"--path-token", short}, "--path-token: the path token must have at least 22 characters (it is what keeps others from posting events), got 3"},
		{[]string{"--path-token", testToken}, "--path-token takes a FILE holding the token (a token on the command line shows in ps): stat " + testToken + ": no such file or directory"},
		{[]string{"--show-url", "--listen", "127.0.0.1:0"}, "--show-url needs --public-url: 127.0.0.1:0 is not an address Nimbus can post to"},
	} {
		r := e.Run(append([]string{"trigger", "listen"}, c.args...)...)
		if want := "error: " + c.err + "\n" + usage; r.Code != 3 || r.Stdout != "" || r.Stderr != want {
			t.Errorf("%v: exit %d\n%s--- want\n%s", c.args, r.Code, r.Stderr, want)
		}
	}
	// The token made on first use is kept; --show-url prints the URL to give a trigger.
	r := e.Run("trigger", "listen", "--public-url", "https://hooks.example.com/nimbus/", "--show-url")
	if r.Code != 0 || !regexp.MustCompile(`^https://hooks\.example\.com/nimbus/[A-Za-z0-9_-]{43}\n$`).MatchString(r.Stdout) {
		t.Fatalf("show-url: exit %d %q %q", r.Code, r.Stdout, r.Stderr)
	}
	e.Run("trigger", "listen", "--public-url", "https://hooks.example.com/nimbus", "--show-url").Expect(t, 0, r.Stdout, "")
	// Against a Nimbus that is not on this machine, the listen address is no URL for a
	// trigger: it would be created and never deliver. Nothing is created or bound.
	e.Setenv("NIMBUSCTL_ENDPOINT", "https://api.ch-01.luware.cloud")
	e.Run("trigger", "listen", "--register", "tasks", "--service", "support@contoso.com", "--task-event", "Terminated").Expect(t, 3, "",
		"error: --register needs --public-url, the https URL Nimbus reaches this listener at (a reverse proxy's): the listen address 127.0.0.1:8787 is reachable from this machine only, and Nimbus is at https://api.ch-01.luware.cloud\n"+usage)
	if st, err := os.Stat(filepath.Join(e.Home, "state", "listen", "default", "path-token")); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("token file: %v %v", st, err)
	}
}

// Two listeners cannot write the same folder.
func TestListenOneWriterPerFolder(t *testing.T) {
	t.Parallel()
	e := clitest.New(t)
	dir := filepath.Join(e.Home, "events")
	l := startListen(t, e, "--dir", dir)
	r := e.Run("trigger", "listen", "--listen", "127.0.0.1:0", "--dir", dir)
	if r.Code != 10 || !strings.Contains(r.Stderr, "another 'trigger listen' writes there") {
		t.Errorf("second listener: exit %d %s", r.Code, r.Stderr)
	}
	// A local lock is no service: no advice about a busy service.
	if strings.Contains(r.Stderr, "The service is busy") {
		t.Errorf("second listener blames a service: %s", r.Stderr)
	}
	l.stop()
}

// The screen-pop: the first event of an inbound Audio call puts the caller's nps.today
// history into the task's context parameters; anonymous callers and later events are left
// alone, and a failed lookup is logged while the event is stored and answered all the same.
func TestListenEnrich(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 23, 10, 0, 0, 0, time.UTC)
	e := clitest.New(t, clitest.WithEmulator(func(o *emulator.Options) { o.Now = func() time.Time { return now } }))
	first := `{"taskId":"` + emulator.TaskSupportCall + `","event":"Created","direction":"Inbound","modality":"Audio","created":"2026-03-23T09:58:00Z",` +
		`"callerTelNumber":"` + emulator.NPSCustomerPhone + `","serviceUPN":"support@contoso.com"}`
	later := strings.Replace(first, `"Created"`, `"Connected"`, 1)
	anon := `{"taskId":"` + emulator.TaskSalesCall + `","event":"Created","direction":"Inbound","modality":"Audio","isAnonymous":true,"serviceUPN":"sales@contoso.com"}`
	failing := `{"taskId":"` + emulator.TaskVIPCall + `","event":"Created","direction":"Inbound","modality":"Audio","callerTelNumber":"+41795559999","serviceUPN":"vip@contoso.com"}`
	e.Setenv("NIMBUSCTL_MAX_RETRIES", "0")
	l := startListen(t, e, "--enrich", "-o", "json", "--jq", "[.stored, .enriched, .enrichFailed]")
	for _, b := range []string{first, later, anon} {
		if code, answer := l.post(b); code != 200 {
			t.Fatalf("%d %s", code, answer)
		}
	}
	e.WaitFor("the screen-pop", func() bool { return e.Emu.Stats().Operations["UpdateTask"] == 1 })
	e.Emu.InjectFaults(emulator.ServiceNPSToday, emulator.FaultInternal) // max_retries is 0 here
	if code, answer := l.post(failing); code != 200 || answer != `{"status":"stored"}` {
		t.Fatalf("the failing lookup held up the event: %d %s", code, answer)
	}
	r := l.stop()
	r.Expect(t, 0, "[4,1,1]\n", "Listening on http://127.0.0.1:PORT; events go to "+filepath.Join(e.Home, "state", "listen", "default", "events")+" (URL: http://127.0.0.1:PORT/{path-token}).\n"+
		"screen-pop "+emulator.TaskSupportCall+": 2 responses; last 9 on 2026-03-21: “Quick and friendly help”\n"+
		"screen-pop "+emulator.TaskSalesCall+": anonymous caller, nothing to look up\n"+
		"screen-pop "+emulator.TaskVIPCall+": looking up +41795559999's responses failed: GetResponsesByPhone: 500 Internal Server Error: Internal Server Error.\n"+
		"Stopped.\n")
	task, _ := e.Emu.Task(emulator.TaskSupportCall)
	params := fmt.Sprint(task["taskInformation"].(map[string]any)["customContextParameters"])
	if !strings.Contains(params, "map[name:NPS.Summary value:2 responses; last 9 on 2026-03-21: “Quick and friendly help”] map[name:NPS.Responses value:2] "+
		"map[name:NPS.LastScore value:9] map[name:NPS.LastDate value:2026-03-21] map[name:NPS.LastComment value:Quick and friendly help]") {
		t.Errorf("context parameters %s", params)
	}
	if n := e.Emu.Stats().Operations["UpdateTask"]; n != 1 {
		t.Errorf("UpdateTask called %d times", n)
	}
}
