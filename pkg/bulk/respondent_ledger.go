package bulk

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/nimbusctl/nimbusctl/pkg/secretfile"
)

// SurveyLedger remembers the nps.today surveys this machine sent, so that a rerun — after a
// crash, after a partial failure, or by cron over a growing file — never surveys a person twice
// for the same row (`nps respondent import`) or the same call (`nps survey after-call`).
// nps.today offers no read-back a client could rely on to tell whether a survey went out, so
// the ledger is the only memory there is.
//
// Every send is written twice: "sending" before the request, then its outcome. An entry still
// at "sending" (the program died mid-request) or at "unknown" (the answer was lost) may have
// gone out; callers do not send it again unless told to. The ledger is a folder of append-only
// JSON-lines files, one per UTC day of writing; days older than Keep are deleted. It holds
// hashed keys, states, times, campaign and task ids, and what a person knows an entry by, so
// that `nps survey ledger` can show and settle it: the --once key, or an imported row's
// respondent (external id, e-mail address or phone number, as the import's report names it).
// The files are private (0600), like the import's report. Older ledgers have no such names:
// their entries are found by their key. Runs that share a ledger must take turns (the
// commands hold a pkg/filelock lock on it).
type SurveyLedger struct {
	Dir  string
	Keep time.Duration // default 90 days
	Now  func() time.Time

	mu        sync.Mutex
	entries   map[[16]byte]surveyRec
	read      map[string]int64 // file -> bytes read up to the end of its last whole line
	forgotten time.Time        // what was recorded before this day has been deleted (zero: nothing)
	seq       uint64           // lines read or written so far
}

// forgottenFile holds the day before which the ledger has deleted its days: what it no longer
// knows. It outlives the deleted files, so that the ledger can say so.
const forgottenFile = "forgotten-before"

// SurveyState is where a survey stands.
type SurveyState string

// States, in the order a send goes through them.
const (
	SurveySending SurveyState = "sending" // written before the request; alone it means the run died mid-request
	SurveySent    SurveyState = "sent"
	SurveyPending SurveyState = "pending" // held by nps.today for the agent's p-gap rating: nothing sent yet
	SurveyUnknown SurveyState = "unknown" // the answer was lost: it may have gone out
	SurveyFailed  SurveyState = "failed"  // nps.today refused (or was not reached): nothing was sent

	// Set by hand (`nps survey ledger`), after checking app.nps.today:
	SurveySettled  SurveyState = "settled"  // sending or unknown, then found to have gone out
	SurveyReleased SurveyState = "released" // forgotten on purpose: a later run sends it again
)

// Unsettled reports a state whose survey may or may not have gone out.
func (s SurveyState) Unsettled() bool { return s == SurveySending || s == SurveyUnknown }

// Delivered reports a state whose survey went out: sent, or settled by hand.
func (s SurveyState) Delivered() bool { return s == SurveySent || s == SurveySettled }

// SurveyEntry is one line of the ledger.
type SurveyEntry struct {
	Key      string      `json:"key"`
	State    SurveyState `json:"state"`
	At       time.Time   `json:"at"`
	Campaign string      `json:"campaign,omitempty"`
	Task     string      `json:"taskId,omitempty"`
	// What a person knows the entry by (absent in ledgers written before it was kept):
	Once       string `json:"once,omitempty"`       // `survey send --once KEY`: the KEY
	Respondent string `json:"respondent,omitempty"` // an imported row: its respondent (external id, e-mail or phone)
}

type surveyRec struct {
	state    SurveyState
	at       int64
	campaign string
	task     string
	once     string
	who      string // Respondent
	seq      uint64 // order of writing, for Entries
}

func (r surveyRec) entry(key string) SurveyEntry {
	return SurveyEntry{Key: key, State: r.state, At: time.Unix(r.at, 0).UTC(), Campaign: r.campaign, Task: r.task, Once: r.once, Respondent: r.who}
}

// put keeps e as the key's latest entry. A name the entry lacks (written by an older
// version) is kept from the one before.
func (l *SurveyLedger) put(k [16]byte, e SurveyEntry) {
	old := l.entries[k]
	r := surveyRec{state: e.State, at: e.At.Unix(), campaign: e.Campaign, task: e.Task, once: e.Once, who: e.Respondent}
	if r.once == "" {
		r.once = old.once
	}
	if r.who == "" {
		r.who = old.who
	}
	l.seq++
	r.seq = l.seq
	l.entries[k] = r
}

// SurveyKey hashes the parts that identify a survey into a ledger key.
func SurveyKey(parts ...string) string {
	sum := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	return hex.EncodeToString(sum[:16])
}

// OpenSurveyLedger prepares the ledger in dir, deletes expired days and reads the others.
func OpenSurveyLedger(dir string, now time.Time) (*SurveyLedger, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	l := &SurveyLedger{Dir: dir, Keep: 90 * 24 * time.Hour, Now: time.Now, entries: map[[16]byte]surveyRec{}, read: map[string]int64{}}
	l.readForgotten()
	names, _ := filepath.Glob(filepath.Join(dir, "*.jsonl"))
	cutoff := now.Add(-l.Keep).UTC().Format("2006-01-02")
	var expired []string
	horizon := l.forgotten
	for _, n := range names {
		day := strings.TrimSuffix(filepath.Base(n), ".jsonl")
		if day < cutoff {
			expired = append(expired, n)
			if d, err := time.Parse("2006-01-02", day); err == nil && !d.AddDate(0, 0, 1).Before(horizon) {
				horizon = d.AddDate(0, 0, 1)
			}
		}
	}
	if len(expired) > 0 {
		// Said durably before the days go: the ledger must never forget without knowing it.
		if err := secretfile.Write(filepath.Join(dir, forgottenFile), []byte(horizon.Format("2006-01-02")+"\n")); err != nil {
			return nil, err
		}
		l.forgotten = horizon
		for _, n := range expired {
			os.Remove(n)
		}
	}
	if err := l.Refresh(); err != nil {
		return nil, err
	}
	return l, nil
}

// ForgottenBefore is the day before which the ledger has deleted what it recorded (days
// older than Keep): it cannot tell whether something of that time was surveyed. Zero when
// it has forgotten nothing.
func (l *SurveyLedger) ForgottenBefore() time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.forgotten
}

func (l *SurveyLedger) readForgotten() {
	b, err := os.ReadFile(filepath.Join(l.Dir, forgottenFile))
	if err != nil {
		return
	}
	if d, err := time.Parse("2006-01-02", strings.TrimSpace(string(b))); err == nil {
		l.mu.Lock()
		if d.After(l.forgotten) {
			l.forgotten = d
		}
		l.mu.Unlock()
	}
}

// Refresh reads what other runs appended since the ledger was opened (or last refreshed):
// a long-running process (trigger listen) calls it each time it takes the ledger's lock, so
// it reads each line once instead of the whole ledger per event.
func (l *SurveyLedger) Refresh() error {
	names, err := filepath.Glob(filepath.Join(l.Dir, "*.jsonl"))
	if err != nil {
		return err
	}
	sort.Strings(names) // later days win, as later lines do
	l.readForgotten()   // another run may have deleted expired days meanwhile
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, n := range names {
		if err := l.load(n); err != nil {
			return err
		}
	}
	return nil
}

// load reads name from where the last read stopped. A last line without its newline (a
// write in progress, or torn by a crash) is left for the next read.
func (l *SurveyLedger) load(name string) error {
	f, err := os.Open(name)
	if os.IsNotExist(err) { // expired meanwhile
		return nil
	}
	if err != nil {
		return err
	}
	defer f.Close()
	off := l.read[name]
	if _, err := f.Seek(off, io.SeekStart); err != nil {
		return err
	}
	r := bufio.NewReader(f)
	for {
		line, err := r.ReadBytes('\n')
		if err == io.EOF {
			break // nothing, or a partial line: read again later
		}
		if err != nil {
			return fmt.Errorf("reading the ledger %s: %w", name, err)
		}
		off += int64(len(line))
		var e SurveyEntry
		if json.Unmarshal(line, &e) != nil { // a line torn by a crash, completed by a later write
			continue
		}
		if k, ok := parseSurveyKey(e.Key); ok && e.State != "" {
			l.put(k, e)
		}
	}
	l.read[name] = off
	return nil
}

func parseSurveyKey(s string) ([16]byte, bool) {
	var k [16]byte
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != len(k) {
		return k, false
	}
	copy(k[:], b)
	return k, true
}

// Get returns the latest entry for key.
func (l *SurveyLedger) Get(key string) (SurveyEntry, bool) {
	k, ok := parseSurveyKey(key)
	if !ok {
		return SurveyEntry{}, false
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	r, ok := l.entries[k]
	if !ok {
		return SurveyEntry{}, false
	}
	return r.entry(key), true
}

// Entries lists the latest entry of every key, in the order they were written.
func (l *SurveyLedger) Entries() []SurveyEntry {
	l.mu.Lock()
	defer l.mu.Unlock()
	recs := make([][16]byte, 0, len(l.entries))
	for k := range l.entries {
		recs = append(recs, k)
	}
	sort.Slice(recs, func(i, j int) bool { return l.entries[recs[i]].seq < l.entries[recs[j]].seq })
	out := make([]SurveyEntry, len(recs))
	for i, k := range recs {
		out[i] = l.entries[k].entry(hex.EncodeToString(k[:]))
	}
	return out
}

// Record appends an entry, durably (fsync), before the caller goes on. At is set to now.
func (l *SurveyLedger) Record(e SurveyEntry) error {
	k, ok := parseSurveyKey(e.Key)
	if !ok {
		return fmt.Errorf("ledger: bad key %q", e.Key)
	}
	now := time.Now
	if l.Now != nil {
		now = l.Now
	}
	e.At = now().UTC().Truncate(time.Second)
	b, err := json.Marshal(e)
	if err != nil {
		return err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := appendSync(filepath.Join(l.Dir, e.At.Format("2006-01-02")+".jsonl"), append(b, '\n')); err != nil {
		return err
	}
	l.put(k, e)
	return nil
}
