package emulator

import (
	"fmt"
	"strings"
)

func (s *nimbusService) getServiceContacts(c *nimbusCall) (reply, *httpError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []string{}
	for _, key := range s.st.serviceOrder {
		if c.user.services[key] {
			out = append(out, s.st.services[key].UPN)
		}
	}
	return okReply(out)
}

func (s *nimbusService) nameValues(list func(st *nimbusState) []nameValue) nimbusOp {
	return func(*nimbusCall) (reply, *httpError) {
		s.mu.Lock()
		defer s.mu.Unlock()
		return okReply(append([]nameValue{}, list(s.st)...))
	}
}

func (s *nimbusService) getPriorities(c *nimbusCall) (reply, *httpError) {
	return s.nameValues(func(st *nimbusState) []nameValue { return st.priorities })(c)
}

func (s *nimbusService) getSchedulerEvents(c *nimbusCall) (reply, *httpError) {
	return s.nameValues(func(st *nimbusState) []nameValue { return st.schedulerEvents })(c)
}

func (s *nimbusService) getTaskEvents(c *nimbusCall) (reply, *httpError) {
	return s.nameValues(func(st *nimbusState) []nameValue { return st.taskEvents })(c)
}

func (s *nimbusService) getModalities(c *nimbusCall) (reply, *httpError) {
	return s.nameValues(func(st *nimbusState) []nameValue { return st.modalities })(c)
}

func (s *nimbusService) getDirections(c *nimbusCall) (reply, *httpError) {
	return s.nameValues(func(st *nimbusState) []nameValue { return st.directions })(c)
}

func (s *nimbusService) getRoutingUsers(*nimbusCall) (reply, *httpError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return okReply(append([]string{}, s.st.routingUsers...))
}

func (s *nimbusService) testConnection(*nimbusCall) (reply, *httpError) { return okReply(nil) }

// checkValue requires v to be one of the list's values (x-ms-dynamic-values with value-path
// "value"); the error names the field and lists what is accepted.
func checkValue(field, v string, list []nameValue, what string) *httpError {
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
	return badField(field, fmt.Sprintf("%q is not a %s value; use one of: %s", v, what, strings.Join(opts, ", ")))
}

// checkValues applies checkValue to each element of a list field.
func checkValues(field string, vs []string, list []nameValue, what string) *httpError {
	for i, v := range vs {
		if herr := checkValue(fmt.Sprintf("%s[%d]", field, i), v, list, what); herr != nil {
			return herr
		}
	}
	return nil
}

// checkPriority validates an optional distributionPriority of a decoded body.
func (st *nimbusState) checkPriority(body map[string]any) *httpError {
	v, present := body["distributionPriority"]
	if !present {
		return nil
	}
	p, _ := v.(string)
	return checkValue("distributionPriority", p, st.priorities, "distribution priority")
}

// checkPreferredUsers requires every preferredUsers[i].upn to be a user for preferred routing.
func (st *nimbusState) checkPreferredUsers(body map[string]any) *httpError {
	list, _ := body["preferredUsers"].([]any)
	for i, item := range list {
		m, _ := item.(map[string]any)
		upn, _ := m["upn"].(string)
		known := false
		for _, u := range st.routingUsers {
			known = known || upnKey(u) == upnKey(upn)
		}
		if !known {
			return badField(fmt.Sprintf("preferredUsers[%d].upn", i), fmt.Sprintf("%q is not a user for preferred routing", upn))
		}
	}
	return nil
}
