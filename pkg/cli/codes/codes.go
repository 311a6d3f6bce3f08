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
count their PrimaryCodes and SecondaryCodes. The feed's entity sets and the codes' type are
discovered from its $metadata (see 'nimbusctl doctor'). Reading the feed needs a one-time
admin consent and a reporting role; a 401/403 explains both.`,
		Example: `  $ nimbusctl codes list --since 30d
  $ nimbusctl codes report --by week --since 2026-01-01 -o csv > codes.csv
  $ nimbusctl sessions list --code Upsell --since 7d`,
		Args: cmdutil.NoArgs,
	}
	cmd.AddCommand(newCmdList(f), newCmdReport(f))
	return cmd
}

type listOptions struct {
	window  feed.Window
	service string
}

func newCmdList(f *cmdutil.Factory) *cobra.Command {
	opts := &listOptions{}
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the codes used in a time window, with counts and share of sessions",
		Long: `Lists every code applied to a session in the window: in how many sessions it was a
primary code, a secondary code, either (SESSIONS), and that number's share of all sessions
in the window (0.25 = a quarter). A code listed twice on one session counts once. Codes that
were defined but never applied cannot be seen: the feed only holds sessions.`,
		Example: `  $ nimbusctl codes list
  $ nimbusctl codes list --since 2026-01-01 --until 2026-02-01 --service support@contoso.com
  $ nimbusctl codes list -o csv > codes.csv`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runList(cmd.Context(), f, opts)
		},
	}
	opts.window.AddFlags(cmd, "30d")
	cmd.Flags().StringVar(&opts.service, "service", "", "only sessions of this service: UPN, name or id")
	return cmd
}

func runList(ctx context.Context, f *cmdutil.Factory, opts *listOptions) error {
	c, q, loc, err := feed.Query(ctx, f, &opts.window, opts.service, odata.CodeFields)
	if err != nil {
		return err
	}
	tally := odata.NewTally()
	prog := feed.StartProgress(f.IO, "sessions")
	err = c.Sessions(ctx, q, func(s *odata.Session) error {
		tally.Add(s)
		prog.Add(1)
		return nil
	})
	prog.Done()
	if err != nil {
		return err
	}
	if err := f.Printer().Print(tally.Codes(), output.Cols("CODE=code", "PRIMARY=primary", "SECONDARY=secondary", "SESSIONS=sessions", "SHARE=share")); err != nil {
		return err
	}
	if f.IO.IsStdoutTTY() {
		f.IO.Infof("%d sessions (%d without a code), %s", tally.Sessions, tally.Sessions-tally.Coded, feed.FormatWindow(q.From, q.To, loc))
	}
	return nil
}

type reportOptions struct {
	window  feed.Window
	service string
	by      string
	kind    string
}

// Groupings of `codes report --by`.
var groupings = []string{"service", "day", "week", "user"}

func newCmdReport(f *cmdutil.Factory) *cobra.Command {
	opts := &reportOptions{}
	cmd := &cobra.Command{
		Use:   "report",
		Short: "Count codes per service, day, week or user: a matrix for spreadsheets",
		Long: `Builds a matrix: one row per service, day, week or user (--by), one column per code (most
used first), each cell the number of sessions of that row carrying the code (--kind: as
primary or secondary code, or only one of them). Days and weeks (ISO, 2026-W05) are cut in
--tz and every one of the window is listed, even without sessions.

Output: -o csv writes a header "<by>,sessions,<code>,..." then one line per row, ready for
a spreadsheet; -o json the whole matrix; on a terminal a bar chart per row; piped without
-o, tab-separated lines with that same header first (the columns are data, so they are
named).`,
		Example: `  $ nimbusctl codes report --by service
  $ nimbusctl codes report --by day --since 2026-03-01 --until 2026-04-01 --tz Europe/Zurich -o csv
  $ nimbusctl codes report --by user --kind primary -o json --jq '.rows[] | select(.sessions > 100)'`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runReport(cmd.Context(), f, opts)
		},
	}
	opts.window.AddFlags(cmd, "30d")
	cmd.Flags().StringVar(&opts.service, "service", "", "only sessions of this service: UPN, name or id")
	cmdutil.StringEnumFlag(cmd, &opts.by, "by", "", "service", groupings, "rows of the matrix")
	cmdutil.StringEnumFlag(cmd, &opts.kind, "kind", "", string(odata.KindAll), odata.Kinds, "codes to count (all = primary or secondary)")
	return cmd
}

func runReport(ctx context.Context, f *cmdutil.Factory, opts *reportOptions) error {
	c, q, loc, err := feed.Query(ctx, f, &opts.window, opts.service, odata.CodeFields)
	if err != nil {
		return err
	}
	var b *odata.MatrixBuilder
	kind := odata.Kind(opts.kind)
	switch opts.by {
	case "day":
		b = odata.NewMatrix(opts.by, kind, odata.GroupByDay(loc))
		b.Fill(odata.Days(q.From, q.To, loc))
	case "week":
		b = odata.NewMatrix(opts.by, kind, odata.GroupByWeek(loc))
		b.Fill(odata.Weeks(q.From, q.To, loc))
	case "user":
		members, err := feed.Labels(ctx, f, c, true)
		if err != nil {
			return err
		}
		q.Fields = append(q.Fields, odata.FieldUserID, odata.FieldUserUPN)
		b = odata.NewMatrix(opts.by, kind, odata.GroupByMember(members, func(s *odata.Session) string {
			if s.User != "" {
				return s.User
			}
			return s.UserID
		}))
	default:
		members, err := feed.Labels(ctx, f, c, false)
		if err != nil {
			return err
		}
		b = odata.NewMatrix(opts.by, kind, odata.GroupByMember(members, func(s *odata.Session) string { return s.ServiceID }))
	}
	prog := feed.StartProgress(f.IO, "sessions")
	err = c.Sessions(ctx, q, func(s *odata.Session) error {
		b.Add(s)
		prog.Add(1)
		return nil
	})
	prog.Done()
	if err != nil {
		return err
	}
	m := b.Matrix()
	m.From, m.To = q.From, q.To
	switch {
	case f.Machine() && f.OutputFormat() == output.FormatCSV && f.Flags.JQ == "":
		return writeMatrix(f.IO, m, ',')
	case f.Machine():
		return f.Printer().Print(m, nil)
	case f.IO.IsStdoutTTY():
		title := fmt.Sprintf("Codes by %s, %s, %d sessions", m.By, feed.FormatWindow(q.From, q.To, loc), m.Sessions)
		if kind != odata.KindAll {
			title = fmt.Sprintf("%s codes by %s, %s, %d sessions", capitalize(string(kind)), m.By, feed.FormatWindow(q.From, q.To, loc), m.Sessions)
		}
		return drawChart(f.IO, m, title)
	}
	return writeMatrix(f.IO, m, '\t')
}

// writeMatrix writes the header "<by>,sessions,<codes...>" and one line per row. CSV cells
// are defused against spreadsheet formulas; TSV cells are flattened.
func writeMatrix(ios *output.IOStreams, m odata.Matrix, sep rune) error {
	cell := output.SafeCSVCell
	if sep == '\t' {
		cell = func(s string) string { return strings.NewReplacer("\t", " ", "\n", " ", "\r", " ").Replace(s) }
	}
	w := csv.NewWriter(ios.Out)
	w.Comma = sep
	rec := make([]string, 0, len(m.Codes)+2)
	rec = append(rec, m.By, "sessions")
	for _, c := range m.Codes {
		rec = append(rec, cell(c))
	}
	if err := w.Write(rec); err != nil {
		return err
	}
	for _, r := range m.Rows {
		rec = append(rec[:0], cell(r.Group), strconv.Itoa(r.Sessions))
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
