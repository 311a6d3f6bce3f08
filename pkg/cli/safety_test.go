package cli_test

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/nimbusctl/nimbusctl/pkg/cli"
	"github.com/nimbusctl/nimbusctl/pkg/cli/clitest"
	"github.com/nimbusctl/nimbusctl/pkg/cli/cmdutil"
	"github.com/nimbusctl/nimbusctl/pkg/cli/shared"
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
		Expect(t, 3, "", file+":3: mobile: \"079 555 11 33\" has no country code, and no default_country is set: write it with its country code, or set the country of national numbers: nimbusctl config set default_country +41 (your country's code)\nerror: 1 invalid row; nothing was sent (fix it, or pass --skip-invalid to import the rest)\n")
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
	calls := writeFile(t, e, "calls.csv", "ReferenceId,destination,due,customer phone\nR-1,044 555 12 34,2030-01-01T10:00:00Z,+41 (0)79 555 11 22\nR-2,sip:anna@contoso.com,2030-01-01T10:00:00Z,\n")
	e.Run("schedule", "import", calls, "--service", emulator.ServiceSupport, "--dry-run", "-o", "json", "--jq", `.results[] | [.key, (.phones // [] | map("\(.column)=\(.input)=>\(.e164)"))]`).
		Expect(t, 0, "[\"R-1\",[\"destination=044 555 12 34=>+41445551234\",\"customer phone=+41 (0)79 555 11 22=>+41795551122\"]]\n[\"R-2\",[]]\n", "")
	survey := writeFile(t, e, "r.csv", "campaign,mobile\n101,079 555 11 22\n")
	e.Run("nps", "respondent", "import", survey, "--dry-run", "-o", "json", "--jq", `.results[] | .phones`).
		Expect(t, 0, `[{"column":"mobile","e164":"+41795551122","input":"079 555 11 22"}]`+"\n", "")
}

// timing hides the run's figures in a summary line, which vary from run to run.
var timing = regexp.MustCompile(`\(\d+ requests? in [0-9.hms]+, [0-9.]+/s, \d+ throttled\)`)

func expectRun(t *testing.T, r clitest.Result, code int, stdout, stderr string) {
	t.Helper()
	clitest.Result{Code: r.Code, Stdout: r.Stdout, Stderr: timing.ReplaceAllString(r.Stderr, "(T)")}.Expect(t, code, stdout, stderr)
}

// putCustomers fills the Customers book of an empty emulator with K-001 .. K-<n>.
func putCustomers(e *clitest.Env, n int) {
	book := make([]map[string]any, n)
	for i := range book {
		book[i] = map[string]any{"externalId": fmt.Sprintf("K-%03d", i+1), "firstName": fmt.Sprint("First", i+1)}
	}
	e.Emu.PutContacts(emulator.BookCustomers, book)
}

// customersFile lists K-001 .. K-<n> as putCustomers stores them; bad(i) makes row i invalid.
func customersFile(t *testing.T, e *clitest.Env, n int, bad func(i int) bool) string {
	var b strings.Builder
	b.WriteString("externalId,firstName,email\n")
	for i := 1; i <= n; i++ {
		email := ""
		if bad != nil && bad(i) {
			email = "not-an-email"
		}
		fmt.Fprintf(&b, "K-%03d,First%d,%s\n", i, i, email)
	}
	return writeFile(t, e, fmt.Sprintf("k%d.csv", n), b.String())
}

// Failure 1: a file holding only its header (a failed CRM export) pruned the whole book, with
// exit 0 and no prompt.
func TestPruneWithAnEmptyExportRemovesNothing(t *testing.T) {
	t.Parallel()
	e := clitest.New(t, clitest.WithEmulator(func(o *emulator.Options) { o.Empty = true }))
	putCustomers(e, 50)
	empty := writeFile(t, e, "empty.csv", "externalId,firstName,email\n")
	e.Run("contact", "import", "Customers", empty, "--prune").
		Expect(t, 3, "", "error: the file has no rows, and --prune would remove every contact of the address book: nothing was sent (a failed export looks like this)\n")
	e.Run("contact", "import", "Customers", empty, "--prune", "--max-remove", "100%", "--yes").
		Expect(t, 3, "", "error: the file has no rows, and --prune would remove every contact of the address book: nothing was sent (a failed export looks like this)\n")

	// An export cut off halfway: the plan is shown, nothing is sent.
	half := customersFile(t, e, 25, nil)
	e.Run("contact", "import", "Customers", half, "--prune").Expect(t, 3, "unchanged\t25\nremove\t25\ninvalid\t0\n",
		"error: --prune would remove 25 of the 50 contacts of the address book, more than --max-remove 10% allows (5): nothing was sent. "+
			"A file cut short (a failed or partial export) looks like this: check it. If these removals are meant, pass --max-remove 25 (or --max-remove 50%), and --yes where no terminal can confirm\n")
	if n := len(e.Emu.Contacts(emulator.BookCustomers)); n != 50 || e.Emu.Stats().Operations["RemoveContacts"] != 0 {
		t.Fatalf("%d contacts left", n)
	}
	// Meant: allowed by --max-remove, and confirmed (--yes without a terminal).
	e.Run("contact", "import", "Customers", half, "--prune", "--max-remove", "25").Expect(t, 3, "",
		"error: refusing to remove 25 of the 50 contacts of address book Customers (more than 10%) without confirmation: pass --yes (no terminal to ask)\nRun 'nimbusctl contact import --help' for usage.\n")
	ans := &clitest.Answers{Confirms: []bool{false}}
	e.RunWith(clitest.RunOpts{TTY: true, Prompter: ans}, "contact", "import", "Customers", half, "--prune", "--max-remove", "50%").Expect(t, 2, "", "cancelled\n")
	if len(ans.Questions) != 1 || ans.Questions[0] != "Really remove 25 of the 50 contacts of address book Customers (more than 10%)?" {
		t.Errorf("asked %q", ans.Questions)
	}
	if n := len(e.Emu.Contacts(emulator.BookCustomers)); n != 50 {
		t.Fatalf("%d contacts left after a refusal", n)
	}
	expectRun(t, e.Run("contact", "import", "Customers", half, "--prune", "--max-remove", "25", "--yes"), 0, "", "✓ 25 rows: 25 unchanged; --prune: 25 removed (T)\n")
	if n := len(e.Emu.Contacts(emulator.BookCustomers)); n != 25 {
		t.Fatalf("%d contacts left, want 25", n)
	}
	// Within the default share no question is asked; `addressbook clear` always asks.
	expectRun(t, e.Run("contact", "import", "Customers", customersFile(t, e, 23, nil), "--prune"), 0, "", "✓ 23 rows: 23 unchanged; --prune: 2 removed (T)\n")
	e.Run("addressbook", "clear", "Customers").Expect(t, 3, "",
		"error: refusing to clear address book Customers without confirmation: pass --yes (no terminal to ask)\nRun 'nimbusctl addressbook clear --help' for usage.\n")
	if n := len(e.Emu.Contacts(emulator.BookCustomers)); n != 23 {
		t.Fatalf("%d contacts left, want 23", n)
	}
}

// Failure 2: --skip-invalid --prune removed the contacts whose rows were in the file but
// invalid: one typo deleted that customer.
func TestPruneKeepsTheContactOfAnInvalidRow(t *testing.T) {
	t.Parallel()
	e := clitest.New(t, clitest.WithEmulator(func(o *emulator.Options) { o.Empty = true }))
	putCustomers(e, 20)
	file := customersFile(t, e, 20, func(i int) bool { return i == 7 })
	expectRun(t, e.Run("contact", "import", "Customers", file, "--prune", "--skip-invalid"), 9, "",
		file+":8: email: \"not-an-email\" is not an e-mail address\n"+
			"! 20 rows: 19 unchanged, 1 invalid (T)\n"+
			"error: 1 invalid row was skipped (see the messages above); fix it and run the same command again\n")
	if storedContact(e, emulator.BookCustomers, "K-007") == nil || len(e.Emu.Contacts(emulator.BookCustomers)) != 20 {
		t.Fatal("the contact of the invalid row was removed")
	}
}

// Failure 7: --skip-invalid printed ✓ and exited 0 even when every row was invalid, so a
// crontab that alerts on a non-zero exit never heard of a wholly broken export.
func TestSkipInvalidNeverLooksLikeSuccess(t *testing.T) {
	t.Parallel()
	e := clitest.New(t, clitest.WithEmulator(func(o *emulator.Options) { o.Empty = true }))
	broken := customersFile(t, e, 3, func(int) bool { return true })
	e.Run("contact", "import", "Customers", broken, "--skip-invalid").Expect(t, 3, "",
		broken+":2: email: \"not-an-email\" is not an e-mail address\n"+
			broken+":3: email: \"not-an-email\" is not an e-mail address\n"+
			broken+":4: email: \"not-an-email\" is not an e-mail address\n"+
			"error: every row is invalid (3); nothing was sent\n")
	calls := writeFile(t, e, "calls.csv", "ReferenceId,destination,due\nR-1,not a number,2030-01-01T10:00:00Z\n")
	e.Run("schedule", "import", calls, "--service", emulator.ServiceSupport, "--skip-invalid").Expect(t, 3, "",
		calls+":2: destination: \"not a number\" is not a phone number (or give a SIP address or UPN)\n"+
			"error: every row is invalid (1); nothing was sent\n")

	some := customersFile(t, e, 3, func(i int) bool { return i == 2 })
	report := filepath.Join(e.Home, "report.csv")
	expectRun(t, e.RunWith(clitest.RunOpts{TTY: true}, "contact", "import", "Customers", some, "--skip-invalid", "--report", report), 9, "",
		some+":3: email: \"not-an-email\" is not an e-mail address\n"+
			"! 3 rows: 2 added, 1 invalid (T)\n"+
			"error: 1 invalid row was skipped (see "+report+"); fix it and run the same command again\n")
	if n := e.Emu.Stats().Operations["AddContact"] + e.Emu.Stats().Operations["CreateSchedulerEntry"]; n != 2 {
		t.Errorf("%d writes, want the 2 valid rows", n)
	}
}

// Failure 5: `schedule create --due` in the past created the call, which rang at once (the
// warning came after the fact) and could no longer be removed.
func TestPastDueTimesNeedIntent(t *testing.T) {
	t.Parallel()
	e := clitest.New(t, clitest.WithEmulator(func(o *emulator.Options) { o.Empty = true }))
	e.Run("schedule", "create", "--service", emulator.ServiceSupport, "--destination", "+41445551234", "--due", "2020-01-01T10:00:00+01:00").
		Expect(t, 3, "", "error: the due time 2020-01-01T09:00:00Z has passed: the call would start at once and could no longer be removed; nothing was sent (pass --allow-past to schedule it anyway)\nRun 'nimbusctl schedule create --help' for usage.\n")
	body := writeFile(t, e, "call.json", `{"serviceUpn":"`+emulator.ServiceSupport+`","destination":"+41445551234","dueDateTimeUtc":"2020-01-01T09:00:00Z"}`)
	e.Run("schedule", "create", "--from-json", body).
		Expect(t, 3, "", "error: the due time 2020-01-01T09:00:00Z has passed: the call would start at once and could no longer be removed; nothing was sent (pass --allow-past to schedule it anyway)\nRun 'nimbusctl schedule create --help' for usage.\n")
	if n := ops(e, "CreateSchedulerEntry") + ops(e, "GetSchedulerEntries"); n != 0 {
		t.Fatalf("%d calls for a past due time", n)
	}
	id := e.MustRun("schedule", "create", "--service", emulator.ServiceSupport, "--destination", "+41445551234", "--due", "+2h", "-o", "json", "--jq", ".schedulerEntryId").Stdout
	id = strings.TrimSpace(id)
	e.Run("schedule", "update", id, "--service", emulator.ServiceSupport, "--due", "2020-01-01 10:00", "--tz", "Europe/Zurich").
		Expect(t, 3, "", "error: the due time 2020-01-01T09:00:00Z has passed: the call would start at once and could no longer be removed; nothing was sent (pass --allow-past to schedule it anyway)\nRun 'nimbusctl schedule update --help' for usage.\n")
	if ops(e, "UpdateSchedulerEntry") != 0 {
		t.Fatal("a past due time was sent")
	}
	// Said outright, it goes.
	e.Run("schedule", "create", "--service", emulator.ServiceSupport, "--destination", "+41445551234", "--due", "2020-01-01T09:00:00Z", "--allow-past", "-o", "json", "--jq", ".dueDateTimeUtc").
		Expect(t, 0, "2020-01-01T09:00:00Z\n", "")

	// A wall-clock due time: --tz, else the profile's timezone, else the machine's, named.
	e.Setenv("NIMBUSCTL_TIMEZONE", "America/New_York")
	e.Run("schedule", "create", "--service", emulator.ServiceSupport, "--destination", "+41445551234", "--due", "2030-06-01 09:30", "-o", "json", "--jq", ".dueDateTimeUtc").
		Expect(t, 0, "2030-06-01T13:30:00Z\n", "")
	e.Setenv("NIMBUSCTL_TIMEZONE", "")
	r := e.Run("schedule", "create", "--service", emulator.ServiceSupport, "--destination", "+41445551234", "--due", "2030-06-01 09:30", "-o", "json", "--jq", ".dueDateTimeUtc")
	local, _ := time.ParseInLocation("2006-01-02 15:04", "2030-06-01 09:30", time.Local)
	r.Expect(t, 0, local.UTC().Format("2006-01-02T15:04:05Z")+"\n",
		"! "+shared.MachineZoneNote(shared.MachineZone())+"\n")
}

// `schedule ledger list` shows what the ledger remembers; `forget` releases a call on purpose.
func TestScheduleLedgerListAndForget(t *testing.T) {
	t.Parallel()
	e := clitest.New(t, clitest.WithEmulator(func(o *emulator.Options) { o.Empty = true }))
	// No import has run with this profile: there is no ledger, which is not an empty one (a
	// monitoring script reading it would hear "nothing remembered").
	e.Run("schedule", "ledger", "list").Expect(t, 6, "", "error: profile default has no schedule ledger yet ("+filepath.Join(e.Home, "state", "ledger", "default")+"): schedule import (or schedule create --reference-id) makes it with the first call it records\n")
	e.Run("schedule", "ledger", "list", "--ledger", filepath.Join(e.Home, "ledgr")).Expect(t, 6, "", "error: --ledger "+filepath.Join(e.Home, "ledgr")+": no such folder, so no schedule ledger: check the path (schedule import makes it on its first run)\n")
	if _, err := os.Stat(filepath.Join(e.Home, "ledgr")); err == nil {
		t.Error("ledger list made the folder it was given")
	}
	// R-0001 was scheduled elsewhere (the raw API, as another tool would): the import finds it.
	e.MustRun("api", "POST", "/v1/scheduler-entries", "-f", "serviceUpn="+emulator.ServiceSupport, "-f", "destination=+41445550001",
		"-f", "dueDateTimeUtc=2030-01-01T09:00:00Z", "-f", "ReferenceId=R-0001")
	file := writeFile(t, e, "calls.csv", "ReferenceId,destination,due\nR-0001,+41445550001,2030-01-01T09:00:00Z\nR-0002,+41445550002,2030-01-01T10:00:00Z\n")
	expectRun(t, e.Run("schedule", "import", file, "--service", emulator.ServiceSupport), 0, "", "✓ 2 rows: 1 created, 1 skipped (already done) (T)\n")
	ids := map[string]string{}
	for _, en := range e.Emu.SchedulerEntries(emulator.ServiceSupport) {
		ids[en["ReferenceId"].(string)] = en["schedulerEntryId"].(string)
	}
	now := time.Now().UTC().Format("2006-01-02")
	r := e.Run("schedule", "ledger", "list", "--service", emulator.ServiceSupport, "-o", "json", "--jq", `.[] | [.referenceId, .service, .destination, .due, .recordedAt[:10], .outcome, .schedulerEntryId] | join(" ")`)
	r.Expect(t, 0, "R-0001 "+emulator.ServiceSupport+" +41445550001 2030-01-01T09:00:00Z "+now+" found "+ids["R-0001"]+"\n"+
		"R-0002 "+emulator.ServiceSupport+" +41445550002 2030-01-01T10:00:00Z "+now+" created "+ids["R-0002"]+"\n", "")
	e.Run("schedule", "ledger", "list", "--service", emulator.ServiceSales).Expect(t, 0, "", "")

	// Both ran; R-0002 must really be made again.
	e.Emu.RunSchedulerEntries(emulator.ServiceSupport)
	e.Run("schedule", "ledger", "forget", "R-0009").Expect(t, 6, "", "error: the ledger has no call \"R-0009\": nothing was released\n")
	// Imports take ReferenceIds that differ only in case as one call: so does forget, and it
	// names the call as the ledger has it.
	e.RunWith(clitest.RunOpts{TTY: true}, "schedule", "ledger", "forget", "r-0002").
		Expect(t, 0, "", "✓ Released R-0002 on "+emulator.ServiceSupport+" (created, due 2030-01-01T10:00:00Z): the next import of it schedules the call again\n")
	expectRun(t, e.Run("schedule", "import", file, "--service", emulator.ServiceSupport), 0, "", "✓ 2 rows: 1 created, 1 skipped (already done) (T)\n")
	if got := e.Emu.SchedulerEntries(emulator.ServiceSupport); len(got) != 1 || got[0]["ReferenceId"] != "R-0002" {
		t.Fatalf("after forget: %v", got)
	}
}

// Failure 6: a mistyped subcommand printed the group's help and exited 0, so a typo in a CI
// script looked like success.
func TestUnknownSubcommandExits3(t *testing.T) {
	t.Parallel()
	e := clitest.New(t)
	e.Run("contact", "lst", "Customers").Expect(t, 3, "",
		"error: unknown command \"lst\" for \"nimbusctl contact\"\n\nDid you mean this?\n\tget\n\tlist\n\nRun 'nimbusctl contact --help' for usage.\n")
	e.Run("trigger", "frobnicate").Expect(t, 3, "",
		"error: unknown command \"frobnicate\" for \"nimbusctl trigger\"\nRun 'nimbusctl trigger --help' for usage.\n")
	e.Run("schedule", "ledger", "lsit").Expect(t, 3, "",
		"error: unknown command \"lsit\" for \"nimbusctl schedule ledger\"\n\nDid you mean this?\n\tlist\n\nRun 'nimbusctl schedule ledger --help' for usage.\n")
	if r := e.Run("trigger", "list"); r.Code != 3 && r.Code != 0 { // a real `trigger list` may come one day
		t.Errorf("trigger list: exit %d", r.Code)
	}
	// A group on its own still shows its help.
	if r := e.Run("contact"); r.Code != 0 || !strings.Contains(r.Stdout, "Available Commands:") {
		t.Errorf("contact: %d %q", r.Code, r.Stderr)
	}
	// Every group of the tree, today's and tomorrow's.
	var groups [][]string
	var walk func(c *cobra.Command, path []string)
	walk = func(c *cobra.Command, path []string) {
		for _, sub := range c.Commands() {
			p := append(append([]string(nil), path...), sub.Name())
			if sub.HasSubCommands() {
				groups = append(groups, p)
			}
			walk(sub, p)
		}
	}
	walk(cli.NewRootCmd(cli.NewFactory(nil, cmdutil.BuildInfo{}, func(string) string { return "" })), nil)
	if len(groups) < 10 {
		t.Fatalf("only %d groups found: %v", len(groups), groups)
	}
	for _, g := range groups {
		r := e.Run(append(g, "no-such-subcommand-ever")...)
		want := fmt.Sprintf("error: unknown command \"no-such-subcommand-ever\" for \"nimbusctl %s\"\nRun 'nimbusctl %s --help' for usage.\n", strings.Join(g, " "), strings.Join(g, " "))
		if r.Code != 3 || r.Stdout != "" || r.Stderr != want {
			t.Errorf("%v: exit %d\n%s%s", g, r.Code, r.Stdout, r.Stderr)
		}
	}
}

// The customer's numbers on a call or task (--customer-phone, --customer-tel) are normalised
// like every other number, as the import does for the same columns; a bad one is refused
// before anything is sent.
func TestCustomerNumbersOfCallsAndTasksAreNormalised(t *testing.T) {
	t.Parallel()
	e := clitest.New(t)
	e.Setenv("NIMBUSCTL_DEFAULT_COUNTRY", "+41")
	r := e.MustRun("schedule", "create", "--service", emulator.ServiceSupport, "--destination", "+41445551234", "--due", "2030-06-01T09:30:00Z",
		"--customer-phone", "044 555 12 34", "--customer-tel", "home=+41 (0)79 555 11 22", "-o", "json", "--jq", `.customer | [.primaryTelNumber, .telNumbers[0].value] | join(" ")`)
	if r.Stdout != "+41445551234 +41795551122\n" {
		t.Errorf("customer numbers %q", r.Stdout)
	}
	id := strings.TrimSpace(e.MustRun("external-task", "add", "--service", emulator.ServiceSupport, "--customer-tel", "mobile=079 555 11 22", "--jq", ".id").Stdout)
	task, _ := e.Emu.Task(id)
	if got := fmt.Sprint(task["taskInformation"]); !strings.Contains(got, "value:+41795551122") {
		t.Errorf("external task customer %s", got)
	}
	before := e.Emu.Stats().Operations["CreateSchedulerEntry"]
	e.Run("schedule", "create", "--service", emulator.ServiceSupport, "--destination", "+41445551234", "--due", "2030-06-01T09:30:00Z", "--customer-phone", "+41 44 555").
		Expect(t, 3, "", "error: --customer-phone: \"+41 44 555\" is not a valid phone number for CH (+41)\nRun 'nimbusctl schedule create --help' for usage.\n")
	if n := e.Emu.Stats().Operations["CreateSchedulerEntry"]; n != before {
		t.Errorf("a bad customer number was sent")
	}
}

// A national number in a row that names another country than default_country is ambiguous
// (a French 06 12 34 56 78 is also a valid Swiss number of Basel): refused, never guessed.
func TestNationalNumberInARowOfAnotherCountryIsRefused(t *testing.T) {
	t.Parallel()
	e := clitest.New(t)
	e.Setenv("NIMBUSCTL_DEFAULT_COUNTRY", "+41")
	file := writeFile(t, e, "c.csv", "externalId,mobile,country\nF-1,06 12 34 56 78,France\nF-2,+33 6 12 34 56 78,France\nF-3,079 555 11 22,Schweiz\nF-4,079 555 11 33,\n")
	e.Run("contact", "import", "Customers", file).
		Expect(t, 3, "", file+":2: mobile: \"06 12 34 56 78\" has no country code, and this row's country is France (+33), not default_country +41: write the number with its country code\n"+
			"error: 1 invalid row; nothing was sent (fix it, or pass --skip-invalid to import the rest)\n")
	calls := writeFile(t, e, "calls.csv", "ReferenceId,destination,due,customer country\nC-1,06 12 34 56 78,2030-01-01T09:00:00Z,FR\nC-2,044 555 12 34,2030-01-01T09:00:00Z,CH\n")
	e.Run("schedule", "import", calls, "--service", emulator.ServiceSupport).
		Expect(t, 3, "", calls+":2: destination: \"06 12 34 56 78\" has no country code, and this row's country is FR (+33), not default_country +41: write the number with its country code\n"+
			"error: 1 invalid row; nothing was sent (fix it, or pass --skip-invalid to import the rest)\n")
	if n := e.Emu.Stats().Operations["AddContact"] + e.Emu.Stats().Operations["CreateSchedulerEntry"]; n != 0 {
		t.Fatalf("%d writes", n)
	}
}

// A call whose create got no answer and that is not listed once due may have rung: the import
// never resends it and reports it (exit 9). When the admin has checked that it did ring,
// 'schedule ledger settle' says so, and the next runs pass it over quietly (exit 0), still
// never sending it.
func TestScheduleLedgerSettleEndsTheAlarmOfALostCall(t *testing.T) {
	t.Parallel()
	e := clitest.New(t, clitest.WithEmulator(func(o *emulator.Options) { o.Empty = true }))
	dir := filepath.Join(e.Home, "state", "ledger", "default")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	due := time.Now().UTC().Add(-time.Hour).Truncate(time.Second).Format(time.RFC3339)
	line := `{"service":"` + emulator.ServiceSupport + `","referenceId":"R-1","destination":"+41445550001","due":"` + due + `","recordedAt":"` + due + `","outcome":"lost"}` + "\n"
	if err := os.WriteFile(filepath.Join(dir, due[:10]+".jsonl"), []byte(line), 0o600); err != nil {
		t.Fatal(err)
	}
	file := writeFile(t, e, "calls.csv", "ReferenceId,destination,due\nR-1,+41445550001,"+due+"\n")
	r := e.Run("schedule", "import", file, "--service", emulator.ServiceSupport, "--allow-past")
	if r.Code != 9 || !strings.Contains(r.Stderr, "run: nimbusctl schedule ledger settle --service support@contoso.com R-1 (it says so") {
		t.Fatalf("lost call: exit %d\n%s", r.Code, r.Stderr)
	}
	e.Run("schedule", "ledger", "settle", "R-9").Expect(t, 6, "", "error: the ledger has no call \"R-9\": nothing was settled\n")
	e.RunWith(clitest.RunOpts{TTY: true}, "schedule", "ledger", "settle", "R-1").
		Expect(t, 0, "", "✓ Settled R-1 on "+emulator.ServiceSupport+" (was lost, due "+due+"): imports pass it over from now on, and never schedule it again\n")
	expectRun(t, e.Run("schedule", "import", file, "--service", emulator.ServiceSupport, "--allow-past"), 0, "", "✓ 1 row: 1 skipped (already done) (T)\n")
	e.Run("schedule", "ledger", "list", "-o", "json", "--jq", `.[] | .referenceId + " " + .outcome`).Expect(t, 0, "R-1 settled\n", "")
	if n := e.Emu.Stats().Operations["CreateSchedulerEntry"]; n != 0 {
		t.Fatalf("%d creates: a call that may have rung was sent again", n)
	}
}

// The settle and forget commands a lost call's message prints run as printed, pasted into a
// shell: a reference id with spaces and quotes, or one that starts with a dash, and the
// ledger the import was given (--ledger) reach the entry.
func TestScheduleLedgerCommandsRunAsPrinted(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("POSIX shell")
	}
	t.Parallel()
	e := clitest.New(t, clitest.WithEmulator(func(o *emulator.Options) { o.Empty = true }))
	dir := filepath.Join(e.Home, "my ledger")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	due := time.Now().UTC().Add(-time.Hour).Truncate(time.Second).Format(time.RFC3339)
	refs := []string{"cb 'x' 1", "-R-2"}
	var ledger, rows strings.Builder
	for i, ref := range refs {
		fmt.Fprintf(&ledger, `{"service":%q,"referenceId":%q,"destination":"+4144555000%d","due":%q,"recordedAt":%q,"outcome":"lost"}`+"\n", emulator.ServiceSupport, ref, i, due, due)
		fmt.Fprintf(&rows, "%q,+4144555000%d,%s\n", ref, i, due)
	}
	if err := os.WriteFile(filepath.Join(dir, due[:10]+".jsonl"), []byte(ledger.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	file := writeFile(t, e, "calls.csv", "ReferenceId,destination,due\n"+strings.ReplaceAll(rows.String(), `\'`, `'`))
	args := []string{"schedule", "import", file, "--service", emulator.ServiceSupport, "--allow-past", "--ledger", dir}
	r := e.Run(args...)
	way := regexp.MustCompile(`if it did ring, run: (nimbusctl .*) \(it says so, and ends this message\); if it must be made, run: (nimbusctl .*), then import again`)
	for i, ref := range refs {
		var m []string
		for _, l := range strings.Split(r.Stderr, "\n") {
			if strings.Contains(l, fmt.Sprintf("calls.csv:%d:", i+2)) {
				m = way.FindStringSubmatch(l)
			}
		}
		if r.Code != 9 || m == nil {
			t.Fatalf("%s: exit %d, no commands\n%s", ref, r.Code, r.Stderr)
		}
		if got := e.Run(clitest.Pasted(t, m[1+i])...); got.Code != 0 {
			t.Errorf("%s\nexit %d: %s", m[1+i], got.Code, got.Stderr)
		}
	}
	// Settled: passed over; forgotten: created again.
	e.Run(append(args, "-o", "json", "--jq", "[.skipped, .created, .failed]")...).Expect(t, 0, "[1,1,0]\n", "")
}
