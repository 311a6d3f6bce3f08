package npstoday

import (
	"strings"
	"time"

	"github.com/nimbusctl/nimbusctl/pkg/emulator/core"
)

// The seeded nps.today organisation. Ids and keys are fixed so tests can name them.
const (
	// APIKey is the organisation's API key (sent raw by default).
	APIKey = "npt-5f2c9a7e41d84b0c9e3a6d1f8b7c2e40"
	// OtherAPIKey is a second key of the same organisation, with its own rate budget.
	OtherAPIKey = "npt-0b7e3d9c52a14f6e8d1c4a7b9e2f3c51"

	// Campaigns: after-call surveys by SMS for support, one for sales, one by e-mail.
	CampaignSupport    = 101
	CampaignSales      = 102
	CampaignOnboarding = 103

	CampaignSupportName    = "Support after-call"
	CampaignSalesName      = "Sales"
	CampaignOnboardingName = "Onboarding e-mail"

	// Employees. EmployeePgap is in a p-gap training period on the support campaign from
	// 7 days before Start until 30 days after it: surveys about her calls are held until she
	// rates them.
	EmployeeAgent = "agent@contoso.com"
	EmployeePgap  = "anna.meier@contoso.com"
	EmployeeSales = "luca.rossi@contoso.com"

	EmployeeAgentID = 7001
	EmployeePgapID  = 7002
	EmployeeSalesID = 7003

	// CustomerPhone has answered twice (the Nimbus seed's Alice Muster).
	CustomerPhone = "+41445551001"
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

// PgapPeriod is a p-gap training period of one employee on one campaign: [From, To).
type PgapPeriod struct {
	Employee   string
	CampaignID int
	From, To   time.Time
}

// Survey is one survey the emulator sent (a campaign member).
type Survey struct {
	ID          int
	CampaignID  int
	Endpoint    string // "respondent" or "respondents"
	Respondent  map[string]any
	Employee    map[string]any // nil when the request named none
	Custom      string
	AgentRating *int
	Sent        time.Time
}

// Webhook is a webhook subscription as received.
type Webhook struct {
	ID         string
	Kind       string // "responses" or "campaignmembers"
	URL        string
	Model      string
	CampaignID int // 0: every campaign
}

// IVREntry maps a queue id to a campaign.
type IVREntry struct {
	QueueID    string
	CampaignID int
}

type npsState struct {
	keys       map[string]bool
	campaigns  []*npsCampaign
	employees  []*npsEmployee
	responses  []*npsResponse
	pgap       []PgapPeriod
	surveys    []Survey
	held       int
	ivr        []IVREntry
	webhooks   []Webhook
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
		keys:   map[string]bool{APIKey: true, OtherAPIKey: true},
		nextID: 9000,
	}
	for _, c := range []struct {
		id   int
		name string
	}{{CampaignSupport, CampaignSupportName}, {CampaignSales, CampaignSalesName}, {CampaignOnboarding, CampaignOnboardingName}} {
		st.campaigns = append(st.campaigns, &npsCampaign{ID: c.id, Name: c.name, Modified: now})
	}
	emp := func(id int, email, first, last, team string) {
		st.employees = append(st.employees, &npsEmployee{ID: id, Modified: now, Fields: map[string]any{
			"email": email, "firstName": first, "lastName": last, "department": "Customer Service", "team": team, "active": true,
		}})
	}
	emp(EmployeeAgentID, EmployeeAgent, "Alex", "Agent", "Support")
	emp(EmployeePgapID, EmployeePgap, "Anna", "Meier", "Support")
	emp(EmployeeSalesID, EmployeeSales, "Luca", "Rossi", "Sales")
	st.pgap = []PgapPeriod{{Employee: EmployeePgap, CampaignID: CampaignSupport, From: now.Add(-7 * 24 * time.Hour), To: now.Add(30 * 24 * time.Hour)}}

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
	alice := person("Alice", "Muster", "alice.muster@muster.example", CustomerPhone)
	day := 24 * time.Hour
	for i, r := range []struct {
		campaign int
		rating   int
		comment  string
		ago      time.Duration
		employee string
		who      map[string]any
	}{
		{CampaignSupport, 9, "Quick and friendly help", 2 * day, EmployeeAgent, alice},
		{CampaignSupport, 6, "Had to wait too long", 10 * day, EmployeeAgent, person("Bruno", "Keller", "b.keller@kellerbau.example", "+41315552002")},
		{CampaignSales, 10, "Great offer", 1 * day, EmployeeSales, person("Globex", "Purchasing", "partners@globex.example", "+4930555000")},
		{CampaignSupport, 3, "My problem is not solved", 40 * day, EmployeePgap, alice},
		{CampaignSupport, 8, "", 20 * day, EmployeeAgent, person("Chloé", "Dubois", "", "+33612345678")},
	} {
		st.responses = append(st.responses, &npsResponse{
			ID: 5001 + i, CampaignID: r.campaign, Rating: r.rating, Comment: r.comment,
			Time: now.Add(-r.ago), Employee: r.employee, Respondent: r.who,
		})
	}
	// The tenant's services, by UPN, so that `nps survey after-call` works in the sandbox.
	st.ivr = []IVREntry{{core.ServiceSupport, CampaignSupport}, {core.ServiceSales, CampaignSales}}
	st.categories = []map[string]any{
		{"id": 1, "name": "Waiting time"}, {"id": 2, "name": "Friendliness"}, {"id": 3, "name": "Solution"},
	}
	return st
}
