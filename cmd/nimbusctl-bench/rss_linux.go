package main

import "syscall"

// maxRSSMiB: Linux reports ru_maxrss in KiB.
func maxRSSMiB(ru *syscall.Rusage) float64 { return float64(ru.Maxrss) / 1024 }
