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
