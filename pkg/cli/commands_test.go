package cli

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/nimbusctl/nimbusctl/pkg/cli/cmdutil"
	"github.com/nimbusctl/nimbusctl/pkg/output"
)

func testFactory() *cmdutil.Factory {
	ios, _, _, _ := output.Test()
	return NewFactory(ios, cmdutil.BuildInfo{Version: "dev"}, func(string) string { return "" })
}

// The root lists and finds a command by its placeholder: name, aliases, summary and section
// must be the builder's own.
func TestTopCommandsMatchTheirBuilders(t *testing.T) {
	f := testFactory()
	for _, top := range topCommands {
		c := top.build(f)
		if c.Name() != top.name || !slices.Equal(c.Aliases, top.aliases) || c.Short != top.short || c.Hidden {
			t.Errorf("topCommands in commands.go says\n\t{%q, %q, %q, %q}\nbut the builder makes\n\t{%q, %q, %q, %q} (hidden %v)",
				top.group, top.name, top.aliases, top.short, top.group, c.Name(), c.Aliases, c.Short, c.Hidden)
		}
		if c.GroupID != "" && c.GroupID != top.group {
			t.Errorf("%s: the builder puts it in group %q, topCommands in %q", top.name, c.GroupID, top.group)
		}
	}
}

// A process builds only the command it runs; help, shell completion and an unknown command
// (whose suggestions cobra draws from the tree) get the whole tree.
func TestRunBuildsOnlyTheInvokedCommand(t *testing.T) {
	all := []string{}
	for _, top := range topCommands {
		all = append(all, top.name)
	}
	for _, tc := range []struct {
		args  []string
		built []string
	}{
		{nil, nil},
		{[]string{"--help"}, nil},
		{[]string{"--version"}, nil},
		{[]string{"version"}, []string{"version"}},
		{[]string{"-o", "json", "--profile", "contact", "version"}, []string{"version"}},
		{[]string{"contacts", "list", "Customers"}, []string{"contact"}},
		{[]string{"et", "--help"}, []string{"external-task"}},
		{[]string{"completion", "bash"}, nil},
		{[]string{"help", "contact", "list"}, all},
		{[]string{"__complete", "contact", ""}, all},
		{[]string{"contcat"}, all},
	} {
		f := testFactory()
		root := newRootCmd(f)
		buildInvoked(f, root, tc.args)
		var built []string
		for _, top := range topCommands {
			c, _, err := root.Find([]string{top.name})
			if err == nil && c.Name() == top.name && !isPlaceholder(c) {
				built = append(built, top.name)
			}
		}
		if !slices.Equal(built, tc.built) {
			t.Errorf("%q built %q, want %q", tc.args, built, tc.built)
		}
	}
}

// The root's help from placeholders is the help of the whole tree.
func TestRootHelpWithoutTheTree(t *testing.T) {
	ios, _, out, _ := output.Test()
	f := NewFactory(ios, cmdutil.BuildInfo{Version: "dev"}, func(string) string { return "" })
	if code := Run(context.Background(), f, []string{"--help"}); code != 0 {
		t.Fatalf("--help exited %d", code)
	}

	full, _, fullOut, _ := output.Test()
	root := NewRootCmd(NewFactory(full, cmdutil.BuildInfo{Version: "dev"}, func(string) string { return "" }))
	root.SetArgs([]string{"--help"})
	root.SetOut(fullOut)
	if err := root.Execute(); err != nil {
		t.Fatal(err)
	}
	if out.String() != fullOut.String() || !strings.Contains(out.String(), "Nimbus commands:") {
		t.Errorf("--help from placeholders:\n%s\nfrom the whole tree:\n%s", out, fullOut)
	}
}
