package contact_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nimbusctl/nimbusctl/pkg/cli/clitest"
	"github.com/nimbusctl/nimbusctl/pkg/emulator"
)

// stored is the contact with externalId id in book, as the emulator holds it, in JSON (keys
// sorted), or "" when absent.
func stored(t *testing.T, e *clitest.Env, book, id string) string {
	t.Helper()
	for _, ct := range e.Emu.Contacts(book) {
		if ct["externalId"] == id {
			var b strings.Builder
			enc := json.NewEncoder(&b)
			enc.SetEscapeHTML(false)
			if err := enc.Encode(ct); err != nil {
				t.Fatal(err)
			}
			return strings.TrimSpace(b.String())
		}
	}
	return ""
}

func calls(e *clitest.Env, op string) int { return e.Emu.Stats().Operations[op] }

func TestList(t *testing.T) {
	t.Parallel()
	e := clitest.New(t)
	e.Run("contact", "list", "Customers").Expect(t, 0, ""+
		"CUST-0001\tAlice Muster\tMuster AG\talice.muster@muster.example\t+41445551001\n"+
		"CUST-0002\tBruno Keller\tKeller Bau GmbH\tb.keller@kellerbau.example\t+41315552002\n"+
		"CUST-0003\tChloé Dubois\t\t\t+33612345678\n", "")
	e.RunWith(clitest.RunOpts{TTY: true}, "contact", "list", emulator.BookPartners).Expect(t, 0, ""+
		"EXTERNAL ID  NAME                COMPANY  EMAIL                    PHONE\n"+
		"PART-0001    Globex Corporation  Globex   partners@globex.example  +4930555000\n", "")
	e.Run("contact", "list", "customers", "--external-id", "CUST-0002", "--external-id", "NOPE", "-o", "json").Expect(t, 0, `[
  {
    "externalId": "CUST-0002",
    "firstName": "Bruno",
    "lastName": "Keller",
    "displayName": "Bruno Keller",
    "company": "Keller Bau GmbH",
    "imAddresses": [
      "b.keller@kellerbau.example"
    ],
    "emailAddresses": [
      "b.keller@kellerbau.example"
    ],
    "homePhones": [
      "+41315552002"
    ]
  }
]
`, "")
	e.Run("contact", "list", "Customers", "--external-id", "NOPE", "-o", "json").Expect(t, 0, "[]\n", "")
	e.Run("contact", "list", "Customers", "-o", "csv", "--external-id", "CUST-0003").Expect(t, 0,
		"externalId,name,company,email,phone\nCUST-0003,Chloé Dubois,,,+33612345678\n", "")
}

func TestListFailures(t *testing.T) {
	t.Parallel()
	e := clitest.New(t)
	e.Run("contact", "list", emulator.BookBoard).
		Expect(t, 5, "", "error: GetContacts: 403 Forbidden: Forbidden. No access to Addressbook.\n")
	e.Run("contact", "list", "Custmers").
		Expect(t, 6, "", "error: address book \"Custmers\" not found: no address book you may use has this id or name (yours: Customers, Partners)\n")
	e.Run("contact", "list", "Customers", "--external-id", " ").
		Expect(t, 3, "", "error: --external-id must not be empty\nRun 'nimbusctl contact list --help' for usage.\n")
	e.Run("contact", "list").
		Expect(t, 3, "", "error: nimbusctl contact list takes an address book (id or name) (got 0 argument(s))\nRun 'nimbusctl contact list --help' for usage.\n")
}

func TestGet(t *testing.T) {
	t.Parallel()
	e := clitest.New(t)
	e.Run("contact", "get", "Customers", emulator.ContactChloe).Expect(t, 0, ""+
		"externalId\tCUST-0003\n"+
		"firstName\tChloé\n"+
		"lastName\tDubois\n"+
		"displayName\tChloé Dubois\n"+
		"userPrincipalName\tchloe.dubois@fabrikam.example\n"+
		"mobilePhones\t+33612345678\n"+
		"addresses\tstreet=12 rue de la Paix, city=Paris, country=France, state=Île-de-France, postalCode=75002\n"+
		"customFields\tLanguage=fr\n", "")
	e.Run("contact", "get", emulator.BookPartners, emulator.ContactGlobex, "-o", "json").Expect(t, 0, `{
  "externalId": "PART-0001",
  "displayName": "Globex Corporation",
  "company": "Globex",
  "emailAddresses": [
    "partners@globex.example"
  ],
  "businessPhones": [
    "+4930555000"
  ]
}
`, "")
	e.Run("contact", "get", "Customers", "CUST-9999").
		Expect(t, 6, "", "error: contact \"CUST-9999\" not found in address book Customers\n")
	e.Run("contact", "get", emulator.BookBoard, emulator.ContactChair).
		Expect(t, 5, "", "error: GetContacts: 403 Forbidden: Forbidden. No access to Addressbook.\n")
	e.Run("contact", "get", "Customers").
		Expect(t, 3, "", "error: nimbusctl contact get takes an address book and an external id (got 1 argument(s))\nRun 'nimbusctl contact get --help' for usage.\n")
}

func TestAddFromFlags(t *testing.T) {
	t.Parallel()
	e := clitest.New(t)
	e.RunWith(clitest.RunOpts{TTY: true}, "contact", "add", "Customers",
		"--external-id", "CUST-0042", "--first-name", "Ada", "--last-name", "Lovelace", "--display-name", "Ada Lovelace",
		"--initials", "AL", "--company", "Analytical Engines", "--department", "R&D", "--job-title", "Countess",
		"--upn", "ada@engines.example", "--email", "ada@engines.example", "--email", "ada@home.example",
		"--mobile", "+447911123456", "--business-phone", "+442079460000", "--home-phone", "+442079460001",
		"--im", "ada@engines.example",
		"--address", "street=12 St James's Square, Flat 2,city=London,postalCode=SW1Y 4JH,country=UK",
		"--address", "City=Ockham,Country=UK",
		"--field", "CustomerTier=Platinum", "--field", "Since=1843",
	).Expect(t, 0, ""+ // 81 columns: on a terminal of 80, the company wraps
		"EXTERNAL ID  NAME          COMPANY     EMAIL                PHONE\n"+
		"CUST-0042    Ada Lovelace  Analytical  ada@engines.example  +442079460000\n"+
		"                           Engines\n",
		"✓ Added contact CUST-0042 to address book Customers\n")
	want := `{"addresses":[{"city":"London","country":"UK","postalCode":"SW1Y 4JH","street":"12 St James's Square, Flat 2"},{"city":"Ockham","country":"UK"}],` +
		`"businessPhones":["+442079460000"],"company":"Analytical Engines","customFields":[{"name":"CustomerTier","value":"Platinum"},{"name":"Since","value":"1843"}],` +
		`"department":"R&D","displayName":"Ada Lovelace","emailAddresses":["ada@engines.example","ada@home.example"],"externalId":"CUST-0042",` +
		`"firstName":"Ada","homePhones":["+442079460001"],"imAddresses":["ada@engines.example"],"initials":"AL","jobTitle":"Countess",` +
		`"lastName":"Lovelace","mobilePhones":["+447911123456"],"userPrincipalName":"ada@engines.example"}`
	if got := stored(t, e, emulator.BookCustomers, "CUST-0042"); got != want {
		t.Errorf("stored:\n%s\nwant\n%s", got, want)
	}
	// Piped: the row only, no confirmation.
	e.Run("contact", "add", emulator.BookCustomers, "--external-id", "CUST-0043", "--first-name", "Grace").
		Expect(t, 0, "CUST-0043\tGrace\t\t\t\n", "")
	if got := stored(t, e, emulator.BookCustomers, "CUST-0043"); got != `{"externalId":"CUST-0043","firstName":"Grace"}` {
		t.Errorf("stored %s", got)
	}
}

func TestAddFromJSON(t *testing.T) {
	t.Parallel()
	e := clitest.New(t)
	body := `{"externalId":"PART-0002","displayName":"Initech","emailAddresses":["info@initech.example"],
	  "addresses":[{"city":"Austin","state":"TX"}],"customFields":[{"name":"Segment","value":"SMB"}]}`
	e.RunWith(clitest.RunOpts{Stdin: body}, "contact", "add", "Partners", "--from-json", "-", "--company", "Initech Corp", "-o", "json").Expect(t, 0, `{
  "externalId": "PART-0002",
  "displayName": "Initech",
  "company": "Initech Corp",
  "emailAddresses": [
    "info@initech.example"
  ],
  "addresses": [
    {
      "city": "Austin",
      "state": "TX"
    }
  ],
  "customFields": [
    {
      "name": "Segment",
      "value": "SMB"
    }
  ]
}
`, "")
	want := `{"addresses":[{"city":"Austin","state":"TX"}],"company":"Initech Corp","customFields":[{"name":"Segment","value":"SMB"}],"displayName":"Initech","emailAddresses":["info@initech.example"],"externalId":"PART-0002"}`
	if got := stored(t, e, emulator.BookPartners, "PART-0002"); got != want {
		t.Errorf("stored %s\nwant   %s", got, want)
	}

	file := filepath.Join(t.TempDir(), "contact.json")
	if err := os.WriteFile(file, []byte(`{"externalId":"PART-0003","customFields":[{"value":"no name"}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	e.Run("contact", "add", "Partners", "--from-json", file).
		Expect(t, 3, "", "error: invalid request: customFields[0].name: is required\n")
	e.RunWith(clitest.RunOpts{Stdin: `{"externalId":"PART-0004","mail":"x@y.example"}`}, "contact", "add", "Partners", "--from-json", "-").
		Expect(t, 3, "", "error: --from-json stdin: unknown field \"mail\": the API has no such field\n")
	e.RunWith(clitest.RunOpts{Stdin: `{"externalId":"PART-0004","emailAddresses":"x@y.example"}`}, "contact", "add", "Partners", "--from-json", "-").
		Expect(t, 3, "", "error: --from-json stdin: emailAddresses: must be an array, got string\n")
	e.RunWith(clitest.RunOpts{Stdin: `[{"externalId":"PART-0004"}]`}, "contact", "add", "Partners", "--from-json", "-").
		Expect(t, 3, "", "error: --from-json stdin: want a JSON object ({...})\n")
	e.RunWith(clitest.RunOpts{Stdin: `{"firstName":"Nobody"}`}, "contact", "add", "Partners", "--from-json", "-").
		Expect(t, 3, "", "error: --external-id is required: the contact's id in your system\nRun 'nimbusctl contact add --help' for usage.\n")
	if n := calls(e, "AddContact"); n != 1 {
		t.Errorf("AddContact called %d times, want 1 (invalid bodies are never sent)", n)
	}
}

func TestAddFailures(t *testing.T) {
	t.Parallel()
	e := clitest.New(t)
	e.Run("contact", "add", "Customers", "--first-name", "Ada").
		Expect(t, 3, "", "error: --external-id is required: the contact's id in your system\nRun 'nimbusctl contact add --help' for usage.\n")
	e.Run("contact", "add", "Customers", "--external-id", "X", "--address", "street=Main 1,town=Bern").
		Expect(t, 3, "", "error: --address: unknown key \"town\" (keys: street, city, postalCode, state, country)\nRun 'nimbusctl contact add --help' for usage.\n")
	e.Run("contact", "add", "Customers", "--external-id", "X", "--field", "Tier").
		Expect(t, 3, "", "error: --field: \"Tier\" is not NAME=VALUE\nRun 'nimbusctl contact add --help' for usage.\n")
	if n := len(e.Emu.Stats().Operations); n != 0 {
		t.Errorf("flag errors made API calls: %v", e.Emu.Stats().Operations)
	}
	e.Run("contact", "add", "Customers", "--external-id", emulator.ContactAlice).
		Expect(t, 7, "", "error: AddContact: 400 Bad Request: A contact with externalId \"CUST-0001\" already exists in address book \"Customers\".\n")
	e.Run("contact", "add", emulator.BookBoard, "--external-id", "BOARD-0002").
		Expect(t, 5, "", "error: AddContact: 403 Forbidden: Forbidden. No access to Addressbook.\n")
}

func TestUpdateMerges(t *testing.T) {
	t.Parallel()
	e := clitest.New(t)
	e.RunWith(clitest.RunOpts{TTY: true}, "contact", "update", "Customers", emulator.ContactAlice,
		"--job-title", "CEO", "--email", "alice@new.example", "--department", "",
	).Expect(t, 0, ""+
		"EXTERNAL ID  NAME          COMPANY    EMAIL              PHONE\n"+
		"CUST-0001    Alice Muster  Muster AG  alice@new.example  +41445551001\n",
		"✓ Updated contact CUST-0001 in address book Customers\n")
	want := `{"addresses":[{"city":"Zürich","country":"Switzerland","postalCode":"8001","street":"Bahnhofstrasse 1"}],"businessPhones":["+41445551001"],` +
		`"company":"Muster AG","customFields":[{"name":"CustomerTier","value":"Gold"},{"name":"AccountManager","value":"sophie.martin@contoso.com"}],` +
		`"displayName":"Alice Muster","emailAddresses":["alice@new.example"],"externalId":"CUST-0001","firstName":"Alice","initials":"AM",` +
		`"jobTitle":"CEO","lastName":"Muster","mobilePhones":["+41795551001"]}`
	if got := stored(t, e, emulator.BookCustomers, emulator.ContactAlice); got != want {
		t.Errorf("stored:\n%s\nwant\n%s", got, want)
	}
	// JSON merges too: the lists it names replace, the rest stays.
	e.RunWith(clitest.RunOpts{Stdin: `{"addresses":[{"city":"Bern"}],"mobilePhones":[]}`},
		"contact", "update", "Customers", emulator.ContactAlice, "--from-json", "-", "--field", "", "-o", "json", "--jq", ".addresses, .mobilePhones, .customFields, .jobTitle").
		Expect(t, 0, "[{\"city\":\"Bern\"}]\nnull\nnull\nCEO\n", "")
}

func TestUpdateReplace(t *testing.T) {
	t.Parallel()
	e := clitest.New(t)
	e.Setenv("NIMBUSCTL_DEFAULT_COUNTRY", "+41") // a national number becomes Swiss E.164
	e.Run("contact", "update", "Customers", emulator.ContactBruno, "--replace", "--display-name", "B. Keller", "--mobile", "079 555 20 02").
		Expect(t, 0, "CUST-0002\tB. Keller\t\t\t+41795552002\n", "")
	if got := stored(t, e, emulator.BookCustomers, emulator.ContactBruno); got != `{"displayName":"B. Keller","externalId":"CUST-0002","mobilePhones":["+41795552002"]}` {
		t.Errorf("stored %s", got)
	}
	if n := calls(e, "GetContacts"); n != 0 {
		t.Errorf("--replace read the contact first (%d GetContacts)", n)
	}
}

func TestUpdateFailures(t *testing.T) {
	t.Parallel()
	e := clitest.New(t)
	e.Run("contact", "update", "Customers", emulator.ContactAlice).
		Expect(t, 3, "", "error: nothing to update: give the fields to change (e.g. --company, --email) or --from-json\nRun 'nimbusctl contact update --help' for usage.\n")
	e.RunWith(clitest.RunOpts{Stdin: `{"externalId":"CUST-0002"}`}, "contact", "update", "Customers", emulator.ContactAlice, "--from-json", "-").
		Expect(t, 3, "", "error: --from-json stdin: externalId \"CUST-0002\" differs from the external id argument \"CUST-0001\" (the external id cannot be changed)\n")
	if n := len(e.Emu.Stats().Operations); n != 0 {
		t.Errorf("invalid input made API calls: %v", e.Emu.Stats().Operations)
	}
	e.Run("contact", "update", "Customers", "CUST-9999", "--company", "X").
		Expect(t, 6, "", "error: contact \"CUST-9999\" not found in address book Customers\n")
	e.Run("contact", "update", "Customers", "CUST-9999", "--company", "X", "--replace").
		Expect(t, 6, "", "error: UpdateContact: 404 Not Found: Contact with externalId \"CUST-9999\" not found in address book \"Customers\".\n")
	e.Run("contact", "update", emulator.BookBoard, emulator.ContactChair, "--company", "X").
		Expect(t, 5, "", "error: GetContacts: 403 Forbidden: Forbidden. No access to Addressbook.\n")
	if n := calls(e, "UpdateContact"); n != 1 {
		t.Errorf("UpdateContact called %d times, want 1", n)
	}
}

func TestRemoveInBatches(t *testing.T) {
	t.Parallel()
	e := clitest.New(t)
	args := []string{"contact", "remove", "Customers", emulator.ContactAlice, emulator.ContactChloe}
	for i := 0; i < 248; i++ {
		args = append(args, fmt.Sprintf("GONE-%03d", i))
	}
	args = append(args, emulator.ContactAlice) // a repeat is sent once
	e.RunWith(clitest.RunOpts{TTY: true}, args...).Expect(t, 0, "", "✓ Removed 250 contacts from address book Customers\n")
	if n := calls(e, "RemoveContacts"); n != 3 {
		t.Errorf("RemoveContacts called %d times, want 3 (batches of 100)", n)
	}
	got := e.Emu.Contacts(emulator.BookCustomers)
	if len(got) != 1 || got[0]["externalId"] != emulator.ContactBruno {
		t.Errorf("left: %v", got)
	}
	e.Run("contact", "remove", "Partners", emulator.ContactGlobex).Expect(t, 0, "", "")
	if n := len(e.Emu.Contacts(emulator.BookPartners)); n != 0 {
		t.Errorf("Partners still has %d contacts", n)
	}
}

func TestRemoveFailures(t *testing.T) {
	t.Parallel()
	e := clitest.New(t)
	e.Run("contact", "remove", "Customers").
		Expect(t, 3, "", "error: nimbusctl contact remove takes an address book and at least one external id\nRun 'nimbusctl contact remove --help' for usage.\n")
	e.Run("contact", "remove", emulator.BookBoard, emulator.ContactChair).
		Expect(t, 5, "", "error: RemoveContacts: 403 Forbidden: Forbidden. No access to Addressbook.\n")
	e.Run("contact", "remove", "b00c5e7d-9999-4a6b-9c8d-1e2f3a4b5c99", "X").
		Expect(t, 6, "", "error: RemoveContacts: 404 Not Found: Address book \"b00c5e7d-9999-4a6b-9c8d-1e2f3a4b5c99\" not found.\n")
	if n := len(e.Emu.Contacts(emulator.BookBoard)); n != 1 {
		t.Errorf("Board has %d contacts", n)
	}
}

func TestCompletesAddressBooks(t *testing.T) {
	t.Parallel()
	e := clitest.New(t)
	e.Run("__complete", "contact", "get", "").Expect(t, 0,
		"Customers\t"+emulator.BookCustomers+"\nPartners\t"+emulator.BookPartners+"\n:4\n",
		"Completion ended with directive: ShellCompDirectiveNoFileComp\n")
	e.Run("__complete", "contact", "get", "Customers", "").Expect(t, 0, ":4\n",
		"Completion ended with directive: ShellCompDirectiveNoFileComp\n")
	e.Setenv("NIMBUSCTL_TOKEN", "")
	e.Run("__complete", "contact", "list", "").Expect(t, 0, ":1\n",
		"Completion ended with directive: ShellCompDirectiveError\n")
}

func TestPhoneFlagsAreStoredAsE164(t *testing.T) {
	t.Parallel()
	e := clitest.New(t)
	e.Run("contact", "add", "Customers", "--external-id", "P-1", "--mobile", "+41 79 555 12 34", "--home-phone", "0041 44 555 00 00", "--jq", ".mobilePhones[0], .homePhones[0]").
		Expect(t, 0, "+41795551234\n+41445550000\n", "")
	e.Run("contact", "add", "Customers", "--external-id", "P-2", "--business-phone", "ext. 12").
		Expect(t, 3, "", "error: --business-phone: \"ext. 12\" is not a valid phone number for CH (+41) (or pass --keep-phone-format)\nRun 'nimbusctl contact add --help' for usage.\n")
	e.Run("contact", "add", "Customers", "--external-id", "P-3", "--business-phone", "ext. 12", "--keep-phone-format", "--jq", ".businessPhones[0]").
		Expect(t, 0, "ext. 12\n", "")
	if calls(e, "AddContact") != 2 {
		t.Errorf("%d adds, want 2 (the invalid one sends nothing)", calls(e, "AddContact"))
	}
}
