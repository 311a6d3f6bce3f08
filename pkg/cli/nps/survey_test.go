package nps_test

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nimbusctl/nimbusctl/pkg/cli/clitest"
	"github.com/nimbusctl/nimbusctl/pkg/cli/nps"
	"github.com/nimbusctl/nimbusctl/pkg/emulator"
)

func TestNpsSurveySend(t *testing.T) {
	t.Parallel()
	e := clitest.New(t, unlimited())
	e.Setenv("NIMBUSCTL_DEFAULT_COUNTRY", "+45") // a Danish profile
	e.Run("nps", "survey", "send", "--campaign", "Sales", "--phone", "21 23 45 67", "--first-name", "Ada", "--last-name", "Lovelace",
		"--company", "Analytical AG", "--custom", `{"orderId":"42"}`, "--employee", emulator.NPSEmployeeSales, "--note", "bought a lot").
		Expect(t, 0, "sent\t102\t+4521234567\tluca.rossi@contoso.com\t\t\n", "")
	got := e.Emu.NPSSurveys()
	if len(got) != 1 {
		t.Fatalf("surveys %+v", got)
	}
	s := got[0]
	want := map[string]any{"phoneNumber": "+4521234567", "firstName": "Ada", "lastName": "Lovelace", "company": map[string]any{"name": "Analytical AG"}}
	if s.CampaignID != 102 || s.Endpoint != "respondents" || s.Custom != `{"orderId":"42"}` || s.Employee["email"] != emulator.NPSEmployeeSales || fmt.Sprint(s.Respondent) != fmt.Sprint(want) {
		t.Errorf("sent %+v", s)
	}

	// E-mail respondents; the profile's default_country for national numbers; TTY table.
	e.Run("nps", "survey", "send", "--campaign", "103", "--email", "alice@example.com", "-o", "json").Expect(t, 0, `{
  "result": "sent",
  "campaignId": "103",
  "recipient": "alice@example.com"
}
`, "")
	e.Setenv("NIMBUSCTL_DEFAULT_COUNTRY", "+41")
	e.RunWith(clitest.RunOpts{TTY: true}, "nps", "survey", "send", "--campaign", "101", "--phone", "044 555 10 01").Expect(t, 0, lines(
		"RESULT  CAMPAIGN  RECIPIENT     EMPLOYEE  RATING  DETAIL",
		"sent    101       +41445551001",
	), "")
	if n := len(e.Emu.NPSSurveys()); n != 3 {
		t.Fatalf("%d surveys", n)
	}

	// Flags are checked before anything is sent.
	bad := []struct {
		args []string
		msg  string
	}{
		{[]string{"--phone", "+4521234567"}, "--campaign is required (see nimbusctl nps campaigns list)"},
		{[]string{"--campaign", "101"}, "give --phone or --email: who gets the survey"},
		{[]string{"--campaign", "101", "--phone", "12"}, `--phone: "12" has no country code, and no default_country is set: write it with its country code, or set the country of national numbers: nimbusctl config set default_country +41 (your country's code)`},
		{[]string{"--campaign", "101", "--email", "alice"}, `--email: "alice" is not an e-mail address`},
		{[]string{"--campaign", "101", "--phone", "+4521234567", "--custom", "orderId=42"}, "--custom must be a JSON object, e.g. {\"orderId\":\"42\"}: invalid character 'o' looking for beginning of value"},
		{[]string{"--campaign", "101", "--phone", "+4521234567", "--employee", "anna@"}, `--employee: "anna@" is not an e-mail address`},
		{[]string{"--campaign", "101", "--phone", "+4521234567", "--agent-rating", "11"}, "--agent-rating must be between 0 and 10, got 11"},
		{[]string{"--campaign", "101", "--phone", "+4521234567", "--agent-rating", "-1"}, "--agent-rating must be between 0 and 10, got -1"},
	}
	e.Setenv("NIMBUSCTL_DEFAULT_COUNTRY", "")
	for _, b := range bad {
		args := append([]string{"nps", "survey", "send"}, b.args...)
		e.Run(args...).Expect(t, 3, "", "error: "+b.msg+"\nRun 'nimbusctl nps survey send --help' for usage.\n")
	}
	e.Run("nps", "survey", "send", "--campaign", "999", "--phone", "+4521234567").
		Expect(t, 6, "", "error: SendSurvey: 404 Not Found: Campaign not found.\n")
	e.Run("nps", "survey", "send", "--campaign", "Nope", "--phone", "+4521234567").
		Expect(t, 6, "", "error: no campaign named \"Nope\"\n")
	if n := len(e.Emu.NPSSurveys()); n != 3 {
		t.Errorf("a refused send was stored: %d surveys", n)
	}
}

// The p-gap round trip on a terminal: nps.today holds the survey, the agent is asked and
// answers 8, the survey goes out with the rating.
func TestNpsPgapOnTTY(t *testing.T) {
	t.Parallel()
	e := clitest.New(t)
	answers := &clitest.Answers{Inputs: []string{"8"}}
	e.RunWith(clitest.RunOpts{TTY: true, Prompter: answers},
		"nps", "survey", "send", "--campaign", "101", "--phone", "+41445551001", "--employee", emulator.NPSEmployeePgap, "--check-pgap").
		Expect(t, 0, lines(
			"RESULT  CAMPAIGN  RECIPIENT     EMPLOYEE                RATING  DETAIL",
			"sent    101       +41445551001  anna.meier@contoso.com  8",
		), "nps.today holds this survey: anna.meier@contoso.com is in a p-gap training period.\n")
	if strings.Join(answers.Questions, "|") != nps.PgapQuestion || nps.PgapQuestion != "How satisfied do you think the customer is? (0-10)" {
		t.Errorf("questions %q", answers.Questions)
	}
	got := e.Emu.NPSSurveys()
	if e.Emu.NPSHeld() != 1 || len(got) != 1 || got[0].AgentRating == nil || *got[0].AgentRating != 8 || got[0].Endpoint != "respondents" {
		t.Fatalf("held %d, sent %+v", e.Emu.NPSHeld(), got)
	}
}

func TestNpsPgapReasksOnInvalidInput(t *testing.T) {
	t.Parallel()
	e := clitest.New(t)
	answers := &clitest.Answers{Inputs: []string{"eleven", "11", " 0 "}}
	e.RunWith(clitest.RunOpts{TTY: true, Prompter: answers},
		"nps", "survey", "send", "--campaign", "101", "--phone", "+41445551001", "--employee", emulator.NPSEmployeePgap, "--check-pgap", "-o", "json").
		Expect(t, 0, `{
  "result": "sent",
  "campaignId": "101",
  "recipient": "+41445551001",
  "employee": "anna.meier@contoso.com",
  "agentRating": 0
}
`, "nps.today holds this survey: anna.meier@contoso.com is in a p-gap training period.\n"+
			"Please answer with a whole number from 0 to 10.\nPlease answer with a whole number from 0 to 10.\n")
	if len(answers.Questions) != 3 || *e.Emu.NPSSurveys()[0].AgentRating != 0 {
		t.Errorf("questions %q surveys %+v", answers.Questions, e.Emu.NPSSurveys())
	}
	// Ctrl-D at the question: cancelled, nothing sent.
	e.RunWith(clitest.RunOpts{TTY: true, Prompter: &clitest.Answers{}},
		"nps", "survey", "send", "--campaign", "101", "--phone", "+41445551001", "--employee", emulator.NPSEmployeePgap, "--check-pgap").
		Expect(t, 2, "", "nps.today holds this survey: anna.meier@contoso.com is in a p-gap training period.\ncancelled\n")
	if len(e.Emu.NPSSurveys()) != 1 {
		t.Error("a cancelled survey was sent")
	}
}

// Off a terminal: the pending state as JSON on stdout, exit 8; the script asks and reruns
// with --agent-rating.
func TestNpsPgapWithoutTTY(t *testing.T) {
	t.Parallel()
	e := clitest.New(t)
	args := []string{"nps", "survey", "send", "--campaign", "101", "--phone", "+41445551001", "--employee", emulator.NPSEmployeePgap, "--check-pgap"}
	e.Run(args...).Expect(t, 8, `{
  "result": "pgap",
  "campaignId": "101",
  "recipient": "+41445551001",
  "employee": "anna.meier@contoso.com",
  "detail": "held until the agent rates the call: rerun with --agent-rating 0-10"
}
`, "error: survey held: anna.meier@contoso.com is in a p-gap period on campaign 101; nothing was sent. Rerun with --agent-rating 0-10 (the agent's rating)\n")
	if len(e.Emu.NPSSurveys()) != 0 || e.Emu.NPSHeld() != 1 {
		t.Fatal("a held survey was sent")
	}
	// The pending state is JSON even when -o asks for a table; --jq still filters it.
	e.Run(append(args, "--jq", ".result")...).Expect(t, 8, "pgap\n", "error: survey held: anna.meier@contoso.com is in a p-gap period on campaign 101; nothing was sent. Rerun with --agent-rating 0-10 (the agent's rating)\n")
	e.Run(append(args, "--agent-rating", "6")...).Expect(t, 0, "sent\t101\t+41445551001\tanna.meier@contoso.com\t6\t\n", "")
	got := e.Emu.NPSSurveys()
	if len(got) != 1 || *got[0].AgentRating != 6 {
		t.Fatalf("sent %+v", got)
	}
	// --check-pgap=false: the survey goes out at once.
	e.Run("nps", "survey", "send", "--campaign", "101", "--phone", "+41445551001", "--employee", emulator.NPSEmployeePgap, "--check-pgap=false").
		Expect(t, 0, "sent\t101\t+41445551001\tanna.meier@contoso.com\t\t\n", "")
}

// A burst of sends against a tight per-key limit: nps.today answers 429, the client waits
// Retry-After and tries again; every survey lands exactly once.
func TestNpsBurstOver429SendsEachSurveyOnce(t *testing.T) {
	t.Parallel()
	e := clitest.New(t, clitest.WithEmulator(func(o *emulator.Options) {
		o.NPSTodayRateLimit = emulator.Rate{Count: 2, Per: time.Second}
	}))
	const n = 6
	var wg sync.WaitGroup
	results := make([]clitest.Result, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = e.Run("nps", "survey", "send", "--campaign", "101", "--phone", fmt.Sprintf("+452123456%d", i), "-o", "json", "--jq", ".result")
		}()
	}
	wg.Wait()
	for _, r := range results {
		r.Expect(t, 0, "sent\n", "")
	}
	seen := map[string]int{}
	for _, s := range e.Emu.NPSSurveys() {
		seen[s.Respondent["phoneNumber"].(string)]++
	}
	if len(seen) != n {
		t.Errorf("surveys %v", seen)
	}
	for p, c := range seen {
		if c != 1 {
			t.Errorf("%s surveyed %d times", p, c)
		}
	}
	if e.Emu.Stats().RateLimited[emulator.ServiceNPSToday] == 0 {
		t.Skip("the runs were too slow to be throttled: nothing about 429 was shown")
	}
}

// The documented 10 calls/s per key: a client configured faster than that is throttled,
// retries, and still sends each survey once.
func TestNpsTenPerSecond(t *testing.T) {
	t.Parallel()
	e := clitest.New(t)
	e.Setenv("NIMBUSCTL_NPSTODAY_RATE", "200/s")
	var events []string
	for i := range 40 {
		events = append(events, fmt.Sprintf(`{"taskId":"T%02d","event":"Terminated","modality":"Audio","created":"2026-03-23T09:00:00Z","terminated":"2026-03-23T09:05:00Z","callerTelNumber":"+45212%05d","serviceUPN":"sales@contoso.com","LastConnectedUserEmail":"luca.rossi@contoso.com"}`, i, i))
	}
	r := e.RunWith(clitest.RunOpts{Stdin: strings.Join(events, "\n")}, "nps", "survey", "after-call", "-o", "json", "--jq", "map(.result) | unique")
	r.Expect(t, 0, `["sent"]`+"\n", "")
	sent := e.Emu.NPSSurveys()
	seen := map[string]bool{}
	for _, s := range sent {
		seen[s.Respondent["phoneNumber"].(string)] = true
	}
	if len(sent) != 40 || len(seen) != 40 {
		t.Errorf("%d surveys to %d numbers, want 40 each", len(sent), len(seen))
	}
	noSecret(t, r, emulator.NPSTodayAPIKey)
	var out []map[string]any
	json.Unmarshal([]byte(e.MustRun("nps", "bi", "campaignmembers", "-o", "json").Stdout), &out)
	if len(out) != 40 {
		t.Errorf("bi campaignmembers: %d", len(out))
	}
	if e.Emu.Stats().RateLimited[emulator.ServiceNPSToday] == 0 {
		t.Skip("too slow to exceed 10 calls/s: nothing about 429 was shown")
	}
}

// Every documented field of the add-respondent body has a flag; --employee takes an id too.
func TestNpsSurveySendAllFields(t *testing.T) {
	t.Parallel()
	e := clitest.New(t)
	e.Setenv("NIMBUSCTL_DEFAULT_COUNTRY", "+41")
	e.Run("nps", "survey", "send", "--campaign", "103", "--email", "bob@fabrikam.example", "--phone", "079 555 12 34",
		"--first-name", "Bob", "--last-name", "Baker", "--title", "Dr.", "--department", "Purchasing", "--external-id", "C-77",
		"--address1", "Main St 1", "--address2", "c/o Desk", "--city", "Zurich", "--country", "Switzerland", "--zip-code", "8001",
		"--active=false", "--send-email-at", "2026-03-23T15:00:00+01:00",
		"--company", "Fabrikam AG", "--company-email", "info@fabrikam.example", "--company-industry", "Retail",
		"--company-address1", "Road 2", "--company-address2", "Floor 3", "--company-city", "Bern", "--company-country", "Switzerland",
		"--company-zip-code", "3000", "--company-account-no", "A-1", "--company-segment", "B2B", "--company-phone", "031 555 00 00",
		"--employee", "E-1042", "--employee-first-name", "Luca", "--employee-last-name", "Rossi", "--employee-title", "Agent",
		"--employee-department", "Sales", "--employee-team", "A", "--employee-division", "Nordics", "--employee-phone", "044 555 02 01",
		"--employee-active", "--note", "asked for a callback", "--do-not-contact=false", "--guid", "5b0e8b1c-1111-4d2e-8f3a-6b7c8d9e0a01",
		"--check-pgap=false", "-o", "json", "--jq", ".result").Expect(t, 0, "sent\n", "")
	got := e.Emu.NPSSurveys()
	if len(got) != 1 {
		t.Fatalf("surveys %+v", got)
	}
	want := "map[active:false address1:Main St 1 address2:c/o Desk city:Zurich company:map[accountNo:A-1 address1:Road 2 address2:Floor 3 city:Bern " +
		"country:Switzerland emailAddress:info@fabrikam.example industry:Retail name:Fabrikam AG phoneNumber:+41315550000 segment:B2B zipCode:3000] " +
		"country:Switzerland department:Purchasing emailAddress:bob@fabrikam.example externalId:C-77 firstName:Bob lastName:Baker phoneNumber:+41795551234 " +
		"sendEmailAt:2026-03-23 14:00:00 title:Dr. zipCode:8001]"
	if fmt.Sprint(got[0].Respondent) != want {
		t.Errorf("respondent\n%v\nwant\n%s", got[0].Respondent, want)
	}
	if emp := fmt.Sprint(got[0].Employee); emp != "map[active:true department:Sales division:Nordics externalId:E-1042 firstName:Luca lastName:Rossi phoneNumber:+41445550201 team:A title:Agent]" {
		t.Errorf("employee %s", emp)
	}
	if got[0].Endpoint != "respondent" {
		t.Errorf("endpoint %s", got[0].Endpoint)
	}
	for _, b := range []struct {
		args []string
		msg  string
	}{
		{[]string{"--employee-team", "A"}, "--employee-team describes the employee: give --employee (an e-mail address or id) too"},
		{[]string{"--employee", "E-1", "--employee-external-id", "E-2"}, `--employee "E-1" is an id, and --employee-external-id says "E-2": give one`},
		{[]string{"--agent-rating", "5"}, "--agent-rating is the employee's own rating: give --employee too"},
		{[]string{"--send-email-at", "tomorrow"}, `--send-email-at: "tomorrow" is not a time: use RFC 3339 (2026-03-23T14:00:00Z) or 2026-03-23 14:00:00 (UTC)`},
		{[]string{"--company-email", "info"}, `--company-email: "info" is not an e-mail address`},
		{[]string{"--once", " "}, "--once needs a KEY, e.g. --once order-42"},
	} {
		args := append([]string{"nps", "survey", "send", "--campaign", "101", "--phone", "+4521234567"}, b.args...)
		e.Run(args...).Expect(t, 3, "", "error: "+b.msg+"\nRun 'nimbusctl nps survey send --help' for usage.\n")
	}
	if n := len(e.Emu.NPSSurveys()); n != 1 {
		t.Errorf("%d surveys", n)
	}
}

// --once KEY: a rerun with the same key sends nothing; a held survey under a key is sent
// by the rerun with the rating; a failed one is sent again.
func TestNpsSurveySendOnce(t *testing.T) {
	t.Parallel()
	e := clitest.New(t)
	args := []string{"nps", "survey", "send", "--campaign", "101", "--phone", "+41445551001", "--once", "order-42"}
	e.Run(args...).Expect(t, 0, "sent\t101\t+41445551001\t\t\t\n", "")
	r := e.Run(args...)
	r.Stdout = stamp.ReplaceAllString(r.Stdout, "<T>")
	r.Expect(t, 0, "skipped:already-sent\t101\t+41445551001\t\t\tsent on <T> under --once order-42 (campaign 101)\n", "")
	if n := len(e.Emu.NPSSurveys()); n != 1 {
		t.Fatalf("%d surveys, want 1", n)
	}
	held := []string{"nps", "survey", "send", "--campaign", "101", "--phone", "+41445551001", "--employee", emulator.NPSEmployeePgap, "--once", "T-9"}
	e.Run(append(held, "--jq", ".result")...).Expect(t, 8, "pgap\n",
		"error: survey held: anna.meier@contoso.com is in a p-gap period on campaign 101; nothing was sent. Rerun with --agent-rating 0-10 (the agent's rating)\n")
	e.Run(append(held, "--agent-rating", "4")...).Expect(t, 0, "sent\t101\t+41445551001\tanna.meier@contoso.com\t4\t\n", "")
	e.Run(append(held, "--agent-rating", "4", "--jq", ".result")...).Expect(t, 0, "skipped:already-sent\n", "")
	gone := []string{"nps", "survey", "send", "--campaign", "999", "--phone", "+41445551001", "--once", "K"}
	e.Run(gone...).Expect(t, 6, "", "error: SendSurvey: 404 Not Found: Campaign not found.\n")
	if n := len(e.Emu.NPSSurveys()); n != 2 {
		t.Fatalf("%d surveys, want 2", n)
	}
	if l, _ := filepath.Glob(filepath.Join(e.Home, "state", "nps", "default", "send", "*.jsonl")); len(l) != 1 {
		t.Errorf("ledger files %v", l)
	}
}

// --once KEY whose send got no answer (504 after nps.today acted): the survey may have gone
// out. That run exits 9 with the way out; every rerun under the key sends nothing, says
// skipped:unknown and exits 9, until a person settles the key (it arrived: later runs say
// already-sent, exit 0, nothing sent) or forgets it (it did not: the next run sends it).
func TestNpsSurveySendOnceLostAnswer(t *testing.T) {
	t.Parallel()
	e := clitest.New(t)
	args := []string{"nps", "survey", "send", "--campaign", "101", "--phone", "+41445551001", "--once", "order-42"}
	const way = "check app.nps.today, then: nimbusctl nps survey ledger settle --once order-42 (it arrived), or: nimbusctl nps survey ledger forget --once order-42, then send it again (it did not)"
	e.Emu.InjectFaults(emulator.ServiceNPSToday, emulator.FaultTimeoutAfter) // the send (a campaign id needs no lookup)
	e.Run(args...).Expect(t, 9, "",
		"error: SendSurvey: 504 Gateway Timeout: The request timed-out. (the request may have been applied; not retried): the survey may have gone out (nps.today offers no read-back to check), so no rerun under --once order-42 sends it; "+way+"\n")
	for i := 0; i < 2; i++ {
		r := e.Run(args...)
		r.Stdout = stamp.ReplaceAllString(r.Stdout, "<T>")
		r.Expect(t, 9, "skipped:unknown\t101\t+41445551001\t\t\tthe send of <T> under --once order-42 got no answer: it may have gone out, so it is not sent again; "+way+"\n",
			"error: the survey under --once order-42 may have gone out: an earlier send got no answer, and nobody has settled it (see its detail)\n")
	}
	list := func(args ...string) clitest.Result {
		r := e.Run(append([]string{"nps", "survey", "ledger", "list", "--once"}, args...)...)
		r.Stdout = regexp.MustCompile(`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ`).ReplaceAllString(r.Stdout, "<T>")
		return r
	}
	list("--unsettled").Expect(t, 0, "order-42\tunknown\t101\t<T>\n", "")
	e.Run("nps", "survey", "ledger", "settle", "--once", "order-4").Expect(t, 6, "", "error: the --once ledger has no key \"order-4\": nothing was settled\n")

	// It arrived: settled, later runs send nothing and pass.
	e.RunWith(clitest.RunOpts{TTY: true}, "nps", "survey", "ledger", "settle", "--once", "order-42").Expect(t, 0, "",
		"✓ Settled --once order-42 (campaign 101): survey send reports it as sent from now on, and never sends it\n")
	r := e.Run(args...)
	r.Stdout = stamp.ReplaceAllString(r.Stdout, "<T>")
	r.Expect(t, 0, "skipped:already-sent\t101\t+41445551001\t\t\tsettled by hand on <T> under --once order-42 (campaign 101): its send had got no answer, and it arrived\n", "")
	if n := len(e.Emu.NPSSurveys()); n != 1 {
		t.Fatalf("%d surveys, want 1", n)
	}
	list("-o", "json", "--jq", ".[] | [.once, .state] | @tsv").Expect(t, 0, "order-42\tsettled\n", "")

	// Released: the next run sends it again.
	e.RunWith(clitest.RunOpts{TTY: true}, "nps", "survey", "ledger", "forget", "--once", "order-42").Expect(t, 0, "",
		"✓ Released --once order-42 (was settled, campaign 101): the next survey send under it sends again\n")
	e.Run(args...).Expect(t, 0, "sent\t101\t+41445551001\t\t\t\n", "")
	if n := len(e.Emu.NPSSurveys()); n != 2 {
		t.Fatalf("%d surveys, want 2", n)
	}
	e.Run("nps", "survey", "ledger", "settle", "--once", "--rows", "x").
		Expect(t, 3, "", "error: --once and --rows name different ledgers: pick one\nRun 'nimbusctl nps survey ledger settle --help' for usage.\n")
}

// The settle and forget commands a lost --once send prints run as printed, pasted into a
// shell, whatever the key holds: spaces, quotes, '/', an e-mail address, letters beyond
// ASCII, a leading dash (which the ledger commands, whose KEYs are arguments, would read as
// a flag).
func TestNpsSurveySendOnceCommandsRunAsPrinted(t *testing.T) {
	t.Parallel()
	e := clitest.New(t, unlimited())
	way := regexp.MustCompile(`then: (nimbusctl .*) \(it arrived\), or: (nimbusctl .*), then send it again`)
	for i, key := range []string{"order 42", "it's", "a/b", "ada@example.com", "Zürich Ü", "-x", "--ledger"} {
		args := []string{"nps", "survey", "send", "--campaign", "103", "--email", "a@example.com", "--once", key}
		e.Emu.InjectFaults(emulator.ServiceNPSToday, emulator.FaultTimeoutAfter)
		r := e.Run(args...)
		m := way.FindStringSubmatch(r.Stderr)
		if r.Code != 9 || m == nil {
			t.Fatalf("--once %q: exit %d\n%s", key, r.Code, r.Stderr)
		}
		verb := m[1+i%2] // settle one, forget the next
		if got := e.Run(clitest.Pasted(t, verb)...); got.Code != 0 {
			t.Errorf("--once %q: %s\nexit %d: %s", key, verb, got.Code, got.Stderr)
			continue
		}
		want := map[int]string{0: "skipped:already-sent\n", 1: "sent\n"}[i%2]
		e.Run(append(args, "--jq", ".result")...).Expect(t, 0, want, "")
	}
}
