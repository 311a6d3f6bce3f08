package listen

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"unicode/utf8"

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
	def    string            // TaskEventData, SchedulerEntryEventData
	id     string            // the property that identifies an event of this kind
	props  map[string]string // name -> string, integer, boolean, object, array
	folded map[string]string // fold(name) -> name
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
			s.props, s.folded = map[string]string{}, map[string]string{}
			for name, p := range d.Properties {
				t := p.Type
				if p.Ref != "" {
					t = "object"
				}
				s.props[name] = t
				s.folded[fold(name)] = name
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
//
// Fields are matched as the event's readers match them: Go's decoder (the after-call
// survey, the screen-pop) takes a key in any case, and the last of two. So a body naming a
// field twice — exactly, or in two cases — is refused: the check and the survey would read
// different values (a task id the check saw, and an empty one the ledger keys on).
func Check(body []byte) (kind Kind, compact []byte, unknown []string, err error) {
	sh, err := contractShapes()
	if err != nil {
		return "", nil, nil, err
	}
	obj, err := members(body)
	if err != nil {
		return "", nil, nil, err
	}
	seen := make(map[string]string, len(obj))
	for _, m := range obj {
		f := fold(m.name)
		if prev, ok := seen[f]; ok {
			if prev == m.name {
				return "", nil, nil, invalid("the body has %q twice: readers differ on which one counts", clip(m.name))
			}
			return "", nil, nil, invalid("the body has both %q and %q, which readers take for the same field", clip(prev), clip(m.name))
		}
		seen[f] = m.name
	}
	// The identifying field is taken only as the contract spells it.
	isTask := seen[fold(sh[KindTasks].id)] == sh[KindTasks].id
	isEntry := seen[fold(sh[KindSchedulerEntries].id)] == sh[KindSchedulerEntries].id
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
	for _, m := range obj {
		name, ok := s.folded[fold(m.name)]
		if !ok {
			unknown = append(unknown, m.name)
			continue
		}
		if name == s.id {
			var id string
			if json.Unmarshal(m.value, &id) != nil || strings.TrimSpace(id) == "" {
				return "", nil, nil, invalid("%s.%s must be a non-empty string", s.def, s.id)
			}
			continue
		}
		want := s.props[name]
		if got := jsonType(m.value); got != "null" && got != want && !(want == "integer" && got == "number-integer") {
			return "", nil, nil, invalid("%s.%s must be %s, got %s", s.def, clip(m.name), an(want), an(strings.TrimPrefix(got, "number-")))
		}
	}
	sort.Strings(unknown)
	var buf bytes.Buffer
	if err := json.Compact(&buf, body); err != nil {
		return "", nil, nil, invalid("the body is not a JSON object")
	}
	return kind, buf.Bytes(), unknown, nil
}

// member is one name and value of a JSON object, in the body's order.
type member struct {
	name  string
	value json.RawMessage
}

// members reads body as one JSON object, keeping every member (a map would hide a repeat).
func members(body []byte) ([]member, error) {
	notObject := invalid("the body is not a JSON object")
	dec := json.NewDecoder(bytes.NewReader(body))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, notObject
	}
	var out []member
	for dec.More() {
		tok, err := dec.Token()
		name, isName := tok.(string)
		if err != nil || !isName {
			return nil, notObject
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, notObject
		}
		out = append(out, member{name, v})
	}
	if tok, err := dec.Token(); err != nil || tok != json.Delim('}') {
		return nil, notObject
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, invalid("the body holds more than one JSON value")
	}
	return out, nil
}

// fold is a name as Go's decoder compares it (strings.EqualFold): "TaskId", "TASKID" and
// "taskId" are one field to it.
func fold(name string) string { return strings.ToLower(strings.ToUpper(name)) }

// clip shortens a field name quoted in an answer or a log line.
func clip(name string) string {
	const max = 64
	if len(name) <= max {
		return name
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(name[cut]) {
		cut--
	}
	return name[:cut] + "…"
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
