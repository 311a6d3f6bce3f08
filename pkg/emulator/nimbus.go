package emulator

// The Nimbus connector API, served under /nimbus. Every request is authenticated, routed and
// validated against the embedded swagger (pkg/contract), then handled against in-memory state.
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
//     unifiedConversationId; Update/Delete on it is 400. Entries never complete on their own.
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
//   - Best effort: scheduler-entry events (Created, Updated, Deleted) and task events
//     (Created, Updated, Terminated) are POSTed asynchronously to matching triggers whose
//     callback is on a loopback address; nothing else is ever called.
//
// Lookups
//   - The real lists are not public; the seeded values are plausible stand-ins (see
//     nimbus_seed.go). Distribution priorities deliberately have values that differ from
//     their names, so a client that sends the display name is caught.
//   - TestConnection answers 200 with an empty body.

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
)

// maxBody bounds request bodies; real gateways refuse far smaller ones than bulk code might
// build by mistake.
const maxBody = 4 << 20

type nimbusService struct {
	e        *Emulator
	contract *contractValidator
	ops      map[string]nimbusOp

	mu sync.Mutex
	st *nimbusState
}

// nimbusCall is one authenticated, validated request.
type nimbusCall struct {
	user   *nUser
	params map[string]string // path parameters, unescaped once
	query  url.Values
	body   []byte
}

// reply is a successful answer; a nil body is sent as an empty body.
type reply struct {
	status   int
	body     any
	location string
}

type nimbusOp func(c *nimbusCall) (reply, *httpError)

func newNimbusService(e *Emulator) (*nimbusService, error) {
	v, err := newNimbusContract()
	if err != nil {
		return nil, err
	}
	s := &nimbusService{e: e, contract: v, st: seedNimbus(e.now(), e.opts.Empty)}
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
	return s, nil
}

// operation names the swagger operation of r, for Stats and the log.
func (s *nimbusService) operation(r *http.Request) string {
	route, _, err := s.contract.route(r)
	if err != nil {
		return ""
	}
	return route.Operation.OperationID
}

func (s *nimbusService) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	tok, ok := s.e.authenticate(w, r, NimbusAudience)
	if !ok {
		return
	}
	rep, herr := s.serve(r, tok)
	if herr != nil {
		writeHTTPError(w, herr)
		return
	}
	if rep.location != "" {
		w.Header().Set("Location", rep.location)
	}
	if rep.body == nil {
		w.WriteHeader(rep.status)
		return
	}
	writeJSON(w, rep.status, rep.body)
}

func (s *nimbusService) serve(r *http.Request, tok Token) (reply, *httpError) {
	s.mu.Lock()
	user := s.st.users[upnKey(tok.User)]
	s.mu.Unlock()
	if user == nil {
		return reply{}, errorf(http.StatusForbidden, "Forbidden. The user %s has no Nimbus role.", tok.User)
	}

	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, maxBody))
	if err != nil {
		return reply{}, errorf(http.StatusRequestEntityTooLarge, "The request body is larger than %d bytes.", maxBody)
	}
	r.Body = io.NopCloser(bytes.NewReader(body))

	route, params, herr := s.contract.route(r)
	if herr != nil {
		return reply{}, herr
	}
	if herr := s.contract.validate(r, route, params); herr != nil {
		return reply{}, herr
	}
	c := &nimbusCall{user: user, params: map[string]string{}, query: r.URL.Query(), body: body}
	for k, v := range params {
		u, err := url.PathUnescape(v)
		if err != nil {
			return reply{}, badField(k, "is not a valid escaped path segment")
		}
		c.params[k] = u
	}
	op := s.ops[route.Operation.OperationID]
	if op == nil {
		return reply{}, errorf(http.StatusNotImplemented, "Operation %s is not emulated.", route.Operation.OperationID)
	}
	return op(c)
}

// decode reads the (already validated) body; numbers stay json.Number so that they
// round-trip exactly.
func (c *nimbusCall) decode(v any) *httpError {
	dec := json.NewDecoder(bytes.NewReader(c.body))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return badField("body", "is not valid JSON")
	}
	return nil
}

// badField is a 400 about one field, in the same shape as the swagger validation errors.
func badField(field, msg string) *httpError {
	return &httpError{
		Status:  http.StatusBadRequest,
		Message: "The request is invalid: " + field + ": " + msg,
		Errors:  []fieldError{{Field: field, Message: msg}},
	}
}

func okReply(body any) (reply, *httpError) { return reply{status: http.StatusOK, body: body}, nil }

func upnKey(upn string) string { return strings.ToLower(strings.TrimSpace(upn)) }

// errServiceForbidden and errBookForbidden carry the messages the swagger documents.
func errServiceForbidden() *httpError {
	return errorf(http.StatusForbidden, "Forbidden for the given Service UPN")
}

func errBookForbidden() *httpError {
	return errorf(http.StatusForbidden, "Forbidden. No access to Addressbook.")
}
