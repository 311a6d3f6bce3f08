package emulator

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"net"
	"net/http"
	"net/url"
	"slices"
	"time"
)

// Webhook delivery is best effort and loopback-only: the emulator must never call out to the
// network, whatever URL a test or a sandbox user registers.

// notifyEntry delivers a scheduler-entry event to matching triggers. The caller holds s.mu.
func (s *nimbusService) notifyEntry(event, service string, payload map[string]any) {
	for _, id := range s.st.trigOrder {
		t := s.st.triggers[id]
		if t.Kind == TriggerKindSchedulerEntries && matchUPN(t.Services, service) && slices.Contains(t.Events, event) {
			s.e.deliver(t.URL, payload)
		}
	}
}

// notifyTask delivers a task event to matching triggers. The caller holds s.mu.
func (s *nimbusService) notifyTask(task *nTask, event string) {
	var payload map[string]any
	for _, id := range s.st.trigOrder {
		t := s.st.triggers[id]
		if t.Kind != TriggerKindTasks || !matchUPN(t.Services, task.service) || !slices.Contains(t.Events, event) {
			continue
		}
		if len(t.Modalities) > 0 && !slices.Contains(t.Modalities, task.modality) ||
			len(t.Directions) > 0 && !slices.Contains(t.Directions, task.direction) {
			continue
		}
		if payload == nil {
			payload = s.st.renderTask(task, event)
		}
		s.e.deliver(t.URL, payload)
	}
}

func matchUPN(list []string, key string) bool {
	return slices.ContainsFunc(list, func(u string) bool { return upnKey(u) == key })
}

// deliver POSTs payload to a loopback URL in the background; failures are only logged.
func (e *Emulator) deliver(target string, payload any) {
	if !isLoopbackURL(target) {
		return
	}
	body, err := json.Marshal(payload)
	if err != nil {
		return
	}
	select {
	case <-e.closed:
		return
	default:
	}
	e.bg.Add(1)
	go func() {
		defer e.bg.Done()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
		if err != nil {
			return
		}
		req.Header.Set("Content-Type", "application/json")
		resp, err := e.hooks.Do(req)
		if err != nil {
			e.logf("webhook %s: %v", target, err)
			return
		}
		resp.Body.Close()
		e.logf("webhook %s -> %d", target, resp.StatusCode)
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
