package odata_test

import (
	"context"
	"reflect"
	"runtime"
	"runtime/metrics"
	"sync"
	"testing"
	"time"

	"github.com/nimbusctl/nimbusctl/pkg/emulator"
	"github.com/nimbusctl/nimbusctl/pkg/httpx"
	"github.com/nimbusctl/nimbusctl/pkg/odata"
)

// feed starts an emulator and returns a client of its OData part, signed in as the
// default user, without a rate limit.
func feed(tb testing.TB, o emulator.ODataOptions) (*odata.Client, *emulator.Emulator) {
	tb.Helper()
	e, err := emulator.Start(emulator.Options{Seed: 1, OData: o})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(e.Close)
	tok := e.IssueToken(emulator.DefaultUser, emulator.ODataAudience, time.Hour)
	h, err := httpx.New(httpx.Config{
		Service: "odata", BaseURL: e.ODataURL(),
		Transport: e.HTTPClient().Transport,
		Auth:      func(context.Context) (string, error) { return "Bearer " + tok, nil },
	})
	if err != nil {
		tb.Fatal(err)
	}
	return odata.New(h), e
}

func TestSessionsFromTheEmulatorInBothEncodings(t *testing.T) {
	t.Parallel()
	for _, o := range []emulator.ODataOptions{
		{PageSize: 37, CodesEncoding: emulator.ODataCodesList},
		{PageSize: 37, CodesEncoding: emulator.ODataCodesDelimited, SessionSet: "Sessions"},
		{PageSize: 100, CodesEncoding: emulator.ODataCodesDelimited, Delimiter: "|"},
	} {
		c, e := feed(t, o)
		mp, err := c.Mapping(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		wantType := "Collection(Edm.String)"
		if o.CodesEncoding == emulator.ODataCodesDelimited {
			wantType = "Edm.String"
		}
		wantSet := o.SessionSet
		if wantSet == "" {
			wantSet = emulator.ODataDefaultSessionSet
		}
		if mp.Sessions.Set != wantSet || mp.Codes[0].Type != wantType || mp.Service.Dim.Set != "Services" || mp.User.Dim.Set != "Users" || mp.OU.Dim.Set != "OrganizationUnits" {
			t.Errorf("%+v: mapping %+v", o, mp)
		}
		from, _ := e.ODataWindow()
		q := odata.SessionQuery{From: from.AddDate(0, 0, 3), To: from.AddDate(0, 0, 40), ServiceIDs: []string{emulator.ServiceSalesID}}
		i := 0
		err = c.Sessions(context.Background(), q, func(s *odata.Session) error {
			for ; i < e.ODataSessionCount(); i++ {
				w := e.ODataSession(i)
				if !w.StartedAt.Before(q.From) && w.StartedAt.Before(q.To) && w.ServiceID == emulator.ServiceSalesID {
					break
				}
			}
			w := e.ODataSession(i)
			i++
			if s.ID != w.ID || !s.StartedAt.Equal(w.StartedAt) || s.UserID != w.UserID ||
				!reflect.DeepEqual(s.PrimaryCodes, w.PrimaryCodes) || !reflect.DeepEqual(s.SecondaryCodes, w.SecondaryCodes) || !reflect.DeepEqual(s.Tags, w.Tags) {
				t.Fatalf("%+v: got %+v\nwant %+v", o, s, w)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if pages := e.Stats().Operations["OData."+wantSet]; o.PageSize == 37 && pages < 2 {
			t.Errorf("one page only: %d", pages)
		}
		tally := odata.NewTally()
		if err := c.Sessions(context.Background(), odata.SessionQuery{Fields: odata.CodeFields}, func(s *odata.Session) error {
			tally.Add(s)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		got := map[string]int{}
		for _, cc := range tally.Codes() {
			got[cc.Code] = cc.Sessions
		}
		want := map[string]int{"Resolved": 135, "Upsell": 126, "Sale": 120, "Call back": 99, "Complaint": 63, "Newsletter": 63, "Escalated": 60}
		if !reflect.DeepEqual(got, want) || tally.Sessions != 360 || tally.Coded != 315 {
			t.Errorf("%+v: tally %v, %d sessions, %d coded", o, got, tally.Sessions, tally.Coded)
		}
		svcs, err := c.Services(context.Background())
		if err != nil || len(svcs) != 3 || svcs[1].Label() != emulator.ServiceSales {
			t.Errorf("services %v %v", svcs, err)
		}
	}
}

// BenchmarkStream500k streams 500,000 sessions from the emulator through the whole reader
// (pipeline, paging, decode, tally) and reports sessions/s and the peak of live heap while
// it runs (emulator included: it shares the process), with codes as lists and as
// ";"-joined strings (whose first 1,000 sessions are held back to detect the delimiter).
//
//	go test -run '^$' -bench Stream500k -benchtime 1x ./pkg/odata/
func BenchmarkStream500k(b *testing.B) {
	for _, enc := range []string{emulator.ODataCodesList, emulator.ODataCodesDelimited} {
		b.Run(enc, func(b *testing.B) {
			const n = 500000
			c, _ := feed(b, emulator.ODataOptions{Sessions: n, CodesEncoding: enc})
			ctx := context.Background()
			if _, err := c.Mapping(ctx); err != nil {
				b.Fatal(err)
			}
			runtime.GC()
			peak, stop := heapSampler()
			b.ResetTimer()
			start := time.Now()
			total := 0
			for range b.N {
				tally := odata.NewTally()
				if err := c.Sessions(ctx, odata.SessionQuery{Fields: odata.CodeFields}, func(s *odata.Session) error {
					tally.Add(s)
					return nil
				}); err != nil {
					b.Fatal(err)
				}
				if tally.Sessions != n {
					b.Fatalf("%d sessions", tally.Sessions)
				}
				total += tally.Sessions
			}
			elapsed := time.Since(start)
			stop()
			b.ReportMetric(float64(total)/elapsed.Seconds(), "sessions/s")
			b.ReportMetric(float64(peak())/(1<<20), "peak-heap-MB")
		})
	}
}

// heapSampler polls the live heap every 10ms (runtime/metrics: no stop-the-world).
func heapSampler() (peak func() uint64, stop func()) {
	var mu sync.Mutex
	var max uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		t := time.NewTicker(10 * time.Millisecond)
		defer t.Stop()
		for {
			metrics.Read(s)
			mu.Lock()
			max = maxU(max, s[0].Value.Uint64())
			mu.Unlock()
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return func() uint64 { mu.Lock(); defer mu.Unlock(); return max }, func() { close(done); wg.Wait() }
}

func maxU(a, b uint64) uint64 {
	if a > b {
		return a
	}
	return b
}
