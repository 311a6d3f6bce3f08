package shared

import (
	"errors"
	"io/fs"
	"os"

	"github.com/nimbusctl/nimbusctl/pkg/cli/cmdutil"
)

// Ledger names a ledger for the commands that read what another command wrote into it.
type Ledger struct {
	What  string                 // "schedule ledger"
	Maker string                 // the command that makes it: "schedule import"
	First string                 // how it comes to be: "schedule import makes it with the first call it records"
	Dir   func() (string, error) // the profile's folder, when --ledger names none
}

// ExistingFolder is the ledger's folder — the one --ledger names (given), else the profile's —
// and it must be there: a folder made for a mistyped --ledger, or read for a profile the
// maker never ran with, would be an empty ledger, "nothing remembered", to a script that
// checks. Missing is exit 6, naming the folder.
func (l Ledger) ExistingFolder(f *cmdutil.Factory, given string) (string, error) {
	if given != "" {
		if missing(given) {
			return "", NotFoundf("--ledger %s: no such folder, so no %s: check the path (%s makes it on its first run)", given, l.What, l.Maker)
		}
		return given, nil
	}
	dir, err := l.Dir()
	if err != nil {
		return "", err
	}
	if missing(dir) {
		p, err := f.Profile()
		if err != nil {
			return "", err
		}
		return "", NotFoundf("profile %s has no %s yet (%s): %s", p.Name, l.What, dir, l.First)
	}
	return dir, nil
}

func missing(dir string) bool {
	_, err := os.Stat(dir)
	return errors.Is(err, fs.ErrNotExist)
}
