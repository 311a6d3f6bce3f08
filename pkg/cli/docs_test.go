package cli_test

import (
	"fmt"
	"os"
	"path"
	"path/filepath"
	"regexp"
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
	for _, u := range cmdutil.Unresolved {
		row := fmt.Sprintf("| `%s` | %s | `%s` | %s |", u.Command, u.Reports, u.Arrived, u.DidNot)
		if !strings.Contains(string(doc), row) {
			t.Errorf("docs/exit-codes.md lacks the unresolved sender's row %q", row)
		}
	}
}

// TestHelpEnvironmentNamesEveryVariable keeps `nimbusctl help environment` in step with the
// code: every environment variable the program reads (a NIMBUSCTL_ or NPSTODAY_ name, or a
// name given to Getenv) is listed there.
func TestHelpEnvironmentNamesEveryVariable(t *testing.T) {
	named := regexp.MustCompile(`"((?:NIMBUSCTL|NPSTODAY)_[A-Z0-9_]+)"|Getenv\("([A-Z][A-Z0-9_]*)"\)`)
	notForUsers := map[string]string{
		"GOGC": "bulk runs tune the collector only when the user has not",
		"TZ":   "the machine's zone, which the timezone key's default names",
		"PATH": "clitest hands it to the programs a command starts; nimbusctl only passes it on",
	}
	text := cli.EnvironmentText()
	found := map[string]string{}
	for _, root := range []string{filepath.Join("..", "..", "pkg"), filepath.Join("..", "..", "cmd")} {
		err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return err
			}
			src, err := os.ReadFile(path)
			for _, m := range named.FindAllStringSubmatch(string(src), -1) {
				found[m[1]+m[2]] = path
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if len(found) < 20 {
		t.Fatalf("found only %v: the pattern no longer matches how the code reads the environment", found)
	}
	for name, path := range found {
		if _, ok := notForUsers[name]; !ok && !regexp.MustCompile(`\b`+name+`\b`).MatchString(text) {
			t.Errorf("%s (read in %s) is missing from `nimbusctl help environment` (pkg/cli/helptopics.go)", name, filepath.ToSlash(path))
		}
	}
}

// TestDevelopmentLayoutListsEveryPackage keeps the layout table of docs/development.md in step
// with the packages: each folder of Go code under cmd/ and pkg/ has its row (the command
// groups, pkg/cli/<noun>/, share one).
func TestDevelopmentLayoutListsEveryPackage(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "development.md"))
	if err != nil {
		t.Fatal(err)
	}
	var table strings.Builder
	for _, line := range strings.Split(string(doc), "\n") {
		if strings.HasPrefix(line, "| `") {
			table.WriteString(line + "\n")
		}
	}
	dirs := map[string]bool{}
	for _, root := range []string{"cmd", "pkg"} {
		err := filepath.WalkDir(filepath.Join("..", "..", root), func(path string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return err
			}
			rel, err := filepath.Rel(filepath.Join("..", ".."), filepath.Dir(path))
			dirs[filepath.ToSlash(rel)] = true
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if !dirs["pkg/httpx"] || !dirs["cmd/nimbusctl"] {
		t.Fatalf("packages found: %v", dirs)
	}
	for dir := range dirs {
		if path.Dir(dir) == "pkg/cli" || strings.Contains(table.String(), "`"+dir+"/") {
			continue
		}
		t.Errorf("docs/development.md: the layout table has no row for %s/", dir)
	}
}
