package contact

import (
	"strings"

	"github.com/spf13/cobra"

	"github.com/nimbusctl/nimbusctl/pkg/cli/cmdutil"
	"github.com/nimbusctl/nimbusctl/pkg/nimbus"
	"github.com/nimbusctl/nimbusctl/pkg/phone"
)

// scalarField is one string flag and the ContactWriteDto field it sets.
type scalarField struct {
	flag, usage string
	set         func(*nimbus.Contact, string)
}

var scalarFields = []scalarField{
	{"first-name", "first name (firstName)", func(c *nimbus.Contact, v string) { c.FirstName = v }},
	{"last-name", "last name (lastName)", func(c *nimbus.Contact, v string) { c.LastName = v }},
	{"display-name", "display name (displayName)", func(c *nimbus.Contact, v string) { c.DisplayName = v }},
	{"initials", "initials (initials)", func(c *nimbus.Contact, v string) { c.Initials = v }},
	{"company", "company (company)", func(c *nimbus.Contact, v string) { c.Company = v }},
	{"department", "department (department)", func(c *nimbus.Contact, v string) { c.Department = v }},
	{"job-title", "job title (jobTitle)", func(c *nimbus.Contact, v string) { c.JobTitle = v }},
	{"upn", "user principal name (userPrincipalName)", func(c *nimbus.Contact, v string) { c.UserPrincipalName = v }},
}

// listField is one repeatable flag and the ContactWriteDto list it sets.
type listField struct {
	flag, usage string
	set         func(*nimbus.Contact, []string)
	phone       bool // stored as E.164, like `contact import` does
}

var listFields = []listField{
	{"email", "e-mail `address` (emailAddresses, repeatable)", func(c *nimbus.Contact, v []string) { c.EmailAddresses = v }, false},
	{"mobile", "mobile phone `number` (mobilePhones, repeatable)", func(c *nimbus.Contact, v []string) { c.MobilePhones = v }, true},
	{"business-phone", "business phone `number` (businessPhones, repeatable)", func(c *nimbus.Contact, v []string) { c.BusinessPhones = v }, true},
	{"home-phone", "home phone `number` (homePhones, repeatable)", func(c *nimbus.Contact, v []string) { c.HomePhones = v }, true},
	{"im", "IM `address` (imAddresses, repeatable)", func(c *nimbus.Contact, v []string) { c.IMAddresses = v }, false},
}

// addressKeys are the parts --address takes, as the API names them.
var addressKeys = []string{"street", "city", "postalCode", "state", "country"}

// fieldFlags is every flag that sets a contact field, shared by add and update.
type fieldFlags struct {
	cmd       *cobra.Command
	scalars   map[string]*string
	lists     map[string]*[]string
	addresses []string
	custom    []string
	fromJSON  string
	keepPhone bool

	parsedAddresses []nimbus.Address
	parsedCustom    []nimbus.CustomField
}

func addFieldFlags(cmd *cobra.Command) *fieldFlags {
	ff := &fieldFlags{cmd: cmd, scalars: map[string]*string{}, lists: map[string]*[]string{}}
	fl := cmd.Flags()
	for _, s := range scalarFields {
		ff.scalars[s.flag] = fl.String(s.flag, "", s.usage)
	}
	for _, l := range listFields {
		ff.lists[l.flag] = fl.StringArray(l.flag, nil, l.usage)
	}
	fl.StringArrayVar(&ff.addresses, "address", nil,
		"postal address as `street=..,city=..`: keys street, city, postalCode, state, country (addresses, repeatable)")
	fl.StringArrayVar(&ff.custom, "field", nil, "custom field `name=value` (customFields, repeatable)")
	fl.BoolVar(&ff.keepPhone, "keep-phone-format", false, "store phone numbers as written instead of E.164")
	fl.StringVar(&ff.fromJSON, "from-json", "", "read the contact from a JSON `file` ('-' for stdin), with the API's field names; flags given as well override its fields")
	return ff
}

// changed reports whether any field flag (or --from-json) was given.
func (ff *fieldFlags) changed() bool {
	for _, name := range ff.names() {
		if ff.cmd.Flags().Changed(name) {
			return true
		}
	}
	return ff.fromJSON != ""
}

func (ff *fieldFlags) names() []string {
	var out []string
	for _, s := range scalarFields {
		out = append(out, s.flag)
	}
	for _, l := range listFields {
		out = append(out, l.flag)
	}
	return append(out, "address", "field")
}

// parse checks --address and --field and turns phone numbers into E.164 (national numbers get
// defaultCountry), unless --keep-phone-format; call it before any API call.
func (ff *fieldFlags) parse(defaultCountry string) error {
	for _, l := range listFields {
		if !l.phone || ff.keepPhone {
			continue
		}
		vals := *ff.lists[l.flag]
		for i, v := range vals {
			if strings.TrimSpace(v) == "" {
				continue // an empty value clears the list
			}
			n, err := phone.Normalize(v, defaultCountry)
			if err != nil {
				return cmdutil.FlagErrorf("--%s: %v (or pass --keep-phone-format)", l.flag, err)
			}
			vals[i] = n
		}
	}
	ff.parsedAddresses = nil
	for _, a := range ff.addresses {
		addr, err := parseAddress(a)
		if err != nil {
			return err
		}
		if addr != (nimbus.Address{}) {
			ff.parsedAddresses = append(ff.parsedAddresses, addr)
		}
	}
	kvs, err := cmdutil.ParseKeyValues("field", nonEmpty(ff.custom))
	if err != nil {
		return err
	}
	ff.parsedCustom = nil
	for _, kv := range kvs {
		ff.parsedCustom = append(ff.parsedCustom, nimbus.CustomField{Name: kv.Key, Value: kv.Value})
	}
	return nil
}

// apply sets the given flags on ct: a scalar flag sets its field (an empty value clears it),
// a list flag replaces its whole list (a single empty value clears it).
func (ff *fieldFlags) apply(ct *nimbus.Contact) {
	changed := ff.cmd.Flags().Changed
	for _, s := range scalarFields {
		if changed(s.flag) {
			s.set(ct, strings.TrimSpace(*ff.scalars[s.flag]))
		}
	}
	for _, l := range listFields {
		if changed(l.flag) {
			l.set(ct, nonEmpty(*ff.lists[l.flag]))
		}
	}
	if changed("address") {
		ct.Addresses = ff.parsedAddresses
	}
	if changed("field") {
		ct.CustomFields = ff.parsedCustom
	}
}

func nonEmpty(vs []string) []string {
	var out []string
	for _, v := range vs {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// parseAddress reads "street=Main St 5,city=Zürich,postalCode=8001". A part without "="
// continues the previous value, so "street=Main St, 5,city=Bern" keeps the comma; keys match
// case-insensitively (postal-code and zip work too); an empty value adds no address, so
// `--address ""` clears the list.
func parseAddress(s string) (nimbus.Address, error) {
	var addr nimbus.Address
	if strings.TrimSpace(s) == "" {
		return addr, nil
	}
	var key string
	vals := map[string]string{}
	var order []string
	for _, part := range strings.Split(s, ",") {
		k, v, ok := strings.Cut(part, "=")
		if !ok {
			if key == "" {
				return addr, cmdutil.FlagErrorf("--address: %q is not key=value (keys: %s)", strings.TrimSpace(part), strings.Join(addressKeys, ", "))
			}
			vals[key] += "," + part
			continue
		}
		if !isAddressKey(k) {
			return addr, cmdutil.FlagErrorf("--address: unknown key %q (keys: %s)", strings.TrimSpace(k), strings.Join(addressKeys, ", "))
		}
		key = canonicalAddressKey(k)
		if _, dup := vals[key]; dup {
			return addr, cmdutil.FlagErrorf("--address: %s is given twice in %q", key, s)
		}
		vals[key] = v
		order = append(order, key)
	}
	for _, k := range order {
		v := strings.TrimSpace(vals[k])
		switch k {
		case "street":
			addr.Street = v
		case "city":
			addr.City = v
		case "postalCode":
			addr.PostalCode = v
		case "state":
			addr.State = v
		case "country":
			addr.Country = v
		}
	}
	return addr, nil
}

func isAddressKey(k string) bool { return canonicalAddressKey(k) != "" }

func canonicalAddressKey(k string) string {
	k = strings.TrimSpace(k)
	for _, want := range addressKeys {
		if strings.EqualFold(k, want) {
			return want
		}
	}
	if strings.EqualFold(k, "postal-code") || strings.EqualFold(k, "postcode") || strings.EqualFold(k, "zip") {
		return "postalCode"
	}
	return ""
}
