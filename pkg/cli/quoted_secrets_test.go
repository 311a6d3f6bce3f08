package cli_test

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nimbusctl/nimbusctl/pkg/cli/clitest"
)

// A server that quotes what it was sent in its error (many do: "the url ... is not
// reachable") must not put a secret the process knows into the error message: the
// listener's path token, refused with its registration, is shown as [redacted].
func TestErrorsQuotingTheListenersTokenHideIt(t *testing.T) {
	t.Parallel()
	e := clitest.New(t)
	const token = "sEcReT-pAtH-tOkEn-0123456789abcdef"
	hostileEndpoint(t, e, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.Method == http.MethodGet {
			w.Write([]byte(`[{"name":"Terminated","value":"Terminated"}]`))
			return
		}
		var body struct {
			Config struct{ URL string } `json:"config"`
		}
		json.NewDecoder(r.Body).Decode(&body)
		w.WriteHeader(http.StatusBadRequest)
		json.NewEncoder(w).Encode(map[string]string{"message": "The url " + body.Config.URL + " is not reachable."})
	})
	tok := filepath.Join(e.Home, "path-token")
	if err := os.WriteFile(tok, []byte(token), 0o600); err != nil {
		t.Fatal(err)
	}
	r := e.Run("trigger", "listen", "--listen", "127.0.0.1:0", "--path-token", tok, "--public-url", "https://hooks.example.com/n",
		"--register", "tasks", "--service", "support@contoso.com", "--task-event", "Terminated")
	r.Expect(t, 7, "", "error: RegisterTaskWebHook: 400 Bad Request: The url https://hooks.example.com/n/[redacted] is not reachable.\n")
	if strings.Contains(r.Stdout+r.Stderr, token) {
		t.Errorf("the path token is in the output:\n%s", r.Stderr)
	}
}

// The same for the credentials taken from the environment: an API that echoes the key or
// token it refused ("API key ... is not valid") does not get it into the error message.
func TestErrorsQuotingACredentialHideIt(t *testing.T) {
	t.Parallel()
	e := clitest.New(t)
	hostileEndpoint(t, e, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		json.NewEncoder(w).Encode(map[string]string{"message": "The credential '" + r.Header.Get("Authorization") + "' is not valid."})
	})
	e.Setenv("NIMBUSCTL_NPSTODAY_URL", e.Getenv("NIMBUSCTL_ENDPOINT"))
	for _, args := range [][]string{{"addressbook", "list"}, {"nps", "campaigns", "list"}} {
		r := e.Run(args...)
		for _, secret := range []string{e.Getenv("NIMBUSCTL_TOKEN"), e.Getenv("NPSTODAY_API_KEY")} {
			if r.Code != 4 || strings.Contains(r.Stderr, secret) || !strings.Contains(r.Stderr, "[redacted]") {
				t.Errorf("%v: exit %d, a credential in the output:\n%s", args, r.Code, r.Stderr)
			}
		}
	}
}
