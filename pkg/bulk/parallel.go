package bulk

import (
	"io"
	"runtime"
	"sync"
)

// built is one row of a file after its builder: the value, its problems, and whether the row
// could be read at all (a malformed CSV record has no cells to build from: unread).
type built[T any] struct {
	line   int
	v      T
	errs   []*RowError
	unread bool
}

// buildBatch is a run of rows built together: few channel operations per row.
type buildBatch[T any] struct {
	rows  []Row
	bad   []*RowError // per row: the reader's error, or nil
	out   []built[T]
	err   error // a read error that ends the file after these rows
	ready chan struct{}
}

const buildBatchRows = 64

// buildPipe reads a file's rows on one goroutine and builds them on one goroutine per core,
// handing them out in file order. Building (phone numbers above all) is most of the work of a
// validation pass; this way it takes every core, in the memory of a few batches.
type buildPipe[T any] struct {
	r     *Reader
	build func(Row) (T, []*RowError)

	ordered chan *buildBatch[T] // nil: build inline, one row at a time
	stop    chan struct{}
	wg      sync.WaitGroup
	cur     *buildBatch[T]
	i       int
	stopped bool
}

func newBuildPipe[T any](r *Reader, build func(Row) (T, []*RowError)) *buildPipe[T] {
	p := &buildPipe[T]{r: r, build: build}
	workers := runtime.GOMAXPROCS(0)
	if workers < 2 {
		return p
	}
	p.ordered = make(chan *buildBatch[T], workers)
	p.stop = make(chan struct{})
	work := make(chan *buildBatch[T], workers)
	p.wg.Add(1 + workers)
	go p.read(work)
	for w := 0; w < workers; w++ {
		go func() {
			defer p.wg.Done()
			for b := range work {
				p.buildAll(b)
			}
		}()
	}
	return p
}

// read fills batches in file order and hands each to a builder and to the consumer.
func (p *buildPipe[T]) read(work chan<- *buildBatch[T]) {
	defer p.wg.Done()
	defer close(p.ordered)
	defer close(work)
	for {
		b := &buildBatch[T]{ready: make(chan struct{})}
		eof := false
		for len(b.rows) < buildBatchRows {
			row, bad, err := p.next()
			if err == io.EOF {
				eof = true
				break
			}
			if err != nil {
				b.err = err
				break
			}
			row.Cells = append([]string(nil), row.Cells...) // the reader reuses them
			b.rows, b.bad = append(b.rows, row), append(b.bad, bad)
		}
		for _, ch := range []chan<- *buildBatch[T]{work, p.ordered} {
			select {
			case ch <- b:
			case <-p.stop:
				return
			}
		}
		if eof || b.err != nil {
			return
		}
	}
}

// next reads one row: a malformed record comes as bad, a broken file as err.
func (p *buildPipe[T]) next() (row Row, bad *RowError, err error) {
	row, err = p.r.Read()
	if re, ok := err.(*RowError); ok {
		return row, re, nil
	}
	return row, nil, err
}

func (p *buildPipe[T]) buildAll(b *buildBatch[T]) {
	b.out = make([]built[T], len(b.rows))
	for i, row := range b.rows {
		b.out[i] = p.buildOne(row, b.bad[i])
	}
	b.rows, b.bad = nil, nil
	close(b.ready)
}

func (p *buildPipe[T]) buildOne(row Row, bad *RowError) built[T] {
	if bad != nil { // a record that does not parse has no row, only the error's line
		return built[T]{line: bad.Line, errs: []*RowError{bad}, unread: true}
	}
	v, errs := p.build(row)
	return built[T]{line: row.Line, v: v, errs: errs}
}

// Next returns the next built row in file order, or io.EOF.
func (p *buildPipe[T]) Next() (built[T], error) {
	if p.ordered == nil {
		row, bad, err := p.next()
		if err != nil {
			return built[T]{}, err
		}
		return p.buildOne(row, bad), nil
	}
	for p.cur == nil || p.i == len(p.cur.out) {
		if p.cur != nil && p.cur.err != nil {
			return built[T]{}, p.cur.err
		}
		b, ok := <-p.ordered
		if !ok {
			return built[T]{}, io.EOF
		}
		<-b.ready
		p.cur, p.i = b, 0
	}
	p.i++
	return p.cur.out[p.i-1], nil
}

// Close stops the reader and the builders; the file can be closed once it returns.
func (p *buildPipe[T]) Close() {
	if p.ordered == nil || p.stopped {
		return
	}
	p.stopped = true
	close(p.stop)
	for range p.ordered { // unblock the reader
	}
	p.wg.Wait()
}

// eachRow reads an import's input from the start and hands every row, built by build, to fn,
// in file order; a malformed row comes with its RowError and a zero value.
func eachRow[T any](in Input, build func(Row) (T, []*RowError), fn func(line int, v T, errs []*RowError) error) error {
	rc, err := in.Open()
	if err != nil {
		return fileErr(err)
	}
	defer rc.Close()
	r, err := NewReader(rc, in.Name, in.ReadOptions)
	if err != nil {
		return fileErr(err)
	}
	p := newBuildPipe(r, build)
	defer p.Close()
	for {
		b, err := p.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fileErr(err)
		}
		if err := fn(b.line, b.v, b.errs); err != nil {
			return err
		}
	}
}
