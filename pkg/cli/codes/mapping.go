package codes

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/nimbusctl/nimbusctl/pkg/cli/cmdutil"
	"github.com/nimbusctl/nimbusctl/pkg/cli/codes/feed"
	"github.com/nimbusctl/nimbusctl/pkg/odata"
	"github.com/nimbusctl/nimbusctl/pkg/output"
)

type mappingOptions struct {
	window feed.Window
}

func newCmdMapping(f *cmdutil.Factory) *cobra.Command {
	opts := &mappingOptions{}
	cmd := &cobra.Command{
		Use:   "mapping",
		Short: "Show how the reporting feed is read: sessions, codes, links to services, users and units",
		Long: `Shows the mapping the reporting commands use, as discovered from the feed's $metadata
and overridden by the profile: the entity set of the sessions and its start time; each codes
property and its encoding (a list, a delimited string, or a navigation to code entities);
the delimiter of delimited codes, detected from the sessions of the window; and the links
from sessions to services, users and organization units with the sets that label them.

Where the feed offers several candidates and none is the documented one, the choice is an
error (exit 3) naming the candidates and the setting that picks one. Settings (each also
NIMBUSCTL_<KEY>): odata_session_set, odata_service_set, odata_user_set, odata_ou_set,
odata_session_time, odata_user_link, odata_codes_delimiter, odata_code_name; see
docs/codes.md.`,
		Example: `  $ nimbusctl codes mapping
  $ nimbusctl codes mapping -o json --jq .user
  $ nimbusctl config set odata_session_set Sessions`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runMapping(cmd.Context(), f, opts)
		},
	}
	opts.window.AddFlags(cmd, "30d")
	return cmd
}

// mappingRow is one line of the table form.
type mappingRow struct {
	Role string `json:"role"`
	Feed string `json:"feed"`
	How  string `json:"how"`
}

func runMapping(ctx context.Context, f *cmdutil.Factory, opts *mappingOptions) error {
	fd, err := feed.Open(ctx, f, &opts.window, feed.Filters{}, nil)
	if err != nil {
		return err
	}
	defer fd.Close()
	_, delimErr := fd.C.Delimiter(ctx, fd.Query.From, fd.Query.To)
	fd.Close()
	var me *odata.MappingError
	if delimErr != nil && !errors.As(delimErr, &me) {
		return delimErr
	}
	mp := fd.Mapping
	if f.Machine() && f.OutputFormat() != output.FormatCSV || f.Flags.JQ != "" {
		err = f.Printer().Print(mp, nil)
	} else {
		err = f.Printer().Print(mappingRows(mp, delimErr), output.Cols("ROLE=role", "FEED=feed", "HOW=how"))
	}
	if err != nil {
		return err
	}
	// The choices the user has to make: exit 3, after showing the rest.
	var problems []string
	for _, e := range []error{delimErr, mp.Service.DimErr(), mp.User.DimErr(), mp.OU.DimErr()} {
		if errors.As(e, &me) {
			problems = append(problems, e.Error())
		}
	}
	if len(problems) > 0 {
		return &odata.MappingError{Msg: strings.Join(problems, "\n")}
	}
	return nil
}

func mappingRows(mp *odata.Mapping, delimErr error) []mappingRow {
	how := mp.Sessions.How
	if len(mp.Sessions.Candidates) > 1 {
		how += "; candidates: " + strings.Join(mp.Sessions.Candidates, ", ")
	}
	timeHow := "windows filter on it"
	if mp.Sessions.TimeHow != "" {
		timeHow = mp.Sessions.TimeHow + "; " + timeHow
	}
	rows := []mappingRow{
		{"sessions", mp.Sessions.Set, how},
		{"start time", mp.Sessions.Time, timeHow},
	}
	for _, c := range mp.Codes {
		role := c.Role + " codes"
		if c.Role == "tags" {
			role = "tags"
		}
		how := c.Type
		if c.Name != "" {
			how += "; a code's name is its " + c.Name
			if c.NameHow != "" {
				how += " (" + c.NameHow + ")"
			}
		}
		rows = append(rows, mappingRow{role, fmt.Sprintf("%s (%s)", c.Property, c.Encoding), how})
	}
	switch {
	case delimErr != nil:
		rows = append(rows, mappingRow{"delimiter", "?", delimErr.Error()})
	case mp.Delimiter != nil:
		v := fmt.Sprintf("%q", mp.Delimiter.Value)
		if mp.Delimiter.Value == "" {
			v = "none"
		}
		rows = append(rows, mappingRow{"delimiter", v, mp.Delimiter.How})
	}
	for _, l := range []struct {
		link *odata.Link
		what string
	}{{&mp.Service, "services"}, {&mp.User, "users"}, {&mp.OU, "organization units"}} {
		rows = append(rows, linkRows(l.link, l.what)...)
	}
	return rows
}

// linkRows are a link's two lines: the sessions' property (or join) and the labelling set.
func linkRows(l *odata.Link, what string) []mappingRow {
	role := strings.TrimSuffix(what, "s") + " link"
	if l.Err() != nil {
		return []mappingRow{{role, "none", l.Err().Error()}}
	}
	link := mappingRow{role, l.Property, l.How}
	if j := l.Join; j != nil {
		link.Feed = fmt.Sprintf("%s.%s = %s, user %s", j.Set, j.On, j.SessionKey, j.User)
		if j.Time != "" {
			link.How += "; a session's last user (by " + j.Time + ") counts"
		}
	}
	labels := mappingRow{Role: what}
	switch d := l.Dim; {
	case d != nil:
		parts := []string{"id " + d.ID}
		for _, p := range [][2]string{{"name", d.Name}, {"UPN", d.UPN}, {"parent", d.Parent}} {
			if p[1] != "" {
				parts = append(parts, p[0]+" "+p[1])
			}
		}
		labels.Feed, labels.How = d.Set+" ("+strings.Join(parts, ", ")+")", d.How
	case l.DimErr() != nil:
		labels.Feed, labels.How = "none", l.DimErr().Error()
	default:
		labels.Feed, labels.How = l.Property, "the link holds UPNs: they are the labels"
	}
	return []mappingRow{link, labels}
}
