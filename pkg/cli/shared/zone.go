package shared

import (
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/nimbusctl/nimbusctl/pkg/cli/cmdutil"
)

// DueZone is the time zone wall-clock due times ("2026-12-01 09:30") are read in: --tz, else
// the profile's timezone, else the machine's. When it is the machine's, machine names it, for
// a note: a server's zone is rarely the one its users mean, so it is never used silently.
func DueZone(f *cmdutil.Factory, tz string) (loc *time.Location, machine string, err error) {
	if tz = strings.TrimSpace(tz); tz != "" {
		l, err := time.LoadLocation(tz)
		if err != nil || strings.EqualFold(tz, "local") {
			return nil, "", cmdutil.FlagErrorf("--tz: unknown time zone %q: use an IANA name such as Europe/Zurich", tz)
		}
		return l, "", nil
	}
	p, err := f.Profile()
	if err != nil {
		return nil, "", err
	}
	if name := p.Get("timezone"); name != "" {
		l, err := time.LoadLocation(name) // checked when the profile was read
		return l, "", err
	}
	return time.Local, MachineZone(), nil
}

// MachineZone names the machine's time zone: its IANA name where the system says it (TZ,
// /etc/localtime), else its abbreviation and offset now. TZ set to nothing is UTC, as Go
// (and libc) read it, whatever /etc/localtime says.
func MachineZone() string {
	if tz, set := os.LookupEnv("TZ"); set {
		if tz = strings.TrimPrefix(tz, ":"); tz != "" {
			return tz
		}
		return "UTC"
	}
	if target, err := os.Readlink("/etc/localtime"); err == nil {
		if _, name, ok := strings.Cut(target, "zoneinfo/"); ok {
			return name
		}
	}
	abbr, off := time.Now().Zone()
	return fmt.Sprintf("%s (UTC%+03d:%02d)", abbr, off/3600, abs(off%3600)/60)
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// MachineZoneNote is what a command says when it read a due time in the machine's zone: a
// wall-clock time, or the days of a relative one.
func MachineZoneNote(zone string) string {
	return fmt.Sprintf("wall-clock due times and days (+1d) are read in %s, this machine's time zone (set --tz, or the profile's timezone: nimbusctl config set timezone Europe/Zurich)", zone)
}
