package nimbus

import (
	"time"

	"github.com/nimbusctl/nimbusctl/pkg/emulator/core"
)

// The seeded tenant's address books, contacts, scheduler entries and tasks (its id, users and
// services are core's). Ids are fixed (not
// drawn from the seed) so tests can name them.
const (
	BookCustomers = "b00c5e7d-0001-4a6b-9c8d-1e2f3a4b5c01"
	BookPartners  = "b00c5e7d-0002-4a6b-9c8d-1e2f3a4b5c02"
	BookBoard     = "b00c5e7d-0003-4a6b-9c8d-1e2f3a4b5c03" // nobody seeded may use it

	BookCustomersName = "Customers"
	BookPartnersName  = "Partners"
	BookBoardName     = "Board"

	// Contacts of Customers, then Partners and Board.
	ContactAlice  = "CUST-0001"
	ContactBruno  = "CUST-0002"
	ContactChloe  = "CUST-0003"
	ContactGlobex = "PART-0001"
	ContactChair  = "BOARD-0001"

	// Scheduler entries, relative to the clock at Start: upcoming (+1 h) and in progress
	// (-5 min) on support@, tomorrow (+24 h) on sales@, upcoming (+2 h) on vip@.
	EntrySupportUpcoming   = "e5c4b3a2-0001-4f1e-8d2c-3b4a5f6e7d01"
	EntrySupportInProgress = "e5c4b3a2-0002-4f1e-8d2c-3b4a5f6e7d02"
	EntrySalesTomorrow     = "e5c4b3a2-0003-4f1e-8d2c-3b4a5f6e7d03"
	EntryVIPUpcoming       = "e5c4b3a2-0004-4f1e-8d2c-3b4a5f6e7d04"

	// Live inbound calls.
	TaskSupportCall = "7a5b3c1d-0001-4e2f-9a8b-7c6d5e4f3a01"
	TaskSalesCall   = "7a5b3c1d-0002-4e2f-9a8b-7c6d5e4f3a02"
	TaskVIPCall     = "7a5b3c1d-0003-4e2f-9a8b-7c6d5e4f3a03"
)

// seedNimbus builds the tenant. With empty, only users, services, books and lookups exist.
func seedNimbus(now time.Time, empty bool) *nimbusState {
	st := &nimbusState{
		tenantID:   core.TenantID,
		tenantName: core.TenantName,
		services:   map[string]*nService{},
		books:      map[string]*nBook{},
		users:      map[string]*nUser{},
		entries:    map[string]*nEntry{},
		tasks:      map[string]*nTask{},
		triggers:   map[string]*Trigger{},
		outcomes:   map[string]Outcome{},
	}
	seedLookups(st)

	for _, s := range []*nService{
		{core.ServiceSupportID, core.ServiceSupport, "Support", "Contoso Support", "First-level customer support hotline", "+41445550100"},
		{core.ServiceSalesID, core.ServiceSales, "Sales", "Contoso Sales", "Sales and quotes", "+41445550200"},
		{core.ServiceVIPID, core.ServiceVIP, "VIP", "Contoso VIP Line", "Priority line for key accounts", "+41445550300"},
	} {
		st.services[upnKey(s.UPN)] = s
		st.serviceOrder = append(st.serviceOrder, upnKey(s.UPN))
	}
	for _, b := range []struct{ id, name string }{
		{BookCustomers, BookCustomersName}, {BookPartners, BookPartnersName}, {BookBoard, BookBoardName},
	} {
		st.books[b.id] = &nBook{ID: b.id, Name: b.name, contacts: map[string]map[string]any{}}
		st.bookOrder = append(st.bookOrder, b.id)
	}
	st.addUser(core.DefaultUser, []string{core.ServiceSupport, core.ServiceSales}, []string{BookCustomers, BookPartners})
	st.addUser(core.AgentUser, []string{core.ServiceSupport}, []string{BookCustomers})
	st.routingUsers = []string{core.DefaultUser, core.AgentUser, "anna.meier@contoso.com", "luca.rossi@contoso.com", "sophie.martin@contoso.com"}

	if empty {
		return st
	}
	seedContacts(st)
	seedEntries(st, now)
	seedTasks(st, now)
	return st
}

func (st *nimbusState) addUser(upn string, services, books []string) {
	u := &nUser{UPN: upn, services: map[string]bool{}, books: map[string]bool{}}
	for _, s := range services {
		u.services[upnKey(s)] = true
	}
	for _, b := range books {
		u.books[b] = true
	}
	st.users[upnKey(upn)] = u
}

// seedLookups sets the lookup lists. The real values are not public (see service.go): these
// are plausible stand-ins. Modalities follow the swagger's Modality enum and directions its
// "Inbound/Outbound/None".
func seedLookups(st *nimbusState) {
	same := func(names ...string) []nameValue {
		out := make([]nameValue, len(names))
		for i, n := range names {
			out[i] = nameValue{n, n}
		}
		return out
	}
	st.taskEvents = same("Created", "Queued", "Accepted", "Connected", "Transferred", "Updated", "Terminated")
	st.schedulerEvents = same("Created", "Updated", "Started", "Completed", "Deleted")
	st.modalities = same("Audio", "InstantMessaging", "ExternalTask")
	st.directions = same("Inbound", "Outbound", "None")
	// Values differ from names on purpose: requests take the value.
	st.priorities = []nameValue{{"Low", "1"}, {"Normal", "2"}, {"High", "3"}, {"Urgent", "4"}}
}

func seedContacts(st *nimbusState) {
	put := func(book string, ct map[string]any) { st.books[book].put(ct) }
	put(BookCustomers, map[string]any{
		"externalId": ContactAlice, "firstName": "Alice", "lastName": "Muster", "displayName": "Alice Muster",
		"initials": "AM", "company": "Muster AG", "department": "Finance", "jobTitle": "CFO",
		"emailAddresses": []any{"alice.muster@muster.example", "alice@private.example"},
		"businessPhones": []any{"+41445551001"}, "mobilePhones": []any{"+41795551001"},
		"addresses":    []any{map[string]any{"street": "Bahnhofstrasse 1", "city": "Zürich", "postalCode": "8001", "country": "Switzerland"}},
		"customFields": []any{map[string]any{"name": "CustomerTier", "value": "Gold"}, map[string]any{"name": "AccountManager", "value": "sophie.martin@contoso.com"}},
	})
	put(BookCustomers, map[string]any{
		"externalId": ContactBruno, "firstName": "Bruno", "lastName": "Keller", "displayName": "Bruno Keller",
		"company": "Keller Bau GmbH", "emailAddresses": []any{"b.keller@kellerbau.example"},
		"homePhones": []any{"+41315552002"}, "imAddresses": []any{"b.keller@kellerbau.example"},
	})
	put(BookCustomers, map[string]any{
		"externalId": ContactChloe, "firstName": "Chloé", "lastName": "Dubois", "displayName": "Chloé Dubois",
		"userPrincipalName": "chloe.dubois@fabrikam.example", "mobilePhones": []any{"+33612345678"},
		"addresses":    []any{map[string]any{"street": "12 rue de la Paix", "city": "Paris", "postalCode": "75002", "state": "Île-de-France", "country": "France"}},
		"customFields": []any{map[string]any{"name": "Language", "value": "fr"}},
	})
	put(BookPartners, map[string]any{
		"externalId": ContactGlobex, "displayName": "Globex Corporation", "company": "Globex",
		"businessPhones": []any{"+4930555000"}, "emailAddresses": []any{"partners@globex.example"},
	})
	put(BookBoard, map[string]any{
		"externalId": ContactChair, "firstName": "Marta", "lastName": "Huber", "displayName": "Marta Huber",
		"jobTitle": "Chair of the Board", "mobilePhones": []any{"+41795559999"},
	})
}

func seedEntries(st *nimbusState, now time.Time) {
	add := func(id, service, ref, dest string, due time.Time, extra map[string]any) {
		data := map[string]any{
			"ReferenceId": ref, "destination": dest, "serviceUpn": service,
			"dueDateTimeUtc": due.UTC().Format(time.RFC3339),
		}
		for k, v := range extra {
			data[k] = v
		}
		applyEntryDefaults(data)
		data["schedulerEntryId"] = id
		data["event"] = "Created"
		st.entries[id] = &nEntry{id: id, service: upnKey(service), due: due, data: data,
			conversationID: "c0" + id[2:]}
		st.entryOrder = append(st.entryOrder, id)
	}
	base := now.Truncate(time.Second)
	add(EntrySupportUpcoming, core.ServiceSupport, "callback-1001", "+41445551001", base.Add(time.Hour), map[string]any{
		"distributionPriority": "3", "maxAttempts": 3,
		"customer":                    map[string]any{"firstName": "Alice", "lastName": "Muster", "UPN": "alice.muster@muster.example"},
		"customCallContextParameters": []any{map[string]any{"name": "Reason", "value": "Invoice question"}},
	})
	add(EntrySupportInProgress, core.ServiceSupport, "callback-1002", "+41315552002", base.Add(-5*time.Minute), nil)
	st.outcomes["callback-1002"] = Outcome{Talk: time.Hour} // stays in progress for a while
	add(EntrySalesTomorrow, core.ServiceSales, "lead-2001", "+4930555000", base.Add(24*time.Hour), map[string]any{
		"ronaTimeoutInSeconds": 15,
	})
	add(EntryVIPUpcoming, core.ServiceVIP, "vip-3001", "+41795559999", base.Add(2*time.Hour), nil)
}

func seedTasks(st *nimbusState, now time.Time) {
	add := func(id, service, caller string, ago time.Duration) {
		st.tasks[id] = &nTask{
			id: id, service: upnKey(service), modality: "Audio", direction: "Inbound",
			created: now.Add(-ago), callerTel: caller, fields: map[string]any{}, info: map[string]any{},
		}
		st.taskOrder = append(st.taskOrder, id)
	}
	add(TaskSupportCall, core.ServiceSupport, "+41445551001", 2*time.Minute)
	add(TaskSalesCall, core.ServiceSales, "+4930555000", 30*time.Second)
	add(TaskVIPCall, core.ServiceVIP, "+41795559999", time.Minute)
}
