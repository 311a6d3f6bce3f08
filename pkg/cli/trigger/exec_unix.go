//go:build unix

package trigger

import (
	"os/exec"
	"syscall"
)

// ownGroup runs cmd in a process group of its own, and has its cancellation kill the whole
// group: a shell's background children would otherwise outlive it, holding its output open.
func ownGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
}
