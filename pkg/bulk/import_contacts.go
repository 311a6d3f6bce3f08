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
	MaxRemove    RemoveLimit // removals one run may make (zero: DefaultRemoveLimit)
	SkipInvalid  bool
	DryRun       bool
	ValidateOnly bool
	Workers      int
	RemoveBatch  int // ids per RemoveContacts call (default 100)

	// ConfirmRemove is asked before a run removes more than the default limit lets it (a
	// --max-remove above it): nil goes ahead, an error stops the run with nothing sent.
	ConfirmRemove func(n, size int) error

	Recorder *Recorder // results, report, progress

	warned  bool
	Problem func(error)  // each invalid row, as it is found (stderr)
	Warn    func(string) // notes such as ignored columns
	Total   func(int)    // the row count, once the validation pass knows it
}

// Run executes the import. Errors before any write (bad file, invalid rows, a refused prune,
// state read) are returned as such; failed rows are only counted in the summary.
func (ci *ContactImport) Run(ctx context.Context) (Summary, error) {
	if ci.Workers < 1 {
		ci.Workers = 4
	}
	if ci.RemoveBatch < 1 {
		ci.RemoveBatch = 100
	}
	// Pass 1: validate every row before anything is sent. Keys are compared as foldKey makes
	// them (see caseTwins).
	keys := newFoldedKeySet(ci.Input.estimateRows())
	v, err := ci.validate(keys)
	if err != nil {
		return Summary{}, err
	}
	if ci.Total != nil {
		ci.Total(v.total)
	}
	if s, stopped, err := ci.Recorder.stopAfterValidation(v.total, v.invalid, ci.ValidateOnly, ci.refuse(v)); stopped {
		return s, err
	}

	// The current state, read once: the contacts the file names, and (for --prune) the ids of
	// the others. A key the file names on an invalid row is never stale: one typo must not
	// remove that customer. Nor is a key the file names in other case: see caseTwins.
	server := newKeyIndex[json.RawMessage]() // the book's contacts the file names (nil: on an invalid row only)
	var stale []string
	size := 0
	err = ci.Client.EachContact(ctx, ci.Book, func(raw json.RawMessage) error {
		var id struct {
			ExternalID string `json:"externalId"`
		}
		if err := json.Unmarshal(raw, &id); err != nil {
			return err
		}
		size++
		switch h := keys.hash(id.ExternalID); {
		case keys.seen.has(h):
			server.add(h, id.ExternalID, append(json.RawMessage(nil), raw...))
		case v.named(h):
			server.add(h, id.ExternalID, nil)
		case ci.Prune:
			stale = append(stale, id.ExternalID)
		}
		return nil
	})
	if err != nil {
		return Summary{}, fmt.Errorf("reading the address book: %w", err)
	}
	var refused error
	if limit := ci.MaxRemove; len(stale) > limit.Allowed(size) {
		// Above the limit: the plan is worked out and shown, and nothing is sent.
		refused, ci.DryRun = tooManyRemovals(len(stale), size, limit), true
	} else if len(stale) > DefaultRemoveLimit.Allowed(size) && !ci.DryRun && ci.ConfirmRemove != nil {
		if err := ci.ConfirmRemove(len(stale), size); err != nil {
			return Summary{}, err
		}
	}

	// Pass 2: plan each row against the state and apply it through the pool.
	tasks := make(chan Task, ci.Workers*2)
	lost := &lostWrites[nimbus.Contact]{}
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
	switch {
	case planErr != nil && ctx.Err() == nil:
		return s, planErr
	case refused != nil:
		return s, refused
	}
	return s, err
}

// validation is what pass 1 learned about the file.
type validation struct {
	total, invalid int
	invalidKeys    *hashSet // keys of invalid rows (with --prune)
	unread         []int    // lines that could not be read at all, so their key is unknown
}

// named reports whether the file names the key of hash h on an invalid row.
func (v *validation) named(h uint64) bool {
	return v.invalidKeys != nil && v.invalidKeys.has(h)
}

// refuse decides whether the run may go on after validation: invalid rows stop it unless
// --skip-invalid, a file with no valid row always, and --prune also stops for a file that
// names no contact at all or has lines it could not read.
func (ci *ContactImport) refuse(v validation) error {
	if err := checkRows(v.total, v.invalid, ci.SkipInvalid); err != nil {
		return err
	}
	switch {
	case !ci.Prune || ci.ValidateOnly:
	case v.total == 0:
		return &ErrRefused{Msg: "the file has no rows, and --prune would remove every contact of the address book: nothing was sent (a failed export looks like this)"}
	case len(v.unread) > 0:
		return &ErrRefused{Msg: fmt.Sprintf("%s: line %d could not be read, so --prune cannot tell which contact it names: nothing was sent (fix the line, or import without --prune)", ci.Input.Name, v.unread[0])}
	}
	return nil
}

func (ci *ContactImport) validate(keys *keySet) (validation, error) {
	var v validation
	if ci.Prune {
		v.invalidKeys = newHashSet(0)
	}
	dups := newDuplicates(keys, func(c nimbus.Contact) string { return c.ExternalID })
	column, err := ci.eachContact(false, func(r contactRow, _ contactSource) error {
		v.total++
		if len(r.errs) == 0 && dups.check(r.line, r.c) {
			v.invalid++ // reported below
			return nil
		}
		if len(r.errs) > 0 {
			v.invalid++
			ci.invalid(r.line, r.c.ExternalID, r.errs)
			switch {
			case v.invalidKeys == nil:
			case r.unread:
				v.unread = append(v.unread, r.line)
			case r.c.ExternalID != "":
				v.invalidKeys.add(keys.hash(r.c.ExternalID))
			}
		}
		return nil
	})
	if err != nil {
		return v, err
	}
	rescan := func(fn func(int, nimbus.Contact, []*RowError) error) error {
		_, err := ci.eachContact(false, func(r contactRow, _ contactSource) error { return fn(r.line, r.c, r.errs) })
		return err
	}
	err = dups.report(rescan, func(line int, c nimbus.Contact, first int) {
		msg := fmt.Sprintf("duplicate external id %q (first on line %d)", c.ExternalID, first)
		if was := keys.firstKey(c.ExternalID); was != c.ExternalID {
			// One contact where the service ignores case; with --prune, neither key is removed.
			msg = fmt.Sprintf("duplicate external id %q: differs only %s from %q (first on line %d)", c.ExternalID, howKeysDiffer(c.ExternalID, was), was, first)
		}
		ci.invalid(line, c.ExternalID, []*RowError{{File: ci.Input.Name, Line: line, Column: column, Msg: msg}})
	})
	return v, err
}

// eachContact reads the file's contacts in order; column is the column holding the key.
// phones: note each row's phone numbers as written and as normalized (for --dry-run).
func (ci *ContactImport) eachContact(phones bool, fn func(contactRow, contactSource) error) (column string, err error) {
	src, err := ci.Input.contacts(ci, phones)
	if err != nil {
		return "", fileErr(err)
	}
	defer src.Close()
	for {
		r, err := src.Next()
		if err == io.EOF {
			return src.KeyColumn(), nil
		}
		if err != nil {
			return "", fileErr(err)
		}
		if err := fn(r, src); err != nil {
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

func (ci *ContactImport) plan(ctx context.Context, keys *keySet, server keyIndex[json.RawMessage], stale []string, tasks chan<- Task, lost *lostWrites[nimbus.Contact]) error {
	book := ci.Book
	keepPhones := ci.DryRun && ci.Recorder.keepRows
	send := func(t Task, phones []PhoneNote) {
		if ci.DryRun {
			ci.Recorder.Add(Result{Line: t.Line, Key: t.Key, Action: t.Action, Status: StatusPlanned, Phones: phones})
			return
		}
		dispatch(ctx, tasks, t, ci.Recorder)
	}
	kept := map[string]bool{} // book keys said to be kept for their case
	_, err := ci.eachContact(keepPhones, func(r contactRow, src contactSource) error {
		file, line := r.c, r.line
		if len(r.errs) > 0 {
			if file.ExternalID != "" {
				_, _, twins := server.match(keys, file.ExternalID)
				ci.noteKept(kept, twins, file.ExternalID, line)
			}
			return nil // invalid: reported by the validation pass
		}
		if !keys.isFirst(file.ExternalID, line) {
			return nil // a duplicate: reported by the validation pass
		}
		if ctx.Err() != nil { // cancelled: the rest of the file is listed, not planned
			ci.Recorder.Add(notProcessed(Task{Line: line, Key: file.ExternalID}))
			return nil
		}
		cur, exists, twins := server.match(keys, file.ExternalID)
		ci.noteKept(kept, twins, file.ExternalID, line)
		if !exists && len(twins) > 0 {
			ci.invalid(line, file.ExternalID, []*RowError{caseTwins(ci.Input.Name, line, src.KeyColumn(), file.ExternalID, twins[0])})
			return nil
		}
		if !exists {
			send(Task{Line: line, Key: file.ExternalID, Action: ActionAdd, Run: func(ctx context.Context) error {
				err := ci.add(ctx, file)
				if httpx.IsAmbiguous(err) {
					lost.add(line, file) // settled after the run, by reading it back
					return errDeferred
				}
				return err
			}}, r.phones)
			return nil
		}
		var old nimbus.Contact
		if err := json.Unmarshal(cur, &old); err != nil {
			return fmt.Errorf("contact %q from the API: %w", file.ExternalID, err)
		}
		merged := src.Merge(old, file)
		if SameContact(merged, old) {
			ci.Recorder.Add(Result{Line: line, Key: file.ExternalID, Action: ActionUnchanged, Status: okOrPlanned(ci.DryRun), Phones: r.phones})
			return nil
		}
		send(Task{Line: line, Key: file.ExternalID, Action: ActionUpdate, Run: func(ctx context.Context) error {
			_, err := ci.Client.UpdateContact(ctx, book, merged)
			if httpx.StatusOf(err) == http.StatusNotFound { // removed meanwhile: put it back
				_, err = ci.Client.AddContact(ctx, book, merged)
			}
			return err
		}}, r.phones)
		return nil
	})
	if err != nil {
		return err
	}
	for start := 0; start < len(stale); start += ci.RemoveBatch {
		batch := stale[start:min(start+ci.RemoveBatch, len(stale))]
		if ci.DryRun || ctx.Err() != nil {
			for _, id := range batch {
				send(Task{Key: id, Action: ActionRemove}, nil)
			}
			continue
		}
		// One call removes the batch; the task records the first id, Run the others.
		send(Task{Key: batch[0], Action: ActionRemove, Run: func(ctx context.Context) error {
			err := ci.Client.RemoveContacts(ctx, ci.Book, batch)
			for _, id := range batch[1:] {
				ci.Recorder.Add(resultOf(Task{Key: id, Action: ActionRemove}, err))
			}
			return err
		}}, nil)
	}
	return nil
}

// caseTwins is the error of a row whose key the book holds only in other case (or width, or
// spacing). The connector's contract does not say whether ExternalId is case-sensitive, and
// either guess can do harm: adding "abc-1" is right only if ids are case-sensitive (if not,
// it is customer "ABC-1" again, refused or stored twice), updating "ABC-1" from the row only
// if they are not (if they are, it overwrites another customer). So the row changes neither,
// and says how to make the two agree.
func caseTwins(file string, line int, column, key, book string) *RowError {
	return &RowError{File: file, Line: line, Column: column, Msg: fmt.Sprintf(
		"%q differs only %s from %q in the address book, and the connector does not say whether ids are case-sensitive: neither is changed (write the id as the book has it)",
		key, howKeysDiffer(key, book), book)}
}

// noteKept says, once per key, that a book key the file names only in other case is not
// removed (with --prune; without it nothing is removed anyway).
func (ci *ContactImport) noteKept(said map[string]bool, twins []string, key string, line int) {
	if !ci.Prune || ci.Warn == nil {
		return
	}
	for _, t := range twins {
		if !said[t] {
			said[t] = true
			ci.Warn(fmt.Sprintf("%q in the address book differs only %s from %q (line %d): not removed", t, howKeysDiffer(t, key), key, line))
		}
	}
}

// add adds a contact; when the API refuses because it exists already (a lost answer of an
// earlier run, or someone else), it updates it instead. Either way the result says what this
// run did: a contact found already there, and equal, was not added by it (didInstead).
func (ci *ContactImport) add(ctx context.Context, c nimbus.Contact) error {
	_, err := ci.Client.AddContact(ctx, ci.Book, c)
	var apiErr *httpx.APIError
	if errors.As(err, &apiErr) && (apiErr.Status == http.StatusBadRequest || apiErr.Status == http.StatusConflict) {
		got, gerr := ci.Client.GetContacts(ctx, ci.Book, []string{c.ExternalID})
		if gerr == nil && len(got) == 1 {
			if SameContact(got[0], c) {
				return didInstead(ActionUnchanged)
			}
			if _, err = ci.Client.UpdateContact(ctx, ci.Book, c); err == nil {
				return didInstead(ActionUpdate)
			}
		}
	}
	return err
}

// reconcile settles the lost adds: read them back; present and equal means done, present and
// different is updated, absent is added again. A contact is keyed by its external id, so
// sending it again can never create a second one.
func (ci *ContactImport) reconcile(ctx context.Context, lost *lostWrites[nimbus.Contact]) {
	ids := make([]string, len(lost.items))
	for i, it := range lost.items {
		ids[i] = it.write.ExternalID
	}
	got, err := ci.Client.GetContacts(ctx, ci.Book, ids)
	present := map[string]nimbus.Contact{}
	for _, c := range got {
		present[c.ExternalID] = c
	}
	for _, it := range lost.items {
		t := Task{Line: it.line, Key: it.write.ExternalID, Action: ActionAdd}
		if err != nil {
			ci.Recorder.Add(resultOf(t, fmt.Errorf("the answer was lost and reading it back failed (%v); rerun to settle it", err)))
			continue
		}
		cur, ok := present[it.write.ExternalID]
		switch {
		case ok && SameContact(cur, it.write):
			ci.Recorder.Add(resultOf(t, nil))
		case ok:
			_, uerr := ci.Client.UpdateContact(ctx, ci.Book, it.write)
			ci.Recorder.Add(resultOf(t, uerr))
		default:
			ci.Recorder.Add(resultOf(t, ci.add(ctx, it.write)))
		}
	}
}

func resultOf(t Task, err error) Result {
	r := Result{Line: t.Line, Key: t.Key, Action: t.Action, Status: StatusOK}
	var did didInstead
	switch {
	case err == nil:
	case errors.As(err, &did):
		r.Action = string(did)
	case errors.Is(err, context.Canceled):
		return notProcessed(t)
	default:
		r.Status, r.Error = StatusFailed, err.Error()
	}
	return r
}

// notProcessed is the result of a row a cancelled run never got to.
func notProcessed(t Task) Result {
	return Result{Line: t.Line, Key: t.Key, Action: t.Action, Status: StatusSkipped, Error: "not processed: the run was cancelled"}
}

// didInstead is what a task returns when it found its work done, or did other work than
// planned: an add that found the contact there already is "unchanged" (or "update").
type didInstead string

func (d didInstead) Error() string { return "done as " + string(d) }

func okOrPlanned(dry bool) string {
	if dry {
		return StatusPlanned
	}
	return StatusOK
}
