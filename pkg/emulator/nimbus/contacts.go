package nimbus

import (
	"net/http"
	"strings"

	"github.com/nimbusctl/nimbusctl/pkg/emulator/core"
)

func (s *Service) getAddressBooks(c *nimbusCall) (core.Reply, *core.HTTPError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []map[string]string{}
	for _, id := range s.st.bookOrder {
		if c.user.books[id] {
			out = append(out, map[string]string{"id": id, "name": s.st.books[id].Name})
		}
	}
	return core.OK(out)
}

// book resolves the {AddressBook} parameter: unknown is 404, not the user's is 403.
// The caller holds s.mu.
func (s *Service) book(c *nimbusCall) (*nBook, *core.HTTPError) {
	id := c.params["AddressBook"]
	b := s.st.books[id]
	if b == nil {
		return nil, core.Errorf(http.StatusNotFound, "Address book %q not found.", id)
	}
	if !c.user.books[id] {
		return nil, errBookForbidden()
	}
	return b, nil
}

func (s *Service) getContacts(c *nimbusCall) (core.Reply, *core.HTTPError) {
	var filter map[string]bool
	switch vals := c.query["externalIds"]; {
	case len(vals) > 1:
		return core.Reply{}, core.BadField("externalIds", "must be sent once, as a comma-separated list (collectionFormat csv)")
	case len(vals) == 1 && vals[0] != "":
		filter = map[string]bool{}
		for _, id := range strings.Split(vals[0], ",") {
			if id != "" {
				filter[id] = true
			}
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	b, herr := s.book(c)
	if herr != nil {
		return core.Reply{}, herr
	}
	return core.OK(b.list(filter))
}

// contactBody decodes a ContactWriteDto and checks what the swagger cannot say.
func contactBody(c *nimbusCall) (map[string]any, string, *core.HTTPError) {
	var ct map[string]any
	if herr := c.decode(&ct); herr != nil {
		return nil, "", herr
	}
	id, _ := ct["externalId"].(string)
	if strings.TrimSpace(id) == "" {
		return nil, "", core.BadField("externalId", "must not be empty")
	}
	return ct, id, nil
}

func (s *Service) addContact(c *nimbusCall) (core.Reply, *core.HTTPError) {
	return s.putContact(c, false)
}

func (s *Service) updateContact(c *nimbusCall) (core.Reply, *core.HTTPError) {
	return s.putContact(c, true)
}

// putContact writes the body's contact into the book: an add refuses an externalId the book
// holds (400), an update one it does not (404, a full replace that keeps the position).
func (s *Service) putContact(c *nimbusCall, update bool) (core.Reply, *core.HTTPError) {
	ct, id, herr := contactBody(c)
	if herr != nil {
		return core.Reply{}, herr
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	b, herr := s.book(c)
	if herr != nil {
		return core.Reply{}, herr
	}
	switch _, exists := b.contacts[id]; {
	case exists && !update:
		return core.Reply{}, core.Errorf(http.StatusBadRequest, "A contact with externalId %q already exists in address book %q.", id, b.Name)
	case !exists && update:
		return core.Reply{}, core.Errorf(http.StatusNotFound, "Contact with externalId %q not found in address book %q.", id, b.Name)
	}
	b.put(ct)
	return core.OK(copyMap(ct))
}

func (s *Service) removeContacts(c *nimbusCall) (core.Reply, *core.HTTPError) {
	var ids []string
	if herr := c.decode(&ids); herr != nil {
		return core.Reply{}, herr
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	b, herr := s.book(c)
	if herr != nil {
		return core.Reply{}, herr
	}
	set := make(map[string]bool, len(ids))
	for _, id := range ids {
		set[id] = true
	}
	b.remove(set)
	return core.OK(nil)
}

func (s *Service) clearContacts(c *nimbusCall) (core.Reply, *core.HTTPError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, herr := s.book(c)
	if herr != nil {
		return core.Reply{}, herr
	}
	b.order, b.contacts = nil, map[string]map[string]any{}
	return core.OK(nil)
}
