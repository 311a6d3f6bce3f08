package bulk

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/nimbusctl/nimbusctl/pkg/secretfile"
)

// Ledger remembers the calls this machine scheduled, may have scheduled, or found scheduled,
// so that a call is never scheduled twice, even after Nimbus stops listing it (once it has
// run, or if someone removed it). It is a folder of append-only JSON-lines files, one per UTC
// day of the calls' due time, so that days older than Keep can be deleted whole. An import
// reads every day but keeps only the calls its file names: a row whose due time moved to
// another day is still recognized. Appending a short line is atomic, so two cron jobs can
// share it.
//
// A create is written down before it is sent (pending) and again when it is answered
// (created): a run killed between the two leaves a pending line that the next run settles
// from what Nimbus lists, so that no call it may have created is ever outside the ledger.
type Ledger struct {
	Dir  string
	Keep time.Duration // days older than this are deleted (default 90 days)

	mu    sync.Mutex
	calls map[string]LedgerEntry
}

// LedgerKeep is how long the ledger remembers a call: the days of due times older than this
// are deleted.
const LedgerKeep = 90 * 24 * time.Hour

// Outcomes of a ledger entry.
const (
	OutcomePending = "pending" // written before the create was sent; its answer never came
	OutcomeCreated = "created" // the create was answered
	OutcomeFound   = "found"   // listed on the service (made elsewhere, or by a run that died)
	OutcomeLost    = "lost"    // the create's answer was lost and the call was not listed after it
	OutcomeSettled = "settled" // pending or lost, then confirmed by hand ('schedule ledger settle'): it rang
)

// LedgerEntry is one call.
type LedgerEntry struct {
	Service     string `json:"service"`
	ReferenceID string `json:"referenceId"`
	Destination string `json:"destination,omitempty"`
	Due         string `json:"due"`
	RecordedAt  string `json:"recordedAt"`
	Outcome     string `json:"outcome"`
	EntryID     string `json:"schedulerEntryId,omitempty"`
}

// Settled reports whether the call is known to exist or to have existed (created, found, or
// settled by hand): such an entry is never scheduled again. Pending and lost ones may or may
// not exist.
func (e LedgerEntry) Settled() bool {
	return e.Outcome == OutcomeCreated || e.Outcome == OutcomeFound || e.Outcome == OutcomeSettled
}

// MaySendAgain says whether a call the ledger holds, and the service does not list, may be
// sent: a settled one never; one whose create got no answer only while that create's due
// time lies ahead — a call is listed until it has run, so not listed then means it was never
// created, while after it the call may have rung already.
func (e LedgerEntry) MaySendAgain(now time.Time) bool {
	if e.Settled() {
		return false
	}
	due, err := time.Parse(time.RFC3339, e.Due)
	return err == nil && due.After(now)
}

func (e LedgerEntry) key() string { return LedgerKey(e.Service, e.ReferenceID) }

// LedgerKey is how the ledger keys a call: service (in lower case) and ReferenceId.
func LedgerKey(service, ref string) string { return strings.ToLower(service) + "\x00" + ref }

// ledgerLine reads one line; lines of the first format (scheduledAt, no outcome) were
// created calls.
func ledgerLine(b []byte) (LedgerEntry, bool) {
	var l struct {
		LedgerEntry
		ScheduledAt string `json:"scheduledAt"`
	}
	if json.Unmarshal(b, &l) != nil || l.ReferenceID == "" {
		return LedgerEntry{}, false // a torn last line is skipped
	}
	e := l.LedgerEntry
	if e.RecordedAt == "" {
		e.RecordedAt = l.ScheduledAt
	}
	if e.Outcome == "" {
		e.Outcome = OutcomeCreated
	}
	return e, true
}

// supersedes decides between two lines of one call: a settled outcome is never undone by an
// unsettled one (the lines of a call may lie in several day files, whose order says nothing),
// otherwise the later line wins.
func (e LedgerEntry) supersedes(old LedgerEntry) bool {
	return e.Settled() || !old.Settled()
}

// OpenLedger prepares the ledger in dir and deletes expired days.
func OpenLedger(dir string, now time.Time) (*Ledger, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	l := &Ledger{Dir: dir, Keep: LedgerKeep, calls: map[string]LedgerEntry{}}
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

// Load reads, from every day, the calls for which want (given LedgerKey) is true, or every
// call when want is nil: memory grows with the file being imported, not with the ledger.
func (l *Ledger) Load(want func(key string) bool) error {
	names, err := l.days()
	if err != nil {
		return err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, name := range names {
		if err := l.loadDay(name, want); err != nil {
			return err
		}
	}
	return nil
}

func (l *Ledger) days() ([]string, error) {
	names, err := filepath.Glob(filepath.Join(l.Dir, "*.jsonl"))
	sort.Strings(names)
	return names, err
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
		if json.Unmarshal(sc.Bytes(), &id) != nil || id.ReferenceID == "" {
			continue
		}
		k := LedgerKey(id.Service, id.ReferenceID)
		if want != nil && !want(k) {
			continue
		}
		if e, ok := ledgerLine(sc.Bytes()); ok {
			if old, seen := l.calls[k]; !seen || e.supersedes(old) {
				l.calls[k] = e
			}
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("reading the ledger %s: %w", name, err)
	}
	return nil
}

// Has returns what the ledger knows of a call, by service and ReferenceId.
func (l *Ledger) Has(service, ref string) (LedgerEntry, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	e, ok := l.calls[LedgerKey(service, ref)]
	return e, ok
}

// Entries are the calls loaded, in due order (then service, then reference).
func (l *Ledger) Entries() []LedgerEntry {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]LedgerEntry, 0, len(l.calls))
	for _, e := range l.calls {
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Due != b.Due {
			return a.Due < b.Due
		}
		if a.Service != b.Service {
			return a.Service < b.Service
		}
		return a.ReferenceID < b.ReferenceID
	})
	return out
}

// Record appends entries, durably (synced), before the run reports them; due is the day file
// of each. Several entries of one day take one write.
func (l *Ledger) Record(entries ...LedgerEntry) error {
	byDay := map[string][]byte{}
	var order []string
	for _, e := range entries {
		b, err := json.Marshal(e)
		if err != nil {
			return err
		}
		d := dueDay(e.Due)
		if _, ok := byDay[d]; !ok {
			order = append(order, d)
		}
		byDay[d] = append(append(byDay[d], b...), '\n')
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, d := range order {
		if err := appendSync(filepath.Join(l.Dir, d+".jsonl"), byDay[d]); err != nil {
			return err
		}
	}
	for _, e := range entries {
		if old, seen := l.calls[e.key()]; !seen || e.supersedes(old) {
			l.calls[e.key()] = e
		}
	}
	return nil
}

// dueDay is the day file of a due time (RFC 3339); one that cannot be read goes to today's.
func dueDay(due string) string {
	t, err := time.Parse(time.RFC3339, due)
	if err != nil {
		t = time.Now()
	}
	return day(t)
}

// appendSync appends whole lines to a ledger file and syncs them. A last line left without
// its newline (torn by a crash or a power cut) is ended first, so the new lines stay whole:
// glued onto the torn one, they would be unreadable, and the ledger would forget them.
func appendSync(path string, b []byte) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_RDWR, 0o600)
	if err != nil {
		return err
	}
	if st, err := f.Stat(); err == nil && st.Size() > 0 {
		last := make([]byte, 1)
		if _, err := f.ReadAt(last, st.Size()-1); err == nil && last[0] != '\n' {
			b = append([]byte{'\n'}, b...)
		}
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// Forget removes every line of the given calls (LedgerKey) from every day: the next import
// schedules them again. Each day file is rewritten to a temporary file and renamed over the
// old one; the caller holds the lock that keeps imports of the same ledger out meanwhile.
func (l *Ledger) Forget(keys map[string]bool) error {
	names, err := l.days()
	if err != nil {
		return err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, name := range names {
		data, err := os.ReadFile(name)
		if err != nil {
			if os.IsNotExist(err) {
				continue
			}
			return err
		}
		var kept bytes.Buffer
		dropped := false
		for _, line := range bytes.SplitAfter(data, []byte("\n")) {
			if e, ok := ledgerLine(bytes.TrimSpace(line)); ok && keys[e.key()] {
				dropped = true
				continue
			}
			kept.Write(line)
		}
		if !dropped {
			continue
		}
		if err := secretfile.Write(name, kept.Bytes()); err != nil {
			return err
		}
	}
	for k := range keys {
		delete(l.calls, k)
	}
	return nil
}
