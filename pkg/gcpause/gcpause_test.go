package gcpause

import (
	"os"
	"runtime/debug"
	"strconv"
	"testing"
)

// current reads the collector's setting without changing it.
func current() int {
	p := debug.SetGCPercent(-1)
	debug.SetGCPercent(p)
	return p
}

// gogc is the setting the runtime derives from GOGC.
func gogc() int {
	switch v := os.Getenv("GOGC"); v {
	case "off":
		return -1
	default:
		if n, err := strconv.Atoi(v); err == nil {
			return n
		}
		return 100
	}
}

func TestResumeRestoresTheSetting(t *testing.T) {
	if !resumed.Load() { // false on the first run of this test in the process
		if got := current(); got != -1 {
			t.Fatalf("before Resume the collector runs at %d%%, want it paused (-1)", got)
		}
		Resume()
	}
	if got, want := current(), gogc(); got != want || int(setting) != want {
		t.Fatalf("after Resume the collector runs at %d%% (saved %d), want GOGC's %d", got, setting, want)
	}

	// Resume once: a later call must not undo a setting the program chose since.
	prev := debug.SetGCPercent(50)
	defer debug.SetGCPercent(prev)
	Resume()
	if got := current(); got != 50 {
		t.Fatalf("a second Resume changed the setting to %d%%, want 50", got)
	}
}
