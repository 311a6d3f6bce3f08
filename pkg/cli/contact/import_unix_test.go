//go:build !windows

package contact_test

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/nimbusctl/nimbusctl/pkg/cli/clitest"
	"github.com/nimbusctl/nimbusctl/pkg/emulator"
)

// A pipe given as the file (bash's <(curl ...), /dev/fd/N) is read once and imported: the
// second pass read it empty ("the file is empty").
func TestImportFromAPipe(t *testing.T) {
	t.Parallel()
	e := clitest.New(t, clitest.WithEmulator(func(o *emulator.Options) { o.Empty = true }))
	fifo := filepath.Join(e.Home, "export.fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skip(err)
	}
	go func() {
		f, err := os.OpenFile(fifo, os.O_WRONLY, 0)
		if err != nil {
			return
		}
		f.WriteString("externalId,firstName\nP-1,Anna\n")
		time.Sleep(50 * time.Millisecond) // the export is still coming
		f.WriteString("P-2,Ben\n")
		f.Close()
	}()
	e.Run("contact", "import", emulator.BookCustomers, fifo, "-o", "json", "--jq", "[.added, .invalid]").Expect(t, 0, "[2,0]\n", "")
}
