// Package gcpause holds Go's garbage collector off while a program starts, and gives the
// program its own setting (GOGC, 100 by default) back when Resume is called.
//
// nimbusctl's libraries allocate about 4.5 MB while they initialise, most of it the
// phone-number metadata (github.com/nyaruka/phonenumbers, loaded eagerly, a third of it
// garbage by the end). That is over the 4 MB the collector lets a program reach before its
// first cycle, so every start paid for a cycle (1–2 ms of CPU, and threads woken on the
// other core) that `nimbusctl version` or `--help` never needed.
//
// Importing this package pauses the collector before any library initialises. Go initialises
// packages in lexical order among those whose imports are done, so this package imports only
// what is ready among the very first (the runtime, and runtime/metrics, which needs nothing
// else). runtime/debug is not: it waits for fmt and os, and then sorts after every github.com
// package, so whatever imports it runs after them. The pause is therefore the runtime's own
// setGCPercent, the function behind debug.SetGCPercent (TestResumeRestoresTheSetting checks
// that the two agree; TestStartsWithoutACollection in cmd/nimbusctl, the order).
//
// A memory limit (GOMEMLIMIT) still applies while paused. Import this package only from a
// program's main package: a test binary that links it without calling Resume would run
// without a collector.
package gcpause

import (
	"runtime"
	"runtime/metrics"
	"sync/atomic"
	_ "unsafe" // go:linkname
)

//go:linkname setGCPercent runtime/debug.setGCPercent
func setGCPercent(percent int32) (previous int32)

// firstGoal is the heap the collector allows before its first cycle at GOGC=100 (the
// runtime's minimum heap goal, which scales with GOGC).
const firstGoal = 4 << 20

var (
	setting int32       // the program's own setting, from GOGC
	resumed atomic.Bool // Resume has run
)

func init() {
	setting = setGCPercent(-1)
}

// Resume gives the collector back: from now on a program that allocates gets its first
// cycle once its heap has grown by the first cycle's usual allowance (4 MB at GOGC=100)
// past what initialisation left, and the program's own setting from the end of that cycle
// on. Restoring the setting at once would start a cycle at the next allocation of any
// command, the heap being over the first goal already. Calls after the first do nothing.
func Resume() {
	if !resumed.CompareAndSwap(false, true) {
		return
	}
	if setting <= 0 { // GOGC=off, or 0 (collect all the time): nothing to make room for
		setGCPercent(setting)
		return
	}
	heap := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(heap)
	room := setting + int32(min(heap[0].Value.Uint64()*100/firstGoal, 1<<20))
	setGCPercent(room)
	runtime.AddCleanup(new(sentinel), endRoom, room)
}

// endRoom gives the setting back after the first cycle, unless the program has chosen
// another since (bulk imports run at 50%).
func endRoom(room int32) {
	if chosen := setGCPercent(setting); chosen != room {
		setGCPercent(chosen)
	}
}

// sentinel is unreachable from the start: its cleanup runs after the first cycle. (Holding
// a pointer keeps it out of the tiny allocator, whose objects may never be cleaned up.)
type sentinel struct {
	_ *sentinel
	_ [24]byte
}
