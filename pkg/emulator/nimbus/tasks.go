package nimbus

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/nimbusctl/nimbusctl/pkg/emulator/core"
)

// renderTask is a task as TaskEventData (what task triggers deliver). The caller holds s.mu.
func (st *nimbusState) renderTask(t *nTask, event string) map[string]any {
	out := map[string]any{
		"taskId":          t.id,
		"tenantId":        st.tenantID,
		"event":           event,
		"direction":       t.direction,
		"modality":        t.modality,
		"created":         t.created.UTC().Format(time.RFC3339),
		"isAnonymous":     false,
		"taskInformation": copyMap(t.info),
	}
	if svc := st.services[t.service]; svc != nil {
		addServiceFields(out, svc)
	}
	if t.callerTel != "" {
		out["callerTelNumber"] = t.callerTel
	}
	if v, ok := t.fields["customerIdentifier"]; ok {
		out["customerIdentifier"] = v
	}
	// A played call (calls.go).
	if t.anonymous {
		out["isAnonymous"] = true
	}
	if t.destTel != "" {
		out["destinationTelNumber"] = t.destTel
	}
	if t.agent != "" {
		out["lastConnectedUserId"] = userObjectID(t.agent)
		out["LastConnectedUserUPN"] = t.agent
		out["LastConnectedUserEmail"] = t.agent
	}
	if t.referenceID != "" {
		out["referenceId"] = t.referenceID
	}
	if t.outboundAttempt > 0 {
		out["outboundAttempt"] = t.outboundAttempt
	}
	if !t.terminated.IsZero() {
		out["terminated"] = t.terminated.UTC().Format(time.RFC3339)
	}
	return out
}

// userObjectID is a user's stand-in Entra object id: stable, shaped like a GUID.
func userObjectID(upn string) string {
	sum := sha256.Sum256([]byte(strings.ToLower(upn)))
	h := hex.EncodeToString(sum[:16])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

func addServiceFields(out map[string]any, svc *nService) {
	out["serviceId"] = svc.ID
	out["serviceName"] = svc.Name
	out["serviceDisplayName"] = svc.DisplayName
	out["serviceDescription"] = svc.Description
	out["serviceUPN"] = svc.UPN
	out["serviceTelNumber"] = svc.TelNumber
}

func (s *Service) addExternalTask(c *nimbusCall) (core.Reply, *core.HTTPError) {
	var body map[string]any
	if herr := c.decode(&body); herr != nil {
		return core.Reply{}, herr
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	svcUPN, _ := body["serviceUpn"].(string)
	svc := s.st.service(svcUPN)
	if svc == nil || !c.user.mayUseService(svcUPN) {
		return core.Reply{}, errServiceForbidden()
	}
	if herr := s.st.checkPriority(body); herr != nil {
		return core.Reply{}, herr
	}
	if herr := s.st.checkPreferredUsers(body); herr != nil {
		return core.Reply{}, herr
	}
	t := &nTask{
		id: s.srv.UUID(), service: upnKey(svcUPN), external: true,
		modality: "ExternalTask", direction: "Inbound", created: s.srv.Now(),
		fields: map[string]any{}, info: map[string]any{},
	}
	for _, k := range []string{"customerIdentifier", "distributionPriority"} {
		if v, ok := body[k]; ok {
			t.fields[k] = v
		}
	}
	for _, k := range []string{"customer", "customContextParameters", "preferredUsers"} {
		if v, ok := body[k]; ok {
			t.info[k] = v
		}
	}
	s.st.tasks[t.id] = t
	s.st.taskOrder = append(s.st.taskOrder, t.id)

	out := map[string]any{
		"id":          t.id,
		"modality":    "ExternalTask",
		"created":     t.created.UTC().Format(time.RFC3339),
		"type":        "ExternalTask",
		"isAnonymous": false,
	}
	addServiceFields(out, svc)
	if v, ok := t.info["preferredUsers"]; ok {
		out["preferredUsers"] = deepCopy(v)
	}
	s.notifyTask(t, "Created")
	return core.OK(out)
}

func (s *Service) removeExternalTask(c *nimbusCall) (core.Reply, *core.HTTPError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.st.tasks[c.params["externalTaskId"]]
	if t == nil || !t.external {
		return core.Reply{}, core.Errorf(http.StatusNotFound, "External task %q not found.", c.params["externalTaskId"])
	}
	if !c.user.services[t.service] {
		return core.Reply{}, errServiceForbidden()
	}
	delete(s.st.tasks, t.id)
	s.st.taskOrder = slices.DeleteFunc(s.st.taskOrder, func(id string) bool { return id == t.id })
	s.notifyTask(t, "Terminated")
	return core.OK(nil)
}

func (s *Service) updateTask(c *nimbusCall) (core.Reply, *core.HTTPError) {
	var body map[string]any
	if len(c.body) > 0 {
		if herr := c.decode(&body); herr != nil {
			return core.Reply{}, herr
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.st.tasks[c.params["taskId"]]
	if t == nil {
		return core.Reply{}, core.Errorf(http.StatusNotFound, "Task %q not found.", c.params["taskId"])
	}
	if !c.user.services[t.service] {
		return core.Reply{}, errServiceForbidden()
	}
	if herr := s.st.checkPreferredUsers(body); herr != nil {
		return core.Reply{}, herr
	}
	if len(body) == 0 {
		return core.OK(nil)
	}
	if cust, ok := body["customer"].(map[string]any); ok {
		stored, _ := t.info["customer"].(map[string]any)
		if stored == nil {
			stored = map[string]any{}
		}
		for k, v := range cust {
			stored[k] = v
		}
		t.info["customer"] = stored
	}
	if params, ok := body["customContextParameters"].([]any); ok {
		t.info["customContextParameters"] = mergeByName(t.info["customContextParameters"], params)
	}
	if users, ok := body["preferredUsers"]; ok {
		t.info["preferredUsers"] = users
	}
	s.notifyTask(t, "Updated")
	return core.OK(nil)
}

// mergeByName updates {name, value} items in place by name and appends new names.
func mergeByName(stored any, updates []any) []any {
	list, _ := stored.([]any)
	for _, u := range updates {
		um, _ := u.(map[string]any)
		replaced := false
		for i, s := range list {
			if sm, _ := s.(map[string]any); sm != nil && sm["name"] == um["name"] {
				list[i], replaced = um, true
				break
			}
		}
		if !replaced {
			list = append(list, um)
		}
	}
	return list
}
