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
