// Package api implements `nimbusctl api`: a raw call through the same pipeline as every other
// command (credential, rate limit, retries, errors, --debug), like `gh api`.
package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/nimbusctl/nimbusctl/pkg/cli/cmdutil"
	"github.com/nimbusctl/nimbusctl/pkg/httpx"
	"github.com/nimbusctl/nimbusctl/pkg/nimbus"
	"github.com/nimbusctl/nimbusctl/pkg/output"
)

// Options are the parsed flags of `api`.
type Options struct {
	Method  string
	Path    string
	Params  []Param // -F and -f, in command-line order
	Headers []string
	Input   string
	Service string
}

// Param is one -F (Typed) or -f parameter, key=value.
type Param struct {
	Item  string
	Typed bool
}

// paramFlag appends -F and -f to one list, so that their order on the command line is the
// order they are applied in (a[]=x from -f then a[]=1 from -F gives ["x", 1]).
type paramFlag struct {
	list  *[]Param
	typed bool
}

func (p paramFlag) String() string { return "" }
func (p paramFlag) Type() string   { return "stringArray" }
func (p paramFlag) Set(v string) error {
	*p.list = append(*p.list, Param{Item: v, Typed: p.typed})
	return nil
}

var methods = []string{"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"}

// Services lists the services `api` can call: the connector API, and the reporting OData feed
// (relative to the profile's odata_url). nps.today has its own `nps api`.
var Services = []string{"nimbus", "odata"}

// NewCmdAPI builds `nimbusctl api`.
func NewCmdAPI(f *cmdutil.Factory) *cobra.Command {
	opts := &Options{}
	cmd := &cobra.Command{
		Use:   "api <method> <path>",
		Short: "Make a raw request to the Nimbus connector API (or the OData feed)",
		Long: `Sends one request through the same pipeline as every command: your credential, the
rate limit, retries on 429/5xx (a POST only where it provably did not land), the same
errors and exit codes, and --debug tracing. The path is relative to the profile's
endpoint, e.g. /v2/AddressBooks; with --service odata, to its odata_url, e.g. /$metadata.

Parameters: -F key=value adds a typed parameter (true, false, null and numbers are sent as
such; @file reads the value from a file), -f key=value a string, applied in the order given.
Nested keys work: -f 'customer[firstName]=Ada', -f 'services[]=a@x' appends to a list, and
-f 'preferredUsers[][upn]=a@x' -F 'preferredUsers[][priority]=1' appends one object (a key
the last object already has starts the next). For GET and DELETE they go into the query
string (a[]=x repeats the parameter; the connector's array parameters want one
comma-separated value: -f externalIds=C-1,C-2), otherwise into a JSON body. --input sends a
file as the body instead; it must be JSON (checked before sending) unless -H 'Content-Type:
...' names another type. The path stays below the service's base URL: a path that climbs
above it with .. is refused.

A JSON answer is printed as JSON (or -o yaml|table|csv), and --jq filters it. Any other
answer (the feed's $metadata is XML) is printed as it came, whatever -o says; --jq refuses
it (exit 1).`,
		Example: `  $ nimbusctl api GET /v2/AddressBooks --jq '.[].name'
  $ nimbusctl api GET /v1/scheduler-entries -f serviceUpn=support@contoso.com
  $ nimbusctl api POST /v2/AddressBooks/ab-1/contacts -f externalId=c-42 -f firstName=Ada
  $ nimbusctl api PUT /v1/tasks/T1 --input task.json`,
		Args: cmdutil.ExactArgs(2, "a method and a path"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return Run(cmd, f, opts, args, operationName)
		},
	}
	AddRequestFlags(cmd, opts)
	cmdutil.StringEnumFlag(cmd, &opts.Service, "service", "", "nimbus", Services, "which API to call")
	return cmd
}

// AddRequestFlags registers -F, -f, -H and --input (shared with `nps api`).
func AddRequestFlags(cmd *cobra.Command, opts *Options) {
	cmd.Flags().VarP(paramFlag{&opts.Params, true}, "field", "F", "typed parameter `key=value` (repeatable)")
	cmd.Flags().VarP(paramFlag{&opts.Params, false}, "raw-field", "f", "string parameter `key=value` (repeatable)")
	cmd.Flags().StringArrayVarP(&opts.Headers, "header", "H", nil, "extra request header `key:value` (repeatable)")
	cmd.Flags().StringVar(&opts.Input, "input", "", "`file` to send as the request body ('-' for stdin)")
}

// Run sends the request of args (method and path) and opts through the pipeline of
// opts.Service and prints the answer, as JSON unless -o or --jq say otherwise. name gives
// the operation name errors show (shared with `nps api`).
func Run(cmd *cobra.Command, f *cmdutil.Factory, opts *Options, args []string, name func(method, path string) string) error {
	opts.Method = strings.ToUpper(args[0])
	opts.Path = args[1]
	if !cmd.Flags().Changed("output") && f.Flags.JQ == "" {
		f.Flags.Output = "json"
	}
	req, err := buildRequest(f, opts, name)
	if err != nil {
		return err
	}
	client, err := f.HTTP(opts.Service)
	if err != nil {
		return err
	}
	resp, err := client.Do(cmd.Context(), req, nil)
	if err != nil {
		return err
	}
	return printAnswer(f, resp.Body)
}

// buildRequest turns the method, path and flags into a pipeline request: -F/-f make a JSON
// body (the query string for GET and DELETE), --input the body, -H headers. name gives the
// operation name errors show.
func buildRequest(f *cmdutil.Factory, opts *Options, name func(method, path string) string) (*httpx.Request, error) {
	if !slices.Contains(methods, opts.Method) {
		return nil, cmdutil.FlagErrorf("unknown method %q: allowed: %s", opts.Method, strings.Join(methods, ", "))
	}
	if !strings.HasPrefix(opts.Path, "/") {
		return nil, cmdutil.FlagErrorf("the path must start with / and is relative to the profile's endpoint, got %q", opts.Path)
	}
	params, err := parseFields(f, opts)
	if err != nil {
		return nil, err
	}
	if opts.Input != "" && len(params) > 0 && hasBody(opts.Method) {
		return nil, cmdutil.FlagErrorf("--input and -f/-F both make the body: use one")
	}
	path, rawQuery, _ := strings.Cut(opts.Path, "?")
	query, err := url.ParseQuery(rawQuery)
	if err != nil {
		return nil, cmdutil.FlagErrorf("bad query string in %q: %v", opts.Path, err)
	}
	req := &httpx.Request{Op: name(opts.Method, path), Method: opts.Method, Path: path, Query: query, Header: http.Header{}}
	for _, h := range opts.Headers {
		k, v, ok := strings.Cut(h, ":")
		if !ok {
			return nil, cmdutil.FlagErrorf("--header: %q is not key:value", h)
		}
		req.Header.Add(strings.TrimSpace(k), strings.TrimSpace(v))
	}
	switch {
	case opts.Input != "":
		body, err := f.IO.ReadUserFile(opts.Input)
		if err != nil {
			return nil, cmdutil.FlagErrorf("--input: %v", err)
		}
		if err := checkJSONBody(opts.Input, body, req.Header.Get("Content-Type")); err != nil {
			return nil, err
		}
		req.Body = body
	case len(params) > 0 && hasBody(opts.Method):
		req.Body = params
	case len(params) > 0:
		for k, v := range params {
			addQuery(query, k, v)
		}
	}
	return req, nil
}

// checkJSONBody refuses an --input body that would go out as JSON (no Content-Type given, or
// a JSON one) but is not JSON: the service would only answer 400, after the rate limit and
// retries; here the error can say where the file goes wrong.
func checkJSONBody(name string, body []byte, contentType string) error {
	if contentType != "" && !strings.Contains(strings.ToLower(contentType), "json") {
		return nil
	}
	var v any
	err := json.Unmarshal(body, &v)
	if err == nil {
		return nil
	}
	if name == "-" {
		name = "stdin"
	}
	where := ""
	var syntax *json.SyntaxError
	if errors.As(err, &syntax) {
		line, col := lineCol(body, syntax.Offset)
		where = fmt.Sprintf(" at line %d, column %d", line, col)
	}
	return cmdutil.FlagErrorf("--input: %s is not JSON%s (%v); nothing was sent. To send another type, add -H 'Content-Type: <type>'", name, where, err)
}

// lineCol turns a syntax error's offset (the bytes read, the last one the culprit) into a
// 1-based line and column.
func lineCol(b []byte, offset int64) (int, int) {
	before := b[:max(min(offset, int64(len(b)))-1, 0)]
	line := bytes.Count(before, []byte("\n")) + 1
	col := len(before) - bytes.LastIndexByte(before, '\n')
	return line, col
}

// printAnswer writes an answer as `api` does: JSON through the printer (-o, --jq), anything
// else as it came; an empty answer prints nothing. --jq on an answer that is not JSON is an
// error: a script expects the filter's result, not the whole answer.
func printAnswer(f *cmdutil.Factory, answer []byte) error {
	body := bytes.TrimSpace(answer)
	if len(body) == 0 {
		return nil
	}
	if !json.Valid(body) {
		if f.Flags.JQ != "" {
			return errors.New("--jq: the answer is not JSON, so it cannot be filtered; run without --jq to see it as it came")
		}
		if f.IO.IsStdoutTTY() { // a person reads it: shown, never interpreted
			body = []byte(output.SafeText(string(body)))
		}
		_, err := f.IO.Out.Write(append(body, '\n'))
		return err
	}
	return f.Printer().PrintRaw(body, nil)
}

// operationName finds the swagger operation a raw call matches, for clearer errors.
func operationName(method, path string) string {
	for _, op := range nimbus.Operations {
		if op.Method == method && httpx.MatchPath(op.Path, path) {
			return op.ID
		}
	}
	return method + " " + path
}

func hasBody(method string) bool {
	return method == "POST" || method == "PUT" || method == "PATCH"
}

// parseFields turns -F/-f, in command-line order, into a nested object: a[b]=1 sets
// {"a":{"b":1}}, a[]=x appends x, and a[][b]=1 a[][c]=2 appends one object {"b":1,"c":2}
// (a key the last object already has starts the next one).
func parseFields(f *cmdutil.Factory, opts *Options) (map[string]any, error) {
	params := map[string]any{}
	for _, p := range opts.Params {
		flag := "raw-field"
		if p.Typed {
			flag = "field"
		}
		k, v, ok := strings.Cut(p.Item, "=")
		if !ok || k == "" {
			return nil, cmdutil.FlagErrorf("--%s: %q is not key=value", flag, p.Item)
		}
		var val any = v
		if p.Typed {
			var err error
			if val, err = typedValue(f, v); err != nil {
				return nil, cmdutil.FlagErrorf("--%s %s: %v", flag, k, err)
			}
		}
		if err := setNested(params, k, val); err != nil {
			return nil, err
		}
	}
	return params, nil
}

func typedValue(f *cmdutil.Factory, v string) (any, error) {
	switch {
	case v == "true":
		return true, nil
	case v == "false":
		return false, nil
	case v == "null":
		return nil, nil
	case strings.HasPrefix(v, "@"):
		b, err := f.IO.ReadUserFile(v[1:])
		if err != nil {
			return nil, err
		}
		return string(b), nil
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		return n, nil
	}
	if x, err := strconv.ParseFloat(v, 64); err == nil {
		return x, nil
	}
	return v, nil
}

func setNested(m map[string]any, key string, val any) error {
	head, rest, nested := strings.Cut(key, "[")
	if !nested {
		m[key] = val
		return nil
	}
	sub, after, ok := strings.Cut(rest, "]")
	if !ok {
		return cmdutil.FlagErrorf("bad key %q: unbalanced [", key)
	}
	if sub == "" {
		list, _ := m[head].([]any)
		if after == "" { // a[]=x appends x
			m[head] = append(list, val)
			return nil
		}
		if !strings.HasPrefix(after, "[") {
			return cmdutil.FlagErrorf("bad key %q: after [] comes [name]", key)
		}
		// a[][b]=x sets b in the list's last object, or in a new one when that object has
		// no room for it (it is not an object, or already has b).
		inner := strings.TrimPrefix(after, "[")
		innerKey, innerRest, _ := strings.Cut(inner, "]")
		var last map[string]any
		if n := len(list); n > 0 {
			last, _ = list[n-1].(map[string]any)
		}
		if _, taken := last[innerKey]; last == nil || (taken && innerRest == "") {
			last = map[string]any{}
			list = append(list, last)
		}
		m[head] = list
		return setNested(last, innerKey+innerRest, val)
	}
	child, _ := m[head].(map[string]any)
	if child == nil {
		child = map[string]any{}
		m[head] = child
	}
	return setNested(child, sub+after, val)
}

func addQuery(q url.Values, k string, v any) {
	switch x := v.(type) {
	case []any:
		for _, e := range x {
			q.Add(k, fmt.Sprint(e))
		}
	case map[string]any:
		for sk, sv := range x {
			addQuery(q, k+"["+sk+"]", sv)
		}
	case nil:
		q.Add(k, "")
	default:
		q.Add(k, fmt.Sprint(x))
	}
}
