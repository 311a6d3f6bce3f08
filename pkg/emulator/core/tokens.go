package core

import (
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"strings"
	"sync"
	"time"
)

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
func (s *Server) IssueToken(user, audience string, ttl time.Duration) string {
	b := make([]byte, 32)
	rand.Read(b)
	tok := base64.RawURLEncoding.EncodeToString(b)
	s.tokens.mu.Lock()
	defer s.tokens.mu.Unlock()
	s.tokens.tokens[tok] = Token{User: user, Audience: audience, Expires: s.Now().Add(ttl)}
	return tok
}

// LookupToken reports what a token was issued for (expired or not).
func (s *Server) LookupToken(tok string) (Token, bool) {
	s.tokens.mu.Lock()
	defer s.tokens.mu.Unlock()
	t, ok := s.tokens.tokens[tok]
	return t, ok
}

// RevokeToken forgets one token; RevokeTokens forgets them all (a "sign-out everywhere").
func (s *Server) RevokeToken(tok string) {
	s.tokens.mu.Lock()
	defer s.tokens.mu.Unlock()
	delete(s.tokens.tokens, tok)
}

// RevokeTokens forgets every token issued so far.
func (s *Server) RevokeTokens() {
	s.tokens.mu.Lock()
	defer s.tokens.mu.Unlock()
	clear(s.tokens.tokens)
}

// audienceMatches accepts the bare app id and its api:// form, as Entra issues either
// depending on how the scope was requested.
func audienceMatches(got, want string) bool {
	return got == want || got == "api://"+want
}

// Authenticate checks the bearer token of r for the audience. On failure it has already
// answered 401 with a WWW-Authenticate challenge.
func (s *Server) Authenticate(w http.ResponseWriter, r *http.Request, audience string) (Token, bool) {
	fail := func(desc string) (Token, bool) {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token", error_description="`+desc+`"`)
		WriteError(w, http.StatusUnauthorized, "Unauthorized. "+desc+".")
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
	t, known := s.LookupToken(strings.TrimSpace(tok))
	switch {
	case !known:
		return fail("The token is invalid or was revoked")
	case !audienceMatches(t.Audience, audience):
		return fail("The token was not issued for this API (audience " + t.Audience + ")")
	case !s.Now().Before(t.Expires):
		return fail("The token has expired")
	}
	return t, true
}
