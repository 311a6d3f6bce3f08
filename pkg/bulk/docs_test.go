package bulk

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestEveryFieldIsDocumented keeps docs/csv-import.md in step with the schemas.
func TestEveryFieldIsDocumented(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "csv-import.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []*Schema{ContactSchema, ScheduleSchema} {
		for _, f := range s.Fields {
			name := "`" + f.Name + "`"
			if strings.HasPrefix(f.Name, "address.") {
				name = "." + strings.TrimPrefix(f.Name, "address.") + "`"
			}
			if !strings.Contains(string(doc), name) {
				t.Errorf("docs/csv-import.md does not mention the field %s", f.Name)
			}
		}
		for _, p := range s.Prefixes {
			if !strings.Contains(string(doc), "`"+p+"<name>`") {
				t.Errorf("docs/csv-import.md does not mention the prefix %s", p)
			}
		}
	}
}
