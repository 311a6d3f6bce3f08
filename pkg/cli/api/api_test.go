package api_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/nimbusctl/nimbusctl/pkg/cli/clitest"
	"github.com/nimbusctl/nimbusctl/pkg/emulator"
)

func TestAPIGetWithJQ(t *testing.T) {
	t.Parallel()
	e := clitest.New(t)
	e.Run("api", "GET", "/v2/AddressBooks", "-o", "json", "--jq", ".[].name").
		Expect(t, 0, "Customers\nPartners\n", "")
}

func TestAPIDefaultsToJSON(t *testing.T) {
	t.Parallel()
	e := clitest.New(t)
	r := e.MustRun("api", "GET", "/v1/scheduler-entries/service-contacts")
	var upns []string
	if err := json.Unmarshal([]byte(r.Stdout), &upns); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, r.Stdout)
	}
	if strings.Join(upns, ",") != emulator.ServiceSupport+","+emulator.ServiceSales {
		t.Errorf("services = %v", upns)
	}
}

func TestAPIPostFieldsBuildTheBody(t *testing.T) {
	t.Parallel()
	e := clitest.New(t)
	r := e.Run("api", "POST", "/v2/AddressBooks/"+emulator.BookCustomers+"/contacts",
		"-f", "externalId=c-42", "-f", "firstName=Ada", "-f", "emailAddresses[]=ada@example.com",
		"--jq", ".externalId")
	r.Expect(t, 0, "c-42\n", "")
	got := e.Emu.Contacts(emulator.BookCustomers)
	last := got[len(got)-1]
	if last["firstName"] != "Ada" || last["emailAddresses"].([]any)[0] != "ada@example.com" {
		t.Errorf("stored %v", last)
	}
}

func TestAPIQueryFieldsForGET(t *testing.T) {
	t.Parallel()
	e := clitest.New(t)
	r := e.MustRun("api", "GET", "/v1/scheduler-entries", "-f", "serviceUpn="+emulator.ServiceSupport, "--jq", "length > 0")
	if r.Stdout != "true\n" {
		t.Errorf("got %q", r.Stdout)
	}
}

func TestAPIErrorsMapToExitCodes(t *testing.T) {
	t.Parallel()
	e := clitest.New(t)
	e.Run("api", "GET", "/v2/AddressBooks/"+emulator.BookBoard+"/contacts").
		Expect(t, 5, "", "error: GetContacts: 403 Forbidden: Forbidden. No access to Addressbook.\n")
	e.Run("api", "GET", "/v1/scheduler-entries").
		Expect(t, 7, "", "error: GetSchedulerEntries: 400 Bad Request: The request is invalid: serviceUpn: is required\n")
	e.Run("api", "DELETE", "/v1/scheduler-entries/no-such-entry").
		Expect(t, 6, "", "error: DeleteSchedulerEntry: 404 Not Found: Scheduler Entry Not Found\n")
	e.Run("api", "FETCH", "/x").
		Expect(t, 3, "", "error: unknown method \"FETCH\": allowed: GET, POST, PUT, PATCH, DELETE, HEAD\nRun 'nimbusctl api --help' for usage.\n")
	e.Run("api", "GET", "v2/AddressBooks").
		Expect(t, 3, "", "error: the path must start with / and is relative to the profile's endpoint, got \"v2/AddressBooks\"\nRun 'nimbusctl api --help' for usage.\n")
}

func TestAPIWithoutCredential(t *testing.T) {
	t.Parallel()
	e := clitest.New(t, clitest.NoLogin())
	e.Run("api", "GET", "/v2/AddressBooks").
		Expect(t, 4, "", "error: not logged in: profile \"default\" has no client_id: run `nimbusctl auth login --client-id <app-id>` (an app registration with public client flows enabled); without a terminal set NIMBUSCTL_CLIENT_ID with NIMBUSCTL_CLIENT_SECRET, or NIMBUSCTL_TOKEN\n")
	e.Setenv("NIMBUSCTL_TOKEN", "forged")
	e.Run("api", "GET", "/v2/AddressBooks").Expect(t, 4, "", "error: GetAddressBooks: 401 Unauthorized: Unauthorized. The token is invalid or was revoked.\n"+
		"NIMBUSCTL_TOKEN was refused: it has expired, or was issued for another resource or tenant. Set a fresh token, or unset NIMBUSCTL_TOKEN to use the account of 'nimbusctl auth login'.\n")
}

func TestAPIInputFromStdin(t *testing.T) {
	t.Parallel()
	e := clitest.New(t)
	body := `{"serviceUpn":"` + emulator.ServiceSupport + `","destination":"+41445551234","dueDateTimeUtc":"2030-01-02T03:04:05Z","ReferenceId":"ref-1"}`
	r := e.RunWith(clitest.RunOpts{Stdin: body}, "api", "POST", "/v1/scheduler-entries", "--input", "-", "--jq", ".ReferenceId")
	r.Expect(t, 0, "ref-1\n", "")
}

func TestAPIReachesTheODataFeed(t *testing.T) {
	t.Parallel()
	e := clitest.New(t)
	r := e.MustRun("api", "GET", "/", "--service", "odata", "--jq", `.value | map(.name) | index("Services") != null`)
	if r.Stdout != "true\n" {
		t.Errorf("service document: %q %q", r.Stdout, r.Stderr)
	}
}

// An answer that is not JSON (the feed's $metadata is XML) is printed as it came; --jq cannot
// filter it, and says so rather than print the unfiltered answer where a script expects
// the filter's result.
func TestAPIAnswerThatIsNotJSON(t *testing.T) {
	t.Parallel()
	e := clitest.New(t)
	r := e.MustRun("api", "GET", "/$metadata", "--service", "odata")
	if !strings.HasPrefix(r.Stdout, "<?xml") || !strings.Contains(r.Stdout, "<EntitySet Name=\"ServiceSessions\"") {
		t.Errorf("$metadata: %q", r.Stdout)
	}
	e.Run("api", "GET", "/$metadata", "--service", "odata", "--jq", ".").
		Expect(t, 1, "", "error: --jq: the answer is not JSON, so it cannot be filtered; run without --jq to see it as it came\n")
	e.Run("nps", "api", "GET", "/campaigns/", "--jq", ".[0].id").Expect(t, 0, "101\n", "")
}
