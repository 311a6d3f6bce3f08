package emulator

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"
)

// npsCaller calls the nps.today part with an Authorization value.
type npsCaller struct {
	t    testing.TB
	e    *Emulator
	auth string
}

func npsAs(t testing.TB, e *Emulator, auth string) *npsCaller {
	return &npsCaller{t: t, e: e, auth: auth}
}

func (c *npsCaller) do(method, path string, body any) result {
	c.t.Helper()
	return send(c.t, c.e, method, c.e.NPSTodayURL()+path, c.auth, body)
}

// npsUnlimited lifts the per-key limit for tests that make many calls.
var npsUnlimited = Options{NPSTodayRateLimit: Rate{Count: 1000, Per: time.Second}}

func survey(phone, employee string, extra map[string]any) map[string]any {
	m := map[string]any{"respondent": map[string]any{"phoneNumber": phone, "firstName": "Alice"}}
	if employee != "" {
		m["employee"] = map[string]any{"email": employee}
	}
	for k, v := range extra {
		m[k] = v
	}
	return m
}

func TestNpsAuthSchemes(t *testing.T) {
	t.Parallel()
	raw := start(t, Options{})
	npsAs(t, raw, NPSTodayAPIKey).do("GET", "/campaigns/", nil).expect(t, 200)
	npsAs(t, raw, "Bearer "+NPSTodayAPIKey).do("GET", "/campaigns/", nil).expect(t, 401)
	r := npsAs(t, raw, "").do("GET", "/campaigns/", nil).expect(t, 401)
	if msg := r.err(t).Message; msg != "Unauthorized. The API key is missing or invalid." {
		t.Errorf("message %q", msg)
	}
	r = npsAs(t, raw, "wrong-key").do("GET", "/campaigns/", nil).expect(t, 401)
	if bytes.Contains(r.body, []byte("wrong-key")) {
		t.Errorf("the key was echoed: %s", r.body)
	}

	bearer := start(t, Options{NPSTodayAuthScheme: "bearer"})
	npsAs(t, bearer, "Bearer "+NPSTodayAPIKey).do("GET", "/campaigns/", nil).expect(t, 200)
	npsAs(t, bearer, NPSTodayAPIKey).do("GET", "/campaigns/", nil).expect(t, 401)

	basic := start(t, Options{NPSTodayAuthScheme: "basic"})
	enc := base64.StdEncoding.EncodeToString([]byte("ApiKey:" + NPSTodayAPIKey))
	npsAs(t, basic, "Basic "+enc).do("GET", "/campaigns/", nil).expect(t, 200)
	wrongUser := base64.StdEncoding.EncodeToString([]byte("user:" + NPSTodayAPIKey))
	npsAs(t, basic, "Basic "+wrongUser).do("GET", "/campaigns/", nil).expect(t, 401)

	if _, err := Start(Options{NPSTodayAuthScheme: "digest"}); err == nil {
		t.Error("an unknown scheme was accepted")
	}
}

func TestNpsCampaignsAndRoutes(t *testing.T) {
	t.Parallel()
	e := start(t, npsUnlimited)
	c := npsAs(t, e, NPSTodayAPIKey)
	var list []map[string]any
	c.do("GET", "/campaigns/", nil).expect(t, 200).json(t, &list)
	if len(list) != 3 || list[0]["id"] != float64(NPSCampaignSupport) || list[0]["name"] != NPSCampaignSupportName ||
		list[1]["name"] != NPSCampaignSalesName || list[0]["responseCount"] != float64(4) {
		t.Fatalf("campaigns %v", list)
	}
	c.do("GET", "/campaigns", nil).expect(t, 200) // with or without the connector's trailing slash
	c.do("GET", "/nothing", nil).expect(t, 404).err(t)
	c.do("DELETE", "/campaigns/", nil).expect(t, 405).err(t)
	if st := e.Stats(); st.Operations["GetCampaigns"] != 2 || st.Requests[ServiceNPSToday] != 4 {
		t.Errorf("stats %+v", st)
	}
}

func TestNpsSendSurveyPlain(t *testing.T) {
	t.Parallel()
	e := start(t, npsUnlimited)
	c := npsAs(t, e, NPSTodayAPIKey)
	path := "/campaigns/" + strconv.Itoa(NPSCampaignSales) + "/respondent"
	var ans map[string]any
	c.do("POST", path, survey("+4512345678", NPSEmployeeSales, map[string]any{"custom": `{"orderId":"42"}`})).expect(t, 200).json(t, &ans)
	if ans["pgap"] != false || ans["campaignMemberId"] == nil {
		t.Errorf("answer %v", ans)
	}
	got := e.NPSSurveys()
	if len(got) != 1 || got[0].CampaignID != NPSCampaignSales || got[0].Endpoint != "respondent" ||
		got[0].Respondent["phoneNumber"] != "+4512345678" || got[0].Custom != `{"orderId":"42"}` || got[0].Employee["email"] != NPSEmployeeSales {
		t.Errorf("surveys %+v", got)
	}
	if r := e.NPSRespondents(); len(r) != 1 || r[0]["firstName"] != "Alice" {
		t.Errorf("respondents %v", r)
	}

	for _, tc := range []struct {
		body  any
		field string
	}{
		{map[string]any{"respondent": map[string]any{"firstName": "X"}}, "respondent"},
		{survey("004512345678", "", nil), "respondent.phoneNumber"},
		{survey("+4512345678", "", map[string]any{"custom": map[string]any{"a": 1}}), "custom"},
		{survey("+4512345678", "", map[string]any{"Respondent": map[string]any{}}), "Respondent"},
		{map[string]any{"respondent": map[string]any{"phone": "+4512345678"}}, "respondent.phone"},
		{survey("+4512345678", "", map[string]any{"agentRating": 5}), "agentRating"},
	} {
		r := c.do("POST", path, tc.body).expect(t, 400)
		if !r.err(t).hasField(tc.field, "") {
			t.Errorf("%v: %s", tc.body, r.body)
		}
	}
	c.do("POST", "/campaigns/999/respondent", survey("+4512345678", "", nil)).expect(t, 404)
	c.do("POST", path, "not json").expect(t, 400)
	if len(e.NPSSurveys()) != 1 {
		t.Error("a refused request was stored")
	}
}

func TestNpsPgapHoldsUntilRated(t *testing.T) {
	t.Parallel()
	e := start(t, npsUnlimited)
	c := npsAs(t, e, NPSTodayAPIKey)
	path := "/campaigns/" + strconv.Itoa(NPSCampaignSupport) + "/respondents?checkPgap=true"
	var ans map[string]any
	c.do("POST", path, survey(NPSCustomerPhone, NPSEmployeePgap, nil)).expect(t, 200).json(t, &ans)
	if len(ans) != 1 || ans["pgap"] != true {
		t.Fatalf("answer %v", ans)
	}
	if len(e.NPSSurveys()) != 0 || e.NPSHeld() != 1 {
		t.Fatalf("held send was sent: %v", e.NPSSurveys())
	}
	c.do("POST", path, survey(NPSCustomerPhone, NPSEmployeePgap, map[string]any{"agentRating": 11})).expect(t, 400)
	c.do("POST", path, survey(NPSCustomerPhone, NPSEmployeePgap, map[string]any{"agentRating": 8})).expect(t, 200).json(t, &ans)
	if ans["pgap"] != false {
		t.Fatalf("answer %v", ans)
	}
	got := e.NPSSurveys()
	if len(got) != 1 || got[0].AgentRating == nil || *got[0].AgentRating != 8 || got[0].Endpoint != "respondents" {
		t.Fatalf("surveys %+v", got)
	}
	// Without checkPgap, or on another campaign, or for another employee: sent at once.
	c.do("POST", "/campaigns/"+strconv.Itoa(NPSCampaignSupport)+"/respondents", survey(NPSCustomerPhone, NPSEmployeePgap, nil)).expect(t, 200)
	c.do("POST", "/campaigns/"+strconv.Itoa(NPSCampaignSales)+"/respondents?checkPgap=true", survey(NPSCustomerPhone, NPSEmployeePgap, nil)).expect(t, 200)
	c.do("POST", path, survey(NPSCustomerPhone, NPSEmployeeAgent, nil)).expect(t, 200)
	if len(e.NPSSurveys()) != 4 || e.NPSHeld() != 1 {
		t.Fatalf("surveys %d held %d", len(e.NPSSurveys()), e.NPSHeld())
	}
	// A period added at run time, and one that is over.
	now := time.Now()
	e.AddNPSPgapPeriod(NPSEmployeeAgent, NPSCampaignSales, now.Add(-time.Hour), now.Add(time.Hour))
	e.AddNPSPgapPeriod(NPSEmployeeSales, NPSCampaignSales, now.Add(-2*time.Hour), now.Add(-time.Hour))
	c.do("POST", "/campaigns/"+strconv.Itoa(NPSCampaignSales)+"/respondents?checkPgap=true", survey(NPSCustomerPhone, NPSEmployeeAgent, nil)).expect(t, 200).json(t, &ans)
	if ans["pgap"] != true {
		t.Errorf("added period ignored: %v", ans)
	}
	c.do("POST", "/campaigns/"+strconv.Itoa(NPSCampaignSales)+"/respondents?checkPgap=true", survey(NPSCustomerPhone, NPSEmployeeSales, nil)).expect(t, 200).json(t, &ans)
	if ans["pgap"] != false {
		t.Errorf("past period applied: %v", ans)
	}
}

func TestNpsPerKeyRateLimit(t *testing.T) {
	t.Parallel()
	e := start(t, Options{NPSTodayRateLimit: Rate{Count: 2, Per: time.Minute}})
	a, b := npsAs(t, e, NPSTodayAPIKey), npsAs(t, e, NPSTodayOtherAPIKey)
	a.do("GET", "/campaigns/", nil).expect(t, 200)
	a.do("GET", "/campaigns/", nil).expect(t, 200)
	r := a.do("GET", "/campaigns/", nil).expect(t, 429)
	secs, err := strconv.Atoi(r.header.Get("Retry-After"))
	if err != nil || secs < 1 || secs > 30 {
		t.Fatalf("Retry-After %q", r.header.Get("Retry-After"))
	}
	if !strings.HasPrefix(r.err(t).Message, "API access is limited to 2 calls per 1m0s per API key.") {
		t.Errorf("message %s", r.body)
	}
	b.do("GET", "/campaigns/", nil).expect(t, 200) // another key has its own budget
	if st := e.Stats(); st.RateLimited[ServiceNPSToday] != 1 {
		t.Errorf("stats %+v", st)
	}
}

func TestNpsDefaultRateIsTenPerSecond(t *testing.T) {
	t.Parallel()
	// The behaviour is TestNpsPerKeyRateLimit's (on a per-minute rate, so no timing is
	// involved); here only the default: nps.today's documented 10 calls/s per key.
	if e := start(t, Options{}); e.npstoday.limit != (Rate{Count: 10, Per: time.Second}) {
		t.Errorf("default limit %+v", e.npstoday.limit)
	}
	if e := start(t, Options{NPSTodayRateLimit: Rate{Count: 3, Per: time.Minute}}); e.npstoday.limit != (Rate{Count: 3, Per: time.Minute}) {
		t.Errorf("configured limit %+v", e.npstoday.limit)
	}
	if _, err := Start(Options{NPSTodayRateLimit: Rate{Count: -1}}); err == nil {
		t.Error("a negative limit was accepted")
	}
}

func TestNpsEmployeesAnalyticsResponses(t *testing.T) {
	t.Parallel()
	e := start(t, npsUnlimited)
	c := npsAs(t, e, NPSTodayAPIKey)
	var emp map[string]any
	c.do("POST", "/profile/employees", map[string]any{"email": "new@contoso.com", "firstName": "Nora", "active": true}).expect(t, 200).json(t, &emp)
	if emp["id"] == nil || emp["email"] != "new@contoso.com" {
		t.Errorf("employee %v", emp)
	}
	c.do("POST", "/profile/employees", map[string]any{"firstName": "NoMail"}).expect(t, 400)
	c.do("POST", "/profile/employees", map[string]any{"email": "x@contoso.com", "mail": "x"}).expect(t, 400)
	if list := e.NPSEmployees(); len(list) != 4 || list[3]["firstName"] != "Nora" {
		t.Errorf("employees %v", list)
	}

	var an map[string]any
	c.do("GET", "/employees/"+NPSEmployeeAgent+"/analytics?days=30", nil).expect(t, 200).json(t, &an)
	if an["responses"] != float64(3) || an["nps"] != float64(0) || an["averageRating"] != 7.67 || an["promoters"] != float64(1) {
		t.Errorf("analytics %v", an)
	}
	c.do("GET", "/employees/"+strconv.Itoa(NPSEmployeeAgentID)+"/analytics?days=7", nil).expect(t, 200).json(t, &an)
	if an["responses"] != float64(1) || an["nps"] != float64(100) {
		t.Errorf("analytics by id %v", an)
	}
	c.do("GET", "/employees/nobody@contoso.com/analytics", nil).expect(t, 404)
	c.do("GET", "/employees/"+NPSEmployeeAgent+"/analytics?days=0", nil).expect(t, 400)

	var rs []map[string]any
	c.do("GET", "/employees/"+NPSEmployeeAgent+"/responses", nil).expect(t, 200).json(t, &rs)
	if len(rs) != 3 || rs[0]["rating"] != float64(9) || rs[0]["campaignName"] != NPSCampaignSupportName {
		t.Errorf("responses %v", rs)
	}
	since := time.Now().Add(-5 * 24 * time.Hour).UTC().Format(time.RFC3339)
	c.do("GET", "/employees/"+NPSEmployeeAgent+"/responses?since="+since, nil).expect(t, 200).json(t, &rs)
	if len(rs) != 1 {
		t.Errorf("since: %v", rs)
	}
	c.do("GET", "/respondents/responses?phoneNumber=%2B41445551001", nil).expect(t, 200).json(t, &rs)
	if len(rs) != 2 || rs[1]["userComment"] != "My problem is not solved" {
		t.Errorf("by phone: %v", rs)
	}
	c.do("GET", "/respondents/responses?phoneNumber=0041", nil).expect(t, 400)
	c.do("GET", "/campaigns/responses", nil).expect(t, 200).json(t, &rs)
	if len(rs) != 5 {
		t.Errorf("all responses: %d", len(rs))
	}
	var ivr []map[string]any
	c.do("GET", "/ivr/map", nil).expect(t, 200).json(t, &ivr)
	if len(ivr) != 2 || ivr[0]["queueId"] != ServiceSupport || ivr[0]["campaignId"] != float64(NPSCampaignSupport) {
		t.Errorf("ivr %v", ivr)
	}
}

func TestNpsWebhooks(t *testing.T) {
	t.Parallel()
	e := start(t, npsUnlimited)
	c := npsAs(t, e, NPSTodayAPIKey)
	got := make(chan map[string]any, 1)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var m map[string]any
		json.NewDecoder(r.Body).Decode(&m)
		got <- m
	}))
	defer hook.Close()
	body := map[string]any{"Filter": map[string]any{"Include": map[string]any{"campaignId": NPSCampaignSales}}, "Url": hook.URL, "Model": "CampaignMember"}
	r := c.do("POST", "/webhooks/subscriptions/campaignmembers", body).expect(t, 200)
	var ans map[string]string
	r.json(t, &ans)
	if ans["id"] == "" || r.header.Get("Location") != e.NPSTodayURL()+"/webhooks/subscriptions/"+ans["id"] {
		t.Fatalf("answer %v, Location %q", ans, r.header.Get("Location"))
	}
	if w := e.NPSWebhooks(); len(w) != 1 || w[0].Kind != "campaignmembers" || w[0].CampaignID != NPSCampaignSales {
		t.Fatalf("webhooks %+v", w)
	}
	c.do("POST", "/campaigns/"+strconv.Itoa(NPSCampaignSales)+"/respondent", survey("+4512345678", "", nil)).expect(t, 200)
	select {
	case m := <-got:
		if m["CampaignId"] != float64(NPSCampaignSales) || m["Respondent"].(map[string]any)["PhoneNumber"] != "+4512345678" {
			t.Errorf("delivered %v", m)
		}
	case <-time.After(10 * time.Second):
		t.Error("no delivery")
	}
	// The 2021 body, and a wrong Model, are refused.
	c.do("POST", "/webhooks/subscriptions/responses", map[string]any{"campaignId": 1, "targetUrl": "https://x", "eventType": "NewResponse"}).expect(t, 400)
	c.do("POST", "/webhooks/subscriptions/responses", map[string]any{"Url": "https://x.example/h", "Model": "CampaignMember"}).expect(t, 400)
	c.do("POST", "/webhooks/subscriptions/responses", map[string]any{"Url": "https://x.example/h", "Model": "Response", "Filter": map[string]any{"Include": map[string]any{"campaignId": 5}}}).expect(t, 400)
	c.do("DELETE", "/webhooks/subscriptions/"+ans["id"], nil).expect(t, 200)
	c.do("DELETE", "/webhooks/subscriptions/"+ans["id"], nil).expect(t, 404)
	if len(e.NPSWebhooks()) != 0 {
		t.Error("not deleted")
	}
}

func TestNpsBIPaging(t *testing.T) {
	t.Parallel()
	e := start(t, npsUnlimited)
	c := npsAs(t, e, NPSTodayAPIKey)
	var page []map[string]any
	c.do("GET", "/v2/bi/responses?page=1&pageSize=2", nil).expect(t, 200).json(t, &page)
	if len(page) != 2 || page[0]["id"] != float64(5001) {
		t.Fatalf("page 1 %v", page)
	}
	c.do("GET", "/v2/bi/responses?page=3&pageSize=2", nil).expect(t, 200).json(t, &page)
	if len(page) != 1 || page[0]["id"] != float64(5005) {
		t.Fatalf("page 3 %v", page)
	}
	c.do("GET", "/v2/bi/responses?page=4&pageSize=2", nil).expect(t, 200).json(t, &page)
	if len(page) != 0 {
		t.Fatalf("page 4 %v", page)
	}
	after := time.Now().Add(-3 * 24 * time.Hour).UTC().Format(time.RFC3339)
	c.do("GET", "/v2/bi/responses?modifiedAfter="+after, nil).expect(t, 200).json(t, &page)
	if len(page) != 2 {
		t.Fatalf("modifiedAfter %v", page)
	}
	c.do("GET", "/v2/bi/responsecategories", nil).expect(t, 200).json(t, &page)
	if len(page) != 3 {
		t.Fatalf("categories %v", page)
	}
	c.do("GET", "/v2/bi/nothing", nil).expect(t, 404)
	c.do("GET", "/v2/bi/responses?pageSize=0", nil).expect(t, 400)
	c.do("GET", "/v2/bi/responses?modifiedAfter=yesterday", nil).expect(t, 400)
}

func TestNpsDeny(t *testing.T) {
	t.Parallel()
	e := start(t, Options{Deny: []string{ServiceNPSToday}})
	npsAs(t, e, NPSTodayAPIKey).do("GET", "/campaigns/", nil).expect(t, 403)
	as(t, e, DefaultUser).do("GET", "/v1/diagnostics/testconnection", nil).expect(t, 200)
}
