//go:build !windows

package cli

import (
	"context"
	"errors"
	"os"
	"syscall"
	"testing"
	"time"
)

// Commands that never look at their context do not start the signal listener.
func TestInterruptibleListensOnlyWhenWatched(t *testing.T) {
	for _, args := range [][]string{{"version"}, {"--help"}, {"contact", "--help"}, {"version", "-o", "xml"}} {
		ctx := newInterruptible()
		Run(ctx, testFactory(), args)
		if ctx.listening.Load() {
			t.Errorf("%q started listening for signals", args)
		}
		ctx.cancel()
	}

	ctx := newInterruptible()
	defer ctx.cancel()
	child, stop := context.WithTimeout(ctx, time.Hour) // as --timeout derives one
	defer stop()
	if !ctx.listening.Load() {
		t.Fatal("deriving a context did not start listening")
	}
	if err := syscall.Kill(os.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-child.Done():
	case <-time.After(30 * time.Second):
		t.Fatal("SIGTERM did not cancel the command's context")
	}
	if !errors.Is(ctx.Err(), context.Canceled) {
		t.Errorf("after SIGTERM: %v, want context.Canceled", ctx.Err())
	}
}
