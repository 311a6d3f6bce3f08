package emulator

// The Entra ID authority, served under /entra: the OpenID discovery document, the device-code
// endpoint, and the token endpoint with the device_code, refresh_token and client_credentials
// grants. It is what MSAL Go needs to sign in against it over TLS, and no more:
//
//	GET  /entra/{tenant}/v2.0/.well-known/openid-configuration
//	POST /entra/{tenant}/oauth2/v2.0/devicecode
//	POST /entra/{tenant}/oauth2/v2.0/token
//	GET  /entra/devicelogin  (the verification page named in device-code messages)
//
// A profile points at it with authority = EntraURL() and tenant = TenantID (the tenant's
// domains, "organizations" and "common" are accepted too).
//
// Access tokens are the emulator's own opaque tokens (IssueToken) for the audience named by the
// requested scope ("<appid>/.default" → appid, "api://<appid>/x" → api://<appid>), so the Nimbus
// part accepts them and expires them on the emulator's clock. ID tokens are unsigned JWTs (MSAL
// does not check their signature). Refresh tokens rotate: each one can be redeemed once, so a
// client that lets two processes refresh from the same cache without a lock finds out.
//
// App-only tokens (client credentials) act as Options.AppPrincipal, by default DefaultUser, the
// admin. Whether the real connector API accepts app-only tokens at all is unconfirmed (its RBAC
// is keyed on the signed-in user's UPN, see the API notes), so the emulator lends the app the
// admin's rights rather than invent a rule of its own.
//
// Entra is exempt from Options.RateLimit, FaultRate and Deny, which model the Nimbus side: sign-in
// stays reliable so that fault tests exercise the client's API retries. Latency applies, and
// InjectFaults(ServiceEntra, ...) still stages an exact failure of the next Entra request.

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
)

// ServiceEntra names the Entra part in Stats and InjectFaults.
const ServiceEntra = "entra"

// App registrations of the emulated tenant.
const (
	// PublicClientID is the sandbox's app registration with public client flows enabled: the
	// client_id for device-code sign-in.
	PublicClientID = "3f1d2c7b-9a4e-4b8c-8d2f-6e5a4c3b2a10"
	// ConfidentialClientID is a confidential app for CI: it authenticates with ClientSecret() or
	// with the certificate of ClientCertificatePEM().
	ConfidentialClientID = "3f1d2c7b-9a4e-4b8c-8d2f-6e5a4c3b2a20"
	// TenantDomain is the tenant's primary domain, accepted in place of TenantID.
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

type entraService struct {
	e *Emulator

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

func newEntraService(e *Emulator) *entraService {
	s := &entraService{
		e:       e,
		rng:     rand.New(rand.NewPCG(uint64(e.opts.Seed), 0x656e747261)),
		devices: map[string]*deviceGrant{},
		refresh: map[string]*refreshGrant{},
		jtis:    map[string]time.Time{},
		grants:  map[string]int{},
		secret:  e.opts.ClientSecret,
		app:     &appCert{},
	}
	if s.secret == "" {
		s.secret = "nimbusctl-sandbox-" + randomToken(24)
	}
	return s
}

// EntraURL is the authority host of the emulated Entra ID: a profile's `authority` (the tenant
// is appended to it).
func (e *Emulator) EntraURL() string { return e.url + "/entra" }

// ClientSecret is the secret of the confidential app ConfidentialClientID.
func (e *Emulator) ClientSecret() string { return e.entra.secret }

// UserCodes lists the device-code user codes issued so far, oldest first.
func (e *Emulator) UserCodes() []string {
	e.entra.mu.Lock()
	defer e.entra.mu.Unlock()
	return append([]string(nil), e.entra.userCode...)
}

// TokenGrants counts the tokens issued so far by grant type ("device_code", "refresh_token",
// "client_credentials").
func (e *Emulator) TokenGrants() map[string]int {
	e.entra.mu.Lock()
	defer e.entra.mu.Unlock()
	out := make(map[string]int, len(e.entra.grants))
	for k, v := range e.entra.grants {
		out[k] = v
	}
	return out
}

// RevokeRefreshTokens invalidates every refresh token, as when an admin revokes a user's
// sessions: the next silent acquisition that needs one fails with invalid_grant.
func (e *Emulator) RevokeRefreshTokens() {
	e.entra.mu.Lock()
	defer e.entra.mu.Unlock()
	clear(e.entra.refresh)
}

// mountEntra serves the Entra part under /entra with a middleware of its own: the request log,
// Stats, Latency and queued faults, but no rate limit, random faults or Deny (see the file doc).
func (e *Emulator) mountEntra() {
	h := e.entra.routes()
	e.mux.Handle("/entra/", http.StripPrefix("/entra", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		op := entraOperation(r)
		e.stats.request(ServiceEntra, op)
		rec := &statusRecorder{ResponseWriter: w}
		defer func() {
			e.logf("%s %s %s %s -> %d (%s)", ServiceEntra, opOrDash(op), r.Method, r.RequestURI, rec.status(), time.Since(start).Round(time.Millisecond))
		}()
		if d := e.opts.Latency; d > 0 {
			select {
			case <-time.After(d):
			case <-r.Context().Done():
				return
			}
		}
		if kind, ok := e.queuedFault(ServiceEntra); ok {
			e.stats.fault(kind)
			writeError(rec, kind.status(), kind.message())
			return
		}
		h.ServeHTTP(rec, r)
	})))
}

// queuedFault pops a fault staged with InjectFaults, without drawing a random one.
func (e *Emulator) queuedFault(svc string) (FaultKind, bool) {
	e.faults.mu.Lock()
	defer e.faults.mu.Unlock()
	if q := e.faults.queued[svc]; len(q) > 0 {
		e.faults.queued[svc] = q[1:]
		return q[0], true
	}
	return "", false
}

func entraOperation(r *http.Request) string {
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

func (s *entraService) routes() http.Handler {
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
	case strings.ToLower(TenantID), TenantDomain, "contoso.com", "organizations", "common":
		return true
	}
	return false
}

func (s *entraService) tenantBase(tenant string) string {
	return s.e.url + "/entra/" + tenant
}

func (s *entraService) discovery(w http.ResponseWriter, r *http.Request) {
	tenant := r.PathValue("tenant")
	if !tenantOK(tenant) {
		writeOAuthError(w, http.StatusBadRequest, "invalid_tenant", 90002, fmt.Sprintf("Tenant '%s' not found. Check to make sure you have the correct tenant ID.", tenant))
		return
	}
	base := s.tenantBase(tenant)
	writeJSON(w, http.StatusOK, map[string]any{
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

func (s *entraService) deviceLogin(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	fmt.Fprintf(w, "nimbusctl emulator: device codes are approved automatically (as %s).\nThere is nothing to enter here; go back to the terminal.\n", s.deviceUser())
}

func (s *entraService) deviceUser() string {
	if s.e.opts.DeviceUser != "" {
		return s.e.opts.DeviceUser
	}
	return DefaultUser
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
			return nil, "", false, fmt.Errorf("AADSTS28000: Provided value for the input parameter scope is not valid because it contains more than one resource. Scope %s is not valid.", raw)
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

func (s *entraService) deviceCode(w http.ResponseWriter, r *http.Request) {
	tenant := r.PathValue("tenant")
	if !tenantOK(tenant) {
		writeOAuthError(w, http.StatusBadRequest, "invalid_tenant", 90002, fmt.Sprintf("Tenant '%s' not found.", tenant))
		return
	}
	if err := r.ParseForm(); err != nil {
		writeOAuthError(w, http.StatusBadRequest, "invalid_request", 900144, "The request body is not a valid form.")
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
		writeOAuthError(w, http.StatusBadRequest, "unauthorized_client", 700016, fmt.Sprintf("Application with identifier '%s' was not found in the directory '%s'.", clientID, TenantName))
		return
	}
	scopes, aud, offline, err := parseScopes(r.PostForm.Get("scope"))
	if err != nil {
		writeOAuthError(w, http.StatusBadRequest, "invalid_scope", 28000, err.Error())
		return
	}
	ttl := s.e.opts.DeviceCodeTTL
	if ttl <= 0 {
		ttl = DefaultDeviceCodeTTL
	}
	code := randomToken(32)
	s.mu.Lock()
	user := s.newUserCode()
	s.devices[code] = &deviceGrant{
		clientID: clientID, tenant: tenant, userCode: user, scopes: scopes, audience: aud,
		offline: offline, expires: s.e.now().Add(ttl),
	}
	s.mu.Unlock()
	verify := s.e.url + "/entra/devicelogin"
	secs := int((ttl + time.Second - 1) / time.Second)
	writeJSON(w, http.StatusOK, map[string]any{
		"user_code":        user,
		"device_code":      code,
		"verification_uri": verify,
		"expires_in":       secs,
		"interval":         5,
		"message":          fmt.Sprintf("To sign in, use a web browser to open the page %s and enter the code %s to authenticate.", verify, user),
	})
}

// newUserCode draws a code from the seeded source (callers hold s.mu). The alphabet has no
// vowels and no look-alikes, as Entra's codes.
func (s *entraService) newUserCode() string {
	const alphabet = "BCDFGHJKLMNPQRSTVWXZ23456789"
	b := make([]byte, 9)
	for i := range b {
		b[i] = alphabet[s.rng.IntN(len(alphabet))]
	}
	c := string(b)
	s.userCode = append(s.userCode, c)
	return c
}

func (s *entraService) token(w http.ResponseWriter, r *http.Request) {
	tenant := r.PathValue("tenant")
	if !tenantOK(tenant) {
		writeOAuthError(w, http.StatusBadRequest, "invalid_tenant", 90002, fmt.Sprintf("Tenant '%s' not found.", tenant))
		return
	}
	if err := r.ParseForm(); err != nil {
		writeOAuthError(w, http.StatusBadRequest, "invalid_request", 900144, "The request body is not a valid form.")
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

func (s *entraService) deviceCodeGrant(w http.ResponseWriter, r *http.Request) {
	code, clientID := r.PostForm.Get("device_code"), r.PostForm.Get("client_id")
	s.mu.Lock()
	g := s.devices[code]
	if g == nil || g.clientID != clientID {
		s.mu.Unlock()
		writeOAuthError(w, http.StatusBadRequest, "invalid_grant", 70000, "The provided value for the input parameter 'device_code' is not valid.")
		return
	}
	if !s.e.now().Before(g.expires) {
		delete(s.devices, code)
		s.mu.Unlock()
		writeOAuthError(w, http.StatusBadRequest, "expired_token", 70020, "The provided value for the input parameter 'device_code' is not valid. This device code has expired.")
		return
	}
	pending := s.e.opts.DeviceCodePolls
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

func (s *entraService) refreshGrant(w http.ResponseWriter, r *http.Request) {
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
	case !s.e.now().Before(g.expires):
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
func (s *entraService) userTokens(w http.ResponseWriter, grant, user, clientID, tenant string, scopes []string, aud string, offline bool) {
	ttl := s.accessTTL()
	now := time.Now()
	oid := objectID(user)
	resp := map[string]any{
		"token_type":     "Bearer",
		"scope":          strings.Join(scopes, " "),
		"expires_in":     int(ttl / time.Second),
		"ext_expires_in": int(ttl / time.Second),
		"access_token":   s.e.IssueToken(user, aud, ttl),
		"id_token": unsignedJWT(map[string]any{
			"aud":                clientID,
			"iss":                s.tenantBase(TenantID) + "/v2.0",
			"iat":                now.Unix(),
			"nbf":                now.Unix(),
			"exp":                now.Add(time.Hour).Unix(),
			"name":               displayName(user),
			"oid":                oid,
			"preferred_username": user,
			"sub":                subject(user, clientID),
			"tid":                TenantID,
			"ver":                "2.0",
		}),
		"client_info": b64json(map[string]string{"uid": oid, "utid": TenantID}),
	}
	if offline {
		rt := randomToken(48)
		s.mu.Lock()
		s.refresh[rt] = &refreshGrant{user: user, clientID: clientID, expires: s.e.now().Add(refreshTokenTTL)}
		s.mu.Unlock()
		resp["refresh_token"] = rt
	}
	s.countGrant(grant)
	writeJSON(w, http.StatusOK, resp)
}

func (s *entraService) clientCredentialsGrant(w http.ResponseWriter, r *http.Request, tenant string) {
	clientID := r.PostForm.Get("client_id")
	if clientID != ConfidentialClientID {
		if clientID == PublicClientID {
			writeOAuthError(w, http.StatusUnauthorized, "invalid_client", 700025, "Client is public so neither 'client_assertion' nor 'client_secret' should be presented.")
			return
		}
		writeOAuthError(w, http.StatusBadRequest, "unauthorized_client", 700016, fmt.Sprintf("Application with identifier '%s' was not found in the directory '%s'.", clientID, TenantName))
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
	principal := s.e.opts.AppPrincipal
	if principal == "" {
		principal = DefaultUser
	}
	s.countGrant("client_credentials")
	writeJSON(w, http.StatusOK, map[string]any{
		"token_type":     "Bearer",
		"expires_in":     int(ttl / time.Second),
		"ext_expires_in": int(ttl / time.Second),
		"access_token":   s.e.IssueToken(principal, scopeAudience(fields[0]), ttl),
	})
}

func (s *entraService) accessTTL() time.Duration {
	if d := s.e.opts.AccessTokenTTL; d > 0 {
		return d
	}
	return DefaultAccessTokenTTL
}

func (s *entraService) countGrant(g string) {
	s.mu.Lock()
	s.grants[g]++
	s.mu.Unlock()
}

// writeOAuthError answers in the shape of Entra's token endpoint errors.
func writeOAuthError(w http.ResponseWriter, status int, code string, aadsts int, desc string) {
	writeJSON(w, status, map[string]any{
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
