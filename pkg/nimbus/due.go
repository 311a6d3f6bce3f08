package nimbus

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// DueLayout is how the API writes dueDateTimeUtc: RFC 3339 in UTC, whole seconds.
const DueLayout = "2006-01-02T15:04:05Z"

// FormatDue renders t for dueDateTimeUtc.
func FormatDue(t time.Time) string { return t.UTC().Format(DueLayout) }

// ParseDue reads a due time as people write it:
//   - RFC 3339 with any offset: 2026-12-01T09:30:00+01:00, 2026-12-01T08:30:00Z
//   - a relative time from now: +90m, +2h, +1d, +1d2h30m. Days are calendar days in loc:
//     +1d is tomorrow at the same wall-clock time, 23 or 25 hours ahead over the nights the
//     clocks change (what "call back tomorrow, same time" means); hours, minutes and seconds
//     are exact durations, added after the days
//   - a wall-clock time without offset, read in loc (the --tz zone): 2026-12-01 09:30,
//     2026-12-01T09:30, 2026-12-01 09:30:00, or as Excel writes it in de-CH: 01.12.2026 09:30
//
// loc nil is the machine's zone. The result is in UTC.
func ParseDue(s string, now time.Time, loc *time.Location) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, fmt.Errorf("empty due time")
	}
	if loc == nil {
		loc = time.Local
	}
	if strings.HasPrefix(s, "+") {
		days, d, err := parseRelative(s[1:])
		if err != nil {
			return time.Time{}, fmt.Errorf("invalid relative due time %q: %v (e.g. +90m, +2h, +1d)", s, err)
		}
		return addDays(now, days, loc).Add(d).UTC().Truncate(time.Second), nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), nil
	}
	// Day.month.year is how Excel writes a date and time in Switzerland, Germany and Austria;
	// with dots it is never month first. Slashes are (US), so they are not read.
	for _, layout := range []string{"2006-01-02 15:04", "2006-01-02T15:04", "2006-01-02 15:04:05", "2006-01-02T15:04:05", "2.1.2006 15:04", "2.1.2006 15:04:05"} {
		if wall, err := time.Parse(layout, s); err == nil {
			return inZone(s, wall, loc)
		}
	}
	return time.Time{}, fmt.Errorf("invalid due time %q: use RFC 3339 (2026-12-01T09:30:00+01:00), a local time (2026-12-01 09:30, zone from --tz) or a relative time (+2h, +1d)", s)
}

// inZone is the instant a wall-clock time (read as UTC) shows in loc. The nights the clocks
// change, a time may not exist (skipped when they go forward) or exist twice (when they go
// back): Go would pick one instant quietly, and a call would ring an hour off, so such a time
// is refused with the offsets that say which is meant.
func inZone(s string, wall time.Time, loc *time.Location) (time.Time, error) {
	found, n := instants(wall, loc)
	switch n {
	case 0:
		return time.Time{}, fmt.Errorf("%q does not exist in %s: the clocks go forward that night; write another time, or the time with its UTC offset", s, loc)
	case 2:
		first, second := found[0], found[1]
		return time.Time{}, fmt.Errorf("%q happens twice in %s: the clocks go back that night; write it with its UTC offset: %s (the first) or %s (the second)",
			s, loc, first.In(loc).Format(time.RFC3339), second.In(loc).Format(time.RFC3339))
	}
	return found[0].UTC(), nil
}

// instants are the n instants at which loc shows wall (a wall-clock time read as UTC),
// earliest first: one, none when the clocks skip it, two when they repeat it.
func instants(wall time.Time, loc *time.Location) (found [2]time.Time, n int) {
	// The offsets in force a day before and a day after: a time near a change is one of them.
	for _, probe := range [2]time.Time{wall.Add(-24 * time.Hour), wall.Add(24 * time.Hour)} {
		_, off := probe.In(loc).Zone()
		t := wall.Add(-time.Duration(off) * time.Second)
		if sameWallClock(t.In(loc), wall) && (n == 0 || !found[0].Equal(t)) {
			found[n] = t
			n++
		}
	}
	if n == 2 && found[1].Before(found[0]) {
		found[0], found[1] = found[1], found[0]
	}
	return found, n
}

// addDays is now plus days calendar days in loc, at the same wall-clock time. Where the
// clocks skip that time it is the instant after the gap, and where they repeat it the first
// of the two: in both cases where 24 hours a day would have landed, so that a command run
// in the night of a change still schedules its call, and never earlier than asked.
func addDays(now time.Time, days int, loc *time.Location) time.Time {
	if days == 0 {
		return now
	}
	local := now.In(loc)
	y, m, d := local.Date()
	wall := time.Date(y, m, d+days, local.Hour(), local.Minute(), local.Second(), local.Nanosecond(), time.UTC)
	if found, n := instants(wall, loc); n > 0 {
		return found[0]
	}
	// Skipped: read with the offset in force before the change, it falls after the gap.
	_, off := wall.Add(-24 * time.Hour).In(loc).Zone()
	return wall.Add(-time.Duration(off) * time.Second)
}

func sameWallClock(a, b time.Time) bool {
	ay, am, ad := a.Date()
	by, bm, bd := b.Date()
	return ay == by && am == bm && ad == bd && a.Hour() == b.Hour() && a.Minute() == b.Minute() && a.Second() == b.Second()
}

// DependsOnZone reports whether what ParseDue makes of s depends on the zone it is given: a
// wall-clock time, or a relative time with days (+1d). RFC 3339 carries its own offset, and
// +2h is two hours anywhere.
func DependsOnZone(s string) bool {
	s = strings.TrimSpace(s)
	if rel, ok := strings.CutPrefix(s, "+"); ok {
		return strings.ContainsRune(rel, 'd')
	}
	_, err := time.Parse(time.RFC3339, s)
	return err != nil
}

// MaxDueDays bounds the days of a relative due time: a century ahead is no callback anyone
// means, and a larger count would carry the date past the year 9999 or overflow it into the
// past (a call that rings at once).
const MaxDueDays = 36500

// parseRelative reads what follows the "+": an optional whole number of days, then a Go
// duration: "1d2h", "3d", "90m".
func parseRelative(s string) (days int, d time.Duration, err error) {
	if i := strings.IndexByte(s, 'd'); i >= 0 {
		if days, err = strconv.Atoi(s[:i]); err != nil || days < 0 || days > MaxDueDays || strings.HasPrefix(s, "+") {
			return 0, 0, fmt.Errorf("days must be a whole number from 0 to %d", MaxDueDays)
		}
		if s = s[i+1:]; s == "" {
			return days, 0, nil
		}
	}
	if d, err = time.ParseDuration(s); err != nil {
		return 0, 0, err
	}
	if d < 0 {
		return 0, 0, fmt.Errorf("negative")
	}
	return days, d, nil
}
