package schedule

import (
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/nimbusctl/nimbusctl/pkg/bulk"
	"github.com/nimbusctl/nimbusctl/pkg/cli/cmdutil"
	"github.com/nimbusctl/nimbusctl/pkg/cli/shared"
	"github.com/nimbusctl/nimbusctl/pkg/httpx"
	"github.com/nimbusctl/nimbusctl/pkg/nimbus"
)

func newCmdImport(f *cmdutil.Factory) *cobra.Command {
	var service, tz, ledgerDir string
	var update, allowPast, noLedger bool
	var wait time.Duration
	cmd := &cobra.Command{
		Use:   "import <file>",
		Short: "Schedule one outbound call per row of a CSV file, never the same call twice",
		Long: `Each row is one call: a destination (E.164 phone number, or a SIP address/UPN), a due time,
the service (a column, or --service), and optionally a ReferenceId, priority, attempts, timeouts,
customer columns (first name, last name, company, email, customer.* ...), field.<name> customer
fields, tel.<name> customer numbers and ctx.<name> context parameters.

The service plus the ReferenceId is the call's identity. A row whose call already exists on the
service is skipped (--update changes it instead), and so is a call this machine scheduled before
that is no longer listed (it has run): the ledger in the state folder remembers it. Without a
ReferenceId column the reference is derived from service, destination and due time. So a cron
job that runs twice never rings a customer twice, and a run after a crash or Ctrl-C schedules
only what is left. ReferenceIds that differ only in case, width or spacing (S-1, s-1) are never
two calls: two such rows are duplicates, and a row whose id the service lists or the ledger
remembers only so is reported and neither scheduled nor changed. When the answer to a create is lost (timeout, 502/504) the call is looked up,
never sent again blindly; if it cannot be found it is reported as failed for the next run.

Due times: RFC 3339 with any offset, a relative time (+2h, +1d), or a wall-clock time
("2027-12-01 09:30") read in --tz (default: the profile's timezone, else the machine's zone,
which is then named on stderr). In a relative time, days are calendar days in that zone: +1d
is tomorrow at the same time of day, also over the night the clocks change; hours and minutes
are exact (+24h is 24 hours). New rows whose due time has passed are invalid unless
--allow-past. Every row is checked before the first call is scheduled.

Every call of the file that a run schedules, may have scheduled, or finds listed goes into
the ledger before the run ends, also after a killed run: see 'nimbusctl schedule ledger'.

Exit codes: 0 done, 3 invalid rows or every row invalid (nothing sent), 9 some rows failed
or were skipped as invalid, 2 cancelled.`,
		Example: `  $ nimbusctl schedule import callbacks.csv --service support@contoso.com --tz Europe/Zurich --dry-run
  $ nimbusctl schedule import callbacks.csv --service support@contoso.com --tz Europe/Zurich --report report.csv

  # crontab: every 15 minutes, safe to overlap and to rerun
  */15 * * * * nimbusctl schedule import /data/callbacks.csv --skip-invalid --report /var/log/callbacks.csv`,
		Args:        cmdutil.ExactArgs(1, "a CSV file"),
		Annotations: shared.Operations(nimbus.OpGetSchedulerEntryServices, nimbus.OpGetDistributionPriorities, nimbus.OpGetSchedulerEntries, nimbus.OpCreateSchedulerEntry, nimbus.OpUpdateSchedulerEntry),
	}
	bf := shared.AddBulkFlags(cmd, "nimbus")
	serviceFlag(cmd, f, &service, "service for rows without a service column")
	cmd.Flags().StringVar(&tz, "tz", "", "time `zone` of wall-clock due times and of days (+1d), e.g. Europe/Zurich (default: the profile's timezone, else the machine's)")
	cmd.Flags().BoolVar(&update, "update", false, "change calls that exist already (and are not yet in progress) to match their row")
	cmd.Flags().BoolVar(&allowPast, "allow-past", false, "schedule new rows whose due time has passed (they start at once)")
	cmd.Flags().StringVar(&ledgerDir, "ledger", "", "`folder` of the ledger of scheduled calls (default: the state folder, per profile)")
	cmd.Flags().BoolVar(&noLedger, "no-ledger", false, "do not use the ledger: only the calls Nimbus still lists are recognized")
	cmd.Flags().DurationVar(&wait, "wait", 5*time.Minute, "how long to wait for another schedule import of this profile to finish (they take turns)")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		if err := bf.Check(f); err != nil {
			return err
		}
		if err := cmdutil.MutuallyExclusive("--ledger and --no-ledger: pick one", ledgerDir != "", noLedger); err != nil {
			return err
		}
		loc, machineZone, err := shared.DueZone(f, tz)
		if err != nil {
			return err
		}
		p, err := f.Profile()
		if err != nil {
			return err
		}
		in, cleanup, err := bulk.FileInput(args[0], f.IO.In, bf.ReadOptions())
		if err != nil {
			return cmdutil.FlagErrorf("cannot read %s: %v", args[0], err)
		}
		defer cleanup()
		si := &bulk.ScheduleImport{
			Input: in, Maps: bf.MapsParsed(), Service: strings.TrimSpace(service), TZ: loc, Now: f.Now,
			DefaultCountry: p.Get("default_country"), Update: update, AllowPast: allowPast,
			SkipInvalid: bf.SkipInvalid, DryRun: bf.DryRun, ValidateOnly: bf.ValidateOnly, Workers: bf.Concurrency,
		}
		var lim *httpx.Limiter
		if !bf.ValidateOnly && !bf.DryRun {
			// Overlapping runs (a slow cron job and the next one) would both see a call as
			// missing and both schedule it: they take turns instead.
			lock, err := lockSchedule(cmd.Context(), f, wait)
			if err != nil {
				return err
			}
			defer lock.Unlock()
		}
		if !bf.ValidateOnly {
			c, err := f.Nimbus()
			if err != nil {
				return err
			}
			si.Client, lim = c, c.HTTP().Limiter()
			if !noLedger {
				if si.Ledger, err = openLedger(f, ledgerDir); err != nil {
					return err
				}
				si.LedgerCommand = func(verb, ref, service string) string {
					return ledgerCommand(f, verb, ledgerDir, ref, service)
				}
			}
		}
		run, err := bf.StartRun(f, in.Name, lim)
		if err != nil {
			return err
		}
		si.Recorder, si.Problem, si.Warn, si.Total = run.Recorder, run.Problem, run.Warn, run.Total
		if machineZone != "" {
			si.ZoneNote = shared.MachineZoneNote(machineZone)
		}
		return run.Finish(si.Run(cmd.Context()))
	}
	return cmd
}
