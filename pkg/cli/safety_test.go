package cli_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nimbusctl/nimbusctl/pkg/cli/clitest"
	"github.com/nimbusctl/nimbusctl/pkg/emulator"
)

// The end-to-end tests of issue 10: one per way an unattended run did something wrong.

func writeFile(t *testing.T, e *clitest.Env, name, content string) string {
	t.Helper()
	p := filepath.Join(e.Home, name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func storedContact(e *clitest.Env, book, id string) map[string]any {
	for _, c := range e.Emu.Contacts(book) {
		if c["externalId"] == id {
			return c
		}
	}
	return nil
}

// Failure 4: a national number got nps.today's +45 on the Nimbus side too, and "(0)" was
// kept after the country code.
func TestNationalNumbersNeverGetAGuessedCountry(t *testing.T) {
	t.Parallel()
	e := clitest.New(t)
	e.Setenv("NIMBUSCTL_DEFAULT_COUNTRY", "") // the emulator's own endpoint implies no country

	e.Run("contact", "add", "Customers", "--external-id", "N-1", "--mobile", "079 555 11 22").
		Expect(t, 3, "", "error: --mobile: \"079 555 11 22\" has no country code, and no default_country is set: write it with its country code, or set the country of national numbers: nimbusctl config set default_country +41 (your country's code) (or pass --keep-phone-format)\nRun 'nimbusctl contact add --help' for usage.\n")
	e.Run("schedule", "create", "--service", emulator.ServiceSupport, "--destination", "044 555 12 34", "--due", "2030-06-01 09:30", "--tz", "Europe/Zurich").
		Expect(t, 3, "", "error: --destination: \"044 555 12 34\" has no country code, and no default_country is set: write it with its country code, or set the country of national numbers: nimbusctl config set default_country +41 (your country's code) (or give a SIP address or UPN)\nRun 'nimbusctl schedule create --help' for usage.\n")
	file := writeFile(t, e, "c.csv", "externalId,mobile\nN-2,+41 79 555 11 22\nN-3,079 555 11 33\n")
	e.Run("contact", "import", "Customers", file).
		Expect(t, 3, "", file+":3: mobile: \"079 555 11 33\" has no country code, and no default_country is set: write it with its country code, or set the country of national numbers: nimbusctl config set default_country +41 (your country's code)\nerror: 1 invalid row(s); nothing was sent (fix them, or pass --skip-invalid to import the rest)\n")
	if n := e.Emu.Stats().Operations["AddContact"] + e.Emu.Stats().Operations["CreateSchedulerEntry"]; n != 0 {
		t.Fatalf("%d writes for national numbers without a country", n)
	}

	// With the country said (as a Swiss region would), the numbers are Swiss, "(0)" included.
	e.Setenv("NIMBUSCTL_DEFAULT_COUNTRY", "+41")
	e.MustRun("contact", "add", "Customers", "--external-id", "N-1", "--mobile", "079 555 11 22", "--business-phone", "+41 (0)44 555 00 00")
	if c := storedContact(e, emulator.BookCustomers, "N-1"); fmt.Sprint(c["mobilePhones"], c["businessPhones"]) != "[+41795551122] [+41445550000]" {
		t.Errorf("stored %v", c)
	}
	r := e.MustRun("schedule", "create", "--service", emulator.ServiceSupport, "--destination", "044 555 12 34", "--due", "2030-06-01 09:30", "--tz", "Europe/Zurich", "-o", "json", "--jq", ".destination")
	if r.Stdout != "+41445551234\n" {
		t.Errorf("destination %s", r.Stdout)
	}
	// A number that does not exist in its country is refused, not sent.
	e.Run("contact", "add", "Customers", "--external-id", "N-4", "--mobile", "+41 44 555").
		Expect(t, 3, "", "error: --mobile: \"+41 44 555\" is not a valid phone number for CH (+41) (or pass --keep-phone-format)\nRun 'nimbusctl contact add --help' for usage.\n")
	// --dry-run -o json shows every number as it will be stored.
	r = e.MustRun("contact", "import", "Customers", file, "--dry-run", "-o", "json", "--jq", `.results[] | [.line, .key, (.phones // [] | map("\(.column)=\(.input)=>\(.e164)"))]`, "--map", "mobile=mobilePhones")
	if want := "[2,\"N-2\",[\"mobile=+41 79 555 11 22=>+41795551122\"]]\n[3,\"N-3\",[\"mobile=079 555 11 33=>+41795551133\"]]\n"; strings.ReplaceAll(r.Stdout, "\n  ", "") != want {
		t.Errorf("dry-run phones:\n%s", r.Stdout)
	}
}
