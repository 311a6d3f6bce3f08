// Package odata is a small OData v4 reader for the Nimbus reporting feed: the service
// document, $metadata (CSDL XML), queries with $filter/$select/$top that follow the server's
// @odata.nextLink paging, and a streaming decoder that hands over one entity at a time, so a
// pull of months of sessions never sits in memory.
//
// Almost nothing about the feed's shape is confirmed (see docs/codes.md): the entity-set
// names and the type of PrimaryCodes/SecondaryCodes are discovered from $metadata at run
// time (mapping.go), never hard-coded. Every request goes through the shared pipeline
// (pkg/httpx): credential, rate limit, retries, typed errors, --debug trace.
package odata

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"

	"github.com/nimbusctl/nimbusctl/pkg/httpx"
)

// AppID is the Entra application behind the feed's sign-in ("Nimbus Odata Login").
const AppID = "898a7352-9216-4ca8-a485-7d8f3903f598"

// Client reads one OData service. It is safe for concurrent use.
type Client struct {
	h *httpx.Client

	// Tenant, Scopes and TokenEnv only feed the hint of a 401/403 (AccessError): TokenEnv
	// names the environment variable the token came from, if it did.
	Tenant   string
	Scopes   []string
	TokenEnv string

	// Overrides are the profile's settings that replace discovered names.
	Overrides Overrides

	// OnRequest, when set, is told the operation of every request before it is sent
	// ("OData $metadata", "OData ServiceSessions (page 2)"): progress for slow feeds.
	OnRequest func(op string)

	mu      sync.Mutex
	meta    *Metadata
	mapping *Mapping
}

func (c *Client) started(op string) {
	if c.OnRequest != nil {
		c.OnRequest(op)
	}
}

// New wraps the pipeline built for the "odata" service; its base URL is the feed's root
// (e.g. https://api.ch-01.luware.cloud/v1/odata).
func New(h *httpx.Client) *Client { return &Client{h: h} }

// BaseURL is the feed's root.
func (c *Client) BaseURL() string { return c.h.BaseURL() }

// ServiceEntry is one item of the service document.
type ServiceEntry struct {
	Name string `json:"name"`
	Kind string `json:"kind"` // EntitySet (the default), Singleton, FunctionImport, ServiceDocument
	URL  string `json:"url"`
}

// ServiceDocument lists what the feed exposes (GET on its root).
func (c *Client) ServiceDocument(ctx context.Context) ([]ServiceEntry, error) {
	var doc struct {
		Value []ServiceEntry `json:"value"`
	}
	c.started("OData service document")
	_, err := c.h.Do(ctx, &httpx.Request{Op: "OData service document", Method: http.MethodGet, Path: "", Header: versionHeader()}, &doc)
	if err != nil {
		return nil, c.wrap(err)
	}
	for i := range doc.Value {
		if doc.Value[i].Kind == "" {
			doc.Value[i].Kind = "EntitySet"
		}
		if doc.Value[i].URL == "" {
			doc.Value[i].URL = doc.Value[i].Name
		}
	}
	return doc.Value, nil
}

// Metadata fetches and parses $metadata once per client.
func (c *Client) Metadata(ctx context.Context) (*Metadata, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.meta != nil {
		return c.meta, nil
	}
	c.started("OData $metadata")
	resp, err := c.h.Open(ctx, &httpx.Request{
		Op: "OData $metadata", Method: http.MethodGet, Path: "$metadata",
		Header: http.Header{"Accept": {"application/xml"}, "OData-MaxVersion": {"4.0"}},
	})
	if err != nil {
		return nil, c.wrap(err)
	}
	defer resp.Body.Close()
	m, err := ParseMetadata(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("OData $metadata from %s: %w", c.BaseURL(), err)
	}
	c.meta = m
	return m, nil
}

// versionHeader asks for OData 4.0 answers: a 4.01 service would otherwise answer in its
// own version, where control information may drop the odata. prefix (@nextLink).
func versionHeader() http.Header { return http.Header{"OData-MaxVersion": {"4.0"}} }

// wrap turns a 401/403 from the feed into an AccessError, which carries the hint.
func (c *Client) wrap(err error) error {
	var apiErr *httpx.APIError
	if errors.As(err, &apiErr) && (apiErr.Status == http.StatusUnauthorized || apiErr.Status == http.StatusForbidden) {
		return &AccessError{Err: err, Status: apiErr.Status, Expired: expired(apiErr), Tenant: c.Tenant, Scopes: c.Scopes, TokenEnv: c.TokenEnv}
	}
	return err
}

// expired reads the cause of a 401 from the server's challenge or message.
func expired(e *httpx.APIError) bool {
	return e.Status == http.StatusUnauthorized &&
		(strings.Contains(strings.ToLower(e.Challenge), "expired") || strings.Contains(strings.ToLower(e.Message), "expired"))
}

// AccessError is a 401 or 403 from the feed. Its exit code is that of the wrapped
// *httpx.APIError (4 or 5); Hint says what to do, by cause: an expired token (sign in
// again, or replace the environment's token), a token from the environment the feed
// refuses (that variable), or the one-time admin consent and the reporting role the feed
// requires.
type AccessError struct {
	Err      error
	Status   int
	Expired  bool
	Tenant   string
	Scopes   []string
	TokenEnv string
}

func (e *AccessError) Error() string { return e.Err.Error() }
func (e *AccessError) Unwrap() error { return e.Err }

// Hint is printed on stderr after the error.
func (e *AccessError) Hint() string {
	scopes := strings.Join(e.Scopes, ",")
	if scopes == "" {
		scopes = AppID + "/.default"
	}
	if e.Status == http.StatusUnauthorized {
		switch {
		case e.Expired && e.TokenEnv != "":
			return "The token in " + e.TokenEnv + " has expired: put a fresh one there, or unset it to use the account\nsigned in with nimbusctl auth login."
		case e.Expired:
			return "The sign-in to the Nimbus reporting feed has expired: sign in again with nimbusctl auth login."
		case e.TokenEnv != "":
			return "The Nimbus reporting feed did not accept the token in " + e.TokenEnv + ". It must be a token for the\nfeed (" + scopes + "); replace it, or unset it to use the account signed in with\nnimbusctl auth login."
		}
	}
	tenant := e.Tenant
	if tenant == "" {
		tenant = "organizations"
	}
	var b strings.Builder
	if e.Status == http.StatusUnauthorized {
		b.WriteString("The Nimbus reporting feed did not accept the token.")
	} else {
		b.WriteString("The Nimbus reporting feed refused access.")
	}
	b.WriteString(` By default, sign-in to the feed is forbidden until
a tenant admin allows it, once:
  1. Grant admin consent to the Entra app "Nimbus Odata Login" (` + AppID + `),
     which creates its service principal:
     https://login.microsoftonline.com/` + tenant + `/v2.0/adminconsent?client_id=` + AppID + `&scope=openid+profile
     (or: Connect-MgGraph, then New-MgServicePrincipal -AppId ` + AppID + `)
     The app's permissions then list "Nimbus Odata Login access_odata".
  2. Give your Nimbus user a reporting role (Tenant Admin, User Supervisor, Team Owner or
     Service Owner); its Organization Unit decides which sessions you can read.
Then sign in again with nimbusctl auth login (scope ` + scopes + `, profile key odata_scopes).`)
	return b.String()
}
