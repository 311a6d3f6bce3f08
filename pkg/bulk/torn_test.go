package bulk

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// A crash (or a power cut) can leave a ledger's last line torn, without its newline. The next
// entry must not be glued onto it — that would lose the entry, and with it the memory that a
// call was made or a survey sent.
func TestAnEntryAfterATornLineIsKept(t *testing.T) {
	t.Run("survey ledger", func(t *testing.T) {
		dir := t.TempDir()
		now := time.Now().UTC()
		torn := `{"key":"00112233445566778899aabbccddeeff","state":"sen`
		if err := os.WriteFile(filepath.Join(dir, now.Format("2006-01-02")+".jsonl"), []byte(torn), 0o600); err != nil {
			t.Fatal(err)
		}
		l, err := OpenSurveyLedger(dir, now)
		if err != nil {
			t.Fatal(err)
		}
		key := SurveyKey("task", "T-1")
		if err := l.Record(SurveyEntry{Key: key, State: SurveySending}); err != nil {
			t.Fatal(err)
		}
		again, err := OpenSurveyLedger(dir, now)
		if err != nil {
			t.Fatal(err)
		}
		if e, ok := again.Get(key); !ok || e.State != SurveySending {
			t.Fatalf("the entry written after a torn line was lost: %+v %v", e, ok)
		}
	})
	t.Run("schedule ledger", func(t *testing.T) {
		dir := t.TempDir()
		due := "2030-01-01T09:00:00Z"
		if err := os.WriteFile(filepath.Join(dir, "2030-01-01.jsonl"), []byte(`{"service":"s@x","referenceId":"R-1","due":"2030-01`), 0o600); err != nil {
			t.Fatal(err)
		}
		l, err := OpenLedger(dir, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if err := l.Record(LedgerEntry{Service: "s@x", ReferenceID: "R-2", Due: due, Outcome: OutcomePending}); err != nil {
			t.Fatal(err)
		}
		again, err := OpenLedger(dir, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if err := again.Load(nil); err != nil {
			t.Fatal(err)
		}
		if e, ok := again.Has("s@x", "R-2"); !ok || e.Outcome != OutcomePending {
			t.Fatalf("the entry written after a torn line was lost: %+v %v", e, ok)
		}
	})
}
