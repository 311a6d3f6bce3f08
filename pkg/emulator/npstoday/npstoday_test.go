package npstoday_test

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

	"github.com/nimbusctl/nimbusctl/pkg/emulator"
	"github.com/nimbusctl/nimbusctl/pkg/emulator/internal/emutest"
)

// npsCaller calls the nps.today part with an Authorization value.
type npsCaller struct {
	t    testing.TB
	e    *emulator.Emulator
	auth string
}

func npsAs(t testing.TB, e *emulator.Emulator, auth string) *npsCaller {
	return &npsCaller{t: t, e: e, auth: auth}
}

func (c *npsCaller) Do(method, path string, body any) emutest.Result {
	c.t.Helper()
	return emutest.Send(c.t, c.e, method, c.e.NPSTodayURL()+path, c.auth, body)
}

// npsUnlimited lifts the per-key limit for tests that make many calls.
var npsUnlimited = emulator.Options{NPSTodayRateLimit: emulator.Rate{Count: 1000, Per: time.Second}}

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
	raw := emutest.Start(t, emulator.Options{})
	npsAs(t, raw, emulator.NPSTodayAPIKey).Do("GET", "/campaigns/", nil).Expect(t, 200)
	npsAs(t, raw, "Bearer "+emulator.NPSTodayAPIKey).Do("GET", "/campaigns/", nil).Expect(t, 401)
	r := npsAs(t, raw, "").Do("GET", "/campaigns/", nil).Expect(t, 401)
	if msg := r.Err(t).Message; msg != "Unauthorized. The API key is missing or invalid." {
		t.Errorf("message %q", msg)
	}
	r = npsAs(t, raw, "wrong-key").Do("GET", "/campaigns/", nil).Expect(t, 401)
	if bytes.Contains(r.Body, []byte("wrong-key")) {
		t.Errorf("the key was echoed: %s", r.Body)
	}

	bearer := emutest.Start(t, emulator.Options{NPSTodayAuthScheme: "bearer"})
	npsAs(t, bearer, "Bearer "+emulator.NPSTodayAPIKey).Do("GET", "/campaigns/", nil).Expect(t, 200)
	npsAs(t, bearer, emulator.NPSTodayAPIKey).Do("GET", "/campaigns/", nil).Expect(t, 401)

	basic := emutest.Start(t, emulator.Options{NPSTodayAuthScheme: "basic"})
	enc := base64.StdEncoding.EncodeToString([]byte("ApiKey:" + emulator.NPSTodayAPIKey))
	npsAs(t, basic, "Basic "+enc).Do("GET", "/campaigns/", nil).Expect(t, 200)
	wrongUser := base64.StdEncoding.EncodeToString([]byte("user:" + emulator.NPSTodayAPIKey))
	npsAs(t, basic, "Basic "+wrongUser).Do("GET", "/campaigns/", nil).Expect(t, 401)

	if _, err := emulator.Start(emulator.Options{NPSTodayAuthScheme: "digest"}); err == nil {
		t.Error("an unknown scheme was accepted")
	}
}

func TestNpsCampaignsAndRoutes(t *testing.T) {
	t.Parallel()
	e := emutest.Start(t, npsUnlimited)
	c := npsAs(t, e, emulator.NPSTodayAPIKey)
	var list []map[string]any
	c.Do("GET", "/campaigns/", nil).Expect(t, 200).JSON(t, &list)
	if len(list) != 3 || list[0]["id"] != float64(emulator.NPSCampaignSupport) || list[0]["name"] != emulator.NPSCampaignSupportName ||
		list[1]["name"] != emulator.NPSCampaignSalesName || list[0]["responseCount"] != float64(4) {
		t.Fatalf("campaigns %v", list)
	}
	c.Do("GET", "/campaigns", nil).Expect(t, 200) // with or without the connector's trailing slash
	c.Do("GET", "/nothing", nil).Expect(t, 404).Err(t)
	c.Do("DELETE", "/campaigns/", nil).Expect(t, 405).Err(t)
	if st := e.Stats(); st.Operations["GetCampaigns"] != 2 || st.Requests[emulator.ServiceNPSToday] != 4 {
		t.Errorf("stats %+v", st)
	}
}

func TestNpsSendSurveyPlain(t *testing.T) {
	t.Parallel()
	e := emutest.Start(t, npsUnlimited)
	c := npsAs(t, e, emulator.NPSTodayAPIKey)
	path := "/campaigns/" + strconv.Itoa(emulator.NPSCampaignSales) + "/respondent"
	var ans map[string]any
	c.Do("POST", path, survey("+4512345678", emulator.NPSEmployeeSales, map[string]any{"custom": `{"orderId":"42"}`})).Expect(t, 200).JSON(t, &ans)
	if ans["pgap"] != false || ans["campaignMemberId"] == nil {
		t.Errorf("answer %v", ans)
	}
	got := e.NPSSurveys()
	if len(got) != 1 || got[0].CampaignID != emulator.NPSCampaignSales || got[0].Endpoint != "respondent" ||
		got[0].Respondent["phoneNumber"] != "+4512345678" || got[0].Custom != `{"orderId":"42"}` || got[0].Employee["email"] != emulator.NPSEmployeeSales {
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
		r := c.Do("POST", path, tc.body).Expect(t, 400)
		if !r.Err(t).HasField(tc.field, "") {
			t.Errorf("%v: %s", tc.body, r.Body)
		}
	}
	c.Do("POST", "/campaigns/999/respondent", survey("+4512345678", "", nil)).Expect(t, 404)
	c.Do("POST", path, "not json").Expect(t, 400)
	if len(e.NPSSurveys()) != 1 {
		t.Error("a refused request was stored")
	}
}

func TestNpsPgapHoldsUntilRated(t *testing.T) {
	t.Parallel()
	e := emutest.Start(t, npsUnlimited)
	c := npsAs(t, e, emulator.NPSTodayAPIKey)
	path := "/campaigns/" + strconv.Itoa(emulator.NPSCampaignSupport) + "/respondents?checkPgap=true"
	var ans map[string]any
	c.Do("POST", path, survey(emulator.NPSCustomerPhone, emulator.NPSEmployeePgap, nil)).Expect(t, 200).JSON(t, &ans)
	if len(ans) != 1 || ans["pgap"] != true {
		t.Fatalf("answer %v", ans)
	}
	if len(e.NPSSurveys()) != 0 || e.NPSHeld() != 1 {
		t.Fatalf("held send was sent: %v", e.NPSSurveys())
	}
	c.Do("POST", path, survey(emulator.NPSCustomerPhone, emulator.NPSEmployeePgap, map[string]any{"agentRating": 11})).Expect(t, 400)
	c.Do("POST", path, survey(emulator.NPSCustomerPhone, emulator.NPSEmployeePgap, map[string]any{"agentRating": 8})).Expect(t, 200).JSON(t, &ans)
	if ans["pgap"] != false {
		t.Fatalf("answer %v", ans)
	}
	got := e.NPSSurveys()
	if len(got) != 1 || got[0].AgentRating == nil || *got[0].AgentRating != 8 || got[0].Endpoint != "respondents" {
		t.Fatalf("surveys %+v", got)
	}
	// Without checkPgap, or on another campaign, or for another employee: sent at once.
	c.Do("POST", "/campaigns/"+strconv.Itoa(emulator.NPSCampaignSupport)+"/respondents", survey(emulator.NPSCustomerPhone, emulator.NPSEmployeePgap, nil)).Expect(t, 200)
	c.Do("POST", "/campaigns/"+strconv.Itoa(emulator.NPSCampaignSales)+"/respondents?checkPgap=true", survey(emulator.NPSCustomerPhone, emulator.NPSEmployeePgap, nil)).Expect(t, 200)
	c.Do("POST", path, survey(emulator.NPSCustomerPhone, emulator.NPSEmployeeAgent, nil)).Expect(t, 200)
	if len(e.NPSSurveys()) != 4 || e.NPSHeld() != 1 {
		t.Fatalf("surveys %d held %d", len(e.NPSSurveys()), e.NPSHeld())
	}
	// A period added at run time, and one that is over.
	now := time.Now()
	e.AddNPSPgapPeriod(emulator.NPSEmployeeAgent, emulator.NPSCampaignSales, now.Add(-time.Hour), now.Add(time.Hour))
	e.AddNPSPgapPeriod(emulator.NPSEmployeeSales, emulator.NPSCampaignSales, now.Add(-2*time.Hour), now.Add(-time.Hour))
	c.Do("POST", "/campaigns/"+strconv.Itoa(emulator.NPSCampaignSales)+"/respondents?checkPgap=true", survey(emulator.NPSCustomerPhone, emulator.NPSEmployeeAgent, nil)).Expect(t, 200).JSON(t, &ans)
	if ans["pgap"] != true {
		t.Errorf("added period ignored: %v", ans)
	}
	c.Do("POST", "/campaigns/"+strconv.Itoa(emulator.NPSCampaignSales)+"/respondents?checkPgap=true", survey(emulator.NPSCustomerPhone, emulator.NPSEmployeeSales, nil)).Expect(t, 200).JSON(t, &ans)
	if ans["pgap"] != false {
		t.Errorf("past period applied: %v", ans)
	}
}

func TestNpsPerKeyRateLimit(t *testing.T) {
	t.Parallel()
	e := emutest.Start(t, emulator.Options{NPSTodayRateLimit: emulator.Rate{Count: 2, Per: time.Minute}})
	a, b := npsAs(t, e, emulator.NPSTodayAPIKey), npsAs(t, e, emulator.NPSTodayOtherAPIKey)
	a.Do("GET", "/campaigns/", nil).Expect(t, 200)
	a.Do("GET", "/campaigns/", nil).Expect(t, 200)
	r := a.Do("GET", "/campaigns/", nil).Expect(t, 429)
	secs, err := strconv.Atoi(r.Header.Get("Retry-After"))
	if err != nil || secs < 1 || secs > 30 {
		t.Fatalf("Retry-After %q", r.Header.Get("Retry-After"))
	}
	if !strings.HasPrefix(r.Err(t).Message, "API access is limited to 2 calls per 1m0s per API key.") {
		t.Errorf("message %s", r.Body)
	}
	b.Do("GET", "/campaigns/", nil).Expect(t, 200) // another key has its own budget
	if st := e.Stats(); st.RateLimited[emulator.ServiceNPSToday] != 1 {
		t.Errorf("stats %+v", st)
	}
}

func TestNpsEmployeesAnalyticsResponses(t *testing.T) {
	t.Parallel()
	e := emutest.Start(t, npsUnlimited)
	c := npsAs(t, e, emulator.NPSTodayAPIKey)
	var emp map[string]any
	c.Do("POST", "/profile/employees", map[string]any{"email": "new@contoso.com", "firstName": "Nora", "active": true}).Expect(t, 200).JSON(t, &emp)
	if emp["id"] == nil || emp["email"] != "new@contoso.com" {
		t.Errorf("employee %v", emp)
	}
	c.Do("POST", "/profile/employees", map[string]any{"firstName": "NoMail"}).Expect(t, 400)
	c.Do("POST", "/profile/employees", map[string]any{"email": "x@contoso.com", "mail": "x"}).Expect(t, 400)
	if list := e.NPSEmployees(); len(list) != 4 || list[3]["firstName"] != "Nora" {
		t.Errorf("employees %v", list)
	}

	var an map[string]any
	c.Do("GET", "/employees/"+emulator.NPSEmployeeAgent+"/analytics?days=30", nil).Expect(t, 200).JSON(t, &an)
	if an["responses"] != float64(3) || an["nps"] != float64(0) || an["averageRating"] != 7.67 || an["promoters"] != float64(1) {
		t.Errorf("analytics %v", an)
	}
	c.Do("GET", "/employees/"+strconv.Itoa(emulator.NPSEmployeeAgentID)+"/analytics?days=7", nil).Expect(t, 200).JSON(t, &an)
	if an["responses"] != float64(1) || an["nps"] != float64(100) {
		t.Errorf("analytics by id %v", an)
	}
	c.Do("GET", "/employees/nobody@contoso.com/analytics", nil).Expect(t, 404)
	c.Do("GET", "/employees/"+emulator.NPSEmployeeAgent+"/analytics?days=0", nil).Expect(t, 400)

	var rs []map[string]any
	c.Do("GET", "/employees/"+emulator.NPSEmployeeAgent+"/responses", nil).Expect(t, 200).JSON(t, &rs)
	if len(rs) != 3 || rs[0]["rating"] != float64(9) || rs[0]["campaignName"] != emulator.NPSCampaignSupportName {
		t.Errorf("responses %v", rs)
	}
	since := time.Now().Add(-5 * 24 * time.Hour).UTC().Format(time.RFC3339)
	c.Do("GET", "/employees/"+emulator.NPSEmployeeAgent+"/responses?since="+since, nil).Expect(t, 200).JSON(t, &rs)
	if len(rs) != 1 {
		t.Errorf("since: %v", rs)
	}
	c.Do("GET", "/respondents/responses?phoneNumber=%2B41445551001", nil).Expect(t, 200).JSON(t, &rs)
	if len(rs) != 2 || rs[1]["userComment"] != "My problem is not solved" {
		t.Errorf("by phone: %v", rs)
	}
	c.Do("GET", "/respondents/responses?phoneNumber=0041", nil).Expect(t, 400)
	c.Do("GET", "/campaigns/responses", nil).Expect(t, 200).JSON(t, &rs)
	if len(rs) != 5 {
		t.Errorf("all responses: %d", len(rs))
	}
	var ivr []map[string]any
	c.Do("GET", "/ivr/map", nil).Expect(t, 200).JSON(t, &ivr)
	if len(ivr) != 2 || ivr[0]["queueId"] != emulator.ServiceSupport || ivr[0]["campaignId"] != float64(emulator.NPSCampaignSupport) {
		t.Errorf("ivr %v", ivr)
	}
}

func TestNpsWebhooks(t *testing.T) {
	t.Parallel()
	e := emutest.Start(t, npsUnlimited)
	c := npsAs(t, e, emulator.NPSTodayAPIKey)
	got := make(chan map[string]any, 1)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var m map[string]any
		json.NewDecoder(r.Body).Decode(&m)
		got <- m
	}))
	defer hook.Close()
	body := map[string]any{"Filter": map[string]any{"Include": map[string]any{"campaignId": emulator.NPSCampaignSales}}, "Url": hook.URL, "Model": "CampaignMember"}
	r := c.Do("POST", "/webhooks/subscriptions/campaignmembers", body).Expect(t, 200)
	var ans map[string]string
	r.JSON(t, &ans)
	if ans["id"] == "" || r.Header.Get("Location") != e.NPSTodayURL()+"/webhooks/subscriptions/"+ans["id"] {
		t.Fatalf("answer %v, Location %q", ans, r.Header.Get("Location"))
	}
	if w := e.NPSWebhooks(); len(w) != 1 || w[0].Kind != "campaignmembers" || w[0].CampaignID != emulator.NPSCampaignSales {
		t.Fatalf("webhooks %+v", w)
	}
	c.Do("POST", "/campaigns/"+strconv.Itoa(emulator.NPSCampaignSales)+"/respondent", survey("+4512345678", "", nil)).Expect(t, 200)
	select {
	case m := <-got:
		if m["CampaignId"] != float64(emulator.NPSCampaignSales) || m["Respondent"].(map[string]any)["PhoneNumber"] != "+4512345678" {
			t.Errorf("delivered %v", m)
		}
	case <-time.After(10 * time.Second):
		t.Error("no delivery")
	}
	// The 2021 body, and a wrong Model, are refused.
	c.Do("POST", "/webhooks/subscriptions/responses", map[string]any{"campaignId": 1, "targetUrl": "https://x", "eventType": "NewResponse"}).Expect(t, 400)
	c.Do("POST", "/webhooks/subscriptions/responses", map[string]any{"Url": "https://x.example/h", "Model": "CampaignMember"}).Expect(t, 400)
	c.Do("POST", "/webhooks/subscriptions/responses", map[string]any{"Url": "https://x.example/h", "Model": "Response", "Filter": map[string]any{"Include": map[string]any{"campaignId": 5}}}).Expect(t, 400)
	c.Do("DELETE", "/webhooks/subscriptions/"+ans["id"], nil).Expect(t, 200)
	c.Do("DELETE", "/webhooks/subscriptions/"+ans["id"], nil).Expect(t, 404)
	if len(e.NPSWebhooks()) != 0 {
		t.Error("not deleted")
	}
}

func TestNpsBIPaging(t *testing.T) {
	t.Parallel()
	e := emutest.Start(t, npsUnlimited)
	c := npsAs(t, e, emulator.NPSTodayAPIKey)
	var page []map[string]any
	c.Do("GET", "/v2/bi/responses?page=1&pageSize=2", nil).Expect(t, 200).JSON(t, &page)
	if len(page) != 2 || page[0]["id"] != float64(5001) {
		t.Fatalf("page 1 %v", page)
	}
	c.Do("GET", "/v2/bi/responses?page=3&pageSize=2", nil).Expect(t, 200).JSON(t, &page)
	if len(page) != 1 || page[0]["id"] != float64(5005) {
		t.Fatalf("page 3 %v", page)
	}
	c.Do("GET", "/v2/bi/responses?page=4&pageSize=2", nil).Expect(t, 200).JSON(t, &page)
	if len(page) != 0 {
		t.Fatalf("page 4 %v", page)
	}
	after := time.Now().Add(-3 * 24 * time.Hour).UTC().Format(time.RFC3339)
	c.Do("GET", "/v2/bi/responses?modifiedAfter="+after, nil).Expect(t, 200).JSON(t, &page)
	if len(page) != 2 {
		t.Fatalf("modifiedAfter %v", page)
	}
	c.Do("GET", "/v2/bi/responsecategories", nil).Expect(t, 200).JSON(t, &page)
	if len(page) != 3 {
		t.Fatalf("categories %v", page)
	}
	c.Do("GET", "/v2/bi/nothing", nil).Expect(t, 404)
	c.Do("GET", "/v2/bi/responses?pageSize=0", nil).Expect(t, 400)
	c.Do("GET", "/v2/bi/responses?modifiedAfter=yesterday", nil).Expect(t, 400)
}

func TestNpsDeny(t *testing.T) {
	t.Parallel()
	e := emutest.Start(t, emulator.Options{Deny: []string{emulator.ServiceNPSToday}})
	npsAs(t, e, emulator.NPSTodayAPIKey).Do("GET", "/campaigns/", nil).Expect(t, 403)
	emutest.As(t, e, emulator.DefaultUser).Do("GET", "/v1/diagnostics/testconnection", nil).Expect(t, 200)
}
