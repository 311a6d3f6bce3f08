package nps_test

import (
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/nimbusctl/nimbusctl/pkg/cli/clitest"
	"github.com/nimbusctl/nimbusctl/pkg/emulator"
)

const noKeyMsg = "no nps.today API key: set NPSTODAY_API_KEY or run `nimbusctl nps login --with-key` (the key on stdin)"

const provisionalLine = "provisional: GET /employees/{employee}/analytics, GET /employees/{employee}/responses, GET /ivr/map, GET /respondents/responses\n"

func TestNpsLoginStatusLogout(t *testing.T) {
	t.Parallel()
	e := clitest.New(t)
	e.Setenv("NPSTODAY_API_KEY", "")
	url := e.Emu.NPSTodayURL()
	keyFile := filepath.Join(e.Home, "config", "npstoday", "default.key")

	// Without a key: status says so and exits 4; commands exit 4 with the way out.
	e.Run("nps", "status").Expect(t, 4, lines(
		"profile:     default",
		"endpoint:    "+url,
		"key:         none",
		"scheme:      raw",
		"rate:        10/s (default)",
		"check:       skipped: "+noKeyMsg,
	)+provisionalLine, "error: "+noKeyMsg+"\n")
	e.Run("nps", "campaigns", "list").Expect(t, 4, "", "error: "+noKeyMsg+"\n")

	// The key comes from stdin only.
	e.Run("nps", "login").Expect(t, 3, "", "error: pass --with-key and the key on stdin, e.g. nimbusctl nps login --with-key < npstoday.key (keys are never read from flag values)\nRun 'nimbusctl nps login --help' for usage.\n")
	e.RunWith(clitest.RunOpts{Stdin: "a\nb\n"}, "nps", "login", "--with-key").
		Expect(t, 3, "", "error: stdin: expected one line with the API key, got several\n")
	e.RunWith(clitest.RunOpts{Stdin: ""}, "nps", "login", "--with-key").
		Expect(t, 3, "", "error: stdin: no API key: pipe it in, e.g. nimbusctl nps login --with-key < npstoday.key\n")

	// A key nps.today refuses is not saved.
	r := e.RunWith(clitest.RunOpts{Stdin: "npt-wrong-key-0000\n"}, "nps", "login", "--with-key")
	r.Expect(t, 4, "", "error: GetCampaigns: 401 Unauthorized: Unauthorized. The API key is missing or invalid.; the key was not saved (wrong key, or another npstoday_auth_scheme: raw, bearer, basic)\n"+
		"Check the nps.today API key and npstoday_auth_scheme (raw, bearer, basic): nimbusctl nps status\n")
	if _, err := os.Stat(keyFile); err == nil {
		t.Fatal("a refused key was saved")
	}

	// A good key is checked, then saved 0600 in a 0700 folder; nothing is printed off a TTY.
	r = e.RunWith(clitest.RunOpts{Stdin: emulator.NPSTodayAPIKey + "\n"}, "nps", "login", "--with-key")
	r.Expect(t, 0, "", "")
	b, err := os.ReadFile(keyFile)
	if err != nil || strings.TrimSpace(string(b)) != emulator.NPSTodayAPIKey {
		t.Fatalf("key file: %q %v", b, err)
	}
	if runtime.GOOS != "windows" {
		fi, _ := os.Stat(keyFile)
		di, _ := os.Stat(filepath.Dir(keyFile))
		if fi.Mode().Perm() != 0o600 || di.Mode().Perm() != 0o700 {
			t.Errorf("modes %v %v", fi.Mode(), di.Mode())
		}
	}

	// status reports the source and checks the key live, never showing it.
	r = e.Run("nps", "status")
	r.Expect(t, 0, lines(
		"profile:     default",
		"endpoint:    "+url,
		"key:         file "+keyFile,
		"scheme:      raw",
		"rate:        10/s (default)",
		"check:       ok: GetCampaigns answered 200 from "+url+" (3 campaigns; key from file "+keyFile+")",
	)+provisionalLine, "")
	noSecret(t, r, emulator.NPSTodayAPIKey)
	var st map[string]any
	r = e.Run("nps", "status", "-o", "json")
	if err := json.Unmarshal([]byte(r.Stdout), &st); err != nil || st["keySource"] != "file "+keyFile || st["check"] != "ok" {
		t.Errorf("json status %v %v\n%s", st, err, r.Stdout)
	}
	e.MustRun("nps", "campaigns", "list")

	// On a terminal, login confirms; with NPSTODAY_API_KEY set it warns that the variable wins.
	e.Setenv("NPSTODAY_API_KEY", emulator.NPSTodayOtherAPIKey)
	e.RunWith(clitest.RunOpts{TTY: true, Stdin: emulator.NPSTodayAPIKey}, "nps", "login", "--with-key").Expect(t, 0, "",
		"Paste the nps.today API key and press Enter (it is not shown):\n! NPSTODAY_API_KEY is set and takes precedence over the saved key\n✓ Saved the nps.today API key for profile default in "+keyFile+"\n")
	e.Setenv("NPSTODAY_API_KEY", "")

	// A stored key readable by others is refused.
	if runtime.GOOS != "windows" {
		os.Chmod(keyFile, 0o644)
		e.Run("nps", "campaigns", "list").Expect(t, 4, "", "error: refusing to use the nps.today key file "+keyFile+": others may read it (mode 0644); run: chmod 600 "+keyFile+"\n"+
			"nimbusctl reads credentials only from files no one but their owner can read (see 'nimbusctl help environment').\n")
		os.Chmod(keyFile, 0o600)
	}

	// --no-verify saves offline; logout removes; a second logout warns.
	e.RunWith(clitest.RunOpts{Stdin: "npt-offline-key"}, "nps", "login", "--with-key", "--no-verify").Expect(t, 0, "", "")
	e.RunWith(clitest.RunOpts{TTY: true}, "nps", "logout").Expect(t, 0, "", "✓ Removed the nps.today API key of profile default\n")
	e.Run("nps", "logout").Expect(t, 0, "", "! no stored nps.today API key for profile default\n")
	e.Run("nps", "campaigns", "list").Expect(t, 4, "", "error: "+noKeyMsg+"\n")
}

func TestNpsKeyFilesArePerProfile(t *testing.T) {
	t.Parallel()
	e := clitest.New(t)
	e.Setenv("NPSTODAY_API_KEY", "")
	e.MustRun("config", "set", "npstoday_url", e.Emu.NPSTodayURL(), "--profile", "other")
	e.RunWith(clitest.RunOpts{Stdin: emulator.NPSTodayAPIKey}, "nps", "login", "--with-key", "--profile", "other").Expect(t, 0, "", "")
	e.Run("nps", "campaigns", "list", "--profile", "other", "--jq", "length").Expect(t, 0, "3\n", "")
	e.Run("nps", "campaigns", "list").Expect(t, 4, "", "error: "+noKeyMsg+"\n")
}

// The key never shows: not in output, not in errors, not in a --debug trace, whatever the
// scheme.
func TestNpsKeyNeverPrinted(t *testing.T) {
	t.Parallel()
	for _, scheme := range []string{"raw", "bearer", "basic"} {
		t.Run(scheme, func(t *testing.T) {
			t.Parallel()
			e := clitest.New(t, unlimited(), clitest.WithEmulator(func(o *emulator.Options) { o.NPSTodayAuthScheme = scheme }))
			e.Setenv("NIMBUSCTL_NPSTODAY_AUTH_SCHEME", scheme)
			basic := base64.StdEncoding.EncodeToString([]byte("ApiKey:" + emulator.NPSTodayAPIKey))
			runs := [][]string{
				{"nps", "status", "--debug"},
				{"nps", "campaigns", "list", "--debug"},
				{"nps", "survey", "send", "--campaign", "101", "--phone", "+4521234567", "--debug"},
				{"nps", "api", "GET", "/campaigns/", "--debug"},
				{"nps", "status", "-o", "json"},
				{"doctor", "-o", "json", "--debug"},
			}
			for _, args := range runs {
				r := e.Run(args...)
				if r.Code != 0 {
					t.Fatalf("%v: exit %d\n%s", args, r.Code, r.Stderr)
				}
				noSecret(t, r, emulator.NPSTodayAPIKey, basic)
				if strings.Contains(strings.Join(args, " "), "--debug") && !strings.Contains(r.Stderr, "> Authorization: [redacted]") {
					t.Errorf("%v: no redacted Authorization in the trace:\n%s", args, r.Stderr)
				}
			}
			// A wrong scheme: 401, with the hint, still without the key.
			other := map[string]string{"raw": "bearer", "bearer": "basic", "basic": "raw"}[scheme]
			e.Setenv("NIMBUSCTL_NPSTODAY_AUTH_SCHEME", other)
			r := e.Run("nps", "campaigns", "list", "--debug")
			if r.Code != 4 || !strings.HasSuffix(r.Stderr, "error: GetCampaigns: 401 Unauthorized: Unauthorized. The API key is missing or invalid.\nCheck the nps.today API key and npstoday_auth_scheme (raw, bearer, basic): nimbusctl nps status\n") {
				t.Errorf("wrong scheme: exit %d\n%s", r.Code, r.Stderr)
			}
			noSecret(t, r, emulator.NPSTodayAPIKey, basic)
			// Login with a key on stdin under --debug.
			e.Setenv("NIMBUSCTL_NPSTODAY_AUTH_SCHEME", scheme)
			r = e.RunWith(clitest.RunOpts{Stdin: emulator.NPSTodayAPIKey}, "nps", "login", "--with-key", "--debug")
			if r.Code != 0 {
				t.Fatalf("login: %d %s", r.Code, r.Stderr)
			}
			noSecret(t, r, emulator.NPSTodayAPIKey, basic)
		})
	}
}
