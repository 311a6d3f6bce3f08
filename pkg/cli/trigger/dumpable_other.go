//go:build !linux

package trigger

// closeToSameUser: elsewhere there is no /proc/<pid>/environ for a same-user program to read
// (macOS, Windows), or no such switch; the command's environment is still left without the
// secrets.
func closeToSameUser() error { return nil }
