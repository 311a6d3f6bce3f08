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
