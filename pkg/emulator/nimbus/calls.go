package nimbus

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/nimbusctl/nimbusctl/pkg/emulator/core"
)

// Calls. The emulated contact center plays Audio calls from ring to hang-up and tells the
// registered triggers about them, with the contract's TaskEventData and
// SchedulerEntryEventData:
//
//   - PlayCall (the sandbox's `sandbox call`, and tests) plays an inbound or outbound call.
//   - With Options.RunScheduledCalls, a scheduled call whose due time has passed is run: the
//     entry reports Started, an outbound Audio task to its destination is created, and once
//     the talk time has passed the task is Terminated and the entry Completed — and the entry
//     is no longer listed, as on the real service. SetScheduledCall chooses a call's agent
//     and talk time beforehand (a short one plays a voicemail).
//
// A call's task events are Created, Connected (when an agent takes it) and Terminated, with
// created → terminated equal to the talk time. Outbound calls carry the service's own number
// as callerTelNumber and the customer's as destinationTelNumber, the way a callout looks
// from Nimbus. Time is the emulator's clock: a call ends when the clock has passed its end
// (tests advance a fake clock), or, with Options.CallSpeed above 1, after its talk time
// divided by the speed in real time (the sandbox's --call-speed).

// Call is a call to play.
type Call struct {
	Service     string        // the service's UPN
	Direction   string        // "Inbound" or "Outbound"
	Caller      string        // inbound: the customer's number
	Anonymous   bool          // inbound: the caller withheld their number
	Destination string        // outbound: the customer's number
	Agent       string        // who takes the call (UPN); default: the service's agent
	Talk        time.Duration // created → terminated; default DefaultTalk
}

// Outcome is how a scheduled call goes once it is due.
type Outcome struct {
	Agent string        // default: the service's agent
	Talk  time.Duration // default DefaultTalk
}

// DefaultTalk is the talk time of a call given none.
const DefaultTalk = 2 * time.Minute

// maxTalk bounds a played call.
const maxTalk = 24 * time.Hour

// tick is how often the player looks at the clock.
const tick = 10 * time.Millisecond

// ServiceAgents is who takes a service's calls unless told otherwise (the nps.today part
// knows them as employees).
var ServiceAgents = map[string]string{
	core.ServiceSupport: core.AgentUser,
	core.ServiceSales:   "luca.rossi@contoso.com",
	core.ServiceVIP:     "sophie.martin@contoso.com",
}

// nCall is a call in progress.
type nCall struct {
	task    *nTask
	entry   *nEntry // a scheduled call's entry, else nil
	end     time.Time
	wallEnd time.Time // zero: only the emulator's clock ends it
}

// maxEnded bounds the calls kept for Ended after they hung up.
const maxEnded = 1000

// PlayCall starts a call now and returns its task as TaskEventData (event Created).
func (s *Service) PlayCall(c Call) (map[string]any, error) {
	switch {
	case strings.EqualFold(c.Direction, "Inbound"):
		c.Direction = "Inbound"
		if c.Destination != "" {
			return nil, fmt.Errorf("an inbound call has a caller, not a destination")
		}
		if (c.Caller == "") == !c.Anonymous {
			return nil, fmt.Errorf("an inbound call needs the caller's number, or anonymous")
		}
	case strings.EqualFold(c.Direction, "Outbound"):
		c.Direction = "Outbound"
		if c.Destination == "" || c.Caller != "" || c.Anonymous {
			return nil, fmt.Errorf("an outbound call has a destination, not a caller")
		}
	default:
		return nil, fmt.Errorf("direction must be Inbound or Outbound, got %q", c.Direction)
	}
	if c.Talk < 0 || c.Talk > maxTalk {
		return nil, fmt.Errorf("talk time must be between 0 and %s, got %s", maxTalk, c.Talk)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	svc := s.st.service(c.Service)
	if svc == nil {
		return nil, fmt.Errorf("no service %q (known: %s)", c.Service, strings.Join(s.serviceUPNs(), ", "))
	}
	t := s.newCallTask(svc, c.Direction, s.srv.Now())
	t.callerTel, t.destTel = c.Caller, c.Destination
	if c.Direction == "Outbound" {
		t.callerTel = svc.TelNumber
	}
	t.anonymous = c.Anonymous
	s.startCall(t, nil, Outcome{Agent: c.Agent, Talk: c.Talk})
	return s.st.renderTask(t, "Created"), nil
}

// SetScheduledCall says how the scheduled calls with this ReferenceId go once they are due
// (Options.RunScheduledCalls): who takes them and how long they last.
func (s *Service) SetScheduledCall(referenceID string, o Outcome) error {
	if o.Talk < 0 || o.Talk > maxTalk {
		return fmt.Errorf("talk time must be between 0 and %s, got %s", maxTalk, o.Talk)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st.outcomes[referenceID] = o
	return nil
}

// Ended returns a call that hung up, as its Terminated event (with its taskInformation).
func (s *Service) Ended(taskID string) (map[string]any, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, e := range s.st.ended {
		if e["taskId"] == taskID {
			return copyMap(e), true
		}
	}
	return nil, false
}

func (s *Service) serviceUPNs() []string {
	var out []string
	for _, k := range s.st.serviceOrder {
		out = append(out, s.st.services[k].UPN)
	}
	return out
}

// newCallTask makes a live Audio task. The caller holds s.mu.
func (s *Service) newCallTask(svc *nService, direction string, created time.Time) *nTask {
	t := &nTask{
		id: s.srv.UUID(), service: upnKey(svc.UPN), modality: "Audio", direction: direction,
		created: created, fields: map[string]any{}, info: map[string]any{},
	}
	s.st.tasks[t.id] = t
	s.st.taskOrder = append(s.st.taskOrder, t.id)
	return t
}

// startCall announces a call (Created, then Connected when an agent takes it) and sets its
// end. The caller holds s.mu.
func (s *Service) startCall(t *nTask, en *nEntry, o Outcome) {
	if o.Agent == "" {
		o.Agent = ServiceAgents[s.st.services[t.service].UPN]
	}
	if o.Talk == 0 {
		o.Talk = DefaultTalk
	}
	call := &nCall{task: t, entry: en, end: t.created.Add(o.Talk)}
	if s.speed > 1 {
		call.wallEnd = time.Now().Add(time.Duration(float64(o.Talk) / s.speed))
	}
	s.st.calls = append(s.st.calls, call)
	s.notifyTask(t, "Created")
	if o.Agent != "" {
		t.agent = o.Agent
		s.notifyTask(t, "Connected")
	}
}

// play runs until the server closes: it starts the scheduled calls that are due and ends
// the calls whose time is up.
func (s *Service) play() {
	tk := time.NewTicker(tick)
	defer tk.Stop()
	for {
		select {
		case <-s.srv.Done():
			return
		case <-tk.C:
			s.step(s.srv.Now(), time.Now())
		}
	}
}

func (s *Service) step(now, wall time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.runScheduled {
		for _, id := range slices.Clone(s.st.entryOrder) {
			if en := s.st.entries[id]; !en.started && !en.due.After(now) {
				s.startEntry(en, now)
			}
		}
	}
	var left []*nCall
	for _, c := range s.st.calls {
		if !now.Before(c.end) || (!c.wallEnd.IsZero() && !wall.Before(c.wallEnd)) {
			s.endCall(c)
		} else {
			left = append(left, c)
		}
	}
	s.st.calls = left
}

// startEntry runs a scheduled call: the entry starts, and its outbound task rings at the
// destination from the due time on. The caller holds s.mu.
func (s *Service) startEntry(en *nEntry, now time.Time) {
	en.started = true
	started := renderEntry(en, now)
	s.notifyEntry("Started", en.service, started)
	svc := s.st.services[en.service]
	t := s.newCallTask(svc, "Outbound", en.due)
	t.callerTel = svc.TelNumber
	t.destTel, _ = en.data["destination"].(string)
	t.referenceID, _ = en.data["ReferenceId"].(string)
	t.outboundAttempt = 1
	if v, ok := en.data["customer"]; ok {
		t.info["customer"] = deepCopy(v)
	}
	if v, ok := en.data["customCallContextParameters"]; ok {
		t.info["customContextParameters"] = deepCopy(v)
	}
	s.startCall(t, en, s.st.outcomes[t.referenceID])
}

// endCall hangs up: Terminated for the task, Completed for a scheduled call's entry, which
// then leaves the list. The caller holds s.mu.
func (s *Service) endCall(c *nCall) {
	t := c.task
	t.terminated = c.end
	final := s.st.renderTask(t, "Terminated")
	s.notifyTask(t, "Terminated")
	delete(s.st.tasks, t.id)
	s.st.taskOrder = slices.DeleteFunc(s.st.taskOrder, func(id string) bool { return id == t.id })
	s.st.ended = append(s.st.ended, final)
	if len(s.st.ended) > maxEnded {
		s.st.ended = s.st.ended[1:]
	}
	if en := c.entry; en != nil {
		done := copyMap(en.data)
		done["event"] = "Completed"
		done["unifiedConversationId"] = en.conversationID
		done["completionReason"] = "Successful"
		if t.agent == "" {
			done["completionReason"] = "Unsuccessful"
		}
		delete(s.st.entries, en.id)
		s.st.entryOrder = slices.DeleteFunc(s.st.entryOrder, func(id string) bool { return id == en.id })
		s.notifyEntry("Completed", en.service, done)
	}
}
