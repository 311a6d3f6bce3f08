package npstoday

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/nimbusctl/nimbusctl/pkg/secretfile"
)

// EnvKey is the environment variable that holds the API key; it wins over the key file.
const EnvKey = "NPSTODAY_API_KEY"

// ErrNoKey means neither NPSTODAY_API_KEY nor the profile's key file holds a key.
var ErrNoKey = errors.New("no nps.today API key: set " + EnvKey + " or run `nimbusctl nps login --with-key` (the key on stdin)")

// Key is the API key and where it came from. Its String never shows the secret.
type Key struct {
	secret string
	Source string // "env NPSTODAY_API_KEY" or "file /path/to/key"
}

// NewKey wraps a key from elsewhere (tests, the sandbox).
func NewKey(secret, source string) Key { return Key{secret: strings.TrimSpace(secret), Source: source} }

// String describes the key without revealing it.
func (k Key) String() string { return "nps.today API key from " + k.Source }

// KeyFile is where `nps login` keeps a profile's key: <config dir>/npstoday/<profile>.key,
// mode 0600 in a 0700 folder.
func KeyFile(configDir, profile string) string {
	return filepath.Join(configDir, "npstoday", safeName(profile)+".key")
}

func safeName(profile string) string {
	p := strings.ToLower(strings.TrimSpace(profile))
	if p == "" {
		p = "default"
	}
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.' {
			return r
		}
		return '_'
	}, p)
}

// LoadKey finds the key: NPSTODAY_API_KEY first, then the profile's key file. A key file
// that others can read is refused (pkg/secretfile: the rule of every secret file).
func LoadKey(getenv func(string) string, configDir, profile string) (Key, error) {
	if v := strings.TrimSpace(getenv(EnvKey)); v != "" {
		return Key{secret: v, Source: "env " + EnvKey}, nil
	}
	path := KeyFile(configDir, profile)
	b, err := secretfile.Read(path, "the nps.today key file")
	if errors.Is(err, fs.ErrNotExist) {
		return Key{}, ErrNoKey
	}
	if err != nil {
		return Key{}, err
	}
	secret := strings.TrimSpace(string(b))
	if secret == "" {
		return Key{}, ErrNoKey
	}
	return Key{secret: secret, Source: "file " + path}, nil
}

// SaveKey writes the profile's key file atomically (0600 in a 0700 folder) and returns its path.
func SaveKey(configDir, profile, secret string) (string, error) {
	secret = strings.TrimSpace(secret)
	if err := CheckKey(secret); err != nil {
		return "", err
	}
	path := KeyFile(configDir, profile)
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		return "", err
	}
	return path, secretfile.Write(path, []byte(secret+"\n"))
}

// RemoveKey deletes the profile's key file; it reports whether there was one.
func RemoveKey(configDir, profile string) (bool, error) {
	err := os.Remove(KeyFile(configDir, profile))
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	return err == nil, err
}

// CheckKey refuses what cannot be an API key: empty, several lines, spaces or control
// characters (a pasted "Authorization: ..." line, say).
func CheckKey(secret string) error {
	if secret == "" {
		return errors.New("the API key is empty")
	}
	for _, r := range secret {
		if r <= ' ' || r == 0x7f {
			return errors.New("the API key must be one word without spaces or line breaks")
		}
	}
	return nil
}

// Scheme is how the key travels in the Authorization header. The public material
// disagrees: the Postman docs and the connector send the key as it is; the Dixa guide says
// Bearer in one version and Basic with user "ApiKey" in another.
type Scheme string

const (
	SchemeRaw    Scheme = "raw"    // Authorization: <key>
	SchemeBearer Scheme = "bearer" // Authorization: Bearer <key>
	SchemeBasic  Scheme = "basic"  // Authorization: Basic base64("ApiKey:<key>")
)

// Schemes lists the allowed values of npstoday_auth_scheme.
var Schemes = []string{string(SchemeRaw), string(SchemeBearer), string(SchemeBasic)}

// ParseScheme reads npstoday_auth_scheme ("" is raw).
func ParseScheme(s string) (Scheme, error) {
	switch Scheme(strings.ToLower(strings.TrimSpace(s))) {
	case "", SchemeRaw:
		return SchemeRaw, nil
	case SchemeBearer:
		return SchemeBearer, nil
	case SchemeBasic:
		return SchemeBasic, nil
	}
	return "", fmt.Errorf("invalid nps.today auth scheme %q: allowed: %s", s, strings.Join(Schemes, ", "))
}

// Header is the Authorization value for the key under the scheme.
func (s Scheme) Header(k Key) string {
	switch s {
	case SchemeBearer:
		return "Bearer " + k.secret
	case SchemeBasic:
		return "Basic " + base64.StdEncoding.EncodeToString([]byte("ApiKey:"+k.secret))
	}
	return k.secret
}

// Auth returns the pipeline's Authorization function and the literal values a trace must
// scrub (the key and its encoded form).
func (s Scheme) Auth(k Key) (func(context.Context) (string, error), []string) {
	h := s.Header(k)
	auth := func(context.Context) (string, error) { return h, nil }
	secrets := []string{k.secret}
	if s == SchemeBasic {
		secrets = append(secrets, strings.TrimPrefix(h, "Basic "))
	}
	return auth, secrets
}
