package auth

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"time"

	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/cache"

	"github.com/nimbusctl/nimbusctl/pkg/filelock"
	"github.com/nimbusctl/nimbusctl/pkg/secretfile"
)

// FileCache persists MSAL's token cache to one file: mode 0600 in a 0700 folder, replaced
// atomically (temp file + rename), under a file lock.
//
// The lock spans MSAL's read-modify-write: Replace takes it and keeps it, Export writes and
// releases it. A silent acquisition that needs no write never calls Export, so the caller
// (UserLogin) calls Release after every MSAL call. Two cron jobs refreshing at once are thus
// serialized: the second reads the cache the first wrote, with its rotated refresh token.
//
// A FileCache is used by one MSAL client, whose calls the caller serializes.
type FileCache struct {
	path        string
	lockTimeout time.Duration

	mu   sync.Mutex
	held *filelock.Lock
}

// DefaultLockTimeout bounds the wait for another process's lock (a refresh takes at most a
// request timeout, and a process that dies releases its lock).
const DefaultLockTimeout = 2 * time.Minute

// NewFileCache returns the cache kept in path.
func NewFileCache(path string) *FileCache {
	return &FileCache{path: path, lockTimeout: DefaultLockTimeout}
}

// Path is the cache file.
func (c *FileCache) Path() string { return c.path }

func (c *FileCache) lockPath() string { return c.path + ".lock" }

var _ cache.ExportReplace = (*FileCache)(nil)

// Replace loads the file into MSAL's cache. A missing or empty file is an empty cache, never an
// error (MSAL aborts token acquisition when Replace fails).
func (c *FileCache) Replace(ctx context.Context, u cache.Unmarshaler, _ cache.ReplaceHints) error {
	if err := c.acquire(ctx); err != nil {
		return err
	}
	b, err := secretfile.Read(c.path, "the token cache")
	if errors.Is(err, fs.ErrNotExist) || (err == nil && len(bytes.TrimSpace(b)) == 0) {
		// Forget what this process remembered: another process may have logged out.
		_ = u.Unmarshal([]byte("{}"))
		return nil
	}
	var insecure *secretfile.InsecureError
	if errors.As(err, &insecure) {
		return err
	}
	if err != nil {
		return fmt.Errorf("reading the token cache: %w", err)
	}
	if err := u.Unmarshal(b); err != nil {
		return fmt.Errorf("the token cache %s is damaged (%v): delete it and run `nimbusctl auth login`", c.path, err)
	}
	return nil
}

// Export writes MSAL's cache to the file atomically and releases the lock.
func (c *FileCache) Export(ctx context.Context, m cache.Marshaler, _ cache.ExportHints) error {
	if err := c.acquire(ctx); err != nil {
		return err
	}
	defer c.Release()
	b, err := m.Marshal()
	if err != nil {
		return err
	}
	return writeFileAtomic(c.path, b)
}

// Release drops the lock if this cache holds it.
func (c *FileCache) Release() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.held != nil {
		c.held.Unlock()
		c.held = nil
	}
}

func (c *FileCache) acquire(ctx context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.held != nil {
		return nil
	}
	if err := ensurePrivateDir(filepath.Dir(c.path)); err != nil {
		return err
	}
	l, err := lockFile(ctx, c.lockPath(), c.lockTimeout)
	if err != nil {
		return err
	}
	c.held = l
	return nil
}

// ensurePrivateDir creates dir with mode 0700, and narrows an existing one that others can
// read (unless it is a shared sticky folder such as /tmp, which is not ours to change).
func ensurePrivateDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("creating the token cache folder: %w", err)
	}
	if runtime.GOOS == "windows" {
		return nil
	}
	st, err := os.Stat(dir)
	if err != nil {
		return err
	}
	if st.Mode().Perm()&0o077 != 0 && st.Mode()&fs.ModeSticky == 0 {
		_ = os.Chmod(dir, 0o700)
	}
	return nil
}

// writeFileAtomic writes b to path through a 0600 temporary file in the same folder, then
// renames it over path: a reader sees the old file or the new one, never half of one.
func writeFileAtomic(path string, b []byte) error {
	dir := filepath.Dir(path)
	if err := ensurePrivateDir(dir); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp") // created 0600
	if err != nil {
		return fmt.Errorf("writing the token cache: %w", err)
	}
	name := tmp.Name()
	ok := false
	defer func() {
		if !ok {
			tmp.Close()
			os.Remove(name)
		}
	}()
	if err := tmp.Chmod(0o600); err != nil && runtime.GOOS != "windows" {
		return err
	}
	if _, err := tmp.Write(b); err != nil {
		return fmt.Errorf("writing the token cache: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("writing the token cache: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("writing the token cache: %w", err)
	}
	if err := os.Rename(name, path); err != nil {
		return fmt.Errorf("writing the token cache: %w", err)
	}
	ok = true
	return nil
}

// lockFile takes the cache's cross-process lock (see pkg/filelock).
func lockFile(ctx context.Context, path string, timeout time.Duration) (*filelock.Lock, error) {
	return filelock.Acquire(ctx, path, timeout, "the token cache")
}
