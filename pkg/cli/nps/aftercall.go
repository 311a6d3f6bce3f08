package nps

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/nimbusctl/nimbusctl/pkg/bulk"
	"github.com/nimbusctl/nimbusctl/pkg/cli/cmdutil"
	"github.com/nimbusctl/nimbusctl/pkg/httpx"
	"github.com/nimbusctl/nimbusctl/pkg/nimbus"
	"github.com/nimbusctl/nimbusctl/pkg/npstoday"
	"github.com/nimbusctl/nimbusctl/pkg/output"
	"github.com/nimbusctl/nimbusctl/pkg/phone"
)

// Reasons an event is skipped (the result is skipped:<reason>).
const (
	SkipNotCallEnd = "not-call-end" // no terminated time, or not an Audio call
	SkipInvalid    = "invalid"      // unreadable times or caller number
	SkipTooShort   = "too-short"    // under --min-duration: likely voicemail
	SkipAnonymous  = "anonymous"    // no caller number or address
	SkipUnmapped   = "unmapped-queue"
	SkipNoAgent    = "no-agent"         // nobody took the call
	SkipDuplicate  = "duplicate"        // the same task twice in the input
	SkipSurveyed   = "already-surveyed" // an earlier run surveyed the task (or nps.today held it, or its answer was lost)
)

var afterCallCols = output.Cols("TASK=taskId", "RESULT=result", "CAMPAIGN=campaignId", "RECIPIENT=recipient", "EMPLOYEE=employee", "RATING=agentRating", "DETAIL=detail")

type afterCallOptions struct {
	minDuration string
	campaignMap []string
	checkPgap   bool
	ledger      string
	noLedger    bool
	resend      bool
	wait        time.Duration
}

func newCmdAfterCall(f *cmdutil.Factory) *cobra.Command {
	o := &afterCallOptions{}
	cmd := &cobra.Command{
		Use:   "after-call [FILE]",
		Short: "Survey the callers of finished Nimbus calls (task events), with p-gap",
		Long: `Reads Nimbus task events — the TaskEventData a 'nimbusctl trigger' webhook receives —
from FILE or stdin: one JSON object, an array, or JSON lines. For each finished call it
finds the campaign of the call's queue in the IVR map (matching the event's serviceUPN,
serviceId or serviceName as the queue id; --campaign-map overrides), and sends the survey
to the caller's number (E.164, with the profile's default_country) about the agent who
took the call (LastConnectedUserEmail, else LastConnectedUserUPN).

Skipped, with the reason: events that are not a call end (no terminated time, or not an
Audio call), calls shorter than --min-duration (likely voicemail), anonymous callers,
queues without a campaign, calls no agent took, and a task seen twice.

Each task is surveyed once, also across runs: a ledger in the state folder (per profile)
remembers the tasks surveyed, held for a p-gap rating, or whose send got no answer (it may
have gone out), and a later run reports them as skipped:already-surveyed — so cron can feed
a growing log again and again. Overlapping runs take turns (--wait). --no-ledger goes
without it. A send that got no answer is not repeated: check in app.nps.today whether it
arrived, and if not, --resend-unknown sends it again.

P-gap: when nps.today holds a survey, the agent is asked for a rating on a terminal and
the survey is sent again; without a terminal the event's result is pgap.

One result line per event: sent, skipped:<reason>, pgap or failed (-o json for scripts).
Exit 0 when every event was handled, 8 when surveys wait for a p-gap rating (no
terminal), 9 when some sends failed.`,
		Example: `  $ nimbusctl nps survey after-call events.json
  $ tail -n 100 webhook.log | nimbusctl nps survey after-call --min-duration 90s -o json
  $ nimbusctl nps survey after-call events.json --campaign-map support@contoso.com=101`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) > 1 {
				return cmdutil.FlagErrorf("%s takes at most one FILE (got %d arguments)", cmd.CommandPath(), len(args))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			name := "-"
			if len(args) == 1 {
				name = args[0]
			}
			return runAfterCall(cmd, f, o, name)
		},
	}
	cmd.Flags().StringVar(&o.minDuration, "min-duration", "60s", "skip calls shorter than this (created to terminated), e.g. 45s, 2m")
	cmd.Flags().StringArrayVar(&o.campaignMap, "campaign-map", nil, "`SERVICE=CAMPAIGN`: survey the calls of a service (UPN, id or name) in this campaign, over the IVR map (repeatable)")
	cmd.Flags().BoolVar(&o.checkPgap, "check-pgap", true, "let nps.today hold surveys of employees in a p-gap period (--check-pgap=false sends at once)")
	cmd.Flags().StringVar(&o.ledger, "ledger", "", "`folder` of the ledger of surveyed tasks (default: the state folder, per profile)")
	cmd.Flags().BoolVar(&o.noLedger, "no-ledger", false, "do not use the ledger: a task is recognized only within one input")
	cmd.Flags().BoolVar(&o.resend, "resend-unknown", false, "send again the tasks whose earlier send got no answer (check app.nps.today first)")
	cmd.Flags().DurationVar(&o.wait, "wait", 5*time.Minute, "how long to wait for another run on the same ledger to finish (they take turns)")
	return cmd
}

func runAfterCall(cmd *cobra.Command, f *cmdutil.Factory, o *afterCallOptions, name string) error {
	minSecs, err := cmdutil.ParseSeconds("min-duration", o.minDuration, 0, 86400)
	if err != nil {
		return err
	}
	overrides, err := cmdutil.ParseKeyValues("campaign-map", o.campaignMap)
	if err != nil {
		return err
	}
	if err := cmdutil.MutuallyExclusive("--ledger and --no-ledger: pick one", o.ledger != "", o.noLedger); err != nil {
		return err
	}
	if err := cmdutil.MutuallyExclusive("--resend-unknown needs the ledger: drop --no-ledger", o.resend, o.noLedger); err != nil {
		return err
	}
	if name == "-" && f.IO.IsStdinTTY() {
		return cmdutil.FlagErrorf("give a FILE of task events, or pipe them on stdin")
	}
	label := name
	if name == "-" {
		label = "stdin"
	}
	events, err := readEvents(f, name, label)
	if err != nil {
		return err
	}
	cc, err := defaultCountry(f)
	if err != nil {
		return err
	}
	c, err := f.NPS()
	if err != nil {
		return err
	}
	ctx := cmd.Context()
	r := &afterCall{
		f: f, c: c, s: &sender{f: f, c: c}, country: cc, min: time.Duration(minSecs) * time.Second,
		overrides: overrides, checkPgap: o.checkPgap, resend: o.resend, seen: map[string]bool{}, campaigns: map[string]string{},
	}
	for _, kv := range overrides { // names are looked up before anything is sent
		if _, err := r.resolve(ctx, kv.Value); err != nil {
			return err
		}
	}
	if !o.noLedger && len(events) > 0 {
		dir := o.ledger
		if dir == "" {
			if dir, err = ledgerDir(f, "after-call"); err != nil {
				return err
			}
		}
		l, release, err := openLedger(cmd, f, dir, o.wait, false)
		if err != nil {
			return err
		}
		defer release()
		r.ledger = l
	}
	outcomes := make([]Outcome, 0, len(events))
	var fatal error
	for _, ev := range events {
		if err := ctx.Err(); err != nil {
			fatal = err // a send in flight was finished; no new one starts
			break
		}
		out, err := r.handle(ctx, ev)
		if out.Result != "" {
			outcomes = append(outcomes, out)
		}
		if err != nil && (out.Result == "" || isFatal(err)) {
			fatal = err // the rest would fail the same way
			break
		}
	}
	if err := f.Printer().Print(outcomes, afterCallCols); err != nil {
		return err
	}
	if fatal != nil {
		return fatal
	}
	failed, pending := 0, 0
	for _, out := range outcomes {
		switch out.Result {
		case ResultFailed:
			failed++
		case ResultPgap:
			pending++
		}
	}
	if failed > 0 {
		return &cmdutil.PartialError{Msg: fmt.Sprintf("%d of %d events failed; the others were handled", failed, len(outcomes))}
	}
	if pending > 0 {
		return &cmdutil.PendingError{Msg: fmt.Sprintf("%d survey(s) held until the agent rates the call: send each with nimbusctl nps survey send --campaign ID --phone NUMBER --employee EMAIL --agent-rating 0-10", pending)}
	}
	return nil
}

// readEvents reads every event first, so that bad input stops the run before anything is
// sent. The input is a stream of JSON values: objects, or arrays of objects.
func readEvents(f *cmdutil.Factory, name, label string) ([]nimbus.TaskEventData, error) {
	raw, err := f.IO.ReadUserFile(name)
	if err != nil {
		return nil, cmdutil.FlagErrorf("reading %s: %v", label, err)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	var events []nimbus.TaskEventData
	n := 0
	for {
		var v json.RawMessage
		err := dec.Decode(&v)
		if errors.Is(err, io.EOF) {
			return events, nil
		}
		if err != nil {
			off := dec.InputOffset()
			var syn *json.SyntaxError
			if errors.As(err, &syn) {
				off = syn.Offset
			}
			return nil, cmdutil.InvalidInputf("%s:%d: not JSON task events: %v", label, lineAt(raw, off), err)
		}
		items := []json.RawMessage{v}
		if t := bytes.TrimSpace(v); len(t) > 0 && t[0] == '[' {
			items = nil
			if err := json.Unmarshal(t, &items); err != nil {
				return nil, cmdutil.InvalidInputf("%s: %v", label, err)
			}
		}
		for _, it := range items {
			n++
			var ev nimbus.TaskEventData
			if t := bytes.TrimSpace(it); len(t) == 0 || t[0] != '{' {
				return nil, cmdutil.InvalidInputf("%s: event %d is not a JSON object", label, n)
			}
			if err := json.Unmarshal(it, &ev); err != nil {
				return nil, cmdutil.InvalidInputf("%s: event %d: %v", label, n, err)
			}
			events = append(events, ev)
		}
	}
}

func lineAt(b []byte, off int64) int {
	if off > int64(len(b)) {
		off = int64(len(b))
	}
	return bytes.Count(b[:off], []byte("\n")) + 1
}

type afterCall struct {
	f         *cmdutil.Factory
	c         *npstoday.Client
	s         *sender
	country   string
	min       time.Duration
	overrides []cmdutil.KeyValue
	checkPgap bool
	resend    bool // --resend-unknown

	ivr       []npstoday.IVRMapping
	ivrLoaded bool
	ivrErr    error
	campaigns map[string]string // --campaign-map value -> campaign id
	seen      map[string]bool
	ledger    *bulk.SurveyLedger // nil: --no-ledger
}

// taskKey is a task's key in the ledger.
func taskKey(taskID string) string { return bulk.SurveyKey("task", taskID) }

// already reports a task an earlier run handled: surveyed, held for a p-gap rating, or sent
// without an answer (unless --resend-unknown). A task whose send failed outright is not: it
// is sent again.
func (r *afterCall) already(ev nimbus.TaskEventData) (Outcome, bool) {
	if r.ledger == nil || ev.TaskID == "" || r.seen[ev.TaskID] {
		return Outcome{}, false
	}
	e, ok := r.ledger.Get(taskKey(ev.TaskID))
	if !ok {
		return Outcome{}, false
	}
	at := e.At.Format("2006-01-02 15:04 MST")
	switch {
	case e.State == bulk.SurveySent:
		return skipped(ev, SkipSurveyed, "surveyed on %s (campaign %s)", at, e.Campaign), true
	case e.State == bulk.SurveyPending:
		return skipped(ev, SkipSurveyed, "held since %s for the agent's p-gap rating (campaign %s): send it with nimbusctl nps survey send --agent-rating 0-10", at, e.Campaign), true
	case e.State.Unsettled() && !r.resend:
		return skipped(ev, SkipSurveyed, "the send of %s (campaign %s) got no answer: it may have gone out, so it is not sent again (--resend-unknown sends it)", at, e.Campaign), true
	}
	return Outcome{}, false
}

// record writes a task's survey to the ledger.
func (r *afterCall) record(ev nimbus.TaskEventData, campaign string, state bulk.SurveyState) error {
	if r.ledger == nil || ev.TaskID == "" {
		return nil
	}
	return r.ledger.Record(bulk.SurveyEntry{Key: taskKey(ev.TaskID), State: state, Campaign: campaign, Task: ev.TaskID})
}

func skipped(ev nimbus.TaskEventData, reason, format string, a ...any) Outcome {
	return Outcome{TaskID: ev.TaskID, Result: ResultSkipped + ":" + reason, Detail: fmt.Sprintf(format, a...)}
}

// handle decides one event. An error comes back only with a failed outcome, or alone when
// the run must stop (the IVR map cannot be read).
func (r *afterCall) handle(ctx context.Context, ev nimbus.TaskEventData) (Outcome, error) {
	if ev.Terminated == "" {
		event := ev.Event
		if event == "" {
			event = "without a name"
		}
		return skipped(ev, SkipNotCallEnd, "no terminated time (event %s)", event), nil
	}
	if !strings.EqualFold(ev.Modality, "Audio") {
		m := ev.Modality
		if m == "" {
			m = "none"
		}
		return skipped(ev, SkipNotCallEnd, "modality %s, not an Audio call", m), nil
	}
	if out, ok := r.already(ev); ok {
		return out, nil
	}
	created, err1 := parseEventTime(ev.Created)
	ended, err2 := parseEventTime(ev.Terminated)
	if err1 != nil || err2 != nil {
		return skipped(ev, SkipInvalid, "created %q or terminated %q is not an RFC 3339 time", ev.Created, ev.Terminated), nil
	}
	if d := ended.Sub(created); d < r.min {
		return skipped(ev, SkipTooShort, "call lasted %s, under --min-duration %s", d.Round(time.Second), r.min), nil
	}
	if ev.IsAnonymous || (strings.TrimSpace(ev.CallerTelNumber) == "" && strings.TrimSpace(ev.CallerUPN) == "") {
		return skipped(ev, SkipAnonymous, "anonymous caller"), nil
	}
	req := npstoday.SurveyRequest{}
	switch {
	case strings.TrimSpace(ev.CallerTelNumber) != "":
		n, err := phone.Normalize(ev.CallerTelNumber, r.country)
		if err != nil {
			return skipped(ev, SkipInvalid, "caller number: %v", err), nil
		}
		req.Respondent.PhoneNumber = n
	case npstoday.LooksLikeEmail(ev.CallerUPN):
		req.Respondent.EmailAddress = ev.CallerUPN
	default:
		return skipped(ev, SkipAnonymous, "caller %q has no phone number or e-mail address", ev.CallerUPN), nil
	}
	queue := firstNonEmpty(ev.ServiceUPN, ev.ServiceID, ev.ServiceName)
	campaign, err := r.campaignFor(ctx, ev)
	if err != nil {
		return Outcome{}, err
	}
	if campaign == "" {
		return skipped(ev, SkipUnmapped, "no campaign for queue %q in the IVR map or --campaign-map", queue), nil
	}
	agent := firstNonEmpty(ev.LastConnectedUserEmail, ev.LastConnectedUserUPN)
	if agent == "" {
		return skipped(ev, SkipNoAgent, "no agent took the call"), nil
	}
	req.Employee = &npstoday.Employee{Email: agent}
	if ev.TaskID != "" {
		if r.seen[ev.TaskID] {
			return skipped(ev, SkipDuplicate, "task already handled above"), nil
		}
		r.seen[ev.TaskID] = true
	}
	out := Outcome{TaskID: ev.TaskID, CampaignID: campaign, Recipient: recipient(req), Employee: agent}
	intro := fmt.Sprintf("Call from %s with %s on %s (task %s): nps.today holds the survey for %s's p-gap rating.", out.Recipient, agent, queue, ev.TaskID, agent)
	if err := r.record(ev, campaign, bulk.SurveySending); err != nil {
		err = fmt.Errorf("not sent: writing the ledger failed: %w", err)
		out.Result, out.Detail = ResultFailed, err.Error()
		return out, err
	}
	// A send that has started is finished even on Ctrl-C, so that its outcome reaches the
	// ledger (the loop starts no new one).
	err = r.s.send(context.WithoutCancel(ctx), &out, req, r.checkPgap, intro)
	state := bulk.SurveyFailed
	switch {
	case err == nil && out.Result == ResultPgap, errors.Is(err, cmdutil.ErrCancelled):
		state = bulk.SurveyPending // held; the agent did not rate it here
	case err == nil:
		state = bulk.SurveySent
	case httpx.IsAmbiguous(err):
		state = bulk.SurveyUnknown
		if r.ledger != nil {
			err = fmt.Errorf("%w: the survey may have gone out (nps.today offers no read-back to check), so no rerun sends it again; check it in app.nps.today, then --resend-unknown sends it", err)
		}
	}
	if lerr := r.record(ev, campaign, state); lerr != nil && err == nil {
		if state == bulk.SurveySent {
			err = fmt.Errorf("sent, but writing the ledger failed (%v): a rerun takes it as unsettled and does not send it again", lerr)
		} else {
			err = fmt.Errorf("held, but writing the ledger failed: %w", lerr)
		}
	}
	if err != nil {
		if errors.Is(err, cmdutil.ErrCancelled) {
			return Outcome{}, err
		}
		out.Result, out.Detail = ResultFailed, err.Error()
		return out, err
	}
	return out, nil
}

// campaignFor finds the campaign id of the event's queue: --campaign-map first, then the
// IVR map (read once, on first need).
func (r *afterCall) campaignFor(ctx context.Context, ev nimbus.TaskEventData) (string, error) {
	keys := []string{ev.ServiceUPN, ev.ServiceID, ev.ServiceName}
	for _, kv := range r.overrides {
		for _, k := range keys {
			if k != "" && strings.EqualFold(strings.TrimSpace(k), kv.Key) {
				return r.resolve(ctx, kv.Value)
			}
		}
	}
	if !r.ivrLoaded {
		r.ivr, r.ivrErr = r.c.IVRMap(ctx)
		r.ivrLoaded = true
		if r.ivrErr != nil {
			r.ivrErr = fmt.Errorf("%w (the IVR map's path is provisional: map queues with --campaign-map SERVICE=CAMPAIGN instead)", r.ivrErr)
		}
	}
	if r.ivrErr != nil {
		return "", r.ivrErr
	}
	if m, ok := npstoday.CampaignFor(r.ivr, keys...); ok {
		return string(m.CampaignID), nil
	}
	return "", nil
}

// resolve turns a --campaign-map value (an id or a campaign name) into an id, once.
func (r *afterCall) resolve(ctx context.Context, ref string) (string, error) {
	if id, ok := r.campaigns[ref]; ok {
		return id, nil
	}
	cp, err := r.c.FindCampaign(ctx, ref)
	var nf *npstoday.NotFoundError
	if errors.As(err, &nf) {
		return "", cmdutil.FlagErrorf("--campaign-map: %v", err)
	}
	if err != nil {
		return "", clientError(err)
	}
	r.campaigns[ref] = string(cp.ID)
	return string(cp.ID), nil
}

// parseEventTime reads a task event time: RFC 3339 (any fraction), or without a zone (UTC).
func parseEventTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	return time.Parse("2006-01-02T15:04:05.999999999", s)
}

func firstNonEmpty(vals ...string) string {
	for _, v := range vals {
		if v = strings.TrimSpace(v); v != "" {
			return v
		}
	}
	return ""
}
