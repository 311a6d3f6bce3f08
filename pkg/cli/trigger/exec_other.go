//go:build !unix

package trigger

import "os/exec"

// ownGroup: on Windows the command is killed alone; WaitDelay stops the wait for its output.
func ownGroup(*exec.Cmd) {}
