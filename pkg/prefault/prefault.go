// Package prefault has the kernel map, on another core, the heap pages that nimbusctl's
// libraries are about to fill while they initialise.
//
// Starting nimbusctl is mostly package initialisation, and much of that is page faults: the
// libraries allocate about 5 MB (the phone-number metadata most of it), every 4 KiB page new
// to the process, and the first write to each traps into the kernel, which finds, zeroes and
// maps a page (about 2 µs each on a virtual machine, over a thousand times). The runtime has
// mapped the first heap chunk, 4 MB, before any library starts. Importing this package,
// which initialises among the first, starts one goroutine that asks for the rest of that
// chunk with madvise(MADV_POPULATE_WRITE) (Linux 5.14): the kernel does the same work on the
// second core while the libraries run on the first.
//
// The call changes no byte of memory (it maps pages as a write would, without writing) and
// covers only what the runtime has already mapped for its heap, so at worst it is wasted
// work. It does nothing with one processor (there is no other core to do it on), on older
// kernels, or off Linux. Import it only from a program's main package.
package prefault
