package bulk_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nimbusctl/nimbusctl/pkg/bulk"
	"github.com/nimbusctl/nimbusctl/pkg/emulator"
	"github.com/nimbusctl/nimbusctl/pkg/httpx"
	"github.com/nimbusctl/nimbusctl/pkg/nimbus"
)

type world struct {
	emu *emulator.Emulator
	c   *nimbus.Client
	lim *httpx.Limiter
}

func newWorld(t testing.TB, opts emulator.Options) *world {
	t.Helper()
	emu, err := emulator.Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(emu.Close)
	tok := emu.IssueToken(emulator.DefaultUser, emulator.NimbusAudience, time.Hour)
	lim := httpx.NewLimiter(httpx.Rate{Count: 500, Per: time.Second})
	h, err := httpx.New(httpx.Config{
		Service: "nimbus", BaseURL: emu.NimbusURL(), Transport: emu.HTTPClient().Transport, Limiter: lim,
		Auth:  func(context.Context) (string, error) { return "Bearer " + tok, nil },
		Retry: httpx.Retry{MaxAttempts: 6, BaseDelay: time.Millisecond, MaxDelay: 10 * time.Millisecond},
	})
	if err != nil {
		t.Fatal(err)
	}
	return &world{emu: emu, c: nimbus.New(h), lim: lim}
}

func fileInput(t *testing.T, content string) bulk.Input {
	t.Helper()
	path := filepath.Join(t.TempDir(), "in.csv")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	in, cleanup, err := bulk.FileInput(path, nil, bulk.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cleanup)
	in.Name = "in.csv"
	return in
}

func (w *world) run(t *testing.T, in bulk.Input, mod func(*bulk.ContactImport)) (bulk.Summary, string, error) {
	t.Helper()
	var report bytes.Buffer
	ci := &bulk.ContactImport{
		Client: w.c, Book: emulator.BookCustomers, Input: in, DefaultCountry: "+41", Workers: 4,
		Recorder: bulk.NewRecorder(in.Name, &report, false, nil, w.lim),
	}
	if mod != nil {
		mod(ci)
	}
	s, err := ci.Run(context.Background())
	return s, report.String(), err
}

func csvOf(n int, mutate func(i int, row []string)) string {
	var b strings.Builder
	w := csv.NewWriter(&b)
	w.Write([]string{"externalId", "firstName", "lastName", "emailAddresses", "mobilePhones", "field.tier"})
	for i := 1; i <= n; i++ {
		row := []string{fmt.Sprintf("C-%04d", i), "First" + fmt.Sprint(i), "Last", fmt.Sprintf("c%d@example.com", i), fmt.Sprintf("+4179555%04d", i), "gold"}
		if mutate != nil {
			mutate(i, row)
		}
		w.Write(row)
	}
	w.Flush()
	return b.String()
}

func ids(cs []map[string]any) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c["externalId"].(string))
	}
	sort.Strings(out)
	return out
}

func TestImportConvergesAndRerunChangesNothing(t *testing.T) {
	w := newWorld(t, emulator.Options{Seed: 1, Empty: true})
	in := fileInput(t, csvOf(40, nil))
	s, _, err := w.run(t, in, nil)
	if err != nil || s.Added != 40 || s.Failed != 0 || s.Rows != 40 {
		t.Fatalf("first run: %+v %v", s, err)
	}
	s, _, err = w.run(t, in, nil)
	if err != nil || s.Unchanged != 40 || s.Added+s.Updated+s.Failed != 0 || s.Requests != 1 {
		t.Fatalf("second run must read once and change nothing: %+v %v", s, err)
	}
	changed := fileInput(t, csvOf(40, func(i int, row []string) {
		if i%10 == 0 {
			row[1] = "Renamed"
		}
	}))
	s, report, err := w.run(t, changed, nil)
	if err != nil || s.Updated != 4 || s.Unchanged != 36 {
		t.Fatalf("update run: %+v %v", s, err)
	}
	if !strings.Contains(report, "11,C-0010,update,ok,\n") {
		t.Errorf("report lacks the update row:\n%s", report)
	}
	got := w.emu.Contacts(emulator.BookCustomers)
	var c10 map[string]any
	for _, c := range got {
		if c["externalId"] == "C-0010" {
			c10 = c
		}
	}
	if len(got) != 40 || c10["firstName"] != "Renamed" || c10["mobilePhones"].([]any)[0] != "+41795550010" {
		t.Errorf("book: %d contacts, C-0010 = %v", len(got), c10)
	}
}

func TestPruneRemovesWhatTheFileDoesNotList(t *testing.T) {
	w := newWorld(t, emulator.Options{Seed: 1}) // seeded with three contacts
	in := fileInput(t, csvOf(5, nil))
	all, _ := bulk.ParseRemoveLimit("100%")
	s, _, err := w.run(t, in, func(ci *bulk.ContactImport) { ci.DryRun = true; ci.Prune = true; ci.MaxRemove = all })
	if err != nil || s.Added != 5 || s.Removed != 3 || !s.DryRun || len(w.emu.Contacts(emulator.BookCustomers)) != 3 {
		t.Fatalf("dry run: %+v %v", s, err)
	}
	s, _, err = w.run(t, in, func(ci *bulk.ContactImport) { ci.Prune = true; ci.RemoveBatch = 2; ci.MaxRemove = all })
	if err != nil || s.Added != 5 || s.Removed != 3 {
		t.Fatalf("prune: %+v %v", s, err)
	}
	if got := ids(w.emu.Contacts(emulator.BookCustomers)); strings.Join(got, ",") != "C-0001,C-0002,C-0003,C-0004,C-0005" {
		t.Errorf("book = %v", got)
	}
}

func TestInvalidRowsStopEverything(t *testing.T) {
	w := newWorld(t, emulator.Options{Seed: 1, Empty: true})
	data, _ := os.ReadFile(filepath.Join("..", "..", "testdata", "contacts", "invalid.csv"))
	in := fileInput(t, string(data))
	var problems []string
	s, report, err := w.run(t, in, func(ci *bulk.ContactImport) {
		ci.Problem = func(e error) { problems = append(problems, e.Error()) }
	})
	var inv *bulk.ErrInvalidRows
	if !errors.As(err, &inv) || inv.N != 5 || s.Invalid != 5 {
		t.Fatalf("err %v summary %+v", err, s)
	}
	if w.emu.Stats().Operations["AddContact"] != 0 || len(w.emu.Contacts(emulator.BookCustomers)) != 0 {
		t.Fatal("something was sent despite invalid rows")
	}
	if len(problems) != 5 || problems[4] != `in.csv:6: externalId: duplicate external id "X-1" (first on line 2)` {
		t.Errorf("problems:\n%s", strings.Join(problems, "\n"))
	}
	if !strings.Contains(report, "3,,invalid,invalid,externalId: the external id is empty\n") {
		t.Errorf("report:\n%s", report)
	}
	s, _, err = w.run(t, in, func(ci *bulk.ContactImport) { ci.SkipInvalid = true })
	if err != nil || s.Added != 1 || s.Invalid != 5 {
		t.Fatalf("--skip-invalid: %+v %v", s, err)
	}
}

// TestFaultStormLosesNoRows: with 10% injected 5xx (some applied before the answer was lost)
// and a server limit below the client's rate, every row is either applied or reported as
// failed; a rerun on a healthy service then converges exactly, with nothing duplicated.
func TestFaultStormLosesNoRows(t *testing.T) {
	w := newWorld(t, emulator.Options{Seed: 3, Empty: true, FaultRate: 0.10, RateLimit: emulator.Rate{Count: 100, Per: time.Second}})
	const n = 150
	in := fileInput(t, csvOf(n, nil))
	s, report, err := w.run(t, in, func(ci *bulk.ContactImport) { ci.Workers = 8 })
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	st := w.emu.Stats()
	t.Logf("storm run: %+v; server 429s=%d faults=%v", s, st.TotalRateLimited(), st.Faults)
	if s.Added+s.Failed != n {
		t.Fatalf("%d added + %d failed != %d rows: a row was lost\n%s", s.Added, s.Failed, n, report)
	}
	if lines := strings.Count(report, "\n") - 1; lines != n {
		t.Errorf("report has %d rows, want %d", lines, n)
	}
	w.emu.SetFaultRate(0)
	s, _, err = w.run(t, in, nil)
	if err != nil || s.Failed != 0 || s.Unchanged+s.Added+s.Updated != n {
		t.Fatalf("rerun: %+v %v", s, err)
	}
	got := ids(w.emu.Contacts(emulator.BookCustomers))
	if len(got) != n {
		t.Fatalf("book has %d contacts, want %d", len(got), n)
	}
	for i, id := range got {
		if id != fmt.Sprintf("C-%04d", i+1) {
			t.Fatalf("book[%d] = %s", i, id)
		}
	}
}

func TestJSONInputIsWholeContacts(t *testing.T) {
	w := newWorld(t, emulator.Options{Seed: 1, Empty: true})
	path := filepath.Join(t.TempDir(), "contacts.json")
	input := func() bulk.Input { // a copy of the file as it is now
		in, cleanup, err := bulk.FileInput(path, nil, bulk.ReadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(cleanup)
		return in
	}
	os.WriteFile(path, []byte(`[{"externalId":"J-1","firstName":"Jay","customFields":[{"name":"x","value":"1"}]},
{"externalId":"J-2","emailAddresses":["j2@example.com"]}]`), 0o600)
	s, _, err := w.run(t, input(), nil)
	if err != nil || s.Added != 2 {
		t.Fatalf("%+v %v", s, err)
	}
	os.WriteFile(path, []byte("{\"externalId\":\"J-1\",\"firstName\":\"Jay\",\"customFields\":[{\"name\":\"x\",\"value\":\"1\"}]}\n{\"externalId\":\"J-2\"}\n"), 0o600)
	s, _, err = w.run(t, input(), nil)
	if err != nil || s.Unchanged != 1 || s.Updated != 1 {
		t.Fatalf("JSON lines: %+v %v", s, err)
	}
	os.WriteFile(path, []byte(`[{"externalId":"J-3","fristName":"typo"}]`), 0o600)
	_, _, err = w.run(t, input(), nil)
	if err == nil || !strings.Contains(err.Error(), `unknown field "fristName"`) {
		t.Errorf("typo: %v", err)
	}
}

func TestStdinIsSpooledForTwoPasses(t *testing.T) {
	w := newWorld(t, emulator.Options{Seed: 1, Empty: true})
	in, cleanup, err := bulk.FileInput("-", strings.NewReader(csvOf(3, nil)), bulk.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer cleanup()
	s, _, err := w.run(t, in, nil)
	if err != nil || s.Added != 3 {
		t.Fatalf("%+v %v", s, err)
	}
	rc, _ := in.Open()
	b, _ := io.ReadAll(rc)
	rc.Close()
	if !strings.HasPrefix(string(b), "externalId,") {
		t.Errorf("spool holds %q", b)
	}
}

// TestExportImportsBackWithZeroChanges: both formats, on the seeded book (custom fields,
// addresses, lists).
func TestExportImportsBackWithZeroChanges(t *testing.T) {
	w := newWorld(t, emulator.Options{Seed: 1})
	// A contact with two addresses, a formula-looking name and a list, to test the edges.
	_, err := w.c.AddContact(context.Background(), emulator.BookCustomers, nimbus.Contact{ExternalID: "EDGE-1", FirstName: "=cmd",
		EmailAddresses: []string{"e1@example.com", "e2@example.com"}, MobilePhones: []string{"+41795550099"},
		Addresses:    []nimbus.Address{{City: "Bern"}, {Street: "Home 1", City: "Thun", Country: "CH"}},
		CustomFields: []nimbus.CustomField{{Name: "Segment", Value: "B2B"}}})
	if err != nil {
		t.Fatal(err)
	}
	before := w.emu.Contacts(emulator.BookCustomers)
	for _, format := range []string{"csv", "json"} {
		var out bytes.Buffer
		n, err := bulk.ExportContacts(context.Background(), w.c, emulator.BookCustomers, format, &out)
		if err != nil || n != len(before) {
			t.Fatalf("%s export: %d %v", format, n, err)
		}
		if format == "csv" && !strings.Contains(out.String(), "'=cmd") {
			t.Errorf("formula not defused:\n%s", out.String())
		}
		path := filepath.Join(t.TempDir(), "export."+format)
		os.WriteFile(path, out.Bytes(), 0o600)
		in, cleanup, _ := bulk.FileInput(path, nil, bulk.ReadOptions{})
		t.Cleanup(cleanup)
		s, report, err := w.run(t, in, func(ci *bulk.ContactImport) { ci.Prune = true })
		if err != nil || s.Unchanged != len(before) || s.Added+s.Updated+s.Removed+s.Failed != 0 {
			t.Fatalf("%s re-import must change nothing: %+v %v\n%s\n%s", format, s, err, report, out.String())
		}
	}
	if after := w.emu.Contacts(emulator.BookCustomers); mustJSON(after) != mustJSON(before) {
		t.Error("the book changed")
	}
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// putBook fills the Customers book with C-0001 .. C-<n>, as csvOf names them.
func (w *world) putBook(n int) {
	book := make([]map[string]any, n)
	for i := range book {
		book[i] = map[string]any{"externalId": fmt.Sprintf("C-%04d", i+1), "firstName": fmt.Sprint("First", i+1)}
	}
	w.emu.PutContacts(emulator.BookCustomers, book)
}

// A key the file names is never pruned, even when its row is invalid: one typo in a CRM
// record must not delete that customer.
func TestPruneKeepsTheContactsOfInvalidRows(t *testing.T) {
	w := newWorld(t, emulator.Options{Seed: 1, Empty: true})
	w.putBook(20)
	in := fileInput(t, csvOf(20, func(i int, row []string) {
		if i == 5 {
			row[3] = "not-an-email"
		}
	}))
	s, report, err := w.run(t, in, func(ci *bulk.ContactImport) { ci.Prune = true; ci.SkipInvalid = true })
	if err != nil || s.Removed != 0 || s.Invalid != 1 || s.Updated != 19 {
		t.Fatalf("%+v %v\n%s", s, err, report)
	}
	if len(w.emu.Contacts(emulator.BookCustomers)) != 20 || w.emu.Stats().Operations["RemoveContacts"] != 0 {
		t.Fatal("the contact of the invalid row was removed")
	}
	// A line that cannot be read at all could name any contact: --prune is refused.
	broken := fileInput(t, csvOf(3, nil)+"C-0009,\"unclosed\n")
	_, _, err = w.run(t, broken, func(ci *bulk.ContactImport) { ci.Prune = true; ci.SkipInvalid = true })
	var refused *bulk.ErrRefused
	if !errors.As(err, &refused) || !strings.HasPrefix(err.Error(), "in.csv: line 5 could not be read, so --prune cannot tell which contact it names: nothing was sent") {
		t.Fatalf("unreadable line: %v", err)
	}
	if w.emu.Stats().Operations["RemoveContacts"] != 0 || len(w.emu.Contacts(emulator.BookCustomers)) != 20 {
		t.Fatal("sent something for a file with an unreadable line")
	}
}

// A file with no valid row (a failed export: the header only, or every row broken) never
// reaches the book.
func TestPruneRefusesAFileWithoutValidRows(t *testing.T) {
	w := newWorld(t, emulator.Options{Seed: 1, Empty: true})
	w.putBook(5)
	all, _ := bulk.ParseRemoveLimit("100%")
	_, _, err := w.run(t, fileInput(t, "externalId,firstName\n"), func(ci *bulk.ContactImport) { ci.Prune = true; ci.MaxRemove = all })
	if err == nil || err.Error() != "the file has no rows, and --prune would remove every contact of the address book: nothing was sent (a failed export looks like this)" {
		t.Fatalf("header only: %v", err)
	}
	_, _, err = w.run(t, fileInput(t, csvOf(3, func(_ int, row []string) { row[3] = "broken" })), func(ci *bulk.ContactImport) {
		ci.Prune, ci.SkipInvalid, ci.MaxRemove = true, true, all
	})
	var inv *bulk.ErrInvalidRows
	if !errors.As(err, &inv) || !inv.All || err.Error() != "every row is invalid (3); nothing was sent" {
		t.Fatalf("every row invalid: %v", err)
	}
	if n := w.emu.Stats().Operations["GetContacts"] + w.emu.Stats().Operations["RemoveContacts"]; n != 0 || len(w.emu.Contacts(emulator.BookCustomers)) != 5 {
		t.Fatalf("%d calls for a file without a valid row", n)
	}
}

// One run removes at most --max-remove (default 10% of the book); above it the plan is worked
// out and nothing is sent. Between 10% and an explicit --max-remove, ConfirmRemove decides.
func TestPruneRemovalLimit(t *testing.T) {
	w := newWorld(t, emulator.Options{Seed: 1, Empty: true})
	w.putBook(100)
	in := fileInput(t, csvOf(80, nil)) // cut off: 20 of 100 would go
	s, _, err := w.run(t, in, func(ci *bulk.ContactImport) { ci.Prune = true })
	var refused *bulk.ErrRefused
	if !errors.As(err, &refused) || !refused.ShowPlan || err.Error() != "--prune would remove 20 of the 100 contacts of the address book, more than --max-remove 10% allows (10): nothing was sent. "+
		"A file cut short (a failed or partial export) looks like this: check it. If these removals are meant, pass --max-remove 20 (or --max-remove 20%), and --yes where no terminal can confirm" {
		t.Fatalf("above the default: %v", err)
	}
	if !s.DryRun || s.Removed != 20 || s.Updated != 80 {
		t.Errorf("the plan shown: %+v", s)
	}
	if n := w.emu.Stats().Operations["UpdateContact"] + w.emu.Stats().Operations["RemoveContacts"]; n != 0 {
		t.Fatalf("%d writes above the limit", n)
	}
	var asked []string
	confirm := func(answer error) func(n, size int) error {
		return func(n, size int) error { asked = append(asked, fmt.Sprintf("%d/%d", n, size)); return answer }
	}
	limit, _ := bulk.ParseRemoveLimit("20")
	_, _, err = w.run(t, in, func(ci *bulk.ContactImport) {
		ci.Prune, ci.MaxRemove, ci.ConfirmRemove = true, limit, confirm(errors.New("declined"))
	})
	if err == nil || err.Error() != "declined" || len(w.emu.Contacts(emulator.BookCustomers)) != 100 {
		t.Fatalf("declined: %v", err)
	}
	limit, _ = bulk.ParseRemoveLimit("20%")
	s, _, err = w.run(t, in, func(ci *bulk.ContactImport) { ci.Prune, ci.MaxRemove, ci.ConfirmRemove = true, limit, confirm(nil) })
	if err != nil || s.Removed != 20 || len(w.emu.Contacts(emulator.BookCustomers)) != 80 {
		t.Fatalf("allowed: %+v %v", s, err)
	}
	if strings.Join(asked, ",") != "20/100,20/100" {
		t.Errorf("asked %v", asked)
	}
	// Within the default: no question.
	asked = nil
	s, _, err = w.run(t, fileInput(t, csvOf(75, nil)), func(ci *bulk.ContactImport) { ci.Prune, ci.ConfirmRemove = true, confirm(nil) })
	if err != nil || s.Removed != 5 || len(asked) != 0 {
		t.Fatalf("within the default: %+v %v %v", s, err, asked)
	}
}

func TestRemoveLimit(t *testing.T) {
	for _, c := range []struct {
		in      string
		size    int
		allowed int
	}{
		{"", 1000, 100}, {"", 30, 3}, {"", 9, 0}, {"10%", 1000, 100}, {"25%", 10, 2}, {"33.3%", 1000, 333},
		{"0", 1000, 0}, {"250", 100, 250}, {"100%", 7, 7}, {"0%", 50, 0},
	} {
		l := bulk.RemoveLimit{}
		if c.in != "" {
			var err error
			if l, err = bulk.ParseRemoveLimit(c.in); err != nil {
				t.Fatal(err)
			}
		}
		if got := l.Allowed(c.size); got != c.allowed {
			t.Errorf("%q of %d allows %d, want %d", c.in, c.size, got, c.allowed)
		}
	}
	for _, bad := range []string{"-1", "101%", "ten", "5 %x", ""} {
		if _, err := bulk.ParseRemoveLimit(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// beforeAdd runs fn once, just before the first AddContact request goes out.
type beforeAdd struct {
	next http.RoundTripper
	once sync.Once
	fn   func()
}

func (b *beforeAdd) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/contacts") {
		b.once.Do(b.fn)
	}
	return b.next.RoundTrip(r)
}

// An add that finds the contact there already (someone else added it after the book was
// read) is counted as what the run did: unchanged when equal, updated when not.
func TestAddThatFindsTheContactCountsWhatItDid(t *testing.T) {
	for _, c := range []struct {
		first  string
		action string
	}{{"First1", "unchanged"}, {"Other", "update"}} {
		emu, err := emulator.Start(emulator.Options{Seed: 1, Empty: true})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(emu.Close)
		tok := emu.IssueToken(emulator.DefaultUser, emulator.NimbusAudience, time.Hour)
		rt := &beforeAdd{next: emu.HTTPClient().Transport, fn: func() {
			emu.PutContacts(emulator.BookCustomers, []map[string]any{{"externalId": "C-0001", "firstName": c.first, "lastName": "Last",
				"emailAddresses": []any{"c1@example.com"}, "mobilePhones": []any{"+41795550001"}, "customFields": []any{map[string]any{"name": "tier", "value": "gold"}}}})
		}}
		h, err := httpx.New(httpx.Config{Service: "nimbus", BaseURL: emu.NimbusURL(), Transport: rt,
			Auth: func(context.Context) (string, error) { return "Bearer " + tok, nil }})
		if err != nil {
			t.Fatal(err)
		}
		w := &world{emu: emu, c: nimbus.New(h)}
		s, report, err := w.run(t, fileInput(t, csvOf(1, nil)), nil)
		if err != nil || s.Added != 0 || !strings.Contains(report, "2,C-0001,"+c.action+",ok,") {
			t.Errorf("%s: %+v %v\n%s", c.action, s, err, report)
		}
	}
}

// A cancelled run accounts for every row: what it did, and the rows it never got to as not
// processed, in the summary and the report.
func TestCancelledRunListsTheRowsItNeverProcessed(t *testing.T) {
	w := newWorld(t, emulator.Options{Seed: 1, Empty: true, Latency: 5 * time.Millisecond})
	const n = 200
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		for w.emu.Stats().Operations["AddContact"] < 20 {
			time.Sleep(time.Millisecond)
		}
		cancel()
	}()
	var report bytes.Buffer
	ci := &bulk.ContactImport{Client: w.c, Book: emulator.BookCustomers, Input: fileInput(t, csvOf(n, nil)), DefaultCountry: "+41", Workers: 2,
		Recorder: bulk.NewRecorder("in.csv", &report, false, nil, w.lim)}
	s, err := ci.Run(ctx)
	if err != nil || !s.Cancelled || s.Rows != n || s.Added+s.Failed+s.NotAttempted != n || s.NotAttempted < n/2 {
		t.Fatalf("%+v %v", s, err)
	}
	rows, _ := csv.NewReader(&report).ReadAll()
	seen := map[string]bool{}
	skipped := 0
	for _, r := range rows[1:] {
		seen[r[0]] = true
		if r[3] == bulk.StatusSkipped {
			skipped++
			if r[4] != "not processed: the run was cancelled" {
				t.Errorf("row %v", r)
			}
		}
	}
	if len(rows) != n+1 || len(seen) != n || skipped != s.NotAttempted {
		t.Errorf("report: %d rows, %d lines, %d skipped; summary %+v", len(rows)-1, len(seen), skipped, s)
	}
}

// The connector's contract does not say whether ExternalId is case-sensitive. A book key that
// matches a key of the file up to case (or width, or invisible spacing) is never removed, nor
// counted toward the removal limit; the row itself changes neither contact (adding "abc-1"
// is wrong if ids ignore case, updating "ABC-1" wrong if they do not). Each such key is said
// once, with its line.
func TestPruneKeepsKeysThatDifferOnlyInCase(t *testing.T) {
	w := newWorld(t, emulator.Options{Seed: 1, Empty: true})
	book := []map[string]any{}
	for i := 1; i <= 16; i++ {
		book = append(book, map[string]any{"externalId": fmt.Sprintf("C-%04d", i), "firstName": fmt.Sprint("First", i)})
	}
	for _, id := range []string{"ABC-1", "ＸＹＺ-3", "INV-9", "ZW-4", "Dup-5", "DUP-5", "GONE-1"} {
		book = append(book, map[string]any{"externalId": id, "firstName": "Old"})
	}
	w.emu.PutContacts(emulator.BookCustomers, book) // 23: the default limit lets 2 go
	in := fileInput(t, csvOf(16, nil)+
		"abc-1,New,Case,abc@example.com,+41795550101,gold\n"+ // line 18
		"xyz-3,New,Width,xyz@example.com,,gold\n"+ // line 19
		"inv-9,New,Invalid,not-an-email,,gold\n"+ // line 20
		"\u200bzw-4,New,Invisible,,,gold\n"+ // line 21
		"DUP-5,New,Exact,,,gold\n") // line 22: DUP-5 itself, Dup-5 a second contact
	var notes, problems []string
	s, report, err := w.run(t, in, func(ci *bulk.ContactImport) {
		ci.Prune, ci.SkipInvalid = true, true
		ci.Warn = func(s string) { notes = append(notes, s) }
		ci.Problem = func(err error) { problems = append(problems, err.Error()) }
	})
	if err != nil || s.Removed != 1 || s.Invalid != 4 || s.Updated != 17 || s.Added != 0 || s.Failed != 0 {
		t.Fatalf("%+v %v\n%s", s, err, report)
	}
	wantNotes := []string{
		`"ABC-1" in the address book differs only in case from "abc-1" (line 18): not removed`,
		`"ＸＹＺ-3" in the address book differs only in case, width or spacing from "xyz-3" (line 19): not removed`,
		`"INV-9" in the address book differs only in case from "inv-9" (line 20): not removed`,
		`"ZW-4" in the address book differs only in case, width or spacing from "\u200bzw-4" (line 21): not removed`,
		`"Dup-5" in the address book differs only in case from "DUP-5" (line 22): not removed`,
	}
	if strings.Join(notes, "\n") != strings.Join(wantNotes, "\n") {
		t.Errorf("notes:\n%s", strings.Join(notes, "\n"))
	}
	twin := func(line int, file, book, how string) string {
		return fmt.Sprintf(`in.csv:%d: externalId: %q differs only %s from %q in the address book, and the connector does not say whether ids are case-sensitive: neither is changed (write the id as the book has it)`, line, file, how, book)
	}
	wantProblems := []string{
		`in.csv:20: emailAddresses: "not-an-email" is not an e-mail address`,
		twin(18, "abc-1", "ABC-1", "in case"),
		twin(19, "xyz-3", "ＸＹＺ-3", "in case, width or spacing"),
		twin(21, "\u200bzw-4", "ZW-4", "in case, width or spacing"),
	}
	if strings.Join(problems, "\n") != strings.Join(wantProblems, "\n") {
		t.Errorf("problems:\n%s", strings.Join(problems, "\n"))
	}
	got := map[string]string{}
	for _, c := range w.emu.Contacts(emulator.BookCustomers) {
		got[c["externalId"].(string)], _ = c["firstName"].(string)
	}
	if len(got) != 22 || got["GONE-1"] != "" || got["ABC-1"] != "Old" || got["ＸＹＺ-3"] != "Old" || got["Dup-5"] != "Old" || got["DUP-5"] != "New" || got["abc-1"] != "" {
		t.Errorf("book after the run: %v", got)
	}
}

// Two rows whose keys differ only in case are one contact to a service that ignores case:
// the second is a duplicate (file:line: column: reason), and a prune removes neither key.
func TestKeysThatDifferOnlyInCaseAreDuplicates(t *testing.T) {
	w := newWorld(t, emulator.Options{Seed: 1, Empty: true})
	w.emu.PutContacts(emulator.BookCustomers, []map[string]any{{"externalId": "ABC-1"}, {"externalId": "abc-1"}, {"externalId": "K-1"}})
	in := fileInput(t, "externalId,firstName\nABC-1,Upper\nK-1,Kay\nabc-1,Lower\n")
	var problems, notes []string
	run := func(mod func(*bulk.ContactImport)) (bulk.Summary, error) {
		problems, notes = nil, nil
		s, _, err := w.run(t, in, func(ci *bulk.ContactImport) {
			ci.Prune, ci.MaxRemove = true, bulk.RemoveLimit{}
			ci.Warn = func(s string) { notes = append(notes, s) }
			ci.Problem = func(err error) { problems = append(problems, err.Error()) }
			mod(ci)
		})
		return s, err
	}
	_, err := run(func(*bulk.ContactImport) {})
	var inv *bulk.ErrInvalidRows
	if !errors.As(err, &inv) || strings.Join(problems, "\n") != `in.csv:4: externalId: duplicate external id "abc-1": differs only in case from "ABC-1" (first on line 2)` {
		t.Fatalf("%v\n%s", err, strings.Join(problems, "\n"))
	}
	all, _ := bulk.ParseRemoveLimit("100%")
	s, err := run(func(ci *bulk.ContactImport) { ci.SkipInvalid, ci.MaxRemove = true, all })
	if err != nil || s.Removed != 0 || s.Updated != 2 || s.Invalid != 1 {
		t.Fatalf("%+v %v", s, err)
	}
	if strings.Join(notes, "\n") != `"abc-1" in the address book differs only in case from "ABC-1" (line 2): not removed` {
		t.Errorf("notes:\n%s", strings.Join(notes, "\n"))
	}
	if got := ids(w.emu.Contacts(emulator.BookCustomers)); strings.Join(got, ",") != "ABC-1,K-1,abc-1" {
		t.Errorf("book: %v", got)
	}
}
