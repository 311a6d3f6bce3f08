package addressbook_test

import (
	"testing"

	"github.com/nimbusctl/nimbusctl/pkg/cli/clitest"
	"github.com/nimbusctl/nimbusctl/pkg/emulator"
)

func TestList(t *testing.T) {
	t.Parallel()
	e := clitest.New(t)
	e.Run("addressbook", "list").Expect(t, 0,
		"Customers\t"+emulator.BookCustomers+"\nPartners\t"+emulator.BookPartners+"\n", "")
	e.Run("addressbook", "list", "-o", "json").Expect(t, 0, `[
  {
    "name": "Customers",
    "id": "`+emulator.BookCustomers+`"
  },
  {
    "name": "Partners",
    "id": "`+emulator.BookPartners+`"
  }
]
`, "")
	e.RunWith(clitest.RunOpts{TTY: true}, "addressbook", "list").Expect(t, 0, ""+
		"NAME       ID\n"+
		"Customers  "+emulator.BookCustomers+"\n"+
		"Partners   "+emulator.BookPartners+"\n", "")
	e.Run("addressbook", "list", "extra").Expect(t, 3, "",
		"error: nimbusctl addressbook list takes no arguments (got \"extra\")\nRun 'nimbusctl addressbook list --help' for usage.\n")
}

func TestListForbidden(t *testing.T) {
	t.Parallel()
	e := clitest.New(t, clitest.WithEmulator(func(o *emulator.Options) { o.Deny = []string{"nimbus"} }))
	e.Run("addressbook", "list").
		Expect(t, 5, "", "error: GetAddressBooks: 403 Forbidden: Forbidden. The signed-in user has no role that allows the nimbus API.\n")
}

func TestClearNeedsYesWithoutTerminal(t *testing.T) {
	t.Parallel()
	e := clitest.New(t)
	e.Run("addressbook", "clear", "Customers").Expect(t, 3, "",
		"error: refusing to clear address book Customers without confirmation: pass --yes (no terminal to ask)\n"+
			"Run 'nimbusctl addressbook clear --help' for usage.\n")
	if n := len(e.Emu.Contacts(emulator.BookCustomers)); n != 3 {
		t.Fatalf("Customers has %d contacts, want the 3 seeded ones untouched", n)
	}
	e.Run("addressbook", "clear", "customers", "--yes").Expect(t, 0, "", "")
	if n := len(e.Emu.Contacts(emulator.BookCustomers)); n != 0 {
		t.Errorf("Customers has %d contacts after clear", n)
	}
	if n := len(e.Emu.Contacts(emulator.BookPartners)); n != 1 {
		t.Errorf("Partners has %d contacts, want 1 (untouched)", n)
	}
}

func TestClearAsksOnTerminal(t *testing.T) {
	t.Parallel()
	e := clitest.New(t)
	no := &clitest.Answers{Confirms: []bool{false}}
	e.RunWith(clitest.RunOpts{TTY: true, Prompter: no}, "addressbook", "clear", emulator.BookPartners).
		Expect(t, 2, "", "cancelled\n")
	if len(no.Questions) != 1 || no.Questions[0] != "Really clear address book Partners?" {
		t.Errorf("questions: %q", no.Questions)
	}
	if n := len(e.Emu.Contacts(emulator.BookPartners)); n != 1 {
		t.Fatalf("declined, yet Partners has %d contacts", n)
	}
	yes := &clitest.Answers{Confirms: []bool{true}}
	e.RunWith(clitest.RunOpts{TTY: true, Prompter: yes}, "addressbook", "clear", emulator.BookPartners).
		Expect(t, 0, "", "✓ Cleared address book Partners\n")
	if n := len(e.Emu.Contacts(emulator.BookPartners)); n != 0 {
		t.Errorf("Partners has %d contacts after clear", n)
	}
}

func TestClearFailures(t *testing.T) {
	t.Parallel()
	e := clitest.New(t)
	e.Run("addressbook", "clear", emulator.BookBoard, "--yes").
		Expect(t, 5, "", "error: ClearContacts: 403 Forbidden: Forbidden. No access to Addressbook.\n")
	e.Run("addressbook", "clear", "b00c5e7d-9999-4a6b-9c8d-1e2f3a4b5c99", "--yes").
		Expect(t, 6, "", "error: ClearContacts: 404 Not Found: Address book \"b00c5e7d-9999-4a6b-9c8d-1e2f3a4b5c99\" not found.\n")
	e.Run("addressbook", "clear", "Board", "--yes").
		Expect(t, 6, "", "error: address book \"Board\" not found: no address book you may use has this id or name (yours: Customers, Partners)\n")
	e.Run("addressbook", "clear").
		Expect(t, 3, "", "error: nimbusctl addressbook clear takes an address book (id or name) (got 0 argument(s))\nRun 'nimbusctl addressbook clear --help' for usage.\n")
	if n := len(e.Emu.Contacts(emulator.BookBoard)); n != 1 {
		t.Errorf("Board has %d contacts, want 1", n)
	}
}
