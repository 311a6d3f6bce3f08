package filelock

import (
	"context"
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
