package odata_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/nimbusctl/nimbusctl/pkg/emulator"
	"github.com/nimbusctl/nimbusctl/pkg/emulator/internal/emutest"
)

// odataGet fetches a feed URL (relative to ODataURL, or absolute) with a token for user.
func odataGet(t *testing.T, e *emulator.Emulator, token, path string) emutest.Result {
	t.Helper()
	u := path
	if !strings.HasPrefix(path, "https://") {
		u = e.ODataURL() + path
	}
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := e.HTTPClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return emutest.Result{Status: resp.StatusCode, Header: resp.Header, Body: raw}
}

func odataToken(e *emulator.Emulator) string {
	return e.IssueToken(emulator.DefaultUser, emulator.ODataAudience, time.Hour)
}

type odataPage struct {
	Context  string            `json:"@odata.context"`
	Value    []json.RawMessage `json:"value"`
	NextLink string            `json:"@odata.nextLink"`
}

// odataAll follows nextLinks and returns every entity and the number of pages.
func odataAll(t *testing.T, e *emulator.Emulator, path string) ([]map[string]any, int) {
	t.Helper()
	tok := odataToken(e)
	var out []map[string]any
	pages := 0
	for path != "" {
		var p odataPage
		odataGet(t, e, tok, path).Expect(t, 200).JSON(t, &p)
		pages++
		for _, raw := range p.Value {
			var m map[string]any
			if err := json.Unmarshal(raw, &m); err != nil {
				t.Fatal(err)
			}
			out = append(out, m)
		}
		if p.NextLink != "" && !strings.HasPrefix(p.NextLink, e.ODataURL()+"/") {
			t.Fatalf("nextLink %q is not an absolute link into the feed", p.NextLink)
		}
		path = p.NextLink
		if pages > 1000 {
			t.Fatal("paging does not end")
		}
	}
	return out, pages
}

func TestODataSeededRuleMatchesItsDocumentedCounts(t *testing.T) {
	t.Parallel()
	e := emutest.Start(t, emulator.Options{Seed: 1})
	counts := map[string]int{}
	primary, secondary := map[string]int{}, map[string]int{}
	uncoded := 0
	from, to := e.ODataWindow()
	if to.Sub(from) != 60*24*time.Hour || to.Hour() != 0 {
		t.Fatalf("window %s .. %s", from, to)
	}
	for i := 0; i < e.ODataSessionCount(); i++ {
		s := e.ODataSession(i)
		if s.StartedAt != from.Add(time.Duration(i)*4*time.Hour) {
			t.Fatalf("session %d starts %s", i, s.StartedAt)
		}
		seen := map[string]bool{}
		for _, c := range s.PrimaryCodes {
			primary[c]++
			seen[c] = true
		}
		for _, c := range s.SecondaryCodes {
			secondary[c]++
			seen[c] = true
		}
		for c := range seen {
			counts[c]++
		}
		if len(seen) == 0 {
			uncoded++
		}
	}
	want := map[string]int{emulator.CodeResolved: 135, emulator.CodeUpsell: 126, emulator.CodeSale: 120, emulator.CodeCallBack: 99, emulator.CodeComplaint: 63, emulator.CodeNewsletter: 63, emulator.CodeEscalated: 60}
	for c, n := range want {
		if counts[c] != n {
			t.Errorf("%s in %d sessions, the rule's comment says %d", c, counts[c], n)
		}
	}
	if primary[emulator.CodeCallBack] != 45 || secondary[emulator.CodeCallBack] != 63 || uncoded != 45 || e.ODataSessionCount() != 360 {
		t.Errorf("call back %d/%d, uncoded %d, sessions %d", primary[emulator.CodeCallBack], secondary[emulator.CodeCallBack], uncoded, e.ODataSessionCount())
	}
}

func TestODataServiceDocumentAndMetadataFollowTheEncoding(t *testing.T) {
	t.Parallel()
	for _, enc := range []string{emulator.ODataCodesList, emulator.ODataCodesDelimited} {
		e := emutest.Start(t, emulator.Options{Seed: 1, OData: emulator.ODataOptions{CodesEncoding: enc, SessionSet: "Sessions"}})
		tok := odataToken(e)
		var doc struct {
			Value []struct{ Name, Kind, URL string }
		}
		odataGet(t, e, tok, "/").Expect(t, 200).JSON(t, &doc)
		var names []string
		for _, v := range doc.Value {
			names = append(names, v.Name)
		}
		if got := strings.Join(names, ","); got != "Sessions,Services,Users,Callers,Outcomes,OrganizationUnits" {
			t.Errorf("entity sets: %s", got)
		}
		meta := string(odataGet(t, e, tok, "/$metadata").Expect(t, 200).Body)
		want := `<Property Name="PrimaryCodes" Type="Collection(Edm.String)" Nullable="false"/>`
		if enc == emulator.ODataCodesDelimited {
			want = `<Property Name="PrimaryCodes" Type="Edm.String" Nullable="true"/>`
		}
		if !strings.Contains(meta, want) || !strings.Contains(meta, `<EntitySet Name="Sessions" EntityType="Nimbus.Reporting.ServiceSession"/>`) {
			t.Errorf("%s: $metadata:\n%s", enc, meta)
		}
	}
}

func TestODataPagesWithNextLinkAndHonoursSelectAndTop(t *testing.T) {
	t.Parallel()
	e := emutest.Start(t, emulator.Options{Seed: 1, OData: emulator.ODataOptions{PageSize: 50}})
	all, pages := odataAll(t, e, "/ServiceSessions?$select=Id,StartedAt,PrimaryCodes")
	if len(all) != 360 || pages != 8 {
		t.Fatalf("%d sessions in %d pages, want 360 in 8", len(all), pages)
	}
	ids := map[string]bool{}
	for i, s := range all {
		if len(s) != 3 {
			t.Fatalf("$select not honoured: %v", s)
		}
		ids[s["Id"].(string)] = true
		if s["Id"] != e.ODataSession(i).ID {
			t.Fatalf("session %d has id %v, want %s", i, s["Id"], e.ODataSession(i).ID)
		}
	}
	if len(ids) != 360 {
		t.Errorf("%d distinct ids", len(ids))
	}
	top, pages := odataAll(t, e, "/ServiceSessions?$top=120&$select=Id")
	if len(top) != 120 || pages != 3 {
		t.Errorf("$top=120: %d sessions in %d pages", len(top), pages)
	}
	svc, _ := odataAll(t, e, "/Services")
	if len(svc) != 3 || svc[0]["Upn"] != emulator.ServiceSupport || svc[0]["Id"] != emulator.ServiceSupportID {
		t.Errorf("services: %v", svc)
	}
}

func TestODataFiltersOnTheTimeWindowAndService(t *testing.T) {
	t.Parallel()
	e := emutest.Start(t, emulator.Options{Seed: 1, OData: emulator.ODataOptions{PageSize: 40}})
	from, _ := e.ODataWindow()
	lo, hi := from.AddDate(0, 0, 10), from.AddDate(0, 0, 20)
	f := "StartedAt ge " + lo.Format(time.RFC3339) + " and StartedAt lt " + hi.Format(time.RFC3339) + " and ServiceId eq " + emulator.ServiceSalesID
	got, _ := odataAll(t, e, "/ServiceSessions?$filter="+url.QueryEscape(f))
	want := 0
	for i := 0; i < e.ODataSessionCount(); i++ {
		s := e.ODataSession(i)
		if !s.StartedAt.Before(lo) && s.StartedAt.Before(hi) && s.ServiceID == emulator.ServiceSalesID {
			want++
		}
	}
	if len(got) != want || want != 20 {
		t.Errorf("%d sessions, want %d (= 20)", len(got), want)
	}
	gt, _ := odataAll(t, e, "/ServiceSessions?$filter="+url.QueryEscape("StartedAt gt "+lo.Format(time.RFC3339)+" and StartedAt le "+hi.Format(time.RFC3339)))
	if len(gt) != 60 { // 6 a day, the first excluded and the last included
		t.Errorf("gt/le: %d sessions, want 60", len(gt))
	}
	null, _ := odataAll(t, e, "/ServiceSessions?$filter="+url.QueryEscape("UserId eq null or (OutcomeId eq 2 and not (CallerId lt 0))"))
	if len(null) != 45 {
		t.Errorf("hung-up sessions: %d, want 45", len(null))
	}
}

func TestODataRejectsWhatARealServiceWould(t *testing.T) {
	t.Parallel()
	e := emutest.Start(t, emulator.Options{Seed: 1})
	tok := odataToken(e)
	for path, msg := range map[string]string{
		"/ServiceSessions?$filter=" + url.QueryEscape("ServiceId eq '"+emulator.ServiceSalesID+"'"): "incompatible types",
		"/ServiceSessions?$filter=" + url.QueryEscape("StartedAt ge"):                               "literal expected",
		"/ServiceSessions?$filter=" + url.QueryEscape("Tags eq 'x'"):                                "cannot filter on",
		"/ServiceSessions?$select=Codes":                                                            "Could not find a property named 'Codes'",
		"/ServiceSessions?$orderby=StartedAt":                                                       "'$orderby' is not supported",
		"/ServiceSessions?$top=-1":                                                                  "non-negative integer",
		"/Services?$filter=" + url.QueryEscape("Name eq 'x'"):                                       "on ServiceSessions only",
	} {
		r := odataGet(t, e, tok, path).Expect(t, 400)
		var body struct {
			Error struct{ Code, Message string }
		}
		r.JSON(t, &body)
		if !strings.Contains(body.Error.Message, msg) {
			t.Errorf("%s: %q does not say %q", path, body.Error.Message, msg)
		}
	}
	odataGet(t, e, tok, "/Codes").Expect(t, 404)
}

func TestODataAuthentication(t *testing.T) {
	t.Parallel()
	e := emutest.Start(t, emulator.Options{Seed: 1})
	odataGet(t, e, "", "/").Expect(t, 401)
	odataGet(t, e, e.IssueToken(emulator.DefaultUser, emulator.NimbusAudience, time.Hour), "/$metadata").Expect(t, 401)
	odataGet(t, e, e.IssueToken(emulator.DefaultUser, "api://"+emulator.ODataAudience, time.Hour), "/").Expect(t, 200)
	r := odataGet(t, e, e.IssueToken(emulator.AgentUser, emulator.ODataAudience, time.Hour), "/ServiceSessions").Expect(t, 403)
	if !strings.Contains(string(r.Body), "no reporting role") {
		t.Errorf("403 body: %s", r.Body)
	}
	d := emutest.Start(t, emulator.Options{Seed: 1, Deny: []string{emulator.ServiceOData}})
	odataGet(t, d, odataToken(d), "/").Expect(t, 403)
}

func TestODataDelimitedCodes(t *testing.T) {
	t.Parallel()
	e := emutest.Start(t, emulator.Options{Seed: 1, OData: emulator.ODataOptions{CodesEncoding: emulator.ODataCodesDelimited, Delimiter: ";"}})
	all, _ := odataAll(t, e, "/ServiceSessions?$select=PrimaryCodes,SecondaryCodes&$top=8")
	if all[5]["PrimaryCodes"] != "Sale;Resolved" || all[7]["PrimaryCodes"] != "" || all[4]["SecondaryCodes"] != "Upsell;Newsletter" {
		t.Errorf("delimited codes: %v", all)
	}
}

func TestODataGeneratesLargeFeedsOnTheFly(t *testing.T) {
	t.Parallel()
	e := emutest.Start(t, emulator.Options{Seed: 1, OData: emulator.ODataOptions{Sessions: 500000}})
	from, to := e.ODataWindow()
	last := e.ODataSession(499999)
	if !last.StartedAt.Before(to) || last.StartedAt.Before(from) {
		t.Fatalf("last session at %s, window %s..%s", last.StartedAt, from, to)
	}
	lo := to.Add(-time.Hour)
	got, pages := odataAll(t, e, "/ServiceSessions?$select=StartedAt&$filter="+url.QueryEscape("StartedAt ge "+lo.Format(time.RFC3339)))
	want := 0
	for i := 499000; i < 500000; i++ {
		if !e.ODataSession(i).StartedAt.Before(lo) {
			want++
		}
	}
	if len(got) != want || pages != 1 {
		t.Errorf("last hour: %d sessions in %d pages, want %d in 1", len(got), pages, want)
	}
}
