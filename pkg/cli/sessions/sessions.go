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
finished sessions only, as saved for reporting, with their codes and tags. The feed's
entity sets are discovered from its $metadata.`,
		Example: `  $ nimbusctl sessions list --since 7d
  $ nimbusctl sessions list --code Upsell --service sales@contoso.com -o csv`,
		Args: cmdutil.NoArgs,
	}
	cmd.AddCommand(newCmdList(f))
	return cmd
}

type listOptions struct {
	window  feed.Window
	service string
	code    string
	limit   int
}

const maxLimit = 100000

func newCmdList(f *cmdutil.Factory) *cobra.Command {
	opts := &listOptions{}
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the sessions in a time window, optionally with a given code",
		Long: `Lists sessions in the order the feed returns them, up to --limit. --code keeps the
sessions carrying that code as a primary or secondary code (case-insensitive): the sessions
behind a number of 'codes list' or 'codes report' for the same window and service.

Columns: ID, STARTED (UTC), SERVICE and USER (from the feed's Services and Users sets),
PRIMARY and SECONDARY codes. -o json carries every field the feed has for a session, with
its names (service and user are added by nimbusctl).`,
		Example: `  $ nimbusctl sessions list --code Upsell --since 30d
  $ nimbusctl sessions list --service support@contoso.com --since 2026-03-01 --until 2026-03-02
  $ nimbusctl sessions list --code Complaint --limit 1000 -o csv > complaints.csv`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runList(cmd.Context(), f, opts)
		},
	}
	opts.window.AddFlags(cmd, "30d")
	cmd.Flags().StringVar(&opts.service, "service", "", "only sessions of this service: UPN, name or id")
	cmd.Flags().StringVar(&opts.code, "code", "", "only sessions carrying this code (primary or secondary)")
	cmd.Flags().IntVarP(&opts.limit, "limit", "L", 100, "most sessions to list (1-100000)")
	return cmd
}

func runList(ctx context.Context, f *cmdutil.Factory, opts *listOptions) error {
	if err := cmdutil.IntInRange("limit", opts.limit, 1, maxLimit); err != nil {
		return err
	}
	c, q, _, err := feed.Query(ctx, f, &opts.window, opts.service, nil)
	if err != nil {
		return err
	}
	if opts.code == "" {
		q.Top = opts.limit + 1 // one more tells whether there are more
	}
	services, err := feed.Labels(ctx, f, c, false)
	if err != nil {
		return err
	}
	users, err := feed.Labels(ctx, f, c, true)
	if err != nil {
		return err
	}
	serviceLabel, userLabel := feed.Label(services), feed.Label(users)

	list := []*odata.Session{}
	more := false
	prog := feed.StartProgress(f.IO, "sessions")
	err = c.Sessions(ctx, q, func(s *odata.Session) error {
		prog.Add(1)
		if opts.code != "" && !s.HasCode(opts.code) {
			return nil
		}
		if len(list) == opts.limit {
			more = true
			return odata.ErrStop
		}
		s.Service = serviceLabel(s.ServiceID)
		if s.User == "" && s.UserID != "" {
			s.User = userLabel(s.UserID)
		}
		list = append(list, s)
		return nil
	})
	prog.Done()
	if err != nil && !errors.Is(err, odata.ErrStop) {
		return err
	}
	if err := f.Printer().Print(list, output.Cols("ID=Id", "STARTED=StartedAt", "SERVICE=service", "USER=user", "PRIMARY=PrimaryCodes", "SECONDARY=SecondaryCodes")); err != nil {
		return err
	}
	if more {
		f.IO.Warnf("showing the first %d sessions; there are more (raise --limit, up to %d, or narrow the window)", opts.limit, maxLimit)
	}
	return nil
}
