package auth

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/public"
)

// SourceDeviceCode labels tokens of a user who signed in with a device code.
const SourceDeviceCode = "device code login"

// UserLogin is a user's sign-in for one profile: MSAL's public client over the profile's
// persisted token cache. Every Token call asks MSAL silently first (from the cache, or through
// the refresh token), so one login serves weeks of cron jobs. Safe for concurrent use; calls
// are serialized.
type UserLogin struct {
	set   Settings
	app   public.Client
	cache *FileCache
	mu    sync.Mutex
	acct  *public.Account // the account picked once; forgotten when it stops working

	// Prompt, when set, lets Token sign in with a device code when silent acquisition fails.
	// The CLI sets it only when a person is at a terminal; without it Token never starts a
	// device flow and fails with a LoginError instead.
	Prompt DevicePrompt
}

// DeviceCode is what the person must do to sign in.
type DeviceCode struct {
	UserCode        string
	VerificationURL string
	Message         string // the authority's own instructions
	ExpiresOn       time.Time
}

// DevicePrompt shows a device code (on stderr) before the wait for the sign-in begins. reason
// says why a sign-in is needed; it is empty for an explicit `auth login`.
type DevicePrompt func(reason string, dc DeviceCode)

// Account is one signed-in user in a profile's cache.
type Account struct {
	Username      string `json:"username"`
	Tenant        string `json:"tenant"`
	HomeAccountID string `json:"homeAccountId"`
}

// NewUserLogin prepares the profile's public client. It does no I/O.
func NewUserLogin(s Settings) (*UserLogin, error) {
	if s.ClientID == "" {
		return nil, loginError(nil, "run `nimbusctl auth login --client-id <app-id>` (an app registration with public client flows enabled); without a terminal set NIMBUSCTL_CLIENT_ID with NIMBUSCTL_CLIENT_SECRET, or NIMBUSCTL_TOKEN",
			"not logged in: profile %q has no client_id", s.Profile)
	}
	if err := s.check(); err != nil {
		return nil, err
	}
	c := NewCache(s.CachePath(), s.Storage, s.Keyring)
	app, err := public.New(s.ClientID,
		public.WithAuthority(s.AuthorityURL()),
		public.WithCache(c),
		public.WithHTTPClient(s.httpClient()),
		public.WithInstanceDiscovery(s.instanceDiscovery()),
	)
	if err != nil {
		return nil, fmt.Errorf("setting up sign-in: %w", err)
	}
	return &UserLogin{set: s, app: app, cache: c}, nil
}

// CachePath is the token cache file of the profile (plain; encrypted, it has ".enc" added).
func (u *UserLogin) CachePath() string { return u.cache.Path() }

// Storage says where the token cache is kept, and why not in the keyring when the profile
// wants it there and no keyring answered.
func (u *UserLogin) Storage() (Storage, error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.cache.Storage()
}

// Token returns a token for res: silently when the cache allows, else (with a Prompt, on a
// terminal, and unless ctx says WithoutPrompt) through a device-code sign-in.
func (u *UserLogin) Token(ctx context.Context, res Resource) (Token, error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	scopes, err := u.set.ScopesFor(res)
	if err != nil {
		return Token{}, err
	}
	acct, err := u.account(ctx)
	if err == nil {
		var r public.AuthResult
		r, err = u.app.AcquireTokenSilent(ctx, scopes, public.WithSilentAccount(acct))
		u.cache.Release()
		if err == nil {
			u.acct = &acct
			tok := tokenOf(r)
			tok.Storage, tok.StorageNote = u.storage()
			return tok, nil
		}
		u.acct = nil
		if e := ctxErr(ctx, err); e != nil {
			return Token{}, e
		}
		if e := cacheWriteErr(err); e != nil {
			return Token{}, e
		}
		msg, kind, _, status := describe(err)
		if kind == "unavailable" {
			return Token{}, unavailable("AcquireTokenSilent", msg, status, err)
		}
		err = u.silentFailure(res, acct, msg, err)
	}
	var le *LoginError
	if !errors.As(err, &le) || u.Prompt == nil || !promptAllowed(ctx) {
		return Token{}, err
	}
	return u.deviceLogin(ctx, scopes, le.Reason, u.Prompt)
}

func (u *UserLogin) silentFailure(res Resource, acct public.Account, msg string, cause error) error {
	if res == ResourceOData {
		return loginError(cause, "run `nimbusctl auth login --resource odata` (the app may need consent for the odata_scopes)",
			"no token for the OData feed as %s (profile %s): %s", acct.PreferredUsername, u.set.Profile, msg)
	}
	return loginError(cause, Fix, "the sign-in of %s (profile %s) cannot be renewed silently (%s)", acct.PreferredUsername, u.set.Profile, msg)
}

// Login signs in with a device code for scopes and stores the account in the cache. show is
// called with the code before the wait. Cancelling ctx (Ctrl-C) stops the wait.
func (u *UserLogin) Login(ctx context.Context, scopes []string, show DevicePrompt) (Token, error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.deviceLogin(ctx, scopes, "", show)
}

// SetAsideDamagedCache sets a token cache that cannot be read aside before a sign-in (see
// FileCache.SetAsideDamaged); it returns what was wrong, nil when nothing was.
func (u *UserLogin) SetAsideDamagedCache(ctx context.Context) (*DamagedError, error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.cache.SetAsideDamaged(ctx)
}

const (
	expiredCode = "the device code expired before the sign-in was completed"
	expiredFix  = "run `nimbusctl auth login` again and enter the new code in time"
)

func (u *UserLogin) deviceLogin(ctx context.Context, scopes []string, reason string, show DevicePrompt) (Token, error) {
	dc, err := u.app.AcquireTokenByDeviceCode(ctx, scopes)
	if err != nil {
		if e := ctxErr(ctx, err); e != nil {
			return Token{}, e
		}
		msg, kind, _, status := describe(err)
		if kind == "unavailable" {
			return Token{}, unavailable("DeviceCode", msg, status, err)
		}
		return Token{}, loginError(err, "check client_id: an app registration with public client flows enabled",
			"cannot start a device-code sign-in for client %s (profile %s): %s", u.set.ClientID, u.set.Profile, msg)
	}
	if show != nil {
		show(reason, DeviceCode{
			UserCode:        dc.Result.UserCode,
			VerificationURL: dc.Result.VerificationURL,
			Message:         dc.Result.Message,
			ExpiresOn:       dc.Result.ExpiresOn,
		})
	}
	r, err := dc.AuthenticationResult(ctx)
	u.cache.Release()
	if err != nil {
		if ctx.Err() != nil {
			return Token{}, ctx.Err()
		}
		if e := cacheWriteErr(err); e != nil {
			return Token{}, e
		}
		if errors.Is(err, context.DeadlineExceeded) { // MSAL's wait ends when the code expires
			return Token{}, loginError(err, expiredFix, expiredCode)
		}
		msg, kind, oe, status := describe(err)
		switch {
		case kind == "unavailable":
			return Token{}, unavailable("DeviceCodeToken", msg, status, err)
		case oe != nil && (oe.Code == "expired_token" || oe.Code == "code_expired"):
			return Token{}, loginError(err, expiredFix, expiredCode)
		case oe != nil && (oe.Code == "authorization_declined" || oe.Code == "access_denied"):
			return Token{}, loginError(err, "", "the sign-in was declined (%s)", msg)
		}
		return Token{}, loginError(err, "", "the sign-in failed: %s", msg)
	}
	tok := tokenOf(r)
	tok.Storage, tok.StorageNote = u.storage()
	return tok, nil
}

// Accounts lists the accounts in the profile's cache.
func (u *UserLogin) Accounts(ctx context.Context) ([]Account, error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	accts, err := u.app.Accounts(ctx)
	u.cache.Release()
	if err != nil {
		return nil, err
	}
	out := make([]Account, len(accts))
	for i, a := range accts {
		out[i] = accountOf(a)
	}
	return out, nil
}

// Logout removes from the cache the account commands would use (the username key, or the only
// one), or every account with all. It returns the usernames removed; none is not an error.
func (u *UserLogin) Logout(ctx context.Context, all bool) ([]string, error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	accts, err := u.app.Accounts(ctx)
	u.cache.Release()
	if err != nil {
		return nil, err
	}
	var targets []public.Account
	if all {
		targets = accts
	} else if a, err := u.pick(accts); err == nil {
		targets = []public.Account{a}
	} else if len(accts) > 1 || u.set.Username != "" {
		return nil, err
	}
	u.acct = nil
	var removed []string
	for _, a := range targets {
		err := u.app.RemoveAccount(ctx, a)
		u.cache.Release()
		if err != nil {
			return removed, fmt.Errorf("removing %s from the token cache: %w", a.PreferredUsername, err)
		}
		removed = append(removed, a.PreferredUsername)
	}
	return removed, nil
}

// account picks the account of the profile from the cache (once per UserLogin while it works:
// a bulk run asks for a token before every call).
func (u *UserLogin) account(ctx context.Context) (public.Account, error) {
	if u.acct != nil {
		return *u.acct, nil
	}
	accts, err := u.app.Accounts(ctx)
	u.cache.Release()
	if err != nil {
		return public.Account{}, err
	}
	return u.pick(accts)
}

func (u *UserLogin) pick(accts []public.Account) (public.Account, error) {
	if want := u.set.Username; want != "" {
		for _, a := range accts {
			if strings.EqualFold(a.PreferredUsername, want) {
				return a, nil
			}
		}
		return public.Account{}, loginError(nil, Fix, "not logged in as %s (profile %s, key username)", want, u.set.Profile)
	}
	switch len(accts) {
	case 0:
		return public.Account{}, loginError(nil, Fix, "not logged in (profile %s)", u.set.Profile)
	case 1:
		return accts[0], nil
	}
	names := make([]string, len(accts))
	for i, a := range accts {
		names[i] = a.PreferredUsername
	}
	return public.Account{}, loginError(nil, "choose one with `nimbusctl config set username <account>`",
		"profile %s has several accounts in its token cache (%s)", u.set.Profile, strings.Join(names, ", "))
}

// cacheWriteErr is the token cache's own write failure inside an MSAL error, if that is what
// it is: told as it is, not as a sign-in to renew.
func cacheWriteErr(err error) error {
	var we *CacheWriteError
	if errors.As(err, &we) {
		return we
	}
	return nil
}

// storage is Storage for a caller that holds u.mu.
func (u *UserLogin) storage() (Storage, string) {
	st, why := u.cache.Storage()
	if why != nil {
		return st, fmt.Sprintf("no OS keyring answered (%v): the token cache is the 0600 file %s", why, u.cache.Path())
	}
	return st, ""
}

func tokenOf(r public.AuthResult) Token {
	a := accountOf(r.Account)
	return Token{AccessToken: r.AccessToken, ExpiresOn: r.ExpiresOn, Source: SourceDeviceCode, Account: a.Username, Tenant: a.Tenant}
}

// accountOf reads the tenant from the home account id ("<object id>.<tenant id>").
func accountOf(a public.Account) Account {
	tenant := a.Realm
	if _, utid, ok := strings.Cut(a.HomeAccountID, "."); ok && utid != "" {
		tenant = utid
	}
	return Account{Username: a.PreferredUsername, Tenant: tenant, HomeAccountID: a.HomeAccountID}
}
