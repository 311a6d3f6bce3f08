package bulk

import (
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/nimbusctl/nimbusctl/pkg/phone"
)

// FuzzReader: any input either fails cleanly or yields rows shaped like the header.
func FuzzReader(f *testing.F) {
	for _, seed := range []string{
		"id,name\n1,Ann\n", "\ufeff\"a\";\"b\"\r\n1;2\r\n", "a\tb\n\"x\ny\"\tz\n", "a,b\n1,2,3\n", "a\n\"open", "\xff\xfe,\n",
		"'=1,+2\n'-3,@4\n",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := NewReader(strings.NewReader(string(data)), "fuzz.csv", ReadOptions{})
		if err != nil {
			return
		}
		for i := 0; i < 10000; i++ {
			row, err := r.Read()
			if err == io.EOF {
				return
			}
			if err != nil {
				if _, ok := err.(*RowError); !ok && row.Line == 0 {
					return // a parse error ends the file
				}
				continue
			}
			if len(row.Cells) != len(r.Header) {
				t.Fatalf("row has %d cells, header %d", len(row.Cells), len(r.Header))
			}
		}
	})
}

// FuzzContactRow: any header and cells map and build without panicking, and every phone
// number that gets through is E.164.
func FuzzContactRow(f *testing.F) {
	f.Add("externalId,firstName,Mobile,field.x,Address 2 - City", "id1,Ann,079 555 12 34,v,Bern")
	f.Add("E-mail Address,Phone 1 - Type,Phone 1 - Value", "a@b.c,Mobile,+1 202 555 0101 ::: 555")
	f.Add("Kunde;Nachname;Telefon geschäftlich", "K1;Muster;044 555 12 34")
	f.Fuzz(func(t *testing.T, header, cells string) {
		h := strings.Split(header, ",")
		c := strings.Split(cells, ",")
		if len(c) < len(h) {
			c = append(c, make([]string, len(h)-len(c))...)
		}
		m, err := ContactSchema.Resolve(h, nil, "", "externalId")
		if err != nil {
			return
		}
		b := &ContactBuilder{File: "f", Map: m, DefaultCountry: "+41"}
		ct, errs := b.Build(Row{Line: 2, Cells: c[:len(h)]})
		if len(errs) > 0 {
			return
		}
		for _, list := range [][]string{ct.BusinessPhones, ct.MobilePhones, ct.HomePhones} {
			for _, p := range list {
				if !phone.IsE164(p) {
					t.Fatalf("phone %q got through unnormalized", p)
				}
			}
		}
	})
}

func TestKeySetFindsDuplicatesAndGrows(t *testing.T) {
	k := newKeySet(0) // forced to grow several times
	for i := 0; i < 5000; i++ {
		if k.add(fmt.Sprintf("id-%d", i), i+2) {
			t.Fatalf("id-%d reported as a duplicate", i)
		}
	}
	if !k.add("id-42", 9000) || k.isFirst("id-42", 9000) || !k.isFirst("id-42", 44) || !k.has("id-4999") || k.has("id-5000") {
		t.Fatal("membership is wrong")
	}
	k.noteFirst("id-42", 44)
	k.noteFirst("id-42", 9000)
	if k.firstLine("id-42") != 44 {
		t.Errorf("first line = %d", k.firstLine("id-42"))
	}
}
