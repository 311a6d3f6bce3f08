package output

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// SafeText makes text that came from a service (or a file) safe to show on a terminal: every
// control character but tab and newline — ESC, BEL, CR, DEL, the C1 range 0x80–0x9F — the
// bidirectional overrides, and bytes that are not UTF-8 are shown escaped (\x1b, \u202e),
// never interpreted. Whoever can write a contact's name must not be able to recolour,
// retitle or clear an admin's terminal. Data formats (JSON, YAML, CSV to a pipe) keep the
// exact text; every human format goes through here.
func SafeText(s string) string {
	i := strings.IndexFunc(s, unsafeRune)
	if i < 0 && utf8.ValidString(s) {
		return s
	}
	var b strings.Builder
	for len(s) > 0 {
		r, size := utf8.DecodeRuneInString(s)
		switch {
		case r == utf8.RuneError && size == 1:
			writeEscape(&b, `\x`, rune(s[0]), 2)
		case unsafeRune(r) && r < 0x100:
			writeEscape(&b, `\x`, r, 2)
		case unsafeRune(r):
			writeEscape(&b, `\u`, r, 4)
		default:
			b.WriteString(s[:size])
		}
		s = s[size:]
	}
	return b.String()
}

// writeEscape writes prefix and r as digits lowercase hex digits (\x1b, \u202e).
func writeEscape(b *strings.Builder, prefix string, r rune, digits int) {
	const hex = "0123456789abcdef"
	b.WriteString(prefix)
	for shift := (digits - 1) * 4; shift >= 0; shift -= 4 {
		b.WriteByte(hex[r>>shift&0xf])
	}
}

// safeCell is one table or TSV cell: on one line, and safe.
func safeCell(s string) string { return SafeText(flatten(s)) }

// unsafeRune reports the runes a terminal may act on instead of showing.
func unsafeRune(r rune) bool {
	switch {
	case r == '\t' || r == '\n':
		return false
	case r < 0x20, r >= 0x7f && r <= 0x9f:
		return true
	}
	return bidiControl(r)
}

// bidiControl reports the Unicode controls that reorder the text around them (U+202E makes
// "exe.txt" read "txt.exe").
func bidiControl(r rune) bool {
	return r == 0x061c || r == 0x200e || r == 0x200f || (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069)
}

// escapeJSONControls rewrites DEL, the C1 controls and the bidirectional controls inside a
// JSON document as \u escapes, and bytes that are not UTF-8 as U+FFFD (what any decoder
// reads them as): the same JSON value, but no byte a terminal would act on. encoding/json
// escapes the C0 range already. These runes can only appear inside strings, so a plain scan
// is exact.
func escapeJSONControls(raw []byte) []byte {
	clean := true
	for i := 0; i < len(raw); {
		r, size := utf8.DecodeRune(raw[i:])
		if (r == utf8.RuneError && size == 1) || (r >= 0x7f && r <= 0x9f) || bidiControl(r) {
			clean = false
			break
		}
		i += size
	}
	if clean {
		return raw
	}
	out := make([]byte, 0, len(raw)+16)
	for len(raw) > 0 {
		r, size := utf8.DecodeRune(raw)
		switch {
		case r == utf8.RuneError && size == 1:
			out = append(out, `\ufffd`...)
		case (r >= 0x7f && r <= 0x9f) || bidiControl(r):
			out = fmt.Appendf(out, `\u%04x`, r)
		default:
			out = append(out, raw[:size]...)
		}
		raw = raw[size:]
	}
	return out
}

// SafeWriter passes text through SafeText on its way to w: for streams that carry server
// text and none of our own escape sequences (the --debug trace).
func SafeWriter(w io.Writer) io.Writer { return safeWriter{w} }

type safeWriter struct{ w io.Writer }

func (s safeWriter) Write(p []byte) (int, error) {
	if _, err := io.WriteString(s.w, SafeText(string(p))); err != nil {
		return 0, err
	}
	return len(p), nil
}
