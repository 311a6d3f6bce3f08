package bulk

import (
	"bytes"
	"hash/maphash"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// keySet finds duplicate row keys in a file in little memory: it keeps only the 64-bit hash
// of each key, in an open-addressing table (8 to 11 bytes a row: a million rows take 17 MB,
// where a Go map of the same hashes takes 38 MB), and the lines of the duplicates. Where a
// duplicated key first appeared is looked up afterwards, with one more look at the file, and
// only when there are duplicates.
//
// A folding set (newFoldedKeySet, newCallKeySet) hashes each key as foldKey makes it, so keys
// that differ only in case, width or invisible spacing are one key, at no extra memory.
type keySet struct {
	seed  maphash.Seed
	fold  keyFolding
	seen  *hashSet
	later map[int]uint64       // line -> key hash, for lines that repeat an earlier key
	first map[uint64]firstSeen // key hash -> where it first appeared, for repeated keys (filled by noteFirst)
}

// firstSeen is the first line of a repeated key, and the key as written there.
type firstSeen struct {
	line int
	key  string
}

// duplicates finds the rows of a validation pass whose key an earlier row had. It keeps
// their lines only (in the key set), never the rows: a file that repeats one key a million
// times (an export of orders, a row per order of the same customer) must not be held in
// memory. Where each key first appeared is learnt, and the repeats reported, in one more
// look at the file once the pass is over, and only when there are any.
type duplicates[R any] struct {
	keys *keySet
	key  func(R) string
	n    int // rows held back as repeats
}

func newDuplicates[R any](keys *keySet, key func(R) string) *duplicates[R] {
	return &duplicates[R]{keys: keys, key: key}
}

// check records a valid row's key and reports whether the row repeats an earlier one (it is
// then left out of the pass, for report).
func (d *duplicates[R]) check(line int, r R) bool {
	if !d.keys.add(d.key(r), line) {
		return false
	}
	d.n++
	return true
}

// report calls fn for each repeat, in file order, with the line its key first appeared on.
// rescan feeds every row again, in file order: a key's first line comes before its repeats,
// so it is known by the time they come.
func (d *duplicates[R]) report(rescan func(func(line int, r R, errs []*RowError) error) error, fn func(line int, r R, first int)) error {
	if d.n == 0 {
		return nil
	}
	return rescan(func(line int, r R, errs []*RowError) error {
		if len(errs) > 0 {
			return nil
		}
		key := d.key(r)
		if _, repeat := d.keys.later[line]; repeat {
			fn(line, r, d.keys.firstLine(key))
		} else {
			d.keys.noteFirst(key, line)
		}
		return nil
	})
}

// newKeySet sizes the set for about hint keys, so it does not grow (and copy) on the way.
func newKeySet(hint int) *keySet {
	return &keySet{seed: maphash.MakeSeed(), seen: newHashSet(hint), later: map[int]uint64{}, first: map[uint64]firstSeen{}}
}

// newFoldedKeySet is newKeySet for keys compared as foldKey makes them.
func newFoldedKeySet(hint int) *keySet {
	k := newKeySet(hint)
	k.fold = foldWhole
	return k
}

// newCallKeySet is newKeySet for the keys of scheduled calls (ScheduleRow.Key: service, then
// ReferenceId), whose ReferenceIds are compared as foldKey makes them.
func newCallKeySet(hint int) *keySet {
	k := newKeySet(hint)
	k.fold = foldReference
	return k
}

// keyFolding is how a keySet compares keys. (A switch, not a func value: a buffer passed to
// a func value escapes, and hashing would allocate for every key.)
type keyFolding int

const (
	foldNone      keyFolding = iota // as written
	foldWhole                       // foldKey
	foldReference                   // appendFoldedCallKey
)

// appendFolded appends key as the set compares it.
func (k *keySet) appendFolded(dst []byte, key string) []byte {
	if k.fold == foldReference {
		return appendFoldedCallKey(dst, key)
	}
	return appendFoldedKey(dst, key)
}

// appendFoldedCallKey folds the ReferenceId of a call's key alone: the service is in lower
// case already, and the spaces foldKey trims are those at either end of the ReferenceId.
func appendFoldedCallKey(dst []byte, key string) []byte {
	service, ref, _ := strings.Cut(key, "\x00")
	dst = append(append(dst, service...), 0)
	return appendFoldedKey(dst, ref)
}

// hash never returns 0, which marks an empty slot.
func (k *keySet) hash(key string) uint64 {
	if k.fold == foldNone {
		return maphash.String(k.seed, key) | 1
	}
	var buf [64]byte
	return maphash.Bytes(k.seed, k.appendFolded(buf[:0], key)) | 1
}

// same reports whether a and b are one key of this set (not a mere collision of hashes).
func (k *keySet) same(a, b string) bool {
	if k.fold == foldNone {
		return a == b
	}
	var ba, bb [64]byte
	return bytes.Equal(k.appendFolded(ba[:0], a), k.appendFolded(bb[:0], b))
}

// add records key at line and reports whether it was seen before (the line is a duplicate).
func (k *keySet) add(key string, line int) bool {
	h := k.hash(key)
	if !k.seen.add(h) {
		k.later[line] = h
		k.first[h] = firstSeen{}
		return true
	}
	return false
}

func (k *keySet) has(key string) bool { return k.seen.has(k.hash(key)) }

// isFirst reports whether line carries the first occurrence of key (later ones are duplicates).
func (k *keySet) isFirst(key string, line int) bool {
	_, dup := k.later[line]
	return !dup && k.has(key)
}

// noteFirst is fed the valid rows again, in file order, to learn where duplicated keys start.
func (k *keySet) noteFirst(key string, line int) {
	h := k.hash(key)
	if first, repeated := k.first[h]; repeated && first.line == 0 {
		k.first[h] = firstSeen{line, key}
	}
}

// firstLine is where a duplicated key first appeared (after noteFirst).
func (k *keySet) firstLine(key string) int { return k.first[k.hash(key)].line }

// firstKey is a duplicated key as written where it first appeared (after noteFirst): in a
// folding set it may differ from a later line's.
func (k *keySet) firstKey(key string) string { return k.first[k.hash(key)].key }

// foldKey is the form in which two external ids are one key to an import. The connector's
// contract does not say whether ids are case-sensitive, so ids that differ only in case
// (Unicode simple folding: strings.EqualFold's relation), in width or compatibility form
// (NFKC: "ＡＢＣ" is "ABC"), in spaces at either end or in invisible format characters
// (zero-width space, BOM, soft hyphen) may name one contact, and are treated as one.
func foldKey(key string) string { return string(appendFoldedKey(nil, key)) }

// SameKey reports whether two external ids or ReferenceIds are one to an import (foldKey).
func SameKey(a, b string) bool { return sameKey(a, b) }

// sameKey reports whether a and b are one key under foldKey.
func sameKey(a, b string) bool {
	var ba, bb [64]byte
	return bytes.Equal(appendFoldedKey(ba[:0], a), appendFoldedKey(bb[:0], b))
}

// keyIndex holds what the service has (or remembers) under the keys a file names, by each
// key's hash in the run's keySet: exactly, or up to case (foldKey). A row's key then finds
// its own entry, and its twins: keys that are one with it in the set, written otherwise.
// Nearly always one key a hash, in one; the others (a service holding keys that differ only
// in case) in more.
type keyIndex[V any] struct {
	one  map[uint64]keyed[V]
	more map[uint64][]keyed[V]
}

type keyed[V any] struct {
	key string
	val V
}

func newKeyIndex[V any]() keyIndex[V] {
	return keyIndex[V]{one: map[uint64]keyed[V]{}, more: map[uint64][]keyed[V]{}}
}

// add files key, whose hash in the run's keySet is h; a key filed already keeps its value.
func (x keyIndex[V]) add(h uint64, key string, v V) {
	first, taken := x.one[h]
	if !taken {
		x.one[h] = keyed[V]{key, v}
		return
	}
	if first.key == key {
		return
	}
	for _, k := range x.more[h] {
		if k.key == key {
			return
		}
	}
	x.more[h] = append(x.more[h], keyed[V]{key, v})
}

// match finds the entry filed under exactly key (ok), and key's twins: the keys filed that
// are one with it in keys, written otherwise (in case, width or spacing).
func (x keyIndex[V]) match(keys *keySet, key string) (exact V, ok bool, twins []string) {
	h := keys.hash(key)
	first, filed := x.one[h]
	if !filed {
		return exact, false, nil
	}
	more := x.more[h]
	for i := -1; i < len(more); i++ {
		k := first
		if i >= 0 {
			k = more[i]
		}
		switch {
		case k.key == key:
			exact, ok = k.val, true
		case keys.same(k.key, key): // not a mere collision of hashes
			twins = append(twins, k.key)
		}
	}
	return exact, ok, twins
}

// howKeysDiffer says what sets two keys of one foldKey apart, for messages.
func howKeysDiffer(a, b string) string {
	if strings.EqualFold(a, b) {
		return "in case"
	}
	return "in case, width or spacing"
}

// appendFoldedKey appends foldKey(key) to dst. ASCII keys (nearly all) take a short path
// that allocates nothing.
func appendFoldedKey(dst []byte, key string) []byte {
	ascii := true
	for i := 0; i < len(key); i++ {
		if key[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		key = strings.TrimSpace(key)
		for i := 0; i < len(key); i++ {
			c := key[i]
			if 'a' <= c && c <= 'z' {
				c -= 'a' - 'A' // the smallest rune of its fold orbit, as foldRune gives
			}
			dst = append(dst, c)
		}
		return dst
	}
	// Folded before NFKC, so that keys strings.EqualFold calls equal are one string before
	// normalising, and again after, since NFKC can bring out new letters (ligatures, widths).
	folded := foldRunes(nil, key)
	folded = foldRunes(nil, string(norm.NFKC.Bytes(folded)))
	return append(dst, bytes.TrimFunc(folded, unicode.IsSpace)...)
}

// foldRunes appends each rune of s as foldRune makes it, leaving out format characters
// (Unicode Cf: zero-width space and joiners, BOM, soft hyphen), which print as nothing.
func foldRunes(dst []byte, s string) []byte {
	for _, r := range s {
		if !unicode.Is(unicode.Cf, r) {
			dst = utf8.AppendRune(dst, foldRune(r))
		}
	}
	return dst
}

// foldRune is the smallest rune of r's simple case-folding orbit (K, k and the Kelvin sign
// are all K): one representative per class of runes strings.EqualFold calls equal.
func foldRune(r rune) rune {
	least := r
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		least = min(least, f)
	}
	return least
}

// estimateRows guesses the number of rows from the file's size and its first 64 KB, to size
// the key set up front. It is only a hint: 0 when unknown.
func (in Input) estimateRows() int {
	if in.size <= 0 {
		return 0
	}
	rc, err := in.Open()
	if err != nil {
		return 0
	}
	defer rc.Close()
	head := make([]byte, 64<<10)
	n, _ := io.ReadFull(rc, head)
	lines := bytes.Count(head[:n], []byte{'\n'})
	if lines == 0 {
		return 0
	}
	est := int(in.size / int64(n) * int64(lines))
	return min(est+est/10, 50_000_000)
}

// hashSet is a set of non-zero 64-bit hashes with linear probing, kept at most three
// quarters full (the hashes are uniform, so probes stay short).
type hashSet struct {
	slots []uint64
	n     int
}

func newHashSet(hint int) *hashSet {
	size := 1024
	for 3*size < 4*hint {
		size <<= 1
	}
	return &hashSet{slots: make([]uint64, size)}
}

// add inserts h and reports whether it was new.
func (s *hashSet) add(h uint64) bool {
	if 4*(s.n+1) > 3*len(s.slots) {
		s.grow()
	}
	mask := uint64(len(s.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		switch s.slots[i] {
		case h:
			return false
		case 0:
			s.slots[i] = h
			s.n++
			return true
		}
	}
}

func (s *hashSet) has(h uint64) bool {
	mask := uint64(len(s.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		switch s.slots[i] {
		case h:
			return true
		case 0:
			return false
		}
	}
}

func (s *hashSet) grow() {
	old := s.slots
	s.slots, s.n = make([]uint64, 2*len(old)), 0
	for _, h := range old {
		if h != 0 {
			s.add(h)
		}
	}
}
