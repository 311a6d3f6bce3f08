// Package sandbox implements `nimbusctl sandbox`: the emulator on 127.0.0.1 with a `sandbox`
// profile pointing at it, so every command can be tried without any account.
package sandbox

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/nimbusctl/nimbusctl/pkg/auth"
	"github.com/nimbusctl/nimbusctl/pkg/cli/cmdutil"
	"github.com/nimbusctl/nimbusctl/pkg/config"
	"github.com/nimbusctl/nimbusctl/pkg/emulator"
	"github.com/nimbusctl/nimbusctl/pkg/httpx"
	"github.com/nimbusctl/nimbusctl/pkg/npstoday"
)

// Profile is the name of the profile the sandbox writes.
const Profile = "sandbox"

// DefaultPort is where the sandbox listens unless told otherwise (0 picks a free port).
const DefaultPort = 7443

// Files the sandbox writes into the config folder, all mode 0600.
const (
	caFile      = "sandbox-ca.pem"          // the emulator's CA: the profile's ca_file
	secretFile  = "sandbox-client-secret"   // the confidential app's secret, for CI-style runs
	certFile    = "sandbox-client-cert.pem" // the confidential app's certificate and key
	controlFile = "sandbox-control-token"   // the control endpoint's token (`sandbox call`)
)

// ProfileValues are the keys of the sandbox profile: one entry per emulated service. A new
// emulator part adds its line here.
func ProfileValues(emu *emulator.Emulator, caPath string) map[string]string {
	return map[string]string{
		"endpoint":     emu.NimbusURL(),
		"authority":    emu.EntraURL(),
		"tenant":       emulator.TenantID,
		"client_id":    emulator.PublicClientID,
		"odata_url":    emu.ODataURL(),
		"npstoday_url": emu.NPSTodayURL(),
		"ca_file":      caPath,
		// The emulated tenant is Swiss; the local endpoint implies no country by itself.
		"default_country": "+41",
	}
}

type options struct {
	port      int
	latency   time.Duration
	faultRate float64
	rateLimit string
	seed      int64
	readyFile string
	callSpeed float64
	shape     string
}

// NewCmdSandbox builds `nimbusctl sandbox`.
func NewCmdSandbox(f *cmdutil.Factory) *cobra.Command {
	o := &options{}
	cmd := &cobra.Command{
		Use:   "sandbox",
		Short: "Run the emulated Nimbus, Entra ID, OData and nps.today on 127.0.0.1",
		Long: `Starts the emulator over TLS on 127.0.0.1 (a self-signed CA made for this run), seeded with a
tenant, services, address books, contacts, scheduled calls and users, and writes a "sandbox"
profile pointing at it (endpoint, authority, tenant, client_id, odata_url, npstoday_url and
ca_file; the CA certificate goes next to config.yaml). Device codes are approved
automatically, as admin@contoso.com. It runs until Ctrl-C (or SIGTERM), then stops cleanly.
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
  $ nimbusctl sandbox --odata-shape two-sessions
  $ nimbusctl sandbox --call-speed 10
  $ nimbusctl sandbox call --service support@contoso.com --caller +41445551001 --talk 3m`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return run(cmd, f, o)
		},
	}
	fl := cmd.Flags()
	fl.IntVar(&o.port, "port", DefaultPort, "port on 127.0.0.1 (0: any free port)")
	fl.DurationVar(&o.latency, "latency", 0, "delay added to every request (e.g. 200ms)")
	fl.Float64Var(&o.faultRate, "fault-rate", 0, "share of Nimbus requests answered 500/502/503/504, from 0 to 1")
	fl.StringVar(&o.rateLimit, "rate-limit", "", "throttle each service to N/PERIOD (e.g. 100/60s), answering 429 with Retry-After")
	fl.Int64Var(&o.seed, "seed", 1, "seed of the injected faults and generated ids, to replay a run")
	fl.StringVar(&o.readyFile, "ready-file", "", "write the URL to this file once listening (removed on exit)")
	cmdutil.StringEnumFlag(cmd, &o.shape, "odata-shape", "", emulator.ODataShapeStandard, emulator.ODataShapes, "layout of the reporting feed's entity sets (see docs/codes.md)")
	fl.Float64Var(&o.callSpeed, "call-speed", 1, "play calls this many times faster than real time (1 to 1000; events still report the full talk time)")
	cmd.AddCommand(newCmdCall(f))
	return cmd
}

func run(cmd *cobra.Command, f *cmdutil.Factory, o *options) error {
	if err := cmdutil.IntInRange("port", o.port, 0, 65535); err != nil {
		return err
	}
	if o.faultRate < 0 || o.faultRate > 1 {
		return cmdutil.FlagErrorf("--fault-rate must be between 0 and 1, got %v", o.faultRate)
	}
	if o.latency < 0 {
		return cmdutil.FlagErrorf("--latency must not be negative, got %s", o.latency)
	}
	if o.callSpeed < 1 || o.callSpeed > 1000 {
		return cmdutil.FlagErrorf("--call-speed must be between 1 and 1000, got %v", o.callSpeed)
	}
	var limit emulator.Rate
	if o.rateLimit != "" {
		r, err := httpx.ParseRate(o.rateLimit, httpx.Rate{})
		if err != nil || r.Auto || r.Count <= 0 || r.Per <= 0 {
			return cmdutil.FlagErrorf("--rate-limit must be N/PERIOD, e.g. 100/60s or 10/s, got %q", o.rateLimit)
		}
		limit = emulator.Rate{Count: r.Count, Per: r.Per}
	}
	cfg, err := f.Config()
	if err != nil {
		return err
	}
	if o.readyFile != "" {
		if err := os.Remove(o.readyFile); err != nil && !os.IsNotExist(err) {
			return fmt.Errorf("--ready-file: %w", err)
		}
	}

	opts := emulator.Options{
		Addr:      net.JoinHostPort("127.0.0.1", strconv.Itoa(o.port)),
		Seed:      o.seed,
		Latency:   o.latency,
		FaultRate: o.faultRate,
		RateLimit: limit,
		OData:     emulator.ODataOptions{Shape: o.shape},
		// Scheduled calls are run once due, as on the real service: the cron story can be
		// tried end to end (sandbox call --scheduled chooses how each goes).
		RunScheduledCalls: true,
		CallSpeed:         o.callSpeed,
	}
	if f.Flags.Debug {
		opts.Logf = func(format string, args ...any) { f.IO.Infof(format, args...) }
	}
	emu, err := emulator.Start(opts)
	if err != nil {
		return err
	}
	defer emu.Close()

	files, err := writeFiles(cfg, emu)
	if err != nil {
		return err
	}
	if err := cfg.SetProfile(Profile, ProfileValues(emu, files.ca)); err != nil {
		return err
	}
	if err := cfg.Save(); err != nil {
		return err
	}
	// The emulated nps.today's API key, stored as `nps login --with-key` stores a key.
	if _, err := npstoday.SaveKey(cfg.Dirs.Config, Profile, emulator.NPSTodayAPIKey); err != nil {
		return err
	}
	// Tokens of an earlier sandbox mean nothing to this one.
	stale := auth.CachePath(cfg.Dirs.Cache, Profile)
	if err := os.Remove(stale); err != nil && !os.IsNotExist(err) {
		return err
	}

	io := f.IO
	io.Infof("Sandbox running at %s (seed %d). Ctrl-C stops it.", emu.URL(), o.seed)
	io.Infof("Profile %q written to %s; CA certificate %s.", Profile, cfg.Path(), files.ca)
	io.Infof("Try (device codes are approved automatically, as %s):", emulator.DefaultUser)
	io.Infof("  nimbusctl --profile %s auth login", Profile)
	io.Infof("  nimbusctl --profile %s addressbook list", Profile)
	io.Infof("CI-style: NIMBUSCTL_CLIENT_ID=%s NIMBUSCTL_CLIENT_SECRET_FILE=%s nimbusctl --profile %s auth status",
		emulator.ConfidentialClientID, files.secret, Profile)

	if o.readyFile != "" {
		if err := writePrivate(o.readyFile, []byte(emu.URL()+"\n")); err != nil {
			return fmt.Errorf("--ready-file: %w", err)
		}
		defer os.Remove(o.readyFile)
	}

	<-cmd.Context().Done()
	emu.Close()
	io.Infof("Sandbox stopped.")
	return nil
}

type sandboxFiles struct{ ca, secret, cert, control string }

// writeFiles puts the CA and the confidential app's credentials next to config.yaml.
func writeFiles(cfg *config.Config, emu *emulator.Emulator) (sandboxFiles, error) {
	dir := cfg.Dirs.Config
	fs := sandboxFiles{ca: filepath.Join(dir, caFile), secret: filepath.Join(dir, secretFile), cert: filepath.Join(dir, certFile),
		control: filepath.Join(dir, controlFile)}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fs, err
	}
	pem, err := emu.ClientCertificatePEM()
	if err != nil {
		return fs, err
	}
	for path, data := range map[string][]byte{fs.ca: emu.CACertPEM(), fs.secret: []byte(emu.ClientSecret()), fs.cert: pem,
		fs.control: []byte(emu.ControlToken())} {
		if err := writePrivate(path, data); err != nil {
			return fs, err
		}
	}
	return fs, nil
}

// writePrivate writes a 0600 file atomically, so a reader never sees half of it.
func writePrivate(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
