package bulk

import (
	"fmt"
	"runtime"
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

// A call's key is its service (in lower case) and its ReferenceId: the ReferenceId alone is
// folded, with the spaces at its own ends.
func TestCallKeysFoldTheReferenceId(t *testing.T) {
	k := newCallKeySet(0)
	for _, c := range []struct {
		a, b string
		same bool
	}{
		{"a@x.ch\x00S-1", "a@x.ch\x00s-1", true},
		{"a@x.ch\x00\u00a0Ｓ-1\u200b", "a@x.ch\x00s-1", true},
		{"a@x.ch\x00S-1", "b@x.ch\x00S-1", false},
		{"a@x.ch\x00S-1", "a@x.ch\x00S-2", false},
		{"a@x.ch\x00S 1", "a@x.ch\x00S1", false},
	} {
		if got := k.same(c.a, c.b); got != c.same || (k.hash(c.a) == k.hash(c.b)) != c.same {
			t.Errorf("%q, %q: same %v", c.a, c.b, got)
		}
	}
}

func TestFoldedHashAllocatesNothingForASCII(t *testing.T) {
	k, calls := newFoldedKeySet(0), newCallKeySet(0)
	if n := testing.AllocsPerRun(100, func() { k.hash("c-0000123@example.com") }); n != 0 {
		t.Errorf("%v allocations a key", n)
	}
	if n := testing.AllocsPerRun(100, func() { calls.hash("support@contoso.com\x00CB-0000123") }); n != 0 {
		t.Errorf("%v allocations a call's key", n)
	}
}

// The duplicate pass holds no row while it waits to report: a file whose rows repeat one
// key (a CRM export of orders, one row per order of the same customer) used to keep every
// repeated row until the end, 1.2 GB for a million contacts. Not parallel: it measures the
// heap the pass keeps.
func TestDuplicatesKeepNoRows(t *testing.T) {
	type row struct {
		key string
		pad [2048]byte // about a contact row with its fields
	}
	const n = 20000
	rows := func(fn func(line int, r *row, errs []*RowError) error) error {
		for i := 0; i < n; i++ {
			if err := fn(i+2, &row{key: []string{"abc-1", "ABC-1"}[i%2]}, nil); err != nil {
				return err
			}
		}
		return nil
	}
	d := newDuplicates(newFoldedKeySet(n), func(r *row) string { return r.key })
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	rows(func(line int, r *row, _ []*RowError) error { d.check(line, r); return nil })
	runtime.GC()
	runtime.ReadMemStats(&after)
	if kept := int64(after.HeapAlloc) - int64(before.HeapAlloc); kept > n*2048/8 {
		t.Errorf("the pass keeps %d KiB for %d repeated rows", kept>>10, n-1)
	}
	var got []string
	if err := d.report(rows, func(line int, r *row, first int) {
		if len(got) < 3 {
			got = append(got, fmt.Sprintf("%d:%s first %d (%s)", line, r.key, first, d.keys.firstKey(r.key)))
		}
	}); err != nil {
		t.Fatal(err)
	}
	if want := "[3:ABC-1 first 2 (abc-1) 4:abc-1 first 2 (abc-1) 5:ABC-1 first 2 (abc-1)]"; fmt.Sprint(got) != want {
		t.Errorf("reported %v, want %s", got, want)
	}
	runtime.KeepAlive(d)
}
