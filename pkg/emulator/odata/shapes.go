package odata

// Shapes of the feed (Options.Shape). Luware documents neither the entity-set names nor the
// type of the codes, so the emulator serves the same data set (data.go) in several shapes a
// client must read alike, or refuse with a reason:
//
//   - ShapeStandard: ServiceSessions, Services, Users, Callers, Outcomes, OrganizationUnits;
//     codes as Options.CodesEncoding says.
//   - ShapeFactDim: FactServiceSessions and DimServices, DimUsers, DimCallers, DimOutcomes,
//     DimOrganizationUnits (types FactServiceSession, DimService, ...); codes joined in one
//     string by Options.Delimiter, with a code named "Info, Pricing".
//   - ShapeNavigation: PrimaryCodes and SecondaryCodes are navigation properties to the
//     Codes set (Id, Name), sent only when $expand asks for them; Tags as CodesEncoding.
//   - ShapeTwoSessions: UserSessions (user legs, with codes and UserId) listed before
//     Sessions (the service sessions, without UserId): two sets could hold the sessions and
//     neither is the documented Service Sessions. UserSessions references Sessions by
//     ServiceSessionId, so users come by a join.
//   - ShapeNoUserLink: ServiceSessions without UserId, and no set that names users of
//     sessions: the feed cannot say who handled a session.

import "github.com/nimbusctl/nimbusctl/pkg/emulator/core"

const (
	ShapeStandard    = "standard"
	ShapeFactDim     = "fact-dim"
	ShapeNavigation  = "navigation"
	ShapeTwoSessions = "two-sessions"
	ShapeNoUserLink  = "no-user-link"
)

// Shapes lists them, for flags.
var Shapes = []string{ShapeStandard, ShapeFactDim, ShapeNavigation, ShapeTwoSessions, ShapeNoUserLink}

// Set kinds: what a set's rows are.
const (
	kindDimension = iota
	kindSessions
	kindLegs
)

// sessionSetName is the shape's default name of the service sessions' set.
func sessionSetName(shape string) string {
	switch shape {
	case ShapeFactDim:
		return "FactServiceSessions"
	case ShapeTwoSessions:
		return "Sessions"
	}
	return DefaultSessionSet
}

// buildSets lays out the shape's entity sets, in the order $metadata lists them.
func (s *Service) buildSets() {
	o := s.o
	dim := func(name string) (string, string) { // set and type names
		typ := name[:len(name)-1]
		if o.Shape == ShapeFactDim {
			return "Dim" + name, "Dim" + typ
		}
		return name, typ
	}
	codes := "Collection(Edm.String)"
	if o.CodesEncoding == CodesDelimited {
		codes = "Edm.String"
	}
	codesProp := func(name string) odataProp {
		if o.Shape == ShapeNavigation && name != "Tags" {
			return odataProp{name: name, typ: "Collection(" + Namespace + ".Code)", nav: true}
		}
		return odataProp{name: name, typ: codes, nullable: codes == "Edm.String"}
	}
	sessionType := "ServiceSession"
	switch o.Shape {
	case ShapeFactDim:
		sessionType = "FactServiceSession"
	case ShapeTwoSessions:
		sessionType = "Session"
		s.add(&odataSet{name: "UserSessions", typeName: "UserSession", key: "Id", kind: kindLegs, props: []odataProp{
			{name: "Id", typ: "Edm.Guid"},
			{name: "ServiceSessionId", typ: "Edm.Guid"},
			{name: "ServiceId", typ: "Edm.Guid"},
			{name: "UserId", typ: "Edm.Guid"},
			{name: "StartedAt", typ: "Edm.DateTimeOffset"},
			codesProp("PrimaryCodes"),
			codesProp("SecondaryCodes"),
		}})
	}
	props := []odataProp{
		{name: "Id", typ: "Edm.Guid"},
		{name: "UnifiedConversationId", typ: "Edm.Guid"},
		{name: "ServiceId", typ: "Edm.Guid"},
		{name: "OrganizationUnitId", typ: "Edm.Guid"},
		{name: "OutcomeId", typ: "Edm.Int32"},
		{name: "StartedAt", typ: "Edm.DateTimeOffset"},
		{name: "TotalQueueTime", typ: "Edm.Duration"},
		{name: "TotalConnectedTime", typ: "Edm.Duration"},
		{name: "IsUnderSla", typ: "Edm.Boolean"},
		{name: "CallerId", typ: "Edm.Int32"},
	}
	if o.Shape != ShapeTwoSessions && o.Shape != ShapeNoUserLink {
		props = append(props, odataProp{name: "UserId", typ: "Edm.Guid", nullable: true})
	}
	props = append(props, codesProp("PrimaryCodes"), codesProp("SecondaryCodes"), codesProp("Tags"))
	s.add(&odataSet{name: o.SessionSet, typeName: sessionType, key: "Id", kind: kindSessions, props: props})

	name, typ := dim("Services")
	services := &odataSet{name: name, typeName: typ, key: "Id", props: []odataProp{
		{name: "Id", typ: "Edm.Guid"}, {name: "Name", typ: "Edm.String"}, {name: "Upn", typ: "Edm.String", nullable: true},
		{name: "OrganizationUnitId", typ: "Edm.Guid"}, {name: "ServiceOrganizationUnitId", typ: "Edm.Guid"},
	}}
	for i, m := range Services {
		ou := OrganizationUnits[serviceUnit[i]].ID
		services.rows = append(services.rows, []any{m.ID, m.Name, m.UPN, ou, ou})
	}
	s.add(services)
	name, typ = dim("Users")
	users := &odataSet{name: name, typeName: typ, key: "Id", props: []odataProp{
		{name: "Id", typ: "Edm.Guid"}, {name: "O365Id", typ: "Edm.Guid", nullable: true}, {name: "Upn", typ: "Edm.String"},
		{name: "UserName", typ: "Edm.String", nullable: true}, {name: "OrganizationUnitId", typ: "Edm.Guid"},
	}}
	for i, m := range Users {
		users.rows = append(users.rows, []any{m.ID, s.data.guid(i, 7), m.UPN, m.Name, OrganizationUnitID})
	}
	s.add(users)
	name, typ = dim("Callers")
	callers := &odataSet{name: name, typeName: typ, key: "Id", props: []odataProp{
		{name: "Id", typ: "Edm.Int32"}, {name: "TelNumber", typ: "Edm.String", nullable: true}, {name: "TenantId", typ: "Edm.Guid"},
	}}
	for n := 1; n <= s.data.callers; n++ {
		callers.rows = append(callers.rows, []any{n, callerNumber(n), core.TenantID})
	}
	s.add(callers)
	name, typ = dim("Outcomes")
	outcomes := &odataSet{name: name, typeName: typ, key: "Id", props: []odataProp{
		{name: "Id", typ: "Edm.Int32"}, {name: "Name", typ: "Edm.String"},
	}}
	for _, oc := range Outcomes {
		outcomes.rows = append(outcomes.rows, []any{oc.ID, oc.Name})
	}
	s.add(outcomes)
	name, typ = dim("OrganizationUnits")
	units := &odataSet{name: name, typeName: typ, key: "Id", props: []odataProp{
		{name: "Id", typ: "Edm.Guid"}, {name: "Name", typ: "Edm.String"}, {name: "ParentId", typ: "Edm.Guid", nullable: true},
	}}
	for _, u := range OrganizationUnits {
		var parent any
		if u.ParentID != "" {
			parent = u.ParentID
		}
		units.rows = append(units.rows, []any{u.ID, u.Name, parent})
	}
	s.add(units)
	if o.Shape == ShapeNavigation {
		list := &odataSet{name: "Codes", typeName: "Code", key: "Id", props: []odataProp{{name: "Id", typ: "Edm.Int32"}, {name: "Name", typ: "Edm.String"}}}
		for i, c := range allCodes {
			list.rows = append(list.rows, []any{i + 1, c})
		}
		s.add(list)
	}
}

// allCodes are the seeded codes, as the Codes set of ShapeNavigation lists them.
var allCodes = []string{CodeResolved, CodeCallBack, CodeSale, CodeEscalated, CodeUpsell, CodeComplaint, CodeNewsletter}

// codeID is a code's id in the Codes set.
func codeID(name string) int {
	for i, c := range allCodes {
		if c == name {
			return i + 1
		}
	}
	return 0
}
