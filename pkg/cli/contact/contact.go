// Package contact implements `nimbusctl contact`: the contacts of an address book.
package contact

import (
	"strings"

	"github.com/spf13/cobra"

	"github.com/nimbusctl/nimbusctl/pkg/cli/cmdutil"
	"github.com/nimbusctl/nimbusctl/pkg/cli/shared"
	"github.com/nimbusctl/nimbusctl/pkg/nimbus"
	"github.com/nimbusctl/nimbusctl/pkg/output"
)

// NewCmdContact builds `nimbusctl contact` and its subcommands.
func NewCmdContact(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "contact <command>",
		Aliases: []string{"contacts"},
		Short:   "List, show, add, update and remove the contacts of an address book",
		Long: `A contact is keyed by its external id (the id your system gives it) within its address
book. ` + shared.BookArgHelp,
		Example: `  $ nimbusctl contact list Customers
  $ nimbusctl contact get Customers CUST-0001 -o yaml
  $ nimbusctl contact add Customers --external-id CUST-0042 --first-name Ada --last-name Lovelace --email ada@example.com
  $ nimbusctl contact update Customers CUST-0042 --company "Analytical Engines"
  $ nimbusctl contact remove Customers CUST-0042`,
	}
	cmd.AddCommand(newCmdList(f), newCmdGet(f), newCmdAdd(f), newCmdUpdate(f), newCmdRemove(f), newCmdImport(f), newCmdExport(f))
	return cmd
}

// row is the table and csv view of a contact; -o json prints the API's ContactReadDto.
type row struct {
	ExternalID string `json:"externalId"`
	Name       string `json:"name"`
	Company    string `json:"company"`
	Email      string `json:"email"`
	Phone      string `json:"phone"`
}

var rowCols = output.Cols("EXTERNAL ID=externalId", "NAME=name", "COMPANY=company", "EMAIL=email", "PHONE=phone")

func toRow(ct nimbus.Contact) row {
	name := ct.DisplayName
	if name == "" {
		name = strings.TrimSpace(ct.FirstName + " " + ct.LastName)
	}
	r := row{ExternalID: ct.ExternalID, Name: name, Company: ct.Company}
	if len(ct.EmailAddresses) > 0 {
		r.Email = ct.EmailAddresses[0]
	}
	for _, phones := range [][]string{ct.BusinessPhones, ct.MobilePhones, ct.HomePhones} {
		if len(phones) > 0 {
			r.Phone = phones[0]
			break
		}
	}
	return r
}

func printContacts(f *cmdutil.Factory, cts []nimbus.Contact) error {
	if cts == nil {
		cts = []nimbus.Contact{}
	}
	rows := make([]row, len(cts))
	for i, ct := range cts {
		rows[i] = toRow(ct)
	}
	return shared.Print(f, cts, rows, rowCols)
}

func printContact(f *cmdutil.Factory, ct nimbus.Contact) error {
	return shared.Print(f, ct, toRow(ct), rowCols)
}

func newCmdList(f *cmdutil.Factory) *cobra.Command {
	var ids []string
	cmd := &cobra.Command{
		Use:   "list <book>",
		Short: "List the contacts of an address book",
		Long: `Lists every contact of the address book, or only those with the given external ids.
The table shows the first e-mail address and the first phone number (business, mobile,
then home); -o json and -o yaml give the contacts exactly as the API returns them.

` + shared.BookArgHelp,
		Example: `  $ nimbusctl contact list Customers
  $ nimbusctl contact list Customers --external-id CUST-0001 --external-id CUST-0002 -o json
  $ nimbusctl contact list Customers -o json --jq '.[].externalId'`,
		Args:              cmdutil.ExactArgs(1, "an address book (id or name)"),
		ValidArgsFunction: shared.CompleteBooks(f),
		Annotations:       shared.Operations(nimbus.OpGetAddressBooks, nimbus.OpGetContacts),
		RunE: func(cmd *cobra.Command, args []string) error {
			for _, id := range ids {
				if strings.TrimSpace(id) == "" {
					return cmdutil.FlagErrorf("--external-id must not be empty")
				}
			}
			c, book, err := shared.NimbusBook(cmd.Context(), f, args[0])
			if err != nil {
				return err
			}
			cts, err := c.GetContacts(cmd.Context(), book.ID, dedupe(ids))
			if err != nil {
				return err
			}
			return printContacts(f, cts)
		},
	}
	cmd.Flags().StringArrayVar(&ids, "external-id", nil, "only the contact with this external `id` (repeatable)")
	return cmd
}

func newCmdGet(f *cmdutil.Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "get <book> <external-id>",
		Short: "Show one contact",
		Long: `Shows every field of one contact; exits 6 when the address book has no contact with this
external id.

` + shared.BookArgHelp,
		Example: `  $ nimbusctl contact get Customers CUST-0001
  $ nimbusctl contact get Customers CUST-0001 -o json`,
		Args:              cmdutil.ExactArgs(2, "an address book and an external id"),
		ValidArgsFunction: shared.CompleteBooks(f),
		Annotations:       shared.Operations(nimbus.OpGetAddressBooks, nimbus.OpGetContacts),
		RunE: func(cmd *cobra.Command, args []string) error {
			if strings.TrimSpace(args[1]) == "" {
				return cmdutil.FlagErrorf("the external id must not be empty")
			}
			c, book, err := shared.NimbusBook(cmd.Context(), f, args[0])
			if err != nil {
				return err
			}
			ct, err := getContact(cmd, c, book, args[1])
			if err != nil {
				return err
			}
			details, err := shared.Details(ct)
			if err != nil {
				return err
			}
			return shared.Print(f, ct, details, shared.DetailCols)
		},
	}
}

// getContact reads one contact; GetContacts answers an empty list for an unknown id, which
// becomes exit 6.
func getContact(cmd *cobra.Command, c *nimbus.Client, book nimbus.AddressBook, id string) (nimbus.Contact, error) {
	cts, err := c.GetContacts(cmd.Context(), book.ID, []string{id})
	if err != nil {
		return nimbus.Contact{}, err
	}
	for _, ct := range cts {
		if ct.ExternalID == id {
			return ct, nil
		}
	}
	return nimbus.Contact{}, shared.NotFoundf("contact %q not found in address book %s", id, shared.BookLabel(book))
}

func dedupe(ids []string) []string {
	out := make([]string, 0, len(ids))
	seen := make(map[string]bool, len(ids))
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}
