package sandbox

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"
)

type recorded struct {
	prog       string
	argv, env  []string
	calledExec bool
}

// fakeLauncher is nimbusctl installed as self, with PATH given by onPath; exec records.
func fakeLauncher(goos, self string, onPath map[string]string, rec *recorded) launcher {
	return launcher{
		goos:       goos,
		executable: func() (string, error) { return self, nil },
		lookPath: func(name string) (string, error) {
			if p, ok := onPath[name]; ok {
				return p, nil
			}
			return "", errors.New("not found")
		},
		exec: func(prog string, argv, env []string) error {
			*rec = recorded{prog, argv, env, true}
			return nil
		},
		argv: []string{self, "--profile", "x", "sandbox", "--port", "0"},
		env:  []string{"A=1"},
	}
}

func touch(t *testing.T, path string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
}

// TestLaunchRunsTheProgramNextToNimbusctl: the sandbox program beside nimbusctl wins over one
// on PATH, and gets nimbusctl's whole command line and environment.
func TestLaunchRunsTheProgramNextToNimbusctl(t *testing.T) {
	dir := t.TempDir()
	self, prog := filepath.Join(dir, "bin", "nimbusctl"), filepath.Join(dir, "bin", Program)
	touch(t, self)
	touch(t, prog)
	var rec recorded
	l := fakeLauncher("linux", self, map[string]string{Program: "/usr/bin/" + Program}, &rec)
	if err := l.launch(); err != nil {
		t.Fatal(err)
	}
	want := recorded{prog, []string{prog, "--profile", "x", "sandbox", "--port", "0"}, []string{"A=1"}, true}
	if !reflect.DeepEqual(rec, want) {
		t.Fatalf("exec %+v, want %+v", rec, want)
	}
}

// TestLaunchFollowsASymlinkToNimbusctl: Homebrew links nimbusctl into bin/ from the folder
// where both programs are.
func TestLaunchFollowsASymlinkToNimbusctl(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("symlinks")
	}
	dir := t.TempDir()
	real, prog := filepath.Join(dir, "Caskroom", "nimbusctl"), filepath.Join(dir, "Caskroom", Program)
	touch(t, real)
	touch(t, prog)
	link := filepath.Join(dir, "bin", "nimbusctl")
	os.MkdirAll(filepath.Dir(link), 0o755)
	if err := os.Symlink(real, link); err != nil {
		t.Fatal(err)
	}
	var rec recorded
	if err := fakeLauncher("darwin", link, nil, &rec).launch(); err != nil || rec.prog != prog {
		t.Fatalf("exec %q, err %v; want %q", rec.prog, err, prog)
	}
}

func TestLaunchFallsBackToPathThenSaysWhatIsMissing(t *testing.T) {
	self := filepath.Join(t.TempDir(), "nimbusctl.exe")
	touch(t, self)
	var rec recorded
	onPath := map[string]string{Program + ".exe": `C:\tools\nimbusctl-sandbox.exe`}
	if err := fakeLauncher("windows", self, onPath, &rec).launch(); err != nil || rec.prog != `C:\tools\nimbusctl-sandbox.exe` {
		t.Fatalf("exec %q, err %v", rec.prog, err)
	}

	rec = recorded{}
	err := fakeLauncher("linux", self, nil, &rec).launch()
	want := "the sandbox is a separate program, nimbusctl-sandbox, and it is neither next to " + self +
		" nor on PATH: it comes with nimbusctl in every archive and package (or: go install github.com/nimbusctl/nimbusctl/cmd/nimbusctl-sandbox@latest)"
	if err == nil || err.Error() != want || rec.calledExec {
		t.Fatalf("err %v (exec %v)\nwant %s", err, rec.calledExec, want)
	}
	if !strings.Contains(err.Error(), "go install") {
		t.Error("no way out in the message")
	}
}
