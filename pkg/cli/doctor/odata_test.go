package doctor_test

import (
	"strings"
	"testing"

	"github.com/nimbusctl/nimbusctl/pkg/cli/clitest"
	"github.com/nimbusctl/nimbusctl/pkg/emulator"
)

func TestDoctorReportsTheODataFeedsEntitySets(t *testing.T) {
	t.Parallel()
	e := clitest.New(t, clitest.WithEmulator(func(o *emulator.Options) {
		o.OData = emulator.ODataOptions{CodesEncoding: emulator.ODataCodesDelimited, SessionSet: "Sessions"}
	}))
	checks, r := run(t, e)
	c := named(t, checks, "odata")
	want := "6 entity sets at " + e.Emu.ODataURL() + ": Sessions, Services, Users, Callers, Outcomes, OrganizationUnits; codes in Sessions (Edm.String); the whole mapping: nimbusctl codes mapping"
	if r.Code != 0 || c.Status != "ok" || c.Detail != want {
		t.Errorf("exit %d, odata check %+v\nwant detail %s", r.Code, c, want)
	}
}

func TestDoctorODataForbiddenShowsTheConsentHint(t *testing.T) {
	t.Parallel()
	e := clitest.New(t, clitest.WithEmulator(func(o *emulator.Options) { o.Deny = []string{emulator.ServiceOData} }))
	checks, r := run(t, e)
	c := named(t, checks, "odata")
	if r.Code != 5 || c.Status != "failed" || !strings.HasPrefix(c.Detail, "OData service document: 403 Forbidden") {
		t.Fatalf("exit %d, odata check %+v", r.Code, c)
	}
	if !strings.Contains(r.Stderr, "first: OData service document: 403 Forbidden") || !strings.Contains(r.Stderr, "adminconsent?client_id=898a7352-9216-4ca8-a485-7d8f3903f598") {
		t.Errorf("stderr: %s", r.Stderr)
	}
}

func TestDoctorODataNamesAnAmbiguousSessionSet(t *testing.T) {
	t.Parallel()
	e := clitest.New(t, clitest.WithEmulator(func(o *emulator.Options) {
		o.OData = emulator.ODataOptions{Shape: emulator.ODataShapeTwoSessions}
	}))
	checks, r := run(t, e)
	c := named(t, checks, "odata")
	if r.Code != 3 || c.Status != "failed" || !strings.Contains(c.Detail, "2 entity sets could hold the sessions (they have codes and a start time) and none is the documented Service Sessions: UserSessions, Sessions.") {
		t.Errorf("exit %d, odata check %+v", r.Code, c)
	}
	e.Setenv("NIMBUSCTL_ODATA_SESSION_SET", "Sessions")
	checks, r = run(t, e)
	if c := named(t, checks, "odata"); c.Status != "ok" || !strings.HasSuffix(c.Detail, "; codes in Sessions (Collection(Edm.String)); the whole mapping: nimbusctl codes mapping") {
		t.Errorf("exit %d, odata check %+v", r.Code, c)
	}
}
