package bulk

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/nimbusctl/nimbusctl/pkg/httpx"
	"github.com/nimbusctl/nimbusctl/pkg/npstoday"
)

// The respondent import's action and its own status.
const (
	ActionSend    = "send"    // send one survey
	StatusPending = "pending" // nps.today holds the survey for the agent's p-gap rating: nothing sent yet
)

// RespondentSummary is the summary of a respondent import: the common counts plus the
// surveys.
type RespondentSummary struct {
	Summary
	Sent      int `json:"sent"`      // surveys sent (planned, with --dry-run)
	Pending   int `json:"pending"`   // held for the agent's p-gap rating
	Unsettled int `json:"unsettled"` // skipped: an earlier send got no answer and may have gone out
	Lost      int `json:"-"`         // of the failed rows, those that may have gone out: no rerun sends them
}

// RespondentImport sends one nps.today survey per row of a file. Every row is checked first
// (campaigns against the live list); nothing is sent while a row is invalid unless
// SkipInvalid. A send is a side effect nobody can take back — a customer gets an e-mail or
// SMS — so each row's survey goes through the ledger: written "sending" before the request
// and its outcome after, so that a rerun skips what was sent, and never resends blindly what
// may have gone out (an answer lost in transit, or a crash mid-request) unless ResendUnknown.
type RespondentImport struct {
	Client *npstoday.Client
	Input  Input

	Maps           map[string]string // --map
	Campaign       string            // --campaign (id or name): rows without a campaign
	DefaultCountry string            // numbers without a country code ("" : none, such numbers are invalid)
	CheckPgap      bool              // rows with an employee go to the p-gap aware endpoint
	ResendUnknown  bool              // send rows whose earlier send may have gone out

	SkipInvalid  bool
	DryRun       bool
	ValidateOnly bool
	Workers      int
	Ledger       *SurveyLedger // nil: no ledger (--no-ledger)

	// HeldCommand, when set, names for a row nps.today held the command that sends it (the
	// CLI's `nps survey send ... --once KEY`, run by the agent); SentOnce reports a held row
	// that such a command has sent since, so that it is not sent again.
	HeldCommand func(campaign, identity string, req npstoday.SurveyRequest) string
	SentOnce    func(identity string) (time.Time, bool)
	// SettleCommand, when set, names the command that settles a row whose send got no answer
	// (the CLI's `nps survey ledger settle --rows KEY`), shown with the row.
	SettleCommand func(key string) string

	Recorder *Recorder
	Problem  func(error)  // invalid rows as they are found; rows that failed or are held, as they end
	Warn     func(string) // notes: ignored columns, unsettled rows
	Total    func(int)

	file                           string
	mu                             sync.Mutex
	sent, pending, unsettled, lost int
}

func (ri *RespondentImport) invalid(line int, r RespondentRow, errs []*RowError) {
	for _, e := range errs {
		ri.problem(e)
	}
	ri.add(Result{Line: line, Key: r.Display(), Action: ActionInvalid, Status: StatusInvalid, Error: joinErrs(errs)})
}

// Run executes the import.
func (ri *RespondentImport) Run(ctx context.Context) (RespondentSummary, error) {
	if ri.Workers < 1 {
		ri.Workers = 4
	}
	b, err := ri.open(ctx)
	if err != nil {
		return RespondentSummary{}, err // file problems come as FileError, the lookups as API errors
	}

	// Pass 1: validate every row before anything is sent.
	keys := newKeySet(ri.Input.estimateRows())
	dups := newDuplicates(keys, RespondentRow.dupKey)
	invalid, total := 0, 0
	err = ri.each(b, func(line int, r RespondentRow, errs []*RowError) error {
		total++
		if len(errs) == 0 && dups.check(line, r) {
			invalid++ // reported below
			return nil
		}
		if len(errs) > 0 {
			invalid++
			ri.invalid(line, r, errs)
		}
		return nil
	})
	if err != nil {
		return RespondentSummary{}, err
	}
	rescan := func(fn func(int, RespondentRow, []*RowError) error) error { return ri.each(b, fn) }
	if err := dups.report(rescan, func(line int, r RespondentRow, first int) {
		ri.invalid(line, r, []*RowError{{File: b.File, Line: line, Column: b.whoColumn(r),
			Msg: fmt.Sprintf("duplicate respondent %q in campaign %s (first on line %d)", strings.TrimPrefix(r.Who, "ext:"), r.Campaign, first)}})
	}); err != nil {
		return RespondentSummary{}, err
	}
	if ri.Total != nil {
		ri.Total(total)
	}
	if s, stopped, err := ri.Recorder.stopAfterValidation(total, invalid, ri.ValidateOnly, checkRows(total, invalid, ri.SkipInvalid)); stopped {
		return ri.summary(s), err
	}

	// Pass 2: plan each row against the ledger and send through the pool. A dry run for
	// -o json lists every row's phone number.
	b.NotePhones = ri.DryRun && ri.Recorder.keepRows
	tasks := make(chan Task, ri.Workers*2)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		Pool(ctx, ri.Workers, tasks, ri.done)
	}()
	planErr := ri.each(b, func(line int, r RespondentRow, errs []*RowError) error {
		if len(errs) > 0 || !keys.isFirst(r.dupKey(), line) {
			return nil // invalid: reported by the validation pass
		}
		if ctx.Err() != nil { // cancelled: the rest of the file is listed, not planned
			ri.add(notProcessed(Task{Line: line, Key: r.Display()}))
			return nil
		}
		t, ok := ri.plan(line, r)
		if !ok {
			return nil // recorded already
		}
		if ri.DryRun {
			ri.add(Result{Line: t.Line, Key: t.Key, Action: t.Action, Status: StatusPlanned, Phones: r.Phones})
			return nil
		}
		dispatch(ctx, tasks, t, ri.Recorder)
		return nil
	})
	close(tasks)
	wg.Wait()
	s, err := ri.Recorder.Finish(ri.DryRun, ctx.Err() != nil)
	if planErr != nil && ctx.Err() == nil {
		return ri.summary(s), planErr
	}
	return ri.summary(s), err
}

func (ri *RespondentImport) summary(s Summary) RespondentSummary {
	ri.mu.Lock()
	defer ri.mu.Unlock()
	return RespondentSummary{Summary: s, Sent: ri.sent, Pending: ri.pending, Unsettled: ri.unsettled, Lost: ri.lost}
}

func (ri *RespondentImport) problem(err error) {
	if ri.Problem != nil {
		ri.Problem(err)
	}
}

// add records a result and counts the surveys.
func (ri *RespondentImport) add(r Result) {
	ri.mu.Lock()
	switch {
	case r.Action == ActionSend && (r.Status == StatusOK || r.Status == StatusPlanned):
		ri.sent++
	case r.Status == StatusPending:
		ri.pending++
	}
	ri.mu.Unlock()
	ri.Recorder.Add(r)
}

// done records a task's outcome; held rows are also shown as they end (failed ones by the recorder).
func (ri *RespondentImport) done(t Task, err error) {
	res := resultOf(t, err)
	var held *heldError
	if errors.As(err, &held) {
		res.Status = StatusPending
	}
	if res.Status == StatusFailed && httpx.IsAmbiguous(err) && ri.Ledger != nil {
		ri.mu.Lock()
		ri.lost++
		ri.mu.Unlock()
	}
	ri.add(res) // the recorder shows a failed row as it ends
	if res.Status == StatusPending {
		ri.problem(&RowError{File: ri.file, Line: t.Line, Msg: res.Status + ": " + res.Error})
	}
}

// heldError is nps.today's {"pgap": true}: the survey waits for the agent's rating.
type heldError struct{ employee, command string }

func (e *heldError) Error() string {
	msg := fmt.Sprintf("held until %s rates the call (p-gap): put the agent's rating (0-10) in the agentRating column and run again", e.employee)
	if e.command != "" {
		msg += ", or let the agent send it: " + e.command
	}
	return msg
}

// held is the heldError of a row.
func (ri *RespondentImport) held(campaign, identity string, req npstoday.SurveyRequest) *heldError {
	h := &heldError{employee: req.Employee.Email}
	if ri.HeldCommand != nil {
		h.command = ri.HeldCommand(campaign, identity, req)
	}
	return h
}

// plan decides one row against the ledger. It returns false when the row needs no request
// (recorded already).
func (ri *RespondentImport) plan(line int, r RespondentRow) (Task, bool) {
	key := r.Display()
	status := okOrPlanned(ri.DryRun)
	checkPgap := ri.CheckPgap && r.Request.Employee != nil
	if ri.Ledger != nil {
		if e, ok := ri.Ledger.Get(r.Identity); ok {
			at := e.At.Format("2006-01-02 15:04 MST")
			if e.State == SurveyPending && ri.SentOnce != nil {
				if sent, ok := ri.SentOnce(r.Identity); ok { // settled by the command shown for it
					ri.add(Result{Line: line, Key: key, Action: ActionSkip, Status: status,
						Error: fmt.Sprintf("held on %s, then sent on %s by nimbusctl nps survey send --once", at, sent.Format("2006-01-02 15:04 MST"))})
					return Task{}, false
				}
			}
			switch {
			case e.State == SurveySent:
				ri.add(Result{Line: line, Key: key, Phones: r.Phones, Action: ActionSkip, Status: status, Error: "surveyed on " + at})
				return Task{}, false
			case e.State == SurveySettled:
				ri.add(Result{Line: line, Key: key, Phones: r.Phones, Action: ActionSkip, Status: status,
					Error: "settled by hand on " + at + ": its send had got no answer, and it arrived"})
				return Task{}, false
			case e.State == SurveyPending && r.Request.AgentRating == nil && checkPgap:
				// Held before and still without a rating: asking nps.today again would only hold
				// it again.
				res := Result{Line: line, Key: key, Phones: r.Phones, Action: ActionSend, Status: StatusPending,
					Error: fmt.Sprintf("held since %s: %v", at, ri.held(r.Campaign, r.Identity, r.Request))}
				ri.add(res)
				ri.problem(&RowError{File: ri.file, Line: line, Msg: res.Status + ": " + res.Error})
				return Task{}, false
			case e.State == SurveySending && !ri.ResendUnknown:
				// The run that sent it died before the answer (killed, the machine went down):
				// nobody has been told yet. Fail it once, as a lost answer is failed in its own
				// run; from now on it is "unknown", skipped with a warning.
				if !ri.DryRun {
					if err := ri.record(r, SurveyUnknown); err != nil {
						ri.add(Result{Line: line, Key: key, Phones: r.Phones, Action: ActionSend, Status: StatusFailed, Error: "writing the ledger failed: " + err.Error()})
						return Task{}, false
					}
				}
				res := Result{Line: line, Key: key, Phones: r.Phones, Action: ActionSend, Status: StatusFailed, Error: fmt.Sprintf(
					"the run that sent it on %s stopped before nps.today answered (killed, or the machine went down): it may have gone out, and nps.today offers no read-back, so it is not sent again; %s", at, ri.settleHint(key))}
				if ri.DryRun {
					res.Status = StatusPlanned
					res.Action = ActionSkip
				}
				ri.add(res) // the recorder shows a failed row, once
				if res.Status == StatusFailed {
					ri.mu.Lock()
					ri.lost++
					ri.mu.Unlock()
				}
				return Task{}, false
			case e.State.Unsettled() && !ri.ResendUnknown:
				// Not a success: told on every run (exit 9) until somebody has looked.
				ri.mu.Lock()
				ri.unsettled++
				ri.mu.Unlock()
				res := Result{Line: line, Key: key, Phones: r.Phones, Action: ActionSkip, Status: status,
					Error: fmt.Sprintf("the send of %s got no answer: it may have gone out, so it is not sent again; %s", at, ri.settleHint(key))}
				ri.add(res)
				ri.problem(&RowError{File: ri.file, Line: line, Column: key, Msg: "not sent: " + res.Error})
				return Task{}, false
			}
		}
	}
	return Task{Line: line, Key: key, Action: ActionSend, Run: func(ctx context.Context) error {
		return ri.send(ctx, r, checkPgap)
	}}, true
}

// settleHint is the way out of a row whose send got no answer: the admin checks
// app.nps.today, then settles the row (it arrived) or sends it again (it did not).
func (ri *RespondentImport) settleHint(key string) string {
	if ri.SettleCommand == nil {
		return "check it in app.nps.today, then --resend-unknown sends it"
	}
	return fmt.Sprintf("check app.nps.today, then: %s (it arrived), or rerun with --resend-unknown (it did not)", ri.SettleCommand(key))
}

// record writes the row's survey to the ledger, with the respondent a person knows it by.
func (ri *RespondentImport) record(r RespondentRow, state SurveyState) error {
	if ri.Ledger == nil {
		return nil
	}
	return ri.Ledger.Record(SurveyEntry{Key: r.Identity, State: state, Campaign: r.Campaign, Respondent: strings.TrimPrefix(r.Who, "ext:")})
}

// send sends one survey and writes its outcome to the ledger.
func (ri *RespondentImport) send(ctx context.Context, r RespondentRow, checkPgap bool) error {
	campaign, identity, req := r.Campaign, r.Identity, r.Request
	if err := ri.record(r, SurveySending); err != nil {
		return fmt.Errorf("not sent: writing the ledger failed: %w", err)
	}
	// A request that has started is finished even when the run is cancelled: its outcome must
	// reach the ledger, or a rerun could not tell whether it went out.
	res, err := ri.Client.SendSurvey(context.WithoutCancel(ctx), campaign, req, npstoday.SendOptions{CheckPgap: checkPgap})
	switch {
	case httpx.IsAmbiguous(err):
		if ri.Ledger == nil {
			return fmt.Errorf("%w: the survey may have gone out (nps.today offers no read-back to check); without a ledger a rerun sends it again", err)
		}
		ri.record(r, SurveyUnknown) // if this fails too, "sending" means the same
		return fmt.Errorf("%w: the survey may have gone out (nps.today offers no read-back to check), so no rerun sends it again; %s", err, ri.settleHint(r.Display()))
	case err != nil:
		if lerr := ri.record(r, SurveyFailed); lerr != nil {
			return fmt.Errorf("%w (and writing the ledger failed: %v)", err, lerr)
		}
		return err
	case res.Pgap && req.AgentRating != nil:
		ri.record(r, SurveyFailed)
		return fmt.Errorf("nps.today held the survey again although it carried the agent's rating (field %q, unconfirmed): nothing was sent; see docs/nps.md", npstoday.FieldAgentRating)
	case res.Pgap:
		if lerr := ri.record(r, SurveyPending); lerr != nil {
			return fmt.Errorf("held for a p-gap rating, and writing the ledger failed: %w", lerr)
		}
		return ri.held(campaign, identity, req)
	}
	if err := ri.record(r, SurveySent); err != nil {
		return fmt.Errorf("sent, but writing the ledger failed (%v): a rerun takes it as unsettled and does not send it again", err)
	}
	return nil
}

// open reads the header and the lookups the rows are checked against.
func (ri *RespondentImport) open(ctx context.Context) (*RespondentBuilder, error) {
	rc, err := ri.Input.Open()
	if err != nil {
		return nil, fileErr(err)
	}
	defer rc.Close()
	r, err := NewReader(rc, ri.Input.Name, ri.Input.ReadOptions)
	if err != nil {
		return nil, fileErr(err)
	}
	m, err := RespondentSchema.Resolve(r.Header, ri.Maps, "", "externalId")
	if err != nil {
		return nil, fileErr(err)
	}
	if err := checkRespondentMapping(r.Name, m, ri.Campaign != ""); err != nil {
		return nil, fileErr(err)
	}
	if ri.Warn != nil && len(m.Ignored) > 0 {
		ri.Warn(fmt.Sprintf("ignoring column(s) %s (use --map \"column=field\" to import them)", quoteList(m.Ignored)))
	}
	ri.file = r.Name
	b := &RespondentBuilder{File: r.Name, Map: m, DefaultCountry: ri.DefaultCountry}
	if !ri.ValidateOnly {
		list, err := ri.Client.Campaigns(ctx)
		if err != nil {
			return nil, fmt.Errorf("reading the campaigns: %w", err)
		}
		b.campaigns = newCampaignIndex(list)
		if m.Has("queue") {
			ivr, err := ri.Client.IVRMap(ctx)
			if err != nil {
				return nil, fmt.Errorf("reading the IVR map for the queue column: %w (its path is provisional: give the rows a campaign instead)", err)
			}
			b.ivr, b.ivrRead = ivr, true
		}
	}
	if ri.Campaign != "" {
		id, msg := b.campaigns.resolve(strings.TrimSpace(ri.Campaign))
		if msg != "" {
			return nil, &FileError{fmt.Errorf("--campaign: %s", msg)}
		}
		b.Campaign = id
	}
	return b, nil
}

// each reads the file from the start and builds every row.
func (ri *RespondentImport) each(b *RespondentBuilder, fn func(line int, r RespondentRow, errs []*RowError) error) error {
	return eachRow(ri.Input, b.Build, fn)
}
