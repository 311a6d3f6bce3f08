// Package prefault has the kernel map, on another core, the heap pages that nimbusctl's
// libraries are about to fill while they initialise.
//
// Starting nimbusctl is mostly package initialisation, and much of that is page faults: the
// libraries allocate about 5 MB (the phone-number metadata most of it), every 4 KiB page new
// to the process, and the first write to each traps into the kernel, which finds, zeroes and
// maps a page (about 2 µs each on a virtual machine, over a thousand times). Importing this
// package, which initialises among the first, starts one goroutine that asks the kernel for
// those pages ahead of the libraries with madvise(MADV_POPULATE_WRITE) (Linux 5.14): the rest
// of the heap chunk (4 MB) the runtime allocates from, then each next chunk as soon as the
// runtime maps it, up to about the heap the libraries fill. The kernel does that work on the
// second core while the libraries run on the first.
//
// The call changes no byte of memory (it maps pages as a write would, without writing) and
// covers only what the runtime has mapped for its heap, so at worst it is wasted work. It
// does nothing with one processor (there is no other core to do it on), on older kernels, or
// off 64-bit Linux. Import it only from a program's main package.
package prefault
