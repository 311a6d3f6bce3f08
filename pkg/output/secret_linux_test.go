//go:build linux

package output

import (
	"bufio"
	"fmt"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// openPTY opens a pseudo-terminal pair: what is written to master is typed on slave, and
// what the terminal echoes (or the program writes) is read back from master.
func openPTY(t *testing.T) (master, slave *os.File) {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals here: %v", err)
	}
	if err := unix.IoctlSetPointerInt(int(m.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		m.Close()
		t.Skipf("unlockpt: %v", err)
	}
	n, err := unix.IoctlGetInt(int(m.Fd()), unix.TIOCGPTN)
	if err != nil {
		m.Close()
		t.Skipf("ptsname: %v", err)
	}
	s, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		m.Close()
		t.Skipf("open pts: %v", err)
	}
	t.Cleanup(func() { s.Close(); m.Close() })
	return m, s
}

// On a terminal a secret is read with echo off: the pasted key never shows.
func TestReadSecretDoesNotEcho(t *testing.T) {
	master, slave := openPTY(t)
	s, _, _, errOut := Test()
	s.In = slave
	s.SetStdinTTY(true)

	type result struct {
		b   []byte
		err error
	}
	done := make(chan result, 1)
	go func() {
		b, err := s.ReadSecret()
		done <- result{b, err}
	}()
	// Type the key once the terminal's echo is off (ReadPassword turns it off first).
	for {
		tio, err := unix.IoctlGetTermios(int(slave.Fd()), unix.TCGETS)
		if err != nil {
			t.Fatal(err)
		}
		if tio.Lflag&unix.ECHO == 0 {
			break
		}
		time.Sleep(time.Millisecond)
	}
	if _, err := master.Write([]byte("npt-secret-key\n")); err != nil {
		t.Fatal(err)
	}
	r := <-done
	if r.err != nil || string(r.b) != "npt-secret-key" {
		t.Fatalf("read %q, %v", r.b, r.err)
	}
	// Whatever the terminal showed comes back on master before this marker.
	if _, err := slave.Write([]byte("END\n")); err != nil {
		t.Fatal(err)
	}
	shown, err := bufio.NewReader(master).ReadString('D')
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(shown, "secret") || shown != "END" {
		t.Errorf("the terminal showed %q before the marker", shown)
	}
	if errOut.String() != "\n" {
		t.Errorf("stderr %q: want the newline the Enter did not echo", errOut.String())
	}
	// And echo is back on.
	tio, _ := unix.IoctlGetTermios(int(slave.Fd()), unix.TCGETS)
	if tio.Lflag&unix.ECHO == 0 {
		t.Error("echo left off")
	}
}
