package bulk

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func TestSameKey(t *testing.T) {
	for _, c := range []struct {
		a, b string
		same bool
	}{
		{"ABC-1", "abc-1", true},
		{"ABC-1", "ABC-1", true},
		{"ＡＢＣ－１", "abc-1", true},             // full width
		{"\u00a0ABC-1\u3000", "abc-1", true}, // odd spaces at either end
		{"AB\u200bC-1", "abc-1", true},       // a zero-width space inside
		{"\ufeffabc-1", "ABC-1", true},       // a BOM
		{"\u212a-7", "k-7", true},            // the Kelvin sign folds to k
		{"straße", "STRAẞE", true},           // ß and capital ẞ
		{"\u01c5a", "\u01c6A", true},         // Dž (title case) and dž
		{"ﬁle", "FILE", true},                // a ligature
		{"ABC-1", "ABC-2", false},
		{"ABC 1", "ABC1", false}, // a space inside is kept
		{"strasse", "straße", false},
		{"é", "e", false},
	} {
		if got := sameKey(c.a, c.b); got != c.same {
			t.Errorf("sameKey(%q, %q) = %v (%q, %q)", c.a, c.b, got, foldKey(c.a), foldKey(c.b))
		}
	}
	if howKeysDiffer("ABC-1", "abc-1") != "in case" || howKeysDiffer("ＡＢＣ-1", "abc-1") != "in case, width or spacing" {
		t.Error("howKeysDiffer")
	}
}

// Keys strings.EqualFold calls equal are one key, for every rune of every case orbit; and
// the ASCII short path gives what the general one does.
func TestFoldKeyKeepsEqualFold(t *testing.T) {
	for r := rune(0); r <= unicode.MaxRune; r++ {
		if !utf8.ValidRune(r) {
			continue
		}
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			a, b := "x"+string(r)+"1", "X"+string(f)+"1"
			if !strings.EqualFold(a, b) || foldKey(a) != foldKey(b) {
				t.Fatalf("%q and %q: %q, %q", a, b, foldKey(a), foldKey(b))
			}
		}
	}
	for c := 0; c < utf8.RuneSelf; c++ {
		s := " k" + string(rune(c)) + "Z "
		slow := string(foldRunes(nil, s))
		slow = strings.TrimFunc(slow, unicode.IsSpace)
		if got := foldKey(s); got != slow {
			t.Errorf("%q: short path %q, general %q", s, got, slow)
		}
	}
}

func TestFoldedHashAllocatesNothingForASCII(t *testing.T) {
	k := newFoldedKeySet(0)
	if n := testing.AllocsPerRun(100, func() { k.hash("c-0000123@example.com") }); n != 0 {
		t.Errorf("%v allocations a key", n)
	}
}
