package nimbus

import (
	"fmt"
	"strings"
	"time"

	"github.com/nimbusctl/nimbusctl/pkg/httpx"
)

// The swagger's ranges (pkg/contract); a test reads them back from the swagger.
const (
	MaxAttemptsMin, MaxAttemptsMax             = 1, 10
	AttemptTimeoutMin, AttemptTimeoutMax       = 30, 86400
	MaxQueueTimeMin, MaxQueueTimeMax           = 5, 3600
	RonaTimeoutMin, RonaTimeoutMax             = 5, 30
	PreferredUsersMax                          = 10
	PreferredPriorityMin, PreferredPriorityMax = 1, 99
)

// FieldError is one problem with one field, named by its JSON path ("customer.telNumbers[0].name").
type FieldError struct {
	Field string `json:"field"`
	Msg   string `json:"message"`
}

// ValidationError lists every problem of a request body; it is returned before anything is
// sent.
type ValidationError []FieldError

func (v ValidationError) Error() string {
	parts := make([]string, len(v))
	for i, f := range v {
		parts[i] = f.Field + ": " + f.Msg
	}
	return "invalid request: " + strings.Join(parts, "; ")
}

type checker struct{ errs ValidationError }

func (c *checker) add(field, format string, a ...any) {
	c.errs = append(c.errs, FieldError{Field: field, Msg: fmt.Sprintf(format, a...)})
}

func (c *checker) required(field, v string) {
	if strings.TrimSpace(v) == "" {
		c.add(field, "is required")
	}
}

// webhookURL applies the one rule for event URLs (httpx.CheckWebhookURL).
func (c *checker) webhookURL(field, v string) {
	if strings.TrimSpace(v) == "" {
		c.add(field, "is required")
	} else if err := httpx.CheckWebhookURL(v); err != nil {
		c.add(field, "%v", err)
	}
}

func (c *checker) between(field string, v *int, lo, hi int) {
	if v != nil && (*v < lo || *v > hi) {
		c.add(field, "must be between %d and %d, got %d", lo, hi, *v)
	}
}

func (c *checker) result() error {
	if len(c.errs) == 0 {
		return nil
	}
	return c.errs
}

// Validate checks a contact against ContactWriteDto.
func (ct Contact) Validate() error {
	var c checker
	c.required("externalId", ct.ExternalID)
	for i, f := range ct.CustomFields {
		c.required(fmt.Sprintf("customFields[%d].name", i), f.Name)
	}
	return c.result()
}

// Validate checks a scheduled call against SchedulerEntryWriteData.
func (e SchedulerEntryWrite) Validate() error {
	var c checker
	c.required("serviceUpn", e.ServiceUPN)
	c.required("destination", e.Destination)
	if e.DueDateTimeUTC == "" {
		c.add("dueDateTimeUtc", "is required")
	} else if t, err := time.Parse(time.RFC3339, e.DueDateTimeUTC); err != nil {
		c.add("dueDateTimeUtc", "must be an RFC 3339 date-time such as 2020-03-23T11:00:00Z, got %q", e.DueDateTimeUTC)
	} else if _, off := t.Zone(); off != 0 {
		c.add("dueDateTimeUtc", "must be in UTC (ending in Z), got %q", e.DueDateTimeUTC)
	}
	c.between("maxAttempts", e.MaxAttempts, MaxAttemptsMin, MaxAttemptsMax)
	c.between("attemptTimeoutInSeconds", e.AttemptTimeoutInSeconds, AttemptTimeoutMin, AttemptTimeoutMax)
	c.between("maxQueueTimeInSeconds", e.MaxQueueTimeInSeconds, MaxQueueTimeMin, MaxQueueTimeMax)
	c.between("ronaTimeoutInSeconds", e.RonaTimeoutInSeconds, RonaTimeoutMin, RonaTimeoutMax)
	c.contextParams("customCallContextParameters", e.CustomCallContextParameters)
	c.customer("customer", e.Customer)
	return c.result()
}

// Validate checks an external task against ExternalTaskWriteDto.
func (t ExternalTaskWrite) Validate() error {
	var c checker
	c.required("serviceUpn", t.ServiceUPN)
	c.contextParams("customContextParameters", t.CustomContextParameters)
	c.preferredUsers("preferredUsers", t.PreferredUsers)
	c.customer("customer", t.Customer)
	return c.result()
}

// Validate checks a task update against TaskInformation.
func (t TaskInformation) Validate() error {
	var c checker
	c.contextParams("customContextParameters", t.CustomContextParameters)
	c.preferredUsers("preferredUsers", t.PreferredUsers)
	c.customer("customer", t.Customer)
	return c.result()
}

// Validate checks a task trigger's config.
func (t TaskTriggerConfig) Validate() error {
	var c checker
	c.webhookURL("url", t.URL)
	if len(t.Services) == 0 {
		c.add("services", "needs at least one service UPN")
	}
	if len(t.TaskEvents) == 0 {
		c.add("taskEvents", "needs at least one event")
	}
	return c.result()
}

// Validate checks a scheduler-entry trigger's config.
func (t SchedulerEntryTriggerConfig) Validate() error {
	var c checker
	c.webhookURL("url", t.URL)
	if len(t.Services) == 0 {
		c.add("services", "needs at least one service UPN")
	}
	if len(t.SchedulerEntryEvents) == 0 {
		c.add("schedulerEntryEvents", "needs at least one event")
	}
	return c.result()
}

func (c *checker) contextParams(field string, ps []ContextParameter) {
	for i, p := range ps {
		c.required(fmt.Sprintf("%s[%d].name", field, i), p.Name)
	}
}

func (c *checker) preferredUsers(field string, us []PreferredUser) {
	if len(us) > PreferredUsersMax {
		c.add(field, "at most %d preferred users, got %d", PreferredUsersMax, len(us))
	}
	for i, u := range us {
		c.required(fmt.Sprintf("%s[%d].upn", field, i), u.UPN)
		if u.Priority != 0 && (u.Priority < PreferredPriorityMin || u.Priority > PreferredPriorityMax) {
			c.add(fmt.Sprintf("%s[%d].priority", field, i), "must be between %d (high) and %d (low), got %d",
				PreferredPriorityMin, PreferredPriorityMax, u.Priority)
		}
	}
}

func (c *checker) customer(field string, cu *Customer) {
	if cu == nil {
		return
	}
	for i, t := range cu.TelNumbers {
		c.required(fmt.Sprintf("%s.telNumbers[%d].name", field, i), t.Name)
	}
	for i, f := range cu.CustomFields {
		c.required(fmt.Sprintf("%s.customFields[%d].name", field, i), f.Name)
	}
}
