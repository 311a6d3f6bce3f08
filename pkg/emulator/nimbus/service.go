// Package nimbus emulates the Nimbus connector API (the equivalent of https://api.luware.cloud),
// served under /nimbus. Its contract is the connector's swagger, embedded in pkg/contract: every
// request is authenticated (a bearer token for Audience), routed and validated against it
// (core.Contract), then handled against in-memory state.
//
// Where the swagger is silent, the emulator chooses what the real service most plausibly
// does. Every such choice is listed here, so a client author knows what is contract and what
// is the emulator's guess:
//
// Requests
//   - Order of checks: token (401) → user has a Nimbus role (403) → route (404; 405 for a
//     known path with another method) → swagger validation (400) → RBAC (403) → existence
//     (404) → business rules (400).
//   - Stricter than the swagger: object bodies reject properties they do not declare
//     (`referenceId` for `ReferenceId`, `upn` for Customer's `UPN`), a request body on an
//     operation that takes none is refused, and `externalIds` must be sent once,
//     comma-separated (Swagger 2.0's default collectionFormat csv), never repeated.
//   - 400 bodies are {"message": "...", "errors": [{"field","message"}]}; other errors are
//     {"message": "..."}. Successful operations without a response schema answer an empty body.
//   - Path parameters are unescaped once (x-ms-url-encoding: single).
//   - UPNs (users, services, preferred users) compare case-insensitively, as in Entra ID;
//     everything else (externalIds, ids, lookup values) is case-sensitive.
//   - Values that the swagger ties to a lookup list (x-ms-dynamic-values: distribution
//     priorities, trigger events, modalities, directions, users for preferred routing) must
//     be one of that list's values, else 400 naming the field.
//
// RBAC
//   - Each user has a set of services and address books. A service the user may not use,
//     or one that does not exist, is 403 "Forbidden for the given Service UPN" (the API cannot
//     tell the two apart without leaking). An existing address book the user may not use is
//     403 "Forbidden. No access to Addressbook."; an unknown address book id is 404.
//   - A token whose user has no Nimbus role at all is 403 on every operation.
//   - Lookups of services list only the user's services; GetAddressBooks only their books.
//
// Address books
//   - The {AddressBook} path parameter is the book's id (the swagger's value-path), not its name.
//   - Contacts are stored exactly as received and returned in insertion order.
//   - AddContact: an empty externalId, or one already in the book, is 400.
//   - UpdateContact: the contact (by externalId) must exist, else 404; the body replaces
//     the stored contact entirely (fields left out are cleared).
//   - RemoveContacts ignores unknown ids; ClearContacts empties the book. Both answer 200.
//
// Scheduler entries
//   - Create assigns schedulerEntryId, applies the swagger defaults for absent numbers and
//     answers SchedulerEntryEventData with direction "Outbound", modality "Audio", event
//     "Created" and ReferenceId as sent. ReferenceId is NOT unique: the API does not promise
//     it, so a client that wants idempotency must read before it writes.
//   - A past dueDateTimeUtc is accepted: the call starts at once.
//   - An entry whose due time is <= now is in progress: listed with event "Started" and a
//     unifiedConversationId; Update/Delete on it is 400. Entries complete only with
//     Options.RunScheduledCalls: the call is played (calls.go), reported Completed with
//     completionReason "Successful" (an agent took it) or "Unsuccessful", and no longer listed.
//   - Update replaces the written fields (PUT semantics, defaults re-applied) and reports
//     event "Updated"; moving an entry to a service the user may not use is 403.
//   - Unknown ids are 404 "Scheduler Entry Not Found".
//
// Tasks and external tasks
//   - AddExternalTask creates a live task (modality ExternalTask, direction Inbound) that
//     UpdateTask can address; RemoveExternalTask only removes external tasks (others: 404).
//   - UpdateTask merges: customer fields are merged key by key into the stored customer,
//     customContextParameters are merged by name, preferredUsers (when sent) replace the
//     list. An absent body changes nothing. It answers 200 with an empty body.
//
// Triggers
//   - Register answers 201 with an empty body and Location <NimbusURL>/v1/triggers/<kind>/<id>,
//     the Power Platform webhook convention. The callback url must be absolute http(s).
//   - An empty event list is accepted (the trigger never fires).
//   - A trigger belongs to the user who registered it; deleting another user's (or an
//     unknown) trigger is 404. Delete answers 204.
//   - Best effort: scheduler-entry events (Created, Updated, Deleted; Started, Completed for
//     a call that is run) and task events (Created, Updated, Terminated; Connected for a
//     played call) are POSTed asynchronously to matching triggers whose callback is on a
//     loopback address; nothing else is ever called.
//
// Calls (calls.go)
//   - Played calls are Audio tasks with task events Created, Connected, Terminated, and
//     created → terminated equal to the talk time; the agent is LastConnectedUserUPN and
//     LastConnectedUserEmail (the same address). Outbound calls show the service's number
//     as callerTelNumber and the customer's as destinationTelNumber.
//
// Lookups
//   - The real lists are not public; the seeded values are plausible stand-ins (see
//     seed.go). Distribution priorities deliberately have values that differ from
//     their names, so a client that sends the display name is caught.
//   - TestConnection answers 200 with an empty body.
package nimbus

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/nimbusctl/nimbusctl/pkg/contract"
	"github.com/nimbusctl/nimbusctl/pkg/emulator/core"
)

// Name is the service's name in Stats, Deny and InjectFaults; Prefix is where it is mounted.
const (
	Name   = "nimbus"
	Prefix = "/nimbus"
)

// Audience is the app id of the Nimbus connector API ("Luware Nimbus for Microsoft Teams"):
// only tokens issued for it are accepted.
const Audience = "23694b6c-5a4a-45ce-9c6a-37c5f1880d4e"

// Options shape the emulated tenant.
type Options struct {
	// Empty starts with users, services, address books and lookup lists only: no contacts,
	// no scheduler entries, no tasks.
	Empty bool
	// RunScheduledCalls runs each scheduled call once its due time has passed (calls.go):
	// it reports its events and then is no longer listed. Off, entries stay in progress.
	RunScheduledCalls bool
	// CallSpeed above 1 makes played calls end after their talk time divided by it, in real
	// time (the reported times keep the full talk time).
	CallSpeed float64
}

// Service is the emulated Nimbus connector API, an http.Handler to mount under Prefix.
type Service struct {
	srv      *core.Server
	contract *core.Contract
	ops      map[string]nimbusOp

	mu sync.Mutex
	st *nimbusState

	runScheduled bool
	speed        float64
}

// nimbusCall is one authenticated, validated request.
type nimbusCall struct {
	user   *nUser
	params map[string]string // path parameters, unescaped once
	query  url.Values
	body   []byte
}

type nimbusOp func(c *nimbusCall) (core.Reply, *core.HTTPError)

// theContract is built once per process (it takes tens of milliseconds) and shared by every
// emulator: the router and the schemas are only read after construction.
var theContract = sync.OnceValues(func() (*core.Contract, error) {
	return core.NewContract(contract.NimbusSwagger)
})

// New seeds the tenant on srv's clock.
func New(srv *core.Server, opts Options) (*Service, error) {
	v, err := theContract()
	if err != nil {
		return nil, err
	}
	s := &Service{srv: srv, contract: v, st: seedNimbus(srv.Now(), opts.Empty), runScheduled: opts.RunScheduledCalls, speed: opts.CallSpeed}
	s.ops = map[string]nimbusOp{
		"GetAddressBooks": s.getAddressBooks,
		"GetContacts":     s.getContacts,
		"AddContact":      s.addContact,
		"UpdateContact":   s.updateContact,
		"RemoveContacts":  s.removeContacts,
		"ClearContacts":   s.clearContacts,

		"GetSchedulerEntries":       s.getSchedulerEntries,
		"CreateSchedulerEntry":      s.createSchedulerEntry,
		"UpdateSchedulerEntry":      s.updateSchedulerEntry,
		"DeleteSchedulerEntry":      s.deleteSchedulerEntry,
		"GetSchedulerEntryServices": s.getServiceContacts,
		"GetDistributionPriorities": s.getPriorities,
		"GetSchedulerEntriesEvents": s.getSchedulerEvents,

		"AddExternalTask":                        s.addExternalTask,
		"RemoveExternalTask":                     s.removeExternalTask,
		"GetExternalTasksServices":               s.getServiceContacts,
		"GetExternalTasksDistributionPriorities": s.getPriorities,

		"UpdateTask":                  s.updateTask,
		"GetServices":                 s.getServiceContacts,
		"GetTaskEvents":               s.getTaskEvents,
		"GetTaskModalities":           s.getModalities,
		"GetTaskDirections":           s.getDirections,
		"GetUsersForPreferredRouting": s.getRoutingUsers,

		"RegisterTaskWebHook":           s.registerTaskTrigger,
		"DeleteTaskEventsTrigger":       s.deleteTaskTrigger,
		"RegisterSchedulerEntryTrigger": s.registerSchedulerTrigger,
		"DeleteSchedulerEntriesTrigger": s.deleteSchedulerTrigger,

		"TestConnection": s.testConnection,
	}
	go s.play()
	return s, nil
}

// URL is the base URL of the API, NimbusURL.
func (s *Service) URL() string { return s.srv.URL() + Prefix }

// Operation names the swagger operation of r, for Stats and the log.
func (s *Service) Operation(r *http.Request) string {
	route, _, err := s.contract.Route(r)
	if err != nil {
		return ""
	}
	return route.Operation.OperationID
}

func (s *Service) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	tok, ok := s.srv.Authenticate(w, r, Audience)
	if !ok {
		return
	}
	rep, herr := s.serve(r, tok)
	core.WriteReply(w, rep, herr)
}

func (s *Service) serve(r *http.Request, tok core.Token) (core.Reply, *core.HTTPError) {
	s.mu.Lock()
	user := s.st.users[upnKey(tok.User)]
	s.mu.Unlock()
	if user == nil {
		return core.Reply{}, core.Errorf(http.StatusForbidden, "Forbidden. The user %s has no Nimbus role.", tok.User)
	}

	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, core.MaxBody))
	if err != nil {
		return core.Reply{}, core.Errorf(http.StatusRequestEntityTooLarge, "The request body is larger than %d bytes.", core.MaxBody)
	}
	r.Body = io.NopCloser(bytes.NewReader(body))

	route, params, herr := s.contract.Route(r)
	if herr != nil {
		return core.Reply{}, herr
	}
	if herr := s.contract.Validate(r, route, params); herr != nil {
		return core.Reply{}, herr
	}
	c := &nimbusCall{user: user, params: map[string]string{}, query: r.URL.Query(), body: body}
	for k, v := range params {
		u, err := url.PathUnescape(v)
		if err != nil {
			return core.Reply{}, core.BadField(k, "is not a valid escaped path segment")
		}
		c.params[k] = u
	}
	op := s.ops[route.Operation.OperationID]
	if op == nil {
		return core.Reply{}, core.Errorf(http.StatusNotImplemented, "Operation %s is not emulated.", route.Operation.OperationID)
	}
	return op(c)
}

// decode reads the (already validated) body; numbers stay json.Number so that they
// round-trip exactly.
func (c *nimbusCall) decode(v any) *core.HTTPError {
	dec := json.NewDecoder(bytes.NewReader(c.body))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return core.BadField("body", "is not valid JSON")
	}
	return nil
}

func upnKey(upn string) string { return strings.ToLower(strings.TrimSpace(upn)) }

// errServiceForbidden and errBookForbidden carry the messages the swagger documents.
func errServiceForbidden() *core.HTTPError {
	return core.Errorf(http.StatusForbidden, "Forbidden for the given Service UPN")
}

func errBookForbidden() *core.HTTPError {
	return core.Errorf(http.StatusForbidden, "Forbidden. No access to Addressbook.")
}
