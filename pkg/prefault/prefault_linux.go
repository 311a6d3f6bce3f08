package prefault

import (
	"runtime"
	"syscall"
	"unsafe"
)

const (
	madvPopulateWrite = 23      // MADV_POPULATE_WRITE, Linux 5.14
	heapChunk         = 4 << 20 // the runtime maps its heap 4 MB at a time, 4 MB-aligned
)

var (
	// first is allocated while the libraries have yet to start: the heap chunk it lies in
	// is the one they fill first.
	first *[64]byte
	// done is closed when the kernel has answered, and answer is what it said (for tests).
	done   = make(chan struct{})
	answer error
)

func init() {
	if runtime.GOMAXPROCS(0) < 2 {
		return
	}
	first = new([64]byte)
	lo, hi := restOfChunk(uintptr(unsafe.Pointer(first)), uintptr(syscall.Getpagesize()))
	go func() {
		defer close(done)
		answer = populate(lo, hi) // on error, the faults are taken as usual
	}()
}

// restOfChunk is the range from the page holding addr to the end of its heap chunk.
func restOfChunk(addr, pageSize uintptr) (lo, hi uintptr) {
	return addr &^ (pageSize - 1), addr&^(heapChunk-1) + heapChunk
}

// populate maps [lo, hi) writable, as writes would, without writing. Where part of the
// range is not mapped it stops there (ENOMEM); before Linux 5.14 it does nothing (EINVAL).
func populate(lo, hi uintptr) error {
	if _, _, errno := syscall.Syscall(syscall.SYS_MADVISE, lo, hi-lo, madvPopulateWrite); errno != 0 {
		return errno
	}
	return nil
}
