package nimbus_test

import (
	"encoding/json"
	"net/url"
	"reflect"
	"testing"

	"github.com/nimbusctl/nimbusctl/pkg/emulator"
	"github.com/nimbusctl/nimbusctl/pkg/emulator/internal/emutest"
)

func TestContactsLifecycle(t *testing.T) {
	e := emutest.Start(t, emulator.Options{})
	c := emutest.As(t, e, emulator.DefaultUser)
	base := "/v2/AddressBooks/" + emulator.BookCustomers + "/contacts"

	var list []map[string]any
	c.Do("GET", base, nil).Expect(t, 200).JSON(t, &list)
	if len(list) != 3 || list[0]["externalId"] != emulator.ContactAlice || list[2]["externalId"] != emulator.ContactChloe {
		t.Fatalf("seeded contacts %v", list)
	}

	// Every field the client sends comes back exactly.
	full := map[string]any{
		"externalId": "NEW-1", "firstName": "Zoë", "lastName": "Zed", "displayName": "Zoë Zed", "initials": "ZZ",
		"company": "Z AG", "department": "R&D", "jobTitle": "Engineer", "userPrincipalName": "zoe@z.example",
		"imAddresses": []any{"zoe@z.example"}, "emailAddresses": []any{"zoe@z.example", "z@home.example"},
		"businessPhones": []any{"+41445550000"}, "mobilePhones": []any{"+41790000000"}, "homePhones": []any{},
		"addresses":    []any{map[string]any{"street": "Weg 1", "city": "Bern", "country": "CH", "state": "BE", "postalCode": "3000"}},
		"customFields": []any{map[string]any{"name": "Tier", "value": "Silver"}, map[string]any{"name": "Empty"}},
	}
	var got map[string]any
	c.Do("POST", base, full).Expect(t, 200).JSON(t, &got)
	if !reflect.DeepEqual(got, full) {
		t.Fatalf("AddContact answered\n%v\nwant\n%v", got, full)
	}
	stored := e.Contacts(emulator.BookCustomersName)
	if !reflect.DeepEqual(stored[3], full) {
		t.Fatalf("stored %v", stored[3])
	}

	// Duplicate externalId.
	c.Do("POST", base, map[string]any{"externalId": "NEW-1"}).Expect(t, 400).Err(t)
	c.Do("POST", base, map[string]any{"externalId": " "}).Expect(t, 400)

	// Update replaces the whole contact.
	c.Do("PUT", base, map[string]any{"externalId": "NEW-1", "firstName": "Zoe"}).Expect(t, 200)
	stored = e.Contacts(emulator.BookCustomers)
	if want := map[string]any{"externalId": "NEW-1", "firstName": "Zoe"}; !reflect.DeepEqual(stored[3], want) {
		t.Fatalf("after update %v", stored[3])
	}
	c.Do("PUT", base, map[string]any{"externalId": "NOPE"}).Expect(t, 404).Err(t)

	// Filter: comma-separated, unknown ids absent, order of the book.
	c.Do("GET", base+"?externalIds="+url.QueryEscape("NEW-1,"+emulator.ContactAlice+",ghost"), nil).Expect(t, 200).JSON(t, &list)
	if len(list) != 2 || list[0]["externalId"] != emulator.ContactAlice || list[1]["externalId"] != "NEW-1" {
		t.Fatalf("filtered %v", list)
	}
	c.Do("GET", base+"?externalIds=a&externalIds=b", nil).Expect(t, 400).Err(t)

	// Remove ignores unknown ids.
	r := c.Do("POST", base+"/delete", []string{emulator.ContactBruno, "ghost"}).Expect(t, 200)
	if len(r.Body) != 0 {
		t.Fatalf("RemoveContacts body %q", r.Body)
	}
	if emutest.HasContact(e.Contacts(emulator.BookCustomers), emulator.ContactBruno) || len(e.Contacts(emulator.BookCustomers)) != 3 {
		t.Fatalf("after remove %v", e.Contacts(emulator.BookCustomers))
	}

	c.Do("POST", base+"/clear", nil).Expect(t, 200)
	c.Do("GET", base, nil).Expect(t, 200).JSON(t, &list)
	if len(list) != 0 || string(c.Do("GET", base, nil).Body) != "[]\n" {
		t.Fatalf("after clear %v", list)
	}
	// Other books are untouched.
	if len(e.Contacts(emulator.BookPartners)) != 1 {
		t.Fatal("Partners changed")
	}
}

func TestContactIDsAreEscapedOnce(t *testing.T) {
	e := emutest.Start(t, emulator.Options{})
	c := emutest.As(t, e, emulator.DefaultUser)
	base := "/v2/AddressBooks/" + emulator.BookCustomers + "/contacts"
	id := "a/b c,d"
	c.Do("POST", base, map[string]any{"externalId": id}).Expect(t, 200)
	// An id with a comma cannot be filtered for (csv); the whole book still has it.
	var list []map[string]any
	c.Do("GET", base, nil).Expect(t, 200).JSON(t, &list)
	if !emutest.HasContact(e.Contacts(emulator.BookCustomers), id) {
		t.Fatal("not stored")
	}
	raw, _ := json.Marshal([]string{id})
	c.Do("POST", base+"/delete", string(raw)).Expect(t, 200)
	if emutest.HasContact(e.Contacts(emulator.BookCustomers), id) {
		t.Fatal("not removed")
	}
	// A book id escaped in the path is unescaped once: an escaped slash is not a separator.
	c.Do("GET", "/v2/AddressBooks/"+url.PathEscape("x/y")+"/contacts", nil).Expect(t, 404)
}

func TestEmptyOption(t *testing.T) {
	e := emutest.Start(t, emulator.Options{Empty: true})
	if n := len(e.Contacts(emulator.BookCustomers)); n != 0 {
		t.Fatalf("%d contacts", n)
	}
	if n := len(e.SchedulerEntries(emulator.ServiceSupport)); n != 0 {
		t.Fatalf("%d entries", n)
	}
	if _, ok := e.Task(emulator.TaskSupportCall); ok {
		t.Fatal("seeded task in an empty emulator")
	}
	// Users, books and services are still there.
	emutest.As(t, e, emulator.DefaultUser).Do("POST", "/v2/AddressBooks/"+emulator.BookCustomers+"/contacts", map[string]any{"externalId": "1"}).Expect(t, 200)
}
