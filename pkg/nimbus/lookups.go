package nimbus

import "context"

// The lookup lists behind the connector's dropdowns. Service and user lists are plain UPN
// strings; the others are NameValue lists whose Value is what requests take.

func (c *Client) strings(ctx context.Context, op Operation) ([]string, error) {
	var out []string
	_, err := c.do(ctx, call{op: op}, &out)
	return out, err
}

func (c *Client) nameValues(ctx context.Context, op Operation) ([]NameValue, error) {
	var out []NameValue
	_, err := c.do(ctx, call{op: op}, &out)
	return out, err
}

// GetSchedulerEntryServices lists the service UPNs that can schedule calls.
func (c *Client) GetSchedulerEntryServices(ctx context.Context) ([]string, error) {
	return c.strings(ctx, OpGetSchedulerEntryServices)
}

// GetDistributionPriorities lists the priorities of scheduled calls.
func (c *Client) GetDistributionPriorities(ctx context.Context) ([]NameValue, error) {
	return c.nameValues(ctx, OpGetDistributionPriorities)
}

// GetSchedulerEntriesEvents lists the events a scheduler-entry trigger can filter on.
func (c *Client) GetSchedulerEntriesEvents(ctx context.Context) ([]NameValue, error) {
	return c.nameValues(ctx, OpGetSchedulerEntriesEvents)
}

// GetExternalTasksServices lists the service UPNs that accept external tasks.
func (c *Client) GetExternalTasksServices(ctx context.Context) ([]string, error) {
	return c.strings(ctx, OpGetExternalTasksServices)
}

// GetExternalTasksDistributionPriorities lists the priorities of external tasks.
func (c *Client) GetExternalTasksDistributionPriorities(ctx context.Context) ([]NameValue, error) {
	return c.nameValues(ctx, OpGetExternalTasksDistributionPriorities)
}

// GetServices lists the service UPNs of the user (for task triggers and updates).
func (c *Client) GetServices(ctx context.Context) ([]string, error) {
	return c.strings(ctx, OpGetServices)
}

// GetTaskEvents lists the events a task trigger can filter on.
func (c *Client) GetTaskEvents(ctx context.Context) ([]NameValue, error) {
	return c.nameValues(ctx, OpGetTaskEvents)
}

// GetTaskModalities lists the task modalities (Audio, InstantMessaging, ExternalTask, ...).
func (c *Client) GetTaskModalities(ctx context.Context) ([]NameValue, error) {
	return c.nameValues(ctx, OpGetTaskModalities)
}

// GetTaskDirections lists the task directions (Inbound, Outbound, None).
func (c *Client) GetTaskDirections(ctx context.Context) ([]NameValue, error) {
	return c.nameValues(ctx, OpGetTaskDirections)
}

// GetUsersForPreferredRouting lists the user UPNs a task can be routed to first.
func (c *Client) GetUsersForPreferredRouting(ctx context.Context) ([]string, error) {
	return c.strings(ctx, OpGetUsersForPreferredRouting)
}
