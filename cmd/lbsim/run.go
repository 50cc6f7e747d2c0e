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
	"github.com/lbsim/lbsim/results"
	"github.com/lbsim/lbsim/scenarios"
	"github.com/lbsim/lbsim/sim"
	"github.com/lbsim/lbsim/workloads"
	"github.com/spf13/pflag"
)

func runCmd(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("run", stderr)
	rf := addRunFlags(fs, "worst")
	out := fs.String("out", "", "also write results.json, .csv and .md, charts (SVG and PNG) and report.html into this directory")
	window := fs.Duration("p99-window", 0, "with --out: the span of the p99 over time (trailing) and of the in-flight averages (centred) (default 10s, at least 5 timeline windows, at most a tenth of the run)")
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
	f, how, err := rf.check()
	if err != nil {
		return err
	}
	if fs.Changed("p99-window") && *window <= 0 {
		return usagef("--p99-window must be a positive duration, got %v", *window)
	}
	if fs.Changed("p99-window") && *out == "" {
		return usagef("--p99-window shapes the charts: it needs --out")
	}
	sc, names, err := rf.open(fs.Arg(0))
	if err != nil {
		return err
	}
	if w := sc.Overload(); w != "" {
		fmt.Fprintf(stderr, "lbsim: warning: %s: %s\n", sc.Source, w)
	}
	if *out != "" {
		if err := makeOutDir(*out); err != nil {
			return err
		}
	}
	bar := startProgress(stderr, sc.Name, *rf.quiet)
	runs, err := sim.CompareSeeds(sc, names, seedList(sc.Seed, *rf.seeds), sim.Options{Timeline: *out != "", Progress: bar.Func()})
	bar.Finish()
	if err != nil {
		return err
	}
	cmp := results.Combine(runs, how)
	if *out != "" {
		if err := writeOut(*out, cmp, sc.YAML, report.ChartOptions{P99Window: *window}); err != nil {
			return err
		}
	}
	return report.Write(stdout, f, cmp)
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

// runFlags are the flags that say how to run a scenario, which run and
// sweep share: the algorithms, seeds and run length, and the output format.
type runFlags struct {
	fs        *pflag.FlagSet
	algs      *[]string
	seed      *uint64
	seeds     *int
	aggregate *string
	requests  *int64
	format    *string
	quiet     *bool
}

// addRunFlags defines the run flags on fs; aggregate is --aggregate's
// default.
func addRunFlags(fs *pflag.FlagSet, aggregate string) *runFlags {
	return &runFlags{
		fs:        fs,
		algs:      fs.StringArray("algorithms", nil, "comma-separated algorithms to compare, with parameters as bounded_load(c=1.5) (default: the scenario's)"),
		seed:      fs.Uint64("seed", 0, "random seed (default: the scenario's)"),
		seeds:     fs.Int("seeds", 1, "run this many seeds (--seed, then the next ones) and combine them as --aggregate says"),
		aggregate: fs.String("aggregate", aggregate, "how to combine several seeds: worst (each metric's worst value) or mean"),
		requests:  fs.Int64("requests", 0, "arrivals to simulate (default: the scenario's requests or duration)"),
		format:    fs.String("format", "table", "output format: table, markdown, csv or json"),
		quiet:     fs.Bool("quiet", false, "show no progress bar (it shows only on a terminal, for runs over a second, and never when CI is set)"),
	}
}

// check reads --format and --aggregate and checks --seeds and --requests.
func (rf *runFlags) check() (report.Format, results.Aggregate, error) {
	f, err := report.ParseFormat(*rf.format)
	if err != nil {
		return "", "", usagef("--format: %v", err)
	}
	if *rf.seeds < 1 || *rf.seeds > maxSeeds {
		return "", "", usagef("--seeds must be between 1 and %d, got %d", maxSeeds, *rf.seeds)
	}
	how, err := results.ParseAggregate(*rf.aggregate)
	if err != nil {
		return "", "", usagef("--aggregate: %v", err)
	}
	if rf.fs.Changed("requests") && (*rf.requests < 1 || *rf.requests > scenarios.MaxRequests) {
		return "", "", usagef("--requests must be between 1 and %d, got %d", int64(scenarios.MaxRequests), *rf.requests)
	}
	return f, how, nil
}

// apply sets the seed and run length the command line gives on sc.
func (rf *runFlags) apply(sc *scenarios.Scenario) {
	if rf.fs.Changed("seed") {
		sc.Seed = *rf.seed
	}
	if rf.fs.Changed("requests") {
		sc.Requests, sc.Duration = *rf.requests, 0
	}
}

// open loads the scenario arg names with --seed and --requests applied,
// and returns it with the algorithms to run: --algorithms, else its own.
func (rf *runFlags) open(arg string) (*scenarios.Scenario, []string, error) {
	sc, err := scenarios.Open(arg)
	if err != nil {
		return nil, nil, err
	}
	rf.apply(sc)
	if !rf.fs.Changed("algorithms") {
		return sc, sc.Algorithms, nil
	}
	var specs []string
	for _, list := range *rf.algs {
		specs = append(specs, algorithms.SplitList(list)...)
	}
	names, err := checkAlgorithms("--algorithms", specs)
	return sc, names, err
}

// checkAlgorithms refuses unknown and repeated names, and returns the
// policies' own names for aliases (leastconn is least_connections).
func checkAlgorithms(flag string, names []string) ([]string, error) {
	out, err := algorithms.ResolveList(names)
	if err != nil {
		return nil, usagef("%s: %v", flag, err)
	}
	return out, nil
}

// writeOut writes into dir the comparison in every machine format (its
// servers and groups also as CSV of their own), each chart as SVG and
// PNG, and report.html.
func writeOut(dir string, cmp *results.Comparison, yaml []byte, opt report.ChartOptions) error {
	in := func(f report.Format) func(io.Writer) error {
		return func(w io.Writer) error { return report.Write(w, f, cmp) }
	}
	files := []outFile{
		{"results.json", in(report.FormatJSON)},
		{"results.csv", in(report.FormatCSV)},
		{"results.md", in(report.FormatMarkdown)},
		{"servers.csv", func(w io.Writer) error { return report.WriteServersCSV(w, cmp) }},
		{"groups.csv", func(w io.Writer) error { return report.WriteGroupsCSV(w, cmp) }},
	}
	charts := report.ChartsWith(cmp, opt)
	for _, ch := range charts {
		files = append(files, outFile{ch.Name + ".svg", ch.WriteSVG}, outFile{ch.Name + ".png", ch.WritePNG})
	}
	files = append(files, outFile{"report.html", func(w io.Writer) error { return report.WriteHTML(w, cmp, yaml, charts) }})
	return writeFiles(dir, files)
}

// outFile is a file for --out: its name and what writes it.
type outFile struct {
	name  string
	write func(io.Writer) error
}

// writeFiles writes files into dir, which makeOutDir made. Everything is
// rendered in memory first, so a failure to render leaves dir as it was;
// then each file is replaced whole (see writeFileAtomic).
func writeFiles(dir string, files []outFile) error {
	rendered := make([]bytes.Buffer, len(files))
	for i, f := range files {
		if err := f.write(&rendered[i]); err != nil {
			return fmt.Errorf("%s: %w", f.name, err)
		}
	}
	for i, f := range files {
		if err := writeFileAtomic(filepath.Join(dir, f.name), rendered[i].Bytes()); err != nil {
			return err
		}
	}
	return nil
}

// isBadInput reports whether err is the user's input at fault (exit 2).
func isBadInput(err error) bool {
	var ue *usageError
	var se *scenarios.Error
	return errors.As(err, &ue) || errors.As(err, &se) || errors.Is(err, sim.ErrNothingMeasured) || errors.Is(err, workloads.ErrTrace)
}
