// Package doctor implements `nimbusctl doctor`: check each service end to end and say what was
// checked and how long it took.
package doctor

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/nimbusctl/nimbusctl/pkg/auth"
	"github.com/nimbusctl/nimbusctl/pkg/cli/cmdutil"
	"github.com/nimbusctl/nimbusctl/pkg/output"
)

// Result is one check's outcome.
type Result struct {
	Check      string `json:"check"`
	Status     string `json:"status"` // ok, failed, skipped
	Detail     string `json:"detail"`
	DurationMs int64  `json:"durationMs"`
	err        error
}

// Check runs one probe. It returns what it saw; a Skipped error marks a check that does not
// apply.
type Check struct {
	Name string
	Run  func(ctx context.Context, f *cmdutil.Factory) (detail string, err error)
}

// Skipped marks a check that does not apply to this profile (no key configured, ...).
type Skipped struct{ Reason string }

func (s Skipped) Error() string { return s.Reason }

// Checks run in order; later ones may depend on earlier ones only through the factory.
var Checks = []Check{
	{Name: "config", Run: checkConfig},
	{Name: "credential", Run: checkCredential},
	{Name: "nimbus", Run: checkNimbus},
	{Name: "odata", Run: checkOData},
	{Name: "npstoday", Run: checkNPSToday},
}

// NewCmdDoctor builds `nimbusctl doctor`.
func NewCmdDoctor(f *cmdutil.Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "doctor",
		Short: "Check configuration, credentials and each service's connection",
		Long: `Runs each check in turn and reports what was checked, the outcome and how long it took:
the profile, the credential (and where it comes from), the Nimbus connector API
(TestConnection), and, where configured, the reporting OData feed and nps.today.
The exit code is that of the first failed check (see 'nimbusctl help exit-codes').`,
		Example: `  $ nimbusctl doctor
  $ nimbusctl doctor --profile sandbox -o json`,
		Args:        cmdutil.NoArgs,
		Annotations: map[string]string{"operations": "TestConnection"},
		RunE: func(cmd *cobra.Command, args []string) error {
			return run(cmd.Context(), f)
		},
	}
}

func run(ctx context.Context, f *cmdutil.Factory) error {
	var results []Result
	var firstErr error
	failed := 0
	for _, c := range Checks {
		start := time.Now()
		detail, err := c.Run(ctx, f)
		r := Result{Check: c.Name, Status: "ok", Detail: detail, DurationMs: time.Since(start).Milliseconds()}
		if skip, ok := err.(Skipped); ok {
			r.Status, r.Detail = "skipped", skip.Reason
		} else if err != nil {
			r.Status, r.Detail, r.err = "failed", err.Error(), err
			failed++
			if firstErr == nil {
				firstErr = err
			}
		}
		results = append(results, r)
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
	if err := f.Printer().Print(results, output.Cols("CHECK=check", "STATUS=status", "MS=durationMs", "DETAIL=detail")); err != nil {
		return err
	}
	if firstErr != nil {
		return &cmdutil.ExitError{
			Code: cmdutil.ExitCodeOf(firstErr),
			Err:  fmt.Errorf("%d of %d checks failed; first: %w", failed, len(results), firstErr),
		}
	}
	return nil
}

func checkConfig(_ context.Context, f *cmdutil.Factory) (string, error) {
	c, err := f.Config()
	if err != nil {
		return "", err
	}
	p, err := f.Profile()
	if err != nil {
		return "", err
	}
	from := "from " + c.Path()
	if !c.Exists() {
		from = "(no config file: " + c.Path() + " does not exist; settings come from the environment and the defaults)"
	}
	api := p.NimbusURL()
	if api == "" {
		api = "not set (no region or endpoint)"
	}
	return fmt.Sprintf("profile %s %s; Nimbus API %s", p.Name, from, api), nil
}

func checkCredential(ctx context.Context, f *cmdutil.Factory) (string, error) {
	src, err := f.Tokens()
	if err != nil {
		return "", err
	}
	t, err := src.Token(auth.WithoutPrompt(ctx), auth.ResourceNimbus) // diagnose, never sign in
	if err != nil {
		return "", err
	}
	detail := "token from " + t.Source
	if t.Account != "" {
		detail += " for " + t.Account
	}
	if !t.ExpiresOn.IsZero() {
		detail += fmt.Sprintf(", expires %s", t.ExpiresOn.UTC().Format(time.RFC3339))
	}
	return detail, nil
}

func checkNimbus(ctx context.Context, f *cmdutil.Factory) (string, error) {
	c, err := f.Nimbus()
	if err != nil {
		return "", err
	}
	if err := c.TestConnection(ctx); err != nil {
		return "", err
	}
	return "TestConnection answered 200 from " + c.HTTP().BaseURL(), nil
}
