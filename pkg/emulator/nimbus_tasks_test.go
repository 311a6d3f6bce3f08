package emulator

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestExternalTasksAndUpdateTask(t *testing.T) {
	clock := newClock()
	e := start(t, Options{Now: clock.Now})
	c := as(t, e, DefaultUser)

	var res map[string]any
	c.do("POST", "/v1/ExternalTasks", map[string]any{
		"serviceUpn": ServiceSales, "customerIdentifier": "CRM-7", "distributionPriority": "2",
		"customer":                map[string]any{"firstName": "Bruno", "company": "Keller Bau"},
		"customContextParameters": []any{map[string]any{"name": "Case", "value": "42"}},
		"preferredUsers":          []any{map[string]any{"upn": AgentUser, "priority": 1}},
	}).expect(t, 200).json(t, &res)
	id, _ := res["id"].(string)
	for k, v := range map[string]any{
		"modality": "ExternalTask", "type": "ExternalTask", "serviceUPN": ServiceSales, "serviceId": ServiceSalesID,
		"serviceName": "Sales", "serviceDisplayName": "Contoso Sales", "serviceTelNumber": "+41445550200",
		"created": clock.Now().Format(time.RFC3339),
	} {
		if res[k] != v {
			t.Errorf("%s = %v, want %v", k, res[k], v)
		}
	}
	if pu, _ := res["preferredUsers"].([]any); len(pu) != 1 || id == "" {
		t.Fatalf("result %v", res)
	}

	// UpdateTask merges into the task information.
	c.do("PUT", "/v1/tasks/"+id, map[string]any{
		"customer":                map[string]any{"lastName": "Keller"},
		"customContextParameters": []any{map[string]any{"name": "Case", "value": "43"}, map[string]any{"name": "Topic", "value": "Quote"}},
	}).expect(t, 200)
	task, _ := e.Task(id)
	info := task["taskInformation"].(map[string]any)
	cust := info["customer"].(map[string]any)
	if cust["firstName"] != "Bruno" || cust["lastName"] != "Keller" || cust["company"] != "Keller Bau" {
		t.Fatalf("customer %v", cust)
	}
	params := info["customContextParameters"].([]any)
	if len(params) != 2 || params[0].(map[string]any)["value"] != "43" {
		t.Fatalf("params %v", params)
	}
	if pu := info["preferredUsers"].([]any); len(pu) != 1 {
		t.Fatalf("preferred users changed: %v", pu)
	}
	c.do("PUT", "/v1/tasks/"+id, nil).expect(t, 200)

	// Preferred users must be users for preferred routing.
	r := c.do("PUT", "/v1/tasks/"+id, map[string]any{"preferredUsers": []any{map[string]any{"upn": "ghost@contoso.com"}}}).expect(t, 400)
	if !r.err(t).hasField("preferredUsers[0].upn", "ghost@contoso.com") {
		t.Fatalf("%s", r.body)
	}

	// Seeded live calls can be updated, not removed as external tasks.
	c.do("PUT", "/v1/tasks/"+TaskSupportCall, map[string]any{"customer": map[string]any{"UPN": "a@b.example"}}).expect(t, 200)
	c.do("DELETE", "/v1/ExternalTasks/"+TaskSupportCall, nil).expect(t, 404)
	c.do("PUT", "/v1/tasks/nope", map[string]any{}).expect(t, 404).err(t)

	// The agent may not touch a sales task.
	as(t, e, AgentUser).do("DELETE", "/v1/ExternalTasks/"+id, nil).expect(t, 403)

	c.do("DELETE", "/v1/ExternalTasks/"+id, nil).expect(t, 200)
	c.do("DELETE", "/v1/ExternalTasks/"+id, nil).expect(t, 404)
	c.do("PUT", "/v1/tasks/"+id, map[string]any{}).expect(t, 404)
}

func TestTriggers(t *testing.T) {
	e := start(t, Options{})
	c := as(t, e, DefaultUser)

	r := c.do("POST", "/v1/triggers/tasks", map[string]any{"config": map[string]any{
		"url": "https://flow.example/hook", "services": []string{ServiceSupport}, "taskEvents": []string{"Created", "Terminated"},
		"modalities": []string{"Audio"}, "directions": []string{"Inbound"},
	}}).expect(t, 201)
	if len(r.body) != 0 {
		t.Fatalf("body %q", r.body)
	}
	loc := r.header.Get("Location")
	trs := e.Triggers()
	if len(trs) != 1 || loc != e.NimbusURL()+"/v1/triggers/tasks/"+trs[0].ID || trs[0].User != DefaultUser || trs[0].Kind != TriggerKindTasks {
		t.Fatalf("Location %q, triggers %+v", loc, trs)
	}

	r = c.do("POST", "/v1/triggers/scheduler-entries", map[string]any{"config": map[string]any{
		"url": "https://flow.example/hook2", "services": []string{ServiceSales}, "schedulerEntryEvents": []string{"Created"},
	}}).expect(t, 201)
	if !strings.HasPrefix(r.header.Get("Location"), e.NimbusURL()+"/v1/triggers/scheduler-entries/") {
		t.Fatalf("Location %q", r.header.Get("Location"))
	}

	// Bad lookup values are 400 naming the value.
	for _, tc := range []struct{ path, field, value string }{
		{"/v1/triggers/tasks", "taskEvents", "Exploded"},
		{"/v1/triggers/tasks", "modalities", "Fax"},
		{"/v1/triggers/tasks", "directions", "Sideways"},
		{"/v1/triggers/scheduler-entries", "schedulerEntryEvents", "Exploded"},
	} {
		cfg := map[string]any{"url": "https://flow.example/h", "services": []string{ServiceSupport}, tc.field: []string{"Created", tc.value}}
		if tc.field == "modalities" || tc.field == "directions" {
			cfg["taskEvents"] = []string{"Created"}
			cfg[tc.field] = []string{tc.value}
		}
		r := c.do("POST", tc.path, map[string]any{"config": cfg}).expect(t, 400)
		er := r.err(t)
		idx := "[1]"
		if tc.field == "modalities" || tc.field == "directions" {
			idx = "[0]"
		}
		if !er.hasField("config."+tc.field+idx, `"`+tc.value+`"`) {
			t.Errorf("%s: %s", tc.field, r.body)
		}
	}
	c.do("POST", "/v1/triggers/tasks", map[string]any{"config": map[string]any{
		"url": "not a url", "services": []string{ServiceSupport}, "taskEvents": []string{"Created"}}}).expect(t, 400)

	// Delete: 204, then 404; the kind must match; another user cannot delete it.
	id := trs[0].ID
	c.do("DELETE", "/v1/triggers/scheduler-entries/"+id, nil).expect(t, 404)
	as(t, e, AgentUser).do("DELETE", "/v1/triggers/tasks/"+id, nil).expect(t, 404)
	r = c.do("DELETE", "/v1/triggers/tasks/"+id, nil).expect(t, 204)
	if len(r.body) != 0 {
		t.Fatalf("body %q", r.body)
	}
	c.do("DELETE", "/v1/triggers/tasks/"+id, nil).expect(t, 404).err(t)
	if len(e.Triggers()) != 1 {
		t.Fatalf("triggers %+v", e.Triggers())
	}
}

// TestWebhookDelivery: the bonus notifications reach loopback callbacks.
func TestWebhookDelivery(t *testing.T) {
	var mu sync.Mutex
	var got []map[string]any
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, _ := io.ReadAll(r.Body)
		var m map[string]any
		json.Unmarshal(raw, &m)
		mu.Lock()
		got = append(got, m)
		mu.Unlock()
	}))
	defer hook.Close()

	e := start(t, Options{})
	c := as(t, e, DefaultUser)
	c.do("POST", "/v1/triggers/scheduler-entries", map[string]any{"config": map[string]any{
		"url": hook.URL + "/se", "services": []string{ServiceSupport}, "schedulerEntryEvents": []string{"Created", "Deleted"}}}).expect(t, 201)
	c.do("POST", "/v1/triggers/tasks", map[string]any{"config": map[string]any{
		"url": hook.URL + "/tasks", "services": []string{ServiceSupport}, "taskEvents": []string{"Created"}, "modalities": []string{"ExternalTask"}}}).expect(t, 201)

	var created map[string]any
	c.do("POST", "/v1/scheduler-entries", entry(time.Now(), map[string]any{"ReferenceId": "hooked"})).expect(t, 200).json(t, &created)
	c.do("POST", "/v1/scheduler-entries", entry(time.Now(), map[string]any{"serviceUpn": ServiceSales})).expect(t, 200) // other service
	c.do("DELETE", "/v1/scheduler-entries/"+created["schedulerEntryId"].(string), nil).expect(t, 200)
	c.do("POST", "/v1/ExternalTasks", map[string]any{"serviceUpn": ServiceSupport}).expect(t, 200)

	deadline := time.Now().Add(5 * time.Second)
	for {
		mu.Lock()
		n := len(got)
		mu.Unlock()
		if n >= 3 || time.Now().After(deadline) {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	e.Close() // waits for deliveries
	mu.Lock()
	defer mu.Unlock()
	events := map[string]int{}
	for _, m := range got {
		ev, _ := m["event"].(string)
		if m["ReferenceId"] == "hooked" {
			ev = "entry:" + ev
		} else if m["modality"] == "ExternalTask" {
			ev = "task:" + ev
		}
		events[ev]++
	}
	if len(got) != 3 || events["entry:Created"] != 1 || events["entry:Deleted"] != 1 || events["task:Created"] != 1 {
		t.Fatalf("deliveries %v", got)
	}
}

func TestLookups(t *testing.T) {
	e := start(t, Options{})
	c := as(t, e, DefaultUser)
	for path, want := range map[string]string{
		"/v1/tasks/events":                              "Created",
		"/v1/scheduler-entries/events":                  "Started",
		"/v1/tasks/modalities":                          "InstantMessaging",
		"/v1/tasks/directions":                          "Outbound",
		"/v1/scheduler-entries/distribution-priorities": "Urgent",
		"/v1/ExternalTasks/distribution-priorities":     "Low",
	} {
		var nv []map[string]string
		c.do("GET", path, nil).expect(t, 200).json(t, &nv)
		found := false
		for _, x := range nv {
			found = found || x["name"] == want && x["value"] != ""
			if len(x) != 2 {
				t.Errorf("%s: %v", path, x)
			}
		}
		if !found {
			t.Errorf("%s: %v lacks %s", path, nv, want)
		}
	}
	var users []string
	c.do("GET", "/v1/tasks/users-for-preferred-routing", nil).expect(t, 200).json(t, &users)
	if len(users) < 2 || users[0] != DefaultUser {
		t.Fatalf("users %v", users)
	}
	r := c.do("GET", "/v1/diagnostics/testconnection", nil).expect(t, 200)
	if len(r.body) != 0 {
		t.Fatalf("testconnection body %q", r.body)
	}
}
