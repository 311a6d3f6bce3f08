package nps

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/nimbusctl/nimbusctl/pkg/cli/cmdutil"
	"github.com/nimbusctl/nimbusctl/pkg/httpx"
	"github.com/nimbusctl/nimbusctl/pkg/npstoday"
	"github.com/nimbusctl/nimbusctl/pkg/output"
)

func newCmdLogin(f *cmdutil.Factory) *cobra.Command {
	var withKey, noVerify bool
	cmd := &cobra.Command{
		Use:   "login --with-key",
		Short: "Store the nps.today API key for this profile (read from stdin)",
		Long: `Reads the API key from stdin (never from a flag, so it stays out of shell history and
process lists), checks it by listing the campaigns, and stores it in a 0600 file in a 0700
folder under the config directory, one per profile. NPSTODAY_API_KEY, when set, wins over
the stored key.

Find the key in nps.today under Account -> Api Keys. If nps.today refuses it (401), try
another npstoday_auth_scheme: 'nimbusctl config set npstoday_auth_scheme bearer'.`,
		Example: `  $ nimbusctl nps login --with-key < npstoday.key
  $ pass show npstoday | nimbusctl nps login --with-key --profile prod`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if !withKey {
				return cmdutil.FlagErrorf("pass --with-key and the key on stdin, e.g. nimbusctl nps login --with-key < npstoday.key (keys are never read from flag values)")
			}
			if f.IO.IsStdinTTY() {
				fmt.Fprintln(f.IO.ErrOut, "Paste the nps.today API key and press Enter (it is not shown):")
			}
			raw, err := readKey(f.IO)
			if err != nil {
				return err
			}
			if err := npstoday.CheckKey(raw); err != nil {
				return cmdutil.InvalidInputf("stdin: %v", err)
			}
			cfg, err := f.Config()
			if err != nil {
				return err
			}
			p, err := f.Profile()
			if err != nil {
				return err
			}
			key := npstoday.NewKey(raw, "stdin")
			if !noVerify {
				c, err := clientWithKey(f, key)
				if err != nil {
					return err
				}
				if _, err := c.Campaigns(cmd.Context()); err != nil {
					if httpx.StatusOf(err) == 401 {
						return fmt.Errorf("%w; the key was not saved (wrong key, or another npstoday_auth_scheme: raw, bearer, basic)", err)
					}
					return fmt.Errorf("%w; the key was not saved (--no-verify saves it without checking)", err)
				}
			}
			path, err := npstoday.SaveKey(cfg.Dirs.Config, p.Name, raw)
			if err != nil {
				return err
			}
			if f.Getenv(npstoday.EnvKey) != "" {
				f.IO.Warnf("%s is set and takes precedence over the saved key", npstoday.EnvKey)
			}
			if f.IO.IsStderrTTY() {
				f.IO.Successf("Saved the nps.today API key for profile %s in %s", p.Name, path)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&withKey, "with-key", false, "read the API key from stdin")
	cmd.Flags().BoolVar(&noVerify, "no-verify", false, "save the key without checking it against nps.today")
	return cmd
}

// readKey reads one line, without echo on a terminal (a key file may end with a newline;
// more lines are an error).
func readKey(ios *output.IOStreams) (string, error) {
	b, err := ios.ReadSecret()
	if err != nil {
		return "", err
	}
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return "", cmdutil.InvalidInputf("stdin: no API key: pipe it in, e.g. nimbusctl nps login --with-key < npstoday.key")
	}
	if bytes.ContainsAny(b, "\r\n") {
		return "", cmdutil.InvalidInputf("stdin: expected one line with the API key, got several")
	}
	return string(b), nil
}

func newCmdLogout(f *cmdutil.Factory) *cobra.Command {
	return &cobra.Command{
		Use:     "logout",
		Short:   "Remove this profile's stored nps.today API key",
		Example: `  $ nimbusctl nps logout --profile prod`,
		Args:    cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := f.Config()
			if err != nil {
				return err
			}
			p, err := f.Profile()
			if err != nil {
				return err
			}
			had, err := npstoday.RemoveKey(cfg.Dirs.Config, p.Name)
			if err != nil {
				return err
			}
			switch {
			case !had:
				f.IO.Warnf("no stored nps.today API key for profile %s", p.Name)
			case f.IO.IsStderrTTY():
				f.IO.Successf("Removed the nps.today API key of profile %s", p.Name)
			}
			if f.Getenv(npstoday.EnvKey) != "" {
				f.IO.Warnf("%s is still set in the environment", npstoday.EnvKey)
			}
			return nil
		},
	}
}

// statusReport is what `nps status` shows. It never holds the key.
type statusReport struct {
	Profile    string `json:"profile"`
	Endpoint   string `json:"endpoint"`
	KeySource  string `json:"keySource"`
	AuthScheme string `json:"authScheme"`
	Rate       string `json:"rate"`
	Check      string `json:"check"` // ok, failed, skipped
	Detail     string `json:"detail"`
	// Provisional lists the routes whose paths are guesses.
	Provisional []string `json:"provisional"`
}

func newCmdStatus(f *cmdutil.Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "status",
		Short: "Show where the nps.today key comes from, the endpoint, and check it live",
		Long: `Shows the key's source (NPSTODAY_API_KEY or the key file; never the key), the auth
scheme, the endpoint and rate, then lists the campaigns to check that nps.today accepts
the key. Also lists the endpoints whose paths are not public and are guesses. Exits with
the check's code: 4 without a key or when nps.today answers 401.`,
		Example: `  $ nimbusctl nps status
  $ nimbusctl nps status -o json`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := f.Profile()
			if err != nil {
				return err
			}
			rep := statusReport{
				Profile:    p.Name,
				Endpoint:   p.Get("npstoday_url"),
				AuthScheme: strings.ToLower(p.Get("npstoday_auth_scheme")),
				Rate:       p.Rate("npstoday_rate").String() + " (" + p.Source("npstoday_rate") + ")",
				KeySource:  "none",
				Check:      "skipped",
			}
			for _, r := range npstoday.Routes {
				if !r.Confirmed {
					rep.Provisional = append(rep.Provisional, r.Method+" "+r.Path)
				}
			}
			var checkErr error
			key, err := keyFor(f)
			switch {
			case errors.Is(err, npstoday.ErrNoKey):
				rep.Detail = err.Error()
				checkErr = &cmdutil.AuthError{Msg: err.Error()}
			case err != nil:
				return err
			default:
				rep.KeySource = key.Source
				rep.Detail, checkErr = Check(cmd.Context(), f)
				rep.Check = "ok"
				if checkErr != nil {
					rep.Check, rep.Detail = "failed", checkErr.Error()
				}
			}
			if err := printStatus(f, rep); err != nil {
				return err
			}
			if checkErr != nil {
				return &cmdutil.ExitError{Code: cmdutil.ExitCodeOf(checkErr), Err: checkErr}
			}
			return nil
		},
	}
}

func printStatus(f *cmdutil.Factory, rep statusReport) error {
	if f.Machine() {
		return f.Printer().Print(rep, nil)
	}
	var b strings.Builder
	row := func(k, v string) { fmt.Fprintf(&b, "%-12s %s\n", k+":", output.SafeText(v)) }
	row("profile", rep.Profile)
	row("endpoint", rep.Endpoint)
	row("key", rep.KeySource)
	row("scheme", rep.AuthScheme)
	row("rate", rep.Rate)
	row("check", rep.Check+": "+rep.Detail)
	row("provisional", strings.Join(rep.Provisional, ", "))
	_, err := io.WriteString(f.IO.Out, b.String())
	return err
}
