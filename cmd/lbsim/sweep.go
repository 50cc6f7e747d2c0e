package main

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/lbsim/lbsim/report"
	"github.com/lbsim/lbsim/results"
	"github.com/lbsim/lbsim/scenarios"
	"github.com/lbsim/lbsim/sim"
	"github.com/spf13/pflag"
)

func sweepCmd(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("sweep", stderr)
	vary := fs.String("vary", "", "the key to vary and its range, KEY=FROM:TO:STEP: rate=10:100:10, load=0.5:0.95:0.05, servers=2:10:1, servers[app].capacity=1:4:1, health_check.interval=1s:10s:1s")
	rf := addRunFlags(fs, "worst")
	shard := fs.String("shard", "", "run only slice k of n of the points, as k/n: points i with i mod n = k-1 (join the slices with lbsim merge); auto/n takes k from $"+results.ShardIndexEnv+" + 1, a Kubernetes Indexed Job's pod index")
	out := fs.String("out", "", "also write sweep.json, sweep.csv, sweep.png and sweep.svg into this directory")
	metrics := addMetricsFlag(fs)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: lbsim sweep SCENARIO --vary KEY=FROM:TO:STEP [flags]")
		fmt.Fprintln(stderr, "Runs the scenario at every value of KEY with every algorithm, all on every core. See docs/sweeps.md.")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usagef("sweep takes one SCENARIO (a file or a bundled name), got %d", fs.NArg())
	}
	if *vary == "" {
		return usagef("sweep needs --vary KEY=FROM:TO:STEP, such as --vary rate=10:100:10")
	}
	f, how, err := rf.check()
	if err != nil {
		return err
	}
	ms, err := parseMetrics(*metrics)
	if err != nil {
		return err
	}
	v, key, err := scenarios.ParseVary(*vary)
	if err != nil {
		return usagef("--vary: %v", err)
	}
	if key.String() == "seed" && fs.Changed("seed") {
		return usagef("--seed and --vary seed=... both set the seed; give one")
	}
	// --requests goes into the file with the varied key, so that each
	// point is checked at the length it will run.
	settings := []scenarios.Setting{{Key: key}}
	if fs.Changed("requests") {
		if k := key.String(); k == "requests" || k == "duration" {
			return usagef("--requests and --vary %s= both set the run's length; give one", k)
		}
		length, err := scenarios.ParseKey("requests")
		if err != nil {
			return err
		}
		settings = append(settings, scenarios.Setting{Key: length, Value: float64(*rf.requests)})
	}
	sh := results.Shard{Index: 1, Count: 1}
	if *shard != "" {
		if sh, err = results.ParseShardEnv(*shard, os.LookupEnv); err != nil {
			return usagef("--shard: %v", err)
		}
	}
	sc, names, err := rf.open(fs.Arg(0))
	if err != nil {
		return err
	}

	// Load every point, not only this slice's, so that a value the file
	// cannot take stops every slice before anything runs.
	values, _ := v.Points()
	indices := sh.Indices(len(values))
	points := make([]*scenarios.Scenario, len(values))
	for i, x := range values {
		settings[0].Value = x
		pt, err := scenarios.ParseWith(sc.Source, sc.YAML, settings...)
		if err != nil {
			return fmt.Errorf("--vary %s=%s: %w", key, v.Format(x), err)
		}
		// The point's name says where it is, in errors of its runs.
		pt.Name = fmt.Sprintf("%s at %s=%s", sc.Name, key, v.Format(x))
		// The file's YAML holds its own seed: --seed is on sc (a varied
		// seed and --seed are refused together).
		if key.String() != "seed" {
			pt.Seed = sc.Seed
		}
		points[i] = pt
	}
	runs := make([]*scenarios.Scenario, len(indices))
	for j, i := range indices {
		runs[j] = points[i]
	}
	if *out != "" {
		if err := makeOutDir(*out); err != nil {
			return err
		}
	}
	bar := startProgress(stderr, sc.Name+" sweep", *rf.quiet)
	cmps, err := sim.CompareEach(runs, names, *rf.seeds, how, sim.Options{Progress: bar.Func()})
	bar.Finish()
	if err != nil {
		return err
	}
	sum := sha256.Sum256(sc.YAML)
	sw := &results.Sweep{
		Scenario:       sc.Name,
		Description:    sc.Description,
		ScenarioSHA256: hex.EncodeToString(sum[:]),
		Vary:           v,
		Algorithms:     names,
		Seed:           sc.Seed,
		Points:         make([]results.SweepPoint, len(indices)),
	}
	if *shard != "" {
		sw.Shard = &sh
	}
	if *rf.seeds > 1 {
		sw.Seeds, sw.Aggregate = *rf.seeds, how
	}
	if fs.Changed("requests") {
		sw.RunRequests = sc.Requests
	}
	for j, i := range indices {
		sw.Points[j] = results.SweepPoint{Index: i, Value: values[i], Requests: cmps[j].Requests, Results: cmps[j].Results}
	}
	return writeSweep(sw, f, ms, *out, stdout)
}

func mergeCmd(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("merge", stderr)
	format := fs.String("format", "table", "output format: table, markdown, csv or json")
	out := fs.String("out", "", "also write sweep.json, sweep.csv, sweep.png and sweep.svg into this directory")
	metrics := addMetricsFlag(fs)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: lbsim merge FILE... [flags]")
		fmt.Fprintln(stderr, "Joins the slices of a sweep (the JSON of lbsim sweep --shard k/n) into the whole sweep.")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return usagef("merge takes the JSON files of a sweep's slices (lbsim sweep ... --shard k/n --format json)")
	}
	f, err := report.ParseFormat(*format)
	if err != nil {
		return usagef("--format: %v", err)
	}
	ms, err := parseMetrics(*metrics)
	if err != nil {
		return err
	}
	if *out != "" {
		if err := makeOutDir(*out); err != nil {
			return err
		}
	}
	var files []results.SweepFile
	for _, name := range fs.Args() {
		data, err := os.ReadFile(name)
		if err != nil {
			return usagef("%v", err)
		}
		s, err := results.ReadSweep(data)
		if err != nil {
			return jsonFileError(name, err)
		}
		files = append(files, results.SweepFile{Name: name, Sweep: s})
	}
	sw, err := results.MergeSweeps(files)
	if err != nil {
		return usagef("merge: %v", err)
	}
	return writeSweep(sw, f, ms, *out, stdout)
}

// addMetricsFlag adds --metrics, the tables of sweep's and merge's text
// and markdown output.
func addMetricsFlag(fs *pflag.FlagSet) *string {
	return fs.String("metrics", strings.Join(report.DefaultSweepMetrics, ","),
		"the tables of table and markdown output, in order, from "+strings.Join(report.SweepMetrics(), ", ")+
			" (latencies in ms; failed counts rejected requests too); csv and json hold every metric")
}

// parseMetrics reads --metrics.
func parseMetrics(list string) ([]string, error) {
	ms, err := report.ParseSweepMetrics(list)
	if err != nil {
		return nil, usagef("--metrics: %v", err)
	}
	return ms, nil
}

// writeSweep writes the sweep's files into dir, when one is given, and
// then the sweep to stdout in format f, its tables showing metrics.
func writeSweep(sw *results.Sweep, f report.Format, metrics []string, dir string, stdout io.Writer) error {
	if dir != "" {
		chart := report.SweepChart(sw)
		err := writeFiles(dir, []outFile{
			{"sweep.json", func(w io.Writer) error { return report.WriteSweep(w, report.FormatJSON, sw) }},
			{"sweep.csv", func(w io.Writer) error { return report.WriteSweep(w, report.FormatCSV, sw) }},
			{"sweep.png", chart.WritePNG},
			{"sweep.svg", chart.WriteSVG},
		})
		if err != nil {
			return err
		}
	}
	return report.WriteSweep(stdout, f, sw, metrics...)
}
