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
'trigger delete --all'; rerunning the same command does only what is left.

Code 9 also means unresolved: a survey whose send got no answer may have gone out, and
nps.today offers no way to ask. Every command that sends surveys then sends nothing more
for it, reports it and exits 9 on every run (9 wins over 8) until a person has looked in
app.nps.today ('nimbusctl nps survey ledger list --unsettled' lists the tasks, with --once
the keys, with --rows the rows):
`)
	for _, u := range cmdutil.Unresolved {
		fmt.Fprintf(&b, "\n  %s: reports %s\n    it arrived:   %s\n    it did not:   %s\n", u.Command, u.Reports, u.Arrived, u.DidNot)
	}
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
	b.WriteString("\nOther variables:\n\n")
	for _, v := range config.EnvVars {
		desc := strings.ReplaceAll(v.Description, "\n", "\n"+strings.Repeat(" ", 37))
		fmt.Fprintf(&b, "  %-34s %s\n", v.Name, desc)
	}
	b.WriteString(`
Secrets are read only from the environment or from files; never pass them as flag values.
A file that holds a credential — the token cache, NIMBUSCTL_CLIENT_CERTIFICATE,
NIMBUSCTL_CLIENT_SECRET_FILE, the nps.today key file of 'nps login', the path token of
'trigger listen' — must be readable by its owner only (chmod 600, as nimbusctl writes its own). Any other mode is refused (exit 4,
with the chmod to run), never used with a warning: by then others may have read the secret.
`)
	b.WriteString(`
The programs nimbusctl starts ('trigger listen --exec') get its environment without the
variables that hold a credential or name a file that does:
`)
	line := " "
	for i, name := range config.SecretEnv() {
		sep := ","
		if i == len(config.SecretEnv())-1 {
			sep = "."
		}
		if len(line)+1+len(name)+1 > 92 {
			b.WriteString(line + "\n")
			line = " "
		}
		line += " " + name + sep
	}
	b.WriteString(line + "\n")
	return b.String()
}

// topicTexts makes each help topic's text, when the topic is looked at rather than at every
// start (buildInvoked, NewRootCmd).
var topicTexts = map[string]func() string{
	"exit-codes":  ExitCodesText,
	"environment": EnvironmentText,
}

func helpTopics() []*cobra.Command {
	topic := func(name, short string) *cobra.Command {
		return &cobra.Command{
			Use:    name,
			Short:  short,
			Hidden: false,
			Annotations: map[string]string{
				"helpTopic": "true",
			},
		}
	}
	return []*cobra.Command{
		topic("exit-codes", "Exit codes and what they mean"),
		topic("environment", "Environment variables nimbusctl reads"),
	}
}

// writeTopic gives a help topic its text; other commands are left as they are.
func writeTopic(c *cobra.Command) {
	if text, ok := topicTexts[c.Name()]; ok && c.Annotations["helpTopic"] == "true" && c.Long == "" {
		c.Long = text()
	}
}
