// Package output holds the terminal and formatting rules of nimbusctl: which stream gets what,
// when colour and tables are allowed, and the json|yaml|csv|table printers with --jq.
package output

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"strconv"

	"golang.org/x/term"
)

// IOStreams is the one place commands read and write through. Data goes to Out; progress,
// prompts, warnings and errors go to ErrOut.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer

	stdinTTY, stdoutTTY, stderrTTY bool
	colorEnabled                   bool
	neverPrompt                    bool
	width                          int
}

// System returns streams bound to the process's stdin/stdout/stderr, with TTY and colour decided
// from the file descriptors and the environment (NO_COLOR, CLICOLOR, CLICOLOR_FORCE,
// NIMBUSCTL_PROMPT_DISABLED, NIMBUSCTL_FORCE_TTY, COLUMNS).
func System() *IOStreams {
	s := &IOStreams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr}
	s.stdinTTY = isTerminal(os.Stdin)
	s.stdoutTTY = isTerminal(os.Stdout)
	s.stderrTTY = isTerminal(os.Stderr)
	if v := os.Getenv("NIMBUSCTL_FORCE_TTY"); v != "" && v != "0" {
		s.stdoutTTY, s.stderrTTY = true, true
		if n, err := strconv.Atoi(v); err == nil && n > 1 {
			s.width = n
		}
	}
	if s.stdoutTTY && s.width == 0 {
		// COLUMNS, when exported, says how wide to be (a pane narrower than it reports).
		if n, err := strconv.Atoi(os.Getenv("COLUMNS")); err == nil && n > 0 {
			s.width = n
		} else if w, _, err := term.GetSize(int(os.Stdout.Fd())); err == nil {
			s.width = w
		}
	}
	s.colorEnabled = colorFromEnv(s.stdoutTTY || s.stderrTTY)
	if v := os.Getenv("NIMBUSCTL_PROMPT_DISABLED"); v != "" && v != "0" {
		s.neverPrompt = true
	}
	return s
}

func isTerminal(f *os.File) bool { return term.IsTerminal(int(f.Fd())) }

// colorFromEnv applies the no-color.org and CLICOLOR conventions on top of the TTY decision.
func colorFromEnv(tty bool) bool {
	if os.Getenv("NO_COLOR") != "" {
		return false
	}
	if v := os.Getenv("CLICOLOR_FORCE"); v != "" && v != "0" {
		return true
	}
	if os.Getenv("CLICOLOR") == "0" || os.Getenv("TERM") == "dumb" {
		return false
	}
	return tty
}

// Test returns streams over in-memory buffers: no TTY, no colour. Tests flip the TTY flags
// with the setters to cover both modes.
func Test() (s *IOStreams, in *bytes.Buffer, out *bytes.Buffer, errOut *bytes.Buffer) {
	in, out, errOut = &bytes.Buffer{}, &bytes.Buffer{}, &bytes.Buffer{}
	return &IOStreams{In: in, Out: out, ErrOut: errOut}, in, out, errOut
}

func (s *IOStreams) IsStdinTTY() bool  { return s.stdinTTY }
func (s *IOStreams) IsStdoutTTY() bool { return s.stdoutTTY }
func (s *IOStreams) IsStderrTTY() bool { return s.stderrTTY }

func (s *IOStreams) SetStdinTTY(v bool)  { s.stdinTTY = v }
func (s *IOStreams) SetStdoutTTY(v bool) { s.stdoutTTY = v }
func (s *IOStreams) SetStderrTTY(v bool) { s.stderrTTY = v }

// ColorEnabled reports whether escape sequences may be written at all.
func (s *IOStreams) ColorEnabled() bool     { return s.colorEnabled }
func (s *IOStreams) SetColorEnabled(v bool) { s.colorEnabled = v }

// SetNeverPrompt disables every interactive prompt (NIMBUSCTL_PROMPT_DISABLED, CI).
func (s *IOStreams) SetNeverPrompt(v bool) { s.neverPrompt = v }

// CanPrompt is true only when a person can answer: stdin and stderr (where prompts are
// written) are terminals and prompting was not disabled.
func (s *IOStreams) CanPrompt() bool {
	return !s.neverPrompt && s.stdinTTY && s.stderrTTY
}

// SetTerminalWidth sets the width tables fit on a terminal (tests, COLUMNS).
func (s *IOStreams) SetTerminalWidth(w int) { s.width = w }

// TerminalWidth is the width of stdout when it is a terminal, else 80.
func (s *IOStreams) TerminalWidth() int {
	if s.width > 0 {
		return s.width
	}
	return 80
}

// ReadUserFile reads a file named by the user, where "-" means stdin.
func (s *IOStreams) ReadUserFile(name string) ([]byte, error) {
	if name == "-" {
		return io.ReadAll(s.In)
	}
	return os.ReadFile(name)
}

// ReadSecret reads a secret from stdin: on a terminal one line with echo turned off, so a
// pasted key is neither shown nor left in the scrollback; otherwise (a pipe, a file) all of
// it, up to 16 KiB.
func (s *IOStreams) ReadSecret() ([]byte, error) {
	if f, ok := s.In.(*os.File); ok && s.stdinTTY && term.IsTerminal(int(f.Fd())) {
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(s.ErrOut) // the Enter that was not echoed
		return b, err
	}
	return io.ReadAll(io.LimitReader(s.In, 16<<10))
}

// OpenUserFile opens a file named by the user for streaming, where "-" means stdin.
func (s *IOStreams) OpenUserFile(name string) (io.ReadCloser, error) {
	if name == "-" {
		return io.NopCloser(s.In), nil
	}
	return os.Open(name)
}
