package nimbus_test

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/nimbusctl/nimbusctl/pkg/emulator"
	"github.com/nimbusctl/nimbusctl/pkg/emulator/internal/emutest"
)

// TestSchedulerEntryRanges walks every min/max of SchedulerEntryWriteData: the bounds are
// accepted, one past them is a 400 that names the field.
func TestSchedulerEntryRanges(t *testing.T) {
	e := emutest.Start(t, emulator.Options{})
	c := emutest.As(t, e, emulator.DefaultUser)
	for _, tc := range []struct {
		field  string
		lo, hi int
	}{
		{"maxAttempts", 1, 10},
		{"attemptTimeoutInSeconds", 30, 86400},
		{"maxQueueTimeInSeconds", 5, 3600},
		{"ronaTimeoutInSeconds", 5, 30},
	} {
		for _, v := range []int{tc.lo, tc.hi} {
			c.Do("POST", "/v1/scheduler-entries", emutest.Entry(time.Now(), map[string]any{tc.field: v})).Expect(t, 200)
		}
		for v, want := range map[int]string{tc.lo - 1: "at least", tc.hi + 1: "at most"} {
			r := c.Do("POST", "/v1/scheduler-entries", emutest.Entry(time.Now(), map[string]any{tc.field: v})).Expect(t, 400)
			er := r.Err(t)
			if !er.HasField(tc.field, want) || !strings.Contains(er.Message, tc.field) {
				t.Errorf("%s=%d: %s", tc.field, v, r.Body)
			}
		}
	}
	// Not an integer.
	r := c.Do("POST", "/v1/scheduler-entries", emutest.Entry(time.Now(), map[string]any{"maxAttempts": 1.5})).Expect(t, 400)
	if !r.Err(t).HasField("maxAttempts", "integer") {
		t.Errorf("1.5: %s", r.Body)
	}
}

func TestValidationNamesTheField(t *testing.T) {
	e := emutest.Start(t, emulator.Options{})
	c := emutest.As(t, e, emulator.DefaultUser)
	now := time.Now()
	eleven := make([]map[string]any, 11)
	for i := range eleven {
		eleven[i] = map[string]any{"upn": emulator.DefaultUser}
	}
	for _, tc := range []struct {
		name, method, path string
		body               any
		field, msg         string
	}{
		{"required serviceUpn", "POST", "/v1/scheduler-entries", emutest.Entry(now, map[string]any{"serviceUpn": nil}), "serviceUpn", "missing"},
		{"required destination", "POST", "/v1/scheduler-entries", emutest.Entry(now, map[string]any{"destination": nil}), "destination", "missing"},
		{"required dueDateTimeUtc", "POST", "/v1/scheduler-entries", emutest.Entry(now, map[string]any{"dueDateTimeUtc": nil}), "dueDateTimeUtc", "missing"},
		{"date-time format", "POST", "/v1/scheduler-entries", emutest.Entry(now, map[string]any{"dueDateTimeUtc": "23.03.2026 11:00"}), "dueDateTimeUtc", "RFC 3339"},
		{"casing of ReferenceId", "POST", "/v1/scheduler-entries", emutest.Entry(now, map[string]any{"ReferenceId": nil, "referenceId": "r"}), "referenceId", "is unsupported"},
		{"casing of customer UPN", "POST", "/v1/scheduler-entries", emutest.Entry(now, map[string]any{"customer": map[string]any{"upn": "a@b.example"}}), "customer.upn", "is unsupported"},
		{"telNumber name", "POST", "/v1/scheduler-entries", emutest.Entry(now, map[string]any{"customer": map[string]any{"telNumbers": []any{map[string]any{"value": "+41"}}}}), "customer.telNumbers[0].name", "missing"},
		{"context parameter name", "POST", "/v1/scheduler-entries", emutest.Entry(now, map[string]any{"customCallContextParameters": []any{map[string]any{"value": "v"}}}), "customCallContextParameters[0].name", "missing"},
		{"required externalId", "POST", "/v2/AddressBooks/" + emulator.BookCustomers + "/contacts", map[string]any{"firstName": "x"}, "externalId", "missing"},
		{"contact custom field name", "POST", "/v2/AddressBooks/" + emulator.BookCustomers + "/contacts", map[string]any{"externalId": "x", "customFields": []any{map[string]any{"value": "v"}}}, "customFields[0].name", "missing"},
		{"contact unknown property", "PUT", "/v2/AddressBooks/" + emulator.BookCustomers + "/contacts", map[string]any{"externalId": emulator.ContactAlice, "email": "a@b.example"}, "email", "is unsupported"},
		{"contact wrong type", "POST", "/v2/AddressBooks/" + emulator.BookCustomers + "/contacts", map[string]any{"externalId": "x", "emailAddresses": "a@b.example"}, "emailAddresses", "array"},
		{"required external task serviceUpn", "POST", "/v1/ExternalTasks", map[string]any{"customerIdentifier": "x"}, "serviceUpn", "missing"},
		{"preferredUsers maxItems", "POST", "/v1/ExternalTasks", map[string]any{"serviceUpn": emulator.ServiceSupport, "preferredUsers": eleven}, "preferredUsers", "10"},
		{"preferred priority 0", "POST", "/v1/ExternalTasks", map[string]any{"serviceUpn": emulator.ServiceSupport, "preferredUsers": []any{map[string]any{"upn": emulator.DefaultUser, "priority": 0}}}, "preferredUsers[0].priority", "at least 1"},
		{"preferred priority 100", "PUT", "/v1/tasks/" + emulator.TaskSupportCall, map[string]any{"preferredUsers": []any{map[string]any{"upn": emulator.DefaultUser, "priority": 100}}}, "preferredUsers[0].priority", "at most 99"},
		{"preferred upn required", "PUT", "/v1/tasks/" + emulator.TaskSupportCall, map[string]any{"preferredUsers": []any{map[string]any{"priority": 5}}}, "preferredUsers[0].upn", "missing"},
		{"trigger services minItems", "POST", "/v1/triggers/tasks", map[string]any{"config": map[string]any{"url": "https://x.example/h", "services": []string{}, "taskEvents": []string{"Created"}}}, "config.services", "minimum number of items is 1"},
		{"scheduler trigger services minItems", "POST", "/v1/triggers/scheduler-entries", map[string]any{"config": map[string]any{"url": "https://x.example/h", "services": []string{}, "schedulerEntryEvents": []string{"Created"}}}, "config.services", "minimum number of items is 1"},
		{"trigger config required", "POST", "/v1/triggers/tasks", map[string]any{}, "config", "missing"},
		{"trigger unknown config property", "POST", "/v1/triggers/tasks", map[string]any{"config": map[string]any{"url": "https://x.example/h", "services": []string{emulator.ServiceSupport}, "taskEvents": []string{"Created"}, "events": []string{"Created"}}}, "config.events", "is unsupported"},
		{"remove ids are strings", "POST", "/v2/AddressBooks/" + emulator.BookCustomers + "/contacts/delete", `["a", 1]`, "externalIds[1]", "string"},
		{"required query serviceUpn", "GET", "/v1/scheduler-entries", nil, "serviceUpn", "required"},
		{"body not JSON", "POST", "/v1/scheduler-entries", `{"destination":`, "body", "JSON"},
		{"body required", "POST", "/v1/scheduler-entries", nil, "body", "required"},
		{"no body allowed", "POST", "/v2/AddressBooks/" + emulator.BookCustomers + "/contacts/clear", `{}`, "body", "not allowed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := c.Do(tc.method, tc.path, tc.body).Expect(t, 400)
			er := r.Err(t)
			if !er.HasField(tc.field, tc.msg) {
				t.Fatalf("want field %q with %q, got %s", tc.field, tc.msg, r.Body)
			}
			if !strings.Contains(er.Message, tc.field) {
				t.Fatalf("message does not name %q: %s", tc.field, er.Message)
			}
			if strings.Contains(string(r.Body), "Schema:") || len(r.Body) > 2000 {
				t.Fatalf("the answer dumps the schema: %s", r.Body)
			}
		})
	}
}

func TestSeveralErrorsAtOnce(t *testing.T) {
	e := emutest.Start(t, emulator.Options{})
	r := emutest.As(t, e, emulator.DefaultUser).Do("POST", "/v1/scheduler-entries", map[string]any{
		"referenceId": "r", "maxAttempts": 11, "ronaTimeoutInSeconds": 4, "dueDateTimeUtc": "tomorrow",
	}).Expect(t, 400)
	er := r.Err(t)
	for _, f := range []string{"referenceId", "maxAttempts", "ronaTimeoutInSeconds", "dueDateTimeUtc", "serviceUpn", "destination"} {
		found := false
		for _, x := range er.Errors {
			found = found || x.Field == f
		}
		if !found {
			t.Errorf("%s not reported: %s", f, r.Body)
		}
	}
}

func TestContentTypeIsChecked(t *testing.T) {
	e := emutest.Start(t, emulator.Options{})
	req, _ := http.NewRequest("POST", e.NimbusURL()+"/v1/ExternalTasks", strings.NewReader(`{"serviceUpn":"`+emulator.ServiceSupport+`"}`))
	req.Header.Set("Content-Type", "text/plain")
	req.Header.Set("Authorization", "Bearer "+e.IssueToken(emulator.DefaultUser, emulator.NimbusAudience, time.Hour))
	resp, err := e.HTTPClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	r := emutest.Result{Status: resp.StatusCode, Body: raw}
	if !r.Expect(t, 400).Err(t).HasField("Content-Type", "application/json") {
		t.Fatalf("%s", raw)
	}
}
