package sandbox

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"

	"github.com/spf13/cobra"
)

// Program is the sandbox program that `nimbusctl sandbox` runs (nimbusctl-sandbox.exe on
// Windows). Archives and packages install it next to nimbusctl.
const Program = "nimbusctl-sandbox"

// launcher starts the sandbox program; tests replace its parts.
type launcher struct {
	goos       string
	executable func() (string, error)
	lookPath   func(string) (string, error)
	exec       func(prog string, argv, env []string) error // runProgram
	argv       []string
	env        []string
}

var system = launcher{goos: runtime.GOOS, executable: os.Executable, lookPath: exec.LookPath, exec: runProgram}

// launch runs the sandbox program with nimbusctl's own command line and environment. It
// replaces this process where the OS can (so Ctrl-C, SIGTERM and the exit code are the
// program's own), else runs it and exits with its code.
func launch(*cobra.Command) error {
	l := system
	l.argv, l.env = os.Args, os.Environ()
	return l.launch()
}

func (l launcher) launch() error {
	prog, err := l.find()
	if err != nil {
		return err
	}
	return l.exec(prog, append([]string{prog}, l.argv[1:]...), l.env)
}

// find looks for the program next to nimbusctl (its own folder, then the one a symlink to it
// points into, as Homebrew installs it), then on PATH.
func (l launcher) find() (string, error) {
	name := Program
	if l.goos == "windows" {
		name += ".exe"
	}
	self, err := l.executable()
	if err != nil {
		self = ""
	}
	var dirs []string
	if self != "" {
		dirs = append(dirs, filepath.Dir(self))
		if real, err := filepath.EvalSymlinks(self); err == nil && filepath.Dir(real) != dirs[0] {
			dirs = append(dirs, filepath.Dir(real))
		}
	}
	for _, dir := range dirs {
		p := filepath.Join(dir, name)
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
			return p, nil
		}
	}
	if p, err := l.lookPath(name); err == nil {
		return p, nil
	}
	where := "not on PATH"
	if len(dirs) > 0 {
		where = "neither next to " + self + " nor on PATH"
	}
	return "", fmt.Errorf("the sandbox is a separate program, %s, and it is %s: it comes with nimbusctl in every archive and package (or: go install github.com/nimbusctl/nimbusctl/cmd/nimbusctl-sandbox@latest)", name, where)
}
