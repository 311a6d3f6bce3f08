package shared

import (
	"path/filepath"

	"github.com/nimbusctl/nimbusctl/pkg/cli/cmdutil"
	"github.com/nimbusctl/nimbusctl/pkg/config"
	"github.com/nimbusctl/nimbusctl/pkg/output"
)

// CommandProfile is the --profile a printed command needs: the profile this run uses,
// however it was chosen (--profile, NIMBUSCTL_PROFILE, the current profile), since the
// command is run in another shell (an admin's, not the cron job's). None for the default.
func CommandProfile(f *cmdutil.Factory) string {
	if p, err := f.Profile(); err == nil && p.Name != config.DefaultProfile {
		return p.Name
	}
	return f.Flags.Profile
}

// PasteCommand is a `nimbusctl` command line a message tells the user to run, as they paste
// it into a shell: this run's profile, the words (subcommands and flags), the operands
// (quoted; after "--" when one starts with a dash), and the folder of a --ledger flag made
// absolute, since it is rarely run from the job's folder.
func PasteCommand(f *cmdutil.Factory, words []string, ledger string, operands ...string) string {
	args := []string{"nimbusctl"}
	if p := CommandProfile(f); p != "" {
		args = append(args, "--profile", p)
	}
	args = append(args, words...)
	if ledger != "" {
		if abs, err := filepath.Abs(ledger); err == nil {
			ledger = abs
		}
		args = append(args, "--ledger", ledger)
	}
	return output.CommandLine(args, operands...)
}
