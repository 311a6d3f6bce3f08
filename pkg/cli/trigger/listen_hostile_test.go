package trigger_test

import (
	"strings"
	"testing"

	"github.com/nimbusctl/nimbusctl/pkg/cli/clitest"
	"github.com/nimbusctl/nimbusctl/pkg/emulator"
)

// The path token is the listener's credential: --debug traces the registration, whose body
// carries the event URL, without it.
func TestListenDebugTraceHidesThePathToken(t *testing.T) {
	t.Parallel()
	e := clitest.New(t)
	l := startListen(t, e, "--debug", "--register", "tasks", "--service", emulator.ServiceSupport, "--task-event", "Terminated")
	r := l.stop()
	if r.Code != 0 || !strings.Contains(r.Stderr, `"url":"http://127.0.0.1:PORT/[redacted]"`) {
		t.Fatalf("exit %d; the registration's body is not traced as expected:\n%s", r.Code, r.Stderr)
	}
	if strings.Contains(r.Stdout+r.Stderr, l.token) {
		t.Errorf("the path token is in the output:\n%s", r.Stderr)
	}
}

// An event is checked as its readers read it: Go's decoder (the surveys, the screen-pop)
// takes the last of two keys that differ only in case, so {"taskId":"T","TaskId":""} was a
// task without an id to the survey — sent with no ledger entry, and sent again on the next
// such event. A body naming a field twice is refused; nobody is surveyed.
func TestListenRefusesEventsThatNameAFieldTwice(t *testing.T) {
	t.Parallel()
	e := clitest.New(t)
	l := startListen(t, e, "--after-call", "-o", "json", "--jq", "[.stored, .rejected, .surveyed]")
	for _, c := range []struct{ body, answer string }{
		{strings.Replace(endedCall, `"taskId":"T-end",`, `"taskId":"T-end","TaskId":"",`, 1),
			`{"error":"the body has both \"taskId\" and \"TaskId\", which readers take for the same field"}`},
		{strings.Replace(endedCall, `"taskId":"T-end",`, `"taskId":"T-end","event":"Updated","TASKID":"",`, 1),
			`{"error":"the body has both \"taskId\" and \"TASKID\", which readers take for the same field"}`},
		{strings.Replace(endedCall, `"callerTelNumber":"+41315552002"`, `"callerTelNumber":"+41315552002","callerTelNumber":"+41445551001"`, 1),
			`{"error":"the body has \"callerTelNumber\" twice: readers differ on which one counts"}`},
		{strings.Replace(endedCall, `"terminated":"2026-03-23T09:04:00Z"`, `"Terminated":1774256640`, 1),
			`{"error":"TaskEventData.Terminated must be a string, got an integer"}`},
	} {
		if code, answer := l.post(c.body); code != 400 || answer != c.answer {
			t.Errorf("%s: %d %s", c.body, code, answer)
		}
	}
	r := l.stop()
	if r.Code != 0 || r.Stdout != "[0,4,0]\n" {
		t.Errorf("exit %d %q\n%s", r.Code, r.Stdout, r.Stderr)
	}
	if n := len(e.Emu.NPSSurveys()); n != 0 {
		t.Errorf("%d surveys sent", n)
	}
}
