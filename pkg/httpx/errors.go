package httpx

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// APIError is a non-2xx answer, after any retries.
type APIError struct {
	Service   string // "nimbus", "npstoday", "odata", "entra"
	Op        string // the API operation, e.g. "AddContact"
	Method    string
	Path      string // path without query
	Status    int
	Message   string // the server's own message, when it gave one
	Challenge string // WWW-Authenticate of a 401: why the token was refused
	RequestID string
	Attempts  int
}

func (e *APIError) Error() string {
	var b strings.Builder
	if e.Op != "" {
		b.WriteString(e.Op)
	} else {
		b.WriteString(e.Method + " " + e.Path)
	}
	fmt.Fprintf(&b, ": %d %s", e.Status, http.StatusText(e.Status))
	if e.Message != "" && !strings.EqualFold(e.Message, http.StatusText(e.Status)) {
		b.WriteString(": " + e.Message)
	}
	if e.Attempts > 1 {
		fmt.Fprintf(&b, " (after %d attempts)", e.Attempts)
	}
	if e.RequestID != "" {
		b.WriteString(" [request id " + e.RequestID + "]")
	}
	return b.String()
}

// Temporary reports whether the failure is the service being unavailable (throttled or down)
// rather than the request being wrong.
func (e *APIError) Temporary() bool {
	return e.Status == http.StatusTooManyRequests || e.Status >= 500
}

// NetError is a transport failure (refused, reset, DNS, TLS, timeout) that outlived the retries.
type NetError struct {
	Service  string
	Op       string
	Attempts int
	Err      error
}

func (e *NetError) Error() string {
	msg := fmt.Sprintf("%s: cannot reach the %s service: %v", e.Op, serviceName(e.Service), e.Err)
	if e.Attempts > 1 {
		msg += fmt.Sprintf(" (after %d attempts)", e.Attempts)
	}
	return msg
}

func (e *NetError) Unwrap() error { return e.Err }

// TimeoutError is an attempt that got no complete answer within the per-attempt timeout,
// after the retries. It names the setting, so the message says which limit fired.
type TimeoutError struct {
	Service  string
	Op       string
	After    time.Duration
	Setting  string // e.g. "request_timeout"
	Attempts int
	Reading  bool // the answer started but did not complete
}

func (e *TimeoutError) Error() string {
	what := "did not answer"
	if e.Reading {
		what = "did not complete its answer"
	}
	msg := fmt.Sprintf("%s: the %s service %s within %s (%s)", e.Op, serviceName(e.Service), what, e.After, e.Setting)
	if e.Attempts > 1 {
		msg += fmt.Sprintf(", %d attempts", e.Attempts)
	}
	return msg
}

// Unwrap makes a TimeoutError a context.DeadlineExceeded for errors.Is.
func (e *TimeoutError) Unwrap() error { return context.DeadlineExceeded }

// InterruptedError is an operation stopped because its context ended: Ctrl-C, or the
// command's --timeout. Err is the context's error.
type InterruptedError struct {
	Op  string
	Err error
}

func (e *InterruptedError) Error() string { return e.Op + ": " + e.Err.Error() }
func (e *InterruptedError) Unwrap() error { return e.Err }

// Interrupted wraps a context's error with the operation it stopped (once).
func Interrupted(op string, err error) error {
	var ie *InterruptedError
	if errors.As(err, &ie) {
		return err
	}
	return &InterruptedError{Op: op, Err: err}
}

// AmbiguousError says a non-idempotent request may or may not have been applied: the
// connection failed after the request was sent, or the server answered 502/504. It is never
// retried blindly; the caller reconciles by reading state.
type AmbiguousError struct {
	Err error
}

func (e *AmbiguousError) Error() string {
	return e.Err.Error() + " (the request may have been applied; not retried)"
}

func (e *AmbiguousError) Unwrap() error { return e.Err }

// IsAmbiguous reports whether err is an AmbiguousError.
func IsAmbiguous(err error) bool {
	var a *AmbiguousError
	return errors.As(err, &a)
}

// StatusOf returns the HTTP status behind err, or 0.
func StatusOf(err error) int {
	var a *APIError
	if errors.As(err, &a) {
		return a.Status
	}
	return 0
}

func serviceName(s string) string {
	switch s {
	case "nimbus":
		return "Nimbus"
	case "npstoday":
		return "nps.today"
	case "odata":
		return "Nimbus reporting (OData)"
	case "entra":
		return "Entra ID"
	}
	if s == "" {
		return "remote"
	}
	return s
}

// serverMessage pulls the human message out of an error body: plain text, {"message"},
// {"error":{"message"}}, OAuth {"error_description"}, or ASP.NET problem details with "errors".
func serverMessage(body []byte) string {
	text := strings.TrimSpace(string(body))
	if text == "" {
		return ""
	}
	var doc map[string]any
	if json.Unmarshal(body, &doc) != nil {
		if strings.HasPrefix(text, "<") { // an HTML error page says nothing useful
			return ""
		}
		return clip(firstLine(text), 300)
	}
	var parts []string
	for _, k := range []string{"message", "Message", "error_description", "title", "detail"} {
		if s, ok := doc[k].(string); ok && s != "" {
			parts = append(parts, s)
			break
		}
	}
	if len(parts) == 0 {
		switch v := doc["error"].(type) {
		case string:
			parts = append(parts, v)
		case map[string]any:
			if s, ok := v["message"].(string); ok {
				parts = append(parts, s)
			}
		}
	}
	if errs, ok := doc["errors"].(map[string]any); ok {
		for field, v := range errs {
			if list, ok := v.([]any); ok {
				for _, m := range list {
					parts = append(parts, fmt.Sprintf("%s: %v", field, m))
				}
			}
		}
	}
	return clip(strings.Join(parts, "; "), 500)
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// parseRetryAfter reads Retry-After as seconds or an HTTP date.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	var secs float64
	if _, err := fmt.Sscanf(v, "%g", &secs); err == nil && !strings.ContainsAny(v, ", ") {
		if secs < 0 {
			return 0
		}
		return time.Duration(secs * float64(time.Second))
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now); d > 0 {
			return d
		}
	}
	return 0
}

// PermanentError is a failure no retry can fix: the server's certificate is not trusted, a
// redirect was refused, or the request could not be built (a header holding a line break).
// It is never retried, and it is not "unavailable": the CLI exits 1 with Reason and Fix.
type PermanentError struct {
	Service string
	Op      string
	Reason  string // what is wrong, in plain words
	Fix     string // what to do about it
	Err     error  // the underlying failure, if any
}

func (e *PermanentError) Error() string {
	msg := e.Reason
	if e.Op != "" {
		msg = e.Op + ": " + msg
	}
	if e.Fix != "" {
		msg += "; " + e.Fix
	}
	return msg
}

func (e *PermanentError) Unwrap() error { return e.Err }

// Permanent classifies a transport failure: a *PermanentError when a retry cannot fix it
// (certificate, refused redirect, malformed request), else nil. The sign-in (MSAL) calls
// use it too, so a TLS interception reads the same everywhere.
func Permanent(service, op string, err error) *PermanentError {
	var (
		perm     *PermanentError
		unknown  x509.UnknownAuthorityError
		hostname x509.HostnameError
		invalid  x509.CertificateInvalidError
		record   tls.RecordHeaderError
	)
	name := serviceName(service)
	switch {
	case errors.As(err, &perm):
		if perm.Op == "" {
			perm.Op = op
		}
		return perm
	case errors.As(err, &unknown):
		return &PermanentError{Service: service, Op: op, Err: err,
			Reason: fmt.Sprintf("the %s service's TLS certificate is signed by an unknown authority (%s)", name, issuer(unknown.Cert)),
			Fix:    "if a proxy inspects TLS or the service uses a private CA, put that CA's PEM certificate in a file and set ca_file (nimbusctl config set ca_file /path/ca.pem, or NIMBUSCTL_CA_FILE); otherwise something is intercepting the connection"}
	case errors.As(err, &hostname):
		return &PermanentError{Service: service, Op: op, Err: err,
			Reason: fmt.Sprintf("the %s service's TLS certificate is not valid for %s", name, hostname.Host),
			Fix:    "check the endpoint in the profile (nimbusctl config list); a proxy that answers for another name is intercepting the connection"}
	case errors.As(err, &invalid):
		return &PermanentError{Service: service, Op: op, Err: err,
			Reason: fmt.Sprintf("the %s service's TLS certificate is not valid: %v", name, invalid),
			Fix:    "check this machine's clock; if it is right, the certificate or a proxy in between is at fault"}
	case errors.As(err, &record), strings.Contains(err.Error(), "server gave HTTP response to HTTPS client"):
		return &PermanentError{Service: service, Op: op, Err: err,
			Reason: fmt.Sprintf("the %s endpoint does not speak TLS (https) on that port", name),
			Fix:    "check the endpoint URL in the profile (nimbusctl config list)"}
	}
	return nil
}

func issuer(c *x509.Certificate) string {
	if c == nil {
		return "issuer unknown"
	}
	if n := c.Issuer.CommonName; n != "" {
		return "issuer " + n
	}
	return "issuer " + c.Issuer.String()
}

// redirectError is a redirect the client refused to follow.
type redirectError struct {
	from, to string
	reason   string
}

func (e *redirectError) Error() string {
	return fmt.Sprintf("refused a redirect from %s to %s: %s", e.from, e.to, e.reason)
}

// checkHeaders refuses a header a server would split or misread: a name that is not a
// token, a value with a line break or another control character. Values are never
// quoted: the Authorization header is a secret, and -H may carry one too.
func checkHeaders(service, op string, h http.Header) *PermanentError {
	for k, vs := range h {
		if k == "" || strings.IndexFunc(k, func(r rune) bool { return r <= ' ' || r >= 0x7f || strings.ContainsRune("\"(),/:;<=>?@[\\]{}", r) }) >= 0 {
			return &PermanentError{Service: service, Op: op,
				Reason: fmt.Sprintf("cannot build the request: %q is not a valid header name", k),
				Fix:    "header names are letters, digits and -; nothing was sent"}
		}
		for _, v := range vs {
			if strings.IndexFunc(v, func(r rune) bool { return r < ' ' && r != '\t' || r == 0x7f }) < 0 {
				continue
			}
			what := "the " + k + " header"
			fix := "remove the line break from that value; nothing was sent"
			if strings.EqualFold(k, "Authorization") {
				what = "the credential (Authorization header)"
				fix = "check the token or key you set (NIMBUSCTL_TOKEN, NPSTODAY_API_KEY, a key file): it must be one line; nothing was sent"
			}
			return &PermanentError{Service: service, Op: op,
				Reason: "cannot build the request: " + what + " holds a line break or another control character",
				Fix:    fix}
		}
	}
	return nil
}
