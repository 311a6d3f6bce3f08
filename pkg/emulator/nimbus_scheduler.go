package emulator

import (
	"net/http"
	"time"
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

func (s *nimbusService) getSchedulerEntries(c *nimbusCall) (reply, *httpError) {
	svc := c.query.Get("serviceUpn")
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.st.service(svc) == nil || !c.user.mayUseService(svc) {
		return reply{}, errServiceForbidden()
	}
	now := s.e.now()
	out := []any{}
	for _, id := range s.st.entryOrder {
		if en := s.st.entries[id]; en.service == upnKey(svc) {
			out = append(out, renderEntry(en, now))
		}
	}
	return okReply(out)
}

// entryBody decodes a SchedulerEntryWriteData and checks what the swagger cannot say.
// The caller holds s.mu.
func (s *nimbusService) entryBody(c *nimbusCall) (map[string]any, time.Time, *httpError) {
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
		return nil, time.Time{}, badField("dueDateTimeUtc", "must be an RFC 3339 date-time such as 2020-03-23T11:00:00Z")
	}
	applyEntryDefaults(body)
	body["direction"] = "Outbound"
	body["modality"] = "Audio"
	return body, due, nil
}

func (s *nimbusService) createSchedulerEntry(c *nimbusCall) (reply, *httpError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	data, due, herr := s.entryBody(c)
	if herr != nil {
		return reply{}, herr
	}
	id := s.e.ids.uuid()
	data["schedulerEntryId"] = id
	data["event"] = "Created"
	en := &nEntry{id: id, service: upnKey(data["serviceUpn"].(string)), due: due, data: data, conversationID: s.e.ids.uuid()}
	s.st.entries[id] = en
	s.st.entryOrder = append(s.st.entryOrder, id)
	out := copyMap(data)
	s.notifyEntry("Created", en.service, out)
	return okReply(out)
}

// entry resolves {SchedulerEntryID} for a change: unknown is 404, another service's 403,
// a started call 400. The caller holds s.mu.
func (s *nimbusService) changeableEntry(c *nimbusCall) (*nEntry, *httpError) {
	en := s.st.entries[c.params["SchedulerEntryID"]]
	if en == nil {
		return nil, errorf(http.StatusNotFound, "Scheduler Entry Not Found")
	}
	if !c.user.mayUseService(en.service) {
		return nil, errServiceForbidden()
	}
	if en.inProgress(s.e.now()) {
		return nil, errorf(http.StatusBadRequest, "The scheduler entry is already in progress and cannot be changed.")
	}
	return en, nil
}

func (s *nimbusService) updateSchedulerEntry(c *nimbusCall) (reply, *httpError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	en, herr := s.changeableEntry(c)
	if herr != nil {
		return reply{}, herr
	}
	data, due, herr := s.entryBody(c)
	if herr != nil {
		return reply{}, herr
	}
	data["schedulerEntryId"] = en.id
	data["event"] = "Updated"
	en.data, en.due, en.service = data, due, upnKey(data["serviceUpn"].(string))
	out := copyMap(data)
	s.notifyEntry("Updated", en.service, out)
	return okReply(out)
}

func (s *nimbusService) deleteSchedulerEntry(c *nimbusCall) (reply, *httpError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	en, herr := s.changeableEntry(c)
	if herr != nil {
		return reply{}, herr
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
	return okReply(nil)
}
