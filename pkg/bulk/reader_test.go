package bulk

import (
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/nimbusctl/nimbusctl/pkg/nimbus"
)

func readAll(t *testing.T, input string, opts ReadOptions) (*Reader, []Row, []error) {
	t.Helper()
	r, err := NewReader(strings.NewReader(input), "in.csv", opts)
	if err != nil {
		t.Fatal(err)
	}
	var rows []Row
	var errs []error
	for {
		row, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			errs = append(errs, err)
			continue
		}
		rows = append(rows, Row{Line: row.Line, Cells: append([]string(nil), row.Cells...)})
	}
	return r, rows, errs
}

func TestReaderSniffsDelimiterBOMAndLineEnds(t *testing.T) {
	for name, in := range map[string]string{
		"comma":        "id,name\r\n1,Ann\r\n2,\"B, Bob\"\r\n",
		"semicolon":    "\ufeffid;name\n1;Ann\n2;B, Bob\n",
		"tab":          "id\tname\n1\tAnn\n2\tB, Bob\n",
		"quoted BOM":   "\ufeff\"id\";\"name\"\r\n\"1\";\"Ann\"\r\n\"2\";\"B, Bob\"\r\n",
		"blank lines":  "id,name\n\n1,Ann\n\n2,\"B, Bob\"\n\n",
		"empty rows":   "id;name;;\r\n1;Ann;;\r\n;;;\r\n2;B, Bob;;\r\n;;;\r\n;\r\n",
		"no final EOL": "id,name\n1,Ann\n2,\"B, Bob\"",
	} {
		r, rows, errs := readAll(t, in, ReadOptions{})
		if len(errs) > 0 || !reflect.DeepEqual(r.Header[:2], []string{"id", "name"}) || len(rows) != 2 ||
			rows[0].Cells[1] != "Ann" || rows[1].Cells[1] != "B, Bob" {
			t.Errorf("%s: header %q rows %v errs %v", name, r.Header, rows, errs)
		}
	}
}

func TestReaderLineNumbersFollowTheFile(t *testing.T) {
	_, rows, _ := readAll(t, "id,note\n1,\"two\nlines\"\n\n3,x\n", ReadOptions{})
	if rows[0].Line != 2 || rows[1].Line != 5 {
		t.Errorf("lines %d %d, want 2 5", rows[0].Line, rows[1].Line)
	}
}

func TestReaderRowShapes(t *testing.T) {
	// Excel drops trailing empty cells: fewer cells are padded; more cells are an error.
	_, rows, errs := readAll(t, "a,b,c\n1\n1,2,3,4\n1,2,3,,\n", ReadOptions{})
	if len(rows) != 2 || !reflect.DeepEqual(rows[0].Cells, []string{"1", "", ""}) {
		t.Errorf("rows %v", rows)
	}
	if len(errs) != 1 || errs[0].Error() != "in.csv:3: 4 cells but the header has 3 columns" {
		t.Errorf("errs %v", errs)
	}
}

// Quote mistakes are reported in plain words at the line where the cell starts, and the
// rows after a stray quote are still read.
func TestReaderQuoteErrorsInPlainWords(t *testing.T) {
	for _, tc := range []struct {
		in   string
		rows int
		errs string
	}{
		{"a,b\n1,\"open\n2,3\n4,5\n", 0,
			`in.csv:2: a quoted cell opens on this line and is never closed, so every line after it was read into that cell: add the closing "`},
		{"a,b\n1,2\n3,\"x\n", 1,
			`in.csv:3: a quoted cell opens on this line and is never closed, so every line after it was read into that cell: add the closing "`},
		{"a,b\n1,\"ab\"c\n2,3\n", 1,
			`in.csv:2: a quoted cell goes on after its closing " (character 6 of the line): put the whole cell in quotes and write each " in it as ""`},
		{"a,b\n1,a\"b\n2,3\n", 1,
			`in.csv:2: a " inside a cell that does not start with one (character 4 of the line): put the whole cell in quotes and write each " in it as ""`},
	} {
		_, rows, errs := readAll(t, tc.in, ReadOptions{})
		var got []string
		for _, e := range errs {
			got = append(got, e.Error())
		}
		if len(rows) != tc.rows || strings.Join(got, "\n") != tc.errs {
			t.Errorf("%q: %d rows, errors:\n%s\nwant %d rows, errors:\n%s", tc.in, len(rows), strings.Join(got, "\n"), tc.rows, tc.errs)
		}
	}
}

// A file that is not text is said to be so, whatever import reads it.
func TestReaderRefusesBinaryFiles(t *testing.T) {
	fix := "export the data as CSV (in Excel: File > Save As > CSV UTF-8) and import that"
	for in, want := range map[string]string{
		"PK\x03\x04\x14\x00\x06\x00[Content_Types].xml": "x.csv: not a text CSV file (it is a zip archive, such as an Excel .xlsx workbook): " + fix,
		"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1":              "x.csv: not a text CSV file (it is an Excel .xls workbook or another Office file): " + fix,
		"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n":                 "x.csv: not a text CSV file (it is a PDF): " + fix,
		"\xFF\xFEi\x00d\x00\n\x00":                      "x.csv: not a UTF-8 CSV file (it is UTF-16 text, as Excel's \"Unicode Text\" writes): " + fix,
		"id,name\n1,\x00\x01\x02":                       "x.csv: not a text CSV file (it holds binary data: a NUL byte at byte 10): " + fix,
	} {
		if _, err := NewReader(strings.NewReader(in), "x.csv", ReadOptions{}); err == nil || err.Error() != want {
			t.Errorf("%q: %v\nwant %s", in, err, want)
		}
	}
}

func TestReaderUndoesFormulaDefusing(t *testing.T) {
	_, rows, _ := readAll(t, "a,b\n'=1+1,'+x\n", ReadOptions{})
	if rows[0].Cells[0] != "=1+1" || rows[0].Cells[1] != "+x" {
		t.Errorf("cells %q", rows[0].Cells)
	}
}

func TestReaderWindows1252(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", "testdata", "contacts", "outlook-de-cp1252.csv"))
	if err != nil {
		t.Fatal(err)
	}
	r, rows, errs := readAll(t, string(data), ReadOptions{})
	if len(errs) > 0 || r.Comma != ';' || r.Header[8] != "Straße geschäftlich" || rows[0].Cells[1] != "Jürg" || rows[1].Cells[9] != "Genève" {
		t.Errorf("comma %q header %q rows %v errs %v", r.Comma, r.Header, rows, errs)
	}
	if _, err := NewReader(strings.NewReader("a\n"), "x", ReadOptions{Encoding: "ebcdic"}); err == nil {
		t.Error("unknown encoding accepted")
	}
}

func TestReaderEmptyFile(t *testing.T) {
	if _, err := NewReader(strings.NewReader(" \n"), "-", ReadOptions{}); err == nil || err.Error() != "stdin: the file is empty" {
		t.Errorf("err = %v", err)
	}
}

func buildAll(t *testing.T, file string, maps map[string]string, idCol string) (*Mapping, []nimbus.Contact, []*RowError) {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "..", "testdata", "contacts", file))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := NewReader(f, file, ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	m, err := ContactSchema.Resolve(r.Header, maps, idCol, "externalId")
	if err != nil {
		t.Fatal(err)
	}
	b := &ContactBuilder{File: file, Map: m, DefaultCountry: "+41"}
	var out []nimbus.Contact
	var problems []*RowError
	for {
		row, err := r.Read()
		if err == io.EOF {
			return m, out, problems
		}
		if err != nil {
			problems = append(problems, err.(*RowError))
			continue
		}
		c, errs := b.Build(row)
		out = append(out, c)
		problems = append(problems, errs...)
	}
}

func TestOutlookExportImportsWithoutEditing(t *testing.T) {
	m, got, problems := buildAll(t, "outlook.csv", nil, "E-mail Address")
	if len(problems) > 0 {
		t.Fatalf("problems: %v", problems)
	}
	want := nimbus.Contact{
		ExternalID: "anna.muster@example.ch", FirstName: "Anna", LastName: "Muster", Company: "Muster AG",
		Department: "Purchasing", JobTitle: "Buyer",
		EmailAddresses: []string{"anna.muster@example.ch", "anna@muster.ch"},
		BusinessPhones: []string{"+41445551234"}, MobilePhones: []string{"+41795551234"},
		Addresses: []nimbus.Address{{Street: "Bahnhofstrasse 1", City: "Zürich", PostalCode: "8001", Country: "Switzerland"}},
	}
	if !reflect.DeepEqual(got[0], want) {
		t.Errorf("got  %+v\nwant %+v", got[0], want)
	}
	if got[1].Addresses[0].City != "Berlin" || got[1].HomePhones[0] != "+49301234567" {
		t.Errorf("home address/phone: %+v", got[1])
	}
	for _, ignored := range []string{"Notes", "Birthday", "Title", "Middle Name"} {
		if !contains(m.Ignored, ignored) {
			t.Errorf("%q should be reported as ignored: %v", ignored, m.Ignored)
		}
	}
	if contains(m.Ignored, "E-mail Address") {
		t.Error("the id column is not ignored")
	}
}

func TestGermanOutlookExport(t *testing.T) {
	_, got, problems := buildAll(t, "outlook-de-cp1252.csv", nil, "E-Mail-Adresse")
	if len(problems) > 0 {
		t.Fatalf("problems: %v", problems)
	}
	want := nimbus.Contact{
		ExternalID: "s.favre@example.ch", FirstName: "Sébastien", LastName: "Favre", Company: "Favre & Cie",
		EmailAddresses: []string{"s.favre@example.ch", "info@favre.example.ch"}, BusinessPhones: []string{"+41225553030"},
		Addresses: []nimbus.Address{{Street: "Rue du Rhône 3", City: "Genève", State: "GE", PostalCode: "1204", Country: "Schweiz"}},
	}
	if !reflect.DeepEqual(got[1], want) {
		t.Errorf("got  %+v\nwant %+v", got[1], want)
	}
}

func TestGoogleExportRoutesPhonesByLabel(t *testing.T) {
	_, got, problems := buildAll(t, "google.csv", nil, "E-mail 1 - Value")
	if len(problems) > 0 {
		t.Fatalf("problems: %v", problems)
	}
	dana := got[0]
	if dana.ExternalID != "dana.scully@example.gov" || !reflect.DeepEqual(dana.EmailAddresses, []string{"dana.scully@example.gov", "dana@example.org"}) ||
		!reflect.DeepEqual(dana.MobilePhones, []string{"+12025550101"}) || !reflect.DeepEqual(dana.BusinessPhones, []string{"+12025550102"}) ||
		dana.Company != "FBI" || dana.JobTitle != "Agent" || dana.Addresses[0].State != "DC" {
		t.Errorf("dana %+v", dana)
	}
	if !reflect.DeepEqual(got[1].HomePhones, []string{"+12025550199"}) {
		t.Errorf("fox %+v", got[1])
	}
}

func TestCRMExportWithCustomFieldsAndMultiValues(t *testing.T) {
	_, got, problems := buildAll(t, "crm-excel-bom-semicolon.csv", nil, "")
	if len(problems) > 0 {
		t.Fatalf("problems: %v", problems)
	}
	want := nimbus.Contact{ExternalID: "C-1001", FirstName: "Ada", LastName: "Lovelace", Company: "Analytical Engines",
		EmailAddresses: []string{"ada@example.com", "ada.l@example.org"}, MobilePhones: []string{"+442079460001"},
		CustomFields: []nimbus.CustomField{{Name: "Tier", Value: "gold"}, {Name: "Account Manager", Value: "Zoe"}}}
	if !reflect.DeepEqual(got[0], want) {
		t.Errorf("got  %+v\nwant %+v", got[0], want)
	}
	if len(got[1].CustomFields) != 1 || got[1].MobilePhones[0] != "+41794600002" {
		t.Errorf("empty custom cell should be left out, national number normalized: %+v", got[1])
	}
}

func TestInvalidRowsAreAllReported(t *testing.T) {
	_, _, problems := buildAll(t, "invalid.csv", nil, "")
	var msgs []string
	for _, p := range problems {
		msgs = append(msgs, p.Error())
	}
	want := []string{
		"invalid.csv:3: externalId: the external id is empty",
		`invalid.csv:4: emailAddresses: "not-an-email" is not an e-mail address`,
		`invalid.csv:5: mobilePhones: "call me maybe" is not a phone number`,
		"invalid.csv:7: 5 cells but the header has 4 columns",
	}
	if !reflect.DeepEqual(msgs, want) {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(msgs, "\n"), strings.Join(want, "\n"))
	}
}

func TestMapAndIDColumn(t *testing.T) {
	header := []string{"Kunde", "Nom", "Notes", "Tier"}
	m, err := ContactSchema.Resolve(header, map[string]string{key("Kunde"): "externalId", key("Notes"): "-", key("Tier"): "field.tier"}, "", "externalId")
	if err != nil {
		t.Fatal(err)
	}
	if m.IDCol != 0 || m.Targets[1].Field != "lastName" || m.Targets[2].Field != "" || m.Targets[3].Field != "field.tier" || len(m.Ignored) != 0 {
		t.Errorf("mapping %+v", m)
	}
	if _, err := ContactSchema.Resolve(header, map[string]string{key("Kunde"): "nickname"}, "", "externalId"); err == nil ||
		!strings.HasPrefix(err.Error(), `--map Kunde=nickname: unknown field "nickname": known fields: address.city,`) {
		t.Errorf("err %v", err)
	}
	if _, err := ContactSchema.Resolve(header, map[string]string{key("Missing"): "firstName"}, "", "externalId"); err == nil {
		t.Error("a --map for a missing column must fail")
	}
	if _, err := ContactSchema.Resolve(header, nil, "Email", "externalId"); err == nil || !strings.Contains(err.Error(), "--id-column") {
		t.Errorf("err %v", err)
	}
	if _, err := ParseMaps([]string{"noequals"}); err == nil {
		t.Error("bad --map accepted")
	}
}

func TestMergeKeepsWhatTheFileDoesNotCover(t *testing.T) {
	server := nimbus.Contact{ExternalID: "1", FirstName: "Old", JobTitle: "Keep", MobilePhones: []string{"+1"},
		CustomFields: []nimbus.CustomField{{Name: "a", Value: "1"}, {Name: "b", Value: "2"}}}
	m, _ := ContactSchema.Resolve([]string{"externalId", "firstName", "mobilePhones", "field.b", "field.c"}, nil, "", "externalId")
	file := nimbus.Contact{ExternalID: "1", FirstName: "New", CustomFields: []nimbus.CustomField{{Name: "c", Value: "3"}}}
	got := MergeContact(server, file, m)
	want := nimbus.Contact{ExternalID: "1", FirstName: "New", JobTitle: "Keep",
		CustomFields: []nimbus.CustomField{{Name: "a", Value: "1"}, {Name: "c", Value: "3"}}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
	if !SameContact(MergeContact(want, want, m), want) {
		t.Error("merging a contact onto itself must change nothing")
	}
}

func contains(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}

// sniffEncoding looks at the whole file: UTF-8 letters anywhere (also one cut by a chunk's
// end) make it UTF-8, bytes that are not UTF-8 and no UTF-8 letter make it Windows-1252, and
// a file mixing both stays UTF-8 (its bad rows are refused, not mangled).
func TestSniffEncodingReadsTheWholeFile(t *testing.T) {
	pad := strings.Repeat("a", 256<<10-1) // the first chunk ends inside the next letter
	for name, tc := range map[string]struct{ body, enc, want string }{
		"ascii":               {"id\n1\n", "auto", "utf-8"},
		"utf-8 cut by chunk":  {pad + "ü\n", "auto", "utf-8"},
		"1252 far in":         {pad + "M\xfcller\n", "", "windows-1252"},
		"mixed":               {"Jürg\n" + pad + "M\xfcller\n", "auto", "utf-8"},
		"bom":                 {"\ufeffM\xfcller\n", "auto", "utf-8"},
		"said windows-1252":   {"Jürg\n", "windows-1252", "windows-1252"},
		"said utf-8 for 1252": {"M\xfcller\n", "utf-8", "utf-8"},
	} {
		if got, err := sniffEncoding(strings.NewReader(tc.body), tc.enc); err != nil || got != tc.want {
			t.Errorf("%s: %q, %v; want %q", name, got, err, tc.want)
		}
	}
}

// A last row with fewer cells than the header and no line end is a file cut off inside it;
// with its line end, or not last, it is a row whose empty cells Excel left out.
func TestReaderTellsACutOffLastRow(t *testing.T) {
	for name, tc := range map[string]struct {
		in    string
		cells []string // of the last row read
		err   string
	}{
		"cut off":            {"a,b,c\n1,2,3\n4,5", []string{"1", "2", "3"}, "in.csv:3: the file ends inside this row (2 of 3 cells, and no line end): it looks cut off, as an export still being written or a broken copy does; check the file and run again"},
		"cut off after CRLF": {"a;b;c\r\n1;2;3\r\n4", []string{"1", "2", "3"}, "in.csv:3: the file ends inside this row (1 of 3 cells, and no line end): it looks cut off, as an export still being written or a broken copy does; check the file and run again"},
		"short, line end":    {"a,b,c\n1,2,3\n4,5\n", []string{"4", "5", ""}, ""},
		"short, not last":    {"a,b,c\n1\n4,5,6", []string{"4", "5", "6"}, ""},
		"short, then blank":  {"a,b,c\n1,2\n\n", []string{"1", "2", ""}, ""},
	} {
		_, rows, errs := readAll(t, tc.in, ReadOptions{})
		got := ""
		if len(errs) > 0 {
			got = errs[0].Error()
		}
		if got != tc.err || len(rows) == 0 || !reflect.DeepEqual(rows[len(rows)-1].Cells, tc.cells) {
			t.Errorf("%s: rows %v errs %v", name, rows, errs)
		}
	}
}

// Exports meant for Excel often start with "sep=;" (Excel's hint for the separator): the line
// names the separator and is not the header.
func TestReaderTakesExcelSepLine(t *testing.T) {
	for name, in := range map[string]string{
		"semicolon":      "sep=;\r\nid;name\r\n1;Ann\r\n2;B, Bob\r\n",
		"tab, after BOM": "\ufeffsep=\t\nid\tname\n1\tAnn\n2\tB, Bob\n",
		"comma":          "sep=,\nid,name\n1,Ann\n2,\"B, Bob\"\n",
	} {
		r, rows, errs := readAll(t, in, ReadOptions{})
		if len(errs) > 0 || !reflect.DeepEqual(r.Header, []string{"id", "name"}) || len(rows) != 2 ||
			rows[0].Line != 3 || rows[1].Cells[1] != "B, Bob" {
			t.Errorf("%s: header %q rows %v errs %v", name, r.Header, rows, errs)
		}
	}
}
