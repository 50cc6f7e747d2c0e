package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"syscall"

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
	out := fs.String("out", "", "also write results.json, .csv and .md, charts (SVG and PNG) and report.html into this directory")
	quiet := fs.Bool("quiet", false, "show no progress bar (it shows only on a terminal, for runs over a second, and never when CI is set)")
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
	if *out != "" {
		if err := makeOutDir(*out); err != nil {
			return err
		}
	}
	bar := startProgress(stderr, sc.Name, *quiet)
	runs, err := runSeeds(sc, names, seedList(sc.Seed, *seeds), *out != "", bar.Func())
	bar.Finish()
	if err != nil {
		return err
	}
	cmp := report.Combine(runs, how)
	if *out != "" {
		if err := writeOut(*out, cmp, sc.YAML); err != nil {
			return err
		}
	}
	return report.Write(stdout, f, cmp)
}

// runSeeds runs the scenario once per seed. With charts, the first seed's
// runs keep their timelines, which the charts draw; the other seeds' would
// only cost memory, so they run without (progress counts both parts by
// their number of seeds).
func runSeeds(sc *scenarios.Scenario, names []string, seeds []uint64, charts bool, progress func(float64)) ([]*report.Comparison, error) {
	if !charts || len(seeds) == 1 {
		return sim.CompareSeeds(sc, names, seeds, sim.Options{Timeline: charts, Progress: progress})
	}
	part := func(from, share float64) func(float64) {
		if progress == nil {
			return nil
		}
		return func(done float64) { progress(from + share*done) }
	}
	first := 1 / float64(len(seeds))
	runs, err := sim.CompareSeeds(sc, names, seeds[:1], sim.Options{Timeline: true, Progress: part(0, first)})
	if err != nil {
		return nil, err
	}
	rest, err := sim.CompareSeeds(sc, names, seeds[1:], sim.Options{Progress: part(first, 1-first)})
	if err != nil {
		return nil, err
	}
	return append(runs, rest...), nil
}

// makeOutDir creates the --out directory, before anything runs, so that a
// path that cannot be a directory is bad input that costs no simulation.
func makeOutDir(dir string) error {
	if info, err := os.Stat(dir); err == nil && !info.IsDir() {
		return usagef("--out %s is a file, not a directory", dir)
	}
	err := os.MkdirAll(dir, 0o755)
	if errors.Is(err, syscall.ENOTDIR) {
		return usagef("--out %s: a part of the path is a file: %v", dir, err)
	}
	if err != nil {
		return fmt.Errorf("--out: %w", err) // a directory that cannot be written: exit 1
	}
	return nil
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

// writeOut writes into dir the comparison in every machine format, each
// chart as SVG and PNG, and report.html. Everything is rendered in memory
// first, so a failure leaves dir as it was; then each file is replaced
// whole (see writeFileAtomic).
func writeOut(dir string, cmp *report.Comparison, yaml []byte) error {
	type file struct {
		name  string
		write func(io.Writer) error
	}
	var files []file
	for _, f := range []struct {
		name   string
		format report.Format
	}{
		{"results.json", report.FormatJSON},
		{"results.csv", report.FormatCSV},
		{"results.md", report.FormatMarkdown},
	} {
		files = append(files, file{f.name, func(w io.Writer) error { return report.Write(w, f.format, cmp) }})
	}
	charts := report.Charts(cmp)
	for _, ch := range charts {
		files = append(files, file{ch.Name + ".svg", ch.WriteSVG}, file{ch.Name + ".png", ch.WritePNG})
	}
	files = append(files, file{"report.html", func(w io.Writer) error { return report.WriteHTML(w, cmp, yaml, charts) }})

	rendered := make([]bytes.Buffer, len(files))
	for i, f := range files {
		if err := f.write(&rendered[i]); err != nil {
			return fmt.Errorf("%s: %w", f.name, err)
		}
	}
	for i, f := range files {
		err := writeFileAtomic(filepath.Join(dir, f.name), func(w io.Writer) error {
			_, err := w.Write(rendered[i].Bytes())
			return err
		})
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
