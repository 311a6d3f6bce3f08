package nimbus

import (
	"testing"
	"time"
)

func TestParseDue(t *testing.T) {
	now := time.Date(2026, 11, 21, 10, 0, 0, 500, time.UTC)
	zurich, err := time.LoadLocation("Europe/Zurich")
	if err != nil {
		t.Skip("no tzdata:", err)
	}
	cases := map[string]string{
		"2026-12-01T09:30:00+01:00": "2026-12-01T08:30:00Z",
		"2026-12-01T08:30:00Z":      "2026-12-01T08:30:00Z",
		"+90m":                      "2026-11-21T11:30:00Z",
		"+2h":                       "2026-11-21T12:00:00Z",
		"+1d":                       "2026-11-22T10:00:00Z",
		"+1d2h30m":                  "2026-11-22T12:30:00Z",
		"2026-12-01 09:30":          "2026-12-01T08:30:00Z",
		"2026-07-01T09:30":          "2026-07-01T07:30:00Z",
		"2026-12-01 09:30:15":       "2026-12-01T08:30:15Z",
		"01.12.2026 09:30":          "2026-12-01T08:30:00Z", // Excel in de-CH and de-DE
		"1.12.2026 9:30":            "2026-12-01T08:30:00Z",
		"01.07.2026 09:30:15":       "2026-07-01T07:30:15Z",
	}
	for in, want := range cases {
		got, err := ParseDue(in, now, zurich)
		if err != nil || FormatDue(got) != want {
			t.Errorf("ParseDue(%q) = %s, %v; want %s", in, FormatDue(got), err, want)
		}
	}
	for _, bad := range []string{"", "tomorrow", "+x", "+-2h", "2026-13-01 09:00", "01.12.2026", "12/01/2026 09:30", "31.11.2026 09:30"} {
		if _, err := ParseDue(bad, now, zurich); err == nil {
			t.Errorf("ParseDue(%q) accepted", bad)
		}
	}
}

// A wall-clock time that the zone skips or repeats (the nights the clocks change) is refused:
// Go would quietly pick one instant, and a callback would ring an hour off.
func TestParseDueRefusesTimesTheClockChangeSkipsOrRepeats(t *testing.T) {
	now := time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)
	zurich, err := time.LoadLocation("Europe/Zurich")
	if err != nil {
		t.Skip("no tzdata:", err)
	}
	for in, want := range map[string]string{
		"2027-03-28 02:30": `"2027-03-28 02:30" does not exist in Europe/Zurich: the clocks go forward that night; write another time, or the time with its UTC offset`,
		"2027-03-28 02:00": `"2027-03-28 02:00" does not exist in Europe/Zurich: the clocks go forward that night; write another time, or the time with its UTC offset`,
		"2027-10-31 02:30": `"2027-10-31 02:30" happens twice in Europe/Zurich: the clocks go back that night; write it with its UTC offset: 2027-10-31T02:30:00+02:00 (the first) or 2027-10-31T02:30:00+01:00 (the second)`,
		"2027-10-31T02:00": `"2027-10-31T02:00" happens twice in Europe/Zurich: the clocks go back that night; write it with its UTC offset: 2027-10-31T02:00:00+02:00 (the first) or 2027-10-31T02:00:00+01:00 (the second)`,
	} {
		if got, err := ParseDue(in, now, zurich); err == nil || err.Error() != want {
			t.Errorf("ParseDue(%q) = %s, %v\nwant error %s", in, FormatDue(got), err, want)
		}
	}
	// Just outside the gap and the fold, and the same night written with an offset, are fine.
	for in, want := range map[string]string{
		"2027-03-28 01:59":          "2027-03-28T00:59:00Z",
		"2027-03-28 03:00":          "2027-03-28T01:00:00Z",
		"2027-10-31 01:59":          "2027-10-30T23:59:00Z",
		"2027-10-31 03:00":          "2027-10-31T02:00:00Z",
		"2027-10-31T02:30:00+01:00": "2027-10-31T01:30:00Z",
	} {
		if got, err := ParseDue(in, now, zurich); err != nil || FormatDue(got) != want {
			t.Errorf("ParseDue(%q) = %s, %v; want %s", in, FormatDue(got), err, want)
		}
	}
}

// Days are calendar days in the zone: "+1d" is tomorrow at the same wall-clock time, also
// across the nights the clocks change (a callback asked for "tomorrow, same time" rang an
// hour early or late with 24 h). Hours and minutes stay exact durations.
func TestParseDueDaysAreCalendarDaysInTheZone(t *testing.T) {
	zurich, err := time.LoadLocation("Europe/Zurich")
	if err != nil {
		t.Skip("no tzdata:", err)
	}
	at := func(s string) time.Time {
		t.Helper()
		v, err := time.ParseInLocation("2006-01-02 15:04", s, zurich)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, c := range []struct{ now, in, want string }{
		// Spring forward (2027-03-28, 02:00 → 03:00): 23 hours later is the same time.
		{"2027-03-27 09:00", "+1d", "2027-03-28T07:00:00Z"}, // 09:00 CEST
		{"2027-03-27 09:00", "+1d2h30m", "2027-03-28T09:30:00Z"},
		{"2027-03-25 09:00", "+7d", "2027-04-01T07:00:00Z"},
		{"2027-03-27 09:00", "+24h", "2027-03-28T08:00:00Z"}, // hours are exact: 10:00 CEST
		{"2027-03-28 01:30", "+2h", "2027-03-28T02:30:00Z"},  // 04:30 CEST, two hours later
		// Fall back (2027-10-31, 03:00 → 02:00): 25 hours later is the same time.
		{"2027-10-30 09:00", "+1d", "2027-10-31T08:00:00Z"}, // 09:00 CET, not 08:00
		{"2027-10-30 09:00", "+24h", "2027-10-31T07:00:00Z"},
		{"2027-10-29 18:15", "+3d", "2027-11-01T17:15:00Z"},
		// The same time tomorrow does not exist (the clocks skip it) or exists twice: the
		// instant 24 hours on, which is the one after the gap and the first of the two.
		{"2027-03-27 02:30", "+1d", "2027-03-28T01:30:00Z"}, // 03:30 CEST
		{"2027-10-30 02:30", "+1d", "2027-10-31T00:30:00Z"}, // 02:30 CEST, the first
		// No change in between: as before.
		{"2027-06-01 09:00", "+1d", "2027-06-02T07:00:00Z"},
	} {
		got, err := ParseDue(c.in, at(c.now), zurich)
		if err != nil || FormatDue(got) != c.want {
			t.Errorf("now %s %s: ParseDue(%q) = %s, %v; want %s", c.now, zurich, c.in, FormatDue(got), err, c.want)
		}
	}
	// A zone without changes: days are 24 hours.
	if got, _ := ParseDue("+1d", at("2027-10-30 09:00"), time.UTC); FormatDue(got) != "2027-10-31T07:00:00Z" {
		t.Errorf("UTC: +1d = %s", FormatDue(got))
	}
	for _, bad := range []string{"+-1d", "+1d-2h", "+d", "+1dd"} {
		if got, err := ParseDue(bad, at("2027-10-30 09:00"), zurich); err == nil {
			t.Errorf("ParseDue(%q) = %s, want an error", bad, FormatDue(got))
		}
	}
}

// A day count has a range that names itself: a huge one used to overflow the date into the
// past (a call that would ring at once) or past the year 9999 (refused as "not RFC 3339").
func TestParseDueDayCountHasARange(t *testing.T) {
	now := time.Date(2026, 11, 30, 16, 0, 0, 0, time.UTC)
	if got, err := ParseDue("+36500d", now, time.UTC); err != nil || FormatDue(got) != "2126-11-06T16:00:00Z" {
		t.Errorf("+36500d = %s, %v", FormatDue(got), err)
	}
	for _, bad := range []string{"+36501d", "+300000000d", "+9223372036854775807d", "+99999999999999999999d"} {
		got, err := ParseDue(bad, now, time.UTC)
		want := `invalid relative due time "` + bad + `": days must be a whole number from 0 to 36500 (e.g. +90m, +2h, +1d)`
		if err == nil || err.Error() != want {
			t.Errorf("ParseDue(%q) = %s, %v; want %s", bad, FormatDue(got), err, want)
		}
	}
}
