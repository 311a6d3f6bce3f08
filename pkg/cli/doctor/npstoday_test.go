package doctor_test

import (
	"testing"

	"github.com/nimbusctl/nimbusctl/pkg/cli/clitest"
	"github.com/nimbusctl/nimbusctl/pkg/emulator"
)

func TestDoctorNPSToday(t *testing.T) {
	t.Parallel()
	e := clitest.New(t)
	checks, r := run(t, e)
	c := named(t, checks, "npstoday")
	if r.Code != 0 || c.Status != "ok" || c.Detail != "GetCampaigns answered 200 from "+e.Emu.NPSTodayURL()+" (3 campaigns; key from env NPSTODAY_API_KEY)" {
		t.Errorf("exit %d, check %+v", r.Code, c)
	}

	// No key configured: the check does not apply.
	e.Setenv("NPSTODAY_API_KEY", "")
	checks, r = run(t, e)
	c = named(t, checks, "npstoday")
	if r.Code != 0 || c.Status != "skipped" || c.Detail != "no nps.today API key (NPSTODAY_API_KEY or `nimbusctl nps login --with-key`)" {
		t.Errorf("exit %d, check %+v", r.Code, c)
	}

	// A key nps.today refuses: failed, exit 4.
	e.Setenv("NPSTODAY_API_KEY", "npt-revoked")
	checks, r = run(t, e)
	c = named(t, checks, "npstoday")
	if r.Code != 4 || c.Status != "failed" || c.Detail != "GetCampaigns: 401 Unauthorized: Unauthorized. The API key is missing or invalid." {
		t.Errorf("exit %d, check %+v", r.Code, c)
	}
}

func TestDoctorNPSTodayForbidden(t *testing.T) {
	t.Parallel()
	e := clitest.New(t, clitest.WithEmulator(func(o *emulator.Options) { o.Deny = []string{emulator.ServiceNPSToday} }))
	checks, r := run(t, e)
	if c := named(t, checks, "npstoday"); r.Code != 5 || c.Status != "failed" {
		t.Errorf("exit %d, check %+v", r.Code, c)
	}
}
