package npstoday

import (
	"bytes"
	"encoding/json"
	"io"
	"math"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/nimbusctl/nimbusctl/pkg/emulator/core"
)

// Field sets of the bodies (the Adversus guide's full add-respondent shape; the connector's
// AddEmployee). The connector's own SendSurvey schema is narrower (respondent + custom), so
// bodies are checked here rather than against the swagger.
var (
	npsSurveyFields     = []string{"respondent", "custom", "employee", "note", "doNotContact", "guid", "agentRating"}
	npsRespondentFields = []string{"emailAddress", "firstName", "lastName", "phoneNumber", "title", "department", "externalId",
		"address1", "address2", "city", "country", "zipCode", "active", "sendEmailAt", "company"}
	npsEmployeeFields = []string{"email", "firstName", "lastName", "title", "department", "team", "division", "phoneNumber", "active", "externalId"}
	// AddEmployee's schema has no externalId (only the survey's nested employee does).
	npsAddEmployeeFields = npsEmployeeFields[:len(npsEmployeeFields)-1]
	npsCompanyFields     = []string{"name", "emailAddress", "industry", "address1", "address2", "city", "country", "zipCode", "accountNo", "segment", "phoneNumber"}
)

func readBody(r *http.Request) ([]byte, *core.HTTPError) {
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, core.MaxBody))
	if err != nil {
		return nil, core.Errorf(http.StatusRequestEntityTooLarge, "The request body is larger than %d bytes.", core.MaxBody)
	}
	return body, nil
}

func unescapeSeg(s string) (string, error) { return url.PathUnescape(s) }

func itoa(n int) string { return strconv.Itoa(n) }

// object decodes a JSON object body, numbers kept exact.
func (c *npsCall) object() (map[string]any, *core.HTTPError) {
	if len(bytes.TrimSpace(c.body)) == 0 {
		return nil, core.Errorf(http.StatusBadRequest, "A JSON body is required.")
	}
	dec := json.NewDecoder(bytes.NewReader(c.body))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil || m == nil {
		return nil, core.Errorf(http.StatusBadRequest, "The body must be a JSON object.")
	}
	return m, nil
}

func onlyFields(m map[string]any, where string, allowed []string) *core.HTTPError {
	for k := range m {
		if !slices.Contains(allowed, k) {
			prefix := ""
			if where != "" {
				prefix = where + "."
			}
			return core.BadField(prefix+k, "is not a known field")
		}
	}
	return nil
}

func stringField(m map[string]any, k, where string) (string, *core.HTTPError) {
	v, ok := m[k]
	if !ok || v == nil {
		return "", nil
	}
	s, ok := v.(string)
	if !ok {
		return "", core.BadField(where+k, "must be a string")
	}
	return s, nil
}

func isE164(s string) bool {
	if len(s) < 8 || len(s) > 16 || s[0] != '+' || s[1] == '0' {
		return false
	}
	for _, r := range s[1:] {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

func (s *Service) campaignParam(c *npsCall) (int, *core.HTTPError) {
	id, err := strconv.Atoi(c.params["campaignId"])
	if err != nil {
		return 0, core.Errorf(http.StatusNotFound, "Campaign not found.")
	}
	if s.st.campaign(id) == nil {
		return 0, core.Errorf(http.StatusNotFound, "Campaign not found.")
	}
	return id, nil
}

// --- campaigns ---

func (s *Service) getCampaigns(c *npsCall) (core.Reply, *core.HTTPError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []map[string]any{}
	for _, cp := range s.st.campaigns {
		out = append(out, s.renderCampaign(cp))
	}
	return core.OK(out)
}

func (s *Service) renderCampaign(cp *npsCampaign) map[string]any {
	members, responses := 0, []int{}
	for _, sv := range s.st.surveys {
		if sv.CampaignID == cp.ID {
			members++
		}
	}
	for _, r := range s.st.responses {
		if r.CampaignID == cp.ID {
			responses = append(responses, r.Rating)
		}
	}
	m := map[string]any{"id": cp.ID, "name": cp.Name, "respondentCount": members + len(responses), "responseCount": len(responses)}
	if len(responses) > 0 {
		m["npsScore"] = npsScore(responses)
	}
	return m
}

// npsScore is % promoters (9-10) minus % detractors (0-6), rounded to one decimal.
func npsScore(ratings []int) float64 {
	p, d := 0, 0
	for _, r := range ratings {
		switch {
		case r >= 9:
			p++
		case r <= 6:
			d++
		}
	}
	return math.Round(float64(p-d)*1000/float64(len(ratings))) / 10
}

// --- surveys ---

func (s *Service) sendSurvey(c *npsCall) (core.Reply, *core.HTTPError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	campaign, herr := s.campaignParam(c)
	if herr != nil {
		return core.Reply{}, herr
	}
	plural := strings.HasSuffix(strings.TrimRight(c.r.URL.Path, "/"), "/respondents")
	checkPgap := plural && strings.EqualFold(c.r.URL.Query().Get("checkPgap"), "true")
	body, herr := c.object()
	if herr != nil {
		return core.Reply{}, herr
	}
	if herr := onlyFields(body, "", npsSurveyFields); herr != nil {
		return core.Reply{}, herr
	}
	resp, ok := body["respondent"].(map[string]any)
	if !ok {
		return core.Reply{}, core.BadField("respondent", "is required and must be an object")
	}
	if herr := onlyFields(resp, "respondent", npsRespondentFields); herr != nil {
		return core.Reply{}, herr
	}
	if co, ok := resp["company"]; ok {
		com, isObj := co.(map[string]any)
		if !isObj {
			return core.Reply{}, core.BadField("respondent.company", "must be an object")
		}
		if herr := onlyFields(com, "respondent.company", npsCompanyFields); herr != nil {
			return core.Reply{}, herr
		}
	}
	email, herr := stringField(resp, "emailAddress", "respondent.")
	if herr != nil {
		return core.Reply{}, herr
	}
	phone, herr := stringField(resp, "phoneNumber", "respondent.")
	if herr != nil {
		return core.Reply{}, herr
	}
	if email == "" && phone == "" {
		return core.Reply{}, core.BadField("respondent", "needs emailAddress or phoneNumber")
	}
	if phone != "" && !isE164(phone) {
		return core.Reply{}, core.BadField("respondent.phoneNumber", "must be E.164, e.g. +4512345678")
	}
	if email != "" && !strings.Contains(email, "@") {
		return core.Reply{}, core.BadField("respondent.emailAddress", "is not an e-mail address")
	}
	custom := ""
	if v, ok := body["custom"]; ok && v != nil {
		str, isStr := v.(string)
		var probe any
		if !isStr || json.Unmarshal([]byte(str), &probe) != nil {
			return core.Reply{}, core.BadField("custom", "must be a string holding JSON")
		}
		custom = str
	}
	var employee map[string]any
	if v, ok := body["employee"]; ok && v != nil {
		employee, ok = v.(map[string]any)
		if !ok {
			return core.Reply{}, core.BadField("employee", "must be an object")
		}
		if herr := onlyFields(employee, "employee", npsEmployeeFields); herr != nil {
			return core.Reply{}, herr
		}
		if _, herr := stringField(employee, "email", "employee."); herr != nil {
			return core.Reply{}, herr
		}
	}
	var rating *int
	if v, ok := body["agentRating"]; ok && v != nil {
		if !checkPgap {
			return core.Reply{}, core.BadField("agentRating", "is accepted only by /respondents?checkPgap=true")
		}
		n, isNum := v.(json.Number)
		x, err := n.Int64()
		if !isNum || err != nil || x < 0 || x > 10 {
			return core.Reply{}, core.BadField("agentRating", "must be a whole number from 0 to 10")
		}
		r := int(x)
		rating = &r
	}
	empEmail := ""
	if employee != nil {
		empEmail, _ = employee["email"].(string)
	}
	now := s.srv.Now().UTC()
	if checkPgap && rating == nil && empEmail != "" && s.st.inPgap(empEmail, campaign, now) {
		s.st.held++
		return core.OK(map[string]any{"pgap": true})
	}
	if empEmail != "" && s.st.employee(empEmail) == nil {
		s.st.employees = append(s.st.employees, &npsEmployee{ID: s.st.newID(), Fields: cloneMap(employee), Modified: now})
	}
	endpoint := "respondent"
	if plural {
		endpoint = "respondents"
	}
	sv := Survey{
		ID: s.st.newID(), CampaignID: campaign, Endpoint: endpoint, Respondent: cloneMap(resp),
		Employee: cloneMap(employee), Custom: custom, AgentRating: rating, Sent: now,
	}
	s.st.surveys = append(s.st.surveys, sv)
	s.notifyMember(sv)
	return core.OK(map[string]any{"pgap": false, "campaignMemberId": sv.ID})
}

func cloneMap(m map[string]any) map[string]any {
	if m == nil {
		return nil
	}
	b, _ := json.Marshal(m)
	var out map[string]any
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	dec.Decode(&out)
	return out
}

// notifyMember delivers a new campaign member to matching subscriptions. Caller holds s.mu.
func (s *Service) notifyMember(sv Survey) {
	var payload map[string]any
	for _, w := range s.st.webhooks {
		if w.Kind != "campaignmembers" || (w.CampaignID != 0 && w.CampaignID != sv.CampaignID) {
			continue
		}
		if payload == nil {
			r := map[string]any{}
			for k, v := range sv.Respondent {
				if k != "company" {
					r[strings.ToUpper(k[:1])+k[1:]] = v
				}
			}
			if sv.Employee != nil {
				r["EmployeeEmail"] = sv.Employee["email"]
			}
			payload = map[string]any{"CampaignId": sv.CampaignID, "Respondent": r, "SenderId": 0, "Custom": sv.Custom}
		}
		s.srv.Deliver(w.URL, payload)
	}
}

// --- employees ---

func (s *Service) addEmployee(c *npsCall) (core.Reply, *core.HTTPError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	body, herr := c.object()
	if herr != nil {
		return core.Reply{}, herr
	}
	if herr := onlyFields(body, "", npsAddEmployeeFields); herr != nil {
		return core.Reply{}, herr
	}
	for _, k := range npsAddEmployeeFields {
		if k == "active" {
			if v, ok := body[k]; ok && v != nil {
				if _, isBool := v.(bool); !isBool {
					return core.Reply{}, core.BadField(k, "must be true or false")
				}
			}
			continue
		}
		if _, herr := stringField(body, k, ""); herr != nil {
			return core.Reply{}, herr
		}
	}
	email, _ := body["email"].(string)
	if !strings.Contains(email, "@") {
		return core.Reply{}, core.BadField("email", "is required: an e-mail address")
	}
	if p, _ := body["phoneNumber"].(string); p != "" && !isE164(p) {
		return core.Reply{}, core.BadField("phoneNumber", "must be E.164, e.g. +4512345678")
	}
	now := s.srv.Now().UTC()
	e := s.st.employee(email)
	if e == nil {
		e = &npsEmployee{ID: s.st.newID()}
		s.st.employees = append(s.st.employees, e)
	}
	e.Fields, e.Modified = cloneMap(body), now
	return core.OK(renderEmployee(e))
}

func renderEmployee(e *npsEmployee) map[string]any {
	m := cloneMap(e.Fields)
	m["id"] = e.ID
	return m
}

// --- responses ---

func (s *Service) renderResponse(r *npsResponse) map[string]any {
	m := map[string]any{
		"id": r.ID, "rating": r.Rating, "userComment": r.Comment,
		"ratingTime": r.Time.UTC().Format(time.RFC3339), "campaignId": r.CampaignID,
		"employeeEmail": r.Employee, "respondent": cloneMap(r.Respondent),
	}
	if cp := s.st.campaign(r.CampaignID); cp != nil {
		m["campaignName"] = cp.Name
	}
	return m
}

// listResponses renders the responses keep accepts, newest first.
func (s *Service) listResponses(keep func(*npsResponse) bool) []map[string]any {
	list := slices.Clone(s.st.responses)
	sort.SliceStable(list, func(i, j int) bool { return list[i].Time.After(list[j].Time) })
	out := []map[string]any{}
	for _, r := range list {
		if keep(r) {
			out = append(out, s.renderResponse(r))
		}
	}
	return out
}

func (s *Service) getCampaignResponses(c *npsCall) (core.Reply, *core.HTTPError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return core.OK(s.listResponses(func(*npsResponse) bool { return true }))
}

func (s *Service) employeeParam(c *npsCall) (*npsEmployee, *core.HTTPError) {
	e := s.st.employee(c.params["employee"])
	if e == nil {
		return nil, core.Errorf(http.StatusNotFound, "Employee not found.")
	}
	return e, nil
}

func (s *Service) employeeAnalytics(c *npsCall) (core.Reply, *core.HTTPError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, herr := s.employeeParam(c)
	if herr != nil {
		return core.Reply{}, herr
	}
	days := 30
	if v := c.r.URL.Query().Get("days"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 3650 {
			return core.Reply{}, core.BadField("days", "must be a whole number from 1 to 3650")
		}
		days = n
	}
	since := s.srv.Now().Add(-time.Duration(days) * 24 * time.Hour)
	var ratings []int
	sum := 0
	for _, r := range s.st.responses {
		if r.Employee == e.email() && !r.Time.Before(since) {
			ratings = append(ratings, r.Rating)
			sum += r.Rating
		}
	}
	out := map[string]any{"employee": e.email(), "employeeId": e.ID, "days": days, "responses": len(ratings)}
	p, pa, d := 0, 0, 0
	for _, r := range ratings {
		switch {
		case r >= 9:
			p++
		case r >= 7:
			pa++
		default:
			d++
		}
	}
	out["promoters"], out["passives"], out["detractors"] = p, pa, d
	if len(ratings) > 0 {
		out["nps"] = npsScore(ratings)
		out["averageRating"] = math.Round(float64(sum)*100/float64(len(ratings))) / 100
	}
	return core.OK(out)
}

func (s *Service) employeeResponses(c *npsCall) (core.Reply, *core.HTTPError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, herr := s.employeeParam(c)
	if herr != nil {
		return core.Reply{}, herr
	}
	var since time.Time
	if v := c.r.URL.Query().Get("since"); v != "" {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			return core.Reply{}, core.BadField("since", "must be an RFC 3339 time, e.g. 2026-03-01T00:00:00Z")
		}
		since = t
	}
	return core.OK(s.listResponses(func(r *npsResponse) bool {
		return r.Employee == e.email() && !r.Time.Before(since)
	}))
}

func (s *Service) responsesByPhone(c *npsCall) (core.Reply, *core.HTTPError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	number := c.r.URL.Query().Get("phoneNumber")
	if number == "" {
		return core.Reply{}, core.BadField("phoneNumber", "is required")
	}
	if !isE164(number) {
		return core.Reply{}, core.BadField("phoneNumber", "must be E.164, e.g. +4512345678")
	}
	return core.OK(s.listResponses(func(r *npsResponse) bool {
		p, _ := r.Respondent["phoneNumber"].(string)
		return p == number
	}))
}

// --- IVR map ---

func (s *Service) ivrMap(c *npsCall) (core.Reply, *core.HTTPError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []map[string]any{}
	for _, m := range s.st.ivr {
		row := map[string]any{"queueId": m.QueueID, "campaignId": m.CampaignID}
		if cp := s.st.campaign(m.CampaignID); cp != nil {
			row["campaignName"] = cp.Name
		}
		out = append(out, row)
	}
	return core.OK(out)
}

// --- webhooks ---

func (s *Service) subscribe(c *npsCall) (core.Reply, *core.HTTPError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	kind := "responses"
	model := "Response"
	if strings.HasSuffix(strings.TrimRight(c.r.URL.Path, "/"), "/campaignmembers") {
		kind, model = "campaignmembers", "CampaignMember"
	}
	body, herr := c.object()
	if herr != nil {
		return core.Reply{}, herr
	}
	if herr := onlyFields(body, "", []string{"Filter", "Url", "Model"}); herr != nil {
		return core.Reply{}, herr
	}
	target, herr := stringField(body, "Url", "")
	if herr != nil {
		return core.Reply{}, herr
	}
	u, err := url.Parse(target)
	if target == "" || err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return core.Reply{}, core.BadField("Url", "is required: an absolute http(s) URL")
	}
	m, herr := stringField(body, "Model", "")
	if herr != nil {
		return core.Reply{}, herr
	}
	if m == "" {
		return core.Reply{}, core.BadField("Model", "is required")
	}
	if m != model {
		return core.Reply{}, core.BadField("Model", "must be "+model+" for this subscription")
	}
	campaign := 0
	if f, ok := body["Filter"]; ok && f != nil {
		fm, isObj := f.(map[string]any)
		if !isObj {
			return core.Reply{}, core.BadField("Filter", "must be an object")
		}
		if herr := onlyFields(fm, "Filter", []string{"Include"}); herr != nil {
			return core.Reply{}, herr
		}
		if inc, ok := fm["Include"]; ok && inc != nil {
			im, isObj := inc.(map[string]any)
			if !isObj {
				return core.Reply{}, core.BadField("Filter.Include", "must be an object")
			}
			if herr := onlyFields(im, "Filter.Include", []string{"campaignId"}); herr != nil {
				return core.Reply{}, herr
			}
			if v, ok := im["campaignId"]; ok && v != nil {
				n, isNum := v.(json.Number)
				x, err := n.Int64()
				if !isNum || err != nil || x > math.MaxInt32 || x < math.MinInt32 {
					return core.Reply{}, core.BadField("Filter.Include.campaignId", "must be an int32")
				}
				if s.st.campaign(int(x)) == nil {
					return core.Reply{}, core.BadField("Filter.Include.campaignId", "is not a campaign of this organisation")
				}
				campaign = int(x)
			}
		}
	}
	w := Webhook{ID: s.srv.UUID(), Kind: kind, URL: target, Model: m, CampaignID: campaign}
	s.st.webhooks = append(s.st.webhooks, w)
	return core.Reply{Status: http.StatusOK, Body: map[string]any{"id": w.ID}, Location: s.URL() + "/webhooks/subscriptions/" + w.ID}, nil
}

func (s *Service) deleteWebhook(c *npsCall) (core.Reply, *core.HTTPError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := c.params["id"]
	for i, w := range s.st.webhooks {
		if w.ID == id {
			s.st.webhooks = slices.Delete(s.st.webhooks, i, i+1)
			return core.Reply{Status: http.StatusOK}, nil
		}
	}
	return core.Reply{}, core.Errorf(http.StatusNotFound, "Subscription not found.")
}

// --- /v2/bi ---

func (s *Service) getBI(c *npsCall) (core.Reply, *core.HTTPError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	q := c.r.URL.Query()
	page, size := 1, 100
	if v := q.Get("page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return core.Reply{}, core.BadField("page", "must be a whole number from 1")
		}
		page = n
	}
	if v := q.Get("pageSize"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			return core.Reply{}, core.BadField("pageSize", "must be a whole number from 1 to 1000")
		}
		size = n
	}
	var after time.Time
	if v := q.Get("modifiedAfter"); v != "" {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			return core.Reply{}, core.BadField("modifiedAfter", "must be an RFC 3339 time")
		}
		after = t
	}
	type row struct {
		modified time.Time
		data     map[string]any
	}
	var rows []row
	stamp := func(t time.Time) string { return t.UTC().Format(time.RFC3339) }
	switch c.params["dataset"] {
	case "responses":
		for _, r := range s.st.responses {
			d := s.renderResponse(r)
			d["modified"] = stamp(r.Time)
			rows = append(rows, row{r.Time, d})
		}
	case "campaignmembers":
		for _, sv := range s.st.surveys {
			d := map[string]any{"id": sv.ID, "campaignId": sv.CampaignID, "respondent": cloneMap(sv.Respondent),
				"custom": sv.Custom, "additionStatus": "Added", "created": stamp(sv.Sent), "modified": stamp(sv.Sent)}
			if sv.Employee != nil {
				d["employeeEmail"] = sv.Employee["email"]
			}
			if sv.AgentRating != nil {
				d["agentRating"] = *sv.AgentRating
			}
			rows = append(rows, row{sv.Sent, d})
		}
	case "campaigns":
		for _, cp := range s.st.campaigns {
			d := s.renderCampaign(cp)
			d["modified"] = stamp(cp.Modified)
			rows = append(rows, row{cp.Modified, d})
		}
	case "employees":
		for _, e := range s.st.employees {
			d := renderEmployee(e)
			d["modified"] = stamp(e.Modified)
			rows = append(rows, row{e.Modified, d})
		}
	case "responsecategories":
		for _, cat := range s.st.categories {
			rows = append(rows, row{time.Time{}, cloneMap(cat)})
		}
	case "sms", "emails", "companies":
	default:
		return core.Reply{}, core.Errorf(http.StatusNotFound, "No endpoint at %s.", c.r.URL.Path)
	}
	out := []map[string]any{}
	for _, r := range rows {
		if !after.IsZero() && !r.modified.After(after) {
			continue
		}
		out = append(out, r.data)
	}
	start := (page - 1) * size
	if start >= len(out) {
		return core.OK([]map[string]any{})
	}
	return core.OK(out[start:min(start+size, len(out))])
}
