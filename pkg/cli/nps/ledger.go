package nps

import (
	"context"
	"errors"
	"io/fs"
	"os"
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
		Short: "Show and settle the tasks the after-call ledger remembers",
		Long: `'nps survey after-call' and 'trigger listen --after-call' remember every task they
surveyed in a ledger in the state folder, one per profile, so that no call is surveyed twice.

The state of an entry: sent, pending (held by nps.today for the agent's p-gap rating; the
command after-call shows for it sends it), failed (nothing went out; the next run sends it
again), unknown (the send got no answer: it may have gone out), sending (the run that sent it
stopped before the answer: the same), settled (unknown, then confirmed by hand with 'settle')
or released ('forget': the next run sends it again).

nps.today offers no read-back, so only a person can tell whether an unknown send arrived:
after-call reports such a task as skipped:unknown and exits 9 on every run until it is
settled here (it arrived) or sent again with --resend-unknown (it did not).`,
		Example: `  $ nimbusctl nps survey ledger list --unsettled
  $ nimbusctl nps survey ledger settle T-8f2c41
  $ nimbusctl nps survey ledger forget T-8f2c41`,
		Args: cmdutil.NoArgs,
	}
	cmd.AddCommand(newCmdLedgerList(f), newCmdLedgerSettle(f), newCmdLedgerForget(f))
	return cmd
}

var surveyLedgerCols = output.Cols("TASK=taskId", "STATE=state", "CAMPAIGN=campaign", "RECORDED=at")

// afterCallLedgerDir is the folder --ledger names, else the profile's after-call ledger. It
// must be there: these commands read what after-call wrote, and a folder made for a
// mistyped --ledger would be an empty ledger, nothing unsettled, to a script that checks.
func afterCallLedgerDir(f *cmdutil.Factory, dir string) (string, error) {
	if dir != "" {
		if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
			return "", shared.NotFoundf("--ledger %s: no such folder, so no after-call ledger: check the path (after-call makes it on its first run)", dir)
		}
		return dir, nil
	}
	dir, err := ledgerDir(f, "after-call")
	if err != nil {
		return "", err
	}
	if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		p, _ := f.Profile() // read by ledgerDir
		return "", shared.NotFoundf("profile %s has no after-call ledger yet (%s): nps survey after-call (or trigger listen --after-call) makes it with the first event it reads", p.Name, dir)
	}
	return dir, nil
}

func surveyLedgerFlags(cmd *cobra.Command, dir *string, wait *time.Duration) {
	cmd.Flags().StringVar(dir, "ledger", "", "`folder` of the after-call ledger (default: the state folder, per profile)")
	if wait != nil {
		cmd.Flags().DurationVar(wait, "wait", 5*time.Minute, "how long to wait for a running after-call (or listener's survey) on the same ledger")
	}
}

func newCmdLedgerList(f *cmdutil.Factory) *cobra.Command {
	var dir string
	var unsettled bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the tasks the after-call ledger remembers",
		Long: `Lists the ledger's tasks in the order they were recorded: task id, state, campaign and
when the state was recorded (UTC). --unsettled lists only the sends that got no answer and
are not settled yet (unknown, sending). Reads local files only: no key or sign-in needed.
A ledger that is not there (a mistyped --ledger, a profile after-call has not run with)
exits 6, here as in settle and forget: it is not an empty one.`,
		Example: `  $ nimbusctl nps survey ledger list
  $ nimbusctl nps survey ledger list --unsettled -o json --jq '.[].taskId'`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			d, err := afterCallLedgerDir(f, dir)
			if err != nil {
				return err
			}
			l, release, err := openLedger(cmd.Context(), f, d, 0, true)
			if err != nil {
				return err
			}
			defer release()
			out := []bulk.SurveyEntry{}
			for _, e := range l.Entries() {
				if !unsettled || e.State.Unsettled() {
					out = append(out, e)
				}
			}
			return f.Printer().Print(out, surveyLedgerCols)
		},
	}
	cmd.Flags().BoolVar(&unsettled, "unsettled", false, "only the sends that got no answer and are not settled (unknown, sending)")
	surveyLedgerFlags(cmd, &dir, nil)
	return cmd
}

func newCmdLedgerSettle(f *cmdutil.Factory) *cobra.Command {
	var dir string
	var wait time.Duration
	cmd := &cobra.Command{
		Use:   "settle <task-id>...",
		Short: "Record that surveys whose send got no answer did arrive, so after-call stops reporting them",
		Long: `Marks tasks whose send got no answer (unknown, or sending: the run stopped before the
answer) as settled: you checked in app.nps.today that the survey went out. after-call then
reports them as skipped:already-surveyed and never sends them; until then it reports them as
skipped:unknown and exits 9. A task in another state needs no settling and is left as it is.
An unknown task id exits 6 and nothing is changed.`,
		Example: `  $ nimbusctl nps survey ledger settle T-8f2c41 T-8f2c57`,
		Args:    cmdutil.MinimumArgs(1, "at least one task id"),
		RunE: func(cmd *cobra.Command, args []string) error {
			l, release, err := lockedSurveyLedger(cmd.Context(), f, dir, wait, args, "settled")
			if err != nil {
				return err
			}
			defer release()
			entries, err := pickTasks(l, args, "settled")
			if err != nil {
				return err
			}
			for _, e := range entries {
				if !e.State.Unsettled() {
					f.IO.Infof("%s is %s already: nothing to settle", e.Task, e.State)
					continue
				}
				if err := l.Record(bulk.SurveyEntry{Key: e.Key, State: bulk.SurveySettled, Campaign: e.Campaign, Task: e.Task}); err != nil {
					return err
				}
				shared.Successf(f, "Settled task %s (campaign %s): after-call reports it as surveyed from now on, and never sends it", e.Task, e.Campaign)
			}
			return nil
		},
	}
	surveyLedgerFlags(cmd, &dir, &wait)
	return cmd
}

func newCmdLedgerForget(f *cmdutil.Factory) *cobra.Command {
	var dir string
	var wait time.Duration
	cmd := &cobra.Command{
		Use:   "forget <task-id>...",
		Short: "Release tasks from the after-call ledger, so that the next run surveys them again",
		Long: `Releases tasks on purpose: the next after-call run (or listener) that sees the task's event
sends its survey again, to the same customer. Use it for a survey that must really go out
again; for one whose send got no answer and did not arrive, --resend-unknown does the same
for every such task of a run. An unknown task id exits 6 and nothing is released.`,
		Example: `  $ nimbusctl nps survey ledger forget T-8f2c41`,
		Args:    cmdutil.MinimumArgs(1, "at least one task id"),
		RunE: func(cmd *cobra.Command, args []string) error {
			l, release, err := lockedSurveyLedger(cmd.Context(), f, dir, wait, args, "released")
			if err != nil {
				return err
			}
			defer release()
			entries, err := pickTasks(l, args, "released")
			if err != nil {
				return err
			}
			for _, e := range entries {
				if err := l.Record(bulk.SurveyEntry{Key: e.Key, State: bulk.SurveyReleased, Campaign: e.Campaign, Task: e.Task}); err != nil {
					return err
				}
				shared.Successf(f, "Released task %s (was %s, campaign %s): the next after-call run of its event surveys it again", e.Task, e.State, e.Campaign)
			}
			return nil
		},
	}
	surveyLedgerFlags(cmd, &dir, &wait)
	return cmd
}

// lockedSurveyLedger checks the task ids, then takes the ledger's lock (after-call runs and
// listeners on it wait meanwhile) and reads it.
func lockedSurveyLedger(ctx context.Context, f *cmdutil.Factory, dir string, wait time.Duration, tasks []string, done string) (*bulk.SurveyLedger, func(), error) {
	for _, t := range tasks {
		if strings.TrimSpace(t) == "" {
			return nil, nil, cmdutil.FlagErrorf("a task id must not be empty: nothing was %s", done)
		}
	}
	d, err := afterCallLedgerDir(f, dir)
	if err != nil {
		return nil, nil, err
	}
	return openLedger(ctx, f, d, wait, false)
}

// pickTasks finds each task's entry; an unknown task changes nothing.
func pickTasks(l *bulk.SurveyLedger, tasks []string, done string) ([]bulk.SurveyEntry, error) {
	var out []bulk.SurveyEntry
	seen := map[string]bool{}
	for _, t := range tasks {
		if t = strings.TrimSpace(t); seen[t] {
			continue
		}
		seen[t] = true
		e, ok := l.Get(taskKey(t))
		if !ok || e.State == bulk.SurveyReleased {
			return nil, shared.NotFoundf("the after-call ledger has no task %q: nothing was %s", t, done)
		}
		e.Task = t
		out = append(out, e)
	}
	return out, nil
}
