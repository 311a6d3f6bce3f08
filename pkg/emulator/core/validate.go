package core

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi2"
	"github.com/getkin/kin-openapi/openapi2conv"
	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
)

// Contract routes and validates requests against a swagger, made stricter than the
// swagger in one way: object schemas reject properties they do not declare. The real API
// (ASP.NET model binding) would silently drop `referenceId` or `upn`, and the field would be
// lost without an error; here the casing bug surfaces as a 400.
type Contract struct {
	router routers.Router
}

// NewContract builds the router and the closed schemas of a Swagger 2.0 document. It takes
// tens of milliseconds: build it once and share it (it is only read afterwards).
func NewContract(swagger []byte) (*Contract, error) {
	var doc2 openapi2.T
	if err := json.Unmarshal(swagger, &doc2); err != nil {
		return nil, fmt.Errorf("emulator: parse swagger: %w", err)
	}
	doc3, err := openapi2conv.ToV3(&doc2)
	if err != nil {
		return nil, fmt.Errorf("emulator: convert swagger: %w", err)
	}
	// The router would match the swagger's host otherwise; the service is mounted on a path.
	doc3.Servers = openapi3.Servers{{URL: "/"}}
	closeObjects(doc3)
	if err := doc3.Validate(context.Background()); err != nil {
		return nil, fmt.Errorf("emulator: swagger: %w", err)
	}
	router, err := gorillamux.NewRouter(doc3)
	if err != nil {
		return nil, fmt.Errorf("emulator: router: %w", err)
	}
	return &Contract{router: router}, nil
}

// closeObjects sets additionalProperties=false on every object schema reachable from the
// document: components, request bodies and parameters, inline ones included.
func closeObjects(doc *openapi3.T) {
	seen := map[*openapi3.Schema]bool{}
	var walk func(ref *openapi3.SchemaRef)
	walk = func(ref *openapi3.SchemaRef) {
		if ref == nil || ref.Value == nil || seen[ref.Value] {
			return
		}
		s := ref.Value
		seen[s] = true
		isObject := s.Type.Is(openapi3.TypeObject) || len(s.Properties) > 0
		if isObject && s.AdditionalProperties.Schema == nil {
			s.AdditionalProperties = openapi3.AdditionalProperties{Has: openapi3.Ptr(false)}
		}
		for _, p := range s.Properties {
			walk(p)
		}
		walk(s.Items)
		walk(s.AdditionalProperties.Schema)
		for _, list := range []openapi3.SchemaRefs{s.AllOf, s.AnyOf, s.OneOf} {
			for _, x := range list {
				walk(x)
			}
		}
	}
	if doc.Components != nil {
		for _, s := range doc.Components.Schemas {
			walk(s)
		}
		for _, rb := range doc.Components.RequestBodies {
			if rb.Value != nil {
				for _, mt := range rb.Value.Content {
					walk(mt.Schema)
				}
			}
		}
	}
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			if op.RequestBody != nil && op.RequestBody.Value != nil {
				for _, mt := range op.RequestBody.Value.Content {
					walk(mt.Schema)
				}
			}
			for _, p := range op.Parameters {
				if p.Value != nil {
					walk(p.Value.Schema)
				}
			}
		}
	}
}

// Route finds the operation of r (its path relative to the service root).
func (v *Contract) Route(r *http.Request) (*routers.Route, map[string]string, *HTTPError) {
	route, params, err := v.router.FindRoute(r)
	switch {
	case err == nil:
		return route, params, nil
	case errors.Is(err, routers.ErrMethodNotAllowed):
		return nil, nil, Errorf(http.StatusMethodNotAllowed, "Method %s is not allowed on %s.", r.Method, r.URL.Path)
	default:
		return nil, nil, Errorf(http.StatusNotFound, "No operation matches %s %s.", r.Method, r.URL.Path)
	}
}

// Validate checks r against its operation; the body must be re-readable (it is read here).
func (v *Contract) Validate(r *http.Request, route *routers.Route, params map[string]string) *HTTPError {
	err := openapi3filter.ValidateRequest(r.Context(), &openapi3filter.RequestValidationInput{
		Request:    r,
		PathParams: params,
		Route:      route,
		Options: &openapi3filter.Options{
			AuthenticationFunc:                openapi3filter.NoopAuthenticationFunc,
			MultiError:                        true,
			RejectWhenRequestBodyNotSpecified: true,
			// Defaults are the handlers' business: they must apply them to what they store.
			SkipSettingDefaults: true,
		},
	})
	if err == nil {
		return nil
	}
	fields := describe(err)
	sort.SliceStable(fields, func(i, j int) bool {
		if fields[i].Field != fields[j].Field {
			return fields[i].Field < fields[j].Field
		}
		return fields[i].Message < fields[j].Message
	})
	parts := make([]string, len(fields))
	for i, f := range fields {
		parts[i] = f.Field + ": " + f.Message
	}
	return &HTTPError{
		Status:  http.StatusBadRequest,
		Message: "The request is invalid: " + strings.Join(parts, "; "),
		Errors:  fields,
	}
}

// describe flattens kin-openapi's error tree into one entry per offending field.
func describe(err error) []FieldError {
	// Type switch, not errors.As: a RequestError unwraps to its MultiError, and its context
	// (parameter or body) must be read first.
	switch x := err.(type) {
	case openapi3.MultiError:
		var out []FieldError
		for _, e := range x {
			out = append(out, describe(e)...)
		}
		return out
	case *openapi3filter.RequestError:
		if x.Parameter != nil {
			return describeIn(x.Err, x.Reason, x.Parameter.Name)
		}
		var pe *openapi3filter.ParseError
		if errors.As(x.Err, &pe) {
			return []FieldError{{Field: "body", Message: "is not valid JSON"}}
		}
		return describeIn(x.Err, x.Reason, bodyName(x))
	case *openapi3.SchemaError:
		return []FieldError{schemaField(x, "")}
	}
	return []FieldError{{Field: "request", Message: firstLine(err.Error())}}
}

// bodyName is the swagger name of an array body (RemoveContacts' "externalIds"), so its items
// read "externalIds[1]"; object bodies are named by their properties alone.
func bodyName(re *openapi3filter.RequestError) string {
	if re.RequestBody == nil {
		return ""
	}
	for _, mt := range re.RequestBody.Content {
		if mt.Schema != nil && mt.Schema.Value != nil && mt.Schema.Value.Type.Is(openapi3.TypeArray) {
			if name, ok := re.RequestBody.Extensions["x-originalParamName"].(string); ok {
				return name
			}
		}
	}
	return ""
}

// describeIn names the schema errors inside a parameter's or the body's error; base is the
// parameter's name, or the array body's.
func describeIn(err error, reason, base string) []FieldError {
	var me openapi3.MultiError
	if errors.As(err, &me) {
		var out []FieldError
		for _, e := range me {
			out = append(out, describeIn(e, reason, base)...)
		}
		return out
	}
	var se *openapi3.SchemaError
	if errors.As(err, &se) {
		return []FieldError{schemaField(se, base)}
	}
	msg := reason
	if err != nil {
		msg = err.Error()
	}
	switch msg {
	case "value is required but missing":
		msg = "is required"
	case "request body not allowed for this request":
		msg = "is not allowed: this operation takes no request body"
	}
	if strings.HasPrefix(msg, "header Content-Type") {
		return []FieldError{{Field: "Content-Type", Message: "must be application/json (" + msg + ")"}}
	}
	if base == "" {
		base = "body"
	}
	return []FieldError{{Field: base, Message: firstLine(msg)}}
}

var unsupportedProp = regexp.MustCompile(`^property "(.*)" is unsupported$`)

// schemaField turns a SchemaError into "customer.telNumbers[0].name: property ... is missing".
func schemaField(se *openapi3.SchemaError, base string) FieldError {
	path := se.JSONPointer()
	reason := se.Reason
	if m := unsupportedProp.FindStringSubmatch(reason); m != nil {
		// kin-openapi points at the object; the offending field is the unknown property.
		path = append(path, m[1])
		reason += " (property names are case-sensitive)"
	}
	switch {
	case se.SchemaField == "format" && se.Schema != nil && se.Schema.Format == "date-time":
		reason = "must be an RFC 3339 date-time such as 2020-03-23T11:00:00Z"
	case se.SchemaField == "format" && se.Schema != nil:
		reason = fmt.Sprintf("must be in %q format", se.Schema.Format)
	case reason == "" && se.Origin != nil:
		reason = firstLine(se.Origin.Error())
	case reason == "":
		reason = "does not match the schema (" + se.SchemaField + ")"
	}
	field := joinPath(base, path)
	if field == "" {
		field = "body"
	}
	return FieldError{Field: field, Message: reason}
}

// joinPath renders JSON pointer segments as a dotted path with [index] for arrays.
func joinPath(base string, segs []string) string {
	var b strings.Builder
	b.WriteString(base)
	for _, s := range segs {
		if _, err := strconv.Atoi(s); err == nil {
			b.WriteString("[" + s + "]")
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(s)
	}
	return b.String()
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}
