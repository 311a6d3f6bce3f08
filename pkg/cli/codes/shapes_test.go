package codes_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/nimbusctl/nimbusctl/pkg/cli/clitest"
	"github.com/nimbusctl/nimbusctl/pkg/emulator"
)

// Feeds of every shape the emulator serves (docs/codes.md), each with the profile settings
// it needs. The expected numbers come from the emulator's rule (Session), never from the
// client.
var shapes = []struct {
	name string
	o    emulator.ODataOptions
	env  map[string]string
}{
	{"standard, lists", emulator.ODataOptions{Shape: emulator.ODataShapeStandard}, nil},
	{"standard, delimited", emulator.ODataOptions{Shape: emulator.ODataShapeStandard, CodesEncoding: emulator.ODataCodesDelimited}, nil},
	{"Fact/Dim, delimited", emulator.ODataOptions{Shape: emulator.ODataShapeFactDim}, nil},
	{"Fact/Dim, | delimited", emulator.ODataOptions{Shape: emulator.ODataShapeFactDim, Delimiter: "|"}, nil},
	{"navigation", emulator.ODataOptions{Shape: emulator.ODataShapeNavigation}, nil},
	{"two session sets, one chosen", emulator.ODataOptions{Shape: emulator.ODataShapeTwoSessions}, map[string]string{"NIMBUSCTL_ODATA_SESSION_SET": "Sessions"}},
	{"no user link", emulator.ODataOptions{Shape: emulator.ODataShapeNoUserLink}, nil},
}

func shapeEnv(t *testing.T, o emulator.ODataOptions, vars map[string]string) *clitest.Env {
	t.Helper()
	o.PageSize = 50
	e := env(t, o)
	for k, v := range vars {
		e.Setenv(k, v)
	}
	return e
}

func all(emulator.ODataSession) bool { return true }

func TestCodesCountAndLabelAlikeInEveryShape(t *testing.T) {
	t.Parallel()
	for _, sh := range shapes {
		e := shapeEnv(t, sh.o, sh.env)
		w := window(e)
		// Counts: the same sessions whatever the shape (with the shape's code names).
		r := e.Run(append([]string{"codes", "list", "-o", "csv"}, w...)...)
		if want := expectedList(e, all); r.Code != 0 || r.Stdout != want || r.Stderr != "" {
			t.Errorf("%s: codes list: exit %d\n%s--- want\n%s--- stderr\n%s", sh.name, r.Code, r.Stdout, want, r.Stderr)
		}
		// Labels: services by UPN, units by name with their parent.
		r = e.Run(append([]string{"codes", "report", "--by", "service", "-o", "csv"}, w...)...)
		if want := expectedMatrix(e, "service", func(s emulator.ODataSession) []string { return []string{s.ServiceUPN} }); r.Code != 0 || r.Stdout != want || r.Stderr != "" {
			t.Errorf("%s: by service: exit %d\n%s--- want\n%s--- stderr\n%s", sh.name, r.Code, r.Stdout, want, r.Stderr)
		}
		unit := map[string]emulator.ODataOrgUnit{}
		for _, u := range emulator.ODataOrganizationUnits {
			unit[u.ID] = u
		}
		r = e.Run(append([]string{"codes", "report", "--by", "ou", "-o", "csv"}, w...)...)
		want := expectedMatrixWithParent(e, "ou", func(s emulator.ODataSession) []string { return []string{unit[s.OrganizationUnitID].Name} },
			func(name string) string { return "Contoso" })
		if r.Code != 0 || r.Stdout != want || r.Stderr != "" || !strings.Contains(want, "Support,Contoso,120,") {
			t.Errorf("%s: by ou: exit %d\n%s--- want\n%s--- stderr\n%s", sh.name, r.Code, r.Stdout, want, r.Stderr)
		}
		if sh.o.Shape == emulator.ODataShapeNoUserLink {
			continue
		}
		// Users: by the link, or (two session sets) through the UserSessions join, where the
		// session's user is its latest leg's.
		r = e.Run(append([]string{"codes", "report", "--by", "user", "-o", "csv"}, w...)...)
		want = expectedMatrix(e, "user", func(s emulator.ODataSession) []string {
			if s.UserUPN == "" {
				return []string{"(none)"}
			}
			return []string{s.UserUPN}
		})
		if r.Code != 0 || r.Stdout != want || r.Stderr != "" {
			t.Errorf("%s: by user: exit %d\n%s--- want\n%s--- stderr\n%s", sh.name, r.Code, r.Stdout, want, r.Stderr)
		}
	}
}

// Two sets could hold the sessions (UserSessions listed first) and neither is the
// documented one: exit 3, naming both and the setting, before any session is read.
func TestCodesRefuseTwoCandidateSessionSets(t *testing.T) {
	t.Parallel()
	e := shapeEnv(t, emulator.ODataOptions{Shape: emulator.ODataShapeTwoSessions}, nil)
	msg := "error: " + e.Emu.ODataURL() + ": 2 entity sets could hold the sessions (they have codes and a start time) and none is the documented Service Sessions: UserSessions, Sessions. " +
		"Name the one to report on in the profile setting odata_session_set (nimbusctl config set odata_session_set NAME, or NIMBUSCTL_ODATA_SESSION_SET=NAME)\n"
	for _, args := range [][]string{{"codes", "list"}, {"codes", "report", "--by", "user"}, {"sessions", "list"}, {"codes", "mapping"}} {
		e.Run(args...).Expect(t, 3, "", msg)
	}
	if n := e.Emu.Stats().Requests[emulator.ServiceOData]; n != 4 { // $metadata only, each time
		t.Errorf("%d requests", n)
	}
	// Chosen in the profile, as the message says.
	e.MustRun("config", "set", "odata_session_set", "Sessions")
	e.Setenv("NIMBUSCTL_PROFILE", "default")
	r := e.Run(append([]string{"codes", "list", "-o", "csv"}, window(e)...)...)
	r.Expect(t, 0, expectedList(e, all), "")
}

func TestCodesWithoutAUserLinkRefuseUsersAndSaySo(t *testing.T) {
	t.Parallel()
	e := shapeEnv(t, emulator.ODataOptions{Shape: emulator.ODataShapeNoUserLink}, nil)
	why := "the feed has no user link: ServiceSessions has no UserId or UserUpn property, and no set holds users and references its sessions (by Id or UnifiedConversationId). " +
		"Reports by user need one: if a property names the user, set odata_user_link to it (nimbusctl config set odata_user_link PROPERTY, or SET.PROPERTY for a set that joins sessions to users)"
	e.Run("codes", "report", "--by", "user").Expect(t, 3, "", "error: "+why+"\n")
	e.Run("codes", "list", "--user", "anna.meier@contoso.com").Expect(t, 3, "", "error: "+why+"\n")
	e.Run("sessions", "list", "--user", "Anna Meier").Expect(t, 3, "", "error: "+why+"\n")
	from, _ := e.Emu.ODataWindow()
	s := e.Emu.ODataSession(0)
	r := e.Run("sessions", "list", "--since", from.Format(time.RFC3339), "--until", from.Add(time.Second).Format(time.RFC3339))
	r.Expect(t, 0, s.ID+"\t"+s.StartedAt.Format(time.RFC3339)+"\tsupport@contoso.com\t\tResolved\tUpsell\tBilling\n", "! the USER column is empty: "+why+"\n")
}

// "Info, Pricing" is one code in a ";" feed, alone or joined with others.
func TestCodesACodeWithACommaSurvivesASemicolonFeed(t *testing.T) {
	t.Parallel()
	e := shapeEnv(t, emulator.ODataOptions{Shape: emulator.ODataShapeFactDim}, nil)
	want := ""
	alone, joined := 0, 0
	for i := 0; i < e.Emu.ODataSessionCount(); i++ {
		s := e.Emu.ODataSession(i)
		for _, c := range s.SecondaryCodes {
			if c == emulator.CodeInfoPricing {
				want += s.ID + "\n"
				if len(s.SecondaryCodes) == 1 {
					alone++
				} else {
					joined++
				}
			}
		}
	}
	if alone == 0 || joined == 0 {
		t.Fatalf("the rule changed: %d alone, %d joined", alone, joined)
	}
	r := e.Run(append([]string{"sessions", "list", "--code", "info, pricing", "--limit", "1000", "--jq", ".[].Id"}, window(e)...)...)
	r.Expect(t, 0, want, "")
	r = e.Run(append([]string{"codes", "list", "--jq", `.[] | select(.code | startswith("Info")) | "\(.code) \(.sessions)"`}, window(e)...)...)
	r.Expect(t, 0, "Info, Pricing 126\n", "")
}

// A feed without a services set (a fixture, served on loopback): reports keep the ids and
// say so once; a service name cannot be looked up, and the error says why.
func TestCodesWithoutAServicesSetShowIDsAndSaySo(t *testing.T) {
	t.Parallel()
	const svcA, svcB = "5a0e8b1c-aaaa-4d2e-8f3a-6b7c8d9e0a01", "5a0e8b1c-bbbb-4d2e-8f3a-6b7c8d9e0a02"
	meta := `<edmx:Edmx Version="4.0" xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx"><edmx:DataServices><Schema Namespace="F" xmlns="http://docs.oasis-open.org/odata/ns/edm">` +
		`<EntityType Name="Call"><Key><PropertyRef Name="Id"/></Key><Property Name="Id" Type="Edm.Guid"/><Property Name="StartedAt" Type="Edm.DateTimeOffset"/><Property Name="ServiceId" Type="Edm.Guid"/><Property Name="PrimaryCodes" Type="Collection(Edm.String)"/></EntityType>` +
		`<EntityType Name="Outcome"><Key><PropertyRef Name="Id"/></Key><Property Name="Id" Type="Edm.Guid"/><Property Name="Name" Type="Edm.String"/></EntityType>` +
		`<EntityContainer Name="C"><EntitySet Name="Calls" EntityType="F.Call"/><EntitySet Name="Outcomes" EntityType="F.Outcome"/></EntityContainer></Schema></edmx:DataServices></edmx:Edmx>`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "$metadata") {
			w.Write([]byte(meta))
			return
		}
		w.Write([]byte(`{"value":[
			{"Id":"1","StartedAt":"2026-03-02T08:00:00Z","ServiceId":"` + svcA + `","PrimaryCodes":["Sale"]},
			{"Id":"2","StartedAt":"2026-03-02T09:00:00Z","ServiceId":"` + svcB + `","PrimaryCodes":["Sale","Upsell"]},
			{"Id":"3","StartedAt":"2026-03-02T10:00:00Z","ServiceId":"` + svcA + `","PrimaryCodes":[]}]}`))
	}))
	t.Cleanup(srv.Close)
	e := clitest.New(t)
	e.Setenv("NIMBUSCTL_ODATA_URL", srv.URL)
	w := []string{"--since", "2026-03-02", "--until", "2026-03-03"}
	why := "the feed has no services set (a set with an id (Edm.Guid) and a name, named like services); sets of that shape under other names: Outcomes. Set odata_service_set to name one"
	e.Run(append([]string{"codes", "report", "--by", "service", "-o", "csv"}, w...)...).Expect(t, 0,
		"service,sessions,Sale,Upsell\n"+svcA+",2,1,0\n"+svcB+",1,1,1\n", "! "+why+": showing service ids\n")
	e.Run(append([]string{"sessions", "list", "--jq", ".[].service"}, w...)...).Expect(t, 0,
		svcA+"\n"+svcB+"\n"+svcA+"\n", "! "+why+": showing service ids\n! the USER column is empty: the feed has no user link: Calls has no UserId or UserUpn property, and no set holds users and references its sessions (by Id). "+
			"Reports by user need one: if a property names the user, set odata_user_link to it (nimbusctl config set odata_user_link PROPERTY, or SET.PROPERTY for a set that joins sessions to users)\n")
	e.Run(append([]string{"codes", "list", "--service", "Support"}, w...)...).Expect(t, 3, "",
		"error: --service \"Support\": "+why+", so service names cannot be looked up: give the service's id\nRun 'nimbusctl codes list --help' for usage.\n")
	e.Run(append([]string{"codes", "list", "-o", "csv", "--service", svcB}, w...)...).Expect(t, 0,
		"code,primary,secondary,sessions,share\nSale,1,0,1,1\nUpsell,1,0,1,1\n", "")
}

// Users named by UPN on the sessions, and no users set: UPNs are the labels, and a name
// cannot be looked up.
func TestCodesUsersByUPNWithoutAUsersSet(t *testing.T) {
	t.Parallel()
	meta := `<edmx:Edmx Version="4.0" xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx"><edmx:DataServices><Schema Namespace="F" xmlns="http://docs.oasis-open.org/odata/ns/edm">` +
		`<EntityType Name="Call"><Key><PropertyRef Name="Id"/></Key><Property Name="Id" Type="Edm.Guid"/><Property Name="StartedAt" Type="Edm.DateTimeOffset"/><Property Name="UserUpn" Type="Edm.String"/><Property Name="PrimaryCodes" Type="Collection(Edm.String)"/></EntityType>` +
		`<EntityContainer Name="C"><EntitySet Name="Calls" EntityType="F.Call"/></EntityContainer></Schema></edmx:DataServices></edmx:Edmx>`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "$metadata") {
			w.Write([]byte(meta))
			return
		}
		w.Write([]byte(`{"value":[
			{"Id":"1","StartedAt":"2026-03-02T08:00:00Z","UserUpn":"anna@contoso.com","PrimaryCodes":["Sale"]},
			{"Id":"2","StartedAt":"2026-03-02T09:00:00Z","UserUpn":"luca@contoso.com","PrimaryCodes":["Sale","Upsell"]},
			{"Id":"3","StartedAt":"2026-03-02T10:00:00Z","UserUpn":null,"PrimaryCodes":[]}]}`))
	}))
	t.Cleanup(srv.Close)
	e := clitest.New(t)
	e.Setenv("NIMBUSCTL_ODATA_URL", srv.URL)
	w := []string{"--since", "2026-03-02", "--until", "2026-03-03"}
	e.Run(append([]string{"codes", "report", "--by", "user", "-o", "csv"}, w...)...).Expect(t, 0,
		"user,sessions,Sale,Upsell\nanna@contoso.com,1,1,0\nluca@contoso.com,1,1,1\n(none),1,0,0\n", "")
	e.Run(append([]string{"codes", "list", "--user", "Anna"}, w...)...).Expect(t, 3, "",
		"error: --user \"Anna\": the feed names users by UPN only (it has no users set to look names up in): give the UPN\nRun 'nimbusctl codes list --help' for usage.\n")
	e.Run(append([]string{"sessions", "list", "--user", "LUCA@contoso.com", "--jq", ".[].Id"}, w...)...).Expect(t, 0, "2\n", "")
}
