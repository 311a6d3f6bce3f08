package codes_test

import (
	"fmt"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nimbusctl/nimbusctl/pkg/cli/clitest"
	"github.com/nimbusctl/nimbusctl/pkg/emulator"
)

// env starts an emulator whose feed pages every 40 sessions (360 sessions: 9 pages), with
// the OData rate limit lifted so tests do not wait.
func env(t *testing.T, o emulator.ODataOptions, more ...clitest.Option) *clitest.Env {
	t.Helper()
	if o.PageSize == 0 {
		o.PageSize = 40
	}
	opts := append([]clitest.Option{clitest.WithEmulator(func(eo *emulator.Options) { eo.OData = o })}, more...)
	e := clitest.New(t, opts...)
	e.Setenv("NIMBUSCTL_ODATA_RATE", "1000/s")
	return e
}

// window is the whole seeded data set as --since/--until arguments.
func window(e *clitest.Env) []string {
	from, to := e.Emu.ODataWindow()
	return []string{"--since", from.Format(time.DateOnly), "--until", to.Format(time.DateOnly)}
}

var encodings = []emulator.ODataOptions{
	{CodesEncoding: emulator.ODataCodesList},
	{CodesEncoding: emulator.ODataCodesDelimited},
}

func TestCodesListCSVCountsTheSeededDataSetAcrossPagesInBothEncodings(t *testing.T) {
	t.Parallel()
	for _, o := range encodings {
		e := env(t, o)
		r := e.Run(append([]string{"codes", "list", "-o", "csv"}, window(e)...)...)
		r.Expect(t, 0, `code,primary,secondary,sessions,share
Resolved,135,0,135,0.375
Upsell,0,126,126,0.35
Sale,120,0,120,0.3333
Call back,45,63,99,0.275
Complaint,0,63,63,0.175
Newsletter,0,63,63,0.175
Escalated,60,0,60,0.1667
`, "")
		if pages := e.Emu.Stats().Operations["OData.ServiceSessions"]; pages != 9 {
			t.Errorf("%s: %d pages of sessions, want 9", o.CodesEncoding, pages)
		}
	}
}

func TestCodesReportByServiceCSVInBothEncodings(t *testing.T) {
	t.Parallel()
	for _, o := range encodings {
		e := env(t, o)
		r := e.Run(append([]string{"codes", "report", "--by", "service", "-o", "csv"}, window(e)...)...)
		r.Expect(t, 0, `service,sessions,Resolved,Upsell,Sale,Call back,Complaint,Newsletter,Escalated
sales@contoso.com,120,30,42,60,33,21,21,15
support@contoso.com,120,60,42,30,33,21,21,15
vip@contoso.com,120,45,42,30,33,21,21,30
`, "")
	}
}

// expectedList computes `codes list -o csv` from the emulator's rule for the sessions keep
// selects: independent of the client's code.
func expectedList(e *clitest.Env, keep func(s emulator.ODataSession) bool) string {
	type count struct{ p, s, n int }
	counts := map[string]*count{}
	total := 0
	for i := 0; i < e.Emu.ODataSessionCount(); i++ {
		s := e.Emu.ODataSession(i)
		if !keep(s) {
			continue
		}
		total++
		seen := map[string]bool{}
		for _, c := range s.PrimaryCodes {
			if counts[c] == nil {
				counts[c] = &count{}
			}
			counts[c].p++
			seen[c] = true
		}
		for _, c := range s.SecondaryCodes {
			if counts[c] == nil {
				counts[c] = &count{}
			}
			counts[c].s++
			seen[c] = true
		}
		for c := range seen {
			counts[c].n++
		}
	}
	var codes []string
	for c := range counts {
		codes = append(codes, c)
	}
	sort.Slice(codes, func(i, j int) bool {
		if counts[codes[i]].n != counts[codes[j]].n {
			return counts[codes[i]].n > counts[codes[j]].n
		}
		return codes[i] < codes[j]
	})
	out := "code,primary,secondary,sessions,share\n"
	for _, c := range codes {
		k := counts[c]
		share := math.Round(float64(k.n)/float64(total)*1e4) / 1e4
		out += fmt.Sprintf("%s,%d,%d,%d,%s\n", csvCell(c), k.p, k.s, k.n, strconv.FormatFloat(share, 'f', -1, 64))
	}
	return out
}

func TestCodesListFiltersByWindowAndService(t *testing.T) {
	t.Parallel()
	e := env(t, emulator.ODataOptions{CodesEncoding: emulator.ODataCodesDelimited, PageSize: 25})
	from, _ := e.Emu.ODataWindow()
	lo, hi := from.AddDate(0, 0, 10).Add(6*time.Hour), from.AddDate(0, 0, 23)
	in := func(s emulator.ODataSession) bool { return !s.StartedAt.Before(lo) && s.StartedAt.Before(hi) }

	r := e.Run("codes", "list", "-o", "csv", "--since", lo.Format(time.RFC3339), "--until", hi.Format(time.DateOnly))
	r.Expect(t, 0, expectedList(e, in), "")

	for _, svc := range []string{emulator.ServiceSales, "Contoso Sales", strings.ToUpper(emulator.ServiceSalesID)} {
		r = e.Run("codes", "list", "-o", "csv", "--service", svc, "--since", lo.Format(time.RFC3339), "--until", hi.Format(time.DateOnly))
		r.Expect(t, 0, expectedList(e, func(s emulator.ODataSession) bool { return in(s) && s.ServiceID == emulator.ServiceSalesID }), "")
	}

	// A time zone moves the day boundaries of dates.
	zurich, _ := time.LoadLocation("Europe/Zurich")
	zlo := time.Date(lo.Year(), lo.Month(), lo.Day(), 0, 0, 0, 0, zurich)
	r = e.Run("codes", "list", "-o", "csv", "--tz", "Europe/Zurich", "--since", zlo.Format(time.DateOnly), "--until", hi.Format(time.RFC3339))
	r.Expect(t, 0, expectedList(e, func(s emulator.ODataSession) bool { return !s.StartedAt.Before(zlo) && s.StartedAt.Before(hi) }), "")
}

func TestCodesReportByDayWeekAndUser(t *testing.T) {
	t.Parallel()
	e := env(t, emulator.ODataOptions{})
	from, _ := e.Emu.ODataWindow()
	since, until := from.AddDate(0, 0, 2), from.AddDate(0, 0, 5)
	r := e.Run("codes", "report", "--by", "day", "--kind", "primary", "-o", "csv", "--service", "vip@contoso.com",
		"--since", since.Format(time.DateOnly), "--until", until.Format(time.DateOnly))
	// Days 2-4: sessions 12..29; vip@ is i%3 == 2: 14, 17, 20, 23, 26, 29.
	want := map[string]map[string]int{}
	total, perCode := map[string]int{}, map[string]int{}
	for i := 12; i < 30; i++ {
		s := e.Emu.ODataSession(i)
		if s.ServiceID != emulator.ServiceVIPID {
			continue
		}
		d := s.StartedAt.Format(time.DateOnly)
		if want[d] == nil {
			want[d] = map[string]int{}
		}
		total[d]++
		for _, c := range s.PrimaryCodes {
			want[d][c]++
			perCode[c]++
		}
	}
	var cols []string
	for c := range perCode {
		cols = append(cols, c)
	}
	sort.Slice(cols, func(i, j int) bool {
		if perCode[cols[i]] != perCode[cols[j]] {
			return perCode[cols[i]] > perCode[cols[j]]
		}
		return cols[i] < cols[j]
	})
	var b strings.Builder
	b.WriteString("day,sessions," + strings.Join(cols, ",") + "\n")
	for d := since; d.Before(until); d = d.AddDate(0, 0, 1) {
		k := d.Format(time.DateOnly)
		fmt.Fprintf(&b, "%s,%d", k, total[k])
		for _, c := range cols {
			fmt.Fprintf(&b, ",%d", want[k][c])
		}
		b.WriteString("\n")
	}
	r.Expect(t, 0, b.String(), "")

	r = e.Run(append([]string{"codes", "report", "--by", "week", "-o", "json", "--jq", "[.rows[].sessions] | add"}, window(e)...)...)
	r.Expect(t, 0, "360\n", "")
	r = e.Run(append([]string{"codes", "report", "--by", "week", "-o", "json", "--jq", ".rows | length"}, window(e)...)...)
	weeks := map[string]bool{} // the ISO weeks of the 60 days
	for d := 0; d < 60; d++ {
		y, w := from.AddDate(0, 0, d).ISOWeek()
		weeks[fmt.Sprintf("%d-%d", y, w)] = true
	}
	r.Expect(t, 0, fmt.Sprintf("%d\n", len(weeks)), "")

	r = e.Run(append([]string{"codes", "report", "--by", "user", "--kind", "secondary", "-o", "csv"}, window(e)...)...)
	// Users by (i/3)%4, none for the 45 hung-up sessions; secondary codes only when answered.
	users := map[string]map[string]int{}
	sessions := map[string]int{}
	for i := 0; i < 360; i++ {
		s := e.Emu.ODataSession(i)
		u := s.UserUPN
		if u == "" {
			u = "(none)"
		}
		if users[u] == nil {
			users[u] = map[string]int{}
		}
		sessions[u]++
		for _, c := range s.SecondaryCodes {
			users[u][c]++
		}
	}
	b.Reset()
	b.WriteString("user,sessions,Upsell,Call back,Complaint,Newsletter\n")
	for _, u := range []string{"admin@contoso.com", "agent@contoso.com", "anna.meier@contoso.com", "luca.rossi@contoso.com", "(none)"} {
		fmt.Fprintf(&b, "%s,%d,%d,%d,%d,%d\n", u, sessions[u], users[u]["Upsell"], users[u]["Call back"], users[u]["Complaint"], users[u]["Newsletter"])
	}
	r.Expect(t, 0, b.String(), "")
}

func TestCodesReportPipedIsTabSeparatedWithAHeader(t *testing.T) {
	t.Parallel()
	e := env(t, emulator.ODataOptions{})
	r := e.Run(append([]string{"codes", "report", "--service", "support@contoso.com"}, window(e)...)...)
	r.Expect(t, 0, "service\tsessions\tResolved\tUpsell\tCall back\tSale\tComplaint\tNewsletter\tEscalated\nsupport@contoso.com\t120\t60\t42\t33\t30\t21\t21\t15\n", "")
}

// progress frames on a terminal start with \r, ESC[K and a spinner; the last clears the line.
var progress = regexp.MustCompile("\r\x1b\\[K(?:[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏][^\r]*)?")

func TestCodesReportDrawsABarChartOnATerminal(t *testing.T) {
	t.Parallel()
	e := env(t, emulator.ODataOptions{})
	from, to := e.Emu.ODataWindow()
	r := e.RunWith(clitest.RunOpts{TTY: true}, append([]string{"codes", "report", "--by", "service"}, window(e)...)...)
	bar := func(code string, n int) string {
		return fmt.Sprintf("  %-10s  %s %d\n", code, strings.Repeat("█", n), n) // 60 cells for the top count of 60
	}
	want := fmt.Sprintf("Codes by service, %s 00:00 → %s 00:00 UTC, 360 sessions\n", from.Format(time.DateOnly), to.Format(time.DateOnly)) +
		"\nsales@contoso.com  120 sessions\n" +
		bar("Resolved", 30) + bar("Upsell", 42) + bar("Sale", 60) + bar("Call back", 33) + bar("Complaint", 21) + bar("Newsletter", 21) + bar("Escalated", 15) +
		"\nsupport@contoso.com  120 sessions\n" +
		bar("Resolved", 60) + bar("Upsell", 42) + bar("Sale", 30) + bar("Call back", 33) + bar("Complaint", 21) + bar("Newsletter", 21) + bar("Escalated", 15) +
		"\nvip@contoso.com  120 sessions\n" +
		bar("Resolved", 45) + bar("Upsell", 42) + bar("Sale", 30) + bar("Call back", 33) + bar("Complaint", 21) + bar("Newsletter", 21) + bar("Escalated", 30)
	if r.Code != 0 || r.Stdout != want || progress.ReplaceAllString(r.Stderr, "") != "" {
		t.Fatalf("exit %d\n--- stdout\n%s--- want\n%s--- stderr\n%q", r.Code, r.Stdout, want, r.Stderr)
	}
	if strings.Contains(r.Stdout, "\x1b") {
		t.Error("escape sequences without colour")
	}
}

// --kind primary counts primary codes only, and the chart's title says so.
func TestCodesReportChartOfOneKind(t *testing.T) {
	t.Parallel()
	e := env(t, emulator.ODataOptions{})
	from, to := e.Emu.ODataWindow()
	args := append([]string{"codes", "report", "--by", "service", "--kind", "primary"}, window(e)...)
	sessions := strings.TrimSpace(e.MustRun(append(args, "-o", "json", "--jq", ".sessions")...).Stdout)
	r := e.RunWith(clitest.RunOpts{TTY: true}, args...)
	title := fmt.Sprintf("Primary codes by service, %s 00:00 → %s 00:00 UTC, %s sessions\n", from.Format(time.DateOnly), to.Format(time.DateOnly), sessions)
	if r.Code != 0 || !strings.HasPrefix(r.Stdout, title) || !strings.Contains(r.Stdout, "  Sale  ") {
		t.Fatalf("exit %d\n--- stdout\n%s--- want title\n%s", r.Code, r.Stdout, title)
	}
	for _, secondary := range []string{"Upsell", "Newsletter", "Complaint"} {
		if strings.Contains(r.Stdout, secondary) {
			t.Errorf("secondary code %s in the primary chart:\n%s", secondary, r.Stdout)
		}
	}
}

func TestCodesListTableOnATerminal(t *testing.T) {
	t.Parallel()
	e := env(t, emulator.ODataOptions{})
	from, to := e.Emu.ODataWindow()
	r := e.RunWith(clitest.RunOpts{TTY: true}, append([]string{"codes", "list", "--service", "sales@contoso.com"}, window(e)...)...)
	// Shares are percentages for people (fractions in csv and json, see above).
	wantOut := "CODE        PRIMARY  SECONDARY  SESSIONS  SHARE\n" +
		"Sale        60       0          60        50%\n" +
		"Upsell      0        42         42        35%\n" +
		"Call back   15       21         33        27.5%\n" +
		"Resolved    30       0          30        25%\n" +
		"Complaint   0        21         21        17.5%\n" +
		"Newsletter  0        21         21        17.5%\n" +
		"Escalated   15       0          15        12.5%\n"
	wantErr := fmt.Sprintf("120 sessions (15 without a code), %s 00:00 → %s 00:00 UTC\n", from.Format(time.DateOnly), to.Format(time.DateOnly))
	if r.Code != 0 || r.Stdout != wantOut || progress.ReplaceAllString(r.Stderr, "") != wantErr {
		t.Fatalf("exit %d\n--- stdout\n%q\n--- want\n%q\n--- stderr\n%q", r.Code, r.Stdout, wantOut, r.Stderr)
	}
}

func TestCodesFlagErrors(t *testing.T) {
	t.Parallel()
	e := env(t, emulator.ODataOptions{})
	e.Run("codes", "list", "--since", "yesterday").Expect(t, 3, "",
		"error: --since: \"yesterday\" is not an age (30d, 12h, 2w), a date (2026-01-31) or a time (2026-01-31T08:00:00Z)\nRun 'nimbusctl codes list --help' for usage.\n")
	e.Run("codes", "list", "--since", "2026-02-01", "--until", "2026-01-01").Expect(t, 3, "",
		"error: --since (2026-02-01T00:00:00Z) must be before --until (2026-01-01T00:00:00Z)\nRun 'nimbusctl codes list --help' for usage.\n")
	e.Run("codes", "report", "--by", "month").Expect(t, 3, "",
		"error: invalid argument \"month\" for \"--by\" flag: valid values are service, day, week, user, ou, tag\nRun 'nimbusctl codes report --help' for usage.\n")
	e.Run("codes", "report", "--tz", "Mars/Olympus").Expect(t, 3, "",
		"error: --tz: unknown time zone \"Mars/Olympus\" (use an IANA name such as Europe/Zurich, UTC or local)\nRun 'nimbusctl codes report --help' for usage.\n")
	e.Run("codes", "list", "--service", "nobody@contoso.com").Expect(t, 3, "",
		"error: --service \"nobody@contoso.com\" matches no service of the reporting feed (known: support@contoso.com, sales@contoso.com, vip@contoso.com)\nRun 'nimbusctl codes list --help' for usage.\n")
	if n := e.Emu.Stats().Requests[emulator.ServiceOData]; n != 2 { // $metadata and Services, for --service only
		t.Errorf("%d OData requests, want 2", n)
	}
}

// consentHint is what a 401/403 from the feed adds after the error (default tenant and scope).
const consentHint = ` By default, sign-in to the feed is forbidden until
a tenant admin allows it, once:
  1. Grant admin consent to the Entra app "Nimbus Odata Login" (898a7352-9216-4ca8-a485-7d8f3903f598),
     which creates its service principal:
     https://login.microsoftonline.com/organizations/v2.0/adminconsent?client_id=898a7352-9216-4ca8-a485-7d8f3903f598&scope=openid+profile
     (or: Connect-MgGraph, then New-MgServicePrincipal -AppId 898a7352-9216-4ca8-a485-7d8f3903f598)
     The app's permissions then list "Nimbus Odata Login access_odata".
  2. Give your Nimbus user a reporting role (Tenant Admin, User Supervisor, Team Owner or
     Service Owner); its Organization Unit decides which sessions you can read.
Then sign in again with nimbusctl auth login (scope 898a7352-9216-4ca8-a485-7d8f3903f598/.default, profile key odata_scopes).
`

func TestCodesExplainConsentOn401And403(t *testing.T) {
	t.Parallel()
	e := env(t, emulator.ODataOptions{})
	// A token for the connector API is not one for the feed: 401, about the variable it came from.
	e.Setenv("NIMBUSCTL_ODATA_TOKEN", e.Emu.IssueToken(emulator.DefaultUser, emulator.NimbusAudience, time.Hour))
	// It came from NIMBUSCTL_ODATA_TOKEN, so signing in again would not replace it: said too.
	e.Run("codes", "list").Expect(t, 4, "",
		"error: OData $metadata: 401 Unauthorized: Unauthorized. The token was not issued for this API (audience 23694b6c-5a4a-45ce-9c6a-37c5f1880d4e).\n"+
			"The Nimbus reporting feed did not accept the token in NIMBUSCTL_ODATA_TOKEN. It must be a token for the\n"+
			"feed (898a7352-9216-4ca8-a485-7d8f3903f598/.default); replace it, or unset it to use the account signed in with\n"+
			"nimbusctl auth login.\n")
	// An expired one: replace it.
	e.Setenv("NIMBUSCTL_ODATA_TOKEN", e.Emu.IssueToken(emulator.DefaultUser, emulator.ODataAudience, -time.Minute))
	e.Run("sessions", "list").Expect(t, 4, "",
		"error: OData $metadata: 401 Unauthorized: Unauthorized. The token has expired.\n"+
			"The token in NIMBUSCTL_ODATA_TOKEN has expired: put a fresh one there, or unset it to use the account\n"+
			"signed in with nimbusctl auth login.\n")

	// A user without a reporting role: 403.
	e.Setenv("NIMBUSCTL_ODATA_TOKEN", e.Emu.IssueToken(emulator.AgentUser, emulator.ODataAudience, time.Hour))
	e.Run("codes", "report", "--by", "day").Expect(t, 5, "",
		"error: OData $metadata: 403 Forbidden: The user agent@contoso.com has no reporting role (Tenant Admin, User Supervisor, Team Owner or Service Owner).\n"+
			"The Nimbus reporting feed refused access."+consentHint)

	d := env(t, emulator.ODataOptions{}, clitest.WithEmulator(func(o *emulator.Options) { o.Deny = []string{emulator.ServiceOData} }))
	d.Setenv("NIMBUSCTL_TENANT", "contoso.onmicrosoft.com")
	r := d.Run("sessions", "list")
	if r.Code != 5 || !strings.HasPrefix(r.Stderr, "error: OData $metadata: 403 Forbidden: Forbidden. The signed-in user has no role that allows the odata API.\nThe Nimbus reporting feed refused access.") ||
		!strings.Contains(r.Stderr, "https://login.microsoftonline.com/contoso.onmicrosoft.com/v2.0/adminconsent?client_id=898a7352-9216-4ca8-a485-7d8f3903f598&scope=openid+profile") {
		t.Errorf("deny: exit %d\n%s", r.Code, r.Stderr)
	}
}

func TestCodesWithoutAnySignInExit4(t *testing.T) {
	t.Parallel()
	e := env(t, emulator.ODataOptions{}, clitest.NoLogin())
	r := e.Run("codes", "list")
	if r.Code != 4 || r.Stdout != "" || strings.Contains(r.Stderr, "Nimbus Odata Login") {
		t.Errorf("exit %d\n%s", r.Code, r.Stderr)
	}
	if n := e.Emu.Stats().Requests[emulator.ServiceOData]; n != 0 {
		t.Errorf("%d requests without a credential", n)
	}
}

func TestCodesDiscoverARenamedSessionSet(t *testing.T) {
	t.Parallel()
	e := env(t, emulator.ODataOptions{SessionSet: "FactSessions", CodesEncoding: emulator.ODataCodesDelimited, Delimiter: "|"})
	r := e.Run(append([]string{"codes", "report", "--by", "service", "-o", "csv", "--kind", "primary"}, window(e)...)...)
	r.Expect(t, 0, `service,sessions,Resolved,Sale,Escalated,Call back
sales@contoso.com,120,30,60,15,15
support@contoso.com,120,60,30,15,15
vip@contoso.com,120,45,30,30,15
`, "")
}

func TestCodesRetryThroughFaults(t *testing.T) {
	t.Parallel()
	e := env(t, emulator.ODataOptions{PageSize: 120})
	e.Emu.InjectFaults(emulator.ServiceOData, emulator.FaultUnavailable, emulator.FaultTimeoutAfter)
	r := e.Run(append([]string{"codes", "list", "-o", "json", "--jq", "[.[].sessions] | add"}, window(e)...)...)
	// 135+126+120+99+63+63+60: each session counted once per code it carries. (A slow run
	// may print a progress line on stderr; nothing else.)
	stderr := regexp.MustCompile(`(?m)^reading sessions: .*\n`).ReplaceAllString(r.Stderr, "")
	if r.Code != 0 || r.Stdout != "666\n" || stderr != "" {
		t.Errorf("exit %d, stdout %q, stderr %q", r.Code, r.Stdout, r.Stderr)
	}
	if f := e.Emu.Stats().Faults; f[emulator.FaultUnavailable] != 1 || f[emulator.FaultTimeoutAfter] != 1 {
		t.Errorf("faults %v", f)
	}
}

// TestCodesSignInThroughMSALWithTheODataScope: after `auth login`, the feed's token comes from
// the MSAL cache for the profile's odata_scopes; the emulated feed takes only its own audience.
func TestCodesSignInThroughMSALWithTheODataScope(t *testing.T) {
	t.Parallel()
	e := env(t, emulator.ODataOptions{}, clitest.WithEntra())
	if r := e.Run("auth", "login"); r.Code != 0 {
		t.Fatalf("auth login: %d %s", r.Code, r.Stderr)
	}
	r := e.Run(append([]string{"codes", "report", "--by", "service", "-o", "csv", "--kind", "secondary"}, window(e)...)...)
	r.Expect(t, 0, `service,sessions,Upsell,Call back,Complaint,Newsletter
sales@contoso.com,120,42,21,21,21
support@contoso.com,120,42,21,21,21
vip@contoso.com,120,42,21,21,21
`, "")
	e.Setenv("NIMBUSCTL_ODATA_SCOPES", emulator.NimbusAudience+"/.default") // a token for the wrong API
	r = e.Run("codes", "list")
	if r.Code != 4 || !strings.Contains(r.Stderr, "The token was not issued for this API") || !strings.Contains(r.Stderr, "scope "+emulator.NimbusAudience+"/.default, profile key odata_scopes") {
		t.Errorf("wrong scope: exit %d\n%s", r.Code, r.Stderr)
	}
}

// csvCell quotes a cell as CSV does when it holds a comma ("Info, Pricing").
func csvCell(s string) string {
	if strings.ContainsAny(s, ",\"") {
		return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
	}
	return s
}

// expectedMatrix writes `codes report -o csv` by hand from the emulator's sessions: groups
// gives each session's rows (several for tags), codes are counted once per session.
func expectedMatrix(e *clitest.Env, by string, groups func(s emulator.ODataSession) []string) string {
	return expectedMatrixWithParent(e, by, groups, nil)
}

// expectedMatrixWithParent adds the parent column of --by ou.
func expectedMatrixWithParent(e *clitest.Env, by string, groups func(s emulator.ODataSession) []string, parent func(group string) string) string {
	rows := map[string]map[string]int{}
	sessions, totals := map[string]int{}, map[string]int{}
	for i := 0; i < e.Emu.ODataSessionCount(); i++ {
		s := e.Emu.ODataSession(i)
		codes := map[string]bool{}
		for _, c := range append(append([]string{}, s.PrimaryCodes...), s.SecondaryCodes...) {
			codes[c] = true
		}
		for c := range codes {
			totals[c]++
		}
		for _, g := range groups(s) {
			if rows[g] == nil {
				rows[g] = map[string]int{}
			}
			sessions[g]++
			for c := range codes {
				rows[g][c]++
			}
		}
	}
	var cols, names []string
	for c := range totals {
		cols = append(cols, c)
	}
	sort.Slice(cols, func(i, j int) bool {
		if totals[cols[i]] != totals[cols[j]] {
			return totals[cols[i]] > totals[cols[j]]
		}
		return cols[i] < cols[j]
	})
	for g := range rows {
		names = append(names, g)
	}
	sort.Slice(names, func(i, j int) bool {
		if (names[i] == "(none)") != (names[j] == "(none)") {
			return names[j] == "(none)"
		}
		return names[i] < names[j]
	})
	var b strings.Builder
	b.WriteString(by)
	if parent != nil {
		b.WriteString(",parent")
	}
	for _, c := range append([]string{"sessions"}, cols...) {
		b.WriteString("," + csvCell(c))
	}
	b.WriteString("\n")
	for _, g := range names {
		b.WriteString(csvCell(g))
		if parent != nil {
			b.WriteString("," + csvCell(parent(g)))
		}
		fmt.Fprintf(&b, ",%d", sessions[g])
		for _, c := range cols {
			fmt.Fprintf(&b, ",%d", rows[g][c])
		}
		b.WriteString("\n")
	}
	return b.String()
}

func TestCodesReportByTagCountsASessionInEachOfItsTags(t *testing.T) {
	t.Parallel()
	for _, o := range encodings {
		e := env(t, o)
		want := expectedMatrix(e, "tag", func(s emulator.ODataSession) []string {
			if len(s.Tags) == 0 {
				return []string{"(none)"}
			}
			return s.Tags
		})
		r := e.Run(append([]string{"codes", "report", "--by", "tag", "-o", "csv"}, window(e)...)...)
		r.Expect(t, 0, want, "")
		// 360 sessions in all, though the rows add up to more (two tags on some).
		e.Run(append([]string{"codes", "report", "--by", "tag", "--jq", ".sessions"}, window(e)...)...).Expect(t, 0, "360\n", "")
	}
}

func TestCodesListAndReportOfOneUser(t *testing.T) {
	t.Parallel()
	e := env(t, emulator.ODataOptions{})
	anna := func(s emulator.ODataSession) bool { return s.UserUPN == "anna.meier@contoso.com" }
	for _, who := range []string{"anna.meier@contoso.com", "Anna Meier", "d1e2f3a4-0003-4b5c-8d6e-7f8091a2b303"} {
		e.Run(append([]string{"codes", "list", "-o", "csv", "--user", who}, window(e)...)...).Expect(t, 0, expectedList(e, anna), "")
	}
	e.Run("codes", "list", "--user", "nobody@contoso.com").Expect(t, 3, "",
		"error: --user \"nobody@contoso.com\" matches no user of the reporting feed (known: admin@contoso.com, agent@contoso.com, anna.meier@contoso.com, luca.rossi@contoso.com)\n"+
			"Run 'nimbusctl codes list --help' for usage.\n")
}

func TestCodesMappingOfTheStandardFeed(t *testing.T) {
	t.Parallel()
	e := env(t, emulator.ODataOptions{CodesEncoding: emulator.ODataCodesDelimited})
	// The sample: the values of the window's sessions (all of them: fewer than 1000).
	_, to := e.Emu.ODataWindow()
	since := to.AddDate(0, 0, -30)
	sample, semi := 0, 0
	for i := 0; i < e.Emu.ODataSessionCount(); i++ {
		s := e.Emu.ODataSession(i)
		if s.StartedAt.Before(since) || !s.StartedAt.Before(to) {
			continue
		}
		for _, l := range [][]string{s.PrimaryCodes, s.SecondaryCodes, s.Tags} {
			if len(l) > 0 {
				sample++
			}
			if len(l) > 1 {
				semi++
			}
		}
	}
	r := e.Run("codes", "mapping", "--since", since.Format(time.DateOnly), "--until", to.Format(time.DateOnly))
	r.Expect(t, 0, "sessions\tServiceSessions\tthe only set with codes and a start time\n"+
		"start time\tStartedAt\twindows filter on it\n"+
		"primary codes\tPrimaryCodes (delimited)\tEdm.String\n"+
		"secondary codes\tSecondaryCodes (delimited)\tEdm.String\n"+
		"tags\tTags (delimited)\tEdm.String\n"+
		fmt.Sprintf("delimiter\t\";\"\tdetected in a sample of %d values (\";\" in %d)\n", sample, semi)+
		"service link\tServiceId\tdocumented property\n"+
		"services\tServices (id Id, name Name, UPN Upn)\tthe only set named like services with an id (Edm.Guid) and a name\n"+
		"user link\tUserId\tnamed like the user link\n"+
		"users\tUsers (id Id, name UserName, UPN Upn)\tthe only set named like users with an id (Edm.Guid) and a UPN\n"+
		"organization unit link\tOrganizationUnitId\tdocumented property\n"+
		"organization units\tOrganizationUnits (id Id, name Name, parent ParentId)\tthe only set named like organization units with an id (Edm.Guid) and a name\n", "")
	e.Run("codes", "mapping", "--jq", "[.sessions.set, .delimiter.value, .user.property, .user.dimension.set, .organizationUnit.dimension.parent] | join(\" \")").
		Expect(t, 0, "ServiceSessions ; UserId Users ParentId\n", "")
}
