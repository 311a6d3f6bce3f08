package sessions_test

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/nimbusctl/nimbusctl/pkg/cli/clitest"
	"github.com/nimbusctl/nimbusctl/pkg/emulator"
)

func env(t *testing.T, o emulator.ODataOptions, more ...clitest.Option) *clitest.Env {
	t.Helper()
	if o.PageSize == 0 {
		o.PageSize = 7
	}
	opts := append([]clitest.Option{clitest.WithEmulator(func(eo *emulator.Options) { eo.OData = o })}, more...)
	e := clitest.New(t, opts...)
	e.Setenv("NIMBUSCTL_ODATA_RATE", "1000/s")
	return e
}

func day(t time.Time) string { return t.Format(time.DateOnly) }

func TestSessionsListCSVOfOneServiceAndDayInBothEncodings(t *testing.T) {
	t.Parallel()
	for _, enc := range []string{emulator.ODataCodesList, emulator.ODataCodesDelimited} {
		e := env(t, emulator.ODataOptions{CodesEncoding: enc})
		from, _ := e.Emu.ODataWindow()
		d := from.AddDate(0, 0, 5)
		r := e.Run("sessions", "list", "--service", "Contoso Sales", "--since", day(d), "--until", day(d.AddDate(0, 0, 1)), "-o", "csv")
		want := "Id,StartedAt,service,user,PrimaryCodes,SecondaryCodes,Tags\n"
		for i := 30; i < 36; i++ { // day 5: sessions 30..35; sales@ is i%3 == 1
			s := e.Emu.ODataSession(i)
			if s.ServiceID != emulator.ServiceSalesID {
				continue
			}
			want += fmt.Sprintf("%s,%s,%s,%s,%s,%s,%s\n", s.ID, s.StartedAt.Format(time.RFC3339), s.ServiceUPN, s.UserUPN,
				strings.Join(s.PrimaryCodes, "|"), strings.Join(s.SecondaryCodes, "|"), strings.Join(s.Tags, "|"))
		}
		r.Expect(t, 0, want, "")
		if strings.Count(want, "\n") != 3 {
			t.Fatalf("the rule changed: %s", want)
		}
	}
}

func TestSessionsListByCodeAcrossPages(t *testing.T) {
	t.Parallel()
	e := env(t, emulator.ODataOptions{CodesEncoding: emulator.ODataCodesDelimited})
	from, _ := e.Emu.ODataWindow()
	lo, hi := from.AddDate(0, 0, 3), from.AddDate(0, 0, 33)
	r := e.Run("sessions", "list", "--code", "call BACK", "--service", emulator.ServiceVIP, "--since", day(lo), "--until", day(hi), "-o", "json", "--jq", ".[].Id")
	want := ""
	for i := 0; i < e.Emu.ODataSessionCount(); i++ {
		s := e.Emu.ODataSession(i)
		has := false
		for _, c := range append(s.PrimaryCodes, s.SecondaryCodes...) {
			has = has || c == emulator.CodeCallBack
		}
		if has && s.ServiceID == emulator.ServiceVIPID && !s.StartedAt.Before(lo) && s.StartedAt.Before(hi) {
			want += s.ID + "\n"
		}
	}
	r.Expect(t, 0, want, "")
	if n := strings.Count(want, "\n"); n < 10 {
		t.Fatalf("only %d sessions: the test proves little", n)
	}
	if pages := e.Emu.Stats().Operations["OData.ServiceSessions"]; pages < 2 {
		t.Errorf("%d pages", pages)
	}
}

func TestSessionsListJSONCarriesTheFeedsFields(t *testing.T) {
	t.Parallel()
	e := env(t, emulator.ODataOptions{})
	from, _ := e.Emu.ODataWindow()
	s := e.Emu.ODataSession(0)
	r := e.Run("sessions", "list", "--since", from.Format(time.RFC3339), "--until", from.Add(time.Hour).Format(time.RFC3339), "-o", "json")
	r.Expect(t, 0, `[
  {
    "Id": "`+s.ID+`",
    "StartedAt": "`+from.Format(time.RFC3339)+`",
    "ServiceId": "`+emulator.ServiceSupportID+`",
    "service": "support@contoso.com",
    "UserId": "`+s.UserID+`",
    "user": "admin@contoso.com",
    "OrganizationUnitId": "`+s.OrganizationUnitID+`",
    "OutcomeId": 1,
    "CallerId": 1,
    "TotalQueueTime": "PT5S",
    "TotalConnectedTime": "PT1M",
    "PrimaryCodes": [
      "Resolved"
    ],
    "SecondaryCodes": [
      "Upsell"
    ],
    "Tags": [
      "Billing"
    ]
  }
]
`, "")
}

func TestSessionsListLimitStopsEarlyAndWarns(t *testing.T) {
	t.Parallel()
	e := env(t, emulator.ODataOptions{PageSize: 100})
	from, to := e.Emu.ODataWindow()
	r := e.Run("sessions", "list", "--limit", "3", "--since", day(from), "--until", day(to), "-o", "json", "--jq", ".[].user")
	r.Expect(t, 0, "admin@contoso.com\nadmin@contoso.com\nadmin@contoso.com\n",
		"! showing the first 3 sessions; there are more (raise --limit, up to 100000, or narrow the window)\n")
	if pages := e.Emu.Stats().Operations["OData.ServiceSessions"]; pages != 1 {
		t.Errorf("%d pages for --limit 3", pages)
	}
	// The hung-up session (i = 7) has no user: the column stays empty.
	r = e.Run("sessions", "list", "--since", from.Add(27*time.Hour).Format(time.RFC3339), "--until", from.Add(29*time.Hour).Format(time.RFC3339))
	s := e.Emu.ODataSession(7)
	r.Expect(t, 0, fmt.Sprintf("%s\t%s\tsales@contoso.com\t\t\t\t%s\n", s.ID, s.StartedAt.Format(time.RFC3339), strings.Join(s.Tags, ", ")), "")
}

func TestSessionsListFlagErrorsAndForbidden(t *testing.T) {
	t.Parallel()
	e := env(t, emulator.ODataOptions{})
	e.Run("sessions", "list", "--limit", "0").Expect(t, 3, "",
		"error: --limit must be between 1 and 100000, got 0\nRun 'nimbusctl sessions list --help' for usage.\n")
	e.Run("sessions", "list", "--until", "soon").Expect(t, 3, "",
		"error: --until: \"soon\" is not an age (30d, 12h, 2w), a date (2026-01-31) or a time (2026-01-31T08:00:00Z)\nRun 'nimbusctl sessions list --help' for usage.\n")
	if n := e.Emu.Stats().Requests[emulator.ServiceOData]; n != 0 {
		t.Errorf("%d requests for invalid flags", n)
	}
	e.Setenv("NIMBUSCTL_ODATA_TOKEN", e.Emu.IssueToken(emulator.AgentUser, emulator.ODataAudience, time.Hour))
	r := e.Run("sessions", "list")
	if r.Code != 5 || !regexp.MustCompile(`^error: OData \$metadata: 403 Forbidden: The user agent@contoso.com has no reporting role .*\nThe Nimbus reporting feed refused access\.`).MatchString(r.Stderr) {
		t.Errorf("exit %d\n%s", r.Code, r.Stderr)
	}
}

func TestSessionsListUncodedShowsTheSessionsWithoutACode(t *testing.T) {
	t.Parallel()
	for _, enc := range []string{emulator.ODataCodesList, emulator.ODataCodesDelimited} {
		e := env(t, emulator.ODataOptions{CodesEncoding: enc})
		from, to := e.Emu.ODataWindow()
		want := ""
		for i := 0; i < e.Emu.ODataSessionCount(); i++ {
			if s := e.Emu.ODataSession(i); len(s.PrimaryCodes)+len(s.SecondaryCodes) == 0 && s.ServiceID == emulator.ServiceSupportID {
				want += s.ID + "\n"
			}
		}
		r := e.Run("sessions", "list", "--uncoded", "--service", "support@contoso.com", "--since", day(from), "--until", day(to), "--jq", ".[].Id")
		r.Expect(t, 0, want, "")
		if n := strings.Count(want, "\n"); n != 15 { // i%8 == 7 and i%3 == 0: 15 of 360
			t.Fatalf("the rule changed: %d uncoded sessions", n)
		}
	}
	e := env(t, emulator.ODataOptions{})
	e.Run("sessions", "list", "--uncoded", "--code", "Sale").Expect(t, 3, "",
		"error: --code and --uncoded exclude each other (a session with a code is not uncoded)\nRun 'nimbusctl sessions list --help' for usage.\n")
}

func TestSessionsListOfOneUserWithTags(t *testing.T) {
	t.Parallel()
	e := env(t, emulator.ODataOptions{CodesEncoding: emulator.ODataCodesDelimited})
	from, _ := e.Emu.ODataWindow()
	lo, hi := from.AddDate(0, 0, 2), from.AddDate(0, 0, 4)
	want := "Id,StartedAt,service,user,PrimaryCodes,SecondaryCodes,Tags\n"
	for i := 0; i < e.Emu.ODataSessionCount(); i++ {
		s := e.Emu.ODataSession(i)
		if s.UserUPN == emulator.AgentUser && !s.StartedAt.Before(lo) && s.StartedAt.Before(hi) {
			want += fmt.Sprintf("%s,%s,%s,%s,%s,%s,%s\n", s.ID, s.StartedAt.Format(time.RFC3339), s.ServiceUPN, s.UserUPN,
				strings.Join(s.PrimaryCodes, "|"), strings.Join(s.SecondaryCodes, "|"), strings.Join(s.Tags, "|"))
		}
	}
	e.Run("sessions", "list", "--user", "Agent Contoso", "--since", day(lo), "--until", day(hi), "-o", "csv").Expect(t, 0, want, "")
	if !strings.Contains(want, "Billing|Urgent") {
		t.Fatalf("no session with two tags: the test proves little\n%s", want)
	}
}
