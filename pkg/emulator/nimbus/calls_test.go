package nimbus_test

import (
	"encoding/json"
	"fmt"
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

// hook records the events delivered to it.
type hook struct {
	mu  sync.Mutex
	got []map[string]any
	srv *httptest.Server
}

func newHook(t *testing.T) *hook {
	h := &hook{}
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, _ := io.ReadAll(r.Body)
		var m map[string]any
		json.Unmarshal(raw, &m)
		h.mu.Lock()
		h.got = append(h.got, m)
		h.mu.Unlock()
	}))
	t.Cleanup(h.srv.Close)
	return h
}

// wait returns the events once there are n (deliveries are asynchronous), sorted by what
// they are: kind:event:id.
func (h *hook) wait(t *testing.T, n int) []map[string]any {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		h.mu.Lock()
		got := append([]map[string]any(nil), h.got...)
		h.mu.Unlock()
		if len(got) >= n {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d events, want %d: %v", len(got), n, got)
		}
	}
}

func names(events []map[string]any) map[string]bool {
	out := map[string]bool{}
	for _, m := range events {
		kind := "task"
		if _, ok := m["schedulerEntryId"]; ok {
			kind = "entry"
		}
		out[fmt.Sprint(kind, ":", m["event"])] = true
	}
	return out
}

func find(events []map[string]any, event string) map[string]any {
	for _, m := range events {
		if _, entry := m["schedulerEntryId"]; !entry && m["event"] == event {
			return m
		}
	}
	return nil
}

// A played inbound call: Created and Connected at once, Terminated when the talk time has
// passed on the emulator's clock; the task lives until then.
func TestPlayInboundCall(t *testing.T) {
	clock := emutest.NewClock()
	e := emutest.Start(t, emulator.Options{Now: clock.Now, Empty: true})
	h := newHook(t)
	c := emutest.As(t, e, emulator.DefaultUser)
	c.Do("POST", "/v1/triggers/tasks", map[string]any{"config": map[string]any{
		"url": h.srv.URL, "services": []string{emulator.ServiceSupport}, "taskEvents": []string{"Created", "Connected", "Terminated"},
		"directions": []string{"Inbound"}}}).Expect(t, 201)
	task, err := e.PlayCall(emulator.Call{Service: emulator.ServiceSupport, Direction: "inbound", Caller: "+41445551001", Talk: 3 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	id := task["taskId"].(string)
	got := h.wait(t, 2)
	created, connected := find(got, "Created"), find(got, "Connected")
	if created["callerTelNumber"] != "+41445551001" || created["direction"] != "Inbound" || created["modality"] != "Audio" ||
		created["serviceTelNumber"] != "+41445550100" || created["created"] != "2026-03-23T10:00:00Z" || created["terminated"] != nil {
		t.Fatalf("created %v", created)
	}
	if connected["LastConnectedUserUPN"] != emulator.AgentUser || connected["LastConnectedUserEmail"] != emulator.AgentUser {
		t.Fatalf("connected %v", connected)
	}
	// Still live: the context parameters can be written.
	c.Do("PUT", "/v1/tasks/"+id, map[string]any{"customContextParameters": []any{map[string]any{"name": "NPS.Summary", "value": "2 responses"}}}).Expect(t, 200)
	clock.Advance(2 * time.Minute)
	time.Sleep(30 * time.Millisecond) // a few ticks: it must not end early
	if _, live := e.Task(id); !live {
		t.Fatal("the call ended before its talk time")
	}
	clock.Advance(time.Minute)
	got = h.wait(t, 3)
	end := find(got, "Terminated")
	if end["terminated"] != "2026-03-23T10:03:00Z" || end["LastConnectedUserUPN"] != emulator.AgentUser ||
		!strings.Contains(fmt.Sprint(end["taskInformation"]), "NPS.Summary") {
		t.Fatalf("terminated %v", end)
	}
	if _, live := e.Task(id); live {
		t.Fatal("the task outlived its call")
	}
	if ended, ok := e.EndedCall(id); !ok || ended["terminated"] != "2026-03-23T10:03:00Z" {
		t.Fatalf("ended %v %v", ended, ok)
	}
	c.Do("PUT", "/v1/tasks/"+id, map[string]any{}).Expect(t, 404)
	for _, bad := range []emulator.Call{
		{Service: emulator.ServiceSupport, Direction: "Sideways", Caller: "+41445551001"},
		{Service: emulator.ServiceSupport, Direction: "Inbound"},
		{Service: emulator.ServiceSupport, Direction: "Outbound", Caller: "+41445551001"},
		{Service: "nobody@contoso.com", Direction: "Inbound", Caller: "+41445551001"},
		{Service: emulator.ServiceSupport, Direction: "Inbound", Caller: "+41445551001", Talk: 25 * time.Hour},
	} {
		if _, err := e.PlayCall(bad); err == nil {
			t.Errorf("%+v played", bad)
		}
	}
}

// With RunScheduledCalls, a scheduled call runs once due: Started, the outbound task's
// events (the service's number as caller, the destination as destinationTelNumber, the
// chosen agent and talk time), then Completed — and it is no longer listed.
func TestScheduledCallsRun(t *testing.T) {
	clock := emutest.NewClock()
	e := emutest.Start(t, emulator.Options{Now: clock.Now, Empty: true, RunScheduledCalls: true})
	h := newHook(t)
	c := emutest.As(t, e, emulator.DefaultUser)
	c.Do("POST", "/v1/triggers/tasks", map[string]any{"config": map[string]any{
		"url": h.srv.URL, "services": []string{emulator.ServiceSupport}, "taskEvents": []string{"Created", "Connected", "Terminated"}}}).Expect(t, 201)
	c.Do("POST", "/v1/triggers/scheduler-entries", map[string]any{"config": map[string]any{
		"url": h.srv.URL, "services": []string{emulator.ServiceSupport}, "schedulerEntryEvents": []string{"Started", "Completed"}}}).Expect(t, 201)
	due := clock.Now().Add(time.Minute)
	c.Do("POST", "/v1/scheduler-entries", emutest.Entry(clock.Now(), map[string]any{"dueDateTimeUtc": due.Format(time.RFC3339), "ReferenceId": "cb-1", "destination": "+41795551234",
		"customer": map[string]any{"firstName": "Ada"}})).Expect(t, 200)
	if err := e.SetScheduledCall("cb-1", emulator.Outcome{Agent: "luca.rossi@contoso.com", Talk: 20 * time.Second}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(30 * time.Millisecond)
	if n := len(e.SchedulerEntries(emulator.ServiceSupport)); n != 1 {
		t.Fatalf("%d entries before the due time", n)
	}
	clock.Advance(5 * time.Minute)
	got := h.wait(t, 5)
	if n := names(got); len(n) != 5 || !n["entry:Started"] || !n["entry:Completed"] || !n["task:Terminated"] {
		t.Fatalf("events %v", n)
	}
	end := find(got, "Terminated")
	want := map[string]any{"direction": "Outbound", "callerTelNumber": "+41445550100", "destinationTelNumber": "+41795551234",
		"referenceId": "cb-1", "LastConnectedUserEmail": "luca.rossi@contoso.com", "created": due.Format(time.RFC3339),
		"terminated": due.Add(20 * time.Second).Format(time.RFC3339), "outboundAttempt": 1.0}
	for k, v := range want {
		if end[k] != v {
			t.Errorf("%s = %v, want %v", k, end[k], v)
		}
	}
	if !strings.Contains(fmt.Sprint(end["taskInformation"]), "Ada") {
		t.Errorf("customer not carried: %v", end["taskInformation"])
	}
	for _, m := range got {
		if m["event"] == "Completed" && (m["completionReason"] != "Successful" || m["ReferenceId"] != "cb-1") {
			t.Errorf("completed %v", m)
		}
	}
	if n := len(e.SchedulerEntries(emulator.ServiceSupport)); n != 0 {
		t.Fatalf("%d entries still listed after the call", n)
	}
	if err := e.SetScheduledCall("x", emulator.Outcome{Talk: -time.Second}); err == nil {
		t.Error("a negative talk time was taken")
	}
}

// The control endpoint plays calls for `sandbox call`, with its own token.
func TestControlEndpoint(t *testing.T) {
	e := emutest.Start(t, emulator.Options{Empty: true})
	auth := "Bearer " + e.ControlToken()
	r := emutest.Send(t, e, "POST", e.ControlURL()+"/calls", auth, emulator.ControlCall{Service: emulator.ServiceSales, Direction: "Outbound", Destination: "+4930555000", TalkSeconds: 60})
	r.Expect(t, 201)
	var played struct{ Task map[string]any }
	r.JSON(t, &played)
	id, _ := played.Task["taskId"].(string)
	if played.Task["destinationTelNumber"] != "+4930555000" || id == "" {
		t.Fatalf("played %v", played)
	}
	var status struct {
		State string
		Task  map[string]any
	}
	emutest.Send(t, e, "GET", e.ControlURL()+"/calls/"+id, auth, nil).Expect(t, 200).JSON(t, &status)
	if status.State != "live" {
		t.Fatalf("status %+v", status)
	}
	emutest.Send(t, e, "GET", e.ControlURL()+"/calls/nope", auth, nil).Expect(t, 404)
	emutest.Send(t, e, "PUT", e.ControlURL()+"/scheduled-calls/cb-9", auth, emulator.ControlOutcome{TalkSeconds: 20}).Expect(t, 204)
	emutest.Send(t, e, "POST", e.ControlURL()+"/calls", auth, map[string]any{"service": emulator.ServiceSales, "talk": "1m"}).Expect(t, 400)
	emutest.Send(t, e, "POST", e.ControlURL()+"/calls", auth, emulator.ControlCall{Service: emulator.ServiceSales, Direction: "Inbound"}).Expect(t, 400)
	emutest.Send(t, e, "POST", e.ControlURL()+"/calls", "Bearer wrong", emulator.ControlCall{}).Expect(t, 401)
	emutest.Send(t, e, "POST", e.ControlURL()+"/calls", "", emulator.ControlCall{}).Expect(t, 401)
}
