package bulk

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/nimbusctl/nimbusctl/pkg/npstoday"
	"github.com/nimbusctl/nimbusctl/pkg/phone"
)

// RespondentSchema knows the columns of a file of nps.today respondents: one row per survey.
// The aliases cover what CRM and spreadsheet exports call them (English, German, Danish).
var RespondentSchema = &Schema{
	Fields: []FieldDef{
		{Name: "campaign", Aliases: []string{"campaignId", "campaign id", "campaign name", "kampagne", "kampagne id", "survey"}},
		{Name: "queue", Aliases: []string{"service", "serviceUpn", "service upn", "queue id", "queueId", "warteschlange"}},
		{Name: "email", Aliases: []string{"emailAddress", "e-mail", "email address", "e-mail address", "e-mail-adresse", "mail",
			"customer email", "contact email", "respondent email", "E-mail 1 - Value"}},
		{Name: "phone", Aliases: []string{"phoneNumber", "phone number", "mobile", "mobile phone", "mobile number", "cell", "cell phone",
			"telephone", "tel", "tlf", "telefon", "telefonnummer", "mobil", "mobilnummer", "handy", "msisdn", "sms", "Phone 1 - Value"}},
		{Name: "firstName", Aliases: []string{"first name", "given name", "vorname", "fornavn", "prénom"}},
		{Name: "lastName", Aliases: []string{"last name", "surname", "family name", "nachname", "efternavn"}},
		{Name: "company", Aliases: []string{"company name", "organization", "organisation", "account name", "firma", "firmenname", "unternehmen", "virksomhed"}},
		{Name: "title"},
		{Name: "department", Aliases: []string{"abteilung", "afdeling"}},
		{Name: "employee", Aliases: []string{"employee email", "employeeEmail", "agent", "agent email", "agent e-mail", "user email",
			"owner email", "mitarbeiter", "medarbejder", "LastConnectedUserEmail"}},
		{Name: "agentRating", Aliases: []string{"agent rating", "pgap rating", "p-gap rating", "employee rating"}},
		{Name: "externalId", Aliases: []string{"external id", "id", "customer id", "customer number", "contact id", "crm id", "kundennummer", "kundenummer"}},
		{Name: "custom", Aliases: []string{"custom data", "customData", "custom json"}},
		{Name: "note", Aliases: []string{"notes", "comment", "bemerkung", "notiz"}},
	},
	Prefixes: []string{"custom."},
}

// RespondentRow is one row, built: the survey request and what identifies it.
type RespondentRow struct {
	Campaign string // campaign id
	Request  npstoday.SurveyRequest
	// Who is the respondent: "ext:<external id>", else the e-mail address (lower case), else
	// the E.164 number. Two rows with the same Who and campaign are the same survey.
	Who string
	// Identity is the ledger key: campaign, respondent, and what the row says about the
	// interaction (employee, custom data, note). Names, company and the agent's rating are not
	// part of it, so correcting them never makes a row new.
	Identity string
	Phones   []PhoneNote // with NotePhones: the row's number as written and as sent
}

// Display is the row's key in reports: campaign/respondent.
func (r RespondentRow) Display() string {
	who := strings.TrimPrefix(r.Who, "ext:")
	if r.Campaign == "" {
		return who
	}
	return r.Campaign + "/" + who
}

// campaignIndex resolves campaign ids and names against the live list.
type campaignIndex struct {
	ids    map[string]bool
	byName map[string][]string // lower-case name -> ids
}

func newCampaignIndex(list []npstoday.Campaign) *campaignIndex {
	ix := &campaignIndex{ids: map[string]bool{}, byName: map[string][]string{}}
	for _, c := range list {
		ix.ids[string(c.ID)] = true
		n := strings.ToLower(strings.TrimSpace(c.Name))
		ix.byName[n] = append(ix.byName[n], string(c.ID))
	}
	return ix
}

// resolve returns the id of ref (an id or a name); msg says why not.
func (ix *campaignIndex) resolve(ref string) (id, msg string) {
	if ix == nil { // --validate-only: not checked
		return ref, ""
	}
	if ix.ids[ref] {
		return ref, ""
	}
	switch ids := ix.byName[strings.ToLower(ref)]; len(ids) {
	case 1:
		return ids[0], ""
	case 0:
		return "", fmt.Sprintf("unknown campaign %q (see 'nimbusctl nps campaigns list')", ref)
	default:
		return "", fmt.Sprintf("%q names %d campaigns (%s); use the id", ref, len(ids), strings.Join(ids, ", "))
	}
}

// RespondentBuilder turns rows into survey requests under one mapping.
type RespondentBuilder struct {
	File           string
	Map            *Mapping
	Campaign       string // --campaign, resolved: for rows without a campaign (and without a mapped queue)
	DefaultCountry string // for numbers without a country code
	NotePhones     bool   // list the row's phone number in RespondentRow.Phones
	campaigns      *campaignIndex
	ivr            []npstoday.IVRMapping // nil: queues are not looked up
	ivrRead        bool
}

// Build makes the request of one row, reporting every bad cell.
func (b *RespondentBuilder) Build(row Row) (RespondentRow, []*RowError) {
	var out RespondentRow
	req := &out.Request
	var errs []*RowError
	bad := func(col int, format string, a ...any) {
		errs = append(errs, &RowError{File: b.File, Line: row.Line, Column: b.Map.Header[col], Msg: fmt.Sprintf(format, a...)})
	}
	col := map[string]int{}
	var campaignRef, queue, custom string
	var customCols [][2]string
	customBad := false
	for i, t := range b.Map.Targets {
		if t.Field == "" {
			continue
		}
		col[t.Field] = i
		cell := row.Cells[i]
		if cell == "" {
			continue
		}
		switch f := t.Field; {
		case strings.HasPrefix(f, "custom."):
			customCols = append(customCols, [2]string{f[len("custom."):], cell})
		case f == "campaign":
			campaignRef = cell
		case f == "queue":
			queue = cell
		case f == "email":
			if !npstoday.LooksLikeEmail(cell) {
				bad(i, "%q is not an e-mail address", cell)
				continue
			}
			req.Respondent.EmailAddress = cell
		case f == "phone":
			n, err := phone.Normalize(cell, b.DefaultCountry)
			if err != nil {
				bad(i, "%v", err)
				continue
			}
			if b.NotePhones {
				out.Phones = append(out.Phones, PhoneNote{Column: b.Map.Header[i], Input: cell, E164: n})
			}
			req.Respondent.PhoneNumber = n
		case f == "firstName":
			req.Respondent.FirstName = cell
		case f == "lastName":
			req.Respondent.LastName = cell
		case f == "company":
			req.Respondent.Company = &npstoday.Company{Name: cell}
		case f == "title":
			req.Respondent.Title = cell
		case f == "department":
			req.Respondent.Department = cell
		case f == "externalId":
			req.Respondent.ExternalID = cell
		case f == "employee":
			if !npstoday.LooksLikeEmail(cell) {
				bad(i, "%q is not an e-mail address (the agent the survey is about)", cell)
				continue
			}
			req.Employee = &npstoday.Employee{Email: cell}
		case f == "agentRating":
			n, err := strconv.Atoi(cell)
			if err != nil || n < npstoday.MinRating || n > npstoday.MaxRating {
				bad(i, "must be a whole number from %d to %d, got %q", npstoday.MinRating, npstoday.MaxRating, cell)
				continue
			}
			req.AgentRating = &n
		case f == "custom":
			if err := npstoday.CheckCustom(cell); err != nil {
				bad(i, "%v", err)
				customBad = true
				continue
			}
			custom = cell
		case f == "note":
			req.Note = cell
		}
	}
	header := func(field string) string {
		if i, ok := col[field]; ok {
			return b.Map.Header[i]
		}
		return field
	}
	if req.Respondent.EmailAddress == "" && req.Respondent.PhoneNumber == "" && !hasErr(errs, col, "email", b.Map) && !hasErr(errs, col, "phone", b.Map) {
		name := header("email")
		if _, ok := col["email"]; !ok {
			name = header("phone")
		}
		errs = append(errs, &RowError{File: b.File, Line: row.Line, Column: name, Msg: "no e-mail address and no phone number: the survey goes to one of them"})
	}
	if req.AgentRating != nil && req.Employee == nil && !hasErr(errs, col, "employee", b.Map) {
		errs = append(errs, &RowError{File: b.File, Line: row.Line, Column: header("agentRating"),
			Msg: "an agent rating needs the employee (the agent who rates the call) in the employee column"})
	}
	canon := ""
	if !customBad {
		var err error
		req.Custom, canon, err = joinCustom(custom, customCols)
		if err != nil {
			errs = append(errs, &RowError{File: b.File, Line: row.Line, Column: header("custom"), Msg: err.Error()})
		}
	}
	// The campaign: the row's own, else its queue's in the IVR map, else --campaign.
	switch {
	case campaignRef != "":
		id, msg := b.campaigns.resolve(campaignRef)
		if msg != "" {
			errs = append(errs, &RowError{File: b.File, Line: row.Line, Column: header("campaign"), Msg: msg})
		}
		out.Campaign = id
	case queue != "" && b.ivrRead:
		m, ok := npstoday.CampaignFor(b.ivr, queue)
		if !ok {
			errs = append(errs, &RowError{File: b.File, Line: row.Line, Column: header("queue"),
				Msg: fmt.Sprintf("no campaign for queue %q in the IVR map (add a campaign column)", queue)})
		}
		out.Campaign = string(m.CampaignID)
	case queue != "":
		out.Campaign = "queue:" + queue // --validate-only: not looked up
	case b.Campaign != "":
		out.Campaign = b.Campaign
	default:
		msg := "is empty (pass --campaign for such rows)"
		if _, ok := col["campaign"]; !ok {
			msg = "no column holds it (add a campaign column or pass --campaign)"
		}
		errs = append(errs, &RowError{File: b.File, Line: row.Line, Column: header("campaign"), Msg: msg})
	}
	switch {
	case req.Respondent.ExternalID != "":
		out.Who = "ext:" + req.Respondent.ExternalID
	case req.Respondent.EmailAddress != "":
		out.Who = strings.ToLower(req.Respondent.EmailAddress)
	default:
		out.Who = req.Respondent.PhoneNumber
	}
	employee := ""
	if req.Employee != nil {
		employee = strings.ToLower(req.Employee.Email)
	}
	out.Identity = SurveyKey("respondent", out.Campaign, out.Who, employee, canon, req.Note)
	return out, errs
}

// dupKey is what makes two rows the same respondent in a file: campaign and respondent.
func (r RespondentRow) dupKey() string { return r.Campaign + "\x00" + r.Who }

// whoColumn is the header of the column the row's respondent key comes from.
func (b *RespondentBuilder) whoColumn(r RespondentRow) string {
	field := "phone"
	switch {
	case strings.HasPrefix(r.Who, "ext:"):
		field = "externalId"
	case r.Request.Respondent.EmailAddress != "":
		field = "email"
	}
	for i, t := range b.Map.Targets {
		if t.Field == field {
			return b.Map.Header[i]
		}
	}
	return field
}

// joinCustom joins the custom column (a JSON object) and the custom.<name> columns (strings;
// they win over the same key in the object) into the custom string nps.today takes. The
// column is sent as written when no custom.<name> cell adds to it. canon is the data in a
// canonical form (sorted keys), for the row's identity.
func joinCustom(obj string, cols [][2]string) (custom, canon string, err error) {
	if obj == "" && len(cols) == 0 {
		return "", "", nil
	}
	m := map[string]any{}
	if obj != "" {
		dec := json.NewDecoder(strings.NewReader(obj))
		dec.UseNumber()
		if err := dec.Decode(&m); err != nil {
			return "", "", err
		}
	}
	for _, kv := range cols {
		m[kv[0]] = kv[1]
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(m); err != nil {
		return "", "", err
	}
	canon = strings.TrimSpace(buf.String())
	if len(cols) == 0 {
		return obj, canon, nil
	}
	return canon, canon, nil
}

// checkRespondentMapping refuses a header that cannot make surveys, or that fills one field
// from two columns.
func checkRespondentMapping(file string, m *Mapping, campaignFlag bool) error {
	seen := map[string]string{}
	for i, t := range m.Targets {
		if t.Field == "" {
			continue
		}
		if first, dup := seen[t.Field]; dup {
			return fmt.Errorf("%s: columns %q and %q both fill %s: drop one with --map %q", file, first, m.Header[i], t.Field, m.Header[i]+"=-")
		}
		seen[t.Field] = m.Header[i]
	}
	if !m.Has("email") && !m.Has("phone") {
		return fmt.Errorf("%s: no column holds an e-mail address or a phone number: name one email (or E-mail, Email Address) or phone (or Mobile, Phone Number), or use --map \"column=email\"", file)
	}
	if !m.Has("campaign") && !m.Has("queue") && !campaignFlag {
		return fmt.Errorf("%s: no campaign: add a campaign column (id or name) or pass --campaign ID", file)
	}
	return nil
}
