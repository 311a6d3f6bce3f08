package trigger

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nimbusctl/nimbusctl/pkg/cli/cmdutil"
	"github.com/nimbusctl/nimbusctl/pkg/cli/nps"
	"github.com/nimbusctl/nimbusctl/pkg/config"
	"github.com/nimbusctl/nimbusctl/pkg/listen"
	"github.com/nimbusctl/nimbusctl/pkg/nimbus"
	"github.com/nimbusctl/nimbusctl/pkg/output"
)

// execTimeout bounds one run of --exec: a command that hangs must not stop the others.
const execTimeout = time.Minute

// execWaitDelay bounds the wait for a killed command's output to close.
const execWaitDelay = 5 * time.Second

// workers do what follows a stored event — the screen-pop, the after-call survey, --exec —
// each job in its own goroutine, in the order the events were stored, never holding up an
// answer.
type workers struct {
	f         *cmdutil.Factory
	logf      func(string, ...any)
	afterCall *nps.AfterCall
	enricher  *enricher
	exec      string
	execLimit time.Duration // one run of --exec; default execTimeout
	environ   []string      // --exec's environment, before the secrets are taken out; nil: the process's

	queues []*queue
	ctx    context.Context
	cancel context.CancelFunc
	mu     sync.Mutex // guards closed against enqueue
	closed bool
	sum    listenSummary
}

type queue struct {
	name string
	ch   chan listen.Event
	do   func(context.Context, listen.Event)
	done chan struct{}
	left atomic.Int64 // events never handled (the stop's grace ran out)
}

// queueLen bounds the backlog of one job; an event that does not fit is still in the file.
const queueLen = 4096

func (w *workers) start() {
	w.ctx, w.cancel = context.WithCancel(context.Background())
	add := func(name string, do func(context.Context, listen.Event)) {
		q := &queue{name: name, ch: make(chan listen.Event, queueLen), do: do, done: make(chan struct{})}
		w.queues = append(w.queues, q)
		go func() {
			defer close(q.done)
			for ev := range q.ch {
				if w.ctx.Err() != nil {
					q.left.Add(1)
					continue
				}
				q.do(w.ctx, ev)
			}
		}()
	}
	if w.enricher != nil {
		add("the screen-pop", w.enrich)
	}
	if w.afterCall != nil {
		add("after-call", w.survey)
	}
	if w.exec != "" {
		add("--exec", w.run)
	}
}

// enqueue hands a stored event to each job; it never blocks the answer.
func (w *workers) enqueue(ev listen.Event) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		atomic.AddInt64(&w.sum.Unprocessed, 1)
		return
	}
	for _, q := range w.queues {
		select {
		case q.ch <- ev:
		default:
			w.logf("%s is %d events behind: an event was not passed to it (it is in the event file)", q.name, queueLen)
			atomic.AddInt64(&w.sum.Unprocessed, 1)
		}
	}
}

// stop lets the jobs finish what is queued, for up to grace; then the work in hand is
// cancelled and what is left is counted as unprocessed (it is in the event files).
func (w *workers) stop(grace time.Duration) listenSummary {
	w.mu.Lock()
	w.closed = true
	for _, q := range w.queues {
		close(q.ch)
	}
	w.mu.Unlock()
	timer := time.AfterFunc(grace, w.cancel)
	defer timer.Stop()
	for _, q := range w.queues {
		<-q.done
		if n := q.left.Load(); n > 0 {
			w.logf("%s: %s not handled before the stop; they are in the event files", q.name, output.Plural(int(n), "event was", "events were"))
			atomic.AddInt64(&w.sum.Unprocessed, n)
		}
	}
	w.cancel()
	return w.sum
}

// survey runs the after-call rules on a task event that ends a call.
func (w *workers) survey(ctx context.Context, ev listen.Event) {
	if ev.Kind != listen.KindTasks {
		return
	}
	var te nimbus.TaskEventData
	if json.Unmarshal(ev.Body, &te) != nil || te.Terminated == "" {
		return
	}
	out, err := w.afterCall.HandleOne(ctx, te)
	if out.Result == "" && err != nil {
		w.logf("after-call %s: not handled: %v", te.TaskID, err)
		atomic.AddInt64(&w.sum.SurveysFailed, 1)
		return
	}
	switch out.Result {
	case nps.ResultSent:
		atomic.AddInt64(&w.sum.Surveyed, 1)
	case nps.ResultPgap:
		atomic.AddInt64(&w.sum.Held, 1)
	case nps.ResultFailed:
		atomic.AddInt64(&w.sum.SurveysFailed, 1)
	}
	line := fmt.Sprintf("after-call %s: %s", te.TaskID, out.Result)
	if out.Recipient != "" {
		line += fmt.Sprintf(" (campaign %s, %s, about %s)", out.CampaignID, out.Recipient, out.Employee)
	}
	if out.Detail != "" {
		line += ": " + out.Detail
	}
	w.logf("%s", line)
}

// run pipes the event to --exec.
func (w *workers) run(ctx context.Context, ev listen.Event) {
	limit := w.execLimit
	if limit <= 0 {
		limit = execTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	var cmd *exec.Cmd
	if runtime.GOOS == "windows" {
		cmd = exec.CommandContext(ctx, "cmd", "/C", w.exec)
	} else {
		cmd = exec.CommandContext(ctx, "sh", "-c", w.exec)
	}
	cmd.Stdin = bytes.NewReader(append(ev.Body, '\n'))
	// The command gets the event, not nimbusctl's credentials.
	env := w.environ
	if env == nil {
		env = os.Environ()
	}
	cmd.Env = append(config.WithoutSecrets(env), "NIMBUSCTL_EVENT_KIND="+string(ev.Kind))
	ownGroup(cmd) // on timeout or stop, its children go with it
	cmd.WaitDelay = execWaitDelay
	out := &outputHead{max: execOutputKept}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Run(); err != nil {
		atomic.AddInt64(&w.sum.ExecFailed, 1)
		msg := strings.TrimSpace(string(out.buf))
		if len(msg) > 200 || out.dropped {
			msg = strings.ToValidUTF8(msg[:min(len(msg), 200)], "") + "…"
		}
		w.logf("--exec failed (%v) for a %s event: %s", err, ev.Kind, msg)
	}
}

// execOutputKept is how much of --exec's output is kept for the log of a failure (which
// shows its start).
const execOutputKept = 4096

// outputHead keeps the first max bytes written to it and drops the rest: a command that
// prints without end (a trace, `yes`) must not fill the listener's memory until its timeout.
type outputHead struct {
	mu      sync.Mutex // stdout and stderr may be copied by two goroutines
	max     int
	buf     []byte
	dropped bool
}

func (h *outputHead) Write(p []byte) (int, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := min(len(p), h.max-len(h.buf))
	h.buf = append(h.buf, p[:n]...)
	h.dropped = h.dropped || n < len(p)
	return len(p), nil
}
