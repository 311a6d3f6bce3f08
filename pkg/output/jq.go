package output

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"runtime/metrics"
	"time"

	"github.com/itchyny/gojq"
)

// The bounds of one --jq run. An expression is written by the user but runs on whatever the
// service answered: recursion (`def f: [f]; f`) or doubling (`repeat(. + .)`) would grow
// until the kernel kills the process, and Go's own out-of-memory exit (2) reads as
// "cancelled". Past a bound the run stops with a JQLimitError (exit 3).
const (
	DefaultJQTimeout = 30 * time.Second
	DefaultJQMemory  = 256 << 20 // heap growth while the expression runs (the process peaks near twice that)
)

// Query is a compiled --jq expression.
type Query struct {
	code *gojq.Code

	Timeout   time.Duration // longest run (DefaultJQTimeout)
	MaxMemory uint64        // most heap the run may add (DefaultJQMemory)
}

// JQLimitError is a --jq run stopped at a bound: the expression, not the service, is at fault.
type JQLimitError struct{ Msg string }

func (e *JQLimitError) Error() string { return e.Msg }

// ParseJQ compiles expr once, at flag-validation time, so a typo fails before any API call.
// The expression sees no environment: env and $ENV are empty, as the environment holds
// NIMBUSCTL_TOKEN, NPSTODAY_API_KEY and NIMBUSCTL_CLIENT_SECRET.
func ParseJQ(expr string) (*Query, error) {
	q, err := gojq.Parse(expr)
	if err != nil {
		return nil, fmt.Errorf("invalid --jq expression: %w", err)
	}
	code, err := gojq.Compile(q) // no WithEnvironLoader: no environment
	if err != nil {
		return nil, fmt.Errorf("invalid --jq expression: %w", err)
	}
	return &Query{code: code, Timeout: DefaultJQTimeout, MaxMemory: DefaultJQMemory}, nil
}

var (
	errJQTime   = errors.New("time")
	errJQMemory = errors.New("memory")
)

// Run applies the query to a JSON document and prints each result as it comes: strings raw
// (like jq -r; on a terminal made safe, see SafeText), everything else as JSON, indented on
// a terminal and compact otherwise.
func (q *Query) Run(s *IOStreams, raw []byte) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if len(bytes.TrimSpace(raw)) > 0 {
		if err := dec.Decode(&v); err != nil {
			return fmt.Errorf("--jq: the answer is not JSON: %w", err)
		}
	}
	timed, cancelTime := context.WithTimeoutCause(context.Background(), q.Timeout, errJQTime)
	defer cancelTime()
	ctx, cancel := context.WithCancelCause(timed)
	defer cancel(nil)
	stop := watchHeap(ctx, q.MaxMemory, func() { cancel(errJQMemory) })
	defer stop()

	out := bufio.NewWriter(s.Out)
	defer out.Flush()
	tty := s.IsStdoutTTY()
	iter := q.code.RunWithContext(ctx, v)
	for {
		r, ok := iter.Next()
		if !ok {
			break
		}
		if err, ok := r.(error); ok {
			if h, ok := err.(*gojq.HaltError); ok && h.Value() == nil {
				break
			}
			return q.runError(ctx, err)
		}
		if str, ok := r.(string); ok {
			if tty {
				str = SafeText(str)
			}
			out.WriteString(str)
			out.WriteByte('\n')
			continue
		}
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if tty {
			enc.SetIndent("", "  ")
		}
		if err := enc.Encode(r); err != nil {
			return err
		}
		out.Write(escapeJSONControls(buf.Bytes()))
	}
	return nil
}

func (q *Query) runError(ctx context.Context, err error) error {
	if ctx.Err() == nil {
		return fmt.Errorf("--jq: %w", err)
	}
	if context.Cause(ctx) == errJQTime {
		return &JQLimitError{Msg: fmt.Sprintf("--jq: the expression ran longer than %s and was stopped; simplify it, or pipe -o json into jq", q.Timeout)}
	}
	return &JQLimitError{Msg: fmt.Sprintf("--jq: the expression used more than %d MiB of memory and was stopped; simplify it, or pipe -o json into jq", q.MaxMemory>>20)}
}

// watchHeap calls over once the heap has grown by more than limit bytes since it started,
// checking every few milliseconds until stop is called. Polling is the only way: Go has no
// per-goroutine memory limit, and gojq checks the context between steps.
func watchHeap(ctx context.Context, limit uint64, over func()) (stop func()) {
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	read := func() uint64 {
		metrics.Read(sample)
		if sample[0].Value.Kind() != metrics.KindUint64 {
			return 0
		}
		return sample[0].Value.Uint64()
	}
	base := read()
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		tick := time.NewTicker(2 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case <-tick.C:
				if n := read(); n > base && n-base > limit {
					over()
					return
				}
			}
		}
	}()
	return func() { close(done); <-finished }
}
