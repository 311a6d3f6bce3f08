package cmdutil

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// KeyValue is one NAME=VALUE flag value.
type KeyValue struct {
	Key, Value string
}

// ParseKeyValues splits repeatable NAME=VALUE flag values; flag names the flag in errors.
func ParseKeyValues(flag string, items []string) ([]KeyValue, error) {
	out := make([]KeyValue, 0, len(items))
	for _, it := range items {
		k, v, ok := strings.Cut(it, "=")
		if !ok || strings.TrimSpace(k) == "" {
			return nil, FlagErrorf("--%s: %q is not NAME=VALUE", flag, it)
		}
		out = append(out, KeyValue{Key: strings.TrimSpace(k), Value: v})
	}
	return out, nil
}

// ParseSeconds reads a duration flag given as seconds ("90") or a Go duration ("90s", "2m",
// "1h30m") and checks it lies in [min, max] seconds.
func ParseSeconds(flag, value string, min, max int) (int, error) {
	secs, err := strconv.Atoi(value)
	if err != nil {
		d, derr := time.ParseDuration(value)
		if derr != nil || d%time.Second != 0 {
			return 0, FlagErrorf("--%s: %q is not a duration in whole seconds (e.g. 90, 90s, 2m)", flag, value)
		}
		secs = int(d / time.Second)
	}
	if secs < min || secs > max {
		return 0, FlagErrorf("--%s must be between %s and %s, got %s", flag, HumanSeconds(min), HumanSeconds(max), HumanSeconds(secs))
	}
	return secs, nil
}

// HumanSeconds prints 86400 as "24h", 90 as "1m30s", 300 as "5m".
func HumanSeconds(s int) string {
	out := (time.Duration(s) * time.Second).String()
	out = strings.Replace(out, "m0s", "m", 1)
	return strings.Replace(out, "h0m", "h", 1)
}

// IntInRange checks an integer flag.
func IntInRange(flag string, v, min, max int) error {
	if v < min || v > max {
		return FlagErrorf("--%s must be between %d and %d, got %d", flag, min, max, v)
	}
	return nil
}

// MutuallyExclusive fails when more than one condition holds.
func MutuallyExclusive(message string, conditions ...bool) error {
	n := 0
	for _, c := range conditions {
		if c {
			n++
		}
	}
	if n > 1 {
		return FlagErrorf("%s", message)
	}
	return nil
}

// enumValue is a string flag that accepts only listed values.
type enumValue struct {
	target  *string
	options []string
}

func (e *enumValue) String() string { return *e.target }
func (e *enumValue) Type() string   { return "string" }
func (e *enumValue) Set(v string) error {
	for _, o := range e.options {
		if strings.EqualFold(o, v) {
			*e.target = o
			return nil
		}
	}
	return fmt.Errorf("valid values are %s", strings.Join(e.options, ", "))
}

// StringEnumFlag adds a flag that accepts only options, listed in its help and completion.
func StringEnumFlag(cmd *cobra.Command, p *string, name, short, def string, options []string, usage string) *pflag.Flag {
	*p = def
	fl := cmd.Flags().VarPF(&enumValue{target: p, options: options}, name, short, fmt.Sprintf("%s: {%s}", usage, strings.Join(options, "|")))
	_ = cmd.RegisterFlagCompletionFunc(name, func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return options, cobra.ShellCompDirectiveNoFileComp
	})
	return fl
}

// ExactArgs is cobra.ExactArgs with a usage-error exit code and a message naming the arguments.
func ExactArgs(n int, names string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) != n {
			return FlagErrorf("%s takes %s (got %d argument(s))", cmd.CommandPath(), names, len(args))
		}
		return nil
	}
}

// MinimumArgs requires at least n arguments.
func MinimumArgs(n int, names string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) < n {
			return FlagErrorf("%s takes %s", cmd.CommandPath(), names)
		}
		return nil
	}
}

// NoArgs refuses positional arguments.
func NoArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return FlagErrorf("%s takes no arguments (got %q)", cmd.CommandPath(), args[0])
	}
	return nil
}
