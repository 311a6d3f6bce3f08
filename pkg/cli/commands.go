package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/nimbusctl/nimbusctl/pkg/cli/addressbook"
	"github.com/nimbusctl/nimbusctl/pkg/cli/api"
	authcmd "github.com/nimbusctl/nimbusctl/pkg/cli/auth"
	"github.com/nimbusctl/nimbusctl/pkg/cli/cmdutil"
	"github.com/nimbusctl/nimbusctl/pkg/cli/codes"
	configcmd "github.com/nimbusctl/nimbusctl/pkg/cli/config"
	"github.com/nimbusctl/nimbusctl/pkg/cli/contact"
	"github.com/nimbusctl/nimbusctl/pkg/cli/doctor"
	"github.com/nimbusctl/nimbusctl/pkg/cli/externaltask"
	"github.com/nimbusctl/nimbusctl/pkg/cli/nps"
	"github.com/nimbusctl/nimbusctl/pkg/cli/sandbox"
	"github.com/nimbusctl/nimbusctl/pkg/cli/schedule"
	"github.com/nimbusctl/nimbusctl/pkg/cli/sessions"
	"github.com/nimbusctl/nimbusctl/pkg/cli/task"
	"github.com/nimbusctl/nimbusctl/pkg/cli/trigger"
	"github.com/nimbusctl/nimbusctl/pkg/cli/version"
)

// topCommand is a command of the root: what the root's help and cobra's search for the
// invoked command need to know of it, and how to build it with its subcommands.
//
// A process builds only the command it runs: building the whole tree (about 180 commands,
// their flags and examples) took about 0.6 ms and 480 KB of every start, `version` and
// `--help` included. The names, aliases and summaries are therefore repeated here;
// TestTopCommandsMatchTheirBuilders keeps them equal to what each builder makes.
type topCommand struct {
	group   string // "core" or "setup", the root's help sections
	name    string
	aliases []string
	short   string
	build   func(*cmdutil.Factory) *cobra.Command
}

var topCommands = []topCommand{
	{"core", "addressbook", []string{"addressbooks", "ab"}, "List address books and empty them", addressbook.NewCmdAddressBook},
	{"core", "contact", []string{"contacts"}, "List, show, add, update and remove the contacts of an address book", contact.NewCmdContact},
	{"core", "schedule", []string{"scheduler-entry", "sched"}, "Schedule outbound calls (scheduler entries)", schedule.NewCmdSchedule},
	{"core", "external-task", []string{"external-tasks", "et"}, "Queue and remove external tasks", externaltask.NewCmdExternalTask},
	{"core", "task", []string{"tasks"}, "Update tasks in progress and list the task lookups", task.NewCmdTask},
	{"core", "trigger", []string{"triggers", "webhook"}, "Subscribe a webhook URL to task or scheduler-entry events", trigger.NewCmdTrigger},
	{"core", "codes", nil, "Report the primary and secondary Codes applied to sessions", codes.NewCmdCodes},
	{"core", "sessions", nil, "List finished sessions from the Nimbus reporting feed", sessions.NewCmdSessions},
	{"core", "nps", nil, "Send nps.today surveys (p-gap, after-call) and read ratings", nps.NewCmdNPS},
	{"setup", "auth", nil, "Sign in to Entra ID, show the credential in use, print tokens", authcmd.NewCmdAuth},
	{"setup", "sandbox", nil, "Run the emulated Nimbus, Entra ID, OData and nps.today on 127.0.0.1", sandbox.NewCmdSandbox},
	{"setup", "config", nil, "Manage profiles and settings", configcmd.NewCmdConfig},
	{"setup", "doctor", nil, "Check configuration, credentials and each service's connection", doctor.NewCmdDoctor},
	{"setup", "api", nil, "Make a raw request to the Nimbus connector API (or the OData feed)", api.NewCmdAPI},
	{"setup", "version", nil, "Show the version of nimbusctl", version.NewCmdVersion},
}

const placeholderAnnotation = "nimbusctl-placeholder"

// placeholder stands for the command in the root until the command line invokes it.
func (t topCommand) placeholder() *cobra.Command {
	return &cobra.Command{
		Use:         t.name,
		Aliases:     t.aliases,
		Short:       t.short,
		GroupID:     t.group,
		Annotations: map[string]string{placeholderAnnotation: t.name},
		RunE: func(cmd *cobra.Command, _ []string) error { // Run builds the command before it runs
			return fmt.Errorf("internal error: %s was not built", cmd.CommandPath())
		},
	}
}

func isPlaceholder(c *cobra.Command) bool {
	_, ok := c.Annotations[placeholderAnnotation]
	return ok
}

// build replaces a placeholder in root by the command it stands for.
func build(f *cmdutil.Factory, root, placeholder *cobra.Command) {
	for _, t := range topCommands {
		if t.name == placeholder.Annotations[placeholderAnnotation] {
			root.RemoveCommand(placeholder)
			c := t.build(f)
			c.GroupID = t.group
			root.AddCommand(c)
			guardGroups(c)
			return
		}
	}
}

// buildInvoked builds the top-level command that args invoke, found as cobra will find it
// (or writes the help topic). Where the search stops at the root on a word (help, shell
// completion, a typo), it builds them all: cobra's help and completion look into the whole tree.
func buildInvoked(f *cmdutil.Factory, root *cobra.Command, args []string) {
	cmd, _, err := root.Find(args)
	switch {
	case isPlaceholder(cmd):
		build(f, root, cmd)
	case cmd == root && err != nil:
		buildAll(f, root)
	default:
		writeTopic(cmd)
	}
}

// buildAll builds every placeholder and writes every help topic.
func buildAll(f *cmdutil.Factory, root *cobra.Command) {
	for _, c := range root.Commands() {
		if isPlaceholder(c) {
			build(f, root, c)
		}
		writeTopic(c)
	}
}
