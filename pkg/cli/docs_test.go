package cli_test

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/nimbusctl/nimbusctl/pkg/cli"
	"github.com/nimbusctl/nimbusctl/pkg/cli/cmdutil"
	"github.com/nimbusctl/nimbusctl/pkg/output"
)

// TestReferenceDocsAreCurrent fails when docs/reference no longer matches the command tree:
// run `make docs` and commit the result.
func TestReferenceDocsAreCurrent(t *testing.T) {
	ios, _, _, _ := output.Test()
	f := cli.NewFactory(ios, cmdutil.BuildInfo{Version: "dev"}, func(string) string { return "" })
	want, err := cli.ReferenceDocs(cli.NewRootCmd(f))
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join("..", "..", "docs", "reference")
	have, _ := filepath.Glob(filepath.Join(dir, "nimbusctl*.md"))
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
		t.Errorf("docs/reference/%s: run `make docs`", s)
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
