// Package sandbox defines `nimbusctl sandbox`: its flags, help and checks. The emulator it
// runs lives in a separate program, nimbusctl-sandbox (cmd/nimbusctl-sandbox, with package
// serve), so that the emulator's OpenAPI validator, whose package initialisation alone costs
// several milliseconds, is not loaded by nimbusctl's other commands. `nimbusctl sandbox` runs
// that program, found next to nimbusctl or on PATH; it is the same command tree with the
// emulator linked in.
package sandbox

import (
	"math/rand/v2"
	"time"

	"github.com/spf13/cobra"

	"github.com/nimbusctl/nimbusctl/pkg/cli/cmdutil"
	"github.com/nimbusctl/nimbusctl/pkg/httpx"
)

// Profile is the name of the profile the sandbox writes.
const Profile = "sandbox"

// DefaultPort is where the sandbox listens unless told otherwise (0 picks a free port).
const DefaultPort = 7443

// ControlFile holds the token of the running sandbox's control endpoint (`sandbox call`),
// mode 0600, next to config.yaml.
const ControlFile = "sandbox-control-token"

// Options are the sandbox's flags, checked.
type Options struct {
	Port       int
	Latency    time.Duration
	FaultRate  float64
	RateLimit  httpx.Rate // zero: no limit
	RateWindow bool       // count RateLimit in fixed windows rather than as a token bucket
	Seed       int64
	ReadyFile  string
	ODataShape string
	CallSpeed  float64 // calls play this many times faster than real time
}

// Serve runs the sandbox in this process. The sandbox program and the tests set it by
// importing package serve; nimbusctl leaves it nil and runs the sandbox program instead.
var Serve func(cmd *cobra.Command, f *cmdutil.Factory, o Options) error

// ODataShapes are the layouts of the emulated reporting feed (emulator.ODataShapes; a test
// keeps the two lists equal, so this package need not load the emulator).
var ODataShapes = []string{"standard", "fact-dim", "navigation", "two-sessions", "no-user-link"}

type flags struct {
	port      int
	latency   time.Duration
	faultRate float64
	rateLimit string
	rateKind  string
	seed      int64
	readyFile string
	callSpeed float64
	shape     string
}

// NewCmdSandbox builds `nimbusctl sandbox`.
func NewCmdSandbox(f *cmdutil.Factory) *cobra.Command {
	fl := &flags{}
	cmd := &cobra.Command{
		Use:   "sandbox",
		Short: "Run the emulated Nimbus, Entra ID, OData and nps.today on 127.0.0.1",
		Long: `Starts the emulator over TLS on 127.0.0.1 (a self-signed CA made for this run), seeded with a
tenant, services, address books, contacts, scheduled calls and users, and writes a "sandbox"
profile pointing at it (endpoint, authority, tenant, client_id, odata_url, npstoday_url,
ca_file, and default_country +41: the emulated tenant is Swiss; the CA certificate goes next
to config.yaml). Device codes are approved automatically, as admin@contoso.com. It runs
until Ctrl-C (or SIGTERM), then stops cleanly.
--odata-shape lays the reporting feed out as a real one may be: standard names, Fact*/Dim*
names with delimited codes, codes as navigation properties, two candidate session sets, or
no user link (docs/codes.md), to try how 'codes' discovers it.

Each start makes a new CA and forgets every token, so it also clears the sandbox profile's
token cache: sign in again after a restart. --ready-file is written once the sandbox listens
(with its URL) and removed when it stops, so scripts can wait for it.

For CI-style runs it also writes the confidential app's secret and certificate (mode 0600)
next to config.yaml: set NIMBUSCTL_CLIENT_ID to the id it prints and NIMBUSCTL_CLIENT_SECRET_FILE
to the secret's path (or NIMBUSCTL_CLIENT_CERTIFICATE to the certificate's path).

The emulated contact center plays calls: 'nimbusctl sandbox call' starts one in the running
sandbox, and scheduled calls run once their due time has passed (then leave the list, as on
the real service). Each sends its task events to the registered triggers ('trigger listen').
--call-speed plays them faster than real time.`,
		Example: `  $ nimbusctl sandbox &
  $ nimbusctl --profile sandbox auth login
  $ nimbusctl --profile sandbox addressbook list
  $ nimbusctl sandbox --port 0 --ready-file /tmp/sandbox.ready --latency 200ms --fault-rate 0.05 --rate-limit 100/60s
  $ nimbusctl sandbox --rate-limit 100/60s --rate-limit-kind window
  $ nimbusctl sandbox --odata-shape two-sessions
  $ nimbusctl sandbox --call-speed 10
  $ nimbusctl sandbox call --service support@contoso.com --caller +41445551001 --talk 3m`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			o, err := fl.check()
			if err != nil {
				return err
			}
			if Serve == nil {
				return launch(cmd)
			}
			return Serve(cmd, f, o)
		},
	}
	fs := cmd.Flags()
	fs.IntVar(&fl.port, "port", DefaultPort, "port on 127.0.0.1 (0: any free port)")
	fs.DurationVar(&fl.latency, "latency", 0, "delay added to every request (e.g. 200ms)")
	fs.Float64Var(&fl.faultRate, "fault-rate", 0, "share of Nimbus requests answered 500/502/503/504, from 0 to 1")
	fs.StringVar(&fl.rateLimit, "rate-limit", "", "throttle each service to N/PERIOD (e.g. 100/60s), answering 429 with Retry-After")
	fs.StringVar(&fl.rateKind, "rate-limit-kind", "bucket", "how --rate-limit counts: bucket (N at once, refilled evenly) or window (N, then 429 until the PERIOD ends)")
	fs.Int64Var(&fl.seed, "seed", 0, "seed of the injected faults and generated ids, to replay a run (default: a new one each start, printed)")
	fs.StringVar(&fl.readyFile, "ready-file", "", "write the URL to this file once listening (removed on exit)")
	cmdutil.StringEnumFlag(cmd, &fl.shape, "odata-shape", "", ODataShapes[0], ODataShapes, "layout of the reporting feed's entity sets (see docs/codes.md)")
	fs.Float64Var(&fl.callSpeed, "call-speed", 1, "play calls this many times faster than real time (1 to 1000; events still report the full talk time)")
	cmd.AddCommand(newCmdCall(f)) // a client of the running sandbox: runs in nimbusctl itself
	return cmd
}

// check validates the flags (in nimbusctl, before the sandbox program is even looked for).
func (fl *flags) check() (Options, error) {
	if fl.seed == 0 {
		// A new seed each start: the profile's ledgers outlive the sandbox and know calls by
		// their ids (after-call surveys by task id), so a restart must not make the same ids.
		fl.seed = rand.Int64N(1_000_000_000) + 1
	}
	o := Options{Port: fl.port, Latency: fl.latency, FaultRate: fl.faultRate, Seed: fl.seed, ReadyFile: fl.readyFile, ODataShape: fl.shape, CallSpeed: fl.callSpeed}
	if err := cmdutil.IntInRange("port", fl.port, 0, 65535); err != nil {
		return o, err
	}
	if fl.faultRate < 0 || fl.faultRate > 1 {
		return o, cmdutil.FlagErrorf("--fault-rate must be between 0 and 1, got %v", fl.faultRate)
	}
	if fl.latency < 0 {
		return o, cmdutil.FlagErrorf("--latency must not be negative, got %s", fl.latency)
	}
	if fl.callSpeed < 1 || fl.callSpeed > 1000 {
		return o, cmdutil.FlagErrorf("--call-speed must be between 1 and 1000, got %v", fl.callSpeed)
	}
	if fl.rateLimit != "" {
		r, err := httpx.ParseRate(fl.rateLimit, httpx.Rate{})
		if err != nil || r.Auto || r.Count <= 0 || r.Per <= 0 {
			return o, cmdutil.FlagErrorf("--rate-limit must be N/PERIOD, e.g. 100/60s or 10/s, got %q", fl.rateLimit)
		}
		o.RateLimit = r
	}
	switch fl.rateKind {
	case "bucket":
	case "window":
		o.RateWindow = true
	default:
		return o, cmdutil.FlagErrorf("--rate-limit-kind must be bucket or window, got %q", fl.rateKind)
	}
	return o, nil
}
