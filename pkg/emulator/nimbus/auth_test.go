package nimbus_test

import (
	"strings"
	"testing"
	"time"

	"github.com/nimbusctl/nimbusctl/pkg/emulator"
	"github.com/nimbusctl/nimbusctl/pkg/emulator/internal/emutest"
)

func TestNimbusAuth(t *testing.T) {
	clock := emutest.NewClock()
	e := emutest.Start(t, emulator.Options{Now: clock.Now})
	check := func(name, token string) {
		t.Helper()
		c := &emutest.Caller{T: t, E: e, Token: token}
		r := c.Do("GET", "/v2/AddressBooks", nil).Expect(t, 401)
		if h := r.Header.Get("WWW-Authenticate"); !strings.HasPrefix(h, `Bearer error="invalid_token"`) {
			t.Errorf("%s: WWW-Authenticate %q", name, h)
		}
		r.Err(t)
	}
	check("no token", "")
	check("unknown token", "not-a-token")
	check("wrong audience", e.IssueToken(emulator.DefaultUser, "898a7352-9216-4ca8-a485-7d8f3903f598", time.Hour))
	check("expired", e.IssueToken(emulator.DefaultUser, emulator.NimbusAudience, -time.Second))

	short := e.IssueToken(emulator.DefaultUser, emulator.NimbusAudience, time.Minute)
	(&emutest.Caller{T: t, E: e, Token: short}).Do("GET", "/v2/AddressBooks", nil).Expect(t, 200)
	clock.Advance(time.Minute)
	check("expired on the emulator clock", short)

	api := e.IssueToken(emulator.DefaultUser, "api://"+emulator.NimbusAudience, time.Hour)
	(&emutest.Caller{T: t, E: e, Token: api}).Do("GET", "/v2/AddressBooks", nil).Expect(t, 200)

	e.RevokeTokens()
	check("revoked", api)

	// A valid token of a user without any Nimbus role.
	stranger := emutest.As(t, e, "guest@fabrikam.example")
	stranger.Do("GET", "/v2/AddressBooks", nil).Expect(t, 403).Err(t)
}

func TestNimbusRBAC(t *testing.T) {
	e := emutest.Start(t, emulator.Options{})
	admin := emutest.As(t, e, emulator.DefaultUser)

	// Address books: 403 for an existing book of someone else, 404 for an unknown one.
	r := admin.Do("GET", "/v2/AddressBooks/"+emulator.BookBoard+"/contacts", nil).Expect(t, 403)
	if m := r.Err(t).Message; m != "Forbidden. No access to Addressbook." {
		t.Errorf("message %q", m)
	}
	admin.Do("POST", "/v2/AddressBooks/"+emulator.BookBoard+"/contacts", map[string]any{"externalId": "x"}).Expect(t, 403)
	admin.Do("POST", "/v2/AddressBooks/"+emulator.BookBoard+"/contacts/clear", nil).Expect(t, 403)
	admin.Do("GET", "/v2/AddressBooks/no-such-book/contacts", nil).Expect(t, 404).Err(t)
	if n := len(e.Contacts(emulator.BookBoard)); n != 1 {
		t.Fatalf("Board changed: %d contacts", n)
	}

	// Services.
	r = admin.Do("POST", "/v1/scheduler-entries", emutest.Entry(time.Now(), map[string]any{"serviceUpn": emulator.ServiceVIP})).Expect(t, 403)
	if m := r.Err(t).Message; m != "Forbidden for the given Service UPN" {
		t.Errorf("message %q", m)
	}
	admin.Do("POST", "/v1/scheduler-entries", emutest.Entry(time.Now(), map[string]any{"serviceUpn": "nope@contoso.com"})).Expect(t, 403)
	admin.Do("GET", "/v1/scheduler-entries?serviceUpn="+emulator.ServiceVIP, nil).Expect(t, 403)
	admin.Do("DELETE", "/v1/scheduler-entries/"+emulator.EntryVIPUpcoming, nil).Expect(t, 403)
	admin.Do("POST", "/v1/ExternalTasks", map[string]any{"serviceUpn": emulator.ServiceVIP}).Expect(t, 403)
	admin.Do("PUT", "/v1/tasks/"+emulator.TaskVIPCall, map[string]any{}).Expect(t, 403)
	admin.Do("POST", "/v1/triggers/tasks", map[string]any{"config": map[string]any{
		"url": "https://example.invalid/hook", "services": []string{emulator.ServiceSupport, emulator.ServiceVIP}, "taskEvents": []string{"Created"}}}).Expect(t, 403)

	// UPNs are case-insensitive.
	admin.Do("GET", "/v1/scheduler-entries?serviceUpn=Support@Contoso.com", nil).Expect(t, 200)

	// Listings show only what the user may use.
	var books []map[string]string
	admin.Do("GET", "/v2/AddressBooks", nil).Expect(t, 200).JSON(t, &books)
	if len(books) != 2 || books[0]["id"] != emulator.BookCustomers || books[0]["name"] != "Customers" || books[1]["id"] != emulator.BookPartners {
		t.Fatalf("admin books %v", books)
	}
	for _, p := range []string{"/v1/tasks/service-contacts", "/v1/scheduler-entries/service-contacts", "/v1/ExternalTasks/service-contacts"} {
		var svcs []string
		admin.Do("GET", p, nil).Expect(t, 200).JSON(t, &svcs)
		if strings.Join(svcs, ",") != emulator.ServiceSupport+","+emulator.ServiceSales {
			t.Fatalf("%s: %v", p, svcs)
		}
	}

	agent := emutest.As(t, e, emulator.AgentUser)
	agent.Do("GET", "/v2/AddressBooks", nil).Expect(t, 200).JSON(t, &books)
	if len(books) != 1 || books[0]["id"] != emulator.BookCustomers {
		t.Fatalf("agent books %v", books)
	}
	agent.Do("GET", "/v2/AddressBooks/"+emulator.BookPartners+"/contacts", nil).Expect(t, 403)
	agent.Do("GET", "/v1/scheduler-entries?serviceUpn="+emulator.ServiceSales, nil).Expect(t, 403)
	agent.Do("GET", "/v1/scheduler-entries?serviceUpn="+emulator.ServiceSupport, nil).Expect(t, 200)

	// AddUser grants new rights.
	e.AddUser("boss@contoso.com", []string{emulator.ServiceVIP}, []string{emulator.BookBoard})
	emutest.As(t, e, "boss@contoso.com").Do("GET", "/v2/AddressBooks/"+emulator.BookBoard+"/contacts", nil).Expect(t, 200)
}
