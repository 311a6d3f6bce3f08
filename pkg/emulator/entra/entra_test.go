package entra_test

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/nimbusctl/nimbusctl/pkg/emulator"
	"github.com/nimbusctl/nimbusctl/pkg/emulator/entra"
	"github.com/nimbusctl/nimbusctl/pkg/emulator/internal/emutest"
)

// answer is a decoded Entra answer; printed (in a failure message) without its tokens.
type answer map[string]any

func (a answer) String() string {
	out := map[string]any{}
	for k, v := range a {
		if strings.Contains(k, "token") || k == "device_code" {
			v = "[redacted]"
		}
		out[k] = v
	}
	return fmt.Sprint(out)
}

// entraCall posts a form to the emulator's Entra part and decodes the JSON answer.
func entraCall(t *testing.T, e *emulator.Emulator, path string, form url.Values) (int, answer) {
	t.Helper()
	var resp *http.Response
	var err error
	if form == nil {
		resp, err = e.HTTPClient().Get(e.EntraURL() + path)
	} else {
		resp, err = e.HTTPClient().PostForm(e.EntraURL()+path, form)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var out answer
	if err := json.Unmarshal(body, &out); err != nil {
		t.Fatalf("%s: not JSON (%d bytes)", path, len(body))
	}
	return resp.StatusCode, out
}

func jwtClaims(t *testing.T, tok string) map[string]any {
	t.Helper()
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWT (%d parts)", len(parts))
	}
	var c map[string]any
	if err := entra.DecodeSegment(parts[1], &c); err != nil {
		t.Fatal(err)
	}
	return c
}

func TestEntraDiscovery(t *testing.T) {
	t.Parallel()
	e := emutest.Start(t, emulator.Options{})
	code, doc := entraCall(t, e, "/"+emulator.TenantID+"/v2.0/.well-known/openid-configuration", nil)
	base := e.EntraURL() + "/" + emulator.TenantID
	if code != 200 || doc["issuer"] != base+"/v2.0" || doc["token_endpoint"] != base+"/oauth2/v2.0/token" || doc["authorization_endpoint"] != base+"/oauth2/v2.0/authorize" {
		t.Fatalf("%d %v", code, doc)
	}
	// MSAL derives the device-code URL by replacing "token" in the token endpoint.
	if got := strings.ReplaceAll(doc["token_endpoint"].(string), "token", "devicecode"); got != base+"/oauth2/v2.0/devicecode" {
		t.Errorf("derived device-code endpoint %s", got)
	}
	code, doc = entraCall(t, e, "/fabrikam.com/v2.0/.well-known/openid-configuration", nil)
	if code != 400 || doc["error"] != "invalid_tenant" {
		t.Errorf("unknown tenant: %d %v", code, doc)
	}
}

// deviceLogin runs the device flow by hand and returns the token answer.
func deviceLogin(t *testing.T, e *emulator.Emulator, scope string) answer {
	t.Helper()
	code, dc := entraCall(t, e, "/"+emulator.TenantID+"/oauth2/v2.0/devicecode", url.Values{"client_id": {emulator.PublicClientID}, "scope": {scope + " openid profile offline_access"}})
	if code != 200 || dc["device_code"] == "" || dc["verification_uri"] != e.EntraURL()+"/devicelogin" || dc["expires_in"] != float64(900) {
		t.Fatalf("devicecode: %d %v", code, dc)
	}
	if !strings.Contains(dc["message"].(string), dc["user_code"].(string)) {
		t.Errorf("message %q lacks the code", dc["message"])
	}
	poll := url.Values{"grant_type": {"device_code"}, "device_code": {dc["device_code"].(string)}, "client_id": {emulator.PublicClientID}}
	code, tok := entraCall(t, e, "/"+emulator.TenantID+"/oauth2/v2.0/token", poll)
	if code != 400 || tok["error"] != "authorization_pending" {
		t.Fatalf("first poll: %d %v", code, tok)
	}
	code, tok = entraCall(t, e, "/"+emulator.TenantID+"/oauth2/v2.0/token", poll)
	if code != 200 {
		t.Fatalf("second poll: %d %v", code, tok)
	}
	if code, again := entraCall(t, e, "/"+emulator.TenantID+"/oauth2/v2.0/token", poll); code != 400 || again["error"] != "invalid_grant" {
		t.Errorf("a device code is redeemed once: %d %v", code, again)
	}
	return tok
}

func TestEntraDeviceCodeRefreshRotation(t *testing.T) {
	t.Parallel()
	e := emutest.Start(t, emulator.Options{AccessTokenTTL: 2 * time.Minute})
	tok := deviceLogin(t, e, emulator.NimbusAudience+"/.default")
	if tok["expires_in"] != float64(120) || tok["refresh_token"] == nil || tok["token_type"] != "Bearer" {
		t.Fatalf("token answer %v", tok)
	}
	c := jwtClaims(t, tok["id_token"].(string))
	if c["preferred_username"] != emulator.DefaultUser || c["tid"] != emulator.TenantID || c["oid"] != entra.ObjectID(emulator.DefaultUser) || c["aud"] != emulator.PublicClientID || c["sub"] == "" {
		t.Errorf("id token claims %v", c)
	}
	var ci map[string]string
	if err := entra.DecodeSegment(tok["client_info"].(string), &ci); err != nil || ci["uid"] != entra.ObjectID(emulator.DefaultUser) || ci["utid"] != emulator.TenantID {
		t.Errorf("client_info %v %v", ci, err)
	}
	at, _ := e.LookupToken(tok["access_token"].(string))
	if at.User != emulator.DefaultUser || at.Audience != emulator.NimbusAudience {
		t.Errorf("access token %+v", at)
	}
	(&emutest.Caller{T: t, E: e, Token: tok["access_token"].(string)}).Do("GET", "/v2/AddressBooks", nil).Expect(t, 200)

	// The refresh token works once, and can get a token for another resource (OData).
	rt := tok["refresh_token"].(string)
	refresh := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}, "client_id": {emulator.PublicClientID}, "scope": {"898a7352-9216-4ca8-a485-7d8f3903f598/.default openid profile offline_access"}}
	code, next := entraCall(t, e, "/"+emulator.TenantID+"/oauth2/v2.0/token", refresh)
	if code != 200 || next["refresh_token"] == rt || next["refresh_token"] == nil {
		t.Fatalf("refresh: %d %v", code, next)
	}
	if at, _ := e.LookupToken(next["access_token"].(string)); at.Audience != "898a7352-9216-4ca8-a485-7d8f3903f598" {
		t.Errorf("OData token audience %q", at.Audience)
	}
	if code, again := entraCall(t, e, "/"+emulator.TenantID+"/oauth2/v2.0/token", refresh); code != 400 || again["error"] != "invalid_grant" {
		t.Errorf("a rotated refresh token must not work again: %d %v", code, again)
	}
	refresh.Set("refresh_token", next["refresh_token"].(string))
	refresh.Set("client_id", emulator.ConfidentialClientID)
	if code, other := entraCall(t, e, "/"+emulator.TenantID+"/oauth2/v2.0/token", refresh); code != 400 || other["error"] != "invalid_grant" {
		t.Errorf("refresh token of another client: %d %v", code, other)
	}
	if g := e.TokenGrants(); g["device_code"] != 1 || g["refresh_token"] != 1 {
		t.Errorf("grants %v", g)
	}
	if len(e.UserCodes()) != 1 {
		t.Errorf("user codes %v", e.UserCodes())
	}
}

func TestEntraDeviceCodeErrors(t *testing.T) {
	t.Parallel()
	clock := emutest.NewClock()
	e := emutest.Start(t, emulator.Options{Now: clock.Now, DeviceCodeTTL: time.Minute, DeviceCodePolls: 1000})
	tenant := "/" + emulator.TenantDomain
	check := func(name string, form url.Values, status int, errCode string) {
		t.Helper()
		code, body := entraCall(t, e, tenant+"/oauth2/v2.0/devicecode", form)
		desc := body["error_description"].(string)
		if code != status || body["error"] != errCode || !strings.HasPrefix(desc, "AADSTS") || strings.Count(desc, "AADSTS") != 1 {
			t.Errorf("%s: %d %v", name, code, body)
		}
	}
	check("no client", url.Values{"scope": {"x/.default"}}, 400, "invalid_request")
	check("unknown client", url.Values{"client_id": {"nope"}, "scope": {"x/.default"}}, 400, "unauthorized_client")
	check("confidential client", url.Values{"client_id": {emulator.ConfidentialClientID}, "scope": {"x/.default"}}, 401, "invalid_client")
	check("two resources", url.Values{"client_id": {emulator.PublicClientID}, "scope": {emulator.NimbusAudience + "/.default 898a7352-9216-4ca8-a485-7d8f3903f598/.default"}}, 400, "invalid_scope")

	_, dc := entraCall(t, e, tenant+"/oauth2/v2.0/devicecode", url.Values{"client_id": {emulator.PublicClientID}, "scope": {emulator.NimbusAudience + "/.default offline_access"}})
	poll := url.Values{"grant_type": {"device_code"}, "device_code": {dc["device_code"].(string)}, "client_id": {emulator.PublicClientID}}
	if code, body := entraCall(t, e, tenant+"/oauth2/v2.0/token", poll); code != 400 || body["error"] != "authorization_pending" {
		t.Fatalf("pending: %d %v", code, body)
	}
	clock.Advance(2 * time.Minute)
	if code, body := entraCall(t, e, tenant+"/oauth2/v2.0/token", poll); code != 400 || body["error"] != "expired_token" {
		t.Errorf("expired: %d %v", code, body)
	}
	if code, body := entraCall(t, e, tenant+"/oauth2/v2.0/token", url.Values{"grant_type": {"password"}}); code != 400 || body["error"] != "unsupported_grant_type" {
		t.Errorf("grant: %d %v", code, body)
	}
}

func TestEntraClientSecret(t *testing.T) {
	t.Parallel()
	e := emutest.Start(t, emulator.Options{ClientSecret: "s3cret-value", AppPrincipal: emulator.AgentUser})
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {emulator.ConfidentialClientID}, "client_secret": {"s3cret-value"}, "scope": {emulator.NimbusAudience + "/.default"}}
	code, tok := entraCall(t, e, "/"+emulator.TenantID+"/oauth2/v2.0/token", form)
	if code != 200 || tok["refresh_token"] != nil || tok["id_token"] != nil {
		t.Fatalf("%d %v", code, tok)
	}
	if at, _ := e.LookupToken(tok["access_token"].(string)); at.User != emulator.AgentUser || at.Audience != emulator.NimbusAudience {
		t.Errorf("app token %+v", at)
	}
	form.Set("client_secret", "wrong")
	if code, body := entraCall(t, e, "/"+emulator.TenantID+"/oauth2/v2.0/token", form); code != 401 || body["error"] != "invalid_client" {
		t.Errorf("wrong secret: %d %v", code, body)
	}
	form.Set("client_secret", "s3cret-value")
	form.Set("scope", emulator.NimbusAudience+"/User.Read")
	if code, body := entraCall(t, e, "/"+emulator.TenantID+"/oauth2/v2.0/token", form); code != 400 || body["error"] != "invalid_scope" {
		t.Errorf("non-.default scope: %d %v", code, body)
	}
	if e.ClientSecret() != "s3cret-value" {
		t.Error("ClientSecret accessor")
	}
}

// signAssertion builds a PS256 client assertion as MSAL does.
func signAssertion(t *testing.T, pemData []byte, aud string) string {
	t.Helper()
	var cert *x509.Certificate
	var key *rsa.PrivateKey
	for b, rest := pem.Decode(pemData); b != nil; b, rest = pem.Decode(rest) {
		switch b.Type {
		case "CERTIFICATE":
			cert, _ = x509.ParseCertificate(b.Bytes)
		case "PRIVATE KEY":
			k, err := x509.ParsePKCS8PrivateKey(b.Bytes)
			if err != nil {
				t.Fatal(err)
			}
			key = k.(*rsa.PrivateKey)
		}
	}
	thumb := sha256.Sum256(cert.Raw)
	now := time.Now().Unix()
	head := entra.B64JSON(map[string]any{"alg": "PS256", "typ": "JWT", "x5t#S256": base64.StdEncoding.EncodeToString(thumb[:])})
	body := entra.B64JSON(map[string]any{"aud": aud, "iss": emulator.ConfidentialClientID, "sub": emulator.ConfidentialClientID, "jti": entra.RandomToken(8), "exp": now + 600, "nbf": now})
	digest := sha256.Sum256([]byte(head + "." + body))
	sig, err := rsa.SignPSS(rand.Reader, key, crypto.SHA256, digest[:], &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash})
	if err != nil {
		t.Fatal(err)
	}
	return head + "." + body + "." + base64.RawURLEncoding.EncodeToString(sig)
}

func TestEntraClientAssertion(t *testing.T) {
	t.Parallel()
	e := emutest.Start(t, emulator.Options{})
	pemData, err := e.ClientCertificatePEM()
	if err != nil {
		t.Fatal(err)
	}
	tokenURL := e.EntraURL() + "/" + emulator.TenantID + "/oauth2/v2.0/token"
	assertion := signAssertion(t, pemData, tokenURL)
	form := url.Values{
		"grant_type": {"client_credentials"}, "client_id": {emulator.ConfidentialClientID}, "scope": {emulator.NimbusAudience + "/.default"},
		"client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"}, "client_assertion": {assertion},
	}
	if code, tok := entraCall(t, e, "/"+emulator.TenantID+"/oauth2/v2.0/token", form); code != 200 || tok["access_token"] == nil {
		t.Fatalf("%d %v", code, tok)
	}
	if code, body := entraCall(t, e, "/"+emulator.TenantID+"/oauth2/v2.0/token", form); code != 401 || !strings.Contains(body["error_description"].(string), "replay") {
		t.Errorf("replayed assertion: %d %v", code, body)
	}
	form.Set("client_assertion", signAssertion(t, pemData, e.EntraURL()+"/common/oauth2/v2.0/token"))
	if code, body := entraCall(t, e, "/"+emulator.TenantID+"/oauth2/v2.0/token", form); code != 401 || !strings.Contains(body["error_description"].(string), "audience") {
		t.Errorf("assertion for another endpoint: %d %v", code, body)
	}
	tampered := signAssertion(t, pemData, tokenURL)
	tampered = tampered[:len(tampered)-4] + "AAAA"
	form.Set("client_assertion", tampered)
	if code, body := entraCall(t, e, "/"+emulator.TenantID+"/oauth2/v2.0/token", form); code != 401 || !strings.Contains(body["error_description"].(string), "signature") {
		t.Errorf("tampered assertion: %d %v", code, body)
	}
}

func TestEntraIsExemptFromNimbusFaultsButTakesQueuedOnes(t *testing.T) {
	t.Parallel()
	e := emutest.Start(t, emulator.Options{FaultRate: 1, Deny: []string{"nimbus"}})
	path := "/" + emulator.TenantID + "/v2.0/.well-known/openid-configuration"
	for i := 0; i < 3; i++ {
		if code, _ := entraCall(t, e, path, nil); code != 200 {
			t.Fatalf("discovery under FaultRate 1: %d", code)
		}
	}
	e.InjectFaults(emulator.ServiceEntra, emulator.FaultUnavailable)
	if code, _ := entraCall(t, e, path, nil); code != 503 {
		t.Errorf("queued fault: %d", code)
	}
	if st := e.Stats(); st.Requests[emulator.ServiceEntra] != 4 || st.Operations["EntraDiscovery"] != 4 {
		t.Errorf("stats %+v", st)
	}
}

func TestScopeAudience(t *testing.T) {
	t.Parallel()
	for scope, want := range map[string]string{
		emulator.NimbusAudience + "/.default":                  emulator.NimbusAudience,
		emulator.NimbusAudience + "/User.Read":                 emulator.NimbusAudience,
		"api://" + emulator.NimbusAudience + "/access_as_user": "api://" + emulator.NimbusAudience,
		"User.Read":                        entra.GraphAppID,
		"https://api.contoso.com/.default": "https://api.contoso.com",
	} {
		if got := entra.ScopeAudience(scope); got != want {
			t.Errorf("%s: %s, want %s", scope, got, want)
		}
	}
}
