package cli_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/nimbusctl/nimbusctl/pkg/cli"
	"github.com/nimbusctl/nimbusctl/pkg/cli/clitest"
	"github.com/nimbusctl/nimbusctl/pkg/cli/cmdutil"
	"github.com/nimbusctl/nimbusctl/pkg/emulator"
)

// TestMain lets the test binary act as nimbusctl itself, so crash tests can run the real
// program in a child process and kill it, without a separate build.
func TestMain(m *testing.M) {
	if os.Getenv("NIMBUSCTL_TEST_AS_MAIN") == "1" {
		os.Exit(cli.Main(cmdutil.BuildInfo{Version: "0.0.0-test"}, nil))
	}
	os.Exit(m.Run())
}

// startCLI runs `nimbusctl args...` as a child process in the environment of e.
func startCLI(t *testing.T, e *clitest.Env, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(append(os.Environ(), "NIMBUSCTL_TEST_AS_MAIN=1"), e.Environ()...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd
}

// killWhen SIGKILLs the child once cond holds (polling the emulator), and fails if the child
// finished first.
func killWhen(t *testing.T, e *clitest.Env, cmd *exec.Cmd, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatal("the import never got far enough")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatalf("kill: %v (the import ended before it could be killed: make it longer)", err)
	}
	err := cmd.Wait()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != -1 {
		t.Fatalf("the child was not killed by the signal: %v", err)
	}
	// A request the dead process had already sent may still be applied on the server.
	if !e.Emu.WaitIdle(30 * time.Second) {
		t.Fatal("the emulator still handles the dead process's requests after 30s")
	}
}

func TestKilledContactImportResumes(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("SIGKILL semantics")
	}
	t.Parallel()
	e := clitest.New(t, clitest.WithEmulator(func(o *emulator.Options) { o.Empty = true; o.Latency = 5 * time.Millisecond }))
	const rows = 400
	var b strings.Builder
	b.WriteString("externalId,firstName,lastName,mobilePhones\n")
	for i := 1; i <= rows; i++ {
		fmt.Fprintf(&b, "K-%04d,First%d,Last,+4179555%04d\n", i, i, i)
	}
	file := filepath.Join(e.Home, "contacts.csv")
	os.WriteFile(file, []byte(b.String()), 0o600)

	child := startCLI(t, e, "contact", "import", emulator.BookCustomers, file, "--rate", "150/s", "--concurrency", "4")
	killWhen(t, e, child, func() bool { return e.Emu.Stats().Operations["AddContact"] >= rows/3 })
	before := len(e.Emu.Contacts(emulator.BookCustomers))
	if before == 0 || before >= rows {
		t.Fatalf("killed with %d of %d contacts in: not mid-import", before, rows)
	}

	r := e.Run("contact", "import", emulator.BookCustomers, file, "--rate", "500/s", "-o", "json", "--jq", "[.added, .unchanged, .failed]")
	if r.Code != 0 || r.Stdout != fmt.Sprintf("[%d,%d,0]\n", rows-before, before) {
		t.Fatalf("rerun after the kill: exit %d, %s %s", r.Code, r.Stdout, r.Stderr)
	}
	got := e.Emu.Contacts(emulator.BookCustomers)
	if len(got) != rows {
		t.Fatalf("book has %d contacts, want %d", len(got), rows)
	}
	seen := map[string]bool{}
	for _, c := range got {
		id := c["externalId"].(string)
		if seen[id] || c["firstName"] != "First"+strings.TrimLeft(id[2:], "0") {
			t.Fatalf("contact %v duplicated or wrong", c)
		}
		seen[id] = true
	}
	r = quiet(e.Run("contact", "import", emulator.BookCustomers, file, "-o", "json", "--jq", ".unchanged"))
	r.Expect(t, 0, fmt.Sprintf("%d\n", rows), "")
}

func ops(e *clitest.Env, op string) int { return e.Emu.Stats().Operations[op] }

// callsFile writes n calls R-0001 .. R-<n>, due far ahead.
func callsFile(t *testing.T, e *clitest.Env, n int) string {
	var b strings.Builder
	b.WriteString("ReferenceId,destination,due\n")
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "R-%04d,+4144555%04d,2030-01-01T10:00:00Z\n", i, i)
	}
	file := filepath.Join(e.Home, "calls.csv")
	if err := os.WriteFile(file, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return file
}

// quiet drops the progress lines a slow run (-race, a loaded machine) prints every 5s.
func quiet(r clitest.Result) clitest.Result {
	var keep []string
	for _, l := range strings.SplitAfter(r.Stderr, "\n") {
		if !strings.HasPrefix(l, "progress: ") {
			keep = append(keep, l)
		}
	}
	r.Stderr = strings.Join(keep, "")
	return r
}

// onceEach fails unless the service lists each of the n calls exactly once.
func onceEach(t *testing.T, e *clitest.Env, n int) map[string]string {
	t.Helper()
	ids := map[string]string{}
	for _, en := range e.Emu.SchedulerEntries(emulator.ServiceSupport) {
		ref := en["ReferenceId"].(string)
		if _, dup := ids[ref]; dup {
			t.Fatalf("%s is scheduled twice", ref)
		}
		ids[ref] = en["schedulerEntryId"].(string)
	}
	if len(ids) != n {
		t.Fatalf("%d distinct calls, want %d", len(ids), n)
	}
	return ids
}

// Failure 3: a killed `schedule import` left calls it had created out of the ledger; the rerun
// found them listed and skipped them without recording them, so once Nimbus stopped listing
// one (it ran; here: it is removed), the next run of the same file created it again.
func TestKilledScheduleImportLeavesNoCallOutOfTheLedger(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("SIGKILL semantics")
	}
	t.Parallel()
	e := clitest.New(t, clitest.WithEmulator(func(o *emulator.Options) { o.Empty = true; o.Latency = 2 * time.Millisecond }))
	const rows = 500
	file := callsFile(t, e, rows)
	args := []string{"schedule", "import", file, "--service", emulator.ServiceSupport, "--rate", "500/s", "--concurrency", "1"}
	// The 6th create (R-0006) is made on the service but its answer is lost (a gateway
	// timeout): the run means to look it up at the end, and is killed before.
	e.Emu.InjectFaults(emulator.ServiceNimbus, "", "", "", "", "", "", "", emulator.FaultTimeoutAfter)
	child := startCLI(t, e, args...)
	killWhen(t, e, child, func() bool { return ops(e, "CreateSchedulerEntry") >= 20 })

	quiet(e.Run(append(args, "-o", "json", "--jq", "[.created + .skipped, .failed]")...)).Expect(t, 0, fmt.Sprintf("[%d,0]\n", rows), "")
	ids := onceEach(t, e, rows)
	e.Run("schedule", "remove", ids["R-0006"]).Expect(t, 0, "", "") // it has run
	before := ops(e, "CreateSchedulerEntry")
	quiet(e.Run(append(args, "-o", "json", "--jq", "[.created, .skipped]")...)).Expect(t, 0, fmt.Sprintf("[0,%d]\n", rows), "")
	if n := ops(e, "CreateSchedulerEntry") - before; n != 0 {
		t.Fatalf("%d call(s) the killed run had made were scheduled again", n)
	}
}

// A `schedule import` SIGKILLed at different points: after each rerun every call of the file
// is on the service once, and when all of them have run (vanished from the list) a further
// run creates nothing: the ledger holds every call the killed run made, may have made, or
// found.
func TestKilledScheduleImportNeverCallsTwice(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("SIGKILL semantics")
	}
	t.Parallel()
	const rows = 200
	lostAnswer := []emulator.FaultKind{"", "", "", "", "", "", "", emulator.FaultTimeoutAfter}
	for _, point := range []struct {
		name   string
		faults []emulator.FaultKind
		when   func(e *clitest.Env) bool
	}{
		{"after reading the state", nil, func(e *clitest.Env) bool { return ops(e, "GetSchedulerEntries") >= 1 }},
		{"at the first creates", nil, func(e *clitest.Env) bool { return ops(e, "CreateSchedulerEntry") >= 3 }},
		{"mid-run", nil, func(e *clitest.Env) bool { return ops(e, "CreateSchedulerEntry") >= rows/2 }},
		{"waiting to settle a lost answer", lostAnswer, func(e *clitest.Env) bool { return ops(e, "CreateSchedulerEntry") >= rows }},
	} {
		t.Run(point.name, func(t *testing.T) {
			t.Parallel()
			e := clitest.New(t, clitest.WithEmulator(func(o *emulator.Options) { o.Empty = true; o.Latency = 2 * time.Millisecond }))
			args := []string{"schedule", "import", callsFile(t, e, rows), "--service", emulator.ServiceSupport, "--rate", "200/s", "--concurrency", "4"}
			e.Emu.InjectFaults(emulator.ServiceNimbus, point.faults...)
			child := startCLI(t, e, args...)
			killWhen(t, e, child, func() bool { return point.when(e) })

			quiet(e.Run(append(args, "-o", "json", "--jq", "[.created + .skipped, .failed]")...)).Expect(t, 0, fmt.Sprintf("[%d,0]\n", rows), "")
			onceEach(t, e, rows)
			if n := e.Emu.RunSchedulerEntries(emulator.ServiceSupport); n != rows {
				t.Fatalf("%d calls ran, want %d", n, rows)
			}
			before := ops(e, "CreateSchedulerEntry")
			quiet(e.Run(append(args, "-o", "json", "--jq", "[.created, .skipped]")...)).Expect(t, 0, fmt.Sprintf("[0,%d]\n", rows), "")
			if n := ops(e, "CreateSchedulerEntry") - before; n != 0 {
				t.Fatalf("%d call(s) scheduled again after they ran", n)
			}
		})
	}
}

// A listener killed with SIGKILL in the middle of a stream of events has every event it
// answered 2xx in its file: it answers only after the line is synced to disk.
func TestKilledListenerKeepsEveryAcknowledgedEvent(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("SIGKILL semantics")
	}
	t.Parallel()
	e := clitest.New(t)
	dir := filepath.Join(e.Home, "events")
	tok := filepath.Join(e.Home, "token")
	os.WriteFile(tok, []byte("crash-test-token-0123456789abcdef"), 0o600)
	ready := filepath.Join(e.Home, "ready")
	child := startCLI(t, e, "trigger", "listen", "--listen", "127.0.0.1:0", "--path-token", tok, "--dir", dir, "--ready-file", ready)
	var base string
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		if b, err := os.ReadFile(ready); err == nil && strings.HasSuffix(string(b), "\n") {
			base = strings.TrimSpace(string(b))
			break
		}
		if time.Now().After(deadline) {
			child.Process.Kill()
			t.Fatal("the listener did not start")
		}
	}
	url := base + "/crash-test-token-0123456789abcdef"
	client := &http.Client{Timeout: 10 * time.Second}
	var mu sync.Mutex
	var acked []string
	var wg sync.WaitGroup
	for s := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				body := fmt.Sprintf(`{"taskId":"T-%d-%05d","event":"Terminated","modality":"Audio","callerTelNumber":"+4144555%04d"}`, s, i, i%10000)
				resp, err := client.Post(url, "application/json", strings.NewReader(body))
				if err != nil {
					return // the listener is gone
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					mu.Lock()
					acked = append(acked, body)
					mu.Unlock()
				}
			}
		}()
	}
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(2 * time.Millisecond) {
		mu.Lock()
		n := len(acked)
		mu.Unlock()
		if n >= 300 {
			break
		}
		if time.Now().After(deadline) {
			child.Process.Kill()
			t.Fatalf("only %d events were answered in 60s", n)
		}
	}
	if err := child.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	if err := child.Wait(); err == nil {
		t.Fatal("the listener was not killed")
	}
	wg.Wait()

	stored := map[string]bool{}
	files, _ := filepath.Glob(filepath.Join(dir, "tasks-*.jsonl"))
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(string(b), "\n") {
			stored[line] = true
		}
	}
	lost := 0
	for _, body := range acked {
		if !stored[body] {
			lost++
		}
	}
	if lost > 0 {
		t.Fatalf("%d of %d events answered 200 are not in the file", lost, len(acked))
	}
	// A restart takes up the same files: a torn last line is cut, a redelivery of an event
	// stored before the kill is recognized; SIGTERM then stops it cleanly.
	os.Remove(ready)
	child = startCLI(t, e, "trigger", "listen", "--listen", "127.0.0.1:0", "--path-token", tok, "--dir", dir, "--ready-file", ready, "-o", "json", "--jq", "[.stored, .duplicates]")
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		if b, err := os.ReadFile(ready); err == nil && strings.HasSuffix(string(b), "\n") {
			url = strings.TrimSpace(string(b)) + "/crash-test-token-0123456789abcdef"
			break
		}
		if time.Now().After(deadline) {
			child.Process.Kill()
			t.Fatal("the listener did not restart")
		}
	}
	for body, want := range map[string]string{acked[0]: `{"status":"duplicate"}`, `{"taskId":"T-after"}`: `{"status":"stored"}`} {
		resp, err := client.Post(url, "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if got := strings.TrimSpace(string(b)); got != want {
			t.Errorf("%s: %s, want %s", body, got, want)
		}
	}
	child.Process.Signal(syscall.SIGTERM)
	if err := child.Wait(); err != nil {
		t.Fatalf("after SIGTERM: %v", err)
	}
	for _, name := range files {
		if b, _ := os.ReadFile(name); len(b) > 0 && b[len(b)-1] != '\n' {
			t.Errorf("%s ends in a torn line", name)
		}
	}
	t.Logf("%d events answered 200 before the kill, all in the file", len(acked))
}

// respondentsFile writes n respondents of campaign 101, one number each.
func respondentsFile(t *testing.T, e *clitest.Env, n int) string {
	var b strings.Builder
	b.WriteString("campaign,phone\n")
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "101,+4179555%04d\n", i)
	}
	file := filepath.Join(e.Home, "respondents.csv")
	if err := os.WriteFile(file, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return file
}

// surveyedOnce fails when nps.today got a survey for someone twice, and returns who got one.
func surveyedOnce(t *testing.T, e *clitest.Env) map[string]bool {
	t.Helper()
	got := map[string]bool{}
	for _, s := range e.Emu.NPSSurveys() {
		who := fmt.Sprint(s.Respondent["phoneNumber"])
		if got[who] {
			t.Fatalf("%s was surveyed twice", who)
		}
		got[who] = true
	}
	return got
}

// A `nps respondent import` SIGKILLed at different points, some sends in flight: nobody is
// ever surveyed twice, the rerun sends every row the killed run had not started, and a row
// whose send the killed run started without hearing back (it may have gone out) is reported
// once as failed (exit 9) — not passed over with exit 0 — then as not sent (exit 9 still: it
// is not settled).
func TestKilledRespondentImportNeverSurveysTwice(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("SIGKILL semantics")
	}
	t.Parallel()
	const rows = 120
	for _, point := range []struct {
		name string
		when func(e *clitest.Env) bool
	}{
		{"at the first sends", func(e *clitest.Env) bool { return len(e.Emu.NPSSurveys()) >= 2 }},
		{"mid-run", func(e *clitest.Env) bool { return len(e.Emu.NPSSurveys()) >= rows/2 }},
	} {
		t.Run(point.name, func(t *testing.T) {
			t.Parallel()
			e := clitest.New(t, clitest.WithEmulator(func(o *emulator.Options) {
				o.Latency = 20 * time.Millisecond
				o.NPSTodayRateLimit = emulator.Rate{Count: 1000, Per: 1e9}
			}))
			args := []string{"nps", "respondent", "import", respondentsFile(t, e, rows), "--rate", "500/s", "--concurrency", "8"}
			child := startCLI(t, e, args...)
			killWhen(t, e, child, func() bool { return point.when(e) })
			before := surveyedOnce(t, e)

			r := quiet(e.Run(append(args, "-o", "json", "--jq", "[.sent, .failed, .unsettled]")...))
			var sent, failed, unsettled int
			fmt.Sscanf(r.Stdout, "[%d,%d,%d]", &sent, &failed, &unsettled)
			after := surveyedOnce(t, e)
			if sent != len(after)-len(before) || sent+failed < rows-len(before) || unsettled != 0 {
				t.Fatalf("rerun: exit %d, %s %s (%d surveyed before it, %d after)", r.Code, r.Stdout, r.Stderr, len(before), len(after))
			}
			if want := map[bool]int{true: 9, false: 0}[failed > 0]; r.Code != want {
				t.Fatalf("rerun with %d rows that may have gone out: exit %d, want %d\n%s", failed, r.Code, want, r.Stderr)
			}
			// From then on those rows are unknown: later runs send nothing and say so, and
			// every run fails (exit 9) until they are settled.
			r = quiet(e.Run(append(args, "-o", "json", "--jq", "[.sent, .failed, .unsettled]")...))
			if want := map[bool]int{true: 9, false: 0}[failed > 0]; r.Code != want || r.Stdout != fmt.Sprintf("[0,0,%d]\n", failed) {
				t.Fatalf("third run: exit %d (want %d), %s %s", r.Code, want, r.Stdout, r.Stderr)
			}
			surveyedOnce(t, e)
		})
	}
}

// `nps survey after-call` SIGKILLed over a log of finished calls, a send in flight: nobody is
// surveyed twice; a task whose send the killed run started without hearing back is reported
// once as failed (exit 9), then as skipped:unknown (exit 9 still: it is not settled).
func TestKilledAfterCallNeverSurveysTwice(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("SIGKILL semantics")
	}
	t.Parallel()
	e := clitest.New(t, clitest.WithEmulator(func(o *emulator.Options) {
		o.Latency = 20 * time.Millisecond
		o.NPSTodayRateLimit = emulator.Rate{Count: 1000, Per: 1e9}
	}))
	const calls = 80
	ended := time.Now().UTC().Add(-time.Hour).Truncate(time.Second)
	var b strings.Builder
	for i := 1; i <= calls; i++ {
		fmt.Fprintf(&b, `{"taskId":"T-%04d","event":"Terminated","direction":"Inbound","modality":"Audio","created":%q,"terminated":%q,"callerTelNumber":"+4179555%04d","serviceUPN":"support@contoso.com","LastConnectedUserEmail":"agent@contoso.com"}`+"\n",
			i, ended.Add(-5*time.Minute).Format(time.RFC3339), ended.Format(time.RFC3339), i)
	}
	log := filepath.Join(e.Home, "tasks.jsonl")
	if err := os.WriteFile(log, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	args := []string{"nps", "survey", "after-call", log, "--campaign-map", "support@contoso.com=101", "-o", "json", "--jq", "map(.result) | group_by(.) | map({(.[0]): length}) | add | tojson"}
	child := startCLI(t, e, args...)
	killWhen(t, e, child, func() bool { return len(e.Emu.NPSSurveys()) >= calls/2 })
	before := surveyedOnce(t, e)

	r := e.Run(args...)
	after := surveyedOnce(t, e)
	var got map[string]int
	if err := json.Unmarshal([]byte(r.Stdout), &got); err != nil {
		t.Fatalf("rerun: exit %d %q %s", r.Code, r.Stdout, r.Stderr)
	}
	sent, failed := got["sent"], got["failed"]
	// A task nobody surveyed must have been reported: the killed run's last send, if it
	// never reached nps.today, is "failed" here (and so is it when it did: nobody can tell).
	if sent != len(after)-len(before) || sent+failed+got["skipped:already-surveyed"] != calls || failed > 1 || calls-len(after) > failed {
		t.Fatalf("rerun: exit %d, %v (%d surveyed before it, %d after)\n%s", r.Code, got, len(before), len(after), r.Stderr)
	}
	if want := map[bool]int{true: 9, false: 0}[failed > 0]; r.Code != want {
		t.Fatalf("rerun with %d task(s) that may have gone out: exit %d, want %d\n%s", failed, r.Code, want, r.Stderr)
	}
	// From then on it is skipped:unknown, and every run fails (exit 9) until it is settled.
	r = e.Run(args...)
	want, code := fmt.Sprintf(`{"skipped:already-surveyed":%d}`, calls), 0
	if failed > 0 {
		want, code = fmt.Sprintf(`{"skipped:already-surveyed":%d,"skipped:unknown":%d}`, calls-failed, failed), 9
	}
	if r.Code != code || r.Stdout != want+"\n" {
		t.Fatalf("third run: exit %d, %s %s", r.Code, r.Stdout, r.Stderr)
	}
	surveyedOnce(t, e)
}

// `contact import --prune` SIGKILLed at two points while it updates: the rerun leaves the
// book exactly the file, every contact it names with the file's values, none of the others.
func TestKilledPruneRemovesNothingTheFileNames(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("SIGKILL semantics")
	}
	t.Parallel()
	const book, kept, stale = 300, 280, 20 // stale: 6.7% of the book, under the 10% ceiling
	for _, point := range []struct {
		name string
		when func(e *clitest.Env) bool
	}{
		{"at the first updates", func(e *clitest.Env) bool { return ops(e, "UpdateContact") >= 3 }},
		{"mid-run", func(e *clitest.Env) bool { return ops(e, "UpdateContact") >= kept*2/3 }},
	} {
		t.Run(point.name, func(t *testing.T) {
			t.Parallel()
			e := clitest.New(t, clitest.WithEmulator(func(o *emulator.Options) { o.Empty = true; o.Latency = 2 * time.Millisecond }))
			var seed []map[string]any
			for i := 1; i <= book; i++ {
				seed = append(seed, map[string]any{"externalId": fmt.Sprintf("K-%04d", i), "firstName": "Old", "lastName": "Name"})
			}
			e.Emu.PutContacts(emulator.BookCustomers, seed)
			var b strings.Builder
			b.WriteString("externalId,firstName\n")
			for i := 1; i <= kept; i++ {
				fmt.Fprintf(&b, "K-%04d,New%d\n", i, i)
			}
			file := filepath.Join(e.Home, "crm.csv")
			os.WriteFile(file, []byte(b.String()), 0o600)
			args := []string{"contact", "import", emulator.BookCustomers, file, "--prune", "--rate", "300/s", "--concurrency", "4"}
			tmp := filepath.Join(e.Home, "tmp")
			os.Mkdir(tmp, 0o700)
			e.Setenv("TMPDIR", tmp)
			child := startCLI(t, e, args...)
			killWhen(t, e, child, func() bool { return point.when(e) })
			// The import's copy of the file goes with the process, also when it is killed.
			if left, _ := os.ReadDir(tmp); len(left) != 0 {
				t.Fatalf("the killed import left %s in TMPDIR", left[0].Name())
			}

			quiet(e.Run(append(args, "-o", "json", "--jq", "[.failed, .invalid]")...)).Expect(t, 0, "[0,0]\n", "")
			got := map[string]any{}
			for _, c := range e.Emu.Contacts(emulator.BookCustomers) {
				got[c["externalId"].(string)] = c["firstName"]
			}
			for i := 1; i <= kept; i++ {
				id := fmt.Sprintf("K-%04d", i)
				if got[id] != fmt.Sprintf("New%d", i) {
					t.Fatalf("%s: %v", id, got[id])
				}
			}
			if len(got) != kept {
				t.Fatalf("%d contacts, want %d", len(got), kept)
			}
		})
	}
}

// TestKilledRefreshLeavesAWholeTokenCache: a command SIGKILLed around its token refresh —
// before Entra answers, while the cache is written, after — leaves the old cache or the new
// one, whole: the next run signs in silently, or (when the kill came after Entra rotated the
// refresh token and before it was saved; the emulator's refresh tokens work once, unlike
// Entra's) says that the sign-in cannot be renewed. Never a damaged cache, never a temporary
// file with the cache in it after the next run.
func TestKilledRefreshLeavesAWholeTokenCache(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("SIGKILL semantics")
	}
	t.Parallel()
	// MSAL renews a token with less than 5 minutes left: with a 2-minute TTL every run refreshes.
	e := clitest.New(t, clitest.WithEntra(), clitest.WithEmulator(func(o *emulator.Options) { o.AccessTokenTTL = 2 * time.Minute }))
	e.Setenv("NIMBUSCTL_TOKEN_STORAGE", "file") // the child has no mock keyring
	e.MustRun("auth", "login")
	dir := e.Getenv("NIMBUSCTL_CACHE_DIR")
	cache := filepath.Join(dir, "msal-default.json")
	renewFailed := "error: the sign-in of admin@contoso.com (profile default) cannot be renewed silently (invalid_grant"
	for i := range 6 {
		grants := e.Emu.TokenGrants()["refresh_token"]
		child := startCLI(t, e, "api", "GET", "/v2/AddressBooks")
		deadline := time.Now().Add(60 * time.Second)
		for e.Emu.TokenGrants()["refresh_token"] == grants && time.Now().Before(deadline) {
			time.Sleep(time.Millisecond)
		}
		time.Sleep(time.Duration(i) * 2 * time.Millisecond) // a later point of the write each time
		_ = child.Process.Kill()                            // it may have finished: no matter
		_ = child.Wait()
		e.Emu.WaitIdle(30 * time.Second)

		b, err := os.ReadFile(cache)
		if err != nil || !json.Valid(b) {
			t.Fatalf("kill %d: the cache is not whole: %v\n%q", i, err, b)
		}
		r := e.Run("api", "GET", "/v2/AddressBooks", "--jq", "length")
		switch {
		case r.Code == 0 && r.Stdout == "2\n":
			t.Logf("kill %d: the next run renewed silently", i)
		case r.Code == 4 && strings.HasPrefix(r.Stderr, renewFailed):
			t.Logf("kill %d: between the rotation and its save", i)
			e.MustRun("auth", "login")
		default:
			t.Fatalf("kill %d, next run: exit %d %q %q", i, r.Code, r.Stdout, r.Stderr)
		}
		if left, _ := filepath.Glob(filepath.Join(dir, ".msal-default.json.*.tmp")); len(left) != 0 {
			t.Fatalf("kill %d: temporary files left: %v", i, left)
		}
	}
}
