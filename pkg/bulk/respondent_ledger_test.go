package bulk

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// Refresh reads what another process appended since, and leaves a line still being written
// for the next read.
func TestSurveyLedgerRefreshReadsAppends(t *testing.T) {
	dir := t.TempDir()
	now := time.Date(2026, 3, 23, 9, 0, 0, 0, time.UTC)
	a, err := OpenSurveyLedger(dir, now)
	if err != nil {
		t.Fatal(err)
	}
	b, err := OpenSurveyLedger(dir, now)
	if err != nil {
		t.Fatal(err)
	}
	a.Now, b.Now = func() time.Time { return now }, func() time.Time { return now }
	k1, k2 := SurveyKey("task", "T1"), SurveyKey("task", "T2")
	if err := a.Record(SurveyEntry{Key: k1, State: SurveySending}); err != nil {
		t.Fatal(err)
	}
	if err := b.Refresh(); err != nil {
		t.Fatal(err)
	}
	if e, ok := b.Get(k1); !ok || e.State != SurveySending {
		t.Fatalf("after refresh: %+v %v", e, ok)
	}
	a.Record(SurveyEntry{Key: k1, State: SurveySent})
	// Half a line, as if a writer were in the middle of it.
	f, _ := os.OpenFile(filepath.Join(dir, "2026-03-23.jsonl"), os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString(`{"key":"` + k2 + `","state":"se`)
	f.Close()
	if err := b.Refresh(); err != nil {
		t.Fatal(err)
	}
	if e, _ := b.Get(k1); e.State != SurveySent {
		t.Fatalf("k1 %+v", e)
	}
	if _, ok := b.Get(k2); ok {
		t.Fatal("a partial line was read")
	}
	f, _ = os.OpenFile(filepath.Join(dir, "2026-03-23.jsonl"), os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString(`nt","at":"2026-03-23T09:00:00Z"}` + "\n")
	f.Close()
	b.Refresh()
	if e, ok := b.Get(k2); !ok || e.State != SurveySent {
		t.Fatalf("completed line: %+v %v", e, ok)
	}
}

// Entries lists each key's latest entry in the order it was written — across days and
// across a reopen — with the states set by hand.
func TestSurveyLedgerEntries(t *testing.T) {
	dir := t.TempDir()
	now := time.Date(2026, 3, 23, 9, 0, 0, 0, time.UTC)
	l, err := OpenSurveyLedger(dir, now)
	if err != nil {
		t.Fatal(err)
	}
	l.Now = func() time.Time { return now }
	for _, e := range []SurveyEntry{
		{Key: SurveyKey("task", "T2"), State: SurveySending, Task: "T2"},
		{Key: SurveyKey("task", "T1"), State: SurveySending, Task: "T1"},
		{Key: SurveyKey("task", "T2"), State: SurveySent, Task: "T2"},
		{Key: SurveyKey("task", "T1"), State: SurveyUnknown, Task: "T1"},
	} {
		if err := l.Record(e); err != nil {
			t.Fatal(err)
		}
	}
	now = now.Add(24 * time.Hour) // the next day's file
	if err := l.Record(SurveyEntry{Key: SurveyKey("task", "T1"), State: SurveySettled, Task: "T1", Campaign: "101"}); err != nil {
		t.Fatal(err)
	}
	re, err := OpenSurveyLedger(dir, now)
	if err != nil {
		t.Fatal(err)
	}
	for _, got := range [][]SurveyEntry{l.Entries(), re.Entries()} {
		if len(got) != 2 || got[0].Task != "T2" || got[0].State != SurveySent || got[1].Task != "T1" || got[1].State != SurveySettled ||
			got[1].Campaign != "101" || !got[1].At.Equal(now) || got[1].Key != SurveyKey("task", "T1") {
			t.Fatalf("%+v", got)
		}
	}
	if !SurveySettled.Delivered() || !SurveySent.Delivered() || SurveyUnknown.Delivered() || SurveyReleased.Delivered() || SurveySettled.Unsettled() {
		t.Error("states")
	}
}

// The names a person knows an entry by (--once KEY, an imported row's respondent) are kept
// across a reopen; a ledger written before they were kept still reads, and a later line
// without them (an older version writing) keeps the name the entry had.
func TestSurveyLedgerKeepsNames(t *testing.T) {
	dir := t.TempDir()
	now := time.Date(2026, 3, 23, 9, 0, 0, 0, time.UTC)
	old, named := SurveyKey("respondent", "103", "bob@example.com"), SurveyKey("respondent", "103", "ada@example.com")
	once := SurveyKey("once", "order-42")
	// A day written before the names: no respondent, no once.
	if err := os.WriteFile(filepath.Join(dir, "2026-03-22.jsonl"), []byte(`{"key":"`+old+`","state":"unknown","at":"2026-03-22T09:00:00Z","campaign":"103"}`+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	l, err := OpenSurveyLedger(dir, now)
	if err != nil {
		t.Fatal(err)
	}
	l.Now = func() time.Time { return now }
	for _, e := range []SurveyEntry{
		{Key: named, State: SurveySending, Campaign: "103", Respondent: "ada@example.com"},
		{Key: named, State: SurveyUnknown, Campaign: "103"}, // an older version: no name
		{Key: once, State: SurveySent, Campaign: "101", Once: "order-42"},
	} {
		if err := l.Record(e); err != nil {
			t.Fatal(err)
		}
	}
	l, err = OpenSurveyLedger(dir, now)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range l.Entries() {
		got = append(got, string(e.State)+" "+e.Campaign+" "+e.Respondent+" "+e.Once)
	}
	want := []string{"unknown 103  ", "unknown 103 ada@example.com ", "sent 101  order-42"}
	if len(got) != len(want) {
		t.Fatalf("entries %q", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("entry %d: %q, want %q", i, got[i], want[i])
		}
	}
}
