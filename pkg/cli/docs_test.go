package cli_test

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/nimbusctl/nimbusctl/pkg/cli"
	"github.com/nimbusctl/nimbusctl/pkg/cli/cmdutil"
	"github.com/nimbusctl/nimbusctl/pkg/cli/docgen"
	"github.com/nimbusctl/nimbusctl/pkg/output"
)

// tree is a fresh command tree built from an empty environment, as cmd/gen-docs builds it.
func tree() *cobra.Command {
	ios, _, _, _ := output.Test()
	return cli.NewRootCmd(cli.NewFactory(ios, cmdutil.BuildInfo{Version: "dev"}, func(string) string { return "" }))
}

// TestReferenceDocsAreCurrent fails when docs/reference no longer matches the command tree:
// run `make docs` and commit the result.
func TestReferenceDocsAreCurrent(t *testing.T) {
	checkGenerated(t, filepath.Join("..", "..", "docs", "reference"), "nimbusctl*.md", docgen.Markdown(tree()), "make docs")
}

// TestManPagesAreCurrent does the same for the man pages the packages install.
func TestManPagesAreCurrent(t *testing.T) {
	pages, err := docgen.Man(tree())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(pages["nimbusctl-contact-import.1"], "nimbusctl contact import <book> <file> [flags]") {
		t.Errorf("the synopsis lost its arguments:\n%s", pages["nimbusctl-contact-import.1"])
	}
	checkGenerated(t, filepath.Join("..", "..", "docs", "man"), "nimbusctl*.1", pages, "make man")
}

func checkGenerated(t *testing.T, dir, glob string, want map[string]string, fix string) {
	t.Helper()
	have, _ := filepath.Glob(filepath.Join(dir, glob))
	var stale []string
	for _, path := range have {
		name := filepath.Base(path)
		if _, ok := want[name]; !ok {
			stale = append(stale, name+" (no such command any more)")
		}
	}
	for name, body := range want {
		got, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			stale = append(stale, name+" (missing)")
		} else if string(got) != body {
			stale = append(stale, name+" (out of date)")
		}
	}
	sort.Strings(stale)
	for _, s := range stale {
		t.Errorf("%s/%s: run `%s`", filepath.ToSlash(dir), s, fix)
	}
}

// TestExitCodesDocMatches keeps docs/exit-codes.md equal to the codes the program uses.
func TestExitCodesDocMatches(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "exit-codes.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cmdutil.ExitCodes {
		row := fmt.Sprintf("| %d | %s | %s |", c.Code, c.Name, c.Meaning)
		if !strings.Contains(string(doc), row) {
			t.Errorf("docs/exit-codes.md lacks the row %q", row)
		}
	}
}
