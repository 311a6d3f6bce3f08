package auth

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/confidential"
)

// Sources of app-only tokens, as `auth status` shows them.
const (
	SourceClientSecret      = "client secret (NIMBUSCTL_CLIENT_SECRET)"
	SourceClientSecretFile  = "client secret (NIMBUSCTL_CLIENT_SECRET_FILE)"
	SourceClientCertificate = "client certificate (NIMBUSCTL_CLIENT_CERTIFICATE)"
)

// AppCredential signs in as the app itself (client credentials) for CI: no user, no device
// flow, no file cache. MSAL keeps the tokens in memory for the life of the process.
type AppCredential struct {
	set    Settings
	app    confidential.Client
	source string
	mu     sync.Mutex
}

// NewClientSecret signs in with the app's client secret (NIMBUSCTL_CLIENT_SECRET).
func NewClientSecret(s Settings, secret string) (*AppCredential, error) {
	cred, err := confidential.NewCredFromSecret(secret)
	if err != nil {
		return nil, err
	}
	return newApp(s, cred, SourceClientSecret, "NIMBUSCTL_CLIENT_SECRET")
}

// NewClientSecretFile signs in with the secret read from NIMBUSCTL_CLIENT_SECRET_FILE.
func NewClientSecretFile(s Settings, secret string) (*AppCredential, error) {
	cred, err := confidential.NewCredFromSecret(secret)
	if err != nil {
		return nil, err
	}
	return newApp(s, cred, SourceClientSecretFile, "NIMBUSCTL_CLIENT_SECRET_FILE")
}

// NewClientCertificate signs in with a certificate: pemData holds the certificate and its
// unencrypted private key (RSA), as NIMBUSCTL_CLIENT_CERTIFICATE's file does.
func NewClientCertificate(s Settings, pemData []byte) (*AppCredential, error) {
	certs, key, err := confidential.CertFromPEM(pemData, "")
	if err != nil {
		return nil, fmt.Errorf("reading the client certificate: %w", err)
	}
	cred, err := confidential.NewCredFromCert(certs, key)
	if err != nil {
		return nil, fmt.Errorf("reading the client certificate: %w", err)
	}
	return newApp(s, cred, SourceClientCertificate, "NIMBUSCTL_CLIENT_CERTIFICATE")
}

func newApp(s Settings, cred confidential.Credential, source, env string) (*AppCredential, error) {
	if s.ClientID == "" {
		return nil, loginError(nil, "set NIMBUSCTL_CLIENT_ID to the app registration's id", "%s is set but profile %q has no client_id", env, s.Profile)
	}
	switch strings.ToLower(strings.Trim(s.Tenant, "/")) {
	case "organizations", "common", "consumers", "":
		return nil, loginError(nil, "set NIMBUSCTL_TENANT (or the profile key tenant)", "%s needs your tenant id, not %q", env, s.Tenant)
	}
	if err := s.check(); err != nil {
		return nil, err
	}
	app, err := confidential.New(s.AuthorityURL(), s.ClientID, cred,
		confidential.WithHTTPClient(s.httpClient()),
		confidential.WithInstanceDiscovery(s.instanceDiscovery()),
	)
	if err != nil {
		return nil, fmt.Errorf("setting up sign-in: %w", err)
	}
	return &AppCredential{set: s, app: app, source: source}, nil
}

// Token returns an app-only token for res, from memory when MSAL still holds a fresh one.
func (a *AppCredential) Token(ctx context.Context, res Resource) (Token, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	scopes, err := a.set.ScopesFor(res)
	if err != nil {
		return Token{}, err
	}
	r, err := a.app.AcquireTokenByCredential(ctx, scopes)
	if err != nil {
		if e := ctxErr(ctx, err); e != nil {
			return Token{}, e
		}
		msg, kind, _, status := describe(err)
		if kind == "unavailable" {
			return Token{}, unavailable("ClientCredentials", msg, status, err)
		}
		return Token{}, loginError(err, "check NIMBUSCTL_CLIENT_ID, NIMBUSCTL_TENANT and the credential, or unset it to use `nimbusctl auth login`",
			"the %s was refused for client %s (profile %s): %s", a.source, a.set.ClientID, a.set.Profile, msg)
	}
	return Token{AccessToken: r.AccessToken, ExpiresOn: r.ExpiresOn, Source: a.source, Tenant: a.set.Tenant}, nil
}
