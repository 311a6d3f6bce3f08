// Package clitest runs the real nimbusctl command tree in-process against a live emulator,
// with an isolated environment, so end-to-end tests can assert exact stdout, stderr and exit
// codes and still run in parallel.
package clitest

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zalando/go-keyring"

	"github.com/nimbusctl/nimbusctl/pkg/auth"
	"github.com/nimbusctl/nimbusctl/pkg/cli"
	"github.com/nimbusctl/nimbusctl/pkg/cli/cmdutil"
	_ "github.com/nimbusctl/nimbusctl/pkg/cli/sandbox/serve" // `sandbox` runs in-process, as in nimbusctl-sandbox
	"github.com/nimbusctl/nimbusctl/pkg/emulator"
	"github.com/nimbusctl/nimbusctl/pkg/output"
)

// Env is one test's world: an emulator, a home folder and the environment variables the CLI
// sees (nothing else from the real environment leaks in).
type Env struct {
	T    testing.TB
	Emu  *emulator.Emulator
	Home string
	// Keyring is the OS keyring the runs see: go-keyring's mock provider (one in-memory store
	// for the whole test binary; each Env's cache folder names its own key), never the real
	// one. A test sets another to play a keyring that fails.
	Keyring auth.Keyring

	mu   sync.Mutex
	vars map[string]string
	now  func() time.Time // the command's clock (WithClock); nil: the real one
}

var mockKeyring sync.Once

// Option adjusts an Env before the emulator starts.
type Option func(*settings)

type settings struct {
	emu     emulator.Options
	noLogin bool
	entra   bool
	now     func() time.Time
}

// WithEmulator changes the emulator's options (faults, rate limit, latency, clock).
func WithEmulator(fn func(*emulator.Options)) Option {
	return func(s *settings) { fn(&s.emu) }
}

// WithClock sets the clock of both the emulator (its domain time) and every command the test
// runs (relative due times, "has passed" checks), so that a test can stand on a given day,
// such as the eve of a clock change.
func WithClock(now func() time.Time) Option {
	return func(s *settings) { s.now, s.emu.Now = now, now }
}

// NoLogin starts without NIMBUSCTL_TOKEN, as a user who has not signed in.
func NoLogin() Option { return func(s *settings) { s.noLogin = true } }

// WithEntra points the profile at the emulator's Entra ID authority (NIMBUSCTL_AUTHORITY,
// NIMBUSCTL_TENANT, and the sandbox's public client as NIMBUSCTL_CLIENT_ID) and starts signed
// out, without raw tokens: a test signs in with `auth login`, whose device code the emulator
// approves, and everything after goes through MSAL and the token cache.
func WithEntra() Option { return func(s *settings) { s.entra, s.noLogin = true, true } }

// New starts an emulator and points a fresh environment at it, signed in as the emulator's
// default user through NIMBUSCTL_TOKEN.
func New(t testing.TB, opts ...Option) *Env {
	t.Helper()
	s := &settings{emu: emulator.Options{Seed: 1}}
	for _, o := range opts {
		o(s)
	}
	emu, err := emulator.Start(s.emu)
	if err != nil {
		t.Fatalf("starting the emulator: %v", err)
	}
	t.Cleanup(emu.Close)
	home := t.TempDir()
	ca := filepath.Join(home, "ca.pem")
	if err := os.WriteFile(ca, emu.CACertPEM(), 0o600); err != nil {
		t.Fatal(err)
	}
	mockKeyring.Do(keyring.MockInit)
	e := &Env{T: t, Emu: emu, Home: home, Keyring: auth.SystemKeyring, now: s.now, vars: map[string]string{
		"NIMBUSCTL_CONFIG_DIR": filepath.Join(home, "config"),
		"NIMBUSCTL_CACHE_DIR":  filepath.Join(home, "cache"),
		"NIMBUSCTL_STATE_DIR":  filepath.Join(home, "state"),
		"NIMBUSCTL_ENDPOINT":   emu.NimbusURL(),
		"NIMBUSCTL_ODATA_URL":  emu.ODataURL(),
		"NIMBUSCTL_CA_FILE":    ca,
		"HOME":                 home,
		"PATH":                 os.Getenv("PATH"), // for the programs a command starts
		// Like the sandbox, a Swiss tenant (the endpoint of its own implies no country).
		"NIMBUSCTL_DEFAULT_COUNTRY": "+41",
	}}
	// nps.today: the emulator's part and its seeded key (a test unsets it to go without).
	e.vars["NIMBUSCTL_NPSTODAY_URL"] = emu.NPSTodayURL()
	e.vars["NPSTODAY_API_KEY"] = emulator.NPSTodayAPIKey
	if s.entra {
		e.vars["NIMBUSCTL_AUTHORITY"] = emu.EntraURL()
		e.vars["NIMBUSCTL_TENANT"] = emulator.TenantID
		e.vars["NIMBUSCTL_CLIENT_ID"] = emulator.PublicClientID
	}
	if !s.noLogin {
		e.vars["NIMBUSCTL_TOKEN"] = emu.IssueToken(emulator.DefaultUser, emulator.NimbusAudience, time.Hour)
		e.vars["NIMBUSCTL_ODATA_TOKEN"] = emu.IssueToken(emulator.DefaultUser, emulator.ODataAudience, time.Hour)
	}
	return e
}

// Getenv is the environment the CLI sees.
func (e *Env) Getenv(k string) string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.vars[k]
}

// Environ is the environment the CLI sees, as KEY=VALUE pairs (for a child process).
func (e *Env) Environ() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]string, 0, len(e.vars))
	for k, v := range e.vars {
		out = append(out, k+"="+v)
	}
	return out
}

// Setenv sets (or, with "", removes) a variable for later runs.
func (e *Env) Setenv(k, v string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if v == "" {
		delete(e.vars, k)
		return
	}
	e.vars[k] = v
}

// Result is what one command line produced.
type Result struct {
	Stdout string
	Stderr string
	Code   int
}

// RunOpts controls one run.
type RunOpts struct {
	Stdin    string
	TTY      bool // stdin, stdout and stderr are terminals
	Prompter cmdutil.Prompter
	Ctx      context.Context
}

// Run executes `nimbusctl args...` without a terminal.
func (e *Env) Run(args ...string) Result { return e.RunWith(RunOpts{}, args...) }

// RunWith executes `nimbusctl args...` with the given stdin, TTY and prompter.
func (e *Env) RunWith(o RunOpts, args ...string) Result {
	ios, in, out, errOut := output.Test()
	in.WriteString(o.Stdin)
	if o.TTY {
		ios.SetStdinTTY(true)
		ios.SetStdoutTTY(true)
		ios.SetStderrTTY(true)
	}
	f := cli.NewFactory(ios, cmdutil.BuildInfo{Version: "0.0.0-test"}, e.Getenv)
	f.Environ = e.Environ
	f.Keyring = e.Keyring
	if e.now != nil {
		f.Now = e.now
	}
	if o.Prompter != nil {
		f.Prompter = o.Prompter
	}
	ctx := o.Ctx
	if ctx == nil {
		ctx = context.Background()
	}
	code := cli.Run(ctx, f, args)
	return Result{Stdout: out.String(), Stderr: errOut.String(), Code: code}
}

// MustRun runs and fails the test unless the command exits 0.
func (e *Env) MustRun(args ...string) Result {
	e.T.Helper()
	r := e.Run(args...)
	if r.Code != 0 {
		e.T.Fatalf("nimbusctl %s: exit %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), r.Code, r.Stdout, r.Stderr)
	}
	return r
}

// Expect asserts the exact exit code, stdout and stderr of a result.
func (r Result) Expect(t testing.TB, code int, stdout, stderr string) {
	t.Helper()
	if r.Code != code || r.Stdout != stdout || r.Stderr != stderr {
		t.Fatalf("exit %d, want %d\n--- stdout\n%s--- want stdout\n%s--- stderr\n%s--- want stderr\n%s", r.Code, code, r.Stdout, stdout, r.Stderr, stderr)
	}
}

// Answers is a scripted Prompter for TTY tests.
type Answers struct {
	mu        sync.Mutex
	Confirms  []bool
	Inputs    []string
	Questions []string
}

func (a *Answers) Confirm(q string, def bool) (bool, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.Questions = append(a.Questions, q)
	if len(a.Confirms) == 0 {
		return false, cmdutil.ErrCancelled
	}
	v := a.Confirms[0]
	a.Confirms = a.Confirms[1:]
	return v, nil
}

func (a *Answers) Input(q string) (string, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.Questions = append(a.Questions, q)
	if len(a.Inputs) == 0 {
		return "", cmdutil.ErrCancelled
	}
	v := a.Inputs[0]
	a.Inputs = a.Inputs[1:]
	return v, nil
}

// Background is a long-running command (sandbox, trigger listen) running in-process.
type Background struct {
	// Ready is what the command wrote to its ready file (its URL).
	Ready  string
	cancel context.CancelFunc
	done   chan Result
	once   sync.Once
	result Result
}

// Start runs `nimbusctl args...` in the background, as on a terminal-less server, and
// returns once it has written readyFile (pass the command's --ready-file readyFile in args).
// The test fails if it ends first or is not ready within a minute; it is stopped at cleanup.
func (e *Env) Start(readyFile string, args ...string) *Background {
	e.T.Helper()
	os.Remove(readyFile)
	ctx, cancel := context.WithCancel(context.Background())
	b := &Background{cancel: cancel, done: make(chan Result, 1)}
	go func() { b.done <- e.RunWith(RunOpts{Ctx: ctx}, args...) }()
	e.T.Cleanup(cancel)
	deadline := time.Now().Add(time.Minute)
	for {
		if raw, err := os.ReadFile(readyFile); err == nil && strings.HasSuffix(string(raw), "\n") {
			b.Ready = strings.TrimSpace(string(raw))
			return b
		}
		select {
		case r := <-b.done:
			e.T.Fatalf("nimbusctl %s ended before it was ready: exit %d\n%s%s", strings.Join(args, " "), r.Code, r.Stdout, r.Stderr)
		case <-time.After(5 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			cancel()
			e.T.Fatalf("nimbusctl %s not ready within a minute", strings.Join(args, " "))
		}
	}
}

// Stop ends the command as SIGTERM would (its context is cancelled) and returns its result
// (again on a second call).
func (b *Background) Stop() Result {
	b.once.Do(func() {
		b.cancel()
		b.result = <-b.done
	})
	return b.result
}

// WaitFor polls cond (background work runs on its own) until it holds, failing the test
// after a minute.
func (e *Env) WaitFor(what string, cond func() bool) {
	e.T.Helper()
	for deadline := time.Now().Add(time.Minute); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			e.T.Fatalf("waited a minute for %s", what)
		}
	}
}

// Pasted splits a command line the way a POSIX shell does when a person pastes it (quotes,
// escapes), and drops the leading "nimbusctl": what a message tells the user to run, as args.
func Pasted(t *testing.T, line string) []string {
	t.Helper()
	out, err := exec.Command("/bin/sh", "-c", "set -- "+line+`; printf '%s\0' "$@"`).Output()
	if err != nil {
		t.Fatalf("the shell cannot read %s: %v", line, err)
	}
	words := strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00")
	if words[0] != "nimbusctl" {
		t.Fatalf("%s does not start with nimbusctl", line)
	}
	return words[1:]
}
