package nps

import (
	"github.com/nimbusctl/nimbusctl/pkg/cli/cmdutil"
	"github.com/nimbusctl/nimbusctl/pkg/cli/shared"
	"github.com/nimbusctl/nimbusctl/pkg/npstoday"
	"github.com/nimbusctl/nimbusctl/pkg/output"
)

// sendCommand is the `nps survey send` command line that sends req — what a batch shows for
// a survey nps.today holds for the agent's p-gap rating. Run on the agent's terminal it asks
// for the rating (a script adds --agent-rating N); --once KEY makes running it twice
// harmless and tells the batch's later runs that it was sent.
func sendCommand(profile, campaign string, req npstoday.SurveyRequest, once string) string {
	args := []string{"nimbusctl"}
	if profile != "" {
		args = append(args, "--profile", profile)
	}
	args = append(args, "nps", "survey", "send", "--campaign", campaign)
	add := func(flag, v string) {
		if v != "" {
			args = append(args, "--"+flag, v)
		}
	}
	r := req.Respondent
	for _, f := range []struct{ flag, v string }{
		{"phone", r.PhoneNumber}, {"email", r.EmailAddress}, {"first-name", r.FirstName}, {"last-name", r.LastName},
		{"title", r.Title}, {"department", r.Department}, {"external-id", r.ExternalID}, {"address1", r.Address1},
		{"address2", r.Address2}, {"city", r.City}, {"country", r.Country}, {"zip-code", r.ZipCode}, {"send-email-at", r.SendEmailAt},
	} {
		add(f.flag, f.v)
	}
	if r.Active != nil && !*r.Active {
		args = append(args, "--active=false")
	}
	if c := r.Company; c != nil {
		for _, f := range []struct{ flag, v string }{
			{"company", c.Name}, {"company-email", c.EmailAddress}, {"company-industry", c.Industry}, {"company-address1", c.Address1},
			{"company-address2", c.Address2}, {"company-city", c.City}, {"company-country", c.Country}, {"company-zip-code", c.ZipCode},
			{"company-account-no", c.AccountNo}, {"company-segment", c.Segment}, {"company-phone", c.PhoneNumber},
		} {
			add(f.flag, f.v)
		}
	}
	if e := req.Employee; e != nil {
		if e.Email != "" {
			add("employee", e.Email)
			add("employee-external-id", e.ExternalID)
		} else {
			add("employee", e.ExternalID)
		}
		for _, f := range []struct{ flag, v string }{
			{"employee-first-name", e.FirstName}, {"employee-last-name", e.LastName}, {"employee-title", e.Title},
			{"employee-department", e.Department}, {"employee-team", e.Team}, {"employee-division", e.Division},
			{"employee-phone", e.PhoneNumber},
		} {
			add(f.flag, f.v)
		}
	}
	add("note", req.Note)
	add("custom", req.Custom)
	add("guid", req.GUID)
	if req.DoNotContact != nil && *req.DoNotContact {
		args = append(args, "--do-not-contact")
	}
	args = append(args, "--once", once)
	return output.CommandLine(args)
}

// ledgerCommand is an `nps survey ledger VERB` command line for this profile, as a person
// pastes it: the entries (task ids; with which "--once" KEYs; with "--rows" ROWs) of the
// ledger in the folder --ledger named, if any.
func ledgerCommand(f *cmdutil.Factory, verb, ledgerFlag, which string, entries ...string) string {
	words := []string{"nps", "survey", "ledger", verb}
	if which != "" {
		words = append(words, which)
	}
	return shared.PasteCommand(f, words, ledgerFlag, entries...)
}

// rowOnceKey is the --once key of a respondent-import row (its ledger identity, shortened).
func rowOnceKey(identity string) string {
	if len(identity) > 16 {
		identity = identity[:16]
	}
	return "row:" + identity
}
