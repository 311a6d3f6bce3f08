package trigger_test

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/nimbusctl/nimbusctl/pkg/cli/clitest"
)

// An event is checked as its readers read it: Go's decoder (the surveys, the screen-pop)
// takes the last of two keys that differ only in case, so {"taskId":"T","TaskId":""} was a
// task without an id to the survey — sent with no ledger entry, and sent again on the next
// such event. A body naming a field twice is refused; nobody is surveyed.
func TestListenRefusesEventsThatNameAFieldTwice(t *testing.T) {
	t.Parallel()
	e := clitest.New(t)
	l := startListen(t, e, "--after-call", "-o", "json", "--jq", "[.stored, .rejected, .surveyed]")
	for _, c := range []struct{ body, answer string }{
		{strings.Replace(endedCall, `"taskId":"T-end",`, `"taskId":"T-end","TaskId":"",`, 1),
			`{"error":"the body has both \"taskId\" and \"TaskId\", which readers take for the same field"}`},
		{strings.Replace(endedCall, `"taskId":"T-end",`, `"taskId":"T-end","event":"Updated","TASKID":"",`, 1),
			`{"error":"the body has both \"taskId\" and \"TASKID\", which readers take for the same field"}`},
		{strings.Replace(endedCall, `"callerTelNumber":"+41315552002"`, `"callerTelNumber":"+41315552002","callerTelNumber":"+41445551001"`, 1),
			`{"error":"the body has \"callerTelNumber\" twice: readers differ on which one counts"}`},
		{strings.Replace(endedCall, `"terminated":"2026-03-23T09:04:00Z"`, `"Terminated":1774256640`, 1),
			`{"error":"TaskEventData.Terminated must be a string, got an integer"}`},
	} {
		if code, answer := l.post(c.body); code != 400 || answer != c.answer {
			t.Errorf("%s: %d %s", c.body, code, answer)
		}
	}
	r := l.stop()
	if r.Code != 0 || r.Stdout != "[0,4,0]\n" {
		t.Errorf("exit %d %q\n%s", r.Code, r.Stdout, r.Stderr)
	}
	if n := len(e.Emu.NPSSurveys()); n != 0 {
		t.Errorf("%d surveys sent", n)
	}
}

// The path token is a credential like the others: its file, kept in the state folder or
// given with --path-token, follows the one rule of secret files (pkg/secretfile): readable
// by its owner only, else refused (exit 4) with the chmod to run, before anything listens.
func TestListenPathTokenFileFollowsTheSecretFileRule(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no mode bits on Windows")
	}
	t.Parallel()
	e := clitest.New(t)
	const why = "nimbusctl reads credentials only from files no one but their owner can read (see 'nimbusctl help environment').\n"
	kept := filepath.Join(e.Home, "state", "listen", "default", "path-token")
	e.MustRun("trigger", "listen", "--public-url", "https://hooks.example.com/n", "--show-url")
	if err := os.Chmod(kept, 0o644); err != nil {
		t.Fatal(err)
	}
	e.Run("trigger", "listen", "--public-url", "https://hooks.example.com/n", "--show-url").Expect(t, 4, "",
		"error: refusing to use the listener's path token "+kept+": others may read it (mode 0644); run: chmod 600 "+kept+"\n"+why)
	given := filepath.Join(e.Home, "tok")
	if err := os.WriteFile(given, []byte(testToken), 0o640); err != nil {
		t.Fatal(err)
	}
	e.Run("trigger", "listen", "--path-token", given).Expect(t, 4, "",
		"error: refusing to use the listener's path token (--path-token) "+given+": others may read it (mode 0640); run: chmod 600 "+given+"\n"+why)
}

// The listener's log is one line per thing that happened: a newline in an event's text (a
// task id) or in --exec's output is shown escaped, so no event can forge a log line.
func TestListenLogLinesCannotBeForged(t *testing.T) {
	t.Parallel()
	e := clitest.New(t)
	l := startListen(t, e, "--after-call", "--exec", `printf 'one\ntwo'; exit 1`, "-o", "json", "--jq", ".surveyed")
	if code, answer := l.post(strings.Replace(endedCall, `"T-end"`, `"T-1\nStopped."`, 1)); code != 200 {
		t.Fatalf("%d %s", code, answer)
	}
	r := l.stop()
	if r.Code != 0 || r.Stdout != "1\n" {
		t.Fatalf("exit %d %q\n%s", r.Code, r.Stdout, r.Stderr)
	}
	for _, want := range []string{
		`after-call T-1\nStopped.: sent (campaign 101, +41315552002, about agent@contoso.com)` + "\n",
		`--exec failed (exit status 1) for a tasks event: one\ntwo` + "\n",
	} {
		if !strings.Contains(r.Stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.Stderr)
		}
	}
	if n := strings.Count(r.Stderr, "\n"); n != 4 {
		t.Errorf("%d lines, want 4:\n%s", n, r.Stderr)
	}
}
