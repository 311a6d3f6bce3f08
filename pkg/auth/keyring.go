package auth

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/zalando/go-keyring"
)

// Storage is how a profile's token cache is kept at rest (profile key token_storage).
type Storage string

const (
	// StorageKeyring encrypts the cache file with a key kept in the OS keyring (macOS
	// Keychain, Windows Credential Manager, Secret Service on Linux). Only the 32-byte key goes
	// in the keyring: MSAL's cache is larger than Windows allows a credential to be.
	StorageKeyring Storage = "keyring"
	// StorageFile keeps the cache as a plain 0600 file, where no keyring answers (a headless
	// cron host) or where the profile says so.
	StorageFile Storage = "file"
)

// Keyring is the OS credential store, as far as the token cache uses it.
type Keyring interface {
	Get(service, user string) (string, error)
	Set(service, user, secret string) error
}

// ErrNoKey means the keyring answered and holds no key for the cache.
var ErrNoKey = errors.New("no key in the keyring")

// KeyringTimeout bounds every keyring call: a locked Secret Service may wait for a password
// prompt nobody sees, and a cron job must not hang on it.
const KeyringTimeout = 3 * time.Second

// SystemKeyring is the OS keyring through github.com/zalando/go-keyring (pure Go: builds with
// CGO_ENABLED=0), each call bounded by KeyringTimeout.
var SystemKeyring Keyring = bounded{inner: goKeyring{}, timeout: KeyringTimeout}

const keyringService = "nimbusctl"

// goKeyring is go-keyring, one call at a time: that is plenty, and the library's mock
// provider (tests) is not safe for concurrent use.
type goKeyring struct{}

var goKeyringMu sync.Mutex

func (goKeyring) Get(service, user string) (string, error) {
	goKeyringMu.Lock()
	defer goKeyringMu.Unlock()
	s, err := keyring.Get(service, user)
	if errors.Is(err, keyring.ErrNotFound) {
		err = ErrNoKey
	}
	return s, err
}

func (goKeyring) Set(service, user, secret string) error {
	goKeyringMu.Lock()
	defer goKeyringMu.Unlock()
	return keyring.Set(service, user, secret)
}

// bounded gives up on a keyring call after timeout; a call that hangs is left to finish on
// its own.
type bounded struct {
	inner   Keyring
	timeout time.Duration
}

type keyringResult struct {
	secret string
	err    error
}

func (k bounded) call(fn func() (string, error)) (string, error) {
	done := make(chan keyringResult, 1)
	go func() {
		s, err := fn()
		done <- keyringResult{s, err}
	}()
	t := time.NewTimer(k.timeout)
	defer t.Stop()
	select {
	case r := <-done:
		return r.secret, r.err
	case <-t.C:
		return "", fmt.Errorf("the keyring did not answer within %s", k.timeout)
	}
}

func (k bounded) Get(service, user string) (string, error) {
	return k.call(func() (string, error) { return k.inner.Get(service, user) })
}

func (k bounded) Set(service, user, secret string) error {
	_, err := k.call(func() (string, error) { return "", k.inner.Set(service, user, secret) })
	return err
}

// sealMagic starts an encrypted token cache file; the rest is a nonce and AES-256-GCM.
const sealMagic = "nimbusctl-sealed-v1\n"

// seal encrypts plain with key (32 bytes).
func seal(key, plain []byte) ([]byte, error) {
	gcm, err := newGCM(key)
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, gcm.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	out := append([]byte(sealMagic), nonce...)
	return gcm.Seal(out, nonce, plain, []byte(sealMagic)), nil
}

// unseal decrypts what seal wrote; a wrong key or a changed file is an error.
func unseal(key, sealed []byte) ([]byte, error) {
	gcm, err := newGCM(key)
	if err != nil {
		return nil, err
	}
	rest, ok := cutPrefix(sealed, sealMagic)
	if !ok || len(rest) < gcm.NonceSize() {
		return nil, errors.New("not an encrypted token cache")
	}
	plain, err := gcm.Open(nil, rest[:gcm.NonceSize()], rest[gcm.NonceSize():], []byte(sealMagic))
	if err != nil {
		return nil, errors.New("it does not open with the key in the keyring")
	}
	return plain, nil
}

func cutPrefix(b []byte, prefix string) ([]byte, bool) {
	if len(b) < len(prefix) || string(b[:len(prefix)]) != prefix {
		return nil, false
	}
	return b[len(prefix):], true
}

func newGCM(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

func newKey() ([]byte, error) {
	key := make([]byte, 32)
	_, err := rand.Read(key)
	return key, err
}

func encodeKey(key []byte) string { return base64.StdEncoding.EncodeToString(key) }

func decodeKey(s string) ([]byte, error) {
	key, err := base64.StdEncoding.DecodeString(s)
	if err != nil || len(key) != 32 {
		return nil, errors.New("the keyring holds a damaged key for the token cache")
	}
	return key, nil
}
