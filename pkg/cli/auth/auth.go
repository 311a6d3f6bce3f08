package auth

import (
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/nimbusctl/nimbusctl/pkg/auth"
	"github.com/nimbusctl/nimbusctl/pkg/cli/cmdutil"
	"github.com/nimbusctl/nimbusctl/pkg/output"
)

// NewCmdAuth builds `nimbusctl auth`.
func NewCmdAuth(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "auth <command>",
		Short: "Sign in to Entra ID, show the credential in use, print tokens",
		Long: `nimbusctl signs in to Entra ID with a device code (auth login) and keeps the tokens in a
per-profile cache in the cache folder. Every later command renews its token silently from
that cache, so one login serves weeks of cron jobs; the OData feed's token comes from the
same login.

The cache is encrypted (msal-<profile>.json.enc) with a key kept in the OS keyring: macOS
Keychain, Windows Credential Manager, or the Secret Service on Linux. Where no keyring answers
(a headless cron host), it is a plain file readable only by you (msal-<profile>.json, mode
0600); auth login says so, and auth status always shows the storage. The profile key
token_storage (keyring or file) chooses; changing it keeps the sign-in.

Credentials, first match wins:
  NIMBUSCTL_TOKEN, NIMBUSCTL_ODATA_TOKEN  raw bearer tokens (scripts that get tokens elsewhere)
  NIMBUSCTL_CLIENT_SECRET                 the app's client secret (CI), with NIMBUSCTL_CLIENT_ID
                                          and NIMBUSCTL_TENANT naming the app and the tenant
  NIMBUSCTL_CLIENT_SECRET_FILE            the path of a file holding that secret, instead
  NIMBUSCTL_CLIENT_CERTIFICATE            the path of a PEM file with the app's certificate and
                                          private key, instead of a secret
  the account of 'nimbusctl auth login'   the profile's token cache

Files holding a credential (the token cache, the certificate, the secret file, the nps.today
key file) must be readable by their owner only (chmod 600): any other mode is refused, exit 4.

Without a terminal no command starts a device-code sign-in on its own: a command that has no
usable credential exits 4 and says what to run or set. On a terminal it signs in inline.
'auth login' is the exception: you asked for it, so it shows the code with or without a
terminal.`,
		Example: `  $ nimbusctl auth login --tenant contoso.onmicrosoft.com --client-id 3f1d2c7b-...
  $ nimbusctl auth status
  $ curl -H "Authorization: Bearer $(nimbusctl auth token)" https://api.luware.cloud/v2/AddressBooks
  $ NIMBUSCTL_CLIENT_ID=... NIMBUSCTL_CLIENT_SECRET=... nimbusctl addressbook list   # CI`,
		Args: cmdutil.NoArgs,
	}
	cmd.AddCommand(newCmdLogin(f), newCmdStatus(f), newCmdToken(f), newCmdLogout(f))
	return cmd
}

func resourceNames() []string {
	names := make([]string, len(auth.Resources))
	for i, r := range auth.Resources {
		names[i] = string(r)
	}
	return names
}

func newCmdLogin(f *cmdutil.Factory) *cobra.Command {
	var tenant, clientID, resource string
	var scopes []string
	cmd := &cobra.Command{
		Use:   "login",
		Short: "Sign in with a device code and cache the tokens",
		Long: `Starts a device-code sign-in: open the URL printed on stderr on any device, enter the code,
and sign in. The account and its refresh token are stored in the profile's token cache, from
which every later command gets its tokens silently. --tenant and --client-id are saved in the
profile when given.

The login asks for the connector API's scopes (profile key scopes). The OData feed's token is
then obtained silently from the same account; if your tenant needs consent for it, sign in
once more with --resource odata (or name the scopes with --scopes).

auth login runs the device flow even without a terminal (the code is on stderr), because you
asked for it; regular commands never do.`,
		Example: `  $ nimbusctl auth login --tenant contoso.onmicrosoft.com --client-id 3f1d2c7b-9a4e-4b8c-8d2f-6e5a4c3b2a10
  $ nimbusctl auth login --resource odata
  $ nimbusctl --profile sandbox auth login`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := cmdutil.MutuallyExclusive("--scopes and --resource cannot be used together", len(scopes) > 0, cmd.Flags().Changed("resource")); err != nil {
				return err
			}
			return runLogin(cmd, f, tenant, clientID, auth.Resource(resource), scopes)
		},
	}
	cmd.Flags().StringVar(&tenant, "tenant", "", "Entra tenant id or domain (saved in the profile)")
	cmd.Flags().StringVar(&clientID, "client-id", "", "your app registration's id, with public client flows enabled (saved in the profile)")
	cmd.Flags().StringSliceVar(&scopes, "scopes", nil, "scopes to ask consent for, comma-separated (default: the resource's profile scopes)")
	cmdutil.StringEnumFlag(cmd, &resource, "resource", "", string(auth.ResourceNimbus), resourceNames(), "resource whose scopes to ask consent for")
	return cmd
}

func runLogin(cmd *cobra.Command, f *cmdutil.Factory, tenant, clientID string, res auth.Resource, scopes []string) error {
	cfg, err := f.Config()
	if err != nil {
		return err
	}
	s, err := Settings(f)
	if err != nil {
		return err
	}
	if tenant != "" {
		s.Tenant = tenant
	}
	if clientID != "" {
		s.ClientID = clientID
	}
	if s.ClientID == "" {
		return cmdutil.FlagErrorf("no client id: pass --client-id <app-id> (your Entra app registration, with \"Allow public client flows\" on), or set it with `nimbusctl config set client_id <app-id>`")
	}
	if len(scopes) == 0 {
		if scopes, err = s.ScopesFor(res); err != nil {
			return err
		}
	}
	u, err := UserLogin(f, s)
	if err != nil {
		return err
	}
	// A cache nothing can be read from would fail the sign-in at its end, after the code.
	damaged, err := u.SetAsideDamagedCache(cmd.Context())
	if err != nil {
		return err
	}
	if damaged != nil {
		f.IO.Warnf("The token cache %s %s: it is set aside as %s.damaged, and the sign-in starts afresh.", damaged.Path, damaged.Reason, damaged.Path)
	}
	tok, err := u.Login(cmd.Context(), scopes, DevicePrompt(f))
	if err != nil {
		return mapError(err)
	}

	changed := false
	set := func(key, value string) error {
		if value == "" {
			return nil
		}
		changed = true
		return cfg.Set(s.Profile, key, value)
	}
	if err := set("tenant", tenant); err != nil {
		return err
	}
	if err := set("client_id", clientID); err != nil {
		return err
	}
	// The account just signed in becomes the profile's when another one was named, or when the
	// cache now holds several (commands would not know which to use).
	if accts, err := u.Accounts(cmd.Context()); err == nil && (len(accts) > 1 || s.Username != "") && !strings.EqualFold(s.Username, tok.Account) {
		if err := set("username", tok.Account); err != nil {
			return err
		}
		note := "."
		if len(accts) > 1 {
			note = fmt.Sprintf("; the token cache holds %d accounts.", len(accts))
		}
		f.IO.Infof("Profile %s now uses %s (key username)%s", s.Profile, tok.Account, note)
	}
	if changed {
		if err := cfg.Save(); err != nil {
			return err
		}
	}
	if tok.StorageNote != "" {
		f.IO.Warnf("%s", tok.StorageNote)
	}
	if f.IO.IsStdoutTTY() {
		f.IO.Successf("Logged in as %s (profile %s; storage: %s)", tok.Account, s.Profile, tok.Storage)
	}
	warnOverrides(f)
	return nil
}

// warnOverrides says when the environment holds a credential that wins over the login.
func warnOverrides(f *cmdutil.Factory) {
	for _, v := range []string{"NIMBUSCTL_TOKEN", EnvClientSecret, EnvClientSecretFile, EnvClientCertificate} {
		if f.Getenv(v) != "" {
			f.IO.Warnf("%s is set: commands use it, not the signed-in account, until it is unset", v)
			return
		}
	}
}

// ResourceStatus is one row of `auth status`.
type ResourceStatus struct {
	Resource  string `json:"resource"`
	Status    string `json:"status"` // ok | unchecked | unavailable | unreadable (the token cache)
	Account   string `json:"account"`
	Tenant    string `json:"tenant"`
	Source    string `json:"source"`
	Storage   string `json:"storage"`   // keyring | file for a signed-in user; empty otherwise
	ExpiresOn string `json:"expiresOn"` // RFC 3339 UTC; empty when unknown (raw tokens)
	Profile   string `json:"profile"`
	ClientID  string `json:"clientId"`
	Detail    string `json:"detail"`
}

func newCmdStatus(f *cmdutil.Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "status",
		Short: "Show the account, tenant, credential source and token expiry per resource",
		Long: `Gets a token for each resource the way commands do (silently: status never signs in) and
shows who it is for, where it comes from, where the token cache is kept (storage: keyring or
file) and when it expires. Exits 4 when there is no usable
credential for the connector API; a resource that is unavailable on its own (the OData feed
without consent) is reported in its row.

A token cache that cannot be read (damaged, encrypted with a key the keyring does not give,
or readable by others) is shown as unreadable, with its storage and what is wrong; status
then exits 4.

STATUS is ok for a token Entra ID issued (from the sign-in, its cache or the app's
credential), and unchecked for a raw token from NIMBUSCTL_TOKEN or NIMBUSCTL_ODATA_TOKEN:
that one is used as it is, and only the service can tell whether it is still valid
('nimbusctl doctor' tries it).`,
		Example: `  $ nimbusctl auth status
  $ nimbusctl auth status -o json --jq '.[] | select(.resource == "nimbus") | .expiresOn'`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := f.Profile()
			if err != nil {
				return err
			}
			src, err := f.Tokens()
			if err != nil {
				return err
			}
			ctx := auth.WithoutPrompt(cmd.Context())
			var rows []ResourceStatus
			for _, res := range auth.Resources {
				row := ResourceStatus{Resource: string(res), Profile: p.Name, ClientID: p.Get("client_id")}
				tok, err := src.Token(ctx, res)
				switch {
				case err == nil:
					row.Status, row.Account, row.Tenant, row.Source = "ok", tok.Account, tok.Tenant, tok.Source
					row.Storage, row.Detail = string(tok.Storage), tok.StorageNote
					if !tok.ExpiresOn.IsZero() {
						row.ExpiresOn = tok.ExpiresOn.UTC().Format(time.RFC3339)
					}
					if tok.Raw {
						row.Status = "unchecked"
						row.Detail = "a raw token, used as it is: whether it is valid and when it expires only the service can tell ('nimbusctl doctor' tries it)"
					}
				case res == auth.ResourceNimbus:
					storage, detail, ok := auth.UnreadableCache(err)
					if !ok {
						return err
					}
					// Say what was found, then fail: no resource gets a token from it.
					for _, res := range auth.Resources {
						rows = append(rows, ResourceStatus{Resource: string(res), Status: "unreadable", Source: auth.SourceDeviceCode,
							Storage: string(storage), Profile: p.Name, ClientID: p.Get("client_id"), Detail: detail})
					}
					if perr := f.Printer().Print(rows, statusCols); perr != nil {
						return perr
					}
					return err
				default:
					if ctx.Err() != nil {
						return ctx.Err()
					}
					row.Status, row.Detail = "unavailable", err.Error()
				}
				rows = append(rows, row)
			}
			return f.Printer().Print(rows, statusCols)
		},
	}
}

var statusCols = output.Cols("RESOURCE=resource", "STATUS=status", "ACCOUNT=account", "TENANT=tenant", "SOURCE=source", "STORAGE=storage", "EXPIRES=expiresOn", "DETAIL=detail")

func newCmdToken(f *cmdutil.Factory) *cobra.Command {
	var resource string
	cmd := &cobra.Command{
		Use:   "token",
		Short: "Print an access token for scripts",
		Long: `Prints a valid access token for the resource on stdout, renewing it silently if needed: the
only command that ever prints a token. Treat the output as a secret.`,
		Example: `  $ curl -H "Authorization: Bearer $(nimbusctl auth token)" https://api.luware.cloud/v2/AddressBooks
  $ nimbusctl auth token --resource odata`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			src, err := f.Tokens()
			if err != nil {
				return err
			}
			tok, err := src.Token(cmd.Context(), auth.Resource(resource))
			if err != nil {
				return err
			}
			_, err = fmt.Fprintln(f.IO.Out, tok.AccessToken)
			return err
		},
	}
	cmdutil.StringEnumFlag(cmd, &resource, "resource", "", string(auth.ResourceNimbus), resourceNames(), "the API the token is for")
	return cmd
}

func newCmdLogout(f *cmdutil.Factory) *cobra.Command {
	var all bool
	cmd := &cobra.Command{
		Use:   "logout",
		Short: "Remove the signed-in account from the token cache",
		Long: `Removes the profile's account (the one commands use: key username, or the only one) and
its tokens from the token cache; --all removes every account of the profile. Logging out when
nobody is signed in is not an error.`,
		Example: `  $ nimbusctl auth logout
  $ nimbusctl --profile sandbox auth logout --all`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := Settings(f)
			if err != nil {
				return err
			}
			if s.ClientID == "" {
				f.IO.Warnf("profile %s has no client_id: nobody is signed in with it", s.Profile)
				return nil
			}
			u, err := UserLogin(f, s)
			if err != nil {
				return err
			}
			removed, err := u.Logout(cmd.Context(), all)
			if err != nil {
				return mapError(err)
			}
			if len(removed) == 0 {
				f.IO.Warnf("not logged in (profile %s): nothing to remove", s.Profile)
			} else if f.IO.IsStdoutTTY() {
				f.IO.Successf("Logged out %s (profile %s)", strings.Join(removed, ", "), s.Profile)
			}
			warnOverrides(f)
			return nil
		},
	}
	cmd.Flags().BoolVar(&all, "all", false, "remove every account of the profile")
	return cmd
}
