package npstoday

import (
	"errors"
	"net/http"
	"strings"

	"github.com/nimbusctl/nimbusctl/pkg/httpx"
)

// Route is one nps.today endpoint. Confirmed routes come from public material (the certified
// connector's swagger, embedded as contract.NPSTodaySwagger, or nps.today's own guides);
// the others are our best guess at an endpoint the contact-center guide names without
// showing its path. Every path the client sends lives in this file and nowhere else, so a
// wrong guess is fixed here once; until then `nimbusctl nps api` reaches the real path.
type Route struct {
	Op        string // operation name in errors and traces: "SendSurvey"
	Method    string
	Path      string // template; {name} placeholders are path-escaped once
	Confirmed bool
	Source    string // where the path comes from (docs/nps.md lists the same)
}

// Sources, as docs/nps.md cites them.
const (
	srcConnector     = "certified Power Platform connector (apiDefinition.swagger.json, 2023-04-26)"
	srcPgapGuide     = "docs.nps.today/developer-guides/Integrationbuildingblocks/employeepgaptraining"
	srcCustomerData  = "docs.nps.today/developer-guides/Integrationbuildingblocks/usecustomerdata"
	srcBIMigration   = "docs.nps.today/developer-guides/migrate-bi-endpoints"
	srcContactCenter = "docs.nps.today/developer-guides/contact-center (names the endpoint; path not public)"
)

// The routes. Provisional ones say so in Source and have Confirmed false.
var (
	RouteListCampaigns = Route{"GetCampaigns", http.MethodGet, "/campaigns/", true, srcConnector + " GetCampaigns"}
	RouteSendSurvey    = Route{"SendSurvey", http.MethodPost, "/campaigns/{campaignId}/respondent", true, srcConnector + " SendSurvey; Adversus integration guide"}
	// RouteSendSurveyPgap is the p-gap aware variant, always called with ?checkPgap=true.
	RouteSendSurveyPgap    = Route{"SendSurveyCheckPgap", http.MethodPost, "/campaigns/{campaignId}/respondents", true, srcPgapGuide}
	RouteAddEmployee       = Route{"AddEmployee", http.MethodPost, "/profile/employees", true, srcConnector + " AddEmployee"}
	RouteSubscribeResp     = Route{"NewResponse", http.MethodPost, "/webhooks/subscriptions/responses", true, srcConnector + " NewResponse (2023 body)"}
	RouteSubscribeMembers  = Route{"NewCampaignMember", http.MethodPost, "/webhooks/subscriptions/campaignmembers", true, srcConnector + " NewCampaignMember (2023 body)"}
	RouteDeleteWebhook     = Route{"DeleteWebhook", http.MethodDelete, "/webhooks/subscriptions/{id}", true, srcConnector + " DeleteWebhook"}
	RouteCampaignResponses = Route{"GetCampaignResponses", http.MethodGet, "/campaigns/responses", true, srcCustomerData}
	RouteBI                = Route{"GetBI", http.MethodGet, "/v2/bi/{dataset}", true, srcCustomerData + "; " + srcBIMigration}

	// Provisional: the contact-center guide links Postman items "Employee analytics",
	// "e-mail responses", "IVR Map" without their paths, and a lookup by phone number is only
	// implied by the Feedback App. The /employees/ family exists (POST /employees/token), so
	// the employee routes are placed there.
	RouteEmployeeAnalytics = Route{"GetEmployeeAnalytics", http.MethodGet, "/employees/{employee}/analytics", false, srcContactCenter + ` "Employee analytics"`}
	RouteEmployeeResponses = Route{"GetEmployeeResponses", http.MethodGet, "/employees/{employee}/responses", false, srcContactCenter + ` "e-mail responses"`}
	RouteIVRMap            = Route{"GetIVRMap", http.MethodGet, "/ivr/map", false, srcContactCenter + ` "IVR Map"`}
	RouteResponsesByPhone  = Route{"GetResponsesByPhone", http.MethodGet, "/respondents/responses", false, "implied by the Feedback App's respondentPhone parameter (docs.nps.today/developer-guides/feedbackApp); path not public"}
)

// Query parameters. checkPgap and modifiedAfter are confirmed; the others belong to
// provisional routes or to the /v2/bi paging, whose names are not public.
const (
	ParamCheckPgap     = "checkPgap"     // confirmed (p-gap guide)
	ParamModifiedAfter = "modifiedAfter" // confirmed (BI migration guide)
	ParamDays          = "days"          // provisional: employee analytics over N days
	ParamSince         = "since"         // provisional: employee responses since (RFC 3339)
	ParamPhone         = "phoneNumber"   // provisional: responses by phone (E.164)
	ParamPage          = "page"          // provisional: /v2/bi paging, 1-based
	ParamPageSize      = "pageSize"      // provisional: /v2/bi page size
)

// BIDatasets are the /v2/bi endpoints the guides list.
var BIDatasets = []string{"responses", "campaignmembers", "campaigns", "employees", "responsecategories", "sms", "emails", "companies"}

// Routes lists every route, for docs and tests.
var Routes = []Route{
	RouteListCampaigns, RouteSendSurvey, RouteSendSurveyPgap, RouteAddEmployee,
	RouteSubscribeResp, RouteSubscribeMembers, RouteDeleteWebhook, RouteCampaignResponses, RouteBI,
	RouteEmployeeAnalytics, RouteEmployeeResponses, RouteIVRMap, RouteResponsesByPhone,
}

// Expand fills the template's {placeholders} left to right, each path-escaped once. A value
// that is empty or only dots is refused (*httpx.PathError): it would send the call elsewhere.
func (r Route) Expand(params ...string) (string, error) {
	path, err := httpx.ExpandPath(r.Path, params...)
	var pe *httpx.PathError
	if errors.As(err, &pe) {
		pe.Op = r.Op
	}
	return path, err
}

// Match reports whether a concrete method and path (no query) fit the route.
func (r Route) Match(method, path string) bool {
	return strings.EqualFold(method, r.Method) && httpx.MatchPath(r.Path, path)
}

// FindRoute names a raw call (`nps api`): the first route that matches, literal routes
// before templates, so GET /campaigns/responses is not taken for a campaign id.
func FindRoute(method, path string) (Route, bool) {
	path, _, _ = strings.Cut(path, "?")
	var found *Route
	for i := range Routes {
		r := Routes[i]
		if !r.Match(method, path) {
			continue
		}
		if !strings.Contains(r.Path, "{") {
			return r, true
		}
		if found == nil {
			found = &Routes[i]
		}
	}
	if found != nil {
		return *found, true
	}
	return Route{}, false
}
