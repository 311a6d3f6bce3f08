//go:build !unix

package sandbox

import (
	"errors"
	"os"
	"os/exec"
	"os/signal"
)

// runProgram runs the sandbox program in the foreground and exits with its code (Windows has
// no exec). Ctrl-C reaches both processes; nimbusctl waits for the program to stop.
func runProgram(prog string, argv, env []string) error {
	c := exec.Command(prog, argv[1:]...)
	c.Env = env
	c.Stdin, c.Stdout, c.Stderr = os.Stdin, os.Stdout, os.Stderr
	signal.Ignore(os.Interrupt)
	err := c.Run()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		os.Exit(exit.ExitCode())
	}
	if err != nil {
		return err
	}
	os.Exit(0)
	return nil
}
