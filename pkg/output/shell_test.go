package output

import (
	"os/exec"
	"runtime"
	"strings"
	"testing"
)

// A command line reads back, word for word, as the shell splits it: quotes, spaces, '$',
// letters beyond ASCII, and operands that start with a dash after "--".
func TestCommandLineReadsBackInAShell(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("POSIX shell")
	}
	t.Parallel()
	args := []string{"nimbusctl", "--profile", "prod eu", "ledger", "settle", "--service", "support@contoso.com"}
	for _, operands := range [][]string{
		{"order-42"}, {"order 42", "it's"}, {"$HOME", "`id`", "a\"b", "tab\tx", "new\nline"},
		{"Zürich Ü", "a/b", ""}, {"-x"}, {"ok", "--ledger"},
	} {
		line := CommandLine(args, operands...)
		out, err := exec.Command("/bin/sh", "-c", "set -- "+line+`; printf '%s\0' "$@"`).Output()
		if err != nil {
			t.Fatalf("%s: %v", line, err)
		}
		got := strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00")
		want := append([]string{}, args...)
		for _, o := range operands {
			if strings.HasPrefix(o, "-") {
				want = append(want, "--")
				break
			}
		}
		want = append(want, operands...)
		if strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("%s\nreads back as %q, want %q", line, got, want)
		}
	}
	if got := CommandLine([]string{"nimbusctl", "schedule", "ledger", "forget"}, "callback-42"); got != "nimbusctl schedule ledger forget callback-42" {
		t.Errorf("plain words are quoted: %s", got)
	}
}
