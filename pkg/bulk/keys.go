package bulk

import (
	"bytes"
	"hash/maphash"
	"io"
)

// keySet finds duplicate row keys in a file in little memory: it keeps only the 64-bit hash
// of each key, in an open-addressing table (8 to 11 bytes a row: a million rows take 17 MB,
// where a Go map of the same hashes takes 38 MB), and the lines of the duplicates. Where a
// duplicated key first appeared is looked up afterwards, with one more look at the file, and
// only when there are duplicates.
type keySet struct {
	seed  maphash.Seed
	seen  *hashSet
	later map[int]uint64 // line -> key hash, for lines that repeat an earlier key
	first map[uint64]int // key hash -> first line, for repeated keys (filled by noteFirst)
}

// duplicates holds the rows of a validation pass whose key an earlier row had, until the
// pass is over and report can say where each key first appeared.
type duplicates[R any] struct {
	keys  *keySet
	key   func(R) string
	rows  []R
	lines []int
}

func newDuplicates[R any](keys *keySet, key func(R) string) *duplicates[R] {
	return &duplicates[R]{keys: keys, key: key}
}

// check records a valid row's key and reports whether the row repeats an earlier one (it is
// then held for report, not processed).
func (d *duplicates[R]) check(line int, r R) bool {
	if !d.keys.add(d.key(r), line) {
		return false
	}
	d.rows, d.lines = append(d.rows, r), append(d.lines, line)
	return true
}

// report calls fn for each duplicate with the line its key first appeared on. Duplicates are
// rare: rather than remember every key's line, it takes one more look at the file (rescan
// feeds every row again, in file order), and only when there are any.
func (d *duplicates[R]) report(rescan func(func(line int, r R, errs []*RowError) error) error, fn func(line int, r R, first int)) error {
	if len(d.rows) == 0 {
		return nil
	}
	if err := rescan(func(line int, r R, errs []*RowError) error {
		if len(errs) == 0 {
			d.keys.noteFirst(d.key(r), line)
		}
		return nil
	}); err != nil {
		return err
	}
	for i, r := range d.rows {
		fn(d.lines[i], r, d.keys.firstLine(d.key(r)))
	}
	return nil
}

// newKeySet sizes the set for about hint keys, so it does not grow (and copy) on the way.
func newKeySet(hint int) *keySet {
	return &keySet{seed: maphash.MakeSeed(), seen: newHashSet(hint), later: map[int]uint64{}, first: map[uint64]int{}}
}

// hash never returns 0, which marks an empty slot.
func (k *keySet) hash(key string) uint64 { return maphash.String(k.seed, key) | 1 }

// add records key at line and reports whether it was seen before (the line is a duplicate).
func (k *keySet) add(key string, line int) bool {
	h := k.hash(key)
	if !k.seen.add(h) {
		k.later[line] = h
		k.first[h] = 0
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
	if first, repeated := k.first[h]; repeated && first == 0 {
		k.first[h] = line
	}
}

// firstLine is where a duplicated key first appeared (after noteFirst).
func (k *keySet) firstLine(key string) int { return k.first[k.hash(key)] }

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
