package prefault

import (
	"errors"
	"fmt"
	"syscall"
	"testing"
	"unsafe"
)

func TestRestOfChunkRunsFromThePageToTheChunkEnd(t *testing.T) {
	const page = 4096
	for _, tc := range []struct{ addr, lo, hi uintptr }{
		{0x3452_3456, 0x3452_3000, 0x3480_0000},
		{0x3440_0000, 0x3440_0000, 0x3480_0000}, // the chunk's first byte
		{0x347f_ffff, 0x347f_f000, 0x3480_0000}, // its last
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
func skipWithoutPopulate(t *testing.T) {
	t.Helper()
	if err := populate(span(mapPages(t, 1))); errors.Is(err, syscall.EINVAL) {
		t.Skip("this kernel has no MADV_POPULATE_WRITE")
	}
}

func TestPopulateMapsThePagesWithoutWriting(t *testing.T) {
	b := mapPages(t, 64)
	copy(b[5*syscall.Getpagesize():], "kept")
	if n := resident(t, b); n != 1 {
		t.Fatalf("%d pages resident before, want 1", n)
	}
	skipWithoutPopulate(t)
	if err := populate(span(b)); err != nil {
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

// reserve maps n pages without access, as the runtime reserves its heap arena, unmapped when
// the test ends.
func reserve(t *testing.T, n int) []byte {
	t.Helper()
	b, err := syscall.Mmap(-1, 0, n*syscall.Getpagesize(), syscall.PROT_NONE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = syscall.Munmap(b) })
	return b
}

// mapFixed maps b's pages [from, to) for reading and writing, as the runtime maps a heap chunk
// out of its reservation.
func mapFixed(t *testing.T, b []byte, from, to int) {
	t.Helper()
	page := syscall.Getpagesize()
	addr := uintptr(unsafe.Pointer(&b[0])) + uintptr(from*page)
	if _, _, errno := syscall.Syscall6(syscall.SYS_MMAP, addr, uintptr((to-from)*page), syscall.PROT_READ|syscall.PROT_WRITE,
		syscall.MAP_ANON|syscall.MAP_PRIVATE|syscall.MAP_FIXED, ^uintptr(0), 0); errno != 0 {
		t.Fatal(errno)
	}
}

// residentPages lists which of b's pages the process has in memory.
func residentPages(t *testing.T, b []byte) []int {
	t.Helper()
	page := syscall.Getpagesize()
	var in []int
	for i := 0; i < len(b)/page; i++ {
		p := b[i*page : (i+1)*page]
		lo, hi := span(p)
		vec := []byte{0}
		_, _, errno := syscall.Syscall(syscall.SYS_MINCORE, lo, hi-lo, uintptr(unsafe.Pointer(&vec[0])))
		if errno == 0 && vec[0]&1 == 1 {
			in = append(in, i)
		}
	}
	return in
}

func TestPopulateRefusesWhatIsReservedWithoutAccess(t *testing.T) {
	b := reserve(t, 8)
	mapFixed(t, b, 0, 4)
	skipWithoutPopulate(t)
	if err := populate(span(b)); err == nil {
		t.Errorf("populate over a reserved tail: no error")
	}
	if got := residentPages(t, b); len(got) != 4 || got[3] != 3 {
		t.Errorf("resident pages %v, want the 4 mapped ones", got)
	}
}

func TestFollowTakesEachChunkOnceTheRuntimeMapsIt(t *testing.T) {
	const chunkPages = 4
	page := syscall.Getpagesize()
	b := reserve(t, 3*chunkPages)
	mapFixed(t, b, 0, chunkPages) // the chunk the first object is in
	skipWithoutPopulate(t)
	base := uintptr(unsafe.Pointer(&b[0]))
	lo, hi := base+uintptr(page), base+uintptr(chunkPages*page) // from the first object's page
	end := lo + uintptr(9*page)                                 // the budget: 9 pages
	waits, mapped := 0, 1
	err := follow(lo, hi, end, uintptr(chunkPages*page), uintptr(page), func() bool {
		waits++
		if waits%3 == 0 { // the heap reaches the next chunk a moment later
			mapFixed(t, b, mapped*chunkPages, (mapped+1)*chunkPages)
			mapped++
		}
		return true
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []int{1, 2, 3, 4, 5, 6, 7, 8, 9} // not the page before the first object, nor past the budget
	if got := residentPages(t, b); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("resident pages %v, want %v", got, want)
	}
	if waits != 6 {
		t.Errorf("%d waits, want 6 (3 for each of the two chunks mapped later)", waits)
	}
}

func TestFollowStopsWhenTheHeapStopsGrowing(t *testing.T) {
	page := syscall.Getpagesize()
	b := reserve(t, 8)
	mapFixed(t, b, 0, 4)
	skipWithoutPopulate(t)
	lo, hi := span(b[:4*page])
	waits := 0
	if err := follow(lo, hi, lo+uintptr(8*page), uintptr(4*page), uintptr(page), func() bool { waits++; return waits < 5 }); err != nil {
		t.Fatal(err)
	}
	if got := residentPages(t, b); fmt.Sprint(got) != "[0 1 2 3]" {
		t.Errorf("resident pages %v, want [0 1 2 3]", got)
	}
	if waits != 5 {
		t.Errorf("%d waits, want 5: it gives up when told", waits)
	}
}

func TestFollowSaysWhenTheKernelRefusesTheFirstRange(t *testing.T) {
	page := syscall.Getpagesize()
	b := reserve(t, 4) // as an older kernel refuses any range
	lo, hi := span(b)
	if err := follow(lo, hi, hi, uintptr(4*page), uintptr(page), func() bool { t.Fatal("waited"); return false }); err == nil {
		t.Error("no error for a range the kernel refused")
	}
}

// The package's own start: the kernel mapped the rest of the first heap object's chunk. (That
// the pages are then resident is TestPopulateMapsThePagesWithoutWriting's: here the runtime's
// scavenger could have given some back since.)
func TestInitPopulatedTheFirstChunk(t *testing.T) {
	if first == nil {
		t.Skip("one processor: nothing started")
	}
	skipWithoutPopulate(t)
	<-done
	if answer != nil {
		t.Errorf("populating the first heap chunk: %v", answer)
	}
}
