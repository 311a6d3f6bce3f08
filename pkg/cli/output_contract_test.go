package cli_test

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"go.yaml.in/yaml/v3"

	"github.com/nimbusctl/nimbusctl/pkg/cli"
	"github.com/nimbusctl/nimbusctl/pkg/cli/clitest"
	"github.com/nimbusctl/nimbusctl/pkg/cli/cmdutil"
)

// What a CI script relies on, for every command that prints data: each -o format and --jq
// print only data on stdout, and they agree with each other (the same rows; csv with a
// header, also when there are no rows).

// dataCommand is one command line that prints data. args gets a number unique to the run, for
// commands that create something (each format creates its own).
type dataCommand struct {
	args func(n int) []string
	// custom: the table (piped) is not one line per row (a report with a header, key: value
	// lines, a version line).
	custom bool
	// view: table and csv print a view of the JSON (contact get: one field per row), so their
	// rows are not counted against the JSON's.
	view bool
}

func fixed(args ...string) func(int) []string { return func(int) []string { return args } }

var dataCommands = map[string]dataCommand{
	"addressbook list": {args: fixed("addressbook", "list")},
	"api":              {args: fixed("api", "GET", "/v2/AddressBooks")},
	"auth status":      {args: fixed("auth", "status")},
	"codes list":       {args: fixed("codes", "list", "--since", "30d")},
	"codes mapping":    {args: fixed("codes", "mapping"), view: true},
	"codes report":     {args: fixed("codes", "report", "--since", "30d"), view: true, custom: true},
	"config get":       {args: fixed("config", "get", "endpoint"), custom: true},
	"config list":      {args: fixed("config", "list")},
	"config profiles":  {args: fixed("config", "profiles")},
	"contact add": {args: func(n int) []string {
		return []string{"contact", "add", "Partners", "--external-id", fmt.Sprintf("CI-%d", n), "--display-name", "CI"}
	}, view: true},
	"contact get":              {args: fixed("contact", "get", "Customers", "CUST-0002"), view: true},
	"contact list":             {args: fixed("contact", "list", "Customers")},
	"contact update":           {args: fixed("contact", "update", "Customers", "CUST-0002", "--company", "Keller AG"), view: true},
	"doctor":                   {args: fixed("doctor")},
	"external-task add":        {args: fixed("external-task", "add", "--service", "support@contoso.com")},
	"external-task priorities": {args: fixed("external-task", "priorities")},
	"external-task services":   {args: fixed("external-task", "services")},
	"nps api":                  {args: fixed("nps", "api", "GET", "/campaigns/")},
	"nps bi":                   {args: fixed("nps", "bi", "responses")},
	"nps campaigns list":       {args: fixed("nps", "campaigns", "list")},
	"nps employee analytics":   {args: fixed("nps", "employee", "analytics", "agent@contoso.com")},
	"nps employee responses":   {args: fixed("nps", "employee", "responses", "agent@contoso.com")},
	"nps ivr-map":              {args: fixed("nps", "ivr-map")},
	"nps responses":            {args: fixed("nps", "responses")},
	"nps status":               {args: fixed("nps", "status"), custom: true},
	"schedule create": {args: func(n int) []string {
		return []string{"schedule", "create", "--service", "support@contoso.com", "--destination", "+41445551234", "--due", "+2h", "--reference-id", fmt.Sprintf("ci-%d", n)}
	}},
	"schedule events":      {args: fixed("schedule", "events")},
	"schedule ledger list": {args: fixed("schedule", "ledger", "list")},
	"schedule list":        {args: fixed("schedule", "list", "--service", "support@contoso.com")},
	"schedule priorities":  {args: fixed("schedule", "priorities")},
	"schedule services":    {args: fixed("schedule", "services")},
	"sessions list":        {args: fixed("sessions", "list", "--since", "30d")},
	"task directions":      {args: fixed("task", "directions")},
	"task events":          {args: fixed("task", "events")},
	"task modalities":      {args: fixed("task", "modalities")},
	"task preferred-users": {args: fixed("task", "preferred-users")},
	"task services":        {args: fixed("task", "services")},
	"trigger list":         {args: fixed("trigger", "list")},
	"version":              {args: fixed("version"), custom: true},
}

// notData lists the commands the contract above does not cover, and why; a new command must
// go in one list or the other.
var notData = map[string]string{
	"addressbook clear":        "destructive: TestDestructiveCommandsNeedYes",
	"auth login":               "interactive sign-in: pkg/cli/auth tests",
	"auth logout":              "prints a confirmation only",
	"auth token":               "prints the bare token for scripts, by design",
	"completion bash":          "a shell script",
	"completion fish":          "a shell script",
	"completion powershell":    "a shell script",
	"completion zsh":           "a shell script",
	"config set":               "prints nothing",
	"config unset":             "prints nothing",
	"config use-profile":       "prints nothing",
	"contact export":           "an export: csv (the default) or json, asserted in pkg/cli/contact",
	"contact import":           "a bulk run: its summary is asserted in pkg/cli/contact",
	"contact remove":           "prints nothing",
	"external-task remove":     "prints nothing",
	"nps employee add":         "writes to nps.today: pkg/cli/nps tests",
	"nps login":                "reads a key on stdin",
	"nps logout":               "prints nothing",
	"nps respondent import":    "a bulk run: pkg/cli/nps tests",
	"nps survey after-call":    "sends surveys: pkg/cli/nps tests",
	"nps survey ledger forget": "changes a ledger: pkg/cli/nps tests",
	"nps survey ledger list":   "needs an after-call ledger: pkg/cli/nps tests",
	"nps survey ledger settle": "changes a ledger: pkg/cli/nps tests",
	"nps survey send":          "sends a survey: pkg/cli/nps tests",
	"nps webhooks create":      "writes to nps.today: pkg/cli/nps tests",
	"nps webhooks delete":      "prints nothing",
	"sandbox":                  "runs until stopped",
	"sandbox call":             "needs a running sandbox",
	"schedule import":          "a bulk run: pkg/cli/schedule tests",
	"schedule ledger forget":   "changes a ledger: TestScheduleLedgerListAndForget",
	"schedule ledger settle":   "changes a ledger: TestScheduleLedgerSettleEndsTheAlarmOfALostCall",
	"schedule remove":          "prints nothing",
	"schedule update":          "changes a call: pkg/cli/schedule tests",
	"task update":              "needs a live task: pkg/cli/task tests",
	"trigger create":           "registers a webhook: pkg/cli/trigger tests",
	"trigger delete":           "prints a result per trigger: pkg/cli/trigger tests",
	"trigger listen":           "runs until stopped",
	"help":                     "help text",
	"environment":              "a help topic",
	"exit-codes":               "a help topic",
}

func leafCommands(t *testing.T) []string {
	t.Helper()
	var leaves []string
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		for _, sub := range c.Commands() {
			if sub.Hidden {
				continue
			}
			if sub.HasSubCommands() {
				walk(sub)
				continue
			}
			leaves = append(leaves, strings.TrimPrefix(sub.CommandPath(), "nimbusctl "))
		}
	}
	walk(cli.NewRootCmd(cli.NewFactory(nil, cmdutil.BuildInfo{}, func(string) string { return "" })))
	return leaves
}

func TestEveryCommandIsInTheOutputContract(t *testing.T) {
	t.Parallel()
	for _, name := range leafCommands(t) {
		_, data := dataCommands[name]
		_, other := notData[name]
		if data == other {
			t.Errorf("%q: put it in dataCommands (it prints data) or in notData (say why not)", name)
		}
	}
}

// decodeJSON reads one JSON document with numbers kept as written.
func decodeJSON(t *testing.T, what, s string) any {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("%s: not JSON: %v\n%s", what, err, s)
	}
	if dec.More() {
		t.Fatalf("%s: more than one JSON document on stdout:\n%s", what, s)
	}
	return v
}

// sameJSON compares two decoded documents the way a script sees them (numbers by value).
func sameJSON(a, b any) bool {
	norm := func(v any) any {
		raw, _ := json.Marshal(v)
		var out any
		_ = json.Unmarshal(raw, &out)
		return out
	}
	return reflect.DeepEqual(norm(a), norm(b))
}

func rowsOf(v any) int {
	switch x := v.(type) {
	case nil:
		return 0
	case []any:
		return len(x)
	}
	return 1
}

func checkOnlyData(t *testing.T, what string, r clitest.Result) {
	t.Helper()
	if r.Code != 0 {
		t.Fatalf("%s: exit %d\n%s%s", what, r.Code, r.Stdout, r.Stderr)
	}
	if strings.ContainsRune(r.Stdout+r.Stderr, '\x1b') {
		t.Errorf("%s: escape sequences without a terminal:\n%q\n%q", what, r.Stdout, r.Stderr)
	}
	if r.Stdout != "" && !strings.HasSuffix(r.Stdout, "\n") {
		t.Errorf("%s: stdout does not end with a newline: %q", what, r.Stdout)
	}
}

func TestOutputFormatsAgree(t *testing.T) {
	t.Parallel()
	e := clitest.New(t)
	// schedule ledger list needs a ledger: a call scheduled with a ReferenceId makes it.
	e.MustRun("schedule", "create", "--service", "support@contoso.com", "--destination", "+41445551000", "--due", "+3h", "--reference-id", "ci-ledger")
	n := 0
	for name, dc := range dataCommands {
		t.Run(name, func(t *testing.T) {
			run := func(extra ...string) clitest.Result {
				n++
				return e.Run(append(dc.args(n), extra...)...)
			}
			rj := run("-o", "json")
			checkOnlyData(t, "-o json", rj)
			doc := decodeJSON(t, "-o json", rj.Stdout)

			ry := run("-o", "yaml")
			checkOnlyData(t, "-o yaml", ry)
			var y any
			if err := yaml.Unmarshal([]byte(ry.Stdout), &y); err != nil {
				t.Fatalf("-o yaml: %v\n%s", err, ry.Stdout)
			}
			rq := run("--jq", ".")
			checkOnlyData(t, "--jq .", rq)
			q := decodeJSON(t, "--jq .", rq.Stdout)
			if name == "schedule create" || name == "contact add" || name == "external-task add" || name == "doctor" || name == "auth status" || name == "nps status" || name == "codes report" {
				// Each run makes a new object (ids, times, durations): compare the shape only.
				if reflect.TypeOf(y) != reflect.TypeOf(doc) || reflect.TypeOf(q) != reflect.TypeOf(doc) || rowsOf(y) != rowsOf(doc) || rowsOf(q) != rowsOf(doc) {
					t.Errorf("yaml, --jq and json disagree on the shape:\n%s\n%s\n%s", ry.Stdout, rq.Stdout, rj.Stdout)
				}
			} else {
				if !sameJSON(y, doc) {
					t.Errorf("-o yaml and -o json disagree:\n%s\n%s", ry.Stdout, rj.Stdout)
				}
				if !sameJSON(q, doc) {
					t.Errorf("--jq . and -o json disagree:\n%s\n%s", rq.Stdout, rj.Stdout)
				}
			}

			rc := run("-o", "csv")
			checkOnlyData(t, "-o csv", rc)
			recs, err := csv.NewReader(strings.NewReader(rc.Stdout)).ReadAll()
			if err != nil {
				t.Fatalf("-o csv: %v\n%s", err, rc.Stdout)
			}
			if len(recs) == 0 || len(recs[0]) == 0 || strings.TrimSpace(strings.Join(recs[0], "")) == "" {
				t.Fatalf("-o csv: no header:\n%q", rc.Stdout)
			}
			if !dc.view && len(recs)-1 != rowsOf(doc) {
				t.Errorf("-o csv has %d rows, -o json %d:\n%s\n%s", len(recs)-1, rowsOf(doc), rc.Stdout, rj.Stdout)
			}

			rt := run("-o", "table")
			checkOnlyData(t, "-o table", rt)
			if !dc.custom {
				lines := strings.Count(rt.Stdout, "\n")
				if lines != len(recs)-1 {
					t.Errorf("-o table (piped) has %d lines, -o csv %d rows:\n%s\n%s", lines, len(recs)-1, rt.Stdout, rc.Stdout)
				}
				for _, l := range strings.Split(strings.TrimSuffix(rt.Stdout, "\n"), "\n") {
					if l != "" && strings.Count(l, "\t") != len(recs[0])-1 {
						t.Errorf("-o table (piped): %d cells in %q, want %d", strings.Count(l, "\t")+1, l, len(recs[0]))
					}
				}
			}
		})
	}
}

// Empty results: [] in json and yaml, a header alone in csv, nothing in a piped table.
func TestEmptyResultsAreEmptyData(t *testing.T) {
	t.Parallel()
	e := clitest.New(t)
	for _, tc := range []struct {
		args []string
		csv  string
	}{
		{[]string{"trigger", "list"}, "id,kind,url,services,events,profile,createdAt,createdBy\n"},
		{[]string{"nps", "responses", "--phone", "+41445559999"}, "ratingTime,rating,campaignName,employeeEmail,respondent.firstName,respondent.lastName,respondent.phoneNumber,userComment\n"},
		// A dataset whose fields are not known until a row comes: no header to write.
		{[]string{"nps", "bi", "sms"}, ""},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			r := e.Run(append(tc.args, "-o", "csv")...)
			if r.Code != 0 || r.Stdout != tc.csv || r.Stderr != "" {
				t.Errorf("-o csv: exit %d, stdout %q, stderr %q; want stdout %q", r.Code, r.Stdout, r.Stderr, tc.csv)
			}
			e.Run(append(tc.args, "-o", "json")...).Expect(t, 0, "[]\n", "")
			e.Run(append(tc.args, "-o", "yaml")...).Expect(t, 0, "[]\n", "")
			e.Run(append(tc.args, "--jq", ".")...).Expect(t, 0, "[]\n", "")
			e.Run(append(tc.args, "-o", "table")...).Expect(t, 0, "", "")
			e.RunWith(clitest.RunOpts{TTY: true}, tc.args...).Expect(t, 0, "", "no results\n")
		})
	}
}

// A typo on any command (an unknown flag, an -o value that does not exist, a --jq that does
// not parse) exits 3 before anything is sent, with one line of error and the usage hint on
// stderr and nothing on stdout.
func TestTyposExit3OnEveryCommand(t *testing.T) {
	t.Parallel()
	e := clitest.New(t)
	for _, name := range leafCommands(t) {
		if _, topic := notData[name]; topic && (name == "environment" || name == "exit-codes" || name == "help") {
			continue // help topics print their text whatever follows
		}
		args := strings.Fields(name)
		hint := "Run 'nimbusctl " + name + " --help' for usage.\n"
		for _, tc := range []struct {
			extra []string
			err   string
		}{
			{[]string{"--no-such-flag"}, "error: unknown flag: --no-such-flag\n"},
			{[]string{"-o", "xml"}, "error: -o: invalid output format \"xml\": allowed: table, json, yaml, csv\n"},
			{[]string{"--jq", ".["}, "error: invalid --jq expression: unexpected EOF\n"},
		} {
			r := e.Run(append(args, tc.extra...)...)
			lines := strings.SplitAfter(r.Stderr, "\n")
			// A command that needs arguments may say that first: one line all the same.
			argsFirst := len(lines) == 3 && lines[2] == "" && lines[1] == hint && strings.HasPrefix(lines[0], "error: nimbusctl "+name+" takes ")
			if r.Code != 3 || r.Stdout != "" || (r.Stderr != tc.err+hint && !(argsFirst && tc.extra[0] != "--no-such-flag")) {
				t.Errorf("%s %s: exit %d, stdout %q, stderr\n%s", name, strings.Join(tc.extra, " "), r.Code, r.Stdout, r.Stderr)
			}
		}
	}
	if got := e.Emu.Received(); len(got) != 0 {
		t.Errorf("typos sent %d requests, first %v", len(got), got[0])
	}
}

// A --jq that parses but fails on the data exits 1 with jq's own message, and prints nothing.
func TestJQRuntimeErrorsExit1WithTheMessage(t *testing.T) {
	t.Parallel()
	e := clitest.New(t)
	e.Run("addressbook", "list", "--jq", ".[0].name | tonumber").
		Expect(t, 1, "", "error: --jq: tonumber cannot be applied to \"Customers\": invalid number\n")
	e.Run("schedule", "services", "--jq", `.[] | error("stop here")`).
		Expect(t, 1, "", "error: --jq: error: stop here\n")
}
