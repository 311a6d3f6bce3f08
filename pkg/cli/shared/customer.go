package shared

import (
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/nimbusctl/nimbusctl/pkg/cli/cmdutil"
	"github.com/nimbusctl/nimbusctl/pkg/nimbus"
	"github.com/nimbusctl/nimbusctl/pkg/phone"
)

// customerField is one scalar --customer-* flag and the Customer field it sets.
type customerField struct {
	flag  string
	usage string
	set   func(*nimbus.Customer, string)
}

var customerFields = []customerField{
	{"customer-first-name", "customer's first name (firstName)", func(c *nimbus.Customer, v string) { c.FirstName = v }},
	{"customer-last-name", "customer's last name (lastName)", func(c *nimbus.Customer, v string) { c.LastName = v }},
	{"customer-display-name", "customer's display name (displayName)", func(c *nimbus.Customer, v string) { c.DisplayName = v }},
	{"customer-company", "customer's company (company)", func(c *nimbus.Customer, v string) { c.Company = v }},
	{"customer-job-title", "customer's job title (jobTitle)", func(c *nimbus.Customer, v string) { c.JobTitle = v }},
	{"customer-department", "customer's department (department)", func(c *nimbus.Customer, v string) { c.Department = v }},
	{"customer-email", "customer's e-mail address (email)", func(c *nimbus.Customer, v string) { c.Email = v }},
	{"customer-phone", "customer's primary telephone number (primaryTelNumber; stored as E.164, national numbers with default_country)", func(c *nimbus.Customer, v string) { c.PrimaryTelNumber = v }},
	{"customer-upn", "customer's user principal name (UPN)", func(c *nimbus.Customer, v string) { c.UPN = v }},
	{"customer-im", "customer's IM address (imAddress)", func(c *nimbus.Customer, v string) { c.IMAddress = v }},
	{"customer-street", "customer's street address (streetAddress)", func(c *nimbus.Customer, v string) { c.StreetAddress = v }},
	{"customer-post-code", "customer's postcode (postCode)", func(c *nimbus.Customer, v string) { c.PostCode = v }},
	{"customer-city", "customer's city (city)", func(c *nimbus.Customer, v string) { c.City = v }},
	{"customer-state", "customer's state (state)", func(c *nimbus.Customer, v string) { c.State = v }},
	{"customer-country", "customer's country (country)", func(c *nimbus.Customer, v string) { c.Country = v }},
}

// CustomerFlags is the --customer-* flag group: the swagger's Customer, field by field.
type CustomerFlags struct {
	f      *cmdutil.Factory // the profile's default_country, for the numbers
	cmd    *cobra.Command
	values map[string]*string
	tels   []string
	fields []string

	parsedTels   []nimbus.TelNumber
	parsedFields []nimbus.CustomField
}

// AddCustomerFlags registers the group on cmd.
func AddCustomerFlags(cmd *cobra.Command, f *cmdutil.Factory) *CustomerFlags {
	c := &CustomerFlags{f: f, cmd: cmd, values: map[string]*string{}}
	for _, cf := range customerFields {
		c.values[cf.flag] = cmd.Flags().String(cf.flag, "", cf.usage)
	}
	cmd.Flags().StringArrayVar(&c.tels, "customer-tel", nil, "additional telephone number `name=value` of the customer (telNumbers, repeatable; stored as E.164)")
	cmd.Flags().StringArrayVar(&c.fields, "customer-field", nil, "custom field `name=value` of the customer (customFields, repeatable)")
	return c
}

// Changed reports whether any customer flag was given.
func (c *CustomerFlags) Changed() bool {
	for _, cf := range customerFields {
		if c.cmd.Flags().Changed(cf.flag) {
			return true
		}
	}
	return c.cmd.Flags().Changed("customer-tel") || c.cmd.Flags().Changed("customer-field")
}

// Parse checks the NAME=VALUE flags and turns the telephone numbers into E.164, as imports
// do with the same columns; call it before any API call.
func (c *CustomerFlags) Parse() error {
	tels, err := cmdutil.ParseKeyValues("customer-tel", NonEmpty(c.tels))
	if err != nil {
		return err
	}
	if v := c.values["customer-phone"]; c.cmd.Flags().Changed("customer-phone") && strings.TrimSpace(*v) != "" {
		if *v, err = c.number("customer-phone", *v); err != nil {
			return err
		}
	}
	for i := range tels {
		if tels[i].Value, err = c.number("customer-tel", tels[i].Value); err != nil {
			return err
		}
	}
	fields, err := cmdutil.ParseKeyValues("customer-field", NonEmpty(c.fields))
	if err != nil {
		return err
	}
	c.parsedTels, c.parsedFields = nil, nil
	for _, kv := range tels {
		c.parsedTels = append(c.parsedTels, nimbus.TelNumber{Name: kv.Key, Value: kv.Value})
	}
	for _, kv := range fields {
		c.parsedFields = append(c.parsedFields, nimbus.CustomField{Name: kv.Key, Value: kv.Value})
	}
	return nil
}

// number normalises one of the customer's numbers with the profile's default_country.
func (c *CustomerFlags) number(flag, v string) (string, error) {
	p, err := c.f.Profile()
	if err != nil {
		return "", err
	}
	n, err := phone.Normalize(v, p.Get("default_country"))
	if err != nil {
		return "", cmdutil.FlagErrorf("--%s: %v", flag, err)
	}
	return n, nil
}

// Apply returns base (left untouched) with the given flags applied: scalar flags set their
// field (an empty value clears it), --customer-tel and --customer-field replace their lists
// (a single empty value clears the list).
// The result is nil when no customer field is set at all.
func (c *CustomerFlags) Apply(base *nimbus.Customer) *nimbus.Customer {
	var out nimbus.Customer
	if base != nil {
		out = *base
		out.TelNumbers = slices.Clone(base.TelNumbers)
		out.CustomFields = slices.Clone(base.CustomFields)
	}
	for _, cf := range customerFields {
		if c.cmd.Flags().Changed(cf.flag) {
			cf.set(&out, *c.values[cf.flag])
		}
	}
	if c.cmd.Flags().Changed("customer-tel") {
		out.TelNumbers = c.parsedTels
	}
	if c.cmd.Flags().Changed("customer-field") {
		out.CustomFields = c.parsedFields
	}
	if out.IsZero() {
		return nil
	}
	return &out
}

// CustomerHelp is the paragraph help texts use for the group.
const CustomerHelp = `The customer (the person the call or task is about) is described with the --customer-* flags,
one per field of the API's Customer; --customer-tel and --customer-field take name=value
and may be repeated.`
