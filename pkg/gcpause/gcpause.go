// Package gcpause holds Go's garbage collector off while a program starts, and gives the
// program's own setting (GOGC, 100 by default) back when Resume is called.
//
// nimbusctl's libraries allocate about 4 MB while they initialise, most of it the phone-number
// metadata (github.com/nyaruka/phonenumbers, loaded eagerly). That is just over the 4 MB the
// collector lets a program reach before its first cycle, so every start paid for a cycle
// (about 2 ms of CPU, and threads woken on the other core) that `nimbusctl version` or
// `--help` never needed: what it collects is garbage of a process about to exit.
//
// Importing this package pauses the collector before any library initialises: it imports
// nothing that has to be initialised first, so Go's initialisation order (lexical, among the
// packages whose imports are done) runs it among the first. runtime/debug cannot be used for
// that: it sorts after every github.com package, so whatever imports it runs after them.
// The pause is therefore the runtime's own setGCPercent, the function behind
// debug.SetGCPercent (TestResumeRestoresTheSetting checks that the two agree).
//
// A memory limit (GOMEMLIMIT) still applies while paused. Import this package only from a
// program's main package: a test binary that links it without calling Resume would run
// without a collector.
package gcpause

import (
	"sync/atomic"
	_ "unsafe" // go:linkname
)

//go:linkname setGCPercent runtime/debug.setGCPercent
func setGCPercent(percent int32) (previous int32)

var (
	setting int32       // the program's own setting, from GOGC
	resumed atomic.Bool // Resume has run
)

func init() {
	setting = setGCPercent(-1)
}

// Resume gives the collector its setting back; calls after the first do nothing.
func Resume() {
	if resumed.CompareAndSwap(false, true) {
		setGCPercent(setting)
	}
}
