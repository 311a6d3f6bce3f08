package bulk_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nimbusctl/nimbusctl/pkg/bulk"
	"github.com/nimbusctl/nimbusctl/pkg/emulator"
	"github.com/nimbusctl/nimbusctl/pkg/nimbus"
)

func openLedger(t *testing.T, dir string) *bulk.Ledger {
	t.Helper()
	l, err := bulk.OpenLedger(dir, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Load(nil); err != nil {
		t.Fatal(err)
	}
	return l
}

func TestLedgerOutcomesAndForget(t *testing.T) {
	dir := t.TempDir()
	l := openLedger(t, dir)
	entry := func(ref, due, outcome string) bulk.LedgerEntry {
		return bulk.LedgerEntry{Service: "Support@Contoso.com", ReferenceID: ref, Due: due, RecordedAt: "2029-12-31T10:00:00Z", Outcome: outcome}
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	// R-1 was created for one day, then the file moved it a day earlier and a run died while
	// it was pending there: the day files' order must not undo "created".
	must(l.Record(entry("R-1", "2030-01-02T09:00:00Z", bulk.OutcomeCreated)))
	must(l.Record(entry("R-1", "2030-01-01T09:00:00Z", bulk.OutcomePending)))
	must(l.Record(entry("R-2", "2030-01-01T09:00:00Z", bulk.OutcomePending), entry("R-3", "2030-01-03T09:00:00Z", bulk.OutcomePending)))
	must(l.Record(entry("R-2", "2030-01-01T09:00:00Z", bulk.OutcomeLost)))
	// A line of the first format: a created call.
	old := `{"service":"support@contoso.com","referenceId":"R-4","schedulerEntryId":"e-4","due":"2030-01-01T10:00:00Z","scheduledAt":"2029-12-30T10:00:00Z"}` + "\n"
	f, _ := os.OpenFile(filepath.Join(dir, "2030-01-01.jsonl"), os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString(old + `{"torn":`)
	f.Close()

	l = openLedger(t, dir)
	var got []string
	for _, e := range l.Entries() {
		got = append(got, e.ReferenceID+"="+e.Outcome+"@"+e.Due[:10]+"/"+e.RecordedAt[:10])
	}
	if strings.Join(got, " ") != "R-2=lost@2030-01-01/2029-12-31 R-4=created@2030-01-01/2029-12-30 R-1=created@2030-01-02/2029-12-31 R-3=pending@2030-01-03/2029-12-31" {
		t.Errorf("entries %v", got)
	}
	if e, ok := l.Has("support@contoso.com", "R-1"); !ok || !e.Settled() {
		t.Errorf("R-1: %+v", e)
	}
	// Forget drops every line of a call, in every day.
	must(l.Forget(map[string]bool{bulk.LedgerKey("SUPPORT@contoso.com", "R-1"): true, bulk.LedgerKey("support@contoso.com", "R-2"): true}))
	l = openLedger(t, dir)
	got = nil
	for _, e := range l.Entries() {
		got = append(got, e.ReferenceID)
	}
	if strings.Join(got, " ") != "R-4 R-3" {
		t.Errorf("after forget: %v", got)
	}
}

// A call of the file that the service lists but the ledger does not (scheduled by hand, or
// by a run killed between its create and its record) is recorded when seen: once it has run
// and vanished from the list, the file never schedules it again.
func TestScheduleImportRecordsTheCallsItFindsListed(t *testing.T) {
	w := newWorld(t, emulator.Options{Seed: 1, Empty: true})
	ledger := filepath.Join(t.TempDir(), "ledger")
	made, err := w.c.CreateSchedulerEntry(context.Background(), nimbus.SchedulerEntryWrite{ServiceUPN: emulator.ServiceSupport,
		ReferenceID: "CB-001", Destination: "+41445550001", DueDateTimeUTC: "2030-01-02T08:00:00Z"})
	if err != nil {
		t.Fatal(err)
	}
	in := fileInput(t, callsCSV(3, "2030-01-02 09:00"))
	s, _, err := w.schedule(t, in, ledger, nil)
	if err != nil || s.Created != 2 || s.Skipped != 1 {
		t.Fatalf("first run: %+v %v", s, err)
	}
	if e, ok := openLedger(t, ledger).Has(emulator.ServiceSupport, "CB-001"); !ok || e.Outcome != bulk.OutcomeFound || e.EntryID != made.SchedulerEntryID || e.Destination != "+41445550001" {
		t.Fatalf("ledger: %+v", e)
	}
	if err := w.c.DeleteSchedulerEntry(context.Background(), made.SchedulerEntryID); err != nil { // it has run
		t.Fatal(err)
	}
	s, _, err = w.schedule(t, in, ledger, nil)
	if err != nil || s.Created != 0 || s.Skipped != 3 {
		t.Fatalf("after it ran: %+v %v", s, err)
	}
}

// A pending line (the create went out, its answer never came back) is settled from the list:
// not listed while its due time lies ahead means it was never created; not listed after that,
// it may have rung, and it is not scheduled again.
func TestScheduleImportSettlesPendingCreates(t *testing.T) {
	w := newWorld(t, emulator.Options{Seed: 1, Empty: true})
	ledger := filepath.Join(t.TempDir(), "ledger")
	l := openLedger(t, ledger)
	now := time.Date(2030, 1, 2, 8, 30, 0, 0, time.UTC)
	if err := l.Record(
		bulk.LedgerEntry{Service: emulator.ServiceSupport, ReferenceID: "CB-001", Due: "2030-01-02T09:00:00Z", RecordedAt: "2030-01-01T10:00:00Z", Outcome: bulk.OutcomePending},
		bulk.LedgerEntry{Service: emulator.ServiceSupport, ReferenceID: "CB-003", Due: "2030-01-02T08:00:00Z", RecordedAt: "2030-01-01T10:00:00Z", Outcome: bulk.OutcomeLost},
	); err != nil {
		t.Fatal(err)
	}
	csv := "ReferenceId;Service;Phone Number;Due\r\nCB-001;" + emulator.ServiceSupport + ";+41445550001;2030-01-02T09:00:00Z\r\n" +
		"CB-003;" + emulator.ServiceSupport + ";+41445550003;2030-01-02T09:00:00Z\r\n"
	s, report, err := w.schedule(t, fileInput(t, csv), ledger, func(si *bulk.ScheduleImport) { si.Now = func() time.Time { return now } })
	// CB-003 may have rung: no rerun retries it, and the summary says how many such rows failed.
	if err != nil || s.Created != 1 || s.Failed != 1 || s.MayHaveRung != 1 {
		t.Fatalf("%+v %v\n%s", s, err, report)
	}
	if !strings.Contains(report, "3,CB-003,create,failed,\"an earlier create (lost on 2030-01-01T10:00:00Z) got no answer, and the call is not listed now that it is due: it may have rung already, so it is not scheduled again; "+
		"if it did ring, run: nimbusctl schedule ledger settle --service support@contoso.com CB-003 (it says so, and ends this message); if it must be made, run: nimbusctl schedule ledger forget --service support@contoso.com CB-003, then import again\"") {
		t.Errorf("report:\n%s", report)
	}
	if e, _ := openLedger(t, ledger).Has(emulator.ServiceSupport, "CB-001"); e.Outcome != bulk.OutcomeCreated {
		t.Errorf("CB-001 %+v", e)
	}
	if n := len(w.emu.SchedulerEntries(emulator.ServiceSupport)); n != 1 {
		t.Errorf("%d calls, want CB-001 alone", n)
	}
	// A pending call whose row has since moved into the past is a new call due in the past:
	// invalid without --allow-past, whatever the ledger's due time says.
	if err := l.Record(bulk.LedgerEntry{Service: emulator.ServiceSupport, ReferenceID: "CB-005", Due: "2030-01-02T10:00:00Z", RecordedAt: "2030-01-01T10:00:00Z", Outcome: bulk.OutcomePending}); err != nil {
		t.Fatal(err)
	}
	past := "ReferenceId;Service;Phone Number;Due\r\nCB-005;" + emulator.ServiceSupport + ";+41445550005;2030-01-02T08:00:00Z\r\n"
	s, _, err = w.schedule(t, fileInput(t, past), ledger, func(si *bulk.ScheduleImport) { si.Now = func() time.Time { return now } })
	if err == nil || s.Invalid != 1 || len(w.emu.SchedulerEntries(emulator.ServiceSupport)) != 1 {
		t.Errorf("past row of a pending call: %+v %v", s, err)
	}
}
