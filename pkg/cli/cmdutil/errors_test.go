package cmdutil

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/nimbusctl/nimbusctl/pkg/filelock"
	"github.com/nimbusctl/nimbusctl/pkg/httpx"
	"github.com/nimbusctl/nimbusctl/pkg/nimbus"
)

func TestExitCodeOf(t *testing.T) {
	api := func(status int) error { return &httpx.APIError{Op: "X", Status: status} }
	cases := []struct {
		err  error
		want int
	}{
		{nil, ExitOK},
		{fmt.Errorf("boom"), ExitFailure},
		{ErrCancelled, ExitCancelled},
		{context.Canceled, ExitCancelled},
		{FlagErrorf("bad"), ExitInvalid},
		{InvalidInputf("row"), ExitInvalid},
		{fmt.Errorf("wrapped: %w", nimbus.ValidationError{{Field: "x", Msg: "y"}}), ExitInvalid},
		{&AuthError{Msg: "no"}, ExitAuth},
		{api(401), ExitAuth},
		{api(403), ExitForbidden},
		{api(404), ExitNotFound},
		{api(400), ExitRejected},
		{api(409), ExitRejected},
		{&PendingError{Msg: "p-gap"}, ExitPending},
		{&PartialError{Msg: "3 failed"}, ExitPartial},
		{api(429), ExitUnavailable},
		{api(500), ExitUnavailable},
		{&httpx.AmbiguousError{Err: api(504)}, ExitUnavailable},
		{&httpx.NetError{Op: "X", Err: fmt.Errorf("refused")}, ExitUnavailable},
		{context.DeadlineExceeded, ExitUnavailable},
		{&ExitError{Code: 42, Err: api(404)}, 42},
		// Another run held the token cache (or a ledger) past the wait: the next run goes on.
		{fmt.Errorf("x: %w", &filelock.BusyError{What: "the token cache", Path: "/c/msal-default.json.lock", Waited: time.Minute}), ExitUnavailable},
	}
	for _, c := range cases {
		if got := ExitCodeOf(c.err); got != c.want {
			t.Errorf("ExitCodeOf(%v) = %d, want %d", c.err, got, c.want)
		}
	}
}

func TestParseSecondsNamesTheFlagAndRange(t *testing.T) {
	for in, want := range map[string]int{"90": 90, "90s": 90, "2m": 120, "1h30m": 5400} {
		if got, err := ParseSeconds("attempt-timeout", in, 30, 86400); err != nil || got != want {
			t.Errorf("ParseSeconds(%q) = %d, %v", in, got, err)
		}
	}
	_, err := ParseSeconds("attempt-timeout", "25h", 30, 86400)
	if err == nil || err.Error() != "--attempt-timeout must be between 30s and 24h, got 25h" {
		t.Errorf("err = %v", err)
	}
	if _, err := ParseSeconds("rona-timeout", "1.5s", 5, 30); err == nil {
		t.Error("fractional seconds accepted")
	}
}
