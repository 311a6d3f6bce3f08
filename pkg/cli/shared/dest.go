package shared

import (
	"strings"
	"time"

	"github.com/nimbusctl/nimbusctl/pkg/cli/cmdutil"
	"github.com/nimbusctl/nimbusctl/pkg/nimbus"
	"github.com/nimbusctl/nimbusctl/pkg/phone"
)

// IsAddress reports whether a destination is an address rather than a phone number: a UPN
// or SIP address (name@domain, sip:...) or another URI-like id (scheme:...), but not tel:.
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

// NormalizeDestination turns a phone-number destination into E.164, using the profile's
// default_country for numbers without a country code; SIP addresses, UPNs and other
// URI-like ids are kept as given. Anything else must be a valid phone number. flag names the
// flag in errors.
func NormalizeDestination(f *cmdutil.Factory, flag, dest string) (string, error) {
	dest = strings.TrimSpace(dest)
	if IsAddress(dest) {
		return dest, nil
	}
	p, err := f.Profile()
	if err != nil {
		return "", err
	}
	number := dest
	if len(number) > 4 && strings.EqualFold(number[:4], "tel:") {
		number = number[4:]
	}
	e164, err := phone.Normalize(number, p.Get("default_country"))
	if err != nil {
		return "", cmdutil.FlagErrorf("--%s: %v (or give a SIP address or UPN)", flag, err)
	}
	return e164, nil
}

// ParseDue reads --due (with the --tz zone for wall-clock times; "" means the local zone)
// into the API's UTC form.
func ParseDue(f *cmdutil.Factory, due, tz string) (string, time.Time, error) {
	loc := time.Local
	if tz != "" {
		l, err := time.LoadLocation(tz)
		if err != nil {
			return "", time.Time{}, cmdutil.FlagErrorf("--tz: unknown time zone %q: use an IANA name such as Europe/Zurich", tz)
		}
		loc = l
	}
	t, err := nimbus.ParseDue(due, f.Now(), loc)
	if err != nil {
		return "", time.Time{}, cmdutil.FlagErrorf("--due: %v", err)
	}
	return nimbus.FormatDue(t), t, nil
}
