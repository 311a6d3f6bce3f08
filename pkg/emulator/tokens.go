package emulator

import (
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"strings"
	"sync"
	"time"
)

// NimbusAudience is the app id of the Nimbus connector API ("Luware Nimbus for Microsoft
// Teams"); the Nimbus part accepts only tokens issued for it.
const NimbusAudience = "23694b6c-5a4a-45ce-9c6a-37c5f1880d4e"

// Token is what the emulator remembers about a bearer token it issued.
type Token struct {
	User     string
	Audience string
	Expires  time.Time
}

type tokenStore struct {
	mu     sync.Mutex
	tokens map[string]Token
}

func newTokenStore() *tokenStore { return &tokenStore{tokens: map[string]Token{}} }

// IssueToken returns a new opaque bearer token for user and audience, valid for ttl on the
// emulator's clock. The Entra part issues its tokens through here too.
func (e *Emulator) IssueToken(user, audience string, ttl time.Duration) string {
	b := make([]byte, 32)
	rand.Read(b)
	tok := base64.RawURLEncoding.EncodeToString(b)
	e.tokens.mu.Lock()
	defer e.tokens.mu.Unlock()
	e.tokens.tokens[tok] = Token{User: user, Audience: audience, Expires: e.now().Add(ttl)}
	return tok
}

// LookupToken reports what a token was issued for (expired or not).
func (e *Emulator) LookupToken(tok string) (Token, bool) {
	e.tokens.mu.Lock()
	defer e.tokens.mu.Unlock()
	t, ok := e.tokens.tokens[tok]
	return t, ok
}

// RevokeToken forgets one token; RevokeTokens forgets them all (a "sign-out everywhere").
func (e *Emulator) RevokeToken(tok string) {
	e.tokens.mu.Lock()
	defer e.tokens.mu.Unlock()
	delete(e.tokens.tokens, tok)
}

// RevokeTokens forgets every token issued so far.
func (e *Emulator) RevokeTokens() {
	e.tokens.mu.Lock()
	defer e.tokens.mu.Unlock()
	clear(e.tokens.tokens)
}

// audienceMatches accepts the bare app id and its api:// form, as Entra issues either
// depending on how the scope was requested.
func audienceMatches(got, want string) bool {
	return got == want || got == "api://"+want
}

// authenticate checks the bearer token of r for the audience. On failure it has already
// answered 401 with a WWW-Authenticate challenge.
func (e *Emulator) authenticate(w http.ResponseWriter, r *http.Request, audience string) (Token, bool) {
	fail := func(desc string) (Token, bool) {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token", error_description="`+desc+`"`)
		writeError(w, http.StatusUnauthorized, "Unauthorized. "+desc+".")
		return Token{}, false
	}
	h := r.Header.Get("Authorization")
	scheme, tok, ok := strings.Cut(h, " ")
	if h == "" {
		return fail("No bearer token was sent")
	}
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(tok) == "" {
		return fail("The Authorization header is not a bearer token")
	}
	t, known := e.LookupToken(strings.TrimSpace(tok))
	switch {
	case !known:
		return fail("The token is invalid or was revoked")
	case !audienceMatches(t.Audience, audience):
		return fail("The token was not issued for this API (audience " + t.Audience + ")")
	case !e.now().Before(t.Expires):
		return fail("The token has expired")
	}
	return t, true
}
