package nimbus

import (
	"net/http"
	"net/url"
	"slices"

	"github.com/nimbusctl/nimbusctl/pkg/emulator/core"
)

// triggerBody is the swagger's trigger request; validation has already rejected anything
// else, so decoding into a struct loses nothing.
type triggerBody struct {
	Config struct {
		URL                  string   `json:"url"`
		Services             []string `json:"services"`
		TaskEvents           []string `json:"taskEvents"`
		SchedulerEntryEvents []string `json:"schedulerEntryEvents"`
		Modalities           []string `json:"modalities"`
		Directions           []string `json:"directions"`
	} `json:"config"`
}

func (s *Service) registerTaskTrigger(c *nimbusCall) (core.Reply, *core.HTTPError) {
	return s.registerTrigger(c, TriggerKindTasks)
}

func (s *Service) registerSchedulerTrigger(c *nimbusCall) (core.Reply, *core.HTTPError) {
	return s.registerTrigger(c, TriggerKindSchedulerEntries)
}

func (s *Service) registerTrigger(c *nimbusCall, kind string) (core.Reply, *core.HTTPError) {
	var body triggerBody
	if herr := c.decode(&body); herr != nil {
		return core.Reply{}, herr
	}
	cfg := body.Config
	if u, err := url.Parse(cfg.URL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return core.Reply{}, core.BadField("config.url", "must be an absolute http(s) URL")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, svc := range cfg.Services {
		if s.st.service(svc) == nil || !c.user.mayUseService(svc) {
			return core.Reply{}, errServiceForbidden()
		}
	}
	t := &Trigger{Kind: kind, User: c.user.UPN, URL: cfg.URL, Services: cfg.Services}
	if kind == TriggerKindTasks {
		for _, chk := range []struct {
			field string
			vals  []string
			list  []nameValue
			what  string
		}{
			{"config.taskEvents", cfg.TaskEvents, s.st.taskEvents, "task event"},
			{"config.modalities", cfg.Modalities, s.st.modalities, "modality"},
			{"config.directions", cfg.Directions, s.st.directions, "direction"},
		} {
			if herr := checkValues(chk.field, chk.vals, chk.list, chk.what); herr != nil {
				return core.Reply{}, herr
			}
		}
		t.Events, t.Modalities, t.Directions = cfg.TaskEvents, cfg.Modalities, cfg.Directions
	} else {
		if herr := checkValues("config.schedulerEntryEvents", cfg.SchedulerEntryEvents, s.st.schedulerEvents, "scheduler entry event"); herr != nil {
			return core.Reply{}, herr
		}
		t.Events = cfg.SchedulerEntryEvents
	}
	t.ID = s.srv.UUID()
	s.st.triggers[t.ID] = t
	s.st.trigOrder = append(s.st.trigOrder, t.ID)
	return core.Reply{Status: http.StatusCreated, Location: s.URL() + "/v1/triggers/" + kind + "/" + url.PathEscape(t.ID)}, nil
}

func (s *Service) deleteTaskTrigger(c *nimbusCall) (core.Reply, *core.HTTPError) {
	return s.deleteTrigger(c, TriggerKindTasks)
}

func (s *Service) deleteSchedulerTrigger(c *nimbusCall) (core.Reply, *core.HTTPError) {
	return s.deleteTrigger(c, TriggerKindSchedulerEntries)
}

func (s *Service) deleteTrigger(c *nimbusCall, kind string) (core.Reply, *core.HTTPError) {
	id := c.params["triggerId"]
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.st.triggers[id]
	if t == nil || t.Kind != kind || upnKey(t.User) != upnKey(c.user.UPN) {
		return core.Reply{}, core.Errorf(http.StatusNotFound, "Trigger %q not found.", id)
	}
	delete(s.st.triggers, id)
	s.st.trigOrder = slices.DeleteFunc(s.st.trigOrder, func(x string) bool { return x == id })
	return core.Reply{Status: http.StatusNoContent}, nil
}
