package npstoday

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// FieldAgentRating is the request field that carries the agent's p-gap rating (0-10) when a
// held survey is sent again. The contact-center guide calls it agentRating; the API docs
// that could be read do not show it, so the name lives here and only here.
const FieldAgentRating = "agentRating"

// Agent ratings run from 0 to 10, like the customer's.
const (
	MinRating = 0
	MaxRating = 10
)

// ID is a campaign id. The connector types it int32; an id that is not a number is kept as
// a string, and each is written back the way it came.
type ID string

// UnmarshalJSON accepts a number or a string.
func (id *ID) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*id = ID(s)
		return nil
	}
	if string(b) == "null" {
		*id = ""
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return fmt.Errorf("campaign id %s is neither a number nor a string", b)
	}
	*id = ID(n.String())
	return nil
}

// MarshalJSON writes a numeric id as a number, anything else as a string.
func (id ID) MarshalJSON() ([]byte, error) {
	if id.Numeric() {
		return []byte(id), nil
	}
	return json.Marshal(string(id))
}

// Numeric reports whether the id is a whole number, as the connector's ids are.
func (id ID) Numeric() bool {
	_, err := strconv.ParseInt(string(id), 10, 64)
	return err == nil
}

// MaxID is the largest campaign id: the connector types ids int32.
const MaxID = 1<<31 - 1

// Check refuses what cannot be a campaign id: anything but a whole number from 1 to MaxID
// (0, a negative number or 3000000000 would reach nps.today as an id it cannot have).
func (id ID) Check() error {
	n, err := strconv.ParseInt(strings.TrimPrefix(string(id), "+"), 10, 64)
	if err != nil || n < 1 || n > MaxID {
		return invalid("campaign", "%q is not a campaign id: ids are whole numbers from 1 to %d (see 'nimbusctl nps campaigns list')", string(id), MaxID)
	}
	return nil
}

// looksNumeric reports whether ref is written as a number (and so meant as an id, not a name).
func looksNumeric(ref string) bool {
	ref = strings.TrimLeft(ref, "+-")
	return ref != "" && strings.Trim(ref, "0123456789") == ""
}

func (id ID) String() string { return string(id) }

// Extra keeps the fields of an answer that a model does not name, so that JSON output
// never drops what the API sent (most nps.today answers are not documented).
type Extra map[string]json.RawMessage

// Campaign is one element of GET /campaigns/. The connector maps id and name; the counts
// come from an unverified copy of a campaign object.
type Campaign struct {
	ID              ID       `json:"id"`
	Name            string   `json:"name"`
	RespondentCount *int     `json:"respondentCount,omitempty"`
	ResponseCount   *int     `json:"responseCount,omitempty"`
	NPSScore        *float64 `json:"npsScore,omitempty"`
	OrgID           string   `json:"orgId,omitempty"`
	Extra           Extra    `json:"-"`
}

func (c *Campaign) UnmarshalJSON(b []byte) error {
	type plain Campaign
	return splitExtra(b, (*plain)(c), &c.Extra)
}

func (c Campaign) MarshalJSON() ([]byte, error) {
	type plain Campaign
	return joinExtra(plain(c), c.Extra)
}

// Respondent is the person a survey goes to (the Adversus guide's full shape). Phone
// numbers are E.164; SMS campaigns need phoneNumber, e-mail campaigns emailAddress.
type Respondent struct {
	EmailAddress string   `json:"emailAddress,omitempty"`
	FirstName    string   `json:"firstName,omitempty"`
	LastName     string   `json:"lastName,omitempty"`
	PhoneNumber  string   `json:"phoneNumber,omitempty"`
	Title        string   `json:"title,omitempty"`
	Department   string   `json:"department,omitempty"`
	ExternalID   string   `json:"externalId,omitempty"`
	Address1     string   `json:"address1,omitempty"`
	Address2     string   `json:"address2,omitempty"`
	City         string   `json:"city,omitempty"`
	Country      string   `json:"country,omitempty"`
	ZipCode      string   `json:"zipCode,omitempty"`
	Active       *bool    `json:"active,omitempty"`
	SendEmailAt  string   `json:"sendEmailAt,omitempty"` // "yyyy-MM-dd hh:mm:ss"
	Company      *Company `json:"company,omitempty"`
}

// Company is the respondent's company.
type Company struct {
	Name         string `json:"name,omitempty"`
	EmailAddress string `json:"emailAddress,omitempty"`
	Industry     string `json:"industry,omitempty"`
	Address1     string `json:"address1,omitempty"`
	Address2     string `json:"address2,omitempty"`
	City         string `json:"city,omitempty"`
	Country      string `json:"country,omitempty"`
	ZipCode      string `json:"zipCode,omitempty"`
	AccountNo    string `json:"accountNo,omitempty"`
	Segment      string `json:"segment,omitempty"`
	PhoneNumber  string `json:"phoneNumber,omitempty"`
}

// NewEmployee is the body of AddEmployee (POST /profile/employees): exactly the fields of
// the connector's schema. (The employee nested in a survey also has externalId — the
// Adversus guide shows it there — but AddEmployee does not.)
type NewEmployee struct {
	Email       string `json:"email,omitempty"`
	FirstName   string `json:"firstName,omitempty"`
	LastName    string `json:"lastName,omitempty"`
	Title       string `json:"title,omitempty"`
	Department  string `json:"department,omitempty"`
	Team        string `json:"team,omitempty"`
	Division    string `json:"division,omitempty"`
	PhoneNumber string `json:"phoneNumber,omitempty"`
	Active      *bool  `json:"active,omitempty"` // whether the employee can be contacted
}

// Employee is an agent: the employee of a survey, and what AddEmployee answers.
type Employee struct {
	Email       string `json:"email,omitempty"`
	FirstName   string `json:"firstName,omitempty"`
	LastName    string `json:"lastName,omitempty"`
	Title       string `json:"title,omitempty"`
	Department  string `json:"department,omitempty"`
	Team        string `json:"team,omitempty"`
	Division    string `json:"division,omitempty"`
	PhoneNumber string `json:"phoneNumber,omitempty"`
	Active      *bool  `json:"active,omitempty"` // whether the employee can be contacted
	ExternalID  string `json:"externalId,omitempty"`
	Extra       Extra  `json:"-"`
}

func (e *Employee) UnmarshalJSON(b []byte) error {
	type plain Employee
	return splitExtra(b, (*plain)(e), &e.Extra)
}

func (e Employee) MarshalJSON() ([]byte, error) {
	type plain Employee
	return joinExtra(plain(e), e.Extra)
}

// SurveyRequest is the body of SendSurvey: the respondent, custom data (a string holding
// JSON), the employee the survey is about, and the agent's p-gap rating when resending.
type SurveyRequest struct {
	Respondent   Respondent `json:"respondent"`
	Custom       string     `json:"custom,omitempty"`
	Employee     *Employee  `json:"employee,omitempty"`
	Note         string     `json:"note,omitempty"`
	DoNotContact *bool      `json:"doNotContact,omitempty"`
	GUID         string     `json:"guid,omitempty"`
	// AgentRating is sent as FieldAgentRating.
	AgentRating *int `json:"-"`
}

// MarshalJSON adds the agent rating under FieldAgentRating.
func (r SurveyRequest) MarshalJSON() ([]byte, error) {
	type plain SurveyRequest
	var extra Extra
	if r.AgentRating != nil {
		extra = Extra{FieldAgentRating: json.RawMessage(strconv.Itoa(*r.AgentRating))}
	}
	return joinExtra(plain(r), extra)
}

// SendResult is the answer to a survey send. Pgap true means nps.today held the survey:
// the employee is in a p-gap training period, nothing was sent, and the same request must
// be repeated with the agent's rating.
type SendResult struct {
	Pgap bool            `json:"pgap"`
	Raw  json.RawMessage `json:"-"`
}

// Analytics is an employee's rating over a number of days (provisional shape: the
// endpoint is not public; Extra keeps whatever else it answers).
type Analytics struct {
	Employee      string   `json:"employee,omitempty"`
	Days          int      `json:"days,omitempty"`
	Responses     int      `json:"responses"`
	NPS           *float64 `json:"nps,omitempty"`
	AverageRating *float64 `json:"averageRating,omitempty"`
	Promoters     int      `json:"promoters"`
	Passives      int      `json:"passives"`
	Detractors    int      `json:"detractors"`
	Extra         Extra    `json:"-"`
}

func (a *Analytics) UnmarshalJSON(b []byte) error {
	type plain Analytics
	return splitExtra(b, (*plain)(a), &a.Extra)
}

func (a Analytics) MarshalJSON() ([]byte, error) {
	type plain Analytics
	return joinExtra(plain(a), a.Extra)
}

// Response is one survey answer: the rating (0-10), the comment, who answered, and the
// employee it is about. Names follow the response webhook payload, in the camelCase of the
// v1 API.
type Response struct {
	ID            ID                  `json:"id,omitempty"`
	Rating        *int                `json:"rating"`
	UserComment   string              `json:"userComment"`
	RatingTime    string              `json:"ratingTime,omitempty"`
	CampaignID    ID                  `json:"campaignId,omitempty"`
	CampaignName  string              `json:"campaignName,omitempty"`
	EmployeeEmail string              `json:"employeeEmail,omitempty"`
	Respondent    *ResponseRespondent `json:"respondent,omitempty"`
	Extra         Extra               `json:"-"`
}

// ResponseRespondent is who answered.
type ResponseRespondent struct {
	FirstName    string `json:"firstName,omitempty"`
	LastName     string `json:"lastName,omitempty"`
	EmailAddress string `json:"emailAddress,omitempty"`
	PhoneNumber  string `json:"phoneNumber,omitempty"`
	Extra        Extra  `json:"-"`
}

func (r *Response) UnmarshalJSON(b []byte) error {
	type plain Response
	return splitExtra(b, (*plain)(r), &r.Extra)
}

func (r Response) MarshalJSON() ([]byte, error) {
	type plain Response
	return joinExtra(plain(r), r.Extra)
}

func (r *ResponseRespondent) UnmarshalJSON(b []byte) error {
	type plain ResponseRespondent
	return splitExtra(b, (*plain)(r), &r.Extra)
}

func (r ResponseRespondent) MarshalJSON() ([]byte, error) {
	type plain ResponseRespondent
	return joinExtra(plain(r), r.Extra)
}

// IVRMapping links a contact-center queue to the campaign its callers are surveyed in.
type IVRMapping struct {
	QueueID      string `json:"queueId"`
	CampaignID   ID     `json:"campaignId"`
	CampaignName string `json:"campaignName,omitempty"`
	Extra        Extra  `json:"-"`
}

func (m *IVRMapping) UnmarshalJSON(b []byte) error {
	type plain IVRMapping
	return splitExtra(b, (*plain)(m), &m.Extra)
}

func (m IVRMapping) MarshalJSON() ([]byte, error) {
	type plain IVRMapping
	return joinExtra(plain(m), m.Extra)
}

// WebhookEvent is what a subscription fires on.
type WebhookEvent string

const (
	EventResponses       WebhookEvent = "responses"       // NewResponse
	EventCampaignMembers WebhookEvent = "campaignmembers" // NewCampaignMember
)

// WebhookEvents lists them.
var WebhookEvents = []string{string(EventResponses), string(EventCampaignMembers)}

// Model is the connector's default Model for the event.
func (e WebhookEvent) Model() string {
	if e == EventCampaignMembers {
		return "CampaignMember"
	}
	return "Response"
}

// WebhookRequest is the 2023 subscription body (connector commit 56bc929), PascalCase.
type WebhookRequest struct {
	Filter *WebhookFilter `json:"Filter,omitempty"`
	URL    string         `json:"Url"`
	Model  string         `json:"Model"`
}

// WebhookFilter narrows a subscription.
type WebhookFilter struct {
	Include WebhookInclude `json:"Include"`
}

// WebhookInclude names the campaign to include.
type WebhookInclude struct {
	CampaignID ID `json:"campaignId,omitempty"`
}

// Webhook is a created subscription as the CLI reports it. The API's answer is not
// documented: the id is read from its body (id) or, failing that, its Location header.
type Webhook struct {
	ID         string `json:"id"`
	Event      string `json:"event"`
	URL        string `json:"url"`
	CampaignID ID     `json:"campaignId,omitempty"`
	Location   string `json:"location,omitempty"`
}

// --- keeping unknown fields ---

var jsonNamesCache sync.Map // reflect.Type -> []string

// jsonNames lists the JSON names of a struct type's fields.
func jsonNames(t reflect.Type) []string {
	if v, ok := jsonNamesCache.Load(t); ok {
		return v.([]string)
	}
	var names []string
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" || !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if name == "" {
			name = f.Name
		}
		names = append(names, name)
	}
	jsonNamesCache.Store(t, names)
	return names
}

// splitExtra decodes b into v, a model as its type P without JSON methods (so that decoding
// does not call UnmarshalJSON again), and keeps the object's other fields in extra, v's Extra.
// encoding/json matches names case-insensitively, so Extra does too.
func splitExtra[P any](b []byte, v *P, extra *Extra) error {
	var zero P
	*v = zero // nothing of an earlier value survives, as when decoding into a new one
	if err := json.Unmarshal(b, v); err != nil {
		return err
	}
	var all map[string]json.RawMessage
	if err := json.Unmarshal(b, &all); err != nil || len(all) == 0 {
		return nil
	}
	names := jsonNames(reflect.TypeFor[P]())
	for k := range all {
		for _, n := range names {
			if strings.EqualFold(k, n) {
				delete(all, k)
				break
			}
		}
	}
	if len(all) > 0 {
		*extra = Extra(all)
	}
	return nil
}

// joinExtra encodes plain and appends the extra fields, sorted by name.
func joinExtra(plain any, extra Extra) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(plain); err != nil {
		return nil, err
	}
	b := bytes.TrimRight(buf.Bytes(), "\n")
	if len(extra) == 0 {
		return b, nil
	}
	keys := make([]string, 0, len(extra))
	for k := range extra {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := append([]byte(nil), b[:len(b)-1]...) // without the closing brace
	first := len(bytes.TrimSpace(out)) == 1     // "{"
	for _, k := range keys {
		if !first {
			out = append(out, ',')
		}
		first = false
		name, _ := json.Marshal(k)
		out = append(out, name...)
		out = append(out, ':')
		out = append(out, extra[k]...)
	}
	return append(out, '}'), nil
}
