package docgen

import (
	"bytes"

	"github.com/spf13/cobra"
)

// Completions renders the completion scripts the packages install, keyed by file name:
// nimbusctl.bash, nimbusctl.zsh (zsh's _nimbusctl), nimbusctl.fish and nimbusctl.ps1.
func Completions(root *cobra.Command) (map[string]string, error) {
	gens := map[string]func(*bytes.Buffer) error{
		"nimbusctl.bash": func(b *bytes.Buffer) error { return root.GenBashCompletionV2(b, true) },
		"nimbusctl.zsh":  func(b *bytes.Buffer) error { return root.GenZshCompletion(b) },
		"nimbusctl.fish": func(b *bytes.Buffer) error { return root.GenFishCompletion(b, true) },
		"nimbusctl.ps1":  func(b *bytes.Buffer) error { return root.GenPowerShellCompletionWithDesc(b) },
	}
	files := map[string]string{}
	for name, gen := range gens {
		var b bytes.Buffer
		if err := gen(&b); err != nil {
			return nil, err
		}
		files[name] = b.String()
	}
	return files, nil
}
