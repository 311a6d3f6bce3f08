package contact_test

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/nimbusctl/nimbusctl/pkg/cli/clitest"
	"github.com/nimbusctl/nimbusctl/pkg/emulator"
)

func write(t *testing.T, e *clitest.Env, name, content string) string {
	t.Helper()
	p := filepath.Join(e.Home, name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func testdata(name string) string {
	return filepath.Join("..", "..", "..", "testdata", "contacts", name)
}

// timing hides the run's figures in the summary line, which vary from run to run.
// progress lines come every 5 seconds when stderr is not a terminal.
var progress = regexp.MustCompile(`(?m)^progress: .*\n`)

var timing = regexp.MustCompile(`\(\d+ requests? in [0-9.hms]+, [0-9.]+/s, \d+ throttled\)`)

func TestImportAddsThenChangesNothing(t *testing.T) {
	t.Parallel()
	e := clitest.New(t)
	file := testdata("crm-excel-bom-semicolon.csv")
	r := e.Run("contact", "import", "Partners", file, "--report", filepath.Join(e.Home, "r.csv"))
	if r.Code != 0 || r.Stdout != "" || timing.ReplaceAllString(r.Stderr, "(T)") != "✓ 3 rows: 3 added (T)\n" {
		t.Fatalf("first run: %d %q %q", r.Code, r.Stdout, r.Stderr)
	}
	report, _ := os.ReadFile(filepath.Join(e.Home, "r.csv"))
	if !strings.HasPrefix(string(report), "line,key,action,status,error\n") || strings.Count(string(report), ",add,ok,") != 3 {
		t.Errorf("report:\n%s", report)
	}
	if got := stored(t, e, emulator.BookPartners, "C-1001"); got != `{"company":"Analytical Engines","customFields":[{"name":"Tier","value":"gold"},{"name":"Account Manager","value":"Zoe"}],"emailAddresses":["ada@example.com","ada.l@example.org"],"externalId":"C-1001","firstName":"Ada","lastName":"Lovelace","mobilePhones":["+442079460001"]}` {
		t.Errorf("stored %s", got)
	}
	r = e.Run("contact", "import", "Partners", file, "-o", "json", "--jq", "[.added, .unchanged, .requests]")
	r.Expect(t, 0, "[0,3,1]\n", "") // the run itself reads the book once and sends nothing
}

// TestImportThroughAWindowLimitFailsNoRow: the connector's limit is a window ("100 calls per
// 60 s per connection"; here 4 per second, so the test is short). Each 429 says when the
// window ends; waiting for it is not a failed attempt, so even with no retries at all
// (max_retries 0) every row lands.
func TestImportThroughAWindowLimitFailsNoRow(t *testing.T) {
	t.Parallel()
	e := clitest.New(t, clitest.WithEmulator(func(o *emulator.Options) {
		o.Empty = true
		o.RateLimit = emulator.Rate{Count: 4, Per: time.Second, Window: true}
	}))
	e.Setenv("NIMBUSCTL_MAX_RETRIES", "0")
	var csv strings.Builder
	csv.WriteString("externalId,firstName\n")
	for i := 1; i <= 10; i++ {
		fmt.Fprintf(&csv, "W-%02d,Row%d\n", i, i)
	}
	file := write(t, e, "w.csv", csv.String())
	r := e.Run("contact", "import", "Customers", file)
	r.Stderr = progress.ReplaceAllString(r.Stderr, "") // a slow machine may take long enough for some
	if r.Code != 0 || r.Stdout != "" || timing.ReplaceAllString(r.Stderr, "(T)") != "✓ 10 rows: 10 added (T)\n" {
		t.Fatalf("import: %d %q %q", r.Code, r.Stdout, r.Stderr)
	}
	t.Logf("summary: %s", r.Stderr)
	if n := e.Emu.Stats().RateLimited[emulator.ServiceNimbus]; n == 0 {
		t.Fatal("the server throttled nothing: the test did not reach the window's limit")
	}
	if n := len(e.Emu.Contacts(emulator.BookCustomers)); n != 10 {
		t.Fatalf("book has %d contacts, want 10", n)
	}
}

func TestImportDryRunShowsThePlan(t *testing.T) {
	t.Parallel()
	e := clitest.New(t)
	file := write(t, e, "c.csv", "externalId,firstName\nCUST-0001,Alicia\nNEW-1,Neo\n")
	e.Run("contact", "import", "Customers", file, "--dry-run", "--prune", "--max-remove", "2").
		Expect(t, 0, "add\t1\nupdate\t1\nremove\t2\ninvalid\t0\n", "dry run: nothing was sent\n")
	r := e.MustRun("contact", "import", "Customers", file, "--dry-run", "--prune", "--max-remove", "2", "-o", "json", "--jq", `.results[] | "\(.line // "-") \(.key) \(.action) \(.status)"`)
	if r.Stdout != "2 CUST-0001 update planned\n3 NEW-1 add planned\n- CUST-0002 remove planned\n- CUST-0003 remove planned\n" {
		t.Errorf("plan rows:\n%s", r.Stdout)
	}
	// Nothing was added or removed: the summary counts the plan, by the rows' actions.
	e.Run("contact", "import", "Customers", file, "--dry-run", "--prune", "--max-remove", "2", "-o", "json", "--jq", `[.plan, .added, .removed, .dryRun]`).
		Expect(t, 0, `[{"add":1,"remove":2,"update":1},null,null,true]`+"\n", "")
	e.Run("contact", "import", "Customers", file, "--dry-run", "--prune", "--max-remove", "2", "-o", "csv").
		Expect(t, 0, "rows,invalid,plan.add,plan.update,plan.remove,failed\n2,0,1,1,2,0\n", "")
	if calls(e, "AddContact")+calls(e, "UpdateContact")+calls(e, "RemoveContacts") != 0 {
		t.Error("a dry run sent something")
	}
}

func TestImportInvalidRowsExit3NothingSent(t *testing.T) {
	t.Parallel()
	e := clitest.New(t)
	r := e.Run("contact", "import", "Customers", testdata("invalid.csv"))
	want := "invalid.csv:3: externalId: the external id is empty\n" +
		"invalid.csv:4: emailAddresses: \"not-an-email\" is not an e-mail address\n" +
		"invalid.csv:5: mobilePhones: \"call me maybe\" is not a phone number\n" +
		"invalid.csv:7: 5 cells but the header has 4 columns\n" +
		"invalid.csv:6: externalId: duplicate external id \"X-1\" (first on line 2)\n" + // once its first line is known

		"error: 5 invalid rows; nothing was sent (fix them, or pass --skip-invalid to import the rest)\n"
	r.Expect(t, 3, "", strings.ReplaceAll(want, "invalid.csv", testdata("invalid.csv")))
	if calls(e, "AddContact") != 0 || calls(e, "GetContacts") != 0 {
		t.Error("something was sent")
	}
	r = e.Run("contact", "import", "Customers", testdata("invalid.csv"), "--skip-invalid")
	// Skipped rows are not a success: exit 9 and no ✓.
	if r.Code != 9 || !strings.HasSuffix(timing.ReplaceAllString(r.Stderr, "(T)"), "! 6 rows: 1 added, 5 invalid (T)\nerror: 5 invalid rows were skipped (see the messages above); fix them and run the same command again\n") {
		t.Errorf("--skip-invalid: %d %q", r.Code, r.Stderr)
	}
}

func TestImportValidateOnlyNeedsNoCredential(t *testing.T) {
	t.Parallel()
	e := clitest.New(t, clitest.NoLogin())
	e.Run("contact", "import", "Customers", testdata("outlook.csv"), "--validate-only", "--id-column", "E-mail Address").
		Expect(t, 0, "valid\t3\ninvalid\t0\n", "! ignoring column(s) \"Middle Name\", \"Title\", \"Suffix\", \"Nickname\", \"Given Yomi\", \"Surname Yomi\", \"Car Phone\", \"Other Phone\", \"Pager\", \"Business Fax\", \"Home Fax\", \"Other Fax\", \"Callback\", \"Radio Phone\", \"Telex\", \"TTY/TDD Phone\", \"Office Location\", \"Manager's Name\", \"Assistant's Name\", \"Assistant's Phone\", \"Company Yomi\", \"Personal Web Page\", \"Spouse\", \"Schools\", \"Hobby\", \"Location\", \"Web Page\", \"Birthday\", \"Anniversary\", \"Notes\" (use --map \"column=field\" to import them)\n")
}

func TestImportFileProblemsExit3(t *testing.T) {
	t.Parallel()
	e := clitest.New(t)
	noID := write(t, e, "noid.csv", "First Name,Last Name\nA,B\n")
	e.Run("contact", "import", "Customers", noID).
		Expect(t, 3, "", "error: "+noID+": no column holds the external id: name one externalId (or External ID, ID, Customer ID), or pick one of the file's columns with --id-column (e.g. --id-column \"First Name\")\n")
	e.Run("contact", "import", "Customers", filepath.Join(e.Home, "missing.csv")).
		Expect(t, 3, "", "error: cannot read "+filepath.Join(e.Home, "missing.csv")+": stat "+filepath.Join(e.Home, "missing.csv")+": no such file or directory\nRun 'nimbusctl contact import --help' for usage.\n")
	e.Run("contact", "import", "Customers", noID, "--concurrency", "0").
		Expect(t, 3, "", "error: --concurrency must be between 1 and 64, got 0\nRun 'nimbusctl contact import --help' for usage.\n")
	e.Run("contact", "import", "Customers", noID, "--rate", "fast").
		Expect(t, 3, "", "error: --rate: invalid rate \"fast\": want N/DURATION (e.g. 100/60s, 50/s) or auto\nRun 'nimbusctl contact import --help' for usage.\n")
}

func TestImportForbiddenBook(t *testing.T) {
	t.Parallel()
	e := clitest.New(t)
	file := write(t, e, "c.csv", "externalId\nX\n")
	e.Run("contact", "import", emulator.BookBoard, file).
		Expect(t, 5, "", "error: reading the address book: GetContacts: 403 Forbidden: Forbidden. No access to Addressbook.\n")
}

func TestImportFromStdinWithMap(t *testing.T) {
	t.Parallel()
	e := clitest.New(t)
	r := e.RunWith(clitest.RunOpts{Stdin: "Kundennr;Name;Notiz\nK-1;Muster;x\n"},
		"contact", "import", "Customers", "-", "--map", "Kundennr=externalId", "--map", "Name=lastName", "--map", "Notiz=-")
	if r.Code != 0 || timing.ReplaceAllString(r.Stderr, "(T)") != "✓ 1 row: 1 added (T)\n" {
		t.Fatalf("%d %q", r.Code, r.Stderr)
	}
	if got := stored(t, e, emulator.BookCustomers, "K-1"); got != `{"externalId":"K-1","lastName":"Muster"}` {
		t.Errorf("stored %s", got)
	}
}

func TestExportRoundTrip(t *testing.T) {
	t.Parallel()
	e := clitest.New(t)
	r := e.MustRun("contact", "export", "Customers")
	if !strings.HasPrefix(r.Stdout, "externalId,firstName,lastName,displayName,initials,company,department,jobTitle,userPrincipalName,imAddresses,emailAddresses,businessPhones,mobilePhones,homePhones,address1.street,") {
		t.Fatalf("header:\n%s", r.Stdout)
	}
	file := write(t, e, "export.csv", r.Stdout)
	e.Run("contact", "import", "Customers", file, "--prune", "-o", "json", "--jq", "[.unchanged, .added, .updated, .removed]").Expect(t, 0, "[3,0,0,0]\n", "")
	j := e.MustRun("contact", "export", "Customers", "-o", "json")
	jfile := write(t, e, "export.json", j.Stdout)
	e.Run("contact", "import", "Customers", jfile, "--prune", "-o", "json", "--jq", "[.unchanged, .added, .updated, .removed]").Expect(t, 0, "[3,0,0,0]\n", "")
	e.Run("contact", "export", "Customers", "-o", "yaml").
		Expect(t, 3, "", "error: export writes csv or json (-o json), not yaml\nRun 'nimbusctl contact export --help' for usage.\n")
	e.Run("contact", "export", emulator.BookBoard).Expect(t, 5, "", "error: GetContacts: 403 Forbidden: Forbidden. No access to Addressbook.\n")
}

// Excel's plain CSV is Windows-1252; a file whose first umlaut comes after the 64 KB the
// reader looks at first was read as UTF-8, and "Müller" was stored as "M\ufffdller".
func TestImportWindows1252FileWithItsFirstUmlautFarIn(t *testing.T) {
	t.Parallel()
	e := clitest.New(t, clitest.WithEmulator(func(o *emulator.Options) { o.Empty = true }))
	var b strings.Builder
	b.WriteString("externalId;firstName;lastName;Notes\r\n")
	for i := 1; b.Len() < 70_000; i++ {
		fmt.Fprintf(&b, "L-%05d;Anna;Meier;%s\r\n", i, strings.Repeat("x", 1000))
	}
	b.WriteString("L-99999;J\xfcrg;M\xfcller;\r\n")
	file := write(t, e, "late-umlaut.csv", b.String())
	r := quietRun(e, "contact", "import", emulator.BookCustomers, file, "--map", "Notes=-", "-o", "json", "--jq", "[.added, .failed, .invalid]")
	r.Expect(t, 0, "[70,0,0]\n", "")
	if got := stored(t, e, emulator.BookCustomers, "L-99999"); got != `{"externalId":"L-99999","firstName":"Jürg","lastName":"Müller"}` {
		t.Errorf("stored %s", got)
	}
	// Told it is UTF-8, the same file is refused where it is not, instead of storing U+FFFD.
	r = quietRun(e, "contact", "import", emulator.BookCustomers, file, "--map", "Notes=-", "--encoding", "utf-8")
	lines := strings.Count(b.String(), "\n")
	r.Expect(t, 3, "", fmt.Sprintf("%s:%d: firstName: not UTF-8 text (byte 0xFC): the file seems to be Windows-1252 (Excel's plain CSV): pass --encoding windows-1252, or save it as CSV UTF-8\n", file, lines)+
		"error: 1 invalid row; nothing was sent (fix it, or pass --skip-invalid to import the rest)\n")
}

// quietRun drops the progress lines a slow run prints every 5 seconds.
func quietRun(e *clitest.Env, args ...string) clitest.Result {
	r := e.Run(args...)
	r.Stderr = progress.ReplaceAllString(r.Stderr, "")
	return r
}

// Excel writes a row of separators for every row whose cells were emptied rather than
// deleted: such rows are blank lines, not rows with an empty external id.
func TestImportSkipsExcelRowsOfEmptyCells(t *testing.T) {
	t.Parallel()
	e := clitest.New(t, clitest.WithEmulator(func(o *emulator.Options) { o.Empty = true }))
	file := write(t, e, "excel.csv", "Kundennr;Vorname;Nachname;;\r\nK-1;Anna;Muster;;\r\n;;;;\r\nK-2;Ben;Keller;;\r\n;;;;\r\n;;;;\r\n")
	report := filepath.Join(e.Home, "r.csv")
	e.Run("contact", "import", emulator.BookCustomers, file, "--map", "Kundennr=externalId", "--prune", "--report", report, "--concurrency", "1", "-o", "json", "--jq", "[.rows, .added, .invalid]").
		Expect(t, 0, "[2,2,0]\n", "")
	if b, _ := os.ReadFile(report); string(b) != "line,key,action,status,error\n2,K-1,add,ok,\n4,K-2,add,ok,\n" {
		t.Errorf("report:\n%s", b)
	}
}

// A file cut off in the middle of its last row (an export still being written, a copy that
// broke off) ends without a line end and with fewer cells than the header. Read as a row
// whose last cells Excel left out, it updated Bruno to "Bru" and emptied nothing less; it
// is refused, and --prune, which cannot tell what the row names, sends nothing at all.
func TestImportRefusesALastRowCutOff(t *testing.T) {
	t.Parallel()
	e := clitest.New(t)
	file := write(t, e, "cut.csv", "externalId,firstName,lastName,mobilePhones\nCUST-0001,Alice,Muster,+41795551001\nCUST-0002,Bru")
	cut := file + ":3: the file ends inside this row (2 of 4 cells, and no line end): it looks cut off, as an export still being written or a broken copy does; check the file and run again\n"
	e.Run("contact", "import", emulator.BookCustomers, file).
		Expect(t, 3, "", cut+"error: 1 invalid row; nothing was sent (fix it, or pass --skip-invalid to import the rest)\n")
	e.Run("contact", "import", emulator.BookCustomers, file, "--skip-invalid", "--prune", "--max-remove", "100%", "--yes").
		Expect(t, 3, "", cut+"error: "+file+": line 3 could not be read, so --prune cannot tell which contact it names: nothing was sent (fix the line, or import without --prune)\n")
	if n := calls(e, "UpdateContact") + calls(e, "AddContact") + calls(e, "RemoveContacts"); n != 0 {
		t.Fatalf("%d writes", n)
	}
	// The same row with its line end is a row whose empty cells Excel left out.
	whole := write(t, e, "whole.csv", "externalId,firstName\nCUST-0002,Bruno\n")
	e.Run("contact", "import", emulator.BookCustomers, whole, "-o", "json", "--jq", "[.unchanged, .invalid]").Expect(t, 0, "[1,0]\n", "")
}

func TestImportRefusesADirectory(t *testing.T) {
	t.Parallel()
	e := clitest.New(t)
	e.Run("contact", "import", emulator.BookCustomers, e.Home).
		Expect(t, 3, "", "error: cannot read "+e.Home+": it is a directory, not a file\nRun 'nimbusctl contact import --help' for usage.\n")
}

// An export made for Excel starts with "sep=;": that line names the separator, and the
// errors still point at the file's own lines.
func TestImportExcelSepLine(t *testing.T) {
	t.Parallel()
	e := clitest.New(t, clitest.WithEmulator(func(o *emulator.Options) { o.Empty = true }))
	file := write(t, e, "sep.csv", "sep=;\r\nexternalId;mobile\r\nK-1;079 555 11 22\r\nK-2;call me\r\n")
	e.Run("contact", "import", emulator.BookCustomers, file).Expect(t, 3, "",
		file+":4: mobile: \"call me\" is not a phone number\n"+
			"error: 1 invalid row; nothing was sent (fix it, or pass --skip-invalid to import the rest)\n")
	e.Run("contact", "import", emulator.BookCustomers, file, "--skip-invalid", "-o", "json", "--jq", "[.added, .invalid]").Expect(t, 9, "[1,1]\n",
		file+":4: mobile: \"call me\" is not a phone number\n"+
			"error: 1 invalid row was skipped (see the messages above); fix it and run the same command again\n")
}

// The contract does not say whether external ids are case-sensitive: a book key the file
// names in other case is neither removed by --prune nor changed by the row, and the run
// says so; two rows whose keys differ only in case are duplicates.
func TestImportPruneKeepsAKeyWrittenInOtherCase(t *testing.T) {
	t.Parallel()
	e := clitest.New(t, clitest.WithEmulator(func(o *emulator.Options) { o.Empty = true }))
	book := []map[string]any{{"externalId": "ABC-1", "firstName": "Ann"}}
	var b strings.Builder
	b.WriteString("externalId,firstName\n")
	for i := 1; i <= 9; i++ {
		book = append(book, map[string]any{"externalId": fmt.Sprintf("K-%d", i), "firstName": "Kay"})
		fmt.Fprintf(&b, "K-%d,Kay\n", i)
	}
	book = append(book, map[string]any{"externalId": "GONE-1", "firstName": "Gus"})
	e.Emu.PutContacts(emulator.BookCustomers, book) // 11: the default limit lets 1 go
	b.WriteString("abc-1,Annie\n")                  // line 11
	file := write(t, e, "crm.csv", b.String())

	r := e.Run("contact", "import", emulator.BookCustomers, file, "--prune")
	r.Stderr = timing.ReplaceAllString(r.Stderr, "(T)")
	r.Expect(t, 9, "", `! "ABC-1" in the address book differs only in case from "abc-1" (line 11): not removed`+"\n"+
		file+`:11: externalId: "abc-1" differs only in case from "ABC-1" in the address book, and the connector does not say whether ids are case-sensitive: neither is changed (write the id as the book has it)`+"\n"+
		"! 10 rows: 9 unchanged, 1 invalid; --prune: 1 removed (T)\n"+
		"error: 1 invalid row was skipped (see the messages above); fix it and run the same command again\n")
	if got := stored(t, e, emulator.BookCustomers, "ABC-1"); got != `{"externalId":"ABC-1","firstName":"Ann"}` {
		t.Errorf("ABC-1 is now %s", got)
	}
	if n := len(e.Emu.Contacts(emulator.BookCustomers)); n != 10 || calls(e, "AddContact")+calls(e, "UpdateContact") != 0 {
		t.Errorf("%d contacts, %d adds or updates", n, calls(e, "AddContact")+calls(e, "UpdateContact"))
	}

	dup := write(t, e, "dup.csv", "externalId,firstName\nABC-1,Ann\nK-1,Kay\nabc-1,Annie\n")
	e.Run("contact", "import", emulator.BookCustomers, dup, "--prune", "--max-remove", "100%", "--yes").Expect(t, 3, "",
		dup+`:4: externalId: duplicate external id "abc-1": differs only in case from "ABC-1" (first on line 2)`+"\n"+
			"error: 1 invalid row; nothing was sent (fix it, or pass --skip-invalid to import the rest)\n")
	if n := len(e.Emu.Contacts(emulator.BookCustomers)); n != 10 || calls(e, "RemoveContacts") != 1 {
		t.Errorf("%d contacts, %d removals", n, calls(e, "RemoveContacts"))
	}
}
