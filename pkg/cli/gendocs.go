package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/nimbusctl/nimbusctl/pkg/cli/cmdutil"
)

// newCmdGenDocs writes the command reference (`make docs`). Hidden: it is a build step.
func newCmdGenDocs(f *cmdutil.Factory) *cobra.Command {
	var dir string
	cmd := &cobra.Command{
		Use:    "gen-docs",
		Short:  "Write the Markdown command reference",
		Hidden: true,
		Args:   cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			// A tree built from an empty environment, so NIMBUSCTL_OUTPUT & co. never leak into docs.
			clean := NewFactory(f.IO, f.Build, func(string) string { return "" })
			files, err := ReferenceDocs(NewRootCmd(clean))
			if err != nil {
				return err
			}
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return err
			}
			old, _ := filepath.Glob(filepath.Join(dir, "nimbusctl*.md"))
			for _, o := range old {
				if _, keep := files[filepath.Base(o)]; !keep {
					os.Remove(o)
				}
			}
			for name, body := range files {
				if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
					return err
				}
			}
			fmt.Fprintf(f.IO.ErrOut, "wrote %d files to %s\n", len(files), dir)
			return nil
		},
	}
	cmd.Flags().StringVar(&dir, "dir", "docs/reference", "output folder")
	return cmd
}

// ReferenceDocs renders one Markdown page per visible command, keyed by file name. The output
// depends only on the command tree, so a test can tell when docs/reference is stale.
func ReferenceDocs(root *cobra.Command) (map[string]string, error) {
	root.InitDefaultCompletionCmd() // cobra adds it only on Execute; document it too
	files := map[string]string{}
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if c.Hidden || c.Name() == "help" {
			return
		}
		files[docName(c)] = renderDoc(c)
		for _, sub := range c.Commands() {
			if sub.IsAvailableCommand() || sub.Annotations["helpTopic"] == "true" {
				walk(sub)
			}
		}
	}
	walk(root)
	return files, nil
}

func docName(c *cobra.Command) string {
	return strings.ReplaceAll(c.CommandPath(), " ", "_") + ".md"
}

func renderDoc(c *cobra.Command) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# %s\n\n%s\n\n", c.CommandPath(), c.Short)
	if c.Runnable() && !c.HasSubCommands() { // a group lists its commands instead
		fmt.Fprintf(&b, "```\n%s\n```\n\n", c.UseLine())
	}
	if c.Long != "" {
		fmt.Fprintf(&b, "%s\n\n", c.Long)
	}
	if c.Example != "" {
		fmt.Fprintf(&b, "## Examples\n\n```\n%s\n```\n\n", c.Example)
	}
	if fl := c.NonInheritedFlags().FlagUsages(); strings.TrimSpace(fl) != "" {
		fmt.Fprintf(&b, "## Flags\n\n```\n%s```\n\n", fl)
	}
	if fl := c.InheritedFlags().FlagUsages(); strings.TrimSpace(fl) != "" {
		fmt.Fprintf(&b, "## Global flags\n\n```\n%s```\n\n", fl)
	}
	var subs []string
	for _, s := range c.Commands() {
		if s.IsAvailableCommand() || s.Annotations["helpTopic"] == "true" {
			subs = append(subs, fmt.Sprintf("- [%s](%s) — %s", s.CommandPath(), docName(s), s.Short))
		}
	}
	sort.Strings(subs)
	if len(subs) > 0 {
		fmt.Fprintf(&b, "## Commands\n\n%s\n\n", strings.Join(subs, "\n"))
	}
	if p := c.Parent(); p != nil {
		fmt.Fprintf(&b, "See also: [%s](%s)\n", p.CommandPath(), docName(p))
	}
	return b.String()
}
