//go:build unix

package trigger

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/nimbusctl/nimbusctl/pkg/listen"
)

// An --exec command that outlives its time is stopped with everything it started: a
// background child holding its output open must not keep the --exec job (and so a clean
// stop) waiting for it.
func TestExecTimeoutStopsTheWholeCommand(t *testing.T) {
	t.Parallel()
	pidFile := filepath.Join(t.TempDir(), "child.pid")
	var mu sync.Mutex
	var logged []string
	w := &workers{execLimit: 200 * time.Millisecond, exec: `sleep 120 & echo $! > '` + pidFile + `'; wait`, logf: func(format string, a ...any) {
		mu.Lock()
		defer mu.Unlock()
		logged = append(logged, fmt.Sprintf(format, a...))
	}}
	done := make(chan struct{})
	go func() {
		defer close(done)
		w.run(context.Background(), listen.Event{Kind: listen.KindTasks, Body: []byte(`{"taskId":"T-1"}`)})
	}()
	select {
	case <-done:
	case <-time.After(60 * time.Second): // the child sleeps 120 s: only a stuck run gets here
		t.Fatal("--exec is still waiting for the command's background child, long after its timeout")
	}
	if w.sum.ExecFailed != 1 || len(logged) != 1 || !strings.HasPrefix(logged[0], "--exec failed (") {
		t.Errorf("failed %d, log %q", w.sum.ExecFailed, logged)
	}
	b, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatal(err)
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	// The child was killed with its shell (a zombie until something reaps it counts as gone).
	for i := 0; i < 500 && alive(pid); i++ {
		time.Sleep(10 * time.Millisecond)
	}
	if alive(pid) {
		syscall.Kill(pid, syscall.SIGKILL)
		t.Errorf("the command's child %d outlived the --exec timeout", pid)
	}
}

// alive reports a process that runs: not gone, and not a zombie (Linux shows that in /proc).
func alive(pid int) bool {
	if b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid)); err == nil {
		if i := strings.LastIndexByte(string(b), ')'); i > 0 && i+2 < len(b) {
			return b[i+2] != 'Z'
		}
		return true
	}
	return syscall.Kill(pid, 0) == nil
}

// An --exec command that prints without end (a debug trace, `yes`) must not fill the
// listener's memory: only the start of its output is kept, for the log. The output used to
// be gathered whole, gigabytes a minute until the timeout. Not parallel: it measures the
// bytes the process allocates while the command runs.
func TestExecKeepsOnlyTheStartOfTheOutput(t *testing.T) {
	var logged []string
	const size = 64 << 20
	w := &workers{exec: `echo 'start of the output'; head -c ` + strconv.Itoa(size) + ` /dev/zero; exit 3`, logf: func(format string, a ...any) {
		logged = append(logged, fmt.Sprintf(format, a...))
	}}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	w.run(context.Background(), listen.Event{Kind: listen.KindTasks, Body: []byte(`{"taskId":"T-1"}`)})
	runtime.ReadMemStats(&after)
	if n := after.TotalAlloc - before.TotalAlloc; n > size/4 {
		t.Errorf("%d MiB allocated for %d MiB of output", n>>20, size>>20)
	}
	if w.sum.ExecFailed != 1 || len(logged) != 1 || !strings.HasPrefix(logged[0], "--exec failed (exit status 3) for a tasks event: start of the output\n") {
		t.Errorf("failed %d, log %q", w.sum.ExecFailed, logged)
	}
}
