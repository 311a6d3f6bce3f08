// Package phone normalizes telephone numbers to E.164 (+<country><number>), which Nimbus
// destinations and nps.today respondents expect, by the rules of libphonenumber
// (github.com/nyaruka/phonenumbers): national formats, "(0)" trunk prefixes, extensions and
// the valid number ranges of each country.
package phone

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/nyaruka/phonenumbers"
)

// Error is a number that cannot be normalized. NoCountry marks a national number for which
// no country was given: the caller knows which setting supplies one.
type Error struct {
	Input     string
	Msg       string
	NoCountry bool
}

func (e *Error) Error() string { return fmt.Sprintf("%q %s", e.Input, e.Msg) }

// NoCountryHint is what a NoCountry error tells the user to do; callers append it where the
// setting applies (the profile's default_country).
const NoCountryHint = "write it with its country code, or set the country of national numbers: nimbusctl config set default_country +41 (your country's code)"

// Normalize turns what people type into E.164:
//
//	"+41 44 555 12 34"    -> "+41445551234"
//	"0041 44 555 12 34"   -> "+41445551234"
//	"+41 (0)44 555 12 34" -> "+41445551234"
//	"044 555 12 34"       -> "+41445551234" with defaultCountry "+41"
//
// defaultCountry ("+41", or "" for none) is the country of numbers written without a country
// code; a national number without one is an error (Error.NoCountry). A number that is not a
// valid number of its country, or that carries an extension (which E.164 cannot), is an
// error too.
func Normalize(s, defaultCountry string) (string, error) {
	raw := strings.TrimSpace(visible(s))
	if raw == "" {
		return "", &Error{Input: s, Msg: "is empty: not a phone number"}
	}
	// Most files hold international numbers already: they take a short path that gives
	// exactly what the library's Parse would, at a fraction of its cost.
	if digits, ok := plainInternational(raw); ok {
		if e164, ok := fastE164(digits); ok {
			return e164, nil
		}
	}
	region := ""
	if defaultCountry != "" {
		cc, r, err := callingCode(defaultCountry)
		if err != nil {
			return "", err
		}
		region = r
		if digits, ok := plainNational(raw); ok {
			if e164, ok := fastNational(digits, cc); ok {
				return e164, nil
			}
		}
	} else if strings.HasPrefix(raw, "00") {
		raw = "+" + raw[2:] // the international prefix of most of the world
	}
	n, err := phonenumbers.Parse(raw, region)
	switch {
	case errors.Is(err, phonenumbers.ErrInvalidCountryCode) && region == "" && !strings.HasPrefix(raw, "+"):
		return "", &Error{Input: s, Msg: "has no country code, and no default_country is set: " + NoCountryHint, NoCountry: true}
	case errors.Is(err, phonenumbers.ErrInvalidCountryCode):
		return "", &Error{Input: s, Msg: "has an unknown country code"}
	case err != nil && excelNumber(raw):
		return "", &Error{Input: s, Msg: "is not a phone number: Excel wrote it as a number (in scientific notation, with its leading 0 or + lost): format the column as Text in Excel and export it again"}
	case err != nil:
		return "", &Error{Input: s, Msg: "is not a phone number"}
	}
	if ext := n.GetExtension(); ext != "" {
		return "", &Error{Input: s, Msg: fmt.Sprintf("has an extension (%s), which cannot be dialled or stored in E.164: give the number without it", ext)}
	}
	cc := int(n.GetCountryCode())
	if !phonenumbers.IsValidNumber(n) {
		return "", &Error{Input: s, Msg: fmt.Sprintf("is not a valid phone number for %s (+%d)", phonenumbers.GetRegionCodeForCountryCode(cc), cc)}
	}
	return "+" + strconv.Itoa(cc) + phonenumbers.GetNationalSignificantNumber(n), nil
}

// visible drops the characters nobody sees that copying a number from Teams, Outlook or a
// web page brings along (direction marks, zero-width and soft-hyphen characters: Unicode's
// format class) and makes every kind of space a plain one (the narrow no-break space of
// French formatting), so that the number is read as it reads.
func visible(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		return s
	}
	return strings.Map(func(r rune) rune {
		switch {
		case unicode.Is(unicode.Cf, r):
			return -1
		case unicode.Is(unicode.Zs, r):
			return ' '
		}
		return r
	}, s)
}

// excelNumber recognizes what Excel makes of a phone number in a cell formatted as a number:
// 4.1791234567E+10 (a decimal comma in some locales).
func excelNumber(s string) bool {
	mant, exp, ok := strings.Cut(strings.ToUpper(s), "E+")
	if !ok || len(mant) < 3 || mant[1] != '.' && mant[1] != ',' || exp == "" {
		return false
	}
	digits := func(t string) bool { return strings.Trim(t, "0123456789") == "" }
	return digits(mant[:1]) && digits(mant[2:]) && digits(exp)
}

// Region is the ISO 3166 region of a country calling code written "+41" ("CH"); for codes
// several countries share, the main one ("+1" is "US").
func Region(code string) (string, error) {
	_, r, err := callingCode(code)
	return r, err
}

func callingCode(code string) (cc int, region string, err error) {
	digits, ok := strings.CutPrefix(strings.TrimSpace(code), "+")
	cc, err = strconv.Atoi(digits)
	if !ok || err != nil || cc <= 0 || digits[0] == '0' {
		return 0, "", fmt.Errorf("invalid country code %q: write it as + and the country calling code, e.g. +41, +49, +44", code)
	}
	region = phonenumbers.GetRegionCodeForCountryCode(cc)
	if region == phonenumbers.UNKNOWN_REGION {
		return 0, "", fmt.Errorf("invalid country code %q: no country has the calling code %d", code, cc)
	}
	return cc, region, nil
}

// IsE164 reports whether s is already in E.164 form (syntactically: + and 7 to 15 digits).
func IsE164(s string) bool {
	if len(s) < 8 || len(s) > 16 || s[0] != '+' || s[1] == '0' {
		return false
	}
	for _, r := range s[1:] {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// IsAddress reports whether a call destination is an address rather than a phone number: a
// UPN or SIP address (name@domain, sip:...) or another URI-like id (scheme:...), but not tel:.
func IsAddress(s string) bool {
	s = strings.TrimSpace(s)
	if strings.Contains(s, "@") {
		return true
	}
	scheme, _, ok := strings.Cut(s, ":")
	return ok && scheme != "" && !strings.EqualFold(scheme, "tel") && strings.IndexFunc(scheme, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9')
	}) < 0
}

// Destination normalizes a call destination: addresses (UPN, SIP, other URIs) are kept as
// given, phone numbers (with or without tel:) become E.164.
func Destination(s, defaultCountry string) (string, error) {
	s = strings.TrimSpace(s)
	if IsAddress(s) {
		return s, nil
	}
	if len(s) > 4 && strings.EqualFold(s[:4], "tel:") {
		s = s[4:]
	}
	return Normalize(s, defaultCountry)
}
