package nps

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/nimbusctl/nimbusctl/pkg/bulk"
	"github.com/nimbusctl/nimbusctl/pkg/cli/cmdutil"
	"github.com/nimbusctl/nimbusctl/pkg/cli/shared"
	"github.com/nimbusctl/nimbusctl/pkg/httpx"
	"github.com/nimbusctl/nimbusctl/pkg/npstoday"
)

func newCmdRespondent(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "respondent <command>",
		Short: "Survey many respondents at once, from a CSV file",
		Args:  cmdutil.NoArgs,
	}
	cmd.AddCommand(newCmdRespondentImport(f))
	return cmd
}

// ledgerDir is where a profile's survey ledger of one kind ("respondents", "after-call") lives.
func ledgerDir(f *cmdutil.Factory, kind string) (string, error) {
	cfg, err := f.Config()
	if err != nil {
		return "", err
	}
	p, err := f.Profile()
	if err != nil {
		return "", err
	}
	return filepath.Join(cfg.Dirs.State, "nps", p.Name, kind), nil
}

// openLedger takes the ledger's lock (overlapping runs take turns, waiting up to wait) unless
// readOnly, and reads it. The returned func releases the lock.
func openLedger(ctx context.Context, f *cmdutil.Factory, dir string, wait time.Duration, readOnly bool) (*bulk.SurveyLedger, func(), error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, nil, err
	}
	release := func() {}
	if !readOnly {
		lock, err := lockLedger(ctx, dir, wait)
		if err != nil {
			return nil, nil, err
		}
		release = lock.Unlock
	}
	l, err := bulk.OpenSurveyLedger(dir, f.Now())
	if err != nil {
		release()
		return nil, nil, err
	}
	l.Now = f.Now
	return l, release, nil
}

func newCmdRespondentImport(f *cmdutil.Factory) *cobra.Command {
	var campaign, ledger string
	var noLedger, resendUnknown, checkPgap bool
	var wait time.Duration
	cmd := &cobra.Command{
		Use:   "import <file>",
		Short: "Send one nps.today survey per row of a CSV file, never twice",
		Long: `Each row is one survey: the campaign (a column holding an id or a name, a queue column
looked up in the IVR map, or --campaign), the respondent's e-mail address and/or phone
number (E.164; national numbers take the profile's default_country, and are refused without),
and optionally first and last name, company, title, department, the employee the survey is
about (e-mail), the agent's p-gap rating (0-10), an external id, a note, and custom data:
a JSON column and custom.<name> columns, sent as the custom JSON string. Headers are
matched loosely ("E-mail", "Mobile", "Vorname", "Kundennummer" ...); --map names others.

Every row is checked before the first survey is sent — campaigns against the live list,
and no respondent twice in one campaign — and nothing is sent while a row is invalid,
unless --skip-invalid.

A survey cannot be taken back, so each row goes through a ledger in the state folder (per
profile): a rerun — after a crash, a partial failure, or by cron over a growing file —
skips the rows already surveyed. A row is the same row when its campaign, respondent
(external id, else e-mail, else phone), employee, custom data and note are the same; names,
company and the rating may change. When an answer is lost on the way (timeout, 502/504)
the survey may have gone out: the row fails, and no rerun sends it again. Every later run
shows the row with the command that settles it and exits 9, until you have checked it in
app.nps.today: 'nimbusctl nps survey ledger settle --rows CAMPAIGN/RESPONDENT' if it arrived
(later runs skip it), --resend-unknown if it did not. Overlapping runs take turns (--wait).

P-gap: rows with an employee are sent with checkPgap=true (--check-pgap=false sends at
once). When nps.today holds a survey until the agent rates the call, the row is pending and
nobody is asked: give it the agent's rating (an agentRating column, 0-10) and run again, or
let the agent run the 'nps survey send ... --once row:KEY' command shown for it (a later run
then knows it was sent). Rows with a rating go straight through.

Exit codes: 0 done, 3 invalid rows (nothing sent), 8 some surveys wait for a p-gap rating,
9 some rows failed, or a row of the file whose send got no answer is not settled (9 wins
over 8), 2 cancelled, 10 nps.today unavailable.`,
		Example: `  $ nimbusctl nps respondent import customers.csv --campaign 101 --dry-run
  $ nimbusctl nps respondent import customers.csv --campaign "Onboarding e-mail" --report report.csv
  $ nimbusctl nps respondent import calls.csv --map "Handler=employee" --map "Ticket=custom.ticket"

  # crontab: every 15 minutes over a growing export; nobody is surveyed twice
  */15 * * * * nimbusctl nps respondent import /data/survey.csv --skip-invalid --report /var/log/survey.csv`,
		Args: cmdutil.ExactArgs(1, "a CSV file"),
	}
	bf := shared.AddBulkFlags(cmd, "npstoday")
	fl := cmd.Flags()
	fl.StringVar(&campaign, "campaign", "", "campaign `ID` (or exact name) for rows without one")
	fl.BoolVar(&checkPgap, "check-pgap", true, "let nps.today hold the surveys of employees in a p-gap period (--check-pgap=false sends at once)")
	fl.BoolVar(&resendUnknown, "resend-unknown", false, "send rows whose earlier send got no answer (it may have gone out: check first)")
	fl.StringVar(&ledger, "ledger", "", "`folder` of the ledger of sent surveys (default: the state folder, per profile)")
	fl.BoolVar(&noLedger, "no-ledger", false, "do not use the ledger: a rerun surveys every row again")
	fl.DurationVar(&wait, "wait", 5*time.Minute, "how long to wait for another run on the same ledger to finish (they take turns)")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		if err := bf.Check(f); err != nil {
			return err
		}
		if err := cmdutil.MutuallyExclusive("--ledger and --no-ledger: pick one", ledger != "", noLedger); err != nil {
			return err
		}
		if err := cmdutil.MutuallyExclusive("--resend-unknown needs the ledger: drop --no-ledger", resendUnknown, noLedger); err != nil {
			return err
		}
		cc, err := defaultCountry(f)
		if err != nil {
			return err
		}
		in, cleanup, err := bulk.FileInput(args[0], f.IO.In, bf.ReadOptions())
		if err != nil {
			return cmdutil.FlagErrorf("cannot read %s: %v", args[0], err)
		}
		defer cleanup()
		ri := &bulk.RespondentImport{
			Input: in, Maps: bf.MapsParsed(), Campaign: strings.TrimSpace(campaign), DefaultCountry: cc,
			CheckPgap: checkPgap, ResendUnknown: resendUnknown,
			SkipInvalid: bf.SkipInvalid, DryRun: bf.DryRun, ValidateOnly: bf.ValidateOnly, Workers: bf.Concurrency,
		}
		var lim *httpx.Limiter
		if !bf.ValidateOnly {
			c, err := f.NPS()
			if err != nil {
				return err
			}
			ri.Client, lim = c, c.HTTP().Limiter()
			if !noLedger {
				dir := ledger
				if dir == "" {
					if dir, err = ledgerDir(f, rowLedger.folder); err != nil {
						return err
					}
				}
				l, release, err := openLedger(cmd.Context(), f, dir, wait, bf.DryRun)
				if err != nil {
					return err
				}
				defer release()
				ri.Ledger = l
				ri.SettleCommand = func(key string) string { return ledgerCommand(f, "settle", ledger, "--rows", key) }
				// A held row is shown with the command that sends it; once it has, the
				// import knows (survey send's ledger, read once).
				ri.HeldCommand = func(campaign, identity string, req npstoday.SurveyRequest) string {
					return sendCommand(shared.CommandProfile(f), campaign, req, rowOnceKey(identity))
				}
				if dir, err := ledgerDir(f, "send"); err == nil {
					if sends, err := bulk.OpenSurveyLedger(dir, f.Now()); err == nil {
						ri.SentOnce = func(identity string) (time.Time, bool) {
							e, ok := sends.Get(onceKey(rowOnceKey(identity)))
							return e.At, ok && e.State.Delivered()
						}
					}
				}
			}
		}
		run, err := bf.StartRun(f, in.Name, lim)
		if err != nil {
			return err
		}
		ri.Recorder, ri.Problem, ri.Warn, ri.Total = run.Recorder, run.Problem, run.Warn, run.Total
		return run.FinishSurveys(ri.Run(cmd.Context()))
	}
	return cmd
}
