package bulk

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"unicode/utf8"

	"github.com/nimbusctl/nimbusctl/pkg/nimbus"
)

// Input is a file an import reads twice (validation, then apply). Both passes read a private
// copy taken once (FileInput), so that what is sent is what was checked, even when the
// export is rewritten meanwhile; stdin is copied the same way.
type Input struct {
	Name        string // as the user wrote it, for messages
	Open        func() (io.ReadCloser, error)
	ReadOptions ReadOptions
	Format      string // "csv", "json", or "" to tell from the name and content
	size        int64  // bytes, when known (a hint for sizing)
}

// FileInput copies a named file, or with "-" stdin, to a temporary file that both passes
// read, removed by the returned cleanup. A file that changes while it is copied (an export
// still being written) is refused.
func FileInput(name string, stdin io.Reader, opts ReadOptions) (Input, func(), error) {
	in := Input{Name: name, ReadOptions: opts}
	none := func() {}
	src, label := stdin, "stdin"
	var file *os.File
	var before os.FileInfo
	if name != "-" {
		st, err := os.Stat(name)
		if err != nil {
			return in, none, err
		}
		if st.IsDir() {
			return in, none, errors.New("it is a directory, not a file")
		}
		if file, err = os.Open(name); err != nil {
			return in, none, err
		}
		defer file.Close()
		if before, err = file.Stat(); err != nil {
			return in, none, err
		}
		src, label = file, name
	} else {
		in.Name = "stdin"
	}
	tmp, err := os.CreateTemp("", "nimbusctl-input-*")
	if err != nil {
		return in, none, err
	}
	path := tmp.Name()
	cleanup := func() { tmp.Close(); os.Remove(path) }
	if runtime.GOOS != "windows" {
		// Unlinked at once, the copy lives as long as the open file: however the run ends
		// (even SIGKILL), no copy of the customers' data is left behind.
		os.Remove(path)
	}
	size, err := io.Copy(tmp, src)
	if err != nil {
		cleanup()
		return in, none, fmt.Errorf("reading %s: %w", label, err)
	}
	if file != nil && before.Mode().IsRegular() { // a pipe (<(cmd)) is read once, whatever its times say
		after, err := file.Stat()
		if err == nil && (after.Size() != before.Size() || !after.ModTime().Equal(before.ModTime())) {
			cleanup()
			return in, none, errors.New("it changed while it was read (an export still being written?): nothing was sent; run again once it is complete")
		}
	}
	enc, err := sniffEncoding(io.NewSectionReader(tmp, 0, size), opts.Encoding)
	if err != nil {
		cleanup()
		return in, none, err
	}
	in.ReadOptions.Encoding, in.size = enc, size
	// Each pass reads the copy from the start, on its own offset.
	in.Open = func() (io.ReadCloser, error) { return io.NopCloser(io.NewSectionReader(tmp, 0, size)), nil }
	return in, cleanup, nil
}

// sniffEncoding settles --encoding auto for a whole file, not just its first 64 KB: an Excel
// export sorted by id may have its first umlaut anywhere. Valid UTF-8 throughout (or a BOM)
// is UTF-8; bytes that are not UTF-8 and no UTF-8 letter at all is Windows-1252. A file that
// mixes both stays UTF-8, and the reader refuses its rows that are not (a guess would mangle
// the rest). Other values of enc are returned as they are.
func sniffEncoding(f io.Reader, enc string) (string, error) {
	if e := strings.ToLower(enc); e != "" && e != "auto" {
		return enc, nil
	}
	buf := make([]byte, 256<<10)
	kept := 0 // bytes of a rune cut at the end of the last chunk, moved to the front
	multibyte, invalid := false, false
	for first := true; ; first = false {
		n, err := io.ReadFull(f, buf[kept:])
		chunk := buf[:kept+n]
		end := err != nil
		if first && bytes.HasPrefix(chunk, []byte{0xEF, 0xBB, 0xBF}) {
			return "utf-8", nil
		}
		whole := chunk
		if !end {
			whole = completeRunes(chunk)
		}
		m, bad := scanUTF8(whole)
		multibyte, invalid = multibyte || m, invalid || bad
		kept = copy(buf, chunk[len(whole):])
		if end {
			if err != io.EOF && err != io.ErrUnexpectedEOF {
				return "", err
			}
			break
		}
	}
	if invalid && !multibyte {
		return "windows-1252", nil
	}
	return "utf-8", nil
}

// scanUTF8 reports whether b holds UTF-8 letters beyond ASCII, and bytes that are not UTF-8.
func scanUTF8(b []byte) (multibyte, invalid bool) {
	if utf8.Valid(b) {
		for _, c := range b {
			if c >= utf8.RuneSelf {
				return true, false
			}
		}
		return false, false
	}
	for i := 0; i < len(b); {
		if b[i] < utf8.RuneSelf {
			i++
			continue
		}
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size == 1 {
			invalid = true
		} else {
			multibyte = true
		}
		i += size
	}
	return multibyte, invalid
}

// isJSON tells a JSON file (array or JSON lines) from a CSV one.
func (in Input) isJSON(head []byte) bool {
	switch strings.ToLower(in.Format) {
	case "json":
		return true
	case "csv":
		return false
	}
	if ext := strings.ToLower(filepath.Ext(in.Name)); ext == ".json" || ext == ".jsonl" || ext == ".ndjson" {
		return true
	}
	t := bytes.TrimLeft(bytes.TrimPrefix(head, []byte{0xEF, 0xBB, 0xBF}), " \t\r\n")
	return len(t) > 0 && (t[0] == '[' || t[0] == '{')
}

// contactRow is one contact of a file: line, contact, its problems. unread: the row could not
// be read at all (its key is unknown). phones: its numbers, when asked for.
type contactRow struct {
	line   int
	c      nimbus.Contact
	errs   []*RowError
	unread bool
	phones []PhoneNote
}

// contactSource yields contacts in file order (io.EOF at the end), and knows how to merge them
// onto the server's.
type contactSource interface {
	Next() (contactRow, error)
	Merge(server, file nimbus.Contact) nimbus.Contact
	KeyColumn() string
	Close() error
}

// contacts opens the file's contacts; phones notes every row's phone numbers (--dry-run).
func (in Input) contacts(ci *ContactImport, phones bool) (contactSource, error) {
	rc, err := in.Open()
	if err != nil {
		return nil, err
	}
	br := bufio.NewReaderSize(rc, 64<<10)
	head, _ := br.Peek(512)
	if in.isJSON(head) {
		if bytes.HasPrefix(head, []byte{0xEF, 0xBB, 0xBF}) {
			br.Discard(3)
		}
		first := bytes.TrimLeft(bytes.TrimPrefix(head, []byte{0xEF, 0xBB, 0xBF}), " \t\r\n")
		dec := json.NewDecoder(br)
		dec.DisallowUnknownFields() // a misspelt field would otherwise be dropped silently
		return &jsonContacts{rc: rc, dec: dec, name: displayName(in.Name), array: len(first) > 0 && first[0] == '['}, nil
	}
	r, err := NewReader(br, in.Name, in.ReadOptions)
	if err != nil {
		rc.Close()
		return nil, err
	}
	m, err := ContactSchema.Resolve(r.Header, ci.Maps, ci.IDColumn, "externalId")
	if err != nil {
		rc.Close()
		return nil, err
	}
	if m.IDCol < 0 {
		rc.Close()
		return nil, fmt.Errorf("%s: no column holds the external id: name one externalId (or External ID, ID, Customer ID), or pick one of the file's columns with --id-column (e.g. --id-column %q)", r.Name, suggestIDColumn(m))
	}
	if ci.Warn != nil && len(m.Ignored) > 0 && !ci.warned {
		ci.warned = true
		ci.Warn(fmt.Sprintf("ignoring column(s) %s (use --map \"column=field\" to import them)", quoteList(m.Ignored)))
	}
	b := &ContactBuilder{File: r.Name, Map: m, DefaultCountry: ci.DefaultCountry, KeepPhones: ci.KeepPhones}
	build := func(row Row) (contactRow, []*RowError) {
		c, notes, errs := b.build(row, phones)
		return contactRow{c: c, phones: notes}, errs
	}
	return &csvContacts{rc: rc, b: b, rows: newBuildPipe(r, build)}, nil
}

// suggestIDColumn picks a column of the file to show in the --id-column hint: the first that
// holds e-mail addresses (unique per person in most exports), else the first named one.
func suggestIDColumn(m *Mapping) string {
	for i, t := range m.Targets {
		if t.Field == "emailAddresses" {
			return m.Header[i]
		}
	}
	for _, h := range m.Header {
		if h != "" {
			return h
		}
	}
	return "Email"
}

func displayName(n string) string {
	if n == "-" || n == "" {
		return "stdin"
	}
	return n
}

func quoteList(items []string) string {
	q := make([]string, len(items))
	for i, s := range items {
		q[i] = fmt.Sprintf("%q", s)
	}
	return strings.Join(q, ", ")
}

type csvContacts struct {
	rc   io.Closer
	b    *ContactBuilder
	rows *buildPipe[contactRow]
}

func (s *csvContacts) Next() (contactRow, error) {
	r, err := s.rows.Next()
	if err != nil {
		return contactRow{}, err
	}
	out := r.v
	out.line, out.errs, out.unread = r.line, r.errs, r.unread
	return out, nil
}

func (s *csvContacts) Merge(server, file nimbus.Contact) nimbus.Contact {
	return MergeContact(server, file, s.b.Map)
}

func (s *csvContacts) KeyColumn() string { return s.b.Map.Header[s.b.Map.IDCol] }

func (s *csvContacts) Close() error {
	s.rows.Close()
	return s.rc.Close()
}

// jsonContacts reads contacts in the API's own shape: a JSON array, or one object per line.
// "Lines" are item numbers. A JSON contact is whole: it replaces the server's.
type jsonContacts struct {
	rc      io.Closer
	dec     *json.Decoder
	name    string
	n       int
	started bool
	array   bool
}

func (s *jsonContacts) Next() (contactRow, error) {
	if s.array && !s.started {
		if _, err := s.dec.Token(); err != nil { // the opening [
			return contactRow{}, fmt.Errorf("%s: %v", s.name, err)
		}
	}
	s.started = true
	if !s.dec.More() {
		return contactRow{}, io.EOF
	}
	s.n++
	var c nimbus.Contact
	if err := s.dec.Decode(&c); err != nil {
		return contactRow{}, fmt.Errorf("%s: item %d: %v", s.name, s.n, err)
	}
	var errs []*RowError
	if err := c.Validate(); err != nil {
		for _, fe := range err.(nimbus.ValidationError) {
			errs = append(errs, &RowError{File: s.name, Line: s.n, Column: fe.Field, Msg: fe.Msg})
		}
	}
	return contactRow{line: s.n, c: c, errs: errs}, nil
}

func (s *jsonContacts) Merge(_, file nimbus.Contact) nimbus.Contact { return file }
func (s *jsonContacts) KeyColumn() string                           { return "externalId" }
func (s *jsonContacts) Close() error                                { return s.rc.Close() }
