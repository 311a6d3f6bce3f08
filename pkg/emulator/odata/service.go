// Package odata emulates the Nimbus reporting OData feed, served under /odata (the equivalent
// of https://api.<cluster>.luware.cloud/v1/odata). Its contract is OData 4.0 (JSON format,
// CSDL $metadata) and the little Luware documents about the feed. Luware documents only that the feed exists,
// that sessions carry PrimaryCodes and SecondaryCodes, the names of some fact and dimension
// columns, and the sign-in app. Everything else here is the emulator's choice, made so that a
// client which discovers the shape (as it must) works, and one which hard-codes it does not:
//
//   - The service document (GET /odata/) and $metadata (CSDL 4.0 XML) list the entity sets,
//     laid out by Options.Shape (shapes.go): by default the service sessions (named by
//     Options.SessionSet, default ServiceSessions), Services, Users, Callers, Outcomes,
//     OrganizationUnits.
//   - The codes' type follows Options.CodesEncoding: Collection(Edm.String) sent as JSON
//     lists, or Edm.String sent as one delimited string ("Sale;Resolved"; "" for none).
//     Tags use the same encoding. ShapeNavigation makes the codes navigation properties.
//   - Paging is server-driven: at most PageSize entities per answer, then @odata.nextLink
//     (absolute, after the value array) with a $skiptoken. $top caps the total across pages.
//   - Query options: $filter (session and user-leg sets only; see filter.go), $select,
//     $expand (navigation properties only), $top, $skiptoken. Any other $-option is a 400,
//     as is an unknown property in $select or $expand, or a navigation property in $select.
//   - Sessions are returned in StartedAt order.
//   - Sign-in: a bearer token for the "Nimbus Odata Login" app (Audience), else 401.
//     Only users with a reporting role read the feed (core.DefaultUser is a tenant admin);
//     anybody else gets 403, as does everyone when Options.Deny lists "odata".
//   - Errors are OData JSON errors: {"error":{"code":"...","message":"..."}}.
package odata

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/nimbusctl/nimbusctl/pkg/emulator/core"
)

// Audience is the app id of "Nimbus Odata Login"; the OData part accepts only tokens
// issued for it.
const Audience = "898a7352-9216-4ca8-a485-7d8f3903f598"

// Name is the service's name in Stats, Deny and InjectFaults; Prefix is where it is mounted.
const (
	Name   = "odata"
	Prefix = "/odata"
)

// Codes encodings (Options.CodesEncoding).
const (
	CodesList      = "list"      // Collection(Edm.String): ["Sale","Resolved"]
	CodesDelimited = "delimited" // Edm.String: "Sale;Resolved"
)

// Options shape the reporting feed. The zero value is the default data set.
type Options struct {
	// Sessions is the number of service sessions (default 360); Days the span they cover,
	// ending at midnight UTC of the emulator's day at Start (default 60). See data.go.
	Sessions int
	Days     int
	// PageSize is the most entities one answer carries (default 1000).
	PageSize int
	// CodesEncoding is CodesList (default) or CodesDelimited; Delimiter joins
	// delimited codes (default ";").
	CodesEncoding string
	Delimiter     string
	// SessionSet names the session entity set (default: the shape's, ServiceSessions).
	SessionSet string
	// Shape lays out the entity sets (shapes.go): ShapeStandard (default), ShapeFactDim,
	// ShapeNavigation, ShapeTwoSessions or ShapeNoUserLink.
	Shape string
}

// Reporters are the users with a reporting role.
var Reporters = []string{core.DefaultUser}

// Service is the emulated feed, an http.Handler to mount under Prefix.
type Service struct {
	srv  *core.Server
	o    Options
	data *odataData
	sets map[string]*odataSet
	list []*odataSet
}

// odataSet is one entity set: its properties and how its rows are written.
type odataSet struct {
	name, typeName string
	key            string
	props          []odataProp
	kind           int     // kindDimension, kindSessions or kindLegs
	rows           [][]any // dimensions: values in props order
}

type odataProp struct {
	name, typ string
	nullable  bool
	nav       bool // a navigation property: sent only when $expand names it
}

// URL is the feed's base URL (the equivalent of https://api.ch-01.luware.cloud/v1/odata).
func (s *Service) URL() string { return s.srv.URL() + Prefix }

// New builds the data set from srv's seed, ending at midnight UTC of srv's day.
func New(srv *core.Server, o Options) (*Service, error) {
	if o.Sessions == 0 {
		o.Sessions = DefaultSessions
	}
	if o.Days == 0 {
		o.Days = DefaultDays
	}
	if o.PageSize == 0 {
		o.PageSize = DefaultPageSize
	}
	if o.Shape == "" {
		o.Shape = ShapeStandard
	}
	if o.CodesEncoding == "" {
		o.CodesEncoding = CodesList
		if o.Shape == ShapeFactDim {
			o.CodesEncoding = CodesDelimited
		}
	}
	if o.Delimiter == "" {
		o.Delimiter = ";"
	}
	if o.SessionSet == "" {
		o.SessionSet = sessionSetName(o.Shape)
	}
	switch {
	case o.Sessions < 0 || o.Days < 0 || o.PageSize < 0:
		return nil, fmt.Errorf("emulator: negative OData option")
	case o.CodesEncoding != CodesList && o.CodesEncoding != CodesDelimited:
		return nil, fmt.Errorf("emulator: unknown OData codes encoding %q", o.CodesEncoding)
	case !isIdent(o.SessionSet):
		return nil, fmt.Errorf("emulator: invalid OData session set name %q", o.SessionSet)
	case !slices.Contains(Shapes, o.Shape):
		return nil, fmt.Errorf("emulator: unknown OData shape %q (known: %s)", o.Shape, strings.Join(Shapes, ", "))
	}
	s := &Service{srv: srv, o: o, data: newODataData(srv.Seed(), srv.Now(), o), sets: map[string]*odataSet{}}
	s.buildSets()
	return s, nil
}

func (s *Service) add(set *odataSet) {
	s.sets[set.name] = set
	s.list = append(s.list, set)
}

func (s *Service) Operation(r *http.Request) string {
	switch p := strings.Trim(r.URL.Path, "/"); p {
	case "":
		return "OData.ServiceDocument"
	case "$metadata":
		return "OData.$metadata"
	default:
		if _, ok := s.sets[p]; ok {
			return "OData." + p
		}
	}
	return ""
}

func writeODataError(w http.ResponseWriter, status int, code, msg string) {
	core.WriteJSON(w, status, map[string]any{"error": map[string]string{"code": code, "message": msg}})
}

func (s *Service) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	tok, ok := s.srv.Authenticate(w, r, Audience)
	if !ok {
		return
	}
	reporter := false
	for _, u := range Reporters {
		reporter = reporter || strings.EqualFold(u, tok.User)
	}
	if !reporter {
		writeODataError(w, http.StatusForbidden, "Forbidden", "The user "+tok.User+" has no reporting role (Tenant Admin, User Supervisor, Team Owner or Service Owner).")
		return
	}
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", "GET")
		writeODataError(w, http.StatusMethodNotAllowed, "MethodNotAllowed", "The reporting feed is read-only: "+r.Method+" is not allowed.")
		return
	}
	path := strings.Trim(r.URL.Path, "/")
	switch path {
	case "":
		s.serviceDocument(w)
		return
	case "$metadata":
		s.metadata(w)
		return
	}
	set, ok := s.sets[path]
	if !ok {
		writeODataError(w, http.StatusNotFound, "NotFound", "Resource not found for the segment '"+path+"'.")
		return
	}
	if herr := s.query(w, r, set); herr != nil {
		writeODataError(w, herr.Status, "BadRequest", herr.Message)
	}
}

func (s *Service) serviceDocument(w http.ResponseWriter) {
	type entry struct {
		Name string `json:"name"`
		Kind string `json:"kind"`
		URL  string `json:"url"`
	}
	doc := struct {
		Context string  `json:"@odata.context"`
		Value   []entry `json:"value"`
	}{Context: s.URL() + "/$metadata"}
	for _, set := range s.list {
		doc.Value = append(doc.Value, entry{set.name, "EntitySet", set.name})
	}
	w.Header().Set("OData-Version", "4.0")
	core.WriteJSON(w, http.StatusOK, doc)
}

func (s *Service) metadata(w http.ResponseWriter) {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="utf-8"?>` + "\n")
	b.WriteString(`<edmx:Edmx Version="4.0" xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx">` + "\n")
	b.WriteString(`  <edmx:DataServices>` + "\n")
	b.WriteString(`    <Schema Namespace="` + Namespace + `" xmlns="http://docs.oasis-open.org/odata/ns/edm">` + "\n")
	for _, set := range s.list {
		fmt.Fprintf(&b, "      <EntityType Name=%q>\n        <Key><PropertyRef Name=%q/></Key>\n", set.typeName, set.key)
		for _, p := range set.props {
			if p.nav {
				fmt.Fprintf(&b, "        <NavigationProperty Name=%q Type=%q/>\n", p.name, p.typ)
				continue
			}
			fmt.Fprintf(&b, "        <Property Name=%q Type=%q Nullable=%q/>\n", p.name, p.typ, strconv.FormatBool(p.nullable))
		}
		b.WriteString("      </EntityType>\n")
	}
	b.WriteString(`      <EntityContainer Name="Reporting">` + "\n")
	for _, set := range s.list {
		fmt.Fprintf(&b, "        <EntitySet Name=%q EntityType=%q/>\n", set.name, Namespace+"."+set.typeName)
	}
	b.WriteString("      </EntityContainer>\n    </Schema>\n  </edmx:DataServices>\n</edmx:Edmx>\n")
	w.Header().Set("Content-Type", "application/xml")
	w.Header().Set("OData-Version", "4.0")
	w.Write([]byte(b.String()))
}

// query answers one page of a set.
func (s *Service) query(w http.ResponseWriter, r *http.Request, set *odataSet) *core.HTTPError {
	q := r.URL.Query()
	for k := range q {
		switch k {
		case "$filter", "$select", "$expand", "$top", "$skiptoken":
		default:
			if strings.HasPrefix(k, "$") {
				return core.Errorf(http.StatusBadRequest, "The query option '%s' is not supported.", k)
			}
		}
	}
	// $select and $expand: a mask over the set's properties (navigation ones by $expand only).
	sel := make([]bool, len(set.props))
	if v := q.Get("$select"); v == "" || v == "*" {
		for i, p := range set.props {
			sel[i] = !p.nav
		}
	} else if herr := set.mark(sel, v, false); herr != nil {
		return herr
	}
	if v := q.Get("$expand"); v != "" {
		if herr := set.mark(sel, v, true); herr != nil {
			return herr
		}
	}
	top := -1
	if v := q.Get("$top"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return core.Errorf(http.StatusBadRequest, "Invalid value '%s' for $top query option found. The $top query option requires a non-negative integer value.", v)
		}
		top = n
	}
	skip := 0
	if v := q.Get("$skiptoken"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return core.Errorf(http.StatusBadRequest, "Invalid $skiptoken '%s'.", v)
		}
		skip = n
	}
	var filter filterNode
	if v := q.Get("$filter"); v != "" {
		if set.kind == kindDimension {
			return core.Errorf(http.StatusBadRequest, "The emulator supports $filter on %s only.", s.o.SessionSet)
		}
		f, err := parseFilter(v)
		if err != nil {
			return core.Errorf(http.StatusBadRequest, "Invalid $filter: %v.", err)
		}
		filter = f
	}

	lo, hi := 0, len(set.rows)
	switch set.kind {
	case kindSessions:
		lo, hi = startedBounds(filter, s.data)
	case kindLegs:
		// A leg starts after its session, within its queue time (at most 305s).
		lo, hi = startedBounds(filter, s.data)
		lo, hi = 2*max(lo-1-int(6*time.Minute/max(s.data.step, time.Second)), 0), min(2*hi+2, s.data.legs())
	}
	lo = max(lo, skip)

	bw := bufio.NewWriterSize(w, 32<<10)
	w.Header().Set("Content-Type", "application/json; odata.metadata=minimal; charset=utf-8")
	w.Header().Set("OData-Version", "4.0")
	w.WriteHeader(http.StatusOK)
	buf := make([]byte, 0, 1024)
	buf = append(buf, `{"@odata.context":`...)
	buf = strconv.AppendQuote(buf, s.URL()+"/$metadata#"+set.name)
	buf = append(buf, `,"value":[`...)
	written, i := 0, lo
	for ; i < hi; i++ {
		if written == s.o.PageSize || top >= 0 && written == top {
			break
		}
		if set.kind != kindDimension {
			row, ok := s.data.row(i), true
			if set.kind == kindLegs {
				row, ok = s.data.leg(i)
			}
			if !ok || filter != nil && !filter.eval(s.data, &row) {
				continue
			}
			if written > 0 {
				buf = append(buf, ',')
			}
			buf = s.appendSession(buf, set, sel, &row)
		} else {
			if written > 0 {
				buf = append(buf, ',')
			}
			buf = appendDimension(buf, set, sel, set.rows[i])
		}
		written++
		if len(buf) > 16<<10 {
			if _, err := bw.Write(buf); err != nil {
				return nil
			}
			buf = buf[:0]
		}
	}
	buf = append(buf, ']')
	remaining := top - written
	if i < hi && (top < 0 || remaining > 0) {
		next := url.Values{}
		for k, vs := range q {
			next[k] = vs
		}
		next.Set("$skiptoken", strconv.Itoa(i))
		if top >= 0 {
			next.Set("$top", strconv.Itoa(remaining))
		}
		buf = append(buf, `,"@odata.nextLink":`...)
		buf = strconv.AppendQuote(buf, s.URL()+"/"+set.name+"?"+next.Encode())
	}
	buf = append(buf, "}\n"...)
	bw.Write(buf)
	bw.Flush()
	return nil
}

// appendObject writes a row as a JSON object of the properties sel selects; value appends
// the value of property k.
func appendObject(b []byte, set *odataSet, sel []bool, value func(b []byte, k int, p odataProp) []byte) []byte {
	b = append(b, '{')
	first := true
	for k, p := range set.props {
		if !sel[k] {
			continue
		}
		if !first {
			b = append(b, ',')
		}
		first = false
		b = strconv.AppendQuote(b, p.name)
		b = append(b, ':')
		b = value(b, k, p)
	}
	return append(b, '}')
}

func (s *Service) appendSession(b []byte, set *odataSet, sel []bool, r *sessionRow) []byte {
	return appendObject(b, set, sel, func(b []byte, _ int, p odataProp) []byte {
		return s.appendSessionValue(b, p, r)
	})
}

func (s *Service) appendSessionValue(b []byte, p odataProp, r *sessionRow) []byte {
	switch p.name {
	case "Id":
		if r.leg >= 0 {
			b = quotedGUID(b, s.data.seed, r.leg, 3)
		} else {
			b = quotedGUID(b, s.data.seed, r.i, 1)
		}
	case "ServiceSessionId":
		b = quotedGUID(b, s.data.seed, r.i, 1)
	case "UnifiedConversationId":
		b = quotedGUID(b, s.data.seed, r.i, 2)
	case "ServiceId":
		b = strconv.AppendQuote(b, Services[r.service].ID)
	case "OrganizationUnitId":
		b = strconv.AppendQuote(b, OrganizationUnits[serviceUnit[r.service]].ID)
	case "OutcomeId":
		b = strconv.AppendInt(b, int64(r.outcome), 10)
	case "StartedAt":
		b = append(b, '"')
		b = r.started.AppendFormat(b, "2006-01-02T15:04:05.999Z07:00")
		b = append(b, '"')
	case "TotalQueueTime":
		b = append(b, '"')
		b = appendDuration(b, r.queue)
		b = append(b, '"')
	case "TotalConnectedTime":
		b = append(b, '"')
		b = appendDuration(b, r.connected)
		b = append(b, '"')
	case "IsUnderSla":
		b = strconv.AppendBool(b, r.queue < 120)
	case "CallerId":
		b = strconv.AppendInt(b, int64(r.caller), 10)
	case "UserId":
		if r.user < 0 {
			b = append(b, "null"...)
		} else {
			b = strconv.AppendQuote(b, Users[r.user].ID)
		}
	case "PrimaryCodes":
		b = s.appendCodes(b, p, r.primary)
	case "SecondaryCodes":
		b = s.appendCodes(b, p, r.secondary)
	case "Tags":
		b = s.appendCodes(b, p, r.tags)
	}
	return b
}

func quotedGUID(b []byte, seed uint64, i int, salt uint64) []byte {
	b = append(b, '"')
	b = appendGUID(b, seed, uint64(i), salt)
	return append(b, '"')
}

// appendCodes writes codes as p says: expanded code entities, one delimited string, or a
// list of strings.
func (s *Service) appendCodes(b []byte, p odataProp, codes []string) []byte {
	switch {
	case p.nav:
		b = append(b, '[')
		for i, c := range codes {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"Id":`...)
			b = strconv.AppendInt(b, int64(codeID(c)), 10)
			b = append(b, `,"Name":`...)
			b = strconv.AppendQuote(b, c)
			b = append(b, '}')
		}
		return append(b, ']')
	case p.typ == "Edm.String":
		return strconv.AppendQuote(b, strings.Join(codes, s.o.Delimiter))
	}
	b = append(b, '[')
	for i, c := range codes {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendQuote(b, c)
	}
	return append(b, ']')
}

// mark sets sel for the comma-separated properties of a $select (nav false) or an $expand
// (nav true), which must name properties of that kind.
func (set *odataSet) mark(sel []bool, list string, nav bool) *core.HTTPError {
	for _, name := range strings.Split(list, ",") {
		name = strings.TrimSpace(name)
		found := false
		for i, p := range set.props {
			if p.name == name {
				if p.nav != nav {
					if nav {
						return core.Errorf(http.StatusBadRequest, "Property '%s' on type '%s.%s' is not a navigation property; only navigation properties can be expanded.", name, Namespace, set.typeName)
					}
					return core.Errorf(http.StatusBadRequest, "The emulator cannot $select the navigation property '%s'; use $expand.", name)
				}
				sel[i], found = true, true
			}
		}
		if !found {
			return core.Errorf(http.StatusBadRequest, "Could not find a property named '%s' on type '%s.%s'.", name, Namespace, set.typeName)
		}
	}
	return nil
}

func appendDimension(b []byte, set *odataSet, sel []bool, row []any) []byte {
	return appendObject(b, set, sel, func(b []byte, k int, _ odataProp) []byte {
		v, _ := json.Marshal(row[k])
		return append(b, v...)
	})
}
