package nimbus

import "slices"

// Events are delivered by core (Server.Deliver): best effort, loopback only.

// notifyEntry delivers a scheduler-entry event to matching triggers. The caller holds s.mu.
func (s *Service) notifyEntry(event, service string, payload map[string]any) {
	for _, id := range s.st.trigOrder {
		t := s.st.triggers[id]
		if t.Kind == TriggerKindSchedulerEntries && matchUPN(t.Services, service) && slices.Contains(t.Events, event) {
			s.srv.Deliver(t.URL, payload)
		}
	}
}

// notifyTask delivers a task event to matching triggers. The caller holds s.mu.
func (s *Service) notifyTask(task *nTask, event string) {
	var payload map[string]any
	for _, id := range s.st.trigOrder {
		t := s.st.triggers[id]
		if t.Kind != TriggerKindTasks || !matchUPN(t.Services, task.service) || !slices.Contains(t.Events, event) {
			continue
		}
		if len(t.Modalities) > 0 && !slices.Contains(t.Modalities, task.modality) ||
			len(t.Directions) > 0 && !slices.Contains(t.Directions, task.direction) {
			continue
		}
		if payload == nil {
			payload = s.st.renderTask(task, event)
		}
		s.srv.Deliver(t.URL, payload)
	}
}

func matchUPN(list []string, key string) bool {
	return slices.ContainsFunc(list, func(u string) bool { return upnKey(u) == key })
}
