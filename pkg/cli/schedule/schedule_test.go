package schedule_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nimbusctl/nimbusctl/pkg/bulk"
	"github.com/nimbusctl/nimbusctl/pkg/cli/clitest"
	"github.com/nimbusctl/nimbusctl/pkg/cli/shared"
	"github.com/nimbusctl/nimbusctl/pkg/emulator"
)

// asJSON renders a stored entry with sorted keys, as the API would write it.
func asJSON(t *testing.T, v any) string {
	t.Helper()
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(b.String())
}

func entry(t *testing.T, e *clitest.Env, id string) map[string]any {
	t.Helper()
	m, ok := e.Emu.SchedulerEntry(id)
	if !ok {
		t.Fatalf("scheduler entry %s is not stored", id)
	}
	return m
}

// lastEntry is the newest entry of a service.
func lastEntry(t *testing.T, e *clitest.Env, service string) map[string]any {
	t.Helper()
	all := e.Emu.SchedulerEntries(service)
	if len(all) == 0 {
		t.Fatalf("%s has no entries", service)
	}
	return all[len(all)-1]
}

func calls(e *clitest.Env, op string) int { return e.Emu.Stats().Operations[op] }

func TestCreateFromFlags(t *testing.T) {
	t.Parallel()
	e := clitest.New(t)
	e.Setenv("NIMBUSCTL_DEFAULT_COUNTRY", "+41")
	r := e.Run("schedule", "create", "--service", "Support@Contoso.com", "--destination", "044 555 12 34",
		"--due", "2030-06-01 09:30", "--tz", "Europe/Zurich", "--reference-id", "callback-42", "--priority", "high",
		"--max-attempts", "3", "--attempt-timeout", "10m", "--context", "Reason=Invoice question", "--context", "Ticket=INC-4711",
		"--customer-first-name", "Alice", "--customer-last-name", "Muster", "--customer-upn", "alice.muster@muster.example",
		"--customer-phone", "+41445551001", "--customer-tel", "Mobile=+41795551001", "--customer-field", "Tier=Gold",
		"--customer-street", "Bahnhofstrasse 1", "--customer-post-code", "8001", "--customer-city", "Zürich", "--customer-country", "CH",
	)
	got := lastEntry(t, e, emulator.ServiceSupport)
	id, _ := got["schedulerEntryId"].(string)
	r.Expect(t, 0, id+"\tcallback-42\t2030-06-01T07:30:00Z\t+41445551234\t3\t3\tCreated\n", "")
	want := `{"ReferenceId":"callback-42","attemptTimeoutInSeconds":600,` +
		`"customCallContextParameters":[{"name":"Reason","value":"Invoice question"},{"name":"Ticket","value":"INC-4711"}],` +
		`"customer":{"UPN":"alice.muster@muster.example","city":"Zürich","country":"CH","customFields":[{"name":"Tier","value":"Gold"}],` +
		`"firstName":"Alice","lastName":"Muster","postCode":"8001","primaryTelNumber":"+41445551001","streetAddress":"Bahnhofstrasse 1",` +
		`"telNumbers":[{"name":"Mobile","value":"+41795551001"}]},` +
		`"destination":"+41445551234","direction":"Outbound","distributionPriority":"3","dueDateTimeUtc":"2030-06-01T07:30:00Z","event":"Created",` +
		`"maxAttempts":3,"maxQueueTimeInSeconds":300,"modality":"Audio","ronaTimeoutInSeconds":20,"schedulerEntryId":"` + id + `","serviceUpn":"Support@Contoso.com"}`
	if s := asJSON(t, got); s != want {
		t.Errorf("stored:\n%s\nwant\n%s", s, want)
	}
}

func TestCreateMinimalKeepsServerDefaults(t *testing.T) {
	t.Parallel()
	e := clitest.New(t)
	r := e.RunWith(clitest.RunOpts{TTY: true}, "schedule", "create", "--service", emulator.ServiceSales,
		"--destination", "sip:ceo@fabrikam.example", "--due", "2030-01-02T10:04:05+01:00")
	got := lastEntry(t, e, emulator.ServiceSales)
	id, _ := got["schedulerEntryId"].(string)
	r.Expect(t, 0, ""+
		"ID                                    REFERENCE  DUE (UTC)             DESTINATION               PRIORITY  ATTEMPTS  EVENT\n"+
		id+"             2030-01-02T09:04:05Z  sip:ceo@fabrikam.example            1         Created\n",
		"✓ Scheduled call "+id+" to sip:ceo@fabrikam.example at 2030-01-02T09:04:05Z\n")
	want := `{"attemptTimeoutInSeconds":3600,"destination":"sip:ceo@fabrikam.example","direction":"Outbound","dueDateTimeUtc":"2030-01-02T09:04:05Z",` +
		`"event":"Created","maxAttempts":1,"maxQueueTimeInSeconds":300,"modality":"Audio","ronaTimeoutInSeconds":20,"schedulerEntryId":"` + id + `","serviceUpn":"sales@contoso.com"}`
	if s := asJSON(t, got); s != want {
		t.Errorf("stored:\n%s\nwant\n%s", s, want)
	}
}

func TestCreateRelativeDueAndJSON(t *testing.T) {
	t.Parallel()
	e := clitest.New(t)
	before := time.Now().UTC().Truncate(time.Second)
	r := e.Run("schedule", "create", "--service", emulator.ServiceSupport, "--destination", "+41 44 555 12 34", "--due", "+1d2h",
		"-o", "json", "--jq", ".ReferenceId // \"none\", .destination, .maxAttempts")
	after := time.Now().UTC()
	// Days are counted in the command's zone: with none set, the machine's, which it names.
	r.Expect(t, 0, "none\n+41445551234\n1\n", "! "+shared.MachineZoneNote(shared.MachineZone())+"\n")
	due, err := time.Parse(time.RFC3339, lastEntry(t, e, emulator.ServiceSupport)["dueDateTimeUtc"].(string))
	if err != nil {
		t.Fatal(err)
	}
	inADay := func(t time.Time) time.Time { return t.Local().AddDate(0, 0, 1).Add(2 * time.Hour) }
	if lo, hi := inADay(before), inADay(after); due.Before(lo) || due.After(hi) {
		t.Errorf("due %s, want between %s and %s", due, lo, hi)
	}

	// A body from --from-json, with a casing slip on ReferenceId that must not be lost.
	body := `{"serviceUpn":"sales@contoso.com","destination":"+4930555000","dueDateTimeUtc":"2030-03-04T05:06:07Z","referenceId":"lead-77",
	  "customer":{"UPN":"max@globex.example","displayName":"Max"},"distributionPriority":"4"}`
	r = e.RunWith(clitest.RunOpts{Stdin: body}, "schedule", "create", "--from-json", "-", "--max-queue-time", "90s")
	got := lastEntry(t, e, emulator.ServiceSales)
	id := got["schedulerEntryId"].(string)
	r.Expect(t, 0, id+"\tlead-77\t2030-03-04T05:06:07Z\t+4930555000\t4\t1\tCreated\n", "")
	want := `{"ReferenceId":"lead-77","attemptTimeoutInSeconds":3600,"customer":{"UPN":"max@globex.example","displayName":"Max"},"destination":"+4930555000",` +
		`"direction":"Outbound","distributionPriority":"4","dueDateTimeUtc":"2030-03-04T05:06:07Z","event":"Created","maxAttempts":1,"maxQueueTimeInSeconds":90,` +
		`"modality":"Audio","ronaTimeoutInSeconds":20,"schedulerEntryId":"` + id + `","serviceUpn":"sales@contoso.com"}`
	if s := asJSON(t, got); s != want {
		t.Errorf("stored:\n%s\nwant\n%s", s, want)
	}
}

func TestCreateRejectsBadFlagsBeforeAnyCall(t *testing.T) {
	t.Parallel()
	e := clitest.New(t)
	base := []string{"schedule", "create", "--service", emulator.ServiceSupport, "--destination", "+41445551234", "--due", "2030-01-01T00:00:00Z"}
	usage := "Run 'nimbusctl schedule create --help' for usage.\n"
	for _, c := range []struct {
		args []string
		err  string
	}{
		{[]string{"--max-attempts", "12"}, "--max-attempts must be between 1 and 10, got 12"},
		{[]string{"--max-attempts", "0"}, "--max-attempts must be between 1 and 10, got 0"},
		{[]string{"--attempt-timeout", "10s"}, "--attempt-timeout must be between 30s and 24h, got 10s"},
		{[]string{"--attempt-timeout", "25h"}, "--attempt-timeout must be between 30s and 24h, got 25h"},
		{[]string{"--max-queue-time", "2h"}, "--max-queue-time must be between 5s and 1h, got 2h"},
		{[]string{"--rona-timeout", "31"}, "--rona-timeout must be between 5s and 30s, got 31s"},
		{[]string{"--rona-timeout", "soon"}, "--rona-timeout: \"soon\" is not a duration in whole seconds (e.g. 90, 90s, 2m)"},
		{[]string{"--due", "tomorrow"}, "--due: invalid due time \"tomorrow\": use RFC 3339 (2026-12-01T09:30:00+01:00), a local time (2026-12-01 09:30, zone from --tz) or a relative time (+2h, +1d)"},
		{[]string{"--due", "2030-01-01 10:00", "--tz", "Mars/Olympus"}, "--tz: unknown time zone \"Mars/Olympus\": use an IANA name such as Europe/Zurich"},
		{[]string{"--destination", "123"}, "--destination: \"123\" is not a valid phone number for CH (+41) (or give a SIP address or UPN)"},
		{[]string{"--destination", "+41 44 555 12 34 ext 5"}, "--destination: \"+41 44 555 12 34 ext 5\" has an extension (5), which cannot be dialled or stored in E.164: give the number without it (or give a SIP address or UPN)"},
		{[]string{"--destination", "+41 44"}, "--destination: \"+41 44\" is not a valid phone number for CH (+41) (or give a SIP address or UPN)"},
		{[]string{"--context", "Reason"}, "--context: \"Reason\" is not NAME=VALUE"},
		{[]string{"--customer-tel", "=123"}, "--customer-tel: \"=123\" is not NAME=VALUE"},
		{[]string{"--service", ""}, "--service is required: the UPN of a service (see 'nimbusctl schedule services')"},
	} {
		args := append(append([]string{}, base...), c.args...)
		r := e.Run(args...)
		want := "error: " + c.err + "\n" + usage
		if r.Code != 3 || r.Stdout != "" || r.Stderr != want {
			t.Errorf("%v: exit %d\n%s--- want\n%s", c.args, r.Code, r.Stderr, want)
		}
	}
	e.Run("schedule", "create", "--service", emulator.ServiceSupport, "--due", "+1h").
		Expect(t, 3, "", "error: --destination is required: the phone number (or SIP address) to call\n"+usage)
	e.Run("schedule", "create", "--destination", "+41445551234", "--due", "+1h").
		Expect(t, 3, "", "error: --service is required: the UPN of a service (see 'nimbusctl schedule services')\n"+usage)
	e.RunWith(clitest.RunOpts{Stdin: `{"serviceUpn":"support@contoso.com","destination":"+41445551234","dueDateTimeUtc":"2030-01-01T01:00:00+01:00"}`},
		"schedule", "create", "--from-json", "-").
		Expect(t, 3, "", "error: invalid request: dueDateTimeUtc: must be in UTC (ending in Z), got \"2030-01-01T01:00:00+01:00\"\n")
	if ops := e.Emu.Stats().Operations; len(ops) != 0 {
		t.Errorf("invalid flags made API calls: %v", ops)
	}
}

func TestCreateChecksPriorityAndPermissions(t *testing.T) {
	t.Parallel()
	e := clitest.New(t)
	e.Run("schedule", "create", "--service", emulator.ServiceSupport, "--destination", "+41445551234", "--due", "+1h", "--priority", "Critical").
		Expect(t, 3, "", "error: --priority: unknown value \"Critical\": allowed: Low (1), Normal (2), High (3), Urgent (4)\nRun 'nimbusctl schedule create --help' for usage.\n")
	e.Run("schedule", "create", "--service", emulator.ServiceVIP, "--destination", "+41445551234", "--due", "+1h").
		Expect(t, 5, "", "error: CreateSchedulerEntry: 403 Forbidden: Forbidden for the given Service UPN\n")
	if n := calls(e, "CreateSchedulerEntry"); n != 1 {
		t.Errorf("CreateSchedulerEntry called %d times, want 1 (only the VIP attempt)", n)
	}
	if n := len(e.Emu.SchedulerEntries(emulator.ServiceSupport)); n != 2 {
		t.Errorf("support@ has %d entries, want the 2 seeded", n)
	}
	// The value is accepted as well as the name.
	e.Run("schedule", "create", "--service", emulator.ServiceSupport, "--destination", "+41445551234", "--due", "+1h", "--priority", "4", "-o", "json", "--jq", ".distributionPriority").
		Expect(t, 0, "4\n", "")
}

// A reference id the service already lists is not scheduled again, so a script that runs
// twice rings the customer once.
func TestCreateRefusesADuplicateReference(t *testing.T) {
	t.Parallel()
	e := clitest.New(t)
	args := []string{"schedule", "create", "--service", emulator.ServiceSupport, "--destination", "+41445551234", "--due", "2030-01-01T09:00:00Z", "--reference-id", "ticket-4711"}
	e.Run(append(args, "-o", "json", "--jq", ".ReferenceId")...).Expect(t, 0, "ticket-4711\n", "")
	id := lastEntry(t, e, emulator.ServiceSupport)["schedulerEntryId"].(string)
	e.Run(args...).Expect(t, 7, "", "error: support@contoso.com already lists a call with reference id \"ticket-4711\" (entry "+id+
		", due 2030-01-01T09:00:00Z): not scheduled again; change it with 'nimbusctl schedule update "+id+" --service support@contoso.com', or pass --allow-duplicate\n")
	// The check is per service: sales@ may have its own ticket-4711.
	e.Run("schedule", "create", "--service", emulator.ServiceSales, "--destination", "+41445551234", "--due", "2030-01-01T09:00:00Z", "--reference-id", "ticket-4711", "-o", "json", "--jq", ".serviceUpn").
		Expect(t, 0, "sales@contoso.com\n", "")
	e.Run(append(args, "--allow-duplicate", "-o", "json", "--jq", ".ReferenceId")...).Expect(t, 0, "ticket-4711\n", "")
	if n := calls(e, "CreateSchedulerEntry"); n != 3 {
		t.Errorf("CreateSchedulerEntry called %d times, want 3", n)
	}
	n := 0
	for _, en := range e.Emu.SchedulerEntries(emulator.ServiceSupport) {
		if en["ReferenceId"] == "ticket-4711" {
			n++
		}
	}
	if n != 2 {
		t.Errorf("%d entries with ticket-4711 on support@, want 2 (one, then one forced)", n)
	}
}

func TestList(t *testing.T) {
	t.Parallel()
	e := clitest.New(t)
	sales := entry(t, e, emulator.EntrySalesTomorrow)
	due := sales["dueDateTimeUtc"].(string)
	e.Run("schedule", "list", "--service", emulator.ServiceSales).
		Expect(t, 0, emulator.EntrySalesTomorrow+"\tlead-2001\t"+due+"\t+4930555000\t\t1\tCreated\n", "")
	e.Run("schedule", "list", "--service", emulator.ServiceSales, "-o", "json").Expect(t, 0, `[
  {
    "schedulerEntryId": "`+emulator.EntrySalesTomorrow+`",
    "event": "Created",
    "ReferenceId": "lead-2001",
    "destination": "+4930555000",
    "dueDateTimeUtc": "`+due+`",
    "serviceUpn": "sales@contoso.com",
    "maxAttempts": 1,
    "attemptTimeoutInSeconds": 3600,
    "maxQueueTimeInSeconds": 300,
    "ronaTimeoutInSeconds": 15
  }
]
`, "")
	e.Run("schedule", "list", "--service", emulator.ServiceSupport, "--reference-id", "callback-1002", "-o", "json", "--jq", ".[] | [.schedulerEntryId, .event] | join(\" \")").
		Expect(t, 0, emulator.EntrySupportInProgress+" Started\n", "")
	e.Run("schedule", "list", "--service", emulator.ServiceSupport, "--reference-id", "nope", "-o", "json").Expect(t, 0, "[]\n", "")
	e.RunWith(clitest.RunOpts{TTY: true}, "schedule", "list", "--service", emulator.ServiceSupport, "--reference-id", "nope").Expect(t, 0, "", "no results\n")
	e.Run("schedule", "list").
		Expect(t, 3, "", "error: --service is required: the UPN of a service (see 'nimbusctl schedule services')\nRun 'nimbusctl schedule list --help' for usage.\n")
	e.Run("schedule", "list", "--service", emulator.ServiceVIP).
		Expect(t, 5, "", "error: GetSchedulerEntries: 403 Forbidden: Forbidden for the given Service UPN\n")
}

func TestUpdateMergesIntoTheEntry(t *testing.T) {
	t.Parallel()
	e := clitest.New(t)
	before := entry(t, e, emulator.EntrySupportUpcoming)
	r := e.RunWith(clitest.RunOpts{TTY: true}, "schedule", "update", emulator.EntrySupportUpcoming, "--service", emulator.ServiceSupport,
		"--due", "2030-02-03T04:05:06Z", "--priority", "Urgent", "--rona-timeout", "25s", "--customer-phone", "+41445551001", "-o", "json", "--jq", ".event")
	r.Expect(t, 0, "Updated\n", "✓ Updated scheduler entry "+emulator.EntrySupportUpcoming+"\n")

	want := before
	want["dueDateTimeUtc"] = "2030-02-03T04:05:06Z"
	want["distributionPriority"] = "4"
	want["ronaTimeoutInSeconds"] = 25
	want["event"] = "Updated"
	want["direction"], want["modality"] = "Outbound", "Audio" // the emulator's seed lacks them; every write adds them
	want["customer"].(map[string]any)["primaryTelNumber"] = "+41445551001"
	if got, w := asJSON(t, entry(t, e, emulator.EntrySupportUpcoming)), asJSON(t, want); got != w {
		t.Errorf("stored:\n%s\nwant\n%s", got, w)
	}
	// Lists given replace; a blank --context clears.
	e.Run("schedule", "update", emulator.EntrySupportUpcoming, "--service", emulator.ServiceSupport, "--context", "", "--reference-id", "callback-1001b").
		Expect(t, 0, emulator.EntrySupportUpcoming+"\tcallback-1001b\t2030-02-03T04:05:06Z\t+41445551001\t4\t3\tUpdated\n", "")
	got := entry(t, e, emulator.EntrySupportUpcoming)
	if _, ok := got["customCallContextParameters"]; ok || got["ReferenceId"] != "callback-1001b" {
		t.Errorf("stored %s", asJSON(t, got))
	}
}

func TestUpdateFailures(t *testing.T) {
	t.Parallel()
	e := clitest.New(t)
	usage := "Run 'nimbusctl schedule update --help' for usage.\n"
	e.Run("schedule", "update", emulator.EntrySupportUpcoming, "--due", "+1h").
		Expect(t, 3, "", "error: --service is required: the UPN of the entry's service, where it is looked up\n"+usage)
	e.Run("schedule", "update", emulator.EntrySupportUpcoming, "--service", emulator.ServiceSupport).
		Expect(t, 3, "", "error: nothing to update: give the fields to change (e.g. --due, --destination, --priority)\n"+usage)
	e.Run("schedule", "update", emulator.EntrySupportUpcoming, "--service", emulator.ServiceSupport, "--max-attempts", "11").
		Expect(t, 3, "", "error: --max-attempts must be between 1 and 10, got 11\n"+usage)
	if ops := e.Emu.Stats().Operations; len(ops) != 0 {
		t.Errorf("invalid flags made API calls: %v", ops)
	}
	e.Run("schedule", "update", emulator.EntrySalesTomorrow, "--service", emulator.ServiceSupport, "--due", "+3h").
		Expect(t, 6, "", "error: scheduler entry "+emulator.EntrySalesTomorrow+" not found among the entries of service support@contoso.com\n")
	e.Run("schedule", "update", emulator.EntryVIPUpcoming, "--service", emulator.ServiceVIP, "--due", "+3h").
		Expect(t, 5, "", "error: GetSchedulerEntries: 403 Forbidden: Forbidden for the given Service UPN\n")
	e.Run("schedule", "update", emulator.EntrySupportInProgress, "--service", emulator.ServiceSupport, "--due", "+3h").
		Expect(t, 7, "", "error: UpdateSchedulerEntry: 400 Bad Request: The scheduler entry is already in progress and cannot be changed.\n")
	e.Run("schedule", "update", emulator.EntrySupportUpcoming, "--service", emulator.ServiceSupport, "--priority", "Top").
		Expect(t, 3, "", "error: --priority: unknown value \"Top\": allowed: Low (1), Normal (2), High (3), Urgent (4)\n"+usage)
	if n := calls(e, "UpdateSchedulerEntry"); n != 1 {
		t.Errorf("UpdateSchedulerEntry called %d times, want 1", n)
	}
}

func TestRemove(t *testing.T) {
	t.Parallel()
	e := clitest.New(t)
	e.Run("schedule", "remove", emulator.EntrySupportUpcoming).Expect(t, 0, "", "")
	if _, ok := e.Emu.SchedulerEntry(emulator.EntrySupportUpcoming); ok {
		t.Error("the entry is still there")
	}
	e.RunWith(clitest.RunOpts{TTY: true}, "schedule", "remove", emulator.EntrySalesTomorrow).
		Expect(t, 0, "", "✓ Removed scheduler entry "+emulator.EntrySalesTomorrow+"\n")
	e.Run("schedule", "remove", "no-such-entry").
		Expect(t, 6, "", "error: DeleteSchedulerEntry: 404 Not Found: Scheduler Entry Not Found\n")
	e.Run("schedule", "remove", emulator.EntryVIPUpcoming).
		Expect(t, 5, "", "error: DeleteSchedulerEntry: 403 Forbidden: Forbidden for the given Service UPN\n")
	e.Run("schedule", "remove").
		Expect(t, 3, "", "error: nimbusctl schedule remove takes at least one scheduler entry id\nRun 'nimbusctl schedule remove --help' for usage.\n")
	if _, ok := e.Emu.SchedulerEntry(emulator.EntryVIPUpcoming); !ok {
		t.Error("the VIP entry was removed")
	}
}

func TestLookups(t *testing.T) {
	t.Parallel()
	e := clitest.New(t)
	e.Run("schedule", "services").Expect(t, 0, "support@contoso.com\nsales@contoso.com\n", "")
	e.Run("schedule", "services", "-o", "json").Expect(t, 0, "[\n  \"support@contoso.com\",\n  \"sales@contoso.com\"\n]\n", "")
	e.RunWith(clitest.RunOpts{TTY: true}, "schedule", "priorities").Expect(t, 0, ""+
		"NAME    VALUE\n"+
		"Low     1\n"+
		"Normal  2\n"+
		"High    3\n"+
		"Urgent  4\n", "")
	e.Run("schedule", "events", "-o", "csv").Expect(t, 0,
		"name,value\nCreated,Created\nUpdated,Updated\nStarted,Started\nCompleted,Completed\nDeleted,Deleted\n", "")
	e.Run("schedule", "events", "x").
		Expect(t, 3, "", "error: nimbusctl schedule events takes no arguments (got \"x\")\nRun 'nimbusctl schedule events --help' for usage.\n")

	denied := clitest.New(t, clitest.WithEmulator(func(o *emulator.Options) { o.Deny = []string{"nimbus"} }))
	for cmd, op := range map[string]string{"services": "GetSchedulerEntryServices", "priorities": "GetDistributionPriorities", "events": "GetSchedulerEntriesEvents"} {
		denied.Run("schedule", cmd).
			Expect(t, 5, "", "error: "+op+": 403 Forbidden: Forbidden. The signed-in user has no role that allows the nimbus API.\n")
	}
}

func TestCompletion(t *testing.T) {
	t.Parallel()
	e := clitest.New(t)
	done := "Completion ended with directive: ShellCompDirectiveNoFileComp\n"
	e.Run("__complete", "schedule", "create", "--priority", "").
		Expect(t, 0, "Low\tvalue 1\nNormal\tvalue 2\nHigh\tvalue 3\nUrgent\tvalue 4\n:4\n", done)
	e.Run("__complete", "schedule", "list", "--service", "").
		Expect(t, 0, "support@contoso.com\nsales@contoso.com\n:4\n", done)
	sales := entry(t, e, emulator.EntrySalesTomorrow)
	e.Run("__complete", "schedule", "update", "--service", emulator.ServiceSales, "").
		Expect(t, 0, emulator.EntrySalesTomorrow+"\tlead-2001 "+sales["dueDateTimeUtc"].(string)+"\n:4\n", done)
}

// A one-off create with a reference id goes through the ledger like an import: once the call
// has run (here: removed, so no longer listed), a rerun of the same cron line does not ring
// the customer again; 'schedule ledger forget' releases it on purpose.
func TestCreateWithAReferenceNeverRingsTwiceAfterTheCallRan(t *testing.T) {
	t.Parallel()
	e := clitest.New(t)
	args := []string{"schedule", "create", "--service", emulator.ServiceSupport, "--destination", "+41445551234", "--due", "2030-01-01T09:00:00Z", "--reference-id", "ticket-99"}
	e.Run(append(args, "-o", "json", "--jq", ".ReferenceId")...).Expect(t, 0, "ticket-99\n", "")
	id := lastEntry(t, e, emulator.ServiceSupport)["schedulerEntryId"].(string)
	e.Run("schedule", "ledger", "list", "-o", "json", "--jq", `.[] | [.referenceId, .outcome, .schedulerEntryId == "`+id+`"] | join(" ")`).
		Expect(t, 0, "ticket-99 created true\n", "")
	e.Run("schedule", "remove", id).Expect(t, 0, "", "")
	r := e.Run(args...)
	r.Expect(t, 7, "", "error: the ledger remembers the call with reference id \"ticket-99\" on support@contoso.com (created on "+
		ledgerRecordedAt(t, e, "ticket-99")+", entry "+id+") and the service no longer lists it: it may have run, so it is not scheduled again; "+
		"to make it again, run: nimbusctl schedule ledger forget --service support@contoso.com ticket-99, or pass --allow-duplicate\n")
	if n := calls(e, "CreateSchedulerEntry"); n != 1 {
		t.Fatalf("CreateSchedulerEntry called %d times, want 1", n)
	}
	expectCode(t, e.Run("schedule", "ledger", "forget", "ticket-99", "--service", emulator.ServiceSupport), 0)
	e.Run(append(args, "-o", "json", "--jq", ".ReferenceId")...).Expect(t, 0, "ticket-99\n", "")
	if n := calls(e, "CreateSchedulerEntry"); n != 2 {
		t.Fatalf("CreateSchedulerEntry called %d times, want 2", n)
	}
}

// A create whose answer is lost is recorded as such, and the rerun finds the call listed
// instead of sending it again.
func TestCreateWithALostAnswerIsNotSentAgain(t *testing.T) {
	t.Parallel()
	e := clitest.New(t)
	args := []string{"schedule", "create", "--service", emulator.ServiceSupport, "--destination", "+41445551234", "--due", "2030-01-01T09:00:00Z", "--reference-id", "ticket-7"}
	e.Emu.InjectFaults(emulator.ServiceNimbus, "", emulator.FaultTimeoutAfter) // the list passes, the create lands, its answer is lost
	r := e.Run(args...)
	if r.Code == 0 {
		t.Fatalf("a lost answer exited 0: %q", r.Stderr)
	}
	e.Run("schedule", "ledger", "list", "-o", "json", "--jq", `.[] | .referenceId + " " + .outcome`).Expect(t, 0, "ticket-7 lost\n", "")
	expectCode(t, e.Run(args...), 7)
	if n := len(e.Emu.SchedulerEntries(emulator.ServiceSupport)); n == 0 {
		t.Fatal("the lost create did not land")
	}
	got := 0
	for _, en := range e.Emu.SchedulerEntries(emulator.ServiceSupport) {
		if en["ReferenceId"] == "ticket-7" {
			got++
		}
	}
	if got != 1 {
		t.Fatalf("%d entries with ticket-7, want 1", got)
	}
	e.Run("schedule", "ledger", "list", "-o", "json", "--jq", `.[] | .referenceId + " " + .outcome`).Expect(t, 0, "ticket-7 found\n", "")
}

func ledgerRecordedAt(t *testing.T, e *clitest.Env, ref string) string {
	t.Helper()
	r := e.Run("schedule", "ledger", "list", "-o", "json", "--jq", `.[] | select(.referenceId == "`+ref+`") | .recordedAt`)
	expectCode(t, r, 0)
	return strings.TrimSpace(r.Stdout)
}

func expectCode(t *testing.T, r clitest.Result, code int) {
	t.Helper()
	if r.Code != code {
		t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", r.Code, code, r.Stdout, r.Stderr)
	}
}

// The night the clocks change, a wall-clock due time may not exist or exist twice: the call is
// refused (exit 3, nothing sent) rather than scheduled an hour off, by create and by import.
func TestWallClockDueTimesTheClockChangeSkipsOrRepeatsAreRefused(t *testing.T) {
	t.Parallel()
	e := clitest.New(t, clitest.WithEmulator(func(o *emulator.Options) { o.Empty = true }))
	e.Run("schedule", "create", "--service", emulator.ServiceSupport, "--destination", "044 555 12 34", "--due", "2030-03-31 02:30", "--tz", "Europe/Zurich").
		Expect(t, 3, "", "error: --due: \"2030-03-31 02:30\" does not exist in Europe/Zurich: the clocks go forward that night; write another time, or the time with its UTC offset\n"+
			"Run 'nimbusctl schedule create --help' for usage.\n")
	e.Setenv("NIMBUSCTL_TIMEZONE", "Europe/Zurich")
	f := file(t, e, "ReferenceId,destination,due\nN-1,044 555 12 34,2030-10-27 02:30\nN-2,044 555 12 35,2030-10-27T02:30:00+01:00\n")
	e.Run("schedule", "import", f, "--service", emulator.ServiceSupport).Expect(t, 3, "",
		f+":2: due: \"2030-10-27 02:30\" happens twice in Europe/Zurich: the clocks go back that night; write it with its UTC offset: 2030-10-27T02:30:00+02:00 (the first) or 2030-10-27T02:30:00+01:00 (the second)\n"+
			"error: 1 invalid row; nothing was sent (fix it, or pass --skip-invalid to import the rest)\n")
	if n := calls(e, "CreateSchedulerEntry"); n != 0 {
		t.Fatalf("%d calls scheduled", n)
	}
}

// Moving a call's due time moves its ledger entry too: the ledger keeps a call by its due
// day, and an entry left on the old day would expire while the call is still ahead.
func TestUpdateMovesTheLedgerEntry(t *testing.T) {
	t.Parallel()
	e := clitest.New(t)
	e.MustRun("schedule", "create", "--service", emulator.ServiceSupport, "--destination", "+41445551234", "--due", "2030-01-01T09:00:00Z", "--reference-id", "move-1")
	id := lastEntry(t, e, emulator.ServiceSupport)["schedulerEntryId"].(string)
	e.MustRun("schedule", "update", id, "--service", emulator.ServiceSupport, "--due", "2030-06-01T09:00:00Z")
	e.Run("schedule", "ledger", "list", "-o", "json", "--jq", `[.[] | select(.referenceId == "move-1") | .due] | max`).
		Expect(t, 0, "2030-06-01T09:00:00Z\n", "")
	file := e.Home + "/calls.csv"
	if err := os.WriteFile(file, []byte("ReferenceId,destination,due\nmove-1,+41445551234,2030-09-01T09:00:00Z\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	e.MustRun("schedule", "import", file, "--service", emulator.ServiceSupport, "--update")
	e.Run("schedule", "ledger", "list", "-o", "json", "--jq", `[.[] | select(.referenceId == "move-1") | .due] | max`).
		Expect(t, 0, "2030-09-01T09:00:00Z\n", "")
}

// "+1d" is tomorrow at the same wall-clock time in the command's zone (--tz, else the
// profile's timezone), also over the nights the clocks change; hours stay exact. Before, a
// day was 24 hours, and a callback asked for on the eve of the change rang an hour off.
func TestRelativeDaysKeepTheWallClockOverAClockChange(t *testing.T) {
	t.Parallel()
	zurich, err := time.LoadLocation("Europe/Zurich")
	if err != nil {
		t.Skip("no tzdata:", err)
	}
	var mu sync.Mutex
	now := time.Date(2027, 10, 30, 9, 0, 0, 0, zurich) // the eve of the clocks going back
	setNow := func(t time.Time) { mu.Lock(); now = t; mu.Unlock() }
	e := clitest.New(t, clitest.WithEmulator(func(o *emulator.Options) { o.Empty = true }),
		clitest.WithClock(func() time.Time { mu.Lock(); defer mu.Unlock(); return now }))
	due := func(ref string) string {
		t.Helper()
		for _, en := range e.Emu.SchedulerEntries(emulator.ServiceSupport) {
			if en["ReferenceId"] == ref {
				return en["dueDateTimeUtc"].(string)
			}
		}
		t.Fatalf("no call %s", ref)
		return ""
	}
	create := []string{"schedule", "create", "--service", emulator.ServiceSupport, "--destination", "+41445551234", "-o", "json", "--jq", ".dueDateTimeUtc"}
	e.Run(append(create, "--due", "+1d", "--tz", "Europe/Zurich", "--reference-id", "cb-fall")...).
		Expect(t, 0, "2027-10-31T08:00:00Z\n", "") // 09:00 CET, as today at 09:00 CEST
	e.Run(append(create, "--due", "+24h", "--tz", "Europe/Zurich", "--reference-id", "cb-24h")...).
		Expect(t, 0, "2027-10-31T07:00:00Z\n", "") // 24 hours: 08:00 CET
	e.Setenv("NIMBUSCTL_TIMEZONE", "Europe/Zurich") // the profile's zone, without --tz
	calls := file(t, e, "ReferenceId,destination,due\nCB-1,044 555 10 01,+1d\nCB-2,044 555 10 02,+2d1h\n")
	r := e.Run("schedule", "import", calls, "--service", emulator.ServiceSupport)
	if r.Code != 0 || timing.ReplaceAllString(r.Stderr, "(T)") != "✓ 2 rows: 2 created (T)\n" {
		t.Fatalf("import: %d %q", r.Code, r.Stderr)
	}
	if d1, d2 := due("CB-1"), due("CB-2"); d1 != "2027-10-31T08:00:00Z" || d2 != "2027-11-01T09:00:00Z" {
		t.Errorf("imported due times %s, %s; want 09:00 CET the next day, 10:00 CET the day after", d1, d2)
	}

	setNow(time.Date(2027, 3, 27, 9, 0, 0, 0, zurich)) // the eve of the clocks going forward
	e.Run(append(create, "--due", "+1d", "--reference-id", "cb-spring")...).
		Expect(t, 0, "2027-03-28T07:00:00Z\n", "") // 09:00 CEST
	id := ""
	for _, en := range e.Emu.SchedulerEntries(emulator.ServiceSupport) {
		if en["ReferenceId"] == "cb-spring" {
			id = en["schedulerEntryId"].(string)
		}
	}
	e.Run("schedule", "update", id, "--service", emulator.ServiceSupport, "--due", "+2d", "--tz", "Europe/Zurich", "-o", "json", "--jq", ".dueDateTimeUtc").
		Expect(t, 0, "2027-03-29T07:00:00Z\n", "")
	// A row without a ReferenceId still refuses a relative due time: each run would make it a
	// new call.
	noRef := file(t, e, "destination,due\n044 555 10 03,+1d\n")
	e.Run("schedule", "import", noRef, "--service", emulator.ServiceSupport).Expect(t, 3, "",
		noRef+":2: due: a relative due time needs a ReferenceId: without one, every run would make it a new call and ring the customer again (add a ReferenceId column, or write the due time out)\n"+
			"error: 1 invalid row; nothing was sent (fix it, or pass --skip-invalid to import the rest)\n")
}

// A ledger written before ReferenceIds were folded may hold two calls whose ids differ only in
// case: a reference id given in a third case names both, and nothing is released until it
// is given as the ledger has one of them.
func TestLedgerForgetRefusesAnIdThatNamesTwoCalls(t *testing.T) {
	t.Parallel()
	e := clitest.New(t)
	l, err := bulk.OpenLedger(filepath.Join(e.Home, "state", "ledger", "default"), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC().Format(time.RFC3339)
	if err := l.Record(
		bulk.LedgerEntry{Service: emulator.ServiceSupport, ReferenceID: "R-1", Due: "2030-01-01T09:00:00Z", RecordedAt: now, Outcome: bulk.OutcomeCreated},
		bulk.LedgerEntry{Service: emulator.ServiceSupport, ReferenceID: "r-1", Due: "2030-01-01T10:00:00Z", RecordedAt: now, Outcome: bulk.OutcomeCreated},
	); err != nil {
		t.Fatal(err)
	}
	e.Run("schedule", "ledger", "forget", "Ｒ-1").Expect(t, 3, "", "error: \"Ｒ-1\" names 2 calls (R-1 on support@contoso.com, r-1 on support@contoso.com): "+
		"give the reference id as 'schedule ledger list' shows it; nothing was released\nRun 'nimbusctl schedule ledger forget --help' for usage.\n")
	e.Run("schedule", "ledger", "forget", "r-1").Expect(t, 0, "", "")
	e.Run("schedule", "ledger", "list", "-o", "json", "--jq", ".[].referenceId").Expect(t, 0, "R-1\n", "")
}
