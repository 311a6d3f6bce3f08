package bulk_test

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"

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
		in, _, _ := bulk.FileInput(path, nil, bulk.ReadOptions{})
		ci := &bulk.ContactImport{Input: in, DefaultCountry: "+41", ValidateOnly: true,
			Recorder: bulk.NewRecorder(path, nil, false, nil, nil)}
		s, err := ci.Run(context.Background())
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
		in, _, _ := bulk.FileInput(path, nil, bulk.ReadOptions{})
		ci := &bulk.ContactImport{Client: w.c, Book: emulator.BookCustomers, Input: in, DefaultCountry: "+41", DryRun: true,
			Recorder: bulk.NewRecorder(path, io.Discard, false, nil, nil)}
		s, err := ci.Run(context.Background())
		if err != nil || s.Updated != rows {
			b.Fatalf("%+v %v", s, err)
		}
	}
	b.ReportMetric(float64(rows*b.N)/b.Elapsed().Seconds(), "rows/s")
}
