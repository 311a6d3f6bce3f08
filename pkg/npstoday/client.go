// Package npstoday is the typed client of the nps.today API a contact center uses: campaigns,
// surveys (with the p-gap hold), employees, their analytics and responses, the IVR map,
// webhooks and the /v2/bi exports. It runs on the shared pipeline (pkg/httpx): the profile's
// rate (10 calls/s per key by default), retries, typed errors and the redacted trace.
//
// Every path is in routes.go, each marked confirmed or provisional with its source.
package npstoday

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/nimbusctl/nimbusctl/pkg/httpx"
	"github.com/nimbusctl/nimbusctl/pkg/phone"
)

// Client calls nps.today through the shared pipeline.
type Client struct {
	h *httpx.Client
}

// New wraps a pipeline client whose base URL is the nps.today root (https://api.nps.today)
// and whose Auth sends the API key (see Scheme.Auth).
func New(h *httpx.Client) *Client { return &Client{h: h} }

// HTTP exposes the pipeline (for the limiter's figures).
func (c *Client) HTTP() *httpx.Client { return c.h }

// BaseURL is the API root in use.
func (c *Client) BaseURL() string { return c.h.BaseURL() }

type call struct {
	route  Route
	params []string
	query  url.Values
	body   any
}

func (c *Client) do(ctx context.Context, k call, out any) (*httpx.Response, error) {
	path, err := k.route.Expand(k.params...)
	if err != nil {
		return nil, err
	}
	return c.h.Do(ctx, &httpx.Request{
		Op:     k.route.Op,
		Method: k.route.Method,
		Path:   path,
		Query:  k.query,
		Body:   k.body,
	}, out)
}

// ValidationError is a request the client refuses to send.
type ValidationError struct {
	Field string
	Msg   string
}

func (e *ValidationError) Error() string { return e.Field + ": " + e.Msg }

func invalid(field, format string, a ...any) error {
	return &ValidationError{Field: field, Msg: fmt.Sprintf(format, a...)}
}

// Campaigns lists the campaigns the key can see.
func (c *Client) Campaigns(ctx context.Context) ([]Campaign, error) {
	var out []Campaign
	resp, err := c.do(ctx, call{route: RouteListCampaigns}, nil)
	if err != nil {
		return nil, err
	}
	return out, decodeList(RouteListCampaigns.Op, resp.Body, &out)
}

// FindCampaign resolves a campaign by id, or by name (case-insensitive) when ref is not a
// number. A number is taken as an id without a call.
func (c *Client) FindCampaign(ctx context.Context, ref string) (Campaign, error) {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return Campaign{}, invalid("campaign", "is empty")
	}
	if looksNumeric(ref) {
		if err := ID(ref).Check(); err != nil {
			return Campaign{}, err
		}
		return Campaign{ID: ID(ref)}, nil
	}
	list, err := c.Campaigns(ctx)
	if err != nil {
		return Campaign{}, err
	}
	var found []Campaign
	for _, cp := range list {
		if strings.EqualFold(cp.Name, ref) || string(cp.ID) == ref {
			found = append(found, cp)
		}
	}
	switch len(found) {
	case 1:
		return found[0], nil
	case 0:
		return Campaign{}, &NotFoundError{What: "campaign", Ref: ref}
	}
	return Campaign{}, invalid("campaign", "%q names %d campaigns; use the id", ref, len(found))
}

// NotFoundError is a name that matches nothing (an id is left for the API to refuse).
type NotFoundError struct{ What, Ref string }

func (e *NotFoundError) Error() string { return fmt.Sprintf("no %s named %q", e.What, e.Ref) }

// SendOptions choose the endpoint of a send.
type SendOptions struct {
	// CheckPgap sends to /respondents?checkPgap=true: when the employee is in a p-gap
	// period the survey is held and the answer is {"pgap": true}.
	CheckPgap bool
}

// Validate checks a survey request before it is sent.
func (r *SurveyRequest) Validate() error {
	if r.Respondent.EmailAddress == "" && r.Respondent.PhoneNumber == "" {
		return invalid("respondent", "needs an e-mail address or a phone number")
	}
	if p := r.Respondent.PhoneNumber; p != "" && !phone.IsE164(p) {
		return invalid("respondent.phoneNumber", "%q is not E.164 (+<country><number>)", p)
	}
	if e := r.Respondent.EmailAddress; e != "" && !LooksLikeEmail(e) {
		return invalid("respondent.emailAddress", "%q is not an e-mail address", e)
	}
	if r.Custom != "" {
		if err := CheckCustom(r.Custom); err != nil {
			return invalid("custom", "%v", err)
		}
	}
	if r.AgentRating != nil && (*r.AgentRating < MinRating || *r.AgentRating > MaxRating) {
		return invalid(FieldAgentRating, "must be between %d and %d, got %d", MinRating, MaxRating, *r.AgentRating)
	}
	return nil
}

// CheckCustom requires custom data to be a JSON object, sent as a string.
func CheckCustom(s string) error {
	var v map[string]any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		return fmt.Errorf("must be a JSON object, e.g. {\"orderId\":\"42\"}: %v", err)
	}
	return nil
}

// LooksLikeEmail is a light check: one @ with something on both sides and a dot after it.
// A colon makes it a SIP address (sip:user@domain, what a Teams caller's UPN field may hold)
// or an address with a port, neither of which receives e-mail.
func LooksLikeEmail(s string) bool {
	local, domain, ok := strings.Cut(s, "@")
	return ok && local != "" && strings.Contains(domain, ".") && !strings.ContainsAny(s, " \t\r\n,;:<>") && !strings.Contains(domain, "@")
}

// SendSurvey adds the respondent to the campaign, which sends the survey. With
// opts.CheckPgap (or an AgentRating, which only the p-gap endpoint takes) it uses the p-gap
// aware endpoint and may answer Pgap: true, meaning nothing was sent yet.
//
// A send is not idempotent: the pipeline repeats it only when the server provably did not
// act on it (429, 503, a refused connection).
func (c *Client) SendSurvey(ctx context.Context, campaignID string, req SurveyRequest, opts SendOptions) (SendResult, error) {
	if strings.TrimSpace(campaignID) == "" {
		return SendResult{}, invalid("campaign", "is empty")
	}
	if err := ID(campaignID).Check(); err != nil {
		return SendResult{}, err
	}
	if err := req.Validate(); err != nil {
		return SendResult{}, err
	}
	k := call{route: RouteSendSurvey, params: []string{campaignID}, body: req}
	if opts.CheckPgap || req.AgentRating != nil {
		k.route = RouteSendSurveyPgap
		k.query = url.Values{ParamCheckPgap: {"true"}}
	}
	resp, err := c.do(ctx, k, nil)
	if err != nil {
		return SendResult{}, err
	}
	res := SendResult{Raw: bytes.TrimSpace(resp.Body)}
	if len(res.Raw) > 0 && res.Raw[0] == '{' {
		var v struct {
			Pgap json.RawMessage `json:"pgap"`
		}
		if json.Unmarshal(res.Raw, &v) == nil {
			res.Pgap = truthy(v.Pgap)
		}
	}
	return res, nil
}

// truthy reads true, "true" or 1 (the p-gap flag's type is not documented).
func truthy(raw json.RawMessage) bool {
	switch strings.Trim(strings.ToLower(string(bytes.TrimSpace(raw))), `"`) {
	case "true", "1":
		return true
	}
	return false
}

// AddEmployee registers an employee. The answer is not documented; when it is an
// employee object it is returned, else the employee as sent.
func (c *Client) AddEmployee(ctx context.Context, e NewEmployee) (Employee, error) {
	if e.Email == "" {
		return Employee{}, invalid("email", "is required")
	}
	if !LooksLikeEmail(e.Email) {
		return Employee{}, invalid("email", "%q is not an e-mail address", e.Email)
	}
	if e.PhoneNumber != "" && !phone.IsE164(e.PhoneNumber) {
		return Employee{}, invalid("phoneNumber", "%q is not E.164 (+<country><number>)", e.PhoneNumber)
	}
	resp, err := c.do(ctx, call{route: RouteAddEmployee, body: e}, nil)
	if err != nil {
		return Employee{}, err
	}
	var got Employee
	if body := bytes.TrimSpace(resp.Body); len(body) > 0 && body[0] == '{' && json.Unmarshal(body, &got) == nil && got.Email != "" {
		return got, nil
	}
	return Employee{Email: e.Email, FirstName: e.FirstName, LastName: e.LastName, Title: e.Title, Department: e.Department,
		Team: e.Team, Division: e.Division, PhoneNumber: e.PhoneNumber, Active: e.Active}, nil
}

// EmployeeAnalytics is an employee's (e-mail or id) rating over the last days days.
// Provisional route.
func (c *Client) EmployeeAnalytics(ctx context.Context, employee string, days int) (Analytics, error) {
	if strings.TrimSpace(employee) == "" {
		return Analytics{}, invalid("employee", "is empty")
	}
	if days < 1 {
		return Analytics{}, invalid("days", "must be at least 1, got %d", days)
	}
	var out Analytics
	_, err := c.do(ctx, call{route: RouteEmployeeAnalytics, params: []string{employee},
		query: url.Values{ParamDays: {strconv.Itoa(days)}}}, &out)
	if err != nil {
		return Analytics{}, err
	}
	if out.Employee == "" {
		out.Employee = employee
	}
	if out.Days == 0 {
		out.Days = days
	}
	return out, nil
}

// EmployeeResponses lists the responses about an employee (e-mail or id), since a time
// when it is not zero. Provisional route.
func (c *Client) EmployeeResponses(ctx context.Context, employee string, since time.Time) ([]Response, error) {
	if strings.TrimSpace(employee) == "" {
		return nil, invalid("employee", "is empty")
	}
	q := url.Values{}
	if !since.IsZero() {
		q.Set(ParamSince, since.UTC().Format(time.RFC3339))
	}
	return c.responses(ctx, call{route: RouteEmployeeResponses, params: []string{employee}, query: q})
}

// ResponsesByPhone lists a customer's responses by E.164 phone number. Provisional route.
func (c *Client) ResponsesByPhone(ctx context.Context, number string) ([]Response, error) {
	if !phone.IsE164(number) {
		return nil, invalid("phoneNumber", "%q is not E.164 (+<country><number>)", number)
	}
	return c.responses(ctx, call{route: RouteResponsesByPhone, query: url.Values{ParamPhone: {number}}})
}

// CampaignResponses lists the responses of all campaigns.
func (c *Client) CampaignResponses(ctx context.Context) ([]Response, error) {
	return c.responses(ctx, call{route: RouteCampaignResponses})
}

func (c *Client) responses(ctx context.Context, k call) ([]Response, error) {
	resp, err := c.do(ctx, k, nil)
	if err != nil {
		return nil, err
	}
	out := []Response{}
	return out, decodeList(k.route.Op, resp.Body, &out)
}

// IVRMap lists which campaign each queue's callers are surveyed in. Provisional route. An
// answer that is an object of queue id → campaign id (or → mapping) is accepted too.
func (c *Client) IVRMap(ctx context.Context) ([]IVRMapping, error) {
	resp, err := c.do(ctx, call{route: RouteIVRMap}, nil)
	if err != nil {
		return nil, err
	}
	body := bytes.TrimSpace(resp.Body)
	out := []IVRMapping{}
	if len(body) > 0 && body[0] == '{' {
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(body, &obj); err == nil && !hasListKey(obj) {
			keys := sortedKeys(obj)
			for _, q := range keys {
				var m IVRMapping
				var id ID
				if json.Unmarshal(obj[q], &id) == nil {
					m.CampaignID = id
				} else if err := json.Unmarshal(obj[q], &m); err != nil {
					return nil, fmt.Errorf("%s: unexpected answer for queue %q: %s is neither a campaign id nor a mapping object", RouteIVRMap.Op, q, abbreviate(obj[q]))
				}
				if m.QueueID == "" {
					m.QueueID = q
				}
				out = append(out, m)
			}
			return out, nil
		}
	}
	return out, decodeList(RouteIVRMap.Op, body, &out)
}

// CampaignFor finds the mapping whose queue id is one of keys (case-insensitive).
func CampaignFor(m []IVRMapping, keys ...string) (IVRMapping, bool) {
	for _, k := range keys {
		if strings.TrimSpace(k) == "" {
			continue
		}
		for _, e := range m {
			if strings.EqualFold(strings.TrimSpace(e.QueueID), strings.TrimSpace(k)) {
				return e, true
			}
		}
	}
	return IVRMapping{}, false
}

// Subscribe creates a webhook subscription (the 2023 body). campaign may be empty (all).
func (c *Client) Subscribe(ctx context.Context, event WebhookEvent, target string, campaign ID) (Webhook, error) {
	route := RouteSubscribeResp
	switch event {
	case EventResponses:
	case EventCampaignMembers:
		route = RouteSubscribeMembers
	default:
		return Webhook{}, invalid("event", "unknown event %q: allowed: %s", event, strings.Join(WebhookEvents, ", "))
	}
	if err := httpx.CheckWebhookURL(target); err != nil {
		return Webhook{}, invalid("url", "%v", err)
	}
	if campaign != "" {
		if err := campaign.Check(); err != nil {
			return Webhook{}, err
		}
	}
	body := WebhookRequest{URL: target, Model: event.Model()}
	if campaign != "" {
		body.Filter = &WebhookFilter{Include: WebhookInclude{CampaignID: campaign}}
	}
	resp, err := c.do(ctx, call{route: route, body: body}, nil)
	if err != nil {
		return Webhook{}, err
	}
	w := Webhook{Event: string(event), URL: target, CampaignID: campaign, Location: resp.Header.Get("Location")}
	var v map[string]json.RawMessage
	if b := bytes.TrimSpace(resp.Body); len(b) > 0 && b[0] == '{' && json.Unmarshal(b, &v) == nil {
		for _, k := range []string{"id", "Id", "ID", "subscriptionId", "SubscriptionId"} {
			if raw, ok := v[k]; ok {
				var id ID
				if json.Unmarshal(raw, &id) == nil && id != "" {
					w.ID = string(id)
					break
				}
			}
		}
	}
	if w.ID == "" && w.Location != "" {
		if lu, err := url.Parse(w.Location); err == nil {
			w.ID = path.Base(strings.TrimRight(lu.Path, "/"))
		}
	}
	return w, nil
}

// DeleteWebhook removes a subscription. A 404 on a retried delete counts as done.
func (c *Client) DeleteWebhook(ctx context.Context, id string) error {
	if strings.TrimSpace(id) == "" {
		return invalid("id", "is empty")
	}
	_, err := c.do(ctx, call{route: RouteDeleteWebhook, params: []string{id}}, nil)
	var apiErr *httpx.APIError
	if errors.As(err, &apiErr) && apiErr.Status == 404 && apiErr.Attempts > 1 {
		return nil
	}
	return err
}

// BIQuery selects /v2/bi rows.
type BIQuery struct {
	ModifiedAfter time.Time // zero: everything
	PageSize      int       // default 500
	MaxPages      int       // 0: no limit
}

// BI reads a /v2/bi dataset page by page and hands each row to fn, in the order served.
// Paging is provisional: page (1-based) and pageSize, ending with a short page.
func (c *Client) BI(ctx context.Context, dataset string, q BIQuery, fn func(json.RawMessage) error) error {
	known := false
	for _, d := range BIDatasets {
		known = known || d == dataset
	}
	if !known {
		return invalid("dataset", "unknown dataset %q: allowed: %s", dataset, strings.Join(BIDatasets, ", "))
	}
	size := q.PageSize
	if size <= 0 {
		size = 500
	}
	for page := 1; q.MaxPages == 0 || page <= q.MaxPages; page++ {
		query := url.Values{ParamPage: {strconv.Itoa(page)}, ParamPageSize: {strconv.Itoa(size)}}
		if !q.ModifiedAfter.IsZero() {
			query.Set(ParamModifiedAfter, q.ModifiedAfter.UTC().Format(time.RFC3339))
		}
		resp, err := c.do(ctx, call{route: RouteBI, params: []string{dataset}, query: query}, nil)
		if err != nil {
			return err
		}
		var rows []json.RawMessage
		if err := decodeList(RouteBI.Op, resp.Body, &rows); err != nil {
			return err
		}
		for _, r := range rows {
			if err := fn(r); err != nil {
				return err
			}
		}
		if len(rows) < size {
			return nil
		}
	}
	return nil
}

// listKeys are the envelope fields a list may come wrapped in.
var listKeys = []string{"data", "items", "value", "results", "Data", "Items"}

func hasListKey(obj map[string]json.RawMessage) bool {
	for _, k := range listKeys {
		if raw, ok := obj[k]; ok && len(bytes.TrimSpace(raw)) > 0 && bytes.TrimSpace(raw)[0] == '[' {
			return true
		}
	}
	return false
}

// decodeList reads a JSON array, or an object wrapping one (data, items, value, results).
func decodeList(op string, body []byte, out any) error {
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return nil
	}
	if body[0] == '{' {
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(body, &obj); err != nil {
			return fmt.Errorf("%s: unexpected answer from nps.today: %w", op, err)
		}
		for _, k := range listKeys {
			if raw, ok := obj[k]; ok {
				body = raw
				break
			}
		}
	}
	if err := json.Unmarshal(body, out); err != nil {
		return fmt.Errorf("%s: unexpected answer from nps.today: %w", op, err)
	}
	return nil
}

func sortedKeys(m map[string]json.RawMessage) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// abbreviate shows a JSON value in an error, cut at 60 bytes.
func abbreviate(raw json.RawMessage) string {
	s := string(bytes.TrimSpace(raw))
	if len(s) > 60 {
		s = s[:57] + "..."
	}
	return s
}
