package bulk_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nimbusctl/nimbusctl/pkg/bulk"
	"github.com/nimbusctl/nimbusctl/pkg/emulator"
	"github.com/nimbusctl/nimbusctl/pkg/httpx"
	"github.com/nimbusctl/nimbusctl/pkg/npstoday"
	"github.com/nimbusctl/nimbusctl/pkg/output"
)

type npsWorld struct {
	emu *emulator.Emulator
	c   *npstoday.Client
	lim *httpx.Limiter
}

// newNPSWorld starts an emulator and a client of its nps.today part at rate (the emulator
// allows 10 calls/s per key unless opts says otherwise).
func newNPSWorld(t *testing.T, opts emulator.Options, rate httpx.Rate) *npsWorld {
	t.Helper()
	emu, err := emulator.Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(emu.Close)
	auth, secrets := npstoday.SchemeRaw.Auth(npstoday.NewKey(emulator.NPSTodayAPIKey, "test"))
	lim := httpx.NewLimiter(rate)
	h, err := httpx.New(httpx.Config{
		Service: "npstoday", BaseURL: emu.NPSTodayURL(), Transport: emu.HTTPClient().Transport, Limiter: lim,
		Auth: auth, Secrets: secrets,
		Retry: httpx.Retry{MaxAttempts: 8, BaseDelay: time.Millisecond, MaxDelay: 10 * time.Millisecond},
	})
	if err != nil {
		t.Fatal(err)
	}
	return &npsWorld{emu: emu, c: npstoday.New(h), lim: lim}
}

var fast = httpx.Rate{Count: 1000, Per: time.Second}

func unlimitedNPS() emulator.Options {
	return emulator.Options{Seed: 1, NPSTodayRateLimit: emulator.Rate{Count: 1000, Per: time.Second}}
}

type respondentRun struct {
	sum      bulk.RespondentSummary
	report   string
	problems []string
	warnings []string
	err      error
}

func (w *npsWorld) respondents(t *testing.T, in bulk.Input, ledgerDir string, mod func(*bulk.RespondentImport)) respondentRun {
	t.Helper()
	var out respondentRun
	var report bytes.Buffer
	ios, _, _, stderr := output.Test() // the recorder shows failed rows there
	ri := &bulk.RespondentImport{
		Client: w.c, Input: in, DefaultCountry: "+41", CheckPgap: true, Workers: 4,
		Recorder: bulk.NewRecorder(in.Name, &report, false, bulk.NewProgress(ios, 0, "rows"), w.lim),
		Problem:  func(e error) { out.problems = append(out.problems, e.Error()) },
		Warn:     func(s string) { out.warnings = append(out.warnings, s) },
	}
	if ledgerDir != "" {
		l, err := bulk.OpenSurveyLedger(ledgerDir, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		ri.Ledger = l
	}
	if mod != nil {
		mod(ri)
	}
	out.sum, out.err = ri.Run(context.Background())
	out.report = report.String()
	for _, l := range strings.Split(strings.TrimSpace(stderr.String()), "\n") {
		if l != "" && !strings.HasPrefix(l, "progress: ") {
			out.problems = append(out.problems, l)
		}
	}
	return out
}

// surveyed counts the surveys the emulator sent per campaign/recipient.
func surveyed(emu *emulator.Emulator) map[string]int {
	m := map[string]int{}
	for _, s := range emu.NPSSurveys() {
		who, _ := s.Respondent["emailAddress"].(string)
		if who == "" {
			who, _ = s.Respondent["phoneNumber"].(string)
		}
		m[fmt.Sprintf("%d/%s", s.CampaignID, who)]++
	}
	return m
}

func testdataInput(t *testing.T, name string) bulk.Input {
	t.Helper()
	in, cleanup, err := bulk.FileInput(filepath.Join("..", "..", "testdata", "nps", name), nil, bulk.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cleanup)
	in.Name = name
	return in
}

// The sample file (an Excel export: BOM, semicolons, CRLF, German headers, a JSON column and
// a custom.<name> column) goes out once; the rerun sends nothing.
func TestRespondentImportSendsOnceAndRerunSkips(t *testing.T) {
	w := newNPSWorld(t, unlimitedNPS(), fast)
	ledger := filepath.Join(t.TempDir(), "ledger")
	in := testdataInput(t, "respondents.csv")
	r := w.respondents(t, in, ledger, nil) // national numbers: Swiss
	if r.err != nil || r.sum.Sent != 4 || r.sum.Rows != 4 || r.sum.Failed != 0 || len(r.problems) != 0 {
		t.Fatalf("first run: %+v %v %q", r.sum, r.err, r.problems)
	}
	got := w.emu.NPSSurveys()
	if len(got) != 4 {
		t.Fatalf("%d surveys", len(got))
	}
	byExt := map[string]emulator.NPSSurvey{}
	for _, s := range got {
		byExt[s.Respondent["externalId"].(string)] = s
	}
	alice := byExt["K-1001"]
	if alice.CampaignID != 101 || alice.Endpoint != "respondents" || alice.Respondent["phoneNumber"] != "+41445551001" ||
		alice.Respondent["emailAddress"] != "alice.muster@muster.example" || alice.Respondent["company"].(map[string]any)["name"] != "Muster AG" ||
		alice.Employee["email"] != "agent@contoso.com" || alice.Custom != `{"channel":"phone","orderId":"O-1"}` {
		t.Errorf("alice %+v", alice)
	}
	if s := byExt["K-1002"]; s.CampaignID != 102 || s.Respondent["phoneNumber"] != "+4930555000" || s.Custom != `{"orderId":"O-2"}` {
		t.Errorf("globex %+v", s)
	}
	// No employee: the plain endpoint; the JSON column as written; the name resolved.
	if s := byExt["K-1003"]; s.CampaignID != 103 || s.Endpoint != "respondent" || s.Custom != `{"plan":"pro"}` || s.Respondent["firstName"] != "Chloé" {
		t.Errorf("chloe %+v", s)
	}
	if s := byExt["K-1004"]; s.Respondent["phoneNumber"] != "+41795552004" {
		t.Errorf("bruno %+v", s)
	}
	if !strings.HasPrefix(r.report, "line,key,action,status,error\n") || !strings.Contains(r.report, "\n2,101/K-1001,send,ok,\n") {
		t.Errorf("report:\n%s", r.report)
	}

	r = w.respondents(t, in, ledger, nil)
	if r.err != nil || r.sum.Sent != 0 || r.sum.Skipped != 4 {
		t.Fatalf("rerun: %+v %v", r.sum, r.err)
	}
	if !strings.Contains(r.report, "5,101/K-1004,skip,ok,surveyed on ") {
		t.Errorf("rerun report:\n%s", r.report)
	}
	if n := len(w.emu.NPSSurveys()); n != 4 {
		t.Errorf("%d surveys after the rerun, want 4", n)
	}
	// The ledger names each row's respondent as the report's key does (here the external id,
	// which the rows have), so that a person can settle it, and nothing else of the row: no
	// e-mail address or number beside it, no name, company, agent or custom data.
	files, _ := filepath.Glob(filepath.Join(ledger, "*.jsonl"))
	for _, f := range files {
		b, _ := os.ReadFile(f)
		if !bytes.Contains(b, []byte(`"respondent":"K-1001"`)) {
			t.Errorf("the ledger does not name the row's respondent:\n%s", b)
		}
		for _, s := range []string{"@", "+41", "+49", "Alice", "Muster", "Globex", "O-1", "channel"} {
			if bytes.Contains(b, []byte(s)) {
				t.Errorf("the ledger holds %q:\n%s", s, b)
			}
		}
	}
	// Correcting a name is not a new survey; new custom data is.
	changed := fileInput(t, "email,firstName,campaign,custom.orderId\nalice.muster@muster.example,Alicia,101,O-1\nalice.muster@muster.example,Alice,102,O-1\n")
	first := fileInput(t, "email,firstName,campaign,custom.orderId\nalice.muster@muster.example,Alice,101,O-1\n")
	w.respondents(t, first, ledger, nil)
	r = w.respondents(t, changed, ledger, nil)
	if r.err != nil || r.sum.Skipped != 1 || r.sum.Sent != 1 {
		t.Fatalf("changed name: %+v %v\n%s", r.sum, r.err, r.report)
	}
	r = w.respondents(t, fileInput(t, "email,campaign,custom.orderId\nalice.muster@muster.example,101,O-9\n"), ledger, nil)
	if r.err != nil || r.sum.Sent != 1 {
		t.Fatalf("new order: %+v %v", r.sum, r.err)
	}
}

func TestRespondentImportValidation(t *testing.T) {
	w := newNPSWorld(t, unlimitedNPS(), fast)
	csv := "campaign,email,phone,agent,agent rating,custom,custom.ticket,external id\n" +
		"101,alice@example.com,,,,,,\n" + // fine
		"Nope,bob@example.com,,,,,,\n" +
		"999,carl@example.com,,,,,,\n" +
		"101,,,,,,,\n" +
		"101,dora@,,,,,,\n" +
		"101,,call me,,,,,\n" +
		"101,eve@example.com,,agent@contoso.com,11,,,\n" +
		"101,fay@example.com,,,7,,,\n" +
		"101,gus@example.com,,,,{orderId: 1},,\n" +
		"101,hal@example.com,,,,[1],,\n" +
		"101,ALICE@example.com,,,,,T-1,\n" +
		"102,alice@example.com,,,,,,\n" + // another campaign: fine
		"101,x@example.com,,,,,,K-1\n" +
		"101,y@example.com,,,,,,K-1\n" +
		"101,ivy@example.com,,anna,,,,\n" +
		"101,jon@example.com,,,,,\n" + // Excel drops trailing empty cells: fine
		"101,kim@example.com,,,,,,,,extra\n"
	r := w.respondents(t, fileInput(t, csv), t.TempDir(), nil)
	var inv *bulk.ErrInvalidRows
	if !errors.As(r.err, &inv) || inv.N != 13 {
		t.Fatalf("err %v, problems:\n%s", r.err, strings.Join(r.problems, "\n"))
	}
	want := []string{
		`in.csv:3: campaign: unknown campaign "Nope" (see 'nimbusctl nps campaigns list')`,
		`in.csv:4: campaign: unknown campaign "999" (see 'nimbusctl nps campaigns list')`,
		`in.csv:5: email: no e-mail address and no phone number: the survey goes to one of them`,
		`in.csv:6: email: "dora@" is not an e-mail address`,
		`in.csv:7: phone: "call me" is not a phone number`,
		`in.csv:8: agent rating: must be a whole number from 0 to 10, got "11"`,
		`in.csv:9: agent rating: an agent rating needs the employee (the agent who rates the call) in the employee column`,
		`in.csv:10: custom: must be a JSON object, e.g. {"orderId":"42"}: invalid character 'o' looking for beginning of object key string`,
		`in.csv:11: custom: must be a JSON object, e.g. {"orderId":"42"}: json: cannot unmarshal array into Go value of type map[string]interface {}`,
		`in.csv:16: agent: "anna" is not an e-mail address (the agent the survey is about)`,
		`in.csv:18: 10 cells but the header has 8 columns`,
		`in.csv:12: email: duplicate respondent "alice@example.com" in campaign 101 (first on line 2)`,
		`in.csv:15: external id: duplicate respondent "K-1" in campaign 101 (first on line 14)`,
	}
	if strings.Join(r.problems, "\n") != strings.Join(want, "\n") {
		t.Errorf("problems\n%s\nwant\n%s", strings.Join(r.problems, "\n"), strings.Join(want, "\n"))
	}
	if n := len(w.emu.NPSSurveys()); n != 0 {
		t.Fatalf("%d surveys sent despite invalid rows", n)
	}
	if r.sum.Rows != 17 || r.sum.Invalid != 13 {
		t.Errorf("summary %+v", r.sum)
	}
	r = w.respondents(t, fileInput(t, csv), t.TempDir(), func(ri *bulk.RespondentImport) { ri.SkipInvalid = true })
	if r.err != nil || r.sum.Sent != 4 || r.sum.Invalid != 13 {
		t.Fatalf("--skip-invalid: %+v %v", r.sum, r.err)
	}
	// --validate-only makes no call: campaigns are not checked then.
	before := w.emu.Stats().Requests[emulator.ServiceNPSToday]
	r = w.respondents(t, fileInput(t, csv), "", func(ri *bulk.RespondentImport) { ri.ValidateOnly = true; ri.Client = nil })
	if !errors.As(r.err, &inv) || inv.N != 11 || w.emu.Stats().Requests[emulator.ServiceNPSToday] != before {
		t.Errorf("--validate-only: %v %d", r.err, inv.N)
	}
}

func TestRespondentImportFileProblems(t *testing.T) {
	w := newNPSWorld(t, unlimitedNPS(), fast)
	for _, c := range []struct {
		csv, campaign, want string
	}{
		{"campaign,first name\n101,Ada\n", "", "in.csv: no column holds an e-mail address or a phone number: name one email (or E-mail, Email Address) or phone (or Mobile, Phone Number), or use --map \"column=email\""},
		{"email\na@example.com\n", "", "in.csv: no campaign: add a campaign column (id or name) or pass --campaign ID"},
		{"email,Mobile,Handy\na@example.com,,\n", "101", "in.csv: columns \"Mobile\" and \"Handy\" both fill phone: drop one with --map \"Handy=-\""},
		{"email\na@example.com\n", "Nope", "--campaign: unknown campaign \"Nope\" (see 'nimbusctl nps campaigns list')"},
	} {
		r := w.respondents(t, fileInput(t, c.csv), "", func(ri *bulk.RespondentImport) { ri.Campaign = c.campaign })
		var fe *bulk.FileError
		if !errors.As(r.err, &fe) || r.err.Error() != c.want {
			t.Errorf("%q: %v\nwant %s", c.csv, r.err, c.want)
		}
	}
	// --campaign by name for a file without a campaign column; a queue column through the IVR map.
	r := w.respondents(t, fileInput(t, "email,queue\na@example.com,\nb@example.com,sales@contoso.com\nc@example.com,vip@contoso.com\n"), "",
		func(ri *bulk.RespondentImport) { ri.Campaign = "onboarding E-MAIL" })
	if !strings.Contains(strings.Join(r.problems, "\n"), `in.csv:4: queue: no campaign for queue "vip@contoso.com" in the IVR map (add a campaign column)`) {
		t.Errorf("problems %q", r.problems)
	}
	r = w.respondents(t, fileInput(t, "email,queue\na@example.com,\nb@example.com,sales@contoso.com\n"), "",
		func(ri *bulk.RespondentImport) { ri.Campaign = "onboarding E-MAIL" })
	if r.err != nil || r.sum.Sent != 2 || fmt.Sprint(surveyed(w.emu)) != "map[102/b@example.com:1 103/a@example.com:1]" {
		t.Errorf("%+v %v %v", r.sum, r.err, surveyed(w.emu))
	}
}

// P-gap: the row of an employee in a training period is held (pending, nothing sent); the
// rerun without a rating does not ask nps.today again; with the rating it goes out.
func TestRespondentImportPgap(t *testing.T) {
	w := newNPSWorld(t, unlimitedNPS(), fast)
	ledger := t.TempDir()
	csv := "campaign,phone,employee\n101,+41445551001,anna.meier@contoso.com\n101,+41315552002,agent@contoso.com\n"
	r := w.respondents(t, fileInput(t, csv), ledger, nil)
	if r.err != nil || r.sum.Sent != 1 || r.sum.Pending != 1 || r.sum.Failed != 0 || w.emu.NPSHeld() != 1 {
		t.Fatalf("%+v %v held %d", r.sum, r.err, w.emu.NPSHeld())
	}
	wantHeld := "in.csv:2: pending: held until anna.meier@contoso.com rates the call (p-gap): put the agent's rating (0-10) in the agentRating column and run again"
	if strings.Join(r.problems, "\n") != wantHeld || !strings.Contains(r.report, "\n2,101/+41445551001,send,pending,held until") {
		t.Errorf("problems %q\nreport:\n%s", r.problems, r.report)
	}
	r = w.respondents(t, fileInput(t, csv), ledger, nil)
	if r.err != nil || r.sum.Pending != 1 || r.sum.Skipped != 1 || w.emu.NPSHeld() != 1 || len(w.emu.NPSSurveys()) != 1 {
		t.Fatalf("rerun without a rating: %+v %v held %d", r.sum, r.err, w.emu.NPSHeld())
	}
	if len(r.problems) != 1 || !strings.HasPrefix(r.problems[0], "in.csv:2: pending: held since ") {
		t.Errorf("problems %q", r.problems)
	}
	rated := "campaign,phone,employee,agentRating\n101,+41445551001,anna.meier@contoso.com,8\n101,+41315552002,agent@contoso.com,\n"
	r = w.respondents(t, fileInput(t, rated), ledger, nil)
	if r.err != nil || r.sum.Sent != 1 || r.sum.Skipped != 1 || r.sum.Pending != 0 {
		t.Fatalf("with the rating: %+v %v", r.sum, r.err)
	}
	got := w.emu.NPSSurveys()
	if len(got) != 2 || got[1].AgentRating == nil || *got[1].AgentRating != 8 || got[1].Respondent["phoneNumber"] != "+41445551001" {
		t.Fatalf("surveys %+v", got)
	}
	// A row with its rating goes straight through, even the first time.
	r = w.respondents(t, fileInput(t, "campaign,phone,employee,p-gap rating\n101,+41795550000,anna.meier@contoso.com,3\n"), ledger, nil)
	if r.err != nil || r.sum.Sent != 1 || w.emu.NPSHeld() != 1 {
		t.Fatalf("rated first time: %+v %v", r.sum, r.err)
	}
}

// A lost answer (504 after nps.today acted) is failed, never resent, and no rerun sends it
// again until --resend-unknown; a crash mid-request ("sending" alone in the ledger) likewise.
func TestRespondentImportLostAnswerIsNotResent(t *testing.T) {
	w := newNPSWorld(t, unlimitedNPS(), fast)
	ledger := t.TempDir()
	in := fileInput(t, "campaign,email\n103,a@example.com\n103,b@example.com\n")
	w.emu.InjectFaults(emulator.ServiceNPSToday, "", emulator.FaultTimeoutAfter) // the campaigns list, then the first send
	r := w.respondents(t, in, ledger, func(ri *bulk.RespondentImport) { ri.Workers = 1 })
	if r.err != nil || r.sum.Sent != 1 || r.sum.Failed != 1 {
		t.Fatalf("%+v %v", r.sum, r.err)
	}
	want := "in.csv:2: 103/a@example.com: send failed: SendSurvey: 504 Gateway Timeout: The request timed-out. (the request may have been applied; not retried): " +
		"the survey may have gone out (nps.today offers no read-back to check), so no rerun sends it again; check it in app.nps.today, then --resend-unknown sends it"
	if strings.Join(r.problems, "\n") != want {
		t.Errorf("problems\n%s\nwant\n%s", strings.Join(r.problems, "\n"), want)
	}
	if fmt.Sprint(surveyed(w.emu)) != "map[103/a@example.com:1 103/b@example.com:1]" {
		t.Fatalf("surveys %v", surveyed(w.emu))
	}
	r = w.respondents(t, in, ledger, nil)
	if r.err != nil || r.sum.Skipped != 2 || r.sum.Unsettled != 1 || len(w.emu.NPSSurveys()) != 2 {
		t.Fatalf("rerun: %+v %v", r.sum, r.err)
	}
	// Not done: the row is shown as it is met (the command's exit 9 comes from Unsettled).
	if len(r.problems) != 1 || !strings.HasPrefix(r.problems[0], "in.csv:2: 103/a@example.com: not sent: the send of ") ||
		!strings.HasSuffix(r.problems[0], "got no answer: it may have gone out, so it is not sent again; check it in app.nps.today, then --resend-unknown sends it") ||
		!strings.Contains(r.report, "\n2,103/a@example.com,skip,ok,\"the send of ") {
		t.Errorf("problems %q\n%s", r.problems, r.report)
	}
	// The operator checked: it did not arrive. --resend-unknown sends it (here: a second time).
	r = w.respondents(t, in, ledger, func(ri *bulk.RespondentImport) { ri.ResendUnknown = true })
	if r.err != nil || r.sum.Sent != 1 || r.sum.Skipped != 1 || surveyed(w.emu)["103/a@example.com"] != 2 {
		t.Fatalf("--resend-unknown: %+v %v", r.sum, r.err)
	}

	// A crash mid-request leaves "sending" alone: the next run fails the row once (nobody
	// has been told yet) and settles it as unknown; later runs skip it like a lost answer.
	// The key is the one a run writes first for the row.
	in2 := fileInput(t, "campaign,email\n103,c@example.com\n")
	probe := t.TempDir()
	w.respondents(t, in2, probe, nil)
	files, _ := filepath.Glob(filepath.Join(probe, "*.jsonl"))
	raw, _ := os.ReadFile(files[0])
	first, _, _ := strings.Cut(string(raw), "\n")
	if !strings.Contains(first, `"state":"sending"`) {
		t.Fatalf("first ledger line %s", first)
	}
	key := first[strings.Index(first, `"key":"`)+7:][:32]
	crashed := t.TempDir()
	l, _ := bulk.OpenSurveyLedger(crashed, time.Now())
	if err := l.Record(bulk.SurveyEntry{Key: key, State: bulk.SurveySending, Campaign: "103"}); err != nil {
		t.Fatal(err)
	}
	n := len(w.emu.NPSSurveys())
	r = w.respondents(t, in2, crashed, nil)
	if r.err != nil || r.sum.Failed != 1 || r.sum.Unsettled != 0 || len(w.emu.NPSSurveys()) != n ||
		!strings.Contains(r.report, "stopped before nps.today answered (killed, or the machine went down): it may have gone out") {
		t.Fatalf("after a crash: %+v %v\n%s", r.sum, r.err, r.report)
	}
	r = w.respondents(t, in2, crashed, nil)
	if r.err != nil || r.sum.Failed != 0 || r.sum.Unsettled != 1 || len(w.emu.NPSSurveys()) != n {
		t.Fatalf("the run after: %+v %v", r.sum, r.err)
	}
}

// A burst far over nps.today's 10 calls/s: 429s are waited out and retried (nps.today did
// not act on them), every row is surveyed exactly once, and a rerun sends nothing.
func TestRespondentImportBurstOver429(t *testing.T) {
	w := newNPSWorld(t, emulator.Options{Seed: 1}, httpx.Rate{Count: 200, Per: time.Second})
	var b strings.Builder
	b.WriteString("campaign;mobile;first name\n")
	const n = 30
	for i := range n {
		fmt.Fprintf(&b, "102;+45212%05d;Nr%d\n", i, i)
	}
	ledger := t.TempDir()
	in := fileInput(t, b.String())
	r := w.respondents(t, in, ledger, func(ri *bulk.RespondentImport) { ri.Workers = 8 })
	if r.err != nil || r.sum.Sent != n || r.sum.Failed != 0 {
		t.Fatalf("%+v %v\n%s", r.sum, r.err, r.report)
	}
	got := surveyed(w.emu)
	if len(got) != n {
		t.Fatalf("%d recipients", len(got))
	}
	for who, k := range got {
		if k != 1 {
			t.Errorf("%s surveyed %d times", who, k)
		}
	}
	r = w.respondents(t, in, ledger, nil)
	if r.err != nil || r.sum.Skipped != n || len(w.emu.NPSSurveys()) != n {
		t.Fatalf("rerun %+v %v", r.sum, r.err)
	}
	if w.emu.Stats().RateLimited[emulator.ServiceNPSToday] == 0 {
		t.Skip("too slow to exceed 10 calls/s: nothing about 429 was shown")
	}
}

// Failures that nps.today provably did not act on (503 on every attempt, a 404) fail the
// row, and the rerun sends it. (A 500 may come after the work was done: see
// TestRespondentImportLostAnswerIsNotResent for how such a row is kept from a second send.)
func TestRespondentImportFailedRowsAreRetried(t *testing.T) {
	w := newNPSWorld(t, unlimitedNPS(), fast)
	ledger := t.TempDir()
	in := fileInput(t, "campaign,email\n103,a@example.com\n103,b@example.com\n")
	faults := []emulator.FaultKind{""}
	for range 8 {
		faults = append(faults, emulator.FaultUnavailable)
	}
	w.emu.InjectFaults(emulator.ServiceNPSToday, faults...)
	r := w.respondents(t, in, ledger, func(ri *bulk.RespondentImport) { ri.Workers = 1 })
	if r.err != nil || r.sum.Sent != 1 || r.sum.Failed != 1 ||
		strings.Join(r.problems, "\n") != "in.csv:2: 103/a@example.com: send failed: SendSurvey: 503 Service Unavailable: Service Unavailable. (after 8 attempts)" {
		t.Fatalf("%+v %v %q", r.sum, r.err, r.problems)
	}
	r = w.respondents(t, in, ledger, nil)
	if r.err != nil || r.sum.Sent != 1 || r.sum.Skipped != 1 || fmt.Sprint(surveyed(w.emu)) != "map[103/a@example.com:1 103/b@example.com:1]" {
		t.Fatalf("rerun: %+v %v %v", r.sum, r.err, surveyed(w.emu))
	}
}

// docs/nps.md documents every column of the respondent file.
func TestRespondentColumnsAreDocumented(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "nps.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range bulk.RespondentSchema.Fields {
		if !strings.Contains(string(doc), "`"+f.Name+"`") {
			t.Errorf("docs/nps.md does not mention the column %s", f.Name)
		}
	}
	for _, p := range bulk.RespondentSchema.Prefixes {
		if !strings.Contains(string(doc), "`"+p+"<name>`") {
			t.Errorf("docs/nps.md does not mention the prefix %s", p)
		}
	}
}
