package nimbus

import "context"

// TestConnection checks that the API accepts the current credential.
func (c *Client) TestConnection(ctx context.Context) error {
	_, err := c.do(ctx, call{op: OpTestConnection}, nil)
	return err
}
