package output

import (
	"bytes"
	"strings"
	"testing"
)

func TestSafeText(t *testing.T) {
	for in, want := range map[string]string{
		"plain Zürich 東京":           "plain Zürich 東京",
		"tab\tand\nnewline":         "tab\tand\nnewline",
		"\x1b[31mred\x1b[0m":        `\x1b[31mred\x1b[0m`,
		"title\x1b]0;pwned\a":       `title\x1b]0;pwned\x07`,
		"cr\rover":                  `cr\x0dover`,
		"del\x7f":                   `del\x7f`,
		"c1 \u009b2J \u0085":        `c1 \x9b2J \x85`,
		"raw byte \x9b2J":           `raw byte \x9b2J`,
		"bidi \u202eexe.txt\u2066":  `bidi \u202eexe.txt\u2066`,
		"nul\x00":                   `nul\x00`,
		"Ā is C4 80, not a C1 byte": "Ā is C4 80, not a C1 byte",
	} {
		if got := SafeText(in); got != want {
			t.Errorf("SafeText(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestEscapeJSONControlsKeepsTheValue(t *testing.T) {
	in := []byte("{\"a\":\"x\u009by\x7fz\u202e\xff\",\"b\":\"Zürich\"}")
	want := `{"a":"x\u009by\u007fz\u202e\ufffd","b":"Zürich"}`
	if got := string(escapeJSONControls(in)); got != want {
		t.Errorf("got %s, want %s", got, want)
	}
	clean := []byte(`{"a":"plain"}`)
	if got := escapeJSONControls(clean); &got[0] != &clean[0] {
		t.Error("a clean document was copied")
	}
}

// Messages quote names and server text: only our own icon may carry an escape sequence.
func TestMessagesAreSafe(t *testing.T) {
	s, _, _, errOut := Test()
	s.SetStderrTTY(true)
	s.SetColorEnabled(true)
	s.Successf("added %s", "\x1b]0;pwned\a")
	s.Warnf("row %d: %s", 2, "\x1b[2J")
	s.Infof("%s", "\u009b31m")
	got := errOut.String()
	for _, want := range []string{`added \x1b]0;pwned\x07`, `row 2: \x1b[2J`, `\x9b31m` + "\n"} {
		if !strings.Contains(got, want) {
			t.Errorf("stderr lacks %q:\n%q", want, got)
		}
	}
	if strings.Contains(got, "\a") || strings.Contains(got, "\x1b]") || strings.Contains(got, "\x1b[2J") {
		t.Errorf("raw sequence on stderr: %q", got)
	}
	var trace bytes.Buffer
	SafeWriter(&trace).Write([]byte("< {\"name\":\"\x1b[2J\"}\n"))
	if trace.String() != "< {\"name\":\"\\x1b[2J\"}\n" {
		t.Errorf("trace %q", trace.String())
	}
}
