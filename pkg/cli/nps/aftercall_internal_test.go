package nps

import (
	"testing"

	"github.com/nimbusctl/nimbusctl/pkg/nimbus"
)

func TestAddressDomain(t *testing.T) {
	for in, want := range map[string]string{
		"bob@contoso.com":                  "contoso.com",
		" Bob@Contoso.COM ":                "contoso.com",
		"sip:bob@eu.contoso.com":           "eu.contoso.com",
		"a@b@contoso.com.":                 "contoso.com",
		"8:orgid:1234":                     "",
		"bob@localhost":                    "",
		"bob@contoso.com;tag=x":            "",
		"":                                 "",
		"bob@-contoso.com":                 "",
		"x_y#EXT#@contoso.onmicrosoft.com": "contoso.onmicrosoft.com",
	} {
		if got := addressDomain(in); got != want {
			t.Errorf("addressDomain(%q) = %q, want %q", in, got, want)
		}
	}
}

// colleague matches a domain and its subdomains, never a look-alike or a parent domain, and
// the agent by object id only when the event names one.
func TestColleague(t *testing.T) {
	r := &AfterCall{internal: []internalDomain{{"fabrikam.example", "--internal-domain"}}}
	ev := nimbus.TaskEventData{ServiceUPN: "support@eu.contoso.com", LastConnectedUserEmail: "anna@contoso.ch"}
	for upn, want := range map[string]bool{
		"x@eu.contoso.com":         true,
		"x@de.eu.contoso.com":      true,
		"x@contoso.com":            false, // the service's parent domain is not the service's
		"x@noteu.contoso.com":      false,
		"x@contoso.ch":             true,
		"x@contoso.ch.evil.io":     false,
		"x@sales.fabrikam.example": true,
		"x@fabrikam.example.org":   false,
		"+41445550200":             false,
	} {
		if _, got := r.colleague(ev, "caller", upn); got != want {
			t.Errorf("%s: colleague %v, want %v", upn, got, want)
		}
	}
	// No agent id in the event: an empty caller id is not the agent.
	if _, got := r.colleague(nimbus.TaskEventData{}, "caller", ""); got {
		t.Error("an event without ids or addresses is internal")
	}
	out, got := r.colleague(nimbus.TaskEventData{LastConnectedUserID: "ID-1", MicrosoftDestinationID: "id-1"}, "destination", "")
	if !got || out.Result != "skipped:internal" || out.Detail != "the destination is the agent who took the call (microsoftDestinationId is lastConnectedUserId)" {
		t.Errorf("%v %+v", got, out)
	}
	// The caller's ids are not looked at for an outbound call's destination.
	if _, got := r.colleague(nimbus.TaskEventData{LastConnectedUserID: "ID-1", CallerID: "ID-1"}, "destination", ""); got {
		t.Error("the caller id decided an outbound call")
	}
}

// The check runs once per call end, batch or live.
func BenchmarkColleague(b *testing.B) {
	r := &AfterCall{internal: []internalDomain{{"contoso.ch", "internal_domains"}, {"fabrikam.example", "--internal-domain"}}}
	ev := nimbus.TaskEventData{ServiceUPN: "support@contoso.com", LastConnectedUserUPN: "luca@contoso.onmicrosoft.com",
		LastConnectedUserEmail: "luca.rossi@contoso.com", LastConnectedUserID: "7d1f0c2e", CallerID: "caller-1"}
	for i := 0; i < b.N; i++ {
		if _, ok := r.colleague(ev, "caller", "chloe.dubois@customer.example"); ok {
			b.Fatal("a customer taken for a colleague")
		}
	}
}
