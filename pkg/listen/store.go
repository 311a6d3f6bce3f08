package listen

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// Store appends events to one JSON-lines file per kind and UTC day
// (tasks-2026-03-23.jsonl, scheduler-entries-2026-03-23.jsonl), each line one event exactly
// as received (compacted), so that `nps survey after-call` reads the task files as they are.
//
// Append returns only once the line is on disk (fsync): a caller that answers 2xx after it
// never loses an event it acknowledged, whatever happens to the process next. Concurrent
// appends share one write and one fsync per file (a group commit), so the cost of fsync is
// paid once per burst, not once per event.
//
// An event whose exact body was stored today or yesterday is not stored again (a sender's
// retry of a delivery it thinks failed); Append reports it as a duplicate.
type Store struct {
	dir string
	now func() time.Time

	reqs   chan *appendReq
	done   chan struct{}
	mu     sync.Mutex // guards closed against Append
	closed bool
	wg     sync.WaitGroup

	// Owned by the writer goroutine.
	files map[string]*os.File // open file per name
	seen  map[[32]byte]string // body hash -> day it was stored
	day   string
}

type appendReq struct {
	kind Kind
	line []byte
	sum  [32]byte
	res  chan appendRes
}

type appendRes struct {
	dup bool
	err error
}

// ErrClosed is returned by Append once Close has begun.
var ErrClosed = errors.New("the event log is closed")

// maxBatch bounds one group commit, so that a flood still gets answers steadily.
const maxBatch = 256

// OpenStore prepares dir (0700), repairs a last line torn by a crash in the files of today
// and yesterday, and reads their events' hashes so that repeats across a restart are
// dropped too.
func OpenStore(dir string, now func() time.Time) (*Store, error) {
	if now == nil {
		now = time.Now
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	s := &Store{dir: dir, now: now, reqs: make(chan *appendReq, maxBatch), done: make(chan struct{}),
		files: map[string]*os.File{}, seen: map[[32]byte]string{}}
	today := now().UTC()
	s.day = dayOf(today)
	for _, d := range []string{dayOf(today.AddDate(0, 0, -1)), s.day} {
		for _, k := range []Kind{KindTasks, KindSchedulerEntries} {
			if err := s.load(fileName(k, d), d); err != nil {
				return nil, err
			}
		}
	}
	go s.run()
	return s, nil
}

func dayOf(t time.Time) string { return t.UTC().Format("2006-01-02") }

func fileName(k Kind, day string) string { return string(k) + "-" + day + ".jsonl" }

// Path is the file the events of kind received at t go to.
func (s *Store) Path(k Kind, t time.Time) string { return filepath.Join(s.dir, fileName(k, dayOf(t))) }

// load cuts a torn last line (it was never acknowledged: the answer waits for the newline's
// fsync) and remembers the hashes of the whole lines.
func (s *Store) load(name, day string) error {
	path := filepath.Join(s.dir, name)
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		return err
	}
	defer f.Close()
	r := bufio.NewReader(f)
	var good int64
	for {
		line, err := r.ReadBytes('\n')
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("reading %s: %w", path, err)
		}
		good += int64(len(line))
		s.seen[sha256.Sum256(bytes.TrimSuffix(line, []byte("\n")))] = day
	}
	if st, err := f.Stat(); err == nil && st.Size() > good {
		if err := f.Truncate(good); err != nil {
			return fmt.Errorf("cutting the torn last line of %s: %w", path, err)
		}
		return f.Sync()
	}
	return nil
}

// Append stores one event line durably. dup is true when the same body was stored before
// (nothing is written then).
func (s *Store) Append(kind Kind, line []byte) (dup bool, err error) {
	req := &appendReq{kind: kind, line: line, sum: sha256.Sum256(line), res: make(chan appendRes, 1)}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return false, ErrClosed
	}
	s.wg.Add(1)
	s.mu.Unlock()
	defer s.wg.Done()
	s.reqs <- req
	r := <-req.res
	return r.dup, r.err
}

// Close waits for the appends in flight, then closes the files.
func (s *Store) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		<-s.done
		return nil
	}
	s.closed = true
	s.mu.Unlock()
	s.wg.Wait()
	close(s.reqs)
	<-s.done
	return nil
}

// run is the single writer: it takes what is waiting, writes it, syncs, then answers.
func (s *Store) run() {
	defer close(s.done)
	defer func() {
		for _, f := range s.files {
			f.Close()
		}
	}()
	for req := range s.reqs {
		batch := []*appendReq{req}
	more:
		for len(batch) < maxBatch {
			select {
			case r, ok := <-s.reqs:
				if !ok {
					break more
				}
				batch = append(batch, r)
			default:
				break more
			}
		}
		s.commit(batch)
	}
}

func (s *Store) commit(batch []*appendReq) {
	now := s.now().UTC()
	if d := dayOf(now); d != s.day {
		s.rotate(d)
	}
	bufs := map[string]*bytes.Buffer{}
	var order []string
	results := make([]appendRes, len(batch))
	fresh := map[[32]byte]bool{}
	for i, r := range batch {
		if _, ok := s.seen[r.sum]; ok || fresh[r.sum] {
			results[i].dup = true
			continue
		}
		fresh[r.sum] = true
		name := fileName(r.kind, s.day)
		b := bufs[name]
		if b == nil {
			b = &bytes.Buffer{}
			bufs[name] = b
			order = append(order, name)
		}
		b.Write(r.line)
		b.WriteByte('\n')
	}
	failed := map[string]error{}
	for _, name := range order {
		failed[name] = s.write(name, bufs[name].Bytes())
	}
	for i, r := range batch {
		if results[i].dup {
			continue
		}
		if err := failed[fileName(r.kind, s.day)]; err != nil {
			results[i].err = err
			continue
		}
		s.seen[r.sum] = s.day
	}
	for i, r := range batch {
		r.res <- results[i]
	}
}

// write appends b to name and syncs it. After a failed write the file is closed and cut
// back to its last whole line, so that a later write starts on a line of its own.
func (s *Store) write(name string, b []byte) error {
	f := s.files[name]
	if f == nil {
		path := filepath.Join(s.dir, name)
		_, statErr := os.Stat(path)
		var err error
		if f, err = os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600); err != nil {
			return err
		}
		if os.IsNotExist(statErr) {
			// A new file's name must survive a crash too: sync the folder.
			if err := syncDir(s.dir); err != nil {
				f.Close()
				return err
			}
		}
		s.files[name] = f
	}
	st, err := f.Stat()
	if err != nil {
		return s.fail(name, f, -1, err)
	}
	if _, err := f.Write(b); err != nil {
		return s.fail(name, f, st.Size(), err)
	}
	if err := f.Sync(); err != nil {
		return s.fail(name, f, st.Size(), err)
	}
	return nil
}

func (s *Store) fail(name string, f *os.File, size int64, err error) error {
	if size >= 0 {
		f.Truncate(size)
	}
	f.Close()
	delete(s.files, name)
	return fmt.Errorf("writing the event log %s: %w", name, err)
}

// rotate starts a new day: yesterday's files are closed, and only the hashes of the last
// two days are kept.
func (s *Store) rotate(day string) {
	for name, f := range s.files {
		f.Close()
		delete(s.files, name)
	}
	keep := map[string]bool{day: true, s.day: true}
	for sum, d := range s.seen {
		if !keep[d] {
			delete(s.seen, sum)
		}
	}
	s.day = day
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, os.ErrInvalid) {
		return err
	}
	return nil
}
