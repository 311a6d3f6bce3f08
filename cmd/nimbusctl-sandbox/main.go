// Command nimbusctl-sandbox is what `nimbusctl sandbox` runs: the same command tree as
// nimbusctl, with the emulator linked in (package serve). The emulator's OpenAPI validator
// makes a program start several milliseconds slower, so nimbusctl leaves it here; archives
// and packages install this program next to nimbusctl.
package main

import (
	"os"
	_ "time/tzdata"

	"github.com/nimbusctl/nimbusctl/pkg/cli"
	"github.com/nimbusctl/nimbusctl/pkg/cli/cmdutil"
	_ "github.com/nimbusctl/nimbusctl/pkg/cli/sandbox/serve" // `sandbox` runs in this process
	"github.com/nimbusctl/nimbusctl/pkg/gcpause"             // holds the collector off while the libraries initialise
	_ "github.com/nimbusctl/nimbusctl/pkg/prefault"          // maps the start-up heap on the other core
)

// Set by the linker, as for nimbusctl.
var version, commit, date string

func main() {
	os.Exit(cli.Main(cmdutil.NewBuildInfo(version, commit, date), gcpause.Resume))
}
