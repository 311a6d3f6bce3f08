// Package config implements `nimbusctl config`: profiles and their settings.
package config

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/nimbusctl/nimbusctl/pkg/cli/cmdutil"
	cfg "github.com/nimbusctl/nimbusctl/pkg/config"
	"github.com/nimbusctl/nimbusctl/pkg/output"
)

// Setting is one row of `config list`.
type Setting struct {
	Key    string `json:"key"`
	Value  string `json:"value"`
	Source string `json:"source"`
}

// ProfileInfo is one row of `config profiles`.
type ProfileInfo struct {
	Name     string `json:"name"`
	Current  bool   `json:"current"`
	Endpoint string `json:"endpoint"`
}

// NewCmdConfig builds `nimbusctl config` and its subcommands.
func NewCmdConfig(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "config <command>",
		Short: "Manage profiles and settings",
		Long: `Settings live in named profiles in config.yaml ($XDG_CONFIG_HOME/nimbusctl/config.yaml).
Select a profile with --profile or NIMBUSCTL_PROFILE; every key can also be overridden by
NIMBUSCTL_<KEY> (see 'nimbusctl help environment'). Secrets are never stored here.
Profile names are lowercase letters, digits, - and _, starting with a letter or digit
(prod, prod-eu, test_2); any other name is refused (exit 3).

Keys:
` + keyHelp(),
		Example: `  $ nimbusctl config set region de-02 --profile prod
  $ nimbusctl config set tenant contoso.onmicrosoft.com --profile prod
  $ nimbusctl config use-profile prod
  $ nimbusctl config list`,
	}
	cmd.AddCommand(newCmdList(f), newCmdGet(f), newCmdSet(f), newCmdUnset(f), newCmdUseProfile(f), newCmdProfiles(f))
	return cmd
}

func keyHelp() string {
	var b strings.Builder
	for _, k := range cfg.Keys {
		def := ""
		if k.Default != "" {
			def = " (default " + k.Default + ")"
		}
		fmt.Fprintf(&b, "  %-22s %s%s\n", k.Name, k.Description, def)
	}
	return b.String()
}

func newCmdList(f *cmdutil.Factory) *cobra.Command {
	return &cobra.Command{
		Use:     "list",
		Short:   "Show every setting of the profile in effect, and where it comes from",
		Example: "  $ nimbusctl config list --profile sandbox -o json",
		Args:    cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := f.Profile()
			if err != nil {
				return err
			}
			rows := make([]Setting, 0, len(cfg.Keys))
			for _, k := range cfg.Keys {
				v, src := p.Get(k.Name), p.Source(k.Name)
				switch {
				case k.Name == "endpoint" && v == "" && p.Get("region") != "":
					v, src = p.NimbusURL(), "region "+p.Get("region")
				case k.Name == "odata_url" && v == "" && p.Get("region") != "":
					v, src = p.ODataURL(), "region "+p.Get("region")
				case v == "":
					src = "unset"
				}
				rows = append(rows, Setting{Key: k.Name, Value: v, Source: src})
			}
			if f.IO.IsStdoutTTY() && !f.Machine() {
				fmt.Fprintf(f.IO.ErrOut, "profile %s\n", p.Name)
			}
			return f.Printer().Print(rows, output.Cols("KEY=key", "VALUE=value", "SOURCE=source"))
		},
	}
}

func newCmdGet(f *cmdutil.Factory) *cobra.Command {
	return &cobra.Command{
		Use:     "get <key>",
		Short:   "Print the value of one setting",
		Example: "  $ nimbusctl config get region",
		Args:    cmdutil.ExactArgs(1, "one key"),
		RunE: func(cmd *cobra.Command, args []string) error {
			k, ok := cfg.FindKey(args[0])
			if !ok {
				return cmdutil.FlagErrorf("unknown key %q: known keys: %s", args[0], strings.Join(cfg.KeyNames(), ", "))
			}
			p, err := f.Profile()
			if err != nil {
				return err
			}
			v := p.Get(k.Name)
			switch {
			case k.Name == "endpoint" && v == "":
				v = p.NimbusURL()
			case k.Name == "odata_url" && v == "":
				v = p.ODataURL()
			}
			if f.Machine() {
				return f.Printer().Print(Setting{Key: k.Name, Value: v, Source: p.Source(k.Name)}, output.Cols("KEY=key", "VALUE=value", "SOURCE=source"))
			}
			fmt.Fprintln(f.IO.Out, v)
			return nil
		},
	}
}

func newCmdSet(f *cmdutil.Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "set <key> <value>",
		Short: "Store a setting in a profile (created if new)",
		Example: `  $ nimbusctl config set region ch-02
  $ nimbusctl config set nimbus_rate auto --profile prod`,
		Args: cmdutil.ExactArgs(2, "a key and a value"),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.Config()
			if err != nil {
				return err
			}
			if err := c.Set(c.ProfileName(), args[0], args[1]); err != nil {
				return cmdutil.FlagErrorWrap(err)
			}
			if err := c.Save(); err != nil {
				return err
			}
			if f.IO.IsStdoutTTY() {
				f.IO.Successf("Set %s to %q in profile %s", args[0], args[1], c.ProfileName())
			}
			return nil
		},
	}
}

func newCmdUnset(f *cmdutil.Factory) *cobra.Command {
	return &cobra.Command{
		Use:     "unset <key>",
		Short:   "Remove a setting from a profile (its default applies again)",
		Example: "  $ nimbusctl config unset endpoint",
		Args:    cmdutil.ExactArgs(1, "one key"),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.Config()
			if err != nil {
				return err
			}
			if err := c.Set(c.ProfileName(), args[0], ""); err != nil {
				return cmdutil.FlagErrorWrap(err)
			}
			return c.Save()
		},
	}
}

func newCmdUseProfile(f *cmdutil.Factory) *cobra.Command {
	return &cobra.Command{
		Use:     "use-profile <name>",
		Short:   "Make a profile the current one",
		Example: "  $ nimbusctl config use-profile sandbox",
		Args:    cmdutil.ExactArgs(1, "a profile name"),
		ValidArgsFunction: func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
			c, err := f.Config()
			if err != nil {
				return nil, cobra.ShellCompDirectiveError
			}
			return c.Profiles(), cobra.ShellCompDirectiveNoFileComp
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.Config()
			if err != nil {
				return err
			}
			if err := c.Use(args[0]); err != nil {
				return cmdutil.FlagErrorWrap(err)
			}
			if err := c.Save(); err != nil {
				return err
			}
			if f.IO.IsStdoutTTY() {
				f.IO.Successf("Now using profile %s", args[0])
			}
			return nil
		},
	}
}

func newCmdProfiles(f *cmdutil.Factory) *cobra.Command {
	return &cobra.Command{
		Use:     "profiles",
		Short:   "List the profiles of config.yaml",
		Example: "  $ nimbusctl config profiles",
		Args:    cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.Config()
			if err != nil {
				return err
			}
			current := c.ProfileName()
			rows := []ProfileInfo{}
			for _, name := range c.Profiles() {
				row := ProfileInfo{Name: name, Current: name == current}
				if p, err := c.ProfileNamed(name); err == nil {
					row.Endpoint = p.NimbusURL()
				}
				rows = append(rows, row)
			}
			return f.Printer().Print(rows, output.Cols("NAME=name", "CURRENT=current", "ENDPOINT=endpoint"))
		},
	}
}
