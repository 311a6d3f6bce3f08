package shared

import (
	"bytes"
	"encoding/json"
	"strings"

	"github.com/nimbusctl/nimbusctl/pkg/output"
)

// Detail is one FIELD/VALUE row of a single object shown on a terminal.
type Detail struct {
	Field string `json:"field"`
	Value string `json:"value"`
}

// DetailCols are the columns of Details.
var DetailCols = output.Cols("FIELD=field", "VALUE=value")

// Details lists the non-empty top-level fields of v's JSON form, in its field order, with
// lists joined by ", " and objects written as key=value pairs.
func Details(v any) ([]Detail, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if _, err := dec.Token(); err != nil { // {
		return nil, err
	}
	out := []Detail{}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, err
		}
		key, _ := t.(string)
		var val json.RawMessage
		if err := dec.Decode(&val); err != nil {
			return nil, err
		}
		if s := render(val); s != "" {
			out = append(out, Detail{Field: key, Value: s})
		}
	}
	return out, nil
}

// render writes one JSON value as text, keeping the order of object keys.
func render(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return ""
	}
	switch raw[0] {
	case '[':
		var items []json.RawMessage
		if json.Unmarshal(raw, &items) != nil {
			return string(raw)
		}
		sep := ", "
		parts := make([]string, 0, len(items))
		for _, it := range items {
			if it = bytes.TrimSpace(it); len(it) > 0 && it[0] == '{' {
				sep = "; "
			}
			if s := render(it); s != "" {
				parts = append(parts, s)
			}
		}
		return strings.Join(parts, sep)
	case '{':
		var generic map[string]any
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		if dec.Decode(&generic) != nil {
			return string(raw)
		}
		if _, hasName := generic["name"]; hasName && len(generic) <= 2 {
			return output.Cell(generic, ", ") // name=value
		}
		if _, hasUPN := generic["upn"]; hasUPN {
			return output.Cell(generic, ", ") // upn:priority
		}
		var parts []string
		dec = json.NewDecoder(bytes.NewReader(raw))
		dec.Token() // {
		for dec.More() {
			t, err := dec.Token()
			if err != nil {
				break
			}
			var val json.RawMessage
			if dec.Decode(&val) != nil {
				break
			}
			if s := render(val); s != "" {
				parts = append(parts, t.(string)+"="+s)
			}
		}
		return strings.Join(parts, ", ")
	}
	var v any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if dec.Decode(&v) != nil {
		return string(raw)
	}
	return output.Cell(v, ", ")
}
