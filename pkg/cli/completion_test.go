package cli_test

import (
	"strings"
	"testing"

	"github.com/nimbusctl/nimbusctl/pkg/cli/clitest"
	"github.com/nimbusctl/nimbusctl/pkg/cli/docgen"
)

// TestCompletionScripts: the scripts the packages install (make completions) are what
// `nimbusctl completion SHELL` prints, and each registers itself for nimbusctl the way its
// shell expects. PowerShell cannot run here, so its script is checked for the pieces Windows
// users rely on: the registration and the __complete call it makes to nimbusctl.
func TestCompletionScripts(t *testing.T) {
	t.Parallel()
	files, err := docgen.Completions(tree())
	if err != nil {
		t.Fatal(err)
	}
	e := clitest.New(t)
	for name, want := range map[string][]string{
		"nimbusctl.bash": {"complete -o default -F __start_nimbusctl nimbusctl"},
		"nimbusctl.zsh":  {"#compdef nimbusctl", "compdef _nimbusctl nimbusctl"},
		"nimbusctl.fish": {"complete -c nimbusctl "},
		"nimbusctl.ps1": {
			"Register-ArgumentCompleter -CommandName 'nimbusctl' -ScriptBlock ${__nimbusctlCompleterBlock}",
			"__complete",
		},
	} {
		script := files[name]
		for _, w := range want {
			if !strings.Contains(script, w) {
				t.Errorf("%s lacks %q", name, w)
			}
		}
		shell := map[string]string{"bash": "bash", "zsh": "zsh", "fish": "fish", "ps1": "powershell"}[name[strings.IndexByte(name, '.')+1:]]
		e.Run("completion", shell).Expect(t, 0, script, "")
	}
	if len(files) != 4 {
		t.Errorf("%d completion files, want 4", len(files))
	}
}

// TestCompleteProtocol is what every completion script asks nimbusctl: the candidates for a
// partial command line, with their descriptions, and a directive.
func TestCompleteProtocol(t *testing.T) {
	t.Parallel()
	e := clitest.New(t)
	e.Run("__complete", "contact", "imp").Expect(t, 0,
		"import\tMake an address book match a CSV or JSON file (add, update, and remove with --prune)\n:4\n",
		"Completion ended with directive: ShellCompDirectiveNoFileComp\n")
	e.Run("__complete", "--output", "").Expect(t, 0, "table\njson\nyaml\ncsv\n:4\n",
		"Completion ended with directive: ShellCompDirectiveNoFileComp\n")
}
