package bulk

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode"
)

// FieldDef is one field a file can fill, with the header names it answers to.
type FieldDef struct {
	Name    string   // canonical name, as --map and our own exports write it
	Aliases []string // other header names (any case, spacing or punctuation)
	Multi   bool     // a list: cells split on "|" (and Google's " ::: "), several columns append
}

// Schema is the set of fields of one kind of row, plus the prefixes that carry named values
// ("field." custom fields, "ctx." context parameters, "tel." customer phone numbers).
type Schema struct {
	Fields   []FieldDef
	Prefixes []string
	// Grouped fields take a group number from the header ("address2.city",
	// "Home Street" -> home group) so several addresses can come from one row.
	Groups map[string]int // alias key -> group, for grouped aliases
}

// Target is where one column goes.
type Target struct {
	Field  string // canonical field, "prefix.<name>", or "" (ignored)
	Group  int    // address group (1, 2, ...), 0 when not grouped
	KindOf int    // for typed phone columns: index of the column naming the kind, else -1
}

// Mapping assigns each column of a header to a target.
type Mapping struct {
	Header  []string
	Targets []Target
	Ignored []string // headers that mapped to nothing
	IDCol   int      // column holding the row's key (-1 when none)
}

// Has reports whether some column fills field.
func (m *Mapping) Has(field string) bool {
	for _, t := range m.Targets {
		if t.Field == field {
			return true
		}
	}
	return false
}

// HasPrefix reports whether some column fills a field with the prefix ("field.").
func (m *Mapping) HasPrefix(prefix string) bool {
	for _, t := range m.Targets {
		if strings.HasPrefix(t.Field, prefix) {
			return true
		}
	}
	return false
}

// key folds a header for matching: lower case, letters and digits only, so "E-mail Address",
// "email_address" and "EMAIL ADDRESS" are the same column.
func key(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func stripDigits(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsDigit(r) {
			return -1
		}
		return r
	}, s)
}

// firstNumber finds the first number in a header ("Address 2 - City" -> 2).
func firstNumber(s string) int {
	start := -1
	for i, r := range s {
		if unicode.IsDigit(r) {
			if start < 0 {
				start = i
			}
		} else if start >= 0 {
			n, _ := strconv.Atoi(s[start:i])
			return n
		}
	}
	if start >= 0 {
		n, _ := strconv.Atoi(s[start:])
		return n
	}
	return 0
}

// ParseMaps reads --map values "CSV column=field" (field "-" or "ignore" drops the column).
func ParseMaps(items []string) (map[string]string, error) {
	out := map[string]string{}
	for _, it := range items {
		col, field, ok := strings.Cut(it, "=")
		if !ok || strings.TrimSpace(col) == "" || strings.TrimSpace(field) == "" {
			return nil, fmt.Errorf("--map %q: want \"CSV column=field\"", it)
		}
		out[key(col)] = strings.TrimSpace(field)
	}
	return out, nil
}

// Resolve maps a header onto the schema: --map entries first, then canonical names, then
// aliases. idColumn (--id-column) names the key column; when empty, the schema's key field's
// column is used.
func (s *Schema) Resolve(header []string, maps map[string]string, idColumn, keyField string) (*Mapping, error) {
	byKey := map[string]FieldDef{}
	for _, f := range s.Fields {
		byKey[key(f.Name)] = f
		for _, a := range f.Aliases {
			byKey[key(a)] = f
		}
	}
	m := &Mapping{Header: header, Targets: make([]Target, len(header)), IDCol: -1}
	used := map[string]bool{}
	for i, h := range header {
		m.Targets[i].KindOf = -1
		k := key(h)
		if field, ok := maps[k]; ok {
			used[k] = true
			if field == "-" || strings.EqualFold(field, "ignore") {
				continue
			}
			t, err := s.target(field, byKey)
			if err != nil {
				return nil, fmt.Errorf("--map %s=%s: %w", h, field, err)
			}
			m.Targets[i] = t
			continue
		}
		if t, ok := s.prefixed(h); ok {
			m.Targets[i] = t
			continue
		}
		if t, ok := s.lookup(h, byKey); ok {
			m.Targets[i] = t
			continue
		}
		if h != "" {
			m.Ignored = append(m.Ignored, h)
		}
	}
	for k := range maps {
		if !used[k] {
			return nil, fmt.Errorf("--map names a column the file does not have: %q (columns: %s)", k, strings.Join(header, ", "))
		}
	}
	s.linkPhoneKinds(header, m)
	if idColumn != "" {
		for i, h := range header {
			if key(h) == key(idColumn) {
				m.IDCol = i
			}
		}
		if m.IDCol < 0 {
			return nil, fmt.Errorf("--id-column %q: no such column (columns: %s)", idColumn, strings.Join(header, ", "))
		}
	} else {
		for i, t := range m.Targets {
			if t.Field == keyField {
				m.IDCol = i
				break
			}
		}
	}
	if m.IDCol >= 0 && m.Targets[m.IDCol].Field == "" {
		// The id column is mapped to nothing else; it still must not be reported as ignored.
		m.Ignored = remove(m.Ignored, header[m.IDCol])
	}
	return m, nil
}

func remove(list []string, s string) []string {
	out := list[:0]
	for _, e := range list {
		if e != s {
			out = append(out, e)
		}
	}
	return out
}

// target parses a --map field name.
func (s *Schema) target(field string, byKey map[string]FieldDef) (Target, error) {
	if t, ok := s.prefixed(field); ok {
		return t, nil
	}
	if t, ok := s.lookup(field, byKey); ok {
		return t, nil
	}
	names := make([]string, 0, len(s.Fields))
	for _, f := range s.Fields {
		names = append(names, f.Name)
	}
	for _, p := range s.Prefixes {
		names = append(names, p+"<name>")
	}
	sort.Strings(names)
	return Target{}, fmt.Errorf("unknown field %q: known fields: %s", field, strings.Join(names, ", "))
}

// prefixed recognizes "field.Tier", "ctx.order", keeping the name's own spelling.
func (s *Schema) prefixed(h string) (Target, bool) {
	for _, p := range s.Prefixes {
		if len(h) > len(p) && strings.EqualFold(h[:len(p)], p) {
			name := strings.TrimSpace(h[len(p):])
			if name != "" {
				return Target{Field: p + name, KindOf: -1}, true
			}
		}
	}
	return Target{}, false
}

func (s *Schema) lookup(h string, byKey map[string]FieldDef) (Target, bool) {
	k := key(h)
	if f, ok := byKey[k]; ok {
		return Target{Field: f.Name, Group: s.group(k, h), KindOf: -1}, true
	}
	// Numbered variants of lists and addresses: "E-mail 2 Address", "Address 2 - City",
	// "address2.city". Single fields never match this way ("ID 2" is not the id).
	sk := stripDigits(k)
	if f, ok := byKey[sk]; ok && sk != k {
		if _, grouped := s.Groups[sk]; f.Multi || grouped {
			return Target{Field: f.Name, Group: s.group(sk, h), KindOf: -1}, true
		}
	}
	return Target{}, false
}

// group gives grouped fields (addresses) their group: named groups from the alias table
// ("Home Street" -> 2), else the number in the header, else 1.
func (s *Schema) group(k, header string) int {
	g, ok := s.Groups[k]
	if !ok {
		return 0
	}
	if g > 0 {
		return g
	}
	if n := firstNumber(header); n > 0 {
		return n
	}
	return 1
}

// linkPhoneKinds pairs Google's "Phone 1 - Value" with its "Phone 1 - Type"/"Label" column.
func (s *Schema) linkPhoneKinds(header []string, m *Mapping) {
	for i, t := range m.Targets {
		if t.Field != "phones" {
			continue
		}
		n := firstNumber(header[i])
		for j, h := range header {
			k := stripDigits(key(h))
			if (k == "phonetype" || k == "phonelabel") && firstNumber(h) == n {
				m.Targets[i].KindOf = j
				m.Ignored = remove(m.Ignored, h)
			}
		}
	}
}

// SplitMulti splits a multi-value cell on "|" and Google's " ::: ".
func SplitMulti(cell string) []string {
	if cell == "" {
		return nil
	}
	cell = strings.ReplaceAll(cell, " ::: ", "|")
	parts := strings.Split(cell, "|")
	out := parts[:0]
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
