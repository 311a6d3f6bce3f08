// Package docgen renders what is generated from the command tree: the Markdown reference
// (docs/reference), the man pages (docs/man) and the shell completions the packages install.
// It is used by cmd/gen-docs and by the tests that keep the checked-in files current, never
// by nimbusctl itself (the man renderer stays out of the binary).
package docgen

import (
	"fmt"
	"sort"
	"strings"

	"github.com/spf13/cobra"
)

// Markdown renders one page per visible command, keyed by file name. The output depends only
// on the command tree, so a test can tell when docs/reference is stale.
func Markdown(root *cobra.Command) map[string]string {
	files := map[string]string{}
	walk(root, func(c *cobra.Command) { files[docName(c)] = renderDoc(c) })
	return files
}

// walk visits the visible commands and help topics, depth first.
func walk(root *cobra.Command, visit func(*cobra.Command)) {
	root.InitDefaultCompletionCmd() // cobra adds it only on Execute; document it too
	var rec func(c *cobra.Command)
	rec = func(c *cobra.Command) {
		if c.Hidden || c.Name() == "help" {
			return
		}
		visit(c)
		for _, sub := range c.Commands() {
			if listed(sub) {
				rec(sub)
			}
		}
	}
	rec(root)
}

func listed(c *cobra.Command) bool {
	return c.IsAvailableCommand() || c.Annotations["helpTopic"] == "true"
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
		if listed(s) {
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
