// Package cli assembles the nimbusctl command tree, wires the real dependencies, and turns
// errors into messages and exit codes.
package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	authcmd "github.com/nimbusctl/nimbusctl/pkg/cli/auth"
	"github.com/nimbusctl/nimbusctl/pkg/cli/cmdutil"
	"github.com/nimbusctl/nimbusctl/pkg/cli/version"
	"github.com/nimbusctl/nimbusctl/pkg/config"
	"github.com/nimbusctl/nimbusctl/pkg/httpx"
	"github.com/nimbusctl/nimbusctl/pkg/odata"
	"github.com/nimbusctl/nimbusctl/pkg/output"
)

func init() {
	// Run the root's PersistentPreRunE (flag checks, --timeout) even when a subcommand has its own.
	cobra.EnableTraverseRunHooks = true
}

// Main runs nimbusctl as a process: real streams, real environment, Ctrl-C cancels.
// beforeRun (may be nil) runs when the command starts its work, after its flags are checked.
func Main(build cmdutil.BuildInfo, beforeRun func()) int {
	ctx := newInterruptible()
	defer ctx.cancel()
	f := NewFactory(output.System(), build, os.Getenv)
	f.BeforeRun = beforeRun
	return Run(ctx, f, os.Args[1:])
}

// Run executes one command line against a factory and returns the exit code. Tests call it
// in-process with fake streams and environment.
func Run(ctx context.Context, f *cmdutil.Factory, args []string) int {
	root := newRootCmd(f)
	buildInvoked(f, root, args)
	root.SetArgs(args)
	root.SetIn(f.IO.In)
	root.SetOut(f.IO.Out)
	root.SetErr(f.IO.ErrOut)
	cmd, err := root.ExecuteContextC(ctx)
	if err == nil {
		return cmdutil.ExitOK
	}
	if errors.Is(err, context.Canceled) && ctx.Err() != nil {
		err = cmdutil.ErrCancelled
	}
	if strings.HasPrefix(err.Error(), "unknown command ") || strings.HasPrefix(err.Error(), "unknown flag") {
		err = cmdutil.FlagErrorWrap(err)
	}
	code := cmdutil.ExitCodeOf(err)
	printError(f, cmd, err, code)
	return code
}

func printError(f *cmdutil.Factory, cmd *cobra.Command, err error, code int) {
	if errors.Is(err, cmdutil.ErrSilent) {
		return
	}
	w := f.IO.ErrOut
	if errors.Is(err, cmdutil.ErrCancelled) || errors.Is(err, context.Canceled) {
		fmt.Fprintln(w, "cancelled")
		return
	}
	// Which limit fired: one request's (request_timeout, named by the error) or the whole
	// command's --timeout (named here, with the request it stopped).
	var reqTimeout *httpx.TimeoutError
	var stopped *httpx.InterruptedError
	switch {
	case errors.As(err, &reqTimeout):
		fmt.Fprintf(w, "error: %s\n", err)
		if !strings.Contains(reqTimeout.Setting, " ") {
			fmt.Fprintf(w, "The service is slow or unreachable. If it is slow, raise %s (e.g. nimbusctl config set %s 5m).\n", reqTimeout.Setting, reqTimeout.Setting)
		}
		return
	case errors.Is(err, context.DeadlineExceeded) && f.Flags.Timeout > 0:
		if errors.As(err, &stopped) {
			fmt.Fprintf(w, "error: timed out after %s (--timeout) during %s\n", f.Flags.Timeout, stopped.Op)
		} else {
			fmt.Fprintf(w, "error: timed out after %s (--timeout)\n", f.Flags.Timeout)
		}
		return
	}
	// Errors quote the server's messages and the user's input: shown, never interpreted.
	fmt.Fprintf(w, "error: %s\n", output.SafeText(f.Scrub(err.Error())))
	var flagErr *cmdutil.FlagError
	var apiErr *httpx.APIError
	refused := "" // what to do about the credential a service refused, when it is not a login
	if code == cmdutil.ExitAuth && errors.As(err, &apiErr) && (apiErr.Service == "nimbus" || apiErr.Service == "odata") {
		refused = authcmd.RefusedHint(f, apiErr.Service)
	}
	// The feed's own hint already speaks of a token taken from the environment.
	var feedErr *odata.AccessError
	if errors.As(err, &feedErr) && feedErr.TokenEnv != "" {
		refused = ""
	}
	// An error that knows what to do about itself (the OData feed's admin consent) says so.
	var hinted interface{ Hint() string }
	if errors.As(err, &hinted) && hinted.Hint() != "" {
		fmt.Fprintln(w, output.SafeText(f.Scrub(hinted.Hint())))
		if refused != "" {
			fmt.Fprintln(w, refused)
		}
		return
	}
	switch {
	case errors.As(err, &flagErr) && cmd != nil:
		fmt.Fprintf(w, "Run '%s --help' for usage.\n", cmd.CommandPath())
	case code == cmdutil.ExitAuth && errors.As(err, &apiErr) && apiErr.Service == "npstoday":
		fmt.Fprintln(w, "Check the nps.today API key and npstoday_auth_scheme (raw, bearer, basic): nimbusctl nps status")
	case refused != "":
		// The service refused a raw token or an app's: signing in would not change that.
		fmt.Fprintln(w, refused)
	case code == cmdutil.ExitAuth && !strings.Contains(err.Error(), "auth login") && !strings.Contains(err.Error(), "nps login"):
		fmt.Fprintln(w, "To sign in, run: nimbusctl auth login")
	case code == cmdutil.ExitUnavailable && fromAService(err):
		fmt.Fprintln(w, "The service is busy or unreachable; nothing more was sent. Try again later.")
	}
}

// fromAService reports whether an error came from a service (an answer, or no answer), not
// from this machine (a lock another run holds).
func fromAService(err error) bool {
	var apiErr *httpx.APIError
	var netErr *httpx.NetError
	var timeout *httpx.TimeoutError
	return errors.As(err, &apiErr) || errors.As(err, &netErr) || errors.As(err, &timeout)
}

// NewRootCmd builds the whole command tree (the docs, the man pages and tests walk it).
func NewRootCmd(f *cmdutil.Factory) *cobra.Command {
	root := newRootCmd(f)
	buildAll(f, root)
	return root
}

// newRootCmd builds the root, its flags, help topics and completion command, with a
// placeholder for each of topCommands.
func newRootCmd(f *cmdutil.Factory) *cobra.Command {
	var cancel context.CancelFunc
	root := &cobra.Command{
		Use:   "nimbusctl <command> <subcommand> [flags]",
		Short: "Administer a Luware Nimbus contact center and its nps.today surveys",
		Long: `nimbusctl wraps every action of the Luware Nimbus connector API (address books and
contacts, scheduled outbound calls, external tasks, tasks, webhook triggers, lookups),
reports Codes from the Nimbus reporting OData feed, and drives the nps.today endpoints a
contact center uses. Try it without any account: run 'nimbusctl sandbox' and use the
'sandbox' profile it writes.`,
		Example: `  $ nimbusctl addressbook list
  $ nimbusctl contact list Customers -o json --jq '.[].externalId'
  $ nimbusctl schedule create --service support@contoso.com --destination +41445551234 --due +2h
  $ nimbusctl api GET /v2/AddressBooks`,
		Version:       f.Build.Version,
		SilenceErrors: true,
		SilenceUsage:  true,
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error {
			if err := checkGlobalFlags(f, cmd); err != nil {
				return err
			}
			if f.BeforeRun != nil {
				f.BeforeRun()
			}
			if f.Flags.Timeout > 0 {
				var ctx context.Context
				ctx, cancel = context.WithTimeout(cmd.Context(), f.Flags.Timeout)
				cmd.SetContext(ctx)
			}
			return nil
		},
		PersistentPostRun: func(*cobra.Command, []string) {
			if cancel != nil {
				cancel()
			}
		},
	}
	root.SetVersionTemplate(version.Line(f.Build) + "\n")
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return cmdutil.FlagErrorWrap(err) })

	defOutput := "table"
	if v := f.Getenv("NIMBUSCTL_OUTPUT"); v != "" {
		defOutput = v
	}
	pf := root.PersistentFlags()
	pf.StringVar(&f.Flags.Profile, "profile", "", "config profile to use (default: NIMBUSCTL_PROFILE or the current profile)")
	pf.StringVarP(&f.Flags.Output, "output", "o", defOutput, "output format: {table|json|yaml|csv}")
	pf.StringVar(&f.Flags.JQ, "jq", "", "filter the JSON output with a jq expression (implies -o json)")
	pf.BoolVar(&f.Flags.Debug, "debug", false, "trace HTTP requests to stderr (secrets redacted)")
	pf.BoolVar(&f.Flags.NoColor, "no-color", false, "disable colour (also NO_COLOR)")
	pf.DurationVar(&f.Flags.Timeout, "timeout", 0, "give up on the whole command after this long (e.g. 30s; 0 = no limit)")
	_ = root.RegisterFlagCompletionFunc("output", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return output.Formats, cobra.ShellCompDirectiveNoFileComp
	})

	root.AddGroup(
		&cobra.Group{ID: "core", Title: "Nimbus commands:"},
		&cobra.Group{ID: "setup", Title: "Setup and diagnostics:"},
	)
	for _, t := range topCommands {
		root.AddCommand(t.placeholder())
	}
	root.SetHelpCommandGroupID("setup")
	root.SetCompletionCommandGroupID("setup")
	root.AddCommand(helpTopics()...)
	if f.IO != nil {
		root.SetOut(f.IO.Out) // cobra's completion commands keep the writer they are made with
	}
	root.InitDefaultCompletionCmd() // cobra adds it only on Execute: guard it too
	guardGroups(root)
	return root
}

// guardGroups makes every command group (a command that holds subcommands) refuse an
// unknown subcommand with exit 3 and cobra's suggestions. Left alone, cobra prints the group's
// help and exits 0, so a typo in a script (`contact lst`) looks like success.
func guardGroups(c *cobra.Command) {
	for _, sub := range c.Commands() {
		guardGroups(sub)
	}
	if c.HasParent() && c.HasSubCommands() && !c.Runnable() {
		c.Args = unknownSubcommand
		c.RunE = func(cmd *cobra.Command, _ []string) error { return cmd.Help() }
	}
	// A command that runs and also has subcommands (sandbox: sandbox call) takes no arguments
	// of its own: a word after it is an unknown subcommand too.
	if c.HasParent() && c.HasSubCommands() && c.Runnable() {
		c.Args = unknownSubcommand
	}
}

// unknownSubcommand is the root's own check (cobra's legacyArgs), for a group.
func unknownSubcommand(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	msg := fmt.Sprintf("unknown command %q for %q", args[0], cmd.CommandPath())
	if cmd.SuggestionsMinimumDistance <= 0 {
		cmd.SuggestionsMinimumDistance = 2 // as cobra does for the root
	}
	if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
		msg += "\n\nDid you mean this?\n\t" + strings.Join(s, "\n\t") + "\n"
	}
	return cmdutil.FlagErrorf("%s", msg)
}

// checkGlobalFlags validates -o and --jq once, before any command touches the network.
func checkGlobalFlags(f *cmdutil.Factory, cmd *cobra.Command) error {
	if _, err := output.ParseFormat(f.Flags.Output); err != nil {
		return cmdutil.FlagErrorf("-o: %v", err)
	}
	if f.Flags.JQ != "" {
		if cmd.Flags().Changed("output") && !strings.EqualFold(f.Flags.Output, "json") {
			return cmdutil.FlagErrorf("--jq works on JSON output; drop -o %s", f.Flags.Output)
		}
		if _, err := output.ParseJQ(f.Flags.JQ); err != nil {
			return cmdutil.FlagErrorWrap(err)
		}
		f.Flags.Output = "json"
	}
	if cmd.Flags().Changed("profile") {
		if err := config.CheckProfileName(f.Flags.Profile); err != nil {
			return cmdutil.FlagErrorWrap(&config.ProfileNameError{Name: f.Flags.Profile, Source: "--profile"})
		}
	}
	if f.Flags.NoColor {
		f.IO.SetColorEnabled(false)
	}
	if f.Flags.Timeout < 0 {
		return cmdutil.FlagErrorf("--timeout must not be negative")
	}
	return nil
}
