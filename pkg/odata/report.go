package odata

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"time"
)

// Aggregations behind `codes list` and `codes report`. They see one session at a time and
// keep only counters, so their memory depends on the number of codes and groups, never on
// the number of sessions.

// CodeCount is one code in `codes list`: in how many sessions it was a primary code, a
// secondary code, either, and that last number's share of all sessions in the window.
type CodeCount struct {
	Code      string  `json:"code"`
	Primary   int     `json:"primary"`
	Secondary int     `json:"secondary"`
	Sessions  int     `json:"sessions"`
	Share     float64 `json:"share"`
}

// Tally counts codes over sessions.
type Tally struct {
	Sessions int                   // sessions seen
	Coded    int                   // sessions with at least one code
	codes    map[string]*CodeCount // by codeKey
	spelling spellings
}

// NewTally starts an empty tally.
func NewTally() *Tally { return &Tally{codes: map[string]*CodeCount{}, spelling: spellings{}} }

// Add counts one session. A code listed twice in a session counts once, in any case.
func (t *Tally) Add(s *Session) {
	t.Sessions++
	seen := sessionCodes(s, KindAll)
	if len(seen) > 0 {
		t.Coded++
	}
	for _, c := range seen {
		k := codeKey(c)
		cc := t.codes[k]
		if cc == nil {
			cc = &CodeCount{}
			t.codes[k] = cc
		}
		t.spelling.add(k, c)
		cc.Sessions++
		if containsFold(s.PrimaryCodes, c) {
			cc.Primary++
		}
		if containsFold(s.SecondaryCodes, c) {
			cc.Secondary++
		}
	}
}

// Codes lists the codes seen, most used first (then by name), with their share of all
// sessions rounded to 4 decimals.
func (t *Tally) Codes() []CodeCount {
	out := make([]CodeCount, 0, len(t.codes))
	for k, c := range t.codes {
		cc := *c
		cc.Code = t.spelling.label(k)
		if t.Sessions > 0 {
			cc.Share = math.Round(float64(cc.Sessions)/float64(t.Sessions)*1e4) / 1e4
		}
		out = append(out, cc)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Sessions != out[j].Sessions {
			return out[i].Sessions > out[j].Sessions
		}
		return out[i].Code < out[j].Code
	})
	return out
}

// codeKey is a code's identity. Codes (and tags) that differ only in case are one: --code
// matches them so (Session.HasCode), and the numbers must be the sessions it lists.
func codeKey(c string) string { return strings.ToLower(c) }

// spellings counts, per code, the sessions that wrote it each way, so a code is shown as
// most of them write it (ties: the first in byte order, so the feed's order does not matter).
type spellings map[string]map[string]int

func (s spellings) add(key, spelling string) {
	m := s[key]
	if m == nil {
		m = map[string]int{}
		s[key] = m
	}
	m[spelling]++
}

func (s spellings) label(key string) string {
	best, n := "", -1
	for sp, c := range s[key] {
		if c > n || c == n && sp < best {
			best, n = sp, c
		}
	}
	return best
}

// Kind says which codes a report counts.
type Kind string

const (
	KindAll       Kind = "all" // primary or secondary
	KindPrimary   Kind = "primary"
	KindSecondary Kind = "secondary"
)

// Kinds lists the Kind values for flags.
var Kinds = []string{string(KindAll), string(KindPrimary), string(KindSecondary)}

// sessionCodes is the session's distinct codes of the kind, in first-seen order.
func sessionCodes(s *Session, k Kind) []string {
	var lists [][]string
	switch k {
	case KindPrimary:
		lists = [][]string{s.PrimaryCodes}
	case KindSecondary:
		lists = [][]string{s.SecondaryCodes}
	default:
		lists = [][]string{s.PrimaryCodes, s.SecondaryCodes}
	}
	return sessionCodesOf(lists)
}

// sessionCodesOf is the distinct codes of the lists (whatever their case), in first-seen
// order and spelling.
func sessionCodesOf(lists [][]string) []string {
	var out []string
	for _, l := range lists {
		for _, c := range l {
			if !containsFold(out, c) {
				out = append(out, c)
			}
		}
	}
	return out
}

// Matrix is `codes report`: one row per group, one column per code, cells are the number of
// sessions in the group that carry the code.
type Matrix struct {
	By       string      `json:"by"`
	Kind     Kind        `json:"kind"`
	From     time.Time   `json:"from"` // the window [From, To), set by the caller
	To       time.Time   `json:"to"`
	Codes    []string    `json:"codes"` // the columns: most used first, then by name
	Sessions int         `json:"sessions"`
	Rows     []MatrixRow `json:"rows"`
}

// MatrixRow is one group. Codes holds every column, zeros included. Parent is the group's
// parent (organization units, where the feed has it).
type MatrixRow struct {
	Group    string         `json:"group"`
	Parent   string         `json:"parent,omitempty"`
	Sessions int            `json:"sessions"`
	Codes    map[string]int `json:"codes"`
}

// Max is the largest cell.
func (m Matrix) Max() int {
	n := 0
	for _, r := range m.Rows {
		for _, v := range r.Codes {
			n = max(n, v)
		}
	}
	return n
}

// MatrixBuilder fills a Matrix from sessions.
type MatrixBuilder struct {
	by       string
	kind     Kind
	keys     func(*Session) []string
	fold     bool // groups that differ only in case are one (tags)
	parent   func(group string) string
	rows     map[string]*MatrixRow // by group (its codeKey when fold); Codes by codeKey
	totals   map[string]int        // by codeKey
	codes    spellings
	groups   spellings
	sessions int
}

// NewMatrix groups sessions by key (see the Group* functions).
func NewMatrix(by string, kind Kind, key func(*Session) string) *MatrixBuilder {
	return newMatrix(by, kind, func(s *Session) []string { return []string{key(s)} })
}

// NewMatrixMulti groups sessions that may belong to several groups (tags): a session counts
// once in each of its groups, and once in the matrix's total. Groups that differ only in
// case are one, shown in their most used spelling, as codes are.
func NewMatrixMulti(by string, kind Kind, keys func(*Session) []string) *MatrixBuilder {
	b := newMatrix(by, kind, keys)
	b.fold = true
	return b
}

func newMatrix(by string, kind Kind, keys func(*Session) []string) *MatrixBuilder {
	return &MatrixBuilder{by: by, kind: kind, keys: keys, rows: map[string]*MatrixRow{}, totals: map[string]int{}, codes: spellings{}, groups: spellings{}}
}

// WithParent labels each group's parent (organization units).
func (b *MatrixBuilder) WithParent(parent func(group string) string) *MatrixBuilder {
	b.parent = parent
	return b
}

// Fill makes sure the groups exist even without sessions (every day of the window).
func (b *MatrixBuilder) Fill(groups []string) {
	for _, g := range groups {
		b.row(g)
	}
}

func (b *MatrixBuilder) row(g string) *MatrixRow {
	k := g
	if b.fold {
		k = codeKey(g)
	}
	r := b.rows[k]
	if r == nil {
		r = &MatrixRow{Group: g, Codes: map[string]int{}}
		if b.parent != nil {
			r.Parent = b.parent(g)
		}
		b.rows[k] = r
	}
	return r
}

// Add counts one session.
func (b *MatrixBuilder) Add(s *Session) {
	b.sessions++
	codes := sessionCodes(s, b.kind)
	for _, c := range codes {
		b.totals[codeKey(c)]++
		b.codes.add(codeKey(c), c)
	}
	for _, g := range b.keys(s) {
		r := b.row(g)
		if b.fold {
			b.groups.add(codeKey(g), g)
		}
		r.Sessions++
		for _, c := range codes {
			r.Codes[codeKey(c)]++
		}
	}
}

// Matrix returns the result. Rows are sorted by group: chronologically for days and weeks,
// alphabetically otherwise, with the placeholder groups ("(none)") last.
func (b *MatrixBuilder) Matrix() Matrix {
	m := Matrix{By: b.by, Kind: b.kind, Sessions: b.sessions, Codes: []string{}, Rows: []MatrixRow{}}
	var keys []string
	for k := range b.totals {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		ti, tj := b.totals[keys[i]], b.totals[keys[j]]
		if ti != tj {
			return ti > tj
		}
		return b.codes.label(keys[i]) < b.codes.label(keys[j])
	})
	for _, k := range keys {
		m.Codes = append(m.Codes, b.codes.label(k))
	}
	for k, r := range b.rows {
		row := *r
		if b.fold {
			row.Group = b.groups.label(k)
		}
		row.Codes = make(map[string]int, len(m.Codes))
		for i, c := range keys {
			row.Codes[m.Codes[i]] = r.Codes[c]
		}
		m.Rows = append(m.Rows, row)
	}
	sort.Slice(m.Rows, func(i, j int) bool {
		gi, gj := m.Rows[i].Group, m.Rows[j].Group
		pi, pj := strings.HasPrefix(gi, "("), strings.HasPrefix(gj, "(")
		if pi != pj {
			return pj
		}
		return gi < gj
	})
	return m
}

// NoGroup labels sessions without a service or user.
const NoGroup = "(none)"

// GroupByDay keys sessions by their calendar day in loc: 2026-03-01.
func GroupByDay(loc *time.Location) func(*Session) string {
	return func(s *Session) string { return s.StartedAt.In(loc).Format(time.DateOnly) }
}

// GroupByWeek keys sessions by their ISO week in loc: 2026-W09.
func GroupByWeek(loc *time.Location) func(*Session) string {
	return func(s *Session) string { return isoWeek(s.StartedAt.In(loc)) }
}

func isoWeek(t time.Time) string {
	y, w := t.ISOWeek()
	return fmt.Sprintf("%04d-W%02d", y, w)
}

// Days lists the days of [from, to) in loc.
func Days(from, to time.Time, loc *time.Location) []string {
	return periods(from, to, loc, func(t time.Time) string { return t.Format(time.DateOnly) })
}

// Weeks lists the ISO weeks of [from, to) in loc.
func Weeks(from, to time.Time, loc *time.Location) []string {
	return periods(from, to, loc, isoWeek)
}

func periods(from, to time.Time, loc *time.Location, key func(time.Time) string) []string {
	if from.IsZero() || to.IsZero() || !from.Before(to) {
		return nil
	}
	last := key(to.Add(-time.Nanosecond).In(loc))
	var out []string
	f := from.In(loc)
	for d := time.Date(f.Year(), f.Month(), f.Day(), 12, 0, 0, 0, loc); ; d = d.AddDate(0, 0, 1) {
		k := key(d)
		if len(out) == 0 || out[len(out)-1] != k {
			out = append(out, k)
		}
		if k == last || len(out) > 100000 {
			return out
		}
	}
}

// GroupByMember keys sessions by a dimension member's label (the key itself when unknown,
// NoGroup when the session has none); key picks the session's member id or UPN.
func GroupByMember(labels Labeler, key func(*Session) string) func(*Session) string {
	return func(s *Session) string {
		v := key(s)
		if v == "" {
			return NoGroup
		}
		return labels.Label(v)
	}
}

// GroupByTag keys sessions by each of their tags (NoGroup without one).
func GroupByTag(s *Session) []string {
	tags := sessionCodesOf([][]string{s.Tags})
	if len(tags) == 0 {
		return []string{NoGroup}
	}
	return tags
}
