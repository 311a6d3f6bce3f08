package bulk

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/nimbusctl/nimbusctl/pkg/nimbus"
	"github.com/nimbusctl/nimbusctl/pkg/output"
)

// contactColumns are the canonical columns of an export, in order; the importer knows them all.
var contactColumns = []string{
	"externalId", "firstName", "lastName", "displayName", "initials", "company", "department", "jobTitle",
	"userPrincipalName", "imAddresses", "emailAddresses", "businessPhones", "mobilePhones", "homePhones",
}

var addressParts = []string{"street", "city", "state", "postalCode", "country"}

// ExportContacts writes every contact of a book to w, streaming. CSV uses the canonical
// columns (lists joined with "|", one addressN.* group per address, one field.<name> column per
// custom field) with spreadsheet formulas defused, so the file imports back with no changes.
// JSON is an array of the API's own objects. It returns the number of contacts.
func ExportContacts(ctx context.Context, c *nimbus.Client, book, format string, w io.Writer) (int, error) {
	if format == "json" {
		return exportJSON(ctx, c, book, w)
	}
	// The header depends on every contact (custom field names, number of addresses): spool the
	// contacts to a temporary file while learning it, then write the rows.
	spool, err := os.CreateTemp("", "nimbusctl-export-*")
	if err != nil {
		return 0, err
	}
	defer os.Remove(spool.Name())
	defer spool.Close()
	sw := bufio.NewWriter(spool)
	var fields []string
	seenField := map[string]bool{}
	addresses, n := 0, 0
	err = c.EachContact(ctx, book, func(raw json.RawMessage) error {
		var ct nimbus.Contact
		if err := json.Unmarshal(raw, &ct); err != nil {
			return err
		}
		for _, f := range ct.CustomFields {
			if !seenField[f.Name] {
				seenField[f.Name] = true
				fields = append(fields, f.Name)
			}
		}
		addresses = max(addresses, len(ct.Addresses))
		n++
		_, err := sw.Write(append(compact(raw), '\n'))
		return err
	})
	if err != nil {
		return 0, err
	}
	if err := sw.Flush(); err != nil {
		return 0, err
	}
	header := append([]string(nil), contactColumns...)
	for i := 1; i <= addresses; i++ {
		for _, p := range addressParts {
			header = append(header, fmt.Sprintf("address%d.%s", i, p))
		}
	}
	for _, f := range fields {
		header = append(header, "field."+f)
	}
	cw := csv.NewWriter(w)
	if err := cw.Write(header); err != nil {
		return 0, err
	}
	if _, err := spool.Seek(0, io.SeekStart); err != nil {
		return 0, err
	}
	sc := bufio.NewScanner(spool)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	rec := make([]string, len(header))
	for sc.Scan() {
		var ct nimbus.Contact
		if err := json.Unmarshal(sc.Bytes(), &ct); err != nil {
			return 0, err
		}
		contactRecord(ct, addresses, fields, rec)
		if err := cw.Write(rec); err != nil {
			return 0, err
		}
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	cw.Flush()
	return n, cw.Error()
}

func contactRecord(c nimbus.Contact, addresses int, fields []string, rec []string) {
	join := func(l []string) string { return strings.Join(l, "|") }
	base := []string{c.ExternalID, c.FirstName, c.LastName, c.DisplayName, c.Initials, c.Company, c.Department, c.JobTitle,
		c.UserPrincipalName, join(c.IMAddresses), join(c.EmailAddresses), join(c.BusinessPhones), join(c.MobilePhones), join(c.HomePhones)}
	i := copy(rec, base)
	for a := 0; a < addresses; a++ {
		var ad nimbus.Address
		if a < len(c.Addresses) {
			ad = c.Addresses[a]
		}
		for _, v := range []string{ad.Street, ad.City, ad.State, ad.PostalCode, ad.Country} {
			rec[i] = v
			i++
		}
	}
	values := map[string]string{}
	for _, f := range c.CustomFields {
		values[f.Name] = f.Value
	}
	for _, f := range fields {
		rec[i] = values[f]
		i++
	}
	for j := range rec {
		rec[j] = output.SafeCSVCell(rec[j])
	}
}

func exportJSON(ctx context.Context, c *nimbus.Client, book string, w io.Writer) (int, error) {
	bw := bufio.NewWriter(w)
	n := 0
	bw.WriteString("[")
	err := c.EachContact(ctx, book, func(raw json.RawMessage) error {
		if n > 0 {
			bw.WriteString(",")
		}
		bw.WriteString("\n  ")
		bw.Write(compact(raw))
		n++
		return nil
	})
	if err != nil {
		return 0, err
	}
	if n > 0 {
		bw.WriteString("\n")
	}
	bw.WriteString("]\n")
	return n, bw.Flush()
}

func compact(raw json.RawMessage) []byte {
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		return raw
	}
	return b.Bytes()
}
