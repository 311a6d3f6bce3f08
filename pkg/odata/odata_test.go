package odata

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nimbusctl/nimbusctl/pkg/httpx"
)

// fakeFeed serves handler on loopback http (which the pipeline allows) and returns a client.
func fakeFeed(t *testing.T, handler http.HandlerFunc) (*Client, *httptest.Server) {
	t.Helper()
	srv := httptest.NewServer(handler)
	t.Cleanup(srv.Close)
	h, err := httpx.New(httpx.Config{
		Service: "odata", BaseURL: srv.URL + "/v1/odata",
		Retry: httpx.Retry{MaxAttempts: 1},
		Auth:  func(context.Context) (string, error) { return "Bearer t0k", nil },
	})
	if err != nil {
		t.Fatal(err)
	}
	return New(h), srv
}

const csdl = `<?xml version="1.0" encoding="utf-8"?>
<edmx:Edmx Version="4.0" xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx">
  <edmx:DataServices>
    <Schema Namespace="Luware.Reporting.Model" Alias="R" xmlns="http://docs.oasis-open.org/odata/ns/edm">
      <EntityType Name="SessionBase" Abstract="true">
        <Key><PropertyRef Name="Id"/></Key>
        <Property Name="Id" Type="Edm.Guid" Nullable="false"/>
        <Property Name="StartedAt" Type="Edm.DateTimeOffset" Nullable="false"/>
      </EntityType>
      <EntityType Name="UserSession" BaseType="R.SessionBase">
        <Property Name="UserId" Type="Edm.Guid"/>
      </EntityType>
      <EntityType Name="UnifiedSession" BaseType="Luware.Reporting.Model.SessionBase">
        <Property Name="PrimaryCodes" Type="Edm.String"/>
      </EntityType>
      <EntityType Name="ServiceSession" BaseType="R.SessionBase">
        <Property Name="ServiceId" Type="Edm.Guid" Nullable="false"/>
        <Property Name="UserId" Type="Edm.Guid"/>
        <Property Name="PrimaryCodes" Type="Collection(Edm.String)" Nullable="false"/>
        <NavigationProperty Name="SecondaryCodes" Type="Collection(R.Code)"/>
      </EntityType>
      <EntityType Name="Code"><Key><PropertyRef Name="Id"/></Key><Property Name="Id" Type="Edm.Int32"/><Property Name="Name" Type="Edm.String"/></EntityType>
      <EntityType Name="Service"><Key><PropertyRef Name="Id"/></Key><Property Name="Id" Type="Edm.Guid"/><Property Name="Name" Type="Edm.String"/></EntityType>
    </Schema>
    <Schema Namespace="Default" xmlns="http://docs.oasis-open.org/odata/ns/edm">
      <EntityContainer Name="Container">
        <EntitySet Name="UserSessions" EntityType="R.UserSession"/>
        <EntitySet Name="UnifiedSessions" EntityType="Luware.Reporting.Model.UnifiedSession"/>
        <EntitySet Name="FactServiceSessions" EntityType="R.ServiceSession"/>
        <EntitySet Name="DimServices" EntityType="Luware.Reporting.Model.Service"/>
      </EntityContainer>
    </Schema>
  </edmx:DataServices>
</edmx:Edmx>`

func TestParseMetadataResolvesAliasesBaseTypesAndNavigation(t *testing.T) {
	t.Parallel()
	m, err := ParseMetadata(strings.NewReader(csdl))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(m.Names(), ","); got != "UserSessions,UnifiedSessions,FactServiceSessions,DimServices" {
		t.Fatalf("sets: %s", got)
	}
	ss, ok := m.Set("factservicesessions")
	if !ok {
		t.Fatal("case-insensitive lookup failed")
	}
	var props []string
	for _, p := range ss.Properties {
		props = append(props, fmt.Sprintf("%s:%s:%v:%v", p.Name, p.Type, p.Nullable, p.Navigation))
	}
	want := "Id:Edm.Guid:false:false StartedAt:Edm.DateTimeOffset:false:false ServiceId:Edm.Guid:false:false UserId:Edm.Guid:true:false PrimaryCodes:Collection(Edm.String):false:false SecondaryCodes:Collection(R.Code):true:true"
	if got := strings.Join(props, " "); got != want {
		t.Errorf("properties:\n got %s\nwant %s", got, want)
	}
	if !reflect.DeepEqual(ss.Key, []string{"Id"}) {
		t.Errorf("key %v", ss.Key)
	}
	p, _ := ss.Property("PrimaryCodes")
	if !p.IsCollection() || p.ElementType() != "Edm.String" {
		t.Errorf("PrimaryCodes: %+v", p)
	}
	if _, err := ParseMetadata(strings.NewReader(`{"value":[]}`)); err == nil {
		t.Error("JSON accepted as CSDL")
	}
	if _, err := ParseMetadata(strings.NewReader(`<edmx:Edmx xmlns:edmx="x"><edmx:DataServices/></edmx:Edmx>`)); err == nil || !strings.Contains(err.Error(), "no entity sets") {
		t.Errorf("empty CSDL: %v", err)
	}
}

func TestDiscoverPrefersTheDocumentedSessionSetAndFindsDimensionsByShape(t *testing.T) {
	t.Parallel()
	m, _ := ParseMetadata(strings.NewReader(csdl))
	mp, err := Discover(m, Overrides{})
	if err != nil {
		t.Fatal(err)
	}
	if mp.Sessions.Set != "FactServiceSessions" || mp.Sessions.Time != "StartedAt" || mp.Property(FieldServiceID).Name != "ServiceId" || mp.Has(FieldOutcomeID) ||
		!reflect.DeepEqual(mp.Sessions.Candidates, []string{"UnifiedSessions", "FactServiceSessions"}) ||
		mp.Sessions.How != "named like the documented Service Sessions, among UnifiedSessions, FactServiceSessions" {
		t.Errorf("sessions: %+v", mp.Sessions)
	}
	want := []CodesField{
		{Role: "primary", Property: "PrimaryCodes", Type: "Collection(Edm.String)", Encoding: EncodingList},
		{Role: "secondary", Property: "SecondaryCodes", Type: "Collection(R.Code)", Encoding: EncodingNavigation, Name: "Name"},
	}
	if !reflect.DeepEqual(mp.Codes, want) {
		t.Errorf("codes %+v", mp.Codes)
	}
	if mp.Service.Dim == nil || mp.Service.Dim.Set != "DimServices" || mp.Service.Dim.Name != "Name" {
		t.Errorf("services: %+v %v", mp.Service.Dim, mp.Service.DimErr())
	}
	// UserId links to users, but no set has a UPN: ids stay ids, and the mapping says why.
	var missing *MissingError
	if mp.User.Property != "UserId" || mp.User.Err() != nil || !errors.As(mp.User.DimErr(), &missing) ||
		missing.Msg != "the feed has no users set (a set with an id (Edm.Guid) and a UPN, named like users). Set odata_user_set to name one" {
		t.Errorf("users: %+v %v", mp.User, mp.User.DimErr())
	}

	none, _ := ParseMetadata(strings.NewReader(strings.ReplaceAll(strings.ReplaceAll(csdl, "PrimaryCodes", "Code1"), "SecondaryCodes", "Code2")))
	_, err = Discover(none, Overrides{})
	if err == nil || !strings.Contains(err.Error(), "no entity set with PrimaryCodes or SecondaryCodes and a start time (StartedAt) (its sets: UserSessions, UnifiedSessions, FactServiceSessions, DimServices)") {
		t.Errorf("no codes: %v", err)
	}
}

func TestQueryPathEncodesLikeAnODataClient(t *testing.T) {
	t.Parallel()
	from := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	to := time.Date(2026, 2, 1, 0, 0, 0, 0, time.FixedZone("CET", 3600))
	svc, _ := Literal("Edm.Guid", "5A0E8B1C-1111-4D2E-8F3A-6B7C8D9E0A01")
	name, _ := Literal("Edm.String", "O'Brien & Co")
	q := Query{
		Set:    "ServiceSessions",
		Filter: And(TimeWindow("StartedAt", from, to), Or("ServiceId eq "+svc, "Name eq "+name)),
		Select: []string{"Id", "PrimaryCodes"},
		Top:    10,
	}
	want := "ServiceSessions?$filter=StartedAt%20ge%202026-01-01T00:00:00Z%20and%20StartedAt%20lt%202026-01-31T23:00:00Z%20and%20(ServiceId%20eq%205a0e8b1c-1111-4d2e-8f3a-6b7c8d9e0a01%20or%20Name%20eq%20'O''Brien%20%26%20Co')&$select=Id,PrimaryCodes&$top=10"
	if got := q.Path(); got != want {
		t.Errorf("path\n got %s\nwant %s", got, want)
	}
	if _, err := Literal("Edm.Guid", "support@contoso.com"); err == nil {
		t.Error("a UPN passed as a GUID literal")
	}
	if l, _ := Literal("Edm.Int32", "42"); l != "42" {
		t.Errorf("int literal %s", l)
	}
	if got := DateTimeOffset(from.Add(1500 * time.Millisecond)); got != "2026-01-01T00:00:01.5000000Z" {
		t.Errorf("fractional literal %s", got)
	}
}

func TestDecodeCodesAcceptsEveryShapeWithTheFeedsDelimiter(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		in, delim string
		want      []string
	}{
		{`["Sale","Upsell"]`, ";", []string{"Sale", "Upsell"}},
		{`["Info, Pricing","Upsell"]`, ",", []string{"Info, Pricing", "Upsell"}}, // lists are never split
		{`"Sale;Upsell"`, ";", []string{"Sale", "Upsell"}},
		{`"Sale; Call back ;"`, ";", []string{"Sale", "Call back"}},
		{`"Sale|Upsell"`, "|", []string{"Sale", "Upsell"}},
		{`"Sale|Upsell"`, ";", []string{"Sale|Upsell"}},
		{`"Info, Pricing;Sale"`, ";", []string{"Info, Pricing", "Sale"}},
		{`"Info, Pricing"`, ";", []string{"Info, Pricing"}},
		{`"Sale, Upsell"`, ",", []string{"Sale", "Upsell"}},
		{`"Sale;Upsell"`, "", []string{"Sale;Upsell"}},
		{`"Sale"`, ";", []string{"Sale"}},
		{`""`, ";", []string{}},
		{`null`, ";", []string{}},
		{`[]`, ";", []string{}},
		{`[" Sale ", null, ""]`, ";", []string{"Sale"}},
		{`[{"Id":3,"Name":"Sale","Meta":{"a":[1]}}]`, ";", []string{"Sale"}},
		{`[{"Code":"Sale"},{"Value":"Upsell"}]`, ";", []string{"Sale", "Upsell"}},
		{`{"Name":"Sale"}`, ";", []string{"Sale"}},
		{`[7]`, ";", []string{"7"}},
	} {
		dec := json.NewDecoder(strings.NewReader(c.in))
		dec.UseNumber()
		got, err := decodeCodes(dec, c.delim, "")
		if err != nil || !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s (%q): %q, %v; want %q", c.in, c.delim, got, err, c.want)
		}
		// The fast path must agree.
		if got, err := parseCodes([]byte(c.in), c.delim, ""); err != nil || !reflect.DeepEqual(got, c.want) {
			t.Errorf("parseCodes %s (%q): %q, %v; want %q", c.in, c.delim, got, err, c.want)
		}
	}
	if got, err := parseCodes([]byte(`["Caf\u00e9", "A\"B"]`), ";", ""); err != nil || !reflect.DeepEqual(got, []string{"Café", `A"B`}) {
		t.Errorf("escaped codes: %q %v", got, err)
	}
	if got, err := parseCodes(nil, ";", ""); got != nil || err != nil {
		t.Errorf("an absent property is nil: %q %v", got, err)
	}
	if got, err := parseCodes([]byte(`[{"CodeId":3,"CodeName":"Sale","Code":"S"}]`), ";", "CodeName"); err != nil || !reflect.DeepEqual(got, []string{"Sale"}) {
		t.Errorf("codes named CodeName: %q %v", got, err)
	}
	for _, bad := range []string{`[["a"]]`, `true`, `[{"Id":3}]`, `{"Name":null}`} {
		dec := json.NewDecoder(strings.NewReader(bad))
		if _, err := decodeCodes(dec, ";", ""); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
}

// pageServer serves $metadata and the pages of FactServiceSessions.
func pageServer(t *testing.T, pages []string) (*Client, *httptest.Server, *atomic.Int32) {
	var hits atomic.Int32
	var c *Client
	var srv *httptest.Server
	c, srv = fakeFeed(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer t0k" {
			w.WriteHeader(401)
			return
		}
		switch {
		case strings.HasSuffix(r.URL.Path, "/$metadata"):
			w.Write([]byte(csdl))
		case strings.HasSuffix(r.URL.Path, "/FactServiceSessions"):
			n := int(hits.Add(1)) - 1
			if n >= len(pages) {
				w.WriteHeader(500)
				return
			}
			body := strings.ReplaceAll(pages[n], "{{URL}}", srv.URL)
			w.Write([]byte(body))
		default:
			w.WriteHeader(404)
		}
	})
	return c, srv, &hits
}

func TestEachFollowsNextLinksRelativeAndAbsolute(t *testing.T) {
	t.Parallel()
	c, _, hits := pageServer(t, []string{
		`{"@odata.context":"x","value":[{"Id":"a"},{"Id":"b"}],"@odata.nextLink":"FactServiceSessions?$skiptoken=2"}`,
		`{"@odata.nextLink":"{{URL}}/v1/odata/FactServiceSessions?$skiptoken=3","value":[{"Id":"c","Extra":{"nested":[1,2,{"x":null}]}}]}`,
		`{"value":[{"Id":"d"}],"@odata.count":4}`,
	})
	var ids []string
	err := Stream(context.Background(), c, Query{Set: "FactServiceSessions"}, func(v *struct{ Id string }) error {
		ids = append(ids, v.Id)
		return nil
	})
	if err != nil || strings.Join(ids, "") != "abcd" || hits.Load() != 3 {
		t.Errorf("ids %v, err %v, %d requests", ids, err, hits.Load())
	}
}

func TestEachStopsEarly(t *testing.T) {
	t.Parallel()
	c, _, hits := pageServer(t, []string{
		`{"value":[{"Id":"a"},{"Id":"b"}],"@odata.nextLink":"FactServiceSessions?$skiptoken=2"}`,
		`{"value":[{"Id":"c"}]}`,
	})
	n := 0
	err := c.Each(context.Background(), Query{Set: "FactServiceSessions"}, func(dec *json.Decoder) error {
		var v any
		if err := dec.Decode(&v); err != nil {
			return err
		}
		if n++; n == 2 {
			return ErrStop
		}
		return nil
	})
	if err != nil || n != 2 || hits.Load() != 1 {
		t.Errorf("n %d err %v requests %d", n, err, hits.Load())
	}
}

func TestEachRefusesForeignAndLoopingNextLinks(t *testing.T) {
	t.Parallel()
	c, _, _ := pageServer(t, []string{`{"value":[],"@odata.nextLink":"https://evil.example/steal?token"}`})
	err := c.Each(context.Background(), Query{Set: "FactServiceSessions"}, func(*json.Decoder) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "refusing to follow @odata.nextLink to https://evil.example") {
		t.Errorf("foreign nextLink: %v", err)
	}
	c, _, hits := pageServer(t, []string{
		`{"value":[],"@odata.nextLink":"FactServiceSessions?$skiptoken=1"}`,
		`{"value":[],"@odata.nextLink":"FactServiceSessions?$skiptoken=1"}`,
	})
	err = c.Each(context.Background(), Query{Set: "FactServiceSessions"}, func(*json.Decoder) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "same @odata.nextLink twice") || hits.Load() != 2 {
		t.Errorf("looping nextLink: %v after %d requests", err, hits.Load())
	}
}

func TestEachClassifiesBrokenPages(t *testing.T) {
	t.Parallel()
	c, _, _ := pageServer(t, []string{`{"value":{"Id":"a"}}`})
	err := c.Each(context.Background(), Query{Set: "FactServiceSessions"}, func(dec *json.Decoder) error { return dec.Decode(new(any)) })
	var netErr *httpx.NetError
	if err == nil || !strings.Contains(err.Error(), "OData FactServiceSessions (page 1): unexpected answer") || errors.As(err, &netErr) {
		t.Errorf("malformed page: %v", err)
	}
	c, _, _ = pageServer(t, []string{`{"value":[{"Id":"a"},{"Id":`})
	err = c.Each(context.Background(), Query{Set: "FactServiceSessions"}, func(dec *json.Decoder) error { return dec.Decode(new(any)) })
	if !errors.As(err, &netErr) {
		t.Errorf("truncated page should be a network error (exit 10): %T %v", err, err)
	}
	mine := errors.New("mine")
	c, _, _ = pageServer(t, []string{`{"value":[{"Id":"a"}]}`})
	err = c.Each(context.Background(), Query{Set: "FactServiceSessions"}, func(dec *json.Decoder) error { dec.Decode(new(any)); return mine })
	if err != mine {
		t.Errorf("callback error should come back as is: %v", err)
	}
}

// TestEachStreams proves entities reach the callback while the server is still writing the
// page: the server holds the rest of the page until the callback has seen the first entity.
func TestEachStreams(t *testing.T) {
	t.Parallel()
	seen := make(chan struct{})
	c, _ := fakeFeed(t, func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"value":[{"Id":"first"}`))
		w.(http.Flusher).Flush()
		select {
		case <-seen:
		case <-time.After(20 * time.Second):
			return // the test fails below: the body ends before the rest
		}
		for i := 0; i < 1000; i++ {
			fmt.Fprintf(w, `,{"Id":"%d"}`, i)
		}
		w.Write([]byte(`]}`))
	})
	n := 0
	err := Stream(context.Background(), c, Query{Set: "X"}, func(v *struct{ Id string }) error {
		if n++; n == 1 {
			close(seen)
		}
		return nil
	})
	if err != nil || n != 1001 {
		t.Errorf("%d entities, err %v", n, err)
	}
}

func TestAccessErrorsCarryTheConsentHint(t *testing.T) {
	t.Parallel()
	for _, status := range []int{401, 403} {
		c, _ := fakeFeed(t, func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(status)
			w.Write([]byte(`{"error":{"code":"x","message":"nope"}}`))
		})
		c.Tenant, c.Scopes = "contoso.onmicrosoft.com", []string{"api://898a7352-9216-4ca8-a485-7d8f3903f598/access_odata"}
		_, err := c.Metadata(context.Background())
		var acc *AccessError
		if !errors.As(err, &acc) || httpx.StatusOf(err) != status || err.Error() != fmt.Sprintf("OData $metadata: %d %s: nope", status, http.StatusText(status)) {
			t.Fatalf("%d: %T %v", status, err, err)
		}
		h := acc.Hint()
		for _, want := range []string{
			"https://login.microsoftonline.com/contoso.onmicrosoft.com/v2.0/adminconsent?client_id=898a7352-9216-4ca8-a485-7d8f3903f598&scope=openid+profile",
			`"Nimbus Odata Login" (898a7352-9216-4ca8-a485-7d8f3903f598)`,
			"Tenant Admin, User Supervisor, Team Owner or", "scope api://898a7352-9216-4ca8-a485-7d8f3903f598/access_odata",
		} {
			if !strings.Contains(h, want) {
				t.Errorf("%d: hint lacks %q:\n%s", status, want, h)
			}
		}
	}
}

func TestSessionsDecodeEachEntityAndGuardTheWindow(t *testing.T) {
	t.Parallel()
	var gotQuery string
	c, _ := fakeFeed(t, func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "$metadata") {
			w.Write([]byte(csdl))
			return
		}
		gotQuery = r.URL.RawQuery
		// The server ignores the filter: the reader drops what is outside the window.
		w.Write([]byte(`{"value":[
			{"Id":"1","StartedAt":"2026-01-01T10:00:00.1234567+01:00","ServiceId":"S1","UserId":null,"PrimaryCodes":["Sale"],"SecondaryCodes":[{"Id":1,"Name":"Upsell"}],"Unknown":{"a":[1,{"b":2}]}},
			{"Id":"2","StartedAt":"2025-12-31T23:59:59Z","ServiceId":"S1","PrimaryCodes":[],"SecondaryCodes":[]},
			{"Id":"3","StartedAt":"2026-01-02T00:00:00Z","ServiceId":"S2","PrimaryCodes":["Resolved"],"SecondaryCodes":null}
		]}`))
	})
	from := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var got []*Session
	err := c.Sessions(context.Background(), SessionQuery{From: from, To: from.AddDate(0, 0, 7), ServiceIDs: []string{"5a0e8b1c-1111-4d2e-8f3a-6b7c8d9e0a01"}, Fields: CodeFields}, func(s *Session) error {
		got = append(got, s)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	wantQuery := "$filter=StartedAt%20ge%202026-01-01T00:00:00Z%20and%20StartedAt%20lt%202026-01-08T00:00:00Z%20and%20ServiceId%20eq%205a0e8b1c-1111-4d2e-8f3a-6b7c8d9e0a01&$select=StartedAt,ServiceId,PrimaryCodes&$expand=SecondaryCodes"
	if gotQuery != wantQuery {
		t.Errorf("query\n got %s\nwant %s", gotQuery, wantQuery)
	}
	// Only the service filter drops S1/S2 here (neither is the GUID asked for): none is kept.
	if len(got) != 0 {
		t.Errorf("kept %d sessions of other services", len(got))
	}
	got = nil
	err = c.Sessions(context.Background(), SessionQuery{From: from, To: from.AddDate(0, 0, 7)}, func(s *Session) error {
		got = append(got, s)
		return nil
	})
	if err != nil || len(got) != 2 {
		t.Fatalf("%d sessions, %v", len(got), err)
	}
	s := got[0]
	if s.ID != "1" || !s.StartedAt.Equal(time.Date(2026, 1, 1, 9, 0, 0, 123456700, time.UTC)) || s.UserID != "" ||
		!reflect.DeepEqual(s.PrimaryCodes, []string{"Sale"}) || !reflect.DeepEqual(s.SecondaryCodes, []string{"Upsell"}) {
		t.Errorf("session 1: %+v", s)
	}
	if !reflect.DeepEqual(got[1].SecondaryCodes, []string{}) || !got[1].HasCode("resolved") {
		t.Errorf("session 3: %+v", got[1])
	}
}

func TestTallyAndMatrix(t *testing.T) {
	t.Parallel()
	day := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC) // a Monday
	ss := []*Session{
		{StartedAt: day.Add(1 * time.Hour), ServiceID: "a", PrimaryCodes: []string{"Sale", "Sale"}, SecondaryCodes: []string{"Sale", "Upsell"}},
		{StartedAt: day.Add(25 * time.Hour), ServiceID: "b", PrimaryCodes: []string{"Resolved"}},
		{StartedAt: day.Add(26 * time.Hour), ServiceID: "", PrimaryCodes: []string{}},
		{StartedAt: day.Add(7*24*time.Hour + time.Hour), ServiceID: "a", SecondaryCodes: []string{"Upsell"}},
	}
	tally := NewTally()
	for _, s := range ss {
		tally.Add(s)
	}
	want := []CodeCount{{"Upsell", 0, 2, 2, 0.5}, {"Resolved", 1, 0, 1, 0.25}, {"Sale", 1, 1, 1, 0.25}}
	if got := tally.Codes(); !reflect.DeepEqual(got, want) || tally.Sessions != 4 || tally.Coded != 3 {
		t.Errorf("tally %+v (%d sessions, %d coded)", got, tally.Sessions, tally.Coded)
	}

	b := NewMatrix("service", KindAll, GroupByMember(NewLabeler([]Member{{ID: "A", UPN: "a@x"}, {ID: "b", Name: "Bee"}}), func(s *Session) string { return s.ServiceID }))
	for _, s := range ss {
		b.Add(s)
	}
	m := b.Matrix()
	if !reflect.DeepEqual(m.Codes, []string{"Upsell", "Resolved", "Sale"}) || len(m.Rows) != 3 ||
		m.Rows[0].Group != "Bee" || m.Rows[1].Group != "a@x" || m.Rows[2].Group != NoGroup ||
		m.Rows[1].Codes["Upsell"] != 2 || m.Rows[1].Sessions != 2 || m.Rows[2].Codes["Sale"] != 0 || m.Max() != 2 {
		t.Errorf("matrix %+v", m)
	}

	zurich, _ := time.LoadLocation("Europe/Zurich")
	wb := NewMatrix("week", KindPrimary, GroupByWeek(time.UTC))
	wb.Fill(Weeks(day, day.AddDate(0, 0, 21), time.UTC))
	for _, s := range ss {
		wb.Add(s)
	}
	w := wb.Matrix()
	if len(w.Rows) != 3 || w.Rows[0].Group != "2026-W10" || w.Rows[0].Sessions != 3 || w.Rows[1].Sessions != 1 || w.Rows[2].Sessions != 0 ||
		!reflect.DeepEqual(w.Codes, []string{"Resolved", "Sale"}) {
		t.Errorf("weeks %+v", w)
	}
	if got := Days(day.Add(-30*time.Minute), day.Add(24*time.Hour), zurich); !reflect.DeepEqual(got, []string{"2026-03-02", "2026-03-03"}) {
		t.Errorf("days in Zurich: %v", got)
	}
	if got := Days(day.Add(-30*time.Minute), day.Add(24*time.Hour), time.UTC); !reflect.DeepEqual(got, []string{"2026-03-01", "2026-03-02"}) {
		t.Errorf("days in UTC: %v", got)
	}
}

// Codes and tags that differ only in case are one, as --code matches them, shown as most
// sessions write them (a tie: the first in byte order, whatever the feed's order).
func TestCodesDifferingOnlyInCaseAreOneCode(t *testing.T) {
	t.Parallel()
	ss := []*Session{
		{PrimaryCodes: []string{"Sale", "sale"}, SecondaryCodes: []string{"UPSELL"}, Tags: []string{"vip"}},
		{PrimaryCodes: []string{"Sale"}, SecondaryCodes: []string{"upsell"}, Tags: []string{"VIP", "vip"}},
		{PrimaryCodes: []string{"sale"}, Tags: []string{"Vip"}},
	}
	tally := NewTally()
	b := NewMatrixMulti("tag", KindAll, GroupByTag)
	for _, s := range ss {
		tally.Add(s)
		b.Add(s)
	}
	want := []CodeCount{{"Sale", 3, 0, 3, 1}, {"UPSELL", 0, 2, 2, 0.6667}}
	if got := tally.Codes(); !reflect.DeepEqual(got, want) {
		t.Errorf("tally %+v", got)
	}
	m := b.Matrix()
	if !reflect.DeepEqual(m.Codes, []string{"Sale", "UPSELL"}) || len(m.Rows) != 1 || m.Rows[0].Group != "VIP" ||
		m.Rows[0].Sessions != 3 || m.Rows[0].Codes["Sale"] != 3 || m.Rows[0].Codes["UPSELL"] != 2 {
		t.Errorf("matrix %+v", m)
	}
}

// Edm.DateTimeOffset as OData v4 writes it: seconds and fractions are optional, the offset
// is Z or ±hh:mm.
func TestParseTimeReadsEveryDateTimeOffset(t *testing.T) {
	t.Parallel()
	want := time.Date(2026, 3, 2, 7, 0, 0, 0, time.UTC)
	for _, s := range []string{"2026-03-02T07:00Z", "2026-03-02T08:00+01:00", "2026-03-02T07:00:00Z", "2026-03-02T06:00:00.0000000-01:00", "2026-03-02T07:00:00"} {
		if got, err := ParseTime(s); err != nil || !got.Equal(want) {
			t.Errorf("%s: %v %v", s, got, err)
		}
	}
	if _, err := ParseTime("02.03.2026 07:00"); err == nil {
		t.Error("not a DateTimeOffset, accepted")
	}
}

// An OData 4.01 service may leave the odata. prefix out of its control information
// (@nextLink); it is asked for 4.0 answers, and both spellings are followed.
func TestEachFollowsNextLinksOfOData401(t *testing.T) {
	t.Parallel()
	var versions atomic.Value
	c, _ := fakeFeed(t, func(w http.ResponseWriter, r *http.Request) {
		versions.Store(r.Header.Get("OData-MaxVersion"))
		if r.URL.Query().Get("$skiptoken") == "" {
			w.Write([]byte(`{"@context":"x","@count":2,"value":[{"Id":"a"}],"@nextLink":"S?$skiptoken=1"}`))
			return
		}
		w.Write([]byte(`{"value":[{"Id":"b"}]}`))
	})
	var ids []string
	err := Stream(context.Background(), c, Query{Set: "S"}, func(v *struct{ Id string }) error {
		ids = append(ids, v.Id)
		return nil
	})
	if err != nil || strings.Join(ids, "") != "ab" || versions.Load() != "4.0" {
		t.Errorf("ids %v, err %v, OData-MaxVersion %v", ids, err, versions.Load())
	}
}
