// Package trigger implements `nimbusctl trigger`: webhook subscriptions to task and
// scheduler-entry events.
package trigger

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/nimbusctl/nimbusctl/pkg/cli/cmdutil"
	"github.com/nimbusctl/nimbusctl/pkg/cli/shared"
	"github.com/nimbusctl/nimbusctl/pkg/httpx"
	"github.com/nimbusctl/nimbusctl/pkg/nimbus"
	"github.com/nimbusctl/nimbusctl/pkg/output"
)

var kinds = []string{nimbus.TriggerTasks, nimbus.TriggerSchedulerEntries}

// NewCmdTrigger builds `nimbusctl trigger` and its subcommands.
func NewCmdTrigger(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "trigger <command>",
		Aliases: []string{"triggers", "webhook"},
		Short:   "Subscribe a webhook URL to task or scheduler-entry events",
		Long: `A trigger makes Nimbus POST an event (TaskEventData or SchedulerEntryEventData) to your URL
whenever a task or scheduler entry of the given services changes state. There are two kinds:
tasks and scheduler-entries. The API cannot list triggers, so nimbusctl records the ones it
creates: 'trigger list' shows them, 'trigger delete --all' removes them. 'trigger listen'
receives the events itself (durably, with after-call surveys and the screen-pop).`,
		Example: `  $ nimbusctl trigger create tasks --url https://hooks.example.com/nimbus --service support@contoso.com --event Created --event Terminated
  $ nimbusctl trigger list
  $ nimbusctl trigger delete tasks 3f2a...`,
	}
	cmd.AddCommand(newCmdCreate(f), newCmdDelete(f), newCmdList(f), newCmdListen(f))
	return cmd
}

// parseKind reads the KIND argument; the singular forms are accepted too.
func parseKind(s string) (string, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "tasks", "task":
		return nimbus.TriggerTasks, nil
	case "scheduler-entries", "scheduler-entry":
		return nimbus.TriggerSchedulerEntries, nil
	}
	return "", cmdutil.FlagErrorf("unknown trigger kind %q: allowed: %s", s, strings.Join(kinds, ", "))
}

func completeKind(_ *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
	if len(args) > 0 {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	return kinds, cobra.ShellCompDirectiveNoFileComp
}

// byKind completes a flag from the lookup that fits the KIND argument.
func byKind(tasks, entries cobra.CompletionFunc) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		if len(args) == 0 {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		kind, err := parseKind(args[0])
		switch {
		case err != nil:
			return nil, cobra.ShellCompDirectiveError
		case kind == nimbus.TriggerTasks:
			return tasks(cmd, args, toComplete)
		case entries == nil:
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		return entries(cmd, args, toComplete)
	}
}

func newCmdCreate(f *cmdutil.Factory) *cobra.Command {
	var rawURL string
	var services, events, modalities, directions []string
	cmd := &cobra.Command{
		Use:   "create <tasks|scheduler-entries> --url <url> --service <upn>... --event <name>...",
		Short: "Subscribe a URL to events",
		Long: `Registers a webhook and prints its id (from the Location of the API's answer). --url must
be an absolute https URL that Nimbus can reach (the events carry customer data; plain http
is accepted only to loopback, for a local receiver); --service (your services' UPNs, see
'nimbusctl task services' or 'nimbusctl schedule services') and --event (see 'nimbusctl task
events' or 'nimbusctl schedule events') are required and may be repeated or comma-separated.
Task triggers can be narrowed with --modality and --direction ('nimbusctl task modalities',
'nimbusctl task directions'). Events, modalities and directions take a name or value.`,
		Example: `  $ nimbusctl trigger create tasks --url https://hooks.example.com/nimbus \
      --service support@contoso.com --event Created,Terminated --modality Audio --direction Inbound
  $ nimbusctl trigger create scheduler-entries --url https://hooks.example.com/calls \
      --service support@contoso.com --service sales@contoso.com --event Completed -o json --jq .id`,
		Args:              cmdutil.ExactArgs(1, "a trigger kind (tasks or scheduler-entries)"),
		ValidArgsFunction: completeKind,
		Annotations: shared.Operations(
			nimbus.OpGetTaskEvents, nimbus.OpGetTaskModalities, nimbus.OpGetTaskDirections, nimbus.OpRegisterTaskWebHook,
			nimbus.OpGetSchedulerEntriesEvents, nimbus.OpRegisterSchedulerEntryTrigger,
		),
		RunE: func(cmd *cobra.Command, args []string) error {
			kind, err := parseKind(args[0])
			if err != nil {
				return err
			}
			if err := checkURL(rawURL); err != nil {
				return err
			}
			services = trimAll(services)
			if len(services) == 0 {
				return cmdutil.FlagErrorf("--service is required: the UPN of at least one of your services")
			}
			if len(trimAll(events)) == 0 {
				return cmdutil.FlagErrorf("--event is required: at least one event (see 'nimbusctl %s events')", map[string]string{
					nimbus.TriggerTasks: "task", nimbus.TriggerSchedulerEntries: "schedule"}[kind])
			}
			if kind == nimbus.TriggerSchedulerEntries && (len(modalities) > 0 || len(directions) > 0) {
				return cmdutil.FlagErrorf("--modality and --direction apply to tasks triggers only")
			}
			hide := storedToken(f) // a URL from 'trigger listen --show-url' carries it
			f.HideSecret(hide)
			c, err := f.Nimbus()
			if err != nil {
				return err
			}
			sp := Spec{URL: rawURL, Hide: hide, Services: services, Events: events, Modalities: modalities, Directions: directions}
			trig, err := create(cmd.Context(), f, c, kind, sp, "trigger create")
			if err != nil {
				return err
			}
			if err := f.Printer().Print(trig, output.Cols("ID=id", "KIND=kind", "LOCATION=location")); err != nil {
				return err
			}
			if trig.ID == "" {
				f.IO.Warnf("the API did not say the trigger's id (no Location header): it cannot be deleted with nimbusctl")
			}
			shared.Successf(f, "Created %s trigger %s", kind, trig.ID)
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&rawURL, "url", "", "absolute https `URL` the events are POSTed to (required)")
	fl.StringSliceVar(&services, "service", nil, "`UPN` of a service whose events to receive (required, repeatable)")
	fl.StringSliceVar(&events, "event", nil, "`event` to receive, by name or value (required, repeatable)")
	fl.StringSliceVar(&modalities, "modality", nil, "only tasks of this initial `modality`, by name or value (tasks only, repeatable)")
	fl.StringSliceVar(&directions, "direction", nil, "only tasks of this `direction`, by name or value (tasks only, repeatable)")
	shared.CompleteFlag(cmd, "url", shared.NoFiles)
	shared.CompleteFlag(cmd, "service", byKind(
		shared.CompleteStrings(f, (*nimbus.Client).GetServices),
		shared.CompleteStrings(f, (*nimbus.Client).GetSchedulerEntryServices)))
	shared.CompleteFlag(cmd, "event", byKind(
		shared.CompleteNameValues(f, (*nimbus.Client).GetTaskEvents),
		shared.CompleteNameValues(f, (*nimbus.Client).GetSchedulerEntriesEvents)))
	shared.CompleteFlag(cmd, "modality", byKind(shared.CompleteNameValues(f, (*nimbus.Client).GetTaskModalities), nil))
	shared.CompleteFlag(cmd, "direction", byKind(shared.CompleteNameValues(f, (*nimbus.Client).GetTaskDirections), nil))
	return cmd
}

// Spec is what a trigger subscribes: the URL, the services, and the events, modalities and
// directions (names or values, checked against the live lookups).
type Spec struct {
	URL                                      string
	Hide                                     string // a listener's path token in URL: recorded as TokenMark
	Services, Events, Modalities, Directions []string
}

// create registers a trigger and records it (the connector cannot list triggers). A
// trigger that was created but could not be recorded is still returned, with a warning.
func create(ctx context.Context, f *cmdutil.Factory, c *nimbus.Client, kind string, sp Spec, by string) (nimbus.Trigger, error) {
	rec := Recorded{Kind: kind, URL: sp.URL, Services: sp.Services}
	if sp.Hide != "" {
		rec.URL = redact(sp.URL, sp.Hide) // the token never reaches the record, not even for a moment
	}
	var trig nimbus.Trigger
	var err error
	if kind == nimbus.TriggerTasks {
		cfg := nimbus.TaskTriggerConfig{URL: sp.URL, Services: sp.Services}
		if cfg.TaskEvents, err = resolve(ctx, c, "event", sp.Events, (*nimbus.Client).GetTaskEvents); err != nil {
			return trig, err
		}
		if cfg.Modalities, err = resolve(ctx, c, "modality", sp.Modalities, (*nimbus.Client).GetTaskModalities); err != nil {
			return trig, err
		}
		if cfg.Directions, err = resolve(ctx, c, "direction", sp.Directions, (*nimbus.Client).GetTaskDirections); err != nil {
			return trig, err
		}
		if err := cfg.Validate(); err != nil {
			return trig, shared.Invalid(err)
		}
		rec.Events, rec.Modalities, rec.Directions = cfg.TaskEvents, cfg.Modalities, cfg.Directions
		trig, err = c.RegisterTaskWebHook(ctx, cfg)
	} else {
		cfg := nimbus.SchedulerEntryTriggerConfig{URL: sp.URL, Services: sp.Services}
		if cfg.SchedulerEntryEvents, err = resolve(ctx, c, "event", sp.Events, (*nimbus.Client).GetSchedulerEntriesEvents); err != nil {
			return trig, err
		}
		if err := cfg.Validate(); err != nil {
			return trig, shared.Invalid(err)
		}
		rec.Events = cfg.SchedulerEntryEvents
		trig, err = c.RegisterSchedulerEntryTrigger(ctx, cfg)
	}
	if err != nil || trig.ID == "" {
		return trig, err
	}
	p, err := f.Profile()
	if err == nil {
		rec.ID, rec.Profile, rec.CreatedAt, rec.CreatedBy = trig.ID, p.Name, f.Now().UTC().Truncate(time.Second), by
		err = remember(ctx, f, rec)
	}
	if err != nil {
		f.IO.Warnf("%s trigger %s was created, but not recorded (%v): 'trigger list' will not show it; delete it with 'nimbusctl trigger delete %s %s'", kind, trig.ID, err, kind, trig.ID)
	}
	return trig, nil
}

// checkURL applies the rule for event URLs before any call (httpx.CheckWebhookURL).
func checkURL(s string) error {
	if strings.TrimSpace(s) == "" {
		return cmdutil.FlagErrorf("--url is required: the absolute https URL the events are POSTed to")
	}
	if err := httpx.CheckWebhookURL(s); err != nil {
		return cmdutil.FlagErrorf("--url: %v", err)
	}
	return nil
}

// resolve checks the values of a repeatable flag against a live lookup (none given: no call).
func resolve(ctx context.Context, c *nimbus.Client, flag string, given []string, fetch shared.NameValueLookup) ([]string, error) {
	given = trimAll(given)
	if len(given) == 0 {
		return nil, nil
	}
	list, err := fetch(c, ctx)
	if err != nil {
		return nil, err
	}
	return shared.ResolveValues(flag, given, list)
}

func trimAll(vs []string) []string {
	var out []string
	for _, v := range vs {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

func newCmdDelete(f *cmdutil.Factory) *cobra.Command {
	var all, yes bool
	cmd := &cobra.Command{
		Use:   "delete (<tasks|scheduler-entries> <id> | --all)",
		Short: "Remove a webhook subscription, or all that nimbusctl created",
		Long: `Deletes a trigger by its kind and the id 'trigger create' printed (an unknown id, or
another user's trigger, exits 6), and drops it from the record 'trigger list' reads.

--all deletes every trigger the record holds for the current profile (see 'trigger list'),
and says for each whether it was deleted or already gone; one that cannot be deleted stays
in the record (exit 9). Their webhooks stop: it asks first, and without a terminal it needs
--yes.`,
		Example: `  $ nimbusctl trigger delete tasks 3f2a6b1c-...
  $ nimbusctl trigger delete scheduler-entries 9d8e7f6a-...
  $ nimbusctl trigger delete --all --yes`,
		Args: func(cmd *cobra.Command, args []string) error {
			if all {
				if len(args) > 0 {
					return cmdutil.FlagErrorf("--all deletes every recorded trigger: give no kind or id")
				}
				return nil
			}
			return cmdutil.ExactArgs(2, "a trigger kind (tasks or scheduler-entries) and a trigger id")(cmd, args)
		},
		ValidArgsFunction: completeKind,
		Annotations:       shared.Operations(nimbus.OpDeleteTaskEventsTrigger, nimbus.OpDeleteSchedulerEntriesTrigger),
		RunE: func(cmd *cobra.Command, args []string) error {
			if all {
				return deleteAll(cmd.Context(), f, yes)
			}
			kind, err := parseKind(args[0])
			if err != nil {
				return err
			}
			id := strings.TrimSpace(args[1])
			if id == "" {
				return cmdutil.FlagErrorf("the trigger id must not be empty")
			}
			c, err := f.Nimbus()
			if err != nil {
				return err
			}
			err = deleteTrigger(cmd.Context(), c, kind, id)
			if err == nil || cmdutil.ExitCodeOf(err) == cmdutil.ExitNotFound {
				if ferr := forget(cmd.Context(), f, kind, id); ferr != nil {
					f.IO.Warnf("could not update the trigger record: %v", ferr)
				}
			}
			if err != nil {
				return err
			}
			shared.Successf(f, "Deleted %s trigger %s", kind, id)
			return nil
		},
	}
	cmd.Flags().BoolVar(&all, "all", false, "delete every trigger the record holds for this profile")
	cmd.Flags().BoolVarP(&yes, "yes", "y", false, "with --all: do not ask for confirmation")
	return cmd
}

func deleteTrigger(ctx context.Context, c *nimbus.Client, kind, id string) error {
	if kind == nimbus.TriggerTasks {
		return c.DeleteTaskEventsTrigger(ctx, id)
	}
	return c.DeleteSchedulerEntriesTrigger(ctx, id)
}

// deleted is one line of `trigger delete --all`.
type deleted struct {
	ID     string `json:"id"`
	Kind   string `json:"kind"`
	Result string `json:"result"` // deleted, gone (already deleted), failed
	Detail string `json:"detail,omitempty"`
}

func deleteAll(ctx context.Context, f *cmdutil.Factory, yes bool) error {
	p, err := f.Profile()
	if err != nil {
		return err
	}
	list, err := recorded(f, p.Name)
	if err != nil {
		return err
	}
	if len(list) == 0 {
		f.IO.Infof("No triggers recorded for profile %s.", p.Name)
		return nil
	}
	if err := cmdutil.ConfirmDestructive(f, yes, fmt.Sprintf("delete the %s recorded for profile %s (their webhooks stop)",
		output.Plural(len(list), "trigger", "triggers"), p.Name)); err != nil {
		return err
	}
	c, err := f.Nimbus()
	if err != nil {
		return err
	}
	out := make([]deleted, 0, len(list))
	failed := 0
	for _, r := range list {
		d := deleted{ID: r.ID, Kind: r.Kind, Result: "deleted"}
		err := deleteTrigger(ctx, c, r.Kind, r.ID)
		switch code := cmdutil.ExitCodeOf(err); {
		case err == nil:
		case code == cmdutil.ExitNotFound:
			d.Result, d.Detail = "gone", "already deleted (or never reached Nimbus)"
		case code == cmdutil.ExitAuth || code == cmdutil.ExitCancelled:
			return err
		default:
			d.Result, d.Detail = "failed", err.Error()
			failed++
		}
		if d.Result != "failed" {
			if err := forget(ctx, f, r.Kind, r.ID); err != nil {
				return err
			}
		}
		out = append(out, d)
	}
	if err := f.Printer().Print(out, output.Cols("ID=id", "KIND=kind", "RESULT=result", "DETAIL=detail")); err != nil {
		return err
	}
	if failed > 0 {
		return &cmdutil.PartialError{Msg: fmt.Sprintf("%d of %s could not be deleted; they stay in the record", failed, output.Plural(len(out), "trigger", "triggers"))}
	}
	return nil
}

func newCmdList(f *cmdutil.Factory) *cobra.Command {
	var allProfiles bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the triggers nimbusctl created (the API cannot list them)",
		Long: `The connector has no way to list triggers, so nimbusctl records the ones it creates
('trigger create', 'trigger listen --register') in the state folder: id, kind, URL,
filters, profile and when. This command shows that record for the current profile
(--all-profiles: every profile's). A trigger created elsewhere (Power Automate, another
machine) is not in it. A listener's path token is shown as ` + TokenMark + `.`,
		Example: `  $ nimbusctl trigger list
  $ nimbusctl trigger list -o json --jq '.[] | select(.kind == "tasks") | .id'`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			profile := ""
			if !allProfiles {
				p, err := f.Profile()
				if err != nil {
					return err
				}
				profile = p.Name
			}
			list, err := recorded(f, profile)
			if err != nil {
				return err
			}
			if list == nil {
				list = []Recorded{}
			}
			return f.Printer().Print(list, output.Cols("ID=id", "KIND=kind", "URL=url", "SERVICES=services", "EVENTS=events",
				"PROFILE=profile", "CREATED=createdAt", "BY=createdBy"))
		},
	}
	cmd.Flags().BoolVar(&allProfiles, "all-profiles", false, "show the triggers of every profile")
	return cmd
}
