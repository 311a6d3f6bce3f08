package nimbus

import (
	"testing"
	"time"
)

// BenchmarkParseDue: a schedule import parses one due time per row, twice (validation, then
// apply).
func BenchmarkParseDue(b *testing.B) {
	zurich, err := time.LoadLocation("Europe/Zurich")
	if err != nil {
		b.Skip("no tzdata:", err)
	}
	now := time.Date(2027, 10, 30, 9, 0, 0, 0, zurich)
	for _, in := range []string{"+26h", "+1d2h", "2027-12-01 09:30", "2027-12-01T09:30:00+01:00"} {
		b.Run(in, func(b *testing.B) {
			for b.Loop() {
				if _, err := ParseDue(in, now, zurich); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
