package shared

import (
	"strings"
	"time"

	"github.com/nimbusctl/nimbusctl/pkg/cli/cmdutil"
	"github.com/nimbusctl/nimbusctl/pkg/nimbus"
	"github.com/nimbusctl/nimbusctl/pkg/phone"
)

// LooksLikePhone reports whether a destination is a telephone number (digits with the usual
// separators, optionally tel:-prefixed) rather than a SIP address or UPN.
func LooksLikePhone(s string) bool {
	s = strings.TrimPrefix(strings.TrimSpace(s), "tel:")
	digits := 0
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case strings.ContainsRune("+ -./()\u00a0", r):
		default:
			return false
		}
	}
	return digits > 0
}

// NormalizeDestination turns a phone-number destination into E.164, using the profile's
// default_country for numbers without a country code; SIP addresses and UPNs are kept as
// given. flag names the flag in errors.
func NormalizeDestination(f *cmdutil.Factory, flag, dest string) (string, error) {
	dest = strings.TrimSpace(dest)
	if !LooksLikePhone(dest) {
		return dest, nil
	}
	p, err := f.Profile()
	if err != nil {
		return "", err
	}
	e164, err := phone.Normalize(strings.TrimPrefix(dest, "tel:"), p.Get("default_country"))
	if err != nil {
		return "", cmdutil.FlagErrorf("--%s: %v", flag, err)
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
