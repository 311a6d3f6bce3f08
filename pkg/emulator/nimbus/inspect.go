package nimbus

import "slices"

// Accessors for tests: they read (or prepare) the Nimbus state directly, never through HTTP,
// so assertions do not depend on the code under test. Everything returned is a copy.

// Contacts returns the contacts of an address book (by id or name) in insertion order, as
// stored; nil if there is no such book.
func (s *Service) Contacts(book string) []map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.st.findBook(book)
	if b == nil {
		return nil
	}
	out := []map[string]any{}
	for _, v := range b.list(nil) {
		out = append(out, v.(map[string]any))
	}
	return out
}

// SchedulerEntries returns a service's scheduler entries as GetSchedulerEntries would list
// them now (in-progress ones with event "Started").
func (s *Service) SchedulerEntries(service string) []map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.srv.Now()
	out := []map[string]any{}
	for _, id := range s.st.entryOrder {
		if en := s.st.entries[id]; en.service == upnKey(service) {
			out = append(out, renderEntry(en, now))
		}
	}
	return out
}

// SchedulerEntry returns one entry by id.
func (s *Service) SchedulerEntry(id string) (map[string]any, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	en := s.st.entries[id]
	if en == nil {
		return nil, false
	}
	return renderEntry(en, s.srv.Now()), true
}

// Task returns a live task as TaskEventData (with its taskInformation), event "Updated".
func (s *Service) Task(id string) (map[string]any, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.st.tasks[id]
	if t == nil {
		return nil, false
	}
	return s.st.renderTask(t, "Updated"), true
}

// Triggers returns the registered triggers in registration order.
func (s *Service) Triggers() []Trigger {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []Trigger{}
	for _, id := range s.st.trigOrder {
		t := *s.st.triggers[id]
		t.Services = slices.Clone(t.Services)
		t.Events = slices.Clone(t.Events)
		t.Modalities = slices.Clone(t.Modalities)
		t.Directions = slices.Clone(t.Directions)
		out = append(out, t)
	}
	return out
}

// AddUser gives a (new or existing) user exactly these services (UPNs) and address books
// (ids), for RBAC scenarios beyond the seeded users.
func (s *Service) AddUser(upn string, services, books []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st.addUser(upn, services, books)
}

// PutContacts stores contacts in a book directly, without HTTP and without validation: a fast
// way for benchmarks and tests to start from a large book. Existing ids are replaced.
func (s *Service) PutContacts(book string, contacts []map[string]any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.st.findBook(book)
	if b == nil {
		return
	}
	for _, c := range contacts {
		id, _ := c["externalId"].(string)
		if _, ok := b.contacts[id]; !ok {
			b.order = append(b.order, id)
		}
		b.contacts[id] = c
	}
}

// RunSchedulerEntries makes every entry of a service vanish from its list, as entries do once
// their call has run, and returns how many there were: tests of what remembers a call after
// Nimbus stops listing it.
func (s *Service) RunSchedulerEntries(service string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	kept, n := s.st.entryOrder[:0], 0
	for _, id := range s.st.entryOrder {
		if s.st.entries[id].service == upnKey(service) {
			delete(s.st.entries, id)
			n++
			continue
		}
		kept = append(kept, id)
	}
	s.st.entryOrder = kept
	return n
}
