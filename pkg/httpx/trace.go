package httpx

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"
)

// secretName matches header, query, form and JSON field names whose values are secrets.
// (Compiled at first use, not at start: only --debug traces need it.)
var secretName = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`(?i)(token|secret|password|passwd|assertion|api[_-]?key|apikey|device_code|^code$|authorization|cookie|subscription-key)`)
})

// jwtLike catches bearer tokens wherever they appear in free text.
var jwtLike = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*`)
})

const redacted = "[redacted]"

const traceBodyLimit = 4 << 10

func (c *Client) traceRequest(r *Request, req *http.Request, body []byte) {
	w := c.cfg.Trace
	if w == nil {
		return
	}
	fmt.Fprintf(w, "> %s %s", req.Method, RedactURL(req.URL))
	if r.Op != "" {
		fmt.Fprintf(w, "  (%s)", r.Op)
	}
	fmt.Fprintln(w)
	writeHeaders(w, ">", req.Header)
	if len(body) > 0 {
		fmt.Fprintf(w, ">\n%s\n", RedactBody(body, c.cfg.Secrets))
	}
}

func (c *Client) traceStatus(hr *http.Response, elapsed time.Duration) {
	w := c.cfg.Trace
	if w == nil {
		return
	}
	fmt.Fprintf(w, "< %s (%s)\n", hr.Status, elapsed.Round(time.Millisecond))
	writeHeaders(w, "<", hr.Header)
}

func (c *Client) traceBody(body []byte) {
	if c.cfg.Trace == nil || len(body) == 0 {
		return
	}
	fmt.Fprintf(c.cfg.Trace, "<\n%s\n", RedactBody(body, c.cfg.Secrets))
}

func writeHeaders(w io.Writer, dir string, h http.Header) {
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v := strings.Join(h[k], ", ")
		if secretName().MatchString(k) {
			v = redacted
		}
		fmt.Fprintf(w, "%s %s: %s\n", dir, k, v)
	}
}

// RedactURL hides the values of secret-looking query parameters.
func RedactURL(u *url.URL) string {
	c := *u
	c.User = nil
	q := c.Query()
	changed := false
	for k := range q {
		if secretName().MatchString(k) {
			q.Set(k, redacted)
			changed = true
		}
	}
	if changed {
		c.RawQuery = q.Encode()
	}
	return c.String()
}

// RedactBody hides secrets in a JSON or form body, then any literal secret or JWT left in the
// text, and clips it.
func RedactBody(body []byte, secrets []string) string {
	out := body
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) > 0 && (trimmed[0] == '{' || trimmed[0] == '[') {
		var v any
		dec := json.NewDecoder(bytes.NewReader(trimmed))
		dec.UseNumber()
		if dec.Decode(&v) == nil {
			if b, err := json.Marshal(redactJSON(v)); err == nil {
				out = b
			}
		}
	} else if q, err := url.ParseQuery(string(trimmed)); err == nil && len(q) > 0 && bytes.ContainsRune(trimmed, '=') && !bytes.ContainsAny(trimmed, " \n") {
		for k := range q {
			if secretName().MatchString(k) {
				q.Set(k, redacted)
			}
		}
		out = []byte(q.Encode())
	}
	s := jwtLike().ReplaceAllString(string(out), redacted)
	for _, sec := range secrets {
		if len(sec) >= 4 {
			s = strings.ReplaceAll(s, sec, redacted)
		}
	}
	if len(s) > traceBodyLimit {
		s = s[:traceBodyLimit] + fmt.Sprintf("… (%d bytes in all)", len(body))
	}
	return s
}

func redactJSON(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if secretName().MatchString(k) {
				if _, isStr := e.(string); isStr {
					x[k] = redacted
					continue
				}
			}
			x[k] = redactJSON(e)
		}
		return x
	case []any:
		for i, e := range x {
			x[i] = redactJSON(e)
		}
		return x
	}
	return v
}

// TraceTransport wraps a transport used outside Client (MSAL's token calls) with the same
// redacted trace.
func TraceTransport(base http.RoundTripper, w io.Writer) http.RoundTripper {
	if w == nil {
		return base
	}
	return &traceRT{base: base, w: w}
}

type traceRT struct {
	base http.RoundTripper
	w    io.Writer
}

func (t *traceRT) RoundTrip(req *http.Request) (*http.Response, error) {
	fmt.Fprintf(t.w, "> %s %s\n", req.Method, RedactURL(req.URL))
	writeHeaders(t.w, ">", req.Header)
	if req.Body != nil && req.GetBody != nil {
		if b, err := req.GetBody(); err == nil {
			body, _ := io.ReadAll(b)
			b.Close()
			if len(body) > 0 {
				fmt.Fprintf(t.w, ">\n%s\n", RedactBody(body, nil))
			}
		}
	}
	start := time.Now()
	resp, err := t.base.RoundTrip(req)
	if err != nil {
		fmt.Fprintf(t.w, "< error: %v\n", err)
		return resp, err
	}
	fmt.Fprintf(t.w, "< %s (%s)\n", resp.Status, time.Since(start).Round(time.Millisecond))
	writeHeaders(t.w, "<", resp.Header)
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	if len(body) > 0 {
		fmt.Fprintf(t.w, "<\n%s\n", RedactBody(body, nil))
	}
	return resp, nil
}
