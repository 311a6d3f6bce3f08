package nimbus

import (
	"reflect"
	"time"
)

// The types below mirror the definitions of the Nimbus connector swagger field by field, with
// the swagger's exact JSON names, casing quirks included: ReferenceId (capital R) on scheduler
// entries, UPN on Customer, LastConnectedUserUPN/LastConnectedUserEmail on task events.

// NameValue is the shape of every lookup list (events, priorities, modalities, directions).
// Value is what the API expects back; Name is for display.
type NameValue struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// AddressBook is one entry of GetAddressBooks. ID is what the contact paths take.
type AddressBook struct {
	Name string `json:"name"`
	ID   string `json:"id"`
}

// Address is a postal address of a contact.
type Address struct {
	Street     string `json:"street,omitempty"`
	City       string `json:"city,omitempty"`
	Country    string `json:"country,omitempty"`
	State      string `json:"state,omitempty"`
	PostalCode string `json:"postalCode,omitempty"`
}

// CustomField is a named value on a contact or customer; Name is required.
type CustomField struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Contact is ContactReadDto and ContactWriteDto (the swagger gives both the same fields);
// ExternalID is required and is the contact's key in its address book.
type Contact struct {
	ExternalID        string        `json:"externalId"`
	FirstName         string        `json:"firstName,omitempty"`
	LastName          string        `json:"lastName,omitempty"`
	DisplayName       string        `json:"displayName,omitempty"`
	Initials          string        `json:"initials,omitempty"`
	Company           string        `json:"company,omitempty"`
	Department        string        `json:"department,omitempty"`
	JobTitle          string        `json:"jobTitle,omitempty"`
	UserPrincipalName string        `json:"userPrincipalName,omitempty"`
	IMAddresses       []string      `json:"imAddresses,omitempty"`
	EmailAddresses    []string      `json:"emailAddresses,omitempty"`
	BusinessPhones    []string      `json:"businessPhones,omitempty"`
	MobilePhones      []string      `json:"mobilePhones,omitempty"`
	HomePhones        []string      `json:"homePhones,omitempty"`
	Addresses         []Address     `json:"addresses,omitempty"`
	CustomFields      []CustomField `json:"customFields,omitempty"`
}

// TelNumber is an additional telephone number of a customer; Name is required.
type TelNumber struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Customer describes the person a task or scheduled call is about.
type Customer struct {
	FirstName        string        `json:"firstName,omitempty"`
	LastName         string        `json:"lastName,omitempty"`
	DisplayName      string        `json:"displayName,omitempty"`
	Company          string        `json:"company,omitempty"`
	JobTitle         string        `json:"jobTitle,omitempty"`
	Department       string        `json:"department,omitempty"`
	StreetAddress    string        `json:"streetAddress,omitempty"`
	PostCode         string        `json:"postCode,omitempty"`
	City             string        `json:"city,omitempty"`
	State            string        `json:"state,omitempty"`
	Country          string        `json:"country,omitempty"`
	PrimaryTelNumber string        `json:"primaryTelNumber,omitempty"`
	TelNumbers       []TelNumber   `json:"telNumbers,omitempty"`
	UPN              string        `json:"UPN,omitempty"`
	IMAddress        string        `json:"imAddress,omitempty"`
	Email            string        `json:"email,omitempty"`
	CustomFields     []CustomField `json:"customFields,omitempty"`
}

// IsZero reports whether no field is set, so the customer can be left out of a request.
func (c *Customer) IsZero() bool {
	return c == nil || reflect.ValueOf(*c).IsZero()
}

// ContextParameter is CustomContextParameter: a named value passed with a task; Name is required.
type ContextParameter struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// PreferredUser routes a task to a user first. Priority runs from 1 (high) to 99 (low); 0
// leaves it to the server.
type PreferredUser struct {
	UPN      string `json:"upn"`
	Priority int    `json:"priority,omitempty"`
}

// TaskInformation is what UpdateTask may change on a task in progress.
type TaskInformation struct {
	Customer                *Customer          `json:"customer,omitempty"`
	CustomContextParameters []ContextParameter `json:"customContextParameters,omitempty"`
	PreferredUsers          []PreferredUser    `json:"preferredUsers,omitempty"`
}

// TaskEventData is what a task trigger delivers to its webhook.
type TaskEventData struct {
	TaskID                   string           `json:"taskId,omitempty"`
	CallChainID              string           `json:"callChainId,omitempty"`
	TenantID                 string           `json:"tenantId,omitempty"`
	Event                    string           `json:"event,omitempty"`
	Direction                string           `json:"direction,omitempty"`
	Modality                 string           `json:"modality,omitempty"`
	Created                  string           `json:"created,omitempty"`
	Terminated               string           `json:"terminated,omitempty"`
	LastConnectedUserID      string           `json:"lastConnectedUserId,omitempty"`
	LastConnectedUserUPN     string           `json:"LastConnectedUserUPN,omitempty"`
	LastConnectedUserEmail   string           `json:"LastConnectedUserEmail,omitempty"`
	MicrosoftCallerID        string           `json:"microsoftCallerId,omitempty"`
	ReferenceID              string           `json:"referenceId,omitempty"`
	CallerID                 string           `json:"callerId,omitempty"`
	CallerTelNumber          string           `json:"callerTelNumber,omitempty"`
	CallerUPN                string           `json:"callerUPN,omitempty"`
	MicrosoftDestinationID   string           `json:"microsoftDestinationId,omitempty"`
	DestinationID            string           `json:"destinationId,omitempty"`
	DestinationTelNumber     string           `json:"destinationTelNumber,omitempty"`
	DestinationUPN           string           `json:"destinationUPN,omitempty"`
	ACSID                    string           `json:"acsId,omitempty"`
	IsAnonymous              bool             `json:"isAnonymous,omitempty"`
	CustomerIdentifier       string           `json:"customerIdentifier,omitempty"`
	InitialMessage           string           `json:"initialMessage,omitempty"`
	ServiceID                string           `json:"serviceId,omitempty"`
	ServiceName              string           `json:"serviceName,omitempty"`
	ServiceDescription       string           `json:"serviceDescription,omitempty"`
	ServiceDisplayName       string           `json:"serviceDisplayName,omitempty"`
	ServiceUPN               string           `json:"serviceUPN,omitempty"`
	ServiceTelNumber         string           `json:"serviceTelNumber,omitempty"`
	EmailSubject             string           `json:"emailSubject,omitempty"`
	EmailBodyUniqueRichText  string           `json:"emailBodyUniqueRichText,omitempty"`
	EmailBodyUniquePlainText string           `json:"emailBodyUniquePlainText,omitempty"`
	EmailServiceMailboxUPN   string           `json:"emailServiceMailboxUPN,omitempty"`
	OutboundAttempt          int              `json:"outboundAttempt,omitempty"`
	UpdatedParameterName     string           `json:"updatedParameterName,omitempty"`
	UpdatedParameterValue    string           `json:"updatedParameterValue,omitempty"`
	TaskInformation          *TaskInformation `json:"taskInformation,omitempty"`
}

// SchedulerEntry is SchedulerEntryEventData: a scheduled outbound call as the API reports it.
type SchedulerEntry struct {
	SchedulerEntryID            string             `json:"schedulerEntryId,omitempty"`
	Event                       string             `json:"event,omitempty"`
	Direction                   string             `json:"direction,omitempty"`
	Modality                    string             `json:"modality,omitempty"`
	ReferenceID                 string             `json:"ReferenceId,omitempty"`
	UnifiedConversationID       string             `json:"unifiedConversationId,omitempty"`
	CompletionReason            string             `json:"completionReason,omitempty"`
	Destination                 string             `json:"destination,omitempty"`
	DistributionPriority        string             `json:"distributionPriority,omitempty"`
	DueDateTimeUTC              string             `json:"dueDateTimeUtc,omitempty"`
	ServiceUPN                  string             `json:"serviceUpn,omitempty"`
	MaxAttempts                 int                `json:"maxAttempts,omitempty"`
	AttemptTimeoutInSeconds     int                `json:"attemptTimeoutInSeconds,omitempty"`
	MaxQueueTimeInSeconds       int                `json:"maxQueueTimeInSeconds,omitempty"`
	RonaTimeoutInSeconds        int                `json:"ronaTimeoutInSeconds,omitempty"`
	CustomCallContextParameters []ContextParameter `json:"customCallContextParameters,omitempty"`
	Customer                    *Customer          `json:"customer,omitempty"`
}

// SchedulerEntryWrite is SchedulerEntryWriteData: the body of create and update. DueDateTimeUTC,
// ServiceUPN and Destination are required. A nil number leaves the server's default
// (maxAttempts 1, attemptTimeout 3600, maxQueueTime 300, ronaTimeout 20).
type SchedulerEntryWrite struct {
	ReferenceID                 string             `json:"ReferenceId,omitempty"`
	Destination                 string             `json:"destination"`
	DistributionPriority        string             `json:"distributionPriority,omitempty"`
	DueDateTimeUTC              string             `json:"dueDateTimeUtc"`
	ServiceUPN                  string             `json:"serviceUpn"`
	MaxAttempts                 *int               `json:"maxAttempts,omitempty"`
	AttemptTimeoutInSeconds     *int               `json:"attemptTimeoutInSeconds,omitempty"`
	MaxQueueTimeInSeconds       *int               `json:"maxQueueTimeInSeconds,omitempty"`
	RonaTimeoutInSeconds        *int               `json:"ronaTimeoutInSeconds,omitempty"`
	CustomCallContextParameters []ContextParameter `json:"customCallContextParameters,omitempty"`
	Customer                    *Customer          `json:"customer,omitempty"`
}

// WriteData turns a reported entry back into a write body (for merge-style updates).
func (e SchedulerEntry) WriteData() SchedulerEntryWrite {
	w := SchedulerEntryWrite{
		ReferenceID:                 e.ReferenceID,
		Destination:                 e.Destination,
		DistributionPriority:        e.DistributionPriority,
		DueDateTimeUTC:              e.DueDateTimeUTC,
		ServiceUPN:                  e.ServiceUPN,
		CustomCallContextParameters: e.CustomCallContextParameters,
		Customer:                    e.Customer,
	}
	if e.MaxAttempts != 0 {
		w.MaxAttempts = ptr(e.MaxAttempts)
	}
	if e.AttemptTimeoutInSeconds != 0 {
		w.AttemptTimeoutInSeconds = ptr(e.AttemptTimeoutInSeconds)
	}
	if e.MaxQueueTimeInSeconds != 0 {
		w.MaxQueueTimeInSeconds = ptr(e.MaxQueueTimeInSeconds)
	}
	if e.RonaTimeoutInSeconds != 0 {
		w.RonaTimeoutInSeconds = ptr(e.RonaTimeoutInSeconds)
	}
	return w
}

func ptr[T any](v T) *T { return &v }

// Modality values of the swagger's Modality enum.
const (
	ModalityAudio            = "Audio"
	ModalityInstantMessaging = "InstantMessaging"
	ModalityExternalTask     = "ExternalTask"
)

// ExternalTaskWrite is ExternalTaskWriteDto; ServiceUPN is required, at most 10 preferred users.
type ExternalTaskWrite struct {
	ServiceUPN              string             `json:"serviceUpn"`
	CustomerIdentifier      string             `json:"customerIdentifier,omitempty"`
	Customer                *Customer          `json:"customer,omitempty"`
	CustomContextParameters []ContextParameter `json:"customContextParameters,omitempty"`
	DistributionPriority    string             `json:"distributionPriority,omitempty"`
	PreferredUsers          []PreferredUser    `json:"preferredUsers,omitempty"`
}

// ExternalTask is ExternalTaskWriteResult: the task AddExternalTask created.
type ExternalTask struct {
	ID                 string          `json:"id,omitempty"`
	Modality           string          `json:"modality,omitempty"`
	Created            string          `json:"created,omitempty"`
	Type               string          `json:"type,omitempty"`
	IsAnonymous        bool            `json:"isAnonymous,omitempty"`
	ServiceID          string          `json:"serviceId,omitempty"`
	ServiceName        string          `json:"serviceName,omitempty"`
	ServiceDescription string          `json:"serviceDescription,omitempty"`
	ServiceDisplayName string          `json:"serviceDisplayName,omitempty"`
	ServiceUPN         string          `json:"serviceUPN,omitempty"`
	ServiceTelNumber   string          `json:"serviceTelNumber,omitempty"`
	PreferredUsers     []PreferredUser `json:"preferredUsers,omitempty"`
}

// TaskTriggerConfig is the config of RegisterTaskWebHook: URL, at least one service, and the
// task events; modalities and directions narrow it further.
type TaskTriggerConfig struct {
	URL        string   `json:"url"`
	Services   []string `json:"services"`
	TaskEvents []string `json:"taskEvents"`
	Modalities []string `json:"modalities,omitempty"`
	Directions []string `json:"directions,omitempty"`
}

// SchedulerEntryTriggerConfig is the config of RegisterSchedulerEntryTrigger.
type SchedulerEntryTriggerConfig struct {
	URL                  string   `json:"url"`
	Services             []string `json:"services"`
	SchedulerEntryEvents []string `json:"schedulerEntryEvents"`
}

// Trigger is a registered webhook subscription. The swagger gives the 201 answer no body; as
// with every Power Platform webhook trigger, the subscription is identified by the Location
// header of that answer, which is what Delete*Trigger takes.
type Trigger struct {
	ID       string `json:"id"`
	Kind     string `json:"kind"` // "tasks" or "scheduler-entries"
	Location string `json:"location,omitempty"`
}

// DueAfter reports whether the entry is due after t, i.e. not yet in progress at t.
func (e SchedulerEntry) DueAfter(t time.Time) bool {
	due, err := time.Parse(time.RFC3339, e.DueDateTimeUTC)
	return err == nil && due.After(t)
}
