package nimbus

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/nimbusctl/nimbusctl/pkg/contract"
	"github.com/nimbusctl/nimbusctl/pkg/emulator/core"
)

// TestEveryOperationIsServed reads the operation ids from the contract itself.
func TestEveryOperationIsServed(t *testing.T) {
	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(contract.NimbusSwagger, &doc); err != nil {
		t.Fatal(err)
	}
	srv, err := core.Listen(core.Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	s, err := New(srv, Options{})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for path, item := range doc.Paths {
		for method, raw := range item {
			if strings.HasPrefix(method, "x-") || method == "parameters" {
				continue
			}
			var op struct {
				OperationID string `json:"operationId"`
			}
			json.Unmarshal(raw, &op)
			n++
			if s.ops[op.OperationID] == nil {
				t.Errorf("%s %s (%s) has no handler", strings.ToUpper(method), path, op.OperationID)
			}
		}
	}
	if n != 28 || len(s.ops) != 28 {
		t.Fatalf("%d operations in the swagger, %d handlers", n, len(s.ops))
	}
}
