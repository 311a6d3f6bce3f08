// Package nimbus is the typed client of the Luware Nimbus connector API: every operation of the
// connector swagger (pkg/contract) as a method, one file per resource.
package nimbus

import (
	"context"
	"errors"
	"net/http"
	"net/url"

	"github.com/nimbusctl/nimbusctl/pkg/httpx"
)

// Operation is one swagger operation: its operationId, method and path template.
type Operation struct {
	ID     string
	Method string
	Path   string
}

// The 28 operations of the connector swagger.
var (
	OpGetAddressBooks                        = Operation{"GetAddressBooks", http.MethodGet, "/v2/AddressBooks"}
	OpGetContacts                            = Operation{"GetContacts", http.MethodGet, "/v2/AddressBooks/{AddressBook}/contacts"}
	OpAddContact                             = Operation{"AddContact", http.MethodPost, "/v2/AddressBooks/{AddressBook}/contacts"}
	OpUpdateContact                          = Operation{"UpdateContact", http.MethodPut, "/v2/AddressBooks/{AddressBook}/contacts"}
	OpRemoveContacts                         = Operation{"RemoveContacts", http.MethodPost, "/v2/AddressBooks/{AddressBook}/contacts/delete"}
	OpClearContacts                          = Operation{"ClearContacts", http.MethodPost, "/v2/AddressBooks/{AddressBook}/contacts/clear"}
	OpGetSchedulerEntries                    = Operation{"GetSchedulerEntries", http.MethodGet, "/v1/scheduler-entries"}
	OpCreateSchedulerEntry                   = Operation{"CreateSchedulerEntry", http.MethodPost, "/v1/scheduler-entries"}
	OpUpdateSchedulerEntry                   = Operation{"UpdateSchedulerEntry", http.MethodPut, "/v1/scheduler-entries/{SchedulerEntryID}"}
	OpDeleteSchedulerEntry                   = Operation{"DeleteSchedulerEntry", http.MethodDelete, "/v1/scheduler-entries/{SchedulerEntryID}"}
	OpGetSchedulerEntryServices              = Operation{"GetSchedulerEntryServices", http.MethodGet, "/v1/scheduler-entries/service-contacts"}
	OpGetDistributionPriorities              = Operation{"GetDistributionPriorities", http.MethodGet, "/v1/scheduler-entries/distribution-priorities"}
	OpGetSchedulerEntriesEvents              = Operation{"GetSchedulerEntriesEvents", http.MethodGet, "/v1/scheduler-entries/events"}
	OpAddExternalTask                        = Operation{"AddExternalTask", http.MethodPost, "/v1/ExternalTasks"}
	OpRemoveExternalTask                     = Operation{"RemoveExternalTask", http.MethodDelete, "/v1/ExternalTasks/{externalTaskId}"}
	OpGetExternalTasksServices               = Operation{"GetExternalTasksServices", http.MethodGet, "/v1/ExternalTasks/service-contacts"}
	OpGetExternalTasksDistributionPriorities = Operation{"GetExternalTasksDistributionPriorities", http.MethodGet, "/v1/ExternalTasks/distribution-priorities"}
	OpUpdateTask                             = Operation{"UpdateTask", http.MethodPut, "/v1/tasks/{taskId}"}
	OpGetServices                            = Operation{"GetServices", http.MethodGet, "/v1/tasks/service-contacts"}
	OpGetTaskEvents                          = Operation{"GetTaskEvents", http.MethodGet, "/v1/tasks/events"}
	OpGetTaskModalities                      = Operation{"GetTaskModalities", http.MethodGet, "/v1/tasks/modalities"}
	OpGetTaskDirections                      = Operation{"GetTaskDirections", http.MethodGet, "/v1/tasks/directions"}
	OpGetUsersForPreferredRouting            = Operation{"GetUsersForPreferredRouting", http.MethodGet, "/v1/tasks/users-for-preferred-routing"}
	OpRegisterTaskWebHook                    = Operation{"RegisterTaskWebHook", http.MethodPost, "/v1/triggers/tasks"}
	OpDeleteTaskEventsTrigger                = Operation{"DeleteTaskEventsTrigger", http.MethodDelete, "/v1/triggers/tasks/{triggerId}"}
	OpRegisterSchedulerEntryTrigger          = Operation{"RegisterSchedulerEntryTrigger", http.MethodPost, "/v1/triggers/scheduler-entries"}
	OpDeleteSchedulerEntriesTrigger          = Operation{"DeleteSchedulerEntriesTrigger", http.MethodDelete, "/v1/triggers/scheduler-entries/{triggerId}"}
	OpTestConnection                         = Operation{"TestConnection", http.MethodGet, "/v1/diagnostics/testconnection"}
)

// Operations lists all 28, for coverage tests and docs.
var Operations = []Operation{
	OpGetAddressBooks, OpGetContacts, OpAddContact, OpUpdateContact, OpRemoveContacts, OpClearContacts,
	OpGetSchedulerEntries, OpCreateSchedulerEntry, OpUpdateSchedulerEntry, OpDeleteSchedulerEntry,
	OpGetSchedulerEntryServices, OpGetDistributionPriorities, OpGetSchedulerEntriesEvents,
	OpAddExternalTask, OpRemoveExternalTask, OpGetExternalTasksServices, OpGetExternalTasksDistributionPriorities,
	OpUpdateTask, OpGetServices, OpGetTaskEvents, OpGetTaskModalities, OpGetTaskDirections, OpGetUsersForPreferredRouting,
	OpRegisterTaskWebHook, OpDeleteTaskEventsTrigger, OpRegisterSchedulerEntryTrigger, OpDeleteSchedulerEntriesTrigger,
	OpTestConnection,
}

// Client calls the connector API through the shared pipeline.
type Client struct {
	h *httpx.Client
}

// New wraps a pipeline client whose base URL is the region's API root.
func New(h *httpx.Client) *Client { return &Client{h: h} }

// HTTP exposes the pipeline (for the limiter's figures and doctor's base URL).
func (c *Client) HTTP() *httpx.Client { return c.h }

// call is one operation: path parameters fill the template's {names} in order, escaped once.
type call struct {
	op         Operation
	params     []string
	query      url.Values
	body       any
	idempotent bool
}

func (c *Client) do(ctx context.Context, k call, out any) (*httpx.Response, error) {
	path, err := expand(k.op, k.params)
	if err != nil {
		return nil, err
	}
	return c.h.Do(ctx, &httpx.Request{
		Op:         k.op.ID,
		Method:     k.op.Method,
		Path:       path,
		Query:      k.query,
		Body:       k.body,
		Idempotent: k.idempotent,
	}, out)
}

// CheckIDs applies the path rule to ids before any call: a command that reads before it
// writes refuses an id the write would refuse, before its first request.
func (op Operation) CheckIDs(params ...string) error {
	_, err := expand(op, params)
	return err
}

// expand fills the operation's path; an id that is empty or only dots is refused (exit 3).
func expand(op Operation, params []string) (string, error) {
	path, err := httpx.ExpandPath(op.Path, params...)
	var pe *httpx.PathError
	if errors.As(err, &pe) {
		pe.Op = op.ID
	}
	return path, err
}

// deleted treats a 404 on a retried delete as done: the first attempt removed it and its
// answer was lost.
func deleted(err error) error {
	var apiErr *httpx.APIError
	if errors.As(err, &apiErr) && apiErr.Status == http.StatusNotFound && apiErr.Attempts > 1 {
		return nil
	}
	return err
}
