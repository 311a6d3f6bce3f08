package odata_test

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/nimbusctl/nimbusctl/pkg/emulator"
	"github.com/nimbusctl/nimbusctl/pkg/emulator/internal/emutest"
)

// setsOf lists the entity sets of $metadata, each with its type and properties
// ("Name:Type" per property, navigation ones marked "nav:").
func setsOf(t *testing.T, e *emulator.Emulator) string {
	t.Helper()
	body := string(odataGet(t, e, odataToken(e), "/$metadata").Expect(t, 200).Body)
	props := map[string][]string{}
	typeRe := regexp.MustCompile(`(?s)<EntityType Name="(\w+)">(.*?)</EntityType>`)
	propRe := regexp.MustCompile(`<(Property|NavigationProperty) Name="(\w+)" Type="([^"]+)"`)
	for _, m := range typeRe.FindAllStringSubmatch(body, -1) {
		for _, p := range propRe.FindAllStringSubmatch(m[2], -1) {
			prefix := ""
			if p[1] == "NavigationProperty" {
				prefix = "nav:"
			}
			props[m[1]] = append(props[m[1]], prefix+p[2]+":"+p[3])
		}
	}
	var b strings.Builder
	for _, m := range regexp.MustCompile(`<EntitySet Name="(\w+)" EntityType="Nimbus\.Reporting\.(\w+)"/>`).FindAllStringSubmatch(body, -1) {
		fmt.Fprintf(&b, "%s(%s)", m[1], m[2])
		if strings.Contains(m[1], "Session") {
			fmt.Fprintf(&b, " %s", strings.Join(props[m[2]], " "))
		}
		b.WriteString("\n")
	}
	return b.String()
}

const sessionCols = "Id:Edm.Guid UnifiedConversationId:Edm.Guid ServiceId:Edm.Guid OrganizationUnitId:Edm.Guid OutcomeId:Edm.Int32 StartedAt:Edm.DateTimeOffset " +
	"TotalQueueTime:Edm.Duration TotalConnectedTime:Edm.Duration IsUnderSla:Edm.Boolean CallerId:Edm.Int32"

func TestODataShapesLayOutTheSets(t *testing.T) {
	t.Parallel()
	for shape, want := range map[string]string{
		emulator.ODataShapeStandard: "ServiceSessions(ServiceSession) " + sessionCols + " UserId:Edm.Guid PrimaryCodes:Collection(Edm.String) SecondaryCodes:Collection(Edm.String) Tags:Collection(Edm.String)\n" +
			"Services(Service)\nUsers(User)\nCallers(Caller)\nOutcomes(Outcome)\nOrganizationUnits(OrganizationUnit)\n",
		emulator.ODataShapeFactDim: "FactServiceSessions(FactServiceSession) " + sessionCols + " UserId:Edm.Guid PrimaryCodes:Edm.String SecondaryCodes:Edm.String Tags:Edm.String\n" +
			"DimServices(DimService)\nDimUsers(DimUser)\nDimCallers(DimCaller)\nDimOutcomes(DimOutcome)\nDimOrganizationUnits(DimOrganizationUnit)\n",
		emulator.ODataShapeNavigation: "ServiceSessions(ServiceSession) " + sessionCols + " UserId:Edm.Guid nav:PrimaryCodes:Collection(Nimbus.Reporting.Code) nav:SecondaryCodes:Collection(Nimbus.Reporting.Code) Tags:Collection(Edm.String)\n" +
			"Services(Service)\nUsers(User)\nCallers(Caller)\nOutcomes(Outcome)\nOrganizationUnits(OrganizationUnit)\nCodes(Code)\n",
		emulator.ODataShapeTwoSessions: "UserSessions(UserSession) Id:Edm.Guid ServiceSessionId:Edm.Guid ServiceId:Edm.Guid UserId:Edm.Guid StartedAt:Edm.DateTimeOffset PrimaryCodes:Collection(Edm.String) SecondaryCodes:Collection(Edm.String)\n" +
			"Sessions(Session) " + sessionCols + " PrimaryCodes:Collection(Edm.String) SecondaryCodes:Collection(Edm.String) Tags:Collection(Edm.String)\n" +
			"Services(Service)\nUsers(User)\nCallers(Caller)\nOutcomes(Outcome)\nOrganizationUnits(OrganizationUnit)\n",
		emulator.ODataShapeNoUserLink: "ServiceSessions(ServiceSession) " + sessionCols + " PrimaryCodes:Collection(Edm.String) SecondaryCodes:Collection(Edm.String) Tags:Collection(Edm.String)\n" +
			"Services(Service)\nUsers(User)\nCallers(Caller)\nOutcomes(Outcome)\nOrganizationUnits(OrganizationUnit)\n",
	} {
		e := emutest.Start(t, emulator.Options{Seed: 1, OData: emulator.ODataOptions{Shape: shape}})
		if got := setsOf(t, e); got != want {
			t.Errorf("%s:\n got %s\nwant %s", shape, got, want)
		}
	}
	if _, err := emulator.Start(emulator.Options{OData: emulator.ODataOptions{Shape: "star"}}); err == nil ||
		err.Error() != `emulator: unknown OData shape "star" (known: standard, fact-dim, navigation, two-sessions, no-user-link)` {
		t.Errorf("unknown shape: %v", err)
	}
}

func TestODataFactDimJoinsCodesWithACodeThatHasAComma(t *testing.T) {
	t.Parallel()
	e := emutest.Start(t, emulator.Options{Seed: 1, OData: emulator.ODataOptions{Shape: emulator.ODataShapeFactDim}})
	rows, _ := odataAll(t, e, "/FactServiceSessions?$select=SecondaryCodes&$top=5")
	want := []string{"Upsell", "Info, Pricing", "Call back", "", "Upsell;Info, Pricing"} // i%5, sessions 0..4
	for i, r := range rows {
		if r["SecondaryCodes"] != want[i] {
			t.Errorf("session %d: %q, want %q", i, r["SecondaryCodes"], want[i])
		}
	}
	if s := e.ODataSession(4); strings.Join(s.SecondaryCodes, "|") != "Upsell|Info, Pricing" {
		t.Errorf("Session reports %q", s.SecondaryCodes)
	}
	units, _ := odataAll(t, e, "/DimOrganizationUnits")
	if len(units) != 3 || units[1]["Name"] != "Support" || units[1]["ParentId"] != emulator.ODataOrganizationUnitID || units[0]["ParentId"] != nil {
		t.Errorf("units %v", units)
	}
}

func TestODataNavigationCodesComeWithExpand(t *testing.T) {
	t.Parallel()
	e := emutest.Start(t, emulator.Options{Seed: 1, OData: emulator.ODataOptions{Shape: emulator.ODataShapeNavigation}})
	tok := odataToken(e)
	plain, _ := odataAll(t, e, "/ServiceSessions?$top=1")
	if _, ok := plain[0]["PrimaryCodes"]; ok {
		t.Errorf("navigation codes without $expand: %v", plain[0])
	}
	rows, _ := odataAll(t, e, "/ServiceSessions?$select=Id&$expand=PrimaryCodes,SecondaryCodes&$top=6")
	got := fmt.Sprint(rows[5]["PrimaryCodes"], rows[5]["SecondaryCodes"]) // session 5: Sale, Resolved / Upsell
	if got != "[map[Id:3 Name:Sale] map[Id:1 Name:Resolved]] [map[Id:5 Name:Upsell]]" {
		t.Errorf("expanded: %s", got)
	}
	odataGet(t, e, tok, "/ServiceSessions?$select=PrimaryCodes").Expect(t, 400)
	odataGet(t, e, tok, "/ServiceSessions?$expand=Tags").Expect(t, 400)
}

func TestODataTwoSessionsLegsReferenceTheirSession(t *testing.T) {
	t.Parallel()
	e := emutest.Start(t, emulator.Options{Seed: 1, OData: emulator.ODataOptions{Shape: emulator.ODataShapeTwoSessions, PageSize: 7}})
	sessions, _ := odataAll(t, e, "/Sessions?$select=Id")
	legs, pages := odataAll(t, e, "/UserSessions")
	if len(sessions) != 360 || pages < 2 {
		t.Fatalf("%d sessions, %d pages of legs", len(sessions), pages)
	}
	// By the rule: a leg per session with a user (315), and an earlier declined one when
	// i%6 == 1 (i%8 != 7): 45 of them.
	users := map[string]string{}
	latest := map[string]string{}
	for _, l := range legs {
		id, at := l["ServiceSessionId"].(string), l["StartedAt"].(string)
		if at > latest[id] {
			latest[id], users[id] = at, l["UserId"].(string)
		}
	}
	extra := 0
	for i := 0; i < 360; i++ {
		if i%6 == 1 && i%8 != 7 {
			extra++
		}
		s := e.ODataSession(i)
		if users[s.ID] != s.UserID {
			t.Fatalf("session %d: latest leg's user %q, session's %q", i, users[s.ID], s.UserID)
		}
	}
	if len(legs) != 315+extra || extra != 45 {
		t.Errorf("%d legs, %d declined", len(legs), extra)
	}
	from, _ := e.ODataWindow()
	// Day 1: sessions 6..11, one declined leg (i = 7 hung up, so none there; 6..11 has no other i%6 == 1).
	window, _ := odataAll(t, e, strings.ReplaceAll(fmt.Sprintf("/UserSessions?$filter=StartedAt ge %s and StartedAt lt %s", from.AddDate(0, 0, 1).Format("2006-01-02T15:04:05Z"), from.AddDate(0, 0, 2).Format("2006-01-02T15:04:05Z")), " ", "%20"))
	if len(window) != 5 {
		t.Errorf("%d legs on day 1, want 5 (sessions 6, 8, 9, 10, 11)", len(window))
	}
}
