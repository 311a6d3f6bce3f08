package prefault

import (
	"errors"
	"syscall"
	"testing"
	"unsafe"
)

func TestRestOfChunkRunsFromThePageToTheChunkEnd(t *testing.T) {
	const page = 4096
	for _, tc := range []struct{ addr, lo, hi uintptr }{
		{0x7f00_0052_3456, 0x7f00_0052_3000, 0x7f00_0080_0000},
		{0x7f00_0040_0000, 0x7f00_0040_0000, 0x7f00_0080_0000}, // the chunk's first byte
		{0x7f00_007f_ffff, 0x7f00_007f_f000, 0x7f00_0080_0000}, // its last
	} {
		lo, hi := restOfChunk(tc.addr, page)
		if lo != tc.lo || hi != tc.hi {
			t.Errorf("restOfChunk(%#x) = [%#x, %#x), want [%#x, %#x)", tc.addr, lo, hi, tc.lo, tc.hi)
		}
	}
}

// mapPages maps n fresh anonymous pages, unmapped when the test ends.
func mapPages(t *testing.T, n int) []byte {
	t.Helper()
	b, err := syscall.Mmap(-1, 0, n*syscall.Getpagesize(), syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = syscall.Munmap(b) })
	return b
}

// resident counts the pages of b the process has in memory.
func resident(t *testing.T, b []byte) int {
	t.Helper()
	lo, hi := span(b)
	vec := make([]byte, (hi-lo+uintptr(syscall.Getpagesize())-1)/uintptr(syscall.Getpagesize()))
	if _, _, errno := syscall.Syscall(syscall.SYS_MINCORE, lo, hi-lo, uintptr(unsafe.Pointer(&vec[0]))); errno != 0 {
		t.Fatal(errno)
	}
	n := 0
	for _, v := range vec {
		n += int(v & 1)
	}
	return n
}

func span(b []byte) (lo, hi uintptr) {
	lo = uintptr(unsafe.Pointer(&b[0]))
	return lo, lo + uintptr(len(b))
}

// skipWithoutPopulate skips where the kernel predates MADV_POPULATE_WRITE (Linux 5.14):
// there the package does nothing.
func skipWithoutPopulate(t *testing.T, err error) {
	if errors.Is(err, syscall.EINVAL) {
		t.Skip("this kernel has no MADV_POPULATE_WRITE")
	}
}

func TestPopulateMapsThePagesWithoutWriting(t *testing.T) {
	b := mapPages(t, 64)
	copy(b[5*syscall.Getpagesize():], "kept")
	if n := resident(t, b); n != 1 {
		t.Fatalf("%d pages resident before, want 1", n)
	}
	err := populate(span(b))
	skipWithoutPopulate(t, err)
	if err != nil {
		t.Fatal(err)
	}
	if n := resident(t, b); n != 64 {
		t.Errorf("%d of 64 pages resident after populate", n)
	}
	for i, c := range b {
		want := byte(0)
		if off := i - 5*syscall.Getpagesize(); off >= 0 && off < 4 {
			want = "kept"[off]
		}
		if c != want {
			t.Fatalf("byte %d is %q after populate, want %q", i, c, want)
		}
	}
}

func TestPopulateStopsWhereTheMappingEnds(t *testing.T) {
	b := mapPages(t, 8)
	page := syscall.Getpagesize()
	tail := uintptr(unsafe.Pointer(&b[4*page])) // a hole where the heap is not mapped yet
	if _, _, errno := syscall.Syscall(syscall.SYS_MUNMAP, tail, uintptr(4*page), 0); errno != 0 {
		t.Fatal(errno)
	}
	b = b[:4*page]
	lo, _ := span(b)
	err := populate(lo, lo+uintptr(8*page))
	skipWithoutPopulate(t, err)
	if !errors.Is(err, syscall.ENOMEM) {
		t.Errorf("populate over an unmapped tail: %v, want ENOMEM", err)
	}
	if n := resident(t, b); n != 4 {
		t.Errorf("%d of the 4 mapped pages resident, want 4", n)
	}
}

// The package's own start: the kernel mapped the rest of the first heap object's chunk. (That
// the pages are then resident is TestPopulateMapsThePagesWithoutWriting's: here the runtime's
// scavenger could have given some back since.)
func TestInitPopulatedTheFirstChunk(t *testing.T) {
	if first == nil {
		t.Skip("one processor: nothing started")
	}
	<-done
	skipWithoutPopulate(t, answer)
	if answer != nil {
		t.Errorf("populating the first heap chunk: %v", answer)
	}
}
