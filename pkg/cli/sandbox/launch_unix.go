//go:build unix

package sandbox

import "syscall"

// runProgram replaces this process with the sandbox program: same pid, same signals, its exit
// code.
func runProgram(prog string, argv, env []string) error {
	return syscall.Exec(prog, argv, env)
}
