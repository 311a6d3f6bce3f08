package bulk

import (
	"fmt"

	"github.com/nimbusctl/nimbusctl/pkg/phone"
)

// otherCountry is a country a row names (an address's country, the customer's) that is not
// the profile's default_country. A number that row writes without its country code is then
// ambiguous: it may be that country's number or the default's, and both can be valid (a
// French 06… is also a Swiss number of Basel). Such a number is refused, never guessed.
type otherCountry struct {
	name, code string
}

// findOtherCountry looks at the row's cells mapped to a country field (isCountry) and returns
// the first one that names a country other than defaultCountry. Cells that name no country
// it knows are passed over.
func findOtherCountry(row Row, m *Mapping, isCountry func(field string) bool, defaultCountry string) (otherCountry, bool) {
	if defaultCountry == "" {
		return otherCountry{}, false // national numbers are refused anyway
	}
	for i, t := range m.Targets {
		if t.Field == "" || !isCountry(t.Field) || row.Cells[i] == "" {
			continue
		}
		if code, ok := phone.CountryCode(row.Cells[i]); ok && code != defaultCountry {
			return otherCountry{name: row.Cells[i], code: code}, true
		}
	}
	return otherCountry{}, false
}

// check refuses a number written without its country code.
func (o otherCountry) check(number, defaultCountry string) error {
	if !phone.IsNational(number, defaultCountry) {
		return nil
	}
	return fmt.Errorf("%q has no country code, and this row's country is %s (%s), not default_country %s: write the number with its country code", number, o.name, o.code, defaultCountry)
}
