package output

import (
	"fmt"
	"time"
)

// Plural is "1 row", "2 rows".
func Plural(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}

// Elapsed is a run's duration as a person reads it: to the millisecond below a second
// ("340ms"), to the tenth of a second above ("1.2s", "3m27.1s").
func Elapsed(d time.Duration) string {
	if d.Round(time.Millisecond) < time.Second {
		return d.Round(time.Millisecond).String()
	}
	return d.Round(100 * time.Millisecond).String()
}
