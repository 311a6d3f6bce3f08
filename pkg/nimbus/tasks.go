package nimbus

import "context"

// UpdateTask changes the customer, context parameters or preferred users of a task in progress.
func (c *Client) UpdateTask(ctx context.Context, taskID string, info TaskInformation) error {
	_, err := c.do(ctx, call{op: OpUpdateTask, params: []string{taskID}, body: info}, nil)
	return err
}
