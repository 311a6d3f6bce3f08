package nimbus_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/nimbusctl/nimbusctl/pkg/emulator"
	"github.com/nimbusctl/nimbusctl/pkg/emulator/internal/emutest"
)

func TestSchedulerEntryLifecycle(t *testing.T) {
	clock := emutest.NewClock()
	e := emutest.Start(t, emulator.Options{Now: clock.Now, Seed: 3})
	c := emutest.As(t, e, emulator.DefaultUser)

	var created map[string]any
	c.Do("POST", "/v1/scheduler-entries", emutest.Entry(clock.Now(), map[string]any{
		"ReferenceId": "cron-42", "distributionPriority": "3", "maxAttempts": 2,
		"customer": map[string]any{"firstName": "Alice", "UPN": "alice@muster.example", "telNumbers": []any{map[string]any{"name": "Mobile", "value": "+4179"}}},
	})).Expect(t, 200).JSON(t, &created)
	id, _ := created["schedulerEntryId"].(string)
	want := map[string]any{
		"ReferenceId": "cron-42", "event": "Created", "direction": "Outbound", "modality": "Audio",
		"maxAttempts": 2.0, "attemptTimeoutInSeconds": 3600.0, "maxQueueTimeInSeconds": 300.0, "ronaTimeoutInSeconds": 20.0,
		"serviceUpn": emulator.ServiceSupport, "distributionPriority": "3",
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
	c.Do("POST", "/v1/scheduler-entries", emutest.Entry(clock.Now(), map[string]any{"ReferenceId": "cron-42"})).Expect(t, 200)
	n := 0
	for _, en := range e.SchedulerEntries(emulator.ServiceSupport) {
		if en["ReferenceId"] == "cron-42" {
			n++
		}
	}
	if n != 2 {
		t.Fatalf("%d entries with cron-42", n)
	}

	// Distribution priority must be a lookup value, not its name.
	r := c.Do("POST", "/v1/scheduler-entries", emutest.Entry(clock.Now(), map[string]any{"distributionPriority": "High"})).Expect(t, 400)
	if !r.Err(t).HasField("distributionPriority", `"High"`) {
		t.Fatalf("%s", r.Body)
	}

	// Update: PUT semantics, defaults re-applied.
	var updated map[string]any
	c.Do("PUT", "/v1/scheduler-entries/"+id, emutest.Entry(clock.Now(), map[string]any{"ReferenceId": "cron-42", "destination": "+41000"})).
		Expect(t, 200).JSON(t, &updated)
	if updated["event"] != "Updated" || updated["schedulerEntryId"] != id || updated["maxAttempts"] != 1.0 || updated["destination"] != "+41000" {
		t.Fatalf("updated %v", updated)
	}
	if _, has := updated["customer"]; has {
		t.Fatal("customer survived a full replace")
	}
	c.Do("PUT", "/v1/scheduler-entries/"+id, emutest.Entry(clock.Now(), map[string]any{"serviceUpn": emulator.ServiceVIP})).Expect(t, 403)

	// The call starts: changes are refused, the listing says Started.
	clock.Advance(2 * time.Hour)
	c = emutest.As(t, e, emulator.DefaultUser) // the first token has expired on the same clock
	for _, method := range []string{"PUT", "DELETE"} {
		var body any
		if method == "PUT" {
			body = emutest.Entry(clock.Now(), nil)
		}
		r := c.Do(method, "/v1/scheduler-entries/"+id, body).Expect(t, 400)
		if m := r.Err(t).Message; m != "The scheduler entry is already in progress and cannot be changed." {
			t.Fatalf("%s: %q", method, m)
		}
	}
	var list []map[string]any
	c.Do("GET", "/v1/scheduler-entries?serviceUpn="+emulator.ServiceSupport, nil).Expect(t, 200).JSON(t, &list)
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
	r = c.Do("DELETE", "/v1/scheduler-entries/nope", nil).Expect(t, 404)
	if m := r.Err(t).Message; m != "Scheduler Entry Not Found" {
		t.Fatalf("%q", m)
	}
	c.Do("PUT", "/v1/scheduler-entries/nope", emutest.Entry(clock.Now(), nil)).Expect(t, 404)
}

func TestSchedulerSeedAndDelete(t *testing.T) {
	clock := emutest.NewClock()
	e := emutest.Start(t, emulator.Options{Now: clock.Now})
	c := emutest.As(t, e, emulator.DefaultUser)
	var list []map[string]any
	c.Do("GET", "/v1/scheduler-entries?serviceUpn="+emulator.ServiceSupport, nil).Expect(t, 200).JSON(t, &list)
	if len(list) != 2 || list[0]["schedulerEntryId"] != emulator.EntrySupportUpcoming || list[1]["event"] != "Started" {
		t.Fatalf("seeded %v", list)
	}
	c.Do("DELETE", "/v1/scheduler-entries/"+emulator.EntrySupportInProgress, nil).Expect(t, 400)
	r := c.Do("DELETE", "/v1/scheduler-entries/"+emulator.EntrySupportUpcoming, nil).Expect(t, 200)
	if len(r.Body) != 0 {
		t.Fatalf("delete body %q", r.Body)
	}
	if _, ok := e.SchedulerEntry(emulator.EntrySupportUpcoming); ok {
		t.Fatal("not deleted")
	}
	c.Do("DELETE", "/v1/scheduler-entries/"+emulator.EntrySupportUpcoming, nil).Expect(t, 404)
}

func TestSameSeedSameIDs(t *testing.T) {
	ids := func() string {
		e := emutest.Start(t, emulator.Options{Seed: 99})
		var out map[string]any
		emutest.As(t, e, emulator.DefaultUser).Do("POST", "/v1/scheduler-entries", emutest.Entry(time.Now(), nil)).Expect(t, 200).JSON(t, &out)
		raw, _ := json.Marshal(out["schedulerEntryId"])
		return string(raw)
	}
	if a, b := ids(), ids(); a != b {
		t.Fatalf("%s != %s", a, b)
	}
}
