package httpx

import (
	"fmt"
	"net/url"
	"strings"
)

// PathError is a request the pipeline refuses to build because its path would not name what
// the caller meant: an id that is empty or only dots, or a path that climbs out of the
// service's base path. Nothing was sent. The CLI maps it to exit 3 (invalid input).
type PathError struct {
	Op  string
	Msg string
}

func (e *PathError) Error() string {
	if e.Op == "" {
		return e.Msg
	}
	return e.Op + ": " + e.Msg
}

// ExpandPath fills a path template's {placeholders} left to right, each path-escaped once
// ("/v2/AddressBooks/{AddressBook}/contacts" with "a/b" gives ".../a%2Fb/contacts").
//
// A value that is empty or only dots is refused: escaping leaves dots alone, and URL
// resolution turns "/v1/tasks/.." into "/v1/" — another resource, or another verb's target.
// So is one with a part of only dots between slashes or backslashes ("a/..", "..\"): it is
// escaped, but a server that takes \ for / (IIS does) or decodes %2F resolves it all the same.
func ExpandPath(tmpl string, params ...string) (string, error) {
	var b strings.Builder
	i := 0
	for {
		open := strings.IndexByte(tmpl, '{')
		if open < 0 {
			b.WriteString(tmpl)
			return b.String(), nil
		}
		end := strings.IndexByte(tmpl[open:], '}')
		if end < 0 {
			b.WriteString(tmpl)
			return b.String(), nil
		}
		name := tmpl[open+1 : open+end]
		b.WriteString(tmpl[:open])
		v := ""
		if i < len(params) {
			v = params[i]
		}
		if strings.Trim(v, ".") == "" {
			return "", &PathError{Msg: fmt.Sprintf("invalid %s %q: an id cannot be empty or only dots", name, v)}
		}
		if hidesDotSegment(v) {
			return "", &PathError{Msg: fmt.Sprintf("invalid %s %q: an id cannot have a part of only dots between slashes or backslashes", name, v)}
		}
		b.WriteString(url.PathEscape(v))
		i++
		tmpl = tmpl[open+end+1:]
	}
}

// hidesDotSegment reports whether a decoded segment holds a part of only dots once \ and /
// count as separators, as they do for a server that takes \ for / or decodes %2F.
func hidesDotSegment(dec string) bool {
	if !strings.ContainsAny(dec, `/\`) {
		return false
	}
	for _, part := range strings.FieldsFunc(dec, func(r rune) bool { return r == '/' || r == '\\' }) {
		if strings.Trim(part, ".") == "" {
			return true
		}
	}
	return false
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

// joinUnder resolves an escaped relative path (and its query, if any) below base's path: "." segments are
// dropped and ".." removes the segment before it, as URL resolution does, but a ".." that
// would climb above the base path is refused instead of silently leaving the service. Dots
// written as %2E count as dots (RFC 3986 §2.3: they are the same URL). A trailing slash is kept.
func joinUnder(base *url.URL, rel string) (*url.URL, error) {
	if strings.Contains(rel, "#") {
		// Parsed, "/..#x" would be a request for the base's parent (the fragment is cut off).
		return nil, &PathError{Msg: fmt.Sprintf("the path %q has a # (a fragment, never sent): write it as %%23", rel)}
	}
	rel, query, hasQuery := strings.Cut(rel, "?")
	var kept []string
	segs := strings.Split(strings.TrimLeft(rel, "/"), "/")
	for i, seg := range segs {
		dec, err := url.PathUnescape(seg)
		if err != nil {
			return nil, fmt.Errorf("bad path %q: %w", rel, err)
		}
		last := i == len(segs)-1
		if hidesDotSegment(dec) {
			return nil, &PathError{Msg: fmt.Sprintf("the path %q has a part of only dots between backslashes or encoded slashes, which a server may resolve out of the base path %s: write it with plain slashes", rel, basePath(base))}
		}
		switch dec {
		case ".":
			if last {
				kept = append(kept, "")
			}
		case "..":
			if len(kept) == 0 {
				return nil, &PathError{Msg: fmt.Sprintf("the path %q climbs above the service's base path %s", rel, basePath(base))}
			}
			kept = kept[:len(kept)-1]
			if last {
				kept = append(kept, "")
			}
		default:
			kept = append(kept, seg)
		}
	}
	s := strings.TrimRight(base.String(), "/") + "/" + strings.Join(kept, "/")
	if hasQuery {
		s += "?" + query
	}
	u, err := url.Parse(s)
	if err != nil {
		return nil, fmt.Errorf("bad path %q: %w", rel, err)
	}
	if !within(base, u) { // whatever parsing made of it
		return nil, &PathError{Msg: fmt.Sprintf("the path %q climbs above the service's base path %s", rel, basePath(base))}
	}
	return u, nil
}

func basePath(base *url.URL) string {
	if p := strings.TrimRight(base.EscapedPath(), "/"); p != "" {
		return p
	}
	return "/"
}

// within reports whether u is on base's scheme and host and at or below its path: the only
// place the credential issued for base may go.
func within(base, u *url.URL) bool {
	if !strings.EqualFold(u.Scheme, base.Scheme) || !strings.EqualFold(u.Host, base.Host) {
		return false
	}
	bp := strings.TrimRight(base.EscapedPath(), "/")
	p := u.EscapedPath()
	if bp == "" {
		return true
	}
	if !strings.EqualFold(p, bp) && !strings.HasPrefix(strings.ToLower(p), strings.ToLower(bp)+"/") {
		return false
	}
	// A dot segment would let the server resolve the path back out.
	for _, seg := range strings.Split(p, "/") {
		if dec, err := url.PathUnescape(seg); err != nil || dec == "." || dec == ".." || hidesDotSegment(dec) {
			return false
		}
	}
	return true
}
