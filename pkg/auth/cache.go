package auth

import (
	"bytes"
	"context"
	"encoding/json"
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
// atomically (temp file + rename), under a file lock. With StorageKeyring the file is
// encrypted (path + ".enc") with a key kept in the OS keyring; where no keyring answers, it
// falls back to the plain file. Whichever store holds the cache is read, so changing
// token_storage keeps the sign-in: the next write moves it.
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
	want        Storage
	keyring     Keyring

	mu    sync.Mutex
	held  *filelock.Lock
	swept bool // leftovers of killed writes removed

	writeFile func(path string, b []byte) error // secretfile.Write; tests make it fail

	// The keyring is asked once per process (a bulk run reads the cache before every call).
	keyDone  bool
	key      []byte
	keyErr   error
	storage  Storage // where the cache was last read from or written to
	fallback error   // why the keyring is not used, when it was wanted
}

// DefaultLockTimeout bounds the wait for another process's lock (a refresh takes at most a
// request timeout, and a process that dies releases its lock).
const DefaultLockTimeout = 2 * time.Minute

// NewFileCache returns the cache kept in the plain file path.
func NewFileCache(path string) *FileCache {
	return &FileCache{path: path, lockTimeout: DefaultLockTimeout, want: StorageFile}
}

// NewCache returns the cache of path kept as want says; k is the keyring (nil: SystemKeyring).
func NewCache(path string, want Storage, k Keyring) *FileCache {
	c := NewFileCache(path)
	if want == StorageKeyring {
		c.want = want
	}
	// Under token_storage file too: an encrypted cache left by keyring is read with it.
	c.keyring = k
	if k == nil {
		c.keyring = SystemKeyring
	}
	return c
}

// RemoveCache deletes the token cache of path, plain or encrypted (its key stays in the
// keyring for the next sign-in).
func RemoveCache(path string) error {
	for _, p := range []string{path, sealedPath(path)} {
		if err := os.Remove(p); err != nil && !os.IsNotExist(err) {
			return err
		}
	}
	return nil
}

func sealedPath(path string) string { return path + ".enc" }

// Storage says where the cache was last read from or written to (before that: where it will
// be), and why the keyring is not used when it was wanted. Like Replace and Export, the
// caller serializes it.
func (c *FileCache) Storage() (Storage, error) {
	if c.storage == "" {
		return c.want, nil
	}
	return c.storage, c.fallback
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
	b, path, err := c.read()
	if err != nil {
		return err
	}
	if b == nil {
		// Forget what this process remembered: another process may have logged out.
		_ = u.Unmarshal([]byte("{}"))
		return nil
	}
	if err := checkJSON(b); err != nil {
		return &DamagedError{Path: path, Reason: fmt.Sprintf("is damaged (%v)", err)}
	}
	if err := u.Unmarshal(b); err != nil {
		return &DamagedError{Path: path, Reason: fmt.Sprintf("is damaged (%v)", err)}
	}
	if c.storage != c.want && c.canMove() {
		// token_storage changed (or the keyring answers again): move the cache now.
		if err := c.write(b); err != nil {
			return err
		}
	}
	return nil
}

// DamagedError is a token cache that cannot be read: cut short, edited, encrypted with a key
// the keyring no longer has (or does not give), or not a file at all. Nothing in it can be
// used; `auth login` sets it aside (SetAsideDamaged) and signs in afresh.
type DamagedError struct {
	Path   string
	Reason string // "is damaged (...)", "is encrypted with a key the keyring no longer has"
	// Retry, when set, is what may make the cache readable again as it is ("unlock the
	// keyring and run the command again"), said before the sign-in.
	Retry string
}

func (e *DamagedError) Error() string {
	fix := "run `nimbusctl auth login`, which sets it aside and signs in afresh"
	if e.Retry != "" {
		fix = e.Retry + ", or " + fix
	}
	return fmt.Sprintf("the token cache %s %s: %s", e.Path, e.Reason, fix)
}

// UnreadableCache tells an error about a token cache file that cannot be used (damaged, or
// refused by the secret-file rule): how that file was kept, and what is wrong, without advice.
func UnreadableCache(err error) (Storage, string, bool) {
	var damaged *DamagedError
	var insecure *secretfile.InsecureError
	switch {
	case errors.As(err, &damaged):
		return storageOf(damaged.Path), "the token cache " + damaged.Path + " " + damaged.Reason, true
	case errors.As(err, &insecure) && insecure.What == cacheWhat:
		return storageOf(insecure.Path), fmt.Sprintf("the token cache %s: others may read it (mode %04o)", insecure.Path, insecure.Mode.Perm()), true
	}
	return "", "", false
}

// storageOf tells the encrypted cache file from the plain one.
func storageOf(path string) Storage {
	if filepath.Ext(path) == ".enc" {
		return StorageKeyring
	}
	return StorageFile
}

// cacheWhat names the token cache in secret-file errors.
const cacheWhat = "the token cache"

// checkJSON tells a cache file cut short or overwritten (MSAL's cache is one JSON object).
func checkJSON(b []byte) error {
	var probe map[string]json.RawMessage
	return json.Unmarshal(b, &probe)
}

// SetAsideDamaged renames a cache file that cannot be read to <file>.damaged (kept, never
// deleted: replacing an older one), so that a sign-in can start afresh. It returns what was
// wrong, or nil when the cache reads (or there is none).
func (c *FileCache) SetAsideDamaged(ctx context.Context) (*DamagedError, error) {
	if err := c.acquire(ctx); err != nil {
		return nil, err
	}
	defer c.Release()
	b, path, err := c.read()
	var damaged *DamagedError
	switch {
	case errors.As(err, &damaged):
	case err != nil:
		return nil, err
	case b == nil:
		return nil, nil
	default:
		err := checkJSON(b)
		if err == nil {
			return nil, nil
		}
		damaged = &DamagedError{Path: path, Reason: fmt.Sprintf("is damaged (%v)", err)}
	}
	if err := os.Rename(damaged.Path, damaged.Path+".damaged"); err != nil {
		return nil, fmt.Errorf("setting the damaged token cache aside: %w", err)
	}
	return damaged, nil
}

// canMove reports whether the store the profile wants can take the cache.
func (c *FileCache) canMove() bool {
	if c.want != StorageKeyring {
		return true
	}
	_, err := c.cacheKey(true)
	c.fallback = err
	return err == nil
}

// read returns the cache from the encrypted file or the plain one, preferring the store the
// profile wants, with the file it came from; nothing when neither exists.
func (c *FileCache) read() ([]byte, string, error) {
	plain, err := readIfAny(c.path)
	if err != nil {
		return nil, c.path, err
	}
	sealed, err := readIfAny(sealedPath(c.path))
	if err != nil {
		return nil, sealedPath(c.path), err
	}
	if sealed != nil && (c.want == StorageKeyring || plain == nil) {
		key, err := c.cacheKey(false)
		if err == nil {
			b, err := unseal(key, sealed)
			if err != nil {
				return nil, "", &DamagedError{Path: sealedPath(c.path), Reason: fmt.Sprintf("is damaged (%v)", err)}
			}
			c.storage = StorageKeyring
			return b, sealedPath(c.path), nil
		}
		switch {
		case plain != nil:
		case errors.Is(err, ErrNoKey):
			return nil, "", &DamagedError{Path: sealedPath(c.path), Reason: "is encrypted with a key the keyring no longer has"}
		default:
			return nil, "", &DamagedError{Path: sealedPath(c.path), Reason: fmt.Sprintf("is encrypted and the keyring does not answer (%v)", err),
				Retry: "unlock the keyring and run the command again"}
		}
	}
	c.storage = StorageFile
	return plain, c.path, nil
}

// readIfAny reads a cache file, refusing one that others may read (pkg/secretfile); a missing
// file is nothing (nil). An empty file, a folder or a link in its place is damaged: the
// cache is only ever replaced whole by a regular file (a link would be cut by the rename, its
// target left behind as a second cache), so something else made them.
func readIfAny(path string) ([]byte, error) {
	info, err := os.Lstat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("reading the token cache: %w", err)
	case info.Mode()&fs.ModeSymlink != 0:
		return nil, &DamagedError{Path: path, Reason: "is a symbolic link (nimbusctl replaces the cache file whole, which would cut the link)"}
	case info.IsDir():
		return nil, &DamagedError{Path: path, Reason: "is a folder, not a file"}
	case !info.Mode().IsRegular():
		return nil, &DamagedError{Path: path, Reason: "is not a regular file"}
	}
	b, err := secretfile.Read(path, cacheWhat)
	var insecure *secretfile.InsecureError
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, nil
	case errors.As(err, &insecure):
		return nil, err
	case err != nil:
		return nil, fmt.Errorf("reading the token cache: %w", err)
	case len(bytes.TrimSpace(b)) == 0:
		return nil, &DamagedError{Path: path, Reason: "is empty (cut short by a crash or a full disk)"}
	}
	return b, nil
}

// cacheKey gets the cache's key from the keyring (once per process), making one when the
// keyring has none and create is set. A keyring that does not answer is the fallback's reason.
func (c *FileCache) cacheKey(create bool) ([]byte, error) {
	if c.keyring == nil {
		c.keyring = SystemKeyring // an encrypted cache read under token_storage file
	}
	if !c.keyDone || (create && errors.Is(c.keyErr, ErrNoKey)) {
		c.key, c.keyErr = c.lookupKey(create)
		c.keyDone = true
	}
	return c.key, c.keyErr
}

func (c *FileCache) lookupKey(create bool) ([]byte, error) {
	user := "token cache " + c.path
	if abs, err := filepath.Abs(c.path); err == nil {
		user = "token cache " + abs
	}
	s, err := c.keyring.Get(keyringService, user)
	if err == nil {
		return decodeKey(s)
	}
	if !errors.Is(err, ErrNoKey) || !create {
		return nil, err
	}
	key, err := newKey()
	if err != nil {
		return nil, err
	}
	if err := c.keyring.Set(keyringService, user, encodeKey(key)); err != nil {
		return nil, err
	}
	return key, nil
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
	return c.write(b)
}

// CacheWriteError is a token cache that cannot be saved: its folder is not writable, or the
// disk is full. Signing in again would not help: the sign-in is fine, the file is not.
type CacheWriteError struct {
	Dir string
	Err error
}

func (e *CacheWriteError) Error() string {
	return fmt.Sprintf("cannot save the token cache (%v): check that the folder %s is writable and its disk not full", e.Err, e.Dir)
}

func (e *CacheWriteError) Unwrap() error { return e.Err }

// write stores the cache where the profile wants it, or in the plain file when the keyring
// does not answer; the file there is as it was when that fails.
func (c *FileCache) write(b []byte) error {
	if err := c.store(b); err != nil {
		return &CacheWriteError{Dir: filepath.Dir(c.path), Err: err}
	}
	return nil
}

func (c *FileCache) store(b []byte) error {
	// The cache goes to one store and leaves the other: a stale copy there could hold a
	// refresh token that was rotated since.
	if c.want == StorageKeyring {
		key, err := c.cacheKey(true)
		if err == nil {
			sealed, err := seal(key, b)
			if err != nil {
				return err
			}
			if err := c.writeFileAtomic(sealedPath(c.path), sealed); err != nil {
				return err
			}
			c.storage, c.fallback = StorageKeyring, nil
			return removeIfAny(c.path)
		}
		c.fallback = err
	}
	if err := c.writeFileAtomic(c.path, b); err != nil {
		return err
	}
	c.storage = StorageFile
	return removeIfAny(sealedPath(c.path))
}

func removeIfAny(path string) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("removing the old token cache: %w", err)
	}
	return nil
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
	// A process killed mid-write left its temporary file, the whole cache in it; under the
	// lock no write of ours is in flight. Once per process is enough; failing to remove it is
	// no reason to stop.
	if !c.swept {
		c.swept = true
		for _, p := range []string{c.path, sealedPath(c.path)} {
			_ = secretfile.RemoveLeftovers(p)
		}
	}
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

// writeFileAtomic writes b to path in a private folder: a reader sees the old file or the
// new one, never half of one (secretfile.Write).
func (c *FileCache) writeFileAtomic(path string, b []byte) error {
	if err := ensurePrivateDir(filepath.Dir(path)); err != nil {
		return err
	}
	write := c.writeFile
	if write == nil {
		write = secretfile.Write
	}
	return write(path, b)
}

// lockFile takes the cache's cross-process lock (see pkg/filelock).
func lockFile(ctx context.Context, path string, timeout time.Duration) (*filelock.Lock, error) {
	return filelock.Acquire(ctx, path, timeout, "the token cache")
}
