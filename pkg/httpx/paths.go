package httpx

import (
	"net/url"
	"strings"
)

// ExpandPath fills a path template's {placeholders} left to right, each path-escaped once
// ("/v2/AddressBooks/{AddressBook}/contacts" with "a/b" gives ".../a%2Fb/contacts").
func ExpandPath(tmpl string, params ...string) string {
	var b strings.Builder
	i := 0
	for {
		open := strings.IndexByte(tmpl, '{')
		if open < 0 {
			b.WriteString(tmpl)
			return b.String()
		}
		end := strings.IndexByte(tmpl[open:], '}')
		if end < 0 {
			b.WriteString(tmpl)
			return b.String()
		}
		b.WriteString(tmpl[:open])
		if i < len(params) {
			b.WriteString(url.PathEscape(params[i]))
		}
		i++
		tmpl = tmpl[open+end+1:]
	}
}

// MatchPath reports whether a concrete path fits a template: same segments, case-insensitive,
// a {placeholder} matching any non-empty segment.
func MatchPath(tmpl, path string) bool {
	ts, ps := strings.Split(strings.Trim(tmpl, "/"), "/"), strings.Split(strings.Trim(path, "/"), "/")
	if len(ts) != len(ps) {
		return false
	}
	for i := range ts {
		if strings.HasPrefix(ts[i], "{") {
			if ps[i] == "" {
				return false
			}
			continue
		}
		if !strings.EqualFold(ts[i], ps[i]) {
			return false
		}
	}
	return true
}
