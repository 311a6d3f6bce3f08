package odata

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"

	"github.com/nimbusctl/nimbusctl/pkg/httpx"
)

// ErrStop, returned by an Each callback, ends the read early without an error.
var ErrStop = errors.New("odata: stop")

// Each streams every entity q selects, page after page, following @odata.nextLink. fn gets
// a decoder positioned at the start of one entity and must consume exactly that one JSON
// value (dec.Decode(&v), or token by token). Nothing is buffered beyond the decoder's own
// read-ahead, so memory stays flat whatever the number of entities.
func (c *Client) Each(ctx context.Context, q Query, fn func(dec *json.Decoder) error) error {
	op := "OData " + q.Set
	path := q.Path()
	seen := map[string]bool{}
	for page := 1; ; page++ {
		if err := ctx.Err(); err != nil {
			return httpx.Interrupted(op, err)
		}
		if page == 1 {
			c.started(op)
		} else {
			c.started(fmt.Sprintf("%s (page %d)", op, page))
		}
		resp, err := c.h.Open(ctx, &httpx.Request{Op: op, Method: http.MethodGet, Path: path, Header: versionHeader()})
		if err != nil {
			return c.wrap(err)
		}
		body := &trackReader{r: resp.Body}
		next, err := readPage(body, fn)
		if err == nil {
			// Drain the trailing newline so the connection goes back to the pool.
			io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<10))
		}
		resp.Body.Close()
		if errors.Is(err, ErrStop) {
			return nil
		}
		if err != nil {
			if ctx.Err() != nil {
				return httpx.Interrupted(op, ctx.Err())
			}
			return pageError(fmt.Sprintf("%s (page %d)", op, page), err, body.err)
		}
		if next == "" {
			return nil
		}
		link, err := c.followable(resp.Request.URL, next)
		if err != nil {
			return fmt.Errorf("%s (page %d): %w", op, page, err)
		}
		if seen[link] {
			return fmt.Errorf("%s (page %d): the server sent the same @odata.nextLink twice (%s); stopping instead of looping", op, page, link)
		}
		seen[link] = true
		path = link
	}
}

// followable resolves a nextLink against the request it came with and refuses one that
// leaves the service's host: the bearer token must not travel anywhere else.
func (c *Client) followable(from *url.URL, next string) (string, error) {
	ref, err := url.Parse(next)
	if err != nil {
		return "", fmt.Errorf("invalid @odata.nextLink %q: %w", next, err)
	}
	u := from.ResolveReference(ref)
	base, _ := url.Parse(c.BaseURL())
	if u.Scheme != base.Scheme || u.Host != base.Host {
		return "", fmt.Errorf("refusing to follow @odata.nextLink to %s://%s: it is not the feed's host %s", u.Scheme, u.Host, base.Host)
	}
	return u.String(), nil
}

// readPage walks one OData JSON page: {"@odata.context":..., "value":[...], "@odata.nextLink":...}
// in any order, handing each element of value to fn. It returns the nextLink, if any.
func readPage(body io.Reader, fn func(dec *json.Decoder) error) (string, error) {
	dec := json.NewDecoder(body)
	dec.UseNumber()
	if err := expectDelim(dec, '{'); err != nil {
		return "", err
	}
	next := ""
	var skip json.RawMessage
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return "", err
		}
		key, _ := tok.(string)
		switch key {
		case "value":
			if err := expectDelim(dec, '['); err != nil {
				return "", fmt.Errorf("value: %w", err)
			}
			for dec.More() {
				if err := fn(dec); err != nil {
					return "", err
				}
			}
			if err := expectDelim(dec, ']'); err != nil {
				return "", err
			}
		case "@odata.nextLink", "@nextLink", "odata.nextLink": // 4.0, 4.01 (no odata. prefix), 3.0
			if err := dec.Decode(&next); err != nil {
				return "", fmt.Errorf("@odata.nextLink: %w", err)
			}
		default:
			if err := dec.Decode(&skip); err != nil {
				return "", err
			}
		}
	}
	if err := expectDelim(dec, '}'); err != nil {
		return "", err
	}
	return next, nil
}

func expectDelim(dec *json.Decoder, want json.Delim) error {
	tok, err := dec.Token()
	if err != nil {
		if err == io.EOF {
			return io.ErrUnexpectedEOF
		}
		return err
	}
	if d, ok := tok.(json.Delim); !ok || d != want {
		return &MalformedError{Msg: fmt.Sprintf("want %q at byte %d, got %v", string(want), dec.InputOffset(), tok)}
	}
	return nil
}

// MalformedError is an answer that is JSON but not an OData page.
type MalformedError struct{ Msg string }

func (e *MalformedError) Error() string { return "not an OData page: " + e.Msg }

// trackReader remembers the transport's read error, so a failure can be told apart from
// bad data.
type trackReader struct {
	r   io.Reader
	err error
}

func (t *trackReader) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	if err != nil && err != io.EOF {
		t.err = err
	}
	return n, err
}

// pageError classifies a failure while reading a page: the connection (exit 10 after the
// pipeline's own retries), a malformed answer, or the callback's own error (as it is).
func pageError(op string, err, readErr error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	var bad *MalformedError
	var slow *httpx.TimeoutError
	switch {
	case errors.As(readErr, &slow):
		return slow
	case readErr != nil || errors.Is(err, io.ErrUnexpectedEOF):
		return &httpx.NetError{Service: "odata", Op: op, Attempts: 1, Err: err}
	case errors.As(err, &syn), errors.As(err, &typ), errors.As(err, &bad):
		return fmt.Errorf("%s: unexpected answer from the Nimbus reporting (OData) service: %w", op, err)
	}
	return err
}

// Stream decodes every entity of q into a fresh T and hands it to fn, one at a time.
func Stream[T any](ctx context.Context, c *Client, q Query, fn func(*T) error) error {
	return c.Each(ctx, q, func(dec *json.Decoder) error {
		v := new(T)
		if err := dec.Decode(v); err != nil {
			return err
		}
		return fn(v)
	})
}
