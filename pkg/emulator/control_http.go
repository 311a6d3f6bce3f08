package emulator

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/nimbusctl/nimbusctl/pkg/emulator/core"
	"github.com/nimbusctl/nimbusctl/pkg/emulator/nimbus"
)

// The control endpoint: what `nimbusctl sandbox call` uses to play calls in a running
// sandbox. It is not part of any contract and needs a bearer token of its own
// (ControlToken), which the sandbox writes next to its profile.
//
//	POST /control/calls                    {service, direction, caller, anonymous, destination, agent, talkSeconds}
//	                                       → 201 {"task": TaskEventData (Created)}
//	GET  /control/calls/{taskId}           → 200 {"state": "live"|"ended", "task": TaskEventData}
//	PUT  /control/scheduled-calls/{ref}    {agent, talkSeconds} → 204: how the scheduled calls
//	                                       with this ReferenceId go once due

// ControlPrefix is where the control endpoint is mounted.
const ControlPrefix = "/control"

// ControlToken is the bearer token of the control endpoint.
func (e *Emulator) ControlToken() string { return e.control }

// ControlURL is the control endpoint's root, https://127.0.0.1:PORT/control.
func (e *Emulator) ControlURL() string { return e.srv.URL() + ControlPrefix }

func newControlToken() (string, error) {
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// ControlCall is the body of POST /control/calls.
type ControlCall struct {
	Service     string `json:"service"`
	Direction   string `json:"direction"`
	Caller      string `json:"caller,omitempty"`
	Anonymous   bool   `json:"anonymous,omitempty"`
	Destination string `json:"destination,omitempty"`
	Agent       string `json:"agent,omitempty"`
	TalkSeconds int    `json:"talkSeconds,omitempty"`
}

// ControlOutcome is the body of PUT /control/scheduled-calls/{ref}.
type ControlOutcome struct {
	Agent       string `json:"agent,omitempty"`
	TalkSeconds int    `json:"talkSeconds,omitempty"`
}

type controlHandler struct{ e *Emulator }

func (h controlHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	tok, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if subtle.ConstantTimeCompare([]byte(tok), []byte(h.e.control)) != 1 {
		core.WriteError(w, http.StatusUnauthorized, "The control endpoint needs its token (the sandbox writes it next to its profile).")
		return
	}
	path := strings.Trim(r.URL.Path, "/")
	switch {
	case path == "calls" && r.Method == http.MethodPost:
		var c ControlCall
		if !decodeControl(w, r, &c) {
			return
		}
		task, err := h.e.nimbus.PlayCall(nimbus.Call{
			Service: c.Service, Direction: c.Direction, Caller: c.Caller, Anonymous: c.Anonymous,
			Destination: c.Destination, Agent: c.Agent, Talk: time.Duration(c.TalkSeconds) * time.Second,
		})
		if err != nil {
			core.WriteError(w, http.StatusBadRequest, err.Error())
			return
		}
		core.WriteJSON(w, http.StatusCreated, map[string]any{"task": task})
	case strings.HasPrefix(path, "calls/") && r.Method == http.MethodGet:
		id := strings.TrimPrefix(path, "calls/")
		if task, ok := h.e.nimbus.Task(id); ok {
			core.WriteJSON(w, http.StatusOK, map[string]any{"state": "live", "task": task})
		} else if task, ok := h.e.nimbus.Ended(id); ok {
			core.WriteJSON(w, http.StatusOK, map[string]any{"state": "ended", "task": task})
		} else {
			core.WriteError(w, http.StatusNotFound, "No call "+id+".")
		}
	case strings.HasPrefix(path, "scheduled-calls/") && r.Method == http.MethodPut:
		var o ControlOutcome
		if !decodeControl(w, r, &o) {
			return
		}
		ref := strings.TrimPrefix(path, "scheduled-calls/")
		if err := h.e.nimbus.SetScheduledCall(ref, nimbus.Outcome{Agent: o.Agent, Talk: time.Duration(o.TalkSeconds) * time.Second}); err != nil {
			core.WriteError(w, http.StatusBadRequest, err.Error())
			return
		}
		w.WriteHeader(http.StatusNoContent)
	default:
		core.WriteError(w, http.StatusNotFound, "No control operation "+r.Method+" "+r.URL.Path+".")
	}
}

func decodeControl(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		core.WriteError(w, http.StatusBadRequest, "The body is not what the control endpoint takes: "+err.Error())
		return false
	}
	return true
}
