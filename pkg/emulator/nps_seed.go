package emulator

import (
	"strings"
	"time"
)

// The seeded nps.today organisation. Ids and keys are fixed so tests can name them.
const (
	// NPSTodayAPIKey is the organisation's API key (sent raw by default).
	NPSTodayAPIKey = "npt-5f2c9a7e41d84b0c9e3a6d1f8b7c2e40"
	// NPSTodayOtherAPIKey is a second key of the same organisation, with its own rate budget.
	NPSTodayOtherAPIKey = "npt-0b7e3d9c52a14f6e8d1c4a7b9e2f3c51"

	// Campaigns: after-call surveys by SMS for support, one for sales, one by e-mail.
	NPSCampaignSupport    = 101
	NPSCampaignSales      = 102
	NPSCampaignOnboarding = 103

	NPSCampaignSupportName    = "Support after-call"
	NPSCampaignSalesName      = "Sales"
	NPSCampaignOnboardingName = "Onboarding e-mail"

	// Employees. NPSEmployeePgap is in a p-gap training period on the support campaign from
	// 7 days before Start until 30 days after it: surveys about her calls are held until she
	// rates them.
	NPSEmployeeAgent = "agent@contoso.com"
	NPSEmployeePgap  = "anna.meier@contoso.com"
	NPSEmployeeSales = "luca.rossi@contoso.com"

	NPSEmployeeAgentID = 7001
	NPSEmployeePgapID  = 7002
	NPSEmployeeSalesID = 7003

	// NPSCustomerPhone has answered twice (the Nimbus seed's Alice Muster).
	NPSCustomerPhone = "+41445551001"
)

type npsCampaign struct {
	ID       int
	Name     string
	Modified time.Time
}

type npsEmployee struct {
	ID       int
	Fields   map[string]any // as received (camelCase), without id
	Modified time.Time
}

func (e *npsEmployee) email() string {
	s, _ := e.Fields["email"].(string)
	return strings.ToLower(s)
}

type npsResponse struct {
	ID         int
	CampaignID int
	Rating     int
	Comment    string
	Time       time.Time
	Employee   string // e-mail, lower case
	Respondent map[string]any
}

// NPSPgapPeriod is a p-gap training period of one employee on one campaign: [From, To).
type NPSPgapPeriod struct {
	Employee   string
	CampaignID int
	From, To   time.Time
}

// NPSSurvey is one survey the emulator sent (a campaign member).
type NPSSurvey struct {
	ID          int
	CampaignID  int
	Endpoint    string // "respondent" or "respondents"
	Respondent  map[string]any
	Employee    map[string]any // nil when the request named none
	Custom      string
	AgentRating *int
	Sent        time.Time
}

// NPSWebhook is a webhook subscription as received.
type NPSWebhook struct {
	ID         string
	Kind       string // "responses" or "campaignmembers"
	URL        string
	Model      string
	CampaignID int // 0: every campaign
}

// NPSIVREntry maps a queue id to a campaign.
type NPSIVREntry struct {
	QueueID    string
	CampaignID int
}

type npsState struct {
	keys       map[string]bool
	campaigns  []*npsCampaign
	employees  []*npsEmployee
	responses  []*npsResponse
	pgap       []NPSPgapPeriod
	surveys    []NPSSurvey
	held       int
	ivr        []NPSIVREntry
	webhooks   []NPSWebhook
	categories []map[string]any
	nextID     int
}

func (st *npsState) campaign(id int) *npsCampaign {
	for _, c := range st.campaigns {
		if c.ID == id {
			return c
		}
	}
	return nil
}

// employee finds an employee by e-mail (case-insensitive) or numeric id.
func (st *npsState) employee(ref string) *npsEmployee {
	ref = strings.ToLower(strings.TrimSpace(ref))
	for _, e := range st.employees {
		if e.email() == ref || itoa(e.ID) == ref {
			return e
		}
	}
	return nil
}

func (st *npsState) inPgap(employee string, campaign int, now time.Time) bool {
	employee = strings.ToLower(employee)
	for _, p := range st.pgap {
		if strings.ToLower(p.Employee) == employee && p.CampaignID == campaign && !now.Before(p.From) && now.Before(p.To) {
			return true
		}
	}
	return false
}

func (st *npsState) newID() int {
	st.nextID++
	return st.nextID
}

func seedNPS(now time.Time) *npsState {
	now = now.UTC().Truncate(time.Second)
	st := &npsState{
		keys:   map[string]bool{NPSTodayAPIKey: true, NPSTodayOtherAPIKey: true},
		nextID: 9000,
	}
	for _, c := range []struct {
		id   int
		name string
	}{{NPSCampaignSupport, NPSCampaignSupportName}, {NPSCampaignSales, NPSCampaignSalesName}, {NPSCampaignOnboarding, NPSCampaignOnboardingName}} {
		st.campaigns = append(st.campaigns, &npsCampaign{ID: c.id, Name: c.name, Modified: now})
	}
	emp := func(id int, email, first, last, team string) {
		st.employees = append(st.employees, &npsEmployee{ID: id, Modified: now, Fields: map[string]any{
			"email": email, "firstName": first, "lastName": last, "department": "Customer Service", "team": team, "active": true,
		}})
	}
	emp(NPSEmployeeAgentID, NPSEmployeeAgent, "Alex", "Agent", "Support")
	emp(NPSEmployeePgapID, NPSEmployeePgap, "Anna", "Meier", "Support")
	emp(NPSEmployeeSalesID, NPSEmployeeSales, "Luca", "Rossi", "Sales")
	st.pgap = []NPSPgapPeriod{{Employee: NPSEmployeePgap, CampaignID: NPSCampaignSupport, From: now.Add(-7 * 24 * time.Hour), To: now.Add(30 * 24 * time.Hour)}}

	person := func(first, last, email, phone string) map[string]any {
		m := map[string]any{"firstName": first, "lastName": last}
		if email != "" {
			m["emailAddress"] = email
		}
		if phone != "" {
			m["phoneNumber"] = phone
		}
		return m
	}
	alice := person("Alice", "Muster", "alice.muster@muster.example", NPSCustomerPhone)
	day := 24 * time.Hour
	for i, r := range []struct {
		campaign int
		rating   int
		comment  string
		ago      time.Duration
		employee string
		who      map[string]any
	}{
		{NPSCampaignSupport, 9, "Quick and friendly help", 2 * day, NPSEmployeeAgent, alice},
		{NPSCampaignSupport, 6, "Had to wait too long", 10 * day, NPSEmployeeAgent, person("Bruno", "Keller", "b.keller@kellerbau.example", "+41315552002")},
		{NPSCampaignSales, 10, "Great offer", 1 * day, NPSEmployeeSales, person("Globex", "Purchasing", "partners@globex.example", "+4930555000")},
		{NPSCampaignSupport, 3, "My problem is not solved", 40 * day, NPSEmployeePgap, alice},
		{NPSCampaignSupport, 8, "", 20 * day, NPSEmployeeAgent, person("Chloé", "Dubois", "", "+33612345678")},
	} {
		st.responses = append(st.responses, &npsResponse{
			ID: 5001 + i, CampaignID: r.campaign, Rating: r.rating, Comment: r.comment,
			Time: now.Add(-r.ago), Employee: r.employee, Respondent: r.who,
		})
	}
	// The Nimbus seed's services, by UPN, so that `nps survey after-call` works in the sandbox.
	st.ivr = []NPSIVREntry{{ServiceSupport, NPSCampaignSupport}, {ServiceSales, NPSCampaignSales}}
	st.categories = []map[string]any{
		{"id": 1, "name": "Waiting time"}, {"id": 2, "name": "Friendliness"}, {"id": 3, "name": "Solution"},
	}
	return st
}
