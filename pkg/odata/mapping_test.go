package odata

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// set describes one entity set of a test $metadata: props are "Name Type", a leading "*"
// makes a navigation property; the first property is the key.
type set struct {
	name, typ string
	props     []string
}

// metadataOf writes a CSDL document with the sets, in order.
func metadataOf(sets ...set) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="utf-8"?><edmx:Edmx Version="4.0" xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx"><edmx:DataServices><Schema Namespace="T" xmlns="http://docs.oasis-open.org/odata/ns/edm">`)
	for _, s := range sets {
		fmt.Fprintf(&b, `<EntityType Name=%q>`, s.typ)
		for i, p := range s.props {
			name, typ, _ := strings.Cut(p, " ")
			if i == 0 {
				fmt.Fprintf(&b, `<Key><PropertyRef Name=%q/></Key>`, name)
			}
			if nav, ok := strings.CutPrefix(name, "*"); ok {
				fmt.Fprintf(&b, `<NavigationProperty Name=%q Type=%q/>`, nav, typ)
			} else {
				fmt.Fprintf(&b, `<Property Name=%q Type=%q/>`, name, typ)
			}
		}
		b.WriteString(`</EntityType>`)
	}
	b.WriteString(`<EntityContainer Name="C">`)
	for _, s := range sets {
		fmt.Fprintf(&b, `<EntitySet Name=%q EntityType="T.%s"/>`, s.name, s.typ)
	}
	b.WriteString(`</EntityContainer></Schema></edmx:DataServices></edmx:Edmx>`)
	return b.String()
}

func discover(t *testing.T, o Overrides, sets ...set) (*Mapping, error) {
	t.Helper()
	m, err := ParseMetadata(strings.NewReader(metadataOf(sets...)))
	if err != nil {
		t.Fatal(err)
	}
	return Discover(m, o)
}

// The documented columns, as a session set has them.
var sessionProps = []string{"Id Edm.Guid", "UnifiedConversationId Edm.Guid", "ServiceId Edm.Guid", "OrganizationUnitId Edm.Guid", "StartedAt Edm.DateTimeOffset", "PrimaryCodes Edm.String", "SecondaryCodes Edm.String"}

func with(props []string, more ...string) []string {
	return append(append([]string{}, props...), more...)
}

var (
	dimServices = set{"DimServices", "DimService", []string{"Id Edm.Guid", "Name Edm.String", "OrganizationUnitId Edm.Guid"}}
	dimUsers    = set{"DimUsers", "DimUser", []string{"Id Edm.Guid", "Upn Edm.String", "UserName Edm.String"}}
	dimOUs      = set{"DimOrganizationUnits", "DimOrganizationUnit", []string{"Id Edm.Guid", "Name Edm.String", "ParentId Edm.Guid"}}
	dimOutcomes = set{"DimOutcomes", "DimOutcome", []string{"Id Edm.Int32", "Name Edm.String"}}
	dimCallers  = set{"DimCallers", "DimCaller", []string{"Id Edm.Int32", "Upn Edm.String", "TelNumber Edm.String"}}
)

func TestDiscoverRefusesTwoCandidateSessionSetsWithoutTheDocumentedName(t *testing.T) {
	t.Parallel()
	sets := []set{
		{"UserSessions", "UserSession", with(sessionProps, "UserId Edm.Guid")},
		{"Sessions", "Session", sessionProps},
		dimServices,
	}
	_, err := discover(t, Overrides{}, sets...)
	var me *MappingError
	want := "2 entity sets could hold the sessions (they have codes and a start time) and none is the documented Service Sessions: UserSessions, Sessions. " +
		"Name the one to report on in the profile setting odata_session_set (nimbusctl config set odata_session_set NAME, or NIMBUSCTL_ODATA_SESSION_SET=NAME)"
	if !errors.As(err, &me) || err.Error() != want {
		t.Fatalf("got %v\nwant %s", err, want)
	}

	mp, err := discover(t, Overrides{SessionSet: "sessions"}, sets...)
	if err != nil || mp.Sessions.Set != "Sessions" || mp.Sessions.How != "profile setting odata_session_set" || !reflect.DeepEqual(mp.Sessions.Candidates, []string{"UserSessions", "Sessions"}) {
		t.Fatalf("override: %+v %v", mp, err)
	}
	for o, want := range map[string]string{
		"Nope":        `odata_session_set is "Nope", but the feed has no such entity set (its sets: UserSessions, Sessions, DimServices)`,
		"DimServices": `odata_session_set is "DimServices", but that set has no PrimaryCodes or SecondaryCodes; sets that do: UserSessions, Sessions`,
	} {
		if _, err := discover(t, Overrides{SessionSet: o}, sets...); !errors.As(err, &me) || err.Error() != want {
			t.Errorf("%s: %v", o, err)
		}
	}
}

func TestDiscoverFindsFactAndDimSetsByShape(t *testing.T) {
	t.Parallel()
	mp, err := discover(t, Overrides{},
		set{"FactServiceSessions", "FactServiceSession", with(sessionProps, "UserId Edm.Guid", "Tags Collection(Edm.String)")},
		dimOutcomes, dimCallers, dimServices, dimUsers, dimOUs)
	if err != nil {
		t.Fatal(err)
	}
	if mp.Sessions.Set != "FactServiceSessions" || mp.Sessions.How != "the only set with codes and a start time" {
		t.Errorf("sessions %+v", mp.Sessions)
	}
	want := []CodesField{
		{Role: "primary", Property: "PrimaryCodes", Type: "Edm.String", Encoding: EncodingDelimited},
		{Role: "secondary", Property: "SecondaryCodes", Type: "Edm.String", Encoding: EncodingDelimited},
		{Role: "tags", Property: "Tags", Type: "Collection(Edm.String)", Encoding: EncodingList},
	}
	if !reflect.DeepEqual(mp.Codes, want) || !mp.delimited || mp.Delimiter != nil {
		t.Errorf("codes %+v, delimiter %+v", mp.Codes, mp.Delimiter)
	}
	for _, c := range []struct {
		l    Link
		prop string
		dim  Dimension
	}{
		{mp.Service, "ServiceId", Dimension{Set: "DimServices", ID: "Id", Name: "Name", How: "the only set named like services with an id (Edm.Guid) and a name"}},
		// DimCallers has a UPN too, but an Int32 id: UserId cannot point at it.
		{mp.User, "UserId", Dimension{Set: "DimUsers", ID: "Id", Name: "UserName", UPN: "Upn", How: "the only set named like users with an id (Edm.Guid) and a UPN"}},
		{mp.OU, "OrganizationUnitId", Dimension{Set: "DimOrganizationUnits", ID: "Id", Name: "Name", Parent: "ParentId", How: "the only set named like organization units with an id (Edm.Guid) and a name"}},
	} {
		if c.l.Property != c.prop || c.l.Dim == nil || *c.l.Dim != c.dim || c.l.DimErr() != nil {
			t.Errorf("%s: %+v %+v %v", c.prop, c.l, c.l.Dim, c.l.DimErr())
		}
	}
}

func TestDiscoverDimensionsAmbiguousMissingAndOverridden(t *testing.T) {
	t.Parallel()
	services := set{"Services", "Service", []string{"Id Edm.Guid", "Name Edm.String"}}
	sess := set{"ServiceSessions", "ServiceSession", with(sessionProps, "UserId Edm.Guid")}
	mp, err := discover(t, Overrides{}, sess, services, dimServices)
	if err != nil {
		t.Fatal(err)
	}
	var me *MappingError
	if err := mp.Service.DimErr(); !errors.As(err, &me) || err.Error() != "2 sets could hold the services: Services, DimServices. Name the one to use in the profile setting odata_service_set (nimbusctl config set odata_service_set NAME, or NIMBUSCTL_ODATA_SERVICE_SET=NAME)" {
		t.Errorf("ambiguous: %v", err)
	}
	var missing *MissingError
	if err := mp.OU.DimErr(); !errors.As(err, &missing) || err.Error() != "the feed has no organization units set (a set with an id (Edm.Guid) and a name, named like organization units); sets of that shape under other names: Services. Set odata_ou_set to name one" {
		t.Errorf("missing: %v", err)
	}
	mp, err = discover(t, Overrides{ServiceSet: "DimServices", OUSet: "Services"}, sess, services, dimServices)
	if err != nil || mp.Service.Dim.Set != "DimServices" || mp.Service.Dim.How != "profile setting odata_service_set" || mp.OU.Dim.Set != "Services" {
		t.Fatalf("overridden: %+v %v", mp, err)
	}
	if _, err := discover(t, Overrides{UserSet: "Services"}, sess, services); !errors.As(err, &me) ||
		err.Error() != `odata_user_set is "Services", but that set does not look like users: it needs an id (Edm.Guid) and a UPN (its properties: Id, Name)` {
		t.Errorf("bad override: %v", err)
	}
}

func TestDiscoverTheUserLink(t *testing.T) {
	t.Parallel()
	userSessions := set{"UserSessions", "UserSession", []string{"Id Edm.Guid", "ServiceSessionId Edm.Guid", "UserId Edm.Guid", "StartedAt Edm.DateTimeOffset"}}
	legs := set{"Legs", "Leg", []string{"Id Edm.Guid", "UnifiedConversationId Edm.Guid", "UserUpn Edm.String"}}
	sess := set{"ServiceSessions", "ServiceSession", sessionProps}
	var me *MappingError

	// None: sessions without UserId or UserUpn, and no set that joins them to users.
	mp, err := discover(t, Overrides{}, sess, dimUsers)
	want := "the feed has no user link: ServiceSessions has no UserId or UserUpn property, and no set holds users and references its sessions (by Id or UnifiedConversationId). " +
		"Reports by user need one: if a property names the user, set odata_user_link to it (nimbusctl config set odata_user_link PROPERTY, or SET.PROPERTY for a set that joins sessions to users)"
	if err != nil || !errors.As(mp.User.Err(), &me) || mp.User.Err().Error() != want || mp.User.DimErr() != mp.User.Err() {
		t.Fatalf("no link: %v\n%v", err, mp.User.Err())
	}

	// A join on the session id, then (without it) on the conversation id.
	mp, err = discover(t, Overrides{}, sess, userSessions, dimUsers)
	if err != nil || mp.User.Join == nil || *mp.User.Join != (Join{Set: "UserSessions", On: "ServiceSessionId", SessionKey: "Id", User: "UserId", Time: "StartedAt"}) || mp.User.Dim.Set != "DimUsers" {
		t.Fatalf("join: %+v %v", mp.User, err)
	}
	mp, err = discover(t, Overrides{}, sess, legs)
	if err != nil || mp.User.Join == nil || *mp.User.Join != (Join{Set: "Legs", On: "UnifiedConversationId", SessionKey: "UnifiedConversationId", User: "UserUpn"}) || mp.User.DimErr() != nil {
		t.Fatalf("conversation join: %+v %v", mp.User, err)
	}
	mp, _ = discover(t, Overrides{}, sess, userSessions, legs)
	if err := mp.User.Err(); !errors.As(err, &me) || err.Error() != "2 sets could give the user of a session: UserSessions.ServiceSessionId, Legs.UnifiedConversationId. Name the one to use in the profile setting odata_user_link (nimbusctl config set odata_user_link SET.PROPERTY, or NIMBUSCTL_ODATA_USER_LINK=SET.PROPERTY)" {
		t.Errorf("two joins: %v", err)
	}
	mp, err = discover(t, Overrides{UserLink: "Legs.UnifiedConversationId"}, sess, userSessions, legs)
	if err != nil || mp.User.Join.Set != "Legs" || mp.User.How != "profile setting odata_user_link" {
		t.Errorf("join override: %+v %v", mp.User, err)
	}

	// A property named like a user link, one or several.
	agent := set{"ServiceSessions", "ServiceSession", with(sessionProps, "AcceptedUserId Edm.Guid")}
	mp, _ = discover(t, Overrides{}, agent, dimUsers)
	if mp.User.Property != "AcceptedUserId" || mp.User.Dim.Set != "DimUsers" {
		t.Errorf("near name: %+v", mp.User)
	}
	two := set{"ServiceSessions", "ServiceSession", with(sessionProps, "AcceptedUserId Edm.Guid", "FirstUserId Edm.Guid")}
	mp, _ = discover(t, Overrides{}, two, dimUsers)
	if err := mp.User.Err(); !errors.As(err, &me) || !strings.HasPrefix(err.Error(), "ServiceSessions has 2 properties that could name the user of a session: AcceptedUserId, FirstUserId.") {
		t.Errorf("two near names: %v", err)
	}
	// A link by UPN is labelled by the users set's UPN, whatever the type of its id.
	byUPN := set{"ServiceSessions", "ServiceSession", with(sessionProps, "UserUpn Edm.String")}
	mp, _ = discover(t, Overrides{}, byUPN, dimUsers)
	if mp.User.Property != "UserUpn" || !mp.User.HoldsUPNs() || mp.User.Dim == nil || mp.User.Dim.Set != "DimUsers" {
		t.Errorf("by UPN: %+v", mp.User)
	}
	mp, _ = discover(t, Overrides{}, byUPN)
	if mp.User.Dim != nil || mp.User.DimErr() != nil {
		t.Errorf("by UPN, no users set: %+v %v", mp.User, mp.User.DimErr())
	}
	mp, err = discover(t, Overrides{UserLink: "FirstUserId"}, two, dimUsers)
	if err != nil || mp.User.Property != "FirstUserId" || mp.Property(FieldUser).Name != "FirstUserId" {
		t.Errorf("override: %+v %v", mp.User, err)
	}
	for o, want := range map[string]string{
		"Agent":       `odata_user_link is "Agent", but ServiceSessions has no such property (its properties: Id, UnifiedConversationId, ServiceId, OrganizationUnitId, StartedAt, PrimaryCodes, SecondaryCodes)`,
		"Nope.Id":     `odata_user_link is "Nope.Id", but the feed has no entity set "Nope" (its sets: ServiceSessions, DimUsers)`,
		"DimUsers.Id": `odata_user_link is "DimUsers.Id", but DimUsers has no UserId or UserUpn property`,
	} {
		if _, err := discover(t, Overrides{UserLink: o}, sess, dimUsers); !errors.As(err, &me) || err.Error() != want {
			t.Errorf("%s: %v", o, err)
		}
	}
}

func TestDiscoverAStartTimeUnderAnotherName(t *testing.T) {
	t.Parallel()
	mp, err := discover(t, Overrides{}, set{"Calls", "Call", []string{"Id Edm.Guid", "StartTime Edm.DateTimeOffset", "EndTime Edm.DateTimeOffset", "*PrimaryCodes Collection(T.Code)"}})
	if err != nil || mp.Sessions.Time != "StartTime" || mp.Codes[0].Encoding != EncodingNavigation {
		t.Fatalf("%+v %v", mp, err)
	}
}

func TestDetectDelimiterPerFeedNotPerValue(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name   string
		values []string
		want   string
		how    string
	}{
		{"a code with a comma in a ; feed", []string{"Sale;Upsell", "Info, Pricing", "Sale", "Info, Pricing;Resolved", "Resolved", "", "Upsell"}, ";",
			`detected in a sample of 6 values (";" in 2, "," in 2)`},
		{"a , feed", []string{"Sale,Upsell", "Sale", "Upsell", "Sale, Resolved"}, ",", `detected in a sample of 4 values ("," in 2)`},
		{"a | feed with commas in codes", []string{"Sale|Info, Pricing", "Info, Pricing", "Sale"}, "|", `detected in a sample of 3 values ("|" in 1, "," in 2)`},
		{"single codes", []string{"Sale", "Upsell"}, "",
			`no value in a sample of 2 values holds ";", "|", ",": each value is one code (set odata_codes_delimiter if values join several)`},
		{"a small ; sample", []string{"Upsell;Newsletter", "Resolved", "Info, Pricing"}, ";",
			`in a sample of 3 values, ";" in 1, "," in 1; no piece it splits off stands alone there, but ";" is not part of code names`},
		{"a comma that never splits off a code", []string{"Info, Pricing", "Sale", "Info, Pricing"}, "",
			`in a sample of 3 values, "," in 2, but no piece they split off stands alone as a code elsewhere: each value is one code (set odata_codes_delimiter if values join several)`},
	} {
		d, err := DetectDelimiter(c.values)
		if err != nil || d.Value != c.want || d.How != c.how {
			t.Errorf("%s: %+v %v", c.name, d, err)
		}
	}
	_, err := DetectDelimiter([]string{"A;B", "A,B", "A", "B"})
	var me *MappingError
	if !errors.As(err, &me) || err.Error() != `the codes are joined in one string, and a sample of 4 values cannot tell the delimiter (";" in 1, "," in 1 split as well): set odata_codes_delimiter (nimbusctl config set odata_codes_delimiter ';', or NIMBUSCTL_ODATA_CODES_DELIMITER)` {
		t.Errorf("tie: %v", err)
	}
}

// The property that names a code entity comes from the navigation's target type.
func TestDiscoverTheNameOfNavigationCodes(t *testing.T) {
	t.Parallel()
	sessions := set{"Sessions", "Session", []string{"Id Edm.Guid", "StartedAt Edm.DateTimeOffset", "*PrimaryCodes Collection(T.Code)"}}
	for _, c := range []struct {
		code       []string
		name, fail string
	}{
		{[]string{"Id Edm.Int32", "Description Edm.String", "Name Edm.String"}, "Name", ""},
		{[]string{"CodeKey Edm.Int32", "Label Edm.String", "Description Edm.String"}, "Label", ""},
		{[]string{"CodeKey Edm.Int32", "ShortName Edm.String", "Description Edm.String"}, "ShortName", ""},
		{[]string{"CodeKey Edm.String", "Text Edm.String"}, "Text", ""},
		{[]string{"CodeKey Edm.Int32", "Short Edm.String", "Long Edm.String"}, "", "PrimaryCodes leads to code entities (T.Code), and nimbusctl cannot tell which property names a code (Short, Long)"},
	} {
		meta, err := ParseMetadata(strings.NewReader(metadataOf(sessions, set{"Codes", "Code", c.code})))
		if err != nil {
			t.Fatal(err)
		}
		mp, err := Discover(meta, Overrides{})
		if c.fail != "" {
			var me *MappingError
			if !errors.As(err, &me) || !strings.HasPrefix(err.Error(), c.fail) {
				t.Errorf("%v: %v", c.code, err)
			}
			continue
		}
		if err != nil || mp.Codes[0].Name != c.name {
			t.Errorf("%v: %+v %v", c.code, mp, err)
		}
	}
}

// A set that itself references users (it has the link's UserId besides its own key, like a
// UserStates or UserSessions fact) is no users dimension, even with an id and a UPN: the one
// clear Users set is taken, not a refusal that three sets could hold the users.
func TestDiscoverUsersIgnoresFactsThatReferenceUsers(t *testing.T) {
	t.Parallel()
	users := set{"Users", "User", []string{"Id Edm.Guid", "Upn Edm.String"}}
	states := set{"UserStates", "UserState", []string{"Id Edm.Guid", "UserId Edm.Guid", "UserUpn Edm.String", "State Edm.String"}}
	sess := set{"ServiceSessions", "ServiceSession", with(sessionProps, "UserId Edm.Guid")}
	mp, err := discover(t, Overrides{}, sess, states, users)
	if err != nil {
		t.Fatal(err)
	}
	if err := mp.User.DimErr(); err != nil || mp.User.Dim == nil || mp.User.Dim.Set != "Users" {
		t.Fatalf("users: %+v %v", mp.User.Dim, err)
	}
	// Two real dimensions stay a question for the user.
	mp, err = discover(t, Overrides{}, sess, states, users, dimUsers)
	if err != nil {
		t.Fatal(err)
	}
	var me *MappingError
	if err := mp.User.DimErr(); !errors.As(err, &me) || !strings.HasPrefix(err.Error(), "2 sets could hold the users: Users, DimUsers.") {
		t.Errorf("two dimensions: %v", err)
	}
}
