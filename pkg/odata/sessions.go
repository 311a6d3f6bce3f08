package odata

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"time"
)

// Mapping reads $metadata (once) and maps the feed with the client's Overrides.
func (c *Client) Mapping(ctx context.Context) (*Mapping, error) {
	m, err := c.Metadata(ctx)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.mapping == nil {
		mp, err := Discover(m, c.Overrides)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", c.BaseURL(), err)
		}
		c.mapping = mp
	}
	return c.mapping, nil
}

// Delimiter settles the feed's delimiter of codes joined in one string, once per client:
// the profile's, else detected from up to SampleSize sessions of [from, to) (the whole feed
// when both are zero). It is nil when no codes property is a string.
func (c *Client) Delimiter(ctx context.Context, from, to time.Time) (*Delimiter, error) {
	mp, err := c.Mapping(ctx)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	d := mp.Delimiter
	c.mu.Unlock()
	if d != nil || !mp.delimited {
		return d, nil
	}
	q := Query{Set: mp.Sessions.Set, Filter: TimeWindow(mp.Sessions.Time, from, to), Top: SampleSize}
	for _, cf := range mp.Codes {
		if cf.Encoding == EncodingDelimited {
			q.Select = append(q.Select, cf.Property)
		}
	}
	var values []string
	n := 0
	err = c.Each(ctx, q, func(dec *json.Decoder) error {
		var row map[string]any
		if err := dec.Decode(&row); err != nil {
			return err
		}
		for _, p := range q.Select {
			for k, v := range row {
				if s, ok := v.(string); ok && strings.EqualFold(k, p) {
					values = append(values, s)
				}
			}
		}
		if n++; n == SampleSize {
			return ErrStop // the server may ignore $top
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	d, err = DetectDelimiter(values)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", c.BaseURL(), err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if mp.Delimiter == nil {
		mp.Delimiter = d
	}
	return mp.Delimiter, nil
}

// Session is one session as nimbusctl reports it. JSON names are the feed's documented
// names; service, user and organizationUnit are labels added by the commands. Codes are
// always lists, whatever the feed's encoding.
type Session struct {
	ID                 string    `json:"Id,omitempty"`
	StartedAt          time.Time `json:"StartedAt"`
	ServiceID          string    `json:"ServiceId,omitempty"`
	Service            string    `json:"service,omitempty"`
	UserID             string    `json:"UserId,omitempty"`
	User               string    `json:"user,omitempty"`
	OrganizationUnitID string    `json:"OrganizationUnitId,omitempty"`
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

// Uncoded reports whether the session has neither a primary nor a secondary code.
func (s *Session) Uncoded() bool { return len(s.PrimaryCodes) == 0 && len(s.SecondaryCodes) == 0 }

// UserKey is the session's user as the link holds it: an id, else a UPN.
func (s *Session) UserKey() string {
	if s.UserID != "" {
		return s.UserID
	}
	return s.User
}

// SessionQuery selects sessions.
type SessionQuery struct {
	From, To   time.Time // StartedAt in [From, To); a zero bound is open
	ServiceIDs []string  // any of these services; empty: all
	Users      []string  // any of these users (ids or UPNs, as the user link holds them)
	Fields     []Field   // what to read; nil: everything the feed has
	// No $top: a server may apply it but not $filter, and the first N sessions of the feed
	// are not the first N of the window. A caller that wants N stops the stream (ErrStop).
}

// Sessions streams the sessions q selects. fn gets a fresh *Session it may keep. Sessions
// the server should have filtered out (outside the window, another service or user) are
// dropped here too, so a server that ignores part of $filter cannot skew a report.
func (c *Client) Sessions(ctx context.Context, q SessionQuery, fn func(*Session) error) error {
	mp, err := c.Mapping(ctx)
	if err != nil {
		return err
	}
	want := [numFields]bool{FieldStartedAt: true}
	if q.Fields == nil {
		for f := range want {
			want[f] = true
		}
	}
	for _, f := range q.Fields {
		want[f] = true
	}
	if len(q.ServiceIDs) > 0 {
		if !mp.Has(FieldServiceID) {
			return mp.Service.Err()
		}
		want[FieldServiceID] = true
	}
	join := mp.User.Join
	if len(q.Users) > 0 {
		if err := mp.User.Err(); err != nil {
			return err
		}
		want[FieldUser] = true
	}
	if want[FieldUser] && join != nil {
		want[FieldUser] = false
		if p := mp.propNamed(join.SessionKey); p >= 0 {
			want[p] = true
		}
	}
	var users map[string]string // session key → user, through the join
	if join != nil && (len(q.Users) > 0 || q.Fields == nil || slices.Contains(q.Fields, FieldUser)) {
		if users, err = c.joinUsers(ctx, mp, q.From, q.To); err != nil {
			return err
		}
	}

	query := Query{Set: mp.Sessions.Set}
	for f := Field(0); f < numFields; f++ {
		p := mp.props[f]
		if !want[f] || p.Name == "" {
			continue
		}
		if p.Navigation {
			query.Expand = append(query.Expand, p.Name)
		} else {
			query.Select = append(query.Select, p.Name)
		}
	}
	services, err := eqAny(mp.props[FieldServiceID], q.ServiceIDs, "service id")
	if err != nil {
		return err
	}
	var byUser string
	if join == nil {
		if byUser, err = eqAny(mp.props[FieldUser], q.Users, "user"); err != nil {
			return err
		}
	}
	query.Filter = And(TimeWindow(mp.Sessions.Time, q.From, q.To), services, byUser)

	c.mu.Lock()
	d := newSessionDecoder(mp)
	c.mu.Unlock()
	keep := func(s *Session) bool {
		if !q.From.IsZero() && s.StartedAt.Before(q.From) || !q.To.IsZero() && !s.StartedAt.Before(q.To) {
			return false
		}
		return matchAny(q.ServiceIDs, s.ServiceID) && matchAny(q.Users, s.UserKey())
	}
	emit := func(s *Session, key string) error {
		if users != nil {
			setUser(s, users[strings.ToLower(key)], join.User)
		}
		if !keep(s) {
			return nil
		}
		return fn(s)
	}
	// Delimited codes whose delimiter is not settled yet: the first sessions are held back,
	// their values detect it (DetectDelimiter), then they go on in order, split by it.
	var held []heldSession
	var values []string
	settle := func() error {
		if !d.hold {
			return nil
		}
		dl, err := DetectDelimiter(values)
		if err != nil {
			return fmt.Errorf("%s: %w", c.BaseURL(), err)
		}
		c.mu.Lock()
		if mp.Delimiter == nil {
			mp.Delimiter = dl
		}
		d.delim, d.hold = mp.Delimiter.Value, false
		c.mu.Unlock()
		for i, h := range held {
			if err := d.split(h.s, &h.raw); err != nil {
				return err
			}
			if err := emit(h.s, h.key); err != nil {
				held = held[i+1:]
				return err
			}
		}
		held = nil
		return nil
	}
	err = c.Each(ctx, query, func(dec *json.Decoder) error {
		s := new(Session)
		key, err := d.decode(dec, s)
		if err != nil {
			return err
		}
		if !d.hold {
			return emit(s, key)
		}
		h := heldSession{s: s, key: key}
		values = d.keep(&h.raw, values)
		held = append(held, h)
		if len(held) == SampleSize {
			return settle()
		}
		return nil
	})
	if err == nil {
		err = settle() // the pull ended before SampleSize sessions
	}
	if errors.Is(err, ErrStop) {
		return nil
	}
	return err
}

// heldSession is a session whose delimited codes wait for the delimiter.
type heldSession struct {
	s   *Session
	key string
	raw [3][]byte // primary, secondary, tags as the feed sent them
}

// propNamed is the field whose property is name (-1: none).
func (m *Mapping) propNamed(name string) Field {
	for f := Field(0); f < numFields; f++ {
		if m.props[f].Name != "" && m.props[f].Name == name {
			return f
		}
	}
	return -1
}

// eqAny is "prop eq v1 or prop eq v2 ..." with literals typed by $metadata, for a property
// whose values are not text. On text (Edm.String, or a type $metadata does not say) the
// server's eq is exact, but ids and UPNs differ in case between the sessions and the sets
// they were looked up in (svc-sales, SVC-SALES): those are left to the reader's check
// (matchAny), which ignores case, and the server is asked for the window only.
func eqAny(p Property, values []string, what string) (string, error) {
	if len(values) == 0 || !caseFree(p.Type) {
		return "", nil
	}
	var parts []string
	for _, v := range values {
		lit, err := Literal(p.Type, v)
		if err != nil {
			return "", fmt.Errorf("%s: %w", what, err)
		}
		parts = append(parts, p.Name+" eq "+lit)
	}
	return Or(parts...), nil
}

// caseFree reports whether values of the Edm type compare the same whatever their case.
func caseFree(edmType string) bool {
	switch edmType {
	case "Edm.Guid", "Edm.Int16", "Edm.Int32", "Edm.Int64", "Edm.Byte", "Edm.SByte":
		return true
	}
	return false
}

func matchAny(list []string, v string) bool {
	if len(list) == 0 {
		return true
	}
	for _, x := range list {
		if strings.EqualFold(x, v) {
			return true
		}
	}
	return false
}

// setUser stores a user link's value as an id or, for a property that holds UPNs, as the
// user's label.
func setUser(s *Session, v, prop string) {
	if (&Link{Property: prop}).HoldsUPNs() {
		s.User = v
	} else {
		s.UserID = v
	}
}

// joinUsers reads the join set: which user each session had. A session with several users
// (a transfer) is the user's who started last: the one who finished it. The join set is
// read from the window's start to a day after its end, as a user leg starts after its
// session. Memory grows with the sessions of the window (one map entry each).
func (c *Client) joinUsers(ctx context.Context, mp *Mapping, from, to time.Time) (map[string]string, error) {
	j := mp.User.Join
	q := Query{Set: j.Set, Select: []string{j.On, j.User}}
	if j.Time != "" {
		q.Select = append(q.Select, j.Time)
		end := to
		if !end.IsZero() {
			end = end.Add(24 * time.Hour)
		}
		q.Filter = TimeWindow(j.Time, from, end)
	}
	users := map[string]string{}
	latest := map[string]time.Time{}
	err := c.Each(ctx, q, func(dec *json.Decoder) error {
		var row map[string]any
		if err := dec.Decode(&row); err != nil {
			return err
		}
		key, user := strings.ToLower(text(row[j.On])), text(row[j.User])
		if key == "" || user == "" {
			return nil
		}
		if j.Time != "" {
			t, _ := ParseTime(text(row[j.Time]))
			if prev, ok := latest[key]; ok && t.Before(prev) {
				return nil
			}
			latest[key] = t
		}
		users[key] = user
		return nil
	})
	return users, err
}

// sessionDecoder reads one session entity with a single Decode into a struct type made for
// the mapping (reflect.StructOf): one field per mapped property, its JSON tag the feed's
// name. encoding/json then matches the feed's names, skips every other property and caches
// its plan for the type, so reading stays one pass of the scanner per entity whatever the
// feed calls its properties.
type sessionDecoder struct {
	m     *Mapping
	delim string
	hold  bool          // the delimiter is not settled: decode leaves delimited codes to split
	v     reflect.Value // *struct, reused
	index [numFields]int
}

// codesFields are the fields split by the delimiter, in heldSession.raw order.
var codesFields = [3]Field{FieldPrimaryCodes, FieldSecondaryCodes, FieldTags}

var (
	anyType = reflect.TypeOf((*any)(nil)).Elem()
	rawType = reflect.TypeOf(json.RawMessage(nil))
)

func isCodes(f Field) bool {
	return f == FieldPrimaryCodes || f == FieldSecondaryCodes || f == FieldTags
}

func newSessionDecoder(m *Mapping) *sessionDecoder {
	d := &sessionDecoder{m: m, hold: m.delimited && m.Delimiter == nil}
	if m.Delimiter != nil {
		d.delim = m.Delimiter.Value
	}
	var fields []reflect.StructField
	for f := Field(0); f < numFields; f++ {
		d.index[f] = -1
		name := m.props[f].Name
		if name == "" {
			continue
		}
		typ := anyType
		if isCodes(f) {
			typ = rawType
		}
		d.index[f] = len(fields)
		fields = append(fields, reflect.StructField{Name: fmt.Sprintf("F%d", f), Type: typ, Tag: reflect.StructTag(`json:"` + name + `"`)})
	}
	d.v = reflect.New(reflect.StructOf(fields))
	return d
}

// decode fills s from the next entity and returns the session's join key (its id or its
// conversation id, as the user join needs).
func (d *sessionDecoder) decode(dec *json.Decoder, s *Session) (string, error) {
	w := d.v.Elem()
	for f, i := range d.index {
		if i < 0 {
			continue
		}
		if isCodes(Field(f)) {
			fv := w.Field(i)
			fv.SetBytes(fv.Bytes()[:0]) // keep the buffer; empty means absent
		} else {
			w.Field(i).SetZero()
		}
	}
	if err := dec.Decode(d.v.Interface()); err != nil {
		return "", err
	}
	get := func(f Field) any {
		if i := d.index[f]; i >= 0 {
			return w.Field(i).Interface()
		}
		return nil
	}
	if v := get(FieldStartedAt); v != nil {
		t, err := ParseTime(text(v))
		if err != nil {
			return "", &MalformedError{Msg: fmt.Sprintf("%s: %v", d.m.Sessions.Time, err)}
		}
		s.StartedAt = t
	}
	s.ID, s.ServiceID, s.OrganizationUnitID = text(get(FieldID)), text(get(FieldServiceID)), text(get(FieldOU))
	if u := text(get(FieldUser)); u != "" {
		setUser(s, u, d.m.props[FieldUser].Name)
	}
	s.OutcomeID, s.CallerID, s.TotalQueueTime, s.TotalConnectedTime = get(FieldOutcomeID), get(FieldCallerID), get(FieldQueueTime), get(FieldConnectedTime)
	if d.hold {
		return d.joinKey(get), nil // codes stay in the reused struct until keep copies them
	}
	var raw [3][]byte
	for k, f := range codesFields {
		if i := d.index[f]; i >= 0 {
			raw[k] = w.Field(i).Bytes()
		}
	}
	if err := d.split(s, &raw); err != nil {
		return "", err
	}
	return d.joinKey(get), nil
}

// keep copies the codes of the entity just decoded (hold mode) into raw, and adds its
// delimited values to values.
func (d *sessionDecoder) keep(raw *[3][]byte, values []string) []string {
	w := d.v.Elem()
	for k, f := range codesFields {
		i := d.index[f]
		if i < 0 {
			continue
		}
		b := w.Field(i).Bytes()
		raw[k] = append([]byte(nil), b...)
		var v string
		if d.m.props[f].Type == "Edm.String" && len(b) > 0 && b[0] == '"' && json.Unmarshal(b, &v) == nil {
			values = append(values, v)
		}
	}
	return values
}

// split parses the codes in raw (absent ones stay nil) with the settled delimiter.
func (d *sessionDecoder) split(s *Session, raw *[3][]byte) error {
	for k, dst := range [3]*[]string{&s.PrimaryCodes, &s.SecondaryCodes, &s.Tags} {
		if d.index[codesFields[k]] < 0 {
			continue
		}
		if p := d.m.props[codesFields[k]]; p.Navigation && len(raw[k]) == 0 {
			// An expanded navigation is always sent, [] when empty: absent, it was not
			// expanded, and the session would wrongly count as uncoded.
			return &MalformedError{Msg: fmt.Sprintf("a session without %s, which $expand asked for: the server did not expand it, so its codes cannot be counted", p.Name)}
		}
		codes, err := parseCodes(raw[k], d.delim, d.m.codeNames[codesFields[k]])
		if err != nil {
			return err
		}
		*dst = codes
	}
	return nil
}

// joinKey is the session's key for the user join (its id or conversation id).
func (d *sessionDecoder) joinKey(get func(Field) any) string {
	if j := d.m.User.Join; j != nil {
		if f := d.m.propNamed(j.SessionKey); f >= 0 {
			return text(get(f))
		}
	}
	return ""
}

// parseCodes reads codes in any shape decodeCodes accepts; plain lists and strings without
// escapes take a fast path. An absent property (no bytes) is nil; null or empty is an empty
// list. name is the property that names an expanded code entity ("": the usual ones).
func parseCodes(b []byte, delim, name string) ([]string, error) {
	if len(b) == 0 {
		return nil, nil
	}
	if codes, ok := fastCodes(b, delim); ok {
		return codes, nil
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	return decodeCodes(dec, delim, name)
}

// fastCodes parses "a;b" and ["a","b"] when no string holds an escape.
func fastCodes(b []byte, delim string) ([]string, bool) {
	if bytes.IndexByte(b, '\\') >= 0 || len(b) < 2 {
		return nil, false
	}
	switch b[0] {
	case 'n':
		return []string{}, string(b) == "null"
	case '"':
		return SplitCodes(string(b[1:len(b)-1]), delim), true
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

// ParseTime reads an Edm.DateTimeOffset (RFC 3339, any fraction; OData also allows no
// seconds, 08:00Z); a value without an offset is taken as UTC.
func ParseTime(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC(), nil
	}
	if t, err := time.Parse("2006-01-02T15:04Z07:00", s); err == nil {
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
	case float64:
		return fmt.Sprint(x)
	case bool:
		if x {
			return "true"
		}
		return "false"
	}
	return ""
}

// decodeCodes reads codes in any of the shapes the feed may use: null, a list of strings,
// a delimited string ("Sale;Upsell", split on delim), or a list of objects named by their
// property name, else a Name (an expanded navigation property). The result is never nil.
func decodeCodes(dec *json.Decoder, delim, name string) ([]string, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch v := tok.(type) {
	case nil:
		return []string{}, nil
	case string:
		return SplitCodes(v, delim), nil
	case json.Number:
		return []string{v.String()}, nil
	case json.Delim:
		if v == '{' {
			code, err := codeObject(dec, name)
			if err != nil {
				return nil, err
			}
			return appendCode([]string{}, code), nil
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
			code, err := codeObject(dec, name)
			if err != nil {
				return nil, err
			}
			out = appendCode(out, code)
		default:
			return nil, &MalformedError{Msg: fmt.Sprintf("unexpected code %v", e)}
		}
	}
	if err := expectDelim(dec, ']'); err != nil {
		return nil, err
	}
	return out, nil
}

// codeObject reads an expanded code entity (its '{' already read) and returns its name:
// the property name ($metadata's choice), else Name, else Code, Value or DisplayName. An
// entity without any is an error: dropping it would report a coded session as uncoded.
func codeObject(dec *json.Decoder, name string) (string, error) {
	found := map[string]string{}
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
		switch s := v.(type) {
		case string:
			found[strings.ToLower(key)] = s
		case json.Number:
			found[strings.ToLower(key)] = s.String()
		}
	}
	if err := expectDelim(dec, '}'); err != nil {
		return "", err
	}
	for _, k := range []string{name, "name", "code", "value", "displayname"} {
		if v, ok := found[strings.ToLower(k)]; ok && k != "" && strings.TrimSpace(v) != "" {
			return v, nil
		}
	}
	if name == "" {
		name = "Name"
	}
	return "", &MalformedError{Msg: fmt.Sprintf("an expanded code has no %s", name)}
}

func appendCode(out []string, c string) []string {
	if c = strings.TrimSpace(c); c != "" {
		out = append(out, c)
	}
	return out
}
