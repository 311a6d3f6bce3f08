package config

import (
	"fmt"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/nimbusctl/nimbusctl/pkg/httpx"
	"github.com/nimbusctl/nimbusctl/pkg/phone"
)

// Region is one of the connector's seven locations (nimbus.connector.apiProperties.json).
type Region struct {
	Name     string // short name used on the command line
	Label    string // as the connector shows it
	Endpoint string // connector API base URL
	OData    string // reporting OData base URL
	Country  string // calling code of national phone numbers, where the location implies one
}

// Regions lists the connector's locations. The OData hosts follow the pattern Luware documents
// for ch-01 and ch-02 (api.<cluster>.luware.cloud/v1/odata); for the other five the host is an
// inference: set odata_url when yours differs. A region in one country implies the country of
// national phone numbers (default_country); eu-01 and innovator imply none.
var Regions = []Region{
	{"ch-01", "Switzerland 01", "https://api.luware.cloud", "https://api.ch-01.luware.cloud/v1/odata", "+41"},
	{"ch-02", "Switzerland 02", "https://api.ch-02.luware.cloud", "https://api.ch-02.luware.cloud/v1/odata", "+41"},
	{"de-01", "Germany 01", "https://api.de-01.luware.cloud", "https://api.de-01.luware.cloud/v1/odata", "+49"},
	{"de-02", "Germany 02", "https://api.de-02.luware.cloud", "https://api.de-02.luware.cloud/v1/odata", "+49"},
	{"uk-01", "United Kingdom 01", "https://api.uk-01.luware.cloud", "https://api.uk-01.luware.cloud/v1/odata", "+44"},
	{"eu-01", "Europe 01", "https://api.eu-01.luware.cloud", "https://api.eu-01.luware.cloud/v1/odata", ""},
	{"innovator", "Innovator 01", "https://api.innovator.luware.cloud", "https://api.innovator.luware.cloud/v1/odata", ""},
}

// FindRegion looks a region up by short name.
func FindRegion(name string) (Region, bool) {
	for _, r := range Regions {
		if strings.EqualFold(r.Name, name) {
			return r, true
		}
	}
	return Region{}, false
}

func regionNames() []string {
	names := make([]string, len(Regions))
	for i, r := range Regions {
		names[i] = r.Name
	}
	return names
}

// Well-known Entra application ids.
const (
	ConnectorAppID = "23694b6c-5a4a-45ce-9c6a-37c5f1880d4e" // "Luware Nimbus for Microsoft Teams"
	ODataAppID     = "898a7352-9216-4ca8-a485-7d8f3903f598" // "Nimbus Odata Login"
)

// Key describes one profile setting.
type Key struct {
	Name        string
	Default     string
	Description string
	Check       func(string) error
}

// Env is the environment variable that overrides the key.
func (k Key) Env() string { return "NIMBUSCTL_" + strings.ToUpper(k.Name) }

// Keys are every setting a profile can hold. Secrets are deliberately absent: they come from
// the environment or 0600 files, never from config.yaml.
var Keys = []Key{
	{Name: "region", Description: "Nimbus location of your tenant (required, as the connector's Location, unless endpoint is set): " + strings.Join(regionNames(), ", "), Check: checkRegion},
	{Name: "endpoint", Description: "Nimbus connector API base URL; overrides region", Check: checkURL},
	{Name: "tenant", Default: "organizations", Description: "Entra ID tenant (id or domain)"},
	{Name: "client_id", Description: "your Entra app registration (public client flows enabled)"},
	{Name: "authority", Default: "https://login.microsoftonline.com", Description: "Entra ID authority host", Check: checkURL},
	{Name: "scopes", Default: ConnectorAppID + "/.default", Description: "scopes for the connector API (comma-separated)"},
	{Name: "odata_url", Description: "reporting OData feed base URL; default derived from region", Check: checkURL},
	{Name: "odata_scopes", Default: ODataAppID + "/.default", Description: "scopes for the OData feed (comma-separated)"},
	{Name: "npstoday_url", Default: "https://api.nps.today", Description: "nps.today API base URL", Check: checkURL},
	{Name: "npstoday_auth_scheme", Default: "raw", Description: "how the nps.today key is sent: raw, bearer or basic", Check: checkScheme},
	{Name: "nimbus_rate", Default: "100/60s", Description: "call rate to Nimbus: N/PERIOD or auto", Check: checkRate},
	{Name: "npstoday_rate", Default: "10/s", Description: "call rate to nps.today: N/PERIOD or auto", Check: checkRate},
	{Name: "odata_rate", Default: "5/s", Description: "call rate to the OData feed: N/PERIOD or auto", Check: checkRate},
	{Name: "odata_session_set", Description: "OData entity set of the sessions; default discovered (nimbusctl codes mapping)", Check: checkODataName},
	{Name: "odata_session_time", Description: "start-time property of the sessions (Edm.DateTimeOffset); default StartedAt, or the one named Start…", Check: checkODataName},
	{Name: "odata_service_set", Description: "OData entity set of the services (id and name); default discovered", Check: checkODataName},
	{Name: "odata_user_set", Description: "OData entity set of the users (id and UPN); default discovered", Check: checkODataName},
	{Name: "odata_ou_set", Description: "OData entity set of the organization units (id and name); default discovered", Check: checkODataName},
	{Name: "odata_user_link", Description: "session property naming the user, or SET.PROPERTY of a set joining sessions to users; default discovered", Check: checkODataLink},
	{Name: "odata_codes_delimiter", Description: "delimiter of codes joined in one string (e.g. ;); default detected from the data", Check: checkDelimiter},
	{Name: "odata_code_name", Description: "property that names a code entity, where codes are navigations; default discovered", Check: checkODataName},
	{Name: "max_retries", Default: "4", Description: "retries after a 5xx or a network error (0-10); a 429 with Retry-After is waited out without using one; see docs/exit-codes.md", Check: checkRetries},
	{Name: "request_timeout", Default: "60s", Description: "timeout of one HTTP attempt", Check: checkDuration},
	{Name: "ca_file", Description: "extra CA certificates (PEM) to trust, e.g. the sandbox's"},
	{Name: "default_country", Description: "country code of phone numbers written without one, e.g. +41 (default: from the region: ch-01, ch-02 +41; de-01, de-02 +49; uk-01 +44; else none, and national numbers are refused)", Check: checkCountry},
	{Name: "internal_domains", Description: "e-mail domains of your own people, comma-separated (e.g. contoso.com,contoso.ch): nps survey after-call never surveys a caller or destination there; the domains of the event's service and agent count without it", Check: checkDomains},
	{Name: "timezone", Description: "IANA time zone of wall-clock due times, e.g. Europe/Zurich (default: the machine's zone)", Check: checkZone},
	{Name: "username", Description: "account to use when the token cache holds several"},
	{Name: "token_storage", Default: "keyring", Description: "where tokens are kept: keyring (an encrypted file whose key is in the OS keyring; a 0600 file where no keyring answers) or file (a 0600 file)", Check: checkStorage},
}

// FindKey looks a key up by name.
func FindKey(name string) (Key, bool) {
	name = strings.ToLower(strings.ReplaceAll(name, "-", "_"))
	for _, k := range Keys {
		if k.Name == name {
			return k, true
		}
	}
	return Key{}, false
}

// KeyNames lists the key names, sorted.
func KeyNames() []string {
	names := make([]string, len(Keys))
	for i, k := range Keys {
		names[i] = k.Name
	}
	sort.Strings(names)
	return names
}

func checkRegion(s string) error {
	if _, ok := FindRegion(s); !ok {
		return fmt.Errorf("unknown region %q: allowed: %s", s, strings.Join(regionNames(), ", "))
	}
	return nil
}

func checkURL(s string) error {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return fmt.Errorf("invalid URL %q: want https://host[/path]", s)
	}
	return httpx.CheckScheme(u)
}

func checkScheme(s string) error {
	switch strings.ToLower(s) {
	case "raw", "bearer", "basic":
		return nil
	}
	return fmt.Errorf("invalid auth scheme %q: allowed: raw, bearer, basic", s)
}

func checkStorage(s string) error {
	switch s {
	case "keyring", "file":
		return nil
	}
	return fmt.Errorf("invalid token storage %q: allowed: keyring, file", s)
}

func checkRate(s string) error {
	_, err := httpx.ParseRate(s, httpx.Rate{Count: 1, Per: time.Second})
	return err
}

func checkRetries(s string) error {
	var n int
	if _, err := fmt.Sscanf(s, "%d", &n); err != nil || n < 0 || n > 10 || fmt.Sprint(n) != s {
		return fmt.Errorf("invalid max_retries %q: want a whole number from 0 to 10", s)
	}
	return nil
}

func checkDuration(s string) error {
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return fmt.Errorf("invalid duration %q: e.g. 30s, 2m", s)
	}
	return nil
}

func checkCountry(s string) error {
	_, err := phone.Region(s)
	return err
}

func checkDomains(s string) error {
	_, err := ParseDomains(s)
	return err
}

// ParseDomains reads a comma-separated list of domain names (internal_domains), lower-cased;
// empty items are left out.
func ParseDomains(s string) ([]string, error) {
	var out []string
	for _, item := range strings.Split(s, ",") {
		if item = strings.TrimSpace(item); item == "" {
			continue
		}
		d, ok := Domain(item)
		if !ok {
			return nil, fmt.Errorf("invalid domain %q in a comma-separated list of domain names (e.g. contoso.com,contoso.ch)", item)
		}
		out = append(out, d)
	}
	return out, nil
}

// Domain checks a domain name (two labels at least, of letters, digits and inner hyphens)
// and returns it lower-cased.
func Domain(s string) (string, bool) {
	d := strings.ToLower(strings.TrimSuffix(strings.TrimSpace(s), "."))
	labels := strings.Split(d, ".")
	if len(d) > 253 || len(labels) < 2 {
		return "", false
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return "", false
		}
		for _, r := range l {
			if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
				return "", false
			}
		}
	}
	return d, true
}

func checkZone(s string) error {
	if _, err := time.LoadLocation(s); err != nil || s == "" {
		return fmt.Errorf("unknown time zone %q: use an IANA name such as Europe/Zurich", s)
	}
	return nil
}

// checkODataName accepts an OData identifier (letters, digits, underscores).
func checkODataName(s string) error {
	for i, r := range s {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || i > 0 && r >= '0' && r <= '9') {
			return fmt.Errorf("invalid OData name %q: letters, digits and underscores, not starting with a digit", s)
		}
	}
	return nil
}

// checkODataLink accepts PROPERTY or SET.PROPERTY.
func checkODataLink(s string) error {
	set, prop, join := strings.Cut(s, ".")
	if err := checkODataName(set); err != nil || set == "" {
		return fmt.Errorf("invalid user link %q: want PROPERTY or SET.PROPERTY", s)
	}
	if join {
		if err := checkODataName(prop); err != nil || prop == "" {
			return fmt.Errorf("invalid user link %q: want PROPERTY or SET.PROPERTY", s)
		}
	}
	return nil
}

// checkDelimiter accepts one to three characters that are not letters, digits or blanks.
func checkDelimiter(s string) error {
	n := 0
	for _, r := range s {
		n++
		if r == ' ' || r == '\t' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			n = 99
		}
	}
	if n < 1 || n > 3 {
		return fmt.Errorf("invalid codes delimiter %q: one to three characters, no letters, digits or blanks (e.g. ; | ,)", s)
	}
	return nil
}
