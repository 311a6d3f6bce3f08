package odata

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"
)

// Metadata is what nimbusctl needs from a CSDL document: the entity sets and, for each, the
// properties of its entity type (base types included), and the entity types themselves
// (what a navigation property leads to).
type Metadata struct {
	EntitySets []EntitySet
	types      map[string]*EntityType // by qualified name, under the namespace and the alias
}

// EntityType is a structured type with a key, base types folded in.
type EntityType struct {
	Name       string // qualified
	Key        []string
	Properties []Property
}

// Type finds an entity type by its qualified name (namespace or alias).
func (m *Metadata) Type(name string) (*EntityType, bool) {
	t, ok := m.types[name]
	return t, ok
}

// EntitySet is one queryable collection.
type EntitySet struct {
	Name       string
	EntityType string // qualified name, e.g. Nimbus.Reporting.ServiceSession
	Key        []string
	Properties []Property
}

// Property is a structural or navigation property.
type Property struct {
	Name       string
	Type       string // Edm.String, Collection(Edm.String), Edm.DateTimeOffset, NS.Type, ...
	Nullable   bool
	Navigation bool
}

// IsCollection reports whether the type is Collection(...).
func (p Property) IsCollection() bool { return strings.HasPrefix(p.Type, "Collection(") }

// ElementType is the type without Collection(...).
func (p Property) ElementType() string {
	if p.IsCollection() {
		return strings.TrimSuffix(strings.TrimPrefix(p.Type, "Collection("), ")")
	}
	return p.Type
}

// Set finds an entity set by name (exact, then case-insensitive).
func (m *Metadata) Set(name string) (*EntitySet, bool) {
	for i := range m.EntitySets {
		if m.EntitySets[i].Name == name {
			return &m.EntitySets[i], true
		}
	}
	for i := range m.EntitySets {
		if strings.EqualFold(m.EntitySets[i].Name, name) {
			return &m.EntitySets[i], true
		}
	}
	return nil, false
}

// Names lists the entity sets in document order.
func (m *Metadata) Names() []string {
	out := make([]string, len(m.EntitySets))
	for i, s := range m.EntitySets {
		out[i] = s.Name
	}
	return out
}

// Property finds a property by name (exact, then case-insensitive).
func (s *EntitySet) Property(name string) (Property, bool) {
	for _, p := range s.Properties {
		if p.Name == name {
			return p, true
		}
	}
	for _, p := range s.Properties {
		if strings.EqualFold(p.Name, name) {
			return p, true
		}
	}
	return Property{}, false
}

// The CSDL subset we read. Element names match in any namespace (edmx: and the Edm
// namespaces of OData v4 and earlier).
type xmlEdmx struct {
	XMLName      xml.Name `xml:"Edmx"`
	DataServices struct {
		Schemas []xmlSchema `xml:"Schema"`
	} `xml:"DataServices"`
}

type xmlSchema struct {
	Namespace   string          `xml:"Namespace,attr"`
	Alias       string          `xml:"Alias,attr"`
	EntityTypes []xmlEntityType `xml:"EntityType"`
	Containers  []xmlContainer  `xml:"EntityContainer"`
}

type xmlEntityType struct {
	Name     string `xml:"Name,attr"`
	BaseType string `xml:"BaseType,attr"`
	Key      struct {
		Refs []struct {
			Name string `xml:"Name,attr"`
		} `xml:"PropertyRef"`
	} `xml:"Key"`
	Properties []xmlProperty `xml:"Property"`
	Navigation []xmlProperty `xml:"NavigationProperty"`
}

type xmlProperty struct {
	Name     string `xml:"Name,attr"`
	Type     string `xml:"Type,attr"`
	Nullable string `xml:"Nullable,attr"`
}

type xmlContainer struct {
	Name string `xml:"Name,attr"`
	Sets []struct {
		Name       string `xml:"Name,attr"`
		EntityType string `xml:"EntityType,attr"`
	} `xml:"EntitySet"`
}

// ParseMetadata reads a CSDL ($metadata) document.
func ParseMetadata(r io.Reader) (*Metadata, error) {
	var doc xmlEdmx
	dec := xml.NewDecoder(io.LimitReader(r, 32<<20))
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("not a CSDL document: %w", err)
	}
	types := map[string]*xmlEntityType{}
	aliases := map[string]string{} // alias -> namespace
	for si := range doc.DataServices.Schemas {
		s := &doc.DataServices.Schemas[si]
		if s.Alias != "" {
			aliases[s.Alias] = s.Namespace
		}
		for ti := range s.EntityTypes {
			t := &s.EntityTypes[ti]
			types[s.Namespace+"."+t.Name] = t
		}
	}
	resolve := func(name string) *xmlEntityType {
		if t, ok := types[name]; ok {
			return t
		}
		if i := strings.LastIndexByte(name, '.'); i > 0 {
			if ns, ok := aliases[name[:i]]; ok {
				return types[ns+"."+name[i+1:]]
			}
		}
		return nil
	}
	m := &Metadata{types: map[string]*EntityType{}}
	// Every type, with its base types' keys and properties first (guarding against cycles).
	for si := range doc.DataServices.Schemas {
		sc := &doc.DataServices.Schemas[si]
		for ti := range sc.EntityTypes {
			name := sc.Namespace + "." + sc.EntityTypes[ti].Name
			et := &EntityType{Name: name}
			var chain []*xmlEntityType
			for t, seen := resolve(name), map[*xmlEntityType]bool{}; t != nil && !seen[t]; t = resolve(t.BaseType) {
				seen[t] = true
				chain = append([]*xmlEntityType{t}, chain...)
			}
			for _, t := range chain {
				for _, k := range t.Key.Refs {
					et.Key = append(et.Key, k.Name)
				}
				for _, p := range t.Properties {
					et.Properties = append(et.Properties, Property{Name: p.Name, Type: p.Type, Nullable: p.Nullable != "false"})
				}
				for _, p := range t.Navigation {
					et.Properties = append(et.Properties, Property{Name: p.Name, Type: p.Type, Nullable: p.Nullable != "false", Navigation: true})
				}
			}
			m.types[name] = et
			if sc.Alias != "" {
				m.types[sc.Alias+"."+sc.EntityTypes[ti].Name] = et
			}
		}
	}
	for _, sc := range doc.DataServices.Schemas {
		for _, c := range sc.Containers {
			for _, es := range c.Sets {
				set := EntitySet{Name: es.Name, EntityType: es.EntityType}
				if t, ok := m.types[es.EntityType]; ok {
					set.Key, set.Properties = t.Key, t.Properties
				}
				m.EntitySets = append(m.EntitySets, set)
			}
		}
	}
	if len(m.EntitySets) == 0 {
		return nil, fmt.Errorf("the CSDL document declares no entity sets")
	}
	return m, nil
}
