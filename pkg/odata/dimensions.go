package odata

import (
	"context"
	"strings"
)

// Member is a row of a dimension: a service, a user or an organization unit.
type Member struct {
	ID     string `json:"Id"`
	Name   string `json:"Name,omitempty"`
	UPN    string `json:"Upn,omitempty"`
	Parent string `json:"ParentId,omitempty"`
}

// Label is how reports show the member: its UPN, else its name, else its id.
func (m Member) Label() string {
	switch {
	case m.UPN != "":
		return m.UPN
	case m.Name != "":
		return m.Name
	}
	return m.ID
}

// Services reads the services dimension.
func (c *Client) Services(ctx context.Context) ([]Member, error) {
	return c.members(ctx, func(m *Mapping) *Link { return &m.Service })
}

// Users reads the users dimension.
func (c *Client) Users(ctx context.Context) ([]Member, error) {
	return c.members(ctx, func(m *Mapping) *Link { return &m.User })
}

// OrganizationUnits reads the organization units dimension.
func (c *Client) OrganizationUnits(ctx context.Context) ([]Member, error) {
	return c.members(ctx, func(m *Mapping) *Link { return &m.OU })
}

// members reads the dimension of a link, or says why there is none (Link.DimErr: a
// *MissingError or a *MappingError).
func (c *Client) members(ctx context.Context, link func(*Mapping) *Link) ([]Member, error) {
	mp, err := c.Mapping(ctx)
	if err != nil {
		return nil, err
	}
	l := link(mp)
	if l.Dim == nil {
		return nil, l.DimErr()
	}
	d := l.Dim
	q := Query{Set: d.Set}
	for _, p := range []string{d.ID, d.Name, d.UPN, d.Parent} {
		if p != "" {
			q.Select = append(q.Select, p)
		}
	}
	var out []Member
	err = Stream(ctx, c, q, func(row *map[string]any) error {
		r := *row
		out = append(out, Member{ID: text(r[d.ID]), Name: text(r[d.Name]), UPN: text(r[d.UPN]), Parent: text(r[d.Parent])})
		return nil
	})
	return out, err
}

// Labeler maps ids (or UPNs) to members' labels.
type Labeler map[string]labeled

type labeled struct {
	Member
	label string
}

// NewLabeler indexes members by id and UPN (case-insensitively). Members whose labels are
// alike (two services named Support, in any case) are told apart by their ids, "Support
// (id)": reports group by label, and must not add them up.
func NewLabeler(members []Member) Labeler {
	same := map[string]int{}
	for _, m := range members {
		same[strings.ToLower(m.Label())]++
	}
	l := make(Labeler, 2*len(members))
	for _, m := range members {
		e := labeled{Member: m, label: m.Label()}
		if same[strings.ToLower(e.label)] > 1 && e.label != m.ID {
			e.label += " (" + m.ID + ")"
		}
		l[strings.ToLower(m.ID)] = e
		if m.UPN != "" {
			l[strings.ToLower(m.UPN)] = e
		}
	}
	return l
}

// Label is the member's label, the key itself when unknown.
func (l Labeler) Label(key string) string {
	if m, ok := l[strings.ToLower(key)]; ok {
		return m.label
	}
	return key
}

// Parent is the label of the member's parent ("" when it has none or it is unknown).
func (l Labeler) Parent(key string) string {
	m, ok := l[strings.ToLower(key)]
	if !ok || m.Parent == "" {
		return ""
	}
	return l.Label(m.Parent)
}
