//go:build linux

package trigger_test

import (
	"testing"

	"golang.org/x/sys/unix"

	"github.com/nimbusctl/nimbusctl/pkg/cli/clitest"
)

// The --exec command's shell is the listener's child: any program of the same user could
// read the listener's own environment, credentials and all, from /proc/<its pid>/environ
// (`tr '\0' '\n' < /proc/$PPID/environ`), whatever the command's environment leaves out.
// A listener with --exec makes itself non-dumpable, which closes /proc/<pid>/environ and
// ptrace to other processes of the user (root's still pass).
func TestListenExecClosesTheListenersEnvironment(t *testing.T) {
	t.Parallel()
	e := clitest.New(t)
	l := startListen(t, e, "--exec", "true")
	l.post(endedCall)
	if r := l.stop(); r.Code != 0 {
		t.Fatalf("exit %d\n%s", r.Code, r.Stderr)
	}
	// The listener runs in this process (clitest): it is this process that must be closed.
	if v, err := unix.PrctlRetInt(unix.PR_GET_DUMPABLE, 0, 0, 0, 0); err != nil || v != 0 {
		t.Errorf("PR_GET_DUMPABLE = %d, %v after a listener with --exec: other programs of the user can read its environment", v, err)
	}
}
