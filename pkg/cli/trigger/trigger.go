// Package trigger implements `nimbusctl trigger`: webhook subscriptions to task and
// scheduler-entry events.
package trigger

import (
	"context"
	"strings"

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
tasks and scheduler-entries. The API cannot list triggers: keep the id 'trigger create'
prints, 'trigger delete' needs it.`,
		Example: `  $ nimbusctl trigger create tasks --url https://hooks.example.com/nimbus --service support@contoso.com --event Created --event Terminated
  $ nimbusctl trigger delete tasks 3f2a...`,
	}
	cmd.AddCommand(newCmdCreate(f), newCmdDelete(f))
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
			c, err := f.Nimbus()
			if err != nil {
				return err
			}
			var trig nimbus.Trigger
			if kind == nimbus.TriggerTasks {
				cfg := nimbus.TaskTriggerConfig{URL: rawURL, Services: services}
				if cfg.TaskEvents, err = resolve(cmd.Context(), c, "event", events, (*nimbus.Client).GetTaskEvents); err != nil {
					return err
				}
				if cfg.Modalities, err = resolve(cmd.Context(), c, "modality", modalities, (*nimbus.Client).GetTaskModalities); err != nil {
					return err
				}
				if cfg.Directions, err = resolve(cmd.Context(), c, "direction", directions, (*nimbus.Client).GetTaskDirections); err != nil {
					return err
				}
				if err := cfg.Validate(); err != nil {
					return shared.Invalid(err)
				}
				trig, err = c.RegisterTaskWebHook(cmd.Context(), cfg)
			} else {
				cfg := nimbus.SchedulerEntryTriggerConfig{URL: rawURL, Services: services}
				if cfg.SchedulerEntryEvents, err = resolve(cmd.Context(), c, "event", events, (*nimbus.Client).GetSchedulerEntriesEvents); err != nil {
					return err
				}
				if err := cfg.Validate(); err != nil {
					return shared.Invalid(err)
				}
				trig, err = c.RegisterSchedulerEntryTrigger(cmd.Context(), cfg)
			}
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
	return &cobra.Command{
		Use:   "delete <tasks|scheduler-entries> <id>",
		Short: "Remove a webhook subscription",
		Long: `Deletes a trigger you created, by its kind and the id 'trigger create' printed. An unknown
id (or another user's trigger) exits 6.`,
		Example: `  $ nimbusctl trigger delete tasks 3f2a6b1c-...
  $ nimbusctl trigger delete scheduler-entries 9d8e7f6a-...`,
		Args:              cmdutil.ExactArgs(2, "a trigger kind (tasks or scheduler-entries) and a trigger id"),
		ValidArgsFunction: completeKind,
		Annotations:       shared.Operations(nimbus.OpDeleteTaskEventsTrigger, nimbus.OpDeleteSchedulerEntriesTrigger),
		RunE: func(cmd *cobra.Command, args []string) error {
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
			if kind == nimbus.TriggerTasks {
				err = c.DeleteTaskEventsTrigger(cmd.Context(), id)
			} else {
				err = c.DeleteSchedulerEntriesTrigger(cmd.Context(), id)
			}
			if err != nil {
				return err
			}
			shared.Successf(f, "Deleted %s trigger %s", kind, id)
			return nil
		},
	}
}
