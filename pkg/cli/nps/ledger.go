package nps

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/nimbusctl/nimbusctl/pkg/bulk"
	"github.com/nimbusctl/nimbusctl/pkg/cli/cmdutil"
	"github.com/nimbusctl/nimbusctl/pkg/cli/shared"
	"github.com/nimbusctl/nimbusctl/pkg/output"
)

func newCmdSurveyLedger(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "ledger <command>",
		Short: "Show and settle what the survey ledgers remember: after-call tasks, --once keys, imported rows",
		Long: `Every command that sends surveys remembers each send in a ledger in the state folder, one
per profile and sender, so that nobody is surveyed twice:

  after-call (and trigger listen --after-call)   by task id (the default here)
  survey send --once KEY                         by KEY (--once)
  respondent import                              by row (--rows): its key in the import's
                                                 report (campaign/respondent), or its id

The state of an entry: sent, pending (held by nps.today for the agent's p-gap rating),
failed (nothing went out; the next run sends it again), unknown (the send got no answer: it
may have gone out), sending (the run that sent it stopped before the answer: the same),
settled (unknown, then confirmed by hand with 'settle') or released ('forget': the next run
sends it again).

nps.today offers no read-back, so only a person can tell whether an unknown send arrived.
Until then each sender reports it (after-call: skipped:unknown; survey send --once:
skipped:unknown; respondent import: the row, "not sent") and exits 9 on every run: settle
it here if it arrived; if it did not, rerun with --resend-unknown (after-call, respondent
import) or forget the --once key and send again.`,
		Example: `  $ nimbusctl nps survey ledger list --unsettled
  $ nimbusctl nps survey ledger settle T-8f2c41
  $ nimbusctl nps survey ledger settle --once order-42
  $ nimbusctl nps survey ledger settle --rows 103/ada@example.com
  $ nimbusctl nps survey ledger forget T-8f2c41`,
		Args: cmdutil.NoArgs,
	}
	cmd.AddCommand(newCmdLedgerList(f), newCmdLedgerSettle(f), newCmdLedgerForget(f))
	return cmd
}

// surveyLedgerKind is one of the senders' ledgers: the same model (bulk.SurveyLedger), one
// folder each, and what its entries are called.
type surveyLedgerKind struct {
	folder string // under the profile's nps state folder
	name   string // "the after-call ledger"
	thing  string // what an argument names: "task", "key", "row"
	maker  string // the sender, which makes the ledger on its first run
	first  string // when it makes it
	cols   []output.Column
	// entry finds what arg names (when it names several, the one unsettled, if settling);
	// the entry's names are filled in for messages.
	entry func(l *bulk.SurveyLedger, arg string, settling bool) (bulk.SurveyEntry, error)
	label func(e bulk.SurveyEntry) string // "task T-1", "--once order-42", "row 103/ada@example.com"
	// what settle and forget promise for the entry
	settled, released string
	view              func(e bulk.SurveyEntry) any // a line of `list`
}

var (
	taskLedger = &surveyLedgerKind{
		folder: "after-call", name: "the after-call ledger", thing: "task",
		maker: "after-call", first: "nps survey after-call (or trigger listen --after-call) makes it with the first event it reads",
		cols: output.Cols("TASK=taskId", "STATE=state", "CAMPAIGN=campaign", "RECORDED=at"),
		entry: func(l *bulk.SurveyLedger, t string, _ bool) (bulk.SurveyEntry, error) {
			e, ok := l.Get(taskKey(t))
			e.Task = t
			return e, found(ok, e)
		},
		label:    func(e bulk.SurveyEntry) string { return "task " + e.Task },
		settled:  "after-call reports it as surveyed from now on, and never sends it",
		released: "the next after-call run of its event surveys it again",
		view:     func(e bulk.SurveyEntry) any { return e },
	}
	onceLedger = &surveyLedgerKind{
		folder: "send", name: "the --once ledger", thing: "key",
		maker: "survey send --once", first: "nps survey send --once KEY makes it with its first send",
		cols: output.Cols("ONCE=once", "STATE=state", "CAMPAIGN=campaign", "RECORDED=at"),
		entry: func(l *bulk.SurveyLedger, k string, _ bool) (bulk.SurveyEntry, error) {
			e, ok := l.Get(onceKey(k))
			e.Once = k
			return e, found(ok, e)
		},
		label:    func(e bulk.SurveyEntry) string { return "--once " + e.Once },
		settled:  "survey send reports it as sent from now on, and never sends it",
		released: "the next survey send under it sends again",
		view:     func(e bulk.SurveyEntry) any { return e },
	}
	rowLedger = &surveyLedgerKind{
		folder: "respondents", name: "the respondent-import ledger", thing: "row",
		maker: "respondent import", first: "nps respondent import makes it with its first run that sends",
		cols:     output.Cols("ID=id", "ROW=row", "STATE=state", "CAMPAIGN=campaign", "RECORDED=at"),
		entry:    rowEntry,
		label:    func(e bulk.SurveyEntry) string { return "row " + rowName(e) },
		settled:  "respondent import skips it as surveyed from now on, and never sends it",
		released: "the next respondent import of it sends it again",
		view: func(e bulk.SurveyEntry) any {
			return rowView{ID: rowID(e.Key), Row: rowName(e), SurveyEntry: e}
		},
	}
)

// errNoEntry: the ledger has nothing under the argument (or only a released entry).
var errNoEntry = fmt.Errorf("no entry")

func found(ok bool, e bulk.SurveyEntry) error {
	if !ok || e.State == bulk.SurveyReleased {
		return errNoEntry
	}
	return nil
}

// rowView is a line of `ledger list --rows`: the row's id (the start of its ledger key, as in
// the --once row:ID of a held row's command) and its key in the import's report.
type rowView struct {
	ID  string `json:"id"`
	Row string `json:"row"`
	bulk.SurveyEntry
}

func rowID(key string) string { return strings.TrimPrefix(rowOnceKey(key), "row:") }

// rowName is a row's key as the import's report writes it (campaign/respondent); its id
// where the ledger was written before it kept the respondent.
func rowName(e bulk.SurveyEntry) string {
	if e.Respondent == "" {
		return rowID(e.Key)
	}
	return e.Campaign + "/" + e.Respondent
}

// rowEntry finds a row by its id (row:ID or ID) or by its key in the report
// (campaign/respondent), the form the import's messages show. A key can name several rows of
// the ledger (the same respondent and campaign, with another employee, note or custom data):
// settling takes the one whose send got no answer; otherwise it is refused, and their ids
// tell them apart.
func rowEntry(l *bulk.SurveyLedger, arg string, settling bool) (bulk.SurveyEntry, error) {
	id := strings.ToLower(strings.TrimPrefix(arg, "row:"))
	var match []bulk.SurveyEntry
	for _, e := range l.Entries() {
		if e.State == bulk.SurveyReleased {
			continue
		}
		if rowID(e.Key) == id || e.Respondent != "" && rowName(e) == arg {
			match = append(match, e)
		}
	}
	if len(match) > 1 && settling {
		var open []bulk.SurveyEntry
		for _, e := range match {
			if e.State.Unsettled() {
				open = append(open, e)
			}
		}
		if len(open) == 1 {
			match = open
		}
	}
	switch len(match) {
	case 0:
		return bulk.SurveyEntry{}, errNoEntry
	case 1:
		return match[0], nil
	}
	ids := make([]string, len(match))
	for i, e := range match {
		ids[i] = rowID(e.Key) + " (" + string(e.State) + ")"
	}
	return bulk.SurveyEntry{}, cmdutil.FlagErrorf("%q names %d rows of the respondent-import ledger: give the id of one (%s; see 'nimbusctl nps survey ledger list --rows')",
		arg, len(match), strings.Join(ids, ", "))
}

// surveyLedgerFlags are the flags every `ledger` command shares: which ledger, and where.
type surveyLedgerFlags struct {
	dir        string
	once, rows bool
	wait       time.Duration
}

func addSurveyLedgerFlags(cmd *cobra.Command, withWait bool) *surveyLedgerFlags {
	lf := &surveyLedgerFlags{}
	fl := cmd.Flags()
	fl.BoolVar(&lf.once, "once", false, "the ledger of 'survey send --once KEY': the arguments are KEYs")
	fl.BoolVar(&lf.rows, "rows", false, "the ledger of 'respondent import': the arguments are rows (campaign/respondent, or id)")
	fl.StringVar(&lf.dir, "ledger", "", "`folder` of the ledger (default: the state folder, per profile and sender)")
	if withWait {
		fl.DurationVar(&lf.wait, "wait", 5*time.Minute, "how long to wait for a run that sends on the same ledger")
	}
	return lf
}

// kind is the ledger the flags choose, and its folder. The folder must be there: these
// commands read what a sender wrote, and a folder made for a mistyped --ledger would be an
// empty ledger, nothing unsettled, to a script that checks.
func (lf *surveyLedgerFlags) kind(f *cmdutil.Factory) (*surveyLedgerKind, string, error) {
	if err := cmdutil.MutuallyExclusive("--once and --rows name different ledgers: pick one", lf.once, lf.rows); err != nil {
		return nil, "", err
	}
	k := taskLedger
	switch {
	case lf.once:
		k = onceLedger
	case lf.rows:
		k = rowLedger
	}
	dir, err := shared.Ledger{
		What: strings.TrimPrefix(k.name, "the "), Maker: k.maker, First: k.first,
		Dir: func() (string, error) { return ledgerDir(f, k.folder) },
	}.ExistingFolder(f, lf.dir)
	if err != nil {
		return nil, "", err
	}
	return k, dir, nil
}

func newCmdLedgerList(f *cmdutil.Factory) *cobra.Command {
	var unsettled bool
	var lf *surveyLedgerFlags
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List what a survey ledger remembers (after-call tasks; --once keys; --rows)",
		Long: `Lists a ledger's entries in the order they were recorded: the after-call tasks (task id), with
--once the keys of 'survey send --once' (KEY), with --rows the rows of 'respondent import'
(id, and the row's key as the import's report writes it: campaign/respondent), each with
its state, campaign and when the state was recorded (UTC). --unsettled lists only the
sends that got no answer and are not settled yet (unknown, sending). Reads local files
only: no key or sign-in needed. A ledger that is not there (a mistyped --ledger, a profile
the sender has not run with) exits 6, here as in settle and forget: it is not an empty one.`,
		Example: `  $ nimbusctl nps survey ledger list
  $ nimbusctl nps survey ledger list --unsettled -o json --jq '.[].taskId'
  $ nimbusctl nps survey ledger list --once --unsettled
  $ nimbusctl nps survey ledger list --rows --unsettled`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			k, dir, err := lf.kind(f)
			if err != nil {
				return err
			}
			l, release, err := openLedger(cmd.Context(), f, dir, 0, true)
			if err != nil {
				return err
			}
			defer release()
			out := []any{}
			for _, e := range l.Entries() {
				if !unsettled || e.State.Unsettled() {
					out = append(out, k.view(e))
				}
			}
			return f.Printer().Print(out, k.cols)
		},
	}
	cmd.Flags().BoolVar(&unsettled, "unsettled", false, "only the sends that got no answer and are not settled (unknown, sending)")
	lf = addSurveyLedgerFlags(cmd, false)
	return cmd
}

func newCmdLedgerSettle(f *cmdutil.Factory) *cobra.Command {
	var lf *surveyLedgerFlags
	cmd := &cobra.Command{
		Use:   "settle (<task-id>... | --once <key>... | --rows <row>...)",
		Short: "Record that surveys whose send got no answer did arrive, so their sender stops reporting them",
		Long: `Marks sends that got no answer (unknown, or sending: the run stopped before the answer) as
settled: you checked in app.nps.today that the survey went out. From then on the sender
passes them over as done and never sends them: after-call reports the task as
skipped:already-surveyed, survey send --once the key as skipped:already-sent, respondent
import skips the row; until then each reports it and exits 9.

The arguments are after-call task ids; with --once, survey send's --once KEYs; with --rows,
respondent-import rows, by their key in the import's report (campaign/respondent) or their
id ('ledger list --rows'). An entry in another state needs no settling and is left as it
is. An argument the ledger does not know exits 6, and nothing is changed.`,
		Example: `  $ nimbusctl nps survey ledger settle T-8f2c41 T-8f2c57
  $ nimbusctl nps survey ledger settle --once order-42
  $ nimbusctl nps survey ledger settle --rows 103/ada@example.com`,
		Args: cmdutil.MinimumArgs(1, "at least one task id (or --once key, or --rows row)"),
		RunE: func(cmd *cobra.Command, args []string) error {
			k, l, release, err := lockedSurveyLedger(cmd.Context(), f, lf, args, "settled")
			if err != nil {
				return err
			}
			defer release()
			entries, err := pickEntries(k, l, args, "settled")
			if err != nil {
				return err
			}
			for _, e := range entries {
				if !e.State.Unsettled() {
					f.IO.Infof("%s is %s already: nothing to settle", strings.TrimPrefix(k.label(e), "task "), e.State)
					continue
				}
				e.State = bulk.SurveySettled
				if err := l.Record(e); err != nil {
					return err
				}
				shared.Successf(f, "Settled %s (campaign %s): %s", k.label(e), e.Campaign, k.settled)
			}
			return nil
		},
	}
	lf = addSurveyLedgerFlags(cmd, true)
	return cmd
}

func newCmdLedgerForget(f *cmdutil.Factory) *cobra.Command {
	var lf *surveyLedgerFlags
	cmd := &cobra.Command{
		Use:   "forget (<task-id>... | --once <key>... | --rows <row>...)",
		Short: "Release entries of a survey ledger, so that the next run sends them again",
		Long: `Releases entries on purpose: the next after-call run (or listener) that sees the task's
event, the next survey send under the --once KEY, or the next respondent import with the
row sends its survey again, to the same customer. Use it for a survey that must really go
out again, or for a --once send that got no answer and did not arrive. (after-call and
respondent import have --resend-unknown for every such send of a run.) The arguments are
as for 'settle'. An argument the ledger does not know exits 6, and nothing is released.`,
		Example: `  $ nimbusctl nps survey ledger forget T-8f2c41
  $ nimbusctl nps survey ledger forget --once order-42`,
		Args: cmdutil.MinimumArgs(1, "at least one task id (or --once key, or --rows row)"),
		RunE: func(cmd *cobra.Command, args []string) error {
			k, l, release, err := lockedSurveyLedger(cmd.Context(), f, lf, args, "released")
			if err != nil {
				return err
			}
			defer release()
			entries, err := pickEntries(k, l, args, "released")
			if err != nil {
				return err
			}
			for _, e := range entries {
				was := e.State
				e.State = bulk.SurveyReleased
				if err := l.Record(e); err != nil {
					return err
				}
				shared.Successf(f, "Released %s (was %s, campaign %s): %s", k.label(e), was, e.Campaign, k.released)
			}
			return nil
		},
	}
	lf = addSurveyLedgerFlags(cmd, true)
	return cmd
}

// lockedSurveyLedger checks the arguments, then takes the ledger's lock (the runs that send
// on it wait meanwhile) and reads it.
func lockedSurveyLedger(ctx context.Context, f *cmdutil.Factory, lf *surveyLedgerFlags, args []string, done string) (*surveyLedgerKind, *bulk.SurveyLedger, func(), error) {
	k, dir, err := lf.kind(f)
	if err != nil {
		return nil, nil, nil, err
	}
	for _, a := range args {
		if strings.TrimSpace(a) == "" {
			return nil, nil, nil, cmdutil.FlagErrorf("a %s must not be empty: nothing was %s", k.thing, done)
		}
	}
	l, release, err := openLedger(ctx, f, dir, lf.wait, false)
	return k, l, release, err
}

// pickEntries finds each argument's entry; one the ledger does not know changes nothing.
func pickEntries(k *surveyLedgerKind, l *bulk.SurveyLedger, args []string, done string) ([]bulk.SurveyEntry, error) {
	var out []bulk.SurveyEntry
	seen := map[string]bool{}
	for _, a := range args {
		e, err := k.entry(l, strings.TrimSpace(a), done == "settled")
		if err == errNoEntry {
			return nil, shared.NotFoundf("%s has no %s %q: nothing was %s", k.name, k.thing, strings.TrimSpace(a), done)
		}
		if err != nil {
			return nil, err
		}
		if !seen[e.Key] {
			seen[e.Key] = true
			out = append(out, e)
		}
	}
	return out, nil
}
