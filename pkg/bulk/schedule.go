package bulk

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/nimbusctl/nimbusctl/pkg/nimbus"
	"github.com/nimbusctl/nimbusctl/pkg/phone"
)

// ScheduleSchema knows the columns of a file of calls to schedule: one row per call.
var ScheduleSchema = &Schema{
	Fields: []FieldDef{
		{Name: "referenceId", Aliases: []string{"ReferenceId", "reference", "reference id", "ref", "ref id", "call id", "external id"}},
		{Name: "serviceUpn", Aliases: []string{"service", "service upn", "queue", "service contact"}},
		{Name: "destination", Aliases: []string{"phone", "phone number", "number", "telephone", "to", "callee", "msisdn", "mobile", "call to", "telefon", "telefonnummer", "rufnummer"}},
		{Name: "due", Aliases: []string{"dueDateTimeUtc", "due date", "due time", "due at", "when", "date/time", "scheduled", "scheduled at", "call at", "termin"}},
		{Name: "priority", Aliases: []string{"distributionPriority", "distribution priority"}},
		{Name: "maxAttempts", Aliases: []string{"max attempts", "attempts"}},
		{Name: "attemptTimeout", Aliases: []string{"attemptTimeoutInSeconds", "attempt timeout"}},
		{Name: "maxQueueTime", Aliases: []string{"maxQueueTimeInSeconds", "max queue time", "queue time"}},
		{Name: "ronaTimeout", Aliases: []string{"ronaTimeoutInSeconds", "rona timeout", "rona"}},
		{Name: "customer.firstName", Aliases: []string{"first name", "firstName", "customer first name", "vorname"}},
		{Name: "customer.lastName", Aliases: []string{"last name", "lastName", "customer last name", "surname", "nachname"}},
		{Name: "customer.displayName", Aliases: []string{"display name", "name", "customer name", "customer display name"}},
		{Name: "customer.company", Aliases: []string{"company", "customer company", "firma"}},
		{Name: "customer.jobTitle", Aliases: []string{"job title", "customer job title"}},
		{Name: "customer.department", Aliases: []string{"department", "customer department"}},
		{Name: "customer.streetAddress", Aliases: []string{"street", "street address", "customer street"}},
		{Name: "customer.postCode", Aliases: []string{"postal code", "post code", "zip", "plz", "customer post code"}},
		{Name: "customer.city", Aliases: []string{"city", "customer city", "ort"}},
		{Name: "customer.state", Aliases: []string{"state", "region", "customer state"}},
		{Name: "customer.country", Aliases: []string{"country", "customer country", "land"}},
		{Name: "customer.primaryTelNumber", Aliases: []string{"customer phone", "customer primary phone", "primary phone"}},
		{Name: "customer.UPN", Aliases: []string{"customer upn", "upn"}},
		{Name: "customer.imAddress", Aliases: []string{"customer im", "im address"}},
		{Name: "customer.email", Aliases: []string{"email", "e-mail", "customer email", "email address"}},
	},
	Prefixes: []string{"ctx.", "field.", "tel."},
}

// checkScheduleMapping refuses a file whose columns cannot make calls, once for the file
// rather than on every row: no column for the number to call or the due time (or the service,
// without --service), or two columns filling one field — two numbers for one call would
// leave the one rung to the order of the columns.
func checkScheduleMapping(file string, m *Mapping, serviceFlag bool) error {
	seen := map[string]string{}
	for i, t := range m.Targets {
		if t.Field == "" {
			continue
		}
		if first, dup := seen[t.Field]; dup {
			return fmt.Errorf("%s: columns %q and %q both fill %s: drop one with --map %q (or %q)", file, first, m.Header[i], t.Field, m.Header[i]+"=-", first+"=-")
		}
		seen[t.Field] = m.Header[i]
	}
	columns := strings.Join(m.Header, ", ")
	switch {
	case !m.Has("destination"):
		return fmt.Errorf("%s: no column holds the number to call: name one destination (or phone, phone number, mobile), or use --map \"column=destination\" (columns: %s)", file, columns)
	case !m.Has("due"):
		return fmt.Errorf("%s: no column holds the due time: name one due (or due date, scheduled at, when), or use --map \"column=due\" (columns: %s)", file, columns)
	case !m.Has("serviceUpn") && !serviceFlag:
		return fmt.Errorf("%s: no column holds the service: add a service column, or pass --service UPN (see 'nimbusctl schedule services')", file)
	}
	return nil
}

// ScheduleBuilder turns rows into scheduler entries under one mapping.
type ScheduleBuilder struct {
	File           string
	Map            *Mapping
	Service        string            // --service, for files without a service column
	TZ             *time.Location    // wall-clock due times and days (+1d) are read in this zone (--tz)
	Now            time.Time         // for relative due times (+2h)
	DefaultCountry string            // phone numbers without a country code
	Priorities     map[string]string // name or value (lower case) -> value; nil: not checked
	Services       map[string]bool   // the services the user may schedule on (lower case); nil: not checked
	NotePhones     bool              // list each row's phone numbers in ScheduleRow.Phones
}

// ScheduleRow is one built row.
type ScheduleRow struct {
	Entry   nimbus.SchedulerEntryWrite
	Due     time.Time
	Derived bool        // the ReferenceId was derived, the file had none
	InZone  bool        // the due time was read in TZ: a wall-clock time, or days (+1d)
	Phones  []PhoneNote // with NotePhones: the row's numbers as written and as sent
}

// Key is the row's idempotency key: service and ReferenceId.
func (r ScheduleRow) Key() string {
	return strings.ToLower(r.Entry.ServiceUPN) + "\x00" + r.Entry.ReferenceID
}

// Build makes the entry of one row, reporting every bad cell.
func (b *ScheduleBuilder) Build(row Row) (ScheduleRow, []*RowError) {
	var out ScheduleRow
	e := &out.Entry
	var errs []*RowError
	bad := func(col int, format string, a ...any) {
		errs = append(errs, &RowError{File: b.File, Line: row.Line, Column: b.Map.Header[col], Msg: fmt.Sprintf(format, a...)})
	}
	note := func(col int, in, e164 string) {
		if b.NotePhones {
			out.Phones = append(out.Phones, PhoneNote{Column: b.Map.Header[col], Input: in, E164: e164})
		}
	}
	col := map[string]int{}
	cust := &nimbus.Customer{}
	other, foreign := findOtherCountry(row, b.Map, func(f string) bool { return f == "customer.country" }, b.DefaultCountry)
	number := func(cell string, norm func(string) (string, error)) (string, error) {
		if foreign && !phone.IsAddress(cell) {
			if err := other.check(cell, b.DefaultCountry); err != nil {
				return "", err
			}
		}
		return norm(cell)
	}
	relative := false // the due time was written as +2h
	for i, t := range b.Map.Targets {
		cell := row.Cells[i]
		if t.Field == "" {
			continue
		}
		col[t.Field] = i
		if cell == "" {
			continue
		}
		switch f := t.Field; {
		case strings.HasPrefix(f, "ctx."):
			e.CustomCallContextParameters = append(e.CustomCallContextParameters, nimbus.ContextParameter{Name: f[4:], Value: cell})
		case strings.HasPrefix(f, "field."):
			cust.CustomFields = append(cust.CustomFields, nimbus.CustomField{Name: f[6:], Value: cell})
		case strings.HasPrefix(f, "tel."):
			n, err := number(cell, b.phone)
			if err != nil {
				bad(i, "%v", err)
				continue
			}
			note(i, cell, n)
			cust.TelNumbers = append(cust.TelNumbers, nimbus.TelNumber{Name: f[4:], Value: n})
		case strings.HasPrefix(f, "customer."):
			if f == "customer.primaryTelNumber" {
				n, err := number(cell, b.phone)
				if err != nil {
					bad(i, "%v", err)
					continue
				}
				note(i, cell, n)
				cell = n
			}
			setCustomer(cust, f[len("customer."):], cell)
		case f == "referenceId":
			e.ReferenceID = cell
		case f == "serviceUpn":
			e.ServiceUPN = cell
		case f == "destination":
			d, err := number(cell, b.destination)
			if err != nil {
				bad(i, "%v", err)
				continue
			}
			if !phone.IsAddress(cell) {
				note(i, cell, d)
			}
			e.Destination = d
		case f == "due":
			t, err := nimbus.ParseDue(cell, b.Now, b.TZ)
			if err != nil {
				bad(i, "%v", err)
				continue
			}
			out.Due, out.InZone = t, nimbus.DependsOnZone(cell)
			e.DueDateTimeUTC = nimbus.FormatDue(t)
			relative = strings.HasPrefix(strings.TrimSpace(cell), "+")
		case f == "priority":
			if b.Priorities == nil {
				e.DistributionPriority = cell
			} else if v, ok := b.Priorities[strings.ToLower(cell)]; ok {
				e.DistributionPriority = v
			} else {
				bad(i, "unknown priority %q (see 'nimbusctl schedule priorities')", cell)
			}
		case f == "maxAttempts":
			n, err := strconv.Atoi(cell)
			if err != nil || n < nimbus.MaxAttemptsMin || n > nimbus.MaxAttemptsMax {
				bad(i, "must be a whole number from %d to %d, got %q", nimbus.MaxAttemptsMin, nimbus.MaxAttemptsMax, cell)
				continue
			}
			e.MaxAttempts = &n
		case f == "attemptTimeout":
			e.AttemptTimeoutInSeconds = b.seconds(cell, i, nimbus.AttemptTimeoutMin, nimbus.AttemptTimeoutMax, bad)
		case f == "maxQueueTime":
			e.MaxQueueTimeInSeconds = b.seconds(cell, i, nimbus.MaxQueueTimeMin, nimbus.MaxQueueTimeMax, bad)
		case f == "ronaTimeout":
			e.RonaTimeoutInSeconds = b.seconds(cell, i, nimbus.RonaTimeoutMin, nimbus.RonaTimeoutMax, bad)
		}
	}
	if !cust.IsZero() {
		e.Customer = cust
	}
	if e.ServiceUPN == "" {
		e.ServiceUPN = b.Service
	}
	// The columns are there (checkScheduleMapping): a value missing is an empty cell.
	missing := func(field string) {
		name := field
		if i, ok := col[field]; ok {
			name = b.Map.Header[i]
		}
		errs = append(errs, &RowError{File: b.File, Line: row.Line, Column: name, Msg: "is empty"})
	}
	if e.ServiceUPN == "" {
		missing("serviceUpn")
	} else if b.Services != nil && !b.Services[strings.ToLower(e.ServiceUPN)] {
		errs = append(errs, &RowError{File: b.File, Line: row.Line, Column: "serviceUpn", Msg: fmt.Sprintf("%q is not a service you may schedule calls on (see 'nimbusctl schedule services')", e.ServiceUPN)})
	}
	if e.Destination == "" && !hasErr(errs, col, "destination", b.Map) {
		missing("destination")
	}
	if e.DueDateTimeUTC == "" && !hasErr(errs, col, "due", b.Map) {
		missing("due")
	}
	if e.ReferenceID == "" && len(errs) == 0 {
		if relative {
			// The derived identity includes the due time, which a relative one changes on every
			// run: each rerun would schedule the call again.
			bad(col["due"], "a relative due time needs a ReferenceId: without one, every run would make it a new call and ring the customer again (add a ReferenceId column, or write the due time out)")
			return out, errs
		}
		e.ReferenceID = DeriveReference(e.ServiceUPN, e.Destination, e.DueDateTimeUTC)
		out.Derived = true
	}
	return out, errs
}

func hasErr(errs []*RowError, col map[string]int, field string, m *Mapping) bool {
	i, ok := col[field]
	if !ok {
		return false
	}
	for _, e := range errs {
		if e.Column == m.Header[i] {
			return true
		}
	}
	return false
}

// DeriveReference gives a row without a ReferenceId a stable one, so that running the same
// file twice still schedules each call once: the same service, destination and due time make
// the same reference.
func DeriveReference(service, destination, due string) string {
	sum := sha256.Sum256([]byte(strings.ToLower(service) + "\x00" + destination + "\x00" + due))
	return "nimbusctl-" + hex.EncodeToString(sum[:8])
}

func (b *ScheduleBuilder) phone(cell string) (string, error) {
	return phone.Normalize(cell, b.DefaultCountry)
}

// destination normalizes phone numbers to E.164 and keeps SIP/UPN destinations as written.
func (b *ScheduleBuilder) destination(cell string) (string, error) {
	d, err := phone.Destination(cell, b.DefaultCountry)
	if err != nil {
		return "", fmt.Errorf("%v (or give a SIP address or UPN)", err)
	}
	return d, nil
}

func (b *ScheduleBuilder) seconds(cell string, col, lo, hi int, bad func(int, string, ...any)) *int {
	secs, err := strconv.Atoi(cell)
	if err != nil {
		d, derr := time.ParseDuration(cell)
		if derr != nil || d%time.Second != 0 {
			bad(col, "%q is not a duration in seconds (e.g. 600, 10m)", cell)
			return nil
		}
		secs = int(d / time.Second)
	}
	if secs < lo || secs > hi {
		bad(col, "must be between %ds and %ds, got %ds", lo, hi, secs)
		return nil
	}
	return &secs
}

func setCustomer(c *nimbus.Customer, field, v string) {
	switch field {
	case "firstName":
		c.FirstName = v
	case "lastName":
		c.LastName = v
	case "displayName":
		c.DisplayName = v
	case "company":
		c.Company = v
	case "jobTitle":
		c.JobTitle = v
	case "department":
		c.Department = v
	case "streetAddress":
		c.StreetAddress = v
	case "postCode":
		c.PostCode = v
	case "city":
		c.City = v
	case "state":
		c.State = v
	case "country":
		c.Country = v
	case "primaryTelNumber":
		c.PrimaryTelNumber = v
	case "UPN":
		c.UPN = v
	case "imAddress":
		c.IMAddress = v
	case "email":
		c.Email = v
	}
}
