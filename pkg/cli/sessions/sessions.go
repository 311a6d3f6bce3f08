// Package sessions implements `nimbusctl sessions`: the sessions of the Nimbus reporting
// OData feed behind a number of `codes list` or `codes report`.
package sessions

import (
	"context"
	"errors"

	"github.com/spf13/cobra"

	"github.com/nimbusctl/nimbusctl/pkg/cli/cmdutil"
	"github.com/nimbusctl/nimbusctl/pkg/cli/codes/feed"
	"github.com/nimbusctl/nimbusctl/pkg/odata"
	"github.com/nimbusctl/nimbusctl/pkg/output"
)

// NewCmdSessions builds `nimbusctl sessions`.
func NewCmdSessions(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "sessions <command>",
		Short: "List finished sessions from the Nimbus reporting feed",
		Long: `Reads the service sessions of the Nimbus reporting OData feed (profile key odata_url):
finished sessions only, as saved for reporting, with their codes and tags. How the feed is
read is discovered from its $metadata ('nimbusctl codes mapping' shows it).`,
		Example: `  $ nimbusctl sessions list --since 7d
  $ nimbusctl sessions list --code Upsell --service sales@contoso.com -o csv
  $ nimbusctl sessions list --uncoded --since 1d`,
		Args: cmdutil.NoArgs,
	}
	cmd.AddCommand(newCmdList(f))
	return cmd
}

type listOptions struct {
	window  feed.Window
	filters feed.Filters
	code    string
	uncoded bool
	limit   int
}

const maxLimit = 100000

func newCmdList(f *cmdutil.Factory) *cobra.Command {
	opts := &listOptions{}
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the sessions in a time window, optionally with a given code or without any",
		Long: `Lists sessions in the order the feed returns them, up to --limit. --code keeps the
sessions carrying that code as a primary or secondary code (case-insensitive): the sessions
behind a number of 'codes list' or 'codes report' for the same window and service.
--uncoded keeps the sessions with neither a primary nor a secondary code.

Columns: ID, STARTED (UTC), SERVICE and USER (labelled from the feed's services and users
sets; ids where the feed has none, said once on stderr), PRIMARY and SECONDARY codes, TAGS.
-o json carries the documented Service Sessions fields the feed has (Id, StartedAt,
ServiceId, UserId, OrganizationUnitId, OutcomeId, CallerId, TotalQueueTime,
TotalConnectedTime, PrimaryCodes, SecondaryCodes, Tags) under those names, whatever the feed
calls them ('nimbusctl codes mapping' shows which property each is read from); service and
user are labels added by nimbusctl.`,
		Example: `  $ nimbusctl sessions list --code Upsell --since 30d
  $ nimbusctl sessions list --service support@contoso.com --since 2026-03-01 --until 2026-03-02
  $ nimbusctl sessions list --uncoded --user anna.meier@contoso.com --since 7d
  $ nimbusctl sessions list --code Complaint --limit 1000 -o csv > complaints.csv`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runList(cmd.Context(), f, opts)
		},
	}
	opts.window.AddFlags(cmd, "30d")
	opts.filters.AddFlags(cmd)
	cmd.Flags().StringVar(&opts.code, "code", "", "only sessions carrying this code (primary or secondary)")
	cmd.Flags().BoolVar(&opts.uncoded, "uncoded", false, "only sessions without any code")
	cmd.Flags().IntVarP(&opts.limit, "limit", "L", 100, "most sessions to list (1-100000)")
	return cmd
}

func runList(ctx context.Context, f *cmdutil.Factory, opts *listOptions) error {
	if err := cmdutil.IntInRange("limit", opts.limit, 1, maxLimit); err != nil {
		return err
	}
	if opts.code != "" && opts.uncoded {
		return cmdutil.FlagErrorf("--code and --uncoded exclude each other (a session with a code is not uncoded)")
	}
	fd, err := feed.Open(ctx, f, &opts.window, opts.filters, nil)
	if err != nil {
		return err
	}
	defer fd.Close()
	keep := func(*odata.Session) bool { return true }
	switch {
	case opts.code != "":
		keep = func(s *odata.Session) bool { return s.HasCode(opts.code) }
	case opts.uncoded:
		keep = (*odata.Session).Uncoded
	}
	services, err := fd.Labels(ctx, "services")
	if err != nil {
		return err
	}
	users, err := fd.Labels(ctx, "users")
	if err != nil {
		return err
	}

	list := []*odata.Session{}
	more := false
	err = fd.Sessions(ctx, func(s *odata.Session) error {
		if !keep(s) {
			return nil
		}
		if len(list) == opts.limit {
			more = true
			return odata.ErrStop
		}
		s.Service = services.Label(s.ServiceID)
		s.User = users.Label(s.UserKey())
		list = append(list, s)
		return nil
	})
	fd.Close()
	if err != nil && !errors.Is(err, odata.ErrStop) {
		return err
	}
	if err := f.Printer().Print(list, output.Cols("ID=Id", "STARTED=StartedAt", "SERVICE=service", "USER=user", "PRIMARY=PrimaryCodes", "SECONDARY=SecondaryCodes", "TAGS=Tags")); err != nil {
		return err
	}
	if err := fd.Mapping.User.Err(); err != nil {
		f.IO.Warnf("the USER column is empty: %v", err)
	}
	if more {
		f.IO.Warnf("showing the first %d sessions; there are more (raise --limit, up to %d, or narrow the window)", opts.limit, maxLimit)
	}
	return nil
}
