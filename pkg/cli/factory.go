package cli

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"runtime"
	"sync"
	"time"

	"github.com/nimbusctl/nimbusctl/pkg/auth"
	authcmd "github.com/nimbusctl/nimbusctl/pkg/cli/auth"
	"github.com/nimbusctl/nimbusctl/pkg/cli/cmdutil"
	"github.com/nimbusctl/nimbusctl/pkg/config"
	"github.com/nimbusctl/nimbusctl/pkg/httpx"
	"github.com/nimbusctl/nimbusctl/pkg/nimbus"
	"github.com/nimbusctl/nimbusctl/pkg/npstoday"
	"github.com/nimbusctl/nimbusctl/pkg/odata"
	"github.com/nimbusctl/nimbusctl/pkg/output"
)

// Services the pipeline knows, with the profile key holding each one's rate.
var serviceRateKey = map[string]string{
	"nimbus":   "nimbus_rate",
	"npstoday": "npstoday_rate",
	"odata":    "odata_rate",
}

// NewFactory wires the real dependencies. getenv is the environment (tests pass their own,
// so in-process runs stay isolated).
func NewFactory(ios *output.IOStreams, build cmdutil.BuildInfo, getenv func(string) string) *cmdutil.Factory {
	f := &cmdutil.Factory{IO: ios, Build: build, Getenv: getenv, Environ: os.Environ, Now: time.Now, Keyring: auth.SystemKeyring}
	f.Prompter = cmdutil.NewPrompter(ios)

	f.Config = memo(func() (*config.Config, error) {
		return config.Load(config.DefaultDirs(getenv), f.Flags.Profile, getenv)
	})
	f.Profile = memo(func() (*config.Profile, error) {
		cfg, err := f.Config()
		if err != nil {
			return nil, err
		}
		return cfg.Profile()
	})
	f.Transport = memo(func() (http.RoundTripper, error) {
		p, err := f.Profile()
		if err != nil {
			return nil, err
		}
		return httpx.NewTransport(p.Get("ca_file"))
	})
	f.Tokens = memo(func() (auth.Source, error) { return tokenSource(f) })

	var mu sync.Mutex
	limiters := map[string]*httpx.Limiter{}
	f.Limiter = func(service string) (*httpx.Limiter, error) {
		mu.Lock()
		defer mu.Unlock()
		if l, ok := limiters[service]; ok {
			return l, nil
		}
		p, err := f.Profile()
		if err != nil {
			return nil, err
		}
		r := p.Rate(serviceRateKey[service])
		if o := f.RateOverride[service]; o != "" {
			if r, err = httpx.ParseRate(o, r); err != nil {
				return nil, cmdutil.FlagErrorWrap(err)
			}
		}
		l := httpx.NewLimiter(r)
		limiters[service] = l
		return l, nil
	}

	var clientsMu sync.Mutex
	clients := map[string]*httpx.Client{}
	f.HTTP = func(service string) (*httpx.Client, error) {
		clientsMu.Lock()
		defer clientsMu.Unlock()
		if c, ok := clients[service]; ok {
			return c, nil
		}
		c, err := newServiceClient(f, service)
		if err != nil {
			return nil, err
		}
		clients[service] = c
		return c, nil
	}
	f.Nimbus = memo(func() (*nimbus.Client, error) {
		h, err := f.HTTP("nimbus")
		if err != nil {
			return nil, err
		}
		return nimbus.New(h), nil
	})
	f.OData = memo(func() (*odata.Client, error) {
		h, err := f.HTTP("odata")
		if err != nil {
			return nil, err
		}
		p, err := f.Profile()
		if err != nil {
			return nil, err
		}
		c := odata.New(h)
		c.Tenant, c.Scopes = p.Get("tenant"), p.List("odata_scopes") // for the hint of a 401/403
		c.TokenEnv = odataTokenEnv(f)
		c.Overrides = odata.Overrides{
			SessionSet: p.Get(odata.SettingSessionSet),
			Time:       p.Get(odata.SettingTime),
			ServiceSet: p.Get(odata.SettingServiceSet),
			UserSet:    p.Get(odata.SettingUserSet),
			OUSet:      p.Get(odata.SettingOUSet),
			UserLink:   p.Get(odata.SettingUserLink),
			Delimiter:  p.Get(odata.SettingDelimiter),
			CodeName:   p.Get(odata.SettingCodeName),
		}
		return c, nil
	})
	f.NPS = memo(func() (*npstoday.Client, error) {
		h, err := f.HTTP("npstoday")
		if err != nil {
			return nil, err
		}
		return npstoday.New(h), nil
	})
	return f
}

// newServiceClient builds the pipeline for one service from the profile.
func newServiceClient(f *cmdutil.Factory, service string) (*httpx.Client, error) {
	p, err := f.Profile()
	if err != nil {
		return nil, err
	}
	cfg := httpx.Config{
		Service: service,
		Retry:   httpx.Retry{MaxAttempts: p.Retries()},
		Timeout: p.RequestTimeout(),
		// The key behind Timeout, named when it fires.
		TimeoutSetting: "request_timeout",
		UserAgent:      UserAgent(f.Build),
	}
	cfg.Trace = f.Trace()
	switch service {
	case "nimbus":
		if err := p.CheckLocation(); err != nil {
			return nil, cmdutil.InvalidInputf("%v", err)
		}
		cfg.BaseURL = p.NimbusURL()
		src, err := f.Tokens()
		if err != nil {
			return nil, err
		}
		cfg.Auth = auth.BearerFunc(src, auth.ResourceNimbus)
	case "odata":
		if err := p.CheckODataURL(); err != nil {
			return nil, cmdutil.InvalidInputf("%v", err)
		}
		cfg.BaseURL = p.ODataURL()
		src, err := f.Tokens()
		if err != nil {
			return nil, err
		}
		cfg.Auth = auth.BearerFunc(src, auth.ResourceOData)
	case "npstoday":
		cfg.BaseURL = p.Get("npstoday_url")
		if cfg.Auth, cfg.Secrets, err = npsAuth(f, p); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("unknown service %q", service)
	}
	cfg.Secrets = append(cfg.Secrets, f.Hidden()...) // a listener's path token, in trigger bodies
	if cfg.Transport, err = f.Transport(); err != nil {
		return nil, err
	}
	if cfg.Limiter, err = f.Limiter(service); err != nil {
		return nil, err
	}
	return httpx.New(cfg)
}

// npsAuth sends the nps.today API key (NPSTODAY_API_KEY, else the profile's key file written
// by `nps login`) in the profile's npstoday_auth_scheme; the trace scrubs the key.
func npsAuth(f *cmdutil.Factory, p *config.Profile) (httpx.AuthFunc, []string, error) {
	c, err := f.Config()
	if err != nil {
		return nil, nil, err
	}
	key, err := npstoday.LoadKey(f.Getenv, c.Dirs.Config, p.Name)
	if errors.Is(err, npstoday.ErrNoKey) {
		return nil, nil, &cmdutil.AuthError{Msg: err.Error()}
	}
	if err != nil {
		return nil, nil, err
	}
	scheme, err := npstoday.ParseScheme(p.Get("npstoday_auth_scheme"))
	if err != nil {
		return nil, nil, err
	}
	fn, secrets := scheme.Auth(key)
	for _, s := range secrets {
		f.HideSecret(s) // from errors that quote it, as the trace does
	}
	return fn, secrets, nil
}

// tokenSource picks the credential: raw tokens from the environment first (the escape
// hatch: NIMBUSCTL_TOKEN, and NIMBUSCTL_ODATA_TOKEN for the OData feed), then the app's client
// secret or certificate (NIMBUSCTL_CLIENT_SECRET, NIMBUSCTL_CLIENT_CERTIFICATE), then the
// account signed in with `auth login` (see pkg/cli/auth).
func tokenSource(f *cmdutil.Factory) (auth.Source, error) {
	tok, odataTok := f.Getenv("NIMBUSCTL_TOKEN"), f.Getenv("NIMBUSCTL_ODATA_TOKEN")
	f.HideSecret(tok) // from errors that quote it
	f.HideSecret(odataTok)
	if tok != "" || odataTok != "" {
		s := auth.Static{Values: map[auth.Resource]auth.Token{}}
		if tok != "" {
			s.Default = auth.Token{AccessToken: tok, Source: "NIMBUSCTL_TOKEN", Raw: true}
		} else {
			s.Next = authcmd.LazySource(f) // NIMBUSCTL_ODATA_TOKEN alone: the rest as usual
		}
		if odataTok != "" {
			s.Values[auth.ResourceOData] = auth.Token{AccessToken: odataTok, Source: "NIMBUSCTL_ODATA_TOKEN", Raw: true}
		}
		return s, nil
	}
	return authcmd.NewSource(f)
}

// odataTokenEnv names the variable the feed's token comes from, as tokenSource picks it
// ("" when it comes from a sign-in).
func odataTokenEnv(f *cmdutil.Factory) string {
	for _, k := range []string{"NIMBUSCTL_ODATA_TOKEN", "NIMBUSCTL_TOKEN"} {
		if f.Getenv(k) != "" {
			return k
		}
	}
	return ""
}

// UserAgent names the tool and platform in every request.
func UserAgent(b cmdutil.BuildInfo) string {
	return fmt.Sprintf("nimbusctl/%s (%s; %s)", b.Version, runtime.GOOS, runtime.GOARCH)
}

func memo[T any](fn func() (T, error)) func() (T, error) {
	var once sync.Once
	var v T
	var err error
	return func() (T, error) {
		once.Do(func() { v, err = fn() })
		return v, err
	}
}
