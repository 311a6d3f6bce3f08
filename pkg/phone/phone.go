// Package phone normalizes telephone numbers to E.164 (+<country><number>, at most 15 digits),
// which Nimbus destinations and nps.today respondents expect.
package phone

import (
	"fmt"
	"strings"
)

// Normalize turns what people type into E.164:
//
//	"+41 44 555 12 34"  -> "+41445551234"
//	"0041 44 555 12 34" -> "+41445551234"
//	"044 555 12 34"     -> "+41445551234" with defaultCountry "+41" (the national 0 is dropped)
//	"(555) 123-4567"    -> "+15551234567" with defaultCountry "+1"
//
// defaultCountry ("+45") applies to numbers without a country code; nps.today uses +45 when
// nothing else is configured. Letters, a lone "+" or too few/many digits are errors.
func Normalize(s, defaultCountry string) (string, error) {
	raw := strings.TrimSpace(s)
	if raw == "" {
		return "", fmt.Errorf("empty phone number")
	}
	var digits strings.Builder
	plus := false
	for i, r := range raw {
		switch {
		case r >= '0' && r <= '9':
			digits.WriteRune(r)
		case r == '+' && i == 0:
			plus = true
		case strings.ContainsRune(" -./()\u00a0", r):
		default:
			return "", fmt.Errorf("%q is not a phone number: unexpected %q", s, r)
		}
	}
	d := digits.String()
	switch {
	case plus:
	case strings.HasPrefix(d, "00"):
		d = d[2:]
	default:
		cc := strings.TrimPrefix(defaultCountry, "+")
		if cc == "" {
			return "", fmt.Errorf("%q has no country code and no default country is set", s)
		}
		d = cc + strings.TrimPrefix(d, "0")
	}
	if len(d) < 7 || len(d) > 15 {
		return "", fmt.Errorf("%q is not a valid E.164 number: %d digits after the country code prefix, want 7 to 15", s, len(d))
	}
	if d[0] == '0' {
		return "", fmt.Errorf("%q is not a valid E.164 number: country codes do not start with 0", s)
	}
	return "+" + d, nil
}

// IsE164 reports whether s is already in E.164 form.
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
