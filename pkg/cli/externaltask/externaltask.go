// Package externaltask implements `nimbusctl external-task`: to-dos queued on a service for
// an agent (a callback request, a ticket, an e-mail from another system).
package externaltask

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/nimbusctl/nimbusctl/pkg/cli/cmdutil"
	"github.com/nimbusctl/nimbusctl/pkg/cli/shared"
	"github.com/nimbusctl/nimbusctl/pkg/nimbus"
	"github.com/nimbusctl/nimbusctl/pkg/output"
)

// NewCmdExternalTask builds `nimbusctl external-task` and its subcommands.
func NewCmdExternalTask(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "external-task <command>",
		Aliases: []string{"external-tasks", "et"},
		Short:   "Queue and remove external tasks",
		Long: `An external task is a to-do from another system (a callback request, a ticket) that a
Nimbus service distributes to its agents like a call. Once added, it is a task: change it with
'nimbusctl task update'.`,
		Example: `  $ nimbusctl external-task add --service support@contoso.com --customer-display-name "Alice Muster" --priority High
  $ nimbusctl external-task remove 7a5b3c1d-...`,
	}
	cmd.AddCommand(newCmdAdd(f), newCmdRemove(f), newCmdServices(f), newCmdPriorities(f))
	return cmd
}

var taskCols = output.Cols("ID=id", "SERVICE=serviceUPN", "MODALITY=modality", "CREATED=created", "PREFERRED USERS=preferredUsers")

func newCmdAdd(f *cmdutil.Factory) *cobra.Command {
	var service, identifier, priority, fromJSON string
	var tf *shared.TaskFlags
	cmd := &cobra.Command{
		Use:   "add --service <upn>",
		Short: "Queue an external task on a service",
		Long: fmt.Sprintf(`Adds an external task to a service's queue and prints it, with its id. --service is
required (or serviceUpn in --from-json, an ExternalTaskWriteDto with the API's field names;
flags override it). --priority takes a name or value from 'nimbusctl external-task
priorities'. --preferred-user routes the task to a user first: upn or upn:priority, priority
%d (high) to %d (low), at most %d users. --customer-identifier is your reporting id for the
customer (anonymous when empty).

`, nimbus.PreferredPriorityMin, nimbus.PreferredPriorityMax, nimbus.PreferredUsersMax) + shared.CustomerHelp,
		Example: `  $ nimbusctl external-task add --service support@contoso.com --customer-display-name "Alice Muster" \
      --customer-email alice.muster@muster.example --context Ticket=INC-4711 --priority High
  $ nimbusctl external-task add --service support@contoso.com --preferred-user anna.meier@contoso.com:1 \
      --preferred-user luca.rossi@contoso.com:5 -o json --jq .id`,
		Args:        cmdutil.NoArgs,
		Annotations: shared.Operations(nimbus.OpGetExternalTasksDistributionPriorities, nimbus.OpAddExternalTask),
		RunE: func(cmd *cobra.Command, args []string) error {
			var t nimbus.ExternalTaskWrite
			if fromJSON != "" {
				body, err := shared.ReadJSONBody(f.IO, "from-json", fromJSON)
				if err != nil {
					return err
				}
				if err := body.Decode(&t); err != nil {
					return err
				}
			}
			changed := cmd.Flags().Changed
			if changed("service") {
				t.ServiceUPN = strings.TrimSpace(service)
			}
			if t.ServiceUPN == "" {
				return shared.Require("service", "", "the UPN of a service (see 'nimbusctl external-task services')")
			}
			if changed("priority") && strings.TrimSpace(priority) == "" {
				return cmdutil.FlagErrorf("--priority must not be empty: see 'nimbusctl external-task priorities'")
			}
			if err := tf.Apply(&t.Customer, &t.CustomContextParameters, &t.PreferredUsers); err != nil {
				return err
			}
			if changed("customer-identifier") {
				t.CustomerIdentifier = identifier
			}
			if err := t.Validate(); err != nil {
				return shared.Invalid(err)
			}
			c, err := f.Nimbus()
			if err != nil {
				return err
			}
			if changed("priority") {
				list, err := c.GetExternalTasksDistributionPriorities(cmd.Context())
				if err != nil {
					return err
				}
				if t.DistributionPriority, err = shared.ResolveValue("priority", strings.TrimSpace(priority), list); err != nil {
					return err
				}
			}
			added, err := c.AddExternalTask(cmd.Context(), t)
			if err != nil {
				return err
			}
			if err := f.Printer().Print(added, taskCols); err != nil {
				return err
			}
			shared.Successf(f, "Added external task %s to %s", added.ID, t.ServiceUPN)
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&service, "service", "", "`UPN` of the service that handles the task (serviceUpn, required)")
	fl.StringVar(&identifier, "customer-identifier", "", "your reporting `id` for the customer (customerIdentifier)")
	fl.StringVar(&priority, "priority", "", "distribution `priority`, by name or value (distributionPriority)")
	fl.StringVar(&fromJSON, "from-json", "", shared.FromJSONUsage)
	tf = shared.AddTaskFlags(cmd, f)
	shared.CompleteFlag(cmd, "service", shared.CompleteStrings(f, (*nimbus.Client).GetExternalTasksServices))
	shared.CompleteFlag(cmd, "priority", shared.CompleteNameValues(f, (*nimbus.Client).GetExternalTasksDistributionPriorities))
	return cmd
}

func newCmdRemove(f *cmdutil.Factory) *cobra.Command {
	return &cobra.Command{
		Use:         "remove <id>",
		Short:       "Remove an external task",
		Long:        `Removes an external task (only external tasks: other tasks exit 6 as not found).`,
		Example:     `  $ nimbusctl external-task remove 7a5b3c1d-0004-4e2f-9a8b-7c6d5e4f3a04`,
		Args:        cmdutil.ExactArgs(1, "an external task id"),
		Annotations: shared.Operations(nimbus.OpRemoveExternalTask),
		RunE: func(cmd *cobra.Command, args []string) error {
			id := strings.TrimSpace(args[0])
			if id == "" {
				return cmdutil.FlagErrorf("the external task id must not be empty")
			}
			c, err := f.Nimbus()
			if err != nil {
				return err
			}
			if err := c.RemoveExternalTask(cmd.Context(), id); err != nil {
				return err
			}
			shared.Successf(f, "Removed external task %s", id)
			return nil
		},
	}
}

func newCmdServices(f *cmdutil.Factory) *cobra.Command {
	return &cobra.Command{
		Use:         "services",
		Short:       "List the services that accept external tasks",
		Example:     `  $ nimbusctl external-task services`,
		Args:        cmdutil.NoArgs,
		Annotations: shared.Operations(nimbus.OpGetExternalTasksServices),
		RunE: func(cmd *cobra.Command, args []string) error {
			return shared.PrintStrings(cmd.Context(), f, (*nimbus.Client).GetExternalTasksServices, "SERVICE")
		},
	}
}

func newCmdPriorities(f *cmdutil.Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "priorities",
		Short: "List the distribution priorities of external tasks",
		Long: `Lists the priorities --priority accepts: give the name or the value; the value is what
is sent.`,
		Example:     `  $ nimbusctl external-task priorities`,
		Args:        cmdutil.NoArgs,
		Annotations: shared.Operations(nimbus.OpGetExternalTasksDistributionPriorities),
		RunE: func(cmd *cobra.Command, args []string) error {
			return shared.PrintNameValues(cmd.Context(), f, (*nimbus.Client).GetExternalTasksDistributionPriorities)
		},
	}
}
