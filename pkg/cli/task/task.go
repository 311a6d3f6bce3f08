// Package task implements `nimbusctl task`: change a task in progress, and the task lookups.
package task

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/nimbusctl/nimbusctl/pkg/cli/cmdutil"
	"github.com/nimbusctl/nimbusctl/pkg/cli/shared"
	"github.com/nimbusctl/nimbusctl/pkg/nimbus"
)

// NewCmdTask builds `nimbusctl task` and its subcommands.
func NewCmdTask(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "task <command>",
		Aliases: []string{"tasks"},
		Short:   "Update tasks in progress and list the task lookups",
		Long: `A task is a call, chat or external task a Nimbus service is handling. Its id comes from
a task trigger's event (taskId) or from 'nimbusctl external-task add'.`,
		Example: `  $ nimbusctl task update 7a5b3c1d-... --customer-display-name "Alice Muster" --context Reason=Invoice
  $ nimbusctl task events`,
	}
	cmd.AddCommand(
		newCmdUpdate(f),
		lookup(f, "events", "List the task events a trigger can subscribe to", nimbus.OpGetTaskEvents, (*nimbus.Client).GetTaskEvents),
		lookup(f, "modalities", "List the task modalities (Audio, InstantMessaging, ExternalTask, ...)", nimbus.OpGetTaskModalities, (*nimbus.Client).GetTaskModalities),
		lookup(f, "directions", "List the task directions (Inbound, Outbound, None)", nimbus.OpGetTaskDirections, (*nimbus.Client).GetTaskDirections),
		upns(f, "services", "List your services (for task triggers)", "SERVICE", nimbus.OpGetServices, (*nimbus.Client).GetServices),
		upns(f, "preferred-users", "List the users a task can be routed to first", "USER", nimbus.OpGetUsersForPreferredRouting, (*nimbus.Client).GetUsersForPreferredRouting),
	)
	return cmd
}

func newCmdUpdate(f *cmdutil.Factory) *cobra.Command {
	var fromJSON string
	var tf *shared.TaskFlags
	cmd := &cobra.Command{
		Use:   "update <task-id>",
		Short: "Change the customer, context parameters or preferred users of a task in progress",
		Long: fmt.Sprintf(`Sends only what is given: customer fields are merged into the task's customer, context
parameters are merged by name, and --preferred-user (upn or upn:priority, priority %d (high)
to %d (low), at most %d) replaces the preferred users. --from-json reads a TaskInformation
body with the API's field names; flags override its fields.

`, nimbus.PreferredPriorityMin, nimbus.PreferredPriorityMax, nimbus.PreferredUsersMax) + shared.CustomerHelp,
		Example: `  $ nimbusctl task update 7a5b3c1d-0001-4e2f-9a8b-7c6d5e4f3a01 --customer-first-name Alice --customer-upn alice@muster.example
  $ nimbusctl task update 7a5b3c1d-0001-4e2f-9a8b-7c6d5e4f3a01 --context Reason="Invoice question" --preferred-user anna.meier@contoso.com:1
  $ nimbusctl task update 7a5b3c1d-0001-4e2f-9a8b-7c6d5e4f3a01 --from-json info.json`,
		Args:        cmdutil.ExactArgs(1, "a task id"),
		Annotations: shared.Operations(nimbus.OpUpdateTask),
		RunE: func(cmd *cobra.Command, args []string) error {
			id := strings.TrimSpace(args[0])
			if id == "" {
				return cmdutil.FlagErrorf("the task id must not be empty")
			}
			if fromJSON == "" && !tf.Changed() {
				return cmdutil.FlagErrorf("nothing to update: give customer flags, --context, --preferred-user or --from-json")
			}
			var info nimbus.TaskInformation
			if fromJSON != "" {
				body, err := shared.ReadJSONBody(f.IO, "from-json", fromJSON)
				if err != nil {
					return err
				}
				if err := body.Decode(&info); err != nil {
					return err
				}
			}
			if err := tf.Apply(&info.Customer, &info.CustomContextParameters, &info.PreferredUsers); err != nil {
				return err
			}
			if err := info.Validate(); err != nil {
				return shared.Invalid(err)
			}
			c, err := f.Nimbus()
			if err != nil {
				return err
			}
			if err := c.UpdateTask(cmd.Context(), id, info); err != nil {
				return err
			}
			shared.Successf(f, "Updated task %s", id)
			return nil
		},
	}
	cmd.Flags().StringVar(&fromJSON, "from-json", "", shared.FromJSONUsage)
	tf = shared.AddTaskFlags(cmd, f)
	return cmd
}

func lookup(f *cmdutil.Factory, use, short string, op nimbus.Operation, fetch shared.NameValueLookup) *cobra.Command {
	return &cobra.Command{
		Use:         use,
		Short:       short,
		Example:     "  $ nimbusctl task " + use,
		Args:        cmdutil.NoArgs,
		Annotations: shared.Operations(op),
		RunE: func(cmd *cobra.Command, args []string) error {
			return shared.PrintNameValues(cmd.Context(), f, fetch)
		},
	}
}

func upns(f *cmdutil.Factory, use, short, header string, op nimbus.Operation, fetch shared.StringLookup) *cobra.Command {
	return &cobra.Command{
		Use:         use,
		Short:       short,
		Example:     "  $ nimbusctl task " + use,
		Args:        cmdutil.NoArgs,
		Annotations: shared.Operations(op),
		RunE: func(cmd *cobra.Command, args []string) error {
			return shared.PrintStrings(cmd.Context(), f, fetch, header)
		},
	}
}
