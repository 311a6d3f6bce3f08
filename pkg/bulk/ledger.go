package bulk

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"
)

// Ledger remembers the calls this machine scheduled, so that a call is never scheduled twice,
// even after Nimbus stops listing it (once it has run, or if someone removed it). It is a
// folder of append-only JSON-lines files, one per UTC day of the calls' due time, so that
// days older than Keep can be deleted whole. An import reads every day but keeps only the
// calls its file names: a row whose due time moved to another day is still recognized.
// Appending a short line is atomic, so two cron jobs can share it.
type Ledger struct {
	Dir  string
	Keep time.Duration // days older than this are deleted (default 90 days)

	mu    sync.Mutex
	calls map[string]LedgerEntry
}

// LedgerEntry is one scheduled call.
type LedgerEntry struct {
	Service     string `json:"service"`
	ReferenceID string `json:"referenceId"`
	EntryID     string `json:"schedulerEntryId"`
	Due         string `json:"due"`
	At          string `json:"scheduledAt"`
}

func (e LedgerEntry) key() string { return strings.ToLower(e.Service) + "\x00" + e.ReferenceID }

// OpenLedger prepares the ledger in dir and deletes expired days.
func OpenLedger(dir string, now time.Time) (*Ledger, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	l := &Ledger{Dir: dir, Keep: 90 * 24 * time.Hour, calls: map[string]LedgerEntry{}}
	names, _ := filepath.Glob(filepath.Join(dir, "*.jsonl"))
	sort.Strings(names)
	cutoff := now.Add(-l.Keep).UTC().Format("2006-01-02")
	for _, n := range names {
		if day := strings.TrimSuffix(filepath.Base(n), ".jsonl"); day < cutoff {
			os.Remove(n)
		}
	}
	return l, nil
}

func day(due time.Time) string { return due.UTC().Format("2006-01-02") }

// Load reads, from every day, the calls for which want (given "service\x00ReferenceId",
// the service in lower case) is true: memory grows with the file being imported, not with
// the ledger.
func (l *Ledger) Load(want func(key string) bool) error {
	names, err := filepath.Glob(filepath.Join(l.Dir, "*.jsonl"))
	if err != nil {
		return err
	}
	sort.Strings(names) // later days win, as later lines do
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, name := range names {
		if err := l.loadDay(name, want); err != nil {
			return err
		}
	}
	return nil
}

func (l *Ledger) loadDay(name string, want func(string) bool) error {
	f, err := os.Open(name)
	if os.IsNotExist(err) { // expired by another run meanwhile
		return nil
	}
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var id struct { // the key first: most lines are not wanted, and need no more
			Service     string `json:"service"`
			ReferenceID string `json:"referenceId"`
		}
		if json.Unmarshal(sc.Bytes(), &id) != nil || id.ReferenceID == "" { // a torn last line is skipped
			continue
		}
		e := LedgerEntry{Service: id.Service, ReferenceID: id.ReferenceID}
		if want(e.key()) && json.Unmarshal(sc.Bytes(), &e) == nil {
			l.calls[e.key()] = e
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("reading the ledger %s: %w", name, err)
	}
	return nil
}

// Has reports whether a call with this service and ReferenceId was scheduled from here.
func (l *Ledger) Has(service, ref string) (LedgerEntry, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	e, ok := l.calls[strings.ToLower(service)+"\x00"+ref]
	return e, ok
}

// Record appends a scheduled call, durably, before the run reports it.
func (l *Ledger) Record(e LedgerEntry, due time.Time) error {
	b, err := json.Marshal(e)
	if err != nil {
		return err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	f, err := os.OpenFile(filepath.Join(l.Dir, day(due)+".jsonl"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	defer f.Close()
	if _, err := f.Write(append(b, '\n')); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	l.calls[e.key()] = e
	return nil
}
