package auth_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/zalando/go-keyring"

	"github.com/nimbusctl/nimbusctl/pkg/cli/clitest"
)

// A token cache that cannot be read — cut short by a full disk, or encrypted with a key the
// keyring no longer has — stops every command with what to do: 'auth login', which sets the
// file aside (never deletes it) before the device code is shown and signs in afresh. It
// used to run the whole sign-in and then fail on the same file.
func TestLoginSetsADamagedTokenCacheAside(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, storage, file, reason string
		damage                      func(t *testing.T, e *clitest.Env, path string)
	}{
		{"cut short", "file", "msal-default.json", "unexpected end of JSON input", func(t *testing.T, e *clitest.Env, path string) {
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, b[:len(b)/2], 0o600); err != nil {
				t.Fatal(err)
			}
		}},
		{"key gone", "keyring", "msal-default.json.enc", "", func(t *testing.T, e *clitest.Env, path string) {
			plain := path[:len(path)-len(".enc")]
			if err := keyring.Delete("nimbusctl", "token cache "+plain); err != nil {
				t.Fatal(err)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := clitest.New(t, clitest.WithEntra())
			e.Setenv("NIMBUSCTL_TOKEN_STORAGE", tc.storage)
			e.MustRun("auth", "login")
			path := filepath.Join(e.Getenv("NIMBUSCTL_CACHE_DIR"), tc.file)
			tc.damage(t, e, path)

			what := "is damaged (" + tc.reason + ")"
			if tc.reason == "" {
				what = "is encrypted with a key the keyring no longer has"
			}
			e.Run("addressbook", "list").Expect(t, 4, "",
				"error: the token cache "+path+" "+what+": run `nimbusctl auth login`, which sets it aside and signs in afresh\n")
			r := e.Run("auth", "login")
			r.Expect(t, 0, "", "! The token cache "+path+" "+what+": it is set aside as "+path+".damaged, and the sign-in starts afresh.\n"+prompt(e, 1, "15m"))
			e.MustRun("addressbook", "list")
			if _, err := os.Stat(path + ".damaged"); err != nil {
				t.Errorf("the damaged cache is not kept: %v", err)
			}
		})
	}
}
