package config

import (
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/nimbusctl/nimbusctl/pkg/odata"
)

func env(m map[string]string) Getenv {
	return func(k string) string { return m[k] }
}

func dirs(t *testing.T) Dirs {
	d := t.TempDir()
	return Dirs{Config: filepath.Join(d, "config"), Cache: filepath.Join(d, "cache"), State: filepath.Join(d, "state")}
}

func TestMissingFileGivesDefaults(t *testing.T) {
	c, err := Load(dirs(t), "", env(nil))
	if err != nil {
		t.Fatal(err)
	}
	p, err := c.Profile()
	if err != nil {
		t.Fatal(err)
	}
	// No location is chosen for the user (the connector makes its users choose one).
	if p.Name != "default" || p.NimbusURL() != "" || p.Source("region") != "" || p.CheckLocation() == nil || p.CheckODataURL() == nil {
		t.Errorf("profile %s url %q src %q", p.Name, p.NimbusURL(), p.Source("region"))
	}
	c, _ = Load(dirs(t), "", env(map[string]string{"NIMBUSCTL_REGION": "ch-01"}))
	p, _ = c.Profile()
	if p.NimbusURL() != "https://api.luware.cloud" || p.ODataURL() != "https://api.ch-01.luware.cloud/v1/odata" || p.CheckLocation() != nil || p.CheckODataURL() != nil {
		t.Errorf("ch-01: %s %s", p.NimbusURL(), p.ODataURL())
	}
	if got := p.List("scopes"); len(got) != 1 || got[0] != ConnectorAppID+"/.default" {
		t.Errorf("scopes = %v", got)
	}
}

func TestSetSaveReloadAndUse(t *testing.T) {
	d := dirs(t)
	c, _ := Load(d, "", env(nil))
	if err := c.Set("prod", "region", "de-02"); err != nil {
		t.Fatal(err)
	}
	if err := c.Set("prod", "tenant", "contoso.onmicrosoft.com"); err != nil {
		t.Fatal(err)
	}
	if err := c.Save(); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(c.Path())
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("config file mode %v, %v", fi.Mode(), err)
	}
	c2, _ := Load(d, "prod", env(nil))
	p, err := c2.Profile()
	if err != nil {
		t.Fatal(err)
	}
	if p.NimbusURL() != "https://api.de-02.luware.cloud" || p.Get("tenant") != "contoso.onmicrosoft.com" || p.Source("tenant") != "config" {
		t.Errorf("prod: %s %s %s", p.NimbusURL(), p.Get("tenant"), p.Source("tenant"))
	}
	if err := c2.Use("PROD"); err == nil {
		t.Fatal("Use(PROD) accepted: names are lowercase")
	}
	if err := c2.Use("prod"); err != nil {
		t.Fatal(err)
	}
	c2.Save()
	c3, _ := Load(d, "", env(nil))
	if c3.ProfileName() != "prod" {
		t.Errorf("current profile = %s", c3.ProfileName())
	}
	if err := c3.Use("nope"); err == nil {
		t.Error("Use of an unknown profile accepted")
	}
}

func TestEnvOverridesFileAndProfileSelection(t *testing.T) {
	d := dirs(t)
	c, _ := Load(d, "", env(nil))
	c.Set("a", "region", "uk-01")
	c.Set("b", "region", "eu-01")
	c.Use("a")
	c.Save()

	c, _ = Load(d, "", env(map[string]string{"NIMBUSCTL_PROFILE": "b"}))
	if c.ProfileName() != "b" {
		t.Errorf("NIMBUSCTL_PROFILE ignored: %s", c.ProfileName())
	}
	c, _ = Load(d, "a", env(map[string]string{"NIMBUSCTL_PROFILE": "b", "NIMBUSCTL_ENDPOINT": "https://127.0.0.1:9/nimbus"}))
	p, err := c.Profile()
	if err != nil {
		t.Fatal(err)
	}
	if p.Name != "a" || p.NimbusURL() != "https://127.0.0.1:9/nimbus" || p.Source("endpoint") != "env NIMBUSCTL_ENDPOINT" {
		t.Errorf("flag must beat env, env must beat file: %s %s %s", p.Name, p.NimbusURL(), p.Source("endpoint"))
	}
}

func TestInvalidValuesAreRefused(t *testing.T) {
	c, _ := Load(dirs(t), "", env(nil))
	for key, val := range map[string]string{
		"region":               "mars-01",
		"endpoint":             "http://api.example.com",
		"nimbus_rate":          "fast",
		"npstoday_auth_scheme": "digest",
		"max_retries":          "11",
		"default_country":      "45",
		"no_such_key":          "x",
	} {
		if err := c.Set("", key, val); err == nil {
			t.Errorf("set %s=%s accepted", key, val)
		}
	}
	_, err := Load(dirs(t), "", env(map[string]string{"NIMBUSCTL_REGION": "mars-01"}))
	if err != nil {
		t.Fatal(err)
	}
	c2, _ := Load(dirs(t), "", env(map[string]string{"NIMBUSCTL_REGION": "mars-01"}))
	if _, err := c2.Profile(); err == nil || !strings.Contains(err.Error(), "env NIMBUSCTL_REGION") {
		t.Errorf("a bad env value must be reported with its source: %v", err)
	}
}

func TestUnknownSelectedProfileIsAnError(t *testing.T) {
	c, _ := Load(dirs(t), "ghost", env(nil))
	if _, err := c.Profile(); err == nil {
		t.Error("unknown --profile accepted")
	}
}

func TestEveryRegionResolves(t *testing.T) {
	if len(Regions) != 7 {
		t.Fatalf("%d regions, want the connector's 7", len(Regions))
	}
	for _, r := range Regions {
		if !strings.HasPrefix(r.Endpoint, "https://api.") || !strings.HasSuffix(r.OData, "/v1/odata") {
			t.Errorf("region %s: %s %s", r.Name, r.Endpoint, r.OData)
		}
	}
}

// default_country has no built-in value: it follows from the region where the region lies in
// one country, and is unset otherwise (national numbers are then refused, never guessed).
func TestDefaultCountryComesFromTheRegion(t *testing.T) {
	cases := []struct {
		env          map[string]string
		want, source string
	}{
		{nil, "", ""}, // no region chosen: no country either
		{map[string]string{"NIMBUSCTL_REGION": "ch-02"}, "+41", "region ch-02"},
		{map[string]string{"NIMBUSCTL_REGION": "de-01"}, "+49", "region de-01"},
		{map[string]string{"NIMBUSCTL_REGION": "de-02"}, "+49", "region de-02"},
		{map[string]string{"NIMBUSCTL_REGION": "uk-01"}, "+44", "region uk-01"},
		{map[string]string{"NIMBUSCTL_REGION": "eu-01"}, "", ""},
		{map[string]string{"NIMBUSCTL_REGION": "innovator"}, "", ""},
		// An endpoint of its own says nothing about the country, unless a region is named.
		{map[string]string{"NIMBUSCTL_ENDPOINT": "https://127.0.0.1:9/nimbus"}, "", ""},
		{map[string]string{"NIMBUSCTL_ENDPOINT": "https://proxy.example.com", "NIMBUSCTL_REGION": "de-02"}, "+49", "region de-02"},
		// Said outright, it wins.
		{map[string]string{"NIMBUSCTL_REGION": "de-01", "NIMBUSCTL_DEFAULT_COUNTRY": "+43"}, "+43", "env NIMBUSCTL_DEFAULT_COUNTRY"},
	}
	for _, c := range cases {
		cfg, _ := Load(dirs(t), "", env(c.env))
		p, err := cfg.Profile()
		if err != nil {
			t.Fatal(err)
		}
		if p.Get("default_country") != c.want || p.Source("default_country") != c.source {
			t.Errorf("%v: default_country %q from %q, want %q from %q", c.env, p.Get("default_country"), p.Source("default_country"), c.want, c.source)
		}
	}
	c, _ := Load(dirs(t), "", env(nil))
	for _, bad := range []string{"45", "+999", "+4x"} {
		if err := c.Set("", "default_country", bad); err == nil {
			t.Errorf("default_country %q accepted", bad)
		}
	}
	if err := c.Set("", "timezone", "Mars/Olympus"); err == nil || err.Error() != `unknown time zone "Mars/Olympus": use an IANA name such as Europe/Zurich` {
		t.Errorf("timezone: %v", err)
	}
	if err := c.Set("", "timezone", "Europe/Zurich"); err != nil {
		t.Error(err)
	}
}

func TestProfileNames(t *testing.T) {
	for name, ok := range map[string]bool{
		"default": true, "prod": true, "prod-eu": true, "prod_eu": true, "2nd": true, "a": true,
		"": false, "Prod": false, "prod.eu": false, "..": false, ".": false, "-x": false, "_x": false,
		"a b": false, "a\nb": false, "a/b": false, "ünï": false, "prod:eu": false,
	} {
		if err := CheckProfileName(name); (err == nil) != ok {
			t.Errorf("%q: err %v, want ok=%v", name, err, ok)
		}
	}
	// A current_profile written by hand that breaks the rule is refused, naming the file.
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "config.yaml"), []byte("current_profile: prod.eu\n"), 0o600)
	c, err := Load(Dirs{Config: dir}, "", func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Profile()
	var pe *ProfileNameError
	if !errors.As(err, &pe) || pe.Source != "current_profile in "+filepath.Join(dir, "config.yaml") {
		t.Errorf("current_profile: %v", err)
	}
}

// The reporting feed's overrides are profile keys, with the checks their values need.
func TestODataSettingsAreKeys(t *testing.T) {
	t.Parallel()
	for _, name := range []string{odata.SettingSessionSet, odata.SettingServiceSet, odata.SettingUserSet, odata.SettingOUSet, odata.SettingUserLink, odata.SettingDelimiter, odata.SettingCodeName, odata.SettingTime} {
		if _, ok := FindKey(name); !ok {
			t.Errorf("%s is not a profile key", name)
		}
	}
	for key, values := range map[string][2][]string{
		odata.SettingSessionSet: {{"ServiceSessions", "Fact_Sessions2"}, {"2Sessions", "Service Sessions", "a.b"}},
		odata.SettingUserLink:   {{"UserId", "UserSessions.ServiceSessionId"}, {"User Id", ".UserId", "Set.", "a.b.c"}},
		odata.SettingDelimiter:  {{";", "|", ",", "||"}, {"and", " ", "1", ";;;;"}},
	} {
		k, _ := FindKey(key)
		for _, v := range values[0] {
			if err := k.Check(v); err != nil {
				t.Errorf("%s %q: %v", key, v, err)
			}
		}
		for _, v := range values[1] {
			if err := k.Check(v); err == nil {
				t.Errorf("%s %q accepted", key, v)
			}
		}
	}
}

// A variable whose name says it holds a credential is marked Secret, so that trigger listen
// --exec never passes it on; and WithoutSecrets takes out exactly those.
func TestSecretEnv(t *testing.T) {
	looks := regexp.MustCompile(`TOKEN|SECRET|KEY|CERTIFICATE|PASSWORD`).MatchString
	for _, v := range EnvVars {
		if looks(v.Name) != v.Secret {
			t.Errorf("%s: Secret is %v", v.Name, v.Secret)
		}
	}
	for _, k := range Keys { // settings hold no secret: those come from EnvVars or files
		if looks(k.Env()) && k.Name != "token_storage" {
			t.Errorf("setting %s looks like a secret", k.Name)
		}
	}
	got := WithoutSecrets([]string{"PATH=/bin", "NIMBUSCTL_TOKEN=t", "nimbusctl_client_secret=s", "NPSTODAY_API_KEY=k", "FOO=a=b", "NIMBUSCTL_PROFILE=prod", "NIMBUSCTL_TOKENS=x"})
	if strings.Join(got, " ") != "PATH=/bin FOO=a=b NIMBUSCTL_PROFILE=prod NIMBUSCTL_TOKENS=x" {
		t.Errorf("WithoutSecrets: %q", got)
	}
}

func TestParseDomains(t *testing.T) {
	got, err := ParseDomains(" Contoso.com, ,fabrikam.example.,eu.contoso.ch")
	if err != nil || strings.Join(got, "|") != "contoso.com|fabrikam.example|eu.contoso.ch" {
		t.Fatalf("%q %v", got, err)
	}
	for _, bad := range []string{"contoso", "@contoso.com", "contoso..com", "-contoso.com", "contoso.com/x", "bob@contoso.com", "con toso.com"} {
		if _, err := ParseDomains("fabrikam.example," + bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	if got, err := ParseDomains(""); err != nil || got != nil {
		t.Errorf("empty: %q %v", got, err)
	}
}
