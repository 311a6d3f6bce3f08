package auth

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
)

// Settings say where and as whom to sign in. pkg/cli builds them from the profile in effect.
type Settings struct {
	Profile   string // names the token cache file: one per profile
	CacheDir  string // config.Dirs.Cache
	Authority string // the authority host, e.g. https://login.microsoftonline.com
	Tenant    string // tenant id or domain, "organizations" for any work account
	ClientID  string // the app registration
	Username  string // picks the account when the cache holds several
	// Scopes are the scopes of each resource (profile keys scopes and odata_scopes).
	Scopes map[Resource][]string
	// HTTPClient carries MSAL's own calls: the profile's transport (CA file), traced with
	// --debug. Nil uses a default client.
	HTTPClient *http.Client
	// Storage is how the token cache is kept (profile key token_storage); empty is a plain file.
	Storage Storage
	// Keyring holds the cache's key with StorageKeyring; nil is SystemKeyring.
	Keyring Keyring
}

// AuthorityURL is the authority MSAL is given: the host, then the tenant.
func (s Settings) AuthorityURL() string {
	return strings.TrimRight(s.Authority, "/") + "/" + strings.Trim(s.Tenant, "/")
}

// CachePath is the profile's token cache file.
func (s Settings) CachePath() string {
	return CachePath(s.CacheDir, s.Profile)
}

// CachePath names a profile's token cache file in dir: msal-<profile>.json.
func CachePath(dir, profile string) string {
	if profile == "" {
		profile = "default"
	}
	safe := strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.':
			return r
		}
		return '_'
	}, profile)
	return filepath.Join(dir, "msal-"+safe+".json")
}

// ScopesFor returns the scopes of a resource, or an error naming the profile key to set.
func (s Settings) ScopesFor(res Resource) ([]string, error) {
	sc := s.Scopes[res]
	if len(sc) == 0 {
		key := "scopes"
		if res == ResourceOData {
			key = "odata_scopes"
		}
		return nil, fmt.Errorf("no scopes for the %s resource: set the profile key %s", res, key)
	}
	return sc, nil
}

func (s Settings) check() error {
	u, err := url.Parse(s.Authority)
	if err != nil || u.Host == "" || u.Scheme != "https" {
		return fmt.Errorf("invalid authority %q: want https://host (MSAL accepts only https)", s.Authority)
	}
	if strings.Trim(s.Tenant, "/") == "" {
		return fmt.Errorf("no tenant: set the profile key tenant (your tenant id or domain)")
	}
	return nil
}

// microsoftHosts are the Entra ID authority hosts MSAL knows; any other host (the sandbox, a
// private cloud) is used with instance discovery turned off.
var microsoftHosts = map[string]bool{
	"login.microsoftonline.com":        true,
	"login.microsoft.com":              true,
	"login.windows.net":                true,
	"sts.windows.net":                  true,
	"login.microsoftonline.us":         true,
	"login.usgovcloudapi.net":          true,
	"login-us.microsoftonline.com":     true,
	"login.chinacloudapi.cn":           true,
	"login.partner.microsoftonline.cn": true,
	"login.microsoftonline.de":         true,
}

// instanceDiscovery reports whether MSAL may validate the authority through Microsoft's
// instance discovery: only for Microsoft's own login hosts.
func (s Settings) instanceDiscovery() bool {
	u, err := url.Parse(s.Authority)
	if err != nil {
		return false
	}
	return microsoftHosts[strings.ToLower(u.Hostname())]
}

func (s Settings) httpClient() *http.Client {
	if s.HTTPClient != nil {
		return s.HTTPClient
	}
	return http.DefaultClient
}

type noPromptKey struct{}

// WithoutPrompt marks ctx so that a Source never starts an interactive sign-in for it, even on
// a terminal (`auth status` reports instead of asking).
func WithoutPrompt(ctx context.Context) context.Context {
	return context.WithValue(ctx, noPromptKey{}, true)
}

func promptAllowed(ctx context.Context) bool {
	v, _ := ctx.Value(noPromptKey{}).(bool)
	return !v
}
