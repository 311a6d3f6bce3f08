package emulator

import (
	"strings"
	"testing"
	"time"
)

func TestNimbusAuth(t *testing.T) {
	clock := newClock()
	e := start(t, Options{Now: clock.Now})
	check := func(name, token string) {
		t.Helper()
		c := &caller{t: t, e: e, token: token}
		r := c.do("GET", "/v2/AddressBooks", nil).expect(t, 401)
		if h := r.header.Get("WWW-Authenticate"); !strings.HasPrefix(h, `Bearer error="invalid_token"`) {
			t.Errorf("%s: WWW-Authenticate %q", name, h)
		}
		r.err(t)
	}
	check("no token", "")
	check("unknown token", "not-a-token")
	check("wrong audience", e.IssueToken(DefaultUser, "898a7352-9216-4ca8-a485-7d8f3903f598", time.Hour))
	check("expired", e.IssueToken(DefaultUser, NimbusAudience, -time.Second))

	short := e.IssueToken(DefaultUser, NimbusAudience, time.Minute)
	(&caller{t: t, e: e, token: short}).do("GET", "/v2/AddressBooks", nil).expect(t, 200)
	clock.Advance(time.Minute)
	check("expired on the emulator clock", short)

	api := e.IssueToken(DefaultUser, "api://"+NimbusAudience, time.Hour)
	(&caller{t: t, e: e, token: api}).do("GET", "/v2/AddressBooks", nil).expect(t, 200)

	e.RevokeTokens()
	check("revoked", api)

	// A valid token of a user without any Nimbus role.
	stranger := as(t, e, "guest@fabrikam.example")
	stranger.do("GET", "/v2/AddressBooks", nil).expect(t, 403).err(t)
}

func TestNimbusRBAC(t *testing.T) {
	e := start(t, Options{})
	admin := as(t, e, DefaultUser)

	// Address books: 403 for an existing book of someone else, 404 for an unknown one.
	r := admin.do("GET", "/v2/AddressBooks/"+BookBoard+"/contacts", nil).expect(t, 403)
	if m := r.err(t).Message; m != "Forbidden. No access to Addressbook." {
		t.Errorf("message %q", m)
	}
	admin.do("POST", "/v2/AddressBooks/"+BookBoard+"/contacts", map[string]any{"externalId": "x"}).expect(t, 403)
	admin.do("POST", "/v2/AddressBooks/"+BookBoard+"/contacts/clear", nil).expect(t, 403)
	admin.do("GET", "/v2/AddressBooks/no-such-book/contacts", nil).expect(t, 404).err(t)
	if n := len(e.Contacts(BookBoard)); n != 1 {
		t.Fatalf("Board changed: %d contacts", n)
	}

	// Services.
	r = admin.do("POST", "/v1/scheduler-entries", entry(time.Now(), map[string]any{"serviceUpn": ServiceVIP})).expect(t, 403)
	if m := r.err(t).Message; m != "Forbidden for the given Service UPN" {
		t.Errorf("message %q", m)
	}
	admin.do("POST", "/v1/scheduler-entries", entry(time.Now(), map[string]any{"serviceUpn": "nope@contoso.com"})).expect(t, 403)
	admin.do("GET", "/v1/scheduler-entries?serviceUpn="+ServiceVIP, nil).expect(t, 403)
	admin.do("DELETE", "/v1/scheduler-entries/"+EntryVIPUpcoming, nil).expect(t, 403)
	admin.do("POST", "/v1/ExternalTasks", map[string]any{"serviceUpn": ServiceVIP}).expect(t, 403)
	admin.do("PUT", "/v1/tasks/"+TaskVIPCall, map[string]any{}).expect(t, 403)
	admin.do("POST", "/v1/triggers/tasks", map[string]any{"config": map[string]any{
		"url": "https://example.invalid/hook", "services": []string{ServiceSupport, ServiceVIP}, "taskEvents": []string{"Created"}}}).expect(t, 403)

	// UPNs are case-insensitive.
	admin.do("GET", "/v1/scheduler-entries?serviceUpn=Support@Contoso.com", nil).expect(t, 200)

	// Listings show only what the user may use.
	var books []map[string]string
	admin.do("GET", "/v2/AddressBooks", nil).expect(t, 200).json(t, &books)
	if len(books) != 2 || books[0]["id"] != BookCustomers || books[0]["name"] != "Customers" || books[1]["id"] != BookPartners {
		t.Fatalf("admin books %v", books)
	}
	for _, p := range []string{"/v1/tasks/service-contacts", "/v1/scheduler-entries/service-contacts", "/v1/ExternalTasks/service-contacts"} {
		var svcs []string
		admin.do("GET", p, nil).expect(t, 200).json(t, &svcs)
		if strings.Join(svcs, ",") != ServiceSupport+","+ServiceSales {
			t.Fatalf("%s: %v", p, svcs)
		}
	}

	agent := as(t, e, AgentUser)
	agent.do("GET", "/v2/AddressBooks", nil).expect(t, 200).json(t, &books)
	if len(books) != 1 || books[0]["id"] != BookCustomers {
		t.Fatalf("agent books %v", books)
	}
	agent.do("GET", "/v2/AddressBooks/"+BookPartners+"/contacts", nil).expect(t, 403)
	agent.do("GET", "/v1/scheduler-entries?serviceUpn="+ServiceSales, nil).expect(t, 403)
	agent.do("GET", "/v1/scheduler-entries?serviceUpn="+ServiceSupport, nil).expect(t, 200)

	// AddUser grants new rights.
	e.AddUser("boss@contoso.com", []string{ServiceVIP}, []string{BookBoard})
	as(t, e, "boss@contoso.com").do("GET", "/v2/AddressBooks/"+BookBoard+"/contacts", nil).expect(t, 200)
}
