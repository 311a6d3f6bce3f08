package phone

import (
	"regexp"
	"strconv"
	"sync"

	"github.com/nyaruka/phonenumbers"
)

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
	if p, ok := nationalPrefix(cc); !ok || p != nil && p.MatchString(national) {
		return "", false
	}
	nn, err := strconv.ParseUint(national, 10, 64)
	if err != nil {
		return "", false
	}
	cc32 := int32(cc)
	if !phonenumbers.IsValidNumber(&phonenumbers.PhoneNumber{CountryCode: &cc32, NationalNumber: &nn}) {
		return "", false
	}
	return "+" + digits, true
}

var (
	prefixOnce sync.Once
	prefixes   map[int]*regexp.Regexp // nil: the metadata could not be read, no short path
)

// nationalPrefix is the pattern Parse strips from the start of a country's national numbers
// (national_prefix_for_parsing of the country's main region), nil when it has none. Built on
// first use from the library's own metadata: nothing at program start. ok is false when
// the metadata cannot be read.
func nationalPrefix(cc int) (p *regexp.Regexp, ok bool) {
	prefixOnce.Do(func() {
		coll, err := phonenumbers.MetadataCollection()
		if err != nil {
			return
		}
		m := map[int]*regexp.Regexp{}
		for _, md := range coll.GetMetadata() {
			code := int(md.GetCountryCode())
			// Parse reads a number by the metadata of its code's main region (001 for
			// non-geographic codes such as +800).
			if md.GetId() != phonenumbers.GetRegionCodeForCountryCode(code) {
				continue
			}
			if p := md.GetNationalPrefixForParsing(); p != "" {
				m[code] = regexp.MustCompile("^(?:" + p + ")")
			}
		}
		prefixes = m
	})
	return prefixes[cc], prefixes != nil
}
