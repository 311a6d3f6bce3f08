package output

import (
	"testing"
	"time"
)

func TestPlural(t *testing.T) {
	for n, want := range map[int]string{0: "0 rows", 1: "1 row", 2: "2 rows", -1: "-1 rows"} {
		if got := Plural(n, "row", "rows"); got != want {
			t.Errorf("Plural(%d) = %q, want %q", n, got, want)
		}
	}
}

// Elapsed rounds a run's time to what a person reads: milliseconds below a second, tenths of
// a second above (1.234567s was printed as it came).
func TestElapsed(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0:                                      "0s",
		400 * time.Microsecond:                 "0s",
		340*time.Millisecond + 123456:          "340ms",
		999*time.Millisecond + 600000:          "1s",
		1234567 * time.Microsecond:             "1.2s",
		59*time.Second + 960*time.Millisecond:  "1m0s",
		207*time.Second + 123*time.Millisecond: "3m27.1s",
		2*time.Hour + 5*time.Second + 49*time.Millisecond: "2h0m5s",
	} {
		if got := Elapsed(d); got != want {
			t.Errorf("Elapsed(%s) = %q, want %q", d, got, want)
		}
	}
}
