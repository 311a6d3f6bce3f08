package nimbus

import (
	"slices"
	"strings"
	"time"
)

// nimbusState is the tenant's data. The service's mutex guards all of it.
type nimbusState struct {
	tenantID     string
	tenantName   string
	services     map[string]*nService // by upnKey
	serviceOrder []string
	books        map[string]*nBook // by id
	bookOrder    []string
	users        map[string]*nUser // by upnKey
	routingUsers []string          // users for preferred routing, as displayed

	entries    map[string]*nEntry
	entryOrder []string
	tasks      map[string]*nTask
	taskOrder  []string
	triggers   map[string]*Trigger
	trigOrder  []string

	calls    []*nCall           // calls in progress (calls.go)
	outcomes map[string]Outcome // by ReferenceId: how scheduled calls go
	ended    []map[string]any   // the Terminated events of the last calls

	taskEvents, schedulerEvents, priorities, modalities, directions []nameValue
}

type nService struct {
	ID, UPN, Name, DisplayName, Description, TelNumber string
}

type nBook struct {
	ID, Name string
	order    []string                  // externalIds in insertion order
	contacts map[string]map[string]any // by externalId, exactly as received
}

type nUser struct {
	UPN      string
	services map[string]bool // upnKey of the services the user may use
	books    map[string]bool // ids of the address books the user may use
}

type nEntry struct {
	id             string
	service        string // upnKey
	due            time.Time
	data           map[string]any // SchedulerEntryEventData as stored (without the live event)
	conversationID string         // revealed once the call has started
	started        bool           // its call was run (Options.RunScheduledCalls)
}

type nTask struct {
	id        string
	service   string // upnKey
	external  bool
	modality  string
	direction string
	created   time.Time
	callerTel string
	fields    map[string]any // customerIdentifier, distributionPriority
	info      map[string]any // TaskInformation: customer, customContextParameters, preferredUsers

	// Played calls (calls.go).
	destTel         string
	anonymous       bool
	agent           string // the last connected user's UPN
	referenceID     string
	outboundAttempt int
	terminated      time.Time
}

type nameValue struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Trigger is a registered webhook subscription, as tests see it.
type Trigger struct {
	ID         string
	Kind       string // "tasks" or "scheduler-entries"
	User       string
	URL        string
	Services   []string
	Events     []string
	Modalities []string
	Directions []string
}

// Trigger kinds, as in their paths.
const (
	TriggerKindTasks            = "tasks"
	TriggerKindSchedulerEntries = "scheduler-entries"
)

func (u *nUser) mayUseService(upn string) bool { return u.services[upnKey(upn)] }

func (st *nimbusState) service(upn string) *nService { return st.services[upnKey(upn)] }

// findBook accepts an id or, for test convenience, a name.
func (st *nimbusState) findBook(idOrName string) *nBook {
	if b := st.books[idOrName]; b != nil {
		return b
	}
	for _, id := range st.bookOrder {
		if strings.EqualFold(st.books[id].Name, idOrName) {
			return st.books[id]
		}
	}
	return nil
}

func (b *nBook) put(ct map[string]any) {
	id := ct["externalId"].(string)
	if _, exists := b.contacts[id]; !exists {
		b.order = append(b.order, id)
	}
	b.contacts[id] = ct
}

func (b *nBook) remove(ids map[string]bool) {
	b.order = slices.DeleteFunc(b.order, func(id string) bool {
		if ids[id] {
			delete(b.contacts, id)
			return true
		}
		return false
	})
}

func (b *nBook) list(filter map[string]bool) []any {
	out := []any{}
	for _, id := range b.order {
		if filter == nil || filter[id] {
			out = append(out, deepCopy(b.contacts[id]))
		}
	}
	return out
}

// deepCopy copies a decoded JSON value, so callers never share state with the store.
func deepCopy(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = deepCopy(e)
		}
		return m
	case []any:
		s := make([]any, len(x))
		for i, e := range x {
			s[i] = deepCopy(e)
		}
		return s
	default:
		return v
	}
}

func copyMap(m map[string]any) map[string]any {
	if m == nil {
		return nil
	}
	return deepCopy(m).(map[string]any)
}
