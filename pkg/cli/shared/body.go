package shared

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"

	"github.com/nimbusctl/nimbusctl/pkg/cli/cmdutil"
	"github.com/nimbusctl/nimbusctl/pkg/output"
)

// FromJSONUsage is the help of every --from-json flag.
const FromJSONUsage = "read the request body from a JSON `file` ('-' for stdin), with the API's field names; flags given as well override its fields"

// JSONBody is a request body read from --from-json, not yet decoded.
type JSONBody struct {
	flag, where string
	data        []byte
}

// ReadJSONBody reads the user's file (or stdin for "-"); it must hold one JSON object.
func ReadJSONBody(ios *output.IOStreams, flag, name string) (*JSONBody, error) {
	data, err := ios.ReadUserFile(name)
	if err != nil {
		return nil, cmdutil.FlagErrorf("--%s: %v", flag, err)
	}
	b := &JSONBody{flag: flag, where: name, data: bytes.TrimSpace(data)}
	if name == "-" {
		b.where = "stdin"
	}
	if len(b.data) == 0 {
		return nil, b.Errorf("empty: want a JSON object")
	}
	if b.data[0] != '{' {
		return nil, b.Errorf("want a JSON object ({...})")
	}
	return b, nil
}

// Errorf is invalid input (exit 3) about the body, naming the flag and the file.
func (b *JSONBody) Errorf(format string, a ...any) error {
	return cmdutil.InvalidInputf("--%s %s: %s", b.flag, b.where, fmt.Sprintf(format, a...))
}

// Decode decodes the body into v (a pointer to a zero struct), strictly: unknown fields,
// wrong types and trailing data are invalid input (exit 3) naming the field.
func (b *JSONBody) Decode(v any) error {
	dec := json.NewDecoder(bytes.NewReader(b.data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var typeErr *json.UnmarshalTypeError
		var syntaxErr *json.SyntaxError
		switch {
		case errors.As(err, &typeErr) && typeErr.Field != "":
			return b.Errorf("%s: must be %s, got %s", typeErr.Field, jsonKind(typeErr.Type.Kind().String()), typeErr.Value)
		case errors.As(err, &syntaxErr):
			return b.Errorf("not valid JSON at byte %d: %s", syntaxErr.Offset, strings.TrimPrefix(err.Error(), "json: "))
		case errors.Is(err, io.ErrUnexpectedEOF):
			return b.Errorf("not valid JSON: unexpected end")
		}
		msg := strings.TrimPrefix(err.Error(), "json: ")
		if strings.HasPrefix(msg, "unknown field ") {
			return b.Errorf("%s: the API has no such field", msg)
		}
		return b.Errorf("%s", msg)
	}
	if dec.More() {
		return b.Errorf("unexpected data after the JSON object")
	}
	return nil
}

// Merge decodes the body into v (a pointer to a struct holding current values): fields the
// body names replace v's (a list or object given replaces the whole list or object), fields
// it leaves out keep their values.
func (b *JSONBody) Merge(v any) error {
	var keys map[string]json.RawMessage
	if err := json.Unmarshal(b.data, &keys); err != nil {
		return b.Decode(v) // reports the syntax error
	}
	rv := reflect.ValueOf(v).Elem()
	rt := rv.Type()
	for i := 0; i < rt.NumField(); i++ {
		name, _, _ := strings.Cut(rt.Field(i).Tag.Get("json"), ",")
		for k := range keys {
			// encoding/json matches names case-insensitively; so must the reset.
			if strings.EqualFold(k, name) {
				rv.Field(i).SetZero()
			}
		}
	}
	return b.Decode(v)
}

func jsonKind(goKind string) string {
	switch goKind {
	case "string":
		return "a string"
	case "slice", "array":
		return "an array"
	case "struct", "map", "ptr":
		return "an object"
	case "bool":
		return "true or false"
	case "int", "int64", "int32", "float64":
		return "a number"
	}
	return goKind
}
