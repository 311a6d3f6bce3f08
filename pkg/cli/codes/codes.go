// Package codes implements `nimbusctl codes`: reports of the primary and secondary Codes
// applied to sessions, read from the Nimbus reporting OData feed. Codes cannot be created,
// edited or applied through any public API, so these commands only report (docs/codes.md).
package codes

import (
	"context"
	"encoding/csv"
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/nimbusctl/nimbusctl/pkg/cli/cmdutil"
	"github.com/nimbusctl/nimbusctl/pkg/cli/codes/feed"
	"github.com/nimbusctl/nimbusctl/pkg/odata"
	"github.com/nimbusctl/nimbusctl/pkg/output"
)

// NewCmdCodes builds `nimbusctl codes`.
func NewCmdCodes(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "codes <command>",
		Short: "Report the primary and secondary Codes applied to sessions",
		Long: `Codes mark what came of a session (Resolved, Sale, Upsell, ...). They are defined per
Organization Unit in the Nimbus portal (Configuration > Codes), attached to a service's
Primary or Secondary list (Service Settings > Extensions > Codes) and applied by users in
My Sessions or the Assistant. Saving a session finalizes it: its codes cannot change.

No public API creates, edits or applies codes, so these commands report: they read the
sessions of the Nimbus reporting OData feed (profile key odata_url) in a time window and
count their PrimaryCodes and SecondaryCodes. The feed's entity sets, the codes' encoding and
the links to services, users and organization units are discovered from its $metadata;
'nimbusctl codes mapping' shows what was chosen, and profile settings override it. Reading
the feed needs a one-time admin consent and a reporting role; a 401/403 explains both.`,
		Example: `  $ nimbusctl codes list --since 30d
  $ nimbusctl codes report --by week --since 2026-01-01 -o csv > codes.csv
  $ nimbusctl codes mapping
  $ nimbusctl sessions list --code Upsell --since 7d`,
		Args: cmdutil.NoArgs,
	}
	cmd.AddCommand(newCmdList(f), newCmdReport(f), newCmdMapping(f))
	return cmd
}

type listOptions struct {
	window  feed.Window
	filters feed.Filters
}

func newCmdList(f *cmdutil.Factory) *cobra.Command {
	opts := &listOptions{}
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the codes used in a time window, with counts and share of sessions",
		Long: `Lists every code applied to a session in the window: in how many sessions it was a
primary code, a secondary code, either (SESSIONS), and that number's share of all sessions
in the window (a percentage on a terminal; a fraction, 0.25 = a quarter, in -o csv and
-o json). A code listed twice on one session counts once; codes that differ only in case
are one code, shown as most sessions write it. Codes that were defined but never
applied cannot be seen: the feed only holds sessions.`,
		Example: `  $ nimbusctl codes list
  $ nimbusctl codes list --since 2026-01-01 --until 2026-02-01 --service support@contoso.com
  $ nimbusctl codes list --user anna.meier@contoso.com -o csv > codes.csv`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runList(cmd.Context(), f, opts)
		},
	}
	opts.window.AddFlags(cmd, "30d")
	opts.filters.AddFlags(cmd)
	return cmd
}

func runList(ctx context.Context, f *cmdutil.Factory, opts *listOptions) error {
	fd, err := feed.Open(ctx, f, &opts.window, opts.filters, odata.CodeFields)
	if err != nil {
		return err
	}
	defer fd.Close()
	tally := odata.NewTally()
	err = fd.Sessions(ctx, func(s *odata.Session) error {
		tally.Add(s)
		return nil
	})
	fd.Close()
	if err != nil {
		return err
	}
	cols := output.Cols("CODE=code", "PRIMARY=primary", "SECONDARY=secondary", "SESSIONS=sessions")
	cols = append(cols, output.Column{Header: "SHARE", Field: "share", Human: output.Percent})
	if err := f.Printer().Print(tally.Codes(), cols); err != nil {
		return err
	}
	if f.IO.IsStdoutTTY() {
		f.IO.Infof("%s (%d without a code), %s", output.Plural(tally.Sessions, "session", "sessions"), tally.Sessions-tally.Coded, feed.FormatWindow(fd.Query.From, fd.Query.To, fd.Loc))
	}
	return nil
}

type reportOptions struct {
	window  feed.Window
	filters feed.Filters
	by      string
	kind    string
}

// Groupings of `codes report --by`.
var groupings = []string{"service", "day", "week", "user", "ou", "tag"}

func newCmdReport(f *cmdutil.Factory) *cobra.Command {
	opts := &reportOptions{}
	cmd := &cobra.Command{
		Use:   "report",
		Short: "Count codes per service, day, week, user, organization unit or tag: a matrix for spreadsheets",
		Long: `Builds a matrix: one row per service, day, week, user, organization unit (ou) or tag
(--by), one column per code (most used first), each cell the number of sessions of that row
carrying the code (--kind: as primary or secondary code, or only one of them). Days and
weeks (ISO, 2026-W05) are cut in --tz and every one of the window is listed, even without
sessions. Organization units show their parent where the feed has it. A session with
several tags counts in the row of each; sessions without a user, unit or tag are "(none)".

--by user needs the feed to say who handled a session; where it does not, the command
refuses (exit 3) and says which setting names the link ('nimbusctl codes mapping' shows
what the feed offers).

Output: -o csv writes a header "<by>,sessions,<code>,..." (--by ou: "ou,parent,sessions,...")
then one line per row, ready for a spreadsheet; -o json the whole matrix; on a terminal a bar
chart per row; piped without -o, tab-separated lines with that same header first (the
columns are data, so they are named).`,
		Example: `  $ nimbusctl codes report --by service
  $ nimbusctl codes report --by day --since 2026-03-01 --until 2026-04-01 --tz Europe/Zurich -o csv
  $ nimbusctl codes report --by ou -o csv > codes-by-unit.csv
  $ nimbusctl codes report --by user --kind primary -o json --jq '.rows[] | select(.sessions > 100)'`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runReport(cmd.Context(), f, opts)
		},
	}
	opts.window.AddFlags(cmd, "30d")
	opts.filters.AddFlags(cmd)
	cmdutil.StringEnumFlag(cmd, &opts.by, "by", "", "service", groupings, "rows of the matrix")
	cmdutil.StringEnumFlag(cmd, &opts.kind, "kind", "", string(odata.KindAll), odata.Kinds, "codes to count (all = primary or secondary)")
	return cmd
}

func runReport(ctx context.Context, f *cmdutil.Factory, opts *reportOptions) error {
	fd, err := feed.Open(ctx, f, &opts.window, opts.filters, odata.CodeFields)
	if err != nil {
		return err
	}
	defer fd.Close()
	b, err := matrixBuilder(ctx, fd, opts.by, odata.Kind(opts.kind))
	if err != nil {
		return err
	}
	err = fd.Sessions(ctx, func(s *odata.Session) error {
		b.Add(s)
		return nil
	})
	fd.Close()
	if err != nil {
		return err
	}
	m := b.Matrix()
	m.From, m.To = fd.Query.From, fd.Query.To
	switch {
	case f.Machine() && f.OutputFormat() == output.FormatCSV && f.Flags.JQ == "":
		return writeMatrix(f.IO, m, ',')
	case f.Machine():
		return f.Printer().Print(m, nil)
	case f.IO.IsStdoutTTY():
		title := fmt.Sprintf("Codes by %s, %s, %s", m.By, feed.FormatWindow(fd.Query.From, fd.Query.To, fd.Loc), output.Plural(m.Sessions, "session", "sessions"))
		if m.Kind != odata.KindAll {
			title = fmt.Sprintf("%s codes by %s, %s, %s", capitalize(string(m.Kind)), m.By, feed.FormatWindow(fd.Query.From, fd.Query.To, fd.Loc), output.Plural(m.Sessions, "session", "sessions"))
		}
		return drawChart(f.IO, m, title)
	}
	return writeMatrix(f.IO, m, '\t')
}

// matrixBuilder groups by --by, after checking the feed can: the link that grouping needs
// (exit 3 without it), and the labels of its dimension.
func matrixBuilder(ctx context.Context, fd *feed.Feed, by string, kind odata.Kind) (*odata.MatrixBuilder, error) {
	mp, q := fd.Mapping, &fd.Query
	member := func(l *odata.Link, what string, f odata.Field, key func(*odata.Session) string) (*odata.MatrixBuilder, odata.Labeler, error) {
		if err := feed.Require("--by "+by, l.Err()); err != nil {
			return nil, nil, err
		}
		labels, err := fd.Labels(ctx, what)
		if err != nil {
			return nil, nil, err
		}
		q.Fields = append(q.Fields, f)
		return odata.NewMatrix(by, kind, odata.GroupByMember(labels, key)), labels, nil
	}
	switch by {
	case "day":
		b := odata.NewMatrix(by, kind, odata.GroupByDay(fd.Loc))
		b.Fill(odata.Days(q.From, q.To, fd.Loc))
		return b, nil
	case "week":
		b := odata.NewMatrix(by, kind, odata.GroupByWeek(fd.Loc))
		b.Fill(odata.Weeks(q.From, q.To, fd.Loc))
		return b, nil
	case "user":
		b, _, err := member(&mp.User, "users", odata.FieldUser, (*odata.Session).UserKey)
		return b, err
	case "ou":
		b, labels, err := member(&mp.OU, "organization units", odata.FieldOU, func(s *odata.Session) string { return s.OrganizationUnitID })
		if err != nil {
			return nil, err
		}
		parents := map[string]string{}
		for _, m := range labels {
			parents[labels.Label(m.ID)] = labels.Parent(m.ID)
		}
		return b.WithParent(func(group string) string { return parents[group] }), nil
	case "tag":
		if !mp.Has(odata.FieldTags) {
			return nil, cmdutil.InvalidInputf("--by tag: %s has no Tags property", mp.Sessions.Set)
		}
		q.Fields = append(q.Fields, odata.FieldTags)
		return odata.NewMatrixMulti(by, kind, odata.GroupByTag), nil
	}
	b, _, err := member(&mp.Service, "services", odata.FieldServiceID, func(s *odata.Session) string { return s.ServiceID })
	return b, err
}

// writeMatrix writes the header "<by>,sessions,<codes...>" and one line per row. CSV cells
// are defused against spreadsheet formulas; TSV cells are flattened. Names come from the
// feed: TSV (for people) and anything on a terminal show control characters escaped, as
// every table does; CSV to a pipe keeps the exact text.
func writeMatrix(ios *output.IOStreams, m odata.Matrix, sep rune) error {
	cell := output.SafeCSVCell
	if ios.IsStdoutTTY() {
		cell = func(s string) string { return output.SafeText(output.SafeCSVCell(s)) }
	}
	if sep == '\t' {
		flat := strings.NewReplacer("\t", " ", "\n", " ", "\r", " ")
		cell = func(s string) string { return output.SafeText(flat.Replace(s)) }
	}
	w := csv.NewWriter(ios.Out)
	w.Comma = sep
	ou := m.By == "ou"
	rec := make([]string, 0, len(m.Codes)+3)
	rec = append(rec, m.By)
	if ou {
		rec = append(rec, "parent")
	}
	rec = append(rec, "sessions")
	for _, c := range m.Codes {
		rec = append(rec, cell(c))
	}
	if err := w.Write(rec); err != nil {
		return err
	}
	for _, r := range m.Rows {
		rec = append(rec[:0], cell(r.Group))
		if ou {
			rec = append(rec, cell(r.Parent))
		}
		rec = append(rec, strconv.Itoa(r.Sessions))
		for _, c := range m.Codes {
			rec = append(rec, strconv.Itoa(r.Codes[c]))
		}
		if err := w.Write(rec); err != nil {
			return err
		}
	}
	w.Flush()
	return w.Error()
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
