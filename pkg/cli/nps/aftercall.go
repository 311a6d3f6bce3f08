package nps

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"

	"github.com/spf13/cobra"

	"github.com/nimbusctl/nimbusctl/pkg/cli/cmdutil"
	"github.com/nimbusctl/nimbusctl/pkg/nimbus"
	"github.com/nimbusctl/nimbusctl/pkg/output"
)

var afterCallCols = output.Cols("TASK=taskId", "RESULT=result", "CAMPAIGN=campaignId", "RECIPIENT=recipient", "EMPLOYEE=employee", "RATING=agentRating", "DETAIL=detail")

func newCmdAfterCall(f *cmdutil.Factory) *cobra.Command {
	var dryRun, askRating bool
	cmd := &cobra.Command{
		Use:   "after-call [FILE...]",
		Short: "Survey the customers of finished Nimbus calls (task events), with p-gap",
		Long: `Reads Nimbus task events — the TaskEventData a task trigger delivers, as 'nimbusctl
trigger listen' writes them — from the FILEs or stdin: one JSON object, an array, or JSON
lines. For each finished call it finds the campaign of the call's queue in the IVR map
(matching the event's serviceUPN, serviceId or serviceName as the queue id; --campaign-map
overrides) and sends the survey about the agent who took the call (LastConnectedUserEmail,
else LastConnectedUserUPN) to the customer:

  inbound calls      the caller: callerTelNumber, else callerUPN when it is an e-mail address
  outbound calls     the destination (callback, callout): destinationTelNumber, else
                     destinationUPN when it is an e-mail address

Numbers become E.164 with the profile's default_country. The service's own number
(serviceTelNumber) is never surveyed, nor is a colleague (skipped:internal): a caller or
destination whose UPN or e-mail address is at the domain of the event's service
(serviceUPN) or agent (LastConnectedUserUPN, LastConnectedUserEmail) or a subdomain, at a
domain of --internal-domain or of the profile's internal_domains, or who is the agent
(a transfer: callerId or destinationId equals lastConnectedUserId).

Skipped, with the reason: events that are not a call end (no terminated time, or not an
Audio call), calls of a direction other than Inbound or Outbound (None), calls shorter than the minimum of their direction (created to terminated:
--min-duration-outbound, default 60s, as a short callout has likely reached voicemail;
--min-duration-inbound, default 0; --min-duration sets both), colleagues, anonymous callers, queues
without a campaign, calls no agent took, and a task seen twice.

Each task is surveyed once, also across runs and with 'trigger listen --after-call': a
ledger in the state folder (per profile) remembers the tasks surveyed, held for a p-gap
rating, or whose send got no answer, and a later run reports a surveyed one as
skipped:already-surveyed — so cron can feed a growing log again and again. A task still held
is listed as pgap again, with its command, until that command has sent it. Overlapping runs
take turns (--wait). --no-ledger goes without it.

A send that got no answer may have gone out, and nps.today offers no way to ask: it is not
repeated, and every later run reports it as skipped:unknown and exits 9 until a person has
looked in app.nps.today and settled it — 'nimbusctl nps survey ledger settle TASK' if it
arrived, --resend-unknown if it did not ('nps survey ledger list --unsettled' lists them).

P-gap: surveys about an agent go with checkPgap=true (--check-pgap=false sends at once).
When nps.today holds one for the agent's own rating, the event's result is pgap with the
command that sends it (an 'nps survey send ... --once task:ID' that asks the agent on a
terminal, or takes --agent-rating). A batch never asks whoever runs it, unless --ask-rating
is given on a terminal.

--dry-run decides every event and shows what would be sent (-o json has the request body),
without sending or writing the ledger.

One result line per event: sent, would-send, skipped:<reason>, pgap or failed (-o json for
scripts). Exit 0 when every event was handled, 8 when surveys wait for a p-gap rating, 9
when some sends failed or some tasks are skipped:unknown (9 wins over 8).`,
		Example: `  $ nimbusctl nps survey after-call events.json
  $ nimbusctl nps survey after-call /var/lib/nimbusctl/listen/default/events/tasks-*.jsonl --dry-run -o json
  $ tail -n 100 webhook.log | nimbusctl nps survey after-call --min-duration-outbound 90s -o json
  $ nimbusctl nps survey after-call events.json --campaign-map support@contoso.com=101
  $ nimbusctl nps survey after-call events.json --internal-domain contoso.ch --internal-domain fabrikam.com`,
	}
	flags := AddAfterCallFlags(cmd)
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		return runAfterCall(cmd, f, flags, args, dryRun, askRating)
	}
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "decide every event and show what would be sent; send nothing")
	cmd.Flags().BoolVar(&askRating, "ask-rating", false, "on a terminal, ask for the agent's p-gap rating of each held survey (whoever runs the batch must be the agent)")
	return cmd
}

func runAfterCall(cmd *cobra.Command, f *cmdutil.Factory, flags *AfterCallFlags, names []string, dryRun, askRating bool) error {
	if askRating && !f.IO.CanPrompt() {
		return cmdutil.FlagErrorf("--ask-rating needs a terminal: without one, each held survey is listed with the command that sends it")
	}
	if err := cmdutil.MutuallyExclusive("--dry-run sends nothing: drop --ask-rating", dryRun, askRating); err != nil {
		return err
	}
	if len(names) == 0 {
		if f.IO.IsStdinTTY() {
			return cmdutil.FlagErrorf("give a FILE of task events, or pipe them on stdin")
		}
		names = []string{"-"}
	}
	var events []nimbus.TaskEventData
	for _, name := range names {
		label := name
		if name == "-" {
			label = "stdin"
		}
		evs, err := readEvents(f, name, label)
		if err != nil {
			return err
		}
		events = append(events, evs...)
	}
	ctx := cmd.Context()
	r, err := flags.NewAfterCall(ctx, f)
	if err != nil {
		return err
	}
	r.dryRun, r.s.mayAsk = dryRun, askRating
	if len(events) > 0 {
		release, err := r.lock(ctx, dryRun)
		if err != nil {
			return err
		}
		defer release()
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
	failed, pending, unknown := 0, 0, 0
	for _, out := range outcomes {
		switch out.Result {
		case ResultFailed:
			failed++
		case ResultPgap:
			pending++
		case ResultSkipped + ":" + SkipUnknown:
			unknown++
		}
	}
	// A send that may have gone out is no success until somebody has looked: exit 9 on
	// every run, so that cron over a growing log tells someone.
	var msgs []string
	switch {
	case failed > 0 && failed == len(outcomes):
		msgs = append(msgs, output.Plural(failed, "event failed", "events failed"))
	case failed > 0:
		msgs = append(msgs, fmt.Sprintf("%d of %d events failed; the others were handled", failed, len(outcomes)))
	}
	if unknown > 0 {
		msgs = append(msgs, fmt.Sprintf("%s may have been surveyed: an earlier send got no answer, and nobody has settled it; check app.nps.today, then run the command shown for each (it arrived), or rerun with --resend-unknown (it did not)", output.Plural(unknown, "task", "tasks")))
	}
	if len(msgs) > 0 {
		return &cmdutil.PartialError{Msg: strings.Join(msgs, ". ")}
	}
	if pending > 0 {
		return &cmdutil.PendingError{Msg: fmt.Sprintf("%s until the agent rates the call: run the command shown for each (on the agent's terminal it asks for the rating; or add --agent-rating 0-10)", output.Plural(pending, "survey held", "surveys held"))}
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
	if whole, torn := cutTornLine(raw); torn {
		f.IO.Warnf("%s:%d: the last line is incomplete (a write in progress, or cut short by a crash): left out, a later run reads it whole", label, lineAt(raw, int64(len(whole))))
		raw = whole
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
			if err := checkTaskEvent(it, ev); err != nil {
				return nil, cmdutil.InvalidInputf("%s: event %d %v", label, n, err)
			}
			events = append(events, ev)
		}
	}
}

// checkTaskEvent refuses what is no task event, so that the wrong file is bad input rather
// than a run that skips every line and exits 0: a scheduler-entry event (the listener's
// other file), or an object with none of TaskEventData's fields. An event without a taskId
// is a task event still (it cannot be recognized again, and is always sent).
func checkTaskEvent(raw json.RawMessage, ev nimbus.TaskEventData) error {
	var keys map[string]json.RawMessage
	json.Unmarshal(raw, &keys)
	if _, ok := keys["schedulerEntryId"]; ok {
		return errors.New("is a scheduler-entry event (schedulerEntryId), not a task event: give the task events (trigger listen's tasks-*.jsonl)")
	}
	if reflect.ValueOf(ev).IsZero() {
		return errors.New("is not a task event: it has none of TaskEventData's fields (taskId, event, modality, created, terminated, ...)")
	}
	return nil
}

// cutTornLine drops a last line of JSON lines that is JSON cut short, without its newline:
// trigger listen's file read while an event is being appended, or cut by a power cut (such
// an event was never acknowledged, and its sender delivers it again). Only after a whole
// line, and only JSON that is incomplete rather than wrong: anything else stays bad input.
func cutTornLine(raw []byte) ([]byte, bool) {
	i := bytes.LastIndexByte(raw, '\n')
	if i < 0 || len(bytes.TrimSpace(raw[i+1:])) == 0 {
		return raw, false
	}
	var v json.RawMessage
	if err := json.NewDecoder(bytes.NewReader(raw[i+1:])).Decode(&v); !errors.Is(err, io.ErrUnexpectedEOF) {
		return raw, false
	}
	return raw[:i+1], true
}

func lineAt(b []byte, off int64) int {
	if off > int64(len(b)) {
		off = int64(len(b))
	}
	return bytes.Count(b[:off], []byte("\n")) + 1
}
