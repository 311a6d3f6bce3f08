package filelock

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

func TestLockExcludesAndReleases(t *testing.T) {
	if runtime.GOOS != "linux" && runtime.GOOS != "darwin" && runtime.GOOS != "windows" {
		t.Skip("no cross-process lock on this platform")
	}
	path := filepath.Join(t.TempDir(), "x.lock")
	a, err := Acquire(context.Background(), path, time.Second, "the ledger")
	if err != nil {
		t.Fatal(err)
	}
	_, err = Acquire(context.Background(), path, 20*time.Millisecond, "the ledger")
	if err == nil || !strings.HasPrefix(err.Error(), "the ledger is locked by another nimbusctl process") {
		t.Fatalf("second holder: %v", err)
	}
	done := make(chan error)
	go func() {
		b, err := Acquire(context.Background(), path, 5*time.Second, "the ledger")
		if err == nil {
			b.Unlock()
		}
		done <- err
	}()
	a.Unlock()
	if err := <-done; err != nil {
		t.Fatalf("waiter after release: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	c, _ := Acquire(context.Background(), path, time.Second, "x")
	defer c.Unlock()
	cancel()
	if _, err := Acquire(ctx, path, time.Minute, "x"); err != context.Canceled {
		t.Errorf("cancelled wait: %v", err)
	}
}

// TestLockOfAKilledProcessIsFree: a process SIGKILLed while holding the lock (a cron job killed
// mid-refresh) leaves the lock file behind but not the lock: the kernel drops it with the
// process, so the next run takes it at once rather than waiting out its timeout.
func TestLockOfAKilledProcessIsFree(t *testing.T) {
	if runtime.GOOS != "linux" && runtime.GOOS != "darwin" {
		t.Skip("kills with SIGKILL")
	}
	path := filepath.Join(t.TempDir(), "x.lock")
	holder := exec.Command(os.Args[0], "-test.run=^TestHelperHolder$")
	holder.Env = append(os.Environ(), "FILELOCK_HOLD="+path)
	out, err := holder.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := holder.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = holder.Process.Kill() }) // never an orphan, whatever fails below
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || line != "held\n" {
		t.Fatalf("holder: %q %v", line, err)
	}
	if _, err := Acquire(context.Background(), path, 0, "the token cache"); err == nil {
		t.Fatal("the lock is not held by the helper")
	}
	if err := holder.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = holder.Wait()
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("the lock file: %v", err)
	}
	l, err := Acquire(context.Background(), path, time.Minute, "the token cache")
	if err != nil {
		t.Fatalf("after the holder was killed: %v", err)
	}
	l.Unlock()
}

// TestHelperHolder takes the lock named by FILELOCK_HOLD, says so, and waits to be killed.
func TestHelperHolder(t *testing.T) {
	path := os.Getenv("FILELOCK_HOLD")
	if path == "" {
		t.Skip("helper process")
	}
	if _, err := Acquire(context.Background(), path, time.Second, "x"); err != nil {
		t.Fatal(err)
	}
	fmt.Println("held")
	time.Sleep(time.Hour)
}
