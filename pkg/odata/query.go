package odata

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Query is one read of an entity set. Paging is the server's: the reader follows
// @odata.nextLink until there is none.
type Query struct {
	Set    string   // entity set, as $metadata spells it
	Filter string   // $filter expression (build it with the helpers below)
	Select []string // $select
	Expand []string // $expand (navigation properties)
	Top    int      // $top; 0 leaves it out
}

// Path is the request path relative to the service root, query included. Values are
// percent-encoded the way OData clients write them: $, commas, quotes, colons and
// parentheses stay literal, spaces become %20.
func (q Query) Path() string {
	var b strings.Builder
	b.WriteString(escape(q.Set, false))
	sep := byte('?')
	add := func(k, v string) {
		b.WriteByte(sep)
		sep = '&'
		b.WriteString(k)
		b.WriteByte('=')
		b.WriteString(escape(v, true))
	}
	if q.Filter != "" {
		add("$filter", q.Filter)
	}
	if len(q.Select) > 0 {
		add("$select", strings.Join(q.Select, ","))
	}
	if len(q.Expand) > 0 {
		add("$expand", strings.Join(q.Expand, ","))
	}
	if q.Top > 0 {
		add("$top", strconv.Itoa(q.Top))
	}
	return b.String()
}

// escape percent-encodes s for a path segment (query false) or a query value (query true).
func escape(s string, query bool) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9',
			c == '-', c == '.', c == '_', c == '~', c == '$', c == '\'', c == '(', c == ')',
			c == '*', c == ',', c == ':', c == '@', c == '!':
			b.WriteByte(c)
		case c == '/' && query:
			b.WriteByte(c)
		default:
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		}
	}
	return b.String()
}

// And joins the non-empty expressions with "and", parenthesising any that contain "or".
func And(exprs ...string) string {
	var parts []string
	for _, e := range exprs {
		if e == "" {
			continue
		}
		if strings.Contains(e, " or ") && !(strings.HasPrefix(e, "(") && strings.HasSuffix(e, ")")) {
			e = "(" + e + ")"
		}
		parts = append(parts, e)
	}
	return strings.Join(parts, " and ")
}

// Or joins expressions with "or", in parentheses when there is more than one.
func Or(exprs ...string) string {
	switch len(exprs) {
	case 0:
		return ""
	case 1:
		return exprs[0]
	}
	return "(" + strings.Join(exprs, " or ") + ")"
}

// TimeWindow is "prop ge from and prop lt to"; a zero bound is left out.
func TimeWindow(prop string, from, to time.Time) string {
	var parts []string
	if !from.IsZero() {
		parts = append(parts, prop+" ge "+DateTimeOffset(from))
	}
	if !to.IsZero() {
		parts = append(parts, prop+" lt "+DateTimeOffset(to))
	}
	return strings.Join(parts, " and ")
}

// DateTimeOffset is an Edm.DateTimeOffset literal: RFC 3339 in UTC, no quotes (OData v4).
func DateTimeOffset(t time.Time) string {
	t = t.UTC()
	if t.Nanosecond() == 0 {
		return t.Format("2006-01-02T15:04:05Z")
	}
	return t.Format("2006-01-02T15:04:05.0000000Z")
}

// Literal writes value as an OData v4 literal of the Edm type: bare for Guid, numbers,
// booleans and dates; single-quoted (quotes doubled) for strings and anything unknown.
func Literal(edmType, value string) (string, error) {
	switch edmType {
	case "Edm.Guid":
		if !isGUID(value) {
			return "", fmt.Errorf("%q is not a GUID", value)
		}
		return strings.ToLower(value), nil
	case "Edm.Int16", "Edm.Int32", "Edm.Int64", "Edm.Byte", "Edm.SByte":
		if _, err := strconv.ParseInt(value, 10, 64); err != nil {
			return "", fmt.Errorf("%q is not a whole number", value)
		}
		return value, nil
	case "Edm.Boolean":
		if value != "true" && value != "false" {
			return "", fmt.Errorf("%q is not true or false", value)
		}
		return value, nil
	}
	return "'" + strings.ReplaceAll(value, "'", "''") + "'", nil
}

func isGUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
				return false
			}
		}
	}
	return true
}
