package nimbus_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/nimbusctl/nimbusctl/pkg/emulator"
	"github.com/nimbusctl/nimbusctl/pkg/httpx"
	"github.com/nimbusctl/nimbusctl/pkg/nimbus"
)

// TestStormNeverDuplicatesAPost sends scheduled calls through a 429 storm (the client runs
// faster than the server allows) and a 5xx burst (a quarter of all requests fail, some of them
// after the server applied the change). Every call must land at most once; the calls whose
// outcome was ambiguous are reconciled by reading state, as pkg/bulk does, after which every
// call exists exactly once.
func TestStormNeverDuplicatesAPost(t *testing.T) {
	c, emu := newClient(t, emulator.Options{
		Seed: 7, Empty: true, FaultRate: 0.25,
		RateLimit: emulator.Rate{Count: 30, Per: time.Second},
	}, func(cfg *httpx.Config) {
		cfg.Limiter = httpx.NewLimiter(httpx.Rate{Count: 200, Per: time.Second}) // far above the server's limit
		cfg.Retry.MaxAttempts = 8
	})
	ctx := context.Background()
	const calls = 60
	due := nimbus.FormatDue(time.Now().Add(24 * time.Hour))
	write := func(i int) nimbus.SchedulerEntryWrite {
		return nimbus.SchedulerEntryWrite{ReferenceID: fmt.Sprintf("ref-%03d", i), ServiceUPN: emulator.ServiceSupport,
			Destination: "+41445550000", DueDateTimeUTC: due}
	}
	outcome := make([]error, calls)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	for i := 0; i < calls; i++ {
		wg.Add(1)
		sem <- struct{}{}
		go func(i int) {
			defer wg.Done()
			defer func() { <-sem }()
			_, outcome[i] = c.CreateSchedulerEntry(ctx, write(i))
		}(i)
	}
	wg.Wait()

	count := func() map[string]int {
		m := map[string]int{}
		for _, e := range emu.SchedulerEntries(emulator.ServiceSupport) {
			m[e["ReferenceId"].(string)]++
		}
		return m
	}
	onServer := count()
	var ok, ambiguous, failed int
	for i, err := range outcome {
		ref := write(i).ReferenceID
		switch {
		case err == nil:
			ok++
			if onServer[ref] != 1 {
				t.Errorf("%s succeeded but exists %d times", ref, onServer[ref])
			}
		case httpx.IsAmbiguous(err):
			ambiguous++
			if onServer[ref] > 1 {
				t.Errorf("%s (ambiguous) exists %d times", ref, onServer[ref])
			}
		default:
			failed++
			if onServer[ref] != 0 {
				t.Errorf("%s failed cleanly (%v) but exists %d times", ref, err, onServer[ref])
			}
		}
	}
	st := emu.Stats()
	t.Logf("ok=%d ambiguous=%d failed=%d; server: 429s=%d faults=%v", ok, ambiguous, failed, st.TotalRateLimited(), st.Faults)
	if st.TotalRateLimited() == 0 || len(st.Faults) == 0 {
		t.Fatalf("the storm did not happen: 429s=%d faults=%v", st.TotalRateLimited(), st.Faults)
	}
	if ok == 0 {
		t.Fatal("nothing got through the storm")
	}

	// Reconcile once the storm has passed: read state once, create only what is missing.
	emu.SetFaultRate(0)
	entries, err := c.GetSchedulerEntries(ctx, emulator.ServiceSupport)
	if err != nil {
		t.Fatal(err)
	}
	have := map[string]bool{}
	for _, e := range entries {
		have[e.ReferenceID] = true
	}
	for i := 0; i < calls; i++ {
		if !have[write(i).ReferenceID] {
			if _, err := c.CreateSchedulerEntry(ctx, write(i)); err != nil {
				t.Fatalf("reconcile %d: %v", i, err)
			}
		}
	}
	final := count()
	if len(final) != calls {
		t.Errorf("%d distinct calls on the server, want %d", len(final), calls)
	}
	for ref, k := range final {
		if k != 1 {
			t.Errorf("%s exists %d times", ref, k)
		}
	}
}
