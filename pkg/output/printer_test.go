package output

import (
	"errors"
	"strings"
	"testing"
	"time"
)

type book struct {
	Name string   `json:"name"`
	ID   string   `json:"id"`
	Tags []string `json:"tags,omitempty"`
	N    int      `json:"n"`
}

var books = []book{{Name: "Customers", ID: "ab-1", Tags: []string{"a", "b"}, N: 2}, {Name: "Partners", ID: "ab-2", N: 10}}

func print(t *testing.T, format Format, tty bool, jq string, data any, cols []Column) (string, string) {
	t.Helper()
	s, _, out, errOut := Test()
	s.SetStdoutTTY(tty)
	p := &Printer{IO: s, Format: format}
	if jq != "" {
		q, err := ParseJQ(jq)
		if err != nil {
			t.Fatal(err)
		}
		p.JQ = q
	}
	if err := p.Print(data, cols); err != nil {
		t.Fatal(err)
	}
	return out.String(), errOut.String()
}

var bookCols = Cols("NAME=name", "ID=id", "TAGS=tags")

func TestJSONKeepsFieldOrderAndNames(t *testing.T) {
	out, _ := print(t, FormatJSON, false, "", books[:1], bookCols)
	want := "[\n  {\n    \"name\": \"Customers\",\n    \"id\": \"ab-1\",\n    \"tags\": [\n      \"a\",\n      \"b\"\n    ],\n    \"n\": 2\n  }\n]\n"
	if out != want {
		t.Errorf("got\n%s\nwant\n%s", out, want)
	}
}

func TestYAMLKeepsFieldOrder(t *testing.T) {
	out, _ := print(t, FormatYAML, false, "", books[1], nil)
	want := "name: Partners\nid: ab-2\nn: 10\n"
	if out != want {
		t.Errorf("got\n%q\nwant\n%q", out, want)
	}
}

func TestTSVWithoutHeaderWhenPiped(t *testing.T) {
	out, _ := print(t, FormatTable, false, "", books, bookCols)
	want := "Customers\tab-1\ta, b\nPartners\tab-2\t\n"
	if out != want {
		t.Errorf("got %q want %q", out, want)
	}
}

func TestTableWithHeaderOnTTY(t *testing.T) {
	out, _ := print(t, FormatTable, true, "", books, bookCols)
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	if len(lines) != 3 || !strings.HasPrefix(strings.TrimSpace(lines[0]), "NAME") || !strings.Contains(lines[1], "Customers") {
		t.Fatalf("table:\n%s", out)
	}
	if strings.ContainsAny(out, "│┌─+|") {
		t.Errorf("table should be borderless:\n%s", out)
	}
}

func TestEmptyListSaysSoOnlyOnTTY(t *testing.T) {
	out, errOut := print(t, FormatTable, true, "", []book{}, bookCols)
	if out != "" || errOut != "no results\n" {
		t.Errorf("out=%q err=%q", out, errOut)
	}
	out, errOut = print(t, FormatTable, false, "", []book{}, bookCols)
	if out != "" || errOut != "" {
		t.Errorf("piped: out=%q err=%q", out, errOut)
	}
	out, _ = print(t, FormatJSON, false, "", []book{}, bookCols)
	if out != "[]\n" {
		t.Errorf("json of empty list = %q", out)
	}
}

func TestCSVUsesFieldNamesAndDefusesFormulas(t *testing.T) {
	rows := []map[string]any{
		{"name": "=HYPERLINK(\"http://x\")", "id": "+41 44 555 12 34", "tags": []string{"@SUM(A1)", "ok"}},
		{"name": "-2+3+cmd|' /C calc'!A0", "id": "-12", "tags": nil},
	}
	out, _ := print(t, FormatCSV, false, "", rows, bookCols)
	want := "name,id,tags\n" +
		"\"'=HYPERLINK(\"\"http://x\"\")\",+41 44 555 12 34,'@SUM(A1)|ok\n" +
		"'-2+3+cmd|' /C calc'!A0,-12,\n"
	if out != want {
		t.Errorf("got\n%s\nwant\n%s", out, want)
	}
	for _, s := range []string{"=1+1", "@x", "+x1", "-y", "+41 44", "plain", "'=2+2", "''", "'''x", "'+41 44", "'plain", "'", "'@SUM(1)"} {
		if UndoSafeCSVCell(SafeCSVCell(s)) != s {
			t.Errorf("round trip of %q failed", s)
		}
	}
}

func TestJQPrintsStringsRaw(t *testing.T) {
	out, _ := print(t, FormatJSON, false, ".[].name", books, nil)
	if out != "Customers\nPartners\n" {
		t.Errorf("got %q", out)
	}
	out, _ = print(t, FormatJSON, false, ".[] | {id, n}", books, nil)
	if out != "{\"id\":\"ab-1\",\"n\":2}\n{\"id\":\"ab-2\",\"n\":10}\n" {
		t.Errorf("got %q", out)
	}
	out, _ = print(t, FormatJSON, false, "map(.n) | add", books, nil)
	if out != "12\n" {
		t.Errorf("numbers: got %q", out)
	}
}

func TestJQErrors(t *testing.T) {
	if _, err := ParseJQ(".[] | "); err == nil {
		t.Error("bad expression accepted")
	}
	s, _, _, _ := Test()
	q, _ := ParseJQ(".foo.bar")
	if err := q.Run(s, []byte(`[1]`)); err == nil || !strings.Contains(err.Error(), "--jq") {
		t.Errorf("err = %v", err)
	}
}

func TestGuessedColumnsFollowJSONOrder(t *testing.T) {
	out, _ := print(t, FormatCSV, false, "", books, nil)
	if !strings.HasPrefix(out, "name,id,tags,n\n") {
		t.Errorf("got %q", out)
	}
	out, _ = print(t, FormatTable, false, "", []string{"a@x", "b@x"}, nil)
	if out != "a@x\nb@x\n" {
		t.Errorf("strings: got %q", out)
	}
}

func TestCellRendersNameValueAndPreferredUsers(t *testing.T) {
	v := []any{map[string]any{"name": "Priority", "value": "High"}, map[string]any{"upn": "a@x", "priority": 3}}
	if got := Cell(v, ", "); got != "Priority=High, a@x:3" {
		t.Errorf("got %q", got)
	}
}

func TestColorOffWithoutTTY(t *testing.T) {
	s, _, _, _ := Test()
	s.SetColorEnabled(true) // even when allowed, stderr is not a terminal here
	st := s.Styles()
	if got := st.SuccessIcon() + st.Red("x"); got != "✓x" {
		t.Errorf("escapes leaked: %q", got)
	}
	s.SetStderrTTY(true)
	if got := s.Styles().Red("x"); got == "x" {
		t.Errorf("colour expected on a colour-enabled TTY")
	}
	s.SetColorEnabled(false)
	if got := s.Styles().Red("x"); got != "x" {
		t.Errorf("NO_COLOR must win: %q", got)
	}
}

// Item 3: --jq cannot read the environment, and is bounded in time and memory.
func TestJQSeesNoEnvironment(t *testing.T) {
	t.Setenv("NIMBUSCTL_TOKEN", "secret-token")
	for expr, want := range map[string]string{"env": "{}\n", "$ENV": "{}\n", "$ENV.NIMBUSCTL_TOKEN": "null\n", "env.NIMBUSCTL_TOKEN": "null\n", "[env[]] | length": "0\n"} {
		if out, _ := print(t, FormatJSON, false, expr, books[:1], nil); out != want {
			t.Errorf("--jq %s printed %q, want %q", expr, out, want)
		}
	}
}

func TestJQBounds(t *testing.T) {
	for _, tc := range []struct {
		name, expr string
		set        func(*Query)
		want       string
	}{
		{"time", "last(range(1e18))", func(q *Query) { q.Timeout = 50 * time.Millisecond },
			"--jq: the expression ran longer than 50ms and was stopped; simplify it, or pipe -o json into jq"},
		{"memory", `reduce range(64) as $i ("x"; . + .) | length`, func(q *Query) { q.MaxMemory = 32 << 20 },
			"--jq: the expression used more than 32 MiB of memory and was stopped; simplify it, or pipe -o json into jq"},
		{"recursion", `def f: [f]; f`, func(q *Query) { q.MaxMemory = 32 << 20 },
			"--jq: the expression used more than 32 MiB of memory and was stopped; simplify it, or pipe -o json into jq"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q, err := ParseJQ(tc.expr)
			if err != nil {
				t.Fatal(err)
			}
			tc.set(q)
			s, _, out, _ := Test()
			err = q.Run(s, []byte(`{"a":1}`))
			var lim *JQLimitError
			if !errors.As(err, &lim) || err.Error() != tc.want {
				t.Fatalf("err %T %v\nwant %q", err, err, tc.want)
			}
			if out.Len() != 0 {
				t.Errorf("printed %q", out.String())
			}
		})
	}
}

func TestHumanColumnsRenderOnlyTableOutput(t *testing.T) {
	t.Parallel()
	data := []map[string]any{{"code": "Sale", "share": 0.3333}, {"code": "Call back", "share": 0.375}, {"code": "All", "share": 1}, {"code": "None", "share": 0}}
	cols := []Column{{Header: "CODE", Field: "code"}, {Header: "SHARE", Field: "share", Human: Percent}}
	for _, c := range []struct {
		format Format
		tty    bool
		want   string
	}{
		{FormatTable, true, "CODE       SHARE\nSale       33.33%\nCall back  37.5%\nAll        100%\nNone       0%\n"},
		{FormatTable, false, "Sale\t33.33%\nCall back\t37.5%\nAll\t100%\nNone\t0%\n"},
		{FormatCSV, false, "code,share\nSale,0.3333\nCall back,0.375\nAll,1\nNone,0\n"},
	} {
		if out, _ := print(t, c.format, c.tty, "", data, cols); out != c.want {
			t.Errorf("%s tty=%v:\n got %q\nwant %q", c.format, c.tty, out, c.want)
		}
	}
}

// A script reads an empty list the same way from every command: [] (never null) in json and
// yaml, and in csv the header alone, or nothing when there are no columns to name (a list
// whose fields come from its rows).
func TestEmptyListsAreEmptyInEveryFormat(t *testing.T) {
	var none []book // a nil slice, as a command gets from an empty answer
	for _, tc := range []struct {
		format Format
		jq     string
		data   any
		cols   []Column
		want   string
	}{
		{FormatJSON, "", none, bookCols, "[]\n"},
		{FormatYAML, "", none, bookCols, "[]\n"},
		{FormatJSON, ".", none, bookCols, "[]\n"},
		{FormatCSV, "", none, bookCols, "name,id,tags\n"},
		{FormatCSV, "", []map[string]any{}, nil, ""},
		{FormatCSV, "", none, nil, ""},
		{FormatTable, "", none, nil, ""},
	} {
		out, errOut := print(t, tc.format, false, tc.jq, tc.data, tc.cols)
		if out != tc.want || errOut != "" {
			t.Errorf("%s %q of %T: stdout %q, stderr %q; want %q", tc.format, tc.jq, tc.data, out, errOut, tc.want)
		}
	}
}

// On a terminal the table fits its width (text wraps at spaces, nothing is cut off, ids stay
// whole) and no line ends in padding.
func TestTableFitsTheTerminal(t *testing.T) {
	t.Parallel()
	rows := []map[string]any{
		{"check": "config", "status": "ok", "detail": "profile sandbox from /home/someone/.config/nimbusctl/config.yaml; Nimbus API https://127.0.0.1:7443/nimbus"},
		{"check": "nimbus", "status": "ok", "detail": "TestConnection answered 200", "id": "e5c4b3a2-0001-4f1e-8d2c-3b4a5f6e7d01"},
	}
	cols := Cols("CHECK=check", "STATUS=status", "DETAIL=detail", "ID=id")
	for _, width := range []int{100, 120, 200} {
		s, _, out, _ := Test()
		s.SetStdoutTTY(true)
		s.SetTerminalWidth(width)
		if err := (&Printer{IO: s, Format: FormatTable}).Print(rows, cols); err != nil {
			t.Fatal(err)
		}
		text := out.String()
		for _, l := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
			if n := len([]rune(l)); n > width {
				t.Errorf("width %d: a line of %d columns: %q", width, n, l)
			}
			if strings.TrimRight(l, " ") != l {
				t.Errorf("width %d: trailing spaces in %q", width, l)
			}
		}
		// Nothing is cut off: wrapped, the cells read the same, row after row.
		want := "CHECKSTATUSDETAILID" + "configok" + rows[0]["detail"].(string) + "nimbusok" + rows[1]["detail"].(string) + "e5c4b3a2-0001-4f1e-8d2c-3b4a5f6e7d01"
		if !strings.Contains(text, " e5c4b3a2-0001-4f1e-8d2c-3b4a5f6e7d01\n") {
			t.Errorf("width %d: the id is not whole:\n%s", width, text)
		}
		if noSpace(text) != noSpace(want) {
			t.Errorf("width %d: the cells changed:\n%s", width, text)
		}
	}
}

func noSpace(s string) string { return strings.Join(strings.Fields(s), "") }
