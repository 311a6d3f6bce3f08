package auth_test

import (
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nimbusctl/nimbusctl/pkg/auth"
	"github.com/nimbusctl/nimbusctl/pkg/emulator"
	"github.com/nimbusctl/nimbusctl/pkg/httpx"
)

const odataAppID = "898a7352-9216-4ca8-a485-7d8f3903f598"

func startEmu(t *testing.T, opts emulator.Options) *emulator.Emulator {
	t.Helper()
	opts.Seed = 1
	e, err := emulator.Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Close)
	return e
}

func settings(e *emulator.Emulator, dir string) auth.Settings {
	return auth.Settings{
		Profile:   "test",
		CacheDir:  dir,
		Authority: e.EntraURL(),
		Tenant:    emulator.TenantID,
		ClientID:  emulator.PublicClientID,
		Scopes: map[auth.Resource][]string{
			auth.ResourceNimbus: {emulator.NimbusAudience + "/.default"},
			auth.ResourceOData:  {odataAppID + "/.default"},
		},
		HTTPClient: e.HTTPClient(),
	}
}

func newLogin(t *testing.T, s auth.Settings) *auth.UserLogin {
	t.Helper()
	u, err := auth.NewUserLogin(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// login signs in by device code and returns the token and the code that was shown.
func login(t *testing.T, s auth.Settings) (auth.Token, auth.DeviceCode) {
	t.Helper()
	var shown auth.DeviceCode
	tok, err := newLogin(t, s).Login(context.Background(), s.Scopes[auth.ResourceNimbus], func(reason string, dc auth.DeviceCode) {
		if reason != "" {
			t.Errorf("explicit login with reason %q", reason)
		}
		shown = dc
	})
	if err != nil {
		t.Fatalf("login: %v", err)
	}
	return tok, shown
}

func TestDeviceLoginThenSilentFromAFreshClient(t *testing.T) {
	t.Parallel()
	e := startEmu(t, emulator.Options{})
	s := settings(e, filepath.Join(t.TempDir(), "cache"))
	tok, dc := login(t, s)
	if codes := e.UserCodes(); len(codes) != 1 || dc.UserCode != codes[0] || dc.VerificationURL != e.EntraURL()+"/devicelogin" || !strings.Contains(dc.Message, codes[0]) {
		t.Fatalf("shown %+v, issued %v", dc, codes)
	}
	if tok.Account != emulator.DefaultUser || tok.Tenant != emulator.TenantID || tok.Source != auth.SourceDeviceCode || time.Until(tok.ExpiresOn) < 50*time.Minute {
		t.Errorf("token %+v", tok)
	}
	if at, ok := e.LookupToken(tok.AccessToken); !ok || at.Audience != emulator.NimbusAudience || at.User != emulator.DefaultUser {
		t.Errorf("issued %+v", at)
	}

	// A new client (a new process) reads the file: the same token, no call to Entra's token endpoint.
	again, err := newLogin(t, s).Token(context.Background(), auth.ResourceNimbus)
	if err != nil || again.AccessToken != tok.AccessToken || again.Account != emulator.DefaultUser {
		t.Fatalf("silent: %+v %v", again, err)
	}
	// The OData token comes silently from the same account's refresh token.
	od, err := newLogin(t, s).Token(context.Background(), auth.ResourceOData)
	if err != nil {
		t.Fatal(err)
	}
	if at, _ := e.LookupToken(od.AccessToken); at.Audience != odataAppID || at.User != emulator.DefaultUser {
		t.Errorf("OData token %+v", at)
	}
	if g := e.TokenGrants(); g["device_code"] != 1 || g["refresh_token"] != 1 {
		t.Errorf("grants %v", g)
	}

	// The cache: 0600 in a 0700 folder, valid JSON, no temp files left behind.
	st, err := os.Stat(s.CachePath())
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("cache file %v %v", st.Mode(), err)
	}
	if dst, _ := os.Stat(s.CacheDir); dst.Mode().Perm() != 0o700 {
		t.Errorf("cache folder %v", dst.Mode())
	}
	assertValidCache(t, s.CachePath())
	entries, _ := os.ReadDir(s.CacheDir)
	for _, de := range entries {
		if strings.HasSuffix(de.Name(), ".tmp") {
			t.Errorf("left behind %s", de.Name())
		}
	}
}

func assertValidCache(t *testing.T, path string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var v map[string]any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("cache is not valid JSON: %v", err)
	}
	if _, ok := v["RefreshToken"]; !ok {
		t.Fatalf("cache has no refresh tokens: %s", b)
	}
}

func TestExpiredTokenIsRefreshed(t *testing.T) {
	t.Parallel()
	// MSAL renews tokens with less than 5 minutes left: every silent call refreshes.
	e := startEmu(t, emulator.Options{AccessTokenTTL: 2 * time.Minute})
	s := settings(e, t.TempDir())
	first, _ := login(t, s)
	second, err := newLogin(t, s).Token(context.Background(), auth.ResourceNimbus)
	if err != nil {
		t.Fatal(err)
	}
	if second.AccessToken == first.AccessToken || e.TokenGrants()["refresh_token"] != 1 {
		t.Fatalf("not refreshed: grants %v", e.TokenGrants())
	}
	if _, ok := e.LookupToken(second.AccessToken); !ok {
		t.Error("refreshed token unknown to the emulator")
	}
	// The rotated refresh token was persisted: a third process refreshes again.
	if _, err := newLogin(t, s).Token(context.Background(), auth.ResourceNimbus); err != nil {
		t.Fatal(err)
	}
}

func TestNotLoggedInNeverStartsADeviceFlowWithoutPrompt(t *testing.T) {
	t.Parallel()
	e := startEmu(t, emulator.Options{})
	s := settings(e, t.TempDir())
	_, err := newLogin(t, s).Token(context.Background(), auth.ResourceNimbus)
	if !errors.Is(err, auth.ErrLoginRequired) || err.Error() != "not logged in (profile test): "+auth.Fix {
		t.Fatalf("got %v", err)
	}
	if len(e.UserCodes()) != 0 {
		t.Error("a device code was requested")
	}

	// With a prompt (a terminal), Token signs in inline; WithoutPrompt still refuses.
	u := newLogin(t, s)
	var reasons []string
	u.Prompt = func(reason string, dc auth.DeviceCode) { reasons = append(reasons, reason) }
	if _, err := u.Token(auth.WithoutPrompt(context.Background()), auth.ResourceNimbus); !errors.Is(err, auth.ErrLoginRequired) {
		t.Fatalf("WithoutPrompt: %v", err)
	}
	tok, err := u.Token(context.Background(), auth.ResourceNimbus)
	if err != nil || tok.Account != emulator.DefaultUser {
		t.Fatalf("inline login: %+v %v", tok, err)
	}
	if len(reasons) != 1 || !strings.HasPrefix(reasons[0], "not logged in (profile test)") {
		t.Errorf("reasons %q", reasons)
	}
}

func TestNoClientID(t *testing.T) {
	t.Parallel()
	e := startEmu(t, emulator.Options{})
	s := settings(e, t.TempDir())
	s.ClientID = ""
	_, err := auth.NewUserLogin(s)
	if !errors.Is(err, auth.ErrLoginRequired) || !strings.Contains(err.Error(), "auth login --client-id") {
		t.Fatalf("got %v", err)
	}
}

func TestRevokedSessionNeedsANewLogin(t *testing.T) {
	t.Parallel()
	e := startEmu(t, emulator.Options{AccessTokenTTL: time.Minute})
	s := settings(e, t.TempDir())
	login(t, s)
	e.RevokeRefreshTokens()
	_, err := newLogin(t, s).Token(context.Background(), auth.ResourceNimbus)
	want := "the sign-in of admin@contoso.com (profile test) cannot be renewed silently (invalid_grant: AADSTS70000: "
	if !errors.Is(err, auth.ErrLoginRequired) || !strings.HasPrefix(err.Error(), want) || !strings.HasSuffix(err.Error(), auth.Fix) {
		t.Fatalf("got %v", err)
	}
	_, err = newLogin(t, s).Token(context.Background(), auth.ResourceOData)
	if !errors.Is(err, auth.ErrLoginRequired) || !strings.Contains(err.Error(), "auth login --resource odata") {
		t.Fatalf("odata: %v", err)
	}
}

func TestDeviceCodeExpiresOrIsCancelled(t *testing.T) {
	t.Parallel()
	e := startEmu(t, emulator.Options{DeviceCodeTTL: time.Second, DeviceCodePolls: 1 << 30})
	s := settings(e, t.TempDir())
	_, err := newLogin(t, s).Login(context.Background(), s.Scopes[auth.ResourceNimbus], nil)
	if !errors.Is(err, auth.ErrLoginRequired) || !strings.HasPrefix(err.Error(), "the device code expired before the sign-in was completed: run `nimbusctl auth login` again") {
		t.Fatalf("expiry: %v", err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	_, err = newLogin(t, s).Login(ctx, s.Scopes[auth.ResourceNimbus], func(string, auth.DeviceCode) { cancel() })
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("cancel: %v", err)
	}
}

func TestUnknownClientCannotStartDeviceFlow(t *testing.T) {
	t.Parallel()
	e := startEmu(t, emulator.Options{})
	s := settings(e, t.TempDir())
	s.ClientID = "00000000-0000-0000-0000-000000000001"
	_, err := newLogin(t, s).Login(context.Background(), s.Scopes[auth.ResourceNimbus], nil)
	if !errors.Is(err, auth.ErrLoginRequired) || !strings.Contains(err.Error(), "unauthorized_client: AADSTS700016") {
		t.Fatalf("got %v", err)
	}
}

func TestEntraUnavailableIsNotALoginProblem(t *testing.T) {
	t.Parallel()
	e := startEmu(t, emulator.Options{AccessTokenTTL: time.Minute})
	s := settings(e, t.TempDir())
	login(t, s)
	u := newLogin(t, s)
	if _, err := u.Token(context.Background(), auth.ResourceNimbus); err != nil { // resolves the authority
		t.Fatal(err)
	}
	e.InjectFaults(emulator.ServiceEntra, emulator.FaultUnavailable)
	_, err := u.Token(context.Background(), auth.ResourceNimbus)
	var apiErr *httpx.APIError
	if !errors.As(err, &apiErr) || apiErr.Status != 503 || errors.Is(err, auth.ErrLoginRequired) {
		t.Fatalf("got %T %v", err, err)
	}
}

func TestLogout(t *testing.T) {
	t.Parallel()
	e := startEmu(t, emulator.Options{})
	s := settings(e, t.TempDir())
	login(t, s)
	u := newLogin(t, s)
	accts, err := u.Accounts(context.Background())
	if err != nil || len(accts) != 1 || accts[0].Username != emulator.DefaultUser || accts[0].Tenant != emulator.TenantID {
		t.Fatalf("accounts %+v %v", accts, err)
	}
	removed, err := u.Logout(context.Background(), false)
	if err != nil || len(removed) != 1 || removed[0] != emulator.DefaultUser {
		t.Fatalf("logout %v %v", removed, err)
	}
	if _, err := newLogin(t, s).Token(context.Background(), auth.ResourceNimbus); !errors.Is(err, auth.ErrLoginRequired) {
		t.Fatalf("after logout: %v", err)
	}
	if removed, err := newLogin(t, s).Logout(context.Background(), false); err != nil || len(removed) != 0 {
		t.Errorf("second logout %v %v", removed, err)
	}
}

func TestUsernamePicksAmongAccounts(t *testing.T) {
	t.Parallel()
	admin := startEmu(t, emulator.Options{})
	dir := t.TempDir()
	s := settings(admin, dir)
	login(t, s)
	// A second sign-in as the agent, through an emulator that approves as the agent and shares
	// nothing but the cache folder: the cache now holds two accounts.
	agent := startEmu(t, emulator.Options{DeviceUser: emulator.AgentUser})
	sa := settings(agent, dir)
	login(t, sa)

	_, err := newLogin(t, sa).Token(context.Background(), auth.ResourceNimbus)
	if !errors.Is(err, auth.ErrLoginRequired) || !strings.Contains(err.Error(), "several accounts") || !strings.Contains(err.Error(), "config set username") {
		t.Fatalf("several: %v", err)
	}
	sa.Username = "AGENT@contoso.com"
	tok, err := newLogin(t, sa).Token(context.Background(), auth.ResourceNimbus)
	if err != nil || tok.Account != emulator.AgentUser {
		t.Fatalf("picked %+v %v", tok, err)
	}
	sa.Username = "nobody@contoso.com"
	if _, err := newLogin(t, sa).Token(context.Background(), auth.ResourceNimbus); err == nil || !strings.HasPrefix(err.Error(), "not logged in as nobody@contoso.com") {
		t.Fatalf("unknown username: %v", err)
	}
	sa.Username = ""
	removed, err := newLogin(t, sa).Logout(context.Background(), true)
	if err != nil || len(removed) != 2 {
		t.Fatalf("logout --all %v %v", removed, err)
	}
}

func TestClientSecretAndCertificate(t *testing.T) {
	t.Parallel()
	e := startEmu(t, emulator.Options{})
	s := settings(e, t.TempDir())
	s.ClientID = emulator.ConfidentialClientID

	app, err := auth.NewClientSecret(s, e.ClientSecret())
	if err != nil {
		t.Fatal(err)
	}
	tok, err := app.Token(context.Background(), auth.ResourceNimbus)
	if err != nil || tok.Source != auth.SourceClientSecret || tok.Account != "" {
		t.Fatalf("secret: %+v %v", tok, err)
	}
	if at, _ := e.LookupToken(tok.AccessToken); at.User != emulator.DefaultUser || at.Audience != emulator.NimbusAudience {
		t.Errorf("app token %+v", at)
	}
	if again, _ := app.Token(context.Background(), auth.ResourceNimbus); again.AccessToken != tok.AccessToken {
		t.Error("second call should come from MSAL's memory")
	}

	pemData, err := e.ClientCertificatePEM()
	if err != nil {
		t.Fatal(err)
	}
	capp, err := auth.NewClientCertificate(s, pemData)
	if err != nil {
		t.Fatal(err)
	}
	ctok, err := capp.Token(context.Background(), auth.ResourceOData)
	if err != nil || ctok.Source != auth.SourceClientCertificate {
		t.Fatalf("certificate: %+v %v", ctok, err)
	}
	if at, _ := e.LookupToken(ctok.AccessToken); at.Audience != odataAppID {
		t.Errorf("cert token %+v", at)
	}
	if g := e.TokenGrants(); g["client_credentials"] != 2 {
		t.Errorf("grants %v", g)
	}

	bad, err := auth.NewClientSecret(s, "not-the-secret-123")
	if err != nil {
		t.Fatal(err)
	}
	_, err = bad.Token(context.Background(), auth.ResourceNimbus)
	if !errors.Is(err, auth.ErrLoginRequired) || !strings.Contains(err.Error(), "invalid_client: AADSTS7000215") || strings.Contains(err.Error(), "not-the-secret-123") {
		t.Fatalf("wrong secret: %v", err)
	}

	s.Tenant = "organizations"
	if _, err := auth.NewClientSecret(s, "x"); err == nil || !strings.Contains(err.Error(), "needs your tenant id") {
		t.Errorf("organizations: %v", err)
	}
}

// TestConcurrentRefreshesThroughTheLock refreshes from the same cache in several clients at
// once. The emulator's refresh tokens work once, so without the lock around MSAL's
// read-refresh-write one client would redeem a token the other already rotated.
func TestConcurrentRefreshesThroughTheLock(t *testing.T) {
	t.Parallel()
	e := startEmu(t, emulator.Options{AccessTokenTTL: time.Minute})
	s := settings(e, t.TempDir())
	login(t, s)
	const clients, calls = 3, 4
	var wg sync.WaitGroup
	errs := make(chan error, clients*calls)
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			u, err := auth.NewUserLogin(s)
			if err != nil {
				errs <- err
				return
			}
			for range calls {
				if _, err := u.Token(context.Background(), auth.ResourceNimbus); err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if g := e.TokenGrants(); g["refresh_token"] != clients*calls {
		t.Errorf("grants %v", g)
	}
	assertValidCache(t, s.CachePath())
}

// TestConcurrentRefreshesAcrossProcesses is the cron case: two processes (this test binary,
// re-run as a helper) refresh from the same cache file at the same time.
func TestConcurrentRefreshesAcrossProcesses(t *testing.T) {
	t.Parallel()
	e := startEmu(t, emulator.Options{AccessTokenTTL: time.Minute})
	dir := t.TempDir()
	s := settings(e, filepath.Join(dir, "cache"))
	login(t, s)
	ca := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(ca, e.CACertPEM(), 0o600); err != nil {
		t.Fatal(err)
	}
	const procs, calls = 2, 5
	cmds := make([]*exec.Cmd, procs)
	outs := make([]strings.Builder, procs)
	for i := range cmds {
		c := exec.Command(os.Args[0], "-test.run=^TestHelperRefresher$")
		c.Env = append(os.Environ(), "NIMBUSCTL_TEST_REFRESHER=1", "REFRESHER_AUTHORITY="+e.EntraURL(), "REFRESHER_CA="+ca, "REFRESHER_CACHE="+s.CacheDir, "REFRESHER_CALLS=5")
		c.Stdout, c.Stderr = &outs[i], &outs[i]
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
		cmds[i] = c
	}
	for i, c := range cmds {
		if err := c.Wait(); err != nil {
			t.Errorf("helper %d: %v\n%s", i, err, outs[i].String())
		}
	}
	if g := e.TokenGrants(); g["refresh_token"] != procs*calls {
		t.Errorf("grants %v", g)
	}
	assertValidCache(t, s.CachePath())
}

// TestHelperRefresher is the child process of TestConcurrentRefreshesAcrossProcesses.
func TestHelperRefresher(t *testing.T) {
	if os.Getenv("NIMBUSCTL_TEST_REFRESHER") != "1" {
		t.Skip("helper process")
	}
	tr, err := httpx.NewTransport(os.Getenv("REFRESHER_CA"))
	if err != nil {
		t.Fatal(err)
	}
	s := auth.Settings{
		Profile: "test", CacheDir: os.Getenv("REFRESHER_CACHE"), Authority: os.Getenv("REFRESHER_AUTHORITY"),
		Tenant: emulator.TenantID, ClientID: emulator.PublicClientID,
		Scopes:     map[auth.Resource][]string{auth.ResourceNimbus: {emulator.NimbusAudience + "/.default"}},
		HTTPClient: &http.Client{Transport: tr},
	}
	for range 5 {
		u, err := auth.NewUserLogin(s) // a fresh client each time: nothing in memory
		if err != nil {
			t.Fatal(err)
		}
		if _, err := u.Token(context.Background(), auth.ResourceNimbus); err != nil {
			t.Fatal(err)
		}
	}
}

// TestRenewedTokenThatCannotBeSavedIsNotALoginProblem: a refresh whose result cannot be
// written (the cache folder not writable, the disk full) says so, not "run auth login" (which
// could not save either), and leaves the cache as it was.
func TestRenewedTokenThatCannotBeSavedIsNotALoginProblem(t *testing.T) {
	t.Parallel()
	e := startEmu(t, emulator.Options{AccessTokenTTL: 2 * time.Minute})
	s := settings(e, t.TempDir())
	login(t, s)
	before, err := os.ReadFile(s.CachePath())
	if err != nil {
		t.Fatal(err)
	}
	u := newLogin(t, s)
	auth.FailWrites(u, &fs.PathError{Op: "open", Path: filepath.Join(s.CacheDir, ".msal-test.json.1.tmp"), Err: fs.ErrPermission})
	_, err = u.Token(context.Background(), auth.ResourceNimbus)
	want := "cannot save the token cache (open " + filepath.Join(s.CacheDir, ".msal-test.json.1.tmp") + ": permission denied): check that the folder " + s.CacheDir + " is writable and its disk not full"
	if err == nil || errors.Is(err, auth.ErrLoginRequired) || err.Error() != want || !errors.Is(err, fs.ErrPermission) {
		t.Fatalf("got  %v\nwant %s", err, want)
	}
	if after, _ := os.ReadFile(s.CachePath()); string(after) != string(before) {
		t.Error("the cache changed")
	}
}
