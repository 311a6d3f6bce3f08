// Package filelock is an exclusive lock between processes on a lock file (flock on Unix,
// LockFileEx on Windows): two cron jobs sharing a token cache or a ledger take turns.
package filelock

import (
	"context"
	"fmt"
	"os"
	"time"
)

// Lock is held by this process until Unlock.
type Lock struct{ f *os.File }

// Acquire takes the exclusive lock on path, waiting up to timeout (and no longer than ctx)
// while another process holds it. what names the protected thing in errors ("the token cache").
func Acquire(ctx context.Context, path string, timeout time.Duration, what string) (*Lock, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("opening the lock of %s: %w", what, err)
	}
	deadline := time.Now().Add(timeout)
	wait := 2 * time.Millisecond
	for {
		ok, err := tryLock(f)
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("locking %s: %w", what, err)
		}
		if ok {
			return &Lock{f: f}, nil
		}
		if time.Now().After(deadline) {
			f.Close()
			return nil, &BusyError{What: what, Path: path, Waited: timeout}
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, ctx.Err()
		case <-time.After(wait):
		}
		wait = min(wait*2, 50*time.Millisecond)
	}
}

// BusyError is a lock another live process held for the whole wait (one that dies releases
// it at once): the CLI exits 10, as for a service that stays unavailable.
type BusyError struct {
	What   string
	Path   string
	Waited time.Duration
}

func (e *BusyError) Error() string {
	return fmt.Sprintf("%s is locked by another nimbusctl process (waited %s for %s)", e.What, e.Waited, e.Path)
}

// Unlock releases the lock.
func (l *Lock) Unlock() {
	_ = unlock(l.f)
	l.f.Close()
}
