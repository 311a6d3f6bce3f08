package emulator

import (
	"slices"
	"strings"
	"time"
)

// Accessors for tests of the nps.today part: they read (or prepare) its state directly,
// never through HTTP. Everything returned is a copy.

// NPSSurveys returns the surveys sent so far (campaign members), in order. Held p-gap sends
// are not among them.
func (e *Emulator) NPSSurveys() []NPSSurvey {
	s := e.npstoday
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]NPSSurvey, 0, len(s.st.surveys))
	for _, sv := range s.st.surveys {
		sv.Respondent = cloneMap(sv.Respondent)
		sv.Employee = cloneMap(sv.Employee)
		if sv.AgentRating != nil {
			r := *sv.AgentRating
			sv.AgentRating = &r
		}
		out = append(out, sv)
	}
	return out
}

// NPSHeld is the number of sends held for a p-gap rating (answered {"pgap": true}).
func (e *Emulator) NPSHeld() int {
	s := e.npstoday
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.st.held
}

// NPSRespondents returns the distinct respondents surveys were sent to, by e-mail address
// or phone number, in first-seen order (the respondent of each one's latest survey).
func (e *Emulator) NPSRespondents() []map[string]any {
	s := e.npstoday
	s.mu.Lock()
	defer s.mu.Unlock()
	var order []string
	latest := map[string]map[string]any{}
	for _, sv := range s.st.surveys {
		email, _ := sv.Respondent["emailAddress"].(string)
		phone, _ := sv.Respondent["phoneNumber"].(string)
		key := strings.ToLower(email) + "|" + phone
		if _, seen := latest[key]; !seen {
			order = append(order, key)
		}
		latest[key] = sv.Respondent
	}
	out := make([]map[string]any, 0, len(order))
	for _, k := range order {
		out = append(out, cloneMap(latest[k]))
	}
	return out
}

// NPSEmployees returns the employees (with their id), in registration order.
func (e *Emulator) NPSEmployees() []map[string]any {
	s := e.npstoday
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]map[string]any, 0, len(s.st.employees))
	for _, em := range s.st.employees {
		out = append(out, renderEmployee(em))
	}
	return out
}

// NPSWebhooks returns the live webhook subscriptions, in creation order.
func (e *Emulator) NPSWebhooks() []NPSWebhook {
	s := e.npstoday
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.st.webhooks)
}

// AddNPSPgapPeriod puts an employee (e-mail) in a p-gap training period on a campaign.
func (e *Emulator) AddNPSPgapPeriod(employee string, campaignID int, from, to time.Time) {
	s := e.npstoday
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st.pgap = append(s.st.pgap, NPSPgapPeriod{Employee: employee, CampaignID: campaignID, From: from, To: to})
}

// SetNPSIVRMap replaces the IVR map.
func (e *Emulator) SetNPSIVRMap(entries ...NPSIVREntry) {
	s := e.npstoday
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st.ivr = slices.Clone(entries)
}

// AddNPSTodayKey makes another API key valid (with its own rate budget).
func (e *Emulator) AddNPSTodayKey(key string) {
	s := e.npstoday
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st.keys[key] = true
}
