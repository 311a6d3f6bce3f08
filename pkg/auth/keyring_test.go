package auth

import (
	"bytes"
	"context"
	"errors"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/cache"
	"github.com/zalando/go-keyring"
)

var mockOnce sync.Once

// mockedKeyring is SystemKeyring over go-keyring's mock provider: an in-memory store, so the
// tests never touch the real keyring. Each test's cache path names its own key.
func mockedKeyring() Keyring {
	mockOnce.Do(keyring.MockInit)
	return SystemKeyring
}

// brokenKeyring is a keyring that does not answer (a cron host without Secret Service).
type brokenKeyring struct{}

func (brokenKeyring) Get(string, string) (string, error) { return "", errors.New("no keyring here") }
func (brokenKeyring) Set(string, string, string) error   { return errors.New("no keyring here") }

func roundTrip(t *testing.T, c *FileCache, data string) string {
	t.Helper()
	ctx := context.Background()
	if err := c.Replace(ctx, &blob{}, cache.ReplaceHints{}); err != nil {
		t.Fatal(err)
	}
	if data != "" {
		if err := c.Export(ctx, &blob{data: []byte(data)}, cache.ExportHints{}); err != nil {
			t.Fatal(err)
		}
	}
	c.Release()
	b := &blob{}
	if err := c.Replace(ctx, b, cache.ReplaceHints{}); err != nil {
		t.Fatal(err)
	}
	c.Release()
	return string(b.data)
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// TestKeyringCacheIsEncryptedAndMovesBothWays: with the keyring the cache file is encrypted
// (0600 still), the plain file is gone, and changing token_storage either way keeps the
// sign-in: the first read under the new setting moves the cache.
func TestKeyringCacheIsEncryptedAndMovesBothWays(t *testing.T) {
	t.Parallel()
	path := CachePath(t.TempDir(), "default")
	const secret = `{"RefreshToken":{"x":{"secret":"very-secret-refresh-token"}}}`
	c := NewCache(path, StorageKeyring, mockedKeyring())
	if got := roundTrip(t, c, secret); got != secret {
		t.Fatalf("read back %q", got)
	}
	enc, err := os.ReadFile(path + ".enc")
	if err != nil || exists(path) {
		t.Fatalf("encrypted file: %v; plain file there too: %v", err, exists(path))
	}
	if bytes.Contains(enc, []byte("very-secret")) || !bytes.HasPrefix(enc, []byte(sealMagic)) {
		t.Fatalf("the file is not encrypted: %q", enc)
	}
	if st, _ := os.Stat(path + ".enc"); st.Mode().Perm() != 0o600 {
		t.Errorf("mode %v", st.Mode())
	}
	if s, why := c.Storage(); s != StorageKeyring || why != nil {
		t.Errorf("storage %s %v", s, why)
	}

	// token_storage file: a new process reads the encrypted cache and moves it.
	f := NewCache(path, StorageFile, mockedKeyring())
	if got := roundTrip(t, f, ""); got != secret {
		t.Fatalf("file storage read %q", got)
	}
	if !exists(path) || exists(path+".enc") {
		t.Fatalf("after the move: plain %v, encrypted %v", exists(path), exists(path+".enc"))
	}
	if s, _ := f.Storage(); s != StorageFile {
		t.Errorf("storage %s", s)
	}

	// And back to the keyring, with the same key.
	k := NewCache(path, StorageKeyring, mockedKeyring())
	if got := roundTrip(t, k, ""); got != secret || exists(path) || !exists(path+".enc") {
		t.Fatalf("back to the keyring: %q plain %v encrypted %v", got, exists(path), exists(path+".enc"))
	}
}

// TestNoKeyringFallsBackToThePlainFile: where no keyring answers the cache is the 0600 file,
// and Storage says why; when the keyring answers again, the cache moves there.
func TestNoKeyringFallsBackToThePlainFile(t *testing.T) {
	t.Parallel()
	path := CachePath(t.TempDir(), "cron")
	c := NewCache(path, StorageKeyring, brokenKeyring{})
	if got := roundTrip(t, c, `{"a":1}`); got != `{"a":1}` {
		t.Fatalf("read back %q", got)
	}
	if st, err := os.Stat(path); err != nil || st.Mode().Perm() != 0o600 || exists(path+".enc") {
		t.Fatalf("plain file: %v %v", st, err)
	}
	s, why := c.Storage()
	if s != StorageFile || why == nil || why.Error() != "no keyring here" {
		t.Fatalf("storage %s, reason %v", s, why)
	}
	k := NewCache(path, StorageKeyring, mockedKeyring())
	if got := roundTrip(t, k, ""); got != `{"a":1}` || exists(path) || !exists(path+".enc") {
		t.Fatalf("keyring back: %q plain %v encrypted %v", got, exists(path), exists(path+".enc"))
	}
}

// TestEncryptedCacheWithoutItsKey: a keyring that lost the key (or an edited file) is a clear
// error, not a silent sign-out.
func TestEncryptedCacheWithoutItsKey(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := CachePath(dir, "default")
	roundTrip(t, NewCache(path, StorageKeyring, mockedKeyring()), `{"a":1}`)

	other := CachePath(dir, "other") // another cache's key does not open it
	if err := os.Rename(path+".enc", other+".enc"); err != nil {
		t.Fatal(err)
	}
	c := NewCache(other, StorageKeyring, mockedKeyring())
	err := c.Replace(context.Background(), &blob{}, cache.ReplaceHints{})
	c.Release()
	if err == nil || err.Error() != "the token cache "+other+".enc is encrypted with a key the keyring no longer has: run `nimbusctl auth login`, which sets it aside and signs in afresh" {
		t.Fatalf("no key: %v", err)
	}

	c = NewCache(other, StorageKeyring, brokenKeyring{})
	err = c.Replace(context.Background(), &blob{}, cache.ReplaceHints{})
	c.Release()
	if err == nil || !strings.HasSuffix(err.Error(), "is encrypted and the keyring does not answer (no keyring here): unlock the keyring and run the command again, or run `nimbusctl auth login`, which sets it aside and signs in afresh") {
		t.Fatalf("keyring unavailable: %v", err)
	}
}

type hangingKeyring struct{ release chan struct{} }

func (h hangingKeyring) Get(string, string) (string, error) { <-h.release; return "", nil }
func (h hangingKeyring) Set(string, string, string) error   { <-h.release; return nil }

// TestKeyringCallsAreBounded: a keyring that never answers (a locked Secret Service waiting
// for a password nobody types) costs a bounded wait, then the plain file is used.
func TestKeyringCallsAreBounded(t *testing.T) {
	t.Parallel()
	h := hangingKeyring{release: make(chan struct{})}
	defer close(h.release)
	k := bounded{inner: h, timeout: 20 * time.Millisecond}
	if _, err := k.Get("nimbusctl", "x"); err == nil || err.Error() != "the keyring did not answer within 20ms" {
		t.Fatalf("Get: %v", err)
	}
	path := CachePath(t.TempDir(), "default")
	c := NewCache(path, StorageKeyring, k)
	if got := roundTrip(t, c, `{"a":1}`); got != `{"a":1}` || !exists(path) {
		t.Fatalf("fallback: %q %v", got, exists(path))
	}
}

func TestSealRejectsOtherKeysAndEdits(t *testing.T) {
	t.Parallel()
	k1, _ := newKey()
	k2, _ := newKey()
	sealed, err := seal(k1, []byte("cache"))
	if err != nil {
		t.Fatal(err)
	}
	if plain, err := unseal(k1, sealed); err != nil || string(plain) != "cache" {
		t.Fatalf("unseal: %q %v", plain, err)
	}
	if _, err := unseal(k2, sealed); err == nil {
		t.Error("another key opened it")
	}
	sealed[len(sealed)-1] ^= 1
	if _, err := unseal(k1, sealed); err == nil {
		t.Error("an edited file opened")
	}
	if _, err := unseal(k1, []byte(`{"plain":"json"}`)); err == nil {
		t.Error("plain JSON opened")
	}
	if _, err := decodeKey("c2hvcnQ="); err == nil {
		t.Error("a damaged key decoded")
	}
}
