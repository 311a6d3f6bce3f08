package cli_test

import (
	"encoding/json"
	"sort"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/nimbusctl/nimbusctl/pkg/cli"
	"github.com/nimbusctl/nimbusctl/pkg/cli/cmdutil"
	"github.com/nimbusctl/nimbusctl/pkg/contract"
	"github.com/nimbusctl/nimbusctl/pkg/output"
)

// swaggerOperations collects every operationId of the connector swagger, the contract.
func swaggerOperations(t *testing.T) map[string]bool {
	t.Helper()
	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(contract.NimbusSwagger, &doc); err != nil {
		t.Fatalf("parsing the swagger: %v", err)
	}
	ops := map[string]bool{}
	for _, item := range doc.Paths {
		for _, raw := range item {
			var op struct {
				OperationID string `json:"operationId"`
			}
			// Path items also hold non-operation keys (parameters, x-ms-notification-content).
			if json.Unmarshal(raw, &op) == nil && op.OperationID != "" {
				ops[op.OperationID] = true
			}
		}
	}
	return ops
}

// TestEveryOperationHasACommand walks the command tree and fails when an operationId of the
// swagger is reachable only through `nimbusctl api`: each command declares the operations it
// calls in its "operations" annotation.
func TestEveryOperationHasACommand(t *testing.T) {
	t.Parallel()
	ops := swaggerOperations(t)
	if len(ops) != 28 {
		t.Errorf("the swagger has %d operations, want 28", len(ops))
	}
	ios, _, _, _ := output.Test()
	root := cli.NewRootCmd(cli.NewFactory(ios, cmdutil.BuildInfo{Version: "dev"}, func(string) string { return "" }))

	declared := map[string][]string{} // operationId -> commands
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if list := c.Annotations["operations"]; list != "" {
			for _, id := range strings.Split(list, ",") {
				declared[strings.TrimSpace(id)] = append(declared[strings.TrimSpace(id)], c.CommandPath())
			}
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)

	var missing, unknown []string
	for id := range ops {
		if len(declared[id]) == 0 {
			missing = append(missing, id)
		}
	}
	for id, cmds := range declared {
		if !ops[id] {
			unknown = append(unknown, id+" (declared by "+strings.Join(cmds, ", ")+")")
		}
	}
	sort.Strings(missing)
	sort.Strings(unknown)
	if len(missing) > 0 {
		t.Errorf("operations no command declares (only reachable through `nimbusctl api`): %s", strings.Join(missing, ", "))
	}
	if len(unknown) > 0 {
		t.Errorf("commands declare operations the swagger does not have: %s", strings.Join(unknown, "; "))
	}
}
