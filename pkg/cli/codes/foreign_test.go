package codes_test

// Feeds written from the OData v4 specification and the documented Service Sessions
// columns, not from nimbusctl's emulator: other set and property names, other encodings
// of the codes, other paging. Each test's expected output is worked out by hand from the
// fixture's rows (the comments show the sums), never by the code under test.

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nimbusctl/nimbusctl/pkg/cli/clitest"
)

// foreignFeed is an OData v4 service: $metadata, the service document, and each entity
// set's rows in pages of pageSize, linked by @odata.nextLink. By default it ignores every
// query option ($filter, $select, $top, $orderby) except $expand, as a server may.
type foreignFeed struct {
	root     string // the service root's path: /reporting/odata/v4
	metadata string
	rows     map[string][]string        // entity set → its entities, JSON objects, in feed order
	nav      map[string]map[string]bool // entity set → navigation properties (sent only when expanded)
	pageSize int
	absolute bool // absolute nextLinks (else relative to the request, as the spec allows)
	// emptyLast follows a full last page with an empty one.
	emptyLast bool
	// dropExpand leaves $expand out of next links (a server should keep it).
	dropExpand bool
	// fault, when set, may answer a page instead of the feed (status and headers).
	fault func(set string, page int) (int, http.Header)
	// honour applies $filter (comparisons joined by and/or) and $top, as a full server does;
	// topOnly applies $top and ignores $filter.
	honour, topOnly bool

	mu       sync.Mutex
	selected map[string][]string // set → the rows of its last query (honour), which next links page through
	srv      *httptest.Server
	requests []string
}

func (f *foreignFeed) start(t *testing.T) string {
	t.Helper()
	if f.pageSize == 0 {
		f.pageSize = 2
	}
	f.selected = map[string][]string{}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f.srv.URL + f.root
}

// Requests lists the requests received: path relative to the root, and decoded query.
func (f *foreignFeed) Requests() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string{}, f.requests...)
}

func (f *foreignFeed) serve(w http.ResponseWriter, r *http.Request) {
	rel := strings.TrimPrefix(r.URL.Path, f.root)
	q, _ := url.QueryUnescape(r.URL.RawQuery)
	f.mu.Lock()
	f.requests = append(f.requests, strings.TrimSuffix(rel+"?"+q, "?"))
	f.mu.Unlock()
	if !strings.HasPrefix(r.Header.Get("Authorization"), "Bearer ") {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		http.Error(w, `{"error":{"code":"401","message":"no token"}}`, http.StatusUnauthorized)
		return
	}
	switch rel {
	case "/$metadata":
		w.Header().Set("Content-Type", "application/xml")
		w.Write([]byte(f.metadata))
		return
	case "", "/":
		var names []string
		for n := range f.rows {
			names = append(names, n)
		}
		sort.Strings(names)
		var b strings.Builder
		b.WriteString(`{"@odata.context":"$metadata","value":[`)
		for i, n := range names {
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, `{"name":%q,"kind":"EntitySet","url":%q}`, n, n)
		}
		b.WriteString("]}")
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(b.String()))
		return
	}
	set := strings.TrimPrefix(rel, "/")
	rows, ok := f.rows[set]
	if !ok {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		w.Write([]byte(`{"error":{"code":"NotFound","message":"Resource not found for the segment '` + set + `'."}}`))
		return
	}
	if (f.honour || f.topOnly) && r.URL.Query().Get("$skiptoken") == "" {
		var err error
		q := r.URL.Query()
		if f.topOnly {
			q.Del("$filter")
		}
		if rows, err = applyQuery(rows, q); err != nil {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprintf(w, `{"error":{"code":"BadRequest","message":%q}}`, err.Error())
			return
		}
		f.mu.Lock()
		f.selected[set] = rows
		f.mu.Unlock()
	} else if f.honour || f.topOnly {
		f.mu.Lock()
		rows = f.selected[set]
		f.mu.Unlock()
	}
	skip, _ := strconv.Atoi(r.URL.Query().Get("$skiptoken"))
	page := skip/f.pageSize + 1
	if f.fault != nil {
		if status, h := f.fault(set, page); status != 0 {
			for k, v := range h {
				w.Header()[k] = v
			}
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(status)
			fmt.Fprintf(w, `{"error":{"code":"%d","message":"try later"}}`, status)
			return
		}
	}
	expand := map[string]bool{}
	for _, p := range strings.Split(r.URL.Query().Get("$expand"), ",") {
		expand[strings.TrimSpace(p)] = true
	}
	end := min(skip+f.pageSize, len(rows))
	var b strings.Builder
	fmt.Fprintf(&b, `{"@odata.context":"%s/$metadata#%s","@odata.count":%d,`, f.srv.URL+f.root, set, len(rows))
	if end < len(rows) || f.emptyLast && end == len(rows) && skip < len(rows) {
		// The next link first: the spec puts no order on a page's members.
		next := set + "?$skiptoken=" + strconv.Itoa(end)
		if x := r.URL.Query().Get("$expand"); x != "" && !f.dropExpand {
			next += "&$expand=" + url.QueryEscape(x)
		}
		if f.absolute {
			next = f.srv.URL + f.root + "/" + next
		}
		fmt.Fprintf(&b, `"@odata.nextLink":%q,`, next)
	}
	b.WriteString(`"value":[`)
	for i := skip; i < end; i++ {
		if i > skip {
			b.WriteByte(',')
		}
		b.WriteString(f.entity(set, rows[i], expand))
	}
	b.WriteString("]}")
	w.Header().Set("Content-Type", "application/json;odata.metadata=minimal;odata.streaming=true")
	w.Header().Set("OData-Version", "4.0")
	w.Write([]byte(b.String()))
}

// entity drops the navigation properties that were not expanded.
func (f *foreignFeed) entity(set, row string, expand map[string]bool) string {
	if len(f.nav[set]) == 0 {
		return row
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal([]byte(row), &m); err != nil {
		panic(err)
	}
	for p := range f.nav[set] {
		if !expand[p] {
			delete(m, p)
		}
	}
	b, _ := json.Marshal(m)
	return string(b)
}

// applyQuery keeps the rows $filter selects, then the first $top.
func applyQuery(rows []string, q url.Values) ([]string, error) {
	var out []string
	for _, row := range rows {
		var m map[string]any
		if err := json.Unmarshal([]byte(row), &m); err != nil {
			return nil, err
		}
		ok, err := evalFilter(q.Get("$filter"), m)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, row)
		}
	}
	if top, err := strconv.Atoi(q.Get("$top")); err == nil && top < len(out) {
		out = out[:top]
	}
	return out, nil
}

// evalFilter evaluates the $filter forms a reporting client sends: comparisons
// "Prop eq|ne|ge|gt|le|lt literal" joined by " and ", each possibly a parenthesised
// " or " group. Anything else is a 400.
func evalFilter(expr string, row map[string]any) (bool, error) {
	expr = strings.TrimSpace(expr)
	if expr == "" {
		return true, nil
	}
	for _, part := range splitTop(expr, " and ") {
		part = strings.TrimSpace(part)
		var ok bool
		var err error
		if strings.HasPrefix(part, "(") && strings.HasSuffix(part, ")") {
			ok = false
			for _, alt := range splitTop(part[1:len(part)-1], " or ") {
				a, err := evalFilter(alt, row)
				if err != nil {
					return false, err
				}
				ok = ok || a
			}
		} else if ok, err = compare(part, row); err != nil {
			return false, err
		}
		if !ok {
			return false, nil
		}
	}
	return true, nil
}

// splitTop splits s on sep outside parentheses.
func splitTop(s, sep string) []string {
	var out []string
	depth, start := 0, 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '(':
			depth++
		case ')':
			depth--
		}
		if depth == 0 && strings.HasPrefix(s[i:], sep) {
			out = append(out, s[start:i])
			start = i + len(sep)
		}
	}
	return append(out, s[start:])
}

func compare(expr string, row map[string]any) (bool, error) {
	f := strings.SplitN(expr, " ", 3)
	if len(f) != 3 {
		return false, fmt.Errorf("syntax error in %q", expr)
	}
	prop, op, lit := f[0], f[1], f[2]
	v, ok := row[prop]
	if !ok {
		return false, fmt.Errorf("could not find a property named '%s'", prop)
	}
	var c int
	switch x := v.(type) {
	case nil:
		return op == "ne", nil
	case float64:
		n, err := strconv.ParseFloat(lit, 64)
		if err != nil {
			return false, fmt.Errorf("a number cannot be compared with %s", lit)
		}
		c = cmpOrdered(x, n)
	case string:
		if t, err := time.Parse(time.RFC3339Nano, x); err == nil {
			l, err := time.Parse(time.RFC3339Nano, lit)
			if err != nil {
				return false, fmt.Errorf("a DateTimeOffset cannot be compared with %s", lit)
			}
			c = t.Compare(l)
			break
		}
		if strings.HasPrefix(lit, "'") {
			lit = strings.ReplaceAll(strings.Trim(lit, "'"), "''", "'")
			c = strings.Compare(x, lit)
		} else {
			c = strings.Compare(strings.ToLower(x), strings.ToLower(lit))
		}
	default:
		return false, fmt.Errorf("cannot compare %s", prop)
	}
	switch op {
	case "eq":
		return c == 0, nil
	case "ne":
		return c != 0, nil
	case "ge":
		return c >= 0, nil
	case "gt":
		return c > 0, nil
	case "le":
		return c <= 0, nil
	case "lt":
		return c < 0, nil
	}
	return false, fmt.Errorf("unknown operator %s", op)
}

func cmpOrdered(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// foreignEnv points a fresh environment at the feed.
func foreignEnv(t *testing.T, f *foreignFeed) *clitest.Env {
	t.Helper()
	e := clitest.New(t)
	e.Setenv("NIMBUSCTL_ODATA_URL", f.start(t))
	e.Setenv("NIMBUSCTL_ODATA_RATE", "1000/s")
	return e
}

// Feed A: codes as Collection(Edm.String); two schemas, the container in the second, the
// session type derived from an abstract base keyed SessionKey; a start time named
// StartTime with offsets other than Z; dimensions named ServiceDirectory (DisplayName),
// Agents (UserPrincipalName) and OrgUnits; pages of 2, relative nextLinks (sent before
// value), an empty last page, @odata.type on each entity, and every query option but
// $expand ignored, so sessions outside the window come back and must be dropped.
const (
	svcHelp  = "5e000000-0000-4000-8000-000000000001"
	svcSales = "5e000000-0000-4000-8000-000000000002"
	agAnna   = "a9000000-0000-4000-8000-000000000001"
	agBen    = "a9000000-0000-4000-8000-000000000002"
	ouRoot   = "0e000000-0000-4000-8000-000000000000"
	ouEU     = "0e000000-0000-4000-8000-000000000001"
	ouCH     = "0e000000-0000-4000-8000-000000000002"
)

const feedAMetadata = `<?xml version="1.0" encoding="utf-8"?>
<edmx:Edmx Version="4.0" xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx">
  <edmx:Reference Uri="https://oasis-tcs.github.io/odata-vocabularies/vocabularies/Org.OData.Core.V1.xml">
    <edmx:Include Namespace="Org.OData.Core.V1" Alias="Core"/>
  </edmx:Reference>
  <edmx:DataServices>
    <Schema Namespace="Contoso.CC.Model" Alias="CC" xmlns="http://docs.oasis-open.org/odata/ns/edm">
      <EntityType Name="Fact" Abstract="true">
        <Key><PropertyRef Name="SessionKey"/></Key>
        <Property Name="SessionKey" Type="Edm.Guid" Nullable="false"/>
        <Property Name="StartTime" Type="Edm.DateTimeOffset" Nullable="false"/>
        <Property Name="EndTime" Type="Edm.DateTimeOffset"/>
      </EntityType>
      <EntityType Name="ServiceSessionFact" BaseType="CC.Fact">
        <Property Name="ServiceId" Type="Edm.Guid"/>
        <Property Name="OrganizationUnitId" Type="Edm.Guid"/>
        <Property Name="UserId" Type="Edm.Guid"/>
        <Property Name="OutcomeId" Type="Edm.Int32"/>
        <Property Name="PrimaryCodes" Type="Collection(Edm.String)"/>
        <Property Name="SecondaryCodes" Type="Collection(Edm.String)"/>
        <Property Name="Tags" Type="Collection(Edm.String)"/>
        <Property Name="Comment" Type="Edm.String"/>
      </EntityType>
      <EntityType Name="ServiceRow">
        <Key><PropertyRef Name="Id"/></Key>
        <Property Name="Id" Type="Edm.Guid" Nullable="false"/>
        <Property Name="DisplayName" Type="Edm.String"/>
      </EntityType>
      <EntityType Name="Agent">
        <Key><PropertyRef Name="Id"/></Key>
        <Property Name="Id" Type="Edm.Guid" Nullable="false"/>
        <Property Name="UserPrincipalName" Type="Edm.String"/>
        <Property Name="DisplayName" Type="Edm.String"/>
      </EntityType>
      <EntityType Name="OrgUnit">
        <Key><PropertyRef Name="Id"/></Key>
        <Property Name="Id" Type="Edm.Guid" Nullable="false"/>
        <Property Name="Name" Type="Edm.String"/>
        <Property Name="ParentId" Type="Edm.Guid"/>
      </EntityType>
    </Schema>
    <Schema Namespace="Contoso.CC.Service" xmlns="http://docs.oasis-open.org/odata/ns/edm">
      <EntityContainer Name="Reporting">
        <EntitySet Name="Interactions" EntityType="Contoso.CC.Model.ServiceSessionFact"/>
        <EntitySet Name="ServiceDirectory" EntityType="CC.ServiceRow"/>
        <EntitySet Name="Agents" EntityType="CC.Agent"/>
        <EntitySet Name="OrgUnits" EntityType="Contoso.CC.Model.OrgUnit"/>
        <Singleton Name="Tenant" Type="CC.OrgUnit"/>
      </EntityContainer>
    </Schema>
  </edmx:DataServices>
</edmx:Edmx>`

// feedARow is one session of feed A.
func feedARow(n int, start, svc, user, ou, primary, secondary, tags string) string {
	id := fmt.Sprintf("f0000000-0000-4000-8000-%012d", n)
	return fmt.Sprintf(`{"@odata.type":"#Contoso.CC.Model.ServiceSessionFact","@odata.id":"Interactions(%s)","SessionKey":"%s","StartTime":"%s","EndTime":null,`+
		`"ServiceId":%s,"OrganizationUnitId":%s,"UserId":%s,"OutcomeId":1,"PrimaryCodes@odata.type":"#Collection(String)","PrimaryCodes":%s,"SecondaryCodes":%s,"Tags":%s,"Comment":"x"}`,
		id, id, start, jsonOrNull(svc), jsonOrNull(ou), jsonOrNull(user), primary, secondary, tags)
}

func jsonOrNull(s string) string {
	if s == "" {
		return "null"
	}
	return strconv.Quote(s)
}

// The window is [2026-03-02, 2026-03-05) UTC. In it: s1 s2 s4 s5 s7 s8 s10 (7 sessions);
// s3 starts before (22:30Z on the 1st), s6 and s9 at or after its end.
func feedA() *foreignFeed {
	return &foreignFeed{
		root:      "/reporting/odata/v4",
		metadata:  feedAMetadata,
		emptyLast: true,
		rows: map[string][]string{
			"Interactions": {
				feedARow(1, "2026-03-02T09:00:00+01:00", svcHelp, agAnna, ouCH, `["Resolved"]`, `["Upsell"]`, `["VIP"]`),
				feedARow(2, "2026-03-01T23:30:00-01:00", svcHelp, agBen, ouCH, `["Resolved","Resolved"]`, `null`, `null`),
				feedARow(3, "2026-03-02T00:30:00+02:00", svcSales, agAnna, ouEU, `["Sale"]`, `[]`, `[]`),
				feedARow(4, "2026-03-03T12:00:00Z", svcSales, agAnna, ouEU, `["Sale"]`, `["Upsell","Call back"]`, `["VIP","Billing"]`),
				feedARow(5, "2026-03-03T18:45:10.1234567+00:00", svcSales, "", ouEU, `[]`, `[]`, `[]`),
				feedARow(6, "2026-03-04T23:59:59.999-05:00", svcHelp, agBen, ouCH, `["Resolved"]`, `[]`, `[]`),
				feedARow(7, "2026-03-04T01:00:00+01:00", svcHelp, agBen, ouCH, `["Call back"]`, `["Upsell"]`, `["Billing"]`),
				feedARow(8, "2026-03-04T22:00:00-01:00", svcSales, agAnna, ouEU, `["Sale","Resolved"]`, `["Sale"]`, `["Billing"]`),
				feedARow(9, "2026-03-05T00:00:00+00:00", svcHelp, agAnna, ouCH, `["Escalated"]`, `[]`, `[]`),
				feedARow(10, "2026-03-02T00:00:00Z", svcHelp, agAnna, ouCH, `["Escalated"]`, `[]`, `[]`),
			},
			"ServiceDirectory": {
				`{"@odata.type":"#Contoso.CC.Model.ServiceRow","Id":"` + strings.ToUpper(svcHelp) + `","DisplayName":"Helpdesk"}`,
				`{"@odata.type":"#Contoso.CC.Model.ServiceRow","Id":"` + svcSales + `","DisplayName":"Sales Line"}`,
			},
			"Agents": {
				`{"Id":"` + agAnna + `","UserPrincipalName":"anna@contoso.test","DisplayName":"Anna"}`,
				`{"Id":"` + agBen + `","UserPrincipalName":"ben@contoso.test","DisplayName":"Ben"}`,
			},
			"OrgUnits": {
				`{"Id":"` + ouRoot + `","Name":"Contoso","ParentId":null}`,
				`{"Id":"` + ouEU + `","Name":"Europe","ParentId":"` + ouRoot + `"}`,
				`{"Id":"` + ouCH + `","Name":"Switzerland","ParentId":"` + ouEU + `"}`,
			},
		},
	}
}

var windowA = []string{"--since", "2026-03-02", "--until", "2026-03-05"}

// runs runs each command line with the window appended and checks exit, stdout and stderr.
func runs(t *testing.T, e *clitest.Env, window []string, cases []foreignCase) {
	t.Helper()
	for _, c := range cases {
		args := append(append([]string{}, c.args...), window...)
		r := e.Run(args...)
		if r.Code != c.code || r.Stdout != c.stdout || r.Stderr != c.stderr {
			t.Errorf("nimbusctl %s: exit %d, want %d\n%s--- want\n%s--- stderr\n%s--- want\n%s",
				strings.Join(args, " "), r.Code, c.code, r.Stdout, c.stdout, r.Stderr, c.stderr)
		}
	}
}

type foreignCase struct {
	args           []string
	code           int
	stdout, stderr string
}

func TestForeignFeedOfStringListsWithOffsetsAndNoQueryOptions(t *testing.T) {
	t.Parallel()
	f := feedA()
	e := foreignEnv(t, f)
	runs(t, e, nil, []foreignCase{{args: []string{"codes", "mapping"}, stdout: `sessions	Interactions	the only set with codes and a start time
start time	StartTime	windows filter on it
primary codes	PrimaryCodes (list)	Collection(Edm.String)
secondary codes	SecondaryCodes (list)	Collection(Edm.String)
tags	Tags (list)	Collection(Edm.String)
service link	ServiceId	documented property
services	ServiceDirectory (id Id, name DisplayName)	the only set named like services with an id (Edm.Guid) and a name
user link	UserId	named like the user link
users	Agents (id Id, name DisplayName, UPN UserPrincipalName)	the only set named like users with an id (Edm.Guid) and a UPN
organization unit link	OrganizationUnitId	documented property
organization units	OrgUnits (id Id, name Name, parent ParentId)	the only set named like organization units with an id (Edm.Guid) and a name
`}})
	const s = "f0000000-0000-4000-8000-0000000000"
	runs(t, e, windowA, []foreignCase{
		// Resolved: s1 s2 (twice: once) s8, all primary. Upsell: s1 s4 s7, secondary.
		// Call back: s7 primary, s4 secondary. Sale: s4 s8 primary, s8 secondary too.
		// Escalated: s10. Shares of 7 sessions.
		{args: []string{"codes", "list", "-o", "csv"}, stdout: `code,primary,secondary,sessions,share
Resolved,3,0,3,0.4286
Upsell,0,3,3,0.4286
Call back,1,1,2,0.2857
Sale,2,1,2,0.2857
Escalated,1,0,1,0.1429
`},
		// In UTC: the 2nd s1 s2 s10, the 3rd s4 s5, the 4th s7 s8.
		{args: []string{"codes", "report", "--by", "day", "-o", "csv"}, stdout: `day,sessions,Resolved,Upsell,Call back,Sale,Escalated
2026-03-02,3,2,1,0,0,1
2026-03-03,2,0,1,1,1,0
2026-03-04,2,1,1,1,1,0
`},
		{args: []string{"codes", "report", "--by", "week", "-o", "csv"}, stdout: `week,sessions,Resolved,Upsell,Call back,Sale,Escalated
2026-W10,7,3,3,2,2,1
`},
		// Helpdesk: s1 s2 s7 s10. Sales Line: s4 s5 s8.
		{args: []string{"codes", "report", "--by", "service", "-o", "csv"}, stdout: `service,sessions,Resolved,Upsell,Call back,Sale,Escalated
Helpdesk,4,2,2,1,0,1
Sales Line,3,1,1,1,2,0
`},
		// Anna: s1 s4 s8 s10. Ben: s2 s7. Nobody: s5.
		{args: []string{"codes", "report", "--by", "user", "-o", "csv"}, stdout: `user,sessions,Resolved,Upsell,Call back,Sale,Escalated
anna@contoso.test,4,2,2,1,2,1
ben@contoso.test,2,1,1,1,0,0
(none),1,0,0,0,0,0
`},
		{args: []string{"codes", "report", "--by", "ou", "-o", "csv"}, stdout: `ou,parent,sessions,Resolved,Upsell,Call back,Sale,Escalated
Europe,Contoso,3,1,1,1,2,0
Switzerland,Europe,4,2,2,1,0,1
`},
		// Billing: s4 s7 s8. VIP: s1 s4. None: s2 (null) s5 s10.
		{args: []string{"codes", "report", "--by", "tag", "-o", "csv"}, stdout: `tag,sessions,Resolved,Upsell,Call back,Sale,Escalated
Billing,3,1,2,2,2,0
VIP,2,1,2,1,1,0
(none),3,1,0,0,0,1
`},
		{args: []string{"sessions", "list"}, stdout: s + "01\t2026-03-02T08:00:00Z\tHelpdesk\tanna@contoso.test\tResolved\tUpsell\tVIP\n" +
			s + "02\t2026-03-02T00:30:00Z\tHelpdesk\tben@contoso.test\tResolved, Resolved\t\t\n" +
			s + "04\t2026-03-03T12:00:00Z\tSales Line\tanna@contoso.test\tSale\tUpsell, Call back\tVIP, Billing\n" +
			s + "05\t2026-03-03T18:45:10.1234567Z\tSales Line\t\t\t\t\n" +
			s + "07\t2026-03-04T00:00:00Z\tHelpdesk\tben@contoso.test\tCall back\tUpsell\tBilling\n" +
			s + "08\t2026-03-04T23:00:00Z\tSales Line\tanna@contoso.test\tSale, Resolved\tSale\tBilling\n" +
			s + "10\t2026-03-02T00:00:00Z\tHelpdesk\tanna@contoso.test\tEscalated\t\t\n"},
		{args: []string{"sessions", "list", "--uncoded", "--jq", ".[].Id"}, stdout: s + "05\n"},
		{args: []string{"sessions", "list", "--code", "upsell", "--jq", ".[].Id"}, stdout: s + "01\n" + s + "04\n" + s + "07\n"},
		{args: []string{"sessions", "list", "--service", "Helpdesk", "--jq", ".[].Id"}, stdout: s + "01\n" + s + "02\n" + s + "07\n" + s + "10\n"},
		{args: []string{"sessions", "list", "--user", "Ben", "--jq", ".[].Id"}, stdout: s + "02\n" + s + "07\n"},
		// Helpdesk and Anna: s1 s10.
		{args: []string{"codes", "list", "--service", "helpdesk", "--user", "anna@contoso.test", "-o", "csv"}, stdout: `code,primary,secondary,sessions,share
Escalated,1,0,1,0.5
Resolved,1,0,1,0.5
Upsell,0,1,1,0.5
`},
		{args: []string{"codes", "report", "--by", "service", "--service", "Support"}, code: 3, stderr: "error: --service \"Support\" matches no service of the reporting feed (known: Helpdesk, Sales Line)\nRun 'nimbusctl codes report --help' for usage.\n"},
	})
	// Europe/Zurich is UTC+1: the window is [1st 23:00Z, 4th 23:00Z): s8 (23:00Z on the 4th)
	// is out; s3 (22:30Z on the 1st) still is. Days: the 2nd s1 s2 s10, the 3rd s4 s5, the
	// 4th s7 (01:00 local).
	runs(t, e, append([]string{"--tz", "Europe/Zurich"}, windowA...), []foreignCase{
		{args: []string{"codes", "report", "--by", "day", "-o", "csv"}, stdout: `day,sessions,Upsell,Call back,Resolved,Escalated,Sale
2026-03-02,3,1,0,2,1,0
2026-03-03,2,1,1,0,0,1
2026-03-04,1,1,1,0,0,0
`},
	})
}

// Feed B: a Fact/Dim star with codes and tags joined by "," in one Edm.String; ids are
// Edm.String keys that are not GUIDs (and differ in case between fact and dimension); the
// user is named by UPN in AcceptedByUserUpn; the one schema declares the types after the
// container. Every query option is ignored, nextLinks are absolute, pages hold 3.
const feedBMetadata = `<?xml version="1.0" encoding="utf-8"?>
<edmx:Edmx Version="4.0" xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx">
  <edmx:DataServices>
    <Schema Namespace="Star" xmlns="http://docs.oasis-open.org/odata/ns/edm">
      <EntityContainer Name="Default">
        <EntitySet Name="FactContacts" EntityType="Star.FactContact"/>
        <EntitySet Name="DimServices" EntityType="Star.DimService"/>
        <EntitySet Name="DimUsers" EntityType="Star.DimUser"/>
        <EntitySet Name="DimOrganizationUnits" EntityType="Star.DimOrganizationUnit"/>
        <EntitySet Name="DimOutcomes" EntityType="Star.DimOutcome"/>
        <EntitySet Name="DimCallers" EntityType="Star.DimCaller"/>
      </EntityContainer>
      <EntityType Name="FactContact">
        <Key><PropertyRef Name="ContactKey"/></Key>
        <Property Name="ContactKey" Type="Edm.String" Nullable="false"/>
        <Property Name="UnifiedConversationId" Type="Edm.Guid"/>
        <Property Name="StartedAt" Type="Edm.DateTimeOffset"/>
        <Property Name="ServiceId" Type="Edm.String"/>
        <Property Name="OrganizationUnitId" Type="Edm.String"/>
        <Property Name="AcceptedByUserUpn" Type="Edm.String"/>
        <Property Name="OutcomeId" Type="Edm.Int32"/>
        <Property Name="CallerId" Type="Edm.Int32"/>
        <Property Name="PrimaryCodes" Type="Edm.String"/>
        <Property Name="SecondaryCodes" Type="Edm.String"/>
        <Property Name="Tags" Type="Edm.String"/>
      </EntityType>
      <EntityType Name="DimService">
        <Key><PropertyRef Name="ServiceKey"/></Key>
        <Property Name="ServiceKey" Type="Edm.String" Nullable="false"/>
        <Property Name="ServiceName" Type="Edm.String"/>
        <Property Name="OrganizationUnitId" Type="Edm.String"/>
      </EntityType>
      <EntityType Name="DimUser">
        <Key><PropertyRef Name="UserKey"/></Key>
        <Property Name="UserKey" Type="Edm.String" Nullable="false"/>
        <Property Name="Upn" Type="Edm.String"/>
        <Property Name="UserName" Type="Edm.String"/>
      </EntityType>
      <EntityType Name="DimOrganizationUnit">
        <Key><PropertyRef Name="OrganizationUnitKey"/></Key>
        <Property Name="OrganizationUnitKey" Type="Edm.String" Nullable="false"/>
        <Property Name="Name" Type="Edm.String"/>
        <Property Name="ParentOrganizationUnitId" Type="Edm.String"/>
      </EntityType>
      <EntityType Name="DimOutcome">
        <Key><PropertyRef Name="Id"/></Key>
        <Property Name="Id" Type="Edm.Int32" Nullable="false"/>
        <Property Name="Name" Type="Edm.String"/>
      </EntityType>
      <EntityType Name="DimCaller">
        <Key><PropertyRef Name="Id"/></Key>
        <Property Name="Id" Type="Edm.Int32" Nullable="false"/>
        <Property Name="Upn" Type="Edm.String"/>
        <Property Name="TelNumber" Type="Edm.String"/>
      </EntityType>
    </Schema>
  </edmx:DataServices>
</edmx:Edmx>`

func feedBRow(key, start, svc, upn, primary, secondary, tags string) string {
	ou := map[string]string{"svc-help": "OU-CH", "svc-sales": "OU-DE"}[svc]
	return fmt.Sprintf(`{"ContactKey":%q,"UnifiedConversationId":"c0000000-0000-4000-8000-000000000000","StartedAt":%q,"ServiceId":%q,"OrganizationUnitId":%q,"AcceptedByUserUpn":%s,"OutcomeId":1,"CallerId":7,"PrimaryCodes":%s,"SecondaryCodes":%s,"Tags":%s}`,
		key, start, svc, ou, jsonOrNull(upn), primary, secondary, tags)
}

// The window is [2026-03-09, 2026-03-11) UTC (a Monday and a Tuesday, ISO week 11): b1-b6
// and b8 (7 sessions); b7 starts on the Sunday before. In Europe/Zurich (UTC+1) the window
// is [08T23:00Z, 10T23:00Z): b7 is in it, b8 is not.
func feedB() *foreignFeed {
	return &foreignFeed{
		root:     "/odata",
		metadata: feedBMetadata,
		pageSize: 3,
		absolute: true,
		rows: map[string][]string{
			"FactContacts": {
				feedBRow("b1", "2026-03-09T08:00:00Z", "svc-help", "anna@contoso.test", `"Resolved"`, `""`, `"VIP"`),
				feedBRow("b2", "2026-03-09T09:00:00Z", "svc-help", "ben@contoso.test", `"Sale,Upsell"`, `null`, `"VIP,Billing"`),
				feedBRow("b3", "2026-03-09T10:00:00Z", "svc-sales", "anna@contoso.test", `"Sale"`, `"Upsell"`, `""`),
				feedBRow("b4", "2026-03-09T11:00:00Z", "svc-sales", "", `""`, `""`, `null`),
				feedBRow("b5", "2026-03-10T08:00:00Z", "svc-help", "ben@contoso.test", `"resolved"`, `"Call back"`, `"billing"`),
				feedBRow("b6", "2026-03-10T12:00:00Z", "svc-sales", "ANNA@contoso.test", `"Sale, Sale"`, `"Upsell,Call back"`, `"Billing"`),
				feedBRow("b7", "2026-03-08T23:30:00Z", "svc-help", "anna@contoso.test", `"Escalated"`, `""`, `""`),
				feedBRow("b8", "2026-03-10T23:30:00Z", "svc-sales", "ben@contoso.test", `"Resolved,Escalated"`, `""`, `""`),
			},
			"DimServices": {
				`{"ServiceKey":"SVC-HELP","ServiceName":"Helpdesk","OrganizationUnitId":"OU-CH"}`,
				`{"ServiceKey":"SVC-SALES","ServiceName":"Sales","OrganizationUnitId":"OU-DE"}`,
			},
			"DimUsers": {
				`{"UserKey":"u1","Upn":"anna@contoso.test","UserName":"Anna"}`,
				`{"UserKey":"u2","Upn":"ben@contoso.test","UserName":"Ben"}`,
			},
			"DimOrganizationUnits": {
				`{"OrganizationUnitKey":"OU-ROOT","Name":"Contoso","ParentOrganizationUnitId":null}`,
				`{"OrganizationUnitKey":"OU-CH","Name":"Switzerland","ParentOrganizationUnitId":"OU-ROOT"}`,
				`{"OrganizationUnitKey":"OU-DE","Name":"Germany","ParentOrganizationUnitId":"OU-ROOT"}`,
			},
			"DimOutcomes": {`{"Id":1,"Name":"User Accepted"}`},
			"DimCallers":  {`{"Id":7,"Upn":"caller@fabrikam.test","TelNumber":"+41441234567"}`},
		},
	}
}

var windowB = []string{"--since", "2026-03-09", "--until", "2026-03-11"}

// Feed C: codes as navigation properties to a CodeCatalog set keyed CodeId whose label is
// CodeName; services keyed by Edm.Int32; no user on the sessions, but a UserSessions set
// that references them by UnifiedConversationId. This server honours $filter and $top.
const feedCMetadata = `<?xml version="1.0" encoding="utf-8"?>
<edmx:Edmx Version="4.0" xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx">
  <edmx:DataServices>
    <Schema Namespace="Nav.Types" xmlns="http://docs.oasis-open.org/odata/ns/edm">
      <EntityType Name="ServiceSession">
        <Key><PropertyRef Name="Id"/></Key>
        <Property Name="Id" Type="Edm.Guid" Nullable="false"/>
        <Property Name="UnifiedConversationId" Type="Edm.Guid"/>
        <Property Name="StartedAt" Type="Edm.DateTimeOffset" Nullable="false"/>
        <Property Name="ServiceId" Type="Edm.Int32"/>
        <NavigationProperty Name="PrimaryCodes" Type="Collection(Nav.Types.Code)"/>
        <NavigationProperty Name="SecondaryCodes" Type="Collection(Nav.Types.Code)"/>
      </EntityType>
      <EntityType Name="Code">
        <Key><PropertyRef Name="CodeId"/></Key>
        <Property Name="CodeId" Type="Edm.Int32" Nullable="false"/>
        <Property Name="CodeName" Type="Edm.String"/>
        <Property Name="OrganizationUnitId" Type="Edm.Guid"/>
      </EntityType>
      <EntityType Name="UserSession">
        <Key><PropertyRef Name="Id"/></Key>
        <Property Name="Id" Type="Edm.Guid" Nullable="false"/>
        <Property Name="UnifiedConversationId" Type="Edm.Guid"/>
        <Property Name="UserId" Type="Edm.Guid"/>
        <Property Name="StartedAt" Type="Edm.DateTimeOffset"/>
      </EntityType>
      <EntityType Name="Service">
        <Key><PropertyRef Name="Id"/></Key>
        <Property Name="Id" Type="Edm.Int32" Nullable="false"/>
        <Property Name="Name" Type="Edm.String"/>
        <Property Name="Upn" Type="Edm.String"/>
      </EntityType>
      <EntityType Name="User">
        <Key><PropertyRef Name="Id"/></Key>
        <Property Name="Id" Type="Edm.Guid" Nullable="false"/>
        <Property Name="Upn" Type="Edm.String"/>
      </EntityType>
    </Schema>
    <Schema Namespace="Nav.Container" xmlns="http://docs.oasis-open.org/odata/ns/edm">
      <EntityContainer Name="NimbusReporting">
        <EntitySet Name="ServiceSessions" EntityType="Nav.Types.ServiceSession">
          <NavigationPropertyBinding Path="PrimaryCodes" Target="CodeCatalog"/>
          <NavigationPropertyBinding Path="SecondaryCodes" Target="CodeCatalog"/>
        </EntitySet>
        <EntitySet Name="CodeCatalog" EntityType="Nav.Types.Code"/>
        <EntitySet Name="UserSessions" EntityType="Nav.Types.UserSession"/>
        <EntitySet Name="Services" EntityType="Nav.Types.Service"/>
        <EntitySet Name="Users" EntityType="Nav.Types.User"/>
      </EntityContainer>
    </Schema>
  </edmx:DataServices>
</edmx:Edmx>`

func feedCCodes(names ...string) string {
	ids := map[string]int{"Resolved": 1, "Sale": 2, "Upsell": 3, "Call back": 4, "Escalated": 5}
	var parts []string
	for _, n := range names {
		parts = append(parts, fmt.Sprintf(`{"CodeId":%d,"CodeName":%q,"OrganizationUnitId":null}`, ids[n], n))
	}
	return "[" + strings.Join(parts, ",") + "]"
}

func feedCRow(n int, conv int, start string, svc int, primary, secondary string) string {
	return fmt.Sprintf(`{"Id":"c5000000-0000-4000-8000-%012d","UnifiedConversationId":"cc000000-0000-4000-8000-%012d","StartedAt":%q,"ServiceId":%d,"PrimaryCodes":%s,"SecondaryCodes":%s}`,
		n, conv, start, svc, primary, secondary)
}

const (
	userAnna = "aa000000-0000-4000-8000-000000000001"
	userBen  = "aa000000-0000-4000-8000-000000000002"
)

func feedCLeg(n, conv int, user, start string) string {
	return fmt.Sprintf(`{"Id":"1e000000-0000-4000-8000-%012d","UnifiedConversationId":"cc000000-0000-4000-8000-%012d","UserId":%q,"StartedAt":%q}`, n, conv, user, start)
}

// The window is [2026-03-16, 2026-03-17) UTC: c1-c5. c6 is the day after.
// Users through the conversation: conv 1 → Anna; conv 2 → Anna then Ben (Ben's leg is
// later, listed first): Ben; conv 3 → nobody; conv 4 → Ben.
func feedC() *foreignFeed {
	return &foreignFeed{
		root:     "/v1/odata",
		metadata: feedCMetadata,
		pageSize: 2,
		honour:   true,
		nav:      map[string]map[string]bool{"ServiceSessions": {"PrimaryCodes": true, "SecondaryCodes": true}},
		rows: map[string][]string{
			"ServiceSessions": {
				feedCRow(1, 1, "2026-03-16T08:00:00Z", 10, feedCCodes("Resolved"), feedCCodes("Upsell")),
				feedCRow(2, 2, "2026-03-16T09:00:00Z", 20, feedCCodes("Sale", "Upsell"), feedCCodes()),
				feedCRow(3, 3, "2026-03-16T10:00:00Z", 10, feedCCodes(), feedCCodes()),
				feedCRow(4, 4, "2026-03-16T11:00:00Z", 20, feedCCodes("Sale"), feedCCodes("Call back")),
				feedCRow(5, 1, "2026-03-16T12:00:00Z", 10, feedCCodes("Escalated"), `null`),
				feedCRow(6, 4, "2026-03-17T08:00:00Z", 20, feedCCodes("Resolved"), feedCCodes()),
			},
			"UserSessions": {
				feedCLeg(1, 1, userAnna, "2026-03-16T08:00:10Z"),
				feedCLeg(2, 2, userBen, "2026-03-16T09:05:00Z"),
				feedCLeg(3, 2, userAnna, "2026-03-16T09:00:10Z"),
				feedCLeg(4, 4, userBen, "2026-03-16T11:00:10Z"),
			},
			"Services": {
				`{"Id":10,"Name":"Support","Upn":"support@contoso.test"}`,
				`{"Id":20,"Name":"Sales","Upn":"sales@contoso.test"}`,
			},
			"Users": {
				`{"Id":"` + userAnna + `","Upn":"anna@contoso.test"}`,
				`{"Id":"` + userBen + `","Upn":"ben@contoso.test"}`,
			},
			"CodeCatalog": {`{"CodeId":1,"CodeName":"Resolved"}`},
		},
	}
}

var windowC = []string{"--since", "2026-03-16", "--until", "2026-03-17"}

// Codes (and tags) that differ only in case are one code, as --code matches them: b5's
// "resolved" counts with Resolved (b1 b8), b5's "billing" tag with Billing (b2 b6), each
// shown in its most used spelling, so `sessions list --code` lists the sessions behind the
// number. b6's "Sale, Sale" counts once.
func TestForeignFeedOfCommaJoinedCodesWithStringKeys(t *testing.T) {
	t.Parallel()
	e := foreignEnv(t, feedB())
	runs(t, e, nil, []foreignCase{{args: []string{"codes", "mapping", "--since", "2026-03-01"}, stdout: `sessions	FactContacts	the only set with codes and a start time
start time	StartedAt	windows filter on it
primary codes	PrimaryCodes (delimited)	Edm.String
secondary codes	SecondaryCodes (delimited)	Edm.String
tags	Tags (delimited)	Edm.String
delimiter	","	detected in a sample of 14 values ("," in 5)
service link	ServiceId	documented property
services	DimServices (id ServiceKey, name ServiceName)	the only set named like services with an id (Edm.String) and a name
user link	AcceptedByUserUpn	the only property of FactContacts ending in UserId or UserUpn
users	DimUsers (id UserKey, name UserName, UPN Upn)	the only set named like users with an id and a UPN
organization unit link	OrganizationUnitId	documented property
organization units	DimOrganizationUnits (id OrganizationUnitKey, name Name, parent ParentOrganizationUnitId)	the only set named like organization units with an id (Edm.String) and a name
`}})
	runs(t, e, windowB, []foreignCase{
		// Resolved: b1 b5 b8 primary. Sale: b2 b3 b6 primary. Upsell: b2 primary, b3 b6
		// secondary. Call back: b5 b6 secondary. Escalated: b8. Of 7 sessions.
		{args: []string{"codes", "list", "-o", "csv"}, stdout: `code,primary,secondary,sessions,share
Resolved,3,0,3,0.4286
Sale,3,0,3,0.4286
Upsell,1,2,3,0.4286
Call back,0,2,2,0.2857
Escalated,1,0,1,0.1429
`},
		{args: []string{"sessions", "list", "--code", "RESOLVED", "--jq", ".[].Id"}, stdout: "b1\nb5\nb8\n"},
		{args: []string{"codes", "report", "--by", "week", "-o", "csv"}, stdout: `week,sessions,Resolved,Sale,Upsell,Call back,Escalated
2026-W11,7,3,3,3,2,1
`},
		// Helpdesk: b1 b2 b5. Sales: b3 b4 b6 b8.
		{args: []string{"codes", "report", "--by", "service", "-o", "csv"}, stdout: `service,sessions,Resolved,Sale,Upsell,Call back,Escalated
Helpdesk,3,2,1,1,1,0
Sales,4,1,2,2,1,1
`},
		// Anna (by UPN, any case): b1 b3 b6. Ben: b2 b5 b8. Nobody: b4.
		{args: []string{"codes", "report", "--by", "user", "-o", "csv"}, stdout: `user,sessions,Resolved,Sale,Upsell,Call back,Escalated
anna@contoso.test,3,1,2,2,1,0
ben@contoso.test,3,2,1,1,1,1
(none),1,0,0,0,0,0
`},
		{args: []string{"codes", "report", "--by", "ou", "-o", "csv"}, stdout: `ou,parent,sessions,Resolved,Sale,Upsell,Call back,Escalated
Germany,Contoso,4,1,2,2,1,1
Switzerland,Contoso,3,2,1,1,1,0
`},
		// Billing: b2 b5 b6. VIP: b1 b2. None: b3 b4 b8.
		{args: []string{"codes", "report", "--by", "tag", "-o", "csv"}, stdout: `tag,sessions,Resolved,Sale,Upsell,Call back,Escalated
Billing,3,1,2,2,2,0
VIP,2,1,1,1,0,0
(none),3,1,1,1,0,1
`},
		{args: []string{"sessions", "list"}, stdout: "b1\t2026-03-09T08:00:00Z\tHelpdesk\tanna@contoso.test\tResolved\t\tVIP\n" +
			"b2\t2026-03-09T09:00:00Z\tHelpdesk\tben@contoso.test\tSale, Upsell\t\tVIP, Billing\n" +
			"b3\t2026-03-09T10:00:00Z\tSales\tanna@contoso.test\tSale\tUpsell\t\n" +
			"b4\t2026-03-09T11:00:00Z\tSales\t\t\t\t\n" +
			"b5\t2026-03-10T08:00:00Z\tHelpdesk\tben@contoso.test\tresolved\tCall back\tbilling\n" +
			"b6\t2026-03-10T12:00:00Z\tSales\tanna@contoso.test\tSale, Sale\tUpsell, Call back\tBilling\n" +
			"b8\t2026-03-10T23:30:00Z\tSales\tben@contoso.test\tResolved, Escalated\t\t\n"},
		{args: []string{"sessions", "list", "--uncoded", "--jq", ".[].Id"}, stdout: "b4\n"},
		{args: []string{"sessions", "list", "--service", "Sales", "--jq", ".[].Id"}, stdout: "b3\nb4\nb6\nb8\n"},
		{args: []string{"sessions", "list", "--user", "Anna", "--jq", ".[].Id"}, stdout: "b1\nb3\nb6\n"},
		{args: []string{"codes", "list", "--service", "svc-help", "-o", "csv"}, stdout: `code,primary,secondary,sessions,share
Resolved,2,0,2,0.6667
Call back,0,1,1,0.3333
Sale,1,0,1,0.3333
Upsell,1,0,1,0.3333
`},
	})
	// In Europe/Zurich: b7 (00:30 on the 9th) is in, b8 (00:30 on the 11th) is out.
	runs(t, e, append([]string{"--tz", "Europe/Zurich"}, windowB...), []foreignCase{
		{args: []string{"codes", "report", "--by", "day", "-o", "csv"}, stdout: `day,sessions,Sale,Upsell,Call back,Resolved,Escalated
2026-03-09,5,2,2,0,1,1
2026-03-10,2,1,1,2,1,0
`},
	})
}

// Codes as navigations to code entities that name themselves CodeName, as $metadata says:
// each code counts under that name (before, codes not called Name were dropped, and every
// session came out uncoded, exit 0).
func TestForeignFeedOfCodeNavigationsJoinedToUsersByConversation(t *testing.T) {
	t.Parallel()
	f := feedC()
	e := foreignEnv(t, f)
	runs(t, e, nil, []foreignCase{{args: []string{"codes", "mapping"}, stdout: `sessions	ServiceSessions	the only set with codes and a start time
start time	StartedAt	windows filter on it
primary codes	PrimaryCodes (navigation)	Collection(Nav.Types.Code); a code's name is its CodeName
secondary codes	SecondaryCodes (navigation)	Collection(Nav.Types.Code); a code's name is its CodeName
service link	ServiceId	documented property
services	Services (id Id, name Name, UPN Upn)	the only set named like services with an id (Edm.Int32) and a name
user link	UserSessions.UnifiedConversationId = UnifiedConversationId, user UserId	the only set that holds users and references ServiceSessions; a session's last user (by StartedAt) counts
users	Users (id Id, UPN Upn)	the only set named like users with an id (Edm.Guid) and a UPN
organization unit link	none	ServiceSessions has no OrganizationUnitId or ServiceOrganizationUnitId property: the feed does not say the organization unit of a session
`}})
	const s = "c5000000-0000-4000-8000-0000000000"
	runs(t, e, windowC, []foreignCase{
		// Sale: c2 c4 primary. Upsell: c2 primary, c1 secondary. Call back: c4 secondary.
		// Escalated: c5. Resolved: c1. Of 5 sessions.
		{args: []string{"codes", "list", "-o", "csv"}, stdout: `code,primary,secondary,sessions,share
Sale,2,0,2,0.4
Upsell,1,1,2,0.4
Call back,0,1,1,0.2
Escalated,1,0,1,0.2
Resolved,1,0,1,0.2
`},
		// sales@ (Id 20): c2 c4. support@ (Id 10): c1 c3 c5.
		{args: []string{"codes", "report", "--by", "service", "-o", "csv"}, stdout: `service,sessions,Sale,Upsell,Call back,Escalated,Resolved
sales@contoso.test,2,2,1,1,0,0
support@contoso.test,3,0,1,0,1,1
`},
		// Conversation 1 (c1 c5): Anna. 2 (c2): Ben, whose leg started last. 4 (c4): Ben.
		// 3 (c3): nobody.
		{args: []string{"codes", "report", "--by", "user", "-o", "csv"}, stdout: `user,sessions,Sale,Upsell,Call back,Escalated,Resolved
anna@contoso.test,2,0,1,0,1,1
ben@contoso.test,2,2,1,1,0,0
(none),1,0,0,0,0,0
`},
		{args: []string{"codes", "report", "--by", "ou"}, code: 3, stderr: "error: --by ou: ServiceSessions has no OrganizationUnitId or ServiceOrganizationUnitId property: the feed does not say the organization unit of a session\n"},
		{args: []string{"codes", "report", "--by", "tag"}, code: 3, stderr: "error: --by tag: ServiceSessions has no Tags property\n"},
		{args: []string{"sessions", "list"}, stdout: s + "01\t2026-03-16T08:00:00Z\tsupport@contoso.test\tanna@contoso.test\tResolved\tUpsell\t\n" +
			s + "02\t2026-03-16T09:00:00Z\tsales@contoso.test\tben@contoso.test\tSale, Upsell\t\t\n" +
			s + "03\t2026-03-16T10:00:00Z\tsupport@contoso.test\t\t\t\t\n" +
			s + "04\t2026-03-16T11:00:00Z\tsales@contoso.test\tben@contoso.test\tSale\tCall back\t\n" +
			s + "05\t2026-03-16T12:00:00Z\tsupport@contoso.test\tanna@contoso.test\tEscalated\t\t\n"},
		{args: []string{"sessions", "list", "--limit", "2", "--jq", ".[].Id"}, stdout: s + "01\n" + s + "02\n",
			stderr: "! showing the first 2 sessions; there are more (raise --limit, up to 100000, or narrow the window)\n"},
		{args: []string{"sessions", "list", "--uncoded", "--jq", ".[].Id"}, stdout: s + "03\n"},
		{args: []string{"sessions", "list", "--code", "sale", "--jq", ".[].Id"}, stdout: s + "02\n" + s + "04\n"},
		{args: []string{"sessions", "list", "--service", "Sales", "--jq", ".[].Id"}, stdout: s + "02\n" + s + "04\n"},
		{args: []string{"sessions", "list", "--user", "ben@contoso.test", "--jq", ".[].Id"}, stdout: s + "02\n" + s + "04\n"},
		{args: []string{"codes", "list", "--service", "support@contoso.test", "-o", "csv"}, stdout: `code,primary,secondary,sessions,share
Escalated,1,0,1,0.3333
Resolved,1,0,1,0.3333
Upsell,0,1,1,0.3333
`},
	})
}

// A server whose next links drop $expand sends later sessions without their codes: that is
// an error, not sessions without codes. And code entities without an evident name property
// are the user's call (odata_code_name), exit 3 until it is made.
func TestForeignFeedOfCodeNavigationsRefusesToGuess(t *testing.T) {
	t.Parallel()
	f := feedC()
	f.dropExpand = true
	e := foreignEnv(t, f)
	runs(t, e, windowC, []foreignCase{{args: []string{"codes", "list"}, code: 1,
		stderr: "error: OData ServiceSessions (page 2): unexpected answer from the Nimbus reporting (OData) service: not an OData page: a session without PrimaryCodes, which $expand asked for: the server did not expand it, so its codes cannot be counted\n"}})

	f = feedC()
	f.metadata = strings.Replace(f.metadata, `<Property Name="CodeName" Type="Edm.String"/>`, `<Property Name="ShortText" Type="Edm.String"/><Property Name="LongText" Type="Edm.String"/>`, 1)
	for i, row := range f.rows["ServiceSessions"] {
		f.rows["ServiceSessions"][i] = strings.ReplaceAll(row, `"CodeName"`, `"ShortText"`)
	}
	e = foreignEnv(t, f)
	why := "error: " + e.Getenv("NIMBUSCTL_ODATA_URL") + ": PrimaryCodes leads to code entities (Nav.Types.Code), and nimbusctl cannot tell which property names a code (ShortText, LongText). " +
		"Name it in the profile setting odata_code_name (nimbusctl config set odata_code_name PROPERTY, or NIMBUSCTL_ODATA_CODE_NAME=PROPERTY)\n"
	runs(t, e, windowC, []foreignCase{
		{args: []string{"codes", "list"}, code: 3, stderr: why},
		{args: []string{"sessions", "list", "--code", "Sale"}, code: 3, stderr: why},
	})
	e.Setenv("NIMBUSCTL_ODATA_CODE_NAME", "shorttext")
	runs(t, e, windowC, []foreignCase{{args: []string{"codes", "list", "-o", "csv"}, stdout: `code,primary,secondary,sessions,share
Sale,2,0,2,0.4
Upsell,1,1,2,0.4
Call back,0,1,1,0.2
Escalated,1,0,1,0.2
Resolved,1,0,1,0.2
`}})
	r := e.Run("codes", "mapping", "--jq", ".codes[0]")
	r.Expect(t, 0, `{"encoding":"navigation","name":"ShortText","nameHow":"profile setting odata_code_name","property":"PrimaryCodes","role":"primary","type":"Collection(Nav.Types.Code)"}`+"\n", "")
	e.Setenv("NIMBUSCTL_ODATA_CODE_NAME", "Title")
	runs(t, e, windowC, []foreignCase{{args: []string{"codes", "list"}, code: 3,
		stderr: "error: " + e.Getenv("NIMBUSCTL_ODATA_URL") + ": odata_code_name is \"Title\", but the codes' type Nav.Types.Code has no such property (its properties: CodeId, ShortText, LongText, OrganizationUnitId)\n"}})
}

// Two services (and two units) with the same name stay two rows, told apart by their ids;
// before, their sessions were added up under one name.
func TestForeignFeedKeepsMembersWithTheSameNameApart(t *testing.T) {
	t.Parallel()
	f := feedA()
	f.rows["ServiceDirectory"][1] = `{"Id":"` + svcSales + `","DisplayName":"Helpdesk"}`
	f.rows["OrgUnits"][1] = `{"Id":"` + ouEU + `","Name":"Support","ParentId":"` + ouRoot + `"}`
	f.rows["OrgUnits"][2] = `{"Id":"` + ouCH + `","Name":"support","ParentId":"` + ouEU + `"}`
	e := foreignEnv(t, f)
	help, sales := "Helpdesk ("+strings.ToUpper(svcHelp)+")", "Helpdesk ("+svcSales+")"
	runs(t, e, windowA, []foreignCase{
		// As TestForeignFeedOfStringListsWithOffsetsAndNoQueryOptions: s1 s2 s7 s10 and s4 s5 s8.
		{args: []string{"codes", "report", "--by", "service", "-o", "csv"}, stdout: `service,sessions,Resolved,Upsell,Call back,Sale,Escalated
` + help + `,4,2,2,1,0,1
` + sales + `,3,1,1,1,2,0
`},
		{args: []string{"codes", "report", "--by", "ou", "-o", "csv"}, stdout: `ou,parent,sessions,Resolved,Upsell,Call back,Sale,Escalated
Support (` + ouEU + `),Contoso,3,1,1,1,2,0
support (` + ouCH + `),Support (` + ouEU + `),4,2,2,1,0,1
`},
		{args: []string{"sessions", "list", "--user", "Ben", "--jq", ".[].service"}, stdout: help + "\n" + help + "\n"},
		{args: []string{"codes", "list", "--service", "Helpdesk"}, code: 3, stderr: "error: --service \"Helpdesk\" names 2 services (" + strings.ToUpper(svcHelp) + ", " + svcSales + "): give the UPN or the id\nRun 'nimbusctl codes list --help' for usage.\n"},
	})
}

// A server that applies $top but not $filter: sessions list must not take the first N
// sessions of the whole feed for the first N of the window. In [4th, 5th): s7 and s8.
func TestForeignFeedThatIgnoresFilterButNotTop(t *testing.T) {
	t.Parallel()
	f := feedA()
	f.topOnly = true
	e := foreignEnv(t, f)
	const s = "f0000000-0000-4000-8000-0000000000"
	runs(t, e, []string{"--since", "2026-03-04", "--until", "2026-03-05"}, []foreignCase{
		{args: []string{"sessions", "list", "--limit", "2", "--jq", ".[].Id"}, stdout: s + "07\n" + s + "08\n"},
		{args: []string{"sessions", "list", "--limit", "1", "--jq", ".[].Id"}, stdout: s + "07\n",
			stderr: "! showing the first 1 sessions; there are more (raise --limit, up to 100000, or narrow the window)\n"},
	})
}

// Codes joined by "," where no piece ever stands alone: "," may as well be part of a code's
// name ("Info, Pricing"), so each value stays one code, and the command says so once,
// with the setting that splits them.
func TestForeignFeedSaysWhenItDoesNotSplitOnComma(t *testing.T) {
	t.Parallel()
	f := feedB()
	f.rows["FactContacts"] = []string{
		feedBRow("x1", "2026-03-09T08:00:00Z", "svc-help", "", `"Sale,Upsell"`, `""`, `""`),
		feedBRow("x2", "2026-03-09T09:00:00Z", "svc-help", "", `"Resolved, Call back"`, `null`, `""`),
		feedBRow("x3", "2026-03-09T10:00:00Z", "svc-help", "", `"Escalated"`, `""`, `""`),
	}
	e := foreignEnv(t, f)
	runs(t, e, windowB, []foreignCase{
		{args: []string{"codes", "list", "-o", "csv"}, stdout: `code,primary,secondary,sessions,share
Escalated,1,0,1,0.3333
"Resolved, Call back",1,0,1,0.3333
"Sale,Upsell",1,0,1,0.3333
`, stderr: `! in a sample of 3 values, "," in 2, but no piece it splits off stands alone as a code elsewhere, so each value counts as one code: if "," joins codes, set odata_codes_delimiter (nimbusctl config set odata_codes_delimiter ',')` + "\n"},
	})
	e.Setenv("NIMBUSCTL_ODATA_CODES_DELIMITER", ",")
	runs(t, e, windowB, []foreignCase{
		{args: []string{"codes", "list", "-o", "csv"}, stdout: `code,primary,secondary,sessions,share
Call back,1,0,1,0.3333
Escalated,1,0,1,0.3333
Resolved,1,0,1,0.3333
Sale,1,0,1,0.3333
Upsell,1,0,1,0.3333
`},
	})
}

// A start time named neither StartedAt nor Start…: exit 3, naming the candidates and the
// setting; once named, the counts are feed A's.
func TestForeignFeedWithAnotherStartTimeNeedsTheSetting(t *testing.T) {
	t.Parallel()
	f := feedA()
	f.metadata = strings.Replace(f.metadata, `Name="StartTime"`, `Name="SessionBegin"`, 1)
	for i, row := range f.rows["Interactions"] {
		f.rows["Interactions"][i] = strings.Replace(row, `"StartTime"`, `"SessionBegin"`, 1)
	}
	e := foreignEnv(t, f)
	runs(t, e, windowA, []foreignCase{{args: []string{"codes", "list"}, code: 3,
		stderr: "error: " + e.Getenv("NIMBUSCTL_ODATA_URL") + ": Interactions has codes but no start time nimbusctl can tell (no StartedAt, and not one Edm.DateTimeOffset named Start…; it has SessionBegin, EndTime). " +
			"Name it in the profile setting odata_session_time (nimbusctl config set odata_session_time PROPERTY, or NIMBUSCTL_ODATA_SESSION_TIME=PROPERTY)\n"}})
	e.Setenv("NIMBUSCTL_ODATA_SESSION_TIME", "EndTime") // null on every session: no window
	runs(t, e, windowA, []foreignCase{{args: []string{"codes", "list", "-o", "csv"}, stdout: "code,primary,secondary,sessions,share\n"}})
	e.Setenv("NIMBUSCTL_ODATA_SESSION_TIME", "Comment")
	runs(t, e, windowA, []foreignCase{{args: []string{"codes", "list"}, code: 3,
		stderr: "error: " + e.Getenv("NIMBUSCTL_ODATA_URL") + ": odata_session_time is \"Comment\", but Interactions has no Edm.DateTimeOffset property of that name (it has SessionBegin, EndTime)\n"}})
	e.Setenv("NIMBUSCTL_ODATA_SESSION_TIME", "sessionbegin")
	runs(t, e, windowA, []foreignCase{
		{args: []string{"codes", "list", "-o", "csv"}, stdout: `code,primary,secondary,sessions,share
Resolved,3,0,3,0.4286
Upsell,0,3,3,0.4286
Call back,1,1,2,0.2857
Sale,2,1,2,0.2857
Escalated,1,0,1,0.1429
`},
		{args: []string{"codes", "mapping", "--jq", ".sessions"}, stdout: `{"candidates":["Interactions"],"how":"the only set with codes and a start time","set":"Interactions","time":"SessionBegin","timeHow":"profile setting odata_session_time"}` + "\n"},
	})
}

// Names from the feed never drive the terminal: the matrix of codes report, tab-separated
// when piped and CSV on a terminal, shows control characters escaped, as every table does;
// CSV to a pipe keeps the feed's exact text (and defuses formulas).
func TestForeignFeedTextNeverDrivesTheTerminal(t *testing.T) {
	t.Parallel()
	f := feedA()
	f.rows["ServiceDirectory"][0] = `{"Id":"` + svcHelp + `","DisplayName":"Help\u001b]0;pwned\u0007desk"}`
	f.rows["Interactions"][9] = feedARow(10, "2026-03-02T00:00:00Z", svcHelp, agAnna, ouCH, `["\u001b[2JEscalated"]`, `[]`, `["=HYPERLINK(\"x\")"]`)
	e := foreignEnv(t, f)
	args := append([]string{"codes", "report", "--by", "service"}, windowA...)
	e.Run(args...).Expect(t, 0, "service\tsessions\tResolved\tUpsell\tCall back\tSale\t\\x1b[2JEscalated\n"+
		"Help\\x1b]0;pwned\\x07desk\t4\t2\t2\t1\t0\t1\nSales Line\t3\t1\t1\t1\t2\t0\n", "")
	e.RunWith(clitest.RunOpts{TTY: true}, append(args, "-o", "csv")...).Expect(t, 0, "service,sessions,Resolved,Upsell,Call back,Sale,\\x1b[2JEscalated\n"+
		"Help\\x1b]0;pwned\\x07desk,4,2,2,1,0,1\nSales Line,3,1,1,1,2,0\n", "")
	e.Run(append(args, "-o", "csv")...).Expect(t, 0, "service,sessions,Resolved,Upsell,Call back,Sale,\x1b[2JEscalated\n"+
		"Help\x1b]0;pwned\adesk,4,2,2,1,0,1\nSales Line,3,1,1,1,2,0\n", "")
	e.Run(append([]string{"codes", "report", "--by", "tag", "-o", "csv"}, windowA...)...).Expect(t, 0, `tag,sessions,Resolved,Upsell,Call back,Sale,`+"\x1b[2JEscalated"+`
"'=HYPERLINK(""x"")",1,0,0,0,0,1
Billing,3,1,2,2,2,0
VIP,2,1,2,1,1,0
(none),2,1,0,0,0,0
`, "")
}

// A 503 on page 2 and a 429 with Retry-After on page 3: both pages are asked again, and
// the counts are whole.
func TestForeignFeedThrottledMidway(t *testing.T) {
	t.Parallel()
	f := feedA()
	var mu sync.Mutex
	failed := map[int]bool{}
	f.fault = func(set string, page int) (int, http.Header) {
		mu.Lock()
		defer mu.Unlock()
		if set != "Interactions" || failed[page] || page != 2 && page != 3 {
			return 0, nil
		}
		failed[page] = true
		if page == 2 {
			return http.StatusServiceUnavailable, nil
		}
		return http.StatusTooManyRequests, http.Header{"Retry-After": {"1"}}
	}
	e := foreignEnv(t, f)
	runs(t, e, windowA, []foreignCase{{args: []string{"codes", "list", "-o", "csv"}, stdout: `code,primary,secondary,sessions,share
Resolved,3,0,3,0.4286
Upsell,0,3,3,0.4286
Call back,1,1,2,0.2857
Sale,2,1,2,0.2857
Escalated,1,0,1,0.1429
`}})
	pages := map[string]int{}
	for _, r := range f.Requests() {
		pages[r]++
	}
	if pages["/Interactions?$skiptoken=2"] != 2 || pages["/Interactions?$skiptoken=4"] != 2 || pages["/Interactions?$skiptoken=6"] != 1 {
		t.Errorf("requests: %v", f.Requests())
	}
}

// Feed B on a server that applies $filter, comparing strings exactly as OData does: the
// ids and UPNs of a string-typed link differ in case between the fact and the dimension
// (svc-sales / SVC-SALES, ANNA@ / anna@), so the filter on them is left to the reader,
// which compares them as the labels do, whatever their case.
func TestForeignFeedFiltersStringIDsWhateverTheirCase(t *testing.T) {
	t.Parallel()
	f := feedB()
	f.honour = true
	e := foreignEnv(t, f)
	runs(t, e, windowB, []foreignCase{
		{args: []string{"sessions", "list", "--service", "Sales", "--jq", ".[].Id"}, stdout: "b3\nb4\nb6\nb8\n"},
		{args: []string{"sessions", "list", "--user", "Anna", "--jq", ".[].Id"}, stdout: "b1\nb3\nb6\n"},
		{args: []string{"sessions", "list", "--user", "anna@CONTOSO.test", "--service", "SVC-sales", "--jq", ".[].Id"}, stdout: "b3\nb6\n"},
	})
}
