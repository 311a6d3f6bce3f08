package odata

// The Nimbus reporting model on top of the generic reader. What is confirmed and what is
// inferred (docs/codes.md has the sources):
//
//   - Confirmed (Luware docs): sessions carry PrimaryCodes and SecondaryCodes; Service
//     Sessions have Id, ServiceId, OutcomeId, StartedAt, TotalQueueTime, TotalConnectedTime,
//     CallerId; the dimensions Services (Id, Name, ...) and Users (Id, Upn, UserName, ...).
//   - Not confirmed, so discovered from $metadata at run time: the entity-set names, which
//     set holds the codes, and the codes' type (a collection, a delimited string, or a
//     navigation to code entities). The session set is the one whose type has PrimaryCodes
//     or SecondaryCodes and StartedAt, preferring one with ServiceId.
//   - Inferred: the user who handled a session is in UserId (or UserUpn); a delimited string
//     of codes uses ';' (or '|' or ','); an expanded code entity has a Name.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Field is a session property nimbusctl reads.
type Field int

const (
	FieldID Field = iota
	FieldStartedAt
	FieldServiceID
	FieldUserID
	FieldUserUPN
	FieldOutcomeID
	FieldCallerID
	FieldQueueTime
	FieldConnectedTime
	FieldPrimaryCodes
	FieldSecondaryCodes
	FieldTags
	numFields
)

// fieldNames are the documented property names (matched case-insensitively). wireSession
// carries the same names as JSON tags; a test keeps the two equal.
var fieldNames = [numFields]string{
	FieldID:             "Id",
	FieldStartedAt:      "StartedAt",
	FieldServiceID:      "ServiceId",
	FieldUserID:         "UserId",
	FieldUserUPN:        "UserUpn",
	FieldOutcomeID:      "OutcomeId",
	FieldCallerID:       "CallerId",
	FieldQueueTime:      "TotalQueueTime",
	FieldConnectedTime:  "TotalConnectedTime",
	FieldPrimaryCodes:   "PrimaryCodes",
	FieldSecondaryCodes: "SecondaryCodes",
	FieldTags:           "Tags",
}

// CodeFields are the fields a codes report needs.
var CodeFields = []Field{FieldStartedAt, FieldServiceID, FieldPrimaryCodes, FieldSecondaryCodes}

// SessionSchema is where the sessions and their codes live in this feed.
type SessionSchema struct {
	Set   string            // the entity set, e.g. ServiceSessions
	Names [numFields]string // the feed's property name of each field; "" when absent
	Types [numFields]string // its Edm type
	Nav   [numFields]bool   // a navigation property (read with $expand)

	ServiceSet string // the Services dimension, "" when the feed has none
	UserSet    string // the Users dimension
	Others     []string
}

// Has reports whether the feed has the field.
func (s *SessionSchema) Has(f Field) bool { return s.Names[f] != "" }

// CodesType describes how the feed types the codes, e.g. "Collection(Edm.String)".
func (s *SessionSchema) CodesType() string {
	for _, f := range []Field{FieldPrimaryCodes, FieldSecondaryCodes} {
		if s.Has(f) {
			return s.Types[f]
		}
	}
	return ""
}

// DiscoverSessions finds the session set and its properties in the metadata.
func DiscoverSessions(m *Metadata) (*SessionSchema, error) {
	var best *EntitySet
	bestScore := -1
	var others []string
	for i := range m.EntitySets {
		es := &m.EntitySets[i]
		_, p := es.Property("PrimaryCodes")
		_, sc := es.Property("SecondaryCodes")
		_, st := es.Property("StartedAt")
		if !(p || sc) || !st {
			continue
		}
		others = append(others, es.Name)
		score := 0
		if _, ok := es.Property("ServiceId"); ok {
			score += 4
		}
		name := strings.ToLower(es.Name)
		if strings.Contains(name, "servicesession") {
			score += 2
		}
		if strings.Contains(name, "session") {
			score++
		}
		if score > bestScore {
			best, bestScore = es, score
		}
	}
	if best == nil {
		return nil, fmt.Errorf("the feed declares no entity set with PrimaryCodes or SecondaryCodes and StartedAt (its sets: %s); see docs/codes.md", strings.Join(m.Names(), ", "))
	}
	s := &SessionSchema{Set: best.Name}
	for _, o := range others {
		if o != best.Name {
			s.Others = append(s.Others, o)
		}
	}
	for f := Field(0); f < numFields; f++ {
		if p, ok := best.Property(fieldNames[f]); ok {
			s.Names[f], s.Types[f], s.Nav[f] = p.Name, p.Type, p.Navigation
		}
	}
	s.ServiceSet = findDimension(m, "Services", "Service")
	s.UserSet = findDimension(m, "Users", "User")
	return s, nil
}

// findDimension finds a dimension set by its name, else by its entity type's name; it must
// have an Id.
func findDimension(m *Metadata, setName, typeName string) string {
	if es, ok := m.Set(setName); ok {
		if _, ok := es.Property("Id"); ok {
			return es.Name
		}
	}
	for _, es := range m.EntitySets {
		t := es.EntityType
		if i := strings.LastIndexByte(t, '.'); i >= 0 {
			t = t[i+1:]
		}
		if strings.EqualFold(t, typeName) {
			if _, ok := es.Property("Id"); ok {
				return es.Name
			}
		}
	}
	return ""
}

// Schema reads $metadata (once) and discovers the session set.
func (c *Client) Schema(ctx context.Context) (*SessionSchema, error) {
	m, err := c.Metadata(ctx)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.schema == nil {
		s, err := DiscoverSessions(m)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", c.BaseURL(), err)
		}
		c.schema = s
	}
	return c.schema, nil
}

// Session is one session as nimbusctl reports it. JSON names are the feed's documented
// names; service and user are added by nimbusctl from the Services and Users sets. Codes are
// always lists, whatever the feed's encoding.
type Session struct {
	ID                 string    `json:"Id,omitempty"`
	StartedAt          time.Time `json:"StartedAt"`
	ServiceID          string    `json:"ServiceId,omitempty"`
	Service            string    `json:"service,omitempty"`
	UserID             string    `json:"UserId,omitempty"`
	User               string    `json:"user,omitempty"`
	OutcomeID          any       `json:"OutcomeId,omitempty"`
	CallerID           any       `json:"CallerId,omitempty"`
	TotalQueueTime     any       `json:"TotalQueueTime,omitempty"`
	TotalConnectedTime any       `json:"TotalConnectedTime,omitempty"`
	PrimaryCodes       []string  `json:"PrimaryCodes"`
	SecondaryCodes     []string  `json:"SecondaryCodes"`
	Tags               []string  `json:"Tags,omitempty"`
}

// HasCode reports whether the session carries code (case-insensitively) as primary or
// secondary code.
func (s *Session) HasCode(code string) bool {
	for _, l := range [][]string{s.PrimaryCodes, s.SecondaryCodes} {
		for _, c := range l {
			if strings.EqualFold(c, code) {
				return true
			}
		}
	}
	return false
}

// SessionQuery selects sessions.
type SessionQuery struct {
	From, To   time.Time // StartedAt in [From, To); a zero bound is open
	ServiceIDs []string  // any of these services; empty: all
	Fields     []Field   // what to read; nil: everything the feed has
	Top        int       // $top; 0: all
}

// Sessions streams the sessions q selects. fn gets a fresh *Session it may keep. Sessions
// the server should have filtered out (outside the window, another service) are dropped
// here too, so a server that ignores part of $filter cannot skew a report.
func (c *Client) Sessions(ctx context.Context, q SessionQuery, fn func(*Session) error) error {
	s, err := c.Schema(ctx)
	if err != nil {
		return err
	}
	fields := q.Fields
	if fields == nil {
		for f := Field(0); f < numFields; f++ {
			fields = append(fields, f)
		}
	}
	want := map[Field]bool{FieldStartedAt: true}
	for _, f := range fields {
		want[f] = true
	}
	if len(q.ServiceIDs) > 0 {
		want[FieldServiceID] = true
	}
	if len(q.ServiceIDs) > 0 && !s.Has(FieldServiceID) {
		return fmt.Errorf("%s has no ServiceId property: cannot filter by service", s.Set)
	}
	query := Query{Set: s.Set}
	for f := Field(0); f < numFields; f++ {
		if !want[f] || !s.Has(f) {
			continue
		}
		if s.Nav[f] {
			query.Expand = append(query.Expand, s.Names[f])
		} else {
			query.Select = append(query.Select, s.Names[f])
		}
	}
	var services []string
	for _, id := range q.ServiceIDs {
		lit, err := Literal(s.Types[FieldServiceID], id)
		if err != nil {
			return fmt.Errorf("service id: %w", err)
		}
		services = append(services, s.Names[FieldServiceID]+" eq "+lit)
	}
	query.Filter = And(TimeWindow(s.Names[FieldStartedAt], q.From, q.To), Or(services...))
	query.Top = q.Top

	d := newSessionDecoder(s)
	keep := func(ss *Session) bool {
		if !q.From.IsZero() && ss.StartedAt.Before(q.From) || !q.To.IsZero() && !ss.StartedAt.Before(q.To) {
			return false
		}
		if len(q.ServiceIDs) == 0 {
			return true
		}
		for _, id := range q.ServiceIDs {
			if strings.EqualFold(id, ss.ServiceID) {
				return true
			}
		}
		return false
	}
	return c.Each(ctx, query, func(dec *json.Decoder) error {
		ss := new(Session)
		if err := d.decode(dec, ss); err != nil {
			return err
		}
		if !keep(ss) {
			return nil
		}
		return fn(ss)
	})
}

// sessionDecoder reads one session entity with a single Decode into wireSession (one pass
// of the scanner per entity; unknown properties are skipped by encoding/json).
type sessionDecoder struct {
	w wireSession
}

func newSessionDecoder(*SessionSchema) *sessionDecoder { return &sessionDecoder{} }

// wireSession has one field per Field; its tags are fieldNames (encoding/json matches them
// case-insensitively, as DiscoverSessions does).
type wireSession struct {
	ID                 any      `json:"Id"`
	StartedAt          string   `json:"StartedAt"`
	ServiceID          any      `json:"ServiceId"`
	UserID             any      `json:"UserId"`
	UserUPN            any      `json:"UserUpn"`
	OutcomeID          any      `json:"OutcomeId"`
	CallerID           any      `json:"CallerId"`
	TotalQueueTime     any      `json:"TotalQueueTime"`
	TotalConnectedTime any      `json:"TotalConnectedTime"`
	PrimaryCodes       codeList `json:"PrimaryCodes"`
	SecondaryCodes     codeList `json:"SecondaryCodes"`
	Tags               codeList `json:"Tags"`
}

func (d *sessionDecoder) decode(dec *json.Decoder, s *Session) error {
	w := &d.w
	*w = wireSession{}
	if err := dec.Decode(w); err != nil {
		return err
	}
	if w.StartedAt != "" {
		t, err := ParseTime(w.StartedAt)
		if err != nil {
			return &MalformedError{Msg: fmt.Sprintf("StartedAt: %v", err)}
		}
		s.StartedAt = t
	}
	s.ID, s.ServiceID, s.UserID, s.User = text(w.ID), text(w.ServiceID), text(w.UserID), text(w.UserUPN)
	s.OutcomeID, s.CallerID, s.TotalQueueTime, s.TotalConnectedTime = w.OutcomeID, w.CallerID, w.TotalQueueTime, w.TotalConnectedTime
	s.PrimaryCodes, s.SecondaryCodes, s.Tags = w.PrimaryCodes.codes, w.SecondaryCodes.codes, w.Tags.codes
	return nil
}

// codeList decodes codes in any shape decodeCodes accepts; plain lists and strings without
// escapes take a fast path. codes stays nil when the property is absent, and is an empty
// list when it is null or empty (encoding/json calls UnmarshalJSON for null too).
type codeList struct{ codes []string }

func (c *codeList) UnmarshalJSON(b []byte) error {
	if codes, ok := fastCodes(b); ok {
		c.codes = codes
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	codes, err := decodeCodes(dec)
	if err != nil {
		return err
	}
	c.codes = codes
	return nil
}

// fastCodes parses "a;b" and ["a","b"] when no string holds an escape.
func fastCodes(b []byte) ([]string, bool) {
	if bytes.IndexByte(b, '\\') >= 0 || len(b) < 2 {
		return nil, false
	}
	switch b[0] {
	case 'n':
		return []string{}, string(b) == "null"
	case '"':
		return SplitCodes(string(b[1 : len(b)-1])), true
	case '[':
	default:
		return nil, false
	}
	out := []string{}
	i := 1
	for {
		for i < len(b) && isSpace(b[i]) {
			i++
		}
		if i < len(b) && b[i] == ']' {
			return out, true
		}
		if i >= len(b) || b[i] != '"' {
			return nil, false
		}
		j := bytes.IndexByte(b[i+1:], '"')
		if j < 0 {
			return nil, false
		}
		out = appendCode(out, string(b[i+1:i+1+j]))
		i += j + 2
		for i < len(b) && isSpace(b[i]) {
			i++
		}
		if i < len(b) && b[i] == ',' {
			i++
		}
	}
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// ParseTime reads an Edm.DateTimeOffset (RFC 3339, any fraction); a value without an
// offset is taken as UTC.
func ParseTime(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC(), nil
	}
	if t, err := time.Parse("2006-01-02T15:04:05.999999999", s); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("%q is not a timestamp", s)
}

// skipRest consumes the rest of an object or array whose opening token was just read.
func skipRest(dec *json.Decoder) error {
	for depth := 1; depth > 0; {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		if d, ok := tok.(json.Delim); ok {
			if d == '{' || d == '[' {
				depth++
			} else {
				depth--
			}
		}
	}
	return nil
}

func text(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case json.Number:
		return x.String()
	case bool:
		if x {
			return "true"
		}
		return "false"
	}
	return ""
}

// decodeCodes reads codes in any of the shapes the feed may use: null, a list of strings,
// a delimited string ("Sale;Upsell"), or a list of objects with a Name (an expanded
// navigation property). The result is never nil.
func decodeCodes(dec *json.Decoder) ([]string, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch v := tok.(type) {
	case nil:
		return []string{}, nil
	case string:
		return SplitCodes(v), nil
	case json.Number:
		return []string{v.String()}, nil
	case json.Delim:
		if v == '{' {
			name, err := codeObject(dec)
			if err != nil {
				return nil, err
			}
			return appendCode([]string{}, name), nil
		}
		if v != '[' {
			return nil, &MalformedError{Msg: "unexpected " + string(v)}
		}
	default:
		return nil, &MalformedError{Msg: fmt.Sprintf("want a list or a string of codes, got %v", v)}
	}
	out := []string{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		switch e := tok.(type) {
		case string:
			out = appendCode(out, e)
		case json.Number:
			out = append(out, e.String())
		case nil:
		case json.Delim:
			if e != '{' {
				if err := skipRest(dec); err != nil {
					return nil, err
				}
				return nil, &MalformedError{Msg: "a list of codes holds a nested list"}
			}
			name, err := codeObject(dec)
			if err != nil {
				return nil, err
			}
			out = appendCode(out, name)
		default:
			return nil, &MalformedError{Msg: fmt.Sprintf("unexpected code %v", e)}
		}
	}
	if err := expectDelim(dec, ']'); err != nil {
		return nil, err
	}
	return out, nil
}

// codeObject reads an expanded code entity (its '{' already read) and returns its name.
func codeObject(dec *json.Decoder) (string, error) {
	name := ""
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return "", err
		}
		key, _ := tok.(string)
		v, err := dec.Token()
		if err != nil {
			return "", err
		}
		if d, ok := v.(json.Delim); ok && (d == '{' || d == '[') {
			if err := skipRest(dec); err != nil {
				return "", err
			}
			continue
		}
		if s, ok := v.(string); ok {
			switch strings.ToLower(key) {
			case "name":
				name = s
			case "code", "value", "displayname":
				if name == "" {
					name = s
				}
			}
		}
	}
	if err := expectDelim(dec, '}'); err != nil {
		return "", err
	}
	return name, nil
}

func appendCode(out []string, c string) []string {
	if c = strings.TrimSpace(c); c != "" {
		out = append(out, c)
	}
	return out
}

// SplitCodes splits a delimited string of codes. The separator is the first of ';', '|'
// and ',' that occurs (the feed's choice is not documented); blanks around codes are
// dropped.
func SplitCodes(s string) []string {
	out := []string{}
	sep := ""
	for _, c := range []string{";", "|", ","} {
		if strings.Contains(s, c) {
			sep = c
			break
		}
	}
	if sep == "" {
		return appendCode(out, s)
	}
	for _, part := range strings.Split(s, sep) {
		out = appendCode(out, part)
	}
	return out
}

// Member is a row of a dimension (a service or a user).
type Member struct {
	ID   string `json:"Id"`
	Name string `json:"Name,omitempty"`
	UPN  string `json:"Upn,omitempty"`
}

// Label is how reports show the member: its UPN, else its name, else its id.
func (m Member) Label() string {
	switch {
	case m.UPN != "":
		return m.UPN
	case m.Name != "":
		return m.Name
	}
	return m.ID
}

// ErrNoDimension means the feed has no such dimension set.
type ErrNoDimension struct{ Name string }

func (e ErrNoDimension) Error() string {
	return "the feed has no " + e.Name + " set"
}

// Services reads the Services dimension.
func (c *Client) Services(ctx context.Context) ([]Member, error) {
	s, err := c.Schema(ctx)
	if err != nil {
		return nil, err
	}
	return c.members(ctx, s.ServiceSet, "Services", []string{"Name", "ServiceName", "DisplayName"})
}

// Users reads the Users dimension.
func (c *Client) Users(ctx context.Context) ([]Member, error) {
	s, err := c.Schema(ctx)
	if err != nil {
		return nil, err
	}
	return c.members(ctx, s.UserSet, "Users", []string{"UserName", "Name", "DisplayName"})
}

func (c *Client) members(ctx context.Context, set, what string, nameProps []string) ([]Member, error) {
	if set == "" {
		return nil, ErrNoDimension{Name: what}
	}
	m, err := c.Metadata(ctx)
	if err != nil {
		return nil, err
	}
	es, _ := m.Set(set)
	idProp, _ := es.Property("Id")
	q := Query{Set: es.Name, Select: []string{idProp.Name}}
	nameProp, upnProp := "", ""
	for _, n := range nameProps {
		if p, ok := es.Property(n); ok {
			nameProp = p.Name
			q.Select = append(q.Select, p.Name)
			break
		}
	}
	for _, n := range []string{"Upn", "UserPrincipalName", "ServiceUpn"} {
		if p, ok := es.Property(n); ok {
			upnProp = p.Name
			q.Select = append(q.Select, p.Name)
			break
		}
	}
	var out []Member
	err = Stream(ctx, c, q, func(row *map[string]any) error {
		r := *row
		out = append(out, Member{ID: text(r[idProp.Name]), Name: text(r[nameProp]), UPN: text(r[upnProp])})
		return nil
	})
	return out, err
}
