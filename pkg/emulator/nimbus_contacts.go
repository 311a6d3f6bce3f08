package emulator

import (
	"net/http"
	"strings"
)

func (s *nimbusService) getAddressBooks(c *nimbusCall) (reply, *httpError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []map[string]string{}
	for _, id := range s.st.bookOrder {
		if c.user.books[id] {
			out = append(out, map[string]string{"id": id, "name": s.st.books[id].Name})
		}
	}
	return okReply(out)
}

// book resolves the {AddressBook} parameter: unknown is 404, not the user's is 403.
// The caller holds s.mu.
func (s *nimbusService) book(c *nimbusCall) (*nBook, *httpError) {
	id := c.params["AddressBook"]
	b := s.st.books[id]
	if b == nil {
		return nil, errorf(http.StatusNotFound, "Address book %q not found.", id)
	}
	if !c.user.books[id] {
		return nil, errBookForbidden()
	}
	return b, nil
}

func (s *nimbusService) getContacts(c *nimbusCall) (reply, *httpError) {
	var filter map[string]bool
	switch vals := c.query["externalIds"]; {
	case len(vals) > 1:
		return reply{}, badField("externalIds", "must be sent once, as a comma-separated list (collectionFormat csv)")
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
		return reply{}, herr
	}
	return okReply(b.list(filter))
}

// contactBody decodes a ContactWriteDto and checks what the swagger cannot say.
func contactBody(c *nimbusCall) (map[string]any, string, *httpError) {
	var ct map[string]any
	if herr := c.decode(&ct); herr != nil {
		return nil, "", herr
	}
	id, _ := ct["externalId"].(string)
	if strings.TrimSpace(id) == "" {
		return nil, "", badField("externalId", "must not be empty")
	}
	return ct, id, nil
}

func (s *nimbusService) addContact(c *nimbusCall) (reply, *httpError) {
	ct, id, herr := contactBody(c)
	if herr != nil {
		return reply{}, herr
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	b, herr := s.book(c)
	if herr != nil {
		return reply{}, herr
	}
	if _, exists := b.contacts[id]; exists {
		return reply{}, errorf(http.StatusBadRequest, "A contact with externalId %q already exists in address book %q.", id, b.Name)
	}
	b.put(ct)
	return okReply(copyMap(ct))
}

func (s *nimbusService) updateContact(c *nimbusCall) (reply, *httpError) {
	ct, id, herr := contactBody(c)
	if herr != nil {
		return reply{}, herr
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	b, herr := s.book(c)
	if herr != nil {
		return reply{}, herr
	}
	if _, exists := b.contacts[id]; !exists {
		return reply{}, errorf(http.StatusNotFound, "Contact with externalId %q not found in address book %q.", id, b.Name)
	}
	b.put(ct) // full replace, position kept
	return okReply(copyMap(ct))
}

func (s *nimbusService) removeContacts(c *nimbusCall) (reply, *httpError) {
	var ids []string
	if herr := c.decode(&ids); herr != nil {
		return reply{}, herr
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	b, herr := s.book(c)
	if herr != nil {
		return reply{}, herr
	}
	set := make(map[string]bool, len(ids))
	for _, id := range ids {
		set[id] = true
	}
	b.remove(set)
	return okReply(nil)
}

func (s *nimbusService) clearContacts(c *nimbusCall) (reply, *httpError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, herr := s.book(c)
	if herr != nil {
		return reply{}, herr
	}
	b.order, b.contacts = nil, map[string]map[string]any{}
	return okReply(nil)
}
