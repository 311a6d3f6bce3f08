package schedule

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/nimbusctl/nimbusctl/pkg/bulk"
	"github.com/nimbusctl/nimbusctl/pkg/cli/cmdutil"
	"github.com/nimbusctl/nimbusctl/pkg/cli/shared"
	"github.com/nimbusctl/nimbusctl/pkg/filelock"
	"github.com/nimbusctl/nimbusctl/pkg/output"
)

func newCmdLedger(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "ledger <command>",
		Short: "Show and release the calls 'schedule import' remembers",
		Long: `'schedule import' writes every call of its files that it schedules, may have scheduled
(the answer was lost, or the run was killed), or finds listed on the service into a ledger
in the state folder, one per profile. A call in the ledger is never scheduled again by an
import, even after Nimbus stops listing it because it has run.

The outcome of an entry: created (scheduled from here), found (listed on the service when an
import saw it), pending (a create was sent and its answer never came back) or lost (the
answer was lost, and the call was not listed soon after) or settled (pending or lost, then
confirmed by hand with 'schedule ledger settle'). An import settles pending and lost entries
from what the service then lists; one that is due and not listed may have rung, and is
reported on every run until 'settle' (it rang) or 'forget' (make it again) decides.`,
		Example: `  $ nimbusctl schedule ledger list --service support@contoso.com
  $ nimbusctl schedule ledger forget callback-42 --service support@contoso.com
  $ nimbusctl schedule ledger settle callback-42 --service support@contoso.com`,
	}
	cmd.AddCommand(newCmdLedgerList(f), newCmdLedgerForget(f), newCmdLedgerSettle(f))
	return cmd
}

var ledgerCols = output.Cols("REFERENCE=referenceId", "SERVICE=service", "DESTINATION=destination", "DUE (UTC)=due",
	"RECORDED=recordedAt", "OUTCOME=outcome", "ENTRY=schedulerEntryId")

func ledgerFlag(cmd *cobra.Command, dir *string) {
	cmd.Flags().StringVar(dir, "ledger", "", "`folder` of the ledger (default: the state folder, per profile)")
}

// openLedger opens the ledger of the profile in effect, or the folder --ledger names.
func openLedger(f *cmdutil.Factory, dir string) (*bulk.Ledger, error) {
	if dir == "" {
		var err error
		if dir, err = profileLedgerDir(f); err != nil {
			return nil, err
		}
	}
	return bulk.OpenLedger(dir, f.Now())
}

// profileLedgerDir is the ledger folder of the profile in effect.
func profileLedgerDir(f *cmdutil.Factory) (string, error) {
	cfg, err := f.Config()
	if err != nil {
		return "", err
	}
	p, err := f.Profile()
	if err != nil {
		return "", err
	}
	return filepath.Join(cfg.Dirs.State, "ledger", p.Name), nil
}

// ledgerCommand is a `schedule ledger VERB` command line for a call of the ledger in the
// folder --ledger named, if any, as the user pastes it.
func ledgerCommand(f *cmdutil.Factory, verb, ledgerDir, ref, service string) string {
	return shared.PasteCommand(f, []string{"schedule", "ledger", verb, "--service", service}, ledgerDir, ref)
}

// existingLedger is openLedger for the ledger commands, which read what imports wrote: the
// folder must be there (see shared.Ledger).
func existingLedger(f *cmdutil.Factory, dir string) (*bulk.Ledger, error) {
	dir, err := shared.Ledger{
		What: "schedule ledger", Maker: "schedule import",
		First: "schedule import (or schedule create --reference-id) makes it with the first call it records",
		Dir:   func() (string, error) { return profileLedgerDir(f) },
	}.ExistingFolder(f, dir)
	if err != nil {
		return nil, err
	}
	return bulk.OpenLedger(dir, f.Now())
}

// lockSchedule takes the profile's scheduling lock: imports of one profile take turns, and
// 'ledger forget' waits for them.
func lockSchedule(ctx context.Context, f *cmdutil.Factory, wait time.Duration) (*filelock.Lock, error) {
	cfg, err := f.Config()
	if err != nil {
		return nil, err
	}
	p, err := f.Profile()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(cfg.Dirs.State, 0o700); err != nil {
		return nil, err
	}
	lock, err := filelock.Acquire(ctx, filepath.Join(cfg.Dirs.State, "schedule-"+p.Name+".lock"), wait, "scheduling for profile "+p.Name)
	if err != nil {
		return nil, &cmdutil.ExitError{Code: cmdutil.ExitUnavailable, Err: err}
	}
	return lock, nil
}

func newCmdLedgerList(f *cmdutil.Factory) *cobra.Command {
	var service, dir string
	cmd := &cobra.Command{
		Use:   "list [--service UPN]",
		Short: "List the calls the ledger remembers",
		Long: `Lists the ledger's calls, by due time: reference, service, destination, due time, when the
entry was recorded, its outcome and the scheduler entry id. Reads local files only: no
sign-in needed. A ledger that is not there (a mistyped --ledger, a profile no import ran
with) exits 6, here as in settle and forget: it is not an empty one.`,
		Example: `  $ nimbusctl schedule ledger list
  $ nimbusctl schedule ledger list --service support@contoso.com -o json --jq '.[] | select(.outcome == "pending")'`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			l, err := existingLedger(f, dir)
			if err != nil {
				return err
			}
			if err := l.Load(nil); err != nil {
				return err
			}
			out := []bulk.LedgerEntry{}
			for _, e := range l.Entries() {
				if service == "" || strings.EqualFold(e.Service, strings.TrimSpace(service)) {
					out = append(out, e)
				}
			}
			return f.Printer().Print(out, ledgerCols)
		},
	}
	serviceFlag(cmd, f, &service, "only the calls of this service (`UPN`)")
	ledgerFlag(cmd, &dir)
	return cmd
}

func newCmdLedgerForget(f *cmdutil.Factory) *cobra.Command {
	var service, dir string
	var wait time.Duration
	cmd := &cobra.Command{
		Use:   "forget <reference-id>... [--service UPN]",
		Short: "Release calls from the ledger, so that an import schedules them again",
		Long: `Removes calls from the ledger by ReferenceId, on purpose: the next 'schedule import' of a
file with that call schedules it again, and rings the customer. Use it for a call that must
really be made again (one that failed on the service, or a pending one that never rang).
--service picks the service when a reference is remembered for several. A reference id
written in another case or width names the call as an import would. An unknown reference
exits 6 and nothing is released.`,
		Example: `  $ nimbusctl schedule ledger forget callback-42 --service support@contoso.com`,
		Args:    cmdutil.MinimumArgs(1, "at least one reference id"),
		RunE: func(cmd *cobra.Command, args []string) error {
			l, unlock, err := lockedLedger(cmd.Context(), f, dir, wait, args)
			if err != nil {
				return err
			}
			defer unlock()
			gone, err := pickEntries(l, args, service, "released")
			if err != nil {
				return err
			}
			forget := map[string]bool{}
			for _, e := range gone {
				forget[bulk.LedgerKey(e.Service, e.ReferenceID)] = true
			}
			if err := l.Forget(forget); err != nil {
				return err
			}
			for _, e := range gone {
				shared.Successf(f, "Released %s on %s (%s, due %s): the next import of it schedules the call again", e.ReferenceID, e.Service, e.Outcome, e.Due)
			}
			return nil
		},
	}
	serviceFlag(cmd, f, &service, "the service (`UPN`) of the calls, when a reference is remembered for several")
	ledgerFlag(cmd, &dir)
	cmd.Flags().DurationVar(&wait, "wait", 5*time.Minute, "how long to wait for a running schedule import of this profile to finish")
	return cmd
}

func newCmdLedgerSettle(f *cmdutil.Factory) *cobra.Command {
	var service, dir string
	var wait time.Duration
	cmd := &cobra.Command{
		Use:   "settle <reference-id>... [--service UPN]",
		Short: "Record that calls whose create got no answer did ring, so imports stop reporting them",
		Long: `Marks pending or lost calls as settled: you checked (in Nimbus' reporting) that the call was
made. An import never schedules a settled call again and passes it over without reporting it;
until then, a lost call that is due and no longer listed fails its row on every run (exit 9),
because it may or may not have rung. A call already created or found needs no settling. A
reference id written in another case or width names the call as an import would. An
unknown reference exits 6 and nothing is changed.`,
		Example: `  $ nimbusctl schedule ledger settle callback-42 --service support@contoso.com`,
		Args:    cmdutil.MinimumArgs(1, "at least one reference id"),
		RunE: func(cmd *cobra.Command, args []string) error {
			l, unlock, err := lockedLedger(cmd.Context(), f, dir, wait, args)
			if err != nil {
				return err
			}
			defer unlock()
			picked, err := pickEntries(l, args, service, "settled")
			if err != nil {
				return err
			}
			now := f.Now().UTC().Format(time.RFC3339)
			var settled, was []bulk.LedgerEntry
			for _, e := range picked {
				if e.Settled() {
					f.IO.Infof("%s on %s is %s already: nothing to settle", e.ReferenceID, e.Service, e.Outcome)
					continue
				}
				s := e
				s.Outcome, s.RecordedAt = bulk.OutcomeSettled, now
				settled, was = append(settled, s), append(was, e)
			}
			if err := l.Record(settled...); err != nil {
				return err
			}
			for i, e := range settled {
				shared.Successf(f, "Settled %s on %s (was %s, due %s): imports pass it over from now on, and never schedule it again", e.ReferenceID, e.Service, was[i].Outcome, e.Due)
			}
			return nil
		},
	}
	serviceFlag(cmd, f, &service, "the service (`UPN`) of the calls, when a reference is remembered for several")
	ledgerFlag(cmd, &dir)
	cmd.Flags().DurationVar(&wait, "wait", 5*time.Minute, "how long to wait for a running schedule import of this profile to finish")
	return cmd
}

// lockedLedger checks the reference ids, takes the profile's scheduling lock (imports of the
// same ledger wait meanwhile) and loads the whole ledger.
func lockedLedger(ctx context.Context, f *cmdutil.Factory, dir string, wait time.Duration, refs []string) (*bulk.Ledger, func(), error) {
	for _, ref := range refs {
		if strings.TrimSpace(ref) == "" {
			return nil, nil, cmdutil.FlagErrorf("a reference id must not be empty")
		}
	}
	lock, err := lockSchedule(ctx, f, wait)
	if err != nil {
		return nil, nil, err
	}
	l, err := existingLedger(f, dir)
	if err == nil {
		err = l.Load(nil)
	}
	if err != nil {
		lock.Unlock()
		return nil, nil, err
	}
	return l, func() { lock.Unlock() }, nil
}

// pickEntries finds the ledger's entry of each reference (on --service, when given); an
// unknown reference, or one remembered for several services without --service, changes
// nothing (done: "released", "settled").
func pickEntries(l *bulk.Ledger, refs []string, service, done string) ([]bulk.LedgerEntry, error) {
	var picked []bulk.LedgerEntry
	for _, ref := range refs {
		match := matchEntries(l, service, func(id string) bool { return id == ref })
		if len(match) == 0 { // as an import does, take ids that differ only in case as one
			match = matchEntries(l, service, func(id string) bool { return bulk.SameKey(id, ref) })
		}
		switch {
		case len(match) == 0 && service != "":
			return nil, shared.NotFoundf("the ledger has no call %q on %s: nothing was %s", ref, service, done)
		case len(match) == 0:
			return nil, shared.NotFoundf("the ledger has no call %q: nothing was %s", ref, done)
		case len(match) > 1:
			var calls, svcs []string
			services := map[string]bool{}
			for _, e := range match {
				calls = append(calls, e.ReferenceID+" on "+e.Service)
				svcs = append(svcs, e.Service)
				services[strings.ToLower(e.Service)] = true
			}
			sort.Strings(calls)
			sort.Strings(svcs)
			if len(services) < len(match) { // two ids of one service: --service cannot tell them apart
				return nil, cmdutil.FlagErrorf("%q names %d calls (%s): give the reference id as 'schedule ledger list' shows it; nothing was %s", ref, len(match), strings.Join(calls, ", "), done)
			}
			return nil, cmdutil.FlagErrorf("%q is remembered for %d services (%s): pick one with --service; nothing was %s", ref, len(match), strings.Join(svcs, ", "), done)
		}
		picked = append(picked, match[0])
	}
	return picked, nil
}

// matchEntries is the ledger's calls whose ReferenceId is, by same, the one asked for, on the
// service given (any when none is).
func matchEntries(l *bulk.Ledger, service string, same func(id string) bool) []bulk.LedgerEntry {
	var match []bulk.LedgerEntry
	for _, e := range l.Entries() {
		if same(e.ReferenceID) && (service == "" || strings.EqualFold(e.Service, strings.TrimSpace(service))) {
			match = append(match, e)
		}
	}
	return match
}
