package shared

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/nimbusctl/nimbusctl/pkg/cli/cmdutil"
	"github.com/nimbusctl/nimbusctl/pkg/nimbus"
	"github.com/nimbusctl/nimbusctl/pkg/output"
)

// NameValueLookup is one of the client's NameValue lookups, as a method expression:
// (*nimbus.Client).GetTaskEvents.
type NameValueLookup = func(*nimbus.Client, context.Context) ([]nimbus.NameValue, error)

// StringLookup is one of the client's UPN-list lookups: (*nimbus.Client).GetServices.
type StringLookup = func(*nimbus.Client, context.Context) ([]string, error)

// ResolveValue maps what the user typed to the value the API takes: a list entry's value
// (exact) or its name (case-insensitive), else its value case-insensitively. An unknown
// entry is a flag error listing the allowed names.
func ResolveValue(flag, given string, list []nimbus.NameValue) (string, error) {
	for _, nv := range list {
		if nv.Value == given {
			return nv.Value, nil
		}
	}
	for _, nv := range list {
		if strings.EqualFold(nv.Name, given) {
			return nv.Value, nil
		}
	}
	for _, nv := range list {
		if strings.EqualFold(nv.Value, given) {
			return nv.Value, nil
		}
	}
	return "", cmdutil.FlagErrorf("--%s: unknown value %q: allowed: %s", flag, given, allowed(list))
}

// ResolveValues applies ResolveValue to each value of a repeatable flag, dropping repeats.
func ResolveValues(flag string, given []string, list []nimbus.NameValue) ([]string, error) {
	out := make([]string, 0, len(given))
	seen := map[string]bool{}
	for _, g := range given {
		v, err := ResolveValue(flag, g, list)
		if err != nil {
			return nil, err
		}
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out, nil
}

// allowed lists a lookup for an error message: names, with the value where it differs.
func allowed(list []nimbus.NameValue) string {
	if len(list) == 0 {
		return "(the list is empty)"
	}
	parts := make([]string, len(list))
	for i, nv := range list {
		parts[i] = nv.Name
		if nv.Value != nv.Name {
			parts[i] = fmt.Sprintf("%s (%s)", nv.Name, nv.Value)
		}
	}
	return strings.Join(parts, ", ")
}

// NameValueCols are the table columns of every NameValue lookup.
var NameValueCols = output.Cols("NAME=name", "VALUE=value")

// PrintNameValues runs a NameValue lookup and prints it.
func PrintNameValues(ctx context.Context, f *cmdutil.Factory, fetch NameValueLookup) error {
	return printLookup(ctx, f, fetch, NameValueCols)
}

// PrintStrings runs a UPN-list lookup and prints it under header.
func PrintStrings(ctx context.Context, f *cmdutil.Factory, fetch StringLookup, header string) error {
	return printLookup(ctx, f, fetch, []output.Column{{Header: header}})
}

// printLookup runs a lookup and prints its list (an empty one as [], not null).
func printLookup[T any](ctx context.Context, f *cmdutil.Factory, fetch func(*nimbus.Client, context.Context) ([]T, error), cols []output.Column) error {
	c, err := f.Nimbus()
	if err != nil {
		return err
	}
	list, err := fetch(c, ctx)
	if err != nil {
		return err
	}
	if list == nil {
		list = []T{}
	}
	return f.Printer().Print(list, cols)
}

// completionTimeout bounds a lookup made for shell completion: a shell waits on it.
const completionTimeout = 10 * time.Second

// completing runs fn with the client for a completion; any error becomes
// ShellCompDirectiveError and no candidates (nothing is ever printed).
func completing(f *cmdutil.Factory, cmd *cobra.Command, fn func(ctx context.Context, c *nimbus.Client) ([]string, error)) ([]string, cobra.ShellCompDirective) {
	ctx := cmd.Context()
	if ctx == nil {
		ctx = context.Background()
	}
	ctx, cancel := context.WithTimeout(ctx, completionTimeout)
	defer cancel()
	c, err := f.Nimbus()
	if err != nil {
		return nil, cobra.ShellCompDirectiveError
	}
	out, err := fn(ctx, c)
	if err != nil {
		return nil, cobra.ShellCompDirectiveError
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}

// CompleteNameValues completes a lookup's names, with the value as description where it
// differs (both are accepted).
func CompleteNameValues(f *cmdutil.Factory, fetch NameValueLookup) cobra.CompletionFunc {
	return func(cmd *cobra.Command, _ []string, _ string) ([]string, cobra.ShellCompDirective) {
		return completing(f, cmd, func(ctx context.Context, c *nimbus.Client) ([]string, error) {
			list, err := fetch(c, ctx)
			if err != nil {
				return nil, err
			}
			out := make([]string, 0, len(list))
			for _, nv := range list {
				if nv.Value != nv.Name {
					out = append(out, cobra.CompletionWithDesc(nv.Name, "value "+nv.Value))
				} else {
					out = append(out, nv.Name)
				}
			}
			return out, nil
		})
	}
}

// CompleteStrings completes a UPN-list lookup.
func CompleteStrings(f *cmdutil.Factory, fetch StringLookup) cobra.CompletionFunc {
	return func(cmd *cobra.Command, _ []string, _ string) ([]string, cobra.ShellCompDirective) {
		return completing(f, cmd, func(ctx context.Context, c *nimbus.Client) ([]string, error) {
			return fetch(c, ctx)
		})
	}
}

// CompleteBooks completes the BOOK argument (first positional) with the address books'
// names, described by their ids.
func CompleteBooks(f *cmdutil.Factory) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
		if len(args) > 0 {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		return completing(f, cmd, func(ctx context.Context, c *nimbus.Client) ([]string, error) {
			books, err := c.GetAddressBooks(ctx)
			return bookCandidates(books), err
		})
	}
}

// CompleteFlag registers a flag's completion (the flag must exist).
func CompleteFlag(cmd *cobra.Command, flag string, fn cobra.CompletionFunc) {
	if err := cmd.RegisterFlagCompletionFunc(flag, fn); err != nil {
		panic(err) // a programming error: the flag is not defined
	}
}

// NoFiles is the completion of a free-form argument or flag.
func NoFiles(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
	return nil, cobra.ShellCompDirectiveNoFileComp
}
