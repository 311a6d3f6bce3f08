package gcpause

import (
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"testing"
	"time"
)

// current reads the collector's setting without changing it.
func current() int {
	p := debug.SetGCPercent(-1)
	debug.SetGCPercent(p)
	return p
}

// gogc is the setting the runtime derives from GOGC.
func gogc() int {
	if v := os.Getenv("GOGC"); v == "off" {
		return -1
	} else if n, err := strconv.Atoi(v); err == nil {
		return n
	}
	return 100
}

// Resume is process-wide and works once, so one test walks through it.
func TestResumeRestoresTheSetting(t *testing.T) {
	if resumed.Load() {
		t.Skip("Resume ran in an earlier run of this test (-count)")
	}
	if got := current(); got != -1 {
		t.Fatalf("before Resume the collector runs at %d%%, want it paused (-1)", got)
	}
	if int(setting) != gogc() {
		t.Fatalf("the saved setting is %d%%, want GOGC's %d", setting, gogc())
	}

	ballast := make([]byte, 6<<20) // what initialisation leaves, and more
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	Resume()
	if gogc() <= 0 {
		if got := current(); got != gogc() {
			t.Fatalf("after Resume the collector runs at %d%%, want GOGC's %d", got, gogc())
		}
		return
	}
	// Until the first cycle, room for the heap initialisation left: the first cycle comes
	// once the heap has grown by the usual first goal past it, not at the next allocation.
	if got, want := current(), gogc()+int(m.HeapAlloc*100/firstGoal); got < want-5 || got > want+5 {
		t.Fatalf("after Resume over a %d MB heap the collector runs at %d%%, want about %d%% until the first cycle", m.HeapAlloc>>20, got, want)
	}
	runtime.KeepAlive(ballast)
	runtime.GC()
	for deadline := time.Now().Add(30 * time.Second); current() != gogc(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("after the first cycle the collector runs at %d%%, want GOGC's %d", current(), gogc())
		}
	}

	// Resume once: a later call must not undo a setting the program chose since.
	prev := debug.SetGCPercent(50)
	defer debug.SetGCPercent(prev)
	Resume()
	if got := current(); got != 50 {
		t.Fatalf("a second Resume changed the setting to %d%%, want 50", got)
	}
}

// The first cycle ends the room Resume made, not a setting the program chose meanwhile.
func TestEndRoomKeepsTheProgramsChoice(t *testing.T) {
	prev := debug.SetGCPercent(int(setting) + 300)
	defer debug.SetGCPercent(prev)
	endRoom(setting + 300)
	if got := current(); got != int(setting) {
		t.Errorf("after the first cycle the collector runs at %d%%, want the setting, %d", got, setting)
	}

	debug.SetGCPercent(50) // as bulk imports do
	endRoom(setting + 300)
	if got := current(); got != 50 {
		t.Errorf("after the first cycle the collector runs at %d%%, want the program's 50", got)
	}
}
