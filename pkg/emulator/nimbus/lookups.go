package nimbus

import (
	"fmt"
	"strings"

	"github.com/nimbusctl/nimbusctl/pkg/emulator/core"
)

func (s *Service) getServiceContacts(c *nimbusCall) (core.Reply, *core.HTTPError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []string{}
	for _, key := range s.st.serviceOrder {
		if c.user.services[key] {
			out = append(out, s.st.services[key].UPN)
		}
	}
	return core.OK(out)
}

func (s *Service) nameValues(list func(st *nimbusState) []nameValue) nimbusOp {
	return func(*nimbusCall) (core.Reply, *core.HTTPError) {
		s.mu.Lock()
		defer s.mu.Unlock()
		return core.OK(append([]nameValue{}, list(s.st)...))
	}
}

func (s *Service) getPriorities(c *nimbusCall) (core.Reply, *core.HTTPError) {
	return s.nameValues(func(st *nimbusState) []nameValue { return st.priorities })(c)
}

func (s *Service) getSchedulerEvents(c *nimbusCall) (core.Reply, *core.HTTPError) {
	return s.nameValues(func(st *nimbusState) []nameValue { return st.schedulerEvents })(c)
}

func (s *Service) getTaskEvents(c *nimbusCall) (core.Reply, *core.HTTPError) {
	return s.nameValues(func(st *nimbusState) []nameValue { return st.taskEvents })(c)
}

func (s *Service) getModalities(c *nimbusCall) (core.Reply, *core.HTTPError) {
	return s.nameValues(func(st *nimbusState) []nameValue { return st.modalities })(c)
}

func (s *Service) getDirections(c *nimbusCall) (core.Reply, *core.HTTPError) {
	return s.nameValues(func(st *nimbusState) []nameValue { return st.directions })(c)
}

func (s *Service) getRoutingUsers(*nimbusCall) (core.Reply, *core.HTTPError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return core.OK(append([]string{}, s.st.routingUsers...))
}

func (s *Service) testConnection(*nimbusCall) (core.Reply, *core.HTTPError) { return core.OK(nil) }

// checkValue requires v to be one of the list's values (x-ms-dynamic-values with value-path
// "value"); the error names the field and lists what is accepted.
func checkValue(field, v string, list []nameValue, what string) *core.HTTPError {
	opts := make([]string, len(list))
	for i, nv := range list {
		if nv.Value == v {
			return nil
		}
		if nv.Name == nv.Value {
			opts[i] = nv.Value
		} else {
			opts[i] = fmt.Sprintf("%s (%s)", nv.Value, nv.Name)
		}
	}
	return core.BadField(field, fmt.Sprintf("%q is not a %s value; use one of: %s", v, what, strings.Join(opts, ", ")))
}

// checkValues applies checkValue to each element of a list field.
func checkValues(field string, vs []string, list []nameValue, what string) *core.HTTPError {
	for i, v := range vs {
		if herr := checkValue(fmt.Sprintf("%s[%d]", field, i), v, list, what); herr != nil {
			return herr
		}
	}
	return nil
}

// checkPriority validates an optional distributionPriority of a decoded body.
func (st *nimbusState) checkPriority(body map[string]any) *core.HTTPError {
	v, present := body["distributionPriority"]
	if !present {
		return nil
	}
	p, _ := v.(string)
	return checkValue("distributionPriority", p, st.priorities, "distribution priority")
}

// checkPreferredUsers requires every preferredUsers[i].upn to be a user for preferred routing.
func (st *nimbusState) checkPreferredUsers(body map[string]any) *core.HTTPError {
	list, _ := body["preferredUsers"].([]any)
	for i, item := range list {
		m, _ := item.(map[string]any)
		upn, _ := m["upn"].(string)
		known := false
		for _, u := range st.routingUsers {
			known = known || upnKey(u) == upnKey(upn)
		}
		if !known {
			return core.BadField(fmt.Sprintf("preferredUsers[%d].upn", i), fmt.Sprintf("%q is not a user for preferred routing", upn))
		}
	}
	return nil
}
