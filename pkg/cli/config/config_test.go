package config_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nimbusctl/nimbusctl/pkg/cli/clitest"
)

func TestSetGetListUseProfile(t *testing.T) {
	t.Parallel()
	e := clitest.New(t)
	e.Setenv("NIMBUSCTL_ENDPOINT", "") // let the profile decide
	e.Run("config", "set", "region", "de-02", "--profile", "prod").Expect(t, 0, "", "")
	e.Run("config", "set", "tenant", "contoso.onmicrosoft.com", "--profile", "prod").Expect(t, 0, "", "")
	e.Run("config", "get", "endpoint", "--profile", "prod").Expect(t, 0, "https://api.de-02.luware.cloud\n", "")
	e.Run("config", "get", "tenant", "--profile", "prod").Expect(t, 0, "contoso.onmicrosoft.com\n", "")
	e.Run("config", "get", "tenant").Expect(t, 0, "organizations\n", "")
	e.Run("config", "use-profile", "prod").Expect(t, 0, "", "")
	e.Run("config", "get", "region").Expect(t, 0, "de-02\n", "")
	e.Run("config", "profiles", "-o", "csv").Expect(t, 0, "name,current,endpoint\nprod,true,https://api.de-02.luware.cloud\n", "")

	r := e.MustRun("config", "list", "-o", "json", "--jq", `.[] | select(.key=="region" or .key=="tenant" or .key=="endpoint") | "\(.key)=\(.value) (\(.source))"`)
	want := "region=de-02 (config)\nendpoint=https://api.de-02.luware.cloud (region de-02)\ntenant=contoso.onmicrosoft.com (config)\n"
	if r.Stdout != want {
		t.Errorf("list:\n%s\nwant\n%s", r.Stdout, want)
	}
	fi, err := os.Stat(filepath.Join(e.Home, "config", "config.yaml"))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("config.yaml: %v %v", fi, err)
	}
	e.Setenv("NIMBUSCTL_REGION", "uk-01")
	e.Run("config", "list", "--jq", `.[] | select(.key=="region") | .source`).Expect(t, 0, "env NIMBUSCTL_REGION\n", "")
}

func TestConfigRejectsBadInput(t *testing.T) {
	t.Parallel()
	e := clitest.New(t)
	e.Run("config", "set", "region", "mars-01").
		Expect(t, 3, "", "error: unknown region \"mars-01\": allowed: ch-01, ch-02, de-01, de-02, uk-01, eu-01, innovator\nRun 'nimbusctl config set --help' for usage.\n")
	r := e.Run("config", "get", "colour")
	if r.Code != 3 || !strings.HasPrefix(r.Stderr, "error: unknown key \"colour\": known keys: authority, ca_file,") {
		t.Errorf("%d %q", r.Code, r.Stderr)
	}
	e.Run("config", "use-profile", "ghost").
		Expect(t, 3, "", "error: profile \"ghost\" is not defined (known: )\nRun 'nimbusctl config use-profile --help' for usage.\n")
	e.Run("config", "set", "endpoint", "http://api.example.com").
		Expect(t, 3, "", "error: refusing plain http:// to api.example.com: tokens and keys would travel unencrypted (use https://; http is allowed only to loopback)\nRun 'nimbusctl config set --help' for usage.\n")
	e.Run("config", "list", "--profile", "ghost").
		Expect(t, 1, "", "error: profile \"ghost\" is not defined in "+filepath.Join(e.Home, "config", "config.yaml")+" (known: )\n")
}

func TestSuccessLinesOnlyOnTTY(t *testing.T) {
	t.Parallel()
	e := clitest.New(t)
	r := e.RunWith(clitest.RunOpts{TTY: true}, "config", "set", "region", "ch-02")
	r.Expect(t, 0, "", "✓ Set region to \"ch-02\" in profile default\n")
}

// A bad setting is bad input, whichever way it came (environment, config.yaml): exit 3 and the
// setting named, never the generic exit 1 a cron wrapper would read as a crash.
func TestABadSettingExits3(t *testing.T) {
	t.Parallel()
	e := clitest.New(t)
	e.Setenv("NIMBUSCTL_TIMEZONE", "Europe/Zurch")
	e.Run("schedule", "create", "--service", "support@contoso.com", "--destination", "+41445551234", "--due", "2030-01-01 10:00").
		Expect(t, 3, "", "error: profile \"default\", timezone (from env NIMBUSCTL_TIMEZONE): unknown time zone \"Europe/Zurch\": use an IANA name such as Europe/Zurich\n")
	if n := len(e.Emu.Received()); n != 0 {
		t.Errorf("%d requests sent with a bad setting", n)
	}
}

// The connector makes its users choose the location of their tenant; nimbusctl does too. A
// profile that names neither region nor endpoint is not sent to Switzerland 01 by default,
// and its national numbers do not become Swiss (+41) because of a region nobody chose.
func TestAProfileWithoutALocationIsNotGivenOne(t *testing.T) {
	t.Parallel()
	e := clitest.New(t)
	e.Setenv("NIMBUSCTL_ENDPOINT", "")
	e.Setenv("NIMBUSCTL_ODATA_URL", "")
	e.Setenv("NIMBUSCTL_DEFAULT_COUNTRY", "")
	e.Run("config", "get", "default_country").Expect(t, 0, "\n", "")
	e.Run("addressbook", "list").Expect(t, 3, "",
		"error: the profile \"default\" has no Nimbus location: set the region your tenant is in (nimbusctl config set region ch-01; regions: ch-01, ch-02, de-01, de-02, uk-01, eu-01, innovator), or endpoint\n")
	e.Run("codes", "list").Expect(t, 3, "",
		"error: the profile \"default\" has no Nimbus location: set the region your tenant is in (nimbusctl config set region ch-01; regions: ch-01, ch-02, de-01, de-02, uk-01, eu-01, innovator), or endpoint\n")
	if n := len(e.Emu.Received()); n != 0 {
		t.Errorf("%d requests sent without a location", n)
	}
}
