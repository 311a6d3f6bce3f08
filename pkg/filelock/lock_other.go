//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly || windows)

package filelock

import "os"

// Platforms without flock or LockFileEx get no cross-process lock: the atomic rename still
// keeps the file whole, but two processes refreshing at once may lose one's rotation.
func tryLock(*os.File) (bool, error) { return true, nil }

func unlock(*os.File) error { return nil }
