package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/lbsim/lbsim/check"
	"github.com/lbsim/lbsim/results"
	"github.com/lbsim/lbsim/scenarios"
	"github.com/lbsim/lbsim/sim"
)

// maxSeeds bounds --seeds: a check runs every algorithm once per seed.
const maxSeeds = 10_000

func checkCmd(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("check", stderr)
	seeds := fs.Int("seeds", 1, "run each scenario with this many seeds (the scenario's, then the next ones)")
	seed := fs.Uint64("seed", 0, "first seed (default: the scenario's)")
	requests := fs.Int64("requests", 0, "arrivals to simulate (default: the scenario's requests or duration)")
	aggregate := fs.String("aggregate", "worst", "how to read several seeds: worst (must hold on every seed) or mean")
	baseline := fs.String("baseline", "", "a results file from 'lbsim run SCENARIO --format json', or a directory of NAME.json files; fail on metrics that got worse")
	tolerance := fs.String("tolerance", "0%", "how much worse than the baseline a metric may get, as 5% or 0.05")
	junit := fs.String("junit", "", "also write the verdicts as JUnit XML to this file")
	format := fs.String("format", "text", "output format: text, json or junit")
	quiet := fs.Bool("quiet", false, "show no progress bar (it shows only on a terminal, for runs over a second, and never when CI is set)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: lbsim check SCENARIO... [flags]")
		fmt.Fprintln(stderr, "Runs each scenario and checks its expect: lines (and the baseline). Exit 0 all pass, 1 some fail, 2 bad input.")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return usagef("check takes at least one SCENARIO (a file or a bundled name)")
	}
	if *seeds < 1 || *seeds > maxSeeds {
		return usagef("--seeds must be between 1 and %d, got %d", maxSeeds, *seeds)
	}
	if fs.Changed("requests") && (*requests < 1 || *requests > scenarios.MaxRequests) {
		return usagef("--requests must be between 1 and %d, got %d", int64(scenarios.MaxRequests), *requests)
	}
	how, err := results.ParseAggregate(*aggregate)
	if err != nil {
		return usagef("--aggregate: %v", err)
	}
	tol, err := parseTolerance(*tolerance)
	if err != nil {
		return usagef("--tolerance: %v", err)
	}
	f, err := check.ParseFormat(*format)
	if err != nil {
		return usagef("--format: %v", err)
	}

	// Read every input before running anything, so bad input costs no
	// simulation and is reported all at once.
	var scs []*scenarios.Scenario
	var errs []error
	for _, arg := range fs.Args() {
		sc, err := scenarios.Open(arg)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if fs.Changed("seed") {
			sc.Seed = *seed
		}
		if fs.Changed("requests") {
			sc.Requests, sc.Duration = *requests, 0
		}
		if len(sc.Expect) == 0 && *baseline == "" {
			errs = append(errs, usagef("%s: no expect: lines and no --baseline, so there is nothing to check", sc.Source))
		}
		scs = append(scs, sc)
	}
	bases, err := readBaselines(*baseline, scs)
	if err := errors.Join(append(errs, err)...); err != nil {
		return err
	}

	// Check each scenario; a failure to run one still reports the others.
	var reports []check.Report
	for i, sc := range scs {
		bar := startProgress(stderr, sc.Name, *quiet)
		r, err := checkScenario(sc, seedList(sc.Seed, *seeds), how, bases[i], tol, bar.Func())
		bar.Finish()
		if err != nil {
			errs = append(errs, err)
		}
		if r != nil {
			reports = append(reports, *r)
		}
	}
	if *junit != "" {
		var buf bytes.Buffer
		err := check.Write(&buf, check.FormatJUnit, reports)
		if err == nil {
			err = writeFileAtomic(*junit, buf.Bytes())
		}
		if err != nil {
			errs = append(errs, err)
		}
	}
	if err := check.Write(stdout, f, reports); err != nil {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	failed, total := 0, 0
	for _, r := range reports {
		failed += r.Failed()
		total += len(r.Assertions)
	}
	if failed > 0 {
		return fmt.Errorf("check: %d of %d assertions failed", failed, total)
	}
	return nil
}

// checkScenario runs sc once per seed and judges its expectations and,
// with a baseline, its metrics. A baseline of another scenario, seed or
// length is bad input; the expectations are still reported, with the
// baseline as a failed verdict.
func checkScenario(sc *scenarios.Scenario, seeds []uint64, how results.Aggregate, base baseline, tol float64, progress func(float64)) (*check.Report, error) {
	r := &check.Report{Scenario: sc.Name, Source: sc.Source, Seed: seeds[0], Seeds: len(seeds), Aggregate: how}
	// What stops a check is also a failed verdict in the report, so the
	// JSON and JUnit outputs never read as passed when the exit code is 2.
	stopped := func(kind, name string, err error) {
		r.Assertions = append(r.Assertions, check.Assertion{Kind: kind, Name: name, Detail: err.Error()})
	}
	runs, err := sim.CompareSeeds(sc, sc.Algorithms, seeds, sim.Options{Progress: progress})
	if err != nil {
		err = fmt.Errorf("%s: %w", sc.Source, err)
		stopped("run", "run", err)
		return r, err
	}
	r.Assertions = check.Expectations(sc.Expect, runs, how)
	if base.results == nil {
		return r, nil
	}
	combined := results.Combine(runs, how)
	if err := check.Comparable(base.results, combined); err != nil {
		err = usagef("%s: not a baseline for %s: %v", base.file, sc.Source, err)
		stopped("baseline", "baseline "+base.file, err)
		return r, err
	}
	r.Baseline, r.Tolerance = base.file, tol
	r.Assertions = append(r.Assertions, check.CompareBaseline(base.results, combined, tol)...)
	return r, nil
}

// baseline is a scenario's baseline results and the file they came from;
// the zero value is no baseline.
type baseline struct {
	file    string
	results *results.Comparison
}

// readBaselines reads the baseline of each scenario under --baseline path:
// the file itself for one scenario, or NAME.json in a directory.
func readBaselines(path string, scs []*scenarios.Scenario) ([]baseline, error) {
	out := make([]baseline, len(scs))
	if path == "" {
		return out, nil
	}
	info, err := os.Stat(path)
	dir := err == nil && info.IsDir()
	if !dir && len(scs) > 1 {
		return nil, usagef("--baseline %s is one file for %d scenarios; give a directory of NAME.json files", path, len(scs))
	}
	var errs []error
	for i, sc := range scs {
		file := path
		if dir {
			if strings.ContainsAny(sc.Name, `/\`) || sc.Name == ".." {
				errs = append(errs, usagef("%s: the scenario name %q cannot name a file in --baseline %s", sc.Source, sc.Name, path))
				continue
			}
			file = filepath.Join(path, sc.Name+".json")
		}
		data, err := os.ReadFile(file)
		if err != nil {
			errs = append(errs, usagef("--baseline: %v", err))
			continue
		}
		c, err := results.ReadComparison(data)
		if err != nil {
			errs = append(errs, jsonFileError(file, err))
			continue
		}
		out[i] = baseline{file: file, results: c}
	}
	return out, errors.Join(errs...)
}

// jsonFileError is the usage error for a JSON file that cannot be read:
// FILE:LINE:COL: ... when the error has a place in the file.
func jsonFileError(file string, err error) error {
	var je *results.JSONError
	if errors.As(err, &je) && je.Line > 0 {
		return usagef("%s:%v", file, err)
	}
	return usagef("%s: %v", file, err)
}

// parseTolerance reads "5%" or "0.05" as 0.05.
func parseTolerance(s string) (float64, error) {
	t := strings.TrimSpace(s)
	scale := 1.0
	if rest, ok := strings.CutSuffix(t, "%"); ok {
		t, scale = rest, 0.01
	}
	v, err := strconv.ParseFloat(strings.TrimSpace(t), 64)
	if err != nil || math.IsNaN(v) || v < 0 || v*scale > 10 || (scale == 1 && v > 1) {
		return 0, fmt.Errorf("want a share such as 5%% or 0.05 (a bare number is at most 1, a percentage at most 1000%%), got %q", s)
	}
	return v * scale, nil
}

// seedList is n seeds from first on.
func seedList(first uint64, n int) []uint64 {
	seeds := make([]uint64, n)
	for i := range seeds {
		seeds[i] = first + uint64(i)
	}
	return seeds
}

// writeFileAtomic writes data to path through a temporary
// file in the same directory and a rename, so a failure never leaves a
// truncated file (or the temporary one) behind.
func writeFileAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	_, err = tmp.Write(data)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp.Name(), 0o644)
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
	}
	return err
}
