// Package schedule implements `nimbusctl schedule`: scheduled outbound calls (scheduler
// entries) and their lookups.
package schedule

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/nimbusctl/nimbusctl/pkg/bulk"
	"github.com/nimbusctl/nimbusctl/pkg/cli/cmdutil"
	"github.com/nimbusctl/nimbusctl/pkg/cli/shared"
	"github.com/nimbusctl/nimbusctl/pkg/httpx"
	"github.com/nimbusctl/nimbusctl/pkg/nimbus"
	"github.com/nimbusctl/nimbusctl/pkg/output"
)

// NewCmdSchedule builds `nimbusctl schedule` and its subcommands.
func NewCmdSchedule(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "schedule <command>",
		Aliases: []string{"scheduler-entry", "sched"},
		Short:   "Schedule outbound calls (scheduler entries)",
		Long: `A scheduler entry makes a Nimbus service call a destination at a due time, and hand the
call to an agent. Entries are listed per service; once an entry is due it is in progress and
can no longer be changed or removed.`,
		Example: `  $ nimbusctl schedule list --service support@contoso.com
  $ nimbusctl schedule create --service support@contoso.com --destination "+41 44 555 12 34" --due +2h --reference-id callback-42
  $ nimbusctl schedule update 0b6e... --service support@contoso.com --due "2027-12-01 09:30" --tz Europe/Zurich
  $ nimbusctl schedule remove 0b6e...`,
	}
	cmd.AddCommand(
		newCmdList(f), newCmdCreate(f), newCmdUpdate(f), newCmdRemove(f),
		newCmdServices(f), newCmdPriorities(f), newCmdEvents(f), newCmdImport(f), newCmdLedger(f),
	)
	return cmd
}

var entryCols = output.Cols(
	"ID=schedulerEntryId", "REFERENCE=ReferenceId", "DUE (UTC)=dueDateTimeUtc", "DESTINATION=destination",
	"PRIORITY=distributionPriority", "ATTEMPTS=maxAttempts", "EVENT=event",
)

func serviceFlag(cmd *cobra.Command, f *cmdutil.Factory, p *string, usage string) {
	cmd.Flags().StringVar(p, "service", "", usage)
	shared.CompleteFlag(cmd, "service", shared.CompleteStrings(f, (*nimbus.Client).GetSchedulerEntryServices))
}

const serviceHint = "the UPN of a service (see 'nimbusctl schedule services')"

func newCmdList(f *cmdutil.Factory) *cobra.Command {
	var service, ref string
	cmd := &cobra.Command{
		Use:   "list --service <upn>",
		Short: "List the scheduled calls of a service",
		Long: `Lists the scheduler entries of one service, in progress ones included (event Started).
--reference-id keeps only the entries with that reference id (the id your system gave them).`,
		Example: `  $ nimbusctl schedule list --service support@contoso.com
  $ nimbusctl schedule list --service support@contoso.com --reference-id callback-42 -o json`,
		Args:        cmdutil.NoArgs,
		Annotations: shared.Operations(nimbus.OpGetSchedulerEntries),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := shared.Require("service", service, serviceHint); err != nil {
				return err
			}
			c, err := f.Nimbus()
			if err != nil {
				return err
			}
			entries, err := c.GetSchedulerEntries(cmd.Context(), strings.TrimSpace(service))
			if err != nil {
				return err
			}
			out := []nimbus.SchedulerEntry{}
			for _, e := range entries {
				if ref == "" || e.ReferenceID == ref {
					out = append(out, e)
				}
			}
			return f.Printer().Print(out, entryCols)
		},
	}
	serviceFlag(cmd, f, &service, "`UPN` of the service whose calls to list (required)")
	cmd.Flags().StringVar(&ref, "reference-id", "", "only entries with this reference `id` (ReferenceId)")
	return cmd
}

func newCmdCreate(f *cmdutil.Factory) *cobra.Command {
	var ef *entryFlags
	var fromJSON string
	var allowDuplicate bool
	cmd := &cobra.Command{
		Use:   "create --service <upn> --destination <number> --due <time>",
		Short: "Schedule an outbound call",
		Long: `Schedules a call from a service to a destination at a due time and prints the new entry,
with its id. --service, --destination and --due are required (or the same fields in
--from-json, a SchedulerEntryWriteData with the API's field names; flags override it).

With --reference-id, the call goes through the profile's ledger, as 'schedule import' does
(see 'nimbusctl schedule ledger'): a call already listed with that reference id, or one the
ledger remembers (it may have run and no longer be listed), is not scheduled again (exit 7;
--allow-duplicate schedules it anyway). A script or cron job that runs twice never rings the
customer twice. Without a reference id nothing identifies the call: every run schedules one.

` + entryHelp,
		Example: `  $ nimbusctl schedule create --service support@contoso.com --destination "+41 44 555 12 34" --due +2h
  $ nimbusctl schedule create --service support@contoso.com --destination "044 555 12 34" \
      --due "2027-12-01 09:30" --tz Europe/Zurich --reference-id callback-42 --priority High \
      --max-attempts 3 --attempt-timeout 10m --customer-first-name Alice --customer-upn alice@muster.example \
      --context Reason="Invoice question"
  $ nimbusctl schedule create --from-json call.json -o json --jq .schedulerEntryId`,
		Args:        cmdutil.NoArgs,
		Annotations: shared.Operations(nimbus.OpGetDistributionPriorities, nimbus.OpGetSchedulerEntries, nimbus.OpCreateSchedulerEntry),
		RunE: func(cmd *cobra.Command, args []string) error {
			var w nimbus.SchedulerEntryWrite
			if fromJSON != "" {
				body, err := shared.ReadJSONBody(f.IO, "from-json", fromJSON)
				if err != nil {
					return err
				}
				if err := body.Decode(&w); err != nil {
					return err
				}
			}
			if err := ef.parse(f); err != nil {
				return err
			}
			ef.apply(&w)
			if w.ServiceUPN == "" {
				return shared.Require("service", "", serviceHint)
			}
			if w.Destination == "" {
				return shared.Require("destination", "", "the phone number (or SIP address) to call")
			}
			if w.DueDateTimeUTC == "" {
				return shared.Require("due", "", "when to call, e.g. +2h or 2027-12-01T09:30:00+01:00")
			}
			if err := w.Validate(); err != nil {
				return shared.Invalid(err)
			}
			if err := shared.RefusePast(f, w.DueDateTimeUTC, ef.allowPast); err != nil {
				return err
			}
			c, err := f.Nimbus()
			if err != nil {
				return err
			}
			if err := ef.resolvePriority(cmd.Context(), c, &w); err != nil {
				return err
			}
			created, err := createOnce(cmd.Context(), f, c, w, allowDuplicate)
			if err != nil {
				return err
			}
			if err := f.Printer().Print(created, entryCols); err != nil {
				return err
			}
			shared.Successf(f, "Scheduled call %s to %s at %s", created.SchedulerEntryID, created.Destination, created.DueDateTimeUTC)
			return nil
		},
	}
	ef = addEntryFlags(cmd, f)
	serviceFlag(cmd, f, &ef.service, "`UPN` of the service that calls (serviceUpn, required)")
	cmd.Flags().StringVar(&fromJSON, "from-json", "", shared.FromJSONUsage)
	cmd.Flags().BoolVar(&allowDuplicate, "allow-duplicate", false, "schedule the call even when the service lists one with the same --reference-id")
	return cmd
}

// createOnce schedules w. With a ReferenceId it goes through the profile's ledger under the
// scheduling lock, as an import does: written down before it is sent and again when
// answered, and refused (exit 7) when the service lists the call or the ledger remembers one
// that may have run; allowDuplicate skips the refusals, not the bookkeeping.
func createOnce(ctx context.Context, f *cmdutil.Factory, c *nimbus.Client, w nimbus.SchedulerEntryWrite, allowDuplicate bool) (nimbus.SchedulerEntry, error) {
	var none nimbus.SchedulerEntry
	if w.ReferenceID == "" {
		return c.CreateSchedulerEntry(ctx, w)
	}
	lock, err := lockSchedule(ctx, f, 5*time.Minute)
	if err != nil {
		return none, err
	}
	defer lock.Unlock()
	led, err := openLedger(f, "")
	if err != nil {
		return none, err
	}
	key := bulk.LedgerKey(w.ServiceUPN, w.ReferenceID)
	if err := led.Load(func(k string) bool { return k == key }); err != nil {
		return none, err
	}
	record := func(id, outcome string) error {
		return led.Record(bulk.LedgerEntry{Service: w.ServiceUPN, ReferenceID: w.ReferenceID, Destination: w.Destination,
			Due: w.DueDateTimeUTC, RecordedAt: f.Now().UTC().Format(time.RFC3339), Outcome: outcome, EntryID: id})
	}
	if !allowDuplicate {
		listed, err := listedByReference(ctx, c, w.ServiceUPN, w.ReferenceID)
		if err != nil {
			return none, err
		}
		if listed != nil {
			if prev, ok := led.Has(w.ServiceUPN, w.ReferenceID); !ok || !prev.Settled() {
				if err := record(listed.SchedulerEntryID, bulk.OutcomeFound); err != nil {
					return none, err
				}
			}
			return none, &cmdutil.ExitError{Code: cmdutil.ExitRejected, Err: fmt.Errorf(
				"%s already lists a call with reference id %q (entry %s, due %s): not scheduled again; change it with 'nimbusctl schedule update %s --service %s', or pass --allow-duplicate",
				w.ServiceUPN, w.ReferenceID, listed.SchedulerEntryID, listed.DueDateTimeUTC, listed.SchedulerEntryID, w.ServiceUPN)}
		}
		if prev, ok := led.Has(w.ServiceUPN, w.ReferenceID); ok && !prev.MaySendAgain(f.Now()) {
			return none, &cmdutil.ExitError{Code: cmdutil.ExitRejected, Err: fmt.Errorf(
				"the ledger remembers the call with reference id %q on %s (%s on %s, entry %s) and the service no longer lists it: it may have run, so it is not scheduled again; "+
					"to make it again, run: %s, or pass --allow-duplicate",
				w.ReferenceID, w.ServiceUPN, prev.Outcome, prev.RecordedAt, orNone(prev.EntryID), ledgerCommand(f, "forget", "", w.ReferenceID, w.ServiceUPN))}
		}
	}
	// Written down before it is sent: if this process dies before the answer, the next run
	// knows the call may exist.
	if err := record("", bulk.OutcomePending); err != nil {
		return none, fmt.Errorf("not scheduled: writing the ledger failed: %w", err)
	}
	created, err := c.CreateSchedulerEntry(ctx, w)
	if httpx.IsAmbiguous(err) {
		// It may have landed: never resent blindly. The next run finds it listed (recorded
		// as found) or, not listed while its due time lies ahead, knows it never landed.
		if lerr := record("", bulk.OutcomeLost); lerr != nil {
			err = fmt.Errorf("%w (and writing the ledger failed: %v)", err, lerr)
		}
		return none, fmt.Errorf("%w; the call may have been scheduled: it is in the ledger as lost, and running the same command again settles it without calling twice", err)
	}
	if err != nil {
		return none, err // refused: nothing was created; the pending line is harmless
	}
	if err := record(created.SchedulerEntryID, bulk.OutcomeCreated); err != nil {
		return none, fmt.Errorf("scheduled as %s, but writing the ledger failed: %w", created.SchedulerEntryID, err)
	}
	return created, nil
}

// moveInLedger records a call with a ReferenceId under its due time after an update: the
// ledger keeps calls by due day, and an entry left on the old day would expire while the
// call is still ahead.
func moveInLedger(ctx context.Context, f *cmdutil.Factory, w nimbus.SchedulerEntryWrite, id string) error {
	if w.ReferenceID == "" {
		return nil
	}
	lock, err := lockSchedule(ctx, f, 5*time.Minute)
	if err != nil {
		return err
	}
	defer lock.Unlock()
	led, err := openLedger(f, "")
	if err != nil {
		return err
	}
	return led.Record(bulk.LedgerEntry{Service: w.ServiceUPN, ReferenceID: w.ReferenceID, Destination: w.Destination,
		Due: w.DueDateTimeUTC, RecordedAt: f.Now().UTC().Format(time.RFC3339), Outcome: bulk.OutcomeFound, EntryID: id})
}

// listedByReference returns the service's call with that ReferenceId, or nil.
func listedByReference(ctx context.Context, c *nimbus.Client, service, ref string) (*nimbus.SchedulerEntry, error) {
	entries, err := c.GetSchedulerEntries(ctx, service)
	if err != nil {
		return nil, err
	}
	for i := range entries {
		if entries[i].ReferenceID == ref {
			return &entries[i], nil
		}
	}
	return nil, nil
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

func newCmdUpdate(f *cmdutil.Factory) *cobra.Command {
	var ef *entryFlags
	cmd := &cobra.Command{
		Use:   "update <id> --service <upn>",
		Short: "Change a scheduled call",
		Long: `Changes a scheduler entry that is not yet in progress. The API has no way to read one
entry, so the entry is looked up in the list of its service (--service, required); the
flags given replace those fields, everything else is sent back as it was.
--context, --customer-tel and --customer-field replace their whole lists.

` + entryHelp,
		Example: `  $ nimbusctl schedule update 0b6e... --service support@contoso.com --due +1d
  $ nimbusctl schedule update 0b6e... --service support@contoso.com --priority Urgent --max-attempts 5`,
		Args:        cmdutil.ExactArgs(1, "a scheduler entry id"),
		Annotations: shared.Operations(nimbus.OpGetSchedulerEntries, nimbus.OpGetDistributionPriorities, nimbus.OpUpdateSchedulerEntry),
		ValidArgsFunction: func(cmd *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
			if len(args) > 0 || ef.service == "" {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			return shared.CompleteStrings(f, func(c *nimbus.Client, ctx context.Context) ([]string, error) {
				entries, err := c.GetSchedulerEntries(ctx, ef.service)
				out := make([]string, 0, len(entries))
				for _, e := range entries {
					out = append(out, cobra.CompletionWithDesc(e.SchedulerEntryID, e.ReferenceID+" "+e.DueDateTimeUTC))
				}
				return out, err
			})(cmd, args, "")
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			id := strings.TrimSpace(args[0])
			if id == "" {
				return cmdutil.FlagErrorf("the scheduler entry id must not be empty")
			}
			if err := nimbus.OpUpdateSchedulerEntry.CheckIDs(id); err != nil {
				return err
			}
			if err := shared.Require("service", ef.service, "the UPN of the entry's service, where it is looked up"); err != nil {
				return err
			}
			if !ef.changed() {
				return cmdutil.FlagErrorf("nothing to update: give the fields to change (e.g. --due, --destination, --priority)")
			}
			if err := ef.parse(f); err != nil {
				return err
			}
			if cmd.Flags().Changed("due") {
				if err := shared.RefusePast(f, ef.dueUTC, ef.allowPast); err != nil {
					return err
				}
			}
			c, err := f.Nimbus()
			if err != nil {
				return err
			}
			entries, err := c.GetSchedulerEntries(cmd.Context(), strings.TrimSpace(ef.service))
			if err != nil {
				return err
			}
			var current *nimbus.SchedulerEntry
			for i := range entries {
				if entries[i].SchedulerEntryID == id {
					current = &entries[i]
				}
			}
			if current == nil {
				return shared.NotFoundf("scheduler entry %s not found among the entries of service %s", id, ef.service)
			}
			w := current.WriteData()
			w.DueDateTimeUTC = utcDue(w.DueDateTimeUTC)
			ef.apply(&w)
			if err := w.Validate(); err != nil {
				return shared.Invalid(err)
			}
			if err := ef.resolvePriority(cmd.Context(), c, &w); err != nil {
				return err
			}
			updated, err := c.UpdateSchedulerEntry(cmd.Context(), id, w)
			if err != nil {
				return err
			}
			if err := moveInLedger(cmd.Context(), f, w, id); err != nil {
				return fmt.Errorf("updated %s, but writing the ledger failed: %w", id, err)
			}
			if err := f.Printer().Print(updated, entryCols); err != nil {
				return err
			}
			shared.Successf(f, "Updated scheduler entry %s", id)
			return nil
		},
	}
	ef = addEntryFlags(cmd, f)
	serviceFlag(cmd, f, &ef.service, "`UPN` of the entry's service, where it is looked up (required)")
	return cmd
}

func newCmdRemove(f *cmdutil.Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "remove <id>...",
		Short: "Remove scheduled calls",
		Long:  `Removes scheduler entries that are not yet in progress. An unknown id exits 6.`,
		Example: `  $ nimbusctl schedule remove 0b6e5c1a-1234-4e2f-9a8b-7c6d5e4f3a01
  $ nimbusctl schedule list --service support@contoso.com --reference-id callback-42 -o json --jq '.[].schedulerEntryId' | xargs nimbusctl schedule remove`,
		Args:        cmdutil.MinimumArgs(1, "at least one scheduler entry id"),
		Annotations: shared.Operations(nimbus.OpDeleteSchedulerEntry),
		RunE: func(cmd *cobra.Command, args []string) error {
			for _, id := range args {
				if strings.TrimSpace(id) == "" {
					return cmdutil.FlagErrorf("a scheduler entry id must not be empty")
				}
			}
			c, err := f.Nimbus()
			if err != nil {
				return err
			}
			for i, id := range args {
				if err := c.DeleteSchedulerEntry(cmd.Context(), id); err != nil {
					if i > 0 {
						return fmt.Errorf("%w (%d of %d entries were removed before)", err, i, len(args))
					}
					return err
				}
				shared.Successf(f, "Removed scheduler entry %s", id)
			}
			return nil
		},
	}
}

func newCmdServices(f *cmdutil.Factory) *cobra.Command {
	return &cobra.Command{
		Use:         "services",
		Short:       "List the services that can schedule calls",
		Example:     `  $ nimbusctl schedule services`,
		Args:        cmdutil.NoArgs,
		Annotations: shared.Operations(nimbus.OpGetSchedulerEntryServices),
		RunE: func(cmd *cobra.Command, args []string) error {
			return shared.PrintStrings(cmd.Context(), f, (*nimbus.Client).GetSchedulerEntryServices, "SERVICE")
		},
	}
}

func newCmdPriorities(f *cmdutil.Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "priorities",
		Short: "List the distribution priorities of scheduled calls",
		Long: `Lists the priorities --priority accepts: give the name or the value; the value is what
is sent.`,
		Example:     `  $ nimbusctl schedule priorities`,
		Args:        cmdutil.NoArgs,
		Annotations: shared.Operations(nimbus.OpGetDistributionPriorities),
		RunE: func(cmd *cobra.Command, args []string) error {
			return shared.PrintNameValues(cmd.Context(), f, (*nimbus.Client).GetDistributionPriorities)
		},
	}
}

func newCmdEvents(f *cmdutil.Factory) *cobra.Command {
	return &cobra.Command{
		Use:         "events",
		Short:       "List the scheduler-entry events a trigger can subscribe to",
		Example:     `  $ nimbusctl schedule events`,
		Args:        cmdutil.NoArgs,
		Annotations: shared.Operations(nimbus.OpGetSchedulerEntriesEvents),
		RunE: func(cmd *cobra.Command, args []string) error {
			return shared.PrintNameValues(cmd.Context(), f, (*nimbus.Client).GetSchedulerEntriesEvents)
		},
	}
}
