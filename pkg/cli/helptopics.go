package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/nimbusctl/nimbusctl/pkg/cli/cmdutil"
	"github.com/nimbusctl/nimbusctl/pkg/config"
)

// ExitCodesText is the body of `nimbusctl help exit-codes` and docs/exit-codes.md.
func ExitCodesText() string {
	var b strings.Builder
	b.WriteString("nimbusctl exits with one of these codes, so scripts can tell failures apart:\n\n")
	for _, c := range cmdutil.ExitCodes {
		fmt.Fprintf(&b, "  %2d  %-14s %s\n", c.Code, c.Name, c.Meaning)
	}
	b.WriteString(`
Codes 0, 1, 2, 4 and 8 mean what they mean for GitHub's gh. Code 8 is not a failure: the
survey is waiting for the agent's rating. Code 9 comes from commands that work through many
items: the imports (their --report file says which rows failed), 'nps survey after-call' and
'trigger delete --all'; rerunning the same command does only what is left. 'nps survey
after-call' also exits 9 on every run while a survey whose send got no answer is unresolved
(skipped:unknown): it may have gone out, and only a person can tell ('nps survey ledger
settle', or --resend-unknown).
`)
	return b.String()
}

// EnvironmentText is the body of `nimbusctl help environment`.
func EnvironmentText() string {
	var b strings.Builder
	b.WriteString(`Every profile setting can be overridden by an environment variable:

`)
	for _, k := range config.Keys {
		fmt.Fprintf(&b, "  %-34s %s\n", k.Env(), k.Description)
	}
	b.WriteString(`
Other variables:

  NIMBUSCTL_PROFILE                  profile to use when --profile is not given
  NIMBUSCTL_OUTPUT                   default for -o (table, json, yaml, csv)
  NIMBUSCTL_TOKEN                    a bearer token to use as it is (skips sign-in)
  NIMBUSCTL_ODATA_TOKEN              a bearer token for the OData feed (default: NIMBUSCTL_TOKEN)
  NIMBUSCTL_CLIENT_SECRET            client secret of your app registration (CI, cron)
  NIMBUSCTL_CLIENT_SECRET_FILE       a file holding that secret, instead
  NIMBUSCTL_CLIENT_CERTIFICATE       PEM file with the app's certificate and key (CI, cron)
  NPSTODAY_API_KEY                   the nps.today API key
  NIMBUSCTL_CONFIG_DIR               where config.yaml lives (default: $XDG_CONFIG_HOME/nimbusctl;
                                     Windows: %AppData%\nimbusctl)
  NIMBUSCTL_CACHE_DIR                where the token cache lives (default: $XDG_CACHE_HOME/nimbusctl;
                                     Windows: %LocalAppData%\nimbusctl)
  NIMBUSCTL_STATE_DIR                where run ledgers live (default: $XDG_STATE_HOME/nimbusctl;
                                     Windows: %LocalAppData%\nimbusctl)
  NIMBUSCTL_DEBUG                    set to trace HTTP like --debug
  NIMBUSCTL_PROMPT_DISABLED          set to never prompt, even on a terminal
  NIMBUSCTL_FORCE_TTY                set to format output as for a terminal (a number sets the width)
  NO_COLOR                           set to disable colour
  CLICOLOR                           0 disables colour, as TERM=dumb does
  CLICOLOR_FORCE                     set to force colour even when piped (NO_COLOR still wins)

Secrets are read only from the environment or from files; never pass them as flag values.
A file that holds a credential — the token cache, NIMBUSCTL_CLIENT_CERTIFICATE,
NIMBUSCTL_CLIENT_SECRET_FILE, the nps.today key file of 'nps login', the path token of
'trigger listen' — must be readable by its owner only (chmod 600, as nimbusctl writes its own). Any other mode is refused (exit 4,
with the chmod to run), never used with a warning: by then others may have read the secret.
`)
	return b.String()
}

func helpTopics() []*cobra.Command {
	topic := func(name, short, long string) *cobra.Command {
		return &cobra.Command{
			Use:    name,
			Short:  short,
			Long:   long,
			Hidden: false,
			Annotations: map[string]string{
				"helpTopic": "true",
			},
		}
	}
	return []*cobra.Command{
		topic("exit-codes", "Exit codes and what they mean", ExitCodesText()),
		topic("environment", "Environment variables nimbusctl reads", EnvironmentText()),
	}
}
