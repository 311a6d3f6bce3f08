package nimbus_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nimbusctl/nimbusctl/pkg/emulator"
	"github.com/nimbusctl/nimbusctl/pkg/emulator/internal/emutest"
)

func TestExternalTasksAndUpdateTask(t *testing.T) {
	clock := emutest.NewClock()
	e := emutest.Start(t, emulator.Options{Now: clock.Now})
	c := emutest.As(t, e, emulator.DefaultUser)

	var res map[string]any
	c.Do("POST", "/v1/ExternalTasks", map[string]any{
		"serviceUpn": emulator.ServiceSales, "customerIdentifier": "CRM-7", "distributionPriority": "2",
		"customer":                map[string]any{"firstName": "Bruno", "company": "Keller Bau"},
		"customContextParameters": []any{map[string]any{"name": "Case", "value": "42"}},
		"preferredUsers":          []any{map[string]any{"upn": emulator.AgentUser, "priority": 1}},
	}).Expect(t, 200).JSON(t, &res)
	id, _ := res["id"].(string)
	for k, v := range map[string]any{
		"modality": "ExternalTask", "type": "ExternalTask", "serviceUPN": emulator.ServiceSales, "serviceId": emulator.ServiceSalesID,
		"serviceName": "Sales", "serviceDisplayName": "Contoso Sales", "serviceTelNumber": "+41445550200",
		"created": clock.Now().Format(time.RFC3339),
	} {
		if res[k] != v {
			t.Errorf("%s = %v, want %v", k, res[k], v)
		}
	}
	if pu, _ := res["preferredUsers"].([]any); len(pu) != 1 || id == "" {
		t.Fatalf("emutest.Result %v", res)
	}

	// UpdateTask merges into the task information.
	c.Do("PUT", "/v1/tasks/"+id, map[string]any{
		"customer":                map[string]any{"lastName": "Keller"},
		"customContextParameters": []any{map[string]any{"name": "Case", "value": "43"}, map[string]any{"name": "Topic", "value": "Quote"}},
	}).Expect(t, 200)
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
	c.Do("PUT", "/v1/tasks/"+id, nil).Expect(t, 200)

	// Preferred users must be users for preferred routing.
	r := c.Do("PUT", "/v1/tasks/"+id, map[string]any{"preferredUsers": []any{map[string]any{"upn": "ghost@contoso.com"}}}).Expect(t, 400)
	if !r.Err(t).HasField("preferredUsers[0].upn", "ghost@contoso.com") {
		t.Fatalf("%s", r.Body)
	}

	// Seeded live calls can be updated, not removed as external tasks.
	c.Do("PUT", "/v1/tasks/"+emulator.TaskSupportCall, map[string]any{"customer": map[string]any{"UPN": "a@b.example"}}).Expect(t, 200)
	c.Do("DELETE", "/v1/ExternalTasks/"+emulator.TaskSupportCall, nil).Expect(t, 404)
	c.Do("PUT", "/v1/tasks/nope", map[string]any{}).Expect(t, 404).Err(t)

	// The agent may not touch a sales task.
	emutest.As(t, e, emulator.AgentUser).Do("DELETE", "/v1/ExternalTasks/"+id, nil).Expect(t, 403)

	c.Do("DELETE", "/v1/ExternalTasks/"+id, nil).Expect(t, 200)
	c.Do("DELETE", "/v1/ExternalTasks/"+id, nil).Expect(t, 404)
	c.Do("PUT", "/v1/tasks/"+id, map[string]any{}).Expect(t, 404)
}

func TestTriggers(t *testing.T) {
	e := emutest.Start(t, emulator.Options{})
	c := emutest.As(t, e, emulator.DefaultUser)

	r := c.Do("POST", "/v1/triggers/tasks", map[string]any{"config": map[string]any{
		"url": "https://flow.example/hook", "services": []string{emulator.ServiceSupport}, "taskEvents": []string{"Created", "Terminated"},
		"modalities": []string{"Audio"}, "directions": []string{"Inbound"},
	}}).Expect(t, 201)
	if len(r.Body) != 0 {
		t.Fatalf("body %q", r.Body)
	}
	loc := r.Header.Get("Location")
	trs := e.Triggers()
	if len(trs) != 1 || loc != e.NimbusURL()+"/v1/triggers/tasks/"+trs[0].ID || trs[0].User != emulator.DefaultUser || trs[0].Kind != emulator.TriggerKindTasks {
		t.Fatalf("Location %q, triggers %+v", loc, trs)
	}

	r = c.Do("POST", "/v1/triggers/scheduler-entries", map[string]any{"config": map[string]any{
		"url": "https://flow.example/hook2", "services": []string{emulator.ServiceSales}, "schedulerEntryEvents": []string{"Created"},
	}}).Expect(t, 201)
	if !strings.HasPrefix(r.Header.Get("Location"), e.NimbusURL()+"/v1/triggers/scheduler-entries/") {
		t.Fatalf("Location %q", r.Header.Get("Location"))
	}

	// Bad lookup values are 400 naming the value.
	for _, tc := range []struct{ path, field, value string }{
		{"/v1/triggers/tasks", "taskEvents", "Exploded"},
		{"/v1/triggers/tasks", "modalities", "Fax"},
		{"/v1/triggers/tasks", "directions", "Sideways"},
		{"/v1/triggers/scheduler-entries", "schedulerEntryEvents", "Exploded"},
	} {
		cfg := map[string]any{"url": "https://flow.example/h", "services": []string{emulator.ServiceSupport}, tc.field: []string{"Created", tc.value}}
		if tc.field == "modalities" || tc.field == "directions" {
			cfg["taskEvents"] = []string{"Created"}
			cfg[tc.field] = []string{tc.value}
		}
		r := c.Do("POST", tc.path, map[string]any{"config": cfg}).Expect(t, 400)
		er := r.Err(t)
		idx := "[1]"
		if tc.field == "modalities" || tc.field == "directions" {
			idx = "[0]"
		}
		if !er.HasField("config."+tc.field+idx, `"`+tc.value+`"`) {
			t.Errorf("%s: %s", tc.field, r.Body)
		}
	}
	c.Do("POST", "/v1/triggers/tasks", map[string]any{"config": map[string]any{
		"url": "not a url", "services": []string{emulator.ServiceSupport}, "taskEvents": []string{"Created"}}}).Expect(t, 400)

	// Delete: 204, then 404; the kind must match; another user cannot delete it.
	id := trs[0].ID
	c.Do("DELETE", "/v1/triggers/scheduler-entries/"+id, nil).Expect(t, 404)
	emutest.As(t, e, emulator.AgentUser).Do("DELETE", "/v1/triggers/tasks/"+id, nil).Expect(t, 404)
	r = c.Do("DELETE", "/v1/triggers/tasks/"+id, nil).Expect(t, 204)
	if len(r.Body) != 0 {
		t.Fatalf("body %q", r.Body)
	}
	c.Do("DELETE", "/v1/triggers/tasks/"+id, nil).Expect(t, 404).Err(t)
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

	e := emutest.Start(t, emulator.Options{})
	c := emutest.As(t, e, emulator.DefaultUser)
	c.Do("POST", "/v1/triggers/scheduler-entries", map[string]any{"config": map[string]any{
		"url": hook.URL + "/se", "services": []string{emulator.ServiceSupport}, "schedulerEntryEvents": []string{"Created", "Deleted"}}}).Expect(t, 201)
	c.Do("POST", "/v1/triggers/tasks", map[string]any{"config": map[string]any{
		"url": hook.URL + "/tasks", "services": []string{emulator.ServiceSupport}, "taskEvents": []string{"Created"}, "modalities": []string{"ExternalTask"}}}).Expect(t, 201)

	var created map[string]any
	c.Do("POST", "/v1/scheduler-entries", emutest.Entry(time.Now(), map[string]any{"ReferenceId": "hooked"})).Expect(t, 200).JSON(t, &created)
	c.Do("POST", "/v1/scheduler-entries", emutest.Entry(time.Now(), map[string]any{"serviceUpn": emulator.ServiceSales})).Expect(t, 200) // other service
	c.Do("DELETE", "/v1/scheduler-entries/"+created["schedulerEntryId"].(string), nil).Expect(t, 200)
	c.Do("POST", "/v1/ExternalTasks", map[string]any{"serviceUpn": emulator.ServiceSupport}).Expect(t, 200)

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
	e := emutest.Start(t, emulator.Options{})
	c := emutest.As(t, e, emulator.DefaultUser)
	for path, want := range map[string]string{
		"/v1/tasks/events":                              "Created",
		"/v1/scheduler-entries/events":                  "Started",
		"/v1/tasks/modalities":                          "InstantMessaging",
		"/v1/tasks/directions":                          "Outbound",
		"/v1/scheduler-entries/distribution-priorities": "Urgent",
		"/v1/ExternalTasks/distribution-priorities":     "Low",
	} {
		var nv []map[string]string
		c.Do("GET", path, nil).Expect(t, 200).JSON(t, &nv)
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
	c.Do("GET", "/v1/tasks/users-for-preferred-routing", nil).Expect(t, 200).JSON(t, &users)
	if len(users) < 2 || users[0] != emulator.DefaultUser {
		t.Fatalf("users %v", users)
	}
	r := c.Do("GET", "/v1/diagnostics/testconnection", nil).Expect(t, 200)
	if len(r.Body) != 0 {
		t.Fatalf("testconnection body %q", r.Body)
	}
}
