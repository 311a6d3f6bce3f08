package nps_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/nimbusctl/nimbusctl/pkg/bulk"
	"github.com/nimbusctl/nimbusctl/pkg/cli/clitest"
	"github.com/nimbusctl/nimbusctl/pkg/emulator"
)

// timing hides the run's figures in the summary line, which vary from run to run.
var timing = regexp.MustCompile(`\(\d+ requests? in [0-9.hms]+, [0-9.]+/s, \d+ throttled\)`)

// sample is the committed example: an Excel export (BOM, semicolons, CRLF) with German
// headers, a JSON column and a custom.<name> column.
var sample = filepath.Join("..", "..", "..", "testdata", "nps", "respondents.csv")

// expectRun checks a bulk run whose summary line carries timings.
func expectRun(t *testing.T, r clitest.Result, code int, stdout, stderr string) {
	t.Helper()
	got := timing.ReplaceAllString(r.Stderr, "(T)")
	if r.Code != code || r.Stdout != stdout || got != stderr {
		t.Fatalf("exit %d, want %d\n--- stdout\n%s--- want stdout\n%s--- stderr\n%s--- want stderr\n%s", r.Code, code, r.Stdout, stdout, got, stderr)
	}
}

func TestNpsRespondentImportTwiceSurveysOnce(t *testing.T) {
	t.Parallel()
	e := clitest.New(t, unlimited())
	report := filepath.Join(e.Home, "report.csv")
	expectRun(t, e.Run("nps", "respondent", "import", sample, "--report", report, "--concurrency", "1"), 0, "", "✓ 4 rows: 4 sent (T)\n")
	b, _ := os.ReadFile(report)
	if string(b) != "line,key,action,status,error\n2,101/K-1001,send,ok,\n3,102/K-1002,send,ok,\n4,103/K-1003,send,ok,\n5,101/K-1004,send,ok,\n" {
		t.Errorf("report:\n%s", b)
	}
	got := e.Emu.NPSSurveys()
	if len(got) != 4 || got[0].Respondent["phoneNumber"] != "+41445551001" || got[0].Custom != `{"channel":"phone","orderId":"O-1"}` ||
		got[0].Employee["email"] != emulator.NPSEmployeeAgent || got[3].Respondent["phoneNumber"] != "+41795552004" {
		t.Fatalf("surveys %+v", got)
	}
	// The rerun sends nothing: the ledger in the state folder remembers every row.
	e.Run("nps", "respondent", "import", sample, "-o", "json", "--jq", "[.sent, .skipped, .failed, .requests]").Expect(t, 0, "[0,4,0,1]\n", "")
	e.Run("nps", "respondent", "import", sample, "--dry-run").Expect(t, 0, "skip\t4\ninvalid\t0\n", "dry run: nothing was sent\n")
	expectRun(t, e.Run("nps", "respondent", "import", sample), 0, "", "✓ 4 rows: 4 skipped (already done) (T)\n")
	if n := len(e.Emu.NPSSurveys()); n != 4 {
		t.Errorf("%d surveys, want 4", n)
	}
	if l, _ := filepath.Glob(filepath.Join(e.Home, "state", "nps", "default", "respondents", "*.jsonl")); len(l) == 0 {
		t.Error("no ledger was written")
	}
	// Without the ledger every row goes out again: that is what --no-ledger means.
	expectRun(t, e.Run("nps", "respondent", "import", sample, "--no-ledger"), 0, "", "✓ 4 rows: 4 sent (T)\n")
}

func TestNpsRespondentImportDryRunAndValidateOnly(t *testing.T) {
	t.Parallel()
	e := clitest.New(t)
	e.Run("nps", "respondent", "import", sample, "--dry-run").Expect(t, 0, "send\t4\ninvalid\t0\n", "dry run: nothing was sent\n")
	e.Run("nps", "respondent", "import", sample, "--dry-run", "-o", "json", "--jq", `.results[] | "\(.line) \(.key) \(.action) \(.status)"`).
		Expect(t, 0, "2 101/K-1001 send planned\n3 102/K-1002 send planned\n4 103/K-1003 send planned\n5 101/K-1004 send planned\n", "")
	file := writeFile(t, e, "r.csv", "E-mail,Vorname,Notes on the call\nalice@example.com,Alice,x\n")
	e.Setenv("NPSTODAY_API_KEY", "") // --validate-only calls nothing, so it needs no key
	e.Run("nps", "respondent", "import", file, "--campaign", "Nope", "--validate-only").
		Expect(t, 0, "valid\t1\ninvalid\t0\n", "! ignoring column(s) \"Notes on the call\" (use --map \"column=field\" to import them)\n")
	if n := len(e.Emu.NPSSurveys()); n != 0 {
		t.Errorf("%d surveys", n)
	}
}

func TestNpsRespondentImportInvalidRowsExit3(t *testing.T) {
	t.Parallel()
	e := clitest.New(t)
	file := writeFile(t, e, "r.csv", "campaign;email;mobile;agent rating;agent\n"+
		"101;alice@example.com;;;\n"+
		"Nope;bob@example.com;;;\n"+
		"101;;;;\n"+
		"103;carl@example.com;0800;;\n"+
		"101;dora@example.com;;12;agent@contoso.com\n"+
		"101;ALICE@example.com;;;\n")
	e.Run("nps", "respondent", "import", file).Expect(t, 3, "",
		file+":3: campaign: unknown campaign \"Nope\" (see 'nimbusctl nps campaigns list')\n"+
			file+":4: email: no e-mail address and no phone number: the survey goes to one of them\n"+
			file+":5: mobile: \"0800\" is not a valid phone number for CH (+41)\n"+
			file+":6: agent rating: must be a whole number from 0 to 10, got \"12\"\n"+
			file+":7: email: duplicate respondent \"alice@example.com\" in campaign 101 (first on line 2)\n"+
			"error: 5 invalid rows; nothing was sent (fix them, or pass --skip-invalid to import the rest)\n")
	if n := len(e.Emu.NPSSurveys()); n != 0 {
		t.Fatalf("%d surveys sent despite invalid rows", n)
	}
	r := e.Run("nps", "respondent", "import", file, "--skip-invalid")
	// Skipped rows are not a success: exit 9 and no ✓, so a cron job hears of them.
	if r.Code != 9 || !strings.HasSuffix(timing.ReplaceAllString(r.Stderr, "(T)"), "! 6 rows: 1 sent, 5 invalid (T)\nerror: 5 invalid rows were skipped (see the messages above); fix them and run the same command again\n") {
		t.Errorf("--skip-invalid: %d %q", r.Code, r.Stderr)
	}

	noContact := writeFile(t, e, "n.csv", "campaign,first name\n101,Ada\n")
	e.Run("nps", "respondent", "import", noContact).Expect(t, 3, "",
		"error: "+noContact+": no column holds an e-mail address or a phone number: name one email (or E-mail, Email Address) or phone (or Mobile, Phone Number), or use --map \"column=email\"\n")
	noCampaign := writeFile(t, e, "c.csv", "email\nada@example.com\n")
	e.Run("nps", "respondent", "import", noCampaign).Expect(t, 3, "",
		"error: "+noCampaign+": no campaign: add a campaign column (id or name) or pass --campaign ID\n")
	e.Run("nps", "respondent", "import", noCampaign, "--campaign", "Nope").Expect(t, 3, "",
		"error: --campaign: unknown campaign \"Nope\" (see 'nimbusctl nps campaigns list')\n")
	e.Run("nps", "respondent", "import", noCampaign, "--ledger", e.Home, "--no-ledger").
		Expect(t, 3, "", "error: --ledger and --no-ledger: pick one\nRun 'nimbusctl nps respondent import --help' for usage.\n")
	e.Run("nps", "respondent", "import", noCampaign, "--resend-unknown", "--no-ledger").
		Expect(t, 3, "", "error: --resend-unknown needs the ledger: drop --no-ledger\nRun 'nimbusctl nps respondent import --help' for usage.\n")
	e.Run("nps", "respondent", "import", noCampaign, "--rate", "fast").
		Expect(t, 3, "", "error: --rate: invalid rate \"fast\": want N/DURATION (e.g. 100/60s, 50/s) or auto\nRun 'nimbusctl nps respondent import --help' for usage.\n")
	e.Run("nps", "respondent", "import").
		Expect(t, 3, "", "error: nimbusctl nps respondent import takes a CSV file (got 0 argument(s))\nRun 'nimbusctl nps respondent import --help' for usage.\n")
}

// One send fails (nps.today answered 503, which says nothing was done, and retries are off):
// the others go out, exit 9; the rerun sends only the failed row.
func TestNpsRespondentImportPartialFailureExit9(t *testing.T) {
	t.Parallel()
	e := clitest.New(t)
	e.Setenv("NIMBUSCTL_MAX_RETRIES", "0")
	file := writeFile(t, e, "r.csv", "campaign,email\n103,ada@example.com\n103,ben@example.com\n")
	e.Emu.InjectFaults(emulator.ServiceNPSToday, "", emulator.FaultUnavailable) // the campaigns list passes, the first send fails
	expectRun(t, e.Run("nps", "respondent", "import", file, "--concurrency", "1"), 9, "",
		file+":2: 103/ada@example.com: send failed: SendSurvey: 503 Service Unavailable: Service Unavailable.\n"+
			"X 2 rows: 1 sent, 1 failed (T)\n"+
			"error: 1 row failed (see the messages above); run the same command again to retry it\n")
	expectRun(t, e.Run("nps", "respondent", "import", file), 0, "", "✓ 2 rows: 1 sent, 1 skipped (already done) (T)\n")
	if n := len(e.Emu.NPSSurveys()); n != 2 {
		t.Errorf("%d surveys, want 2", n)
	}
}

// An answer lost after nps.today acted (504): the row fails and is never sent again by a
// rerun. Nor does a rerun pass for a success: the row is reported with the command that
// settles it, and the run exits 9 on every run until a person has checked app.nps.today and
// settled the row (it arrived: later runs skip it, exit 0, nothing sent) or sent it with
// --resend-unknown (it did not). Forgetting a row makes the next run send it again.
func TestNpsRespondentImportLostAnswer(t *testing.T) {
	t.Parallel()
	e := clitest.New(t)
	file := writeFile(t, e, "r.csv", "campaign,email\n103,ada@example.com\n")
	run := func(args ...string) clitest.Result {
		r := e.Run(append([]string{"nps", "respondent", "import", file}, args...)...)
		r.Stderr = stamp.ReplaceAllString(r.Stderr, "<T>")
		return r
	}
	const way = "check app.nps.today, then: nimbusctl nps survey ledger settle --rows 103/ada@example.com (it arrived), or rerun with --resend-unknown (it did not)"
	e.Emu.InjectFaults(emulator.ServiceNPSToday, "", emulator.FaultTimeoutAfter)
	expectRun(t, run(), 9, "",
		file+":2: 103/ada@example.com: send failed: SendSurvey: 504 Gateway Timeout: The request timed-out. (the request may have been applied; not retried): "+
			"the survey may have gone out (nps.today offers no read-back to check), so no rerun sends it again; "+way+"\n"+
			"X 1 row: 1 failed (T)\n"+
			"error: 1 row failed (see the messages above): its answer was lost, so it may have gone out, and no rerun sends it: check app.nps.today, then settle it (it arrived), or rerun with --resend-unknown (it did not)\n")
	for i := 0; i < 2; i++ { // cron over the same file: each run says so, and fails
		expectRun(t, run(), 9, "",
			file+":2: 103/ada@example.com: not sent: the send of <T> got no answer: it may have gone out, so it is not sent again; "+way+"\n"+
				"! 1 row: 1 not sent (may have gone out already) (T)\n"+
				"error: 1 row may have been surveyed: an earlier send got no answer, and nobody has settled it; check app.nps.today, then run the command shown for each (it arrived), or rerun with --resend-unknown (it did not)\n")
	}
	if n := len(e.Emu.NPSSurveys()); n != 1 {
		t.Fatalf("%d surveys, want 1", n)
	}
	list := e.Run("nps", "survey", "ledger", "list", "--rows", "--unsettled")
	if !regexp.MustCompile(`^[0-9a-f]{16}\t103/ada@example.com\tunknown\t103\t\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\n$`).MatchString(list.Stdout) || list.Code != 0 {
		t.Fatalf("ledger list --rows: exit %d\n%s%s", list.Code, list.Stdout, list.Stderr)
	}
	e.Run("nps", "survey", "ledger", "settle", "--rows", "103/bob@example.com").
		Expect(t, 6, "", "error: the respondent-import ledger has no row \"103/bob@example.com\": nothing was settled\n")

	// It arrived: settled by the row's key, later runs skip it and pass.
	e.RunWith(clitest.RunOpts{TTY: true}, "nps", "survey", "ledger", "settle", "--rows", "103/ada@example.com").Expect(t, 0, "",
		"✓ Settled row 103/ada@example.com (campaign 103): respondent import skips it as surveyed from now on, and never sends it\n")
	expectRun(t, run(), 0, "", "✓ 1 row: 1 skipped (already done) (T)\n")
	if n := len(e.Emu.NPSSurveys()); n != 1 {
		t.Fatalf("%d surveys, want 1", n)
	}
	// Released by its id: the next run sends it again.
	id := strings.SplitN(list.Stdout, "\t", 2)[0]
	e.RunWith(clitest.RunOpts{TTY: true}, "nps", "survey", "ledger", "forget", "--rows", id).Expect(t, 0, "",
		"✓ Released row 103/ada@example.com (was settled, campaign 103): the next respondent import of it sends it again\n")
	expectRun(t, run(), 0, "", "✓ 1 row: 1 sent (T)\n")
	if n := len(e.Emu.NPSSurveys()); n != 2 {
		t.Fatalf("%d surveys, want 2", n)
	}
}

// Rows a person cannot tell apart by their key (the same respondent and campaign, surveyed
// about something else: another note) are told apart by their ids: settling by the key takes
// the one whose send got no answer, and is refused when that is more than one. A ledger
// written before respondents were kept shows its rows by id, and settles them by id.
func TestNpsSurveyLedgerRowsByKeyOrID(t *testing.T) {
	t.Parallel()
	e := clitest.New(t)
	first := writeFile(t, e, "a.csv", "campaign,email,note\n103,ada@example.com,order 1\n")
	second := writeFile(t, e, "b.csv", "campaign,email,note\n103,ada@example.com,order 2\n")
	for _, file := range []string{first, second} {
		e.Emu.InjectFaults(emulator.ServiceNPSToday, "", emulator.FaultTimeoutAfter) // the campaigns, then the send
		if r := e.Run("nps", "respondent", "import", file); r.Code != 9 {
			t.Fatalf("%s: exit %d\n%s", file, r.Code, r.Stderr)
		}
	}
	// An entry of an older ledger: no respondent.
	oldKey := bulk.SurveyKey("respondent", "103", "bob@example.com")
	day := time.Now().UTC().AddDate(0, 0, -1)
	if err := os.WriteFile(filepath.Join(e.Home, "state", "nps", "default", "respondents", day.Format("2006-01-02")+".jsonl"),
		[]byte(`{"key":"`+oldKey+`","state":"unknown","at":"`+day.Format(time.RFC3339)+`","campaign":"103"}`+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	ids := e.Run("nps", "survey", "ledger", "list", "--rows", "-o", "json", "--jq", ".[] | [.id, .row, .state] | @tsv")
	rows := strings.Split(strings.TrimSuffix(ids.Stdout, "\n"), "\n")
	if ids.Code != 0 || len(rows) != 3 || rows[0] != oldKey[:16]+"\t"+oldKey[:16]+"\tunknown" {
		t.Fatalf("ledger list --rows: exit %d\n%s%s", ids.Code, ids.Stdout, ids.Stderr)
	}
	idA, idB := strings.Split(rows[1], "\t")[0], strings.Split(rows[2], "\t")[0]
	for _, r := range rows[1:] {
		if !strings.HasSuffix(r, "\t103/ada@example.com\tunknown") {
			t.Fatalf("row %q", r)
		}
	}
	e.Run("nps", "survey", "ledger", "settle", "--rows", "103/ada@example.com").Expect(t, 3, "",
		"error: \"103/ada@example.com\" names 2 rows of the respondent-import ledger: give the id of one ("+idA+" (unknown), "+idB+" (unknown); see 'nimbusctl nps survey ledger list --rows')\n"+
			"Run 'nimbusctl nps survey ledger settle --help' for usage.\n")
	e.RunWith(clitest.RunOpts{TTY: true}, "nps", "survey", "ledger", "settle", "--rows", "row:"+idA, oldKey[:16]).Expect(t, 0, "",
		"✓ Settled row 103/ada@example.com (campaign 103): respondent import skips it as surveyed from now on, and never sends it\n"+
			"✓ Settled row "+oldKey[:16]+" (campaign 103): respondent import skips it as surveyed from now on, and never sends it\n")
	// One of the two is left unsettled: the key settles it.
	e.Run("nps", "survey", "ledger", "settle", "--rows", "103/ada@example.com").Expect(t, 0, "", "")
	e.Run("nps", "survey", "ledger", "list", "--rows", "-o", "json", "--jq", ".[] | .state").Expect(t, 0, "settled\nsettled\nsettled\n", "")
	expectRun(t, e.Run("nps", "respondent", "import", second), 0, "", "✓ 1 row: 1 skipped (already done) (T)\n")
	e.Run("nps", "survey", "ledger", "forget", "--rows", "103/ada@example.com").Expect(t, 3, "",
		"error: \"103/ada@example.com\" names 2 rows of the respondent-import ledger: give the id of one ("+idA+" (settled), "+idB+" (settled); see 'nimbusctl nps survey ledger list --rows')\n"+
			"Run 'nimbusctl nps survey ledger forget --help' for usage.\n")
	if n := len(e.Emu.NPSSurveys()); n != 2 {
		t.Fatalf("%d surveys, want 2", n)
	}
}

// --resend-unknown is the way when the survey did not arrive: the row is sent, the run passes.
func TestNpsRespondentImportResendUnknown(t *testing.T) {
	t.Parallel()
	e := clitest.New(t)
	file := writeFile(t, e, "r.csv", "campaign,email\n103,ada@example.com\n")
	e.Emu.InjectFaults(emulator.ServiceNPSToday, "", emulator.FaultTimeoutAfter)
	if r := e.Run("nps", "respondent", "import", file); r.Code != 9 {
		t.Fatalf("exit %d\n%s", r.Code, r.Stderr)
	}
	expectRun(t, e.Run("nps", "respondent", "import", file, "--resend-unknown"), 0, "", "✓ 1 row: 1 sent (T)\n")
	expectRun(t, e.Run("nps", "respondent", "import", file), 0, "", "✓ 1 row: 1 skipped (already done) (T)\n")
	if n := len(e.Emu.NPSSurveys()); n != 2 {
		t.Fatalf("%d surveys, want 2", n)
	}
}

// P-gap: a held survey makes the row pending and the exit 8 (9 when a row also failed); the
// rerun asks nps.today nothing for it until the row has the agent's rating.
func TestNpsRespondentImportPendingExit8(t *testing.T) {
	t.Parallel()
	e := clitest.New(t)
	file := writeFile(t, e, "r.csv", "campaign,phone,employee\n101,+41445551001,anna.meier@contoso.com\n101,+41315552002,agent@contoso.com\n")
	held := file + ":2: pending: held until anna.meier@contoso.com rates the call (p-gap): put the agent's rating (0-10) in the agentRating column and run again, or let the agent send it: " + annaRowCommand + "\n"
	e.Setenv("NIMBUSCTL_MAX_RETRIES", "0")
	e.Emu.InjectFaults(emulator.ServiceNPSToday, "", "", emulator.FaultUnavailable) // the second send fails
	expectRun(t, e.Run("nps", "respondent", "import", file, "--concurrency", "1"), 9, "",
		held+
			file+":3: 101/+41315552002: send failed: SendSurveyCheckPgap: 503 Service Unavailable: Service Unavailable.\n"+
			"X 2 rows: 1 pending (p-gap), 1 failed (T)\n"+
			"error: 1 row failed (see the messages above); run the same command again to retry it\n")
	r := e.Run("nps", "respondent", "import", file, "--concurrency", "1")
	r.Stderr = regexp.MustCompile(`held since \d{4}-\d\d-\d\d \d\d:\d\d UTC`).ReplaceAllString(r.Stderr, "held since <T>")
	expectRun(t, r, 8, "",
		file+":2: pending: held since <T>: held until anna.meier@contoso.com rates the call (p-gap): put the agent's rating (0-10) in the agentRating column and run again, or let the agent send it: "+annaRowCommand+"\n"+
			"! 2 rows: 1 sent, 1 pending (p-gap) (T)\n"+
			"error: 1 survey held until the agent rates the call (p-gap); nothing was sent to it: give that row the agent's rating (0-10) and run the same command again\n")
	if e.Emu.NPSHeld() != 1 || len(e.Emu.NPSSurveys()) != 1 {
		t.Fatalf("held %d sent %d", e.Emu.NPSHeld(), len(e.Emu.NPSSurveys()))
	}
	rated := writeFile(t, e, "r.csv", "campaign,phone,employee,Agent Rating\n101,+41445551001,anna.meier@contoso.com,9\n101,+41315552002,agent@contoso.com,\n")
	e.Run("nps", "respondent", "import", rated, "-o", "json", "--jq", "[.sent, .pending, .skipped]").Expect(t, 0, "[1,0,1]\n", "")
	got := e.Emu.NPSSurveys()
	if len(got) != 2 || got[1].AgentRating == nil || *got[1].AgentRating != 9 {
		t.Fatalf("surveys %+v", got)
	}
	// Without a terminal or a ledger, a fresh file of held rows: exit 8 as well.
	e2 := clitest.New(t)
	only := writeFile(t, e2, "p.csv", "campaign,phone,employee\n101,+41445551001,anna.meier@contoso.com\n")
	expectRun(t, e2.Run("nps", "respondent", "import", only, "--no-ledger"), 8, "",
		only+":2: pending: held until anna.meier@contoso.com rates the call (p-gap): put the agent's rating (0-10) in the agentRating column and run again\n"+
			"! 1 row: 1 pending (p-gap) (T)\n"+
			"error: 1 survey held until the agent rates the call (p-gap); nothing was sent to it: give that row the agent's rating (0-10) and run the same command again\n")
	expectRun(t, e2.Run("nps", "respondent", "import", only, "--check-pgap=false"), 0, "", "✓ 1 row: 1 sent (T)\n")
}

// annaRowCommand is what the import shows for the held row of Anna's call.
const annaRowCommand = "nimbusctl nps survey send --campaign 101 --phone +41445551001 --employee anna.meier@contoso.com --once row:4569731040ab5e13"

// A held row can also be settled by the command shown for it (the agent runs it and rates
// the call); later runs of the import know, with or without a rating in the row.
func TestNpsRespondentImportHeldRowSentByItsCommand(t *testing.T) {
	t.Parallel()
	e := clitest.New(t)
	file := writeFile(t, e, "r.csv", "campaign,phone,employee\n101,+41445551001,anna.meier@contoso.com\n")
	r := e.Run("nps", "respondent", "import", file)
	if r.Code != 8 || !strings.Contains(r.Stderr, "or let the agent send it: "+annaRowCommand+"\n") {
		t.Fatalf("exit %d\n%s", r.Code, r.Stderr)
	}
	answers := &clitest.Answers{Inputs: []string{"6"}}
	e.RunWith(clitest.RunOpts{TTY: true, Prompter: answers}, append(strings.Fields(annaRowCommand)[1:], "-o", "json", "--jq", ".agentRating")...).
		Expect(t, 0, "6\n", "nps.today holds this survey: anna.meier@contoso.com is in a p-gap training period.\n")
	rated := writeFile(t, e, "rated.csv", "campaign,phone,employee,agentRating\n101,+41445551001,anna.meier@contoso.com,6\n")
	for _, f := range []string{file, rated} {
		r = e.Run("nps", "respondent", "import", f, "--report", filepath.Join(e.Home, "report.csv"))
		report, _ := os.ReadFile(filepath.Join(e.Home, "report.csv"))
		if r.Code != 0 || !regexp.MustCompile(`,skip,ok,"held on .*, then sent on .* by nimbusctl nps survey send --once"`).Match(report) {
			t.Fatalf("%s: exit %d\n%s\n%s", f, r.Code, r.Stderr, report)
		}
	}
	if got := e.Emu.NPSSurveys(); len(got) != 1 || *got[0].AgentRating != 6 {
		t.Fatalf("surveys %+v", got)
	}
}

// The summary of a run whose failed rows include lost answers does not tell the user that a
// rerun retries them: it does not (they may have gone out).
func TestNpsRespondentImportFailedSummaryTellsWhatARerunRetries(t *testing.T) {
	t.Parallel()
	e := clitest.New(t)
	file := writeFile(t, e, "r.csv", "campaign,email\n103,ada@example.com\n103,bob@example.com\n103,cy@example.com\n")
	e.Setenv("NIMBUSCTL_MAX_RETRIES", "0") // a 503 fails its row at once: nothing was sent, a rerun sends it
	e.Emu.InjectFaults(emulator.ServiceNPSToday, "", emulator.FaultTimeoutAfter, emulator.FaultUnavailable)
	r := e.Run("nps", "respondent", "import", file, "--concurrency", "1")
	if r.Code != 9 || !strings.HasSuffix(r.Stderr, "error: 2 rows failed (see the messages above): a rerun retries 1 of them; the answer of the other 1 was lost, so they may have gone out, and no rerun sends them: check app.nps.today, then settle them (they arrived), or rerun with --resend-unknown (they did not)\n") {
		t.Fatalf("exit %d\n%s", r.Code, r.Stderr)
	}
}

// A row whose send a killed run had started (the ledger's last word on it is "sending") is
// failed once by the next run, and said once on stderr, like any failed row: with the command
// that settles it, which works as printed.
func TestNpsRespondentImportKilledMidSendSaidOnce(t *testing.T) {
	t.Parallel()
	e := clitest.New(t)
	file := writeFile(t, e, "r.csv", "campaign,externalId,email\n103,K 1/x,ada@example.com\n")
	run := func() clitest.Result {
		r := e.Run("nps", "respondent", "import", file)
		r.Stderr = stamp.ReplaceAllString(r.Stderr, "<T>")
		return r
	}
	expectRun(t, run(), 0, "", "✓ 1 row: 1 sent (T)\n")
	// The run is killed between its request and the answer: "sent" never reaches the ledger.
	files, _ := filepath.Glob(filepath.Join(e.Home, "state", "nps", "default", "respondents", "*.jsonl"))
	raw, err := os.ReadFile(files[0])
	if err != nil || !strings.Contains(string(raw), `"state":"sent"`) {
		t.Fatalf("ledger %s %v", raw, err)
	}
	sending, _, _ := strings.Cut(string(raw), "\n")
	if err := os.WriteFile(files[0], []byte(sending+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	const way = "check app.nps.today, then: nimbusctl nps survey ledger settle --rows '103/K 1/x' (it arrived), or rerun with --resend-unknown (it did not)"
	expectRun(t, run(), 9, "",
		file+":2: 103/K 1/x: send failed: the run that sent it on <T> stopped before nps.today answered (killed, or the machine went down): "+
			"it may have gone out, and nps.today offers no read-back, so it is not sent again; "+way+"\n"+
			"X 1 row: 1 failed (T)\n"+
			"error: 1 row failed (see the messages above): its answer was lost, so it may have gone out, and no rerun sends it: check app.nps.today, then settle it (it arrived), or rerun with --resend-unknown (it did not)\n")
	e.Run(clitest.Pasted(t, "nimbusctl nps survey ledger settle --rows '103/K 1/x'")...).Expect(t, 0, "", "")
	expectRun(t, run(), 0, "", "✓ 1 row: 1 skipped (already done) (T)\n")
	if n := len(e.Emu.NPSSurveys()); n != 1 {
		t.Fatalf("%d surveys, want 1", n)
	}
}
