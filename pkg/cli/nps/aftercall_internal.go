package nps

import (
	"strings"

	"github.com/nimbusctl/nimbusctl/pkg/cli/cmdutil"
	"github.com/nimbusctl/nimbusctl/pkg/config"
	"github.com/nimbusctl/nimbusctl/pkg/nimbus"
)

// SkipInternal: the other party of the call is a colleague (a Teams call inside the tenant, a
// transfer between agents), not a customer.
const SkipInternal = "internal"

// internalDomain is a domain whose people are colleagues, and how the run knows it.
type internalDomain struct{ name, source string }

// internalDomains reads --internal-domain and the profile's internal_domains: the domains
// the events cannot tell (a sister company's, the tenant's other domains).
func (a *AfterCallFlags) internalDomains(f *cmdutil.Factory) ([]internalDomain, error) {
	var out []internalDomain
	for _, v := range a.internal {
		// A list as the setting takes it; a value with nothing in it is a mistake (an unset
		// variable), not "no domain".
		for _, item := range strings.Split(v, ",") {
			d, ok := config.Domain(item)
			if !ok && (strings.TrimSpace(item) != "" || strings.TrimSpace(v) == "") {
				return nil, cmdutil.FlagErrorf("--internal-domain: %q is not a domain name (e.g. contoso.com)", strings.TrimSpace(item))
			}
			if ok {
				out = append(out, internalDomain{d, "--internal-domain"})
			}
		}
	}
	p, err := f.Profile()
	if err != nil {
		return nil, err
	}
	ds, err := config.ParseDomains(p.Get("internal_domains")) // checked when the profile was read
	if err != nil {
		return nil, err
	}
	source := "internal_domains"
	if src := p.Source(source); strings.HasPrefix(src, "env ") {
		source = strings.TrimPrefix(src, "env ")
	}
	for _, d := range ds {
		out = append(out, internalDomain{d, source})
	}
	return out, nil
}

// colleague reports a call whose other party — the caller of an inbound call, the
// destination of an outbound one (who) — is one of your own people: the agent who took the
// call (same Entra object id), or an address at the domain of the event's service or agent,
// or at a domain the admin named. Nobody is surveyed about a call with a colleague. A phone
// number alone cannot tell (the event carries the service's number, never the agent's).
func (r *AfterCall) colleague(ev nimbus.TaskEventData, who, upn string) (Outcome, bool) {
	ids := [][2]string{{"callerId", ev.CallerID}, {"microsoftCallerId", ev.MicrosoftCallerID}}
	if who == "destination" {
		ids = [][2]string{{"destinationId", ev.DestinationID}, {"microsoftDestinationId", ev.MicrosoftDestinationID}}
	}
	if agent := strings.TrimSpace(ev.LastConnectedUserID); agent != "" {
		for _, id := range ids {
			if strings.EqualFold(strings.TrimSpace(id[1]), agent) {
				return skipped(ev, SkipInternal, "the %s is the agent who took the call (%s is lastConnectedUserId)", who, id[0]), true
			}
		}
	}
	dom := addressDomain(upn)
	if dom == "" {
		return Outcome{}, false
	}
	known := []internalDomain{
		{addressDomain(ev.ServiceUPN), "the service's domain (serviceUPN)"},
		{addressDomain(ev.LastConnectedUserUPN), "the agent's domain (LastConnectedUserUPN)"},
		{addressDomain(ev.LastConnectedUserEmail), "the agent's domain (LastConnectedUserEmail)"},
	}
	for _, d := range r.internal {
		known = append(known, internalDomain{d.name, "an internal domain (" + d.source + ")"})
	}
	for _, d := range known {
		if d.name != "" && (dom == d.name || strings.HasSuffix(dom, "."+d.name)) {
			return skipped(ev, SkipInternal, "%s %s is a colleague: %s is %s", who, strings.TrimSpace(upn), d.name, d.source), true
		}
	}
	return Outcome{}, false
}

// addressDomain is the lower-cased domain of an e-mail address, UPN or SIP address
// ("sip:bob@contoso.com"), or "" when s has none.
func addressDomain(s string) string {
	i := strings.LastIndexByte(s, '@')
	if i < 0 {
		return ""
	}
	d, ok := config.Domain(s[i+1:])
	if !ok {
		return ""
	}
	return d
}
