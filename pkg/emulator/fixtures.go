package emulator

import (
	"github.com/nimbusctl/nimbusctl/pkg/emulator/core"
	"github.com/nimbusctl/nimbusctl/pkg/emulator/entra"
	"github.com/nimbusctl/nimbusctl/pkg/emulator/nimbus"
	"github.com/nimbusctl/nimbusctl/pkg/emulator/npstoday"
	"github.com/nimbusctl/nimbusctl/pkg/emulator/odata"
)

// The names tests and the sandbox know the emulator by, each defined (and documented) in the
// part it belongs to.

// Core: types of the control surface, faults, the tenant.
type (
	// Rate is "Count calls per Per, in bursts of up to Count".
	Rate = core.Rate
	// FaultKind is one way the emulator misbehaves on purpose.
	FaultKind = core.FaultKind
	// Stats are counters since Start.
	Stats = core.Stats
	// Received is one request as it reached the emulator (see Emulator.Received).
	Received = core.Received
	// Token is what the emulator remembers about a bearer token it issued.
	Token = core.Token
)

const (
	FaultUnavailable  = core.FaultUnavailable
	FaultInternal     = core.FaultInternal
	FaultBadGateway   = core.FaultBadGateway
	FaultTimeoutAfter = core.FaultTimeoutAfter
)

// AllFaultKinds lists every kind, in the order the random draw uses.
var AllFaultKinds = core.AllFaultKinds

const (
	TenantName  = core.TenantName
	TenantID    = core.TenantID
	DefaultUser = core.DefaultUser
	AgentUser   = core.AgentUser

	ServiceSupport   = core.ServiceSupport
	ServiceSales     = core.ServiceSales
	ServiceVIP       = core.ServiceVIP
	ServiceSupportID = core.ServiceSupportID
	ServiceSalesID   = core.ServiceSalesID
	ServiceVIPID     = core.ServiceVIPID
)

// Service names, as used by Options.Deny, InjectFaults and Stats.
const (
	ServiceNimbus   = nimbus.Name
	ServiceEntra    = entra.Name
	ServiceNPSToday = npstoday.Name
	ServiceOData    = odata.Name
)

// Nimbus.

// NimbusAudience is the app id of the Nimbus connector API; see nimbus.Audience.
const NimbusAudience = nimbus.Audience

// Trigger is a registered webhook subscription, as tests see it.
type Trigger = nimbus.Trigger

// Call is a call to play (PlayCall); Outcome is how a scheduled call goes (SetScheduledCall).
type (
	Call    = nimbus.Call
	Outcome = nimbus.Outcome
)

// DefaultTalk is the talk time of a call given none.
const DefaultTalk = nimbus.DefaultTalk

// ServiceAgents is who takes a service's calls unless told otherwise.
var ServiceAgents = nimbus.ServiceAgents

const (
	TriggerKindTasks            = nimbus.TriggerKindTasks
	TriggerKindSchedulerEntries = nimbus.TriggerKindSchedulerEntries

	BookCustomers     = nimbus.BookCustomers
	BookPartners      = nimbus.BookPartners
	BookBoard         = nimbus.BookBoard
	BookCustomersName = nimbus.BookCustomersName
	BookPartnersName  = nimbus.BookPartnersName
	BookBoardName     = nimbus.BookBoardName

	ContactAlice  = nimbus.ContactAlice
	ContactBruno  = nimbus.ContactBruno
	ContactChloe  = nimbus.ContactChloe
	ContactGlobex = nimbus.ContactGlobex
	ContactChair  = nimbus.ContactChair

	EntrySupportUpcoming   = nimbus.EntrySupportUpcoming
	EntrySupportInProgress = nimbus.EntrySupportInProgress
	EntrySalesTomorrow     = nimbus.EntrySalesTomorrow
	EntryVIPUpcoming       = nimbus.EntryVIPUpcoming

	TaskSupportCall = nimbus.TaskSupportCall
	TaskSalesCall   = nimbus.TaskSalesCall
	TaskVIPCall     = nimbus.TaskVIPCall
)

// Entra ID.
const (
	PublicClientID        = entra.PublicClientID
	ConfidentialClientID  = entra.ConfidentialClientID
	TenantDomain          = entra.TenantDomain
	DefaultAccessTokenTTL = entra.DefaultAccessTokenTTL
	DefaultDeviceCodeTTL  = entra.DefaultDeviceCodeTTL
)

// nps.today.
type (
	NPSPgapPeriod = npstoday.PgapPeriod
	NPSSurvey     = npstoday.Survey
	NPSWebhook    = npstoday.Webhook
	NPSIVREntry   = npstoday.IVREntry
)

const (
	NPSTodayAPIKey      = npstoday.APIKey
	NPSTodayOtherAPIKey = npstoday.OtherAPIKey

	NPSCampaignSupport        = npstoday.CampaignSupport
	NPSCampaignSales          = npstoday.CampaignSales
	NPSCampaignOnboarding     = npstoday.CampaignOnboarding
	NPSCampaignSupportName    = npstoday.CampaignSupportName
	NPSCampaignSalesName      = npstoday.CampaignSalesName
	NPSCampaignOnboardingName = npstoday.CampaignOnboardingName

	NPSEmployeeAgent   = npstoday.EmployeeAgent
	NPSEmployeePgap    = npstoday.EmployeePgap
	NPSEmployeeSales   = npstoday.EmployeeSales
	NPSEmployeeAgentID = npstoday.EmployeeAgentID
	NPSEmployeePgapID  = npstoday.EmployeePgapID
	NPSEmployeeSalesID = npstoday.EmployeeSalesID

	NPSCustomerPhone = npstoday.CustomerPhone
)

// OData.
type (
	// ODataOptions shape the reporting feed; see odata.Options.
	ODataOptions = odata.Options
	ODataMember  = odata.Member
	ODataSession = odata.Session
	ODataOrgUnit = odata.OrgUnit
)

const (
	ODataAudience       = odata.Audience
	ODataCodesList      = odata.CodesList
	ODataCodesDelimited = odata.CodesDelimited

	ODataShapeStandard    = odata.ShapeStandard
	ODataShapeFactDim     = odata.ShapeFactDim
	ODataShapeNavigation  = odata.ShapeNavigation
	ODataShapeTwoSessions = odata.ShapeTwoSessions
	ODataShapeNoUserLink  = odata.ShapeNoUserLink

	ODataDefaultSessions    = odata.DefaultSessions
	ODataDefaultDays        = odata.DefaultDays
	ODataDefaultPageSize    = odata.DefaultPageSize
	ODataDefaultSessionSet  = odata.DefaultSessionSet
	ODataNamespace          = odata.Namespace
	ODataOrganizationUnitID = odata.OrganizationUnitID

	CodeResolved   = odata.CodeResolved
	CodeCallBack   = odata.CodeCallBack
	CodeSale       = odata.CodeSale
	CodeEscalated  = odata.CodeEscalated
	CodeUpsell     = odata.CodeUpsell
	CodeComplaint  = odata.CodeComplaint
	CodeNewsletter = odata.CodeNewsletter
	// CodeInfoPricing is the name ODataShapeFactDim gives Complaint and Newsletter.
	CodeInfoPricing = odata.CodeInfoPricing
)

var (
	ODataReporters = odata.Reporters
	ODataServices  = odata.Services
	ODataUsers     = odata.Users
	ODataOutcomes  = odata.Outcomes
	ODataShapes    = odata.Shapes
	// ODataOrganizationUnits are the root unit and its two units (Support, Sales).
	ODataOrganizationUnits = odata.OrganizationUnits
)
