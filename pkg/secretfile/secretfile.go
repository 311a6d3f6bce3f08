// Package secretfile is the one rule for the files that hold credentials — the token cache,
// a client certificate with its private key, a client secret file, the nps.today key file:
// a file that anyone but its owner may read is refused, as ssh refuses such a private key.
//
// Refuse, not warn: by the time a secret is readable by others it may already have been
// read, and a warning in a cron log is read by nobody. The fix is one chmod, which the
// message gives. (Windows has no such mode bits: the rule does not apply there.)
//
// Write makes such files, and the other private files nimbusctl keeps (ledgers, the trigger
// record): whole, durable, readable by their owner only.
package secretfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// InsecureError is a secret file that others may read.
type InsecureError struct {
	What string // "the token cache", "the client certificate (NIMBUSCTL_CLIENT_CERTIFICATE)"
	Path string
	Mode fs.FileMode
}

func (e *InsecureError) Error() string {
	return fmt.Sprintf("refusing to use %s %s: others may read it (mode %04o); run: chmod 600 %s", e.What, e.Path, e.Mode.Perm(), e.Path)
}

// Hint says why, for the line after the error.
func (e *InsecureError) Hint() string {
	return "nimbusctl reads credentials only from files no one but their owner can read (see 'nimbusctl help environment')."
}

// Check applies the rule to an existing file; a missing file is the caller's business
// (fs.ErrNotExist passes through).
func Check(path, what string) error {
	info, err := os.Stat(path)
	if err != nil {
		return err
	}
	if runtime.GOOS != "windows" && info.Mode().Perm()&0o077 != 0 {
		return &InsecureError{What: what, Path: path, Mode: info.Mode()}
	}
	return nil
}

// Read checks the file, then reads it.
func Read(path, what string) ([]byte, error) {
	if err := Check(path, what); err != nil {
		return nil, err
	}
	return os.ReadFile(path)
}

// Write replaces path with data, whole or not at all, as a file that passes the rule: the
// data goes to a temporary file in the same folder (os.CreateTemp makes it 0600), is synced
// to disk, then renamed over path, so a reader or a crash sees the old file or the new one,
// never half of one. The folder must exist.
func Write(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), tempPattern(path))
	if err != nil {
		return err
	}
	_, err = tmp.Write(data)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
	}
	return err
}

// tempPattern names Write's temporary files: ".<name>.<random digits>.tmp" beside path.
func tempPattern(path string) string { return "." + filepath.Base(path) + ".*.tmp" }

// RemoveLeftovers deletes the temporary files of Writes to path that never reached their
// rename: a process killed in between leaves one behind, holding the whole secret. Call it
// only while holding the lock that serializes writes to path (a live Write's file would go).
func RemoveLeftovers(path string) error {
	prefix, suffix, _ := strings.Cut(tempPattern(path), "*")
	entries, err := os.ReadDir(filepath.Dir(path))
	if err != nil {
		return err
	}
	for _, e := range entries {
		middle, ok := strings.CutPrefix(e.Name(), prefix)
		if middle, ok = strings.CutSuffix(middle, suffix); !ok || !allDigits(middle) {
			continue // another file's, such as path.json's ".path.json.json.1.tmp"
		}
		if err := os.Remove(filepath.Join(filepath.Dir(path), e.Name())); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	return nil
}

func allDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}
