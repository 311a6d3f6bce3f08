package cmdutil

import (
	"io"
	"net/http"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/nimbusctl/nimbusctl/pkg/auth"
	"github.com/nimbusctl/nimbusctl/pkg/config"
	"github.com/nimbusctl/nimbusctl/pkg/httpx"
	"github.com/nimbusctl/nimbusctl/pkg/nimbus"
	"github.com/nimbusctl/nimbusctl/pkg/npstoday"
	"github.com/nimbusctl/nimbusctl/pkg/odata"
	"github.com/nimbusctl/nimbusctl/pkg/output"
)

// BuildInfo is stamped into the binary by the linker (see .goreleaser.yaml).
type BuildInfo struct {
	Version string
	Commit  string
	Date    string
}

// NewBuildInfo is what the linker stamped (-X main.version=... in both programs' main), with
// the module version as the version of a `go install` build.
func NewBuildInfo(version, commit, date string) BuildInfo {
	b := BuildInfo{Version: version, Commit: commit, Date: date}
	if b.Version == "" {
		b.Version = "dev"
		if info, ok := debug.ReadBuildInfo(); ok && info.Main.Version != "" && info.Main.Version != "(devel)" {
			b.Version = info.Main.Version
		}
	}
	return b
}

// GlobalFlags are the root command's persistent flags, parsed before any command runs.
type GlobalFlags struct {
	Profile string
	Output  string
	JQ      string
	Debug   bool
	NoColor bool
	Timeout time.Duration
}

// Factory hands commands their dependencies. Everything that touches config, credentials or
// the network is a func, built on first use, so --help and flag errors never do any of it.
type Factory struct {
	IO     *output.IOStreams
	Build  BuildInfo
	Getenv func(string) string
	// Environ is the environment, as KEY=VALUE pairs, that programs a command starts begin
	// from (config.WithoutSecrets takes the credentials out): the process's, or a test's.
	Environ func() []string
	Now     func() time.Time
	Flags   GlobalFlags

	// RateOverride, when set for a service ("nimbus", "npstoday", "odata"), replaces the
	// profile's rate for this run (bulk commands' --rate).
	RateOverride map[string]string

	Config    func() (*config.Config, error)
	Profile   func() (*config.Profile, error)
	Tokens    func() (auth.Source, error)
	Transport func() (http.RoundTripper, error)
	Limiter   func(service string) (*httpx.Limiter, error)
	HTTP      func(service string) (*httpx.Client, error) // the raw pipeline, for `api`
	Nimbus    func() (*nimbus.Client, error)
	OData     func() (*odata.Client, error) // the reporting feed (codes, sessions)
	NPS       func() (*npstoday.Client, error)

	Prompter Prompter
	// Keyring keeps the token cache's key (profile key token_storage keyring).
	Keyring auth.Keyring

	// BeforeRun, when set, runs once the command line is parsed and checked, before the
	// command's work: the programs resume the garbage collector there (see pkg/gcpause).
	BeforeRun func()

	hiddenMu sync.Mutex
	hidden   []string // HideSecret
}

// Printer builds the output printer from -o and --jq (both checked by the root already).
func (f *Factory) Printer() *output.Printer {
	format, _ := output.ParseFormat(f.Flags.Output)
	p := &output.Printer{IO: f.IO, Format: format}
	if f.Flags.JQ != "" {
		p.JQ, _ = output.ParseJQ(f.Flags.JQ)
	}
	return p
}

// Trace is where --debug (or NIMBUSCTL_DEBUG) traces HTTP: stderr, with what the servers
// sent made safe for the terminal; nil when tracing is off.
func (f *Factory) Trace() io.Writer {
	if f.Flags.Debug || f.Getenv("NIMBUSCTL_DEBUG") != "" {
		return output.SafeWriter(scrubWriter{f})
	}
	return nil
}

// HideSecret adds a secret that output cannot know by its name — a listener's path token,
// which travels inside a webhook URL — to scrub from the --debug trace (whichever client,
// built or not, writes it) and from the error messages, which may quote a server quoting it.
func (f *Factory) HideSecret(secret string) {
	if len(secret) < 8 { // shorter is no real secret, and would blank out words
		return
	}
	f.hiddenMu.Lock()
	defer f.hiddenMu.Unlock()
	f.hidden = append(f.hidden, secret)
}

// Hidden lists the secrets given to HideSecret so far (the clients built after it scrub
// them from API error messages as well).
func (f *Factory) Hidden() []string {
	f.hiddenMu.Lock()
	defer f.hiddenMu.Unlock()
	return append([]string(nil), f.hidden...)
}

// Scrub replaces the secrets given to HideSecret in text with [redacted].
func (f *Factory) Scrub(text string) string {
	f.hiddenMu.Lock()
	defer f.hiddenMu.Unlock()
	for _, secret := range f.hidden {
		text = strings.ReplaceAll(text, secret, "[redacted]")
	}
	return text
}

// scrubWriter writes the trace to stderr without the secrets given to HideSecret.
type scrubWriter struct{ f *Factory }

func (s scrubWriter) Write(p []byte) (int, error) {
	if _, err := io.WriteString(s.f.IO.ErrOut, s.f.Scrub(string(p))); err != nil {
		return 0, err
	}
	return len(p), nil
}

// OutputFormat is the -o value in effect.
func (f *Factory) OutputFormat() output.Format {
	format, _ := output.ParseFormat(f.Flags.Output)
	return format
}

// Machine reports whether the user asked for machine-readable output (json, yaml, csv, --jq).
func (f *Factory) Machine() bool {
	return f.Flags.JQ != "" || f.OutputFormat() != output.FormatTable
}
