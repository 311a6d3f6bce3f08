package doctor

import (
	"context"

	"github.com/nimbusctl/nimbusctl/pkg/cli/cmdutil"
	"github.com/nimbusctl/nimbusctl/pkg/cli/nps"
)

// checkNPSToday lists the nps.today campaigns with the profile's key; skipped without a key.
func checkNPSToday(ctx context.Context, f *cmdutil.Factory) (string, error) {
	ok, err := nps.KeyConfigured(f)
	if err != nil {
		return "", err
	}
	if !ok {
		return "", Skipped{Reason: "no nps.today API key (NPSTODAY_API_KEY or `nimbusctl nps login --with-key`)"}
	}
	return nps.Check(ctx, f)
}
