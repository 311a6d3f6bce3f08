package auth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"

	msalerrors "github.com/AzureAD/microsoft-authentication-library-for-go/apps/errors"

	"github.com/nimbusctl/nimbusctl/pkg/httpx"
)

// LoginError says why no token can be had without the user, and what fixes it. It matches
// ErrLoginRequired with errors.Is (exit 4 in the CLI).
type LoginError struct {
	Reason string // what is wrong: "not logged in (profile default)"
	Fix    string // what to run or set; may be empty
	Cause  error  // the underlying failure; its text may quote the authority, never tokens
}

func (e *LoginError) Error() string {
	if e.Fix == "" {
		return e.Reason
	}
	return e.Reason + ": " + e.Fix
}

// Is makes errors.Is(err, ErrLoginRequired) true.
func (e *LoginError) Is(target error) bool { return target == ErrLoginRequired }

func (e *LoginError) Unwrap() error { return e.Cause }

func loginError(cause error, fix string, format string, a ...any) *LoginError {
	return &LoginError{Reason: fmt.Sprintf(format, a...), Fix: fix, Cause: cause}
}

// Fix is what every "not logged in" message ends with: the command or variables that help.
const Fix = "run `nimbusctl auth login`; without a terminal (CI, cron) set NIMBUSCTL_CLIENT_SECRET or NIMBUSCTL_CLIENT_CERTIFICATE (with a confidential client_id), or NIMBUSCTL_TOKEN"

// oauthError is the body of an Entra error answer.
type oauthError struct {
	Code        string `json:"error"`
	Description string `json:"error_description"`
}

// describe turns an MSAL failure into (what happened, kind): kind is "oauth" when the authority
// refused the request (a 4xx with an OAuth error), "unavailable" for 5xx/429 and transport
// failures, "" otherwise. The text never carries token values: MSAL's own messages may quote
// whole answers, so only the OAuth error code and the first line of its description are kept.
func describe(err error) (string, string, *oauthError, int) {
	var call msalerrors.CallErr
	if errors.As(err, &call) && call.Resp != nil {
		status := call.Resp.StatusCode
		var oe oauthError
		if call.Resp.Body != nil {
			body, _ := io.ReadAll(io.LimitReader(call.Resp.Body, 64<<10))
			_ = json.Unmarshal(body, &oe)
		}
		desc := firstLine(oe.Description)
		msg := fmt.Sprintf("%d", status)
		if oe.Code != "" {
			msg = oe.Code
			if desc != "" {
				msg += ": " + desc
			}
		}
		if status == 429 || status >= 500 {
			return msg, "unavailable", &oe, status
		}
		if oe.Code != "" {
			return msg, "oauth", &oe, status
		}
		return msg, "", &oe, status
	}
	var jsonErr msalerrors.InvalidJsonErr
	if errors.As(err, &jsonErr) {
		return "the sign-in service gave an answer that is not JSON", "", nil, 0
	}
	var netErr net.Error
	var urlErr *url.Error
	if errors.As(err, &urlErr) || errors.As(err, &netErr) {
		inner := err
		if urlErr != nil {
			inner = urlErr.Err
		}
		return inner.Error(), "unavailable", nil, 0
	}
	return err.Error(), "", nil, 0
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexAny(s, "\r\n"); i >= 0 {
		s = s[:i]
	}
	return strings.TrimSpace(s)
}

// unavailable wraps a transport or 5xx failure of the authority as an httpx error, so the CLI
// exits 10 (unavailable) rather than 4: the login is fine, the network is not. A failure no
// retry fixes (an untrusted certificate) is reported as what it is instead (exit 1).
func unavailable(op string, msg string, status int, cause error) error {
	if perm := httpx.Permanent("entra", op, cause); status == 0 && perm != nil {
		return perm
	}
	if status > 0 {
		return &httpx.APIError{Service: "entra", Op: op, Status: status, Message: msg}
	}
	return &httpx.NetError{Service: "entra", Op: op, Attempts: 1, Err: errors.New(msg)}
}

// ctxErr returns ctx's own error when the failure was a cancellation or timeout of ours, so the
// CLI reports Ctrl-C (exit 2) or --timeout, not an authority problem.
func ctxErr(ctx context.Context, err error) error {
	if ctx.Err() != nil && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)) {
		return ctx.Err()
	}
	return nil
}
