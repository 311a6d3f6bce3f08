package contact

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/nimbusctl/nimbusctl/pkg/bulk"
	"github.com/nimbusctl/nimbusctl/pkg/cli/cmdutil"
	"github.com/nimbusctl/nimbusctl/pkg/cli/shared"
	"github.com/nimbusctl/nimbusctl/pkg/httpx"
	"github.com/nimbusctl/nimbusctl/pkg/nimbus"
	"github.com/nimbusctl/nimbusctl/pkg/output"
)

func newCmdImport(f *cmdutil.Factory) *cobra.Command {
	var idColumn, format, maxRemove string
	var prune, keepPhones, yes bool
	cmd := &cobra.Command{
		Use:   "import <book> <file>",
		Short: "Make an address book match a CSV or JSON file (add, update, and remove with --prune)",
		Long: `Reads the file once to check every row (nothing is sent while any row is invalid, unless
--skip-invalid), reads the address book once, then adds the contacts it lacks and updates those
that differ in the columns the file has — other fields of a contact are kept. With --prune,
contacts the file does not list are removed. Running the same import again applies only what is
left, so it is safe after a crash, a Ctrl-C or a failed row.

--prune cannot empty a book by accident: a contact whose key is in the file is never removed,
even when its row is invalid or writes it in other case; a file with no valid row is refused;
and one run removes at most
--max-remove contacts (default 10% of the book: a CRM export cut off halfway would remove far
more). Above that the plan is printed and nothing is sent. A --max-remove above 10% needs a
confirmation: the prompt on a terminal, --yes without one.

External ids that differ only in case (or width, or spacing) are one key: two such rows are
duplicates, and a row whose id the book holds only in other case changes no contact (the
connector does not say whether ids are case-sensitive; see docs/csv-import.md).

The file: CSV (UTF-8 with or without BOM, or Windows-1252; comma, semicolon or tab, sniffed) with
a header row, or JSON (an array of contacts as 'contact export -o json' writes them, or JSON
lines). "-" reads stdin. Outlook and Google Contacts exports import without editing; see
docs/csv-import.md for the columns and their aliases. Lists take several values split by "|".
Phone numbers are stored as E.164 (national numbers get the profile's default_country) unless
--keep-phone-format.

Exit codes: 0 done, 3 invalid rows or a refused prune (nothing sent), 9 some rows failed or
were skipped as invalid (the rest was applied; see --report), 2 cancelled.

` + shared.BookArgHelp,
		Example: `  # An Outlook export, keyed by e-mail address, checked first
  $ nimbusctl contact import Customers outlook.csv --id-column "E-mail Address" --dry-run
  $ nimbusctl contact import Customers outlook.csv --id-column "E-mail Address" --report report.csv

  # Mirror a CRM export exactly (removes contacts the file lacks, at most 10% of the book)
  $ nimbusctl contact import Customers crm.csv --map "Kundennr=externalId" --prune

  # A clean-up that removes more, said outright
  $ nimbusctl contact import Customers crm.csv --prune --max-remove 25% --yes

  # Round trip
  $ nimbusctl contact export Customers > customers.csv
  $ nimbusctl contact import Customers customers.csv`,
		Args:        cmdutil.ExactArgs(2, "an address book and a file"),
		Annotations: shared.Operations(nimbus.OpGetAddressBooks, nimbus.OpGetContacts, nimbus.OpAddContact, nimbus.OpUpdateContact, nimbus.OpRemoveContacts),
		ValidArgsFunction: func(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
			if len(args) == 0 {
				return shared.CompleteBooks(f)(cmd, args, toComplete)
			}
			return nil, cobra.ShellCompDirectiveDefault
		},
	}
	bf := shared.AddBulkFlags(cmd, "nimbus")
	cmd.Flags().StringVar(&idColumn, "id-column", "", "the `column` that holds the external id (e.g. \"E-mail Address\" for Outlook exports)")
	cmd.Flags().BoolVar(&prune, "prune", false, "remove the contacts the file does not list")
	cmd.Flags().StringVar(&maxRemove, "max-remove", bulk.DefaultRemoveLimit.String(), "with --prune: remove at most `N` contacts, or P% of the book; above it nothing is sent")
	cmd.Flags().BoolVarP(&yes, "yes", "y", false, "with --prune and a --max-remove above 10%: do not ask for confirmation")
	cmd.Flags().BoolVar(&keepPhones, "keep-phone-format", false, "store phone numbers as written instead of E.164")
	cmdutil.StringEnumFlag(cmd, &format, "format", "", "", []string{"csv", "json"}, "file format (default: from the file name and content)")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		if err := bf.Check(f); err != nil {
			return err
		}
		limit, err := bulk.ParseRemoveLimit(maxRemove)
		if err != nil {
			return cmdutil.FlagErrorWrap(err)
		}
		if !cmd.Flags().Changed("max-remove") {
			limit = bulk.RemoveLimit{}
		} else if !prune {
			return cmdutil.FlagErrorf("--max-remove applies to --prune")
		}
		p, err := f.Profile()
		if err != nil {
			return err
		}
		in, cleanup, err := bulk.FileInput(args[1], f.IO.In, bf.ReadOptions())
		if err != nil {
			return cmdutil.FlagErrorf("cannot read %s: %v", args[1], err)
		}
		defer cleanup()
		in.Format = format
		ci := &bulk.ContactImport{
			Input: in, Maps: bf.MapsParsed(), IDColumn: idColumn, DefaultCountry: p.Get("default_country"),
			KeepPhones: keepPhones, Prune: prune, MaxRemove: limit, SkipInvalid: bf.SkipInvalid, DryRun: bf.DryRun,
			ValidateOnly: bf.ValidateOnly, Workers: bf.Concurrency,
		}
		var lim *httpx.Limiter
		if !bf.ValidateOnly {
			c, book, err := shared.NimbusBook(cmd.Context(), f, args[0])
			if err != nil {
				return err
			}
			ci.Client, ci.Book = c, book.ID
			lim = c.HTTP().Limiter()
			ci.ConfirmRemove = func(n, size int) error {
				return cmdutil.ConfirmDestructive(f, yes, fmt.Sprintf("remove %d of the %d contacts of address book %s (more than %s)",
					n, size, shared.BookLabel(book), bulk.DefaultRemoveLimit))
			}
		}
		run, err := bf.StartRun(f, in.Name, lim)
		if err != nil {
			return err
		}
		ci.Recorder, ci.Problem, ci.Warn, ci.Total = run.Recorder, run.Problem, run.Warn, run.Total
		return run.Finish(ci.Run(cmd.Context()))
	}
	return cmd
}

func newCmdExport(f *cmdutil.Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "export <book>",
		Short: "Write every contact of an address book as CSV (default) or JSON",
		Long: `Streams the address book to stdout. CSV has one column per field (lists joined by "|", one
addressN.* group per address, one field.<name> column per custom field), spreadsheet formulas
defused; -o json writes the API's objects. Either imports back with 'contact import' with zero
changes.

` + shared.BookArgHelp,
		Example: `  $ nimbusctl contact export Customers > customers.csv
  $ nimbusctl contact export Customers -o json | jq length`,
		Args:              cmdutil.ExactArgs(1, "an address book"),
		Annotations:       shared.Operations(nimbus.OpGetAddressBooks, nimbus.OpGetContacts),
		ValidArgsFunction: shared.CompleteBooks(f),
		RunE: func(cmd *cobra.Command, args []string) error {
			format := "csv"
			switch {
			case f.Flags.JQ != "":
				return cmdutil.FlagErrorf("--jq does not apply to export; pipe -o json into jq instead")
			case f.OutputFormat() == output.FormatJSON:
				format = "json"
			case f.OutputFormat() == output.FormatYAML:
				return cmdutil.FlagErrorf("export writes csv or json (-o json), not yaml")
			}
			c, book, err := shared.NimbusBook(cmd.Context(), f, args[0])
			if err != nil {
				return err
			}
			n, err := bulk.ExportContacts(cmd.Context(), c, book.ID, format, f.IO.Out)
			if err != nil {
				return err
			}
			if f.IO.IsStderrTTY() {
				f.IO.Successf("Exported %s from %s", output.Plural(n, "contact", "contacts"), shared.BookLabel(book))
			}
			return nil
		},
	}
}
