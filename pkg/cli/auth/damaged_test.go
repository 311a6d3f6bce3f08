package auth_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/zalando/go-keyring"

	"github.com/nimbusctl/nimbusctl/pkg/auth"
	"github.com/nimbusctl/nimbusctl/pkg/cli/clitest"
)

// A token cache that cannot be read — cut short by a crash or a full disk, encrypted with a
// key the keyring no longer has (or another machine's), replaced by a folder or a link — stops
// every command with exit 4 and what to do: 'auth login', which sets the file aside (never
// deletes it) before the device code is shown and signs in afresh. It used to run the whole
// sign-in and then fail on the same file; an empty file read as "not logged in", hiding the
// crash; a folder was a Go error (exit 1) that no login fixed; a link was silently replaced by
// a file, leaving its target behind as a second cache.
func TestLoginSetsADamagedTokenCacheAside(t *testing.T) {
	t.Parallel()
	halve := func(t *testing.T, path string) {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, b[:len(b)/2], 0o600); err != nil {
			t.Fatal(err)
		}
	}
	noKey := "is encrypted with a key the keyring no longer has"
	setAside := "run `nimbusctl auth login`, which sets it aside and signs in afresh"
	for _, tc := range []struct {
		name, storage, file, what string
		fix                       string // the error's advice, when not setAside
		damage                    func(t *testing.T, e *clitest.Env, path string)
	}{
		{"cut short", "file", "msal-default.json", "is damaged (unexpected end of JSON input)", "", func(t *testing.T, e *clitest.Env, path string) {
			halve(t, path)
		}},
		{"empty", "file", "msal-default.json", "is empty (cut short by a crash or a full disk)", "", func(t *testing.T, e *clitest.Env, path string) {
			if err := os.Truncate(path, 0); err != nil {
				t.Fatal(err)
			}
		}},
		{"encrypted and empty", "keyring", "msal-default.json.enc", "is empty (cut short by a crash or a full disk)", "", func(t *testing.T, e *clitest.Env, path string) {
			if err := os.Truncate(path, 0); err != nil {
				t.Fatal(err)
			}
		}},
		{"encrypted and cut short", "keyring", "msal-default.json.enc", "is damaged (it does not open with the key in the keyring)", "", func(t *testing.T, e *clitest.Env, path string) {
			halve(t, path)
		}},
		{"a byte flipped", "keyring", "msal-default.json.enc", "is damaged (it does not open with the key in the keyring)", "", func(t *testing.T, e *clitest.Env, path string) {
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			b[len(b)-20] ^= 1
			if err := os.WriteFile(path, b, 0o600); err != nil {
				t.Fatal(err)
			}
		}},
		{"key gone", "keyring", "msal-default.json.enc", noKey, "", func(t *testing.T, e *clitest.Env, path string) {
			plain := path[:len(path)-len(".enc")]
			if err := keyring.Delete("nimbusctl", "token cache "+plain); err != nil {
				t.Fatal(err)
			}
		}},
		{"another machine's key", "keyring", "msal-default.json.enc", "is damaged (it does not open with the key in the keyring)", "", func(t *testing.T, e *clitest.Env, path string) {
			plain := path[:len(path)-len(".enc")]
			if err := keyring.Set("nimbusctl", "token cache "+plain, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="); err != nil {
				t.Fatal(err)
			}
		}},
		{"keyring does not answer", "keyring", "msal-default.json.enc", "is encrypted and the keyring does not answer (no Secret Service on the session bus)",
			"unlock the keyring and run the command again, or " + setAside, func(t *testing.T, e *clitest.Env, path string) {
				e.Keyring = brokenKeyring{}
			}},
		{"a folder", "file", "msal-default.json", "is a folder, not a file", "", func(t *testing.T, e *clitest.Env, path string) {
			if err := os.Remove(path); err != nil {
				t.Fatal(err)
			}
			if err := os.Mkdir(path, 0o700); err != nil {
				t.Fatal(err)
			}
		}},
		{"a link", "file", "msal-default.json", "is a symbolic link (nimbusctl replaces the cache file whole, which would cut the link)", "", func(t *testing.T, e *clitest.Env, path string) {
			if err := os.Rename(path, path+".real"); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink(path+".real", path); err != nil {
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

			fix := tc.fix
			if fix == "" {
				fix = setAside
			}
			for _, args := range [][]string{{"addressbook", "list"}, {"auth", "token"}} {
				e.Run(args...).Expect(t, 4, "", "error: the token cache "+path+" "+tc.what+": "+fix+"\n")
			}
			r := e.Run("auth", "login")
			note := ""
			if tc.name == "keyring does not answer" {
				note = "! no OS keyring answered (no Secret Service on the session bus): the token cache is the 0600 file " + path[:len(path)-len(".enc")] + "\n"
			}
			r.Expect(t, 0, "", "! The token cache "+path+" "+tc.what+": it is set aside as "+path+".damaged, and the sign-in starts afresh.\n"+prompt(e, 1, "15m")+note)
			e.MustRun("addressbook", "list")
			if _, err := os.Lstat(path + ".damaged"); err != nil {
				t.Errorf("the damaged cache is not kept: %v", err)
			}
		})
	}
}

// TestStatusSaysWhatItFound: with a token cache that cannot be read, `auth status` still shows
// where it is kept and that it is unreadable (then exits 4 with the one line of advice), so
// that an admin sees the storage without reading file names.
func TestStatusSaysWhatItFound(t *testing.T) {
	t.Parallel()
	e := clitest.New(t, clitest.WithEntra())
	e.MustRun("auth", "login")
	path := filepath.Join(e.Getenv("NIMBUSCTL_CACHE_DIR"), "msal-default.json.enc")
	if err := os.Truncate(path, 0); err != nil {
		t.Fatal(err)
	}
	line := "the token cache " + path + " is empty (cut short by a crash or a full disk): run `nimbusctl auth login`, which sets it aside and signs in afresh"
	r := e.Run("auth", "status")
	detail := "the token cache " + path + " is empty (cut short by a crash or a full disk)"
	r.Expect(t, 4, "nimbus\tunreadable\t\t\tdevice code login\tkeyring\t\t"+detail+"\n"+
		"odata\tunreadable\t\t\tdevice code login\tkeyring\t\t"+detail+"\n", "error: "+line+"\n")

	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	r = e.Run("auth", "status", "-o", "json", "--jq", ".[0] | [.status, .storage] | join(\" \")")
	if r.Code != 4 || r.Stdout != "unreadable keyring\n" {
		t.Fatalf("status of a cache others may read: %d %q %q", r.Code, r.Stdout, r.Stderr)
	}
}

// TestSwitchingStorageWhileTheKeyringFails: token_storage keyring → file → keyring with a live
// sign-in, the keyring failing half-way. At every step exactly one cache file exists, the
// sign-in is kept (no second device code), and a step that cannot read the cache says why.
func TestSwitchingStorageWhileTheKeyringFails(t *testing.T) {
	t.Parallel()
	e := clitest.New(t, clitest.WithEntra())
	e.MustRun("auth", "login")
	plain := filepath.Join(e.Getenv("NIMBUSCTL_CACHE_DIR"), "msal-default.json")
	only := func(step, want string) {
		t.Helper()
		var got []string
		for _, p := range []string{plain, plain + ".enc"} {
			if _, err := os.Lstat(p); err == nil {
				got = append(got, filepath.Base(p))
			}
		}
		if len(got) != 1 || got[0] != filepath.Base(want) {
			t.Fatalf("%s: cache files %v, want only %s", step, got, filepath.Base(want))
		}
	}
	only("signed in", plain+".enc")

	e.MustRun("config", "set", "token_storage", "file")
	e.Keyring = brokenKeyring{}
	e.Run("addressbook", "list", "-o", "json", "--jq", "length").Expect(t, 4, "",
		"error: the token cache "+plain+".enc is encrypted and the keyring does not answer (no Secret Service on the session bus): unlock the keyring and run the command again, or run `nimbusctl auth login`, which sets it aside and signs in afresh\n")
	only("to file, keyring gone", plain+".enc")

	e.Keyring = auth.SystemKeyring
	e.Run("addressbook", "list", "-o", "json", "--jq", "length").Expect(t, 0, "2\n", "")
	only("to file, keyring back", plain)

	e.MustRun("config", "set", "token_storage", "keyring")
	e.Keyring = brokenKeyring{}
	e.Run("addressbook", "list", "-o", "json", "--jq", "length").Expect(t, 0, "2\n", "")
	only("to keyring, keyring gone", plain)
	if rows := statusRows(t, e.Run("auth", "status", "-o", "json")); rows["nimbus"].Storage != "file" ||
		rows["nimbus"].Detail != "no OS keyring answered (no Secret Service on the session bus): the token cache is the 0600 file "+plain {
		t.Fatalf("status %+v", rows)
	}

	e.Keyring = auth.SystemKeyring
	e.Run("addressbook", "list", "-o", "json", "--jq", "length").Expect(t, 0, "2\n", "")
	only("to keyring, keyring back", plain+".enc")
	if n := len(e.Emu.UserCodes()); n != 1 {
		t.Errorf("%d device codes: the sign-in was lost", n)
	}
}
