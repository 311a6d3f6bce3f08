package listen

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/nimbusctl/nimbusctl/pkg/contract"
)

// Kind is which trigger sent an event; it names the event's file.
type Kind string

// The two kinds of trigger the connector has (as in the trigger paths).
const (
	KindTasks            Kind = "tasks"
	KindSchedulerEntries Kind = "scheduler-entries"
)

// shape is one event schema of the contract: its properties and their JSON types.
type shape struct {
	def   string            // TaskEventData, SchedulerEntryEventData
	id    string            // the property that identifies an event of this kind
	props map[string]string // name -> string, integer, boolean, object, array
}

var (
	shapesOnce sync.Once
	shapes     map[Kind]*shape
	shapesErr  error
)

// contractShapes reads the two notification schemas from the embedded swagger, so that the
// check follows the contract rather than a copy of it.
func contractShapes() (map[Kind]*shape, error) {
	shapesOnce.Do(func() {
		var doc struct {
			Definitions map[string]struct {
				Properties map[string]struct {
					Type string `json:"type"`
					Ref  string `json:"$ref"`
				} `json:"properties"`
			} `json:"definitions"`
		}
		if shapesErr = json.Unmarshal(contract.NimbusSwagger, &doc); shapesErr != nil {
			return
		}
		shapes = map[Kind]*shape{
			KindTasks:            {def: "TaskEventData", id: "taskId"},
			KindSchedulerEntries: {def: "SchedulerEntryEventData", id: "schedulerEntryId"},
		}
		for _, s := range shapes {
			d, ok := doc.Definitions[s.def]
			if !ok {
				shapesErr = fmt.Errorf("the contract has no %s", s.def)
				return
			}
			s.props = map[string]string{}
			for name, p := range d.Properties {
				t := p.Type
				if p.Ref != "" {
					t = "object"
				}
				s.props[name] = t
			}
			if s.props[s.id] != "string" {
				shapesErr = fmt.Errorf("the contract's %s has no string %s", s.def, s.id)
				return
			}
		}
	})
	return shapes, shapesErr
}

// InvalidError says why a body is not an event of the contract.
type InvalidError struct{ Msg string }

func (e *InvalidError) Error() string { return e.Msg }

func invalid(format string, a ...any) error { return &InvalidError{Msg: fmt.Sprintf(format, a...)} }

// Check decides whether body is a TaskEventData or a SchedulerEntryEventData: a JSON
// object carrying the identifying field of exactly one of them (taskId, schedulerEntryId,
// a non-empty string), whose fields that the contract names have the contract's JSON types
// (null is accepted for any). Fields the contract does not name are kept and returned in
// unknown: a connector that grows a field must not lose events. It returns the kind and
// the body compacted (the form that is stored and compared for repeats).
func Check(body []byte) (kind Kind, compact []byte, unknown []string, err error) {
	sh, err := contractShapes()
	if err != nil {
		return "", nil, nil, err
	}
	var obj map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&obj); err != nil || obj == nil {
		return "", nil, nil, invalid("the body is not a JSON object")
	}
	if dec.More() {
		return "", nil, nil, invalid("the body holds more than one JSON value")
	}
	_, isTask := obj[sh[KindTasks].id]
	_, isEntry := obj[sh[KindSchedulerEntries].id]
	switch {
	case isTask && isEntry:
		return "", nil, nil, invalid("the body has both taskId and schedulerEntryId: not one event")
	case isTask:
		kind = KindTasks
	case isEntry:
		kind = KindSchedulerEntries
	default:
		return "", nil, nil, invalid("neither a TaskEventData (taskId) nor a SchedulerEntryEventData (schedulerEntryId)")
	}
	s := sh[kind]
	var id string
	if json.Unmarshal(obj[s.id], &id) != nil || strings.TrimSpace(id) == "" {
		return "", nil, nil, invalid("%s.%s must be a non-empty string", s.def, s.id)
	}
	names := make([]string, 0, len(obj))
	for name := range obj {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		want, ok := s.props[name]
		if !ok {
			unknown = append(unknown, name)
			continue
		}
		if got := jsonType(obj[name]); got != "null" && got != want && !(want == "integer" && got == "number-integer") {
			return "", nil, nil, invalid("%s.%s must be %s, got %s", s.def, name, an(want), an(strings.TrimPrefix(got, "number-")))
		}
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, body); err != nil {
		return "", nil, nil, invalid("the body is not a JSON object")
	}
	return kind, buf.Bytes(), unknown, nil
}

// jsonType names the JSON type of a raw value: string, boolean, null, object, array,
// number-integer (a number without fraction or exponent) or number.
func jsonType(raw json.RawMessage) string {
	t := bytes.TrimSpace(raw)
	if len(t) == 0 {
		return "null"
	}
	switch t[0] {
	case '"':
		return "string"
	case 't', 'f':
		return "boolean"
	case 'n':
		return "null"
	case '{':
		return "object"
	case '[':
		return "array"
	}
	if bytes.ContainsAny(t, ".eE") {
		return "number"
	}
	return "number-integer"
}

func an(t string) string {
	switch t {
	case "integer", "object", "array":
		return "an " + t
	}
	return "a " + t
}
