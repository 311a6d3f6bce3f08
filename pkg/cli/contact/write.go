package contact

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/nimbusctl/nimbusctl/pkg/cli/cmdutil"
	"github.com/nimbusctl/nimbusctl/pkg/cli/shared"
	"github.com/nimbusctl/nimbusctl/pkg/nimbus"
	"github.com/nimbusctl/nimbusctl/pkg/output"
)

const fieldHelp = `Fields are set with one flag each (--first-name, --company, ...); the list fields take
repeatable flags (--email a --email b), --address takes street=..,city=..,postalCode=..,
state=..,country=.. (repeatable, one per address) and --field name=value sets custom fields.
--from-json reads a whole ContactWriteDto (the API's field names; unknown fields are
rejected); flags given as well override its fields.`

func newCmdAdd(f *cmdutil.Factory) *cobra.Command {
	var externalID string
	var ff *fieldFlags
	cmd := &cobra.Command{
		Use:   "add <book>",
		Short: "Add a contact to an address book",
		Long: `Adds a new contact. Its external id (--external-id, or externalId in --from-json) is
required and must not exist in the address book yet (use 'contact update' for that).

` + fieldHelp + `

` + shared.BookArgHelp,
		Example: `  $ nimbusctl contact add Customers --external-id CUST-0042 --first-name Ada --last-name Lovelace \
      --email ada@example.com --mobile +447911123456 --address "street=12 St James's Sq,city=London,country=UK"
  $ nimbusctl contact add Customers --external-id CUST-0043 --field CustomerTier=Gold
  $ nimbusctl contact add Customers --from-json contact.json`,
		Args:              cmdutil.ExactArgs(1, "an address book (id or name)"),
		ValidArgsFunction: shared.CompleteBooks(f),
		Annotations:       shared.Operations(nimbus.OpGetAddressBooks, nimbus.OpAddContact),
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := f.Profile()
			if err != nil {
				return err
			}
			if err := ff.parse(p.Get("default_country")); err != nil {
				return err
			}
			var ct nimbus.Contact
			if ff.fromJSON != "" {
				body, err := shared.ReadJSONBody(f.IO, "from-json", ff.fromJSON)
				if err != nil {
					return err
				}
				if err := body.Decode(&ct); err != nil {
					return err
				}
			}
			if cmd.Flags().Changed("external-id") {
				ct.ExternalID = strings.TrimSpace(externalID)
			}
			if ct.ExternalID == "" {
				return cmdutil.FlagErrorf("--external-id is required: the contact's id in your system")
			}
			ff.apply(&ct)
			if err := ct.Validate(); err != nil {
				return shared.Invalid(err)
			}
			c, book, err := shared.NimbusBook(cmd.Context(), f, args[0])
			if err != nil {
				return err
			}
			added, err := c.AddContact(cmd.Context(), book.ID, ct)
			if err != nil {
				return err
			}
			if err := printContact(f, added); err != nil {
				return err
			}
			shared.Successf(f, "Added contact %s to address book %s", ct.ExternalID, shared.BookLabel(book))
			return nil
		},
	}
	cmd.Flags().StringVar(&externalID, "external-id", "", "the contact's `id` in your system (externalId, required)")
	ff = addFieldFlags(cmd)
	return cmd
}

func newCmdUpdate(f *cmdutil.Factory) *cobra.Command {
	var replace bool
	var ff *fieldFlags
	cmd := &cobra.Command{
		Use:   "update <book> <external-id>",
		Short: "Change fields of a contact",
		Long: `Changes a contact. By default the given fields are merged into the contact as it is now
(it is read first): a scalar flag replaces that field (an empty value clears it), a list
flag replaces that whole list (a single empty value clears it), fields not given are kept.
With --replace the contact becomes exactly what is given, and every other field is cleared.

` + fieldHelp + `

` + shared.BookArgHelp,
		Example: `  $ nimbusctl contact update Customers CUST-0001 --job-title CEO
  $ nimbusctl contact update Customers CUST-0001 --email alice@new.example --email alice@private.example
  $ nimbusctl contact update Customers CUST-0001 --from-json alice.json --replace`,
		Args:              cmdutil.ExactArgs(2, "an address book and an external id"),
		ValidArgsFunction: shared.CompleteBooks(f),
		Annotations:       shared.Operations(nimbus.OpGetAddressBooks, nimbus.OpGetContacts, nimbus.OpUpdateContact),
		RunE: func(cmd *cobra.Command, args []string) error {
			id := args[1]
			if strings.TrimSpace(id) == "" {
				return cmdutil.FlagErrorf("the external id must not be empty")
			}
			if !ff.changed() {
				return cmdutil.FlagErrorf("nothing to update: give the fields to change (e.g. --company, --email) or --from-json")
			}
			p, err := f.Profile()
			if err != nil {
				return err
			}
			if err := ff.parse(p.Get("default_country")); err != nil {
				return err
			}
			var body *shared.JSONBody
			if ff.fromJSON != "" {
				var err error
				if body, err = shared.ReadJSONBody(f.IO, "from-json", ff.fromJSON); err != nil {
					return err
				}
				// Check the body on its own before any call; it is decoded again below, into
				// the current contact, to merge.
				var probe nimbus.Contact
				if err := body.Decode(&probe); err != nil {
					return err
				}
				if probe.ExternalID != "" && probe.ExternalID != id {
					return body.Errorf("externalId %q differs from the external id argument %q (the external id cannot be changed)", probe.ExternalID, id)
				}
			}
			c, book, err := shared.NimbusBook(cmd.Context(), f, args[0])
			if err != nil {
				return err
			}
			var ct nimbus.Contact
			if !replace {
				if ct, err = getContact(cmd, c, book, id); err != nil {
					return err
				}
			}
			if body != nil {
				if err := body.Merge(&ct); err != nil {
					return err
				}
			}
			ct.ExternalID = id
			ff.apply(&ct)
			if err := ct.Validate(); err != nil {
				return shared.Invalid(err)
			}
			updated, err := c.UpdateContact(cmd.Context(), book.ID, ct)
			if err != nil {
				return err
			}
			if err := printContact(f, updated); err != nil {
				return err
			}
			shared.Successf(f, "Updated contact %s in address book %s", id, shared.BookLabel(book))
			return nil
		},
	}
	cmd.Flags().BoolVar(&replace, "replace", false, "replace the whole contact with what is given instead of merging into it")
	ff = addFieldFlags(cmd)
	return cmd
}

// removeBatch is how many external ids one RemoveContacts call carries.
const removeBatch = 100

func newCmdRemove(f *cmdutil.Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "remove <book> <external-id>...",
		Short: "Remove contacts from an address book",
		Long: fmt.Sprintf(`Removes the contacts with the given external ids, in batches of %d per call. Ids the
address book does not hold are ignored by the API. To remove every contact, use
'nimbusctl addressbook clear'.

`, removeBatch) + shared.BookArgHelp,
		Example: `  $ nimbusctl contact remove Customers CUST-0042
  $ nimbusctl contact remove Customers CUST-0042 CUST-0043 CUST-0044
  $ cut -d, -f1 gone.csv | xargs nimbusctl contact remove Customers`,
		Args:              cmdutil.MinimumArgs(2, "an address book and at least one external id"),
		ValidArgsFunction: shared.CompleteBooks(f),
		Annotations:       shared.Operations(nimbus.OpGetAddressBooks, nimbus.OpRemoveContacts),
		RunE: func(cmd *cobra.Command, args []string) error {
			ids := dedupe(args[1:])
			for _, id := range ids {
				if strings.TrimSpace(id) == "" {
					return cmdutil.FlagErrorf("an external id must not be empty")
				}
			}
			c, book, err := shared.NimbusBook(cmd.Context(), f, args[0])
			if err != nil {
				return err
			}
			for start := 0; start < len(ids); start += removeBatch {
				end := min(start+removeBatch, len(ids))
				if err := c.RemoveContacts(cmd.Context(), book.ID, ids[start:end]); err != nil {
					if start > 0 {
						return fmt.Errorf("%w (the first %d of %d ids were removed)", err, start, len(ids))
					}
					return err
				}
			}
			shared.Successf(f, "Removed %s from address book %s", output.Plural(len(ids), "contact", "contacts"), shared.BookLabel(book))
			return nil
		},
	}
}
