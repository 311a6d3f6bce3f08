package phone

import (
	"strconv"
	"strings"
	"sync"

	"github.com/nyaruka/phonenumbers"
	"golang.org/x/text/language"
	"golang.org/x/text/language/display"
)

// CountryCode reads a country as address fields hold it — an ISO 3166 code ("CH", "CHE") or
// its name in English, German, French or Italian ("Switzerland", "Schweiz", "Suisse",
// "Svizzera") — and returns its calling code ("+41"). ok is false for text that names no
// country it knows: a city, a typo, an empty cell.
func CountryCode(name string) (string, bool) {
	countriesOnce.Do(loadCountries)
	code, ok := countryCodes[strings.ToLower(strings.TrimSpace(name))]
	return code, ok
}

var (
	countriesOnce sync.Once
	countryCodes  map[string]string
)

// loadCountries builds the name → calling code table on first use only: most runs never
// read a country, and start-up stays as it was.
func loadCountries() {
	countryCodes = map[string]string{}
	namers := []display.Namer{display.English.Regions(), display.German.Regions(), display.French.Regions(), display.Italian.Regions()}
	for region := range phonenumbers.GetSupportedRegions() {
		r, err := language.ParseRegion(region)
		if err != nil {
			continue
		}
		code := "+" + strconv.Itoa(phonenumbers.GetCountryCodeForRegion(region))
		add := func(name string) {
			if name = strings.ToLower(name); name != "" {
				countryCodes[name] = code
			}
		}
		add(region)
		add(r.ISO3())
		for _, n := range namers {
			add(n.Name(r))
		}
	}
	for alias, region := range map[string]string{"usa": "US", "uk": "GB", "great britain": "GB", "england": "GB"} {
		countryCodes[alias] = "+" + strconv.Itoa(phonenumbers.GetCountryCodeForRegion(region))
	}
}

// IsNational reports whether a number is written without its country code, so that
// defaultCountry ("+41") would be applied to it: "044 555 12 34" is, "+41 44 555 12 34" and
// "0041 44 555 12 34" are not. Text that is no number is not national (Normalize says why).
func IsNational(s, defaultCountry string) bool {
	raw := strings.TrimSpace(visible(s))
	if strings.HasPrefix(raw, "+") {
		return false
	}
	_, region, err := callingCode(defaultCountry)
	if err != nil {
		return !strings.HasPrefix(raw, "00")
	}
	n, err := phonenumbers.ParseAndKeepRawInput(raw, region)
	return err == nil && n.GetCountryCodeSource() == phonenumbers.PhoneNumber_FROM_DEFAULT_COUNTRY
}
