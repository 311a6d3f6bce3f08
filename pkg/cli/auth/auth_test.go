package auth_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nimbusctl/nimbusctl/pkg/auth"
	authcmd "github.com/nimbusctl/nimbusctl/pkg/cli/auth"
	"github.com/nimbusctl/nimbusctl/pkg/cli/clitest"
	"github.com/nimbusctl/nimbusctl/pkg/emulator"
)

const odataAppID = "898a7352-9216-4ca8-a485-7d8f3903f598"

// prompt is what `auth login` prints on stderr for the n-th device code of the emulator.
func prompt(e *clitest.Env, n int, expiresIn string) string {
	return "To sign in, open " + e.Emu.EntraURL() + "/devicelogin and enter the code " + e.Emu.UserCodes()[n] + "\n" +
		"Waiting for the sign-in (the code expires in " + expiresIn + "; Ctrl-C cancels)...\n"
}

func notLoggedIn(profile string) string {
	return "error: not logged in (profile " + profile + "): " + auth.Fix + "\n"
}

func statusRows(t *testing.T, r clitest.Result) map[string]authcmd.ResourceStatus {
	t.Helper()
	if r.Code != 0 {
		t.Fatalf("auth status: exit %d\n%s", r.Code, r.Stderr)
	}
	var rows []authcmd.ResourceStatus
	if err := json.Unmarshal([]byte(r.Stdout), &rows); err != nil {
		t.Fatalf("auth status -o json: %v\n%s", err, r.Stdout)
	}
	out := map[string]authcmd.ResourceStatus{}
	for _, row := range rows {
		out[row.Resource] = row
	}
	return out
}

func TestLoginThenEveryCommandUsesTheCache(t *testing.T) {
	t.Parallel()
	e := clitest.New(t, clitest.WithEntra())

	r := e.Run("auth", "login")
	r.Expect(t, 0, "", prompt(e, 0, "15m"))

	cache := filepath.Join(e.Getenv("NIMBUSCTL_CACHE_DIR"), "msal-default.json")
	st, err := os.Stat(cache)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("cache file: %v %v", st, err)
	}
	if dst, _ := os.Stat(filepath.Dir(cache)); dst.Mode().Perm() != 0o700 {
		t.Errorf("cache folder mode %v", dst.Mode())
	}

	// A new process (a new Factory): the token comes from the file, with no new sign-in.
	r = e.Run("api", "GET", "/v2/AddressBooks")
	if r.Code != 0 || !strings.Contains(r.Stdout, emulator.BookCustomersName) || r.Stderr != "" {
		t.Fatalf("api: %d %q %q", r.Code, r.Stdout, r.Stderr)
	}
	if g := e.Emu.TokenGrants(); g["device_code"] != 1 || g["refresh_token"] != 0 || len(e.Emu.UserCodes()) != 1 {
		t.Fatalf("grants %v codes %v", g, e.Emu.UserCodes())
	}

	rows := statusRows(t, e.Run("auth", "status", "-o", "json"))
	for _, res := range []string{"nimbus", "odata"} {
		row := rows[res]
		exp, err := time.Parse(time.RFC3339, row.ExpiresOn)
		if row.Status != "ok" || row.Account != emulator.DefaultUser || row.Tenant != emulator.TenantID || row.Source != auth.SourceDeviceCode ||
			row.Profile != "default" || row.ClientID != emulator.PublicClientID || err != nil || time.Until(exp) < 50*time.Minute {
			t.Errorf("%s: %+v", res, row)
		}
	}
	// The OData token came silently from the same account's refresh token.
	if g := e.Emu.TokenGrants(); g["refresh_token"] != 1 {
		t.Errorf("grants %v", g)
	}

	r = e.Run("auth", "token")
	tok := strings.TrimSuffix(r.Stdout, "\n")
	if at, ok := e.Emu.LookupToken(tok); r.Code != 0 || r.Stderr != "" || !ok || at.Audience != emulator.NimbusAudience || at.User != emulator.DefaultUser {
		t.Fatalf("auth token: %d %q, issued %+v", r.Code, r.Stderr, at)
	}
	r = e.Run("auth", "token", "--resource", "odata")
	if at, _ := e.Emu.LookupToken(strings.TrimSpace(r.Stdout)); r.Code != 0 || at.Audience != odataAppID {
		t.Fatalf("auth token --resource odata: %d, issued %+v", r.Code, at)
	}

	e.Run("auth", "logout").Expect(t, 0, "", "")
	e.Run("auth", "status").Expect(t, 4, "", notLoggedIn("default"))
	e.Run("api", "GET", "/v2/AddressBooks").Expect(t, 4, "", notLoggedIn("default"))
	e.Run("auth", "token").Expect(t, 4, "", notLoggedIn("default"))
	e.Run("auth", "logout").Expect(t, 0, "", "! not logged in (profile default): nothing to remove\n")
	if n := len(e.Emu.UserCodes()); n != 1 {
		t.Errorf("a command without a terminal started a device flow (%d codes)", n)
	}
}

func TestExpiredTokenIsRefreshedByTheNextRun(t *testing.T) {
	t.Parallel()
	// MSAL renews a token with less than 5 minutes left: with a 2-minute TTL every run refreshes.
	e := clitest.New(t, clitest.WithEntra(), clitest.WithEmulator(func(o *emulator.Options) { o.AccessTokenTTL = 2 * time.Minute }))
	e.MustRun("auth", "login")
	first := strings.TrimSpace(e.MustRun("auth", "token").Stdout)
	for i := 1; i <= 2; i++ {
		r := e.Run("api", "GET", "/v2/AddressBooks")
		if r.Code != 0 || r.Stderr != "" {
			t.Fatalf("run %d: %d %q", i, r.Code, r.Stderr)
		}
	}
	second := strings.TrimSpace(e.MustRun("auth", "token").Stdout)
	if first == second {
		t.Error("the token was not renewed")
	}
	if g := e.Emu.TokenGrants(); g["device_code"] != 1 || g["refresh_token"] != 4 {
		t.Errorf("grants %v", g)
	}
	// The emulator's refresh tokens work once: four refreshes in a row prove each run stored
	// the rotated one.
	e.Emu.RevokeRefreshTokens()
	r := e.Run("api", "GET", "/v2/AddressBooks")
	if r.Code != 4 || !strings.HasPrefix(r.Stderr, "error: the sign-in of admin@contoso.com (profile default) cannot be renewed silently (invalid_grant: AADSTS70000: ") || !strings.HasSuffix(r.Stderr, auth.Fix+"\n") {
		t.Fatalf("revoked: %d %q", r.Code, r.Stderr)
	}
}

func TestWithoutTerminalNoDeviceFlow(t *testing.T) {
	t.Parallel()
	e := clitest.New(t, clitest.WithEntra())
	e.Run("api", "GET", "/v2/AddressBooks").Expect(t, 4, "", notLoggedIn("default"))
	e.Run("auth", "status").Expect(t, 4, "", notLoggedIn("default"))
	if codes := e.Emu.UserCodes(); len(codes) != 0 {
		t.Fatalf("device codes %v", codes)
	}
}

func TestOnATerminalACommandSignsInInline(t *testing.T) {
	t.Parallel()
	e := clitest.New(t, clitest.WithEntra())
	r := e.RunWith(clitest.RunOpts{TTY: true}, "api", "GET", "/v2/AddressBooks")
	want := "! not logged in (profile default): signing in with a device code\n" + prompt(e, 0, "15m")
	if r.Code != 0 || r.Stderr != want || !strings.Contains(r.Stdout, emulator.BookCustomersName) {
		t.Fatalf("exit %d\nstderr %q\nwant   %q\nstdout %q", r.Code, r.Stderr, want, r.Stdout)
	}
	// ... and the login stays: the next run needs no terminal.
	if r := e.Run("api", "GET", "/v2/AddressBooks"); r.Code != 0 {
		t.Fatalf("after inline login: %d %q", r.Code, r.Stderr)
	}
	// auth status never signs in, even on a terminal.
	e.MustRun("auth", "logout")
	e.RunWith(clitest.RunOpts{TTY: true}, "auth", "status").Expect(t, 4, "", notLoggedIn("default"))
	if n := len(e.Emu.UserCodes()); n != 1 {
		t.Errorf("%d device codes", n)
	}
}

func TestLoginNeedsAClientIDAndSavesFlags(t *testing.T) {
	t.Parallel()
	e := clitest.New(t, clitest.WithEntra())
	e.Setenv("NIMBUSCTL_CLIENT_ID", "")
	e.Setenv("NIMBUSCTL_TENANT", "")
	e.Run("auth", "login").Expect(t, 3, "", "error: no client id: pass --client-id <app-id> (your Entra app registration, with \"Allow public client flows\" on), or set it with `nimbusctl config set client_id <app-id>`\nRun 'nimbusctl auth login --help' for usage.\n")
	e.Run("auth", "login", "--scopes", "x/.default", "--resource", "odata").Expect(t, 3, "", "error: --scopes and --resource cannot be used together\nRun 'nimbusctl auth login --help' for usage.\n")
	e.Run("auth", "login", "--resource", "graph").Expect(t, 3, "", "error: invalid argument \"graph\" for \"--resource\" flag: valid values are nimbus, odata\nRun 'nimbusctl auth login --help' for usage.\n")

	r := e.Run("auth", "login", "--tenant", emulator.TenantDomain, "--client-id", emulator.PublicClientID)
	r.Expect(t, 0, "", prompt(e, 0, "15m"))
	e.Run("config", "get", "client_id").Expect(t, 0, emulator.PublicClientID+"\n", "")
	e.Run("config", "get", "tenant").Expect(t, 0, emulator.TenantDomain+"\n", "")
	rows := statusRows(t, e.Run("auth", "status", "-o", "json"))
	if rows["nimbus"].Account != emulator.DefaultUser {
		t.Errorf("status %+v", rows)
	}

	// A client id the authority does not know.
	r = e.Run("auth", "login", "--client-id", "00000000-0000-0000-0000-00000000beef")
	if r.Code != 4 || !strings.Contains(r.Stderr, "unauthorized_client: AADSTS700016") {
		t.Fatalf("unknown client: %d %q", r.Code, r.Stderr)
	}
}

func TestLoginForODataAndSeveralAccounts(t *testing.T) {
	t.Parallel()
	e := clitest.New(t, clitest.WithEntra())
	e.Run("auth", "login", "--resource", "odata").Expect(t, 0, "", prompt(e, 0, "15m"))
	// Signing in a second account (the terminal's user is the agent now) picks it for the profile.
	agent := clitest.New(t, clitest.WithEntra(), clitest.WithEmulator(func(o *emulator.Options) { o.DeviceUser = emulator.AgentUser }))
	for _, k := range []string{"NIMBUSCTL_CONFIG_DIR", "NIMBUSCTL_CACHE_DIR"} {
		agent.Setenv(k, e.Getenv(k))
	}
	agent.Run("auth", "login").Expect(t, 0, "", prompt(agent, 0, "15m")+"Profile default now uses agent@contoso.com (key username); the token cache holds 2 accounts.\n")
	agent.Run("config", "get", "username").Expect(t, 0, emulator.AgentUser+"\n", "")
	if rows := statusRows(t, agent.Run("auth", "status", "-o", "json")); rows["nimbus"].Account != emulator.AgentUser {
		t.Errorf("status %+v", rows)
	}
	agent.Run("auth", "logout", "--all").Expect(t, 0, "", "")
	agent.Run("auth", "status").Expect(t, 4, "", "error: not logged in as agent@contoso.com (profile default, key username): "+auth.Fix+"\n")
	// Signing in as someone else than the profile's username makes them the profile's account.
	e.Run("auth", "login").Expect(t, 0, "", prompt(e, 1, "15m")+"Profile default now uses admin@contoso.com (key username).\n")
	e.Run("config", "get", "username").Expect(t, 0, emulator.DefaultUser+"\n", "")
}

func TestCtrlCCancelsTheWait(t *testing.T) {
	t.Parallel()
	e := clitest.New(t, clitest.WithEntra(), clitest.WithEmulator(func(o *emulator.Options) { o.DeviceCodePolls = 1 << 30 }))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		// The first poll comes after the code was shown: then Ctrl-C.
		for e.Emu.Stats().Operations["EntraToken"] == 0 && ctx.Err() == nil {
			time.Sleep(5 * time.Millisecond)
		}
		cancel()
	}()
	r := e.RunWith(clitest.RunOpts{Ctx: ctx}, "auth", "login")
	r.Expect(t, 2, "", prompt(e, 0, "15m")+"cancelled\n")
}

func TestDeviceCodeExpiry(t *testing.T) {
	t.Parallel()
	e := clitest.New(t, clitest.WithEntra(), clitest.WithEmulator(func(o *emulator.Options) {
		o.DeviceCodeTTL, o.DeviceCodePolls = time.Second, 1<<30
	}))
	r := e.Run("auth", "login")
	r.Expect(t, 4, "", prompt(e, 0, "1s")+"error: the device code expired before the sign-in was completed: run `nimbusctl auth login` again and enter the new code in time\n")
}

// confidential points the environment at the emulator's confidential app.
func confidential(t *testing.T) *clitest.Env {
	e := clitest.New(t, clitest.NoLogin())
	e.Setenv("NIMBUSCTL_AUTHORITY", e.Emu.EntraURL())
	e.Setenv("NIMBUSCTL_TENANT", emulator.TenantID)
	e.Setenv("NIMBUSCTL_CLIENT_ID", emulator.ConfidentialClientID)
	return e
}

func TestClientSecret(t *testing.T) {
	t.Parallel()
	e := confidential(t)
	e.Setenv("NIMBUSCTL_CLIENT_SECRET", e.Emu.ClientSecret())
	if r := e.Run("api", "GET", "/v2/AddressBooks"); r.Code != 0 || r.Stderr != "" {
		t.Fatalf("api: %d %q", r.Code, r.Stderr)
	}
	rows := statusRows(t, e.Run("auth", "status", "-o", "json"))
	if n := rows["nimbus"]; n.Status != "ok" || n.Source != auth.SourceClientSecret || n.Account != "" || n.Tenant != emulator.TenantID || n.ExpiresOn == "" {
		t.Errorf("status %+v", n)
	}
	if g := e.Emu.TokenGrants(); g["client_credentials"] != 3 || g["device_code"] != 0 {
		t.Errorf("grants %v", g)
	}

	e.Setenv("NIMBUSCTL_CLIENT_SECRET", "wrong-secret-value")
	r := e.Run("api", "GET", "/v2/AddressBooks")
	if r.Code != 4 || !strings.HasPrefix(r.Stderr, "error: the client secret (NIMBUSCTL_CLIENT_SECRET) was refused for client "+emulator.ConfidentialClientID+" (profile default): invalid_client: AADSTS7000215: ") || !strings.HasSuffix(r.Stderr, "or unset it to use `nimbusctl auth login`\n") || strings.Contains(r.Stderr, "wrong-secret-value") {
		t.Fatalf("wrong secret: %d %q", r.Code, r.Stderr)
	}

	e.Setenv("NIMBUSCTL_TENANT", "organizations")
	e.Run("api", "GET", "/v2/AddressBooks").Expect(t, 3, "", "error: NIMBUSCTL_CLIENT_SECRET needs your tenant id, not \"organizations\": set NIMBUSCTL_TENANT (or the profile key tenant)\n")
}

func TestClientCertificate(t *testing.T) {
	t.Parallel()
	e := confidential(t)
	pem, err := e.Emu.ClientCertificatePEM()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(e.Home, "app.pem")
	if err := os.WriteFile(path, pem, 0o600); err != nil {
		t.Fatal(err)
	}
	e.Setenv("NIMBUSCTL_CLIENT_CERTIFICATE", path)
	if r := e.Run("api", "GET", "/v2/AddressBooks"); r.Code != 0 || r.Stderr != "" {
		t.Fatalf("api: %d %q", r.Code, r.Stderr)
	}
	rows := statusRows(t, e.Run("auth", "status", "-o", "json"))
	if rows["nimbus"].Source != auth.SourceClientCertificate || rows["odata"].Status != "ok" {
		t.Errorf("status %+v", rows)
	}
	e.Setenv("NIMBUSCTL_CLIENT_SECRET", "x")
	e.Run("auth", "status").Expect(t, 3, "", "error: NIMBUSCTL_CLIENT_SECRET and NIMBUSCTL_CLIENT_CERTIFICATE are all set: keep one\n")
}

func TestRawTokensComeFirst(t *testing.T) {
	t.Parallel()
	e := clitest.New(t, clitest.WithEntra())
	e.MustRun("auth", "login")
	raw := e.Emu.IssueToken(emulator.DefaultUser, odataAppID, time.Hour)
	e.Setenv("NIMBUSCTL_ODATA_TOKEN", raw)
	rows := statusRows(t, e.Run("auth", "status", "-o", "json"))
	if rows["nimbus"].Source != auth.SourceDeviceCode || rows["odata"].Source != "NIMBUSCTL_ODATA_TOKEN" {
		t.Errorf("NIMBUSCTL_ODATA_TOKEN alone: %+v", rows)
	}
	e.Setenv("NIMBUSCTL_TOKEN", e.Emu.IssueToken(emulator.DefaultUser, emulator.NimbusAudience, time.Hour))
	rows = statusRows(t, e.Run("auth", "status", "-o", "json"))
	if rows["nimbus"].Source != "NIMBUSCTL_TOKEN" || rows["nimbus"].ExpiresOn != "" {
		t.Errorf("NIMBUSCTL_TOKEN: %+v", rows)
	}
	r := e.Run("auth", "login")
	r.Expect(t, 0, "", prompt(e, 1, "15m")+"! NIMBUSCTL_TOKEN is set: commands use it, not the signed-in account, until it is unset\n")
}

// cacheSecrets lists every secret value in the token cache file.
func cacheSecrets(t *testing.T, e *clitest.Env) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(e.Getenv("NIMBUSCTL_CACHE_DIR"), "msal-default.json"))
	if err != nil {
		t.Fatal(err)
	}
	var c map[string]map[string]map[string]any
	if err := json.Unmarshal(b, &c); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, kind := range []string{"AccessToken", "RefreshToken", "IdToken"} {
		for _, item := range c[kind] {
			if s, _ := item["secret"].(string); s != "" {
				out = append(out, s)
			}
		}
	}
	if len(out) < 2 {
		t.Fatalf("expected tokens in the cache, found %d", len(out))
	}
	return out
}

func TestDebugTraceNeverShowsTokensOrSecrets(t *testing.T) {
	t.Parallel()
	e := clitest.New(t, clitest.WithEntra(), clitest.WithEmulator(func(o *emulator.Options) { o.AccessTokenTTL = 2 * time.Minute }))
	login := e.Run("--debug", "auth", "login")
	before := cacheSecrets(t, e)
	api := e.Run("--debug", "api", "GET", "/v2/AddressBooks") // refreshes: the rotated tokens cross the trace
	after := cacheSecrets(t, e)
	for name, r := range map[string]clitest.Result{"login": login, "api": api} {
		if r.Code != 0 || !strings.Contains(r.Stderr, "/oauth2/v2.0/token") || !strings.Contains(r.Stderr, "[redacted]") {
			t.Fatalf("%s: exit %d, trace:\n%s", name, r.Code, r.Stderr)
		}
		for _, s := range append(before, after...) {
			if strings.Contains(r.Stderr, s) || strings.Contains(r.Stdout, s) {
				t.Errorf("%s: the output shows a token from the cache", name)
			}
		}
	}

	c := confidential(t)
	secret := c.Emu.ClientSecret()
	c.Setenv("NIMBUSCTL_CLIENT_SECRET", secret)
	r := c.Run("--debug", "api", "GET", "/v2/AddressBooks")
	tok := strings.TrimSpace(c.MustRun("auth", "token").Stdout)
	if r.Code != 0 || !strings.Contains(r.Stderr, "client_secret=%5Bredacted%5D") || strings.Contains(r.Stderr, secret) || strings.Contains(r.Stderr, tok) {
		t.Errorf("client secret trace leaks (exit %d)", r.Code)
	}
}
