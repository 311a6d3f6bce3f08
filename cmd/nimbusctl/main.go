// Command nimbusctl administers a Luware Nimbus contact center and its nps.today surveys.
package main

import (
	"os"
	_ "time/tzdata" // --tz works where the OS has no zoneinfo (Windows)

	"github.com/nimbusctl/nimbusctl/pkg/cli"
	"github.com/nimbusctl/nimbusctl/pkg/cli/cmdutil"
	"github.com/nimbusctl/nimbusctl/pkg/gcpause"    // holds the collector off while the libraries initialise
	_ "github.com/nimbusctl/nimbusctl/pkg/prefault" // maps the start-up heap on the other core
)

// Set by the linker: -X main.version=... -X main.commit=... -X main.date=...
var version, commit, date string

func main() {
	os.Exit(cli.Main(cmdutil.NewBuildInfo(version, commit, date), gcpause.Resume))
}
