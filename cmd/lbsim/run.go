package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/lbsim/lbsim/algorithms"
	"github.com/lbsim/lbsim/report"
	"github.com/lbsim/lbsim/scenarios"
	"github.com/lbsim/lbsim/sim"
)

func runCmd(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("run", stderr)
	algs := fs.StringSlice("algorithms", nil, "comma-separated algorithms to compare (default: the scenario's)")
	seed := fs.Uint64("seed", 0, "random seed (default: the scenario's)")
	seeds := fs.Int("seeds", 1, "run this many seeds (--seed, then the next ones) and combine them as --aggregate says")
	aggregate := fs.String("aggregate", "worst", "how to combine several seeds: worst (each metric's worst value) or mean")
	requests := fs.Int64("requests", 0, "arrivals to simulate (default: the scenario's requests or duration)")
	format := fs.String("format", "table", "output format: table, markdown, csv or json")
	out := fs.String("out", "", "also write results.json, results.csv and results.md into this directory")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: lbsim run SCENARIO [flags]")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usagef("run takes one SCENARIO (a file or a bundled name), got %d", fs.NArg())
	}
	f, err := report.ParseFormat(*format)
	if err != nil {
		return usagef("--format: %v", err)
	}
	if *seeds < 1 || *seeds > maxSeeds {
		return usagef("--seeds must be between 1 and %d, got %d", maxSeeds, *seeds)
	}
	how, err := report.ParseAggregate(*aggregate)
	if err != nil {
		return usagef("--aggregate: %v", err)
	}
	sc, err := scenarios.Open(fs.Arg(0))
	if err != nil {
		return err
	}
	if fs.Changed("seed") {
		sc.Seed = *seed
	}
	if fs.Changed("requests") {
		if *requests < 1 || *requests > scenarios.MaxRequests {
			return usagef("--requests must be between 1 and %d, got %d", int64(scenarios.MaxRequests), *requests)
		}
		sc.Requests, sc.Duration = *requests, 0
	}
	names := sc.Algorithms
	if fs.Changed("algorithms") {
		if names, err = checkAlgorithms(*algs); err != nil {
			return err
		}
	}
	runs, err := sim.CompareSeeds(sc, names, seedList(sc.Seed, *seeds), sim.Options{})
	if err != nil {
		return err
	}
	cmp := report.Combine(runs, how)
	if *out != "" {
		if err := writeOut(*out, cmp); err != nil {
			return err
		}
	}
	return report.Write(stdout, f, cmp)
}

// checkAlgorithms refuses unknown and repeated names.
func checkAlgorithms(names []string) ([]string, error) {
	if len(names) == 0 {
		return nil, usagef("--algorithms: name at least one algorithm")
	}
	seen := map[string]bool{}
	for _, n := range names {
		if _, ok := algorithms.Lookup(n); !ok {
			return nil, usagef("--algorithms: %v", &algorithms.UnknownError{Name: n})
		}
		if seen[n] {
			return nil, usagef("--algorithms: %q given twice", n)
		}
		seen[n] = true
	}
	return names, nil
}

// writeOut writes the comparison in every machine format into dir, each
// file whole (see writeFileAtomic).
func writeOut(dir string, cmp *report.Comparison) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	files := []struct {
		name   string
		format report.Format
	}{
		{"results.json", report.FormatJSON},
		{"results.csv", report.FormatCSV},
		{"results.md", report.FormatMarkdown},
	}
	for _, file := range files {
		err := writeFileAtomic(filepath.Join(dir, file.name), func(w io.Writer) error { return report.Write(w, file.format, cmp) })
		if err != nil {
			return err
		}
	}
	return nil
}

// isBadInput reports whether err is the user's input at fault (exit 2).
func isBadInput(err error) bool {
	var ue *usageError
	var se *scenarios.Error
	return errors.As(err, &ue) || errors.As(err, &se) || errors.Is(err, sim.ErrNothingMeasured)
}
