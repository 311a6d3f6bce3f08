// Package npstoday emulates the nps.today API, served under /nps (the equivalent of
// https://api.nps.today). Its contract is what nps.today publishes (the certified connector's
// swagger and its guides, see below), and where they are silent, the client's own guesses.
// Requests carry an API key in the Authorization header; each key may make 10 calls per second.
//
// What is contract and what is the emulator's guess:
//
// Confirmed by public material (the certified connector's swagger, nps.today's guides):
// GET /campaigns/, POST /campaigns/{id}/respondent, POST /campaigns/{id}/respondents with
// ?checkPgap=true, POST /profile/employees, POST /webhooks/subscriptions/responses and
// /campaignmembers with the 2023 body {Filter:{Include:{campaignId}}, Url, Model},
// DELETE /webhooks/subscriptions/{id}, GET /campaigns/responses, GET /v2/bi/{dataset}, the
// header name Authorization, 10 calls/s per key, E.164 phone numbers.
//
// Guessed (no public source shows them):
//   - The paths of employee analytics (GET /employees/{employee}/analytics?days=N),
//     employee responses (GET /employees/{employee}/responses?since=RFC3339), the IVR map
//     (GET /ivr/map) and responses by phone (GET /respondents/responses?phoneNumber=E164).
//     These MIRROR THE CLIENT'S GUESS in pkg/npstoday/routes.go: a test that passes here
//     proves only that client and emulator agree, not that nps.today serves them — which is
//     exactly why `nimbusctl nps api` exists, so a user is never blocked by a wrong guess.
//   - All answer shapes: campaigns {id, name, respondentCount, responseCount, npsScore};
//     a send answers 200 {"pgap": false, "campaignMemberId": N}; a held p-gap send answers
//     200 {"pgap": true} and sends nothing; the agent's rating is the top-level field
//     agentRating (0-10), accepted only by /respondents?checkPgap=true; a webhook
//     subscription answers 200 {"id": "..."} with Location <NPSTodayURL>/webhooks/
//     subscriptions/<id>; DELETE answers 200 with an empty body.
//   - /v2/bi paging: page (1-based, default 1) and pageSize (default 100, at most 1000);
//     the answer is a bare JSON array; a short page is the last. modifiedAfter is RFC 3339.
//   - Over the limit: 429 with Retry-After in whole seconds and a JSON message.
//   - Errors are {"message": "..."}: 401 for a missing or unknown key (the key is never
//     echoed), 404 for an unknown campaign, employee or subscription, 400 for a bad body.
//   - The Authorization value is the raw key by default; Options.AuthScheme makes
//     it "Bearer <key>" or "Basic base64(ApiKey:<key>)" instead, for the client's other
//     schemes (the public docs disagree).
//   - Bodies are checked strictly: unknown top-level, respondent and employee fields are 400,
//     so a misspelt field is caught instead of silently dropped.
//   - A survey about an employee registers that employee (by e-mail) if it is new, as
//     nps.today does "the first time an employee ends an interaction that triggers a survey".
//   - P-gap periods are per employee (e-mail) and campaign, [From, To) on the emulator clock.
//   - New campaign members are POSTed (best effort, loopback only) to campaignmembers
//     subscriptions as the connector's PascalCase payload.
package npstoday

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/nimbusctl/nimbusctl/pkg/emulator/core"
)

// Name is the service's name in Stats, Deny and InjectFaults; Prefix is where it is mounted.
const (
	Name   = "npstoday"
	Prefix = "/nps"
)

// Options configure the API.
type Options struct {
	// AuthScheme is how the API key is expected in the Authorization header: "raw" (the key
	// itself; default), "bearer" or "basic" (ApiKey:key).
	AuthScheme string
	// RateLimit is the limit per API key; the zero value means the documented 10 calls per
	// second. (core.Config.RateLimit still applies to the whole service.)
	RateLimit core.Rate
}

// npsDefaultRate is nps.today's documented limit: 10 calls per second per API key.
var npsDefaultRate = core.Rate{Count: 10, Per: time.Second}

// Service is the emulated nps.today API, an http.Handler to mount under Prefix.
type Service struct {
	srv    *core.Server
	scheme string
	limit  core.Rate
	routes []npsRoute

	mu      sync.Mutex
	st      *npsState
	buckets map[string]*core.Bucket // per API key
}

// npsCall is one authenticated request.
type npsCall struct {
	r      *http.Request
	key    string
	params map[string]string
	body   []byte
}

type npsHandler func(c *npsCall) (core.Reply, *core.HTTPError)

type npsRoute struct {
	method string
	segs   []string // "{name}" segments are parameters
	op     string
	h      npsHandler
}

// URL is the base URL of the API (the equivalent of https://api.nps.today).
func (s *Service) URL() string { return s.srv.URL() + Prefix }

// New seeds the organisation on srv's clock.
func New(srv *core.Server, opts Options) (*Service, error) {
	scheme := strings.ToLower(opts.AuthScheme)
	switch scheme {
	case "":
		scheme = "raw"
	case "raw", "bearer", "basic":
	default:
		return nil, fmt.Errorf("emulator: unknown nps.today auth scheme %q (raw, bearer, basic)", opts.AuthScheme)
	}
	limit := opts.RateLimit
	if limit.Count < 0 || limit.Per < 0 {
		return nil, fmt.Errorf("emulator: negative nps.today rate limit")
	}
	if !limit.Enabled() {
		limit = npsDefaultRate
	}
	s := &Service{srv: srv, scheme: scheme, limit: limit, st: seedNPS(srv.Now()), buckets: map[string]*core.Bucket{}}
	add := func(method, path, op string, h npsHandler) {
		s.routes = append(s.routes, npsRoute{method: method, segs: splitPath(path), op: op, h: h})
	}
	// Literal paths first: /campaigns/responses is not a campaign id.
	add("GET", "/campaigns", "GetCampaigns", s.getCampaigns)
	add("GET", "/campaigns/responses", "GetCampaignResponses", s.getCampaignResponses)
	add("POST", "/campaigns/{campaignId}/respondent", "SendSurvey", s.sendSurvey)
	add("POST", "/campaigns/{campaignId}/respondents", "SendSurveyCheckPgap", s.sendSurvey)
	add("POST", "/profile/employees", "AddEmployee", s.addEmployee)
	add("POST", "/webhooks/subscriptions/responses", "NewResponse", s.subscribe)
	add("POST", "/webhooks/subscriptions/campaignmembers", "NewCampaignMember", s.subscribe)
	add("DELETE", "/webhooks/subscriptions/{id}", "DeleteWebhook", s.deleteWebhook)
	add("GET", "/v2/bi/{dataset}", "GetBI", s.getBI)
	// Provisional: the client's guesses (see above).
	add("GET", "/employees/{employee}/analytics", "GetEmployeeAnalytics", s.employeeAnalytics)
	add("GET", "/employees/{employee}/responses", "GetEmployeeResponses", s.employeeResponses)
	add("GET", "/ivr/map", "GetIVRMap", s.ivrMap)
	add("GET", "/respondents/responses", "GetResponsesByPhone", s.responsesByPhone)
	return s, nil
}

func splitPath(p string) []string {
	p = strings.Trim(p, "/")
	if p == "" {
		return nil
	}
	return strings.Split(p, "/")
}

// route finds the handler; found reports a known path with another method (405).
func (s *Service) route(r *http.Request) (*npsRoute, map[string]string, bool) {
	segs := splitPath(r.URL.EscapedPath())
	pathKnown := false
	for i := range s.routes {
		rt := &s.routes[i]
		params, ok := matchSegs(rt.segs, segs)
		if !ok {
			continue
		}
		if rt.method != r.Method {
			pathKnown = true
			continue
		}
		return rt, params, true
	}
	return nil, nil, pathKnown
}

func matchSegs(tmpl, segs []string) (map[string]string, bool) {
	if len(tmpl) != len(segs) {
		return nil, false
	}
	params := map[string]string{}
	for i, t := range tmpl {
		if strings.HasPrefix(t, "{") {
			if segs[i] == "" {
				return nil, false
			}
			params[strings.Trim(t, "{}")] = segs[i]
			continue
		}
		if !strings.EqualFold(t, segs[i]) {
			return nil, false
		}
	}
	return params, true
}

// Operation names the request for Stats and the log.
func (s *Service) Operation(r *http.Request) string {
	if rt, _, _ := s.route(r); rt != nil {
		return rt.op
	}
	return ""
}

func (s *Service) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	key, ok := s.authenticate(r)
	if !ok {
		core.WriteError(w, http.StatusUnauthorized, "Unauthorized. The API key is missing or invalid.")
		return
	}
	if ok, wait := s.take(key); !ok {
		s.srv.RateLimited(w, Name, wait, fmt.Sprintf("API access is limited to %d calls per %s per API key.", s.limit.Count, perName(s.limit.Per)))
		return
	}
	rt, params, pathKnown := s.route(r)
	if rt == nil {
		if pathKnown {
			core.WriteError(w, http.StatusMethodNotAllowed, "The method "+r.Method+" is not allowed on "+r.URL.Path+".")
			return
		}
		core.WriteError(w, http.StatusNotFound, "No endpoint at "+r.URL.Path+".")
		return
	}
	body, err := readBody(r)
	if err != nil {
		core.WriteHTTPError(w, err)
		return
	}
	c := &npsCall{r: r, key: key, params: map[string]string{}, body: body}
	for k, v := range params {
		u, perr := unescapeSeg(v)
		if perr != nil {
			core.WriteError(w, http.StatusBadRequest, k+" is not a valid escaped path segment.")
			return
		}
		c.params[k] = u
	}
	rep, herr := rt.h(c)
	core.WriteReply(w, rep, herr)
}

func perName(d time.Duration) string {
	if d == time.Second {
		return "second"
	}
	return d.String()
}

// authenticate reads the key from Authorization under the configured scheme.
func (s *Service) authenticate(r *http.Request) (string, bool) {
	h := strings.TrimSpace(r.Header.Get("Authorization"))
	if h == "" {
		return "", false
	}
	key := h
	switch s.scheme {
	case "bearer":
		scheme, rest, ok := strings.Cut(h, " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") {
			return "", false
		}
		key = strings.TrimSpace(rest)
	case "basic":
		scheme, rest, ok := strings.Cut(h, " ")
		if !ok || !strings.EqualFold(scheme, "Basic") {
			return "", false
		}
		raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(rest))
		if err != nil {
			return "", false
		}
		user, pass, ok := strings.Cut(string(raw), ":")
		if !ok || !strings.EqualFold(user, "ApiKey") {
			return "", false
		}
		key = pass
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	_, known := s.st.keys[key]
	return key, known
}

// take spends one call of the key's budget.
func (s *Service) take(key string) (bool, time.Duration) {
	s.mu.Lock()
	b := s.buckets[key]
	if b == nil {
		b = core.NewBucket(s.limit)
		s.buckets[key] = b
	}
	s.mu.Unlock()
	return b.Take(time.Now())
}
