package nimbus

import (
	"context"
	"encoding/json"
	"net/url"
	"path"
	"strings"
)

// Trigger kinds, as they appear in the trigger paths.
const (
	TriggerTasks            = "tasks"
	TriggerSchedulerEntries = "scheduler-entries"
)

// RegisterTaskWebHook subscribes a URL to task events.
func (c *Client) RegisterTaskWebHook(ctx context.Context, cfg TaskTriggerConfig) (Trigger, error) {
	return c.register(ctx, OpRegisterTaskWebHook, TriggerTasks, cfg)
}

// RegisterSchedulerEntryTrigger subscribes a URL to scheduler-entry events.
func (c *Client) RegisterSchedulerEntryTrigger(ctx context.Context, cfg SchedulerEntryTriggerConfig) (Trigger, error) {
	return c.register(ctx, OpRegisterSchedulerEntryTrigger, TriggerSchedulerEntries, cfg)
}

func (c *Client) register(ctx context.Context, op Operation, kind string, cfg any) (Trigger, error) {
	resp, err := c.do(ctx, call{op: op, body: map[string]any{"config": cfg}}, nil)
	if err != nil {
		return Trigger{}, err
	}
	t := Trigger{Kind: kind, Location: resp.Header.Get("Location")}
	if t.Location != "" {
		// The last path segment, unescaped once: DeleteXTrigger escapes it again.
		seg := path.Base(strings.TrimRight(strings.SplitN(t.Location, "?", 2)[0], "/"))
		if id, err := url.PathUnescape(seg); err == nil {
			t.ID = id
		}
	}
	if t.ID == "" {
		// Not in the contract, but harmless to accept: an id in the body.
		var body struct {
			ID string `json:"id"`
		}
		if json.Unmarshal(resp.Body, &body) == nil {
			t.ID = body.ID
		}
	}
	return t, nil
}

// DeleteTaskEventsTrigger removes a task-events subscription.
func (c *Client) DeleteTaskEventsTrigger(ctx context.Context, id string) error {
	_, err := c.do(ctx, call{op: OpDeleteTaskEventsTrigger, params: []string{id}}, nil)
	return deleted(err)
}

// DeleteSchedulerEntriesTrigger removes a scheduler-entry subscription.
func (c *Client) DeleteSchedulerEntriesTrigger(ctx context.Context, id string) error {
	_, err := c.do(ctx, call{op: OpDeleteSchedulerEntriesTrigger, params: []string{id}}, nil)
	return deleted(err)
}
