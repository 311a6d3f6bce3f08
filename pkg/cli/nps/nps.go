// Package nps implements `nimbusctl nps`: the nps.today endpoints a contact center uses —
// the API key, campaigns, surveys with the p-gap hold, after-call surveys from Nimbus task
// events, employees and their ratings, the IVR map, webhooks, BI exports and raw calls.
package nps

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/nimbusctl/nimbusctl/pkg/cli/cmdutil"
	"github.com/nimbusctl/nimbusctl/pkg/httpx"
	"github.com/nimbusctl/nimbusctl/pkg/npstoday"
	"github.com/nimbusctl/nimbusctl/pkg/output"
	"github.com/nimbusctl/nimbusctl/pkg/phone"
)

// NewCmdNPS builds `nimbusctl nps` and its subcommands.
func NewCmdNPS(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "nps <command>",
		Short: "Send nps.today surveys (p-gap, after-call) and read ratings",
		Long: `Drives the nps.today endpoints a contact center uses: send a survey after a call (with
the p-gap hold, where the agent rates the call first), survey every finished call of a
batch of Nimbus task events or every respondent of a CSV file (never anyone twice), read
an agent's rating and responses, look a caller up by phone number, and manage campaigns'
webhooks.

The API key comes from NPSTODAY_API_KEY, or from the profile's key file written by
'nimbusctl nps login --with-key' (stdin). Calls are paced at the profile's npstoday_rate
(10 calls/s per key by default, the documented limit).

Some endpoints' paths are not public (employee analytics and responses, the IVR map,
responses by phone): nimbusctl uses its best guess and says so in 'nimbusctl nps status'
and docs/nps.md. 'nimbusctl nps api' reaches any path when a guess is wrong.`,
		Example: `  $ nimbusctl nps login --with-key < npstoday.key
  $ nimbusctl nps survey send --campaign 101 --phone "+45 20 30 40 50" --employee anna@contoso.com --check-pgap
  $ nimbusctl nps survey after-call events.json
  $ nimbusctl nps respondent import customers.csv --campaign 101 --report report.csv
  $ nimbusctl nps employee analytics anna@contoso.com --days 30`,
		Args: cmdutil.NoArgs,
	}
	cmd.AddCommand(
		newCmdLogin(f),
		newCmdLogout(f),
		newCmdStatus(f),
		newCmdCampaigns(f),
		newCmdSurvey(f),
		newCmdRespondent(f),
		newCmdEmployee(f),
		newCmdIVRMap(f),
		newCmdResponses(f),
		newCmdWebhooks(f),
		newCmdBI(f),
		newCmdAPI(f),
	)
	return cmd
}

// DefaultCountry is the profile's country code for numbers written without one ("" when the
// profile has none: such numbers are then refused, never sent to a guessed country).
func DefaultCountry(f *cmdutil.Factory) (string, error) { return defaultCountry(f) }

func defaultCountry(f *cmdutil.Factory) (string, error) {
	p, err := f.Profile()
	if err != nil {
		return "", err
	}
	return p.Get("default_country"), nil
}

// phoneFlag normalizes a phone flag to E.164, or fails naming the flag (exit 3).
func phoneFlag(f *cmdutil.Factory, flag, value string) (string, error) {
	cc, err := defaultCountry(f)
	if err != nil {
		return "", err
	}
	n, err := phone.Normalize(value, cc)
	if err != nil {
		return "", cmdutil.FlagErrorf("--%s: %v", flag, err)
	}
	return n, nil
}

// emailFlag checks an e-mail flag.
func emailFlag(flag, value string) error {
	if !npstoday.LooksLikeEmail(value) {
		return cmdutil.FlagErrorf("--%s: %q is not an e-mail address", flag, value)
	}
	return nil
}

// clientError turns the client's own refusals into invalid input (exit 3); API errors pass.
func clientError(err error) error {
	var ve *npstoday.ValidationError
	var nf *npstoday.NotFoundError
	switch {
	case errors.As(err, &ve):
		return cmdutil.InvalidInputf("%v", err)
	case errors.As(err, &nf):
		return &cmdutil.ExitError{Code: cmdutil.ExitNotFound, Err: err}
	}
	return err
}

// parseSince reads --since: RFC 3339, a date (local midnight), or an age such as 7d, 12h,
// 1d12h (that long before now).
func parseSince(s string, now time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if t, err := time.ParseInLocation("2006-01-02", s, time.Local); err == nil {
		return t, nil
	}
	rest := strings.TrimPrefix(s, "-")
	var days time.Duration
	if i := strings.IndexByte(rest, 'd'); i > 0 {
		n, err := strconv.Atoi(rest[:i])
		if err == nil && n >= 0 {
			days = time.Duration(n) * 24 * time.Hour
			rest = rest[i+1:]
		}
	}
	var d time.Duration
	if rest != "" {
		var err error
		if d, err = time.ParseDuration(rest); err != nil || d < 0 {
			return time.Time{}, cmdutil.FlagErrorf("--since: %q is not a time: use RFC 3339 (2026-03-01T00:00:00Z), a date (2026-03-01) or an age (7d, 12h)", s)
		}
	} else if days == 0 {
		return time.Time{}, cmdutil.FlagErrorf("--since: %q is not a time: use RFC 3339 (2026-03-01T00:00:00Z), a date (2026-03-01) or an age (7d, 12h)", s)
	}
	return now.Add(-(days + d)), nil
}

// jsonPrinter prints JSON whatever -o says (the p-gap pending state), unless --jq filters.
func jsonPrinter(f *cmdutil.Factory) *output.Printer {
	p := f.Printer()
	if p.JQ == nil {
		p.Format = output.FormatJSON
	}
	return p
}

// keyFor finds the key the way the pipeline does, for status and doctor.
func keyFor(f *cmdutil.Factory) (npstoday.Key, error) {
	c, err := f.Config()
	if err != nil {
		return npstoday.Key{}, err
	}
	p, err := f.Profile()
	if err != nil {
		return npstoday.Key{}, err
	}
	return npstoday.LoadKey(f.Getenv, c.Dirs.Config, p.Name)
}

// clientWithKey builds a client for a key that is not stored yet (login verifies it), with
// the profile's endpoint, scheme, CA, rate and --debug trace.
func clientWithKey(f *cmdutil.Factory, key npstoday.Key) (*npstoday.Client, error) {
	p, err := f.Profile()
	if err != nil {
		return nil, err
	}
	scheme, err := npstoday.ParseScheme(p.Get("npstoday_auth_scheme"))
	if err != nil {
		return nil, err
	}
	cfg := httpx.Config{
		Service: "npstoday",
		BaseURL: p.Get("npstoday_url"),
		Retry:   httpx.Retry{MaxAttempts: p.Retries()},
		Timeout: p.RequestTimeout(),
	}
	cfg.Auth, cfg.Secrets = scheme.Auth(key)
	cfg.Trace = f.Trace()
	if cfg.Transport, err = f.Transport(); err != nil {
		return nil, err
	}
	if cfg.Limiter, err = f.Limiter("npstoday"); err != nil {
		return nil, err
	}
	h, err := httpx.New(cfg)
	if err != nil {
		return nil, err
	}
	return npstoday.New(h), nil
}

// Check is the live test `nps status` and `doctor` share: list the campaigns.
func Check(ctx context.Context, f *cmdutil.Factory) (string, error) {
	key, err := keyFor(f)
	if err != nil {
		return "", err
	}
	c, err := f.NPS()
	if err != nil {
		return "", err
	}
	list, err := c.Campaigns(ctx)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("GetCampaigns answered 200 from %s (%d campaigns; key from %s)", c.BaseURL(), len(list), key.Source), nil
}

// KeyConfigured reports whether an API key is available (doctor skips nps.today otherwise).
func KeyConfigured(f *cmdutil.Factory) (bool, error) {
	_, err := keyFor(f)
	if errors.Is(err, npstoday.ErrNoKey) {
		return false, nil
	}
	return err == nil, err
}
