package schedule

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/nimbusctl/nimbusctl/pkg/cli/cmdutil"
	"github.com/nimbusctl/nimbusctl/pkg/cli/shared"
	"github.com/nimbusctl/nimbusctl/pkg/nimbus"
)

var entryHelp = fmt.Sprintf(`--due takes RFC 3339 with any offset (2027-12-01T09:30:00+01:00, sent as UTC), a wall-clock
time such as "2027-12-01 09:30", read in --tz (default: the profile's timezone, else the
machine's zone, which is then named on stderr), or a time from now such as +90m, +2h, +1d.
Days are calendar days in that zone: +1d is tomorrow at the same time of day, also over the
night the clocks change (23 or 25 hours then); hours and minutes are exact (+24h).
A due time that has passed is refused (exit 3, nothing sent): the call would ring at once
and could no longer be removed; --allow-past sends it anyway. --destination is normalized to
E.164 when it is a phone number (national numbers take the profile's default_country, and are
refused without one); SIP addresses and UPNs are sent as given. --priority takes a name or value from 'nimbusctl schedule priorities'.
Ranges: --max-attempts %d-%d, --attempt-timeout %s-%s, --max-queue-time %s-%s,
--rona-timeout %s-%s (durations such as 90s, 10m or plain seconds); the API applies its
defaults (1, 1h, 5m, 20s) to those not given.

`+shared.CustomerHelp,
	nimbus.MaxAttemptsMin, nimbus.MaxAttemptsMax,
	cmdutil.HumanSeconds(nimbus.AttemptTimeoutMin), cmdutil.HumanSeconds(nimbus.AttemptTimeoutMax),
	cmdutil.HumanSeconds(nimbus.MaxQueueTimeMin), cmdutil.HumanSeconds(nimbus.MaxQueueTimeMax),
	cmdutil.HumanSeconds(nimbus.RonaTimeoutMin), cmdutil.HumanSeconds(nimbus.RonaTimeoutMax))

// entryFlags are the flags of SchedulerEntryWriteData, shared by create and update.
type entryFlags struct {
	cmd                                       *cobra.Command
	service, destination, due, tz, reference  string
	priority                                  string
	allowPast                                 bool
	maxAttempts                               int
	attemptTimeout, maxQueueTime, ronaTimeout string
	customer                                  *shared.CustomerFlags
	context                                   *shared.ContextFlags

	// set by parse
	dueUTC   string
	dueTime  time.Time
	dest     string
	attemptS int
	queueS   int
	ronaS    int
}

func addEntryFlags(cmd *cobra.Command, f *cmdutil.Factory) *entryFlags {
	ef := &entryFlags{cmd: cmd}
	fl := cmd.Flags()
	fl.StringVar(&ef.destination, "destination", "", "phone `number` (E.164 after normalization) or SIP address to call (destination)")
	fl.StringVar(&ef.due, "due", "", "when to call: RFC 3339, a local `time` (see --tz) or +2h/+1d (dueDateTimeUtc)")
	fl.StringVar(&ef.tz, "tz", "", "IANA time `zone` of a wall-clock --due and of its days (+1d), e.g. Europe/Zurich (default: the profile's timezone, else the machine's)")
	fl.BoolVar(&ef.allowPast, "allow-past", false, "send a --due that has passed (the call starts at once and can no longer be removed)")
	fl.StringVar(&ef.reference, "reference-id", "", "your system's `id` for the call (ReferenceId)")
	fl.StringVar(&ef.priority, "priority", "", "distribution `priority`, by name or value (distributionPriority)")
	fl.IntVar(&ef.maxAttempts, "max-attempts", 0, fmt.Sprintf("how many `attempts` to reach the destination, %d-%d (maxAttempts)", nimbus.MaxAttemptsMin, nimbus.MaxAttemptsMax))
	fl.StringVar(&ef.attemptTimeout, "attempt-timeout", "", fmt.Sprintf("how long one attempt may take, a `duration` %s-%s (attemptTimeoutInSeconds)",
		cmdutil.HumanSeconds(nimbus.AttemptTimeoutMin), cmdutil.HumanSeconds(nimbus.AttemptTimeoutMax)))
	fl.StringVar(&ef.maxQueueTime, "max-queue-time", "", fmt.Sprintf("how long the call may wait for an agent, a `duration` %s-%s (maxQueueTimeInSeconds)",
		cmdutil.HumanSeconds(nimbus.MaxQueueTimeMin), cmdutil.HumanSeconds(nimbus.MaxQueueTimeMax)))
	fl.StringVar(&ef.ronaTimeout, "rona-timeout", "", fmt.Sprintf("how long an agent may ring before RONA, a `duration` %s-%s (ronaTimeoutInSeconds)",
		cmdutil.HumanSeconds(nimbus.RonaTimeoutMin), cmdutil.HumanSeconds(nimbus.RonaTimeoutMax)))
	ef.context = shared.AddContextFlags(cmd)
	ef.customer = shared.AddCustomerFlags(cmd, f)
	shared.CompleteFlag(cmd, "priority", shared.CompleteNameValues(f, (*nimbus.Client).GetDistributionPriorities))
	shared.CompleteFlag(cmd, "tz", shared.NoFiles)
	return ef
}

var entryFlagNames = []string{
	"destination", "due", "reference-id", "priority", "max-attempts", "attempt-timeout",
	"max-queue-time", "rona-timeout", "context",
}

// changed reports whether any field flag (not --service) was given.
func (ef *entryFlags) changed() bool {
	for _, n := range entryFlagNames {
		if ef.cmd.Flags().Changed(n) {
			return true
		}
	}
	return ef.customer.Changed()
}

// parse checks every flag that needs no API call.
func (ef *entryFlags) parse(f *cmdutil.Factory) error {
	changed := ef.cmd.Flags().Changed
	var err error
	if changed("tz") && !changed("due") {
		return cmdutil.FlagErrorf("--tz applies to --due: give --due as well")
	}
	if changed("due") {
		if ef.dueUTC, ef.dueTime, err = shared.ParseDue(f, ef.due, ef.tz); err != nil {
			return err
		}
	}
	if changed("max-attempts") {
		if err := cmdutil.IntInRange("max-attempts", ef.maxAttempts, nimbus.MaxAttemptsMin, nimbus.MaxAttemptsMax); err != nil {
			return err
		}
	}
	for _, d := range []struct {
		flag     string
		value    string
		out      *int
		min, max int
	}{
		{"attempt-timeout", ef.attemptTimeout, &ef.attemptS, nimbus.AttemptTimeoutMin, nimbus.AttemptTimeoutMax},
		{"max-queue-time", ef.maxQueueTime, &ef.queueS, nimbus.MaxQueueTimeMin, nimbus.MaxQueueTimeMax},
		{"rona-timeout", ef.ronaTimeout, &ef.ronaS, nimbus.RonaTimeoutMin, nimbus.RonaTimeoutMax},
	} {
		if changed(d.flag) {
			if *d.out, err = cmdutil.ParseSeconds(d.flag, strings.TrimSpace(d.value), d.min, d.max); err != nil {
				return err
			}
		}
	}
	if changed("priority") && strings.TrimSpace(ef.priority) == "" {
		return cmdutil.FlagErrorf("--priority must not be empty: see 'nimbusctl schedule priorities'")
	}
	if err := ef.context.Parse(); err != nil {
		return err
	}
	if err := ef.customer.Parse(); err != nil {
		return err
	}
	if changed("destination") {
		if strings.TrimSpace(ef.destination) == "" {
			return cmdutil.FlagErrorf("--destination must not be empty")
		}
		if ef.dest, err = shared.NormalizeDestination(f, "destination", ef.destination); err != nil {
			return err
		}
	}
	return nil
}

// apply writes the given flags into w (the priority as typed; see resolvePriority).
func (ef *entryFlags) apply(w *nimbus.SchedulerEntryWrite) {
	changed := ef.cmd.Flags().Changed
	if changed("service") {
		w.ServiceUPN = strings.TrimSpace(ef.service)
	}
	if changed("destination") {
		w.Destination = ef.dest
	}
	if changed("due") {
		w.DueDateTimeUTC = ef.dueUTC
	}
	if changed("reference-id") {
		w.ReferenceID = ef.reference
	}
	if changed("priority") {
		w.DistributionPriority = strings.TrimSpace(ef.priority)
	}
	if changed("max-attempts") {
		w.MaxAttempts = &ef.maxAttempts
	}
	if changed("attempt-timeout") {
		w.AttemptTimeoutInSeconds = &ef.attemptS
	}
	if changed("max-queue-time") {
		w.MaxQueueTimeInSeconds = &ef.queueS
	}
	if changed("rona-timeout") {
		w.RonaTimeoutInSeconds = &ef.ronaS
	}
	if ef.context.Changed() {
		w.CustomCallContextParameters = ef.context.Value
	}
	if ef.customer.Changed() {
		w.Customer = ef.customer.Apply(w.Customer)
	}
}

// resolvePriority checks a priority given by flag against the live list and sends its value
// (one in a --from-json body is sent as written: the API checks it).
func (ef *entryFlags) resolvePriority(ctx context.Context, c *nimbus.Client, w *nimbus.SchedulerEntryWrite) error {
	if !ef.cmd.Flags().Changed("priority") {
		return nil
	}
	list, err := c.GetDistributionPriorities(ctx)
	if err != nil {
		return err
	}
	w.DistributionPriority, err = shared.ResolveValue("priority", w.DistributionPriority, list)
	return err
}

// utcDue writes a due time read back from the API in the form writes require (RFC 3339 UTC,
// whole seconds), should the API answer it with fractions, an offset or no zone at all (then
// it is UTC, as the field's name says). Anything unreadable is left for Validate to report.
func utcDue(s string) string {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return nimbus.FormatDue(t)
	}
	if t, err := time.ParseInLocation("2006-01-02T15:04:05.999999999", s, time.UTC); err == nil {
		return nimbus.FormatDue(t)
	}
	return s
}
