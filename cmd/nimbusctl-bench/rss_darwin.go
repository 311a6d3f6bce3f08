package main

import "syscall"

// maxRSSMiB: macOS reports ru_maxrss in bytes.
func maxRSSMiB(ru *syscall.Rusage) float64 { return float64(ru.Maxrss) / (1 << 20) }
