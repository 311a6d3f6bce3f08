package nps

import (
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/nimbusctl/nimbusctl/pkg/cli/cmdutil"
	"github.com/nimbusctl/nimbusctl/pkg/httpx"
	"github.com/nimbusctl/nimbusctl/pkg/npstoday"
	"github.com/nimbusctl/nimbusctl/pkg/output"
)

// Columns of the read commands' tables.
var (
	campaignCols = output.Cols("ID=id", "NAME=name", "RESPONSES=responseCount", "NPS=npsScore")
	responseCols = output.Cols("TIME=ratingTime", "RATING=rating", "CAMPAIGN=campaignName", "EMPLOYEE=employeeEmail",
		"FIRST NAME=respondent.firstName", "LAST NAME=respondent.lastName", "PHONE=respondent.phoneNumber", "COMMENT=userComment")
	analyticsCols = output.Cols("EMPLOYEE=employee", "DAYS=days", "RESPONSES=responses", "NPS=nps", "AVERAGE=averageRating",
		"PROMOTERS=promoters", "PASSIVES=passives", "DETRACTORS=detractors")
	employeeCols = output.Cols("ID=id", "EMAIL=email", "FIRST NAME=firstName", "LAST NAME=lastName", "TEAM=team", "ACTIVE=active")
	ivrCols      = output.Cols("QUEUE=queueId", "CAMPAIGN=campaignId", "NAME=campaignName")
	webhookCols  = output.Cols("ID=id", "EVENT=event", "URL=url", "CAMPAIGN=campaignId")
)

func newCmdCampaigns(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "campaigns <command>",
		Short: "List nps.today campaigns",
		Args:  cmdutil.NoArgs,
	}
	cmd.AddCommand(&cobra.Command{
		Use:     "list",
		Aliases: []string{"ls"},
		Short:   "List the campaigns the API key can see",
		Example: `  $ nimbusctl nps campaigns list
  $ nimbusctl nps campaigns list --jq '.[] | select(.name == "Sales") | .id'`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.NPS()
			if err != nil {
				return err
			}
			list, err := c.Campaigns(cmd.Context())
			if err != nil {
				return err
			}
			if list == nil {
				list = []npstoday.Campaign{}
			}
			return f.Printer().Print(list, campaignCols)
		},
	})
	return cmd
}

func newCmdEmployee(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "employee <command>",
		Short: "Read an agent's nps.today rating and responses, or add an employee",
		Args:  cmdutil.NoArgs,
	}

	var days int
	analytics := &cobra.Command{
		Use:   "analytics <email|id>",
		Short: "Show an employee's rating over the last N days (provisional endpoint)",
		Long: `Shows the employee's NPS, average rating and promoter/passive/detractor counts over the
last --days days, as a contact center fetches them when the agent logs in. The path of
this endpoint is not public: see 'nimbusctl nps status' and docs/nps.md.`,
		Example: `  $ nimbusctl nps employee analytics anna.meier@contoso.com --days 30
  $ nimbusctl nps employee analytics 7002 -o json`,
		Args: cmdutil.ExactArgs(1, "an employee's e-mail address or id"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := cmdutil.IntInRange("days", days, 1, 3650); err != nil {
				return err
			}
			c, err := f.NPS()
			if err != nil {
				return err
			}
			an, err := c.EmployeeAnalytics(cmd.Context(), args[0], days)
			if err != nil {
				return clientError(err)
			}
			return f.Printer().Print(an, analyticsCols)
		},
	}
	analytics.Flags().IntVar(&days, "days", 30, "number of days to cover (1-3650)")

	var since string
	responses := &cobra.Command{
		Use:   "responses <email|id>",
		Short: "List the responses about an employee (provisional endpoint)",
		Long: `Lists the survey responses about the employee — who rated, the rating and the comment —
newest first, optionally only those since a time. The path of this endpoint is not
public: see 'nimbusctl nps status' and docs/nps.md.`,
		Example: `  $ nimbusctl nps employee responses anna.meier@contoso.com --since 7d
  $ nimbusctl nps employee responses anna.meier@contoso.com --since 2026-03-01 -o json`,
		Args: cmdutil.ExactArgs(1, "an employee's e-mail address or id"),
		RunE: func(cmd *cobra.Command, args []string) error {
			var from time.Time
			if since != "" {
				var err error
				if from, err = parseSince(since, f.Now()); err != nil {
					return err
				}
			}
			c, err := f.NPS()
			if err != nil {
				return err
			}
			list, err := c.EmployeeResponses(cmd.Context(), args[0], from)
			if err != nil {
				return clientError(err)
			}
			return f.Printer().Print(list, responseCols)
		},
	}
	responses.Flags().StringVar(&since, "since", "", "only responses since `TIME`: RFC 3339, a date (2026-03-01) or an age (7d, 12h)")

	var e npstoday.NewEmployee
	var inactive bool
	add := &cobra.Command{
		Use:   "add --email EMAIL",
		Short: "Add an employee to nps.today (or update one with the same e-mail)",
		Example: `  $ nimbusctl nps employee add --email anna.meier@contoso.com --first-name Anna --last-name Meier --team Support
  $ nimbusctl nps employee add --email temp@contoso.com --inactive`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if e.Email == "" {
				return cmdutil.FlagErrorf("--email is required")
			}
			if err := emailFlag("email", e.Email); err != nil {
				return err
			}
			if e.PhoneNumber != "" {
				n, err := phoneFlag(f, "phone", e.PhoneNumber)
				if err != nil {
					return err
				}
				e.PhoneNumber = n
			}
			active := !inactive
			e.Active = &active
			c, err := f.NPS()
			if err != nil {
				return err
			}
			got, err := c.AddEmployee(cmd.Context(), e)
			if err != nil {
				return clientError(err)
			}
			return f.Printer().Print(got, employeeCols)
		},
	}
	fl := add.Flags()
	fl.StringVar(&e.Email, "email", "", "the employee's e-mail address (links the employee to surveys)")
	fl.StringVar(&e.FirstName, "first-name", "", "first name")
	fl.StringVar(&e.LastName, "last-name", "", "last name")
	fl.StringVar(&e.Title, "title", "", "job title")
	fl.StringVar(&e.Department, "department", "", "department")
	fl.StringVar(&e.Team, "team", "", "team")
	fl.StringVar(&e.Division, "division", "", "division")
	fl.StringVar(&e.PhoneNumber, "phone", "", "phone number (normalized to E.164 with the profile's default_country)")
	fl.BoolVar(&inactive, "inactive", false, "the employee may not be contacted")

	cmd.AddCommand(analytics, responses, add)
	return cmd
}

func newCmdIVRMap(f *cmdutil.Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "ivr-map",
		Short: "Show which campaign each queue's callers are surveyed in (provisional endpoint)",
		Long: `Lists the IVR map: each contact-center queue id with the campaign linked to it. 'nps
survey after-call' uses it to find a call's campaign from its Nimbus service (UPN, id or
name). Needs the IVR add-on in nps.today. The path of this endpoint is not public: see
'nimbusctl nps status' and docs/nps.md.`,
		Example: `  $ nimbusctl nps ivr-map
  $ nimbusctl nps ivr-map -o json`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.NPS()
			if err != nil {
				return err
			}
			m, err := c.IVRMap(cmd.Context())
			if err != nil {
				return err
			}
			return f.Printer().Print(m, ivrCols)
		},
	}
}

func newCmdResponses(f *cmdutil.Factory) *cobra.Command {
	var number string
	cmd := &cobra.Command{
		Use:   "responses [--phone NUMBER]",
		Short: "List a caller's responses by phone number, or all campaigns' responses",
		Long: `With --phone, lists the responses of the customer with that number, newest first, as a
contact center shows them when the customer calls (provisional endpoint: its path is not
public). The number is normalized to E.164; a national number takes the profile's
default_country, and without one it is refused. Without --phone, lists the responses of all
campaigns (GET /campaigns/responses).`,
		Example: `  $ nimbusctl nps responses --phone "+41 44 555 10 01"
  $ nimbusctl nps responses --phone "+45 20 30 40 50" --jq '.[0].rating'
  $ nimbusctl nps responses -o csv > responses.csv`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			var err error
			if cmd.Flags().Changed("phone") {
				if number, err = phoneFlag(f, "phone", number); err != nil {
					return err
				}
			}
			c, err := f.NPS()
			if err != nil {
				return err
			}
			var list []npstoday.Response
			if number != "" {
				list, err = c.ResponsesByPhone(cmd.Context(), number)
			} else {
				list, err = c.CampaignResponses(cmd.Context())
			}
			if err != nil {
				return clientError(err)
			}
			return f.Printer().Print(list, responseCols)
		},
	}
	cmd.Flags().StringVar(&number, "phone", "", "the customer's phone `NUMBER` (normalized to E.164)")
	return cmd
}

func newCmdWebhooks(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "webhooks <command>",
		Short: "Subscribe a URL to new responses or campaign members",
		Args:  cmdutil.NoArgs,
	}
	var event, target, campaign string
	create := &cobra.Command{
		Use:   "create --event EVENT --url URL",
		Short: "Subscribe a URL to new responses or new campaign members",
		Long: `Creates a webhook subscription with the body nps.today's connector sends since 2023:
{"Filter":{"Include":{"campaignId":N}},"Url":URL,"Model":"Response"|"CampaignMember"}.
nps.today then POSTs each new response (or campaign member) to the URL, in PascalCase.
The URL must be https (plain http is accepted only to loopback), as for 'trigger create'.
Prints the subscription id that 'webhooks delete' takes.`,
		Example: `  $ nimbusctl nps webhooks create --event responses --url https://hooks.contoso.com/nps --campaign 101
  $ nimbusctl nps webhooks create --event campaignmembers --url https://hooks.contoso.com/members -o json`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if target == "" {
				return cmdutil.FlagErrorf("--url is required")
			}
			if err := httpx.CheckWebhookURL(target); err != nil {
				return cmdutil.FlagErrorf("--url: %v", err)
			}
			if campaign != "" {
				if err := npstoday.ID(campaign).Check(); err != nil {
					return cmdutil.FlagErrorf("--%v", err)
				}
			}
			c, err := f.NPS()
			if err != nil {
				return err
			}
			w, err := c.Subscribe(cmd.Context(), npstoday.WebhookEvent(event), target, npstoday.ID(campaign))
			if err != nil {
				return clientError(err)
			}
			if w.ID == "" {
				f.IO.Warnf("nps.today did not say the subscription's id (no id in the answer, no Location header)")
			}
			return f.Printer().Print(w, webhookCols)
		},
	}
	cmdutil.StringEnumFlag(create, &event, "event", "", string(npstoday.EventResponses), npstoday.WebhookEvents, "what to subscribe to")
	create.Flags().StringVar(&target, "url", "", "the `URL` nps.today POSTs to (https)")
	create.Flags().StringVar(&campaign, "campaign", "", "only this campaign `ID` (default: every campaign)")

	del := &cobra.Command{
		Use:     "delete <id>",
		Aliases: []string{"rm"},
		Short:   "Delete a webhook subscription",
		Example: `  $ nimbusctl nps webhooks delete 6f1c2a9e-0d4b-4c1e-9a7f-2b3c4d5e6f70`,
		Args:    cmdutil.ExactArgs(1, "a subscription id"),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.NPS()
			if err != nil {
				return err
			}
			if err := c.DeleteWebhook(cmd.Context(), args[0]); err != nil {
				return clientError(err)
			}
			if f.IO.IsStdoutTTY() {
				f.IO.Successf("Deleted webhook subscription %s", args[0])
			}
			return nil
		},
	}
	cmd.AddCommand(create, del)
	return cmd
}

// errEnough stops a BI export at --limit.
var errEnough = errors.New("enough rows")

func newCmdBI(f *cmdutil.Factory) *cobra.Command {
	var modifiedAfter string
	var pageSize, limit int
	cmd := &cobra.Command{
		Use:   "bi <dataset>",
		Short: "Export a /v2/bi dataset (responses, campaign members, ...) page by page",
		Long: `Reads every page of a /v2/bi dataset: ` + strings.Join(npstoday.BIDatasets, ", ") + `.
--modified-after keeps the rows changed after a time (nps.today tracks changes since
1 September 2022). The paging parameters are not public: nimbusctl sends page and
pageSize and stops at a short page.`,
		Example: `  $ nimbusctl nps bi responses --modified-after 7d -o json
  $ nimbusctl nps bi campaignmembers -o csv > members.csv`,
		Args: cmdutil.ExactArgs(1, "a dataset: "+strings.Join(npstoday.BIDatasets, ", ")),
		RunE: func(cmd *cobra.Command, args []string) error {
			q := npstoday.BIQuery{PageSize: pageSize}
			if err := cmdutil.IntInRange("page-size", pageSize, 1, 1000); err != nil {
				return err
			}
			if limit < 0 {
				return cmdutil.FlagErrorf("--limit must not be negative, got %d", limit)
			}
			if modifiedAfter != "" {
				t, err := parseSince(modifiedAfter, f.Now())
				if err != nil {
					return cmdutil.FlagErrorf("--modified-after: %v", strings.TrimPrefix(err.Error(), "--since: "))
				}
				q.ModifiedAfter = t
			}
			c, err := f.NPS()
			if err != nil {
				return err
			}
			rows := []json.RawMessage{}
			err = c.BI(cmd.Context(), args[0], q, func(r json.RawMessage) error {
				rows = append(rows, r)
				if limit > 0 && len(rows) >= limit {
					return errEnough
				}
				return nil
			})
			if err != nil && !errors.Is(err, errEnough) {
				return clientError(err)
			}
			return f.Printer().Print(rows, nil)
		},
	}
	cmd.Flags().StringVar(&modifiedAfter, "modified-after", "", "only rows changed after `TIME`: RFC 3339, a date or an age (7d)")
	cmd.Flags().IntVar(&pageSize, "page-size", 500, "rows per request (1-1000)")
	cmd.Flags().IntVar(&limit, "limit", 0, "stop after this many rows (0: all)")
	return cmd
}
