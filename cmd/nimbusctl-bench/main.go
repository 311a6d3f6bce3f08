//go:build unix

// Command nimbusctl-bench measures whole commands of a built nimbusctl, as `make bench` runs
// it: start-up (version, --help) side by side with gh --version, contact imports into a throttled sandbox with --rate auto (the calls the sandbox
// accepted per second against its limit, 429s and failed rows), and the validation of a
// 1,000,000-row file (rows/s). Each reports the command's peak RSS. Nothing here is a test:
// it prints figures.
package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// scenario is one import into a freshly started sandbox.
type scenario struct {
	name     string
	contacts int
	limit    int           // calls per period
	per      time.Duration // the period
	kind     string        // bucket or window
	latency  time.Duration
}

// scenarios: the 50/s bucket of the rate tests, and the connector's documented limit (100
// calls per 60 s per connection) as a window and as a bucket.
var scenarios = []scenario{
	{"1k-50/s", 1000, 50, time.Second, "bucket", 20 * time.Millisecond},
	{"10k-50/s", 10000, 50, time.Second, "bucket", 20 * time.Millisecond},
	{"250-100/60s-window", 250, 100, time.Minute, "window", 50 * time.Millisecond},
	{"250-100/60s-bucket", 250, 100, time.Minute, "bucket", 50 * time.Millisecond},
}

func main() {
	bin := flag.String("bin", "bin/nimbusctl", "the nimbusctl binary to measure")
	only := flag.String("imports", "", "comma-separated scenario names to run (default all: "+names()+"); \"none\" skips the imports")
	rows := flag.Int("validate-rows", 1_000_000, "rows of the file to validate (0: skip)")
	startups := flag.Int("startup-rounds", 300, "rounds of start-up timing against gh --version (0: skip)")
	flag.Parse()
	if err := run(*bin, *only, *rows, *startups); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func names() string {
	var n []string
	for _, s := range scenarios {
		n = append(n, s.name)
	}
	return strings.Join(n, ",")
}

func run(bin, only string, rows, startups int) error {
	bin, _ = filepath.Abs(bin)
	if startups > 0 {
		if err := runStartup(bin, startups); err != nil {
			return fmt.Errorf("start-up: %w", err)
		}
	}
	for _, sc := range scenarios {
		if only != "" && !strings.Contains(","+only+",", ","+sc.name+",") {
			continue
		}
		if err := runImport(bin, sc); err != nil {
			return fmt.Errorf("%s: %w", sc.name, err)
		}
	}
	if rows > 0 {
		return runValidate(bin, rows)
	}
	return nil
}

func runImport(bin string, sc scenario) error {
	tmp, err := os.MkdirTemp("", "nimbusctl-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	env := isolatedEnv(tmp)

	// The sandbox, throttled and slowed like a real service.
	ready := filepath.Join(tmp, "ready")
	sandbox := exec.Command(bin, "sandbox", "--port", "0", "--ready-file", ready, "--latency", sc.latency.String(),
		"--rate-limit", fmt.Sprintf("%d/%s", sc.limit, sc.per), "--rate-limit-kind", sc.kind)
	sandbox.Env = env
	logf, _ := os.Create(filepath.Join(tmp, "sandbox.log"))
	sandbox.Stderr = logf
	if err := sandbox.Start(); err != nil {
		return err
	}
	defer func() { sandbox.Process.Signal(syscall.SIGTERM); sandbox.Wait() }()
	if err := waitFile(ready, 30*time.Second); err != nil {
		return err
	}
	if out, err := command(env, bin, "--profile", "sandbox", "auth", "login"); err != nil {
		return fmt.Errorf("auth login: %v\n%s", err, out)
	}

	file := filepath.Join(tmp, "contacts.csv")
	if err := writeContacts(file, sc.contacts); err != nil {
		return err
	}
	fmt.Printf("import %s: %d contacts into the sandbox (latency %s, limit %d per %s, %s), --rate auto\n",
		sc.name, sc.contacts, sc.latency, sc.limit, sc.per, sc.kind)
	start := time.Now()
	out, rss, err := measured(env, bin, "--profile", "sandbox", "contact", "import", "Customers", file, "-o", "json")
	var exit *exec.ExitError
	if err != nil && !(errors.As(err, &exit) && exit.ExitCode() == 9) { // 9: some rows failed, reported below
		return fmt.Errorf("import: %v", err)
	}
	wall := time.Since(start)
	var s struct {
		Added, Failed       int
		Requests, Throttled int64
		Seconds             float64
	}
	if err := json.Unmarshal(out, &s); err != nil {
		return fmt.Errorf("import summary: %v\n%s", err, out)
	}
	// What the sandbox accepted (the 429s are sent too, but do not count), against its limit.
	accepted := float64(s.Requests-s.Throttled) / s.Seconds
	limit := float64(sc.limit) / sc.per.Seconds()
	fmt.Printf("  added %d, failed %d rows; %d requests (%d of them 429) in %.1fs (wall %.1fs)\n",
		s.Added, s.Failed, s.Requests, s.Throttled, s.Seconds, wall.Seconds())
	fmt.Printf("  accepted %.2f calls/s = %.3f of the limit; peak RSS %.1f MiB\n", accepted, accepted/limit, rss)
	return nil
}

func runValidate(bin string, rows int) error {
	tmp, err := os.MkdirTemp("", "nimbusctl-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	env := isolatedEnv(tmp)
	big := filepath.Join(tmp, "big.csv")
	if err := writeContacts(big, rows); err != nil {
		return err
	}
	fi, _ := os.Stat(big)
	fmt.Printf("validate: %d rows (%.0f MiB), contact import --validate-only\n", rows, float64(fi.Size())/(1<<20))
	start := time.Now()
	_, rss, err := measured(env, bin, "contact", "import", "Customers", big, "--validate-only", "-o", "json")
	if err != nil {
		return fmt.Errorf("validate: %v", err)
	}
	el := time.Since(start)
	fmt.Printf("  %.0f rows/s (%.2fs); peak RSS %.1f MiB\n", float64(rows)/el.Seconds(), el.Seconds(), rss)
	return nil
}

// isolatedEnv keeps the benchmark away from the user's own config, cache and state.
func isolatedEnv(tmp string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "NIMBUSCTL_") && !strings.HasPrefix(kv, "NPSTODAY_") {
			env = append(env, kv)
		}
	}
	return append(env, "NIMBUSCTL_CONFIG_DIR="+filepath.Join(tmp, "config"),
		"NIMBUSCTL_CACHE_DIR="+filepath.Join(tmp, "cache"), "NIMBUSCTL_STATE_DIR="+filepath.Join(tmp, "state"),
		"NIMBUSCTL_TOKEN_STORAGE=file") // a throwaway cache: no key left in the user's keyring
}

func waitFile(path string, max time.Duration) error {
	for deadline := time.Now().Add(max); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if fi, err := os.Stat(path); err == nil && fi.Size() > 0 {
			return nil
		}
	}
	return fmt.Errorf("the sandbox did not start within %s", max)
}

func command(env []string, bin string, args ...string) ([]byte, error) {
	c := exec.Command(bin, args...)
	c.Env = env
	return c.CombinedOutput()
}

// measured runs a command and returns its stdout and peak resident set size in MiB. A
// failure's error carries its stderr.
func measured(env []string, bin string, args ...string) ([]byte, float64, error) {
	c := exec.Command(bin, args...)
	c.Env = env
	var stderr strings.Builder
	c.Stderr = &stderr
	out, err := c.Output()
	if c.ProcessState == nil {
		return nil, 0, err
	}
	rss := maxRSSMiB(c.ProcessState.SysUsage().(*syscall.Rusage))
	if err != nil {
		return out, rss, fmt.Errorf("%w\n%s", err, stderr.String())
	}
	return out, rss, nil
}

func writeContacts(path string, n int) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	fmt.Fprintln(w, "externalId;First Name;Last Name;Company;E-mail;Mobile;City;field.tier")
	for i := 0; i < n; i++ {
		fmt.Fprintf(w, "B-%07d;First%d;Last%d;Company %d AG;b%d@example.com;+4179%07d;Zürich;gold\n", i, i, i, i%1000, i, i)
	}
	if err := w.Flush(); err != nil {
		return err
	}
	return f.Close()
}
