package nps

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/nimbusctl/nimbusctl/pkg/bulk"
	"github.com/nimbusctl/nimbusctl/pkg/cli/cmdutil"
	"github.com/nimbusctl/nimbusctl/pkg/httpx"
	"github.com/nimbusctl/nimbusctl/pkg/npstoday"
	"github.com/nimbusctl/nimbusctl/pkg/output"
)

// PgapQuestion is what the agent is asked when nps.today holds a survey for p-gap training.
const PgapQuestion = "How satisfied do you think the customer is? (0-10)"

// Outcome is the result of one survey: of `survey send`, or of one event of `survey
// after-call`. Result is sent, pgap (held for the agent's rating), failed, or
// skipped:<reason>.
type Outcome struct {
	TaskID      string                  `json:"taskId,omitempty"`
	Result      string                  `json:"result"`
	CampaignID  string                  `json:"campaignId,omitempty"`
	Recipient   string                  `json:"recipient,omitempty"` // E.164 number or e-mail address
	Employee    string                  `json:"employee,omitempty"`
	AgentRating *int                    `json:"agentRating,omitempty"`
	Detail      string                  `json:"detail,omitempty"`
	Command     string                  `json:"command,omitempty"` // pgap: the command that sends the held survey
	Request     *npstoday.SurveyRequest `json:"request,omitempty"` // would-send: the body --dry-run did not send
}

// Results.
const (
	ResultSent      = "sent"
	ResultWouldSend = "would-send" // --dry-run
	ResultPgap      = "pgap"
	ResultFailed    = "failed"
	ResultSkipped   = "skipped"
)

// SkipOnce: `survey send --once KEY` sent under this KEY before (or a person settled its
// unanswered send as arrived). An unanswered send nobody has settled is SkipUnknown.
const SkipOnce = "already-sent"

var sendCols = output.Cols("RESULT=result", "CAMPAIGN=campaignId", "RECIPIENT=recipient", "EMPLOYEE=employee", "RATING=agentRating", "DETAIL=detail")

func newCmdSurvey(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "survey <command>",
		Short: "Send nps.today surveys: one, or one per finished Nimbus call",
		Args:  cmdutil.NoArgs,
	}
	cmd.AddCommand(newCmdSurveySend(f), newCmdAfterCall(f), newCmdSurveyLedger(f))
	return cmd
}

// sendOptions are the flags of `survey send`: every respondent and employee field of the
// add-respondent body the public material documents.
type sendOptions struct {
	campaign, phone, email string
	respondent             npstoday.Respondent
	company                npstoday.Company
	employee               string // e-mail address or id
	emp                    npstoday.Employee
	sendEmailAt            string
	respondentActive       bool
	employeeActive         bool
	doNotContact           bool
	custom, note, guid     string
	checkPgap              bool
	agentRating            int
	once                   string
	wait                   time.Duration
}

func newCmdSurveySend(f *cmdutil.Factory) *cobra.Command {
	o := &sendOptions{}
	cmd := &cobra.Command{
		Use:   "send --campaign ID (--phone NUMBER | --email ADDRESS)",
		Short: "Send a survey to one respondent, with the p-gap hold",
		Long: `Adds the respondent to the campaign, which sends the survey (by SMS to --phone, by
e-mail to --email). Phone numbers are normalized to E.164; a national number takes the
profile's default_country, and without one it is refused (never sent to a guessed country).
Every field of the add-respondent body has a flag: the respondent's (--first-name ...
--zip-code), the company's (--company, --company-*), the employee's (--employee,
--employee-*), --note, --custom, --do-not-contact and --guid. --employee is the agent the
survey is about: an e-mail address (employee.email) or an id (employee.externalId).

P-gap: with an employee, the survey goes with checkPgap=true (--check-pgap=false sends at
once), as in after-call and respondent import. nps.today may then hold it because the
employee is in a p-gap training period: it answers {"pgap": true} and sends nothing until
the agent has rated the call (0-10). On a terminal nimbusctl asks the agent and sends
again with the rating. Without a terminal it prints the pending survey as JSON and exits
8, so a script can ask and rerun the same command with --agent-rating.

--once KEY records the send in the survey ledger (the state folder, per profile): a rerun
with the same KEY sends nothing and says when it was sent — for scripts that may run
twice, and for the commands after-call prints for held surveys. When a send under KEY got
no answer (it may have gone out, and nps.today offers no read-back), that run and every
rerun under KEY exit 9 and send nothing (skipped:unknown) until a person has checked
app.nps.today: 'nimbusctl nps survey ledger settle --once KEY' if it arrived, 'nimbusctl
nps survey ledger forget --once KEY' and send again if it did not.

Exit codes: 0 sent (or sent before under --once KEY), 8 held for the agent's p-gap rating,
9 a send under --once KEY got no answer and is not settled.`,
		Example: `  $ nimbusctl nps survey send --campaign 101 --phone "+41 44 555 10 01" --first-name Alice
  $ nimbusctl nps survey send --campaign "Support after-call" --phone "+45 20 30 40 50" --employee anna@contoso.com
  $ nimbusctl nps survey send --campaign 101 --phone "+45 20 30 40 50" --employee anna@contoso.com --agent-rating 8
  $ nimbusctl nps survey send --campaign 103 --email alice@example.com --custom '{"orderId":"42"}' --once order-42
  $ nimbusctl nps survey send --campaign 103 --email bob@example.com --company "Fabrikam AG" --company-segment B2B --employee E-1042`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runSend(cmd, f, o)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&o.campaign, "campaign", "", "campaign `ID` (or exact name)")
	fl.StringVar(&o.phone, "phone", "", "respondent's phone `NUMBER` (SMS campaigns)")
	fl.StringVar(&o.email, "email", "", "respondent's e-mail `ADDRESS` (e-mail campaigns)")
	r, c, e := &o.respondent, &o.company, &o.emp
	for _, sf := range []struct {
		name string
		p    *string
		help string
	}{
		{"first-name", &r.FirstName, "respondent's first name"},
		{"last-name", &r.LastName, "respondent's last name"},
		{"title", &r.Title, "respondent's title (Mr., Dr.)"},
		{"department", &r.Department, "respondent's department"},
		{"external-id", &r.ExternalID, "your own id for the respondent"},
		{"address1", &r.Address1, "respondent's address, first line"},
		{"address2", &r.Address2, "respondent's address, second line"},
		{"city", &r.City, "respondent's city"},
		{"country", &r.Country, "respondent's country"},
		{"zip-code", &r.ZipCode, "respondent's postal code"},
		{"company", &c.Name, "respondent's company name"},
		{"company-email", &c.EmailAddress, "company's e-mail address"},
		{"company-industry", &c.Industry, "company's industry"},
		{"company-address1", &c.Address1, "company's address, first line"},
		{"company-address2", &c.Address2, "company's address, second line"},
		{"company-city", &c.City, "company's city"},
		{"company-country", &c.Country, "company's country"},
		{"company-zip-code", &c.ZipCode, "company's postal code"},
		{"company-account-no", &c.AccountNo, "company's account number"},
		{"company-segment", &c.Segment, "company's segment"},
		{"company-phone", &c.PhoneNumber, "company's phone number (normalized to E.164)"},
		{"employee-first-name", &e.FirstName, "employee's first name"},
		{"employee-last-name", &e.LastName, "employee's last name"},
		{"employee-title", &e.Title, "employee's title"},
		{"employee-department", &e.Department, "employee's department"},
		{"employee-team", &e.Team, "employee's team"},
		{"employee-division", &e.Division, "employee's division"},
		{"employee-phone", &e.PhoneNumber, "employee's phone number (normalized to E.164)"},
		{"employee-external-id", &e.ExternalID, "employee's id in your systems (when --employee is an e-mail address)"},
	} {
		fl.StringVar(sf.p, sf.name, "", sf.help)
	}
	fl.BoolVar(&o.respondentActive, "active", true, "whether the respondent is active (sent only when given)")
	fl.StringVar(&o.sendEmailAt, "send-email-at", "", "send the e-mail at this `time` (RFC 3339, or 2006-01-02 15:04:05 in UTC)")
	fl.StringVar(&o.employee, "employee", "", "the agent the survey is about: an e-mail `address or id`")
	fl.BoolVar(&o.employeeActive, "employee-active", true, "whether the employee can be contacted (sent only when given)")
	fl.StringVar(&o.custom, "custom", "", "custom data: a JSON object, e.g. '{\"orderId\":\"42\"}'")
	fl.StringVar(&o.note, "note", "", "a note about the interaction")
	fl.BoolVar(&o.doNotContact, "do-not-contact", false, "mark the respondent as not to be contacted (sent only when given)")
	fl.StringVar(&o.guid, "guid", "", "a GUID identifying this respondent record")
	fl.BoolVar(&o.checkPgap, "check-pgap", true, "with an employee: let nps.today hold the survey while the employee is in a p-gap period (--check-pgap=false sends at once)")
	fl.IntVar(&o.agentRating, "agent-rating", 0, "the agent's own rating of the call (0-10), for a held p-gap survey")
	fl.StringVar(&o.once, "once", "", "record the send under `KEY` in the survey ledger: a rerun with the same KEY sends nothing")
	fl.DurationVar(&o.wait, "wait", 5*time.Minute, "with --once: how long to wait for another run on the same ledger")
	return cmd
}

// request builds the add-respondent body from the flags, checking each.
func (o *sendOptions) request(cmd *cobra.Command, f *cmdutil.Factory) (npstoday.SurveyRequest, error) {
	req := npstoday.SurveyRequest{Respondent: o.respondent, Note: o.note, GUID: strings.TrimSpace(o.guid)}
	changed := cmd.Flags().Changed
	if o.phone != "" {
		n, err := phoneFlag(f, "phone", o.phone)
		if err != nil {
			return req, err
		}
		req.Respondent.PhoneNumber = n
	}
	if o.email != "" {
		if err := emailFlag("email", o.email); err != nil {
			return req, err
		}
		req.Respondent.EmailAddress = o.email
	}
	if changed("active") {
		req.Respondent.Active = &o.respondentActive
	}
	if o.sendEmailAt != "" {
		at, err := parseSendAt(o.sendEmailAt)
		if err != nil {
			return req, err
		}
		req.Respondent.SendEmailAt = at
	}
	if o.company != (npstoday.Company{}) {
		c := o.company
		if c.PhoneNumber != "" {
			n, err := phoneFlag(f, "company-phone", c.PhoneNumber)
			if err != nil {
				return req, err
			}
			c.PhoneNumber = n
		}
		if c.EmailAddress != "" {
			if err := emailFlag("company-email", c.EmailAddress); err != nil {
				return req, err
			}
		}
		req.Respondent.Company = &c
	}
	if o.custom != "" {
		if err := npstoday.CheckCustom(o.custom); err != nil {
			return req, cmdutil.FlagErrorf("--custom %v", err)
		}
		req.Custom = o.custom
	}
	if changed("do-not-contact") {
		req.DoNotContact = &o.doNotContact
	}
	emp := o.emp
	if changed("employee-active") {
		emp.Active = &o.employeeActive
	}
	if o.employee = strings.TrimSpace(o.employee); o.employee != "" {
		if strings.Contains(o.employee, "@") {
			if err := emailFlag("employee", o.employee); err != nil {
				return req, err
			}
			emp.Email = o.employee
		} else if emp.ExternalID != "" && emp.ExternalID != o.employee {
			return req, cmdutil.FlagErrorf("--employee %q is an id, and --employee-external-id says %q: give one", o.employee, emp.ExternalID)
		} else {
			emp.ExternalID = o.employee
		}
	}
	if emp.PhoneNumber != "" {
		n, err := phoneFlag(f, "employee-phone", emp.PhoneNumber)
		if err != nil {
			return req, err
		}
		emp.PhoneNumber = n
	}
	if o.employee == "" {
		for _, name := range []string{"employee-first-name", "employee-last-name", "employee-title", "employee-department",
			"employee-team", "employee-division", "employee-phone", "employee-external-id", "employee-active"} {
			if changed(name) {
				return req, cmdutil.FlagErrorf("--%s describes the employee: give --employee (an e-mail address or id) too", name)
			}
		}
	} else {
		req.Employee = &emp
	}
	if changed("agent-rating") {
		if err := cmdutil.IntInRange("agent-rating", o.agentRating, npstoday.MinRating, npstoday.MaxRating); err != nil {
			return req, err
		}
		if req.Employee == nil {
			return req, cmdutil.FlagErrorf("--agent-rating is the employee's own rating: give --employee too")
		}
		r := o.agentRating
		req.AgentRating = &r
	}
	return req, nil
}

// parseSendAt reads --send-email-at into nps.today's "yyyy-MM-dd hh:mm:ss" (UTC).
func parseSendAt(s string) (string, error) {
	const layout = "2006-01-02 15:04:05"
	if t, err := time.Parse(time.RFC3339, strings.TrimSpace(s)); err == nil {
		return t.UTC().Format(layout), nil
	}
	if t, err := time.Parse(layout, strings.TrimSpace(s)); err == nil {
		return t.Format(layout), nil
	}
	return "", cmdutil.FlagErrorf("--send-email-at: %q is not a time: use RFC 3339 (2026-03-23T14:00:00Z) or 2026-03-23 14:00:00 (UTC)", s)
}

// onceKey is a --once key in the survey ledger.
func onceKey(key string) string { return bulk.SurveyKey("once", key) }

func runSend(cmd *cobra.Command, f *cmdutil.Factory, o *sendOptions) error {
	if o.campaign == "" {
		return cmdutil.FlagErrorf("--campaign is required (see nimbusctl nps campaigns list)")
	}
	if o.phone == "" && o.email == "" {
		return cmdutil.FlagErrorf("give --phone or --email: who gets the survey")
	}
	if cmd.Flags().Changed("once") && strings.TrimSpace(o.once) == "" {
		return cmdutil.FlagErrorf("--once needs a KEY, e.g. --once order-42")
	}
	req, err := o.request(cmd, f)
	if err != nil {
		return err
	}
	checkPgap := o.checkPgap && req.Employee != nil
	c, err := f.NPS()
	if err != nil {
		return err
	}
	campaign, err := c.FindCampaign(cmd.Context(), o.campaign)
	if err != nil {
		return clientError(err)
	}
	who := ""
	if req.Employee != nil {
		who = firstNonEmpty(req.Employee.Email, req.Employee.ExternalID)
	}
	out := Outcome{CampaignID: string(campaign.ID), Recipient: recipient(req), Employee: who}
	var ledger *bulk.SurveyLedger
	key := strings.TrimSpace(o.once)
	if key != "" {
		dir, err := ledgerDir(f, "send")
		if err != nil {
			return err
		}
		l, release, err := openLedger(cmd.Context(), f, dir, o.wait, false)
		if err != nil {
			return err
		}
		defer release()
		ledger = l
		if e, ok := l.Get(onceKey(key)); ok && (e.State.Delivered() || e.State.Unsettled()) {
			at := e.At.Format("2006-01-02 15:04 MST")
			out.Result = ResultSkipped + ":" + SkipOnce
			switch e.State {
			case bulk.SurveySent:
				out.Detail = fmt.Sprintf("sent on %s under --once %s (campaign %s)", at, key, e.Campaign)
			case bulk.SurveySettled:
				out.Detail = fmt.Sprintf("settled by hand on %s under --once %s (campaign %s): its send had got no answer, and it arrived", at, key, e.Campaign)
			default: // no success until somebody has looked: exit 9 on every run
				out.Result = ResultSkipped + ":" + SkipUnknown
				out.Detail = fmt.Sprintf("the send of %s under --once %s got no answer: it may have gone out, so it is not sent again; %s", at, key, onceSettleHint(f, key))
				if err := f.Printer().Print(out, sendCols); err != nil {
					return err
				}
				return &cmdutil.PartialError{Msg: fmt.Sprintf("the survey under --once %s may have gone out: an earlier send got no answer, and nobody has settled it (see its detail)", key)}
			}
			return f.Printer().Print(out, sendCols)
		}
	}
	record := func(state bulk.SurveyState) error {
		if ledger == nil {
			return nil
		}
		return ledger.Record(bulk.SurveyEntry{Key: onceKey(key), State: state, Campaign: out.CampaignID, Once: key})
	}
	if err := record(bulk.SurveySending); err != nil {
		return fmt.Errorf("not sent: writing the ledger failed: %w", err)
	}
	s := &sender{f: f, c: c, mayAsk: true}
	// A send that has started is finished even on Ctrl-C, so that its outcome is recorded.
	err = s.send(context.WithoutCancel(cmd.Context()), &out, req, checkPgap, "")
	state := bulk.SurveySent
	switch {
	case err == nil && out.Result == ResultPgap, errors.Is(err, cmdutil.ErrCancelled):
		state = bulk.SurveyPending
	case httpx.IsAmbiguous(err):
		state = bulk.SurveyUnknown
	case err != nil:
		state = bulk.SurveyFailed
	}
	if lerr := record(state); lerr != nil && err == nil {
		err = fmt.Errorf("the survey's outcome (%s) could not be written to the ledger: %w", state, lerr)
	}
	if state == bulk.SurveyUnknown && ledger != nil {
		// Not "unavailable, try again": a rerun under the key sends nothing until settled.
		return &cmdutil.ExitError{Code: cmdutil.ExitPartial, Err: fmt.Errorf(
			"%w: the survey may have gone out (nps.today offers no read-back to check), so no rerun under --once %s sends it; %s", err, key, onceSettleHint(f, key))}
	}
	if err != nil {
		return err
	}
	if out.Result == ResultPgap {
		if err := jsonPrinter(f).Print(out, nil); err != nil {
			return err
		}
		return &cmdutil.PendingError{Msg: fmt.Sprintf("survey held: %s is in a p-gap period on campaign %s; nothing was sent. Rerun with --agent-rating 0-10 (the agent's rating)", who, out.CampaignID)}
	}
	return f.Printer().Print(out, sendCols)
}

// onceSettleHint is the way out of a send under --once KEY that got no answer: the admin
// checks app.nps.today, then settles the key (it arrived) or releases it and sends again.
func onceSettleHint(f *cmdutil.Factory, key string) string {
	return fmt.Sprintf("check app.nps.today, then: %s (it arrived), or: %s, then send it again (it did not)",
		ledgerCommand(f, "settle", "", "--once", key), ledgerCommand(f, "forget", "", "--once", key))
}

func recipient(req npstoday.SurveyRequest) string {
	if req.Respondent.PhoneNumber != "" {
		return req.Respondent.PhoneNumber
	}
	return req.Respondent.EmailAddress
}

// sender sends surveys and carries the p-gap dialogue.
type sender struct {
	f      *cmdutil.Factory
	c      *npstoday.Client
	mayAsk bool // may ask for the agent's rating (on a terminal)
}

// send sends req and fills out.Result with sent or pgap. When nps.today holds the survey
// and a person can answer, it asks PgapQuestion (again until the answer is 0-10) and sends
// once more with the rating; without a terminal it leaves the result at pgap. intro, when
// set, is written to stderr before the question (which call it is about).
func (s *sender) send(ctx context.Context, out *Outcome, req npstoday.SurveyRequest, checkPgap bool, intro string) error {
	res, err := s.c.SendSurvey(ctx, out.CampaignID, req, npstoday.SendOptions{CheckPgap: checkPgap})
	if err != nil {
		return clientError(err)
	}
	if res.Pgap && req.AgentRating != nil {
		return errHeldAgain
	}
	if !res.Pgap {
		out.Result, out.AgentRating = ResultSent, req.AgentRating
		return nil
	}
	out.Result = ResultPgap
	out.Detail = "held until the agent rates the call: rerun with --agent-rating 0-10"
	if !s.mayAsk || !s.f.IO.CanPrompt() {
		return nil
	}
	if intro != "" {
		s.f.IO.Infof("%s", intro)
	} else {
		s.f.IO.Infof("nps.today holds this survey: %s is in a p-gap training period.", out.Employee)
	}
	rating, err := s.ask()
	if err != nil {
		return err
	}
	req.AgentRating = &rating
	res, err = s.c.SendSurvey(ctx, out.CampaignID, req, npstoday.SendOptions{CheckPgap: true})
	if err != nil {
		return clientError(err)
	}
	if res.Pgap {
		return errHeldAgain
	}
	out.Result, out.AgentRating, out.Detail = ResultSent, &rating, ""
	return nil
}

// errHeldAgain: nps.today held a survey that carried a rating, which means the rating did
// not reach it (the field name is unconfirmed).
var errHeldAgain = fmt.Errorf("nps.today held the survey again although it carried the agent's rating (field %q, unconfirmed): nothing was sent; see docs/nps.md", npstoday.FieldAgentRating)

// ask reads a 0-10 rating, asking again until it gets one.
func (s *sender) ask() (int, error) {
	for {
		ans, err := s.f.Prompter.Input(PgapQuestion)
		if err != nil {
			return 0, err
		}
		n, err := strconv.Atoi(strings.TrimSpace(ans))
		if err == nil && n >= npstoday.MinRating && n <= npstoday.MaxRating {
			return n, nil
		}
		fmt.Fprintf(s.f.IO.ErrOut, "Please answer with a whole number from %d to %d.\n", npstoday.MinRating, npstoday.MaxRating)
	}
}

// isFatal reports errors after which the other surveys of a batch would fail the same way.
func isFatal(err error) bool {
	code := cmdutil.ExitCodeOf(err)
	return code == cmdutil.ExitAuth || code == cmdutil.ExitForbidden || code == cmdutil.ExitCancelled ||
		errors.Is(err, context.DeadlineExceeded)
}
