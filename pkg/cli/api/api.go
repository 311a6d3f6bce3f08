// Package api implements `nimbusctl api`: a raw call through the same pipeline as every other
// command (credential, rate limit, retries, errors, --debug), like `gh api`.
package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
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
	Method    string
	Path      string
	Fields    []string
	RawFields []string
	Headers   []string
	Input     string
	Service   string
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
such; @file reads the value from a file), -f key=value a string. Nested keys work:
-f 'customer[firstName]=Ada' and -f 'services[]=a@x'. For GET and DELETE they go into the
query string (a[]=x repeats the parameter; the connector's array parameters want one
comma-separated value: -f externalIds=C-1,C-2), otherwise into a JSON body. --input sends a
file as the body instead.

The answer is printed as JSON (or -o yaml|table|csv), and --jq filters it.`,
		Example: `  $ nimbusctl api GET /v2/AddressBooks --jq '.[].name'
  $ nimbusctl api GET /v1/scheduler-entries -f serviceUpn=support@contoso.com
  $ nimbusctl api POST /v2/AddressBooks/ab-1/contacts -f externalId=c-42 -f firstName=Ada
  $ nimbusctl api PUT /v1/tasks/T1 --input task.json`,
		Args: cmdutil.ExactArgs(2, "a method and a path"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Method = strings.ToUpper(args[0])
			opts.Path = args[1]
			if !cmd.Flags().Changed("output") && f.Flags.JQ == "" {
				f.Flags.Output = "json"
			}
			return run(cmd, f, opts)
		},
	}
	AddRequestFlags(cmd, opts)
	cmdutil.StringEnumFlag(cmd, &opts.Service, "service", "", "nimbus", Services, "which API to call")
	return cmd
}

// AddRequestFlags registers -F, -f, -H and --input (shared with `nps api`).
func AddRequestFlags(cmd *cobra.Command, opts *Options) {
	cmd.Flags().StringArrayVarP(&opts.Fields, "field", "F", nil, "typed parameter `key=value` (repeatable)")
	cmd.Flags().StringArrayVarP(&opts.RawFields, "raw-field", "f", nil, "string parameter `key=value` (repeatable)")
	cmd.Flags().StringArrayVarP(&opts.Headers, "header", "H", nil, "extra request header `key:value` (repeatable)")
	cmd.Flags().StringVar(&opts.Input, "input", "", "`file` to send as the request body ('-' for stdin)")
}

func run(cmd *cobra.Command, f *cmdutil.Factory, opts *Options) error {
	req, err := BuildRequest(f, opts, operationName)
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
	return PrintAnswer(f, resp.Body)
}

// BuildRequest turns the method, path and flags into a pipeline request: -F/-f make a JSON
// body (the query string for GET and DELETE), --input the body, -H headers. name gives the
// operation name errors show (shared with `nps api`).
func BuildRequest(f *cmdutil.Factory, opts *Options, name func(method, path string) string) (*httpx.Request, error) {
	if !contains(methods, opts.Method) {
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

// PrintAnswer writes an answer as `api` does: JSON through the printer (-o, --jq), anything
// else as it came; an empty answer prints nothing.
func PrintAnswer(f *cmdutil.Factory, answer []byte) error {
	body := bytes.TrimSpace(answer)
	if len(body) == 0 {
		return nil
	}
	if !json.Valid(body) {
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

// parseFields turns -F/-f into a nested object: a[b]=1 sets {"a":{"b":1}}, a[]=x appends.
func parseFields(f *cmdutil.Factory, opts *Options) (map[string]any, error) {
	params := map[string]any{}
	add := func(flag, item string, typed bool) error {
		k, v, ok := strings.Cut(item, "=")
		if !ok || k == "" {
			return cmdutil.FlagErrorf("--%s: %q is not key=value", flag, item)
		}
		var val any = v
		if typed {
			var err error
			if val, err = typedValue(f, v); err != nil {
				return cmdutil.FlagErrorf("--%s %s: %v", flag, k, err)
			}
		}
		return setNested(params, k, val)
	}
	for _, it := range opts.Fields {
		if err := add("field", it, true); err != nil {
			return nil, err
		}
	}
	for _, it := range opts.RawFields {
		if err := add("raw-field", it, false); err != nil {
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
	if sub == "" { // a[]=x appends
		list, _ := m[head].([]any)
		m[head] = append(list, val)
		return nil
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

func contains(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}
