package odata

// The reporting feed's data set. Nothing is stored: session i is a pure function of i and
// the options, generated while a page is written, so 500,000 sessions cost no memory.
//
// The rule (tests compute expected counts from it, or through Session):
//
//   - N sessions (Options.Sessions, default 360) spread evenly over the Days (default 60)
//     that end at ODataWindow's end (midnight UTC of the emulator's day at Start): session i
//     starts at from + i*(Days*24h/N). With the defaults, one every 4 hours from 00:00.
//   - Service: i%3 → support@ (0), sales@ (1), vip@ (2).
//   - Primary codes by p = i%8 and the service:
//
//     p        0         1         2          3          4     5               6          7
//     support  Resolved  Resolved  Resolved   Call back  Sale  Sale, Resolved  Escalated  —
//     sales    Sale      Sale      Resolved   Call back  Sale  Sale, Resolved  Escalated  —
//     vip      Resolved  Resolved  Escalated  Call back  Sale  Sale, Resolved  Escalated  —
//
//     p = 7 is a caller who hung up in the queue: OutcomeId 2, no user, no codes at all.
//     Otherwise OutcomeId 1 and the user is Users[(i/3)%4].
//   - Secondary codes by i%5 (none when p = 7): 0 Upsell · 1 Complaint · 2 Call back ·
//     3 none · 4 Upsell, Newsletter.
//   - Tags by i%7: 0 Billing · 3 Billing, Urgent · otherwise none.
//   - Organization Unit by service: support@ → Support, sales@ and vip@ → Sales; both
//     units' parent is the tenant's root unit, Contoso (OrganizationUnits).
//   - User legs (the UserSessions set of ShapeTwoSessions, see shapes.go): a session with a
//     user has one leg by that user, starting when the queue ends, with the session's codes;
//     when i%6 == 1 another, earlier leg follows it in the feed: the next user of Users, who
//     declined (no codes). So the session's user is its latest leg's, not the last listed.
//   - ShapeFactDim names Complaint and Newsletter "Info, Pricing" (a code with a comma, in
//     a feed of ";"-joined codes): Session reports the names the feed sends.
//
// Over the default 360 sessions (120 per service) a code counts in this many sessions:
// Resolved 135, Upsell 126, Sale 120, Call back 99 (45 primary, 63 secondary), Complaint 63,
// Newsletter 63, Escalated 60; 45 sessions have no code.

import (
	"fmt"
	"strconv"
	"time"

	"github.com/nimbusctl/nimbusctl/pkg/emulator/core"
)

// The seeded codes.
const (
	CodeResolved   = "Resolved"
	CodeCallBack   = "Call back"
	CodeSale       = "Sale"
	CodeEscalated  = "Escalated"
	CodeUpsell     = "Upsell"
	CodeComplaint  = "Complaint"
	CodeNewsletter = "Newsletter"
)

// Defaults of Options.
const (
	DefaultSessions   = 360
	DefaultDays       = 60
	DefaultPageSize   = 1000
	DefaultSessionSet = "ServiceSessions"
	Namespace         = "Nimbus.Reporting"
	// OrganizationUnitID is the root Organization Unit of the seeded tenant.
	OrganizationUnitID = "0a1b2c3d-0000-4000-8000-00000000c0de"
	// CodeInfoPricing is the name ShapeFactDim gives Complaint and Newsletter.
	CodeInfoPricing = "Info, Pricing"
)

// OrgUnit is a row of the Organization Units dimension.
type OrgUnit struct {
	ID, Name, ParentID string
}

// OrganizationUnits are the tenant's root and its two units.
var OrganizationUnits = []OrgUnit{
	{OrganizationUnitID, core.TenantName, ""},
	{"0a1b2c3d-0000-4000-8000-00000000c0d1", "Support", OrganizationUnitID},
	{"0a1b2c3d-0000-4000-8000-00000000c0d2", "Sales", OrganizationUnitID},
}

// serviceUnit is the index in OrganizationUnits of each service's unit (rule's i%3).
var serviceUnit = [3]int{1, 2, 2}

// Member is a row of the Services or Users dimension.
type Member struct {
	ID   string
	Name string
	UPN  string
}

// Services are the Services dimension, in the order of the rule's i%3.
var Services = []Member{
	{core.ServiceSupportID, "Contoso Support", core.ServiceSupport},
	{core.ServiceSalesID, "Contoso Sales", core.ServiceSales},
	{core.ServiceVIPID, "Contoso VIP Line", core.ServiceVIP},
}

// Users are the Users dimension, in the order of the rule's (i/3)%4.
var Users = []Member{
	{"d1e2f3a4-0001-4b5c-8d6e-7f8091a2b301", "Admin Contoso", core.DefaultUser},
	{"d1e2f3a4-0002-4b5c-8d6e-7f8091a2b302", "Agent Contoso", core.AgentUser},
	{"d1e2f3a4-0003-4b5c-8d6e-7f8091a2b303", "Anna Meier", "anna.meier@contoso.com"},
	{"d1e2f3a4-0004-4b5c-8d6e-7f8091a2b304", "Luca Rossi", "luca.rossi@contoso.com"},
}

// Outcomes are the static Outcomes dimension.
var Outcomes = []struct {
	ID   int
	Name string
}{{1, "User Accepted"}, {2, "Caller Hung Up"}, {3, "User Internal Transfer Successful"}, {4, "User External Transfer Successful"}}

var (
	odataPrimary = [3][8][]string{
		{{CodeResolved}, {CodeResolved}, {CodeResolved}, {CodeCallBack}, {CodeSale}, {CodeSale, CodeResolved}, {CodeEscalated}, nil},
		{{CodeSale}, {CodeSale}, {CodeResolved}, {CodeCallBack}, {CodeSale}, {CodeSale, CodeResolved}, {CodeEscalated}, nil},
		{{CodeResolved}, {CodeResolved}, {CodeEscalated}, {CodeCallBack}, {CodeSale}, {CodeSale, CodeResolved}, {CodeEscalated}, nil},
	}
	odataSecondary = [5][]string{{CodeUpsell}, {CodeComplaint}, {CodeCallBack}, nil, {CodeUpsell, CodeNewsletter}}
	odataTags      = [7][]string{{"Billing"}, nil, nil, {"Billing", "Urgent"}, nil, nil, nil}
)

// Session is one generated service session, as the rule makes it.
type Session struct {
	Index              int
	ID                 string
	StartedAt          time.Time
	ServiceID          string
	ServiceUPN         string
	UserID             string // "" when the caller hung up
	UserUPN            string
	OrganizationUnitID string
	OutcomeID          int
	CallerID           int
	QueueSeconds       int
	ConnectedSeconds   int
	PrimaryCodes       []string
	SecondaryCodes     []string
	Tags               []string
}

// sessionRow is the allocation-free form the server writes from: a session, or a user leg
// of session i (leg >= 0, its index in the UserSessions set).
type sessionRow struct {
	i         int
	leg       int
	started   time.Time
	service   int
	user      int // -1: none
	outcome   int
	caller    int
	queue     int
	connected int
	primary   []string
	secondary []string
	tags      []string
}

// odataData is the generated feed of one emulator.
type odataData struct {
	seed    uint64
	n       int
	from    time.Time
	to      time.Time
	step    time.Duration
	callers int
	// The code tables of the rule, with the shape's names.
	primary   [3][8][]string
	secondary [5][]string
}

func newODataData(seed int64, now time.Time, o Options) *odataData {
	to := now.UTC().Truncate(24 * time.Hour)
	from := to.AddDate(0, 0, -o.Days)
	d := &odataData{seed: uint64(seed), n: o.Sessions, from: from, to: to, callers: 50, primary: odataPrimary, secondary: odataSecondary}
	if o.Sessions > 0 {
		d.step = to.Sub(from) / time.Duration(o.Sessions)
	}
	if o.Shape == ShapeFactDim {
		rename := map[string]string{CodeComplaint: CodeInfoPricing, CodeNewsletter: CodeInfoPricing}
		for k, codes := range d.secondary {
			var out []string
			for _, c := range codes {
				if r, ok := rename[c]; ok {
					c = r
				}
				out = append(out, c)
			}
			d.secondary[k] = out
		}
	}
	return d
}

func (d *odataData) row(i int) sessionRow {
	p := i % 8
	r := sessionRow{
		i:       i,
		leg:     -1,
		started: d.from.Add(time.Duration(i) * d.step),
		service: i % 3,
		user:    (i / 3) % 4,
		outcome: 1,
		caller:  1 + i%d.callers,
		queue:   5 + (i*37)%300,
		primary: d.primary[i%3][p],
		tags:    odataTags[i%7],
	}
	if p == 7 {
		r.user, r.outcome = -1, 2
	} else {
		r.connected = 60 + (i*53)%900
		r.secondary = d.secondary[i%5]
	}
	return r
}

// legs is the number of rows of the UserSessions set: two slots per session, some empty.
func (d *odataData) legs() int { return 2 * d.n }

// leg is row k of the UserSessions set: slot k%2 of session k/2 (0: the leg of the
// session's user; 1: an earlier, declined leg when i%6 == 1). ok is false for an empty slot.
func (d *odataData) leg(k int) (r sessionRow, ok bool) {
	r = d.row(k / 2)
	if r.user < 0 || k%2 == 1 && r.i%6 != 1 {
		return r, false
	}
	r.leg = k
	r.started = r.started.Add(time.Duration(r.queue) * time.Second)
	if k%2 == 1 {
		r.user = (r.user + 1) % len(Users)
		r.started = r.started.Add(-time.Second)
		r.primary, r.secondary = nil, nil
	}
	return r, true
}

// firstAtOrAfter is the index of the first session starting at or after t (n when none).
func (d *odataData) firstAtOrAfter(t time.Time) int {
	if d.step <= 0 || !t.After(d.from) {
		return 0
	}
	i := int((t.Sub(d.from) + d.step - 1) / d.step)
	return min(max(i, 0), d.n)
}

// Session returns session i of the feed (0 <= i < SessionCount()).
func (s *Service) Session(i int) Session {
	d := s.data
	r := d.row(i)
	out := Session{
		Index: i, ID: d.guid(i, 1), StartedAt: r.started,
		ServiceID: Services[r.service].ID, ServiceUPN: Services[r.service].UPN,
		OutcomeID: r.outcome, CallerID: r.caller, QueueSeconds: r.queue, ConnectedSeconds: r.connected,
		PrimaryCodes:   append([]string{}, r.primary...),
		SecondaryCodes: append([]string{}, r.secondary...),
		Tags:           append([]string{}, r.tags...),
	}
	if r.user >= 0 {
		out.UserID, out.UserUPN = Users[r.user].ID, Users[r.user].UPN
	}
	out.OrganizationUnitID = OrganizationUnits[serviceUnit[r.service]].ID
	return out
}

// SessionCount is the number of sessions in the feed.
func (s *Service) SessionCount() int { return s.data.n }

// Window is the span of the sessions: [from, to), whole UTC days.
func (s *Service) Window() (from, to time.Time) { return s.data.from, s.data.to }

// guid makes a UUID-shaped id from the seed, the index and a salt.
func (d *odataData) guid(i int, salt uint64) string {
	return string(appendGUID(nil, d.seed, uint64(i), salt))
}

func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
}

func appendGUID(b []byte, seed, i, salt uint64) []byte {
	hi := splitmix(seed ^ splitmix(i^salt<<56))
	lo := splitmix(hi ^ salt)
	hi = hi&^0xf000 | 0x4000
	lo = lo&^(0xc<<60) | 0x8<<60
	const hex = "0123456789abcdef"
	put := func(v uint64, digits int) {
		for k := digits - 1; k >= 0; k-- {
			b = append(b, hex[v>>(uint(k)*4)&0xf])
		}
	}
	put(hi>>32, 8)
	b = append(b, '-')
	put(hi>>16&0xffff, 4)
	b = append(b, '-')
	put(hi&0xffff, 4)
	b = append(b, '-')
	put(lo>>48, 4)
	b = append(b, '-')
	put(lo&0xffffffffffff, 12)
	return b
}

// appendDuration writes an Edm.Duration: PT1M30S.
func appendDuration(b []byte, secs int) []byte {
	b = append(b, "PT"...)
	if secs == 0 {
		return append(b, "0S"...)
	}
	if h := secs / 3600; h > 0 {
		b = strconv.AppendInt(b, int64(h), 10)
		b = append(b, 'H')
	}
	if m := secs / 60 % 60; m > 0 {
		b = strconv.AppendInt(b, int64(m), 10)
		b = append(b, 'M')
	}
	if s := secs % 60; s > 0 {
		b = strconv.AppendInt(b, int64(s), 10)
		b = append(b, 'S')
	}
	return b
}

// callerNumber is the telephone number of caller id n.
func callerNumber(n int) string { return fmt.Sprintf("+4179555%04d", n) }
