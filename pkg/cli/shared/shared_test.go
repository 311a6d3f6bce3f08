package shared

import (
	"testing"

	"github.com/nimbusctl/nimbusctl/pkg/cli/cmdutil"
	"github.com/nimbusctl/nimbusctl/pkg/nimbus"
	"github.com/nimbusctl/nimbusctl/pkg/output"
)

func TestMatchBook(t *testing.T) {
	t.Parallel()
	books := []nimbus.AddressBook{
		{Name: "Customers", ID: "b00c5e7d-0001-4a6b-9c8d-1e2f3a4b5c01"},
		{Name: "Sales", ID: "id-2"},
		{Name: "sales", ID: "id-3"},
		{Name: "Shared", ID: "id-4"},
		{Name: "Shared", ID: "id-5"},
	}
	for _, c := range []struct {
		arg, id string
		code    int
		err     string
	}{
		{arg: "b00c5e7d-0001-4a6b-9c8d-1e2f3a4b5c01", id: "b00c5e7d-0001-4a6b-9c8d-1e2f3a4b5c01"},
		{arg: "customers", id: "b00c5e7d-0001-4a6b-9c8d-1e2f3a4b5c01"},
		{arg: "Sales", id: "id-2"}, // exact beats case-insensitive
		{arg: "sales", id: "id-3"},
		{arg: "id-5", id: "id-5"},
		{arg: "SALES", code: cmdutil.ExitInvalid, err: `address book name "SALES" is ambiguous: 2 address books have it (ids id-2, id-3); give the id instead`},
		{arg: "Shared", code: cmdutil.ExitInvalid, err: `address book name "Shared" is ambiguous: 2 address books have it (ids id-4, id-5); give the id instead`},
		{arg: "b00c5e7d-0009-4a6b-9c8d-1e2f3a4b5c09", id: "b00c5e7d-0009-4a6b-9c8d-1e2f3a4b5c09"}, // the API decides: 403 or 404
		{arg: "Board", code: cmdutil.ExitNotFound, err: `address book "Board" not found: no address book you may use has this id or name (yours: Customers, Sales, sales, Shared, Shared)`},
	} {
		b, err := MatchBook(books, c.arg)
		if c.err != "" {
			if err == nil || err.Error() != c.err || cmdutil.ExitCodeOf(err) != c.code {
				t.Errorf("%s: got %v (exit %d), want %q (exit %d)", c.arg, err, cmdutil.ExitCodeOf(err), c.err, c.code)
			}
			continue
		}
		if err != nil || b.ID != c.id {
			t.Errorf("%s: got %+v, %v; want id %s", c.arg, b, err, c.id)
		}
	}
	if _, err := MatchBook(nil, "X"); err == nil || err.Error() != `address book "X" not found: no address book you may use has this id or name (you may use none)` {
		t.Errorf("no books: %v", err)
	}
}

func TestResolveValue(t *testing.T) {
	t.Parallel()
	list := []nimbus.NameValue{{Name: "Low", Value: "1"}, {Name: "High", Value: "3"}, {Name: "3", Value: "9"}}
	for given, want := range map[string]string{"1": "1", "low": "1", "HIGH": "3", "3": "3"} {
		if got, err := ResolveValue("priority", given, list); err != nil || got != want {
			t.Errorf("%s: got %q, %v; want %q", given, got, err, want)
		}
	}
	_, err := ResolveValue("priority", "Top", list)
	if err == nil || err.Error() != `--priority: unknown value "Top": allowed: Low (1), High (3), 3 (9)` || cmdutil.ExitCodeOf(err) != cmdutil.ExitInvalid {
		t.Errorf("unknown: %v", err)
	}
	got, err := ResolveValues("event", []string{"low", "1", "High"}, list)
	if err != nil || len(got) != 2 || got[0] != "1" || got[1] != "3" {
		t.Errorf("ResolveValues: %v %v", got, err)
	}
}

func TestParsePreferredUser(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]nimbus.PreferredUser{
		"anna@contoso.com":       {UPN: "anna@contoso.com"},
		" anna@contoso.com : 7 ": {UPN: "anna@contoso.com", Priority: 7},
		"anna@contoso.com:99":    {UPN: "anna@contoso.com", Priority: 99},
	} {
		if got, err := ParsePreferredUser(in); err != nil || got != want {
			t.Errorf("%q: got %+v, %v", in, got, err)
		}
	}
	for _, in := range []string{"", ":1", "anna@contoso.com:", "anna@contoso.com:x", "anna@contoso.com:100", "anna@contoso.com:0"} {
		if _, err := ParsePreferredUser(in); cmdutil.ExitCodeOf(err) != cmdutil.ExitInvalid {
			t.Errorf("%q: got %v, want a flag error", in, err)
		}
	}
}

func TestIsAddress(t *testing.T) {
	t.Parallel()
	for s, want := range map[string]bool{
		"+41 44 555 12 34": false, "044 555 12 34": false, "tel:+41445551234": false, "TEL:+41445551234": false,
		"sip:ceo@fabrikam.example": true, "ceo@fabrikam.example": true, "8:orgid:1234": true, "+41 44 ext 5": false,
	} {
		if got := IsAddress(s); got != want {
			t.Errorf("IsAddress(%q) = %v", s, got)
		}
	}
}

func TestDetails(t *testing.T) {
	t.Parallel()
	d, err := Details(nimbus.Contact{
		ExternalID: "C-1", EmailAddresses: []string{"a@x", "b@x"},
		Addresses:    []nimbus.Address{{Street: "Main 1", City: "Bern"}, {City: "Basel"}},
		CustomFields: []nimbus.CustomField{{Name: "Tier", Value: "Gold"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []Detail{
		{"externalId", "C-1"}, {"emailAddresses", "a@x, b@x"},
		{"addresses", "street=Main 1, city=Bern; city=Basel"}, {"customFields", "Tier=Gold"},
	}
	if len(d) != len(want) {
		t.Fatalf("got %+v", d)
	}
	for i := range want {
		if d[i] != want[i] {
			t.Errorf("row %d: %+v, want %+v", i, d[i], want[i])
		}
	}
}

func TestJSONBodyMerge(t *testing.T) {
	t.Parallel()
	ios, in, _, _ := output.Test()
	in.WriteString(`{"company":"New","addresses":[{"city":"Bern"}],"EmailAddresses":[]}`)
	b, err := ReadJSONBody(ios, "from-json", "-")
	if err != nil {
		t.Fatal(err)
	}
	ct := nimbus.Contact{
		ExternalID: "C-1", FirstName: "Ada", Company: "Old", EmailAddresses: []string{"a@x"},
		Addresses: []nimbus.Address{{Street: "Main 1", City: "Zürich", Country: "CH"}},
	}
	if err := b.Merge(&ct); err != nil {
		t.Fatal(err)
	}
	if ct.FirstName != "Ada" || ct.Company != "New" || len(ct.EmailAddresses) != 0 ||
		len(ct.Addresses) != 1 || ct.Addresses[0] != (nimbus.Address{City: "Bern"}) {
		t.Errorf("merged: %+v", ct)
	}
}
