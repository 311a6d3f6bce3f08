package odata

// Discovery: how one feed is read. Luware confirms only some names (docs/codes.md): sessions
// carry PrimaryCodes and SecondaryCodes; Service Sessions have Id, ServiceId,
// OrganizationUnitId, StartedAt, ...; the dimensions Services (Id, Name), Users (Id, Upn,
// UserName) and Organization Units (Id, Name, ParentId). Everything else comes from
// $metadata, by shape: the session set is the set whose type has codes and a start time; a
// dimension is a set whose type has an id and a name (or a UPN) and whose name relates to
// the session property that links to it.
//
// Discovery never guesses silently. Where several sets qualify and none is the documented
// one, the choice is a *MappingError (exit 3) that names the candidates and the profile
// setting that picks one; where nothing qualifies, the mapping says so and the commands that
// need the missing part refuse or say once that they show ids.

import (
	"fmt"
	"strings"
)

// Profile settings that replace discovered names (pkg/config lists them; a test keeps the
// two in step).
const (
	SettingSessionSet = "odata_session_set"
	SettingServiceSet = "odata_service_set"
	SettingUserSet    = "odata_user_set"
	SettingOUSet      = "odata_ou_set"
	SettingUserLink   = "odata_user_link"
	SettingDelimiter  = "odata_codes_delimiter"
	SettingCodeName   = "odata_code_name"
	SettingTime       = "odata_session_time"
)

// Overrides are those settings' values; "" leaves discovery alone.
type Overrides struct {
	SessionSet string
	Time       string // the sessions' start time
	ServiceSet string
	UserSet    string
	OUSet      string
	UserLink   string // a session property, or SET.PROPERTY of a set that joins sessions to users
	Delimiter  string
	CodeName   string // the property that names a code entity (codes as navigations)
}

// MappingError is a feed nimbusctl cannot map without the user's word: several candidates
// and no clear winner, or a setting that names something the feed does not have. Exit 3.
type MappingError struct{ Msg string }

func (e *MappingError) Error() string { return e.Msg }

func mappingErrorf(format string, a ...any) *MappingError {
	return &MappingError{Msg: fmt.Sprintf(format, a...)}
}

// Field is a session property nimbusctl reads.
type Field int

const (
	FieldID Field = iota
	FieldStartedAt
	FieldServiceID
	FieldUser // the user link: an id or a UPN (or the join's, see Link.Join)
	FieldOU
	FieldConversation
	FieldOutcomeID
	FieldCallerID
	FieldQueueTime
	FieldConnectedTime
	FieldPrimaryCodes
	FieldSecondaryCodes
	FieldTags
	numFields
)

// fieldAliases are the property names each field is found under, in order of preference
// (matched case-insensitively). FieldUser and FieldStartedAt have more rules below.
var fieldAliases = [numFields][]string{
	FieldID:             {"Id"},
	FieldStartedAt:      {"StartedAt"},
	FieldServiceID:      {"ServiceId"},
	FieldUser:           {"UserId", "UserUpn"},
	FieldOU:             {"OrganizationUnitId", "ServiceOrganizationUnitId"},
	FieldConversation:   {"UnifiedConversationId", "ConversationId"},
	FieldOutcomeID:      {"OutcomeId"},
	FieldCallerID:       {"CallerId"},
	FieldQueueTime:      {"TotalQueueTime"},
	FieldConnectedTime:  {"TotalConnectedTime"},
	FieldPrimaryCodes:   {"PrimaryCodes"},
	FieldSecondaryCodes: {"SecondaryCodes"},
	FieldTags:           {"Tags"},
}

// CodeFields are the fields a codes count needs.
var CodeFields = []Field{FieldStartedAt, FieldServiceID, FieldPrimaryCodes, FieldSecondaryCodes}

// Mapping is what discovery found (and the profile overrode). Its JSON form is what
// `nimbusctl codes mapping -o json` prints.
type Mapping struct {
	Sessions  SessionSet   `json:"sessions"`
	Codes     []CodesField `json:"codes"`
	Delimiter *Delimiter   `json:"delimiter,omitempty"` // set once detected (delimited codes only)
	Service   Link         `json:"service"`
	User      Link         `json:"user"`
	OU        Link         `json:"organizationUnit"`
	props     [numFields]Property
	codeNames [numFields]string // navigation codes: the property that names a code entity
	meta      *Metadata
	delimited bool
}

// SessionSet is the set the sessions are read from.
type SessionSet struct {
	Set        string   `json:"set"`
	Time       string   `json:"time"` // the start-time property windows filter on
	TimeHow    string   `json:"timeHow,omitempty"`
	How        string   `json:"how"`
	Candidates []string `json:"candidates,omitempty"` // every set that could hold sessions
}

// CodesField is one property that carries codes (or tags) and how it is encoded.
type CodesField struct {
	Role     string `json:"role"` // primary, secondary, tags
	Property string `json:"property"`
	Type     string `json:"type"`
	Encoding string `json:"encoding"`       // list, delimited, navigation
	Name     string `json:"name,omitempty"` // navigation: the code entity's property that names it
	NameHow  string `json:"nameHow,omitempty"`
}

// Codes encodings.
const (
	EncodingList       = "list"       // Collection(Edm.String)
	EncodingDelimited  = "delimited"  // Edm.String: "Sale;Upsell"
	EncodingNavigation = "navigation" // code entities read with $expand, by their Name
)

// Delimiter is how delimited codes are split: one delimiter for the whole feed.
type Delimiter struct {
	Value string `json:"value"` // "" when no value holds more than one code
	How   string `json:"how"`
	// Doubt is set when the choice is a guess the user should hear of: "," occurs, but
	// nothing shows it joins codes, so it is read as part of their names.
	Doubt string `json:"doubt,omitempty"`
}

// Link is how sessions point at services, users or organization units, and the dimension
// that labels them.
type Link struct {
	Property string     `json:"property,omitempty"` // on the sessions; the join's when Join is set
	Join     *Join      `json:"join,omitempty"`
	Dim      *Dimension `json:"dimension,omitempty"`
	How      string     `json:"how"`
	Problem  string     `json:"problem,omitempty"` // why the link or its labels are unusable
	// err says why the link (Property == "") or its dimension (Dim == nil) is unusable: a
	// *MappingError when the choice is ambiguous, a *MissingError when nothing qualifies.
	err    error
	dimErr error
}

// Join reads the users of sessions from another set (user sessions) that references the
// session set: On (its property) equals SessionKey (the sessions' property).
type Join struct {
	Set        string `json:"set"`
	On         string `json:"on"`
	SessionKey string `json:"sessionKey"`
	User       string `json:"user"`           // the join set's user property
	Time       string `json:"time,omitempty"` // its start time, to keep the latest user
}

// Dimension is a set that labels ids: services (id and name), users (id and UPN) or
// organization units (id, name, parent).
type Dimension struct {
	Set    string `json:"set"`
	ID     string `json:"id"`
	Name   string `json:"name,omitempty"`
	UPN    string `json:"upn,omitempty"`
	Parent string `json:"parent,omitempty"`
	How    string `json:"how"`
}

// MissingError is a part of the mapping the feed does not have.
type MissingError struct{ Msg string }

func (e *MissingError) Error() string { return e.Msg }

// Has reports whether the sessions have the field.
func (m *Mapping) Has(f Field) bool { return m.props[f].Name != "" }

// Property is the sessions' property behind a field ("" when absent).
func (m *Mapping) Property(f Field) Property { return m.props[f] }

// HoldsUPNs reports whether the link's values are UPNs (UserUpn), not ids.
func (l *Link) HoldsUPNs() bool { return strings.HasSuffix(strings.ToLower(l.Property), "upn") }

// Err is why the link is unusable (nil when it works).
func (l *Link) Err() error { return l.err }

// DimErr is why the link's labels cannot be read (nil when they can).
func (l *Link) DimErr() error {
	if l.err != nil {
		return l.err
	}
	return l.dimErr
}

// Discover maps a feed from its metadata and the profile's overrides. Only a session set
// that cannot be chosen is an error here; the links keep their own (Link.Err, Link.DimErr)
// for the commands that need them.
func Discover(m *Metadata, o Overrides) (*Mapping, error) {
	sess, how, cands, err := chooseSessions(m, o.SessionSet, o.Time)
	if err != nil {
		return nil, err
	}
	mp := &Mapping{meta: m}
	for f := Field(0); f < numFields; f++ {
		if f == FieldUser {
			continue
		}
		mp.props[f] = findProperty(sess, fieldAliases[f]...)
	}
	if len(sess.Key) == 1 {
		if p, ok := sess.Property(sess.Key[0]); ok {
			mp.props[FieldID] = p
		}
	}
	mp.props[FieldStartedAt] = sessionTime(sess, o.Time)
	mp.Sessions = SessionSet{Set: sess.Name, Time: mp.props[FieldStartedAt].Name, How: how, Candidates: cands}
	if o.Time != "" {
		mp.Sessions.TimeHow = "profile setting " + SettingTime
	}

	for _, c := range []struct {
		f    Field
		role string
	}{{FieldPrimaryCodes, "primary"}, {FieldSecondaryCodes, "secondary"}, {FieldTags, "tags"}} {
		p := mp.props[c.f]
		if p.Name == "" {
			continue
		}
		enc := encodingOf(p)
		mp.delimited = mp.delimited || enc == EncodingDelimited
		cf := CodesField{Role: c.role, Property: p.Name, Type: p.Type, Encoding: enc}
		if enc == EncodingNavigation {
			var err error
			if cf.Name, cf.NameHow, err = codeNameOf(m, p, o.CodeName); err != nil {
				return nil, err
			}
			mp.codeNames[c.f] = cf.Name
		}
		mp.Codes = append(mp.Codes, cf)
	}
	if o.Delimiter != "" {
		mp.Delimiter = &Delimiter{Value: o.Delimiter, How: "profile setting " + SettingDelimiter}
	}

	taken := map[string]bool{sess.Name: true}
	for _, c := range cands {
		taken[c] = true // a set that holds sessions is no dimension
	}
	mp.Service = mp.directLink(FieldServiceID, "service")
	mp.OU = mp.directLink(FieldOU, "organization unit")
	if err := mp.userLink(sess, o.UserLink); err != nil {
		return nil, err
	}
	if mp.User.Join != nil {
		taken[mp.User.Join.Set] = true
	}
	for _, d := range []struct {
		l        *Link
		k        dimKind
		override string
	}{{&mp.Service, serviceDim, o.ServiceSet}, {&mp.User, userDim, o.UserSet}, {&mp.OU, ouDim, o.OUSet}} {
		if err := mp.dimension(d.l, d.k, d.override, taken); err != nil {
			return nil, err
		}
		if err := d.l.DimErr(); err != nil {
			d.l.Problem = err.Error()
		}
	}
	return mp, nil
}

// hasCodes: the set's type has PrimaryCodes or SecondaryCodes.
func hasCodes(es *EntitySet) bool {
	_, p := es.Property("PrimaryCodes")
	_, s := es.Property("SecondaryCodes")
	return p || s
}

// isSessionSet: a set that could hold sessions has codes and a start time (timeOverride's,
// when set).
func isSessionSet(es *EntitySet, timeOverride string) bool {
	return hasCodes(es) && sessionTime(es, timeOverride).Name != ""
}

// sessionTime is the start time of es: the DateTimeOffset property the profile names, else
// timeProperty's.
func sessionTime(es *EntitySet, override string) Property {
	if override == "" {
		return timeProperty(es)
	}
	if p, ok := es.Property(override); ok && p.Type == "Edm.DateTimeOffset" {
		return p
	}
	return Property{}
}

// chooseSessions picks the session set: the profile's, else the only candidate, else the
// one named like the documented Service Sessions; anything else is the user's call.
func chooseSessions(m *Metadata, override, timeOverride string) (*EntitySet, string, []string, error) {
	var cands, coded []*EntitySet
	var names []string
	for i := range m.EntitySets {
		if hasCodes(&m.EntitySets[i]) {
			coded = append(coded, &m.EntitySets[i])
		}
		if isSessionSet(&m.EntitySets[i], timeOverride) {
			cands = append(cands, &m.EntitySets[i])
			names = append(names, m.EntitySets[i].Name)
		}
	}
	if override != "" {
		es, ok := m.Set(override)
		if !ok {
			return nil, "", nil, mappingErrorf("%s is %q, but the feed has no such entity set (its sets: %s)", SettingSessionSet, override, strings.Join(m.Names(), ", "))
		}
		if !isSessionSet(es, timeOverride) {
			if hasCodes(es) {
				return nil, "", nil, noTimeError(es, timeOverride)
			}
			return nil, "", nil, mappingErrorf("%s is %q, but that set has no PrimaryCodes or SecondaryCodes; sets that do: %s", SettingSessionSet, es.Name, listOrNone(names))
		}
		return es, "profile setting " + SettingSessionSet, names, nil
	}
	switch {
	case len(cands) == 0 && len(coded) == 1:
		return nil, "", nil, noTimeError(coded[0], timeOverride)
	case len(cands) == 0:
		return nil, "", nil, fmt.Errorf("the feed declares no entity set with PrimaryCodes or SecondaryCodes and a start time (StartedAt) (its sets: %s); see docs/codes.md", strings.Join(m.Names(), ", "))
	case len(cands) == 1:
		return cands[0], "the only set with codes and a start time", names, nil
	}
	var named []*EntitySet
	for _, es := range cands {
		if strings.Contains(strings.ToLower(es.Name), "servicesession") {
			named = append(named, es)
		}
	}
	if len(named) == 1 {
		return named[0], "named like the documented Service Sessions, among " + strings.Join(names, ", "), names, nil
	}
	return nil, "", nil, mappingErrorf("%d entity sets could hold the sessions (they have codes and a start time) and none is the documented Service Sessions: %s. Name the one to report on in the profile setting %s (nimbusctl config set %s NAME, or %s=NAME)",
		len(cands), strings.Join(names, ", "), SettingSessionSet, SettingSessionSet, envOf(SettingSessionSet))
}

// noTimeError: es has codes, but its start time cannot be told (or is not what the profile
// names).
func noTimeError(es *EntitySet, timeOverride string) error {
	var times []string
	for _, p := range es.Properties {
		if p.Type == "Edm.DateTimeOffset" {
			times = append(times, p.Name)
		}
	}
	if timeOverride != "" {
		return mappingErrorf("%s is %q, but %s has no Edm.DateTimeOffset property of that name (it has %s)", SettingTime, timeOverride, es.Name, listOrNone(times))
	}
	return mappingErrorf("%s has codes but no start time nimbusctl can tell (no StartedAt, and not one Edm.DateTimeOffset named Start…; it has %s). Name it in the profile setting %s (nimbusctl config set %s PROPERTY, or %s=PROPERTY)",
		es.Name, listOrNone(times), SettingTime, SettingTime, envOf(SettingTime))
}

// timeProperty is the sessions' start time: StartedAt, else the one DateTimeOffset whose
// name starts with "Start".
func timeProperty(es *EntitySet) Property {
	if p, ok := es.Property("StartedAt"); ok {
		return p
	}
	var found []Property
	for _, p := range es.Properties {
		if p.Type == "Edm.DateTimeOffset" && strings.HasPrefix(strings.ToLower(p.Name), "start") {
			found = append(found, p)
		}
	}
	if len(found) == 1 {
		return found[0]
	}
	return Property{}
}

func findProperty(es *EntitySet, names ...string) Property {
	for _, n := range names {
		if p, ok := es.Property(n); ok {
			return p
		}
	}
	return Property{}
}

// codeNameCandidates are the properties that may name a code entity, in order of preference.
var codeNameCandidates = []string{"Name", "DisplayName", "CodeName", "Label", "Title", "Code", "Value"}

// codeNameOf finds the property that names the code entities a navigation property leads
// to: the profile's odata_code_name; else, on the target type, the first of codeNameCandidates; else
// the one text property named …Name; else its one text property besides the key. A type
// $metadata does not declare is read by the names decodeCodes knows.
func codeNameOf(m *Metadata, nav Property, override string) (name, how string, err error) {
	t, ok := m.Type(nav.ElementType())
	if override != "" {
		if ok {
			p, found := (&EntitySet{Properties: t.Properties}).Property(override)
			if !found {
				return "", "", mappingErrorf("%s is %q, but the codes' type %s has no such property (its properties: %s)", SettingCodeName, override, t.Name, propNames(&EntitySet{Properties: t.Properties}))
			}
			override = p.Name
		}
		return override, "profile setting " + SettingCodeName, nil
	}
	if !ok {
		return "", "", nil
	}
	es := &EntitySet{Key: t.Key, Properties: t.Properties}
	if p := findProperty(es, codeNameCandidates...); p.Name != "" && !p.Navigation {
		return p.Name, "", nil
	}
	var named, text []string
	for _, p := range t.Properties {
		if p.Navigation || p.Type != "Edm.String" || containsFold(t.Key, p.Name) {
			continue
		}
		text = append(text, p.Name)
		if strings.HasSuffix(strings.ToLower(p.Name), "name") {
			named = append(named, p.Name)
		}
	}
	switch {
	case len(named) == 1:
		return named[0], "the one text property of " + localName(t.Name) + " named …Name", nil
	case len(named) == 0 && len(text) == 1:
		return text[0], "the one text property of " + localName(t.Name) + " besides its key", nil
	}
	cands := named
	if len(cands) == 0 {
		cands = text
	}
	return "", "", mappingErrorf("%s leads to code entities (%s), and nimbusctl cannot tell which property names a code (%s). Name it in the profile setting %s (nimbusctl config set %s PROPERTY, or %s=PROPERTY)",
		nav.Name, t.Name, listOrNone(cands), SettingCodeName, SettingCodeName, envOf(SettingCodeName))
}

// containsFold reports whether list holds s, whatever its case.
func containsFold(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}

func encodingOf(p Property) string {
	switch {
	case p.Navigation:
		return EncodingNavigation
	case p.Type == "Edm.String":
		return EncodingDelimited
	}
	return EncodingList
}

// directLink is a link by a documented session property (ServiceId, OrganizationUnitId).
func (m *Mapping) directLink(f Field, what string) Link {
	p := m.props[f]
	if p.Name == "" {
		return Link{How: "none", err: &MissingError{Msg: fmt.Sprintf("%s has no %s property: the feed does not say the %s of a session", m.Sessions.Set, strings.Join(fieldAliases[f], " or "), what)}}
	}
	return Link{Property: p.Name, How: "documented property"}
}

// userLink finds what links a session to its user: the profile's odata_user_link; else
// UserId or UserUpn on the sessions; else the one session property ending in UserId or
// UserUpn; else a set that holds users and references the sessions (by their id or their
// conversation id).
func (m *Mapping) userLink(sess *EntitySet, override string) error {
	if override != "" {
		set, prop, isJoin := strings.Cut(override, ".")
		if !isJoin {
			p, ok := sess.Property(override)
			if !ok {
				return mappingErrorf("%s is %q, but %s has no such property (its properties: %s)", SettingUserLink, override, sess.Name, propNames(sess))
			}
			m.props[FieldUser] = p
			m.User = Link{Property: p.Name, How: "profile setting " + SettingUserLink}
			return nil
		}
		es, ok := m.meta.Set(set)
		if !ok {
			return mappingErrorf("%s is %q, but the feed has no entity set %q (its sets: %s)", SettingUserLink, override, set, strings.Join(m.meta.Names(), ", "))
		}
		j, why := m.joinOn(es, prop)
		if j == nil {
			return mappingErrorf("%s is %q, but %s", SettingUserLink, override, why)
		}
		m.User = Link{Property: j.User, Join: j, How: "profile setting " + SettingUserLink}
		return nil
	}
	if p := findProperty(sess, fieldAliases[FieldUser]...); p.Name != "" {
		m.props[FieldUser] = p
		m.User = Link{Property: p.Name, How: "named like the user link"}
		return nil
	}
	var near []Property
	for _, p := range sess.Properties {
		n := strings.ToLower(p.Name)
		if !p.Navigation && (strings.HasSuffix(n, "userid") || strings.HasSuffix(n, "userupn")) {
			near = append(near, p)
		}
	}
	if len(near) == 1 {
		m.props[FieldUser] = near[0]
		m.User = Link{Property: near[0].Name, How: "the only property of " + sess.Name + " ending in UserId or UserUpn"}
		return nil
	}
	if len(near) > 1 {
		var names []string
		for _, p := range near {
			names = append(names, p.Name)
		}
		m.User = Link{How: "ambiguous", err: mappingErrorf("%s has %d properties that could name the user of a session: %s. Name the one to use in the profile setting %s (nimbusctl config set %s PROPERTY, or %s=PROPERTY)",
			sess.Name, len(near), strings.Join(names, ", "), SettingUserLink, SettingUserLink, envOf(SettingUserLink))}
		return nil
	}
	var joins []*Join
	var names []string
	for i := range m.meta.EntitySets {
		es := &m.meta.EntitySets[i]
		if es.Name == sess.Name {
			continue
		}
		if j, _ := m.joinOn(es, ""); j != nil {
			joins = append(joins, j)
			names = append(names, j.Set+"."+j.On)
		}
	}
	switch len(joins) {
	case 1:
		m.User = Link{Property: joins[0].User, Join: joins[0], How: "the only set that holds users and references " + sess.Name}
	case 0:
		m.User = Link{How: "none", err: mappingErrorf("the feed has no user link: %s has no UserId or UserUpn property, and no set holds users and references its sessions (by %s). Reports by user need one: if a property names the user, set %s to it (nimbusctl config set %s PROPERTY, or SET.PROPERTY for a set that joins sessions to users)",
			sess.Name, strings.Join(m.sessionKeys(sess), " or "), SettingUserLink, SettingUserLink)}
	default:
		m.User = Link{How: "ambiguous", err: mappingErrorf("%d sets could give the user of a session: %s. Name the one to use in the profile setting %s (nimbusctl config set %s SET.PROPERTY, or %s=SET.PROPERTY)",
			len(joins), strings.Join(names, ", "), SettingUserLink, SettingUserLink, envOf(SettingUserLink))}
	}
	return nil
}

// sessionKeys are the session properties another set may reference: the id, then the
// conversation id.
func (m *Mapping) sessionKeys(sess *EntitySet) []string {
	var keys []string
	for _, f := range []Field{FieldID, FieldConversation} {
		if p := m.props[f]; p.Name != "" {
			keys = append(keys, p.Name)
		}
	}
	return keys
}

// joinOn checks whether es joins sessions to users: it has UserId or UserUpn and a
// property that references the sessions (on, or found: <session type or set>Id for the id,
// the same name for the conversation id). It returns the join, or why not.
func (m *Mapping) joinOn(es *EntitySet, on string) (*Join, string) {
	user := findProperty(es, fieldAliases[FieldUser]...)
	if user.Name == "" {
		return nil, es.Name + " has no UserId or UserUpn property"
	}
	j := &Join{Set: es.Name, User: user.Name, Time: timeProperty(es).Name}
	id, conv := m.props[FieldID], m.props[FieldConversation]
	sessType := ""
	if s, ok := m.meta.Set(m.Sessions.Set); ok {
		sessType = localName(s.EntityType)
	}
	refs := []string{singular(m.Sessions.Set) + "Id", "ServiceSessionId", "SessionId"}
	if sessType != "" {
		refs = append([]string{sessType + "Id"}, refs...)
	}
	if on != "" {
		p, ok := es.Property(on)
		if !ok {
			return nil, es.Name + " has no property " + on
		}
		switch {
		case conv.Name != "" && strings.EqualFold(p.Name, conv.Name):
			j.On, j.SessionKey = p.Name, conv.Name
		case id.Name != "":
			j.On, j.SessionKey = p.Name, id.Name
		default:
			return nil, m.Sessions.Set + " has no id to join on"
		}
		return j, ""
	}
	if id.Name != "" {
		if p := findProperty(es, refs...); p.Name != "" {
			j.On, j.SessionKey = p.Name, id.Name
			return j, ""
		}
	}
	if conv.Name != "" {
		if p, ok := es.Property(conv.Name); ok {
			j.On, j.SessionKey = p.Name, conv.Name
			return j, ""
		}
	}
	return nil, es.Name + " does not reference " + m.Sessions.Set
}

// dimKind describes one dimension's shape.
type dimKind struct {
	what    string   // in messages: "services"
	setting string   // the override
	stem    []string // a name that relates to the link contains one of these
	names   []string // properties that hold a name
	upns    []string // properties that hold a UPN
	needUPN bool     // users are labelled by UPN; services and OUs by name
	parent  bool     // organization units have a parent
}

var (
	serviceDim = dimKind{what: "services", setting: SettingServiceSet, stem: []string{"service"},
		names: []string{"Name", "ServiceName", "DisplayName"}, upns: []string{"Upn", "ServiceUpn", "UserPrincipalName"}}
	userDim = dimKind{what: "users", setting: SettingUserSet, stem: []string{"user", "agent"},
		names: []string{"UserName", "Name", "DisplayName"}, upns: []string{"Upn", "UserUpn", "UserPrincipalName"}, needUPN: true}
	ouDim = dimKind{what: "organization units", setting: SettingOUSet, stem: []string{"organizationunit", "orgunit", "ou"},
		names: []string{"Name", "DisplayName"}, parent: true}
)

// shape reads es as a dimension of kind k: its id (of the link's type) and label properties.
func (k dimKind) shape(es *EntitySet, linkType string) (*Dimension, bool) {
	idName := "Id"
	if len(es.Key) == 1 {
		idName = es.Key[0]
	}
	id, ok := es.Property(idName)
	if !ok || id.Navigation || linkType != "" && id.Type != "" && id.Type != linkType {
		return nil, false
	}
	d := &Dimension{Set: es.Name, ID: id.Name, Name: findProperty(es, k.names...).Name, UPN: findProperty(es, k.upns...).Name}
	if k.needUPN && d.UPN == "" || !k.needUPN && d.Name == "" {
		return nil, false
	}
	if k.parent {
		d.Parent = findProperty(es, "ParentId", "ParentOrganizationUnitId").Name
	}
	return d, true
}

func (k dimKind) related(es *EntitySet) bool {
	for _, n := range []string{strings.ToLower(es.Name), strings.ToLower(localName(es.EntityType))} {
		for _, s := range k.stem {
			if s == "ou" {
				if n == "ou" || n == "ous" || strings.HasSuffix(n, "ou") || strings.HasSuffix(n, "ous") {
					return true
				}
				continue
			}
			if strings.Contains(n, s) {
				return true
			}
		}
	}
	return false
}

// dimension finds the set that labels l: the profile's, else the one set with the
// dimension's shape whose name relates to it. A user link that holds UPNs needs none.
func (m *Mapping) dimension(l *Link, k dimKind, override string, taken map[string]bool) error {
	linkType := ""
	if l.Join == nil {
		for f := Field(0); f < numFields; f++ {
			if m.props[f].Name != "" && m.props[f].Name == l.Property {
				linkType = m.props[f].Type
			}
		}
	} else if es, ok := m.meta.Set(l.Join.Set); ok {
		if p, ok := es.Property(l.Join.User); ok {
			linkType = p.Type
		}
	}
	if k.needUPN && l.HoldsUPNs() {
		linkType = "" // it matches the set's UPN, not its id
	}
	if override != "" {
		es, ok := m.meta.Set(override)
		if !ok {
			return mappingErrorf("%s is %q, but the feed has no such entity set (its sets: %s)", k.setting, override, strings.Join(m.meta.Names(), ", "))
		}
		d, ok := k.shape(es, linkType)
		if !ok {
			return mappingErrorf("%s is %q, but that set does not look like %s: it needs an id%s and a %s (its properties: %s)", k.setting, es.Name, k.what, typeNote(linkType), k.labelWord(), propNames(es))
		}
		d.How = "profile setting " + k.setting
		l.Dim = d
		return nil
	}
	if l.err != nil {
		return nil
	}
	upnLink := k.needUPN && l.HoldsUPNs()
	// The property that references the dimension (UserId): a set holding it besides its own
	// key is a fact about the dimension's members (UserStates), not the dimension.
	ref := l.Property
	if l.Join != nil {
		ref = l.Join.User
	}
	var related, shaped []*Dimension
	for i := range m.meta.EntitySets {
		es := &m.meta.EntitySets[i]
		if taken[es.Name] || references(es, ref) {
			continue
		}
		d, ok := k.shape(es, linkType)
		if !ok {
			continue
		}
		shaped = append(shaped, d)
		if k.related(es) {
			related = append(related, d)
		}
	}
	switch len(related) {
	case 1:
		related[0].How = fmt.Sprintf("the only set named like %s with an id%s and a %s", k.what, typeNote(linkType), k.labelWord())
		l.Dim = related[0]
	case 0:
		if upnLink {
			return nil // the UPNs are the labels
		}
		msg := fmt.Sprintf("the feed has no %s set (a set with an id%s and a %s, named like %s)", k.what, typeNote(linkType), k.labelWord(), k.what)
		if len(shaped) > 0 {
			msg += "; sets of that shape under other names: " + dimNames(shaped)
		}
		l.dimErr = &MissingError{Msg: msg + fmt.Sprintf(". Set %s to name one", k.setting)}
	default:
		l.dimErr = mappingErrorf("%d sets could hold the %s: %s. Name the one to use in the profile setting %s (nimbusctl config set %s NAME, or %s=NAME)",
			len(related), k.what, dimNames(related), k.setting, k.setting, envOf(k.setting))
	}
	return nil
}

// references reports whether es holds the property prop as a plain property, not as its key.
func references(es *EntitySet, prop string) bool {
	if prop == "" || len(es.Key) == 1 && strings.EqualFold(es.Key[0], prop) {
		return false
	}
	_, ok := es.Property(prop)
	return ok
}

func (k dimKind) labelWord() string {
	if k.needUPN {
		return "UPN"
	}
	return "name"
}

func typeNote(t string) string {
	if t == "" {
		return ""
	}
	return " (" + t + ")"
}

func dimNames(ds []*Dimension) string {
	var n []string
	for _, d := range ds {
		n = append(n, d.Set)
	}
	return strings.Join(n, ", ")
}

func propNames(es *EntitySet) string {
	var n []string
	for _, p := range es.Properties {
		n = append(n, p.Name)
	}
	return strings.Join(n, ", ")
}

func listOrNone(s []string) string {
	if len(s) == 0 {
		return "none"
	}
	return strings.Join(s, ", ")
}

func envOf(setting string) string { return "NIMBUSCTL_" + strings.ToUpper(setting) }

// localName is a qualified name's last part: Nimbus.Reporting.ServiceSession → ServiceSession.
func localName(q string) string {
	if i := strings.LastIndexByte(q, '.'); i >= 0 {
		return q[i+1:]
	}
	return q
}

// singular drops a plural s: Sessions → Session.
func singular(s string) string {
	if len(s) > 1 && (s[len(s)-1] == 's' || s[len(s)-1] == 'S') {
		return s[:len(s)-1]
	}
	return s
}
