//go:build unix

package main

import (
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"slices"
	"syscall"
	"time"
)

// runStartup starts `gh --version` (where gh is on PATH), `nimbusctl version` and `nimbusctl
// --help` in turns, in a new order each round so that drift on a shared machine falls on all
// of them alike, and prints each one's median and mean, and their ratio to gh's.
func runStartup(bin string, rounds int) error {
	type program struct {
		name  string
		argv  []string
		times []time.Duration
	}
	var progs []*program
	if gh, err := exec.LookPath("gh"); err == nil {
		progs = append(progs, &program{name: "gh --version", argv: []string{gh, "--version"}})
	}
	progs = append(progs,
		&program{name: "nimbusctl version", argv: []string{bin, "version"}},
		&program{name: "nimbusctl --help", argv: []string{bin, "--help"}})
	devNull, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	defer devNull.Close()
	// Started as hyperfine -N starts them (fork, exec, wait), not through os/exec, whose own
	// work would add the same milliseconds to each and shrink the ratios.
	attr := &syscall.ProcAttr{Env: os.Environ(), Files: []uintptr{devNull.Fd(), devNull.Fd(), devNull.Fd()}}
	const warmup = 20
	for round := range rounds + warmup {
		for _, i := range rand.Perm(len(progs)) {
			p := progs[i]
			start := time.Now()
			pid, err := syscall.ForkExec(p.argv[0], p.argv, attr)
			if err != nil {
				return fmt.Errorf("%s: %w", p.name, err)
			}
			var status syscall.WaitStatus
			if _, err := syscall.Wait4(pid, &status, 0, nil); err != nil {
				return fmt.Errorf("%s: %w", p.name, err)
			}
			elapsed := time.Since(start)
			if status.ExitStatus() != 0 {
				return fmt.Errorf("%s: exit status %d", p.name, status.ExitStatus())
			}
			if round >= warmup {
				p.times = append(p.times, elapsed)
			}
		}
	}
	fmt.Printf("start-up: %d rounds, interleaved (median, mean; ratio to gh --version)\n", rounds)
	var ghMedian, ghMean time.Duration
	for i, p := range progs {
		slices.Sort(p.times)
		median := p.times[len(p.times)/2]
		var sum time.Duration
		for _, t := range p.times {
			sum += t
		}
		mean := sum / time.Duration(len(p.times))
		line := fmt.Sprintf("  %-18s %6.2f ms  %6.2f ms", p.name, ms(median), ms(mean))
		if i == 0 && p.name == "gh --version" {
			ghMedian, ghMean = median, mean
		} else if ghMedian > 0 {
			line += fmt.Sprintf("   %.3f  %.3f", ms(median)/ms(ghMedian), ms(mean)/ms(ghMean))
		}
		fmt.Println(line)
	}
	if ghMedian == 0 {
		fmt.Println("  (gh is not on PATH: no ratio; apt-get install gh)")
	}
	return nil
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
