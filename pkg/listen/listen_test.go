package listen

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

const taskEvent = `{"taskId":"T-1","event":"Terminated","direction":"Inbound","modality":"Audio",
  "created":"2026-03-23T09:00:00Z","terminated":"2026-03-23T09:04:00Z","callerTelNumber":"+41445551001",
  "isAnonymous":false,"outboundAttempt":1,"taskInformation":{"customContextParameters":[]}}`

const entryEvent = `{"schedulerEntryId":"S-1","event":"Completed","ReferenceId":"R-1","destination":"+41795551234","maxAttempts":1,"customer":null}`

func TestCheck(t *testing.T) {
	for _, c := range []struct {
		body, kind, err, unknown string
	}{
		{body: taskEvent, kind: "tasks"},
		{body: entryEvent, kind: "scheduler-entries"},
		{body: `{"taskId":"T-2","futureField":1,"anotherOne":"x"}`, kind: "tasks", unknown: "anotherOne,futureField"},
		{body: `[` + taskEvent + `]`, err: "the body is not a JSON object"},
		{body: `{"taskId":"T-1"} {"taskId":"T-2"}`, err: "the body holds more than one JSON value"},
		{body: `not json`, err: "the body is not a JSON object"},
		{body: `null`, err: "the body is not a JSON object"},
		{body: `{"TaskId":"T-1","event":"Created"}`, err: "neither a TaskEventData (taskId) nor a SchedulerEntryEventData (schedulerEntryId)"},
		{body: `{"taskId":"T-1","schedulerEntryId":"S-1"}`, err: "the body has both taskId and schedulerEntryId: not one event"},
		{body: `{"taskId":""}`, err: "TaskEventData.taskId must be a non-empty string"},
		{body: `{"taskId":7}`, err: "TaskEventData.taskId must be a non-empty string"},
		{body: `{"taskId":"T","isAnonymous":"no"}`, err: "TaskEventData.isAnonymous must be a boolean, got a string"},
		{body: `{"taskId":"T","outboundAttempt":1.5}`, err: "TaskEventData.outboundAttempt must be an integer, got a number"},
		{body: `{"taskId":"T","taskInformation":[]}`, err: "TaskEventData.taskInformation must be an object, got an array"},
		{body: `{"schedulerEntryId":"S","maxAttempts":"3"}`, err: "SchedulerEntryEventData.maxAttempts must be an integer, got a string"},
		// Fields as Go's decoder reads them: in any case, so twice is refused.
		{body: `{"taskId":"T-1","taskId":"T-2"}`, err: `the body has "taskId" twice: readers differ on which one counts`},
		{body: `{"taskId":"T-1","TaskId":""}`, err: `the body has both "taskId" and "TaskId", which readers take for the same field`},
		{body: `{"taskId":"T","futureField":1,"FutureField":2}`, err: `the body has both "futureField" and "FutureField", which readers take for the same field`},
		{body: `{"taskId":"T","callerTelNumber":"+41445551001","CALLERTELNUMBER":"+41795551234"}`, err: `the body has both "callerTelNumber" and "CALLERTELNUMBER", which readers take for the same field`},
		{body: `{"taskId":"T","Terminated":5}`, err: "TaskEventData.Terminated must be a string, got an integer"},
		{body: `{"taskId":"T","CallerTelNumber":"+41445551001"}`, kind: "tasks"},
		{body: `{"taskId":"T","` + strings.Repeat("x", 100) + `":1,"` + strings.Repeat("X", 100) + `":2}`, err: `the body has both "` + strings.Repeat("x", 64) + `…" and "` + strings.Repeat("X", 64) + `…", which readers take for the same field`},
	} {
		kind, compact, unknown, err := Check([]byte(c.body))
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != c.err || string(kind) != c.kind || strings.Join(unknown, ",") != c.unknown {
			t.Errorf("%s: kind %q unknown %v err %q, want %q %q %q", c.body, kind, unknown, got, c.kind, c.unknown, c.err)
		}
		if err == nil && bytes.ContainsAny(compact, "\n ") && !strings.Contains(c.body, `" "`) {
			t.Errorf("not compacted: %s", compact)
		}
	}
}

func lines(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
}

// Concurrent appends are all on disk when they return, each once; repeats are dropped,
// also across a restart; a torn last line is cut on open.
func TestStoreDurableAndDeduplicated(t *testing.T) {
	dir := t.TempDir()
	day := time.Date(2026, 3, 23, 23, 59, 0, 0, time.UTC)
	now := day
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	s, err := OpenStore(dir, clock)
	if err != nil {
		t.Fatal(err)
	}
	const n = 200
	var wg sync.WaitGroup
	dups := make([]bool, 2*n)
	for i := range 2 * n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			line := fmt.Sprintf(`{"taskId":"T-%d"}`, i%n) // each body twice
			dup, err := s.Append(KindTasks, []byte(line))
			if err != nil {
				t.Error(err)
			}
			dups[i] = dup
		}()
	}
	wg.Wait()
	path := filepath.Join(dir, "tasks-2026-03-23.jsonl")
	if got := len(lines(t, path)); got != n {
		t.Fatalf("%d lines, want %d", got, n)
	}
	nd := 0
	for _, d := range dups {
		if d {
			nd++
		}
	}
	if nd != n {
		t.Fatalf("%d duplicates, want %d", nd, n)
	}
	if dup, _ := s.Append(KindSchedulerEntries, []byte(`{"schedulerEntryId":"S-1"}`)); dup {
		t.Fatal("a new event taken for a repeat")
	}
	s.Close()
	if _, err := s.Append(KindTasks, []byte(`{"taskId":"late"}`)); err != ErrClosed {
		t.Fatalf("append after close: %v", err)
	}

	// A crash mid-write left half a line (never acknowledged): it is cut on open, and the
	// repeats of yesterday's events are still recognized after midnight.
	f, _ := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString(`{"taskId":"T-torn`)
	f.Close()
	mu.Lock()
	now = day.Add(2 * time.Minute)
	mu.Unlock()
	s, err = OpenStore(dir, clock)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if got := lines(t, path); len(got) != n || !strings.HasSuffix(got[n-1], "}") {
		t.Fatalf("torn line not cut: %d lines, last %q", len(got), got[len(got)-1])
	}
	if dup, _ := s.Append(KindTasks, []byte(`{"taskId":"T-7"}`)); !dup {
		t.Fatal("yesterday's event stored again after a restart")
	}
	if dup, _ := s.Append(KindTasks, []byte(`{"taskId":"T-new"}`)); dup {
		t.Fatal("a new event dropped")
	}
	if got := lines(t, filepath.Join(dir, "tasks-2026-03-24.jsonl")); strings.Join(got, "") != `{"taskId":"T-new"}` {
		t.Fatalf("today's file %q", got)
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o600 {
		t.Errorf("mode %v", st.Mode())
	}
}

func newHandler(t *testing.T) (*Handler, string) {
	t.Helper()
	dir := t.TempDir()
	s, err := OpenStore(dir, func() time.Time { return time.Date(2026, 3, 23, 9, 0, 0, 0, time.UTC) })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	tok, err := NewToken()
	if err != nil {
		t.Fatal(err)
	}
	return &Handler{Store: s, Token: tok, MaxBody: 4096}, dir
}

func TestHandler(t *testing.T) {
	h, dir := newHandler(t)
	var got []Event
	var logs []string
	h.OnEvent = func(e Event) { got = append(got, e) }
	h.Logf = func(f string, a ...any) { logs = append(logs, fmt.Sprintf(f, a...)) }
	do := func(method, path, body string) (int, string) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(method, path, strings.NewReader(body)))
		return rec.Code, strings.TrimSpace(rec.Body.String())
	}
	for _, c := range []struct {
		method, path, body string
		code               int
		answer             string
	}{
		{"POST", "/" + h.Token, taskEvent, 200, `{"status":"stored"}`},
		{"POST", "/nimbus/" + h.Token + "/", taskEvent, 200, `{"status":"duplicate"}`},
		{"POST", "/" + h.Token, entryEvent, 200, `{"status":"stored"}`},
		{"POST", "/" + h.Token[:len(h.Token)-1], taskEvent, 404, `{"error":"not found"}`},
		{"POST", "/", taskEvent, 404, `{"error":"not found"}`},
		{"GET", "/" + h.Token, "", 405, `{"error":"only POST"}`},
		{"POST", "/" + h.Token, `{"taskId":"T-big","initialMessage":"` + strings.Repeat("x", 5000) + `"}`, 413, `{"error":"the body is larger than 4096 bytes"}`},
		{"POST", "/" + h.Token, `{"event":"Created"}`, 400, `{"error":"neither a TaskEventData (taskId) nor a SchedulerEntryEventData (schedulerEntryId)"}`},
		{"POST", "/" + h.Token, `{"taskId":"T-9","tomorrowsField":true}`, 200, `{"status":"stored"}`},
		{"GET", "/healthz", "", 200, `{"status":"ok","stored":3,"duplicates":1,"rejected":5,"failed":0,"lastEventAt":"`},
	} {
		code, answer := do(c.method, c.path, c.body)
		if code != c.code || !strings.HasPrefix(answer, c.answer) {
			t.Errorf("%s %s: %d %s, want %d %s", c.method, c.path, code, answer, c.code, c.answer)
		}
	}
	if len(got) != 3 || got[0].Kind != KindTasks || got[1].Kind != KindSchedulerEntries || !bytes.HasPrefix(got[0].Body, []byte(`{"taskId":"T-1","event":"Terminated","direction":"Inbound"`)) {
		t.Errorf("events %q", got)
	}
	if l := lines(t, filepath.Join(dir, "tasks-2026-03-23.jsonl")); len(l) != 2 {
		t.Errorf("task file %q", l)
	}
	want := []string{
		"refused GET to the event path (405)",
		"refused a body over the size limit (413)",
		"refused an event: neither a TaskEventData (taskId) nor a SchedulerEntryEventData (schedulerEntryId) (400)",
		`tasks events carry "tomorrowsField", which the contract does not name: kept as received`,
	}
	if strings.Join(logs, "\n") != strings.Join(want, "\n") {
		t.Errorf("logs:\n%s", strings.Join(logs, "\n"))
	}
	for _, l := range logs {
		if strings.Contains(l, h.Token) {
			t.Errorf("the token is in a log line: %s", l)
		}
	}
}

// A store that cannot write answers 503 (the sender retries) and nothing is reported.
func TestHandlerStoreFailureIs503(t *testing.T) {
	h, _ := newHandler(t)
	h.Store.Close()
	called := false
	h.OnEvent = func(Event) { called = true }
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("POST", "/"+h.Token, strings.NewReader(taskEvent)))
	if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") == "" || called {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
}

func TestCheckAddrAndToken(t *testing.T) {
	for addr, want := range map[string]string{
		"127.0.0.1:8787": "",
		"[::1]:8787":     "",
		"localhost:0":    "",
		"0.0.0.0:8787":   `plain HTTP is served on loopback only, not on "0.0.0.0:8787": give --cert and --key, or listen on 127.0.0.1 behind a reverse proxy that ends TLS`,
		":8787":          `plain HTTP is served on loopback only, not on ":8787": give --cert and --key, or listen on 127.0.0.1 behind a reverse proxy that ends TLS`,
		"10.1.2.3:443":   `plain HTTP is served on loopback only, not on "10.1.2.3:443": give --cert and --key, or listen on 127.0.0.1 behind a reverse proxy that ends TLS`,
		"8787":           `"8787" is not HOST:PORT (e.g. 127.0.0.1:8787)`,
	} {
		got := ""
		if err := CheckAddr(addr, false); err != nil {
			got = err.Error()
		}
		if got != want {
			t.Errorf("%s: %q, want %q", addr, got, want)
		}
	}
	if err := CheckAddr(":443", true); err != nil {
		t.Errorf("TLS on all interfaces: %v", err)
	}
	tok, _ := NewToken()
	if len(tok) != 43 || CheckToken(tok) != nil {
		t.Errorf("token %q", tok)
	}
	if err := CheckToken("short"); err == nil || err.Error() != "the path token must have at least 22 characters (it is what keeps others from posting events), got 5" {
		t.Errorf("short: %v", err)
	}
	if err := CheckToken(strings.Repeat("a", 30) + "/x"); err == nil {
		t.Error("a slash accepted")
	}
}

// BenchmarkStoreAppend measures durable appends from many senders at once (each returns
// after its fsync; bursts share one).
func BenchmarkStoreAppend(b *testing.B) {
	s, err := OpenStore(b.TempDir(), nil)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	var i int64
	var mu sync.Mutex
	b.SetParallelism(16)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			mu.Lock()
			i++
			n := i
			mu.Unlock()
			if _, err := s.Append(KindTasks, fmt.Appendf(nil, `{"taskId":"T-%d","event":"Terminated"}`, n)); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkPost measures whole requests: an HTTP POST of a task event, checked against the
// contract, stored durably, answered.
func BenchmarkPost(b *testing.B) {
	s, err := OpenStore(b.TempDir(), nil)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	tok, _ := NewToken()
	srv := httptest.NewServer(&Handler{Store: s, Token: tok})
	defer srv.Close()
	client := srv.Client()
	client.Transport.(*http.Transport).MaxIdleConnsPerHost = 64
	var i int64
	var mu sync.Mutex
	b.SetParallelism(8)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			mu.Lock()
			i++
			n := i
			mu.Unlock()
			body := strings.Replace(taskEvent, `"T-1"`, fmt.Sprintf(`"T-%d"`, n), 1)
			resp, err := client.Post(srv.URL+"/"+tok, "application/json", strings.NewReader(body))
			if err != nil {
				b.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != 200 {
				b.Fatal(resp.Status)
			}
		}
	})
}

// BenchmarkCheck: the shape check of one task event (what each POST costs before its fsync).
func BenchmarkCheck(b *testing.B) {
	body := []byte(taskEvent)
	for b.Loop() {
		if _, _, _, err := Check(body); err != nil {
			b.Fatal(err)
		}
	}
}

// Field names the contract does not name are logged once each, clipped, and only so many:
// events full of made-up names neither flood the log nor grow the listener's memory.
func TestHandlerBoundsUnknownFieldWarnings(t *testing.T) {
	h, _ := newHandler(t)
	h.MaxBody = DefaultMaxBody
	var logs []string
	h.Logf = func(f string, a ...any) { logs = append(logs, fmt.Sprintf(f, a...)) }
	for ev := range 3 {
		var b strings.Builder
		fmt.Fprintf(&b, `{"taskId":"T-%d"`, ev)
		for i := range 1000 {
			fmt.Fprintf(&b, `,"f%d_%d":1`, ev, i)
		}
		if ev == 0 {
			b.WriteString(`,"` + strings.Repeat("n", 5000) + `":1`)
		}
		b.WriteString("}")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("POST", "/"+h.Token, strings.NewReader(b.String())))
		if rec.Code != 200 {
			t.Fatalf("%d %s", rec.Code, rec.Body)
		}
	}
	if len(logs) != maxWarned+1 || logs[maxWarned] != "more fields the contract does not name are not logged" {
		t.Fatalf("%d log lines, the last %q", len(logs), logs[len(logs)-1])
	}
	for _, l := range logs {
		if len(l) > 200 {
			t.Errorf("a log line of %d bytes: %.80s…", len(l), l)
		}
	}
	if len(h.warned) > maxWarned {
		t.Errorf("%d names remembered", len(h.warned))
	}
}
