package phone

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/nyaruka/phonenumbers"
)

// plainNational returns the digits of a number written without a country code, in digits and
// the usual separators only.
func plainNational(s string) (string, bool) {
	if s == "" || s[0] < '0' || s[0] > '9' {
		return "", false
	}
	return plainInternational("+" + s)
}

// fastNational is fastE164 for a national number of the country with calling code cc, as
// Parse reads it with that country as the default: it declines whatever Parse would read as
// international (the country's international prefix, or its calling code in front), a
// national prefix with a transform rule, and an Italian leading zero.
func fastNational(digits string, cc int) (string, bool) {
	c := countryOf(cc)
	code := strconv.Itoa(cc)
	if c == nil || len(digits) < 3 || strings.HasPrefix(digits, code) {
		return "", false
	}
	if loc := c.idd.FindStringIndex(digits); loc != nil && loc[0] == 0 {
		return "", false
	}
	nsn := digits
	if c.prefix != nil {
		if m := c.prefix.FindStringSubmatchIndex(digits); m != nil {
			if c.transform != "" && m[len(m)-2] >= 0 {
				return "", false
			}
			nsn = digits[m[1]:]
		}
	}
	if len(nsn) < 2 || len(nsn) > 17 || nsn[0] == '0' || !c.valid(cc, nsn) {
		return "", false
	}
	return "+" + code + nsn, true
}

// plainInternational returns the digits of a number written "+" then digits and the usual
// separators (space, - . / and parentheses), the shape of most numbers in files. Anything
// else (letters, an extension, "00", a national number) goes through the full parser.
func plainInternational(s string) (string, bool) {
	if len(s) < 2 || s[0] != '+' {
		return "", false
	}
	var buf [24]byte
	digits := buf[:0]
	for i := 1; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			if len(digits) == cap(buf) {
				return "", false
			}
			digits = append(digits, c)
		case c == ' ' || c == '-' || c == '.' || c == '/' || c == '(' || c == ')':
		default:
			return "", false
		}
	}
	return string(digits), true
}

// fastE164 builds and validates the number of "+"+digits the way phonenumbers.Parse does,
// skipping the general-purpose scanning (extensions, punctuation, alternate digits) that
// such input does not need. It declines (false) every case where Parse would change the
// digits after the country code: a leading 0 (the "(0)" trunk prefix, Italian numbers) or a
// match of the country's national-prefix pattern; those, and invalid numbers, take the full
// path, so the result is always the one Parse would give.
func fastE164(digits string) (string, bool) {
	if len(digits) == 0 || digits[0] == '0' {
		return "", false
	}
	cc, national := 0, ""
	for i := 1; i <= 3 && i < len(digits); i++ {
		n, _ := strconv.Atoi(digits[:i])
		if phonenumbers.GetRegionCodeForCountryCode(n) != phonenumbers.UNKNOWN_REGION {
			cc, national = n, digits[i:]
			break
		}
	}
	// phonenumbers' MIN_LENGTH_FOR_NSN and MAX_LENGTH_FOR_NSN.
	if cc == 0 || len(national) < 2 || len(national) > 17 || national[0] == '0' {
		return "", false
	}
	c := countryOf(cc)
	if c == nil || c.prefix != nil && c.prefix.MatchString(national) {
		return "", false
	}
	if !c.valid(cc, national) {
		return "", false
	}
	return "+" + digits, true
}

// country is what the short path needs of a calling code's metadata (its main region's, as
// Parse reads it), compiled once: the national-prefix pattern Parse would strip, and the
// number descriptions a valid number matches.
type country struct {
	prefix    *regexp.Regexp // anchored at the start; nil: the country has none
	transform string         // national_prefix_transform_rule ("": none)
	idd       *regexp.Regexp // the international prefix, as Parse matches it
	general   numberDesc
	types     []numberDesc // nil: the code is shared by several regions, the library decides
}

// numberDesc is one of libphonenumber's number descriptions (fixed line, mobile, ...).
type numberDesc struct {
	lengths []int32
	pattern *regexp.Regexp // the national number pattern, anchored at both ends
}

func (d numberDesc) matches(nsn string) bool {
	if len(d.lengths) > 0 && !slices.Contains(d.lengths, int32(len(nsn))) {
		return false
	}
	return d.pattern.MatchString(nsn)
}

// valid is phonenumbers.IsValidNumber for a number of this country: the general description
// and one of the types match (getNumberTypeHelper is not UNKNOWN). The library builds and
// looks up every pattern string again on each call, which is most of its cost; here they
// are compiled once. Codes of several regions (+1, +7, +44 ...) go to the library, which
// first picks the region.
func (c *country) valid(cc int, nsn string) bool {
	if c.types == nil {
		nn, err := strconv.ParseUint(nsn, 10, 64)
		if err != nil {
			return false
		}
		cc32 := int32(cc)
		return phonenumbers.IsValidNumber(&phonenumbers.PhoneNumber{CountryCode: &cc32, NationalNumber: &nn})
	}
	if !c.general.matches(nsn) {
		return false
	}
	for _, d := range c.types {
		if d.matches(nsn) {
			return true
		}
	}
	return false
}

var (
	metaOnce  sync.Once
	metaByCC  map[int]*phonenumbers.PhoneMetadata // nil: unreadable, no short path
	countryMu sync.Mutex
	countries = map[int]*country{}
)

// countryOf compiles a calling code's country on first use: nothing at program start, and
// only the countries a file has. nil when the metadata cannot be read (no short path).
func countryOf(cc int) *country {
	metaOnce.Do(func() {
		coll, err := phonenumbers.MetadataCollection()
		if err != nil {
			return
		}
		m := map[int]*phonenumbers.PhoneMetadata{}
		for _, md := range coll.GetMetadata() {
			code := int(md.GetCountryCode())
			// Parse reads a number by the metadata of its code's main region (001 for
			// non-geographic codes such as +800).
			if md.GetId() == phonenumbers.GetRegionCodeForCountryCode(code) {
				m[code] = md
			}
		}
		metaByCC = m
	})
	md := metaByCC[cc]
	if md == nil {
		return nil
	}
	countryMu.Lock()
	defer countryMu.Unlock()
	if c, ok := countries[cc]; ok {
		return c
	}
	c, err := compileCountry(cc, md)
	if err != nil {
		c = nil
	}
	countries[cc] = c
	return c
}

func compileCountry(cc int, md *phonenumbers.PhoneMetadata) (*country, error) {
	c := &country{transform: md.GetNationalPrefixTransformRule()}
	idd, err := regexp.Compile(md.GetInternationalPrefix())
	if err != nil {
		return nil, err
	}
	c.idd = idd
	if p := md.GetNationalPrefixForParsing(); p != "" {
		re, err := regexp.Compile("^(?:" + p + ")")
		if err != nil {
			return nil, err
		}
		c.prefix = re
	}
	desc := func(d *phonenumbers.PhoneNumberDesc) (numberDesc, error) {
		re, err := regexp.Compile("^(?:" + d.GetNationalNumberPattern() + ")$")
		return numberDesc{lengths: d.GetPossibleLength(), pattern: re}, err
	}
	if c.general, err = desc(md.GetGeneralDesc()); err != nil {
		return nil, err
	}
	if len(phonenumbers.GetRegionCodesForCountryCode(cc)) > 1 {
		return c, nil
	}
	c.types = []numberDesc{}
	for _, d := range []*phonenumbers.PhoneNumberDesc{md.GetPremiumRate(), md.GetTollFree(), md.GetSharedCost(), md.GetVoip(),
		md.GetPersonalNumber(), md.GetPager(), md.GetUan(), md.GetVoicemail(), md.GetFixedLine(), md.GetMobile()} {
		if d == nil { // matches no number in the library either
			continue
		}
		nd, err := desc(d)
		if err != nil {
			return nil, err
		}
		c.types = append(c.types, nd)
	}
	return c, nil
}
