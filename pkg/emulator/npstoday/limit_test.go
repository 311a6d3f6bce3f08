package npstoday

import (
	"testing"
	"time"

	"github.com/nimbusctl/nimbusctl/pkg/emulator/core"
)

func TestNpsDefaultRateIsTenPerSecond(t *testing.T) {
	t.Parallel()
	// The behaviour is TestNpsPerKeyRateLimit's (on a per-minute rate, so no timing is
	// involved); here only the default: nps.today's documented 10 calls/s per key.
	srv, err := core.Listen(core.Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	if s, err := New(srv, Options{}); err != nil || s.limit != (core.Rate{Count: 10, Per: time.Second}) {
		t.Errorf("default limit %+v (%v)", s.limit, err)
	}
	if s, err := New(srv, Options{RateLimit: core.Rate{Count: 3, Per: time.Minute}}); err != nil || s.limit != (core.Rate{Count: 3, Per: time.Minute}) {
		t.Errorf("configured limit %+v (%v)", s.limit, err)
	}
	if _, err := New(srv, Options{RateLimit: core.Rate{Count: -1}}); err == nil {
		t.Error("a negative limit was accepted")
	}
}
