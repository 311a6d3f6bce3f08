package nimbus

import "context"

// AddExternalTask queues an external task (a to-do for an agent) on a service.
func (c *Client) AddExternalTask(ctx context.Context, t ExternalTaskWrite) (ExternalTask, error) {
	var out ExternalTask
	_, err := c.do(ctx, call{op: OpAddExternalTask, body: t}, &out)
	return out, err
}

// RemoveExternalTask removes an external task.
func (c *Client) RemoveExternalTask(ctx context.Context, id string) error {
	_, err := c.do(ctx, call{op: OpRemoveExternalTask, params: []string{id}}, nil)
	return deleted(err)
}
