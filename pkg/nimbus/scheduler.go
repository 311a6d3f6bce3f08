package nimbus

import (
	"context"
	"net/url"
)

// GetSchedulerEntries lists the scheduled calls of one service.
func (c *Client) GetSchedulerEntries(ctx context.Context, serviceUPN string) ([]SchedulerEntry, error) {
	var out []SchedulerEntry
	_, err := c.do(ctx, call{op: OpGetSchedulerEntries, query: url.Values{"serviceUpn": {serviceUPN}}}, &out)
	return out, err
}

// CreateSchedulerEntry schedules an outbound call. It is never retried once it may have
// landed: callers that must not call twice reconcile by ReferenceId (see pkg/bulk).
func (c *Client) CreateSchedulerEntry(ctx context.Context, e SchedulerEntryWrite) (SchedulerEntry, error) {
	var out SchedulerEntry
	_, err := c.do(ctx, call{op: OpCreateSchedulerEntry, body: e}, &out)
	return out, err
}

// UpdateSchedulerEntry replaces the settings of a scheduled call.
func (c *Client) UpdateSchedulerEntry(ctx context.Context, id string, e SchedulerEntryWrite) (SchedulerEntry, error) {
	var out SchedulerEntry
	_, err := c.do(ctx, call{op: OpUpdateSchedulerEntry, params: []string{id}, body: e}, &out)
	return out, err
}

// DeleteSchedulerEntry removes a scheduled call; only possible while it is not in progress.
func (c *Client) DeleteSchedulerEntry(ctx context.Context, id string) error {
	_, err := c.do(ctx, call{op: OpDeleteSchedulerEntry, params: []string{id}}, nil)
	return deleted(err)
}
