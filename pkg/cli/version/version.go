// Package version implements `nimbusctl version`.
package version

import (
	"fmt"
	"runtime"

	"github.com/spf13/cobra"

	"github.com/nimbusctl/nimbusctl/pkg/cli/cmdutil"
)

// Info is the JSON form of the version.
type Info struct {
	Version string `json:"version"`
	Commit  string `json:"commit,omitempty"`
	Date    string `json:"date,omitempty"`
	Go      string `json:"go"`
	OS      string `json:"os"`
	Arch    string `json:"arch"`
}

// Line is the one-line human form.
func Line(b cmdutil.BuildInfo) string {
	s := "nimbusctl version " + b.Version
	if b.Commit != "" || b.Date != "" {
		s += fmt.Sprintf(" (commit %s, built %s)", orUnknown(b.Commit), orUnknown(b.Date))
	}
	return s
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}

// NewCmdVersion builds `nimbusctl version`.
func NewCmdVersion(f *cmdutil.Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Show the version of nimbusctl",
		Example: `  $ nimbusctl version
  $ nimbusctl version -o json --jq .version`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if !f.Machine() {
				fmt.Fprintln(f.IO.Out, Line(f.Build))
				return nil
			}
			return f.Printer().Print(Info{
				Version: f.Build.Version, Commit: f.Build.Commit, Date: f.Build.Date,
				Go: runtime.Version(), OS: runtime.GOOS, Arch: runtime.GOARCH,
			}, nil)
		},
	}
}
