package secretfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func TestOnlyTheOwnerMayRead(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no mode bits on Windows")
	}
	dir := t.TempDir()
	for _, tc := range []struct {
		mode fs.FileMode
		ok   bool
	}{{0o600, true}, {0o400, true}, {0o700, true}, {0o640, false}, {0o644, false}, {0o604, false}, {0o660, false}} {
		path := filepath.Join(dir, tc.mode.String())
		if err := os.WriteFile(path, []byte("s3cret"), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(path, tc.mode); err != nil {
			t.Fatal(err)
		}
		b, err := Read(path, "the key file")
		var insecure *InsecureError
		switch {
		case tc.ok && (err != nil || string(b) != "s3cret"):
			t.Errorf("%04o: %q %v", tc.mode, b, err)
		case !tc.ok && (!errors.As(err, &insecure) || b != nil):
			t.Errorf("%04o: read %q, err %v", tc.mode, b, err)
		case !tc.ok && err.Error() != "refusing to use the key file "+path+": others may read it (mode "+fmt.Sprintf("%04o", tc.mode)+"); run: chmod 600 "+path:
			t.Errorf("%04o: message %q", tc.mode, err)
		}
	}
	if _, err := Read(filepath.Join(dir, "missing"), "x"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing: %v", err)
	}
}

func TestWriteReplacesWholeWithAFileOnlyTheOwnerReads(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "token")
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := Write(path, []byte("new\n")); err != nil {
		t.Fatal(err)
	}
	if b, err := Read(path, "the token"); err != nil || string(b) != "new\n" {
		t.Errorf("read back %q %v", b, err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("left behind: %v", entries)
	}
	if err := Write(filepath.Join(dir, "missing", "token"), []byte("x")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("into a missing folder: %v", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("a failed write left: %v", entries)
	}
}

func TestRemoveLeftoversOfWritesThatNeverRenamed(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "token")
	for _, name := range []string{".token.1234.tmp", ".token.json.5.tmp", ".token..tmp", ".token.12a.tmp", "token"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := RemoveLeftovers(path); err != nil {
		t.Fatal(err)
	}
	var names []string
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if want := ".token..tmp .token.12a.tmp .token.json.5.tmp token"; strings.Join(names, " ") != want {
		t.Errorf("left %v, want %s", names, want)
	}
}
