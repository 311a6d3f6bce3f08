package bulk

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"
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
// hashed keys, states, times, campaign and task ids — no e-mail address or phone number.
// Runs that share a ledger must take turns (the commands hold a pkg/filelock lock on it).
type SurveyLedger struct {
	Dir  string
	Keep time.Duration // default 90 days
	Now  func() time.Time

	mu      sync.Mutex
	entries map[[16]byte]surveyRec
}

// SurveyState is where a survey stands.
type SurveyState string

// States, in the order a send goes through them.
const (
	SurveySending SurveyState = "sending" // written before the request; alone it means the run died mid-request
	SurveySent    SurveyState = "sent"
	SurveyPending SurveyState = "pending" // held by nps.today for the agent's p-gap rating: nothing sent yet
	SurveyUnknown SurveyState = "unknown" // the answer was lost: it may have gone out
	SurveyFailed  SurveyState = "failed"  // nps.today refused (or was not reached): nothing was sent
)

// Unsettled reports a state whose survey may or may not have gone out.
func (s SurveyState) Unsettled() bool { return s == SurveySending || s == SurveyUnknown }

// SurveyEntry is one line of the ledger.
type SurveyEntry struct {
	Key      string      `json:"key"`
	State    SurveyState `json:"state"`
	At       time.Time   `json:"at"`
	Campaign string      `json:"campaign,omitempty"`
	Task     string      `json:"taskId,omitempty"`
}

type surveyRec struct {
	state    SurveyState
	at       int64
	campaign string
	task     string
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
	l := &SurveyLedger{Dir: dir, Keep: 90 * 24 * time.Hour, Now: time.Now, entries: map[[16]byte]surveyRec{}}
	names, _ := filepath.Glob(filepath.Join(dir, "*.jsonl"))
	sort.Strings(names)
	cutoff := now.Add(-l.Keep).UTC().Format("2006-01-02")
	for _, n := range names {
		if strings.TrimSuffix(filepath.Base(n), ".jsonl") < cutoff {
			os.Remove(n)
			continue
		}
		if err := l.load(n); err != nil {
			return nil, err
		}
	}
	return l, nil
}

func (l *SurveyLedger) load(name string) error {
	f, err := os.Open(name)
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var e SurveyEntry
		if json.Unmarshal(sc.Bytes(), &e) != nil { // a torn last line is skipped
			continue
		}
		if k, ok := parseSurveyKey(e.Key); ok && e.State != "" {
			l.entries[k] = surveyRec{state: e.State, at: e.At.Unix(), campaign: e.Campaign, task: e.Task}
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("reading the ledger %s: %w", name, err)
	}
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
	return SurveyEntry{Key: key, State: r.state, At: time.Unix(r.at, 0).UTC(), Campaign: r.campaign, Task: r.task}, true
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
	f, err := os.OpenFile(filepath.Join(l.Dir, e.At.Format("2006-01-02")+".jsonl"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(append(b, '\n')); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	l.entries[k] = surveyRec{state: e.State, at: e.At.Unix(), campaign: e.Campaign, task: e.Task}
	return nil
}
