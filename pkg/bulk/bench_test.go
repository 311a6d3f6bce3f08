package bulk_test

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nimbusctl/nimbusctl/pkg/bulk"
	"github.com/nimbusctl/nimbusctl/pkg/emulator"
)

// contactsFile writes n rows in the shape of a CRM export.
func contactsFile(tb testing.TB, n int) string {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "contacts.csv")
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	fmt.Fprintln(f, "externalId;First Name;Last Name;Company;E-mail;Mobile;Business Phone;City;field.tier")
	for i := 0; i < n; i++ {
		fmt.Fprintf(f, "C-%07d;First%d;Last%d;Company %d AG;c%d@example.com|alt%d@example.org;+4179%07d;044 %03d %02d %02d;Zürich;gold\n",
			i, i, i, i%1000, i, i, i, i%1000, i%100, i%97)
	}
	f.Close()
	return path
}

// BenchmarkValidate measures the validation pass (read, map, normalize phones, check
// e-mails, find duplicates): the rows/s figure of `contact import --validate-only`.
func BenchmarkValidate(b *testing.B) {
	const rows = 100_000
	path := contactsFile(b, rows)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		in, cleanup, _ := bulk.FileInput(path, nil, bulk.ReadOptions{})
		ci := &bulk.ContactImport{Input: in, DefaultCountry: "+41", ValidateOnly: true,
			Recorder: bulk.NewRecorder(path, nil, false, nil, nil)}
		s, err := ci.Run(context.Background())
		cleanup()
		if err != nil || s.Invalid != 0 {
			b.Fatalf("%+v %v", s, err)
		}
	}
	b.ReportMetric(float64(rows*b.N)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkPlan100k measures a --dry-run of 100,000 rows against a book of 100,000 contacts
// (half of them different): validate, read the book over HTTP, merge and compare every row.
func BenchmarkPlan100k(b *testing.B) {
	const rows = 100_000
	w := newWorld(b, emulator.Options{Seed: 1, Empty: true})
	book := make([]map[string]any, rows)
	for i := range book {
		first := fmt.Sprintf("First%d", i)
		if i%2 == 0 {
			first = "Changed"
		}
		book[i] = map[string]any{"externalId": fmt.Sprintf("C-%07d", i), "firstName": first}
	}
	w.emu.PutContacts(emulator.BookCustomers, book)
	path := contactsFile(b, rows)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		in, cleanup, _ := bulk.FileInput(path, nil, bulk.ReadOptions{})
		ci := &bulk.ContactImport{Client: w.c, Book: emulator.BookCustomers, Input: in, DefaultCountry: "+41", DryRun: true,
			Recorder: bulk.NewRecorder(path, io.Discard, false, nil, nil)}
		s, err := ci.Run(context.Background())
		cleanup()
		if err != nil || s.Updated != rows {
			b.Fatalf("%+v %v", s, err)
		}
	}
	b.ReportMetric(float64(rows*b.N)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkLedgerLoad measures what a schedule import pays for reading the whole ledger: 90
// days of 10,000 calls each, of which the file names one day's worth.
func BenchmarkLedgerLoad(b *testing.B) {
	const days, perDay = 90, 10_000
	dir := b.TempDir()
	l, err := bulk.OpenLedger(dir, time.Now())
	if err != nil {
		b.Fatal(err)
	}
	due := time.Now().Add(-time.Duration(days-1) * 24 * time.Hour)
	for d := 0; d < days; d++ {
		f, err := os.Create(filepath.Join(dir, due.Add(time.Duration(d)*24*time.Hour).UTC().Format("2006-01-02")+".jsonl"))
		if err != nil {
			b.Fatal(err)
		}
		for i := 0; i < perDay; i++ {
			fmt.Fprintf(f, `{"service":"support@contoso.com","referenceId":"R-%02d-%05d","schedulerEntryId":"e5c4b3a2-0001-4f1e-8d2c-3b4a5f6e7d01","due":"2030-01-01T10:00:00Z","scheduledAt":"2029-12-31T10:00:00Z"}`+"\n", d, i)
		}
		f.Close()
	}
	want := func(key string) bool { return strings.HasPrefix(key, "support@contoso.com\x00R-42-") }
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		l, _ = bulk.OpenLedger(dir, time.Now())
		if err := l.Load(want); err != nil {
			b.Fatal(err)
		}
	}
	if _, ok := l.Has("support@contoso.com", "R-42-00042"); !ok {
		b.Fatal("R-42-00042 not loaded")
	}
	b.ReportMetric(float64(days*perDay*b.N)/b.Elapsed().Seconds(), "entries/s")
}

// BenchmarkSurveyLedgerOpen measures what a respondent import pays for reading its ledger:
// 30 days of 10,000 rows each, every row written twice (sending, then sent), each line
// naming its respondent as the ledger does since it keeps them.
func BenchmarkSurveyLedgerOpen(b *testing.B) {
	const days, perDay = 30, 10_000
	dir := b.TempDir()
	start := time.Now().UTC().AddDate(0, 0, -days+1)
	for d := 0; d < days; d++ {
		day := start.AddDate(0, 0, d)
		f, err := os.Create(filepath.Join(dir, day.Format("2006-01-02")+".jsonl"))
		if err != nil {
			b.Fatal(err)
		}
		at := day.Format(time.RFC3339)
		for i := 0; i < perDay; i++ {
			who := fmt.Sprintf("customer-%02d-%05d@example.com", d, i)
			key := bulk.SurveyKey("respondent", "101", who)
			for _, st := range []string{"sending", "sent"} {
				fmt.Fprintf(f, `{"key":%q,"state":%q,"at":%q,"campaign":"101","respondent":%q}`+"\n", key, st, at, who)
			}
		}
		f.Close()
	}
	b.ReportAllocs()
	b.ResetTimer()
	var l *bulk.SurveyLedger
	for i := 0; i < b.N; i++ {
		var err error
		if l, err = bulk.OpenSurveyLedger(dir, time.Now()); err != nil {
			b.Fatal(err)
		}
	}
	if n := len(l.Entries()); n != days*perDay {
		b.Fatalf("%d entries", n)
	}
	b.ReportMetric(float64(2*days*perDay*b.N)/b.Elapsed().Seconds(), "lines/s")
}

// BenchmarkScheduleValidate measures the validation pass of `schedule import --validate-only`
// (read, map, normalize numbers, parse due times, find duplicate calls with their ReferenceIds
// folded as foldKey makes them).
func BenchmarkScheduleValidate(b *testing.B) {
	const rows = 100_000
	path := filepath.Join(b.TempDir(), "calls.csv")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	fmt.Fprintln(f, "ReferenceId;Service;Phone Number;Due;First Name;Last Name;ctx.order")
	for i := 0; i < rows; i++ {
		fmt.Fprintf(f, "cb-%07d;support@contoso.com;044 555 %02d %02d;2030-01-02 09:00;Kim;Nr%d;O-%d\n", i, i/100%100, i%100, i, i)
	}
	f.Close()
	zurich, _ := time.LoadLocation("Europe/Zurich")
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		in, cleanup, _ := bulk.FileInput(path, nil, bulk.ReadOptions{})
		si := &bulk.ScheduleImport{Input: in, TZ: zurich, DefaultCountry: "+41", ValidateOnly: true,
			Recorder: bulk.NewRecorder(path, nil, false, nil, nil)}
		s, err := si.Run(context.Background())
		cleanup()
		if err != nil || s.Invalid != 0 {
			b.Fatalf("%+v %v", s, err)
		}
	}
	b.ReportMetric(float64(rows*b.N)/b.Elapsed().Seconds(), "rows/s")
}
