// Package serve runs `nimbusctl sandbox`: the emulator on 127.0.0.1 with a `sandbox` profile
// pointing at it, so every command can be tried without any account. Importing it makes the
// command run in-process (sandbox.Serve); the sandbox program and the tests import it, while
// nimbusctl does not, so that the emulator costs its other commands nothing at start-up.
package serve

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/nimbusctl/nimbusctl/pkg/auth"
	"github.com/nimbusctl/nimbusctl/pkg/cli/cmdutil"
	"github.com/nimbusctl/nimbusctl/pkg/cli/sandbox"
	"github.com/nimbusctl/nimbusctl/pkg/config"
	"github.com/nimbusctl/nimbusctl/pkg/emulator"
	"github.com/nimbusctl/nimbusctl/pkg/npstoday"
	"github.com/nimbusctl/nimbusctl/pkg/secretfile"
)

func init() { sandbox.Serve = Run }

// Files the sandbox writes into the config folder, all mode 0600.
const (
	caFile     = "sandbox-ca.pem"          // the emulator's CA: the profile's ca_file
	secretFile = "sandbox-client-secret"   // the confidential app's secret, for CI-style runs
	certFile   = "sandbox-client-cert.pem" // the confidential app's certificate and key
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

// Run starts the emulator, writes the sandbox profile and its files, and serves until the
// command's context ends (Ctrl-C, SIGTERM).
func Run(cmd *cobra.Command, f *cmdutil.Factory, o sandbox.Options) error {
	cfg, err := f.Config()
	if err != nil {
		return err
	}
	if o.ReadyFile != "" {
		if err := os.Remove(o.ReadyFile); err != nil && !os.IsNotExist(err) {
			return fmt.Errorf("--ready-file: %w", err)
		}
	}

	opts := emulator.Options{
		Addr:      net.JoinHostPort("127.0.0.1", strconv.Itoa(o.Port)),
		Seed:      o.Seed,
		Latency:   o.Latency,
		FaultRate: o.FaultRate,
		RateLimit: emulator.Rate{Count: o.RateLimit.Count, Per: o.RateLimit.Per, Window: o.RateWindow},
		OData:     emulator.ODataOptions{Shape: o.ODataShape},
		// Scheduled calls are run once due, as on the real service: the cron story can be
		// tried end to end (sandbox call --scheduled chooses how each goes).
		RunScheduledCalls: true,
		CallSpeed:         o.CallSpeed,
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
	if err := cfg.SetProfile(sandbox.Profile, ProfileValues(emu, files.ca)); err != nil {
		return err
	}
	if err := cfg.Save(); err != nil {
		return err
	}
	// The emulated nps.today's API key, stored as `nps login --with-key` stores a key.
	if _, err := npstoday.SaveKey(cfg.Dirs.Config, sandbox.Profile, emulator.NPSTodayAPIKey); err != nil {
		return err
	}
	// Tokens of an earlier sandbox mean nothing to this one.
	if err := auth.RemoveCache(auth.CachePath(cfg.Dirs.Cache, sandbox.Profile)); err != nil {
		return err
	}

	io := f.IO
	io.Infof("Sandbox running at %s (seed %d). Ctrl-C stops it.", emu.URL(), o.Seed)
	io.Infof("Profile %q written to %s; CA certificate %s.", sandbox.Profile, cfg.Path(), files.ca)
	io.Infof("Try (device codes are approved automatically, as %s):", emulator.DefaultUser)
	io.Infof("  nimbusctl --profile %s auth login", sandbox.Profile)
	io.Infof("  nimbusctl --profile %s addressbook list", sandbox.Profile)
	io.Infof("CI-style: NIMBUSCTL_CLIENT_ID=%s NIMBUSCTL_CLIENT_SECRET_FILE=%s nimbusctl --profile %s auth status",
		emulator.ConfidentialClientID, files.secret, sandbox.Profile)

	if o.ReadyFile != "" {
		if err := secretfile.Write(o.ReadyFile, []byte(emu.URL()+"\n")); err != nil {
			return fmt.Errorf("--ready-file: %w", err)
		}
		defer os.Remove(o.ReadyFile)
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
		control: filepath.Join(dir, sandbox.ControlFile)}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fs, err
	}
	pem, err := emu.ClientCertificatePEM()
	if err != nil {
		return fs, err
	}
	for path, data := range map[string][]byte{fs.ca: emu.CACertPEM(), fs.secret: []byte(emu.ClientSecret()), fs.cert: pem,
		fs.control: []byte(emu.ControlToken())} {
		if err := secretfile.Write(path, data); err != nil {
			return fs, err
		}
	}
	return fs, nil
}
