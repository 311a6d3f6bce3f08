package shared

import (
	"testing"

	"github.com/nimbusctl/nimbusctl/pkg/bulk"
	"github.com/nimbusctl/nimbusctl/pkg/output"
)

// The summary line agrees in number and rounds its time as a person reads it.
func TestSummaryLine(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		s    bulk.Summary
		sv   *bulk.RespondentSummary
		want string
	}{
		{bulk.Summary{Rows: 1, Created: 1, Requests: 1, Seconds: 0.340, RatePerSec: 2.9}, nil,
			"1 row: 1 created (1 request in 340ms, 2.9/s, 0 throttled)"},
		{bulk.Summary{Rows: 10000, Added: 9500, Unchanged: 500, Requests: 10022, Seconds: 207.123, RatePerSec: 48.4, Throttled: 12}, nil,
			"10000 rows: 9500 added, 500 unchanged (10022 requests in 3m27.1s, 48.4/s, 12 throttled)"},
		{bulk.Summary{Rows: 3, Added: 1, Updated: 1, Removed: 2, Invalid: 1, Requests: 4, Seconds: 1.235, RatePerSec: 3.2}, nil,
			"3 rows: 1 added, 1 updated, 1 invalid; --prune: 2 removed (4 requests in 1.2s, 3.2/s, 0 throttled)"},
		// A removal is no row of the file: its failure is not a row's, and the rows add up.
		{bulk.Summary{Rows: 2, Added: 1, Failed: 2, RemovalsFailed: 1, NotAttempted: 2, RemovalsNotAttempted: 2, Removed: 1, Requests: 5, Seconds: 2, RatePerSec: 2.5}, nil,
			"2 rows: 1 added, 1 failed; --prune: 1 removed, 1 failed, 2 not processed (5 requests in 2s, 2.5/s, 0 throttled)"},
		{bulk.Summary{Rows: 0, Requests: 0}, nil, "0 rows: nothing to do (0 requests in 0s, 0.0/s, 0 throttled)"},
		{bulk.Summary{Rows: 4, Skipped: 2, Requests: 3, Seconds: 0.6, RatePerSec: 5}, &bulk.RespondentSummary{Sent: 1, Pending: 1, Unsettled: 1},
			"4 rows: 1 sent, 1 pending (p-gap), 1 skipped (already done), 1 not sent (may have gone out already) (3 requests in 600ms, 5.0/s, 0 throttled)"},
	} {
		if got := summaryLine(c.s, c.sv); got != c.want {
			t.Errorf("got  %s\nwant %s", got, c.want)
		}
	}
}

// A dry run did nothing: its summary says what each row would do, by the action the rows'
// results carry, and never that something was added, removed, created or sent.
func TestDryRunSummarySaysWhatWouldBeDone(t *testing.T) {
	t.Parallel()
	s := bulk.Summary{File: "c.csv", Rows: 3, Invalid: 1, Added: 1, Updated: 1, Removed: 2, DryRun: true, Requests: 1, Seconds: 0.001, RatePerSec: 1000}
	ios, _, out, _ := output.Test()
	if err := printSummary(&output.Printer{IO: ios, Format: output.FormatJSON}, s, nil, false); err != nil {
		t.Fatal(err)
	}
	want := `{
  "file": "c.csv",
  "rows": 3,
  "invalid": 1,
  "plan": {
    "add": 1,
    "remove": 2,
    "update": 1
  },
  "failed": 0,
  "notAttempted": 0,
  "dryRun": true,
  "cancelled": false,
  "requests": 1,
  "throttled": 0,
  "seconds": 0.001,
  "requestsPerSecond": 1000
}
`
	if out.String() != want {
		t.Errorf("json:\n%s\nwant\n%s", out, want)
	}
	out.Reset()
	if err := printSummary(&output.Printer{IO: ios, Format: output.FormatCSV}, s, nil, false); err != nil {
		t.Fatal(err)
	}
	if want := "rows,invalid,plan.add,plan.update,plan.remove,failed\n3,1,1,1,2,0\n"; out.String() != want {
		t.Errorf("csv:\n%s\nwant\n%s", out, want)
	}
	out.Reset()
	sv := bulk.RespondentSummary{Summary: bulk.Summary{File: "r.csv", Rows: 2, Skipped: 1, DryRun: true}, Sent: 1}
	if err := printSummary(&output.Printer{IO: ios, Format: output.FormatCSV}, sv.Summary, &sv, false); err != nil {
		t.Fatal(err)
	}
	if want := "rows,invalid,plan.send,plan.skip,failed\n2,0,1,1,0\n"; out.String() != want {
		t.Errorf("respondents csv:\n%s\nwant\n%s", out, want)
	}
	// The table counts the rows that would fail too (a create whose earlier answer was lost).
	got := planRows(bulk.Summary{Rows: 3, Created: 2, Failed: 1, DryRun: true}, nil, false)
	if want := []planCount{{"create", 2}, {"failed", 1}, {"invalid", 0}}; len(got) != len(want) || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
		t.Errorf("plan rows %v, want %v", got, want)
	}
}
