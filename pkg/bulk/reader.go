// Package bulk is the engine behind imports and exports: a streaming CSV reader that copes with
// Excel and CRM exports, column mapping, a validation pass before any write, a convergent plan
// against the current state, a worker pool that shares the service's rate limiter, a per-row
// report and progress.
package bulk

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"

	"github.com/nimbusctl/nimbusctl/pkg/output"
)

// Reader streams the records of a CSV file in constant memory: UTF-8 with or without BOM,
// comma, semicolon or tab as sniffed from the header line (Excel in Switzerland and Germany
// writes semicolons), CRLF or LF.
type Reader struct {
	Name   string   // file name for messages ("-" is shown as "stdin")
	Header []string // the header cells, trimmed
	Comma  rune

	cr        *csv.Reader
	rec       []string
	pending   *pendingRow // a row read ahead while telling an unclosed quote from a stray one
	checkUTF8 bool        // the bytes are taken as UTF-8: a cell that is not is refused, not mangled
	tail      *tailReader
	lines     int // lines before the header that csv does not see (Excel's "sep=;")
}

// tailReader remembers the last byte read and whether the input has ended, so that the reader
// can tell a last row cut off mid-way from one whose empty cells Excel left out.
type tailReader struct {
	r    io.Reader
	last byte
	eof  bool
}

func (t *tailReader) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	if n > 0 {
		t.last = p[n-1]
	}
	if err == io.EOF {
		t.eof = true
	}
	return n, err
}

type pendingRow struct {
	rec  []string
	line int
	err  error
}

// ReadOptions tune NewReader; the zero value sniffs everything.
type ReadOptions struct {
	Comma    rune   // 0: sniff from the header line
	Encoding string // "auto" (default), "utf-8" or "windows-1252"
}

// NewReader reads the header line of r. name is used in messages.
func NewReader(r io.Reader, name string, opts ReadOptions) (*Reader, error) {
	if name == "-" || name == "" {
		name = "stdin"
	}
	br := bufio.NewReaderSize(r, 64<<10)
	if bom, err := br.Peek(3); err == nil && bytes.Equal(bom, []byte{0xEF, 0xBB, 0xBF}) {
		br.Discard(3)
		opts.Encoding = "utf-8"
	}
	head, _ := br.Peek(br.Size())
	if len(bytes.TrimSpace(head)) == 0 {
		return nil, fmt.Errorf("%s: the file is empty", name)
	}
	if err := checkText(name, head); err != nil {
		return nil, err
	}
	var src io.Reader = br
	decode := false
	switch strings.ToLower(opts.Encoding) {
	case "", "auto":
		// Excel's plain "CSV" on Western Windows is Windows-1252, not UTF-8. (FileInput looks
		// at the whole file; this is what a stream's first 64 KB tell.)
		decode = !utf8.Valid(completeRunes(head))
	case "utf-8", "utf8":
	case "windows-1252", "cp1252", "latin1", "iso-8859-1":
		decode = true
	default:
		return nil, fmt.Errorf("unknown encoding %q: use auto, utf-8 or windows-1252", opts.Encoding)
	}
	if decode {
		src = charmap.Windows1252.NewDecoder().Reader(br)
	}
	comma := opts.Comma
	skipped := 0
	if sep, n, ok := excelSep(head); ok {
		// "sep=;" before the header is Excel's hint for the separator, not the header.
		br.Discard(n)
		head, skipped = head[n:], 1
		if comma == 0 {
			comma = sep
		}
	}
	if comma == 0 {
		comma = sniffComma(firstLine(head))
	}
	tail := &tailReader{r: src}
	cr := csv.NewReader(tail)
	cr.Comma = comma
	cr.FieldsPerRecord = -1 // checked per row, with a clearer message
	cr.ReuseRecord = true
	rd := &Reader{Name: name, Comma: comma, cr: cr, checkUTF8: !decode, tail: tail, lines: skipped}
	header, err := cr.Read()
	if err != nil {
		return nil, rd.parseErr(err)
	}
	rd.Header = make([]string, len(header))
	for i, h := range header {
		rd.Header[i] = strings.TrimSpace(h)
	}
	if err := rd.notUTF8(1+skipped, rd.Header); err != nil {
		return nil, err
	}
	return rd, nil
}

// Row is one data record. Cells is reused by the next Read: copy what you keep.
type Row struct {
	Line  int // line of the record's first field in the file
	Cells []string
}

// Read returns the next record, or io.EOF. Blank lines are skipped, and so are rows of empty
// cells (Excel writes ";;;;" for each row whose cells were cleared rather than deleted).
func (r *Reader) Read() (Row, error) {
	for {
		rec, line, err := r.next()
		if err != nil {
			if err == io.EOF {
				return Row{}, io.EOF
			}
			return Row{}, r.parseErr(err)
		}
		if allEmpty(rec) {
			continue
		}
		if len(rec) != len(r.Header) {
			// Excel drops trailing empty cells of a row; accept fewer, refuse more.
			if len(rec) > len(r.Header) && !allEmpty(rec[len(r.Header):]) {
				return Row{Line: line, Cells: rec}, &RowError{File: r.Name, Line: line, Msg: fmt.Sprintf("%d cells but the header has %d columns", len(rec), len(r.Header))}
			}
			n := len(rec)
			rec = fit(rec, len(r.Header), &r.rec) // before cutOff reads on into the csv reader's record
			if n < len(r.Header) && r.cutOff() {
				return Row{Line: line, Cells: rec}, &RowError{File: r.Name, Line: line, Msg: fmt.Sprintf(
					"the file ends inside this row (%d of %d cells, and no line end): it looks cut off, as an export still being written or a broken copy does; check the file and run again",
					n, len(r.Header))}
			}
		}
		if err := r.notUTF8(line, rec); err != nil {
			return Row{Line: line, Cells: rec}, err
		}
		for i, c := range rec {
			rec[i] = output.UndoSafeCSVCell(strings.TrimSpace(c))
		}
		return Row{Line: line, Cells: rec}, nil
	}
}

// notUTF8 refuses a record with a cell that is not UTF-8 when the file is read as UTF-8:
// sent as it is, each bad byte would be stored as U+FFFD and the name lost.
func (r *Reader) notUTF8(line int, rec []string) error {
	if !r.checkUTF8 {
		return nil
	}
	for i, c := range rec {
		if utf8.ValidString(c) {
			continue
		}
		bad := c[0]
		for j := 0; j < len(c); {
			ru, size := utf8.DecodeRuneInString(c[j:])
			if ru == utf8.RuneError && size == 1 {
				bad = c[j]
				break
			}
			j += size
		}
		col := fmt.Sprintf("cell %d", i+1)
		if i < len(r.Header) && r.Header[i] != "" {
			col = r.Header[i]
		}
		return &RowError{File: r.Name, Line: line, Column: col, Msg: fmt.Sprintf(
			"not UTF-8 text (byte 0x%02X): the file seems to be Windows-1252 (Excel's plain CSV): pass --encoding windows-1252, or save it as CSV UTF-8", bad)}
	}
	return nil
}

// cutOff reports whether the record just read is the file's last and has no line end: with
// fewer cells than the header, that is a file that broke off inside a row. It looks one
// record ahead (kept for the next Read) only once the input has ended.
func (r *Reader) cutOff() bool {
	if !r.tail.eof || r.tail.last == '\n' || r.tail.last == '\r' || r.pending != nil {
		return false
	}
	rec, err := r.cr.Read()
	if err == io.EOF {
		r.pending = &pendingRow{err: io.EOF}
		return true
	}
	p := &pendingRow{rec: append([]string(nil), rec...), err: err}
	p.line, _ = r.cr.FieldPos(0)
	p.line += r.lines
	r.pending = p
	return false
}

// next is the csv reader's next record and its first line, after any row read ahead.
func (r *Reader) next() ([]string, int, error) {
	if p := r.pending; p != nil {
		r.pending = nil
		return p.rec, p.line, p.err
	}
	rec, err := r.cr.Read()
	if err != nil {
		return nil, 0, err
	}
	line, _ := r.cr.FieldPos(0)
	return rec, line + r.lines, nil
}

// parseErr says what is wrong with a malformed record in plain words, at the line where it
// starts. A quote that is never closed swallows the rest of the file: csv reports it at the
// end, so the reader looks one record ahead to tell it from a stray quote.
func (r *Reader) parseErr(err error) error {
	var pe *csv.ParseError
	if !errors.As(err, &pe) {
		return fmt.Errorf("%s: %w", r.Name, err)
	}
	row := &RowError{File: r.Name, Line: pe.StartLine + r.lines}
	switch {
	case errors.Is(pe.Err, csv.ErrBareQuote):
		row.Line = pe.Line + r.lines
		row.Msg = fmt.Sprintf(`a " inside a cell that does not start with one (character %d of the line): put the whole cell in quotes and write each " in it as ""`, pe.Column)
	case errors.Is(pe.Err, csv.ErrQuote):
		rec, err := r.cr.Read()
		if err == io.EOF {
			row.Msg = `a quoted cell opens on this line and is never closed, so every line after it was read into that cell: add the closing "`
			return row
		}
		p := &pendingRow{rec: append([]string(nil), rec...), err: err}
		p.line, _ = r.cr.FieldPos(0)
		p.line += r.lines
		r.pending = p
		row.Line = pe.Line + r.lines
		row.Msg = fmt.Sprintf(`a quoted cell goes on after its closing " (character %d of the line): put the whole cell in quotes and write each " in it as ""`, pe.Column)
	default:
		row.Msg = pe.Err.Error()
	}
	return row
}

// checkText refuses what is not a text file before it is read as CSV: a workbook, a PDF,
// UTF-16 text. Without this a binary file reads as one odd header and "no column holds
// the external id".
func checkText(name string, head []byte) error {
	const fix = "export the data as CSV (in Excel: File > Save As > CSV UTF-8) and import that"
	switch {
	case bytes.HasPrefix(head, []byte{0xFF, 0xFE}), bytes.HasPrefix(head, []byte{0xFE, 0xFF}):
		return fmt.Errorf("%s: not a UTF-8 CSV file (it is UTF-16 text, as Excel's \"Unicode Text\" writes): %s", name, fix)
	case bytes.HasPrefix(head, []byte("PK\x03\x04")):
		return fmt.Errorf("%s: not a text CSV file (it is a zip archive, such as an Excel .xlsx workbook): %s", name, fix)
	case bytes.HasPrefix(head, []byte{0xD0, 0xCF, 0x11, 0xE0}):
		return fmt.Errorf("%s: not a text CSV file (it is an Excel .xls workbook or another Office file): %s", name, fix)
	case bytes.HasPrefix(head, []byte("%PDF")):
		return fmt.Errorf("%s: not a text CSV file (it is a PDF): %s", name, fix)
	}
	if i := bytes.IndexByte(head, 0); i >= 0 {
		return fmt.Errorf("%s: not a text CSV file (it holds binary data: a NUL byte at byte %d): %s", name, i, fix)
	}
	return nil
}

// Offset is how far into the input the reader is (for progress).
func (r *Reader) Offset() int64 { return r.cr.InputOffset() }

// fit pads or cuts rec to n cells, reusing buf.
func fit(rec []string, n int, buf *[]string) []string {
	if cap(*buf) < n {
		*buf = make([]string, n)
	}
	out := (*buf)[:n]
	copy(out, rec)
	for i := len(rec); i < n; i++ {
		out[i] = ""
	}
	return out
}

func allEmpty(cells []string) bool {
	for _, c := range cells {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

// FileError is a problem with the input file as a whole (unreadable, not CSV, no key column):
// invalid input, reported before anything is sent.
type FileError struct{ Err error }

func (e *FileError) Error() string { return e.Err.Error() }
func (e *FileError) Unwrap() error { return e.Err }

func fileErr(err error) error {
	if err == nil {
		return nil
	}
	var fe *FileError
	if errors.As(err, &fe) {
		return err
	}
	return &FileError{err}
}

// RowError is a problem with one row (or one cell) of an input file.
type RowError struct {
	File   string
	Line   int
	Column string // header name, when the problem is one cell
	Msg    string
}

func (e *RowError) Error() string {
	if e.Column != "" {
		return fmt.Sprintf("%s:%d: %s: %s", e.File, e.Line, e.Column, e.Msg)
	}
	return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
}

// excelSep reads Excel's "sep=X" line at the start of a file: the separator and the length
// of the line with its end.
func excelSep(head []byte) (rune, int, bool) {
	if len(head) < 5 || !bytes.EqualFold(head[:4], []byte("sep=")) {
		return 0, 0, false
	}
	sep := rune(head[4])
	if sep != ',' && sep != ';' && sep != '\t' {
		return 0, 0, false
	}
	rest := head[5:]
	switch {
	case bytes.HasPrefix(rest, []byte("\r\n")):
		return sep, 7, true
	case bytes.HasPrefix(rest, []byte("\n")):
		return sep, 6, true
	}
	return 0, 0, false
}

// firstLine is the header line: up to the first newline outside quotes.
func firstLine(b []byte) []byte {
	inQuote := false
	for i, c := range b {
		switch c {
		case '"':
			inQuote = !inQuote
		case '\n':
			if !inQuote {
				return b[:i]
			}
		}
	}
	return b
}

// completeRunes drops a rune cut in half at the end of a peeked buffer.
func completeRunes(b []byte) []byte {
	for i := len(b) - 1; i >= 0 && i >= len(b)-utf8.UTFMax; i-- {
		if utf8.RuneStart(b[i]) {
			if !utf8.FullRune(b[i:]) {
				return b[:i]
			}
			break
		}
	}
	return b
}

// sniffComma picks the delimiter that splits the header line most, outside quotes.
func sniffComma(line []byte) rune {
	counts := map[rune]int{}
	inQuote := false
	for _, c := range string(line) {
		if c == '"' {
			inQuote = !inQuote
			continue
		}
		if !inQuote && (c == ',' || c == ';' || c == '\t') {
			counts[c]++
		}
	}
	best := ','
	for _, c := range []rune{';', '\t'} {
		if counts[c] > counts[best] {
			best = c
		}
	}
	return best
}
