package output

import (
	"fmt"
	"io"
	"testing"
)

// The cost of terminal safety on the human formats: 10,000 contact-like rows as TSV, clean
// text (the common case, a scan and no copy) and text full of escape sequences.
func benchmarkTSV(b *testing.B, name string) {
	rows := make([][]any, 10000)
	for i := range rows {
		rows[i] = []any{fmt.Sprintf("CUST-%05d", i), name, "Contoso AG", "ada@example.com", "+41445551234"}
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := writeTSV(io.Discard, rows); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkTSVClean(b *testing.B)   { benchmarkTSV(b, "Ada Lovelace-Zürich") }
func BenchmarkTSVHostile(b *testing.B) { benchmarkTSV(b, "Evil\x1b[31mRED\x1b]0;pwned\a\x1b[2J") }

func BenchmarkSafeTextClean(b *testing.B) {
	s := "Ada Lovelace, Contoso AG, Bahnhofstrasse 1, 8001 Zürich"
	b.ReportAllocs()
	for b.Loop() {
		_ = SafeText(s)
	}
}

// A terminal table of 1,000 contact-like rows that is wider than the terminal: the cost of
// fitting it (fitColumns) next to tablewriter's own rendering.
func BenchmarkTableOnANarrowTerminal(b *testing.B) {
	rows := make([][]any, 1000)
	for i := range rows {
		rows[i] = []any{fmt.Sprintf("CUST-%05d", i), "Ada Lovelace", "Analytical Engines of London Ltd", "ada@example.com", "+41445551234"}
	}
	cols := Cols("EXTERNAL ID=a", "NAME=b", "COMPANY=c", "EMAIL=d", "PHONE=e")
	s, _, _, _ := Test()
	s.Out = io.Discard
	s.SetTerminalWidth(80)
	b.ReportAllocs()
	for b.Loop() {
		cells := make([][]any, len(rows))
		for i := range rows {
			cells[i] = append([]any(nil), rows[i]...)
		}
		if err := writeTable(s, cells, cols); err != nil {
			b.Fatal(err)
		}
	}
}
