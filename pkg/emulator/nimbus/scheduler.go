package nimbus

import (
	"net/http"
	"time"

	"github.com/nimbusctl/nimbusctl/pkg/emulator/core"
)

// entryDefaults are the swagger's defaults of SchedulerEntryWriteData.
var entryDefaults = []struct {
	field string
	value int
}{
	{"maxAttempts", 1},
	{"attemptTimeoutInSeconds", 3600},
	{"maxQueueTimeInSeconds", 300},
	{"ronaTimeoutInSeconds", 20},
}

func applyEntryDefaults(data map[string]any) {
	for _, d := range entryDefaults {
		if _, ok := data[d.field]; !ok {
			data[d.field] = d.value
		}
	}
}

// renderEntry is SchedulerEntryEventData as listed now: an entry that is due has started.
func renderEntry(en *nEntry, now time.Time) map[string]any {
	out := copyMap(en.data)
	if en.inProgress(now) {
		out["event"] = "Started"
		out["unifiedConversationId"] = en.conversationID
	}
	return out
}

func (en *nEntry) inProgress(now time.Time) bool { return !en.due.After(now) }

func (s *Service) getSchedulerEntries(c *nimbusCall) (core.Reply, *core.HTTPError) {
	svc := c.query.Get("serviceUpn")
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.st.service(svc) == nil || !c.user.mayUseService(svc) {
		return core.Reply{}, errServiceForbidden()
	}
	now := s.srv.Now()
	out := []any{}
	for _, id := range s.st.entryOrder {
		if en := s.st.entries[id]; en.service == upnKey(svc) {
			out = append(out, renderEntry(en, now))
		}
	}
	return core.OK(out)
}

// entryBody decodes a SchedulerEntryWriteData and checks what the swagger cannot say.
// The caller holds s.mu.
func (s *Service) entryBody(c *nimbusCall) (map[string]any, time.Time, *core.HTTPError) {
	var body map[string]any
	if herr := c.decode(&body); herr != nil {
		return nil, time.Time{}, herr
	}
	svc, _ := body["serviceUpn"].(string)
	if s.st.service(svc) == nil || !c.user.mayUseService(svc) {
		return nil, time.Time{}, errServiceForbidden()
	}
	if herr := s.st.checkPriority(body); herr != nil {
		return nil, time.Time{}, herr
	}
	raw, _ := body["dueDateTimeUtc"].(string)
	due, err := time.Parse(time.RFC3339Nano, raw)
	if err != nil {
		return nil, time.Time{}, core.BadField("dueDateTimeUtc", "must be an RFC 3339 date-time such as 2020-03-23T11:00:00Z")
	}
	applyEntryDefaults(body)
	body["direction"] = "Outbound"
	body["modality"] = "Audio"
	return body, due, nil
}

func (s *Service) createSchedulerEntry(c *nimbusCall) (core.Reply, *core.HTTPError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	data, due, herr := s.entryBody(c)
	if herr != nil {
		return core.Reply{}, herr
	}
	id := s.srv.UUID()
	data["schedulerEntryId"] = id
	data["event"] = "Created"
	en := &nEntry{id: id, service: upnKey(data["serviceUpn"].(string)), due: due, data: data, conversationID: s.srv.UUID()}
	s.st.entries[id] = en
	s.st.entryOrder = append(s.st.entryOrder, id)
	out := copyMap(data)
	s.notifyEntry("Created", en.service, out)
	return core.OK(out)
}

// changeableEntry resolves {SchedulerEntryID} for a change: unknown is 404, another service's 403,
// a started call 400. The caller holds s.mu.
func (s *Service) changeableEntry(c *nimbusCall) (*nEntry, *core.HTTPError) {
	en := s.st.entries[c.params["SchedulerEntryID"]]
	if en == nil {
		return nil, core.Errorf(http.StatusNotFound, "Scheduler Entry Not Found")
	}
	if !c.user.mayUseService(en.service) {
		return nil, errServiceForbidden()
	}
	if en.inProgress(s.srv.Now()) {
		return nil, core.Errorf(http.StatusBadRequest, "The scheduler entry is already in progress and cannot be changed.")
	}
	return en, nil
}

func (s *Service) updateSchedulerEntry(c *nimbusCall) (core.Reply, *core.HTTPError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	en, herr := s.changeableEntry(c)
	if herr != nil {
		return core.Reply{}, herr
	}
	data, due, herr := s.entryBody(c)
	if herr != nil {
		return core.Reply{}, herr
	}
	data["schedulerEntryId"] = en.id
	data["event"] = "Updated"
	en.data, en.due, en.service = data, due, upnKey(data["serviceUpn"].(string))
	out := copyMap(data)
	s.notifyEntry("Updated", en.service, out)
	return core.OK(out)
}

func (s *Service) deleteSchedulerEntry(c *nimbusCall) (core.Reply, *core.HTTPError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	en, herr := s.changeableEntry(c)
	if herr != nil {
		return core.Reply{}, herr
	}
	delete(s.st.entries, en.id)
	for i, id := range s.st.entryOrder {
		if id == en.id {
			s.st.entryOrder = append(s.st.entryOrder[:i], s.st.entryOrder[i+1:]...)
			break
		}
	}
	out := copyMap(en.data)
	out["event"] = "Deleted"
	s.notifyEntry("Deleted", en.service, out)
	return core.OK(nil)
}
