package shared

import (
	"strings"
	"time"

	"github.com/nimbusctl/nimbusctl/pkg/cli/cmdutil"
	"github.com/nimbusctl/nimbusctl/pkg/nimbus"
	"github.com/nimbusctl/nimbusctl/pkg/phone"
)

// IsAddress reports whether a destination is a UPN, SIP address or other URI-like id.
func IsAddress(s string) bool { return phone.IsAddress(s) }

// NormalizeDestination turns a phone-number destination into E.164, using the profile's
// default_country for numbers without a country code; SIP addresses, UPNs and other
// URI-like ids are kept as given. flag names the flag in errors.
func NormalizeDestination(f *cmdutil.Factory, flag, dest string) (string, error) {
	if IsAddress(dest) {
		return strings.TrimSpace(dest), nil
	}
	p, err := f.Profile()
	if err != nil {
		return "", err
	}
	e164, err := phone.Destination(dest, p.Get("default_country"))
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
