// Package auth implements `nimbusctl auth` (login, status, token, logout) and builds the
// credential every other command uses (NewSource), from the profile and the environment.
package auth

import (
	"context"
	"errors"
	"math"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/nimbusctl/nimbusctl/pkg/auth"
	"github.com/nimbusctl/nimbusctl/pkg/cli/cmdutil"
	"github.com/nimbusctl/nimbusctl/pkg/httpx"
	"github.com/nimbusctl/nimbusctl/pkg/secretfile"
)

// Environment variables of the non-interactive credentials. Secrets come only from the
// environment (or a file it names), never from flags or config.yaml.
const (
	EnvClientSecret      = "NIMBUSCTL_CLIENT_SECRET"
	EnvClientSecretFile  = "NIMBUSCTL_CLIENT_SECRET_FILE"
	EnvClientCertificate = "NIMBUSCTL_CLIENT_CERTIFICATE"
)

// Settings are the sign-in settings of the profile in effect.
func Settings(f *cmdutil.Factory) (auth.Settings, error) {
	cfg, err := f.Config()
	if err != nil {
		return auth.Settings{}, err
	}
	p, err := f.Profile()
	if err != nil {
		return auth.Settings{}, err
	}
	hc, err := httpClient(f)
	if err != nil {
		return auth.Settings{}, err
	}
	return auth.Settings{
		Profile:   p.Name,
		CacheDir:  cfg.Dirs.Cache,
		Authority: p.Get("authority"),
		Tenant:    p.Get("tenant"),
		ClientID:  p.Get("client_id"),
		Username:  p.Get("username"),
		Scopes: map[auth.Resource][]string{
			auth.ResourceNimbus: p.List("scopes"),
			auth.ResourceOData:  p.List("odata_scopes"),
		},
		HTTPClient: hc,
		Storage:    auth.Storage(p.Get("token_storage")),
		Keyring:    f.Keyring,
	}, nil
}

// httpClient carries MSAL's calls: the profile's transport (its CA file), traced with --debug
// through the same redaction as the API calls.
func httpClient(f *cmdutil.Factory) (*http.Client, error) {
	t, err := f.Transport()
	if err != nil {
		return nil, err
	}
	p, err := f.Profile()
	if err != nil {
		return nil, err
	}
	if w := f.Trace(); w != nil {
		t = httpx.TraceTransport(t, w)
	}
	return &http.Client{Transport: t, Timeout: p.RequestTimeout()}, nil
}

// NewSource picks the credential once raw tokens (NIMBUSCTL_TOKEN) are ruled out: the app's
// client secret or certificate from the environment, else the user signed in with `auth
// login`. On a terminal a failed silent sign-in turns into a device-code sign-in on stderr;
// without one the command fails with exit 4 and says what to run or set.
func NewSource(f *cmdutil.Factory) (auth.Source, error) {
	s, err := Settings(f)
	if err != nil {
		return nil, err
	}
	secret, secretFile, certPath := f.Getenv(EnvClientSecret), f.Getenv(EnvClientSecretFile), f.Getenv(EnvClientCertificate)
	// A credential variable that cannot work is a setup mistake (exit 3), not a missing login;
	// a secret file others may read is refused (exit 4), as every secret file is.
	var set []string
	for _, v := range []string{EnvClientSecret, EnvClientSecretFile, EnvClientCertificate} {
		if f.Getenv(v) != "" {
			set = append(set, v)
		}
	}
	if len(set) > 1 {
		return nil, cmdutil.InvalidInputf("%s are all set: keep one", strings.Join(set, " and "))
	}
	if secretFile != "" {
		b, err := secretfile.Read(secretFile, "the client secret file ("+EnvClientSecretFile+")")
		if err := fileError(EnvClientSecretFile, err); err != nil {
			return nil, err
		}
		if secret = strings.TrimSpace(string(b)); secret == "" {
			return nil, cmdutil.InvalidInputf("%s: %s is empty", EnvClientSecretFile, secretFile)
		}
	}
	f.HideSecret(secret) // from errors that quote it
	switch {
	case secret != "":
		newApp := auth.NewClientSecret
		if secretFile != "" {
			newApp = auth.NewClientSecretFile
		}
		app, err := newApp(s, secret)
		if err != nil {
			return nil, cmdutil.InvalidInputf("%v", err)
		}
		return source{app}, nil
	case certPath != "":
		pem, err := secretfile.Read(certPath, "the client certificate ("+EnvClientCertificate+")")
		if err := fileError(EnvClientCertificate, err); err != nil {
			return nil, err
		}
		app, err := auth.NewClientCertificate(s, pem)
		if err != nil {
			return nil, cmdutil.InvalidInputf("%s %s: %v", EnvClientCertificate, certPath, err)
		}
		return source{app}, nil
	}
	u, err := auth.NewUserLogin(s)
	if err != nil {
		return nil, mapError(err)
	}
	if f.IO.CanPrompt() {
		u.Prompt = DevicePrompt(f)
	}
	return source{u}, nil
}

// fileError reports a credential file that cannot be used: refused by the secret-file rule
// (exit 4, as is), or unreadable (a setup mistake, exit 3).
func fileError(env string, err error) error {
	var insecure *secretfile.InsecureError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &insecure):
		return err
	}
	return cmdutil.InvalidInputf("%s: %v", env, err)
}

// LazySource is NewSource built on first use: the credential behind NIMBUSCTL_ODATA_TOKEN for
// the resources it does not cover.
func LazySource(f *cmdutil.Factory) auth.Source {
	return &lazy{f: f}
}

type lazy struct {
	f    *cmdutil.Factory
	once sync.Once
	src  auth.Source
	err  error
}

func (l *lazy) Token(ctx context.Context, res auth.Resource) (auth.Token, error) {
	l.once.Do(func() { l.src, l.err = NewSource(l.f) })
	if l.err != nil {
		return auth.Token{}, l.err
	}
	return l.src.Token(ctx, res)
}

// UserLogin is the profile's user sign-in, whatever the environment says (login, logout).
func UserLogin(f *cmdutil.Factory, s auth.Settings) (*auth.UserLogin, error) {
	u, err := auth.NewUserLogin(s)
	return u, mapError(err)
}

// source turns "no credential" into the CLI's exit 4.
type source struct{ auth.Source }

func (s source) Token(ctx context.Context, res auth.Resource) (auth.Token, error) {
	t, err := s.Source.Token(ctx, res)
	return t, mapError(err)
}

func mapError(err error) error {
	if err != nil && errors.Is(err, auth.ErrLoginRequired) {
		return &cmdutil.AuthError{Msg: err.Error()}
	}
	return err
}

// DevicePrompt shows a device code on stderr: why a sign-in is needed (inline, on a terminal),
// where to go, the code, and how long it lasts.
func DevicePrompt(f *cmdutil.Factory) auth.DevicePrompt {
	return func(reason string, dc auth.DeviceCode) {
		if reason != "" {
			f.IO.Warnf("%s: signing in with a device code", reason)
		}
		secs := int(math.Round(time.Until(dc.ExpiresOn).Seconds()))
		f.IO.Infof("To sign in, open %s and enter the code %s", dc.VerificationURL, dc.UserCode)
		f.IO.Infof("Waiting for the sign-in (the code expires in %s; Ctrl-C cancels)...", cmdutil.HumanSeconds(max(secs, 0)))
	}
}

// RefusedHint says what to do when a service answered 401 to the credential in use, which
// the environment decides: a raw token cannot be fixed by signing in, an app's token by a
// new login neither. service is "nimbus" or "odata". It is "" when the credential is the
// signed-in account: then signing in again is the advice.
func RefusedHint(f *cmdutil.Factory, service string) string {
	raw := "NIMBUSCTL_TOKEN"
	if service == "odata" && f.Getenv("NIMBUSCTL_ODATA_TOKEN") != "" {
		raw = "NIMBUSCTL_ODATA_TOKEN"
	}
	if f.Getenv(raw) != "" {
		return raw + " was refused: it has expired, or was issued for another resource or tenant. Set a fresh token, or unset " + raw + " to use the account of 'nimbusctl auth login'."
	}
	for _, v := range []string{EnvClientSecret, EnvClientSecretFile, EnvClientCertificate} {
		if f.Getenv(v) != "" {
			return "The service refused the app's token (" + v + "): check that the app registration may call it ('nimbusctl doctor' checks each service), or unset " + v + " to use 'nimbusctl auth login'."
		}
	}
	return ""
}
