package bulk_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nimbusctl/nimbusctl/pkg/bulk"
	"github.com/nimbusctl/nimbusctl/pkg/emulator"
)

func (w *world) schedule(t *testing.T, in bulk.Input, ledgerDir string, mod func(*bulk.ScheduleImport)) (bulk.Summary, string, error) {
	t.Helper()
	var report bytes.Buffer
	zurich, _ := time.LoadLocation("Europe/Zurich")
	si := &bulk.ScheduleImport{
		Client: w.c, Input: in, TZ: zurich, DefaultCountry: "+41", Workers: 4, Grace: 10 * time.Millisecond,
		Recorder: bulk.NewRecorder(in.Name, &report, false, nil, w.lim),
	}
	if ledgerDir != "" {
		l, err := bulk.OpenLedger(ledgerDir, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		si.Ledger = l
	}
	if mod != nil {
		mod(si)
	}
	s, err := si.Run(context.Background())
	return s, report.String(), err
}

func callsCSV(n int, due string) string {
	var b strings.Builder
	b.WriteString("ReferenceId;Service;Phone Number;Due;First Name;Last Name;ctx.order\r\n")
	for i := 1; i <= n; i++ {
		svc := emulator.ServiceSupport
		if i%2 == 0 {
			svc = emulator.ServiceSales
		}
		fmt.Fprintf(&b, "CB-%03d;%s;044 555 %02d %02d;%s;Kim;Nr%d;O-%d\r\n", i, svc, i/100, i%100, due, i, i)
	}
	return b.String()
}

func refsOnServer(w *world) map[string]int {
	m := map[string]int{}
	for _, svc := range []string{emulator.ServiceSupport, emulator.ServiceSales} {
		for _, e := range w.emu.SchedulerEntries(svc) {
			if ref, _ := e["ReferenceId"].(string); strings.HasPrefix(ref, "CB-") || strings.HasPrefix(ref, "nimbusctl-") {
				m[ref]++
			}
		}
	}
	return m
}

func TestScheduleImportNeverCallsTwice(t *testing.T) {
	w := newWorld(t, emulator.Options{Seed: 1, Empty: true})
	ledger := filepath.Join(t.TempDir(), "ledger")
	// An absolute due: a relative one ("+2h") would, rightly, move every call on --update
	// below whenever the runs straddle a second.
	const due = "2030-01-02 09:00"
	in := fileInput(t, callsCSV(10, due))
	s, _, err := w.schedule(t, in, ledger, nil)
	if err != nil || s.Created != 10 || s.Failed != 0 {
		t.Fatalf("first run: %+v %v", s, err)
	}
	var e map[string]any // CB-001, whatever order the workers stored the calls in
	for _, en := range w.emu.SchedulerEntries(emulator.ServiceSupport) {
		if en["ReferenceId"] == "CB-001" {
			e = en
		}
	}
	if e["destination"] != "+41445550001" || e["customer"].(map[string]any)["lastName"] != "Nr1" ||
		e["customCallContextParameters"].([]any)[0].(map[string]any)["value"] != "O-1" {
		t.Errorf("stored entry %v", e)
	}
	// The cron job runs again: the ReferenceIds are the same, so nothing is scheduled again.
	s, _, err = w.schedule(t, in, ledger, nil)
	if err != nil || s.Skipped != 10 || s.Created != 0 {
		t.Fatalf("second run: %+v %v", s, err)
	}
	if got := w.emu.Stats().Operations["CreateSchedulerEntry"]; got != 10 {
		t.Errorf("%d creates in all, want 10", got)
	}
	// A call that ran and vanished from the list is still never scheduled again: the ledger.
	if err := w.c.DeleteSchedulerEntry(context.Background(), e["schedulerEntryId"].(string)); err != nil {
		t.Fatal(err)
	}
	s, report, err := w.schedule(t, in, ledger, nil)
	if err != nil || s.Skipped != 10 || s.Created != 0 {
		t.Fatalf("after one call vanished: %+v %v", s, err)
	}
	if !strings.Contains(report, "no longer listed: not scheduled again") {
		t.Errorf("report:\n%s", report)
	}
	// The CRM moved every callback to the next day: the vanished call (ledger of the old day)
	// is still recognized.
	s, report, err = w.schedule(t, fileInput(t, callsCSV(10, "2030-01-03 09:00")), ledger, nil)
	if err != nil || s.Skipped != 10 || s.Created != 0 || !strings.Contains(report, "no longer listed: not scheduled again") {
		t.Fatalf("due moved to another day: %+v %v\n%s", s, err, report)
	}
	// --update changes what differs.
	s, _, err = w.schedule(t, fileInput(t, strings.Replace(callsCSV(10, due), "Nr2;", "Changed;", 1)), ledger, func(si *bulk.ScheduleImport) { si.Update = true })
	// One row changed; the vanished call is skipped (ledger).
	if err != nil || s.Updated != 1 || s.Unchanged != 8 || s.Skipped != 1 || s.Failed != 0 {
		t.Fatalf("--update: %+v %v", s, err)
	}
}

func TestScheduleImportDerivesReferences(t *testing.T) {
	w := newWorld(t, emulator.Options{Seed: 1, Empty: true})
	csv := "destination,due\n+41445550001,2030-01-02 09:00\n+41445550002,2030-01-02T09:00:00Z\n"
	in := fileInput(t, csv)
	for run := 0; run < 2; run++ {
		s, _, err := w.schedule(t, in, "", func(si *bulk.ScheduleImport) { si.Service = emulator.ServiceSupport })
		if err != nil {
			t.Fatal(err)
		}
		if run == 0 && s.Created != 2 || run == 1 && s.Skipped != 2 {
			t.Fatalf("run %d: %+v", run, s)
		}
	}
	// Without a ReferenceId a relative due time would give a new identity on every run.
	rel := fileInput(t, "destination,due\n+41445550003,+2h\n")
	s, report, err := w.schedule(t, rel, "", func(si *bulk.ScheduleImport) { si.Service = emulator.ServiceSupport })
	if s.Invalid != 1 || s.Created != 0 || err == nil || !strings.Contains(report, "2,,invalid,invalid,\"due: a relative due time needs a ReferenceId") {
		t.Errorf("relative due without ReferenceId: %+v %v\n%s", s, err, report)
	}
	entries := w.emu.SchedulerEntries(emulator.ServiceSupport)
	due := map[string]any{} // by destination: the workers store in any order
	for _, e := range entries {
		due[e["destination"].(string)] = e["dueDateTimeUtc"]
		if !strings.HasPrefix(e["ReferenceId"].(string), "nimbusctl-") {
			t.Errorf("entry %v: no derived ReferenceId", e)
		}
	}
	if len(entries) != 2 || due["+41445550001"] != "2030-01-02T08:00:00Z" || due["+41445550002"] != "2030-01-02T09:00:00Z" {
		t.Errorf("entries %v", entries)
	}
}

// Every kind of customer column reaches the entry: customer.* fields (phones normalized),
// tel.<name> extra numbers, field.<name> custom fields and ctx.<name> context parameters.
func TestScheduleImportCustomerColumns(t *testing.T) {
	w := newWorld(t, emulator.Options{Seed: 1, Empty: true})
	csv := "ReferenceId;destination;due;First Name;Company;Customer Phone;customer.UPN;tel.Office;tel.Home;field.tier;ctx.ticket\r\n" +
		"K-1;+41445550001;2030-01-02 09:00;Anna;Muster AG;044 555 00 01;anna@muster.example;044 555 00 02;;gold;T-42\r\n" +
		"K-2;+41445550003;2030-01-02 09:00;Ben;;;;office?;;;\r\n"
	s, report, err := w.schedule(t, fileInput(t, csv), "", func(si *bulk.ScheduleImport) { si.Service = emulator.ServiceSupport })
	if s.Invalid != 1 || !strings.Contains(report, `3,K-2,invalid,invalid,"tel.Office: ""office?"" is not a phone number"`) {
		t.Fatalf("%+v %v\n%s", s, err, report)
	}
	s, _, err = w.schedule(t, fileInput(t, csv), "", func(si *bulk.ScheduleImport) { si.Service = emulator.ServiceSupport; si.SkipInvalid = true })
	if err != nil || s.Created != 1 || s.Invalid != 1 { // skipped as asked: not a failure
		t.Fatalf("--skip-invalid: %+v %v", s, err)
	}
	entries := w.emu.SchedulerEntries(emulator.ServiceSupport)
	if len(entries) != 1 {
		t.Fatalf("entries %v", entries)
	}
	got, _ := json.Marshal(entries[0]["customer"])
	want := `{"UPN":"anna@muster.example","company":"Muster AG","customFields":[{"name":"tier","value":"gold"}],"firstName":"Anna",` +
		`"primaryTelNumber":"+41445550001","telNumbers":[{"name":"Office","value":"+41445550002"}]}`
	if string(got) != want {
		t.Errorf("customer\n%s\nwant\n%s", got, want)
	}
	if ctx, _ := json.Marshal(entries[0]["customCallContextParameters"]); string(ctx) != `[{"name":"ticket","value":"T-42"}]` {
		t.Errorf("context %s", ctx)
	}
}

func TestScheduleImportValidation(t *testing.T) {
	w := newWorld(t, emulator.Options{Seed: 1, Empty: true})
	csv := "ReferenceId,service,destination,due,maxAttempts,priority,attemptTimeout\n" +
		"A,support@contoso.com,+41445550001,+1h,3,High,10m\n" + // fine
		"B,vip@contoso.com,+41445550002,+1h,,,\n" + // a service the user may not use
		"C,support@contoso.com,not a number,+1h,,,\n" +
		"D,support@contoso.com,+41445550004,yesterday,,,\n" +
		"E,support@contoso.com,+41445550005,+1h,11,,\n" +
		"F,support@contoso.com,+41445550006,+1h,,Asap,\n" +
		"A,support@contoso.com,+41445550007,+1h,,,\n" + // duplicate call
		"G,support@contoso.com,+41445550008,2020-01-01 10:00,,,\n" + // new and in the past
		"H,,+41445550009,+1h,,,5s\n"
	var problems []string
	_, _, err := w.schedule(t, fileInput(t, csv), "", func(si *bulk.ScheduleImport) {
		si.Problem = func(e error) { problems = append(problems, e.Error()) }
	})
	var inv *bulk.ErrInvalidRows
	if !errors.As(err, &inv) || inv.N != 8 {
		t.Fatalf("err %v, problems:\n%s", err, strings.Join(problems, "\n"))
	}
	want := []string{
		`in.csv:3: serviceUpn: "vip@contoso.com" is not a service you may schedule calls on (see 'nimbusctl schedule services')`,
		`in.csv:4: destination: "not a number" is not a phone number (or give a SIP address or UPN)`,
		`in.csv:5: due: invalid due time "yesterday": use RFC 3339 (2026-12-01T09:30:00+01:00), a local time (2026-12-01 09:30, zone from --tz) or a relative time (+2h, +1d)`,
		`in.csv:6: maxAttempts: must be a whole number from 1 to 10, got "11"`,
		`in.csv:7: priority: unknown priority "Asap" (see 'nimbusctl schedule priorities')`,
		`in.csv:10: attemptTimeout: must be between 30s and 86400s, got 5s`,
		`in.csv:10: service: is empty`,
		`in.csv:8: referenceId: duplicate call "A" on support@contoso.com (first on line 2)`,
		`in.csv:9: due: the due time 2020-01-01T09:00:00Z has passed; the call would start at once (pass --allow-past to schedule it anyway)`,
	}
	if strings.Join(problems, "\n") != strings.Join(want, "\n") {
		t.Errorf("problems\n%s\nwant\n%s", strings.Join(problems, "\n"), strings.Join(want, "\n"))
	}
	if w.emu.Stats().Operations["CreateSchedulerEntry"] != 0 {
		t.Error("a call was scheduled despite invalid rows")
	}
	s, _, err := w.schedule(t, fileInput(t, csv), "", func(si *bulk.ScheduleImport) { si.SkipInvalid = true })
	if err != nil || s.Created != 1 || s.Invalid != 8 {
		t.Fatalf("--skip-invalid: %+v %v", s, err)
	}
	if e := w.emu.SchedulerEntries(emulator.ServiceSupport)[0]; e["distributionPriority"] == "High" || fmt.Sprint(e["attemptTimeoutInSeconds"]) != "600" {
		t.Errorf("the priority name must be sent as its value, 10m as 600: %v", e)
	}
}

// TestScheduleStormNoCallTwice: 10% 5xx (some applied before the answer was lost) and 429s.
// No ReferenceId may ever exist twice, every row is either scheduled or reported, and a rerun
// settles the rest.
func TestScheduleStormNoCallTwice(t *testing.T) {
	w := newWorld(t, emulator.Options{Seed: 11, Empty: true, FaultRate: 0.10, RateLimit: emulator.Rate{Count: 80, Per: time.Second}})
	ledger := filepath.Join(t.TempDir(), "ledger")
	const n = 120
	in := fileInput(t, callsCSV(n, "+3h"))
	s, report, err := w.schedule(t, in, ledger, func(si *bulk.ScheduleImport) { si.Workers = 8 })
	if err != nil {
		t.Fatalf("%v", err)
	}
	t.Logf("storm: %+v faults=%v 429s=%d", s, w.emu.Stats().Faults, w.emu.Stats().TotalRateLimited())
	if s.Created+s.Failed != n || strings.Count(report, "\n")-1 != n {
		t.Fatalf("created %d + failed %d != %d\n%s", s.Created, s.Failed, n, report)
	}
	for ref, k := range refsOnServer(w) {
		if k > 1 {
			t.Fatalf("%s scheduled %d times", ref, k)
		}
	}
	w.emu.SetFaultRate(0)
	s, _, err = w.schedule(t, in, ledger, nil)
	if err != nil || s.Failed != 0 {
		t.Fatalf("rerun: %+v %v", s, err)
	}
	refs := refsOnServer(w)
	if len(refs) != n {
		t.Fatalf("%d calls on the server, want %d", len(refs), n)
	}
	for ref, k := range refs {
		if k != 1 {
			t.Fatalf("%s scheduled %d times", ref, k)
		}
	}
}

// The connector's contract does not say whether a ReferenceId is case-sensitive. To a service
// that ignores case, two rows of one service whose ReferenceIds differ only in case (or width,
// or invisible spacing) are one call: the second is a duplicate, never a second create. A row
// whose ReferenceId the service lists, or the ledger remembers, only in other case may be
// that call: it schedules nothing and changes nothing, whatever the ledger's age (old ledgers
// hold the ids as they were sent).
func TestScheduleReferenceIdsThatDifferOnlyInCase(t *testing.T) {
	w := newWorld(t, emulator.Options{Seed: 1, Empty: true})
	ledger := filepath.Join(t.TempDir(), "ledger")
	now := time.Date(2030, 1, 2, 8, 30, 0, 0, time.UTC)
	const head = "ReferenceId,service,destination,due\n"
	row := func(ref, svc, dest, due string) string { return ref + "," + svc + "," + dest + "," + due + "\n" }
	sup, sal := emulator.ServiceSupport, emulator.ServiceSales
	var problems []string
	run := func(csv string, mod func(*bulk.ScheduleImport)) (bulk.Summary, string, error) {
		problems = nil
		return w.schedule(t, fileInput(t, csv), ledger, func(si *bulk.ScheduleImport) {
			si.Now = func() time.Time { return now }
			si.Problem = func(e error) { problems = append(problems, e.Error()) }
			if mod != nil {
				mod(si)
			}
		})
	}
	creates := func() int { return w.emu.Stats().Operations["CreateSchedulerEntry"] }

	// 1. Within the file.
	file := head + row("S-1", sup, "+41445550001", "2030-01-03T09:00:00Z") +
		row("S-1", sal, "+41445550001", "2030-01-03T09:00:00Z") + // another service: another call
		row("s-1", sup, "+41445550001", "2030-01-03T09:00:00Z") +
		row("\u200bＳ-1 ", sup, "+41445550001", "2030-01-03T09:00:00Z")
	_, _, err := run(file, nil)
	wantDups := `in.csv:4: referenceId: duplicate call "s-1" on support@contoso.com: differs only in case from "S-1" (first on line 2)` + "\n" +
		`in.csv:5: referenceId: duplicate call "\u200bＳ-1" on support@contoso.com: differs only in case, width or spacing from "S-1" (first on line 2)`
	var inv *bulk.ErrInvalidRows
	if !errors.As(err, &inv) || inv.N != 2 || strings.Join(problems, "\n") != wantDups || creates() != 0 {
		t.Fatalf("%v, %d creates, problems:\n%s", err, creates(), strings.Join(problems, "\n"))
	}
	s, _, err := run(file, func(si *bulk.ScheduleImport) { si.SkipInvalid = true })
	if err != nil || s.Created != 2 || s.Invalid != 2 || creates() != 2 {
		t.Fatalf("--skip-invalid: %+v %v, %d creates", s, err, creates())
	}

	// 2. Against the service and the ledger. CB-7 ran yesterday and is no longer listed; OLD-1
	// is in a ledger line of the first format (no outcome).
	l := openLedger(t, ledger)
	if err := l.Record(bulk.LedgerEntry{Service: sup, ReferenceID: "CB-7", Destination: "+41445550007", Due: "2030-01-01T09:00:00Z", RecordedAt: "2029-12-31T10:00:00Z", Outcome: bulk.OutcomeCreated}); err != nil {
		t.Fatal(err)
	}
	old := `{"service":"` + sup + `","referenceId":"OLD-1","due":"2030-01-05T09:00:00Z","scheduledAt":"2029-12-31T10:00:00Z"}` + "\n"
	if err := os.WriteFile(filepath.Join(ledger, "2030-01-05.jsonl"), []byte(old), 0o600); err != nil {
		t.Fatal(err)
	}
	twins := head + row("s-1", sup, "+41445550009", "2030-01-03T10:00:00Z") + // listed as S-1
		row("cb-7", sup, "+41445550007", "2030-01-01T09:00:00Z") + // in the ledger as CB-7, and past
		row("old-1", sup, "+41445550008", "2030-01-05T09:00:00Z") + // in an old ledger as OLD-1
		row("S-1", sal, "+41445550001", "2030-01-03T09:00:00Z") + // exact: skipped
		row("NEW-1", sup, "+41445550010", "2030-01-03T09:00:00Z")
	twin := func(line int, file, theirs, where string) string {
		return fmt.Sprintf(`in.csv:%d: referenceId: %q differs only in case from %q, which %s, and the connector does not say whether ReferenceIds are case-sensitive: `+
			`no call is scheduled or changed, so that nobody is rung twice (write the ReferenceId as %q if it is that call, or give the row one of its own if not)`, line, file, theirs, where, theirs)
	}
	wantTwins := strings.Join([]string{
		twin(2, "s-1", "S-1", "the service lists"),
		twin(3, "cb-7", "CB-7", "the ledger remembers"),
		twin(4, "old-1", "OLD-1", "the ledger remembers"),
	}, "\n")
	for _, update := range []bool{false, true} {
		s, report, err := run(twins, func(si *bulk.ScheduleImport) { si.Update = update })
		if err != nil || s.Invalid != 3 || s.Skipped+s.Unchanged != 1+btoi(update) || s.Created != 1-btoi(update) || s.Updated != 0 || strings.Join(problems, "\n") != wantTwins {
			t.Fatalf("update=%v: %+v %v\n%s\nproblems:\n%s", update, s, err, report, strings.Join(problems, "\n"))
		}
	}
	if creates() != 3 || w.emu.Stats().Operations["UpdateSchedulerEntry"] != 0 {
		t.Fatalf("%d creates, %d updates", creates(), w.emu.Stats().Operations["UpdateSchedulerEntry"])
	}
	// S-1 runs and is no longer listed: the ledger remembers it, and still holds s-1 back.
	for _, e := range w.emu.SchedulerEntries(sup) {
		if e["ReferenceId"] == "S-1" {
			if err := w.c.DeleteSchedulerEntry(context.Background(), e["schedulerEntryId"].(string)); err != nil {
				t.Fatal(err)
			}
		}
	}
	s, _, err = run(head+row("s-1", sup, "+41445550009", "2030-01-03T10:00:00Z"), nil)
	if err != nil || s.Invalid != 1 || problems[0] != twin(2, "s-1", "S-1", "the ledger remembers") || creates() != 3 {
		t.Fatalf("after S-1 ran: %+v %v, %d creates\n%s", s, err, creates(), strings.Join(problems, "\n"))
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}
