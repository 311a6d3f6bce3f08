package bulk

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/nimbusctl/nimbusctl/pkg/nimbus"
	"github.com/nimbusctl/nimbusctl/pkg/phone"
)

// ContactSchema knows the columns of our own exports (canonical names), Outlook's and Google
// Contacts' CSV exports (English and German Outlook), and common CRM spellings.
var ContactSchema = &Schema{
	Fields: []FieldDef{
		{Name: "externalId", Aliases: []string{"external id", "id", "contact id", "customer id", "crm id", "customer number", "kundennummer"}},
		{Name: "firstName", Aliases: []string{"first name", "given name", "vorname", "prénom", "prenom"}},
		{Name: "lastName", Aliases: []string{"last name", "surname", "family name", "nachname", "nom"}},
		{Name: "displayName", Aliases: []string{"display name", "name", "full name", "anzeigename"}},
		{Name: "initials", Aliases: []string{"initialen"}},
		{Name: "company", Aliases: []string{"organization", "organisation", "organization name", "organization 1 - name", "firma", "unternehmen", "account name"}},
		{Name: "department", Aliases: []string{"organization department", "organization 1 - department", "abteilung"}},
		{Name: "jobTitle", Aliases: []string{"job title", "position", "organization title", "organization 1 - title", "funktion"}},
		{Name: "userPrincipalName", Aliases: []string{"upn", "user principal name"}},
		{Name: "imAddresses", Multi: true, Aliases: []string{"im address", "imaddress", "im", "sip address", "chat"}},
		{Name: "emailAddresses", Multi: true, Aliases: []string{"email", "e-mail", "email address", "e-mail address", "e-mail 2 address", "e-mail 3 address", "e-mail - value", "e-mail 1 - value", "emails", "mail", "e-mail-adresse", "e-mail 2: adresse", "e-mail 3: adresse"}},
		{Name: "businessPhones", Multi: true, Aliases: []string{"business phone", "business phone 2", "work phone", "phone", "telephone", "office phone", "company main phone", "primary phone", "telefon", "telefon geschäftlich", "telefon geschäftlich 2", "telefon firma"}},
		{Name: "mobilePhones", Multi: true, Aliases: []string{"mobile", "mobile phone", "mobile number", "cell", "cell phone", "mobiltelefon", "handy", "natel"}},
		{Name: "homePhones", Multi: true, Aliases: []string{"home phone", "home phone 2", "private phone", "telefon privat", "telefon privat 2"}},
		{Name: "phones", Multi: true, Aliases: []string{"phone - value", "phone 1 - value"}}, // Google: kind in "Phone N - Type"
		{Name: "address.street", Aliases: []string{"street", "street address", "address 1 - street", "business street", "home street", "other street", "straße geschäftlich", "straße privat", "strasse"}},
		{Name: "address.city", Aliases: []string{"city", "address 1 - city", "business city", "home city", "other city", "ort geschäftlich", "ort privat", "ort"}},
		{Name: "address.state", Aliases: []string{"state", "region", "address 1 - region", "business state", "home state", "other state", "region geschäftlich", "region privat", "kanton"}},
		{Name: "address.postalCode", Aliases: []string{"postal code", "zip", "zip code", "postcode", "address 1 - postal code", "business postal code", "home postal code", "other postal code", "postleitzahl geschäftlich", "postleitzahl privat", "plz"}},
		{Name: "address.country", Aliases: []string{"country", "country/region", "address 1 - country", "business country/region", "home country/region", "other country/region", "business country", "home country", "other country", "land/region geschäftlich", "land/region privat", "land"}},
	},
	Prefixes: []string{"field."},
	Groups:   addressGroups(),
}

func addressGroups() map[string]int {
	g := map[string]int{}
	for _, part := range []string{"street", "city", "state", "postalcode", "country"} {
		g["address"+part] = 0 // number from the header, else 1
	}
	for _, a := range []string{"street", "street address", "city", "state", "region", "postal code", "zip", "zip code", "postcode", "country", "country/region", "strasse", "ort", "kanton", "plz", "land",
		"address - street", "address - city", "address - region", "address - postal code", "address - country"} {
		g[key(a)] = 0
	}
	for prefix, n := range map[string]int{"business": 1, "home": 2, "other": 3} {
		// Outlook wrote "Business Country" before it wrote "Business Country/Region".
		for _, part := range []string{"street", "city", "state", "postal code", "country/region", "country"} {
			g[key(prefix+" "+part)] = n
		}
	}
	for suffix, n := range map[string]int{"geschäftlich": 1, "privat": 2} {
		for _, part := range []string{"straße", "ort", "region", "postleitzahl", "land/region"} {
			g[key(part+" "+suffix)] = n
		}
	}
	return g
}

// ContactBuilder turns rows into contacts under one mapping.
type ContactBuilder struct {
	File           string
	Map            *Mapping
	DefaultCountry string // for phone numbers without a country code ("+41")
	KeepPhones     bool   // leave phone numbers as written instead of E.164
}

// Build makes the contact of one row; problems are reported per cell, all of them.
func (b *ContactBuilder) Build(row Row) (nimbus.Contact, []*RowError) {
	c, _, errs := b.build(row, false)
	return c, errs
}

// build is Build that, with notePhones, also lists the row's phone numbers as written and as
// normalized. It only reads b: rows are built on several goroutines at once.
func (b *ContactBuilder) build(row Row, notePhones bool) (nimbus.Contact, []PhoneNote, []*RowError) {
	var c nimbus.Contact
	var notes []PhoneNote
	var errs []*RowError
	bad := func(col int, format string, a ...any) {
		errs = append(errs, &RowError{File: b.File, Line: row.Line, Column: b.Map.Header[col], Msg: fmt.Sprintf(format, a...)})
	}
	addrs := map[int]*nimbus.Address{}
	maxGroup := 0
	other, foreign := findOtherCountry(row, b.Map, func(f string) bool { return f == "address.country" }, b.DefaultCountry)
	for i, t := range b.Map.Targets {
		cell := row.Cells[i]
		if t.Field == "" {
			continue
		}
		switch {
		case strings.HasPrefix(t.Field, "field."):
			if cell != "" {
				c.CustomFields = append(c.CustomFields, nimbus.CustomField{Name: t.Field[len("field."):], Value: cell})
			}
		case strings.HasPrefix(t.Field, "address."):
			if cell == "" {
				continue
			}
			g := max(t.Group, 1)
			a := addrs[g]
			if a == nil {
				a = &nimbus.Address{}
				addrs[g] = a
			}
			maxGroup = max(maxGroup, g)
			setAddress(a, t.Field[len("address."):], cell)
		default:
			for _, v := range values(t.Field, cell) {
				switch t.Field {
				case "emailAddresses":
					if !plausibleEmail(v) {
						bad(i, "%q is not an e-mail address", v)
						continue
					}
				case "businessPhones", "mobilePhones", "homePhones", "phones":
					if !b.KeepPhones {
						if foreign {
							if err := other.check(v, b.DefaultCountry); err != nil {
								bad(i, "%v", err)
								continue
							}
						}
						n, err := phone.Normalize(v, b.DefaultCountry)
						if err != nil {
							bad(i, "%v", err)
							continue
						}
						if notePhones {
							notes = append(notes, PhoneNote{Column: b.Map.Header[i], Input: v, E164: n})
						}
						v = n
					}
				}
				field := t.Field
				if field == "phones" {
					field = phoneKind(row.Cells, t.KindOf)
				}
				setContact(&c, field, v)
			}
		}
	}
	for g := 1; g <= maxGroup; g++ {
		if a := addrs[g]; a != nil {
			c.Addresses = append(c.Addresses, *a)
		}
	}
	if b.Map.IDCol >= 0 {
		id := row.Cells[b.Map.IDCol]
		if list := SplitMulti(id); b.Map.Targets[b.Map.IDCol].Field != "" && len(list) > 0 {
			id = list[0] // an id column that is also a list (e-mail): its first value
		}
		c.ExternalID = id
	}
	if c.ExternalID == "" {
		col := "externalId"
		if b.Map.IDCol >= 0 {
			col = b.Map.Header[b.Map.IDCol]
		}
		errs = append(errs, &RowError{File: b.File, Line: row.Line, Column: col, Msg: "the external id is empty"})
	}
	return c, notes, errs
}

func values(field, cell string) []string {
	switch field {
	case "imAddresses", "emailAddresses", "businessPhones", "mobilePhones", "homePhones", "phones":
		return SplitMulti(cell)
	}
	return []string{cell}
}

func plausibleEmail(s string) bool {
	at := strings.IndexByte(s, '@')
	return at > 0 && at < len(s)-1 && !strings.ContainsAny(s, " ,;<>")
}

// phoneKind routes a Google phone by its "Phone N - Type" cell.
func phoneKind(cells []string, kindCol int) string {
	kind := ""
	if kindCol >= 0 {
		kind = strings.ToLower(cells[kindCol])
	}
	switch {
	case strings.Contains(kind, "mobile") || strings.Contains(kind, "cell"):
		return "mobilePhones"
	case strings.Contains(kind, "home"):
		return "homePhones"
	}
	return "businessPhones"
}

func setAddress(a *nimbus.Address, part, v string) {
	switch part {
	case "street":
		a.Street = v
	case "city":
		a.City = v
	case "state":
		a.State = v
	case "postalCode":
		a.PostalCode = v
	case "country":
		a.Country = v
	}
}

func setContact(c *nimbus.Contact, field, v string) {
	switch field {
	case "externalId":
		c.ExternalID = v
	case "firstName":
		c.FirstName = v
	case "lastName":
		c.LastName = v
	case "displayName":
		c.DisplayName = v
	case "initials":
		c.Initials = v
	case "company":
		c.Company = v
	case "department":
		c.Department = v
	case "jobTitle":
		c.JobTitle = v
	case "userPrincipalName":
		c.UserPrincipalName = v
	case "imAddresses":
		c.IMAddresses = append(c.IMAddresses, v)
	case "emailAddresses":
		c.EmailAddresses = append(c.EmailAddresses, v)
	case "businessPhones":
		c.BusinessPhones = append(c.BusinessPhones, v)
	case "mobilePhones":
		c.MobilePhones = append(c.MobilePhones, v)
	case "homePhones":
		c.HomePhones = append(c.HomePhones, v)
	}
}

// MergeContact applies the file's view of a contact onto the server's: every field the file's
// columns cover is taken from the file (an empty cell clears it), every other field keeps the
// server's value. Custom fields merge by name.
func MergeContact(server, file nimbus.Contact, m *Mapping) nimbus.Contact {
	out := server
	out.ExternalID = file.ExternalID
	covers := func(f string) bool { return m.Has(f) }
	if covers("firstName") {
		out.FirstName = file.FirstName
	}
	if covers("lastName") {
		out.LastName = file.LastName
	}
	if covers("displayName") {
		out.DisplayName = file.DisplayName
	}
	if covers("initials") {
		out.Initials = file.Initials
	}
	if covers("company") {
		out.Company = file.Company
	}
	if covers("department") {
		out.Department = file.Department
	}
	if covers("jobTitle") {
		out.JobTitle = file.JobTitle
	}
	if covers("userPrincipalName") {
		out.UserPrincipalName = file.UserPrincipalName
	}
	if covers("imAddresses") {
		out.IMAddresses = file.IMAddresses
	}
	if covers("emailAddresses") {
		out.EmailAddresses = file.EmailAddresses
	}
	phones := covers("phones")
	if covers("businessPhones") || phones {
		out.BusinessPhones = file.BusinessPhones
	}
	if covers("mobilePhones") || phones {
		out.MobilePhones = file.MobilePhones
	}
	if covers("homePhones") || phones {
		out.HomePhones = file.HomePhones
	}
	if m.HasPrefix("address.") {
		out.Addresses = file.Addresses
	}
	if m.HasPrefix("field.") {
		out.CustomFields = mergeCustom(server.CustomFields, file.CustomFields, m)
	}
	return out
}

func mergeCustom(server, file []nimbus.CustomField, m *Mapping) []nimbus.CustomField {
	fromFile := map[string]string{}
	for _, f := range file {
		fromFile[f.Name] = f.Value
	}
	covered := map[string]bool{}
	var order []string
	for _, t := range m.Targets {
		if name, ok := strings.CutPrefix(t.Field, "field."); ok {
			covered[name] = true
			order = append(order, name)
		}
	}
	var out []nimbus.CustomField
	seen := map[string]bool{}
	for _, f := range server {
		if !covered[f.Name] {
			out = append(out, f)
		} else if v, ok := fromFile[f.Name]; ok {
			out = append(out, nimbus.CustomField{Name: f.Name, Value: v})
		}
		seen[f.Name] = true
	}
	for _, name := range order {
		if v, ok := fromFile[name]; ok && !seen[name] {
			out = append(out, nimbus.CustomField{Name: name, Value: v})
			seen[name] = true
		}
	}
	return out
}

// SameContact compares two contacts as the API would store them.
func SameContact(a, b nimbus.Contact) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return string(ja) == string(jb)
}
