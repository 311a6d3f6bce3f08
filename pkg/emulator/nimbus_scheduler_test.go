package emulator

import (
	"encoding/json"
	"testing"
	"time"
)

func TestSchedulerEntryLifecycle(t *testing.T) {
	clock := newClock()
	e := start(t, Options{Now: clock.Now, Seed: 3})
	c := as(t, e, DefaultUser)

	var created map[string]any
	c.do("POST", "/v1/scheduler-entries", entry(clock.Now(), map[string]any{
		"ReferenceId": "cron-42", "distributionPriority": "3", "maxAttempts": 2,
		"customer": map[string]any{"firstName": "Alice", "UPN": "alice@muster.example", "telNumbers": []any{map[string]any{"name": "Mobile", "value": "+4179"}}},
	})).expect(t, 200).json(t, &created)
	id, _ := created["schedulerEntryId"].(string)
	want := map[string]any{
		"ReferenceId": "cron-42", "event": "Created", "direction": "Outbound", "modality": "Audio",
		"maxAttempts": 2.0, "attemptTimeoutInSeconds": 3600.0, "maxQueueTimeInSeconds": 300.0, "ronaTimeoutInSeconds": 20.0,
		"serviceUpn": ServiceSupport, "distributionPriority": "3",
	}
	for k, v := range want {
		if created[k] != v {
			t.Errorf("%s = %v, want %v", k, created[k], v)
		}
	}
	if len(id) != 36 || created["customer"].(map[string]any)["UPN"] != "alice@muster.example" {
		t.Fatalf("created %v", created)
	}

	// ReferenceId is not unique: a second create is a second call.
	c.do("POST", "/v1/scheduler-entries", entry(clock.Now(), map[string]any{"ReferenceId": "cron-42"})).expect(t, 200)
	n := 0
	for _, en := range e.SchedulerEntries(ServiceSupport) {
		if en["ReferenceId"] == "cron-42" {
			n++
		}
	}
	if n != 2 {
		t.Fatalf("%d entries with cron-42", n)
	}

	// Distribution priority must be a lookup value, not its name.
	r := c.do("POST", "/v1/scheduler-entries", entry(clock.Now(), map[string]any{"distributionPriority": "High"})).expect(t, 400)
	if !r.err(t).hasField("distributionPriority", `"High"`) {
		t.Fatalf("%s", r.body)
	}

	// Update: PUT semantics, defaults re-applied.
	var updated map[string]any
	c.do("PUT", "/v1/scheduler-entries/"+id, entry(clock.Now(), map[string]any{"ReferenceId": "cron-42", "destination": "+41000"})).
		expect(t, 200).json(t, &updated)
	if updated["event"] != "Updated" || updated["schedulerEntryId"] != id || updated["maxAttempts"] != 1.0 || updated["destination"] != "+41000" {
		t.Fatalf("updated %v", updated)
	}
	if _, has := updated["customer"]; has {
		t.Fatal("customer survived a full replace")
	}
	c.do("PUT", "/v1/scheduler-entries/"+id, entry(clock.Now(), map[string]any{"serviceUpn": ServiceVIP})).expect(t, 403)

	// The call starts: changes are refused, the listing says Started.
	clock.Advance(2 * time.Hour)
	c = as(t, e, DefaultUser) // the first token has expired on the same clock
	for _, method := range []string{"PUT", "DELETE"} {
		var body any
		if method == "PUT" {
			body = entry(clock.Now(), nil)
		}
		r := c.do(method, "/v1/scheduler-entries/"+id, body).expect(t, 400)
		if m := r.err(t).Message; m != "The scheduler entry is already in progress and cannot be changed." {
			t.Fatalf("%s: %q", method, m)
		}
	}
	var list []map[string]any
	c.do("GET", "/v1/scheduler-entries?serviceUpn="+ServiceSupport, nil).expect(t, 200).json(t, &list)
	found := false
	for _, en := range list {
		if en["schedulerEntryId"] == id {
			found = true
			if en["event"] != "Started" || en["unifiedConversationId"] == nil {
				t.Fatalf("started entry %v", en)
			}
		}
	}
	if !found {
		t.Fatal("entry not listed")
	}

	// Unknown ids.
	r = c.do("DELETE", "/v1/scheduler-entries/nope", nil).expect(t, 404)
	if m := r.err(t).Message; m != "Scheduler Entry Not Found" {
		t.Fatalf("%q", m)
	}
	c.do("PUT", "/v1/scheduler-entries/nope", entry(clock.Now(), nil)).expect(t, 404)
}

func TestSchedulerSeedAndDelete(t *testing.T) {
	clock := newClock()
	e := start(t, Options{Now: clock.Now})
	c := as(t, e, DefaultUser)
	var list []map[string]any
	c.do("GET", "/v1/scheduler-entries?serviceUpn="+ServiceSupport, nil).expect(t, 200).json(t, &list)
	if len(list) != 2 || list[0]["schedulerEntryId"] != EntrySupportUpcoming || list[1]["event"] != "Started" {
		t.Fatalf("seeded %v", list)
	}
	c.do("DELETE", "/v1/scheduler-entries/"+EntrySupportInProgress, nil).expect(t, 400)
	r := c.do("DELETE", "/v1/scheduler-entries/"+EntrySupportUpcoming, nil).expect(t, 200)
	if len(r.body) != 0 {
		t.Fatalf("delete body %q", r.body)
	}
	if _, ok := e.SchedulerEntry(EntrySupportUpcoming); ok {
		t.Fatal("not deleted")
	}
	c.do("DELETE", "/v1/scheduler-entries/"+EntrySupportUpcoming, nil).expect(t, 404)
}

func TestSameSeedSameIDs(t *testing.T) {
	ids := func() string {
		e := start(t, Options{Seed: 99})
		var out map[string]any
		as(t, e, DefaultUser).do("POST", "/v1/scheduler-entries", entry(time.Now(), nil)).expect(t, 200).json(t, &out)
		raw, _ := json.Marshal(out["schedulerEntryId"])
		return string(raw)
	}
	if a, b := ids(), ids(); a != b {
		t.Fatalf("%s != %s", a, b)
	}
}
