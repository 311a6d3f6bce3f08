// Command nimbusctl administers a Luware Nimbus contact center and its nps.today surveys.
package main

import (
	"os"
	"runtime/debug"
	_ "time/tzdata" // --tz works where the OS has no zoneinfo (Windows)

	"github.com/nimbusctl/nimbusctl/pkg/cli"
	"github.com/nimbusctl/nimbusctl/pkg/cli/cmdutil"
)

// Set by the linker: -X main.version=... -X main.commit=... -X main.date=...
var version, commit, date string

func main() {
	os.Exit(cli.Main(buildInfo()))
}

// buildInfo falls back to the module version for `go install` builds.
func buildInfo() cmdutil.BuildInfo {
	b := cmdutil.BuildInfo{Version: version, Commit: commit, Date: date}
	if b.Version == "" {
		b.Version = "dev"
		if info, ok := debug.ReadBuildInfo(); ok && info.Main.Version != "" && info.Main.Version != "(devel)" {
			b.Version = info.Main.Version
		}
	}
	return b
}
