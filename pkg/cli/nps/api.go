package nps

import (
	"github.com/spf13/cobra"

	"github.com/nimbusctl/nimbusctl/pkg/cli/api"
	"github.com/nimbusctl/nimbusctl/pkg/cli/cmdutil"
	"github.com/nimbusctl/nimbusctl/pkg/npstoday"
)

func newCmdAPI(f *cmdutil.Factory) *cobra.Command {
	opts := &api.Options{Service: "npstoday"}
	cmd := &cobra.Command{
		Use:   "api <method> <path>",
		Short: "Make a raw request to the nps.today API",
		Long: `Sends one request to nps.today through the same pipeline as every nps command: the API
key in the profile's scheme, the 10 calls/s pacing, retries on 429/5xx (a POST only where
it provably did not land), the same errors and exit codes, and --debug tracing with the
key redacted. The path is relative to npstoday_url, e.g. /campaigns/.

Use it when one of nimbusctl's guessed paths (see 'nimbusctl nps status') is wrong, or
for endpoints nimbusctl has no command for. Parameters work as in 'nimbusctl api':
-F key=value (typed), -f key=value (string), nested keys such as -f 'respondent[phoneNumber]=+4512345678';
query string for GET and DELETE, JSON body otherwise; --input sends a file as the body.`,
		Example: `  $ nimbusctl nps api GET /campaigns/ --jq '.[].name'
  $ nimbusctl nps api GET /v2/bi/responses -f modifiedAfter=2026-03-01T00:00:00Z -f page=1
  $ nimbusctl nps api POST /campaigns/101/respondent -f 'respondent[phoneNumber]=+4512345678'
  $ nimbusctl nps api POST '/campaigns/101/respondents?checkPgap=true' --input survey.json`,
		Args: cmdutil.ExactArgs(2, "a method and a path"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return api.Run(cmd, f, opts, args, operationName)
		},
	}
	api.AddRequestFlags(cmd, opts)
	return cmd
}

// operationName names a raw call after the route it matches, for clearer errors.
func operationName(method, path string) string {
	if r, ok := npstoday.FindRoute(method, path); ok {
		return r.Op
	}
	return method + " " + path
}
