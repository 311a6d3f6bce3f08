package nimbus

import (
	"encoding/json"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/nimbusctl/nimbusctl/pkg/contract"
)

type swaggerDoc struct {
	Paths       map[string]map[string]json.RawMessage `json:"paths"`
	Definitions map[string]schema                     `json:"definitions"`
}

type schema struct {
	Properties map[string]schema `json:"properties"`
	Required   []string          `json:"required"`
	Minimum    *int              `json:"minimum"`
	Maximum    *int              `json:"maximum"`
	MaxItems   *int              `json:"maxItems"`
}

func loadSwagger(t *testing.T) swaggerDoc {
	t.Helper()
	var d swaggerDoc
	if err := json.Unmarshal(contract.NimbusSwagger, &d); err != nil {
		t.Fatal(err)
	}
	return d
}

// TestOperationsMatchTheSwagger: the client's table holds exactly the swagger's 28
// operations, with the same method and path.
func TestOperationsMatchTheSwagger(t *testing.T) {
	d := loadSwagger(t)
	var want []string
	for path, item := range d.Paths {
		for method, raw := range item {
			var op struct {
				OperationID string `json:"operationId"`
			}
			if json.Unmarshal(raw, &op) != nil || op.OperationID == "" {
				continue
			}
			want = append(want, op.OperationID+" "+strings.ToUpper(method)+" "+path)
		}
	}
	var got []string
	for _, op := range Operations {
		got = append(got, op.ID+" "+op.Method+" "+op.Path)
	}
	sort.Strings(want)
	sort.Strings(got)
	if len(want) != 28 || strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("operations differ\n got:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestModelsCarryEveryFieldWithItsExactName compares each model's JSON names with the
// swagger definition's properties, both ways.
func TestModelsCarryEveryFieldWithItsExactName(t *testing.T) {
	d := loadSwagger(t)
	models := map[string]any{
		"TaskEventData":           TaskEventData{},
		"TaskInformation":         TaskInformation{},
		"Customer":                Customer{},
		"TelNumber":               TelNumber{},
		"CustomField":             CustomField{},
		"CustomContextParameter":  ContextParameter{},
		"PreferredUser":           PreferredUser{},
		"AddressBook":             AddressBook{},
		"NameValue":               NameValue{},
		"DistributionPriority":    NameValue{},
		"ContactReadDto":          Contact{},
		"ContactWriteDto":         Contact{},
		"Address":                 Address{},
		"SchedulerEntryEventData": SchedulerEntry{},
		"SchedulerEntryWriteData": SchedulerEntryWrite{},
		"ExternalTaskWriteDto":    ExternalTaskWrite{},
		"ExternalTaskWriteResult": ExternalTask{},
	}
	for name, def := range d.Definitions {
		if len(def.Properties) == 0 {
			continue // list and enum definitions
		}
		model, ok := models[name]
		if !ok {
			t.Errorf("definition %s has no model", name)
			continue
		}
		var want []string
		for p := range def.Properties {
			want = append(want, p)
		}
		got := jsonNames(reflect.TypeOf(model))
		sort.Strings(want)
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("%s: model fields\n %v\nswagger properties\n %v", name, got, want)
		}
	}
	// The trigger configs are inline schemas in the two register operations.
	for op, model := range map[string]any{"/v1/triggers/tasks": TaskTriggerConfig{}, "/v1/triggers/scheduler-entries": SchedulerEntryTriggerConfig{}} {
		var post struct {
			Parameters []struct {
				Schema schema `json:"schema"`
			} `json:"parameters"`
		}
		json.Unmarshal(d.Paths[op]["post"], &post)
		var want []string
		for p := range post.Parameters[0].Schema.Properties["config"].Properties {
			want = append(want, p)
		}
		sort.Strings(want)
		if got := jsonNames(reflect.TypeOf(model)); strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("%s config: %v, swagger %v", op, got, want)
		}
	}
}

func jsonNames(t reflect.Type) []string {
	var names []string
	for i := 0; i < t.NumField(); i++ {
		tag := t.Field(i).Tag.Get("json")
		if name, _, _ := strings.Cut(tag, ","); name != "" && name != "-" {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	return names
}

// TestRangesMatchTheSwagger keeps the client-side checks equal to the contract's.
func TestRangesMatchTheSwagger(t *testing.T) {
	d := loadSwagger(t)
	w := d.Definitions["SchedulerEntryWriteData"].Properties
	for field, want := range map[string][2]int{
		"maxAttempts":             {MaxAttemptsMin, MaxAttemptsMax},
		"attemptTimeoutInSeconds": {AttemptTimeoutMin, AttemptTimeoutMax},
		"maxQueueTimeInSeconds":   {MaxQueueTimeMin, MaxQueueTimeMax},
		"ronaTimeoutInSeconds":    {RonaTimeoutMin, RonaTimeoutMax},
	} {
		p := w[field]
		if p.Minimum == nil || p.Maximum == nil || *p.Minimum != want[0] || *p.Maximum != want[1] {
			t.Errorf("%s: swagger %v..%v, client %v", field, p.Minimum, p.Maximum, want)
		}
	}
	pu := d.Definitions["PreferredUser"].Properties["priority"]
	if *pu.Minimum != PreferredPriorityMin || *pu.Maximum != PreferredPriorityMax {
		t.Errorf("preferred priority %d..%d", *pu.Minimum, *pu.Maximum)
	}
	if m := d.Definitions["ExternalTaskWriteDto"].Properties["preferredUsers"].MaxItems; m == nil || *m != PreferredUsersMax {
		t.Errorf("preferredUsers maxItems %v", m)
	}
	req := strings.Join(d.Definitions["SchedulerEntryWriteData"].Required, ",")
	if req != "dueDateTimeUtc,serviceUpn,destination" {
		t.Errorf("required fields changed: %s", req)
	}
}

func TestValidateNamesEveryProblem(t *testing.T) {
	n := func(v int) *int { return &v }
	err := SchedulerEntryWrite{
		DueDateTimeUTC: "2026-01-01T10:00:00+01:00",
		MaxAttempts:    n(11), AttemptTimeoutInSeconds: n(29), MaxQueueTimeInSeconds: n(3601), RonaTimeoutInSeconds: n(4),
		CustomCallContextParameters: []ContextParameter{{Value: "x"}},
		Customer:                    &Customer{TelNumbers: []TelNumber{{Value: "+41"}}},
	}.Validate()
	want := "invalid request: serviceUpn: is required; destination: is required; " +
		"dueDateTimeUtc: must be in UTC (ending in Z), got \"2026-01-01T10:00:00+01:00\"; " +
		"maxAttempts: must be between 1 and 10, got 11; attemptTimeoutInSeconds: must be between 30 and 86400, got 29; " +
		"maxQueueTimeInSeconds: must be between 5 and 3600, got 3601; ronaTimeoutInSeconds: must be between 5 and 30, got 4; " +
		"customCallContextParameters[0].name: is required; customer.telNumbers[0].name: is required"
	if err == nil || err.Error() != want {
		t.Errorf("got  %v\nwant %s", err, want)
	}
	users := make([]PreferredUser, 11)
	for i := range users {
		users[i] = PreferredUser{UPN: "u@x", Priority: 1}
	}
	users[3].Priority = 100
	err = ExternalTaskWrite{ServiceUPN: "s@x", PreferredUsers: users}.Validate()
	if err == nil || !strings.Contains(err.Error(), "preferredUsers: at most 10 preferred users, got 11") || !strings.Contains(err.Error(), "preferredUsers[3].priority: must be between 1 (high) and 99 (low), got 100") {
		t.Errorf("got %v", err)
	}
	if err := (Contact{ExternalID: "x"}).Validate(); err != nil {
		t.Errorf("valid contact: %v", err)
	}
}
