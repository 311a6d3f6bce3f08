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

// ParseDue reads --due into the API's UTC form; a wall-clock time, and the days of a relative
// one (+1d), are read in DueZone (--tz, the profile's timezone, or the machine's, which is then
// named on stderr).
func ParseDue(f *cmdutil.Factory, due, tz string) (string, time.Time, error) {
	loc, machine, err := DueZone(f, tz)
	if err != nil {
		return "", time.Time{}, err
	}
	t, err := nimbus.ParseDue(due, f.Now(), loc)
	if err != nil {
		return "", time.Time{}, cmdutil.FlagErrorf("--due: %v", err)
	}
	if machine != "" && nimbus.DependsOnZone(due) {
		f.IO.Warnf("%s", MachineZoneNote(machine))
	}
	return nimbus.FormatDue(t), t, nil
}

// RefusePast fails when a due time has passed, unless allow: the API would accept it and the
// call would start at once, and a call in progress can no longer be removed.
func RefusePast(f *cmdutil.Factory, due string, allow bool) error {
	t, err := time.Parse(time.RFC3339, due)
	if allow || err != nil || t.After(f.Now()) {
		return nil
	}
	return cmdutil.FlagErrorf("the due time %s has passed: the call would start at once and could no longer be removed; nothing was sent (pass --allow-past to schedule it anyway)", due)
}
