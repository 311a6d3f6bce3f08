package prefault

import (
	"runtime"
	"syscall"
	"time"
	"unsafe"
)

const (
	madvPopulateWrite = 23       // MADV_POPULATE_WRITE, Linux 5.14
	heapChunk         = 4 << 20  // the runtime maps its heap 4 MB at a time, 4 MB-aligned,
	heapArena         = 64 << 20 // within 64 MB arenas (64-bit Linux)
	// startHeap is about what the libraries allocate while they initialise (5 MB), with a
	// little room: pages past what the heap uses are mapped for nothing.
	startHeap = 6 << 20
	// nextChunkWait bounds the wait for the runtime to map the next chunk: by then the
	// libraries are done, and the heap of a command that grows further is its own business.
	nextChunkWait = 20 * time.Millisecond
)

var (
	// first is allocated while the libraries have yet to start: the heap grows from there.
	first *[64]byte
	// done is closed when the goroutine has finished, and answer is the kernel's first
	// refusal, if any (for tests).
	done   = make(chan struct{})
	answer error
)

func init() {
	if runtime.GOMAXPROCS(0) < 2 || unsafe.Sizeof(uintptr(0)) < 8 {
		return
	}
	first = new([64]byte)
	page := uintptr(syscall.Getpagesize())
	lo, hi := restOfChunk(uintptr(unsafe.Pointer(first)), page)
	end := min(lo+startHeap, uintptr(unsafe.Pointer(first))&^(heapArena-1)+heapArena)
	go func() {
		defer close(done)
		deadline := time.Now().Add(nextChunkWait)
		answer = follow(lo, hi, end, heapChunk, page, func() bool {
			time.Sleep(50 * time.Microsecond)
			return time.Now().Before(deadline)
		})
	}()
}

// restOfChunk is the range from the page holding addr to the end of its heap chunk.
func restOfChunk(addr, pageSize uintptr) (lo, hi uintptr) {
	return addr &^ (pageSize - 1), addr&^(heapChunk-1) + heapChunk
}

// follow has the kernel map [lo, hi), then each next chunk of the given size once the runtime
// has mapped it, up to end. Until the runtime maps a chunk it is reserved without access,
// which the kernel refuses to populate: follow asks for the chunk's first page after each
// wait, and stops when wait says it is time to give up. The error is the kernel's refusal of
// a range it should have taken (an older kernel's EINVAL, first of all).
func follow(lo, hi, end, chunk, page uintptr, wait func() bool) error {
	for lo < end {
		if err := populate(lo, min(hi, end)); err != nil {
			return err
		}
		lo, hi = hi, hi+chunk
		for lo < end && populate(lo, lo+page) != nil {
			if !wait() {
				return nil // the heap stopped short of the next chunk
			}
		}
	}
	return nil
}

// populate maps [lo, hi) writable, as writes would, without writing. The kernel refuses a
// range that is reserved without access or was never mapped (EINVAL, ENOMEM); before Linux
// 5.14 it refuses them all (EINVAL).
func populate(lo, hi uintptr) error {
	if _, _, errno := syscall.Syscall(syscall.SYS_MADVISE, lo, hi-lo, madvPopulateWrite); errno != 0 {
		return errno
	}
	return nil
}
