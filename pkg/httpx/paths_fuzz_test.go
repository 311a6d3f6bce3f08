package httpx_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/nimbusctl/nimbusctl/pkg/httpx"
	"github.com/nimbusctl/nimbusctl/pkg/nimbus"
	"github.com/nimbusctl/nimbusctl/pkg/npstoday"
)

// templates are every path template the clients send: the 28 connector operations and the
// nps.today route table.
func templates() []string {
	var ts []string
	for _, op := range nimbus.Operations {
		ts = append(ts, op.Path)
	}
	for _, r := range npstoday.Routes {
		ts = append(ts, r.Path)
	}
	return ts
}

// recorder is a transport that answers 200 and keeps the URL the pipeline asked for.
type recorder struct{ last *url.URL }

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	r.last = req.URL
	return &http.Response{StatusCode: 200, Header: http.Header{}, Body: io.NopCloser(strings.NewReader("")), Request: req}, nil
}

const fuzzBase = "https://api.example.test/base"

// serverPath is the path as a server sees it: segments decoded once, dot segments removed
// (RFC 3986 §5.2.4) — which is how a dot id retargeted calls before.
func serverPath(u *url.URL) []string { return resolve(u, false) }

// lenientServerPath is the path as a server that takes \ for / (IIS) or decodes %2F sees it:
// decoded, split at every slash and backslash, dot segments removed.
func lenientServerPath(u *url.URL) []string { return resolve(u, true) }

func resolve(u *url.URL, lenient bool) []string {
	var segs []string
	for _, seg := range strings.Split(strings.TrimPrefix(u.EscapedPath(), "/"), "/") {
		dec, err := url.PathUnescape(seg)
		if err != nil {
			dec = seg
		}
		if lenient {
			segs = append(segs, strings.FieldsFunc(dec, func(r rune) bool { return r == '/' || r == '\\' })...)
		} else {
			segs = append(segs, dec)
		}
	}
	var out []string
	for _, dec := range segs {
		switch dec {
		case ".":
		case "..":
			if len(out) > 0 {
				out = out[:len(out)-1]
			}
		default:
			out = append(out, dec)
		}
	}
	return out
}

// FuzzExpandedPathKeepsItsTemplate: whatever the ids, an expanded path that the pipeline
// sends has exactly its template's segments, the fixed ones unchanged and each id one
// segment, below the base path; and a raw path (`api`) never leaves the base path. A
// server that takes \ and %2F for / still sees the template's fixed prefix and the base.
func FuzzExpandedPathKeepsItsTemplate(f *testing.F) {
	for i, seed := range []string{"T1", ".", "..", "", "...", "%2e%2e", "a/../..", "../../x", "..%2f..", "a\x00b", "?x=1", "#frag", "a b", "%", "\u202e", "..\\", "a\\..\\..", "..%5c", "..%2F..", "x/./y"} {
		f.Add(uint8(i), seed, seed)
	}
	ts := templates()
	rec := &recorder{}
	c, err := httpx.New(httpx.Config{Service: "nimbus", BaseURL: fuzzBase, Transport: rec, Retry: httpx.Retry{MaxAttempts: 1}})
	if err != nil {
		f.Fatal(err)
	}
	base, _ := url.Parse(fuzzBase)
	baseSegs := serverPath(base)
	f.Fuzz(func(t *testing.T, which uint8, a, b string) {
		tmpl := ts[int(which)%len(ts)]
		path, err := httpx.ExpandPath(tmpl, a, b)
		if err == nil {
			rec.last = nil
			if _, err := c.Do(context.Background(), &httpx.Request{Op: "X", Method: "GET", Path: path}, nil); err != nil {
				t.Fatalf("%s with %q, %q: expanded to %q but not sent: %v", tmpl, a, b, path, err)
			}
			got := serverPath(rec.last)
			want := append(append([]string{}, baseSegs...), strings.Split(strings.Trim(tmpl, "/"), "/")...)
			if strings.HasSuffix(tmpl, "/") {
				want = append(want, "")
			}
			if len(got) != len(want) {
				t.Fatalf("%s with %q, %q: server sees %q, want the template's %d segments", tmpl, a, b, got, len(want))
			}
			for i := range want {
				if !strings.HasPrefix(want[i], "{") && got[i] != want[i] {
					t.Fatalf("%s with %q, %q: server sees %q: segment %d is %q, want %q", tmpl, a, b, got, i, got[i], want[i])
				}
			}
			lenient := lenientServerPath(rec.last)
			for i := range want {
				if strings.HasPrefix(want[i], "{") || want[i] == "" { // a trailing slash: no segment
					break
				}
				if i >= len(lenient) || lenient[i] != want[i] {
					t.Fatalf("%s with %q, %q: a server taking \\ and %%2F for / sees %q, which leaves the fixed prefix %q", tmpl, a, b, lenient, want[:i+1])
				}
			}
		}

		// A raw path, as `nimbusctl api` sends it: sent below the base, or refused.
		rec.last = nil
		raw := "/" + a + "/" + b
		if _, err := c.Do(context.Background(), &httpx.Request{Op: "X", Method: "GET", Path: raw}, nil); err != nil || rec.last == nil {
			return
		}
		for _, got := range [][]string{serverPath(rec.last), lenientServerPath(rec.last)} {
			if len(got) < len(baseSegs) || strings.Join(got[:len(baseSegs)], "/") != strings.Join(baseSegs, "/") {
				t.Fatalf("raw path %q reached %q (%q), outside the base %s", raw, rec.last, got, fuzzBase)
			}
		}
	})
}
