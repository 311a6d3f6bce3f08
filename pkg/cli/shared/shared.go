// Package shared holds what the connector command groups (addressbook, contact, schedule,
// external-task, task, trigger) have in common: address-book resolution, the customer,
// context-parameter and preferred-user flag groups, lookup checks, --from-json bodies, output
// views and shell completion read from the live lookups.
package shared

import (
	"errors"
	"fmt"
	"strings"

	"github.com/nimbusctl/nimbusctl/pkg/cli/cmdutil"
	"github.com/nimbusctl/nimbusctl/pkg/nimbus"
	"github.com/nimbusctl/nimbusctl/pkg/output"
)

// Operations is the annotation that names the connector operations a command calls
// (comma-separated operationIds); a test checks that together they cover the swagger.
func Operations(ops ...nimbus.Operation) map[string]string {
	ids := ""
	for i, op := range ops {
		if i > 0 {
			ids += ","
		}
		ids += op.ID
	}
	return map[string]string{"operations": ids}
}

// NotFoundf is a "no such thing" found on the client side (e.g. an id absent from a list):
// exit 6, like a 404.
func NotFoundf(format string, a ...any) error {
	return &cmdutil.ExitError{Code: cmdutil.ExitNotFound, Err: fmt.Errorf(format, a...)}
}

// Invalid turns a nimbus.ValidationError (a request body that breaks the swagger's rules)
// into invalid input (exit 3), keeping its message, which names each field. Other errors
// pass unchanged.
func Invalid(err error) error {
	var v nimbus.ValidationError
	if errors.As(err, &v) {
		return cmdutil.InvalidInputf("%s", v.Error())
	}
	return err
}

// Print writes the API objects for json, yaml and --jq, and a table-friendly view of the same
// rows (view, printed with cols) for table and csv output.
func Print(f *cmdutil.Factory, api, view any, cols []output.Column) error {
	switch {
	case f.Flags.JQ != "", f.OutputFormat() == output.FormatJSON, f.OutputFormat() == output.FormatYAML:
		return f.Printer().Print(api, nil)
	}
	return f.Printer().Print(view, cols)
}

// Successf writes a ✓ confirmation to stderr, only when stdout is a terminal.
func Successf(f *cmdutil.Factory, format string, a ...any) {
	if f.IO.IsStdoutTTY() {
		f.IO.Successf(format, a...)
	}
}

// Require fails with a flag error when a required string flag is missing or blank.
func Require(name, value, hint string) error {
	if strings.TrimSpace(value) != "" {
		return nil
	}
	if hint != "" {
		return cmdutil.FlagErrorf("--%s is required: %s", name, hint)
	}
	return cmdutil.FlagErrorf("--%s is required", name)
}
