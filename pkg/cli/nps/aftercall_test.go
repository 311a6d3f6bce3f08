package nps_test

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/nimbusctl/nimbusctl/pkg/bulk"
	"github.com/nimbusctl/nimbusctl/pkg/cli/clitest"
	"github.com/nimbusctl/nimbusctl/pkg/cli/nps"
	"github.com/nimbusctl/nimbusctl/pkg/emulator"
)

// mixedEvents is a day's worth of task events as a Nimbus trigger delivers them
// (TaskEventData, with the connector's exact field names), one of each kind.
const mixedEvents = `[
 {"taskId":"T-sent","event":"Terminated","direction":"Inbound","modality":"Audio","created":"2026-03-23T09:00:00Z","terminated":"2026-03-23T09:04:10.1234567Z",
  "callerTelNumber":"+41 44 555 10 01","serviceUPN":"support@contoso.com","serviceId":"5a0e8b1c-1111-4d2e-8f3a-6b7c8d9e0a01","serviceName":"Support",
  "LastConnectedUserUPN":"alex@contoso.onmicrosoft.com","LastConnectedUserEmail":"agent@contoso.com"},
 {"taskId":"T-short","event":"Terminated","direction":"Outbound","modality":"Audio","created":"2026-03-23T09:10:00Z","terminated":"2026-03-23T09:10:42Z",
  "destinationTelNumber":"+41315552002","serviceUPN":"support@contoso.com","LastConnectedUserEmail":"agent@contoso.com"},
 {"taskId":"T-anon","event":"Terminated","modality":"Audio","created":"2026-03-23T09:20:00Z","terminated":"2026-03-23T09:25:00Z",
  "isAnonymous":true,"serviceUPN":"support@contoso.com","LastConnectedUserEmail":"agent@contoso.com"},
 {"taskId":"T-unmapped","event":"Terminated","modality":"Audio","created":"2026-03-23T09:30:00Z","terminated":"2026-03-23T09:35:00Z",
  "callerTelNumber":"+41795559999","serviceUPN":"vip@contoso.com","LastConnectedUserEmail":"agent@contoso.com"},
 {"taskId":"T-live","event":"Connected","modality":"Audio","created":"2026-03-23T09:40:00Z",
  "callerTelNumber":"+4930555000","serviceUPN":"sales@contoso.com","LastConnectedUserEmail":"luca.rossi@contoso.com"},
 {"taskId":"T-chat","event":"Terminated","modality":"InstantMessaging","created":"2026-03-23T09:50:00Z","terminated":"2026-03-23T09:58:00Z",
  "callerUPN":"chloe.dubois@fabrikam.example","serviceUPN":"support@contoso.com","LastConnectedUserEmail":"agent@contoso.com"}
]`

const mixedTSV = "T-sent\tsent\t101\t+41445551001\tagent@contoso.com\t\t\n" +
	"T-short\tskipped:too-short\t\t\t\t\toutbound call lasted 42s, under --min-duration-outbound 1m0s: likely voicemail\n" +
	"T-anon\tskipped:anonymous\t\t\t\t\tanonymous caller\n" +
	"T-unmapped\tskipped:unmapped-queue\t\t\t\t\tno campaign for queue \"vip@contoso.com\" in the IVR map or --campaign-map\n" +
	"T-live\tskipped:not-call-end\t\t\t\t\tno terminated time (event Connected)\n" +
	"T-chat\tskipped:not-call-end\t\t\t\t\tmodality InstantMessaging, not an Audio call\n"

func TestNpsAfterCallMixedEvents(t *testing.T) {
	t.Parallel()
	e := clitest.New(t)
	file := writeFile(t, e, "events.json", mixedEvents)
	e.Run("nps", "survey", "after-call", file).Expect(t, 0, mixedTSV, "")
	got := e.Emu.NPSSurveys()
	if len(got) != 1 || got[0].CampaignID != emulator.NPSCampaignSupport || got[0].Endpoint != "respondents" ||
		got[0].Respondent["phoneNumber"] != "+41445551001" || got[0].Employee["email"] != "agent@contoso.com" {
		t.Fatalf("surveys %+v", got)
	}
}

func TestNpsAfterCallJSONAndTable(t *testing.T) {
	t.Parallel()
	e := clitest.New(t)
	file := writeFile(t, e, "events.json", mixedEvents)
	e.Run("nps", "survey", "after-call", file, "-o", "json").Expect(t, 0, `[
  {
    "taskId": "T-sent",
    "result": "sent",
    "campaignId": "101",
    "recipient": "+41445551001",
    "employee": "agent@contoso.com"
  },
  {
    "taskId": "T-short",
    "result": "skipped:too-short",
    "detail": "outbound call lasted 42s, under --min-duration-outbound 1m0s: likely voicemail"
  },
  {
    "taskId": "T-anon",
    "result": "skipped:anonymous",
    "detail": "anonymous caller"
  },
  {
    "taskId": "T-unmapped",
    "result": "skipped:unmapped-queue",
    "detail": "no campaign for queue \"vip@contoso.com\" in the IVR map or --campaign-map"
  },
  {
    "taskId": "T-live",
    "result": "skipped:not-call-end",
    "detail": "no terminated time (event Connected)"
  },
  {
    "taskId": "T-chat",
    "result": "skipped:not-call-end",
    "detail": "modality InstantMessaging, not an Audio call"
  }
]
`, "")
	r := e.RunWith(clitest.RunOpts{TTY: true}, "nps", "survey", "after-call", file, "--no-ledger")
	if r.Code != 0 || r.Stderr != "" || !strings.HasPrefix(r.Stdout, "TASK        RESULT                  CAMPAIGN  RECIPIENT     EMPLOYEE           RATING  DETAIL") ||
		!strings.Contains(r.Stdout, "T-sent      sent                    101       +41445551001  agent@contoso.com") {
		t.Errorf("table: exit %d\n%s%s", r.Code, r.Stdout, r.Stderr)
	}
	if n := len(e.Emu.NPSSurveys()); n != 2 {
		t.Errorf("%d surveys, want one per run", n)
	}
}

// JSON lines on stdin; --min-duration; --campaign-map over the IVR map, by service id or
// name; the agent's UPN when there is no e-mail; a Teams caller by UPN; a task seen twice.
func TestNpsAfterCallStdinAndOptions(t *testing.T) {
	t.Parallel()
	e := clitest.New(t)
	jsonl := strings.Join([]string{
		`{"taskId":"T1","modality":"Audio","created":"2026-03-23T09:10:00Z","terminated":"2026-03-23T09:10:42Z","callerTelNumber":"+41315552002","serviceUPN":"support@contoso.com","LastConnectedUserEmail":"agent@contoso.com"}`,
		`{"taskId":"T2","modality":"audio","created":"2026-03-23T10:00:00","terminated":"2026-03-23T10:03:00","callerTelNumber":"0795559999","serviceId":"5a0e8b1c-3333-4d2e-8f3a-6b7c8d9e0a03","LastConnectedUserUPN":"luca.rossi@contoso.com"}`,
		`{"taskId":"T3","modality":"Audio","created":"2026-03-23T11:00:00Z","terminated":"2026-03-23T11:02:00Z","callerUPN":"chloe.dubois@fabrikam.example","serviceName":"VIP","LastConnectedUserEmail":"agent@contoso.com"}`,
		`{"taskId":"T3","event":"Terminated","modality":"Audio","created":"2026-03-23T11:00:00Z","terminated":"2026-03-23T11:02:00Z","callerUPN":"chloe.dubois@fabrikam.example","serviceName":"VIP","LastConnectedUserEmail":"agent@contoso.com"}`,
		`{"taskId":"T4","modality":"Audio","created":"2026-03-23T12:00:00Z","terminated":"2026-03-23T12:05:00Z","callerTelNumber":"+4930555000","serviceUPN":"sales@contoso.com"}`,
		`{"taskId":"T5","modality":"Audio","created":"2026-03-23T12:00:00Z","terminated":"2026-03-23T12:05:00Z","callerUPN":"8:orgid:1234","serviceUPN":"sales@contoso.com","LastConnectedUserEmail":"luca.rossi@contoso.com"}`,
		`{"taskId":"T6","modality":"Audio","created":"2026-03-23T12:00:00Z","terminated":"yesterday","callerTelNumber":"+4930555000","serviceUPN":"sales@contoso.com","LastConnectedUserEmail":"luca.rossi@contoso.com"}`,
		`{"taskId":"T7","modality":"Audio","created":"2026-03-23T12:00:00Z","terminated":"2026-03-23T12:05:00Z","callerTelNumber":"12","serviceUPN":"sales@contoso.com","LastConnectedUserEmail":"luca.rossi@contoso.com"}`,
	}, "\n") + "\n"
	e.Setenv("NIMBUSCTL_DEFAULT_COUNTRY", "+41")
	e.RunWith(clitest.RunOpts{Stdin: jsonl}, "nps", "survey", "after-call", "--min-duration", "30s",
		"--campaign-map", "5a0e8b1c-3333-4d2e-8f3a-6b7c8d9e0a03=102", "--campaign-map", "vip=Onboarding e-mail").
		Expect(t, 0, lines(
			"T1\tsent\t101\t+41315552002\tagent@contoso.com\t\t",
			"T2\tsent\t102\t+41795559999\tluca.rossi@contoso.com\t\t",
			"T3\tsent\t103\tchloe.dubois@fabrikam.example\tagent@contoso.com\t\t",
			"T3\tskipped:duplicate\t\t\t\t\ttask already handled above",
			"T4\tskipped:no-agent\t\t\t\t\tno agent took the call",
			"T5\tskipped:anonymous\t\t\t\t\tcaller \"8:orgid:1234\" has no phone number or e-mail address",
			"T6\tskipped:invalid\t\t\t\t\tcreated \"2026-03-23T12:00:00Z\" or terminated \"yesterday\" is not an RFC 3339 time",
			"T7\tskipped:invalid\t\t\t\t\tcaller number: \"12\" is not a valid phone number for CH (+41)",
		), "")
	if n := len(e.Emu.NPSSurveys()); n != 3 {
		t.Errorf("%d surveys", n)
	}
	// The IVR map was never needed for T2/T3, but T1 needed it: read once.
	if n := e.Emu.Stats().Operations["GetIVRMap"]; n != 1 {
		t.Errorf("IVR map read %d times", n)
	}
}

// P-gap without a terminal: the held surveys are reported and the exit is 8.
func TestNpsAfterCallPgapWithoutTTY(t *testing.T) {
	t.Parallel()
	e := clitest.New(t)
	file := writeFile(t, e, "events.json", pgapEvents)
	e.Run("nps", "survey", "after-call", file).Expect(t, 8, lines(
		"T-anna\tpgap\t101\t+41445551001\tanna.meier@contoso.com\t\theld until the agent rates the call: "+annaCommand,
		"T-alex\tsent\t101\t+41315552002\tagent@contoso.com\t\t",
	), "error: 1 survey held until the agent rates the call: run the command shown for each (on the agent's terminal it asks for the rating; or add --agent-rating 0-10)\n")
	if len(e.Emu.NPSSurveys()) != 1 || e.Emu.NPSHeld() != 1 {
		t.Fatalf("sent %d held %d", len(e.Emu.NPSSurveys()), e.Emu.NPSHeld())
	}
	// The command shown for the held one exists and sends it (here with the rating a script
	// got from the agent); running it twice sends nothing more.
	e.Run(annaArgs("--agent-rating", "9")...).Expect(t, 0, "sent\t101\t+41445551001\tanna.meier@contoso.com\t9\t\n", "")
	r := e.Run(annaArgs("--agent-rating", "9")...)
	r.Stdout = stamp.ReplaceAllString(r.Stdout, "<T>")
	r.Expect(t, 0, "skipped:already-sent\t101\t+41445551001\tanna.meier@contoso.com\t\tsent on <T> under --once task:T-anna (campaign 101)\n", "")
	if len(e.Emu.NPSSurveys()) != 2 {
		t.Fatalf("surveys %+v", e.Emu.NPSSurveys())
	}
	// A later after-call run knows it was settled.
	r = e.Run("nps", "survey", "after-call", file)
	r.Stdout = stamp.ReplaceAllString(r.Stdout, "<T>")
	r.Expect(t, 0, lines(
		"T-anna\tskipped:already-surveyed\t\t\t\t\theld on <T>, then sent on <T> by nimbusctl nps survey send --once task:T-anna (campaign 101)",
		"T-alex\tskipped:already-surveyed\t\t\t\t\tsurveyed on <T> (campaign 101)",
	), "")
	// --check-pgap=false sends at once (without the ledger, which remembers both tasks).
	e.Run("nps", "survey", "after-call", file, "--check-pgap=false", "--no-ledger", "-o", "json", "--jq", "map(.result)").Expect(t, 0, `["sent","sent"]`+"\n", "")
}

// The command shown for a held survey runs in another shell, often on the agent's machine:
// it names the profile the run used however that was chosen (here NIMBUSCTL_PROFILE, as in a
// systemd unit or a cron job), or it would send through another profile's nps.today key
// and record the send where the after-call ledger never looks.
func TestNpsHeldCommandNamesTheProfile(t *testing.T) {
	t.Parallel()
	e := clitest.New(t)
	e.MustRun("config", "set", "--profile", "prod", "default_country", "+41")
	e.Setenv("NIMBUSCTL_PROFILE", "prod")
	prodCommand := strings.Replace(annaCommand, "nimbusctl nps", "nimbusctl --profile prod nps", 1)
	e.Run("nps", "survey", "after-call", writeFile(t, e, "events.json", pgapEvents), "-o", "json", "--jq", ".[0].command").
		Expect(t, 8, prodCommand+"\n", "error: 1 survey held until the agent rates the call: run the command shown for each (on the agent's terminal it asks for the rating; or add --agent-rating 0-10)\n")
	file := writeFile(t, e, "r.csv", "campaign,phone,employee\n101,+41445551001,anna.meier@contoso.com\n")
	r := e.Run("nps", "respondent", "import", file)
	if want := strings.Replace(annaRowCommand, "nimbusctl nps", "nimbusctl --profile prod nps", 1); r.Code != 8 || !strings.Contains(r.Stderr, ": "+want+"\n") {
		t.Errorf("exit %d, want 8 and %q in\n%s", r.Code, want, r.Stderr)
	}
	// Run as shown, from a shell where the default profile is selected, it sends and settles.
	e.Setenv("NIMBUSCTL_PROFILE", "")
	e.Run(append(strings.Fields(prodCommand)[1:], "--agent-rating", "8")...).Expect(t, 0, "sent\t101\t+41445551001\tanna.meier@contoso.com\t8\t\n", "")
}

// annaCommand is what after-call prints for T-anna's held survey.
const annaCommand = "nimbusctl nps survey send --campaign 101 --phone +41445551001 --employee anna.meier@contoso.com --once task:T-anna"

// annaArgs runs annaCommand, with more flags.
func annaArgs(more ...string) []string {
	return append(strings.Fields(annaCommand)[1:], more...)
}

const pgapEvents = `{"taskId":"T-anna","modality":"Audio","created":"2026-03-23T09:00:00Z","terminated":"2026-03-23T09:04:00Z","callerTelNumber":"+41445551001","serviceUPN":"support@contoso.com","LastConnectedUserEmail":"anna.meier@contoso.com"}
{"taskId":"T-alex","modality":"Audio","created":"2026-03-23T09:00:00Z","terminated":"2026-03-23T09:04:00Z","callerTelNumber":"+41315552002","serviceUPN":"support@contoso.com","LastConnectedUserEmail":"agent@contoso.com"}
`

// P-gap on a terminal: the agent rates the call and the survey goes out.
func TestNpsAfterCallPgapOnTTY(t *testing.T) {
	t.Parallel()
	e := clitest.New(t)
	file := writeFile(t, e, "events.json", pgapEvents)
	answers := &clitest.Answers{Inputs: []string{"x", "7"}}
	e.RunWith(clitest.RunOpts{TTY: true, Prompter: answers}, "nps", "survey", "after-call", file, "--ask-rating", "-o", "json", "--jq", "map([.taskId, .result, .agentRating]) | tojson").
		Expect(t, 0, `[["T-anna","sent",7],["T-alex","sent",null]]`+"\n",
			"Call with +41445551001, taken by anna.meier@contoso.com on support@contoso.com (task T-anna): nps.today holds the survey for anna.meier@contoso.com's p-gap rating.\n"+
				"Please answer with a whole number from 0 to 10.\n")
	if strings.Join(answers.Questions, "|") != nps.PgapQuestion+"|"+nps.PgapQuestion {
		t.Errorf("questions %q", answers.Questions)
	}
	got := e.Emu.NPSSurveys()
	if len(got) != 2 || *got[0].AgentRating != 7 || got[1].AgentRating != nil {
		t.Fatalf("surveys %+v", got)
	}
}

// A batch on a terminal does not ask whoever runs it for the agent's rating: the held
// survey is listed with its command (exit 8). --ask-rating needs a terminal.
func TestNpsAfterCallNeverAsksUnlessTold(t *testing.T) {
	t.Parallel()
	e := clitest.New(t)
	file := writeFile(t, e, "events.json", pgapEvents)
	answers := &clitest.Answers{Inputs: []string{"7"}}
	e.RunWith(clitest.RunOpts{TTY: true, Prompter: answers}, "nps", "survey", "after-call", file, "-o", "json", "--jq", `.[0] | [.result, .command] | tojson`).
		Expect(t, 8, `["pgap","`+annaCommand+`"]`+"\n",
			"error: 1 survey held until the agent rates the call: run the command shown for each (on the agent's terminal it asks for the rating; or add --agent-rating 0-10)\n")
	if len(answers.Questions) != 0 {
		t.Errorf("asked %q", answers.Questions)
	}
	e.Run("nps", "survey", "after-call", file, "--ask-rating").Expect(t, 3, "",
		"error: --ask-rating needs a terminal: without one, each held survey is listed with the command that sends it\nRun 'nimbusctl nps survey after-call --help' for usage.\n")
	// On the agent's terminal, the command asks for the rating and sends.
	e.RunWith(clitest.RunOpts{TTY: true, Prompter: answers}, annaArgs("-o", "json", "--jq", ".agentRating")...).
		Expect(t, 0, "7\n", "nps.today holds this survey: anna.meier@contoso.com is in a p-gap training period.\n")
	if got := e.Emu.NPSSurveys(); len(got) != 2 || *got[1].AgentRating != 7 {
		t.Fatalf("surveys %+v", got)
	}
}

// The respondent is the caller of an inbound call and the destination of an outbound one,
// never the service's own number; the voicemail guard is per direction.
func TestNpsAfterCallByDirection(t *testing.T) {
	t.Parallel()
	e := clitest.New(t, unlimited())
	const svc = `"serviceUPN":"sales@contoso.com","serviceTelNumber":"+41445550200","LastConnectedUserEmail":"luca.rossi@contoso.com"`
	ev := func(id, dir, secs, who string) string {
		return `{"taskId":"` + id + `","event":"Terminated","direction":"` + dir + `","modality":"Audio","created":"2026-03-23T09:00:00Z","terminated":"2026-03-23T09:` +
			secs + `Z",` + who + `,` + svc + "}\n"
	}
	events := ev("out-long", "Outbound", "03:00", `"callerTelNumber":"+41445550200","destinationTelNumber":"+41795551234"`) +
		ev("out-voicemail", "Outbound", "00:20", `"callerTelNumber":"+41445550200","destinationTelNumber":"+41795551235"`) +
		ev("out-upn", "Outbound", "02:00", `"destinationUPN":"chloe.dubois@fabrikam.example"`) +
		ev("out-none", "Outbound", "02:00", `"callerTelNumber":"+41445550200"`) +
		ev("out-self", "Outbound", "02:00", `"destinationTelNumber":"044 555 02 00"`) +
		ev("in-short", "Inbound", "00:05", `"callerTelNumber":"+41315552002","destinationTelNumber":"+41445550200"`) +
		ev("in-self", "Inbound", "01:00", `"callerTelNumber":"+41445550200","callerUPN":"front-desk@fabrikam.example"`) +
		ev("in-self-only", "Inbound", "01:00", `"callerTelNumber":"+41445550200"`) +
		ev("in-anon", "Inbound", "01:00", `"isAnonymous":true,"destinationTelNumber":"+41795551234"`) +
		ev("in-sip", "Inbound", "02:00", `"callerUPN":"sip:chloe.dubois@fabrikam.example"`) +
		ev("out-sip", "Outbound", "02:00", `"callerTelNumber":"+41445550200","destinationUPN":"sip:chloe.dubois@fabrikam.example"`) +
		ev("none", "None", "03:00", `"callerTelNumber":"+41795551236","destinationTelNumber":"+41795551237"`)
	file := writeFile(t, e, "events.jsonl", events)
	e.Setenv("NIMBUSCTL_DEFAULT_COUNTRY", "+41")
	want := lines(
		"out-long\tsent\t102\t+41795551234\tluca.rossi@contoso.com\t\t",
		"out-voicemail\tskipped:too-short\t\t\t\t\toutbound call lasted 20s, under --min-duration-outbound 1m0s: likely voicemail",
		"out-upn\tsent\t102\tchloe.dubois@fabrikam.example\tluca.rossi@contoso.com\t\t",
		"out-none\tskipped:anonymous\t\t\t\t\toutbound call without a destination number or address",
		"out-self\tskipped:service-number\t\t\t\t\tthe destination number +41445550200 is the service's own (serviceTelNumber): nobody to survey",
		"in-short\tsent\t102\t+41315552002\tluca.rossi@contoso.com\t\t",
		"in-self\tsent\t102\tfront-desk@fabrikam.example\tluca.rossi@contoso.com\t\t",
		"in-self-only\tskipped:service-number\t\t\t\t\tthe caller number +41445550200 is the service's own (serviceTelNumber): nobody to survey",
		"in-anon\tskipped:anonymous\t\t\t\t\tanonymous caller",
		// A Teams caller's SIP address is not an e-mail address.
		"in-sip\tskipped:anonymous\t\t\t\t\tcaller \"sip:chloe.dubois@fabrikam.example\" has no phone number or e-mail address",
		"out-sip\tskipped:anonymous\t\t\t\t\tdestination \"sip:chloe.dubois@fabrikam.example\" has no phone number or e-mail address",
		// Neither inbound nor outbound (the contract's third direction): nobody is known to be the customer.
		"none\tskipped:unknown-direction\t\t\t\t\tdirection \"None\" is neither Inbound nor Outbound: who the customer is, is not known",
	)
	e.Run("nps", "survey", "after-call", file).Expect(t, 0, want, "")
	var got []string
	for _, s := range e.Emu.NPSSurveys() {
		got = append(got, fmt.Sprint(s.Respondent["phoneNumber"], s.Respondent["emailAddress"], " ", s.Employee["email"]))
	}
	if strings.Join(got, "|") != "+41795551234<nil> luca.rossi@contoso.com|<nil>chloe.dubois@fabrikam.example luca.rossi@contoso.com|"+
		"+41315552002<nil> luca.rossi@contoso.com|<nil>front-desk@fabrikam.example luca.rossi@contoso.com" {
		t.Errorf("surveys %s", got)
	}
	// --min-duration sets both directions; a per-direction flag wins for its own.
	e.Run("nps", "survey", "after-call", file, "--no-ledger", "--dry-run", "--min-duration", "10s", "--min-duration-outbound", "3m", "-o", "json",
		"--jq", `map(select(.result | startswith("skipped:too")) | .taskId) | tojson`).Expect(t, 0, `["out-voicemail","out-upn","out-none","out-self","in-short","out-sip"]`+"\n", "")
	e.Run("nps", "survey", "after-call", file, "--min-duration-outbound", "a minute").Expect(t, 3, "",
		"error: --min-duration-outbound: \"a minute\" is not a duration in whole seconds (e.g. 90, 90s, 2m)\nRun 'nimbusctl nps survey after-call --help' for usage.\n")
	if n := len(e.Emu.NPSSurveys()); n != 4 {
		t.Errorf("%d surveys", n)
	}
}

// The ledger keeps 90 days; the listener's files are kept as long as their owner likes, and a
// batch may read them all (tasks-*.jsonl). A call older than what the ledger still remembers
// is never surveyed: it may have been, and the ledger has forgotten it. Calls the ledger can
// still speak for go on as before.
func TestNpsAfterCallNeverSurveysWhatTheLedgerForgot(t *testing.T) {
	t.Parallel()
	e := clitest.New(t)
	ledger := filepath.Join(e.Home, "state", "nps", "default", "after-call")
	if err := os.MkdirAll(ledger, 0o700); err != nil {
		t.Fatal(err)
	}
	// The call of 2024-12-31 was surveyed then; that day of the ledger has long expired.
	old := `{"key":"` + bulk.SurveyKey("task", "T-old") + `","state":"sent","at":"2025-01-01T08:00:00Z","campaign":"101","taskId":"T-old"}` + "\n"
	if err := os.WriteFile(filepath.Join(ledger, "2025-01-01.jsonl"), []byte(old), 0o600); err != nil {
		t.Fatal(err)
	}
	file := writeFile(t, e, "tasks.jsonl", `{"taskId":"T-old","event":"Terminated","direction":"Inbound","modality":"Audio","created":"2024-12-31T16:00:00Z",`+
		`"terminated":"2024-12-31T16:04:00Z","callerTelNumber":"+41315552002","serviceUPN":"support@contoso.com","LastConnectedUserEmail":"agent@contoso.com"}`+"\n"+
		pgapEvents)
	want := lines(
		"T-old\tskipped:forgotten\t\t\t\t\tthe call ended on 2024-12-31, before 2025-01-02: the ledger has forgotten what it surveyed before then (it keeps 90 days), so it may have been surveyed: not sent",
		"T-alex\tsent\t101\t+41315552002\tagent@contoso.com\t\t",
	)
	for i := 0; i < 2; i++ { // the second run no longer has the expired day to delete: it still knows
		r := e.Run("nps", "survey", "after-call", file, "--check-pgap=false", "-o", "json", "--jq", `.[] | select(.taskId != "T-anna") | [.taskId, .result, .campaignId, .recipient, .employee, "", .detail] | @tsv`)
		if i == 1 {
			want = strings.Replace(want, "T-alex\tsent\t101\t+41315552002\tagent@contoso.com\t\t", "T-alex\tskipped:already-surveyed\t\t\t\t\tsurveyed on <T> (campaign 101)", 1)
			r.Stdout = stamp.ReplaceAllString(r.Stdout, "<T>")
		}
		r.Expect(t, 0, want, "")
	}
	if got := e.Emu.NPSSurveys(); len(got) != 2 { // T-anna and T-alex, not T-old
		t.Errorf("surveys %+v", got)
	}
}

// The voicemail guard at its edges: a call exactly as long as the minimum is surveyed, one a
// fraction of a second shorter is not (and says how long it really was); a call that ends
// before it began, or without a start, has no duration to judge: invalid, with the reason.
func TestNpsAfterCallDurations(t *testing.T) {
	t.Parallel()
	e := clitest.New(t)
	ev := func(id, created, terminated string) string {
		return `{"taskId":"` + id + `","event":"Terminated","direction":"Outbound","modality":"Audio",` + created +
			`"terminated":"` + terminated + `","destinationTelNumber":"+41795551234","serviceUPN":"support@contoso.com","LastConnectedUserEmail":"agent@contoso.com"}` + "\n"
	}
	file := writeFile(t, e, "events.jsonl", ev("at-minimum", `"created":"2026-03-23T09:00:00Z",`, "2026-03-23T09:01:00Z")+
		ev("just-under", `"created":"2026-03-23T09:00:00.000Z",`, "2026-03-23T09:00:59.6Z")+
		ev("backwards", `"created":"2026-03-23T09:05:00Z",`, "2026-03-23T09:00:00Z")+
		ev("no-start", ``, "2026-03-23T09:05:00Z"))
	e.Run("nps", "survey", "after-call", file, "--dry-run", "--no-ledger").Expect(t, 0, lines(
		"at-minimum\twould-send\t101\t+41795551234\tagent@contoso.com\t\tdry run: nothing sent (p-gap check on: nps.today may hold it for the agent's rating)",
		"just-under\tskipped:too-short\t\t\t\t\toutbound call lasted 59.6s, under --min-duration-outbound 1m0s: likely voicemail",
		"backwards\tskipped:invalid\t\t\t\t\tterminated \"2026-03-23T09:00:00Z\" is before created \"2026-03-23T09:05:00Z\": the call's duration is not known",
		"no-start\tskipped:invalid\t\t\t\t\tthe event has no created time: the call's duration is not known",
	), "")
}

// --dry-run decides every event and shows the request it would send, sends nothing and
// writes no ledger: the real run afterwards sends them.
func TestNpsAfterCallDryRun(t *testing.T) {
	t.Parallel()
	e := clitest.New(t)
	file := writeFile(t, e, "events.json", pgapEvents)
	e.Run("nps", "survey", "after-call", file, "--dry-run", "-o", "json").Expect(t, 0, `[
  {
    "taskId": "T-anna",
    "result": "would-send",
    "campaignId": "101",
    "recipient": "+41445551001",
    "employee": "anna.meier@contoso.com",
    "detail": "dry run: nothing sent (p-gap check on: nps.today may hold it for the agent's rating)",
    "request": {
      "respondent": {
        "phoneNumber": "+41445551001"
      },
      "employee": {
        "email": "anna.meier@contoso.com"
      }
    }
  },
  {
    "taskId": "T-alex",
    "result": "would-send",
    "campaignId": "101",
    "recipient": "+41315552002",
    "employee": "agent@contoso.com",
    "detail": "dry run: nothing sent (p-gap check on: nps.today may hold it for the agent's rating)",
    "request": {
      "respondent": {
        "phoneNumber": "+41315552002"
      },
      "employee": {
        "email": "agent@contoso.com"
      }
    }
  }
]
`, "")
	if len(e.Emu.NPSSurveys()) != 0 || e.Emu.NPSHeld() != 0 {
		t.Fatal("a dry run sent")
	}
	if l, _ := filepath.Glob(filepath.Join(e.Home, "state", "nps", "default", "after-call", "*.jsonl")); len(l) != 0 {
		t.Errorf("a dry run wrote the ledger: %v", l)
	}
	e.Run("nps", "survey", "after-call", file, "--check-pgap=false", "-o", "json", "--jq", "map(.result) | tojson").Expect(t, 0, `["sent","sent"]`+"\n", "")
	e.Run("nps", "survey", "after-call", file, "--dry-run", "--ask-rating").Expect(t, 3, "",
		"error: --ask-rating needs a terminal: without one, each held survey is listed with the command that sends it\nRun 'nimbusctl nps survey after-call --help' for usage.\n")
}

// Some sends fail: the others go out, the failed ones say why, exit 9.
func TestNpsAfterCallPartialFailure(t *testing.T) {
	t.Parallel()
	e := clitest.New(t)
	file := writeFile(t, e, "events.json", `
{"taskId":"T-ok","modality":"Audio","created":"2026-03-23T09:00:00Z","terminated":"2026-03-23T09:04:00Z","callerTelNumber":"+4930555000","serviceUPN":"sales@contoso.com","LastConnectedUserEmail":"luca.rossi@contoso.com"}
{"taskId":"T-gone","modality":"Audio","created":"2026-03-23T09:00:00Z","terminated":"2026-03-23T09:04:00Z","callerTelNumber":"+41315552002","serviceUPN":"support@contoso.com","LastConnectedUserEmail":"agent@contoso.com"}`)
	e.Run("nps", "survey", "after-call", file, "--campaign-map", "support@contoso.com=999").Expect(t, 9, lines(
		"T-ok\tsent\t102\t+4930555000\tluca.rossi@contoso.com\t\t",
		"T-gone\tfailed\t999\t+41315552002\tagent@contoso.com\t\tSendSurveyCheckPgap: 404 Not Found: Campaign not found.",
	), "error: 1 of 2 events failed; the others were handled\n")
	if len(e.Emu.NPSSurveys()) != 1 {
		t.Errorf("surveys %+v", e.Emu.NPSSurveys())
	}
}

// When the IVR map cannot be read (its path is a guess), the run stops with a way out.
func TestNpsAfterCallIVRMapUnavailable(t *testing.T) {
	t.Parallel()
	e := clitest.New(t)
	file := writeFile(t, e, "events.json", pgapEvents)
	e.Setenv("NIMBUSCTL_MAX_RETRIES", "0") // a GET is retried through a 500
	e.Emu.InjectFaults(emulator.ServiceNPSToday, emulator.FaultInternal)
	e.Run("nps", "survey", "after-call", file).Expect(t, 10, "",
		"error: GetIVRMap: 500 Internal Server Error: Internal Server Error. (the IVR map's path is provisional: map queues with --campaign-map SERVICE=CAMPAIGN instead)\n"+
			"The service is busy or unreachable; nothing more was sent. Try again later.\n")
	if len(e.Emu.NPSSurveys()) != 0 {
		t.Error("sent without a campaign")
	}
	e.Run("nps", "survey", "after-call", file, "--campaign-map", "support@contoso.com=101", "--check-pgap=false", "--jq", "length").Expect(t, 0, "2\n", "")
}

// A 401 stops the run: the other events would fail the same way.
func TestNpsAfterCallStopsOnAuthFailure(t *testing.T) {
	t.Parallel()
	e := clitest.New(t)
	file := writeFile(t, e, "events.json", pgapEvents)
	e.Setenv("NPSTODAY_API_KEY", "npt-revoked")
	e.Run("nps", "survey", "after-call", file, "--campaign-map", "support@contoso.com=101").Expect(t, 4,
		"T-anna\tfailed\t101\t+41445551001\tanna.meier@contoso.com\t\tSendSurveyCheckPgap: 401 Unauthorized: Unauthorized. The API key is missing or invalid.\n",
		"error: SendSurveyCheckPgap: 401 Unauthorized: Unauthorized. The API key is missing or invalid.\n"+
			"Check the nps.today API key and npstoday_auth_scheme (raw, bearer, basic): nimbusctl nps status\n")
}

// A listener's file may end in half a line: a write in progress when the batch reads it, or
// one cut short by a power cut (never acknowledged, so the sender delivers it again). The
// whole lines are handled and the fragment is left for a later run, with a warning; a last
// line that is wrong rather than incomplete, or a fragment with no whole line before it, is
// still bad input.
func TestNpsAfterCallTornLastLine(t *testing.T) {
	t.Parallel()
	e := clitest.New(t)
	file := writeFile(t, e, "tasks.jsonl", pgapEvents+`{"taskId":"T-torn","modality":"Au`)
	e.Run("nps", "survey", "after-call", file, "--check-pgap=false", "-o", "json", "--jq", "map(.taskId) | tojson").Expect(t, 0, `["T-anna","T-alex"]`+"\n",
		"! "+file+":3: the last line is incomplete (a write in progress, or cut short by a crash): left out, a later run reads it whole\n")
	if n := len(e.Emu.NPSSurveys()); n != 2 {
		t.Errorf("%d surveys", n)
	}
	e.Run("nps", "survey", "after-call", writeFile(t, e, "wrong.jsonl", pgapEvents+`{"taskId":"T-x",}`)).
		Expect(t, 3, "", "error: "+filepath.Join(e.Home, "wrong.jsonl")+":3: not JSON task events: invalid character '}' looking for beginning of object key string\n")
	e.Run("nps", "survey", "after-call", writeFile(t, e, "half.jsonl", `{"taskId":"T-x","mod`)).
		Expect(t, 3, "", "error: "+filepath.Join(e.Home, "half.jsonl")+":1: not JSON task events: unexpected EOF\n")
}

func TestNpsAfterCallBadInput(t *testing.T) {
	t.Parallel()
	e := clitest.New(t)
	e.RunWith(clitest.RunOpts{Stdin: "{\"taskId\":\"T1\"}\n{\"taskId\": oops}\n"}, "nps", "survey", "after-call").
		Expect(t, 3, "", "error: stdin:2: not JSON task events: invalid character 'o' looking for beginning of value\n")
	e.RunWith(clitest.RunOpts{Stdin: `[{"taskId":"T1"}, 42]`}, "nps", "survey", "after-call").
		Expect(t, 3, "", "error: stdin: event 2 is not a JSON object\n")
	// The wrong file (the listener's scheduler-entry events), or objects that are no task
	// event at all, are bad input: not a run that skips everything and exits 0.
	e.RunWith(clitest.RunOpts{Stdin: pgapEvents + `{"schedulerEntryId":"S-1","event":"Completed","modality":"Audio","direction":"Outbound"}` + "\n"}, "nps", "survey", "after-call").
		Expect(t, 3, "", "error: stdin: event 3 is a scheduler-entry event (schedulerEntryId), not a task event: give the task events (trigger listen's tasks-*.jsonl)\n")
	e.RunWith(clitest.RunOpts{Stdin: `{"id":"T1","status":"done"}`}, "nps", "survey", "after-call").
		Expect(t, 3, "", "error: stdin: event 1 is not a task event: it has none of TaskEventData's fields (taskId, event, modality, created, terminated, ...)\n")
	e.RunWith(clitest.RunOpts{Stdin: `{"taskId": 5}`}, "nps", "survey", "after-call").
		Expect(t, 3, "", "error: stdin: event 1: json: cannot unmarshal number into Go struct field TaskEventData.taskId of type string\n")
	e.Run("nps", "survey", "after-call", "/no/such/file.json").
		Expect(t, 3, "", "error: reading /no/such/file.json: open /no/such/file.json: no such file or directory\nRun 'nimbusctl nps survey after-call --help' for usage.\n")
	e.Run("nps", "survey", "after-call", "--min-duration", "soon").
		Expect(t, 3, "", "error: --min-duration: \"soon\" is not a duration in whole seconds (e.g. 90, 90s, 2m)\nRun 'nimbusctl nps survey after-call --help' for usage.\n")
	e.Run("nps", "survey", "after-call", "--campaign-map", "support").
		Expect(t, 3, "", "error: --campaign-map: \"support\" is not NAME=VALUE\nRun 'nimbusctl nps survey after-call --help' for usage.\n")
	e.RunWith(clitest.RunOpts{Stdin: pgapEvents}, "nps", "survey", "after-call", "--campaign-map", "support@contoso.com=Nope").
		Expect(t, 3, "", "error: --campaign-map: no campaign named \"Nope\"\nRun 'nimbusctl nps survey after-call --help' for usage.\n")
	e.RunWith(clitest.RunOpts{TTY: true}, "nps", "survey", "after-call").
		Expect(t, 3, "", "error: give a FILE of task events, or pipe them on stdin\nRun 'nimbusctl nps survey after-call --help' for usage.\n")
	e.RunWith(clitest.RunOpts{Stdin: ""}, "nps", "survey", "after-call").Expect(t, 0, "", "")
	if len(e.Emu.NPSSurveys()) != 0 {
		t.Error("bad input sent surveys")
	}
}

// stamp hides the time of an earlier run in ledger details.
var stamp = regexp.MustCompile(`\d{4}-\d\d-\d\d \d\d:\d\d UTC`)

// The same events twice (cron over a growing log): the second run sends nothing and says
// why; only the event that is new gets a survey.
func TestNpsAfterCallTwiceSurveysOnce(t *testing.T) {
	t.Parallel()
	e := clitest.New(t)
	file := writeFile(t, e, "events.json", mixedEvents+"\n"+pgapEvents)
	first := lines(
		"T-sent\tsent\t101\t+41445551001\tagent@contoso.com\t\t",
		"T-short\tskipped:too-short\t\t\t\t\toutbound call lasted 42s, under --min-duration-outbound 1m0s: likely voicemail",
		"T-anon\tskipped:anonymous\t\t\t\t\tanonymous caller",
		"T-unmapped\tskipped:unmapped-queue\t\t\t\t\tno campaign for queue \"vip@contoso.com\" in the IVR map or --campaign-map",
		"T-live\tskipped:not-call-end\t\t\t\t\tno terminated time (event Connected)",
		"T-chat\tskipped:not-call-end\t\t\t\t\tmodality InstantMessaging, not an Audio call",
		"T-anna\tpgap\t101\t+41445551001\tanna.meier@contoso.com\t\theld until the agent rates the call: "+annaCommand,
		"T-alex\tsent\t101\t+41315552002\tagent@contoso.com\t\t",
	)
	pending := "error: 1 survey held until the agent rates the call: run the command shown for each (on the agent's terminal it asks for the rating; or add --agent-rating 0-10)\n"
	e.Run("nps", "survey", "after-call", file).Expect(t, 8, first, pending)

	again := lines(
		"T-sent\tskipped:already-surveyed\t\t\t\t\tsurveyed on <T> (campaign 101)",
		"T-short\tskipped:too-short\t\t\t\t\toutbound call lasted 42s, under --min-duration-outbound 1m0s: likely voicemail",
		"T-anon\tskipped:anonymous\t\t\t\t\tanonymous caller",
		"T-unmapped\tskipped:unmapped-queue\t\t\t\t\tno campaign for queue \"vip@contoso.com\" in the IVR map or --campaign-map",
		"T-live\tskipped:not-call-end\t\t\t\t\tno terminated time (event Connected)",
		"T-chat\tskipped:not-call-end\t\t\t\t\tmodality InstantMessaging, not an Audio call",
		// Still held: listed again with its command, without asking nps.today, and the run
		// says so (exit 8) until the command has sent it.
		"T-anna\tpgap\t101\t+41445551001\tanna.meier@contoso.com\t\theld since <T> until the agent rates the call: "+annaCommand,
		"T-alex\tskipped:already-surveyed\t\t\t\t\tsurveyed on <T> (campaign 101)",
	)
	r := e.Run("nps", "survey", "after-call", file)
	r.Stdout = stamp.ReplaceAllString(r.Stdout, "<T>")
	r.Expect(t, 8, again, pending)
	if len(e.Emu.NPSSurveys()) != 2 || e.Emu.NPSHeld() != 1 {
		t.Fatalf("sent %d held %d after the rerun, want 2 and 1", len(e.Emu.NPSSurveys()), e.Emu.NPSHeld())
	}
	// The held task twice in one input (two events of its end) is listed once.
	twice := writeFile(t, e, "twice.json", pgapEvents+strings.SplitAfter(pgapEvents, "\n")[0])
	e.Run("nps", "survey", "after-call", twice, "-o", "json", "--jq", "map([.taskId, .result]) | tojson").
		Expect(t, 8, `[["T-anna","pgap"],["T-alex","skipped:already-surveyed"],["T-anna","skipped:duplicate"]]`+"\n", pending)

	// The log grew by one call: only that one is surveyed.
	grown := writeFile(t, e, "events-later.json", mixedEvents+"\n"+pgapEvents+
		`{"taskId":"T-new","modality":"Audio","created":"2026-03-23T10:00:00Z","terminated":"2026-03-23T10:04:00Z","callerTelNumber":"+4930555000","serviceUPN":"sales@contoso.com","LastConnectedUserEmail":"luca.rossi@contoso.com"}`+"\n")
	e.Run("nps", "survey", "after-call", grown, "-o", "json", "--jq", `map(select(.result | startswith("skipped:already") | not) | [.taskId, .result]) | tojson`).
		Expect(t, 8, `[["T-short","skipped:too-short"],["T-anon","skipped:anonymous"],["T-unmapped","skipped:unmapped-queue"],["T-live","skipped:not-call-end"],["T-chat","skipped:not-call-end"],["T-anna","pgap"],["T-new","sent"]]`+"\n", pending)
	if n := len(e.Emu.NPSSurveys()); n != 3 {
		t.Errorf("%d surveys, want 3", n)
	}
	if l, _ := filepath.Glob(filepath.Join(e.Home, "state", "nps", "default", "after-call", "*.jsonl")); len(l) == 0 {
		t.Error("no ledger was written")
	}
	// --no-ledger opts out: the tasks are surveyed again.
	e.Run("nps", "survey", "after-call", file, "--no-ledger", "--check-pgap=false", "-o", "json", "--jq", `map(select(.result == "sent")) | length`).Expect(t, 0, "3\n", "")
	e.Run("nps", "survey", "after-call", file, "--ledger", e.Home, "--no-ledger").
		Expect(t, 3, "", "error: --ledger and --no-ledger: pick one\nRun 'nimbusctl nps survey after-call --help' for usage.\n")
}

// A send whose answer was lost (504 after nps.today acted) fails, and the rerun does not
// send it again: it may have gone out. Nor does the rerun pass for a success: the task is
// skipped:unknown, and the run exits 9, every run, until somebody has checked app.nps.today
// and settled it: `nps survey ledger settle` (it arrived) or --resend-unknown (it did not).
func TestNpsAfterCallLostAnswerIsNotResent(t *testing.T) {
	t.Parallel()
	e := clitest.New(t)
	file := writeFile(t, e, "events.json", strings.SplitAfter(pgapEvents, "\n")[1])
	e.Emu.InjectFaults(emulator.ServiceNPSToday, "", emulator.FaultTimeoutAfter) // the IVR map, then the send
	e.Run("nps", "survey", "after-call", file).Expect(t, 9,
		"T-alex\tfailed\t101\t+41315552002\tagent@contoso.com\t\tSendSurveyCheckPgap: 504 Gateway Timeout: The request timed-out. (the request may have been applied; not retried): the survey may have gone out (nps.today offers no read-back to check), so no rerun sends it again; "+settleAlex+"\n",
		"error: 1 event failed\n")
	for i := 0; i < 2; i++ { // cron over a growing log: each run says so, and fails
		r := e.Run("nps", "survey", "after-call", file)
		r.Stdout = stamp.ReplaceAllString(r.Stdout, "<T>")
		r.Expect(t, 9, "T-alex\tskipped:unknown\t101\t\t\t\tthe send of <T> got no answer: it may have gone out, so it is not sent again; "+settleAlex+"\n", unknownOne)
	}
	if n := len(e.Emu.NPSSurveys()); n != 1 {
		t.Errorf("%d surveys, want 1", n)
	}
	// The admin looked in app.nps.today and found nothing: --resend-unknown sends it (the
	// emulator did receive the first one, so it now holds two), and the ledger settles.
	e.Run("nps", "survey", "after-call", file, "--resend-unknown").Expect(t, 0, "T-alex\tsent\t101\t+41315552002\tagent@contoso.com\t\t\n", "")
	r := e.Run("nps", "survey", "after-call", file, "--resend-unknown")
	r.Stdout = stamp.ReplaceAllString(r.Stdout, "<T>")
	r.Expect(t, 0, "T-alex\tskipped:already-surveyed\t\t\t\t\tsurveyed on <T> (campaign 101)\n", "")
	if n := len(e.Emu.NPSSurveys()); n != 2 {
		t.Errorf("%d surveys, want 2", n)
	}
	e.Run("nps", "survey", "after-call", file, "--resend-unknown", "--no-ledger").
		Expect(t, 3, "", "error: --resend-unknown needs the ledger: drop --no-ledger\nRun 'nimbusctl nps survey after-call --help' for usage.\n")
}

// settleAlex is the way out after-call shows for T-alex's unanswered send.
const settleAlex = "check app.nps.today, then: nimbusctl nps survey ledger settle T-alex (it arrived), or rerun with --resend-unknown (it did not)"

// unknownOne is after-call's error when one task's send got no answer in an earlier run.
const unknownOne = "error: 1 task may have been surveyed: an earlier send got no answer, and nobody has settled it; check app.nps.today, then run the command shown for each (it arrived), or rerun with --resend-unknown (it did not)\n"

// `nps survey ledger`: list what the after-call ledger remembers, settle an unanswered send
// that arrived (later runs report it as surveyed, exit 0), forget a task so that the next
// run surveys it again. Unknown tasks change nothing (exit 6).
func TestNpsSurveyLedgerSettleAndForget(t *testing.T) {
	t.Parallel()
	e := clitest.New(t)
	file := writeFile(t, e, "events.json", pgapEvents)
	e.Emu.InjectFaults(emulator.ServiceNPSToday, "", "", emulator.FaultTimeoutAfter) // the IVR map, T-anna, then T-alex's answer is lost
	e.Run("nps", "survey", "after-call", file, "--check-pgap=false", "-o", "json", "--jq", "map(.result) | tojson").
		Expect(t, 9, `["sent","failed"]`+"\n", "error: 1 of 2 events failed; the others were handled\n")
	list := func(args ...string) clitest.Result {
		r := e.Run(append([]string{"nps", "survey", "ledger", "list"}, args...)...)
		r.Stdout = regexp.MustCompile(`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ`).ReplaceAllString(r.Stdout, "<T>")
		return r
	}
	list().Expect(t, 0, "T-anna\tsent\t101\t<T>\nT-alex\tunknown\t101\t<T>\n", "")
	list("--unsettled", "-o", "json", "--jq", ".[] | [.taskId, .state] | @tsv").Expect(t, 0, "T-alex\tunknown\n", "")

	// Unknown task: nothing changes, whatever else was named.
	e.Run("nps", "survey", "ledger", "settle", "T-alex", "T-nope").Expect(t, 6, "", "error: the after-call ledger has no task \"T-nope\": nothing was settled\n")
	e.Run("nps", "survey", "after-call", file, "-o", "json", "--jq", "map(.result) | tojson").Expect(t, 9, `["skipped:already-surveyed","skipped:unknown"]`+"\n", unknownOne)

	// Checked: it arrived. Settled, later runs pass it over as surveyed (exit 0); settling
	// again, or a task that was sent, changes nothing.
	e.RunWith(clitest.RunOpts{TTY: true}, "nps", "survey", "ledger", "settle", "T-alex").Expect(t, 0, "",
		"✓ Settled task T-alex (campaign 101): after-call reports it as surveyed from now on, and never sends it\n")
	r := e.Run("nps", "survey", "after-call", file)
	r.Stdout = stamp.ReplaceAllString(r.Stdout, "<T>")
	r.Expect(t, 0, lines(
		"T-anna\tskipped:already-surveyed\t\t\t\t\tsurveyed on <T> (campaign 101)",
		"T-alex\tskipped:already-surveyed\t\t\t\t\tsettled by hand on <T> (campaign 101): its send had got no answer, and it arrived",
	), "")
	e.Run("nps", "survey", "ledger", "settle", "T-alex", "T-anna").Expect(t, 0, "",
		"T-alex is settled already: nothing to settle\nT-anna is sent already: nothing to settle\n")
	list("-o", "json", "--jq", ".[] | [.taskId, .state] | @tsv").Expect(t, 0, "T-anna\tsent\nT-alex\tsettled\n", "")

	// Forget: the next run surveys the customer again.
	e.RunWith(clitest.RunOpts{TTY: true}, "nps", "survey", "ledger", "forget", "T-anna").Expect(t, 0, "",
		"✓ Released task T-anna (was sent, campaign 101): the next after-call run of its event surveys it again\n")
	e.Run("nps", "survey", "after-call", file, "--check-pgap=false", "-o", "json", "--jq", "map(.result) | tojson").
		Expect(t, 0, `["sent","skipped:already-surveyed"]`+"\n", "")
	if n := len(e.Emu.NPSSurveys()); n != 3 { // T-anna twice, T-alex once (its answer lost)
		t.Errorf("%d surveys, want 3", n)
	}
	e.Run("nps", "survey", "ledger", "forget").Expect(t, 3, "", "error: nimbusctl nps survey ledger forget takes at least one task id (or --once key, or --rows row)\nRun 'nimbusctl nps survey ledger forget --help' for usage.\n")
	e.Run("nps", "survey", "ledger", "forget", "T-nope").Expect(t, 6, "", "error: the after-call ledger has no task \"T-nope\": nothing was released\n")
}

// The ledger commands read what after-call wrote: a mistyped --ledger (or a profile
// after-call never ran with) is not an empty ledger. It used to be made on the spot, and
// 'list --unsettled' answered nothing unsettled, exit 0, to the script that checks.
func TestNpsSurveyLedgerCommandsNeedTheLedger(t *testing.T) {
	t.Parallel()
	e := clitest.New(t)
	typo := filepath.Join(e.Home, "after-cal")
	e.Run("nps", "survey", "ledger", "list", "--unsettled", "--ledger", typo).
		Expect(t, 6, "", "error: --ledger "+typo+": no such folder, so no after-call ledger: check the path (after-call makes it on its first run)\n")
	e.Run("nps", "survey", "ledger", "settle", "T-1", "--ledger", typo).
		Expect(t, 6, "", "error: --ledger "+typo+": no such folder, so no after-call ledger: check the path (after-call makes it on its first run)\n")
	if _, err := os.Stat(typo); !os.IsNotExist(err) {
		t.Errorf("the mistyped folder was made: %v", err)
	}
	own := filepath.Join(e.Home, "state", "nps", "default", "after-call")
	e.Run("nps", "survey", "ledger", "forget", "T-1").
		Expect(t, 6, "", "error: profile default has no after-call ledger yet ("+own+"): nps survey after-call (or trigger listen --after-call) makes it with the first event it reads\n")
	// The same for the other senders' ledgers.
	e.Run("nps", "survey", "ledger", "list", "--once", "--unsettled").Expect(t, 6, "", "error: profile default has no --once ledger yet ("+
		filepath.Join(e.Home, "state", "nps", "default", "send")+"): nps survey send --once KEY makes it with its first send\n")
	e.Run("nps", "survey", "ledger", "settle", "--rows", "103/ada@example.com", "--ledger", typo).
		Expect(t, 6, "", "error: --ledger "+typo+": no such folder, so no respondent-import ledger: check the path (respondent import makes it on its first run)\n")
	// Once after-call has read an event, the ledger is there, if empty.
	file := writeFile(t, e, "live.json", `{"taskId":"T-1","event":"Connected","modality":"Audio"}`)
	e.Run("nps", "survey", "after-call", file).Expect(t, 0, "T-1\tskipped:not-call-end\t\t\t\t\tno terminated time (event Connected)\n", "")
	e.Run("nps", "survey", "ledger", "list", "--unsettled").Expect(t, 0, "", "")
}

// A call with a colleague is no customer's call: an inbound Teams call from someone in the
// tenant (callerUPN at the service's or the agent's domain, with or without a number), an
// outbound call to one (destinationUPN), a transfer from the agent's own account. Such calls
// are skipped:internal, with where the domain came from; --internal-domain and the profile's
// internal_domains add domains the events cannot tell (a sister company's).
func TestNpsAfterCallNeverSurveysAColleague(t *testing.T) {
	t.Parallel()
	e := clitest.New(t, unlimited())
	const svc = `"serviceUPN":"sales@contoso.com","serviceTelNumber":"+41445550200","lastConnectedUserId":"7d1f0c2e-aaaa-4bbb-8ccc-0123456789ab","LastConnectedUserUPN":"luca@contoso.onmicrosoft.com","LastConnectedUserEmail":"luca.rossi@contoso.com"`
	ev := func(id, dir, who string) string {
		return `{"taskId":"` + id + `","event":"Terminated","direction":"` + dir + `","modality":"Audio","created":"2026-03-23T09:00:00Z","terminated":"2026-03-23T09:03:00Z",` +
			who + `,` + svc + "}\n"
	}
	events := ev("in-colleague", "Inbound", `"callerUPN":"bob.keller@contoso.com"`) +
		ev("in-colleague-tel", "Inbound", `"callerTelNumber":"+41445550210","callerUPN":"Bob.Keller@Contoso.com"`) +
		ev("in-tenant", "Inbound", `"callerUPN":"mia@contoso.onmicrosoft.com"`) +
		ev("in-sip", "Inbound", `"callerUPN":"sip:bob.keller@contoso.com"`) +
		ev("out-colleague", "Outbound", `"destinationUPN":"eva@eu.contoso.com"`) +
		ev("in-transfer", "Inbound", `"callerId":"7d1f0c2e-aaaa-4bbb-8ccc-0123456789ab","callerTelNumber":"+41445550299"`) +
		ev("in-partner", "Inbound", `"callerUPN":"tom@fabrikam-partner.example"`) +
		ev("in-customer", "Inbound", `"callerUPN":"chloe.dubois@fabrikam.example"`) +
		ev("out-customer", "Outbound", `"destinationTelNumber":"+41795551234","destinationUPN":"noah@notcontoso.com"`)
	file := writeFile(t, e, "events.jsonl", events)
	colleagues := lines(
		"in-colleague\tskipped:internal\t\t\t\t\tcaller bob.keller@contoso.com is a colleague: contoso.com is the service's domain (serviceUPN)",
		"in-colleague-tel\tskipped:internal\t\t\t\t\tcaller Bob.Keller@Contoso.com is a colleague: contoso.com is the service's domain (serviceUPN)",
		"in-tenant\tskipped:internal\t\t\t\t\tcaller mia@contoso.onmicrosoft.com is a colleague: contoso.onmicrosoft.com is the agent's domain (LastConnectedUserUPN)",
		"in-sip\tskipped:internal\t\t\t\t\tcaller sip:bob.keller@contoso.com is a colleague: contoso.com is the service's domain (serviceUPN)",
		"out-colleague\tskipped:internal\t\t\t\t\tdestination eva@eu.contoso.com is a colleague: contoso.com is the service's domain (serviceUPN)",
		"in-transfer\tskipped:internal\t\t\t\t\tthe caller is the agent who took the call (callerId is lastConnectedUserId)",
	)
	e.Run("nps", "survey", "after-call", file, "--internal-domain", "fabrikam-partner.example").Expect(t, 0, colleagues+lines(
		"in-partner\tskipped:internal\t\t\t\t\tcaller tom@fabrikam-partner.example is a colleague: fabrikam-partner.example is an internal domain (--internal-domain)",
		"in-customer\tsent\t102\tchloe.dubois@fabrikam.example\tluca.rossi@contoso.com\t\t",
		"out-customer\tsent\t102\t+41795551234\tluca.rossi@contoso.com\t\t",
	), "")
	var got []string
	for _, s := range e.Emu.NPSSurveys() {
		got = append(got, fmt.Sprint(s.Respondent["phoneNumber"], s.Respondent["emailAddress"]))
	}
	if strings.Join(got, "|") != "<nil>chloe.dubois@fabrikam.example|+41795551234<nil>" {
		t.Errorf("surveyed %s", got)
	}
	// The profile's setting (or its NIMBUSCTL_INTERNAL_DOMAINS override) says it once for every run.
	dry := []string{"nps", "survey", "after-call", file, "--dry-run", "--no-ledger", "-o", "json", "--jq", `.[] | select(.taskId == "in-partner") | [.result, .detail] | @tsv`}
	e.MustRun("config", "set", "internal_domains", "fabrikam-partner.example, contoso.ch")
	e.Run(dry...).Expect(t, 0, "skipped:internal\tcaller tom@fabrikam-partner.example is a colleague: fabrikam-partner.example is an internal domain (internal_domains)\n", "")
	e.Setenv("NIMBUSCTL_INTERNAL_DOMAINS", "contoso.ch")
	e.Run(dry...).Expect(t, 0, "would-send\tdry run: nothing sent (p-gap check on: nps.today may hold it for the agent's rating)\n", "")
	// The flag takes a list as the setting does (--internal-domain a.example,b.example).
	e.Setenv("NIMBUSCTL_INTERNAL_DOMAINS", "")
	e.MustRun("config", "set", "internal_domains", "contoso.ch")
	e.Run(append(dry, "--internal-domain", "contoso.ch, fabrikam-partner.example")...).
		Expect(t, 0, "skipped:internal\tcaller tom@fabrikam-partner.example is a colleague: fabrikam-partner.example is an internal domain (--internal-domain)\n", "")
	// A domain must be one.
	e.Run("nps", "survey", "after-call", file, "--internal-domain", "contoso.ch,@fabrikam").Expect(t, 3, "",
		"error: --internal-domain: \"@fabrikam\" is not a domain name (e.g. contoso.com)\nRun 'nimbusctl nps survey after-call --help' for usage.\n")
	e.Run("nps", "survey", "after-call", file, "--internal-domain", "").Expect(t, 3, "",
		"error: --internal-domain: \"\" is not a domain name (e.g. contoso.com)\nRun 'nimbusctl nps survey after-call --help' for usage.\n")
	e.Run("nps", "survey", "after-call", file, "--internal-domain", "@fabrikam").Expect(t, 3, "",
		"error: --internal-domain: \"@fabrikam\" is not a domain name (e.g. contoso.com)\nRun 'nimbusctl nps survey after-call --help' for usage.\n")
	e.Run("config", "set", "internal_domains", "contoso.com,not a domain").Expect(t, 3, "",
		"error: invalid domain \"not a domain\" in a comma-separated list of domain names (e.g. contoso.com,contoso.ch)\nRun 'nimbusctl config set --help' for usage.\n")
}
