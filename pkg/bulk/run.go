package bulk

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"sync"
	"time"

	"github.com/nimbusctl/nimbusctl/pkg/httpx"
	"github.com/nimbusctl/nimbusctl/pkg/output"
)

// Actions a plan can hold.
const (
	ActionAdd       = "add"
	ActionUpdate    = "update"
	ActionUnchanged = "unchanged"
	ActionRemove    = "remove"
	ActionCreate    = "create" // a scheduled call
	ActionSkip      = "skip"   // already done earlier (a ReferenceId that exists)
	ActionInvalid   = "invalid"
)

// Statuses of a report row.
const (
	StatusOK      = "ok"
	StatusFailed  = "failed"
	StatusInvalid = "invalid"
	StatusPlanned = "planned" // --dry-run
	StatusSkipped = "skipped" // not attempted (cancelled, or --skip-invalid)
)

// Task is one API call of a plan (or a no-op for unchanged rows).
type Task struct {
	Line   int
	Key    string
	Action string
	Run    func(ctx context.Context) error // nil: nothing to send
}

// Result is a task's outcome, one row of the report.
type Result struct {
	Line   int         `json:"line,omitempty"`
	Key    string      `json:"key"`
	Action string      `json:"action"`
	Status string      `json:"status"`
	Error  string      `json:"error,omitempty"`
	Phones []PhoneNote `json:"phones,omitempty"` // --dry-run -o json: the row's numbers
}

// PhoneNote is one phone number of a row, as written and as it will be sent.
type PhoneNote struct {
	Column string `json:"column"`
	Input  string `json:"input"`
	E164   string `json:"e164"`
}

// ErrInvalidRows means the validation pass found bad rows and nothing was sent: any bad row
// without --skip-invalid, or (All) every row even with it.
type ErrInvalidRows struct {
	N   int
	All bool
}

func (e *ErrInvalidRows) Error() string {
	if e.All {
		return fmt.Sprintf("every row is invalid (%d); nothing was sent", e.N)
	}
	them := "them"
	if e.N == 1 {
		them = "it"
	}
	return fmt.Sprintf("%s; nothing was sent (fix %s, or pass --skip-invalid to import the rest)", output.Plural(e.N, "invalid row", "invalid rows"), them)
}

// checkRows decides, after the validation pass, whether an import may go on: invalid rows stop
// it unless --skip-invalid, and a file whose every row is invalid stops it always (a wholly
// broken export must not look like a run that went well).
func checkRows(total, invalid int, skip bool) error {
	switch {
	case invalid == 0:
		return nil
	case !skip:
		return &ErrInvalidRows{N: invalid}
	case invalid == total:
		return &ErrInvalidRows{N: invalid, All: true}
	}
	return nil
}

// stopAfterValidation ends a run after its validation pass: always with --validate-only (where
// an invalid row fails the run), otherwise when stop, what the rows decided (checkRows and an
// import's own refusals), is an error. stopped false: the import goes on.
func (r *Recorder) stopAfterValidation(total, invalid int, validateOnly bool, stop error) (s Summary, stopped bool, err error) {
	if validateOnly && invalid > 0 {
		stop = &ErrInvalidRows{N: invalid}
	}
	if !validateOnly && stop == nil {
		return Summary{}, false, nil
	}
	r.SetRows(total)
	s, _ = r.Finish(false, false)
	return s, true, stop
}

// lostWrites are the writes of a run whose answer was lost (502/504, dropped connection):
// they may or may not have landed, and the import settles them once the pool is done.
type lostWrites[W any] struct {
	mu    sync.Mutex
	items []lostWrite[W]
}

type lostWrite[W any] struct {
	line  int
	write W
}

func (l *lostWrites[W]) add(line int, w W) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.items = append(l.items, lostWrite[W]{line, w})
}

// errDeferred marks a task whose result is recorded later, when its lost write is settled.
var errDeferred = errors.New("deferred")

// Pool runs tasks on a fixed number of workers. Pacing is not its job: every call goes
// through the service's shared limiter in httpx, so more workers never means more than the
// rate allows; they only hide latency.
func Pool(ctx context.Context, workers int, tasks <-chan Task, done func(Task, error)) {
	if workers < 1 {
		workers = 1
	}
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for t := range tasks {
				if ctx.Err() != nil {
					done(t, ctx.Err())
					continue
				}
				var err error
				if t.Run != nil {
					err = t.Run(ctx)
				}
				done(t, err)
			}
		}()
	}
	wg.Wait()
}

// dispatch hands a task to the pool; once the run is cancelled the task is listed as not
// processed instead, so that the summary and the report account for every row.
func dispatch(ctx context.Context, tasks chan<- Task, t Task, rec *Recorder) {
	if ctx.Err() == nil {
		select {
		case tasks <- t:
			return
		case <-ctx.Done():
		}
	}
	rec.Add(notProcessed(t))
}

// Summary counts what a run did. It is printed at the end (and as JSON with -o json).
type Summary struct {
	File         string   `json:"file"`
	Rows         int      `json:"rows"`
	Invalid      int      `json:"invalid"`
	Added        int      `json:"added"`
	Updated      int      `json:"updated"`
	Unchanged    int      `json:"unchanged"`
	Removed      int      `json:"removed"`
	Created      int      `json:"created"`
	Skipped      int      `json:"skipped"`
	Failed       int      `json:"failed"`
	NotAttempted int      `json:"notAttempted"`
	DryRun       bool     `json:"dryRun"`
	Cancelled    bool     `json:"cancelled"`
	Requests     int64    `json:"requests"`
	Throttled    int64    `json:"throttled"`
	Seconds      float64  `json:"seconds"`
	RatePerSec   float64  `json:"requestsPerSecond"`
	Results      []Result `json:"results,omitempty"` // every row, with -o json

	// Of Failed and NotAttempted, the removals (--prune), which are no row of the file: the
	// summary line counts them apart, so that its row counts add up to Rows.
	RemovalsFailed       int `json:"-"`
	RemovalsNotAttempted int `json:"-"`

	// Of Failed, the calls of a schedule import that may have rung (an earlier create got no
	// answer, and the call is not listed now that it is due): no rerun retries them, only
	// 'schedule ledger settle' or 'forget' ends them.
	MayHaveRung int `json:"-"`
}

// Recorder collects results: counts, the optional report CSV, the dry-run rows, progress.
type Recorder struct {
	mu       sync.Mutex
	sum      Summary
	report   *csv.Writer
	keepRows bool
	progress *Progress
	limiter  *httpx.Limiter
	start    time.Time
	req0     int64
	thr0     int64
}

// NewRecorder starts a run. report may be nil; keepRows keeps every result for -o json.
func NewRecorder(file string, report io.Writer, keepRows bool, progress *Progress, limiter *httpx.Limiter) *Recorder {
	r := &Recorder{keepRows: keepRows, progress: progress, limiter: limiter, start: time.Now()}
	r.sum.File = file
	if report != nil {
		r.report = csv.NewWriter(report)
		r.report.Write([]string{"line", "key", "action", "status", "error"})
	}
	if limiter != nil {
		r.req0, r.thr0 = limiter.Requests(), limiter.Throttled()
	}
	return r
}

// Add records one result.
func (r *Recorder) Add(res Result) {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := &r.sum
	if res.Line > 0 {
		s.Rows++
	}
	removal := res.Line == 0 && res.Action == ActionRemove
	switch res.Status {
	case StatusInvalid:
		s.Invalid++
	case StatusFailed:
		s.Failed++
		if removal {
			s.RemovalsFailed++
		}
	case StatusSkipped:
		s.NotAttempted++
		if removal {
			s.RemovalsNotAttempted++
		}
	case StatusOK, StatusPlanned:
		switch res.Action {
		case ActionAdd:
			s.Added++
		case ActionUpdate:
			s.Updated++
		case ActionUnchanged:
			s.Unchanged++
		case ActionRemove:
			s.Removed++
		case ActionCreate:
			s.Created++
		case ActionSkip:
			s.Skipped++
		}
	}
	if r.report != nil {
		line := ""
		if res.Line > 0 {
			line = strconv.Itoa(res.Line)
		}
		// Keys and errors quote the input file and the server: a spreadsheet opening the
		// report must not run them as formulas.
		r.report.Write([]string{line, output.SafeCSVCell(res.Key), res.Action, res.Status, output.SafeCSVCell(res.Error)})
	}
	if r.keepRows {
		s.Results = append(s.Results, res)
	}
	if r.progress != nil {
		if res.Status == StatusFailed {
			// Said as it happens, as invalid rows are: the summary's "see the messages
			// above" must be true without --report.
			r.progress.Note(failureLine(s.File, res))
		}
		r.progress.Tick(s.Rows + s.Removed)
	}
}

// failureLine is how a failed row is shown on stderr: file:line: key: error (a removal, which
// has no line, by its key alone).
func failureLine(file string, res Result) string {
	where := res.Key
	if res.Line > 0 {
		where = fmt.Sprintf("%s:%d: %s", file, res.Line, res.Key)
	}
	return output.SafeText(fmt.Sprintf("%s: %s failed: %s", where, res.Action, res.Error))
}

// SetRows sets the number of rows read, for runs that stop after validation (the other
// rows got no result).
func (r *Recorder) SetRows(n int) {
	r.mu.Lock()
	r.sum.Rows = n
	r.mu.Unlock()
}

// Finish closes the report and returns the summary.
func (r *Recorder) Finish(dryRun, cancelled bool) (Summary, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.progress != nil {
		r.progress.Done()
	}
	s := r.sum
	s.DryRun, s.Cancelled = dryRun, cancelled
	if r.limiter != nil {
		s.Requests = r.limiter.Requests() - r.req0
		s.Throttled = r.limiter.Throttled() - r.thr0
	}
	s.Seconds, s.RatePerSec = figures(s.Requests, time.Since(r.start))
	if r.report != nil {
		r.report.Flush()
		if err := r.report.Error(); err != nil {
			return s, err
		}
	}
	return s, nil
}

// figures are a run's time, to the millisecond, and its request rate, to a tenth per second:
// what the summary says, in every format.
func figures(requests int64, elapsed time.Duration) (seconds, perSecond float64) {
	seconds = math.Round(elapsed.Seconds()*1000) / 1000
	if elapsed > 0 {
		perSecond = math.Round(float64(requests)/elapsed.Seconds()*10) / 10
	}
	return seconds, perSecond
}
