// Package entra emulates the Entra ID authority (login.microsoftonline.com), served under /entra: the OpenID discovery document, the device-code
// endpoint, and the token endpoint with the device_code, refresh_token and client_credentials
// grants. Its contract is the
// Microsoft identity platform's OAuth 2.0 and OpenID Connect endpoints as MSAL Go uses them:
// what MSAL needs to sign in against it over TLS, and no more:
//
//	GET  /entra/{tenant}/v2.0/.well-known/openid-configuration
//	POST /entra/{tenant}/oauth2/v2.0/devicecode
//	POST /entra/{tenant}/oauth2/v2.0/token
//	GET  /entra/devicelogin  (the verification page named in device-code messages)
//
// A profile points at it with authority = EntraURL() and tenant = core.TenantID (the tenant's
// domains, "organizations" and "common" are accepted too).
//
// Access tokens are the emulator's own opaque tokens (core.Server.IssueToken) for the audience named by the
// requested scope ("<appid>/.default" → appid, "api://<appid>/x" → api://<appid>), so the Nimbus
// part accepts them and expires them on the emulator's clock. ID tokens are unsigned JWTs (MSAL
// does not check their signature). Refresh tokens rotate: each one can be redeemed once, so a
// client that lets two processes refresh from the same cache without a lock finds out.
//
// App-only tokens (client credentials) act as Options.AppPrincipal, by default core.DefaultUser,
// the admin. Whether the real connector API accepts app-only tokens at all is unconfirmed (its RBAC
// is keyed on the signed-in user's UPN, see the API notes), so the emulator lends the app the
// admin's rights rather than invent a rule of its own.
//
// Entra is mounted with core.Server.MountSignIn: exempt from the rate limit, random faults and
// Deny, which model the APIs, so that fault tests exercise the client's API retries. Latency
// applies, and InjectFaults(Name, ...) still stages an exact failure of the next Entra request.
package entra

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/nimbusctl/nimbusctl/pkg/emulator/core"
)

// Name is the service's name in Stats and InjectFaults; Prefix is where it is mounted.
const (
	Name   = "entra"
	Prefix = "/entra"
)

// App registrations of the emulated tenant.
const (
	// PublicClientID is the sandbox's app registration with public client flows enabled: the
	// client_id for device-code sign-in.
	PublicClientID = "3f1d2c7b-9a4e-4b8c-8d2f-6e5a4c3b2a10"
	// ConfidentialClientID is a confidential app for CI: it authenticates with ClientSecret() or
	// with the certificate of ClientCertificatePEM().
	ConfidentialClientID = "3f1d2c7b-9a4e-4b8c-8d2f-6e5a4c3b2a20"
	// TenantDomain is the tenant's primary domain, accepted in place of core.TenantID.
	TenantDomain = "contoso.onmicrosoft.com"
)

// Defaults of the Entra options.
const (
	DefaultAccessTokenTTL = time.Hour
	DefaultDeviceCodeTTL  = 15 * time.Minute
	refreshTokenTTL       = 90 * 24 * time.Hour
)

// oidcScopes are the OpenID Connect scopes MSAL adds to every user request; they name no
// resource.
var oidcScopes = map[string]bool{"openid": true, "profile": true, "offline_access": true, "email": true}

type deviceGrant struct {
	clientID string
	tenant   string
	userCode string
	scopes   []string
	audience string
	offline  bool
	expires  time.Time
	polls    int
}

type refreshGrant struct {
	user     string
	clientID string
	expires  time.Time
}

// Options configure the authority.
type Options struct {
	// AccessTokenTTL is the lifetime of the access tokens it issues (default 1h); MSAL
	// refreshes a token with less than 5 minutes left, so a TTL under 5m sends every silent
	// acquisition through the refresh token.
	AccessTokenTTL time.Duration
	// DeviceCodeTTL is how long a device code can be redeemed (default 15m).
	DeviceCodeTTL time.Duration
	// DeviceCodePolls is how many token polls answer authorization_pending before a device
	// code is approved automatically (0: the default, 1; negative: approved at the first poll).
	DeviceCodePolls int
	// DeviceUser approves the device codes (default core.DefaultUser).
	DeviceUser string
	// ClientSecret is the secret of the confidential app ConfidentialClientID (default: made
	// up at New, see Service.ClientSecret).
	ClientSecret string
	// AppPrincipal is who app-only (client credentials) tokens act as (default core.DefaultUser).
	AppPrincipal string
}

// Service is the emulated authority, an http.Handler to mount under Prefix with
// core.Server.MountSignIn.
type Service struct {
	srv    *core.Server
	opts   Options
	routes http.Handler

	mu       sync.Mutex
	rng      *rand.Rand
	devices  map[string]*deviceGrant  // by device_code
	refresh  map[string]*refreshGrant // by refresh token; deleted once redeemed
	jtis     map[string]time.Time     // client assertion ids seen, against replay
	userCode []string                 // issued user codes, in order
	grants   map[string]int           // successful token grants, by grant type

	secret string
	app    *appCert
}

// New makes the authority; its user codes are drawn from srv's seed.
func New(srv *core.Server, opts Options) *Service {
	s := &Service{
		srv:     srv,
		opts:    opts,
		rng:     rand.New(rand.NewPCG(uint64(srv.Seed()), 0x656e747261)),
		devices: map[string]*deviceGrant{},
		refresh: map[string]*refreshGrant{},
		jtis:    map[string]time.Time{},
		grants:  map[string]int{},
		secret:  opts.ClientSecret,
		app:     &appCert{},
	}
	if s.secret == "" {
		s.secret = "nimbusctl-sandbox-" + randomToken(24)
	}
	s.routes = s.newRoutes()
	return s
}

func (s *Service) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.routes.ServeHTTP(w, r) }

// URL is the authority host: a profile's `authority` (the tenant is appended to it).
func (s *Service) URL() string { return s.srv.URL() + Prefix }

// ClientSecret is the secret of the confidential app ConfidentialClientID.
func (s *Service) ClientSecret() string { return s.secret }

// UserCodes lists the device-code user codes issued so far, oldest first.
func (s *Service) UserCodes() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.userCode...)
}

// TokenGrants counts the tokens issued so far by grant type ("device_code", "refresh_token",
// "client_credentials").
func (s *Service) TokenGrants() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]int, len(s.grants))
	for k, v := range s.grants {
		out[k] = v
	}
	return out
}

// RevokeRefreshTokens invalidates every refresh token, as when an admin revokes a user's
// sessions: the next silent acquisition that needs one fails with invalid_grant.
func (s *Service) RevokeRefreshTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.refresh)
}

// Operation names the request for Stats and the log.
func (s *Service) Operation(r *http.Request) string {
	switch {
	case strings.HasSuffix(r.URL.Path, "/openid-configuration"):
		return "EntraDiscovery"
	case strings.HasSuffix(r.URL.Path, "/oauth2/v2.0/devicecode"):
		return "EntraDeviceCode"
	case strings.HasSuffix(r.URL.Path, "/oauth2/v2.0/token"):
		return "EntraToken"
	}
	return ""
}

func (s *Service) newRoutes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{tenant}/v2.0/.well-known/openid-configuration", s.discovery)
	mux.HandleFunc("POST /{tenant}/oauth2/v2.0/devicecode", s.deviceCode)
	mux.HandleFunc("POST /{tenant}/oauth2/v2.0/token", s.token)
	mux.HandleFunc("GET /devicelogin", s.deviceLogin)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeOAuthError(w, http.StatusNotFound, "invalid_request", 90002, "No Entra endpoint at "+r.URL.Path+".")
	})
	return mux
}

// tenantOK accepts the tenant's id and domains, and the multi-tenant aliases.
func tenantOK(t string) bool {
	switch strings.ToLower(t) {
	case strings.ToLower(core.TenantID), TenantDomain, "contoso.com", "organizations", "common":
		return true
	}
	return false
}

func (s *Service) tenantBase(tenant string) string {
	return s.URL() + "/" + tenant
}

func (s *Service) discovery(w http.ResponseWriter, r *http.Request) {
	tenant := r.PathValue("tenant")
	if !tenantOK(tenant) {
		writeOAuthError(w, http.StatusBadRequest, "invalid_tenant", 90002, fmt.Sprintf("Tenant '%s' not found. Check to make sure you have the correct tenant ID.", tenant))
		return
	}
	base := s.tenantBase(tenant)
	core.WriteJSON(w, http.StatusOK, map[string]any{
		"issuer":                                base + "/v2.0",
		"authorization_endpoint":                base + "/oauth2/v2.0/authorize",
		"token_endpoint":                        base + "/oauth2/v2.0/token",
		"device_authorization_endpoint":         base + "/oauth2/v2.0/devicecode",
		"token_endpoint_auth_methods_supported": []string{"client_secret_post", "private_key_jwt"},
		"response_types_supported":              []string{"code", "id_token"},
		"scopes_supported":                      []string{"openid", "profile", "email", "offline_access"},
		"tenant_region_scope":                   "EU",
	})
}

func (s *Service) deviceLogin(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	fmt.Fprintf(w, "nimbusctl emulator: device codes are approved automatically (as %s).\nThere is nothing to enter here; go back to the terminal.\n", s.deviceUser())
}

func (s *Service) deviceUser() string {
	if s.opts.DeviceUser != "" {
		return s.opts.DeviceUser
	}
	return core.DefaultUser
}

// parseScopes splits a scope parameter into the resource scopes and the audience they name.
// Entra refuses scopes of two resources in one request (AADSTS28000).
func parseScopes(raw string) (resource []string, audience string, offline bool, err error) {
	for _, sc := range strings.Fields(raw) {
		if oidcScopes[strings.ToLower(sc)] {
			offline = offline || strings.EqualFold(sc, "offline_access")
			continue
		}
		aud := scopeAudience(sc)
		if audience != "" && !strings.EqualFold(aud, audience) {
			//lint:ignore ST1005 Entra's own description, answered as it is (after its AADSTS code)
			return nil, "", false, fmt.Errorf("Provided value for the input parameter scope is not valid because it contains more than one resource. Scope %s is not valid.", raw)
		}
		audience = aud
		resource = append(resource, sc)
	}
	if audience == "" {
		audience = graphAppID // only OpenID scopes: Entra issues a Microsoft Graph token
	}
	return resource, audience, offline, nil
}

const graphAppID = "00000003-0000-0000-c000-000000000000"

// scopeAudience names the resource of one scope: "<appid>/.default" and "<appid>/User.Read" →
// appid; "api://<appid>/access" → api://<appid>; a bare permission ("User.Read") is Graph's.
func scopeAudience(scope string) string {
	if rest, ok := strings.CutPrefix(scope, "api://"); ok {
		id, _, _ := strings.Cut(rest, "/")
		return "api://" + id
	}
	if i := strings.LastIndex(scope, "/"); i > 0 {
		return scope[:i]
	}
	return graphAppID
}

// tenantForm reads what every POST to a tenant's OAuth endpoints starts with: a known tenant
// in the path and a form body. When it returns false it has answered the error.
func tenantForm(w http.ResponseWriter, r *http.Request) (tenant string, ok bool) {
	tenant = r.PathValue("tenant")
	if !tenantOK(tenant) {
		writeOAuthError(w, http.StatusBadRequest, "invalid_tenant", 90002, fmt.Sprintf("Tenant '%s' not found.", tenant))
		return "", false
	}
	if err := r.ParseForm(); err != nil {
		writeOAuthError(w, http.StatusBadRequest, "invalid_request", 900144, "The request body is not a valid form.")
		return "", false
	}
	return tenant, true
}

func (s *Service) deviceCode(w http.ResponseWriter, r *http.Request) {
	tenant, ok := tenantForm(w, r)
	if !ok {
		return
	}
	clientID := r.PostForm.Get("client_id")
	switch clientID {
	case "":
		writeOAuthError(w, http.StatusBadRequest, "invalid_request", 900144, "The request body must contain the following parameter: 'client_id'.")
		return
	case PublicClientID:
	case ConfidentialClientID:
		writeOAuthError(w, http.StatusUnauthorized, "invalid_client", 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'. (The app is not a public client: device-code sign-in needs an app registration with public client flows enabled.)")
		return
	default:
		writeOAuthError(w, http.StatusBadRequest, "unauthorized_client", 700016, fmt.Sprintf("Application with identifier '%s' was not found in the directory '%s'.", clientID, core.TenantName))
		return
	}
	scopes, aud, offline, err := parseScopes(r.PostForm.Get("scope"))
	if err != nil {
		writeOAuthError(w, http.StatusBadRequest, "invalid_scope", 28000, err.Error())
		return
	}
	ttl := s.opts.DeviceCodeTTL
	if ttl <= 0 {
		ttl = DefaultDeviceCodeTTL
	}
	code := randomToken(32)
	s.mu.Lock()
	user := s.newUserCode()
	s.devices[code] = &deviceGrant{
		clientID: clientID, tenant: tenant, userCode: user, scopes: scopes, audience: aud,
		offline: offline, expires: s.srv.Now().Add(ttl),
	}
	s.mu.Unlock()
	verify := s.URL() + "/devicelogin"
	core.WriteJSON(w, http.StatusOK, map[string]any{
		"user_code":        user,
		"device_code":      code,
		"verification_uri": verify,
		"expires_in":       core.CeilSeconds(ttl),
		"interval":         5,
		"message":          fmt.Sprintf("To sign in, use a web browser to open the page %s and enter the code %s to authenticate.", verify, user),
	})
}

// newUserCode draws a code from the seeded source (callers hold s.mu). The alphabet has no
// vowels and no look-alikes, as Entra's codes.
func (s *Service) newUserCode() string {
	const alphabet = "BCDFGHJKLMNPQRSTVWXZ23456789"
	b := make([]byte, 9)
	for i := range b {
		b[i] = alphabet[s.rng.IntN(len(alphabet))]
	}
	c := string(b)
	s.userCode = append(s.userCode, c)
	return c
}

func (s *Service) token(w http.ResponseWriter, r *http.Request) {
	tenant, ok := tenantForm(w, r)
	if !ok {
		return
	}
	switch gt := r.PostForm.Get("grant_type"); gt {
	case "device_code", "urn:ietf:params:oauth:grant-type:device_code":
		s.deviceCodeGrant(w, r)
	case "refresh_token":
		s.refreshGrant(w, r)
	case "client_credentials":
		s.clientCredentialsGrant(w, r, tenant)
	case "":
		writeOAuthError(w, http.StatusBadRequest, "invalid_request", 900144, "The request body must contain the following parameter: 'grant_type'.")
	default:
		writeOAuthError(w, http.StatusBadRequest, "unsupported_grant_type", 70003, fmt.Sprintf("The app requested an unsupported grant type '%s'.", gt))
	}
}

func (s *Service) deviceCodeGrant(w http.ResponseWriter, r *http.Request) {
	code, clientID := r.PostForm.Get("device_code"), r.PostForm.Get("client_id")
	s.mu.Lock()
	g := s.devices[code]
	if g == nil || g.clientID != clientID {
		s.mu.Unlock()
		writeOAuthError(w, http.StatusBadRequest, "invalid_grant", 70000, "The provided value for the input parameter 'device_code' is not valid.")
		return
	}
	if !s.srv.Now().Before(g.expires) {
		delete(s.devices, code)
		s.mu.Unlock()
		writeOAuthError(w, http.StatusBadRequest, "expired_token", 70020, "The provided value for the input parameter 'device_code' is not valid. This device code has expired.")
		return
	}
	pending := s.opts.DeviceCodePolls
	if pending == 0 {
		pending = 1
	}
	g.polls++
	if g.polls <= pending {
		s.mu.Unlock()
		writeOAuthError(w, http.StatusBadRequest, "authorization_pending", 70016, "OAuth 2.0 device flow error. Authorization is pending. Continue polling.")
		return
	}
	delete(s.devices, code) // a device code is redeemed once
	s.mu.Unlock()
	s.userTokens(w, "device_code", s.deviceUser(), g.clientID, g.tenant, g.scopes, g.audience, g.offline)
}

func (s *Service) refreshGrant(w http.ResponseWriter, r *http.Request) {
	rt, clientID := r.PostForm.Get("refresh_token"), r.PostForm.Get("client_id")
	scopes, aud, _, err := parseScopes(r.PostForm.Get("scope"))
	if err != nil {
		writeOAuthError(w, http.StatusBadRequest, "invalid_scope", 28000, err.Error())
		return
	}
	s.mu.Lock()
	g := s.refresh[rt]
	switch {
	case rt == "":
		s.mu.Unlock()
		writeOAuthError(w, http.StatusBadRequest, "invalid_request", 900144, "The request body must contain the following parameter: 'refresh_token'.")
		return
	case g == nil:
		s.mu.Unlock()
		writeOAuthError(w, http.StatusBadRequest, "invalid_grant", 70000, "The provided grant is invalid, expired, revoked or was already used (the emulator's refresh tokens work once).")
		return
	case g.clientID != clientID:
		s.mu.Unlock()
		writeOAuthError(w, http.StatusBadRequest, "invalid_grant", 70000, "The refresh token was issued to a different client id.")
		return
	case !s.srv.Now().Before(g.expires):
		delete(s.refresh, rt)
		s.mu.Unlock()
		writeOAuthError(w, http.StatusBadRequest, "invalid_grant", 700082, "The refresh token has expired due to inactivity.")
		return
	}
	delete(s.refresh, rt) // rotation: the new answer carries the next one
	s.mu.Unlock()
	// A refresh keeps the session's offline access even when the request omits the scope.
	s.userTokens(w, "refresh_token", g.user, clientID, "", scopes, aud, true)
}

// userTokens answers a user grant: access token, refresh token, unsigned ID token, client_info.
func (s *Service) userTokens(w http.ResponseWriter, grant, user, clientID, tenant string, scopes []string, aud string, offline bool) {
	ttl := s.accessTTL()
	now := time.Now()
	oid := objectID(user)
	resp := map[string]any{
		"token_type":     "Bearer",
		"scope":          strings.Join(scopes, " "),
		"expires_in":     int(ttl / time.Second),
		"ext_expires_in": int(ttl / time.Second),
		"access_token":   s.srv.IssueToken(user, aud, ttl),
		"id_token": unsignedJWT(map[string]any{
			"aud":                clientID,
			"iss":                s.tenantBase(core.TenantID) + "/v2.0",
			"iat":                now.Unix(),
			"nbf":                now.Unix(),
			"exp":                now.Add(time.Hour).Unix(),
			"name":               displayName(user),
			"oid":                oid,
			"preferred_username": user,
			"sub":                subject(user, clientID),
			"tid":                core.TenantID,
			"ver":                "2.0",
		}),
		"client_info": b64json(map[string]string{"uid": oid, "utid": core.TenantID}),
	}
	if offline {
		rt := randomToken(48)
		s.mu.Lock()
		s.refresh[rt] = &refreshGrant{user: user, clientID: clientID, expires: s.srv.Now().Add(refreshTokenTTL)}
		s.mu.Unlock()
		resp["refresh_token"] = rt
	}
	s.countGrant(grant)
	core.WriteJSON(w, http.StatusOK, resp)
}

func (s *Service) clientCredentialsGrant(w http.ResponseWriter, r *http.Request, tenant string) {
	clientID := r.PostForm.Get("client_id")
	if clientID != ConfidentialClientID {
		if clientID == PublicClientID {
			writeOAuthError(w, http.StatusUnauthorized, "invalid_client", 700025, "Client is public so neither 'client_assertion' nor 'client_secret' should be presented.")
			return
		}
		writeOAuthError(w, http.StatusBadRequest, "unauthorized_client", 700016, fmt.Sprintf("Application with identifier '%s' was not found in the directory '%s'.", clientID, core.TenantName))
		return
	}
	secret, assertion := r.PostForm.Get("client_secret"), r.PostForm.Get("client_assertion")
	switch {
	case secret != "":
		if subtle.ConstantTimeCompare([]byte(secret), []byte(s.secret)) != 1 {
			writeOAuthError(w, http.StatusUnauthorized, "invalid_client", 7000215, "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID.")
			return
		}
	case assertion != "":
		if r.PostForm.Get("client_assertion_type") != "urn:ietf:params:oauth:client-assertion-type:jwt-bearer" {
			writeOAuthError(w, http.StatusBadRequest, "invalid_request", 50027, "client_assertion_type must be urn:ietf:params:oauth:client-assertion-type:jwt-bearer.")
			return
		}
		if err := s.verifyAssertion(assertion, clientID, s.tenantBase(tenant)+"/oauth2/v2.0/token"); err != nil {
			writeOAuthError(w, http.StatusUnauthorized, "invalid_client", 700027, "Client assertion failed signature validation: "+err.Error())
			return
		}
	default:
		writeOAuthError(w, http.StatusUnauthorized, "invalid_client", 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.")
		return
	}
	raw := r.PostForm.Get("scope")
	var fields []string // MSAL adds the OpenID scopes to every request; Entra ignores them here
	for _, sc := range strings.Fields(raw) {
		if !oidcScopes[strings.ToLower(sc)] {
			fields = append(fields, sc)
		}
	}
	if len(fields) != 1 || !strings.HasSuffix(fields[0], "/.default") {
		writeOAuthError(w, http.StatusBadRequest, "invalid_scope", 1002012, fmt.Sprintf("The provided value for scope %s is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).", raw))
		return
	}
	ttl := s.accessTTL()
	principal := s.opts.AppPrincipal
	if principal == "" {
		principal = core.DefaultUser
	}
	s.countGrant("client_credentials")
	core.WriteJSON(w, http.StatusOK, map[string]any{
		"token_type":     "Bearer",
		"expires_in":     int(ttl / time.Second),
		"ext_expires_in": int(ttl / time.Second),
		"access_token":   s.srv.IssueToken(principal, scopeAudience(fields[0]), ttl),
	})
}

func (s *Service) accessTTL() time.Duration {
	if d := s.opts.AccessTokenTTL; d > 0 {
		return d
	}
	return DefaultAccessTokenTTL
}

func (s *Service) countGrant(g string) {
	s.mu.Lock()
	s.grants[g]++
	s.mu.Unlock()
}

// writeOAuthError answers in the shape of Entra's token endpoint errors.
func writeOAuthError(w http.ResponseWriter, status int, code string, aadsts int, desc string) {
	core.WriteJSON(w, status, map[string]any{
		"error":             code,
		"error_description": fmt.Sprintf("AADSTS%d: %s", aadsts, desc),
		"error_codes":       []int{aadsts},
		"timestamp":         time.Now().UTC().Format("2006-01-02 15:04:05Z"),
	})
}

func unsignedJWT(claims map[string]any) string {
	return b64json(map[string]string{"alg": "none", "typ": "JWT"}) + "." + b64json(claims) + "."
}

func b64json(v any) string {
	b, _ := json.Marshal(v)
	return base64.RawURLEncoding.EncodeToString(b)
}

func randomToken(n int) string {
	b := make([]byte, n)
	cryptoRead(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// objectID is a user's stable object id, derived from the UPN.
func objectID(upn string) string {
	return uuidFrom("oid:" + strings.ToLower(upn))
}

// subject is the pairwise subject of a user for one app, as Entra issues it.
func subject(upn, clientID string) string {
	h := sha256.Sum256([]byte("sub:" + strings.ToLower(upn) + ":" + clientID))
	return base64.RawURLEncoding.EncodeToString(h[:])
}

func uuidFrom(s string) string {
	h := sha256.Sum256([]byte(s))
	h[6] = h[6]&0x0f | 0x50 // version 5 shape
	h[8] = h[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", h[0:4], h[4:6], h[6:8], h[8:10], h[10:16])
}

func displayName(upn string) string {
	local, _, _ := strings.Cut(upn, "@")
	parts := strings.FieldsFunc(local, func(r rune) bool { return r == '.' || r == '_' || r == '-' })
	for i, p := range parts {
		parts[i] = strings.ToUpper(p[:1]) + p[1:]
	}
	return strings.Join(parts, " ")
}
