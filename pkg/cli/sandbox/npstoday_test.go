package sandbox_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nimbusctl/nimbusctl/pkg/cli/clitest"
)

// The sandbox profile reaches the emulated nps.today with no setup: its URL is in the
// profile and its key in the profile's key file, where `nps login --with-key` puts one.
func TestSandboxNPSTodayWorksWithoutLogin(t *testing.T) {
	t.Parallel()
	e := clitest.New(t, clitest.NoLogin())
	for _, k := range []string{"NIMBUSCTL_ENDPOINT", "NIMBUSCTL_CA_FILE", "NIMBUSCTL_ODATA_URL", "NIMBUSCTL_NPSTODAY_URL", "NPSTODAY_API_KEY"} {
		e.Setenv(k, "")
	}
	ready := filepath.Join(e.Home, "nps-sandbox.ready")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan clitest.Result, 1)
	go func() { done <- e.RunWith(clitest.RunOpts{Ctx: ctx}, "sandbox", "--port", "0", "--ready-file", ready) }()
	defer func() { cancel(); <-done }()
	var url string
	for deadline := time.Now().Add(30 * time.Second); ; {
		if b, err := os.ReadFile(ready); err == nil && strings.HasSuffix(string(b), "\n") {
			url = strings.TrimSpace(string(b))
			break
		}
		select {
		case r := <-done:
			t.Fatalf("sandbox ended early: exit %d\n%s", r.Code, r.Stderr)
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatal("the sandbox never became ready")
		}
	}
	keyFile := filepath.Join(e.Home, "config", "npstoday", "sandbox.key")
	if fi, err := os.Stat(keyFile); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v %v", fi, err)
	}
	r := e.Run("--profile", "sandbox", "nps", "status", "-o", "json", "--jq", ".check + \" \" + .keySource + \" \" + .endpoint")
	r.Expect(t, 0, "ok file "+keyFile+" "+url+"/nps\n", "")
	// After-call works in the sandbox: the IVR map knows the seeded Nimbus services.
	e.Run("--profile", "sandbox", "nps", "ivr-map", "--jq", "map(.queueId) | join(\",\")").Expect(t, 0, "support@contoso.com,sales@contoso.com\n", "")
}
