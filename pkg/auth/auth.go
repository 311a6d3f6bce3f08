// Package auth gets the bearer tokens nimbusctl sends to Nimbus: from a device-code login whose
// MSAL cache is persisted, from client credentials for CI, or from NIMBUSCTL_TOKEN.
//
// UserLogin is the signed-in user of a profile (MSAL public client, device code, the token
// cache in FileCache: one 0600 file per profile, replaced atomically under a file lock).
// AppCredential signs in as the app (client secret or certificate). Static serves raw tokens.
// Every Source hands out tokens per Resource: one login serves the connector API and the OData
// feed, MSAL getting the second token silently from the same account's refresh token.
package auth

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Resource is an API that needs its own token.
type Resource string

const (
	ResourceNimbus Resource = "nimbus" // the connector API
	ResourceOData  Resource = "odata"  // the reporting OData feed
)

// Resources lists them in display order.
var Resources = []Resource{ResourceNimbus, ResourceOData}

// Token is an access token and where it came from.
type Token struct {
	AccessToken string
	ExpiresOn   time.Time // zero when unknown (a raw NIMBUSCTL_TOKEN)
	Source      string    // "device code login", "client secret", "NIMBUSCTL_TOKEN", ...
	Account     string    // UPN, when there is a user
	Tenant      string    // tenant id, when known
	Raw         bool      // given as it is (NIMBUSCTL_TOKEN): nobody has checked it
}

// String never shows the token itself, so a token that reaches a log or a test failure
// message stays secret.
func (t Token) String() string {
	secret := ""
	if t.AccessToken != "" {
		secret = "[redacted]"
	}
	exp := "unknown"
	if !t.ExpiresOn.IsZero() {
		exp = t.ExpiresOn.UTC().Format(time.RFC3339)
	}
	return fmt.Sprintf("{AccessToken:%s ExpiresOn:%s Source:%s Account:%s Tenant:%s}", secret, exp, t.Source, t.Account, t.Tenant)
}

// GoString is String, for %#v.
func (t Token) GoString() string { return "auth.Token" + t.String() }

// Source hands out tokens for a resource, refreshing them silently when it can.
type Source interface {
	Token(ctx context.Context, res Resource) (Token, error)
}

// ErrLoginRequired means no credential is available and none may be asked for.
var ErrLoginRequired = errors.New("not logged in")

// Static serves fixed bearer tokens (NIMBUSCTL_TOKEN, NIMBUSCTL_ODATA_TOKEN): the escape
// hatch for scripts that get tokens elsewhere. Values maps a resource to its token; Default
// serves the resources without one of their own; without a Default, Next (when set) does.
type Static struct {
	Values  map[Resource]Token
	Default Token
	Next    Source
}

func (s Static) Token(ctx context.Context, res Resource) (Token, error) {
	if t, ok := s.Values[res]; ok {
		return t, nil
	}
	if s.Default.AccessToken == "" {
		if s.Next != nil {
			return s.Next.Token(ctx, res)
		}
		return Token{}, ErrLoginRequired
	}
	return s.Default, nil
}

// BearerFunc adapts a Source into an httpx.AuthFunc for one resource.
func BearerFunc(src Source, res Resource) func(ctx context.Context) (string, error) {
	return func(ctx context.Context) (string, error) {
		t, err := src.Token(ctx, res)
		if err != nil {
			return "", err
		}
		return "Bearer " + t.AccessToken, nil
	}
}
