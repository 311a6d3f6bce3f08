package npstoday

import (
	"slices"
	"strings"
	"time"
)

// Accessors for tests of the nps.today part: they read (or prepare) its state directly,
// never through HTTP. Everything returned is a copy.

// Surveys returns the surveys sent so far (campaign members), in order. Held p-gap sends
// are not among them.
func (s *Service) Surveys() []Survey {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Survey, 0, len(s.st.surveys))
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

// Held is the number of sends held for a p-gap rating (answered {"pgap": true}).
func (s *Service) Held() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.st.held
}

// Respondents returns the distinct respondents surveys were sent to, by e-mail address
// or phone number, in first-seen order (the respondent of each one's latest survey).
func (s *Service) Respondents() []map[string]any {
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

// Employees returns the employees (with their id), in registration order.
func (s *Service) Employees() []map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]map[string]any, 0, len(s.st.employees))
	for _, em := range s.st.employees {
		out = append(out, renderEmployee(em))
	}
	return out
}

// Webhooks returns the live webhook subscriptions, in creation order.
func (s *Service) Webhooks() []Webhook {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.st.webhooks)
}

// AddPgapPeriod puts an employee (e-mail) in a p-gap training period on a campaign.
func (s *Service) AddPgapPeriod(employee string, campaignID int, from, to time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st.pgap = append(s.st.pgap, PgapPeriod{Employee: employee, CampaignID: campaignID, From: from, To: to})
}

// SetIVRMap replaces the IVR map.
func (s *Service) SetIVRMap(entries ...IVREntry) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st.ivr = slices.Clone(entries)
}

// AddKey makes another API key valid (with its own rate budget).
func (s *Service) AddKey(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st.keys[key] = true
}
