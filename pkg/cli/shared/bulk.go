package shared

import (
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/nimbusctl/nimbusctl/pkg/bulk"
	"github.com/nimbusctl/nimbusctl/pkg/cli/cmdutil"
	"github.com/nimbusctl/nimbusctl/pkg/httpx"
	"github.com/nimbusctl/nimbusctl/pkg/output"
)

// BulkFlags are the flags every import shares, with one meaning everywhere.
type BulkFlags struct {
	DryRun       bool
	ValidateOnly bool
	SkipInvalid  bool
	Report       string
	Rate         string
	Concurrency  int
	Maps         []string
	Encoding     string
	Delimiter    string

	service string
	maps    map[string]string
}

// AddBulkFlags registers the import flags; service names the API whose rate --rate sets.
func AddBulkFlags(cmd *cobra.Command, service string) *BulkFlags {
	b := &BulkFlags{service: service}
	fl := cmd.Flags()
	fl.BoolVar(&b.DryRun, "dry-run", false, "read the current state and show the plan; send nothing")
	fl.BoolVar(&b.ValidateOnly, "validate-only", false, "only check the file (no API call at all)")
	fl.BoolVar(&b.SkipInvalid, "skip-invalid", false, "apply the valid rows even when some are invalid (they are reported)")
	fl.StringVar(&b.Report, "report", "", "write one row per input line (line,key,action,status,error) to this CSV `file`")
	fl.StringVar(&b.Rate, "rate", "auto", "call rate: auto (find the service's limit, from the profile's rate) or N/PERIOD, e.g. 50/s, 100/60s")
	fl.IntVar(&b.Concurrency, "concurrency", 8, "requests in flight at once (1-64); the rate limit applies to all of them together")
	fl.StringArrayVar(&b.Maps, "map", nil, "map a column to a field: `\"CSV column=field\"` (field \"-\" skips the column; repeatable)")
	fl.StringVar(&b.Encoding, "encoding", "auto", "file encoding: auto, utf-8 or windows-1252")
	fl.StringVar(&b.Delimiter, "delimiter", "", "cell separator: , ; or tab (default: sniffed from the header line)")
	return b
}

// Check validates the flags before anything is read, and sets the run's rate.
func (b *BulkFlags) Check(f *cmdutil.Factory) error {
	if err := cmdutil.IntInRange("concurrency", b.Concurrency, 1, 64); err != nil {
		return err
	}
	if _, err := httpx.ParseRate(b.Rate, httpx.Rate{Count: 1, Per: 1}); err != nil {
		return cmdutil.FlagErrorf("--rate: %v", err)
	}
	if err := cmdutil.MutuallyExclusive("--dry-run and --validate-only: pick one", b.DryRun, b.ValidateOnly); err != nil {
		return err
	}
	maps, err := bulk.ParseMaps(b.Maps)
	if err != nil {
		return cmdutil.FlagErrorWrap(err)
	}
	b.maps = maps
	switch strings.ToLower(b.Encoding) {
	case "auto", "utf-8", "utf8", "windows-1252", "cp1252", "latin1":
	default:
		return cmdutil.FlagErrorf("--encoding must be auto, utf-8 or windows-1252, got %q", b.Encoding)
	}
	switch b.Delimiter {
	case "", ",", ";", "tab", "\t":
	default:
		return cmdutil.FlagErrorf("--delimiter must be , ; or tab, got %q", b.Delimiter)
	}
	if f.RateOverride == nil {
		f.RateOverride = map[string]string{}
	}
	f.RateOverride[b.service] = b.Rate
	return nil
}

// MapsParsed is --map, parsed by Check.
func (b *BulkFlags) MapsParsed() map[string]string { return b.maps }

// ReadOptions is how the file is read.
func (b *BulkFlags) ReadOptions() bulk.ReadOptions {
	o := bulk.ReadOptions{Encoding: b.Encoding}
	switch b.Delimiter {
	case ",":
		o.Comma = ','
	case ";":
		o.Comma = ';'
	case "tab", "\t":
		o.Comma = '\t'
	}
	return o
}

// Run is one import's plumbing: the report file, the recorder with progress, and the end.
type Run struct {
	f        *cmdutil.Factory
	flags    *BulkFlags
	report   *os.File
	progress *bulk.Progress
	Recorder *bulk.Recorder
	gc       int // the GC percent before the run, restored at its end (0: unchanged)
}

// StartRun opens the report and builds the recorder. limiter feeds the request figures.
func (b *BulkFlags) StartRun(f *cmdutil.Factory, file string, limiter *httpx.Limiter) (*Run, error) {
	r := &Run{f: f, flags: b}
	var report io.Writer
	if b.Report != "" {
		rf, err := os.Create(b.Report)
		if err != nil {
			return nil, cmdutil.FlagErrorf("--report: %v", err)
		}
		r.report, report = rf, rf
	}
	if !b.ValidateOnly {
		r.progress = bulk.NewProgress(f.IO, 0, "rows")
	}
	keep := b.DryRun && f.Machine()
	r.Recorder = bulk.NewRecorder(file, report, keep, r.progress, limiter)
	// A run keeps one large set of the file's keys (8 to 11 bytes a row) alive from start to
	// end; the usual GC headroom (as much again as the live heap) would double it for nothing.
	// Half of it keeps a million rows within 64 MiB, for a few percent more GC work.
	if os.Getenv("GOGC") == "" {
		r.gc = debug.SetGCPercent(50)
	}
	return r, nil
}

// Problem prints one invalid row to stderr as soon as it is found.
func (r *Run) Problem(err error) { fmt.Fprintln(r.f.IO.ErrOut, output.SafeText(err.Error())) }

// Warn prints a note to stderr.
func (r *Run) Warn(msg string) {
	if r.progress != nil { // between the progress bar's redraws, not through them
		r.progress.Note(r.f.IO.Styles().WarningIcon() + " " + output.SafeText(msg))
		return
	}
	r.f.IO.Warnf("%s", msg)
}

// Total tells the progress how many rows there are.
func (r *Run) Total(n int) {
	if r.progress != nil {
		r.progress.SetTotal(n)
	}
}

// Finish prints the summary and turns the outcome into the documented exit code: 3 for
// invalid rows (nothing sent), 2 when cancelled, 9 when some rows failed.
func (r *Run) Finish(s bulk.Summary, err error) error { return r.finish(s, nil, err) }

// FinishSurveys is Finish for the nps.today respondent import: the summary also counts the
// surveys sent and those nps.today holds for the agent's p-gap rating, and when some are held
// and none failed the exit code is 8 (pending).
func (r *Run) FinishSurveys(s bulk.RespondentSummary, err error) error {
	return r.finish(s.Summary, &s, err)
}

func (r *Run) finish(s bulk.Summary, sv *bulk.RespondentSummary, err error) error {
	if r.gc != 0 {
		debug.SetGCPercent(r.gc)
	}
	if r.report != nil {
		if cerr := r.report.Close(); cerr != nil && err == nil {
			err = cerr
		}
	}
	var inv *bulk.ErrInvalidRows
	var fileErr *bulk.FileError
	var refused *bulk.ErrRefused
	switch {
	case errors.As(err, &fileErr):
		return &cmdutil.InvalidInputError{Msg: err.Error()}
	case errors.As(err, &refused):
		if refused.ShowPlan { // the plan it would not carry out
			if perr := r.print(s, sv, true); perr != nil {
				return perr
			}
		}
		return &cmdutil.InvalidInputError{Msg: refused.Msg}
	case err != nil && !errors.As(err, &inv):
		return err
	}
	if inv == nil || r.flags.ValidateOnly { // an aborted run did nothing: no summary
		if perr := r.print(s, sv, false); perr != nil {
			return perr
		}
	}
	hint := "see the messages above"
	if r.flags.Report != "" {
		hint = "see " + r.flags.Report
	}
	switch {
	case inv != nil:
		return &cmdutil.InvalidInputError{Msg: inv.Error()}
	case s.Cancelled:
		// The summary lists what was not processed (rows, and removals of a prune).
		r.f.IO.Infof("cancelled before the end: run the same command again to finish (only what is left is applied)")
		return cmdutil.SilentCancel
	case s.Failed > 0 && s.DryRun:
		// Rows the plan already knows it would not send (a create whose earlier answer was
		// lost): nothing was tried, so nothing is to be retried.
		return &cmdutil.PartialError{Msg: fmt.Sprintf("%s would fail (%s)", output.Plural(s.Failed, "row", "rows"), hint)}
	case s.Failed > 0 && sv != nil && sv.Lost > 0:
		// A survey whose answer was lost may have gone out: no rerun sends it.
		lost := "their answer was lost, so they may have gone out, and no rerun sends them: check app.nps.today, then settle them (they arrived), or rerun with --resend-unknown (they did not)"
		if s.Failed == 1 {
			lost = "its answer was lost, so it may have gone out, and no rerun sends it: check app.nps.today, then settle it (it arrived), or rerun with --resend-unknown (it did not)"
		}
		if sv.Lost < s.Failed {
			lost = fmt.Sprintf("a rerun retries %d of them; the answer of the other %d was lost, so they may have gone out, and no rerun sends them: check app.nps.today, then settle them (they arrived), or rerun with --resend-unknown (they did not)",
				s.Failed-sv.Lost, sv.Lost)
		}
		return &cmdutil.PartialError{Msg: fmt.Sprintf("%s failed (%s): %s", output.Plural(s.Failed, "row", "rows"), hint, lost)}
	case s.Failed > 0 && s.MayHaveRung > 0:
		// A call that may have rung is never scheduled again by a rerun: a person settles it.
		return &cmdutil.PartialError{Msg: fmt.Sprintf("%s failed (%s): %s", output.Plural(s.Failed, "row", "rows"), hint, mayHaveRung(s.Failed, s.MayHaveRung))}
	case s.Failed > 0:
		return &cmdutil.PartialError{Msg: fmt.Sprintf("%s failed (%s); run the same command again to retry %s", output.Plural(s.Failed, "row", "rows"), hint, them(s.Failed))}
	case s.Invalid > 0 && !s.DryRun:
		// --skip-invalid went on without them: the file is not all in, and an unattended job
		// must hear of it.
		return &cmdutil.PartialError{Msg: fmt.Sprintf("%s skipped (%s); fix %s and run the same command again",
			output.Plural(s.Invalid, "invalid row was", "invalid rows were"), hint, them(s.Invalid))}
	case sv != nil && sv.Unsettled > 0:
		// A survey that may have gone out is no success until somebody has looked: exit 9 on
		// every run, so that cron over the same file tells someone (9 wins over 8).
		return &cmdutil.PartialError{Msg: fmt.Sprintf("%s may have been surveyed: an earlier send got no answer, and nobody has settled it; check app.nps.today, then run the command shown for each (it arrived), or rerun with --resend-unknown (it did not)",
			output.Plural(sv.Unsettled, "row", "rows"))}
	case sv != nil && sv.Pending > 0 && !s.DryRun:
		rows := "those rows"
		if sv.Pending == 1 {
			rows = "that row"
		}
		return &cmdutil.PendingError{Msg: fmt.Sprintf("%s until the agent rates the call (p-gap); nothing was sent to %s: give %s the agent's rating (0-10) and run the same command again",
			output.Plural(sv.Pending, "survey held", "surveys held"), them(sv.Pending), rows)}
	}
	return nil
}

// mayHaveRung is the end of a schedule import's closing line when n of its failed rows are
// calls that may have rung, which no rerun retries.
func mayHaveRung(failed, n int) string {
	why, each := "its call may have rung (an earlier create got no answer, and the call is not listed now that it is due)", "it"
	if n > 1 {
		why, each = "their calls may have rung (earlier creates got no answer, and the calls are not listed now that they are due)", "each"
	}
	if n < failed {
		why = fmt.Sprintf("a rerun retries %d of them; the call of the other may have rung (an earlier create got no answer, and the call is not listed now that it is due)", failed-n)
		if n > 1 {
			why = fmt.Sprintf("a rerun retries %d of them; the calls of the other %d may have rung (earlier creates got no answer, and the calls are not listed now that they are due)", failed-n, n)
		}
	}
	return fmt.Sprintf("%s, so no rerun schedules %s: run the 'schedule ledger settle' command shown for %s (it rang), or the 'forget' one (it must be made), then import again",
		why, them(n), each)
}

func them(n int) string {
	if n == 1 {
		return "it"
	}
	return "them"
}

// print writes the summary; refused: it is the plan of a run that stopped before sending.
func (r *Run) print(s bulk.Summary, sv *bulk.RespondentSummary, refused bool) error {
	f := r.f
	if f.Machine() {
		return printSummary(f.Printer(), s, sv, r.flags.ValidateOnly)
	}
	if s.DryRun || r.flags.ValidateOnly {
		if err := f.Printer().Print(planRows(s, sv, r.flags.ValidateOnly), output.Cols("ACTION=action", "COUNT=count")); err != nil {
			return err
		}
		if s.DryRun && !refused {
			f.IO.Infof("dry run: nothing was sent")
		}
		return nil
	}
	icon := f.IO.Styles().SuccessIcon()
	switch {
	case s.Failed > 0:
		icon = f.IO.Styles().FailureIcon()
	case s.Invalid > 0 || s.Cancelled || sv != nil && (sv.Pending > 0 || sv.Unsettled > 0):
		icon = f.IO.Styles().WarningIcon() // not all of the file is in: no ✓
	}
	fmt.Fprintf(f.IO.ErrOut, "%s %s\n", icon, output.SafeText(summaryLine(s, sv)))
	return nil
}

// summaryLine is what a run did, counted as its rows were, and its figures:
// "3 rows: 2 added, 1 unchanged (4 requests in 1.2s, 3.3/s, 0 throttled)".
func summaryLine(s bulk.Summary, sv *bulk.RespondentSummary) string {
	type tally struct {
		n    int
		what string
	}
	done := s.Skipped // skipped as done already; a survey that may have gone out is not
	if sv != nil {
		done -= sv.Unsettled
	}
	// The rows' counts add up to Rows; removals (--prune) are no row of the file and come after.
	tallies := []tally{{s.Added, "added"}, {s.Updated, "updated"}, {s.Created, "created"}, {s.Unchanged, "unchanged"},
		{done, "skipped (already done)"}, {s.Invalid, "invalid"}, {s.Failed - s.RemovalsFailed, "failed"}, {s.NotAttempted - s.RemovalsNotAttempted, "not processed"}}
	if sv != nil {
		tallies = append([]tally{{sv.Sent, "sent"}, {sv.Pending, "pending (p-gap)"}}, tallies...)
		tallies = append(tallies, tally{sv.Unsettled, "not sent (may have gone out already)"})
	}
	join := func(ts []tally) string {
		var parts []string
		for _, c := range ts {
			if c.n > 0 {
				parts = append(parts, fmt.Sprintf("%d %s", c.n, c.what))
			}
		}
		return strings.Join(parts, ", ")
	}
	did := join(tallies)
	if did == "" {
		did = "nothing to do"
	}
	if removals := join([]tally{{s.Removed, "removed"}, {s.RemovalsFailed, "failed"}, {s.RemovalsNotAttempted, "not processed"}}); removals != "" {
		did += "; --prune: " + removals
	}
	return fmt.Sprintf("%s: %s (%s in %s, %.1f/s, %d throttled)", output.Plural(s.Rows, "row", "rows"), did,
		output.Plural(int(s.Requests), "request", "requests"), output.Elapsed(time.Duration(s.Seconds*float64(time.Second))), s.RatePerSec, s.Throttled)
}

// planCount is one line of a dry run's plan: an action of the rows and how many take it.
type planCount struct {
	Action string `json:"action"`
	Count  int    `json:"count"`
}

// planRows is the table of a dry run (what each row would do, by the action its result
// carries, then the rows that would fail and the invalid ones) or of --validate-only.
func planRows(s bulk.Summary, sv *bulk.RespondentSummary, validateOnly bool) []planCount {
	if validateOnly {
		return []planCount{{"valid", s.Rows - s.Invalid}, {"invalid", s.Invalid}}
	}
	var rows []planCount
	for _, c := range planned(s, sv) {
		if c.Count > 0 {
			rows = append(rows, c)
		}
	}
	if s.Failed > 0 {
		rows = append(rows, planCount{"failed", s.Failed})
	}
	if s.NotAttempted > 0 {
		rows = append(rows, planCount{"not processed", s.NotAttempted})
	}
	return append(rows, planCount{"invalid", s.Invalid})
}

// planned counts a dry run's planned rows by action. In a dry run every count of the summary
// that is not invalid, failed or not processed is of rows that were planned, none done.
func planned(s bulk.Summary, sv *bulk.RespondentSummary) []planCount {
	var out []planCount
	if sv != nil {
		out = append(out, planCount{bulk.ActionSend, sv.Sent})
	}
	return append(out, planCount{bulk.ActionAdd, s.Added}, planCount{bulk.ActionUpdate, s.Updated}, planCount{bulk.ActionUnchanged, s.Unchanged},
		planCount{bulk.ActionRemove, s.Removed}, planCount{bulk.ActionCreate, s.Created}, planCount{bulk.ActionSkip, s.Skipped})
}

// dryRunSummary is a dry run's summary for -o json/yaml/csv. Nothing was done, so it has no
// added, removed, created or sent: plan counts the rows by the action each would take, with
// the names their results carry (add, update, unchanged, remove, create, skip, send).
type dryRunSummary struct {
	File         string         `json:"file"`
	Rows         int            `json:"rows"`
	Invalid      int            `json:"invalid"`
	Plan         map[string]int `json:"plan"`
	Failed       int            `json:"failed"`
	NotAttempted int            `json:"notAttempted"`
	DryRun       bool           `json:"dryRun"`
	Cancelled    bool           `json:"cancelled"`
	Requests     int64          `json:"requests"`
	Throttled    int64          `json:"throttled"`
	Seconds      float64        `json:"seconds"`
	RatePerSec   float64        `json:"requestsPerSecond"`
	Results      []bulk.Result  `json:"results,omitempty"`
}

// printSummary writes the summary in a data format.
func printSummary(p *output.Printer, s bulk.Summary, sv *bulk.RespondentSummary, validateOnly bool) error {
	if !s.DryRun || validateOnly {
		if sv != nil {
			return p.Print(sv, output.Cols("ROWS=rows", "INVALID=invalid", "SENT=sent", "PENDING=pending", "SKIPPED=skipped", "FAILED=failed"))
		}
		return p.Print(s, output.Cols("ROWS=rows", "INVALID=invalid", "ADDED=added", "UPDATED=updated",
			"UNCHANGED=unchanged", "REMOVED=removed", "CREATED=created", "SKIPPED=skipped", "FAILED=failed"))
	}
	d := dryRunSummary{File: s.File, Rows: s.Rows, Invalid: s.Invalid, Plan: map[string]int{}, Failed: s.Failed, NotAttempted: s.NotAttempted,
		DryRun: true, Cancelled: s.Cancelled, Requests: s.Requests, Throttled: s.Throttled, Seconds: s.Seconds, RatePerSec: s.RatePerSec, Results: s.Results}
	cols := output.Cols("ROWS=rows", "INVALID=invalid")
	for _, c := range planned(s, sv) {
		if c.Count > 0 {
			d.Plan[c.Action] = c.Count
			cols = append(cols, output.Column{Header: strings.ToUpper(c.Action), Field: "plan." + c.Action})
		}
	}
	return p.Print(d, append(cols, output.Cols("FAILED=failed")...))
}
