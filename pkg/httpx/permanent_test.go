package httpx

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

// A failure no retry can fix is reported at once, as what it is, with the fix: not retried
// five times and then called "busy or unreachable".
func TestPermanentFailuresAreNotRetried(t *testing.T) {
	var calls atomic.Int32
	count := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		if r.URL.Path == "/nimbus/to-http" {
			http.Redirect(w, r, "http://api.example.test/nimbus/x", http.StatusFound)
		}
	})
	tlsSrv := httptest.NewUnstartedServer(count) // its CA is not in the client's pool
	tlsSrv.Config.ErrorLog = log.New(io.Discard, "", 0)
	tlsSrv.StartTLS()
	defer tlsSrv.Close()
	plain := httptest.NewServer(count)
	defer plain.Close()

	for _, tc := range []struct {
		name   string
		base   string
		tr     http.RoundTripper
		req    Request
		auth   string
		reason string
		fix    string
		sent   int32
	}{
		{
			name: "unknown certificate authority", base: tlsSrv.URL + "/nimbus",
			req:    Request{Op: "GetAddressBooks", Method: "GET", Path: "/v2/AddressBooks"},
			reason: "the Nimbus service's TLS certificate is signed by an unknown authority (issuer O=Acme Co)",
			fix:    "if a proxy inspects TLS or the service uses a private CA, put that CA's PEM certificate in a file and set ca_file (nimbusctl config set ca_file /path/ca.pem, or NIMBUSCTL_CA_FILE); otherwise something is intercepting the connection",
		},
		{
			name: "https to http redirect", base: tlsSrv.URL + "/nimbus", tr: trusting(tlsSrv),
			req:    Request{Op: "GetAddressBooks", Method: "GET", Path: "/to-http"},
			reason: "refused a redirect from " + tlsSrv.URL + "/nimbus/to-http to http://api.example.test/nimbus/x: refusing plain http:// to api.example.test: tokens and keys would travel unencrypted (use https://; http is allowed only to loopback)",
			fix:    "check the endpoint in the profile (nimbusctl config list): it should be the service's https:// URL",
			sent:   1,
		},
		{
			name: "header with CR/LF", base: plain.URL,
			req:    Request{Op: "GET /x", Method: "GET", Path: "/x", Header: http.Header{"X-Note": {"a\r\nX-Injected: 1"}}},
			reason: "cannot build the request: the X-Note header holds a line break or another control character",
			fix:    "remove the line break from that value; nothing was sent",
		},
		{
			name: "credential with CR/LF", base: plain.URL, auth: "Bearer abc\ndef",
			req:    Request{Op: "GetAddressBooks", Method: "GET", Path: "/x"},
			reason: "cannot build the request: the credential (Authorization header) holds a line break or another control character",
			fix:    "check the token or key you set (NIMBUSCTL_TOKEN, NPSTODAY_API_KEY, a key file): it must be one line; nothing was sent",
		},
		{
			name: "plain http to a TLS port", base: strings.Replace(tlsSrv.URL, "https", "http", 1),
			req:    Request{Op: "GetAddressBooks", Method: "GET", Path: "/x"},
			reason: "", // the server answers 400 to a plain request: an API error, not a transport one
		},
		{
			name: "TLS to a plain port", base: strings.Replace(plain.URL, "http", "https", 1),
			req:    Request{Op: "GetAddressBooks", Method: "GET", Path: "/x"},
			reason: "the Nimbus endpoint does not speak TLS (https) on that port",
			fix:    "check the endpoint URL in the profile (nimbusctl config list)",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			calls.Store(0)
			c, ns := newTestClient(t, tc.base, func(c *Config) {
				if tc.tr != nil {
					c.Transport = tc.tr
				}
				if tc.auth != "" {
					c.Auth = func(context.Context) (string, error) { return tc.auth, nil }
				}
			})
			req := tc.req
			_, err := c.Do(context.Background(), &req, nil)
			if tc.reason == "" {
				if Permanent("nimbus", "", err) != nil {
					t.Fatalf("classified as permanent: %v", err)
				}
				return
			}
			var perm *PermanentError
			if !errors.As(err, &perm) {
				t.Fatalf("err %T %v, want a PermanentError", err, err)
			}
			if perm.Reason != tc.reason || perm.Fix != tc.fix {
				t.Errorf("reason %q\n  want %q\nfix %q\n  want %q", perm.Reason, tc.reason, perm.Fix, tc.fix)
			}
			if len(ns.waits) != 0 || calls.Load() != tc.sent {
				t.Errorf("retried: %d waits, %d requests reached the server (want %d)", len(ns.waits), calls.Load(), tc.sent)
			}
			var netErr *NetError
			if errors.As(err, &netErr) {
				t.Errorf("reported as a NetError (exit 10): %v", err)
			}
		})
	}
}

func trusting(srv *httptest.Server) http.RoundTripper {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.TLSClientConfig = &tls.Config{RootCAs: srv.Client().Transport.(*http.Transport).TLSClientConfig.RootCAs}
	return t
}
