//go:build unix

// Command nimbusctl-bench measures whole commands of a built nimbusctl, as `make bench` runs
// it: a 10,000-contact import into the sandbox (20 ms latency, a 50 calls/s limit), reporting
// the achieved rate against the limit, 429s and failed rows; and the validation of a
// 1,000,000-row file, reporting rows/s. Both report the command's peak RSS. Nothing here is a
// test: it prints figures.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

func main() {
	bin := flag.String("bin", "bin/nimbusctl", "the nimbusctl binary to measure")
	contacts := flag.Int("contacts", 10000, "contacts to import into the sandbox")
	limit := flag.Int("limit", 50, "the sandbox's rate limit, calls per second")
	latency := flag.Duration("latency", 20*time.Millisecond, "the sandbox's latency")
	rows := flag.Int("validate-rows", 1_000_000, "rows of the file to validate")
	flag.Parse()
	if err := run(*bin, *contacts, *limit, *latency, *rows); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run(bin string, contacts, limit int, latency time.Duration, rows int) error {
	bin, _ = filepath.Abs(bin)
	tmp, err := os.MkdirTemp("", "nimbusctl-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	env := isolatedEnv(tmp)

	// The sandbox, throttled and slowed like a real service.
	ready := filepath.Join(tmp, "ready")
	sandbox := exec.Command(bin, "sandbox", "--port", "0", "--ready-file", ready,
		"--latency", latency.String(), "--rate-limit", fmt.Sprintf("%d/s", limit))
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
	if err := writeContacts(file, contacts); err != nil {
		return err
	}
	fmt.Printf("import: %d contacts into the sandbox (latency %s, limit %d calls/s), --rate auto\n", contacts, latency, limit)
	start := time.Now()
	out, rss, err := measured(env, bin, "--profile", "sandbox", "contact", "import", "Customers", file, "-o", "json")
	if err != nil {
		return fmt.Errorf("import: %v\n%s", err, out)
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
	rate := float64(s.Requests) / s.Seconds
	fmt.Printf("  added %d, failed %d rows, %d requests in %.1fs (wall %.1fs)\n", s.Added, s.Failed, s.Requests, s.Seconds, wall.Seconds())
	fmt.Printf("  achieved %.2f req/s = %.3f of the limit; 429s seen: %d; peak RSS %.1f MiB\n", rate, rate/float64(limit), s.Throttled, rss)

	big := filepath.Join(tmp, "big.csv")
	if err := writeContacts(big, rows); err != nil {
		return err
	}
	fi, _ := os.Stat(big)
	fmt.Printf("validate: %d rows (%.0f MiB), contact import --validate-only\n", rows, float64(fi.Size())/(1<<20))
	start = time.Now()
	out, rss, err = measured(env, bin, "contact", "import", "Customers", big, "--validate-only", "-o", "json")
	if err != nil {
		return fmt.Errorf("validate: %v\n%s", err, out)
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
		"NIMBUSCTL_CACHE_DIR="+filepath.Join(tmp, "cache"), "NIMBUSCTL_STATE_DIR="+filepath.Join(tmp, "state"))
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

// measured runs a command and returns its stdout and peak resident set size in MiB.
func measured(env []string, bin string, args ...string) ([]byte, float64, error) {
	c := exec.Command(bin, args...)
	c.Env = env
	var stderr strings.Builder
	c.Stderr = &stderr
	out, err := c.Output()
	if err != nil {
		return []byte(stderr.String()), 0, err
	}
	ru := c.ProcessState.SysUsage().(*syscall.Rusage)
	return out, maxRSSMiB(ru), nil
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
