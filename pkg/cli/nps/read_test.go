package nps_test

import (
	"strings"
	"testing"

	"github.com/nimbusctl/nimbusctl/pkg/cli/clitest"
	"github.com/nimbusctl/nimbusctl/pkg/emulator"
)

func TestNpsCampaignsList(t *testing.T) {
	t.Parallel()
	e := clitest.New(t)
	e.Run("nps", "campaigns", "list").Expect(t, 0, lines(
		"101\tSupport after-call\t4\t-25",
		"102\tSales\t1\t100",
		"103\tOnboarding e-mail\t0\t",
	), "")
	e.RunWith(clitest.RunOpts{TTY: true}, "nps", "campaigns", "ls").Expect(t, 0, lines(
		"ID   NAME                RESPONSES  NPS",
		"101  Support after-call  4          -25",
		"102  Sales               1          100",
		"103  Onboarding e-mail   0",
	), "")
	e.Run("nps", "campaigns", "list", "--jq", `.[] | select(.name == "Sales") | .id`).Expect(t, 0, "102\n", "")
	e.Run("nps", "campaigns", "list", "extra").Expect(t, 3, "", "error: nimbusctl nps campaigns list takes no arguments (got \"extra\")\nRun 'nimbusctl nps campaigns list --help' for usage.\n")
}

func TestNpsForbiddenAndUnavailable(t *testing.T) {
	t.Parallel()
	e := clitest.New(t, clitest.WithEmulator(func(o *emulator.Options) { o.Deny = []string{emulator.ServiceNPSToday} }))
	e.Run("nps", "campaigns", "list").Expect(t, 5, "", "error: GetCampaigns: 403 Forbidden: Forbidden. The signed-in user has no role that allows the npstoday API.\n")

	u := clitest.New(t)
	u.Setenv("NIMBUSCTL_MAX_RETRIES", "0") // a GET is retried through a 500
	u.Emu.InjectFaults(emulator.ServiceNPSToday, emulator.FaultInternal)
	u.Run("nps", "ivr-map").Expect(t, 10, "", "error: GetIVRMap: 500 Internal Server Error: Internal Server Error.\nThe service is busy or unreachable; nothing more was sent. Try again later.\n")
}

func TestNpsEmployee(t *testing.T) {
	t.Parallel()
	e := clitest.New(t, unlimited())
	e.Run("nps", "employee", "analytics", emulator.NPSEmployeeAgent).
		Expect(t, 0, "agent@contoso.com\t30\t3\t0\t7.67\t1\t1\t1\n", "")
	e.Run("nps", "employee", "analytics", "7001", "--days", "7", "-o", "json").Expect(t, 0, `{
  "employee": "agent@contoso.com",
  "days": 7,
  "responses": 1,
  "nps": 100,
  "averageRating": 9,
  "promoters": 1,
  "passives": 0,
  "detractors": 0,
  "employeeId": 7001
}
`, "")
	e.Run("nps", "employee", "analytics", emulator.NPSEmployeeAgent, "--days", "0").
		Expect(t, 3, "", "error: --days must be between 1 and 3650, got 0\nRun 'nimbusctl nps employee analytics --help' for usage.\n")
	e.Run("nps", "employee", "analytics", "nobody@contoso.com").
		Expect(t, 6, "", "error: GetEmployeeAnalytics: 404 Not Found: Employee not found.\n")
	e.Run("nps", "employee", "analytics").
		Expect(t, 3, "", "error: nimbusctl nps employee analytics takes an employee's e-mail address or id (got 0 argument(s))\nRun 'nimbusctl nps employee analytics --help' for usage.\n")

	e.Run("nps", "employee", "responses", emulator.NPSEmployeeAgent, "--jq", "map([.rating, .userComment, .respondent.firstName])", "-o", "json").
		Expect(t, 0, `[[9,"Quick and friendly help","Alice"],[6,"Had to wait too long","Bruno"],[8,"","Chloé"]]`+"\n", "")
	e.Run("nps", "employee", "responses", emulator.NPSEmployeeAgent, "--since", "5d", "--jq", "map(.rating)").Expect(t, 0, "[9]\n", "")
	e.Run("nps", "employee", "responses", emulator.NPSEmployeeAgent, "--since", "2000-01-01", "--jq", "length").Expect(t, 0, "3\n", "")
	e.Run("nps", "employee", "responses", emulator.NPSEmployeeAgent, "--since", "yesterday").
		Expect(t, 3, "", "error: --since: \"yesterday\" is not a time: use RFC 3339 (2026-03-01T00:00:00Z), a date (2026-03-01) or an age (7d, 12h)\nRun 'nimbusctl nps employee responses --help' for usage.\n")

	e.Setenv("NIMBUSCTL_DEFAULT_COUNTRY", "+45")
	e.Run("nps", "employee", "add", "--email", "nora@contoso.com", "--first-name", "Nora", "--last-name", "Berg", "--team", "Support", "--phone", "20 30 40 50").
		Expect(t, 0, "9001\tnora@contoso.com\tNora\tBerg\tSupport\ttrue\n", "")
	got := e.Emu.NPSEmployees()
	last := got[len(got)-1]
	if last["phoneNumber"] != "+4520304050" || last["active"] != true {
		t.Errorf("stored %v", last)
	}
	e.Run("nps", "employee", "add", "--first-name", "X").
		Expect(t, 3, "", "error: --email is required\nRun 'nimbusctl nps employee add --help' for usage.\n")
	e.Run("nps", "employee", "add", "--email", "not-an-address").
		Expect(t, 3, "", "error: --email: \"not-an-address\" is not an e-mail address\nRun 'nimbusctl nps employee add --help' for usage.\n")
}

func TestNpsIVRMap(t *testing.T) {
	t.Parallel()
	e := clitest.New(t)
	e.Run("nps", "ivr-map").Expect(t, 0, lines(
		"support@contoso.com\t101\tSupport after-call",
		"sales@contoso.com\t102\tSales",
	), "")
	e.Run("nps", "ivr-map", "-o", "csv").Expect(t, 0, lines(
		"queueId,campaignId,campaignName",
		"support@contoso.com,101,Support after-call",
		"sales@contoso.com,102,Sales",
	), "")
}

func TestNpsResponses(t *testing.T) {
	t.Parallel()
	e := clitest.New(t)
	e.Setenv("NIMBUSCTL_DEFAULT_COUNTRY", "+41")
	e.Run("nps", "responses", "--phone", "044 555 10 01", "--jq", "map([.rating, .campaignName, .employeeEmail])", "-o", "json").
		Expect(t, 0, `[[9,"Support after-call","agent@contoso.com"],[3,"Support after-call","anna.meier@contoso.com"]]`+"\n", "")
	e.Run("nps", "responses", "--phone", "+45 99 99 99 99").Expect(t, 0, "", "")
	e.Run("nps", "responses", "--phone", "call me").
		Expect(t, 3, "", "error: --phone: \"call me\" is not a phone number\nRun 'nimbusctl nps responses --help' for usage.\n")
	e.Run("nps", "responses", "--jq", "length").Expect(t, 0, "5\n", "")
}

func TestNpsWebhooks(t *testing.T) {
	t.Parallel()
	e := clitest.New(t)
	r := e.Run("nps", "webhooks", "create", "--event", "campaignmembers", "--url", "https://hooks.contoso.example/nps", "--campaign", "102")
	hooks := e.Emu.NPSWebhooks()
	if len(hooks) != 1 {
		t.Fatalf("webhooks %+v", hooks)
	}
	r.Expect(t, 0, hooks[0].ID+"\tcampaignmembers\thttps://hooks.contoso.example/nps\t102\n", "")
	if hooks[0].Model != "CampaignMember" || hooks[0].CampaignID != 102 || hooks[0].URL != "https://hooks.contoso.example/nps" {
		t.Errorf("stored %+v", hooks[0])
	}
	r = e.Run("nps", "webhooks", "create", "--url", "https://hooks.contoso.example/all", "-o", "json", "--jq", ".event + \" \" + (.location | test(\"/webhooks/subscriptions/\") | tostring)")
	r.Expect(t, 0, "responses true\n", "")
	e.Run("nps", "webhooks", "delete", hooks[0].ID).Expect(t, 0, "", "")
	second := e.Emu.NPSWebhooks()[0].ID
	e.RunWith(clitest.RunOpts{TTY: true}, "nps", "webhooks", "rm", second).Expect(t, 0, "", "✓ Deleted webhook subscription "+second+"\n")
	e.Run("nps", "webhooks", "delete", hooks[0].ID).Expect(t, 6, "", "error: DeleteWebhook: 404 Not Found: Subscription not found.\n")
	if len(e.Emu.NPSWebhooks()) != 0 {
		t.Errorf("left %+v", e.Emu.NPSWebhooks())
	}
	e.Run("nps", "webhooks", "create", "--url", "ftp://x").
		Expect(t, 3, "", "error: --url: \"ftp://x\" is not an https:// URL\nRun 'nimbusctl nps webhooks create --help' for usage.\n")
	e.Run("nps", "webhooks", "create", "--url", "https://x.example", "--campaign", "Sales").
		Expect(t, 3, "", "error: --campaign: \"Sales\" is not a campaign id: ids are whole numbers from 1 to 2147483647 (see 'nimbusctl nps campaigns list')\nRun 'nimbusctl nps webhooks create --help' for usage.\n")
	e.Run("nps", "webhooks", "create", "--url", "https://x.example", "--event", "surveys").
		Expect(t, 3, "", "error: invalid argument \"surveys\" for \"--event\" flag: valid values are responses, campaignmembers\nRun 'nimbusctl nps webhooks create --help' for usage.\n")
	e.Run("nps", "webhooks", "create", "--url", "https://x.example", "--campaign", "999").
		Expect(t, 7, "", "error: NewResponse: 400 Bad Request: The request is invalid: Filter.Include.campaignId: is not a campaign of this organisation\n")
}

func TestNpsBI(t *testing.T) {
	t.Parallel()
	e := clitest.New(t)
	e.Run("nps", "bi", "responses", "--page-size", "2", "--jq", "map(.id)").Expect(t, 0, "[5001,5002,5003,5004,5005]\n", "")
	if n := e.Emu.Stats().Operations["GetBI"]; n != 3 {
		t.Errorf("%d pages read, want 3", n)
	}
	e.Run("nps", "bi", "responses", "--page-size", "2", "--limit", "3", "--jq", "map(.id)").Expect(t, 0, "[5001,5002,5003]\n", "")
	e.Run("nps", "bi", "responses", "--modified-after", "3d", "--jq", "map(.rating)").Expect(t, 0, "[9,10]\n", "")
	e.Run("nps", "bi", "responsecategories").Expect(t, 0, "1\tWaiting time\n2\tFriendliness\n3\tSolution\n", "")
	e.Run("nps", "bi", "nothing").
		Expect(t, 3, "", "error: dataset: unknown dataset \"nothing\": allowed: responses, campaignmembers, campaigns, employees, responsecategories, sms, emails, companies\n")
	e.Run("nps", "bi", "responses", "--page-size", "0").
		Expect(t, 3, "", "error: --page-size must be between 1 and 1000, got 0\nRun 'nimbusctl nps bi --help' for usage.\n")
	e.MustRun("nps", "survey", "send", "--campaign", "101", "--phone", "+4521234567")
	e.Run("nps", "bi", "campaignmembers", "--jq", `map(.respondent.phoneNumber + " " + .additionStatus)`).Expect(t, 0, `["+4521234567 Added"]`+"\n", "")
}

func TestNpsAPI(t *testing.T) {
	t.Parallel()
	e := clitest.New(t)
	e.Run("nps", "api", "GET", "/campaigns/", "--jq", ".[].name").Expect(t, 0, "Support after-call\nSales\nOnboarding e-mail\n", "")
	e.Run("nps", "api", "GET", "/respondents/responses", "-f", "phoneNumber=+41445551001", "--jq", "length").Expect(t, 0, "2\n", "")
	// A held p-gap survey through the raw call: the same answer the client sees.
	e.Run("nps", "api", "POST", "/campaigns/101/respondents?checkPgap=true",
		"-f", "respondent[phoneNumber]=+4521234567", "-f", "employee[email]="+emulator.NPSEmployeePgap).
		Expect(t, 0, "{\n  \"pgap\": true\n}\n", "")
	body := writeFile(t, e, "survey.json", `{"respondent":{"phoneNumber":"+4521234567"},"employee":{"email":"`+emulator.NPSEmployeePgap+`"},"agentRating":7}`)
	e.Run("nps", "api", "POST", "/campaigns/101/respondents?checkPgap=true", "--input", body, "--jq", ".pgap").Expect(t, 0, "false\n", "")
	if s := e.Emu.NPSSurveys(); len(s) != 1 || *s[0].AgentRating != 7 {
		t.Errorf("surveys %+v", s)
	}
	// Errors carry the route's operation name, or METHOD PATH off the table.
	e.Run("nps", "api", "POST", "/campaigns/999/respondent", "-f", "respondent[phoneNumber]=+4521234567").
		Expect(t, 6, "", "error: SendSurvey: 404 Not Found: Campaign not found.\n")
	e.Run("nps", "api", "GET", "/nowhere").Expect(t, 6, "", "error: GET /nowhere: 404 Not Found: No endpoint at /nowhere.\n")
	e.Run("nps", "api", "FETCH", "/campaigns/").
		Expect(t, 3, "", "error: unknown method \"FETCH\": allowed: GET, POST, PUT, PATCH, DELETE, HEAD\nRun 'nimbusctl nps api --help' for usage.\n")
	e.Setenv("NPSTODAY_API_KEY", "")
	r := e.Run("nps", "api", "GET", "/campaigns/")
	if r.Code != 4 || !strings.HasPrefix(r.Stderr, "error: no nps.today API key") {
		t.Errorf("no key: %d %s", r.Code, r.Stderr)
	}
}
