// Package addressbook implements `nimbusctl addressbook`: list the address books and empty one.
package addressbook

import (
	"github.com/spf13/cobra"

	"github.com/nimbusctl/nimbusctl/pkg/cli/cmdutil"
	"github.com/nimbusctl/nimbusctl/pkg/cli/shared"
	"github.com/nimbusctl/nimbusctl/pkg/nimbus"
	"github.com/nimbusctl/nimbusctl/pkg/output"
)

// NewCmdAddressBook builds `nimbusctl addressbook` and its subcommands.
func NewCmdAddressBook(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "addressbook <command>",
		Aliases: []string{"addressbooks", "ab"},
		Short:   "List address books and empty them",
		Long: `Address books hold the contacts Nimbus shows agents and matches callers against. You see
the address books your Nimbus role allows; manage their contacts with 'nimbusctl contact'.`,
		Example: `  $ nimbusctl addressbook list
  $ nimbusctl addressbook clear Customers --yes`,
	}
	cmd.AddCommand(newCmdList(f), newCmdClear(f))
	return cmd
}

func newCmdList(f *cmdutil.Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List the address books you may use",
		Example: `  $ nimbusctl addressbook list
  $ nimbusctl addressbook list -o json --jq '.[] | select(.name=="Customers") | .id'`,
		Args:        cmdutil.NoArgs,
		Annotations: shared.Operations(nimbus.OpGetAddressBooks),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.Nimbus()
			if err != nil {
				return err
			}
			books, err := c.GetAddressBooks(cmd.Context())
			if err != nil {
				return err
			}
			if books == nil {
				books = []nimbus.AddressBook{}
			}
			return f.Printer().Print(books, output.Cols("NAME=name", "ID=id"))
		},
	}
}

func newCmdClear(f *cmdutil.Factory) *cobra.Command {
	var yes bool
	cmd := &cobra.Command{
		Use:   "clear <book>",
		Short: "Remove every contact of an address book",
		Long: `Removes every contact of the address book at once. This cannot be undone: on a terminal
you are asked to confirm; without one (scripts, cron) pass --yes.

` + shared.BookArgHelp,
		Example: `  $ nimbusctl addressbook clear Customers
  $ nimbusctl addressbook clear b00c5e7d-0001-4a6b-9c8d-1e2f3a4b5c01 --yes`,
		Args:              cmdutil.ExactArgs(1, "an address book (id or name)"),
		ValidArgsFunction: shared.CompleteBooks(f),
		Annotations:       shared.Operations(nimbus.OpGetAddressBooks, nimbus.OpClearContacts),
		RunE: func(cmd *cobra.Command, args []string) error {
			if !yes && !f.IO.CanPrompt() {
				// Fail before any call: nobody can answer the question.
				return cmdutil.ConfirmDestructive(f, false, "clear address book "+args[0])
			}
			c, book, err := shared.NimbusBook(cmd.Context(), f, args[0])
			if err != nil {
				return err
			}
			if err := cmdutil.ConfirmDestructive(f, yes, "clear address book "+shared.BookLabel(book)); err != nil {
				return err
			}
			if err := c.ClearContacts(cmd.Context(), book.ID); err != nil {
				return err
			}
			shared.Successf(f, "Cleared address book %s", shared.BookLabel(book))
			return nil
		},
	}
	cmd.Flags().BoolVarP(&yes, "yes", "y", false, "do not ask for confirmation")
	return cmd
}
