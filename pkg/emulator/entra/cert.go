package entra

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/nimbusctl/nimbusctl/pkg/emulator/core"
)

// appCert is the certificate registered for the confidential app. It is generated on first use
// (an RSA key takes a while to make, and most emulators never need one).
type appCert struct {
	once sync.Once
	cert *x509.Certificate
	pem  []byte // certificate and PKCS#8 key
	err  error
}

func (a *appCert) get() (*x509.Certificate, []byte, error) {
	a.once.Do(func() {
		key, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			a.err = err
			return
		}
		now := time.Now()
		tmpl := &x509.Certificate{
			SerialNumber: core.Serial(),
			Subject:      pkix.Name{CommonName: "nimbusctl sandbox CI app", Organization: []string{"nimbusctl"}},
			NotBefore:    now.Add(-time.Hour),
			NotAfter:     now.Add(365 * 24 * time.Hour),
			KeyUsage:     x509.KeyUsageDigitalSignature,
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
		if err != nil {
			a.err = err
			return
		}
		a.cert, _ = x509.ParseCertificate(der)
		pk, err := x509.MarshalPKCS8PrivateKey(key)
		if err != nil {
			a.err = err
			return
		}
		a.pem = append(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
			pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pk})...)
	})
	return a.cert, a.pem, a.err
}

// ClientCertificatePEM is the confidential app's certificate and private key in PEM, the file
// NIMBUSCTL_CLIENT_CERTIFICATE names. The certificate is registered for ConfidentialClientID.
func (s *Service) ClientCertificatePEM() ([]byte, error) {
	_, p, err := s.app.get()
	return append([]byte(nil), p...), err
}

func cryptoRead(b []byte) {
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
}

// assertionSkew is the clock skew allowed on a client assertion's exp and nbf.
const assertionSkew = 5 * time.Minute

// verifyAssertion checks a client assertion (RFC 7523) as Entra does: signed by the app's
// registered certificate (named by its x5t#S256 or x5t thumbprint), issued by and about the
// client, for this token endpoint, current, and not replayed.
func (s *Service) verifyAssertion(assertion, clientID, tokenURL string) error {
	cert, _, err := s.app.get()
	if err != nil {
		return err
	}
	parts := strings.Split(assertion, ".")
	if len(parts) != 3 {
		return errors.New("the assertion is not a signed JWT")
	}
	var hdr map[string]any
	if err := decodeSegment(parts[0], &hdr); err != nil {
		return fmt.Errorf("bad header: %w", err)
	}
	var claims map[string]any
	if err := decodeSegment(parts[1], &claims); err != nil {
		return fmt.Errorf("bad claims: %w", err)
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		return errors.New("bad signature encoding")
	}

	alg, _ := hdr["alg"].(string)
	var thumb []byte
	var thumbKey string
	switch alg {
	case "PS256":
		h := sha256.Sum256(cert.Raw)
		thumb, thumbKey = h[:], "x5t#S256"
	case "RS256":
		h := sha1.Sum(cert.Raw)
		thumb, thumbKey = h[:], "x5t"
	default:
		return fmt.Errorf("unsupported alg %q", alg)
	}
	got, _ := hdr[thumbKey].(string)
	if got != base64.StdEncoding.EncodeToString(thumb) && got != base64.RawURLEncoding.EncodeToString(thumb) {
		return fmt.Errorf("key was not found: no registered certificate has the thumbprint %q", got)
	}
	pub, ok := cert.PublicKey.(*rsa.PublicKey)
	if !ok {
		return errors.New("the registered certificate has no RSA key")
	}
	digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if alg == "PS256" {
		err = rsa.VerifyPSS(pub, crypto.SHA256, digest[:], sig, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthAuto})
	} else {
		err = rsa.VerifyPKCS1v15(pub, crypto.SHA256, digest[:], sig)
	}
	if err != nil {
		return errors.New("the signature does not verify with the registered certificate")
	}

	str := func(k string) string { v, _ := claims[k].(string); return v }
	num := func(k string) (time.Time, bool) {
		v, ok := claims[k].(float64)
		return time.Unix(int64(v), 0), ok
	}
	if str("iss") != clientID || str("sub") != clientID {
		return fmt.Errorf("iss and sub must be the client id %s", clientID)
	}
	if !strings.EqualFold(str("aud"), tokenURL) {
		return fmt.Errorf("the audience %q is not this token endpoint (%s)", str("aud"), tokenURL)
	}
	now := time.Now() // the signer's clock is the wall clock
	exp, ok := num("exp")
	if !ok || !now.Add(-assertionSkew).Before(exp) {
		return errors.New("the assertion has expired")
	}
	if nbf, ok := num("nbf"); ok && nbf.After(now.Add(assertionSkew)) {
		return errors.New("the assertion is not valid yet")
	}
	jti := str("jti")
	if jti == "" {
		return errors.New("the assertion has no jti")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for id, until := range s.jtis {
		if now.After(until) {
			delete(s.jtis, id)
		}
	}
	if _, seen := s.jtis[jti]; seen {
		return errors.New("the assertion was already used (replay)")
	}
	s.jtis[jti] = exp.Add(assertionSkew)
	return nil
}

func decodeSegment(seg string, v any) error {
	b, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}
