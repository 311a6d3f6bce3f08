package npstoday_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nimbusctl/nimbusctl/pkg/contract"
	"github.com/nimbusctl/nimbusctl/pkg/emulator"
	"github.com/nimbusctl/nimbusctl/pkg/httpx"
	"github.com/nimbusctl/nimbusctl/pkg/npstoday"
)

// client starts an emulator and returns a client on the shared pipeline.
func client(t *testing.T, opts emulator.Options, scheme npstoday.Scheme, key string, rate httpx.Rate) (*npstoday.Client, *emulator.Emulator, *strings.Builder) {
	t.Helper()
	e, err := emulator.Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Close)
	auth, secrets := scheme.Auth(npstoday.NewKey(key, "test"))
	trace := &strings.Builder{}
	h, err := httpx.New(httpx.Config{
		Service:   "npstoday",
		BaseURL:   e.NPSTodayURL(),
		Auth:      auth,
		Secrets:   secrets,
		Limiter:   httpx.NewLimiter(rate),
		Transport: e.HTTPClient().Transport,
		Trace:     trace,
	})
	if err != nil {
		t.Fatal(err)
	}
	return npstoday.New(h), e, trace
}

var tenPerSecond = httpx.Rate{Count: 10, Per: time.Second}

func TestRouteTableCoversTheConnector(t *testing.T) {
	var doc struct {
		Paths map[string]map[string]struct {
			OperationID string `json:"operationId"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(contract.NPSTodaySwagger, &doc); err != nil {
		t.Fatal(err)
	}
	n := 0
	for path, ops := range doc.Paths {
		for method, op := range ops {
			if op.OperationID == "" {
				continue // x-ms-notification-content
			}
			n++
			concrete := strings.ReplaceAll(strings.ReplaceAll(path, "{campaign}", "101"), "{id}", "abc")
			r, ok := npstoday.FindRoute(strings.ToUpper(method), concrete)
			if !ok || !r.Confirmed || r.Op != op.OperationID {
				t.Errorf("%s %s (%s): route %+v found=%v", method, path, op.OperationID, r, ok)
			}
		}
	}
	if n != 6 {
		t.Errorf("the connector has %d operations, want 6", n)
	}
	provisional := []string{}
	for _, r := range npstoday.Routes {
		if r.Source == "" {
			t.Errorf("%s has no source", r.Op)
		}
		if !r.Confirmed {
			provisional = append(provisional, r.Op)
		}
	}
	if got := strings.Join(provisional, " "); got != "GetEmployeeAnalytics GetEmployeeResponses GetIVRMap GetResponsesByPhone" {
		t.Errorf("provisional routes: %s", got)
	}
	if r, _ := npstoday.FindRoute("GET", "/campaigns/responses"); r.Op != "GetCampaignResponses" {
		t.Errorf("literal route lost to a template: %+v", r)
	}
	if _, ok := npstoday.FindRoute("GET", "/nowhere"); ok {
		t.Error("matched nothing")
	}
	if got, err := npstoday.RouteEmployeeAnalytics.Expand("a b@x.com"); err != nil || got != "/employees/a%20b@x.com/analytics" {
		t.Errorf("expand %q", got)
	}
}

func TestKeyFileAndEnvironment(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{}
	getenv := func(k string) string { return env[k] }
	if _, err := npstoday.LoadKey(getenv, dir, "default"); !errors.Is(err, npstoday.ErrNoKey) {
		t.Fatalf("no key: %v", err)
	}
	if _, err := npstoday.SaveKey(dir, "sandbox", "two words"); err == nil {
		t.Fatal("a key with a space was saved")
	}
	path, err := npstoday.SaveKey(dir, "Sandbox", "  abc-123\n")
	if err != nil {
		t.Fatal(err)
	}
	if path != filepath.Join(dir, "npstoday", "sandbox.key") {
		t.Errorf("path %s", path)
	}
	if runtime.GOOS != "windows" {
		fi, _ := os.Stat(path)
		di, _ := os.Stat(filepath.Dir(path))
		if fi.Mode().Perm() != 0o600 || di.Mode().Perm() != 0o700 {
			t.Errorf("modes %v %v", fi.Mode(), di.Mode())
		}
	}
	k, err := npstoday.LoadKey(getenv, dir, "sandbox")
	if err != nil || npstoday.SchemeRaw.Header(k) != "abc-123" || k.Source != "file "+path {
		t.Fatalf("%+v %v", k, err)
	}
	if strings.Contains(k.String(), "abc-123") {
		t.Error("String shows the key")
	}
	if _, err := npstoday.LoadKey(getenv, dir, "default"); !errors.Is(err, npstoday.ErrNoKey) {
		t.Error("profiles share a key file")
	}
	env[npstoday.EnvKey] = "from-env"
	if k, _ := npstoday.LoadKey(getenv, dir, "sandbox"); npstoday.SchemeRaw.Header(k) != "from-env" || k.Source != "env NPSTODAY_API_KEY" {
		t.Errorf("env does not win: %+v", k)
	}
	delete(env, npstoday.EnvKey)
	if runtime.GOOS != "windows" {
		os.Chmod(path, 0o644)
		if _, err := npstoday.LoadKey(getenv, dir, "sandbox"); err == nil || !strings.Contains(err.Error(), "chmod 600") {
			t.Errorf("a world-readable key was used: %v", err)
		}
		os.Chmod(path, 0o600)
	}
	if had, err := npstoday.RemoveKey(dir, "sandbox"); !had || err != nil {
		t.Error(had, err)
	}
	if had, _ := npstoday.RemoveKey(dir, "sandbox"); had {
		t.Error("removed twice")
	}
}

func TestSchemes(t *testing.T) {
	k := npstoday.NewKey("k3y-value", "test")
	for _, tc := range []struct {
		in, header string
	}{
		{"", "k3y-value"},
		{"RAW", "k3y-value"},
		{"bearer", "Bearer k3y-value"},
		{"basic", "Basic QXBpS2V5OmszeS12YWx1ZQ=="}, // ApiKey:k3y-value
	} {
		s, err := npstoday.ParseScheme(tc.in)
		if err != nil || s.Header(k) != tc.header {
			t.Errorf("%q: %q %v", tc.in, s.Header(k), err)
		}
	}
	if _, err := npstoday.ParseScheme("digest"); err == nil {
		t.Error("digest accepted")
	}
	_, secrets := npstoday.SchemeBasic.Auth(k)
	if len(secrets) != 2 || secrets[1] != "QXBpS2V5OmszeS12YWx1ZQ==" {
		t.Errorf("secrets %v", secrets)
	}
}

func TestEverySchemeAgainstTheEmulator(t *testing.T) {
	t.Parallel()
	for _, s := range []npstoday.Scheme{npstoday.SchemeRaw, npstoday.SchemeBearer, npstoday.SchemeBasic} {
		c, _, trace := client(t, emulator.Options{NPSTodayAuthScheme: string(s)}, s, emulator.NPSTodayAPIKey, tenPerSecond)
		list, err := c.Campaigns(context.Background())
		if err != nil || len(list) != 3 {
			t.Fatalf("%s: %v %v", s, list, err)
		}
		if strings.Contains(trace.String(), emulator.NPSTodayAPIKey) || !strings.Contains(trace.String(), "> Authorization: [redacted]") {
			t.Errorf("%s: trace\n%s", s, trace)
		}
	}
	// A scheme the server does not expect is a 401.
	c, _, _ := client(t, emulator.Options{}, npstoday.SchemeBearer, emulator.NPSTodayAPIKey, tenPerSecond)
	_, err := c.Campaigns(context.Background())
	if httpx.StatusOf(err) != 401 || !strings.HasPrefix(err.Error(), "GetCampaigns: 401 Unauthorized") {
		t.Errorf("err %v", err)
	}
}

func TestClientOperations(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c, e, _ := client(t, emulator.Options{NPSTodayRateLimit: emulator.Rate{Count: 1000, Per: time.Second}}, npstoday.SchemeRaw, emulator.NPSTodayAPIKey, httpx.Rate{})

	list, err := c.Campaigns(ctx)
	if err != nil || list[0].ID != "101" || list[0].Name != emulator.NPSCampaignSupportName || list[0].ResponseCount == nil {
		t.Fatalf("%+v %v", list, err)
	}
	cp, err := c.FindCampaign(ctx, "sales")
	if err != nil || cp.ID != "102" {
		t.Errorf("by name: %+v %v", cp, err)
	}
	var nf *npstoday.NotFoundError
	if _, err := c.FindCampaign(ctx, "Nope"); !errors.As(err, &nf) {
		t.Errorf("unknown name: %v", err)
	}

	req := npstoday.SurveyRequest{
		Respondent: npstoday.Respondent{PhoneNumber: emulator.NPSCustomerPhone, FirstName: "Alice"},
		Employee:   &npstoday.Employee{Email: emulator.NPSEmployeePgap},
		Custom:     `{"taskId":"T1"}`,
	}
	res, err := c.SendSurvey(ctx, "101", req, npstoday.SendOptions{CheckPgap: true})
	if err != nil || !res.Pgap || len(e.NPSSurveys()) != 0 {
		t.Fatalf("p-gap: %+v %v", res, err)
	}
	eight := 8
	req.AgentRating = &eight
	res, err = c.SendSurvey(ctx, "101", req, npstoday.SendOptions{})
	if err != nil || res.Pgap {
		t.Fatalf("rated: %+v %v", res, err)
	}
	sent := e.NPSSurveys()
	if len(sent) != 1 || *sent[0].AgentRating != 8 || sent[0].Custom != `{"taskId":"T1"}` {
		t.Fatalf("sent %+v", sent)
	}
	eleven := 11
	req.AgentRating = &eleven
	var ve *npstoday.ValidationError
	if _, err := c.SendSurvey(ctx, "101", req, npstoday.SendOptions{}); !errors.As(err, &ve) || ve.Field != npstoday.FieldAgentRating {
		t.Errorf("rating 11: %v", err)
	}
	bad := npstoday.SurveyRequest{Respondent: npstoday.Respondent{PhoneNumber: "12345"}}
	if _, err := c.SendSurvey(ctx, "101", bad, npstoday.SendOptions{}); !errors.As(err, &ve) {
		t.Errorf("bad phone: %v", err)
	}
	if _, err := c.SendSurvey(ctx, "999", npstoday.SurveyRequest{Respondent: npstoday.Respondent{EmailAddress: "a@b.example"}}, npstoday.SendOptions{}); httpx.StatusOf(err) != 404 {
		t.Errorf("unknown campaign: %v", err)
	}

	emp, err := c.AddEmployee(ctx, npstoday.NewEmployee{Email: "new@contoso.com", FirstName: "Nora"})
	if err != nil || emp.Email != "new@contoso.com" || emp.Extra["id"] == nil {
		t.Errorf("employee %+v %v", emp, err)
	}

	an, err := c.EmployeeAnalytics(ctx, emulator.NPSEmployeeAgent, 30)
	if err != nil || an.Responses != 3 || an.NPS == nil || *an.NPS != 0 || an.Extra["employeeId"] == nil {
		t.Errorf("analytics %+v %v", an, err)
	}
	out, _ := json.Marshal(an)
	if !strings.Contains(string(out), `"employeeId":7001`) {
		t.Errorf("extra fields lost: %s", out)
	}
	rs, err := c.EmployeeResponses(ctx, emulator.NPSEmployeeAgent, time.Now().Add(-5*24*time.Hour))
	if err != nil || len(rs) != 1 || *rs[0].Rating != 9 || rs[0].Respondent.FirstName != "Alice" {
		t.Errorf("responses %+v %v", rs, err)
	}
	rs, err = c.ResponsesByPhone(ctx, emulator.NPSCustomerPhone)
	if err != nil || len(rs) != 2 {
		t.Errorf("by phone %+v %v", rs, err)
	}
	rs, err = c.CampaignResponses(ctx)
	if err != nil || len(rs) != 5 {
		t.Errorf("all %d %v", len(rs), err)
	}
	m, err := c.IVRMap(ctx)
	if err != nil || len(m) != 2 {
		t.Fatalf("ivr %+v %v", m, err)
	}
	if got, ok := npstoday.CampaignFor(m, "", "SUPPORT@contoso.com"); !ok || got.CampaignID != "101" {
		t.Errorf("CampaignFor %+v", got)
	}

	w, err := c.Subscribe(ctx, npstoday.EventResponses, "https://hooks.example/nps", "101")
	if err != nil || w.ID == "" || w.Location == "" {
		t.Fatalf("subscribe %+v %v", w, err)
	}
	hooks := e.NPSWebhooks()
	if len(hooks) != 1 || hooks[0].ID != w.ID || hooks[0].Model != "Response" || hooks[0].CampaignID != 101 {
		t.Errorf("stored %+v", hooks)
	}
	if err := c.DeleteWebhook(ctx, w.ID); err != nil {
		t.Error(err)
	}
	if err := c.DeleteWebhook(ctx, w.ID); httpx.StatusOf(err) != 404 {
		t.Errorf("second delete: %v", err)
	}

	var ids []string
	err = c.BI(ctx, "responses", npstoday.BIQuery{PageSize: 2}, func(row json.RawMessage) error {
		var r struct{ ID int }
		json.Unmarshal(row, &r)
		ids = append(ids, strconv.Itoa(r.ID))
		return nil
	})
	if err != nil || strings.Join(ids, ",") != "5001,5002,5003,5004,5005" {
		t.Errorf("bi %v %v", ids, err)
	}
	if err := c.BI(ctx, "nope", npstoday.BIQuery{}, nil); !errors.As(err, &ve) {
		t.Errorf("bad dataset %v", err)
	}
}

func TestModelsKeepUnknownFields(t *testing.T) {
	in := `{"id":7,"name":"X","template":{"id":1},"spread":{"nps":12}}`
	var c npstoday.Campaign
	if err := json.Unmarshal([]byte(in), &c); err != nil {
		t.Fatal(err)
	}
	out, _ := json.Marshal(c)
	if string(out) != `{"id":7,"name":"X","spread":{"nps":12},"template":{"id":1}}` {
		t.Errorf("%s", out)
	}
	var s npstoday.Campaign
	json.Unmarshal([]byte(`{"Id":"abc","Name":"Y"}`), &s)
	out, _ = json.Marshal(s)
	if string(out) != `{"id":"abc","name":"Y"}` {
		t.Errorf("%s", out)
	}
	r := 4
	body, _ := json.Marshal(npstoday.SurveyRequest{Respondent: npstoday.Respondent{PhoneNumber: "+4512345678"}, AgentRating: &r})
	if string(body) != `{"respondent":{"phoneNumber":"+4512345678"},"agentRating":4}` {
		t.Errorf("%s", body)
	}
	wh, _ := json.Marshal(npstoday.WebhookRequest{URL: "https://x", Model: "Response", Filter: &npstoday.WebhookFilter{Include: npstoday.WebhookInclude{CampaignID: "12"}}})
	if string(wh) != `{"Filter":{"Include":{"campaignId":12}},"Url":"https://x","Model":"Response"}` {
		t.Errorf("%s", wh)
	}
}

// docs/nps.md lists every route of the table, marked as the table marks it.
func TestDocsListEveryRoute(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "docs", "nps.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range npstoday.Routes {
		mark := "| provisional |"
		if r.Confirmed {
			mark = "| confirmed |"
		}
		found := false
		for _, line := range strings.Split(string(b), "\n") {
			if strings.Contains(line, "`"+r.Method+" "+r.Path) && strings.Contains(line, "| "+r.Op+" ") && strings.Contains(line, mark) {
				found = true
			}
		}
		if !found {
			t.Errorf("docs/nps.md has no table line for %s %s (%s) marked %q", r.Method, r.Path, r.Op, mark)
		}
	}
}

// The AddEmployee body carries exactly the fields of the connector's schema: nothing the
// contract does not document (externalId was sent before).
func TestAddEmployeeBodyIsTheContract(t *testing.T) {
	var doc struct {
		Paths map[string]map[string]struct {
			Parameters []struct {
				In     string `json:"in"`
				Schema struct {
					Properties map[string]any `json:"properties"`
				} `json:"schema"`
			} `json:"parameters"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(contract.NPSTodaySwagger, &doc); err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, p := range doc.Paths[npstoday.RouteAddEmployee.Path]["post"].Parameters {
		for name := range p.Schema.Properties {
			want = append(want, name)
		}
	}
	active := true
	b, _ := json.Marshal(npstoday.NewEmployee{Email: "a@x", FirstName: "a", LastName: "a", Title: "a", Department: "a", Team: "a", Division: "a", PhoneNumber: "+4512345678", Active: &active})
	var sent map[string]any
	json.Unmarshal(b, &sent)
	var got []string
	for k := range sent {
		got = append(got, k)
	}
	sort.Strings(got)
	sort.Strings(want)
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("AddEmployee body fields %v, the contract's %v", got, want)
	}
}

// Campaign ids are int32 and positive: anything else is refused before a request.
func TestCampaignIDs(t *testing.T) {
	for id, ok := range map[string]bool{"1": true, "101": true, "2147483647": true, "+7": true,
		"0": false, "-5": false, "2147483648": false, "3000000000": false, "": false, "1.5": false, "abc": false} {
		if err := npstoday.ID(id).Check(); (err == nil) != ok {
			t.Errorf("%q: %v, want ok=%v", id, err, ok)
		}
	}
}

// A SIP address (a Teams caller's sip:user@domain) or an address with a port is not an
// e-mail address: a survey sent there reaches nobody, or somebody else.
func TestLooksLikeEmail(t *testing.T) {
	for s, want := range map[string]bool{
		"alice@example.com":                  true,
		"chloe.dubois@fabrikam.ch":           true,
		"a+tag@mail.example.org":             true,
		"sip:alice@example.com":              false,
		"SIP:alice@example.com":              false,
		"alice@example.com:5061":             false,
		"8:orgid:1234":                       false,
		"alice@localhost":                    false,
		"alice":                              false,
		"@example.com":                       false,
		"alice@@example.com":                 false,
		"Alice <alice@example.com>":          false,
		"alice@example.com, bob@example.com": false,
	} {
		if got := npstoday.LooksLikeEmail(s); got != want {
			t.Errorf("LooksLikeEmail(%q) = %v, want %v", s, got, want)
		}
	}
}
