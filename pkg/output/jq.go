package output

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"

	"github.com/itchyny/gojq"
)

// Query is a compiled --jq expression.
type Query struct {
	code *gojq.Code
}

// ParseJQ compiles expr once, at flag-validation time, so a typo fails before any API call.
func ParseJQ(expr string) (*Query, error) {
	q, err := gojq.Parse(expr)
	if err != nil {
		return nil, fmt.Errorf("invalid --jq expression: %w", err)
	}
	code, err := gojq.Compile(q, gojq.WithEnvironLoader(os.Environ))
	if err != nil {
		return nil, fmt.Errorf("invalid --jq expression: %w", err)
	}
	return &Query{code: code}, nil
}

// Run applies the query to a JSON document and prints each result: strings raw (like jq -r),
// everything else as JSON, indented on a terminal and compact otherwise.
func (q *Query) Run(s *IOStreams, raw []byte) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if len(bytes.TrimSpace(raw)) > 0 {
		if err := dec.Decode(&v); err != nil {
			return fmt.Errorf("--jq: the answer is not JSON: %w", err)
		}
	}
	iter := q.code.Run(v)
	var buf bytes.Buffer
	for {
		r, ok := iter.Next()
		if !ok {
			break
		}
		if err, ok := r.(error); ok {
			if h, ok := err.(*gojq.HaltError); ok && h.Value() == nil {
				break
			}
			s.Out.Write(buf.Bytes())
			return fmt.Errorf("--jq: %w", err)
		}
		if str, ok := r.(string); ok {
			buf.WriteString(str)
			buf.WriteByte('\n')
			continue
		}
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if s.IsStdoutTTY() {
			enc.SetIndent("", "  ")
		}
		if err := enc.Encode(r); err != nil {
			return err
		}
	}
	_, err := s.Out.Write(buf.Bytes())
	return err
}
