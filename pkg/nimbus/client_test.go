package nimbus_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nimbusctl/nimbusctl/pkg/emulator"
	"github.com/nimbusctl/nimbusctl/pkg/httpx"
	"github.com/nimbusctl/nimbusctl/pkg/nimbus"
)

func newClient(t *testing.T, opts emulator.Options, mod func(*httpx.Config)) (*nimbus.Client, *emulator.Emulator) {
	t.Helper()
	emu, err := emulator.Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(emu.Close)
	tok := emu.IssueToken(emulator.DefaultUser, emulator.NimbusAudience, time.Hour)
	cfg := httpx.Config{
		Service:   "nimbus",
		BaseURL:   emu.NimbusURL(),
		Transport: emu.HTTPClient().Transport,
		Auth:      func(context.Context) (string, error) { return "Bearer " + tok, nil },
		Retry:     httpx.Retry{BaseDelay: time.Millisecond, MaxDelay: 5 * time.Millisecond},
	}
	if mod != nil {
		mod(&cfg)
	}
	h, err := httpx.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return nimbus.New(h), emu
}

func n(v int) *int { return &v }

// fullContact sets every field, so a round trip proves every name and type.
var fullContact = nimbus.Contact{
	ExternalID: "c-full", FirstName: "Ada", LastName: "Lovelace", DisplayName: "Ada Lovelace", Initials: "AL",
	Company: "Analytical Engines", Department: "R&D", JobTitle: "Analyst", UserPrincipalName: "ada@example.com",
	IMAddresses: []string{"sip:ada@example.com"}, EmailAddresses: []string{"ada@example.com", "a@x.org"},
	BusinessPhones: []string{"+41445550001"}, MobilePhones: []string{"+41795550001"}, HomePhones: []string{"+41445550002"},
	Addresses:    []nimbus.Address{{Street: "1 Main St", City: "Zürich", Country: "CH", State: "ZH", PostalCode: "8000"}},
	CustomFields: []nimbus.CustomField{{Name: "tier", Value: "gold"}},
}

var fullCustomer = &nimbus.Customer{
	FirstName: "Bruno", LastName: "Keller", DisplayName: "Bruno Keller", Company: "Keller AG", JobTitle: "CEO",
	Department: "Board", StreetAddress: "Bahnhofstr. 1", PostCode: "8001", City: "Zürich", State: "ZH", Country: "CH",
	PrimaryTelNumber: "+41445550003", TelNumbers: []nimbus.TelNumber{{Name: "mobile", Value: "+41795550003"}},
	UPN: "bruno@keller.ch", IMAddress: "sip:bruno@keller.ch", Email: "bruno@keller.ch",
	CustomFields: []nimbus.CustomField{{Name: "crm", Value: "4711"}},
}

// TestEveryOperationAgainstTheEmulator drives all 28 client methods and checks what the server
// stored and answered.
func TestEveryOperationAgainstTheEmulator(t *testing.T) {
	c, emu := newClient(t, emulator.Options{Seed: 1}, nil)
	ctx := context.Background()
	done := map[string]bool{}
	mark := func(op nimbus.Operation, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", op.ID, err)
		}
		done[op.ID] = true
	}

	err := c.TestConnection(ctx)
	mark(nimbus.OpTestConnection, err)

	books, err := c.GetAddressBooks(ctx)
	mark(nimbus.OpGetAddressBooks, err)
	if len(books) != 2 || books[0] != (nimbus.AddressBook{ID: emulator.BookCustomers, Name: "Customers"}) {
		t.Errorf("books = %+v", books)
	}

	added, err := c.AddContact(ctx, emulator.BookPartners, fullContact)
	mark(nimbus.OpAddContact, err)
	if !reflect.DeepEqual(added, fullContact) {
		t.Errorf("AddContact answered\n%+v\nwant\n%+v", added, fullContact)
	}
	got, err := c.GetContacts(ctx, emulator.BookPartners, []string{"c-full", "nope"})
	mark(nimbus.OpGetContacts, err)
	if len(got) != 1 || !reflect.DeepEqual(got[0], fullContact) {
		t.Errorf("GetContacts = %+v", got)
	}
	stored := emu.Contacts(emulator.BookPartners)
	if last := stored[len(stored)-1]; last["userPrincipalName"] != "ada@example.com" || last["addresses"].([]any)[0].(map[string]any)["postalCode"] != "8000" {
		t.Errorf("stored %v", last)
	}

	upd := fullContact
	upd.JobTitle, upd.MobilePhones = "Countess", nil
	updated, err := c.UpdateContact(ctx, emulator.BookPartners, upd)
	mark(nimbus.OpUpdateContact, err)
	if updated.JobTitle != "Countess" || updated.MobilePhones != nil {
		t.Errorf("UpdateContact = %+v", updated)
	}
	err = c.RemoveContacts(ctx, emulator.BookPartners, []string{"c-full", "unknown-id"})
	mark(nimbus.OpRemoveContacts, err)
	if rest, _ := c.GetContacts(ctx, emulator.BookPartners, []string{"c-full"}); len(rest) != 0 {
		t.Errorf("still there: %+v", rest)
	}
	err = c.ClearContacts(ctx, emulator.BookPartners)
	mark(nimbus.OpClearContacts, err)
	if left := emu.Contacts(emulator.BookPartners); len(left) != 0 {
		t.Errorf("clear left %d", len(left))
	}

	services, err := c.GetSchedulerEntryServices(ctx)
	mark(nimbus.OpGetSchedulerEntryServices, err)
	prios, err := c.GetDistributionPriorities(ctx)
	mark(nimbus.OpGetDistributionPriorities, err)
	sevents, err := c.GetSchedulerEntriesEvents(ctx)
	mark(nimbus.OpGetSchedulerEntriesEvents, err)
	if !slices.Equal(services, []string{emulator.ServiceSupport, emulator.ServiceSales}) || len(prios) == 0 || len(sevents) == 0 {
		t.Fatalf("lookups: %v %v %v", services, prios, sevents)
	}

	due := nimbus.FormatDue(time.Now().Add(3 * time.Hour))
	write := nimbus.SchedulerEntryWrite{
		ReferenceID: "crm-42", Destination: "+41445559999", DistributionPriority: prios[0].Value, DueDateTimeUTC: due,
		ServiceUPN: emulator.ServiceSupport, MaxAttempts: n(3), AttemptTimeoutInSeconds: n(600), MaxQueueTimeInSeconds: n(120),
		RonaTimeoutInSeconds: n(15), CustomCallContextParameters: []nimbus.ContextParameter{{Name: "order", Value: "77"}},
		Customer: fullCustomer,
	}
	entry, err := c.CreateSchedulerEntry(ctx, write)
	mark(nimbus.OpCreateSchedulerEntry, err)
	if entry.SchedulerEntryID == "" || entry.ReferenceID != "crm-42" || entry.MaxAttempts != 3 || entry.Customer.UPN != "bruno@keller.ch" || entry.DueDateTimeUTC != due {
		t.Errorf("created %+v", entry)
	}
	raw, _ := emu.SchedulerEntry(entry.SchedulerEntryID)
	if raw["ReferenceId"] != "crm-42" || raw["customer"].(map[string]any)["UPN"] != "bruno@keller.ch" {
		t.Errorf("server stored %v", raw)
	}
	write.MaxAttempts = n(5)
	entry2, err := c.UpdateSchedulerEntry(ctx, entry.SchedulerEntryID, write)
	mark(nimbus.OpUpdateSchedulerEntry, err)
	if entry2.MaxAttempts != 5 {
		t.Errorf("updated %+v", entry2)
	}
	entries, err := c.GetSchedulerEntries(ctx, emulator.ServiceSupport)
	mark(nimbus.OpGetSchedulerEntries, err)
	if !slices.ContainsFunc(entries, func(e nimbus.SchedulerEntry) bool { return e.ReferenceID == "crm-42" && e.MaxAttempts == 5 }) {
		t.Errorf("entries %+v", entries)
	}
	err = c.DeleteSchedulerEntry(ctx, entry.SchedulerEntryID)
	mark(nimbus.OpDeleteSchedulerEntry, err)

	etServices, err := c.GetExternalTasksServices(ctx)
	mark(nimbus.OpGetExternalTasksServices, err)
	etPrios, err := c.GetExternalTasksDistributionPriorities(ctx)
	mark(nimbus.OpGetExternalTasksDistributionPriorities, err)
	users, err := c.GetUsersForPreferredRouting(ctx)
	mark(nimbus.OpGetUsersForPreferredRouting, err)
	task, err := c.AddExternalTask(ctx, nimbus.ExternalTaskWrite{
		ServiceUPN: etServices[0], CustomerIdentifier: "cust-1", Customer: fullCustomer,
		CustomContextParameters: []nimbus.ContextParameter{{Name: "ticket", Value: "T-1"}},
		DistributionPriority:    etPrios[0].Value, PreferredUsers: []nimbus.PreferredUser{{UPN: users[0], Priority: 1}},
	})
	mark(nimbus.OpAddExternalTask, err)
	if task.ID == "" || task.Modality != nimbus.ModalityExternalTask || task.ServiceUPN == "" || len(task.PreferredUsers) != 1 {
		t.Errorf("external task %+v", task)
	}

	tservices, err := c.GetServices(ctx)
	mark(nimbus.OpGetServices, err)
	tevents, err := c.GetTaskEvents(ctx)
	mark(nimbus.OpGetTaskEvents, err)
	mods, err := c.GetTaskModalities(ctx)
	mark(nimbus.OpGetTaskModalities, err)
	dirs, err := c.GetTaskDirections(ctx)
	mark(nimbus.OpGetTaskDirections, err)
	if len(tservices) == 0 || len(tevents) == 0 || len(mods) == 0 || len(dirs) == 0 {
		t.Fatalf("task lookups empty")
	}
	err = c.UpdateTask(ctx, task.ID, nimbus.TaskInformation{
		Customer:                &nimbus.Customer{FirstName: "Bruna"},
		CustomContextParameters: []nimbus.ContextParameter{{Name: "ticket", Value: "T-2"}},
	})
	mark(nimbus.OpUpdateTask, err)
	if st, _ := emu.Task(task.ID); !strings.Contains(mustJSON(st), `"T-2"`) || !strings.Contains(mustJSON(st), `"Bruna"`) {
		t.Errorf("task after update %s", mustJSON(st))
	}
	err = c.RemoveExternalTask(ctx, task.ID)
	mark(nimbus.OpRemoveExternalTask, err)

	tr, err := c.RegisterTaskWebHook(ctx, nimbus.TaskTriggerConfig{
		URL: "https://hooks.example.com/nimbus", Services: tservices[:1], TaskEvents: []string{tevents[0].Value},
		Modalities: []string{mods[0].Value}, Directions: []string{dirs[0].Value},
	})
	mark(nimbus.OpRegisterTaskWebHook, err)
	if tr.ID == "" || tr.Kind != nimbus.TriggerTasks || !strings.HasSuffix(tr.Location, "/v1/triggers/tasks/"+tr.ID) {
		t.Errorf("trigger %+v", tr)
	}
	str, err := c.RegisterSchedulerEntryTrigger(ctx, nimbus.SchedulerEntryTriggerConfig{
		URL: "https://hooks.example.com/sched", Services: services[:1], SchedulerEntryEvents: []string{sevents[0].Value},
	})
	mark(nimbus.OpRegisterSchedulerEntryTrigger, err)
	if len(emu.Triggers()) != 2 {
		t.Errorf("triggers %+v", emu.Triggers())
	}
	err = c.DeleteTaskEventsTrigger(ctx, tr.ID)
	mark(nimbus.OpDeleteTaskEventsTrigger, err)
	err = c.DeleteSchedulerEntriesTrigger(ctx, str.ID)
	mark(nimbus.OpDeleteSchedulerEntriesTrigger, err)

	for _, op := range nimbus.Operations {
		if !done[op.ID] {
			t.Errorf("%s not exercised", op.ID)
		}
	}
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func TestErrorsCarryStatusAndMessage(t *testing.T) {
	c, _ := newClient(t, emulator.Options{Seed: 1}, nil)
	ctx := context.Background()
	_, err := c.GetContacts(ctx, emulator.BookBoard, nil)
	var apiErr *httpx.APIError
	if !errors.As(err, &apiErr) || apiErr.Status != http.StatusForbidden || apiErr.Op != "GetContacts" || apiErr.Message != "Forbidden. No access to Addressbook." {
		t.Errorf("board: %v", err)
	}
	_, err = c.GetSchedulerEntries(ctx, emulator.ServiceVIP)
	if httpx.StatusOf(err) != http.StatusForbidden || !strings.Contains(err.Error(), "Forbidden for the given Service UPN") {
		t.Errorf("vip: %v", err)
	}
	err = c.DeleteSchedulerEntry(ctx, emulator.EntrySupportInProgress)
	if httpx.StatusOf(err) != http.StatusBadRequest {
		t.Errorf("in-progress delete: %v", err)
	}
	_, err = c.UpdateSchedulerEntry(ctx, "nope", nimbus.SchedulerEntryWrite{ServiceUPN: emulator.ServiceSupport, Destination: "+41445550000", DueDateTimeUTC: nimbus.FormatDue(time.Now().Add(time.Hour))})
	if httpx.StatusOf(err) != http.StatusNotFound {
		t.Errorf("unknown entry: %v", err)
	}
}

func TestContactsByIDWithCommasAndManyIDs(t *testing.T) {
	c, _ := newClient(t, emulator.Options{Seed: 1, Empty: true}, nil)
	ctx := context.Background()
	var ids []string
	for i := 0; i < 300; i++ {
		id := "customer-number-" + strings.Repeat("x", 10) + "-" + strconv.Itoa(i)
		ids = append(ids, id)
		if _, err := c.AddContact(ctx, emulator.BookCustomers, nimbus.Contact{ExternalID: id}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.AddContact(ctx, emulator.BookCustomers, nimbus.Contact{ExternalID: "Doe, John"}); err != nil {
		t.Fatal(err)
	}
	got, err := c.GetContacts(ctx, emulator.BookCustomers, ids) // several requests under the URL cap
	if err != nil || len(got) != 300 {
		t.Fatalf("got %d, %v", len(got), err)
	}
	got, err = c.GetContacts(ctx, emulator.BookCustomers, []string{"Doe, John", ids[0]})
	if err != nil || len(got) != 2 {
		t.Fatalf("comma id: got %+v, %v", got, err)
	}
}
