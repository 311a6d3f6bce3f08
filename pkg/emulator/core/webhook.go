package core

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"net"
	"net/http"
	"net/url"
	"time"
)

// Webhook delivery is best effort and loopback-only: the emulator must never call out to the
// network, whatever URL a test or a sandbox user registers.

// Deliver POSTs payload to a loopback URL in the background; failures are only logged. Close
// waits (briefly) for deliveries in flight.
func (s *Server) Deliver(target string, payload any) {
	if !isLoopbackURL(target) {
		return
	}
	body, err := json.Marshal(payload)
	if err != nil {
		return
	}
	select {
	case <-s.closed:
		return
	default:
	}
	s.bg.Add(1)
	go func() {
		defer s.bg.Done()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
		if err != nil {
			return
		}
		req.Header.Set("Content-Type", "application/json")
		resp, err := s.hooks.Do(req)
		if err != nil {
			s.Logf("webhook %s: %v", target, err)
			return
		}
		resp.Body.Close()
		s.Logf("webhook %s -> %d", target, resp.StatusCode)
	}()
}

func isLoopbackURL(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil {
		return false
	}
	host := u.Hostname()
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// newWebhookClient trusts the system roots plus the emulator's CA.
func newWebhookClient(ca *x509.Certificate) *http.Client {
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	pool.AddCert(ca)
	return &http.Client{
		Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}},
		// Never follow a redirect off loopback.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}
