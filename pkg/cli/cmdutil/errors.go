// Package cmdutil is what every command package shares: the Factory of lazily built
// dependencies, the typed errors that decide the exit code, and flag helpers.
package cmdutil

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/nimbusctl/nimbusctl/pkg/auth"
	"github.com/nimbusctl/nimbusctl/pkg/config"
	"github.com/nimbusctl/nimbusctl/pkg/filelock"
	"github.com/nimbusctl/nimbusctl/pkg/httpx"
	"github.com/nimbusctl/nimbusctl/pkg/nimbus"
	"github.com/nimbusctl/nimbusctl/pkg/odata"
	"github.com/nimbusctl/nimbusctl/pkg/output"
	"github.com/nimbusctl/nimbusctl/pkg/secretfile"
)

// Exit codes, as docs/exit-codes.md and `nimbusctl help exit-codes` list them.
const (
	ExitOK          = 0
	ExitFailure     = 1
	ExitCancelled   = 2
	ExitInvalid     = 3
	ExitAuth        = 4
	ExitForbidden   = 5
	ExitNotFound    = 6
	ExitRejected    = 7
	ExitPending     = 8
	ExitPartial     = 9
	ExitUnavailable = 10
)

// ExitCodes describes each code, for help and docs (kept here so they cannot drift).
var ExitCodes = []struct {
	Code    int
	Name    string
	Meaning string
}{
	{ExitOK, "ok", "the command did what it was asked"},
	{ExitFailure, "error", "any other failure (bad config, untrusted TLS certificate, refused redirect, unexpected answer, local I/O)"},
	{ExitCancelled, "cancelled", "Ctrl-C, or a confirmation prompt was declined"},
	{ExitInvalid, "invalid input", "a flag, argument, setting or CSV row is invalid; nothing was sent"},
	{ExitAuth, "not logged in", "no usable credential, or the API answered 401"},
	{ExitForbidden, "forbidden", "the API answered 403: your Nimbus role or the service/address book does not allow it"},
	{ExitNotFound, "not found", "the API answered 404: unknown id"},
	{ExitRejected, "rejected", "the API answered 400 (or another 4xx): it refused the request as sent"},
	{ExitPending, "pending", "nps.today holds a survey until the agent's p-gap rating is given; rerun with --agent-rating (or a rating column)"},
	{ExitPartial, "partial", "a bulk run where some rows or items failed or were skipped as invalid, and the rest were applied; or a survey is unresolved: its send got no answer, so it may have gone out, and nobody has settled it (see the messages, or --report)"},
	{ExitUnavailable, "unavailable", "gave up after retries: 429 throttling, 5xx, timeout or network failure; or another nimbusctl run held a lock (the token cache, a ledger) for the whole wait"},
}

// Unresolved lists the commands that send surveys, and what each does with a send that got
// no answer: nps.today offers no read-back, so the survey may have gone out and only a
// person can tell. Each reports it and exits 9 on every run until that person has settled it
// (`help exit-codes` and docs/exit-codes.md list them; a test keeps the two equal).
var Unresolved = []struct {
	Command string // the sender
	Reports string // what its later runs say instead of sending
	Arrived string // the command that settles it: the survey arrived
	DidNot  string // what sends it again: it did not
}{
	{"nps survey after-call", "the task, as skipped:unknown", "nimbusctl nps survey ledger settle TASK", "rerun with --resend-unknown"},
	{"nps survey send --once KEY", "skipped:unknown", "nimbusctl nps survey ledger settle --once KEY", "nimbusctl nps survey ledger forget --once KEY, then send again"},
	{"nps respondent import", "the row, as not sent", "nimbusctl nps survey ledger settle --rows CAMPAIGN/RESPONDENT", "rerun with --resend-unknown"},
}

// FlagError is a usage mistake: exit 3, with a pointer to --help.
type FlagError struct{ err error }

func (e *FlagError) Error() string { return e.err.Error() }
func (e *FlagError) Unwrap() error { return e.err }

// FlagErrorf builds a FlagError.
func FlagErrorf(format string, a ...any) error {
	return &FlagError{fmt.Errorf(format, a...)}
}

// FlagErrorWrap marks err as a usage mistake.
func FlagErrorWrap(err error) error {
	if err == nil {
		return nil
	}
	return &FlagError{err}
}

// InvalidInputError is bad input that is not a flag (a CSV row, a JSON file): exit 3.
type InvalidInputError struct{ Msg string }

func (e *InvalidInputError) Error() string { return e.Msg }

// InvalidInputf builds an InvalidInputError.
func InvalidInputf(format string, a ...any) error {
	return &InvalidInputError{fmt.Sprintf(format, a...)}
}

// ErrCancelled is Ctrl-C or a declined prompt: exit 2.
var ErrCancelled = errors.New("cancelled")

// ErrSilent exits 1 without printing: the command already said why.
var ErrSilent = errors.New("silent error")

// AuthError means there is no usable credential: exit 4.
type AuthError struct{ Msg string }

func (e *AuthError) Error() string { return e.Msg }

// PendingError is nps.today's p-gap hold: exit 8.
type PendingError struct{ Msg string }

func (e *PendingError) Error() string { return e.Msg }

// PartialError is a bulk run with some failed rows or items: exit 9.
type PartialError struct{ Msg string }

func (e *PartialError) Error() string { return e.Msg }

// ExitError carries an explicit exit code.
type ExitError struct {
	Code int
	Err  error
}

func (e *ExitError) Error() string { return e.Err.Error() }
func (e *ExitError) Unwrap() error { return e.Err }

// ExitCodeOf maps an error to the documented exit code.
func ExitCodeOf(err error) int {
	if err == nil {
		return ExitOK
	}
	var (
		flagErr    *FlagError
		inputErr   *InvalidInputError
		authErr    *AuthError
		pendingErr *PendingError
		partialErr *PartialError
		exitErr    *ExitError
		apiErr     *httpx.APIError
		netErr     *httpx.NetError
		pathErr    *httpx.PathError
		jqErr      *output.JQLimitError
		insecure   *secretfile.InsecureError
		damaged    *auth.DamagedError
		profileErr *config.ProfileNameError
		settingErr *config.SettingError
		validErr   nimbus.ValidationError
		mapErr     *odata.MappingError
		busy       *filelock.BusyError
	)
	switch {
	case errors.As(err, &exitErr):
		return exitErr.Code
	case errors.Is(err, ErrCancelled), errors.Is(err, context.Canceled):
		return ExitCancelled
	case errors.As(err, &flagErr), errors.As(err, &inputErr), errors.As(err, &validErr), errors.As(err, &pathErr), errors.As(err, &jqErr),
		errors.As(err, &profileErr), errors.As(err, &mapErr), errors.As(err, &settingErr):
		return ExitInvalid
	case errors.As(err, &authErr), errors.As(err, &insecure), errors.As(err, &damaged):
		return ExitAuth
	case errors.As(err, &pendingErr):
		return ExitPending
	case errors.As(err, &partialErr):
		return ExitPartial
	case errors.As(err, &apiErr):
		return statusExit(apiErr.Status)
	case errors.As(err, &netErr), errors.Is(err, context.DeadlineExceeded), errors.As(err, &busy):
		return ExitUnavailable
	}
	return ExitFailure
}

func statusExit(status int) int {
	switch {
	case status == http.StatusUnauthorized:
		return ExitAuth
	case status == http.StatusForbidden:
		return ExitForbidden
	case status == http.StatusNotFound:
		return ExitNotFound
	case status == http.StatusTooManyRequests || status >= 500:
		return ExitUnavailable
	case status >= 400:
		return ExitRejected
	}
	return ExitFailure
}

// SilentCancel exits 2 without printing: the command already said what was cancelled.
var SilentCancel error = &ExitError{Code: ExitCancelled, Err: ErrSilent}
