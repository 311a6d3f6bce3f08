// Package config reads and writes nimbusctl's config.yaml: named profiles of settings, each
// overridable by a NIMBUSCTL_<KEY> environment variable.
package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"time"

	"github.com/spf13/viper"

	"github.com/nimbusctl/nimbusctl/pkg/httpx"
)

// DefaultProfile is used when nothing selects another.
const DefaultProfile = "default"

// Getenv reads the environment; tests pass their own.
type Getenv func(string) string

// Dirs are the folders nimbusctl keeps files in.
type Dirs struct {
	Config string // config.yaml
	Cache  string // token cache
	State  string // run ledgers, reports
}

// DefaultDirs honours NIMBUSCTL_CONFIG_DIR / _CACHE_DIR / _STATE_DIR, then the XDG variables,
// then the OS defaults.
func DefaultDirs(getenv Getenv) Dirs {
	home, _ := os.UserHomeDir()
	return dirsFor(runtime.GOOS, home, getenv)
}

// dirsFor is DefaultDirs on the OS goos, so that every OS's folders are tested anywhere. The
// OS defaults are Go's os.UserConfigDir and os.UserCacheDir: on Windows the config roams
// (%AppData%) and the token cache and run ledgers stay on the machine (%LocalAppData%); on
// macOS they are under ~/Library; elsewhere ~/.config, ~/.cache and ~/.local/state.
func dirsFor(goos, home string, getenv Getenv) Dirs {
	pick := func(own, xdg, fallback string) string {
		if v := getenv(own); v != "" {
			return v
		}
		if v := getenv(xdg); v != "" {
			return filepath.Join(v, "nimbusctl")
		}
		return filepath.Join(fallback, "nimbusctl")
	}
	or := func(v, fallback string) string {
		if v != "" {
			return v
		}
		return fallback
	}
	cfg, cache := filepath.Join(home, ".config"), filepath.Join(home, ".cache")
	state := filepath.Join(home, ".local", "state")
	switch goos {
	case "windows":
		cfg = or(getenv("AppData"), filepath.Join(home, "AppData", "Roaming"))
		cache = or(getenv("LocalAppData"), filepath.Join(home, "AppData", "Local"))
		state = cache
	case "darwin", "ios":
		cfg = filepath.Join(home, "Library", "Application Support")
		cache = filepath.Join(home, "Library", "Caches")
	}
	return Dirs{
		Config: pick("NIMBUSCTL_CONFIG_DIR", "XDG_CONFIG_HOME", cfg),
		Cache:  pick("NIMBUSCTL_CACHE_DIR", "XDG_CACHE_HOME", cache),
		State:  pick("NIMBUSCTL_STATE_DIR", "XDG_STATE_HOME", state),
	}
}

// Config is the loaded config.yaml plus the profile selection.
type Config struct {
	Dirs     Dirs
	path     string
	v        *viper.Viper
	selected string // from --profile or NIMBUSCTL_PROFILE; empty: the file's current_profile
	getenv   Getenv
	exists   bool // config.yaml was there to read
}

// ProfileNameError is a profile name outside [a-z0-9][a-z0-9_-]*. Such a name would nest in
// config.yaml ("prod.eu" becomes prod: eu:), be read as another ("Prod" is "prod" to the
// YAML keys), or name a file elsewhere ("..": token caches and ledgers are per profile).
type ProfileNameError struct {
	Name   string
	Source string // "--profile", "NIMBUSCTL_PROFILE", "current_profile in /path/config.yaml"
}

func (e *ProfileNameError) Error() string {
	msg := fmt.Sprintf("invalid profile name %q (%s): use lowercase letters, digits, - and _, starting with a letter or digit", e.Name, e.Source)
	if lower := strings.ToLower(e.Name); lower != e.Name && CheckProfileName(lower) == nil {
		msg += fmt.Sprintf(" (did you mean %q?)", lower)
	}
	return msg
}

// SettingError is a profile setting whose value is not allowed, from wherever it came
// (environment, config.yaml): bad input, like a bad flag.
type SettingError struct {
	Profile, Key, Source string
	Err                  error
}

func (e *SettingError) Error() string {
	return fmt.Sprintf("profile %q, %s (from %s): %v", e.Profile, e.Key, e.Source, e.Err)
}

func (e *SettingError) Unwrap() error { return e.Err }

// CheckProfileName accepts [a-z0-9][a-z0-9_-]* only.
func CheckProfileName(name string) error {
	for i, r := range name {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || i > 0 && (r == '-' || r == '_') {
			continue
		}
		return &ProfileNameError{Name: name}
	}
	if name == "" {
		return &ProfileNameError{Name: name}
	}
	return nil
}

func checkProfile(name, source string) error {
	if err := CheckProfileName(name); err != nil {
		return &ProfileNameError{Name: name, Source: source}
	}
	return nil
}

// Load reads config.yaml from dirs.Config (a missing file is an empty config). profile is the
// --profile flag value, which wins over NIMBUSCTL_PROFILE and the file's current_profile.
// A name that is not [a-z0-9][a-z0-9_-]* is refused (*ProfileNameError).
func Load(dirs Dirs, profile string, getenv Getenv) (*Config, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	c := &Config{Dirs: dirs, path: filepath.Join(dirs.Config, "config.yaml"), v: viper.New(), getenv: getenv}
	c.v.SetConfigFile(c.path)
	c.v.SetConfigType("yaml")
	if err := c.v.ReadInConfig(); err != nil && !errors.Is(err, fs.ErrNotExist) {
		var nf viper.ConfigFileNotFoundError
		if !errors.As(err, &nf) {
			return nil, fmt.Errorf("reading %s: %w", c.path, err)
		}
	} else if err == nil {
		c.exists = true
	}
	c.selected = profile
	source := "--profile"
	if c.selected == "" {
		c.selected, source = getenv("NIMBUSCTL_PROFILE"), "NIMBUSCTL_PROFILE"
	}
	if c.selected != "" {
		if err := checkProfile(c.selected, source); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// Path is the config file's location.
func (c *Config) Path() string { return c.path }

// Exists reports whether the config file was there when it was loaded (without one, every
// setting comes from the environment and the defaults).
func (c *Config) Exists() bool { return c.exists }

// ProfileName is the profile in effect.
func (c *Config) ProfileName() string {
	if c.selected != "" {
		return c.selected
	}
	if p := c.v.GetString("current_profile"); p != "" {
		return p
	}
	return DefaultProfile
}

// Profiles lists the profiles the file defines, sorted.
func (c *Config) Profiles() []string {
	m := c.v.GetStringMap("profiles")
	names := make([]string, 0, len(m))
	for n := range m {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// HasProfile reports whether the file defines name.
func (c *Config) HasProfile(name string) bool {
	return CheckProfileName(name) == nil && c.v.IsSet("profiles."+name)
}

// Profile resolves the profile in effect.
func (c *Config) Profile() (*Profile, error) {
	name := c.ProfileName()
	if c.selected == "" {
		if err := checkProfile(name, "current_profile in "+c.path); err != nil {
			return nil, err
		}
	}
	if c.selected != "" && name != DefaultProfile && !c.HasProfile(name) {
		return nil, fmt.Errorf("profile %q is not defined in %s (known: %s)", name, c.path, strings.Join(c.Profiles(), ", "))
	}
	return c.resolve(name)
}

// ProfileNamed resolves a profile by name (env overrides included).
func (c *Config) ProfileNamed(name string) (*Profile, error) {
	if err := checkProfile(name, "profile"); err != nil {
		return nil, err
	}
	return c.resolve(name)
}

func (c *Config) resolve(name string) (*Profile, error) {
	p := &Profile{Name: name, values: map[string]string{}, sources: map[string]string{}}
	file := c.v.GetStringMap("profiles." + name)
	for _, k := range Keys {
		if v := c.getenv(k.Env()); v != "" {
			p.values[k.Name], p.sources[k.Name] = v, "env "+k.Env()
		} else if v, ok := file[k.Name]; ok && fmt.Sprint(v) != "" {
			p.values[k.Name], p.sources[k.Name] = stringify(v), "config"
		} else if k.Default != "" {
			p.values[k.Name], p.sources[k.Name] = k.Default, "default"
		}
	}
	if _, set := p.values["default_country"]; !set {
		if r, ok := p.region(); ok && r.Country != "" {
			p.values["default_country"], p.sources["default_country"] = r.Country, "region "+r.Name
		}
	}
	for _, k := range Keys {
		if v, ok := p.values[k.Name]; ok && k.Check != nil {
			if err := k.Check(v); err != nil {
				return nil, &SettingError{Profile: name, Key: k.Name, Source: p.sources[k.Name], Err: err}
			}
		}
	}
	return p, nil
}

func stringify(v any) string {
	if list, ok := v.([]any); ok {
		parts := make([]string, len(list))
		for i, e := range list {
			parts[i] = fmt.Sprint(e)
		}
		return strings.Join(parts, ",")
	}
	return fmt.Sprint(v)
}

// Set stores key=value in profile (the profile in effect when empty), after checking it.
func (c *Config) Set(profile, key, value string) error {
	k, ok := FindKey(key)
	if !ok {
		return fmt.Errorf("unknown key %q: known keys: %s", key, strings.Join(KeyNames(), ", "))
	}
	if k.Check != nil && value != "" {
		if err := k.Check(value); err != nil {
			return err
		}
	}
	if profile == "" {
		profile = c.ProfileName()
	}
	if err := checkProfile(profile, "profile"); err != nil {
		return err
	}
	c.v.Set("profiles."+profile+"."+k.Name, value)
	return nil
}

// SetProfile writes several keys into one profile at once (the sandbox's profile).
func (c *Config) SetProfile(profile string, values map[string]string) error {
	for k, v := range values {
		if err := c.Set(profile, k, v); err != nil {
			return err
		}
	}
	return nil
}

// Use makes profile the current one.
func (c *Config) Use(profile string) error {
	if err := checkProfile(profile, "profile"); err != nil {
		return err
	}
	if !c.HasProfile(profile) {
		return fmt.Errorf("profile %q is not defined (known: %s)", profile, strings.Join(c.Profiles(), ", "))
	}
	c.v.Set("current_profile", profile)
	c.selected = ""
	return nil
}

// Save writes config.yaml atomically with mode 0600 in a 0700 folder.
func (c *Config) Save() error {
	if err := os.MkdirAll(c.Dirs.Config, 0o700); err != nil {
		return err
	}
	tmp := filepath.Join(c.Dirs.Config, ".config.tmp.yaml") // viper picks the format from the extension
	if err := c.v.WriteConfigAs(tmp); err != nil {
		return fmt.Errorf("writing %s: %w", tmp, err)
	}
	if err := os.Chmod(tmp, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, c.path)
}

// Profile is a resolved set of settings.
type Profile struct {
	Name    string
	values  map[string]string
	sources map[string]string
}

// Get returns a key's value ("" when unset).
func (p *Profile) Get(key string) string { return p.values[key] }

// Source says where a key's value came from: "config", "env NIMBUSCTL_X", "default".
func (p *Profile) Source(key string) string { return p.sources[key] }

// region is the Nimbus location the profile's tenant lives in, when the profile names one.
// There is no default: the connector makes its users choose, and a guessed region would also
// guess the country of national phone numbers.
func (p *Profile) region() (Region, bool) {
	return FindRegion(p.values["region"])
}

// CheckLocation fails when the profile names neither a region nor an endpoint: nimbusctl
// would not know which Nimbus to call.
func (p *Profile) CheckLocation() error {
	if p.Get("endpoint") != "" || p.Get("region") != "" {
		return nil
	}
	return fmt.Errorf("the profile %q has no Nimbus location: set the region your tenant is in (nimbusctl config set region ch-01; regions: %s), or endpoint",
		p.Name, strings.Join(regionNames(), ", "))
}

// NimbusURL is the connector API base: endpoint, else the region's.
func (p *Profile) NimbusURL() string {
	if e := p.Get("endpoint"); e != "" {
		return strings.TrimRight(e, "/")
	}
	r, _ := FindRegion(p.Get("region"))
	return r.Endpoint
}

// CheckODataURL refuses to guess the feed's URL: it is odata_url, else the region's feed.
// With neither (no location at all, or an endpoint of its own without a region) there is no
// feed to call.
func (p *Profile) CheckODataURL() error {
	if p.Get("odata_url") != "" || p.Get("region") != "" {
		return nil
	}
	if err := p.CheckLocation(); err != nil {
		return err
	}
	return fmt.Errorf("odata_url is not set, and the reporting feed's URL cannot be derived from endpoint (%s, from %s): "+
		"set odata_url (nimbusctl config set odata_url https://api.<cluster>.luware.cloud/v1/odata), or region instead of endpoint",
		p.Get("endpoint"), p.Source("endpoint"))
}

// ODataURL is the reporting feed base: odata_url, else the region's.
func (p *Profile) ODataURL() string {
	if e := p.Get("odata_url"); e != "" {
		return strings.TrimRight(e, "/")
	}
	r, _ := FindRegion(p.Get("region"))
	return r.OData
}

// List splits a comma- or space-separated key into its items.
func (p *Profile) List(key string) []string {
	return strings.FieldsFunc(p.Get(key), func(r rune) bool { return r == ',' || r == ' ' })
}

// Rate parses a rate key.
func (p *Profile) Rate(key string) httpx.Rate {
	r, _ := httpx.ParseRate(p.Get(key), httpx.Rate{Count: 1, Per: time.Second}) // checked in resolve
	return r
}

// Retries is max_retries as a number of attempts in all.
func (p *Profile) Retries() int {
	var n int
	fmt.Sscanf(p.Get("max_retries"), "%d", &n)
	return n + 1
}

// RequestTimeout is request_timeout.
func (p *Profile) RequestTimeout() time.Duration {
	d, _ := time.ParseDuration(p.Get("request_timeout"))
	return d
}
