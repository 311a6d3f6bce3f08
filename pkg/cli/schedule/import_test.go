package schedule_test

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nimbusctl/nimbusctl/pkg/cli/clitest"
	"github.com/nimbusctl/nimbusctl/pkg/emulator"
)

var timing = regexp.MustCompile(`\(\d+ requests? in [0-9.hms]+, [0-9.]+/s, \d+ throttled\)`)

func file(t *testing.T, e *clitest.Env, content string) string {
	t.Helper()
	p := filepath.Join(e.Home, "calls.csv")
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

const callsCSV = "ReferenceId;Phone Number;Due;First Name;Last Name;ctx.ticket\n" +
	"CB-1;044 555 10 01;2030-03-01 09:00;Anna;Muster;T-1\n" +
	"CB-2;+41 79 555 10 02;2030-03-01T10:00:00+01:00;Ben;Keller;T-2\n" +
	"CB-3;sip:carla@example.com;+2h;Carla;Rossi;T-3\n"

func TestScheduleImportTwiceSchedulesOnce(t *testing.T) {
	t.Parallel()
	e := clitest.New(t, clitest.WithEmulator(func(o *emulator.Options) { o.Empty = true }))
	e.Setenv("NIMBUSCTL_DEFAULT_COUNTRY", "+41") // national numbers in the file are Swiss
	f := file(t, e, callsCSV)
	args := []string{"schedule", "import", f, "--service", emulator.ServiceSupport, "--tz", "Europe/Zurich"}
	r := e.Run(args...)
	if r.Code != 0 || r.Stdout != "" || timing.ReplaceAllString(r.Stderr, "(T)") != "✓ 3 rows: 3 created (T)\n" {
		t.Fatalf("first: %d %q %q", r.Code, r.Stdout, r.Stderr)
	}
	byRef := map[string]map[string]any{}
	for _, en := range e.Emu.SchedulerEntries(emulator.ServiceSupport) {
		byRef[en["ReferenceId"].(string)] = en
	}
	if len(byRef) != 3 || byRef["CB-1"]["dueDateTimeUtc"] != "2030-03-01T08:00:00Z" || byRef["CB-1"]["destination"] != "+41445551001" ||
		byRef["CB-2"]["dueDateTimeUtc"] != "2030-03-01T09:00:00Z" || byRef["CB-3"]["destination"] != "sip:carla@example.com" {
		t.Errorf("entries %v", byRef)
	}
	r = e.Run(append(args, "-o", "json", "--jq", "[.created, .skipped, .failed]")...)
	r.Expect(t, 0, "[0,3,0]\n", "")
	if n := e.Emu.Stats().Operations["CreateSchedulerEntry"]; n != 3 {
		t.Errorf("%d creates, want 3", n)
	}
	ledger, _ := filepath.Glob(filepath.Join(e.Home, "state", "ledger", "default", "*.jsonl"))
	if len(ledger) == 0 {
		t.Error("no ledger was written")
	}
}

func TestScheduleImportDryRunAndValidation(t *testing.T) {
	t.Parallel()
	e := clitest.New(t, clitest.WithEmulator(func(o *emulator.Options) { o.Empty = true }))
	e.Setenv("NIMBUSCTL_TIMEZONE", "Europe/Zurich") // the profile's zone, for the file's wall-clock times
	f := file(t, e, callsCSV)
	e.Run("schedule", "import", f, "--service", emulator.ServiceSupport, "--dry-run").
		Expect(t, 0, "create\t3\ninvalid\t0\n", "dry run: nothing was sent\n")
	bad := file(t, e, "ReferenceId,service,destination,due\nX,vip@contoso.com,+41445550000,+1h\nY,support@contoso.com,,+1h\n")
	e.Run("schedule", "import", bad).Expect(t, 3, "",
		bad+":2: serviceUpn: \"vip@contoso.com\" is not a service you may schedule calls on (see 'nimbusctl schedule services')\n"+
			bad+":3: destination: is empty\n"+
			"error: 2 invalid rows; nothing was sent (fix them, or pass --skip-invalid to import the rest)\n")
	e.Run("schedule", "import", bad, "--tz", "Mars/Olympus").
		Expect(t, 3, "", "error: --tz: unknown time zone \"Mars/Olympus\": use an IANA name such as Europe/Zurich\nRun 'nimbusctl schedule import --help' for usage.\n")
	e.Run("schedule", "import", bad, "--ledger", e.Home, "--no-ledger").
		Expect(t, 3, "", "error: --ledger and --no-ledger: pick one\nRun 'nimbusctl schedule import --help' for usage.\n")
	if e.Emu.Stats().Operations["CreateSchedulerEntry"] != 0 {
		t.Error("something was scheduled")
	}
}

func TestScheduleImportPartialFailureExit9(t *testing.T) {
	t.Parallel()
	e := clitest.New(t, clitest.WithEmulator(func(o *emulator.Options) { o.Empty = true }))
	e.Setenv("NIMBUSCTL_TIMEZONE", "Europe/Zurich")
	// Without retries, a 500 on the services lookup stops the run before anything is sent;
	// then a 500 on one create fails that row (it may have landed: looked up, not resent).
	e.Setenv("NIMBUSCTL_MAX_RETRIES", "0")
	f := file(t, e, callsCSV)
	e.Emu.InjectFaults(emulator.ServiceNimbus, emulator.FaultInternal)
	r := e.Run("schedule", "import", f, "--service", emulator.ServiceSupport, "--report", filepath.Join(e.Home, "r.csv"), "--concurrency", "1")
	if r.Code == 0 {
		t.Fatalf("want a failure: %q", r.Stderr)
	}
	// The injected fault hits the first request (the services lookup): nothing is sent.
	if r.Code != 10 || !strings.HasPrefix(r.Stderr, "error: reading your services: GetSchedulerEntryServices: 500 Internal Server Error") {
		t.Fatalf("%d %q", r.Code, r.Stderr)
	}
	r = e.Run("schedule", "import", f, "--service", emulator.ServiceSupport, "--dry-run")
	if r.Code != 0 {
		t.Fatal(r.Stderr)
	}
	// Now fail one create: the lookups and the state read go first (3 requests), then creates.
	e.Emu.InjectFaults(emulator.ServiceNimbus, "", "", "", emulator.FaultInternal)
	r = e.Run("schedule", "import", f, "--service", emulator.ServiceSupport, "--report", filepath.Join(e.Home, "r.csv"), "--concurrency", "1")
	if r.Code != 9 || !strings.Contains(r.Stderr, "error: 1 row failed (see "+filepath.Join(e.Home, "r.csv")+"); run the same command again to retry it\n") {
		t.Fatalf("%d %q", r.Code, r.Stderr)
	}
	report, _ := os.ReadFile(filepath.Join(e.Home, "r.csv"))
	if !strings.Contains(string(report), `,create,failed,"the answer was lost and the call is not listed; not resent, so that it never rings twice: rerun later to settle it"`) {
		t.Errorf("report:\n%s", report)
	}
	e.Run("schedule", "import", f, "--service", emulator.ServiceSupport, "-o", "json", "--jq", "[.created, .skipped]").Expect(t, 0, "[1,2]\n", "")
}

// TestOverlappingRunsTakeTurns: a slow cron run still going when the next one starts must not
// let both see the calls as missing.
func TestOverlappingRunsTakeTurns(t *testing.T) {
	t.Parallel()
	e := clitest.New(t, clitest.WithEmulator(func(o *emulator.Options) { o.Empty = true; o.Latency = 20 * time.Millisecond }))
	var b strings.Builder
	b.WriteString("ReferenceId,destination,due\n")
	for i := 1; i <= 30; i++ {
		fmt.Fprintf(&b, "O-%02d,+4144555%04d,2030-01-01T10:00:00Z\n", i, i)
	}
	f := file(t, e, b.String())
	var wg sync.WaitGroup
	results := make([]clitest.Result, 2)
	for i := range results {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			results[i] = e.Run("schedule", "import", f, "--service", emulator.ServiceSupport, "--concurrency", "2", "-o", "json", "--jq", "[.created, .skipped]")
		}(i)
	}
	wg.Wait()
	outs := []string{results[0].Stdout, results[1].Stdout}
	sort.Strings(outs)
	if results[0].Code != 0 || results[1].Code != 0 || strings.Join(outs, "") != "[0,30]\n[30,0]\n" {
		t.Fatalf("runs: %+v", results)
	}
	if n := e.Emu.Stats().Operations["CreateSchedulerEntry"]; n != 30 {
		t.Errorf("%d creates, want 30", n)
	}
}

// A Swiss Excel export of callbacks: Windows-1252, semicolons, CRLF, German headers and
// dates as Excel writes them in de-CH (01.03.2030 09:00).
func TestScheduleImportSwissExcelExport(t *testing.T) {
	t.Parallel()
	e := clitest.New(t, clitest.WithEmulator(func(o *emulator.Options) { o.Empty = true }))
	e.Setenv("NIMBUSCTL_TIMEZONE", "Europe/Zurich")
	f := file(t, e, "ReferenceId;Telefon;Termin;Vorname;Nachname\r\n"+
		"R-1;044 555 10 01;01.03.2030 09:00;J\xfcrg;M\xfcller\r\n"+
		"R-2;+41 79 555 10 02;2.3.2030 14:30:00;Ren\xe9e;D\xfcrr\r\n")
	r := e.Run("schedule", "import", f, "--service", emulator.ServiceSupport, "-o", "json", "--jq", "[.created, .failed]")
	r.Expect(t, 0, "[2,0]\n", "")
	got := map[string]string{}
	for _, en := range e.Emu.SchedulerEntries(emulator.ServiceSupport) {
		c := en["customer"].(map[string]any)
		got[en["ReferenceId"].(string)] = fmt.Sprintf("%s %s %s %s", en["destination"], en["dueDateTimeUtc"], c["firstName"], c["lastName"])
	}
	if got["R-1"] != "+41445551001 2030-03-01T08:00:00Z Jürg Müller" || got["R-2"] != "+41795551002 2030-03-02T13:30:00Z Renée Dürr" {
		t.Fatalf("entries %v", got)
	}
}

// A column the calls cannot do without is missing, or two columns fill the number to ring:
// the file is refused once, naming its columns (not every row, twice), and nothing is sent.
func TestScheduleImportChecksTheColumnsOnce(t *testing.T) {
	t.Parallel()
	e := clitest.New(t, clitest.WithEmulator(func(o *emulator.Options) { o.Empty = true }))
	e.Setenv("NIMBUSCTL_TIMEZONE", "Europe/Zurich")
	noNumber := file(t, e, "ReferenceId,Kunde,Due\nR-1,Anna,2030-03-01 09:00\nR-2,Ben,2030-03-01 10:00\n")
	e.Run("schedule", "import", noNumber, "--service", emulator.ServiceSupport).Expect(t, 3, "",
		"! ignoring column(s) \"Kunde\" (use --map \"column=field\" to import them)\n"+
			"error: "+noNumber+": no column holds the number to call: name one destination (or phone, phone number, mobile), or use --map \"column=destination\" (columns: ReferenceId, Kunde, Due)\n")
	noDue := file(t, e, "ReferenceId,destination\nR-1,+41445551001\n")
	e.Run("schedule", "import", noDue, "--service", emulator.ServiceSupport).Expect(t, 3, "",
		"error: "+noDue+": no column holds the due time: name one due (or due date, scheduled at, when), or use --map \"column=due\" (columns: ReferenceId, destination)\n")
	noService := file(t, e, "ReferenceId,destination,due\nR-1,+41445551001,2030-03-01 09:00\n")
	e.Run("schedule", "import", noService).Expect(t, 3, "",
		"error: "+noService+": no column holds the service: add a service column, or pass --service UPN (see 'nimbusctl schedule services')\n")
	twoNumbers := file(t, e, "ReferenceId,Phone,Mobile,due\nR-1,044 555 10 01,079 555 10 01,2030-03-01 09:00\n")
	e.Run("schedule", "import", twoNumbers, "--service", emulator.ServiceSupport).Expect(t, 3, "",
		"error: "+twoNumbers+": columns \"Phone\" and \"Mobile\" both fill destination: drop one with --map \"Mobile=-\" (or \"Phone=-\")\n")
	if ops := e.Emu.Stats().Operations; ops["CreateSchedulerEntry"] != 0 {
		t.Errorf("calls were scheduled: %v", ops)
	}
}

// The ledger keeps 90 days of due times. With --allow-past, a row due longer ago than that
// (a file that keeps its old rows, imported by cron) was created again once the ledger had
// forgotten it, and rang a second time; it is refused instead.
func TestScheduleImportAllowPastStopsWhereTheLedgerForgets(t *testing.T) {
	t.Parallel()
	e := clitest.New(t, clitest.WithEmulator(func(o *emulator.Options) { o.Empty = true }))
	due := time.Now().UTC().Add(-100 * 24 * time.Hour).Truncate(time.Second)
	f := file(t, e, "ReferenceId,destination,due\nOLD-1,+41445551001,"+due.Format(time.RFC3339)+"\n")
	e.Run("schedule", "import", f, "--service", emulator.ServiceSupport, "--allow-past").Expect(t, 3, "",
		f+":2: due: the due time "+due.Format(time.RFC3339)+" is more than 89 days ago, beyond what the ledger remembers (90 days): the call may have been scheduled, and rung, already; not scheduled\n"+
			"error: 1 invalid row; nothing was sent (fix it, or pass --skip-invalid to import the rest)\n")
	if n := calls(e, "CreateSchedulerEntry"); n != 0 {
		t.Fatalf("%d calls scheduled", n)
	}
}

// The export is rewritten while the import runs (the CRM's next export lands on the same
// path). The run checked the rows of the file it read first, and must send what it checked:
// read again for sending, the new file put a past-due row on a line that had held a valid
// one, and that call was scheduled to ring at once.
func TestScheduleImportSendsTheFileItChecked(t *testing.T) {
	t.Parallel()
	e := clitest.New(t, clitest.WithEmulator(func(o *emulator.Options) { o.Empty = true; o.Latency = 150 * time.Millisecond }))
	future := time.Now().UTC().Add(48 * time.Hour).Format(time.RFC3339)
	past := time.Now().UTC().Add(-2 * time.Hour).Format(time.RFC3339)
	f := file(t, e, "ReferenceId,destination,due\nR-1,+41445551001,"+future+"\nR-2,+41445551002,"+past+"\n")
	done := make(chan clitest.Result)
	go func() {
		done <- e.Run("schedule", "import", f, "--service", emulator.ServiceSupport, "--skip-invalid", "-o", "json", "--jq", "[.created, .invalid]")
	}()
	// Once the run reads the calls on the service, it has checked the file: now it changes.
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(time.Millisecond) {
		n := 0
		for _, r := range e.Emu.Received() {
			if r.Method == "GET" && strings.Contains(r.URI, "scheduler-entries?") {
				n++
			}
		}
		if n > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the import never read the state")
		}
	}
	if err := os.WriteFile(f, []byte("ReferenceId,destination,due\nR-2,+41445551002,"+past+"\nR-1,+41445551001,"+future+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r := <-done
	r.Code, r.Stderr = 0, "" // the checked file had an invalid row (exit 9); what matters is what was sent
	r.Expect(t, 0, "[1,1]\n", "")
	for _, en := range e.Emu.SchedulerEntries(emulator.ServiceSupport) {
		if en["ReferenceId"] != "R-1" {
			t.Errorf("scheduled %v", en)
		}
	}
}

// A call that is ringing can no longer be changed: a row that would change it says so on
// stderr, naming the line, rather than passing as "skipped" in the counts alone.
func TestScheduleImportUpdateSaysWhenACallIsInProgress(t *testing.T) {
	t.Parallel()
	e := clitest.New(t)
	f := file(t, e, "ReferenceId,Destination,Due\ncallback-1002,+41315559999,2030-03-01T09:00:00Z\n")
	r := e.Run("schedule", "import", f, "--service", emulator.ServiceSupport, "--update")
	r.Stderr = timing.ReplaceAllString(r.Stderr, "(T)")
	r.Expect(t, 0, "", "! "+f+":2: callback-1002: the call is in progress and can no longer be changed: this row's changes were not applied\n"+
		"✓ 1 row: 1 skipped (already done) (T)\n")
	if n := calls(e, "UpdateSchedulerEntry"); n != 0 {
		t.Errorf("%d updates of a call in progress", n)
	}
}

// The contract does not say whether a ReferenceId is case-sensitive. A CRM export that changed
// case (or two exports merged) must never ring a customer twice: two rows whose ids differ
// only in case are one call (the second a duplicate), and a row whose id the service lists,
// or the ledger remembers, only in other case schedules and changes nothing, and says so.
func TestScheduleImportReferenceIdsThatDifferOnlyInCase(t *testing.T) {
	t.Parallel()
	e := clitest.New(t, clitest.WithEmulator(func(o *emulator.Options) { o.Empty = true }))
	run := func(f string, more ...string) clitest.Result {
		r := e.Run(append([]string{"schedule", "import", f, "--service", emulator.ServiceSupport}, more...)...)
		r.Stderr = timing.ReplaceAllString(r.Stderr, "(T)")
		return r
	}
	const skipped = "error: 1 invalid row was skipped (see the messages above); fix it and run the same command again\n"
	f := file(t, e, "ReferenceId,destination,due\nS-1,+41445551001,2030-03-01T09:00:00Z\ns-1,+41445551001,2030-03-01T09:00:00Z\n")
	dup := f + `:3: referenceId: duplicate call "s-1" on support@contoso.com: differs only in case from "S-1" (first on line 2)` + "\n"
	run(f).Expect(t, 3, "", dup+"error: 1 invalid row; nothing was sent (fix it, or pass --skip-invalid to import the rest)\n")
	run(f, "--skip-invalid").Expect(t, 9, "", dup+"! 2 rows: 1 created, 1 invalid (T)\n"+skipped)

	// The next export writes it in lower case: the service lists S-1.
	f = file(t, e, "ReferenceId,destination,due\ns-1,+41445551009,2030-03-01T10:00:00Z\n")
	twin := func(where string) string {
		return f + `:2: referenceId: "s-1" differs only in case from "S-1", which ` + where + `, and the connector does not say whether ReferenceIds are case-sensitive: ` +
			`no call is scheduled or changed, so that nobody is rung twice (write the ReferenceId as "S-1" if it is that call, or give the row one of its own if not)` + "\n"
	}
	run(f).Expect(t, 9, "", twin("the service lists")+"! 1 row: 1 invalid (T)\n"+skipped)
	run(f, "--update").Expect(t, 9, "", twin("the service lists")+"! 1 row: 1 invalid (T)\n"+skipped)
	// S-1 has run and is no longer listed: the ledger remembers it.
	for _, en := range e.Emu.SchedulerEntries(emulator.ServiceSupport) {
		e.MustRun("schedule", "remove", en["schedulerEntryId"].(string))
	}
	run(f).Expect(t, 9, "", twin("the ledger remembers")+"! 1 row: 1 invalid (T)\n"+skipped)
	if calls(e, "CreateSchedulerEntry") != 1 || calls(e, "UpdateSchedulerEntry") != 0 {
		t.Fatalf("%d creates, %d updates: want S-1 alone", calls(e, "CreateSchedulerEntry"), calls(e, "UpdateSchedulerEntry"))
	}
}

// A call whose earlier create got no answer, and that is not listed now that it is due, may
// have rung: no rerun schedules it, so the closing line does not promise one. It points to
// the settle and forget commands each row names; a row that a rerun does retry (a create
// whose answer was lost in this run) is counted apart.
func TestScheduleImportClosingLineOfCallsThatMayHaveRung(t *testing.T) {
	t.Parallel()
	e := clitest.New(t, clitest.WithEmulator(func(o *emulator.Options) { o.Empty = true }))
	e.Setenv("NIMBUSCTL_MAX_RETRIES", "0")
	dir := filepath.Join(e.Home, "state", "ledger", "default")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	due := time.Now().UTC().Add(-time.Hour).Truncate(time.Second).Format(time.RFC3339)
	var ledger strings.Builder
	for _, ref := range []string{"R-1", "R-2"} {
		fmt.Fprintf(&ledger, `{"service":%q,"referenceId":%q,"destination":"+41445550001","due":%q,"recordedAt":%q,"outcome":"lost"}`+"\n", emulator.ServiceSupport, ref, due, due)
	}
	if err := os.WriteFile(filepath.Join(dir, due[:10]+".jsonl"), []byte(ledger.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	rang := func(line int, ref string) string {
		return fmt.Sprintf("%s:%d: %s: create failed: an earlier create (lost on %s) got no answer, and the call is not listed now that it is due: it may have rung already, so it is not scheduled again; "+
			"if it did ring, run: nimbusctl schedule ledger settle --service support@contoso.com %s (it says so, and ends this message); if it must be made, run: nimbusctl schedule ledger forget --service support@contoso.com %s, then import again\n",
			"calls.csv", line, ref, due, ref, ref)
	}
	run := func(rows string) clitest.Result {
		f := file(t, e, "ReferenceId,destination,due\n"+rows)
		r := e.Run("schedule", "import", f, "--service", emulator.ServiceSupport, "--allow-past")
		r.Stderr = timing.ReplaceAllString(strings.ReplaceAll(r.Stderr, f, "calls.csv"), "(T)")
		return r
	}
	const commands = "run the 'schedule ledger settle' command shown for %s (it rang), or the 'forget' one (it must be made), then import again\n"
	run("R-1,+41445550001,"+due+"\n").Expect(t, 9, "", rang(2, "R-1")+"X 1 row: 1 failed (T)\n"+
		"error: 1 row failed (see the messages above): its call may have rung (an earlier create got no answer, and the call is not listed now that it is due), so no rerun schedules it: "+
		fmt.Sprintf(commands, "it"))
	run("R-1,+41445550001,"+due+"\nR-2,+41445550001,"+due+"\n").Expect(t, 9, "", rang(2, "R-1")+rang(3, "R-2")+"X 2 rows: 2 failed (T)\n"+
		"error: 2 rows failed (see the messages above): their calls may have rung (earlier creates got no answer, and the calls are not listed now that they are due), so no rerun schedules them: "+
		fmt.Sprintf(commands, "each"))
	// R-3's create is refused with a 503 (no retries): a rerun does retry that one.
	e.Emu.InjectFaults(emulator.ServiceNimbus, "", "", emulator.FaultUnavailable)
	later := time.Now().UTC().Add(time.Hour).Truncate(time.Second).Format(time.RFC3339)
	run("R-1,+41445550001,"+due+"\nR-3,+41445550003,"+later+"\n").Expect(t, 9, "", rang(2, "R-1")+
		"calls.csv:3: R-3: create failed: CreateSchedulerEntry: 503 Service Unavailable: Service Unavailable.\nX 2 rows: 2 failed (T)\n"+
		"error: 2 rows failed (see the messages above): a rerun retries 1 of them; the call of the other may have rung (an earlier create got no answer, and the call is not listed now that it is due), so no rerun schedules it: "+
		fmt.Sprintf(commands, "it"))
	e.Run("schedule", "import", file(t, e, "ReferenceId,destination,due\nR-3,+41445550003,"+later+"\n"), "--service", emulator.ServiceSupport, "-o", "json", "--jq", ".created").Expect(t, 0, "1\n", "")
}
