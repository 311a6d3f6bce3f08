package config

import "strings"

// EnvVar is an environment variable nimbusctl reads besides the settings' overrides
// (Key.Env). This table is the one list of them: `help environment` prints it, and the
// commands that start other programs leave its secrets out.
type EnvVar struct {
	Name        string
	Description string // as `help environment` shows it (a "\n" continues on the next line)
	// Secret: it holds a credential, or names a file that does. Such a variable is never
	// passed to a program nimbusctl starts (trigger listen --exec): that gets its input,
	// not nimbusctl's keys.
	Secret bool
}

// EnvVars are the variables, in the order `help environment` lists them.
var EnvVars = []EnvVar{
	{Name: "NIMBUSCTL_PROFILE", Description: "profile to use when --profile is not given"},
	{Name: "NIMBUSCTL_OUTPUT", Description: "default for -o (table, json, yaml, csv)"},
	{Name: "NIMBUSCTL_TOKEN", Description: "a bearer token to use as it is (skips sign-in)", Secret: true},
	{Name: "NIMBUSCTL_ODATA_TOKEN", Description: "a bearer token for the OData feed (default: NIMBUSCTL_TOKEN)", Secret: true},
	{Name: "NIMBUSCTL_CLIENT_SECRET", Description: "client secret of your app registration (CI, cron)", Secret: true},
	{Name: "NIMBUSCTL_CLIENT_SECRET_FILE", Description: "a file holding that secret, instead", Secret: true},
	{Name: "NIMBUSCTL_CLIENT_CERTIFICATE", Description: "PEM file with the app's certificate and key (CI, cron)", Secret: true},
	{Name: "NPSTODAY_API_KEY", Description: "the nps.today API key", Secret: true},
	{Name: "NIMBUSCTL_CONFIG_DIR", Description: "where config.yaml lives (default: $XDG_CONFIG_HOME/nimbusctl;\nWindows: %AppData%\\nimbusctl)"},
	{Name: "NIMBUSCTL_CACHE_DIR", Description: "where the token cache lives (default: $XDG_CACHE_HOME/nimbusctl;\nWindows: %LocalAppData%\\nimbusctl)"},
	{Name: "NIMBUSCTL_STATE_DIR", Description: "where run ledgers live (default: $XDG_STATE_HOME/nimbusctl;\nWindows: %LocalAppData%\\nimbusctl)"},
	{Name: "NIMBUSCTL_DEBUG", Description: "set to trace HTTP like --debug"},
	{Name: "NIMBUSCTL_PROMPT_DISABLED", Description: "set to never prompt, even on a terminal"},
	{Name: "NIMBUSCTL_FORCE_TTY", Description: "set to format output as for a terminal (a number sets the width)"},
	{Name: "COLUMNS", Description: "the width tables fit on a terminal (default: the terminal's); text cells wrap"},
	{Name: "NO_COLOR", Description: "set to disable colour"},
	{Name: "CLICOLOR", Description: "0 disables colour, as TERM=dumb does"},
	{Name: "CLICOLOR_FORCE", Description: "set to force colour even when piped (NO_COLOR still wins)"},
}

// SecretEnv names the variables that hold a credential or name a file that does.
func SecretEnv() []string {
	var names []string
	for _, v := range EnvVars {
		if v.Secret {
			names = append(names, v.Name)
		}
	}
	return names
}

// WithoutSecrets is environ (KEY=VALUE pairs, as os.Environ gives them) without the
// SecretEnv variables: the environment of a program nimbusctl starts. Names are compared
// regardless of case, as Windows does.
func WithoutSecrets(environ []string) []string {
	secret := SecretEnv()
	out := make([]string, 0, len(environ))
next:
	for _, kv := range environ {
		name, _, _ := strings.Cut(kv, "=")
		for _, s := range secret {
			if strings.EqualFold(name, s) {
				continue next
			}
		}
		out = append(out, kv)
	}
	return out
}
