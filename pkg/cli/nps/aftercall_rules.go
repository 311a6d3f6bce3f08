package nps

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/nimbusctl/nimbusctl/pkg/bulk"
	"github.com/nimbusctl/nimbusctl/pkg/cli/cmdutil"
	"github.com/nimbusctl/nimbusctl/pkg/cli/shared"
	"github.com/nimbusctl/nimbusctl/pkg/filelock"
	"github.com/nimbusctl/nimbusctl/pkg/httpx"
	"github.com/nimbusctl/nimbusctl/pkg/nimbus"
	"github.com/nimbusctl/nimbusctl/pkg/npstoday"
	"github.com/nimbusctl/nimbusctl/pkg/phone"
)

// Reasons an event is skipped (the result is skipped:<reason>).
const (
	SkipNotCallEnd    = "not-call-end" // no terminated time, or not an Audio call
	SkipInvalid       = "invalid"      // unreadable times or respondent number
	SkipTooShort      = "too-short"    // under the direction's minimum duration: likely voicemail
	SkipAnonymous     = "anonymous"    // nobody to survey: no number or address
	SkipServiceNumber = "service-number"
	SkipUnmapped      = "unmapped-queue"
	SkipDirection     = "unknown-direction" // neither Inbound nor Outbound (the contract's None): no known customer
	SkipForgotten     = "forgotten"         // older than what the ledger remembers: it may have been surveyed
	SkipNoAgent       = "no-agent"          // nobody took the call
	SkipDuplicate     = "duplicate"         // the same task twice in the input
	SkipSurveyed      = "already-surveyed"  // an earlier run surveyed the task (or its unanswered send was settled by hand as arrived)
	SkipUnknown       = "unknown"           // an earlier send got no answer and nobody has settled it: it may have gone out
)

// ivrMaxAge is how long a listener trusts the IVR map it read: queues are remapped in
// app.nps.today while it runs for weeks.
const ivrMaxAge = 15 * time.Minute

// DefaultMinOutbound is the guide's voicemail rule: an outbound call (callback, callout)
// shorter than a minute has likely reached a voicemail box.
const DefaultMinOutbound = 60 * time.Second

// AfterCallFlags are the rules of the after-call survey. `nps survey after-call` and
// `trigger listen --after-call` share them, so that batch and live decide alike.
type AfterCallFlags struct {
	minDuration, minInbound, minOutbound string
	campaignMap                          []string
	internal                             []string // --internal-domain
	checkPgap                            bool
	ledger                               string
	noLedger                             bool
	resend                               bool
	wait                                 time.Duration
	cmd                                  *cobra.Command
}

// AddAfterCallFlags adds the after-call rules' flags to cmd.
func AddAfterCallFlags(cmd *cobra.Command) *AfterCallFlags {
	a := &AfterCallFlags{cmd: cmd}
	fl := cmd.Flags()
	fl.StringVar(&a.minDuration, "min-duration", "", "skip calls of either direction shorter than this (sets both --min-duration-inbound and -outbound)")
	fl.StringVar(&a.minInbound, "min-duration-inbound", "0s", "skip inbound calls shorter than this (created to terminated), e.g. 10s")
	fl.StringVar(&a.minOutbound, "min-duration-outbound", DefaultMinOutbound.String(), "skip outbound calls (callback, callout) shorter than this: likely voicemail")
	fl.StringArrayVar(&a.campaignMap, "campaign-map", nil, "`SERVICE=CAMPAIGN`: survey the calls of a service (UPN, id or name) in this campaign, over the IVR map (repeatable)")
	fl.StringArrayVar(&a.internal, "internal-domain", nil, "`DOMAIN` of your own people (besides the service's and the agent's): calls with an address there are not surveyed (repeatable, or comma-separated; adds to the profile's internal_domains)")
	fl.BoolVar(&a.checkPgap, "check-pgap", true, "let nps.today hold surveys of employees in a p-gap period (--check-pgap=false sends at once)")
	fl.StringVar(&a.ledger, "ledger", "", "`folder` of the ledger of surveyed tasks (default: the state folder, per profile)")
	fl.BoolVar(&a.noLedger, "no-ledger", false, "do not use the ledger: a task is recognized only within one input")
	fl.BoolVar(&a.resend, "resend-unknown", false, "send again the tasks whose earlier send got no answer (check app.nps.today first)")
	fl.DurationVar(&a.wait, "wait", 5*time.Minute, "how long to wait for another run on the same ledger to finish (they take turns)")
	return a
}

// minimums reads the per-direction minimum durations: --min-duration sets both, a
// per-direction flag given as well wins for its direction.
func (a *AfterCallFlags) minimums() (in, out time.Duration, err error) {
	parse := func(flag, v string) (time.Duration, error) {
		s, err := cmdutil.ParseSeconds(flag, v, 0, 86400)
		return time.Duration(s) * time.Second, err
	}
	if in, err = parse("min-duration-inbound", a.minInbound); err != nil {
		return 0, 0, err
	}
	if out, err = parse("min-duration-outbound", a.minOutbound); err != nil {
		return 0, 0, err
	}
	if a.minDuration != "" {
		both, err := parse("min-duration", a.minDuration)
		if err != nil {
			return 0, 0, err
		}
		if !a.cmd.Flags().Changed("min-duration-inbound") {
			in = both
		}
		if !a.cmd.Flags().Changed("min-duration-outbound") {
			out = both
		}
	}
	return in, out, nil
}

// UsesLedger reports whether the run keeps the ledger (not --no-ledger).
func (a *AfterCallFlags) UsesLedger() bool { return !a.noLedger }

// AfterCall decides and sends the after-call survey of one task event at a time.
type AfterCall struct {
	f         *cmdutil.Factory
	c         *npstoday.Client
	s         *sender
	country   string
	minIn     time.Duration
	minOut    time.Duration
	overrides []cmdutil.KeyValue
	internal  []internalDomain // besides the event's service and agent domains
	checkPgap bool
	resend    bool // --resend-unknown
	dryRun    bool
	stream    bool // events arrive one by one (trigger listen): no "seen in this input"

	ivr       []npstoday.IVRMapping
	ivrLoaded bool
	ivrAt     time.Time // when it was read: a listener reads it again after ivrMaxAge
	ivrErr    error
	campaigns map[string]string // --campaign-map value -> campaign id
	seen      map[string]bool

	ledgerDir  string // "" with --no-ledger
	ledgerFlag string // --ledger, for the commands shown
	wait       time.Duration
	ledger     *bulk.SurveyLedger
	sends      *bulk.SurveyLedger // `survey send --once`'s ledger, read to settle held tasks
	sendsRead  bool
}

// NewAfterCall checks the flags and resolves --campaign-map names (before anything is sent).
func (a *AfterCallFlags) NewAfterCall(ctx context.Context, f *cmdutil.Factory) (*AfterCall, error) {
	minIn, minOut, err := a.minimums()
	if err != nil {
		return nil, err
	}
	overrides, err := cmdutil.ParseKeyValues("campaign-map", a.campaignMap)
	if err != nil {
		return nil, err
	}
	if err := cmdutil.MutuallyExclusive("--ledger and --no-ledger: pick one", a.ledger != "", a.noLedger); err != nil {
		return nil, err
	}
	if err := cmdutil.MutuallyExclusive("--resend-unknown needs the ledger: drop --no-ledger", a.resend, a.noLedger); err != nil {
		return nil, err
	}
	internal, err := a.internalDomains(f)
	if err != nil {
		return nil, err
	}
	cc, err := defaultCountry(f)
	if err != nil {
		return nil, err
	}
	c, err := f.NPS()
	if err != nil {
		return nil, err
	}
	r := &AfterCall{
		f: f, c: c, s: &sender{f: f, c: c}, country: cc, minIn: minIn, minOut: minOut,
		overrides: overrides, internal: internal, checkPgap: a.checkPgap, resend: a.resend, seen: map[string]bool{},
		campaigns: map[string]string{}, wait: a.wait,
	}
	for _, kv := range overrides {
		if _, err := r.resolve(ctx, kv.Value); err != nil {
			return nil, err
		}
	}
	if !a.noLedger {
		r.ledgerFlag = a.ledger
		if r.ledgerDir = a.ledger; r.ledgerDir == "" {
			if r.ledgerDir, err = ledgerDir(f, "after-call"); err != nil {
				return nil, err
			}
		}
	}
	return r, nil
}

// Stream makes the pipeline take events one by one as they arrive (trigger listen): each
// event takes the ledger's lock for itself, so that a batch run can interleave.
func (r *AfterCall) Stream() { r.stream = true }

// lock takes the ledger's lock (waiting for another run up to --wait) and brings the ledger
// up to date. Without a ledger it does nothing.
func (r *AfterCall) lock(ctx context.Context, readOnly bool) (release func(), err error) {
	if r.ledgerDir == "" {
		return func() {}, nil
	}
	if r.ledger != nil && readOnly {
		return func() {}, r.ledger.Refresh()
	}
	if r.ledger == nil {
		l, release, err := openLedger(ctx, r.f, r.ledgerDir, r.wait, readOnly)
		if err != nil {
			return nil, err
		}
		r.ledger = l
		return release, nil
	}
	lock, err := lockLedger(ctx, r.ledgerDir, r.wait)
	if err != nil {
		return nil, err
	}
	if err := r.ledger.Refresh(); err != nil {
		lock.Unlock()
		return nil, err
	}
	return lock.Unlock, nil
}

// HandleOne decides one event that arrived on its own, under the ledger's lock.
func (r *AfterCall) HandleOne(ctx context.Context, ev nimbus.TaskEventData) (Outcome, error) {
	release, err := r.lock(ctx, r.dryRun)
	if err != nil {
		return Outcome{}, err
	}
	defer release()
	return r.handle(ctx, ev)
}

// taskKey is a task's key in the ledger.
func taskKey(taskID string) string { return bulk.SurveyKey("task", taskID) }

// taskOnceKey is the --once key the command for a held task carries.
func taskOnceKey(taskID string) string { return "task:" + taskID }

// already reports a task an earlier run handled: surveyed, or sent without an answer (unless
// --resend-unknown). A task whose send failed outright is not: it is sent again. A held
// task comes back as held, with the entry, so that its command can be shown.
func (r *AfterCall) already(ev nimbus.TaskEventData) (Outcome, *bulk.SurveyEntry, bool) {
	if r.ledger == nil || ev.TaskID == "" || (!r.stream && r.seen[ev.TaskID]) {
		return Outcome{}, nil, false
	}
	e, ok := r.ledger.Get(taskKey(ev.TaskID))
	if !ok {
		return Outcome{}, nil, false
	}
	at := e.At.Format("2006-01-02 15:04 MST")
	switch {
	case e.State == bulk.SurveySent:
		return skipped(ev, SkipSurveyed, "surveyed on %s (campaign %s)", at, e.Campaign), nil, true
	case e.State == bulk.SurveySettled:
		return skipped(ev, SkipSurveyed, "settled by hand on %s (campaign %s): its send had got no answer, and it arrived", at, e.Campaign), nil, true
	case e.State == bulk.SurveyPending:
		if s, ok := r.sentOnce(taskOnceKey(ev.TaskID)); ok {
			return skipped(ev, SkipSurveyed, "held on %s, then sent on %s by nimbusctl nps survey send --once %s (campaign %s)",
				at, s.At.Format("2006-01-02 15:04 MST"), taskOnceKey(ev.TaskID), e.Campaign), nil, true
		}
		return Outcome{}, &e, false
	case e.State == bulk.SurveySending && !r.resend && !r.dryRun:
		// The run that sent it died before the answer (killed, the machine went down), and
		// nobody has been told: it fails once, as a lost answer fails in its own run, and is
		// "unknown" from now on.
		out := Outcome{TaskID: ev.TaskID, CampaignID: e.Campaign, Result: ResultFailed, Detail: fmt.Sprintf(
			"the run that sent it on %s (campaign %s) stopped before nps.today answered (killed, or the machine went down): it may have gone out, and nps.today offers no read-back, so it is not sent again; %s", at, e.Campaign, r.settleHint(ev.TaskID))}
		if err := r.record(ev, e.Campaign, bulk.SurveyUnknown); err != nil {
			out.Detail = "writing the ledger failed: " + err.Error()
		}
		return out, nil, true
	case e.State.Unsettled() && !r.resend:
		// Not a success: told on every run (exit 9) until somebody has looked.
		out := skipped(ev, SkipUnknown, "the send of %s got no answer: it may have gone out, so it is not sent again; %s", at, r.settleHint(ev.TaskID))
		out.CampaignID = e.Campaign
		return out, nil, true
	}
	return Outcome{}, nil, false
}

// settleHint is the way out of a send that got no answer: the admin checks app.nps.today,
// then settles the task (it arrived) or sends it again (it did not).
func (r *AfterCall) settleHint(taskID string) string {
	return fmt.Sprintf("check app.nps.today, then: %s (it arrived), or rerun with --resend-unknown (it did not)", r.settleCommand(taskID))
}

// settleCommand is the `nps survey ledger settle` command line for a task of this run's ledger.
func (r *AfterCall) settleCommand(taskID string) string {
	return ledgerCommand(r.f, "settle", r.ledgerFlag, "", taskID)
}

// sentOnce looks a --once key up in `survey send`'s ledger (read, not locked: a held task
// is settled by hand, long before its event comes round again).
func (r *AfterCall) sentOnce(key string) (bulk.SurveyEntry, bool) {
	if !r.sendsRead {
		r.sendsRead = true
		if dir, err := ledgerDir(r.f, "send"); err == nil {
			r.sends, _ = bulk.OpenSurveyLedger(dir, r.f.Now())
		}
	} else if r.sends != nil && r.stream {
		r.sends.Refresh()
	}
	if r.sends == nil {
		return bulk.SurveyEntry{}, false
	}
	e, ok := r.sends.Get(onceKey(key))
	return e, ok && e.State.Delivered()
}

// record writes a task's survey to the ledger.
func (r *AfterCall) record(ev nimbus.TaskEventData, campaign string, state bulk.SurveyState) error {
	if r.ledger == nil || ev.TaskID == "" || r.dryRun {
		return nil
	}
	return r.ledger.Record(bulk.SurveyEntry{Key: taskKey(ev.TaskID), State: state, Campaign: campaign, Task: ev.TaskID})
}

func skipped(ev nimbus.TaskEventData, reason, format string, a ...any) Outcome {
	return Outcome{TaskID: ev.TaskID, Result: ResultSkipped + ":" + reason, Detail: fmt.Sprintf(format, a...)}
}

// IsOutbound reports a callback or callout: the agent called the customer.
func IsOutbound(ev nimbus.TaskEventData) bool {
	return strings.EqualFold(strings.TrimSpace(ev.Direction), "Outbound")
}

// knownDirection reports a call whose customer can be told: Inbound (also an event without
// a direction, as older feeds write them) or Outbound. The contract's third direction, None,
// names neither a caller nor a destination as the customer.
func knownDirection(ev nimbus.TaskEventData) bool {
	d := strings.TrimSpace(ev.Direction)
	return d == "" || strings.EqualFold(d, "Inbound") || IsOutbound(ev)
}

// respondent picks who is surveyed: the caller of an inbound call, the destination of an
// outbound one (a callback or callout), by number, else by an e-mail-like UPN — never a
// colleague (aftercall_internal.go), and never the service's own number, which Nimbus may
// put in the caller field of an outbound call.
func (r *AfterCall) respondent(ev nimbus.TaskEventData) (npstoday.Respondent, Outcome, bool) {
	who, tel, upn := "caller", ev.CallerTelNumber, ev.CallerUPN
	if IsOutbound(ev) {
		who, tel, upn = "destination", ev.DestinationTelNumber, ev.DestinationUPN
	} else if ev.IsAnonymous {
		return npstoday.Respondent{}, skipped(ev, SkipAnonymous, "anonymous caller"), false
	}
	tel, upn = strings.TrimSpace(tel), strings.TrimSpace(upn)
	if out, ok := r.colleague(ev, who, upn); ok {
		return npstoday.Respondent{}, out, false
	}
	if tel != "" {
		n, err := phone.Normalize(tel, r.country)
		if err != nil {
			return npstoday.Respondent{}, skipped(ev, SkipInvalid, "%s number: %v", who, err), false
		}
		svc, _ := phone.Normalize(strings.TrimSpace(ev.ServiceTelNumber), r.country)
		if n != svc {
			return npstoday.Respondent{PhoneNumber: n}, Outcome{}, true
		}
		if !npstoday.LooksLikeEmail(upn) {
			return npstoday.Respondent{}, skipped(ev, SkipServiceNumber, "the %s number %s is the service's own (serviceTelNumber): nobody to survey", who, n), false
		}
	}
	switch {
	case npstoday.LooksLikeEmail(upn):
		return npstoday.Respondent{EmailAddress: upn}, Outcome{}, true
	case upn != "":
		return npstoday.Respondent{}, skipped(ev, SkipAnonymous, "%s %q has no phone number or e-mail address", who, upn), false
	case who == "caller":
		return npstoday.Respondent{}, skipped(ev, SkipAnonymous, "anonymous caller"), false
	}
	return npstoday.Respondent{}, skipped(ev, SkipAnonymous, "outbound call without a destination number or address"), false
}

// handle decides one event. An error comes back only with a failed outcome, or alone when
// the run must stop (the IVR map cannot be read).
func (r *AfterCall) handle(ctx context.Context, ev nimbus.TaskEventData) (Outcome, error) {
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
	out, held, done := r.already(ev)
	if done {
		return out, nil
	}
	if !knownDirection(ev) {
		return skipped(ev, SkipDirection, "direction %q is neither Inbound nor Outbound: who the customer is, is not known", strings.TrimSpace(ev.Direction)), nil
	}
	if strings.TrimSpace(ev.Created) == "" {
		return skipped(ev, SkipInvalid, "the event has no created time: the call's duration is not known"), nil
	}
	created, err1 := parseEventTime(ev.Created)
	ended, err2 := parseEventTime(ev.Terminated)
	if err1 != nil || err2 != nil {
		return skipped(ev, SkipInvalid, "created %q or terminated %q is not an RFC 3339 time", ev.Created, ev.Terminated), nil
	}
	if ended.Before(created) {
		return skipped(ev, SkipInvalid, "terminated %q is before created %q: the call's duration is not known", ev.Terminated, ev.Created), nil
	}
	if r.ledger != nil {
		if h := r.ledger.ForgottenBefore(); ended.Before(h) {
			return skipped(ev, SkipForgotten, "the call ended on %s, before %s: the ledger has forgotten what it surveyed before then (it keeps %d days), so it may have been surveyed: not sent",
				ended.UTC().Format("2006-01-02"), h.Format("2006-01-02"), int(r.ledger.Keep.Hours()/24)), nil
		}
	}
	dir, minimum, flag := "inbound", r.minIn, "--min-duration-inbound"
	if IsOutbound(ev) {
		dir, minimum, flag = "outbound", r.minOut, "--min-duration-outbound"
	}
	if d := ended.Sub(created); d < minimum {
		// Truncated, not rounded: 59.6s must not read as the minute it fell short of.
		return skipped(ev, SkipTooShort, "%s call lasted %s, under %s %s: likely voicemail", dir, d.Truncate(100*time.Millisecond), flag, minimum), nil
	}
	resp, out, ok := r.respondent(ev)
	if !ok {
		return out, nil
	}
	req := npstoday.SurveyRequest{Respondent: resp}
	agent := firstNonEmpty(ev.LastConnectedUserEmail, ev.LastConnectedUserUPN)
	if held != nil { // held before: still pending, with the command that settles it, not another send
		at := held.At.Format("2006-01-02 15:04 MST")
		if agent == "" {
			return skipped(ev, SkipSurveyed, "held since %s for the agent's p-gap rating (campaign %s)", at, held.Campaign), nil
		}
		if ev.TaskID != "" && !r.stream {
			r.seen[ev.TaskID] = true // listed once per input: its next event is a duplicate
		}
		req.Employee = &npstoday.Employee{Email: agent}
		out := Outcome{TaskID: ev.TaskID, Result: ResultPgap, CampaignID: held.Campaign, Recipient: recipient(req), Employee: agent}
		out.Command = r.sendCommand(held.Campaign, req, taskOnceKey(ev.TaskID))
		out.Detail = fmt.Sprintf("held since %s until the agent rates the call: %s", at, out.Command)
		return out, nil
	}
	queue := firstNonEmpty(ev.ServiceUPN, ev.ServiceID, ev.ServiceName)
	campaign, err := r.campaignFor(ctx, ev)
	if err != nil {
		return Outcome{}, err
	}
	if campaign == "" {
		return skipped(ev, SkipUnmapped, "no campaign for queue %q in the IVR map or --campaign-map", queue), nil
	}
	if agent == "" {
		return skipped(ev, SkipNoAgent, "no agent took the call"), nil
	}
	req.Employee = &npstoday.Employee{Email: agent}
	if ev.TaskID != "" && !r.stream {
		if r.seen[ev.TaskID] {
			return skipped(ev, SkipDuplicate, "task already handled above"), nil
		}
		r.seen[ev.TaskID] = true
	}
	out = Outcome{TaskID: ev.TaskID, CampaignID: campaign, Recipient: recipient(req), Employee: agent}
	if r.dryRun {
		out.Result, out.Request = ResultWouldSend, &req
		out.Detail = "dry run: nothing sent"
		if r.checkPgap {
			out.Detail += " (p-gap check on: nps.today may hold it for the agent's rating)"
		}
		return out, nil
	}
	intro := fmt.Sprintf("Call with %s, taken by %s on %s (task %s): nps.today holds the survey for %s's p-gap rating.", out.Recipient, agent, queue, ev.TaskID, agent)
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
		if r.ledger != nil && ev.TaskID != "" && !r.dryRun {
			err = fmt.Errorf("%w: the survey may have gone out (nps.today offers no read-back to check), so no rerun sends it again; %s", err, r.settleHint(ev.TaskID))
		}
	}
	if out.Result == ResultPgap {
		out.Command = r.sendCommand(campaign, req, taskOnceKey(ev.TaskID))
		out.Detail = "held until the agent rates the call: " + out.Command
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
		out.Result, out.Detail, out.Command = ResultFailed, err.Error(), ""
		return out, err
	}
	return out, nil
}

// sendCommand is the command that settles a held survey (sendcommand.go).
func (r *AfterCall) sendCommand(campaign string, req npstoday.SurveyRequest, once string) string {
	return sendCommand(shared.CommandProfile(r.f), campaign, req, once)
}

// campaignFor finds the campaign id of the event's queue: --campaign-map first, then the
// IVR map (read once, on first need).
func (r *AfterCall) campaignFor(ctx context.Context, ev nimbus.TaskEventData) (string, error) {
	keys := []string{ev.ServiceUPN, ev.ServiceID, ev.ServiceName}
	for _, kv := range r.overrides {
		for _, k := range keys {
			if k != "" && strings.EqualFold(strings.TrimSpace(k), kv.Key) {
				return r.resolve(ctx, kv.Value)
			}
		}
	}
	// A batch reads the map once; a listener again after a failure or when it is old.
	if !r.ivrLoaded || (r.stream && (r.ivrErr != nil || r.f.Now().Sub(r.ivrAt) > ivrMaxAge)) {
		r.ivr, r.ivrErr = r.c.IVRMap(ctx)
		r.ivrLoaded, r.ivrAt = true, r.f.Now()
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
func (r *AfterCall) resolve(ctx context.Context, ref string) (string, error) {
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

// lockLedger takes a survey ledger's lock, waiting up to wait for another run.
func lockLedger(ctx context.Context, dir string, wait time.Duration) (*filelock.Lock, error) {
	lock, err := filelock.Acquire(ctx, filepath.Join(dir, ".lock"), wait, "the survey ledger "+dir)
	if err != nil {
		return nil, &cmdutil.ExitError{Code: cmdutil.ExitUnavailable, Err: err}
	}
	return lock, nil
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
