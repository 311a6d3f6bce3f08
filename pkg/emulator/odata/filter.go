package odata

// $filter for the session set: comparisons (eq ne gt ge lt le) of a property with a literal,
// joined by and / or, with parentheses and not. Literals are typed as in OData v4: a
// DateTimeOffset or a Guid is written bare (StartedAt ge 2026-01-01T00:00:00Z, ServiceId eq
// 5a0e8b1c-...), strings in single quotes, numbers bare, null. Comparing a property with a
// literal of another type is a 400, as on a real OData service. Filterable properties:
// StartedAt, ServiceId, UserId, OutcomeId, CallerId.

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

type filterNode interface {
	eval(d *odataData, r *sessionRow) bool
}

type andNode struct{ l, r filterNode }
type orNode struct{ l, r filterNode }
type notNode struct{ x filterNode }

func (n andNode) eval(d *odataData, r *sessionRow) bool { return n.l.eval(d, r) && n.r.eval(d, r) }
func (n orNode) eval(d *odataData, r *sessionRow) bool  { return n.l.eval(d, r) || n.r.eval(d, r) }
func (n notNode) eval(d *odataData, r *sessionRow) bool { return !n.x.eval(d, r) }

// cmpNode compares one property with a literal.
type cmpNode struct {
	prop string
	op   string
	t    time.Time // StartedAt
	s    string    // guids (lower case)
	n    int64     // numbers
	null bool
}

func (c cmpNode) eval(d *odataData, r *sessionRow) bool {
	var cmp int
	switch c.prop {
	case "StartedAt":
		cmp = r.started.Compare(c.t)
	case "ServiceId", "UserId":
		v := ""
		if c.prop == "ServiceId" {
			v = Services[r.service].ID
		} else if r.user >= 0 {
			v = Users[r.user].ID
		}
		if c.null || v == "" {
			eq := c.null == (v == "")
			return (c.op == "eq") == eq
		}
		if v == c.s {
			cmp = 0
		} else {
			cmp = strings.Compare(v, c.s)
		}
	case "OutcomeId":
		cmp = compareInt(int64(r.outcome), c.n)
	case "CallerId":
		cmp = compareInt(int64(r.caller), c.n)
	}
	switch c.op {
	case "eq":
		return cmp == 0
	case "ne":
		return cmp != 0
	case "gt":
		return cmp > 0
	case "ge":
		return cmp >= 0
	case "lt":
		return cmp < 0
	default: // le
		return cmp <= 0
	}
}

func compareInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// startedBounds narrows the scan: the index range [lo, hi) outside which the top-level
// and-chain of StartedAt comparisons cannot hold. The filter is still evaluated per row.
func startedBounds(n filterNode, d *odataData) (lo, hi int) {
	lo, hi = 0, d.n
	var walk func(n filterNode)
	walk = func(n filterNode) {
		switch x := n.(type) {
		case andNode:
			walk(x.l)
			walk(x.r)
		case cmpNode:
			if x.prop != "StartedAt" {
				return
			}
			switch x.op {
			case "gt", "ge", "eq":
				lo = max(lo, d.firstAtOrAfter(x.t)-1)
			}
			switch x.op {
			case "lt", "le", "eq":
				hi = min(hi, d.firstAtOrAfter(x.t)+1)
			}
		}
	}
	if n != nil {
		walk(n)
	}
	return max(lo, 0), max(hi, 0)
}

type filterParser struct {
	toks []string
	pos  int
}

// parseFilter parses a $filter of the session set.
func parseFilter(s string) (filterNode, error) {
	toks, err := lexFilter(s)
	if err != nil {
		return nil, err
	}
	p := &filterParser{toks: toks}
	n, err := p.or()
	if err != nil {
		return nil, err
	}
	if p.pos < len(p.toks) {
		return nil, fmt.Errorf("syntax error at position %d: unexpected %q", p.pos, p.toks[p.pos])
	}
	return n, nil
}

func (p *filterParser) peek() string {
	if p.pos < len(p.toks) {
		return p.toks[p.pos]
	}
	return ""
}

func (p *filterParser) next() string {
	t := p.peek()
	p.pos++
	return t
}

func (p *filterParser) or() (filterNode, error) {
	l, err := p.and()
	if err != nil {
		return nil, err
	}
	for p.peek() == "or" {
		p.next()
		r, err := p.and()
		if err != nil {
			return nil, err
		}
		l = orNode{l, r}
	}
	return l, nil
}

func (p *filterParser) and() (filterNode, error) {
	l, err := p.unary()
	if err != nil {
		return nil, err
	}
	for p.peek() == "and" {
		p.next()
		r, err := p.unary()
		if err != nil {
			return nil, err
		}
		l = andNode{l, r}
	}
	return l, nil
}

func (p *filterParser) unary() (filterNode, error) {
	switch p.peek() {
	case "(":
		p.next()
		n, err := p.or()
		if err != nil {
			return nil, err
		}
		if p.next() != ")" {
			return nil, fmt.Errorf("syntax error: ')' expected")
		}
		return n, nil
	case "not":
		p.next()
		x, err := p.unary()
		if err != nil {
			return nil, err
		}
		return notNode{x}, nil
	}
	return p.comparison()
}

var filterTypes = map[string]string{
	"StartedAt": "Edm.DateTimeOffset",
	"ServiceId": "Edm.Guid",
	"UserId":    "Edm.Guid",
	"OutcomeId": "Edm.Int32",
	"CallerId":  "Edm.Int32",
}

func (p *filterParser) comparison() (filterNode, error) {
	prop := p.next()
	if prop == "" {
		return nil, fmt.Errorf("syntax error: expression expected at the end")
	}
	typ, ok := filterTypes[prop]
	if !ok {
		if isIdent(prop) {
			return nil, fmt.Errorf("the emulator cannot filter on %q (it filters on StartedAt, ServiceId, UserId, OutcomeId, CallerId)", prop)
		}
		return nil, fmt.Errorf("syntax error: property expected, got %q", prop)
	}
	op := p.next()
	switch op {
	case "eq", "ne", "gt", "ge", "lt", "le":
	default:
		return nil, fmt.Errorf("syntax error: operator expected after %s, got %q", prop, op)
	}
	lit := p.next()
	if lit == "" {
		return nil, fmt.Errorf("syntax error: literal expected after %s %s", prop, op)
	}
	c := cmpNode{prop: prop, op: op}
	litType := literalType(lit)
	if lit == "null" {
		if typ != "Edm.Guid" || (op != "eq" && op != "ne") {
			return nil, fmt.Errorf("%s cannot be compared with null using %s", prop, op)
		}
		c.null = true
		return c, nil
	}
	if litType != typ && !(typ == "Edm.Int32" && litType == "Edm.Int64") {
		return nil, fmt.Errorf("a binary operator with incompatible types was detected: found operand types '%s' and '%s' for operator kind '%s'", typ, litType, op)
	}
	switch typ {
	case "Edm.DateTimeOffset":
		t, err := time.Parse(time.RFC3339Nano, lit)
		if err != nil {
			return nil, fmt.Errorf("invalid DateTimeOffset literal %q", lit)
		}
		c.t = t
	case "Edm.Guid":
		if op != "eq" && op != "ne" {
			return nil, fmt.Errorf("%s can only be compared with eq or ne", prop)
		}
		c.s = strings.ToLower(lit)
	default:
		n, err := strconv.ParseInt(lit, 10, 32)
		if err != nil {
			return nil, fmt.Errorf("invalid Int32 literal %q", lit)
		}
		c.n = n
	}
	return c, nil
}

func isIdent(s string) bool {
	for i, r := range s {
		if !(r == '_' || 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || i > 0 && '0' <= r && r <= '9') {
			return false
		}
	}
	return s != ""
}

// literalType names the Edm type a literal token has.
func literalType(lit string) string {
	switch {
	case strings.HasPrefix(lit, "'"):
		return "Edm.String"
	case lit == "true" || lit == "false":
		return "Edm.Boolean"
	case len(lit) == 36 && strings.Count(lit, "-") == 4 && !strings.ContainsAny(lit, ":T"):
		return "Edm.Guid"
	case len(lit) >= 20 && strings.Contains(lit, "T") && strings.Contains(lit, ":"):
		return "Edm.DateTimeOffset"
	case len(lit) == 10 && strings.Count(lit, "-") == 2:
		return "Edm.Date"
	}
	if _, err := strconv.ParseInt(lit, 10, 64); err == nil {
		return "Edm.Int64"
	}
	return "Edm.Unknown"
}

// lexFilter splits a $filter into tokens: words, literals, quoted strings and parentheses.
func lexFilter(s string) ([]string, error) {
	var toks []string
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t':
			i++
		case c == '(' || c == ')':
			toks = append(toks, string(c))
			i++
		case c == '\'':
			j := i + 1
			for ; j < len(s); j++ {
				if s[j] == '\'' {
					if j+1 < len(s) && s[j+1] == '\'' {
						j++
						continue
					}
					break
				}
			}
			if j >= len(s) {
				return nil, fmt.Errorf("syntax error: unterminated string literal at position %d", i)
			}
			toks = append(toks, s[i:j+1])
			i = j + 1
		default:
			j := i
			for j < len(s) && s[j] != ' ' && s[j] != '\t' && s[j] != '(' && s[j] != ')' {
				j++
			}
			toks = append(toks, s[i:j])
			i = j
		}
	}
	if len(toks) == 0 {
		return nil, fmt.Errorf("the $filter is empty")
	}
	return toks, nil
}
