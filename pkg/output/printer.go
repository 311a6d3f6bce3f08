package output

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"reflect"
	"strconv"
	"strings"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/renderer"
	"github.com/olekukonko/tablewriter/tw"
	"go.yaml.in/yaml/v3"
)

// Format is one of the -o values.
type Format string

const (
	FormatTable Format = "table"
	FormatJSON  Format = "json"
	FormatYAML  Format = "yaml"
	FormatCSV   Format = "csv"
)

// Formats lists the -o values in the order help shows them.
var Formats = []string{string(FormatTable), string(FormatJSON), string(FormatYAML), string(FormatCSV)}

// ParseFormat checks an -o value.
func ParseFormat(s string) (Format, error) {
	for _, f := range Formats {
		if strings.EqualFold(s, f) {
			return Format(f), nil
		}
	}
	return "", fmt.Errorf("invalid output format %q: allowed: %s", s, strings.Join(Formats, ", "))
}

// Column names one column of table and csv output. Field is a dotted path into the JSON form of
// a row ("customer.firstName"); an empty Field means the row itself (lists of strings).
type Column struct {
	Header string
	Field  string
	// Human, when set, renders the cell for people: in table output (a terminal, or
	// tab-separated lines when piped). csv, json and yaml keep the value as it is.
	Human func(v any) string
}

// Cols builds columns from "HEADER=field" pairs, which keeps command code to one line.
func Cols(pairs ...string) []Column {
	cols := make([]Column, 0, len(pairs))
	for _, p := range pairs {
		h, f, _ := strings.Cut(p, "=")
		cols = append(cols, Column{Header: h, Field: f})
	}
	return cols
}

// Printer writes command results in the format the user chose.
type Printer struct {
	IO     *IOStreams
	Format Format
	JQ     *Query
}

// Print writes data (a struct, a slice, or anything JSON-encodable). Table and csv output use
// cols; JSON and YAML always carry every field, with the API's field names.
func (p *Printer) Print(data any, cols []Column) error {
	raw, err := marshal(data)
	if err != nil {
		return err
	}
	return p.PrintRaw(raw, cols)
}

// PrintRaw is Print for a JSON document that is already encoded (raw API answers).
func (p *Printer) PrintRaw(raw []byte, cols []Column) error {
	if p.JQ != nil {
		return p.JQ.Run(p.IO, raw)
	}
	switch p.Format {
	case FormatJSON:
		return writeIndentedJSON(p.IO.Out, raw)
	case FormatYAML:
		return writeYAML(p.IO.Out, raw)
	case FormatCSV:
		rows, cols, err := tabulate(raw, cols)
		if err != nil {
			return err
		}
		return writeCSV(p.IO.Out, rows, cols, p.IO.IsStdoutTTY())
	default:
		rows, cols, err := tabulate(raw, cols)
		if err != nil {
			return err
		}
		humanize(rows, cols)
		if len(rows) == 0 {
			if p.IO.IsStdoutTTY() {
				fmt.Fprintln(p.IO.ErrOut, "no results")
			}
			return nil
		}
		if p.IO.IsStdoutTTY() {
			return writeTable(p.IO, rows, cols)
		}
		return writeTSV(p.IO.Out, rows)
	}
}

func marshal(v any) ([]byte, error) {
	if raw, ok := v.(json.RawMessage); ok {
		return raw, nil
	}
	// An empty answer often arrives as a nil slice, which encodes as null: a list is [] to
	// a script, whether or not it has rows.
	if rv := reflect.ValueOf(v); rv.Kind() == reflect.Slice && rv.IsNil() {
		return []byte("[]"), nil
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

func writeIndentedJSON(w io.Writer, raw []byte) error {
	var buf bytes.Buffer
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil
	}
	if err := json.Indent(&buf, escapeJSONControls(raw), "", "  "); err != nil {
		return fmt.Errorf("the answer is not JSON: %w", err)
	}
	buf.WriteByte('\n')
	_, err := w.Write(buf.Bytes())
	return err
}

// writeYAML converts through yaml.Node so that fields keep the order they have in JSON. The
// control characters are escaped first: the YAML reader refuses them raw, and its writer
// then shows them escaped.
func writeYAML(w io.Writer, raw []byte) error {
	var node yaml.Node
	if err := yaml.Unmarshal(escapeJSONControls(raw), &node); err != nil {
		return fmt.Errorf("the answer is not JSON: %w", err)
	}
	blockStyle(&node)
	enc := yaml.NewEncoder(w)
	enc.SetIndent(2)
	if err := enc.Encode(&node); err != nil {
		return err
	}
	return enc.Close()
}

func blockStyle(n *yaml.Node) {
	if n.Kind == yaml.MappingNode || n.Kind == yaml.SequenceNode {
		n.Style = 0
	}
	if n.Kind == yaml.ScalarNode && n.Tag == "!!str" {
		n.Style = 0
	}
	for _, c := range n.Content {
		blockStyle(c)
	}
}

// humanize applies the columns' Human renderers.
func humanize(rows [][]any, cols []Column) {
	for i, c := range cols {
		if c.Human == nil {
			continue
		}
		for _, row := range rows {
			row[i] = c.Human(row[i])
		}
	}
}

// Percent renders a fraction as a percentage with up to two decimals: 0.375 → 37.5%,
// 1 → 100%. Anything that is not a number is left as it is.
func Percent(v any) string {
	var f float64
	switch x := v.(type) {
	case json.Number:
		var err error
		if f, err = x.Float64(); err != nil {
			return x.String()
		}
	case float64:
		f = x
	default:
		return Cell(v, ", ")
	}
	return strconv.FormatFloat(math.Round(f*1e4)/1e2, 'f', -1, 64) + "%"
}

// tabulate turns a JSON value into rows of cells. A JSON array gives one row per element; any
// other value gives one row.
func tabulate(raw []byte, cols []Column) ([][]any, []Column, error) {
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil, cols, nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, nil, fmt.Errorf("the answer is not JSON: %w", err)
	}
	items, ok := v.([]any)
	if !ok {
		if v == nil {
			return nil, cols, nil
		}
		items = []any{v}
	}
	if len(cols) == 0 {
		cols = guessColumns(raw, items)
	}
	rows := make([][]any, 0, len(items))
	for _, it := range items {
		row := make([]any, len(cols))
		for i, c := range cols {
			row[i] = lookup(it, c.Field)
		}
		rows = append(rows, row)
	}
	return rows, cols, nil
}

// guessColumns uses the keys of the first object, in the order the JSON has them.
func guessColumns(raw []byte, items []any) []Column {
	if len(items) == 0 {
		return nil
	}
	if _, ok := items[0].(map[string]any); !ok {
		return []Column{{Header: "VALUE"}}
	}
	keys := firstObjectKeys(raw)
	cols := make([]Column, 0, len(keys))
	for _, k := range keys {
		cols = append(cols, Column{Header: strings.ToUpper(k), Field: k})
	}
	return cols
}

func firstObjectKeys(raw []byte) []string {
	raw = bytes.TrimSpace(raw)
	if len(raw) > 0 && raw[0] == '[' {
		var arr []json.RawMessage
		if json.Unmarshal(raw, &arr) != nil || len(arr) == 0 {
			return nil
		}
		raw = arr[0]
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil
	}
	var keys []string
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return keys
		}
		k, _ := t.(string)
		keys = append(keys, k)
		var skip json.RawMessage
		if dec.Decode(&skip) != nil {
			return keys
		}
	}
	return keys
}

// lookup follows a dotted path through decoded JSON.
func lookup(v any, path string) any {
	if path == "" {
		return v
	}
	for _, part := range strings.Split(path, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[part]
	}
	return v
}

// Cell renders one decoded JSON value as text; sep joins list elements.
func Cell(v any, sep string) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case json.Number:
		return x.String()
	case bool:
		if x {
			return "true"
		}
		return "false"
	case []any:
		parts := make([]string, 0, len(x))
		for _, e := range x {
			parts = append(parts, Cell(e, sep))
		}
		return strings.Join(parts, sep)
	case map[string]any:
		if name, ok := x["name"]; ok {
			if val, ok := x["value"]; ok && len(x) == 2 {
				return Cell(name, sep) + "=" + Cell(val, sep)
			}
		}
		if upn, ok := x["upn"]; ok {
			if pr, ok := x["priority"]; ok && pr != nil {
				return Cell(upn, sep) + ":" + Cell(pr, sep)
			}
			return Cell(upn, sep)
		}
		b, _ := marshal(x)
		return string(b)
	default:
		return fmt.Sprint(x)
	}
}

func writeTSV(w io.Writer, rows [][]any) error {
	var buf bytes.Buffer
	for _, row := range rows {
		for i, c := range row {
			if i > 0 {
				buf.WriteByte('\t')
			}
			buf.WriteString(safeCell(Cell(c, ", ")))
		}
		buf.WriteByte('\n')
	}
	_, err := w.Write(buf.Bytes())
	return err
}

// flattener puts a cell on one line (built once: a Replacer per cell cost most of a table).
var flattener = strings.NewReplacer("\t", " ", "\r\n", " ", "\n", " ", "\r", " ")

func flatten(s string) string { return flattener.Replace(s) }

func writeTable(s *IOStreams, rows [][]any, cols []Column) error {
	cells := make([][]string, 0, len(rows)+1)
	headers := make([]string, len(cols))
	for i, c := range cols {
		headers[i] = safeCell(c.Header) // guessed columns are the answer's own keys
	}
	cells = append(cells, headers)
	for _, row := range rows {
		line := make([]string, len(row))
		for i, c := range row {
			line[i] = safeCell(Cell(c, ", "))
		}
		cells = append(cells, line)
	}
	fitColumns(cells, s.TerminalWidth())
	var buf bytes.Buffer
	t := tablewriter.NewTable(&buf,
		tablewriter.WithHeaderAutoFormat(tw.Off),
		tablewriter.WithRowAutoWrap(tw.WrapNone), // fitColumns wraps, to the terminal's width
		tablewriter.WithHeaderAlignment(tw.AlignLeft),
		tablewriter.WithRowAlignment(tw.AlignLeft),
		tablewriter.WithTrimSpace(tw.Off),
		tablewriter.WithPadding(tw.Padding{Left: "", Right: "  ", Overwrite: true}),
		tablewriter.WithRenderer(renderer.NewBlueprint(tw.Rendition{
			Borders: tw.BorderNone,
			Symbols: tw.NewSymbols(tw.StyleNone),
			Settings: tw.Settings{
				Separators: tw.Separators{BetweenColumns: tw.Off},
				Lines:      tw.Lines{ShowHeaderLine: tw.Off},
			},
		})),
	)
	t.Header(anySlice(cells[0])...)
	for _, row := range cells[1:] {
		if err := t.Append(row); err != nil {
			return err
		}
	}
	if err := t.Render(); err != nil {
		return err
	}
	// The last column is padded like the others: trailing blanks a terminal does not need.
	lines := bytes.SplitAfter(buf.Bytes(), []byte("\n"))
	for i, l := range lines {
		if bytes.HasSuffix(l, []byte("\n")) {
			lines[i] = append(bytes.TrimRight(l[:len(l)-1], " "), '\n')
		}
	}
	_, err := s.Out.Write(bytes.Join(lines, nil))
	return err
}

func anySlice(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// writeCSV writes the exact values (formula-defused), except on a terminal, where a person
// reads them: there control characters are shown escaped, as in a table.
func writeCSV(w io.Writer, rows [][]any, cols []Column, tty bool) error {
	if len(cols) == 0 {
		// No rows and no columns declared (they come from the rows): an empty file, not an
		// empty header line a reader would take for a row.
		return nil
	}
	cw := csv.NewWriter(w)
	header := make([]string, len(cols))
	for i, c := range cols {
		header[i] = c.Field
		if c.Field == "" {
			header[i] = strings.ToLower(c.Header)
		}
		if tty {
			header[i] = SafeText(header[i])
		}
	}
	if err := cw.Write(header); err != nil {
		return err
	}
	rec := make([]string, len(cols))
	for _, row := range rows {
		for i, c := range row {
			rec[i] = SafeCSVCell(Cell(c, "|"))
			if tty {
				rec[i] = SafeText(rec[i])
			}
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// SafeCSVCell defuses spreadsheet formulas: a cell starting with = + - @ (or tab/CR) gets a
// leading apostrophe unless it is plainly a number or phone number ("+41 44 123 45 67"), which
// spreadsheets do not execute. The importer strips that apostrophe again, so exports
// round-trip — also a value that itself starts with an apostrophe the importer would strip
// ("'=x", or two apostrophes): it gets one more.
func SafeCSVCell(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '@', '\t', '\r':
		return "'" + s
	case '+', '-':
		if plainNumber(s[1:]) {
			return s
		}
		return "'" + s
	case '\'':
		if len(s) >= 2 && strings.ContainsRune(defused, rune(s[1])) {
			return "'" + s
		}
	}
	return s
}

// defused are the characters after which UndoSafeCSVCell strips a leading apostrophe.
const defused = "=+-@\t\r'"

// UndoSafeCSVCell reverses SafeCSVCell.
func UndoSafeCSVCell(s string) string {
	if len(s) >= 2 && s[0] == '\'' && strings.ContainsRune(defused, rune(s[1])) {
		return s[1:]
	}
	return s
}

func plainNumber(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !(r >= '0' && r <= '9') && !strings.ContainsRune(" ()./-", r) {
			return false
		}
	}
	return true
}
