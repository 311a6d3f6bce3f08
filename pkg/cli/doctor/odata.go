package doctor

import (
	"context"
	"fmt"
	"strings"

	"github.com/nimbusctl/nimbusctl/pkg/cli/cmdutil"
)

// checkOData reads the reporting feed's service document and $metadata: which entity sets it
// offers, and where the codes are (discovered, not known; `codes mapping` shows the rest).
func checkOData(ctx context.Context, f *cmdutil.Factory) (string, error) {
	p, err := f.Profile()
	if err != nil {
		return "", err
	}
	if err := p.CheckODataURL(); err != nil {
		return "", Skipped{Reason: err.Error()}
	}
	c, err := f.OData()
	if err != nil {
		return "", err
	}
	entries, err := c.ServiceDocument(ctx)
	if err != nil {
		return "", err
	}
	var sets []string
	for _, e := range entries {
		if e.Kind == "EntitySet" {
			sets = append(sets, e.Name)
		}
	}
	detail := fmt.Sprintf("%d entity sets at %s: %s", len(sets), c.BaseURL(), strings.Join(sets, ", "))
	mp, err := c.Mapping(ctx)
	if err != nil {
		return "", err
	}
	return detail + fmt.Sprintf("; codes in %s (%s); the whole mapping: nimbusctl codes mapping", mp.Sessions.Set, mp.Codes[0].Type), nil
}
