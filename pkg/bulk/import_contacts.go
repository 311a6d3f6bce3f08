package bulk

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"

	"github.com/nimbusctl/nimbusctl/pkg/httpx"
	"github.com/nimbusctl/nimbusctl/pkg/nimbus"
)

// ContactImport makes an address book converge on a file: add the contacts it lacks, update
// those that differ (in the columns the file has), leave the rest alone, and with Prune remove
// the contacts the file does not list. Running it again after a crash or Ctrl-C applies only
// what is left: everything already applied is "unchanged".
type ContactImport struct {
	Client *nimbus.Client
	Book   string // address book id
	Input  Input

	Maps           map[string]string // --map
	IDColumn       string            // --id-column
	DefaultCountry string
	KeepPhones     bool

	Prune        bool
	SkipInvalid  bool
	DryRun       bool
	ValidateOnly bool
	Workers      int
	RemoveBatch  int // ids per RemoveContacts call (default 100)

	Recorder *Recorder // results, report, progress

	warned  bool
	Problem func(error)  // each invalid row, as it is found (stderr)
	Warn    func(string) // notes such as ignored columns
	Total   func(int)    // the row count, once the validation pass knows it
}

// ErrInvalidRows means the validation pass found bad rows and nothing was sent.
type ErrInvalidRows struct{ N int }

func (e *ErrInvalidRows) Error() string {
	return fmt.Sprintf("%d invalid row(s); nothing was sent (fix them, or pass --skip-invalid to import the rest)", e.N)
}

// Run executes the import. Errors before any write (bad file, invalid rows, state read) are
// returned as such; failed rows are only counted in the summary.
func (ci *ContactImport) Run(ctx context.Context) (Summary, error) {
	if ci.Workers < 1 {
		ci.Workers = 4
	}
	if ci.RemoveBatch < 1 {
		ci.RemoveBatch = 100
	}
	// Pass 1: validate every row before anything is sent.
	keys := newKeySet(ci.Input.estimateRows())
	invalid, total, err := ci.validate(keys)
	if err != nil {
		return Summary{}, err
	}
	if ci.Total != nil {
		ci.Total(total)
	}
	if ci.ValidateOnly || (invalid > 0 && !ci.SkipInvalid) {
		ci.Recorder.SetRows(total)
	}
	if ci.ValidateOnly {
		s, _ := ci.Recorder.Finish(false, false)
		if invalid > 0 {
			return s, &ErrInvalidRows{N: invalid}
		}
		return s, nil
	}
	if invalid > 0 && !ci.SkipInvalid {
		s, _ := ci.Recorder.Finish(false, false)
		return s, &ErrInvalidRows{N: invalid}
	}

	// The current state, read once: the contacts the file names, and (for --prune) the ids of
	// the others.
	server := map[string]json.RawMessage{}
	var stale []string
	err = ci.Client.EachContact(ctx, ci.Book, func(raw json.RawMessage) error {
		var id struct {
			ExternalID string `json:"externalId"`
		}
		if err := json.Unmarshal(raw, &id); err != nil {
			return err
		}
		if keys.has(id.ExternalID) {
			server[id.ExternalID] = append(json.RawMessage(nil), raw...)
		} else if ci.Prune {
			stale = append(stale, id.ExternalID)
		}
		return nil
	})
	if err != nil {
		return Summary{}, fmt.Errorf("reading the address book: %w", err)
	}

	// Pass 2: plan each row against the state and apply it through the pool.
	tasks := make(chan Task, ci.Workers*2)
	lost := &lostAdds{}
	var poolDone sync.WaitGroup
	poolDone.Add(1)
	go func() {
		defer poolDone.Done()
		Pool(ctx, ci.Workers, tasks, func(t Task, err error) {
			if !errors.Is(err, errDeferred) {
				ci.Recorder.Add(resultOf(t, err))
			}
		})
	}()
	planErr := ci.plan(ctx, keys, server, stale, tasks, lost)
	close(tasks)
	poolDone.Wait()

	if len(lost.items) > 0 && ctx.Err() == nil {
		ci.reconcile(ctx, lost)
	}
	s, err := ci.Recorder.Finish(ci.DryRun, ctx.Err() != nil)
	if planErr != nil && ctx.Err() == nil {
		return s, planErr
	}
	return s, err
}

func (ci *ContactImport) validate(keys *keySet) (invalid, total int, err error) {
	dups := newDuplicates(keys, func(c nimbus.Contact) string { return c.ExternalID })
	column, err := ci.eachContact(func(line int, c nimbus.Contact, errs []*RowError) error {
		total++
		if len(errs) == 0 && dups.check(line, c) {
			invalid++ // reported below
			return nil
		}
		if len(errs) > 0 {
			invalid++
			ci.invalid(line, c.ExternalID, errs)
		}
		return nil
	})
	if err != nil {
		return 0, 0, err
	}
	rescan := func(fn func(int, nimbus.Contact, []*RowError) error) error {
		_, err := ci.eachContact(fn)
		return err
	}
	err = dups.report(rescan, func(line int, c nimbus.Contact, first int) {
		ci.invalid(line, c.ExternalID, []*RowError{{File: ci.Input.Name, Line: line, Column: column,
			Msg: fmt.Sprintf("duplicate external id %q (first on line %d)", c.ExternalID, first)}})
	})
	return invalid, total, err
}

// eachContact reads the file's contacts in order; column is the column holding the key.
func (ci *ContactImport) eachContact(fn func(line int, c nimbus.Contact, errs []*RowError) error) (column string, err error) {
	src, err := ci.Input.contacts(ci)
	if err != nil {
		return "", fileErr(err)
	}
	defer src.Close()
	for {
		line, c, errs, err := src.Next()
		if err == io.EOF {
			return src.KeyColumn(), nil
		}
		if err != nil {
			return "", fileErr(err)
		}
		if err := fn(line, c, errs); err != nil {
			return "", err
		}
	}
}

func (ci *ContactImport) invalid(line int, key string, errs []*RowError) {
	for _, e := range errs {
		if ci.Problem != nil {
			ci.Problem(e)
		}
	}
	ci.Recorder.Add(Result{Line: line, Key: key, Action: ActionInvalid, Status: StatusInvalid, Error: joinErrs(errs)})
}

func joinErrs(errs []*RowError) string {
	s := ""
	for i, e := range errs {
		if i > 0 {
			s += "; "
		}
		if e.Column != "" {
			s += e.Column + ": "
		}
		s += e.Msg
	}
	return s
}

func (ci *ContactImport) plan(ctx context.Context, keys *keySet, server map[string]json.RawMessage, stale []string, tasks chan<- Task, lost *lostAdds) error {
	src, err := ci.Input.contacts(ci)
	if err != nil {
		return err
	}
	defer src.Close()
	send := func(t Task) bool {
		if ci.DryRun {
			ci.Recorder.Add(Result{Line: t.Line, Key: t.Key, Action: t.Action, Status: StatusPlanned})
			return true
		}
		select {
		case tasks <- t:
			return true
		case <-ctx.Done():
			return false
		}
	}
	for {
		line, file, errs, err := src.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		if len(errs) > 0 || !keys.isFirst(file.ExternalID, line) {
			continue // invalid: reported by the validation pass
		}
		book := ci.Book
		raw, exists := server[file.ExternalID]
		if !exists {
			c, l := file, line
			if !send(Task{Line: line, Key: c.ExternalID, Action: ActionAdd, Run: func(ctx context.Context) error {
				err := ci.add(ctx, c)
				if httpx.IsAmbiguous(err) {
					lost.add(l, c) // settled after the run, by reading it back
					return errDeferred
				}
				return err
			}}) {
				return ctx.Err()
			}
			continue
		}
		var cur nimbus.Contact
		if err := json.Unmarshal(raw, &cur); err != nil {
			return fmt.Errorf("contact %q from the API: %w", file.ExternalID, err)
		}
		merged := src.Merge(cur, file)
		if SameContact(merged, cur) {
			ci.Recorder.Add(Result{Line: line, Key: file.ExternalID, Action: ActionUnchanged, Status: okOrPlanned(ci.DryRun)})
			continue
		}
		if !send(Task{Line: line, Key: file.ExternalID, Action: ActionUpdate, Run: func(ctx context.Context) error {
			_, err := ci.Client.UpdateContact(ctx, book, merged)
			if httpx.StatusOf(err) == http.StatusNotFound { // removed meanwhile: put it back
				_, err = ci.Client.AddContact(ctx, book, merged)
			}
			return err
		}}) {
			return ctx.Err()
		}
	}
	for start := 0; start < len(stale); start += ci.RemoveBatch {
		batch := stale[start:min(start+ci.RemoveBatch, len(stale))]
		if ci.DryRun {
			for _, id := range batch {
				ci.Recorder.Add(Result{Key: id, Action: ActionRemove, Status: StatusPlanned})
			}
			continue
		}
		// One call removes the batch; the task records the first id, Run the others.
		if !send(Task{Key: batch[0], Action: ActionRemove, Run: func(ctx context.Context) error {
			err := ci.Client.RemoveContacts(ctx, ci.Book, batch)
			for _, id := range batch[1:] {
				ci.Recorder.Add(resultOf(Task{Key: id, Action: ActionRemove}, err))
			}
			return err
		}}) {
			return ctx.Err()
		}
	}
	return nil
}

// add adds a contact; when the API refuses because it exists already (a lost answer of an
// earlier run, or someone else), it updates it instead.
func (ci *ContactImport) add(ctx context.Context, c nimbus.Contact) error {
	_, err := ci.Client.AddContact(ctx, ci.Book, c)
	var apiErr *httpx.APIError
	if errors.As(err, &apiErr) && (apiErr.Status == http.StatusBadRequest || apiErr.Status == http.StatusConflict) {
		got, gerr := ci.Client.GetContacts(ctx, ci.Book, []string{c.ExternalID})
		if gerr == nil && len(got) == 1 {
			if SameContact(got[0], c) {
				return nil
			}
			_, err = ci.Client.UpdateContact(ctx, ci.Book, c)
		}
	}
	return err
}

// errDeferred marks a task whose result is recorded later (after reconciliation).
var errDeferred = errors.New("deferred")

// lostAdds are adds whose answer was lost (502/504, dropped connection): they may or may not
// have landed.
type lostAdds struct {
	mu    sync.Mutex
	items []lostAdd
}

type lostAdd struct {
	line int
	c    nimbus.Contact
}

func (l *lostAdds) add(line int, c nimbus.Contact) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.items = append(l.items, lostAdd{line, c})
}

// reconcile settles the lost adds: read them back; present and equal means done, present and
// different is updated, absent is added again. A contact is keyed by its external id, so
// sending it again can never create a second one.
func (ci *ContactImport) reconcile(ctx context.Context, lost *lostAdds) {
	ids := make([]string, len(lost.items))
	for i, it := range lost.items {
		ids[i] = it.c.ExternalID
	}
	got, err := ci.Client.GetContacts(ctx, ci.Book, ids)
	present := map[string]nimbus.Contact{}
	for _, c := range got {
		present[c.ExternalID] = c
	}
	for _, it := range lost.items {
		t := Task{Line: it.line, Key: it.c.ExternalID, Action: ActionAdd}
		if err != nil {
			ci.Recorder.Add(resultOf(t, fmt.Errorf("the answer was lost and reading it back failed (%v); rerun to settle it", err)))
			continue
		}
		cur, ok := present[it.c.ExternalID]
		switch {
		case ok && SameContact(cur, it.c):
			ci.Recorder.Add(resultOf(t, nil))
		case ok:
			_, uerr := ci.Client.UpdateContact(ctx, ci.Book, it.c)
			ci.Recorder.Add(resultOf(t, uerr))
		default:
			ci.Recorder.Add(resultOf(t, ci.add(ctx, it.c)))
		}
	}
}

func resultOf(t Task, err error) Result {
	r := Result{Line: t.Line, Key: t.Key, Action: t.Action, Status: StatusOK}
	switch {
	case err == nil:
	case errors.Is(err, context.Canceled):
		r.Status, r.Error = StatusSkipped, "cancelled"
	default:
		r.Status, r.Error = StatusFailed, err.Error()
	}
	return r
}

func okOrPlanned(dry bool) string {
	if dry {
		return StatusPlanned
	}
	return StatusOK
}
