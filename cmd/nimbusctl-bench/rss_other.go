//go:build unix && !linux && !darwin

package main

import "syscall"

// maxRSSMiB: the BSDs report ru_maxrss in KiB.
func maxRSSMiB(ru *syscall.Rusage) float64 { return float64(ru.Maxrss) / 1024 }
