package sandbox

import (
	"encoding/json"
	"testing"

	"github.com/nimbusctl/nimbusctl/pkg/emulator"
)

// TestControlBodiesMatchTheEmulator: `sandbox call` declares the control endpoint's bodies
// itself (nimbusctl does not load the emulator); they must read as the emulator's.
func TestControlBodiesMatchTheEmulator(t *testing.T) {
	same := func(name string, ours, theirs any) {
		a, _ := json.Marshal(ours)
		b, _ := json.Marshal(theirs)
		if string(a) != string(b) {
			t.Errorf("%s: ours %s, emulator's %s", name, a, b)
		}
	}
	same("call", controlCall{"s@x", "Inbound", "+41", true, "+42", "a@x", 5},
		emulator.ControlCall{Service: "s@x", Direction: "Inbound", Caller: "+41", Anonymous: true, Destination: "+42", Agent: "a@x", TalkSeconds: 5})
	same("empty call", controlCall{}, emulator.ControlCall{})
	same("outcome", controlOutcome{"a@x", 7}, emulator.ControlOutcome{Agent: "a@x", TalkSeconds: 7})
	if controlPrefix != emulator.ControlPrefix {
		t.Errorf("prefix %q, emulator's %q", controlPrefix, emulator.ControlPrefix)
	}
}
