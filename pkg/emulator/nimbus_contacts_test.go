package emulator

import (
	"encoding/json"
	"net/url"
	"reflect"
	"testing"
)

func TestContactsLifecycle(t *testing.T) {
	e := start(t, Options{})
	c := as(t, e, DefaultUser)
	base := "/v2/AddressBooks/" + BookCustomers + "/contacts"

	var list []map[string]any
	c.do("GET", base, nil).expect(t, 200).json(t, &list)
	if len(list) != 3 || list[0]["externalId"] != ContactAlice || list[2]["externalId"] != ContactChloe {
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
	c.do("POST", base, full).expect(t, 200).json(t, &got)
	if !reflect.DeepEqual(got, full) {
		t.Fatalf("AddContact answered\n%v\nwant\n%v", got, full)
	}
	stored := e.Contacts(BookCustomersName)
	if !reflect.DeepEqual(stored[3], full) {
		t.Fatalf("stored %v", stored[3])
	}

	// Duplicate externalId.
	c.do("POST", base, map[string]any{"externalId": "NEW-1"}).expect(t, 400).err(t)
	c.do("POST", base, map[string]any{"externalId": " "}).expect(t, 400)

	// Update replaces the whole contact.
	c.do("PUT", base, map[string]any{"externalId": "NEW-1", "firstName": "Zoe"}).expect(t, 200)
	stored = e.Contacts(BookCustomers)
	if want := map[string]any{"externalId": "NEW-1", "firstName": "Zoe"}; !reflect.DeepEqual(stored[3], want) {
		t.Fatalf("after update %v", stored[3])
	}
	c.do("PUT", base, map[string]any{"externalId": "NOPE"}).expect(t, 404).err(t)

	// Filter: comma-separated, unknown ids absent, order of the book.
	c.do("GET", base+"?externalIds="+url.QueryEscape("NEW-1,"+ContactAlice+",ghost"), nil).expect(t, 200).json(t, &list)
	if len(list) != 2 || list[0]["externalId"] != ContactAlice || list[1]["externalId"] != "NEW-1" {
		t.Fatalf("filtered %v", list)
	}
	c.do("GET", base+"?externalIds=a&externalIds=b", nil).expect(t, 400).err(t)

	// Remove ignores unknown ids.
	r := c.do("POST", base+"/delete", []string{ContactBruno, "ghost"}).expect(t, 200)
	if len(r.body) != 0 {
		t.Fatalf("RemoveContacts body %q", r.body)
	}
	if hasContact(e.Contacts(BookCustomers), ContactBruno) || len(e.Contacts(BookCustomers)) != 3 {
		t.Fatalf("after remove %v", e.Contacts(BookCustomers))
	}

	c.do("POST", base+"/clear", nil).expect(t, 200)
	c.do("GET", base, nil).expect(t, 200).json(t, &list)
	if len(list) != 0 || string(c.do("GET", base, nil).body) != "[]\n" {
		t.Fatalf("after clear %v", list)
	}
	// Other books are untouched.
	if len(e.Contacts(BookPartners)) != 1 {
		t.Fatal("Partners changed")
	}
}

func TestContactIDsAreEscapedOnce(t *testing.T) {
	e := start(t, Options{})
	c := as(t, e, DefaultUser)
	base := "/v2/AddressBooks/" + BookCustomers + "/contacts"
	id := "a/b c,d"
	c.do("POST", base, map[string]any{"externalId": id}).expect(t, 200)
	// An id with a comma cannot be filtered for (csv); the whole book still has it.
	var list []map[string]any
	c.do("GET", base, nil).expect(t, 200).json(t, &list)
	if !hasContact(e.Contacts(BookCustomers), id) {
		t.Fatal("not stored")
	}
	raw, _ := json.Marshal([]string{id})
	c.do("POST", base+"/delete", string(raw)).expect(t, 200)
	if hasContact(e.Contacts(BookCustomers), id) {
		t.Fatal("not removed")
	}
	// A book id escaped in the path is unescaped once: an escaped slash is not a separator.
	c.do("GET", "/v2/AddressBooks/"+url.PathEscape("x/y")+"/contacts", nil).expect(t, 404)
}

func TestEmptyOption(t *testing.T) {
	e := start(t, Options{Empty: true})
	if n := len(e.Contacts(BookCustomers)); n != 0 {
		t.Fatalf("%d contacts", n)
	}
	if n := len(e.SchedulerEntries(ServiceSupport)); n != 0 {
		t.Fatalf("%d entries", n)
	}
	if _, ok := e.Task(TaskSupportCall); ok {
		t.Fatal("seeded task in an empty emulator")
	}
	// Users, books and services are still there.
	as(t, e, DefaultUser).do("POST", "/v2/AddressBooks/"+BookCustomers+"/contacts", map[string]any{"externalId": "1"}).expect(t, 200)
}
