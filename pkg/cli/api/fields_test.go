package api_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/nimbusctl/nimbusctl/pkg/cli/clitest"
	"github.com/nimbusctl/nimbusctl/pkg/emulator"
)

// -F sends numbers, booleans and null as JSON values, and @file as the file's text; a[b]
// nests. The emulator checks types against the swagger, so a number sent as a string fails.
func TestAPITypedFields(t *testing.T) {
	t.Parallel()
	e := clitest.New(t)
	ref := filepath.Join(e.Home, "ref.txt")
	if err := os.WriteFile(ref, []byte("from-file-7"), 0o600); err != nil {
		t.Fatal(err)
	}
	r := e.Run("api", "POST", "/v1/scheduler-entries",
		"-f", "serviceUpn="+emulator.ServiceSupport, "-f", "destination=+41445551234", "-f", "dueDateTimeUtc=2030-01-02T03:04:05Z",
		"-F", "maxAttempts=3", "-F", "ReferenceId=@"+ref, "-F", "customer[firstName]=Ada",
		"--jq", "[.ReferenceId, .maxAttempts, .customer.firstName] | tojson")
	r.Expect(t, 0, `["from-file-7",3,"Ada"]`+"\n", "")

	e.Run("api", "POST", "/v1/scheduler-entries", "-f", "serviceUpn="+emulator.ServiceSupport, "-f", "destination=+41445551234",
		"-f", "dueDateTimeUtc=2030-01-02T03:04:05Z", "-f", "maxAttempts=3").
		Expect(t, 7, "", "error: CreateSchedulerEntry: 400 Bad Request: The request is invalid: maxAttempts: value must be an integer\n")
	usage := "Run 'nimbusctl api --help' for usage.\n"
	e.Run("api", "POST", "/x", "-F", "broken").Expect(t, 3, "", "error: --field: \"broken\" is not key=value\n"+usage)
	e.Run("api", "POST", "/x", "-F", "a[b=1").Expect(t, 3, "", "error: bad key \"a[b\": unbalanced [\n"+usage)
	r = e.Run("api", "POST", "/x", "-F", "a=@"+filepath.Join(e.Home, "missing.txt"))
	if r.Code != 3 || r.Stdout != "" {
		t.Errorf("missing @file: exit %d %q %q", r.Code, r.Stdout, r.Stderr)
	}
}

// The request is raw: a[]=x repeats the query parameter, and the connector's array
// parameters (collectionFormat csv) want one comma-separated value instead, as the help says.
func TestAPIQueryArrays(t *testing.T) {
	t.Parallel()
	e := clitest.New(t)
	path := "/v2/AddressBooks/" + emulator.BookCustomers + "/contacts"
	e.Run("api", "GET", path, "-f", "externalIds="+emulator.ContactAlice+","+emulator.ContactChloe, "--jq", ".[].externalId").
		Expect(t, 0, emulator.ContactAlice+"\n"+emulator.ContactChloe+"\n", "")
	e.Run("api", "GET", path, "-f", "externalIds[]="+emulator.ContactAlice, "-f", "externalIds[]="+emulator.ContactChloe).
		Expect(t, 7, "", "error: GetContacts: 400 Bad Request: The request is invalid: externalIds: must be sent once, as a comma-separated list (collectionFormat csv)\n")
}
