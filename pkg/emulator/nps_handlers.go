package emulator

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

func readBody(r *http.Request) ([]byte, *httpError) {
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, maxBody))
	if err != nil {
		return nil, errorf(http.StatusRequestEntityTooLarge, "The request body is larger than %d bytes.", maxBody)
	}
	return body, nil
}

func unescapeSeg(s string) (string, error) { return url.PathUnescape(s) }

func itoa(n int) string { return strconv.Itoa(n) }

// object decodes a JSON object body, numbers kept exact.
func (c *npsCall) object() (map[string]any, *httpError) {
	if len(bytes.TrimSpace(c.body)) == 0 {
		return nil, errorf(http.StatusBadRequest, "A JSON body is required.")
	}
	dec := json.NewDecoder(bytes.NewReader(c.body))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil || m == nil {
		return nil, errorf(http.StatusBadRequest, "The body must be a JSON object.")
	}
	return m, nil
}

func onlyFields(m map[string]any, where string, allowed []string) *httpError {
	for k := range m {
		if !slices.Contains(allowed, k) {
			prefix := ""
			if where != "" {
				prefix = where + "."
			}
			return badField(prefix+k, "is not a known field")
		}
	}
	return nil
}

func stringField(m map[string]any, k, where string) (string, *httpError) {
	v, ok := m[k]
	if !ok || v == nil {
		return "", nil
	}
	s, ok := v.(string)
	if !ok {
		return "", badField(where+k, "must be a string")
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

func (s *npsService) campaignParam(c *npsCall) (int, *httpError) {
	id, err := strconv.Atoi(c.params["campaignId"])
	if err != nil {
		return 0, errorf(http.StatusNotFound, "Campaign not found.")
	}
	if s.st.campaign(id) == nil {
		return 0, errorf(http.StatusNotFound, "Campaign not found.")
	}
	return id, nil
}

// --- campaigns ---

func (s *npsService) getCampaigns(c *npsCall) (reply, *httpError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []map[string]any{}
	for _, cp := range s.st.campaigns {
		out = append(out, s.renderCampaign(cp))
	}
	return okReply(out)
}

func (s *npsService) renderCampaign(cp *npsCampaign) map[string]any {
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

func (s *npsService) sendSurvey(c *npsCall) (reply, *httpError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	campaign, herr := s.campaignParam(c)
	if herr != nil {
		return reply{}, herr
	}
	plural := strings.HasSuffix(strings.TrimRight(c.r.URL.Path, "/"), "/respondents")
	checkPgap := plural && strings.EqualFold(c.r.URL.Query().Get("checkPgap"), "true")
	body, herr := c.object()
	if herr != nil {
		return reply{}, herr
	}
	if herr := onlyFields(body, "", npsSurveyFields); herr != nil {
		return reply{}, herr
	}
	resp, ok := body["respondent"].(map[string]any)
	if !ok {
		return reply{}, badField("respondent", "is required and must be an object")
	}
	if herr := onlyFields(resp, "respondent", npsRespondentFields); herr != nil {
		return reply{}, herr
	}
	if co, ok := resp["company"]; ok {
		com, isObj := co.(map[string]any)
		if !isObj {
			return reply{}, badField("respondent.company", "must be an object")
		}
		if herr := onlyFields(com, "respondent.company", npsCompanyFields); herr != nil {
			return reply{}, herr
		}
	}
	email, herr := stringField(resp, "emailAddress", "respondent.")
	if herr != nil {
		return reply{}, herr
	}
	phone, herr := stringField(resp, "phoneNumber", "respondent.")
	if herr != nil {
		return reply{}, herr
	}
	if email == "" && phone == "" {
		return reply{}, badField("respondent", "needs emailAddress or phoneNumber")
	}
	if phone != "" && !isE164(phone) {
		return reply{}, badField("respondent.phoneNumber", "must be E.164, e.g. +4512345678")
	}
	if email != "" && !strings.Contains(email, "@") {
		return reply{}, badField("respondent.emailAddress", "is not an e-mail address")
	}
	custom := ""
	if v, ok := body["custom"]; ok && v != nil {
		str, isStr := v.(string)
		var probe any
		if !isStr || json.Unmarshal([]byte(str), &probe) != nil {
			return reply{}, badField("custom", "must be a string holding JSON")
		}
		custom = str
	}
	var employee map[string]any
	if v, ok := body["employee"]; ok && v != nil {
		employee, ok = v.(map[string]any)
		if !ok {
			return reply{}, badField("employee", "must be an object")
		}
		if herr := onlyFields(employee, "employee", npsEmployeeFields); herr != nil {
			return reply{}, herr
		}
		if _, herr := stringField(employee, "email", "employee."); herr != nil {
			return reply{}, herr
		}
	}
	var rating *int
	if v, ok := body["agentRating"]; ok && v != nil {
		if !checkPgap {
			return reply{}, badField("agentRating", "is accepted only by /respondents?checkPgap=true")
		}
		n, isNum := v.(json.Number)
		x, err := n.Int64()
		if !isNum || err != nil || x < 0 || x > 10 {
			return reply{}, badField("agentRating", "must be a whole number from 0 to 10")
		}
		r := int(x)
		rating = &r
	}
	empEmail := ""
	if employee != nil {
		empEmail, _ = employee["email"].(string)
	}
	now := s.e.now().UTC()
	if checkPgap && rating == nil && empEmail != "" && s.st.inPgap(empEmail, campaign, now) {
		s.st.held++
		return okReply(map[string]any{"pgap": true})
	}
	if empEmail != "" && s.st.employee(empEmail) == nil {
		s.st.employees = append(s.st.employees, &npsEmployee{ID: s.st.newID(), Fields: cloneMap(employee), Modified: now})
	}
	endpoint := "respondent"
	if plural {
		endpoint = "respondents"
	}
	sv := NPSSurvey{
		ID: s.st.newID(), CampaignID: campaign, Endpoint: endpoint, Respondent: cloneMap(resp),
		Employee: cloneMap(employee), Custom: custom, AgentRating: rating, Sent: now,
	}
	s.st.surveys = append(s.st.surveys, sv)
	s.notifyMember(sv)
	return okReply(map[string]any{"pgap": false, "campaignMemberId": sv.ID})
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
func (s *npsService) notifyMember(sv NPSSurvey) {
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
		s.e.deliver(w.URL, payload)
	}
}

// --- employees ---

func (s *npsService) addEmployee(c *npsCall) (reply, *httpError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	body, herr := c.object()
	if herr != nil {
		return reply{}, herr
	}
	if herr := onlyFields(body, "", npsAddEmployeeFields); herr != nil {
		return reply{}, herr
	}
	for _, k := range npsAddEmployeeFields {
		if k == "active" {
			if v, ok := body[k]; ok && v != nil {
				if _, isBool := v.(bool); !isBool {
					return reply{}, badField(k, "must be true or false")
				}
			}
			continue
		}
		if _, herr := stringField(body, k, ""); herr != nil {
			return reply{}, herr
		}
	}
	email, _ := body["email"].(string)
	if !strings.Contains(email, "@") {
		return reply{}, badField("email", "is required: an e-mail address")
	}
	if p, _ := body["phoneNumber"].(string); p != "" && !isE164(p) {
		return reply{}, badField("phoneNumber", "must be E.164, e.g. +4512345678")
	}
	now := s.e.now().UTC()
	e := s.st.employee(email)
	if e == nil {
		e = &npsEmployee{ID: s.st.newID()}
		s.st.employees = append(s.st.employees, e)
	}
	e.Fields, e.Modified = cloneMap(body), now
	return okReply(renderEmployee(e))
}

func renderEmployee(e *npsEmployee) map[string]any {
	m := cloneMap(e.Fields)
	m["id"] = e.ID
	return m
}

// --- responses ---

func (s *npsService) renderResponse(r *npsResponse) map[string]any {
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
func (s *npsService) listResponses(keep func(*npsResponse) bool) []map[string]any {
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

func (s *npsService) getCampaignResponses(c *npsCall) (reply, *httpError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return okReply(s.listResponses(func(*npsResponse) bool { return true }))
}

func (s *npsService) employeeParam(c *npsCall) (*npsEmployee, *httpError) {
	e := s.st.employee(c.params["employee"])
	if e == nil {
		return nil, errorf(http.StatusNotFound, "Employee not found.")
	}
	return e, nil
}

func (s *npsService) employeeAnalytics(c *npsCall) (reply, *httpError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, herr := s.employeeParam(c)
	if herr != nil {
		return reply{}, herr
	}
	days := 30
	if v := c.r.URL.Query().Get("days"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 3650 {
			return reply{}, badField("days", "must be a whole number from 1 to 3650")
		}
		days = n
	}
	since := s.e.now().Add(-time.Duration(days) * 24 * time.Hour)
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
	return okReply(out)
}

func (s *npsService) employeeResponses(c *npsCall) (reply, *httpError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, herr := s.employeeParam(c)
	if herr != nil {
		return reply{}, herr
	}
	var since time.Time
	if v := c.r.URL.Query().Get("since"); v != "" {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			return reply{}, badField("since", "must be an RFC 3339 time, e.g. 2026-03-01T00:00:00Z")
		}
		since = t
	}
	return okReply(s.listResponses(func(r *npsResponse) bool {
		return r.Employee == e.email() && !r.Time.Before(since)
	}))
}

func (s *npsService) responsesByPhone(c *npsCall) (reply, *httpError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	number := c.r.URL.Query().Get("phoneNumber")
	if number == "" {
		return reply{}, badField("phoneNumber", "is required")
	}
	if !isE164(number) {
		return reply{}, badField("phoneNumber", "must be E.164, e.g. +4512345678")
	}
	return okReply(s.listResponses(func(r *npsResponse) bool {
		p, _ := r.Respondent["phoneNumber"].(string)
		return p == number
	}))
}

// --- IVR map ---

func (s *npsService) ivrMap(c *npsCall) (reply, *httpError) {
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
	return okReply(out)
}

// --- webhooks ---

func (s *npsService) subscribe(c *npsCall) (reply, *httpError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	kind := "responses"
	model := "Response"
	if strings.HasSuffix(strings.TrimRight(c.r.URL.Path, "/"), "/campaignmembers") {
		kind, model = "campaignmembers", "CampaignMember"
	}
	body, herr := c.object()
	if herr != nil {
		return reply{}, herr
	}
	if herr := onlyFields(body, "", []string{"Filter", "Url", "Model"}); herr != nil {
		return reply{}, herr
	}
	target, herr := stringField(body, "Url", "")
	if herr != nil {
		return reply{}, herr
	}
	u, err := url.Parse(target)
	if target == "" || err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return reply{}, badField("Url", "is required: an absolute http(s) URL")
	}
	m, herr := stringField(body, "Model", "")
	if herr != nil {
		return reply{}, herr
	}
	if m == "" {
		return reply{}, badField("Model", "is required")
	}
	if m != model {
		return reply{}, badField("Model", "must be "+model+" for this subscription")
	}
	campaign := 0
	if f, ok := body["Filter"]; ok && f != nil {
		fm, isObj := f.(map[string]any)
		if !isObj {
			return reply{}, badField("Filter", "must be an object")
		}
		if herr := onlyFields(fm, "Filter", []string{"Include"}); herr != nil {
			return reply{}, herr
		}
		if inc, ok := fm["Include"]; ok && inc != nil {
			im, isObj := inc.(map[string]any)
			if !isObj {
				return reply{}, badField("Filter.Include", "must be an object")
			}
			if herr := onlyFields(im, "Filter.Include", []string{"campaignId"}); herr != nil {
				return reply{}, herr
			}
			if v, ok := im["campaignId"]; ok && v != nil {
				n, isNum := v.(json.Number)
				x, err := n.Int64()
				if !isNum || err != nil || x > math.MaxInt32 || x < math.MinInt32 {
					return reply{}, badField("Filter.Include.campaignId", "must be an int32")
				}
				if s.st.campaign(int(x)) == nil {
					return reply{}, badField("Filter.Include.campaignId", "is not a campaign of this organisation")
				}
				campaign = int(x)
			}
		}
	}
	w := NPSWebhook{ID: s.e.ids.uuid(), Kind: kind, URL: target, Model: m, CampaignID: campaign}
	s.st.webhooks = append(s.st.webhooks, w)
	return reply{status: http.StatusOK, body: map[string]any{"id": w.ID}, location: s.e.NPSTodayURL() + "/webhooks/subscriptions/" + w.ID}, nil
}

func (s *npsService) deleteWebhook(c *npsCall) (reply, *httpError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := c.params["id"]
	for i, w := range s.st.webhooks {
		if w.ID == id {
			s.st.webhooks = slices.Delete(s.st.webhooks, i, i+1)
			return reply{status: http.StatusOK}, nil
		}
	}
	return reply{}, errorf(http.StatusNotFound, "Subscription not found.")
}

// --- /v2/bi ---

func (s *npsService) getBI(c *npsCall) (reply, *httpError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	q := c.r.URL.Query()
	page, size := 1, 100
	if v := q.Get("page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return reply{}, badField("page", "must be a whole number from 1")
		}
		page = n
	}
	if v := q.Get("pageSize"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			return reply{}, badField("pageSize", "must be a whole number from 1 to 1000")
		}
		size = n
	}
	var after time.Time
	if v := q.Get("modifiedAfter"); v != "" {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			return reply{}, badField("modifiedAfter", "must be an RFC 3339 time")
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
		return reply{}, errorf(http.StatusNotFound, "No endpoint at %s.", c.r.URL.Path)
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
		return okReply([]map[string]any{})
	}
	return okReply(out[start:min(start+size, len(out))])
}
