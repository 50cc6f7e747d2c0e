package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"

	"github.com/lbsim/lbsim/live"
	"github.com/lbsim/lbsim/report"
	"github.com/lbsim/lbsim/results"
	"github.com/lbsim/lbsim/scenarios"
)

// liveCmd runs a scenario for real (emulated servers, the proxy, an
// open-loop load generator) and beside it its simulation.
func liveCmd(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("live", stderr)
	rf := &runFlags{
		fs:       fs,
		algs:     fs.StringArray("algorithms", nil, "comma-separated algorithms to run (default: the scenario's)"),
		seed:     fs.Uint64("seed", 0, "random seed (default: the scenario's)"),
		requests: fs.Int64("requests", 0, "arrivals to run, live and simulated (default: the scenario's requests or duration)"),
	}
	speedup := fs.Float64("speedup", 1, "run the live side this many times faster: every duration divided, every rate multiplied; figures are multiplied back")
	format := fs.String("format", "table", "output format: table or json")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: lbsim live SCENARIO [flags]")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usagef("live takes one SCENARIO (a file or a bundled name), got %d", fs.NArg())
	}
	if *format != "table" && *format != "json" {
		return usagef("--format: live prints table or json, got %q", *format)
	}
	if fs.Changed("requests") && (*rf.requests < 1 || *rf.requests > scenarios.MaxRequests) {
		return usagef("--requests must be between 1 and %d, got %d", int64(scenarios.MaxRequests), *rf.requests)
	}
	if !(*speedup > 0) || math.IsInf(*speedup, 0) || *speedup > 1e6 {
		return usagef("--speedup must be a number above 0 (and at most 1e6), got %g", *speedup)
	}
	sc, names, err := rf.open(fs.Arg(0))
	if err != nil {
		return err
	}
	if err := live.Check(sc); err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	rep, err := live.Run(ctx, sc, live.Options{
		Algorithms: names,
		Speedup:    *speedup,
		Status:     func(line string) { fmt.Fprintf(stderr, "lbsim live: %s\n", line) },
	})
	if err != nil {
		return err
	}
	if rep.Behind() {
		fmt.Fprintln(stderr, "lbsim: warning: the load generator fell behind its schedule (see the timing lines): this machine was too busy for this speedup, and the live figures say more about it than about the algorithms; try a lower --speedup")
	}
	if *format == "json" {
		err = writeLiveJSON(stdout, rep)
	} else {
		err = writeLiveTable(stdout, rep)
	}
	if err != nil {
		return err
	}
	if rep.Interrupted {
		return errors.New("interrupted: the figures above are what was measured until then")
	}
	return nil
}

// writeLiveJSON prints both sides as `lbsim run --format json` prints
// one, with the speedup, the agreement and the timing.
func writeLiveJSON(w io.Writer, rep *live.Report) error {
	return results.WriteJSON(w, struct {
		Live        results.Comparison `json:"live"`
		Sim         results.Comparison `json:"sim"`
		Speedup     float64            `json:"speedup"`
		Agreement   live.Agreement     `json:"agreement"`
		Timing      []live.Timing      `json:"timing"`
		Interrupted bool               `json:"interrupted,omitempty"`
	}{results.Rounded(rep.Live), results.Rounded(rep.Sim), rep.Speedup, rep.Agreement, rep.Timing, rep.Interrupted})
}

// writeLiveTable prints each algorithm's live and simulated p50, p99,
// mean and failed requests side by side, then whether they rank the
// algorithms alike, then how well the live run kept time.
func writeLiveTable(w io.Writer, rep *live.Report) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: seed %d, %d requests, live at %sx speed\n\n", rep.Sim.Scenario, rep.Sim.Seed, rep.Sim.Requests,
		strconv.FormatFloat(rep.Speedup, 'g', -1, 64))
	header := []string{"algorithm", "p50 sim", "p50 live", "ratio", "p99 sim", "p99 live", "ratio",
		"mean sim", "mean live", "ratio", "failed sim", "failed live"}
	var rows [][]string
	for _, s := range rep.Agreement.Algorithms {
		rows = append(rows, []string{s.Algorithm,
			report.FormatMS(s.SimP50), report.FormatMS(s.LiveP50), fmtRatio(s.P50Ratio),
			report.FormatMS(s.SimP99), report.FormatMS(s.LiveP99), fmtRatio(s.P99Ratio),
			report.FormatMS(s.SimMean), report.FormatMS(s.LiveMean), fmtRatio(s.MeanRatio),
			strconv.FormatInt(s.SimFailed, 10), strconv.FormatInt(s.LiveFailed, 10)})
	}
	if err := report.RenderTable(&b, header, rows, 1, false); err != nil {
		return err
	}
	a := rep.Agreement
	if a.RankingAgrees {
		fmt.Fprintf(&b, "\nranking by p99 agrees: %s (live: %s; p99s within %g%% count as tied)\n",
			strings.Join(a.SimRanking, ", "), strings.Join(a.LiveRanking, ", "), 100*live.Tie)
	} else {
		fmt.Fprintf(&b, "\nranking by p99 differs: simulated %s, live %s\n", strings.Join(a.SimRanking, ", "), strings.Join(a.LiveRanking, ", "))
		for _, d := range a.Disagreements {
			fmt.Fprintf(&b, "  %s\n", d)
		}
	}
	b.WriteString("\nlatencies in ms (live ones multiplied back by the speedup); ratio is live/sim; failed counts failed and rejected requests\n")
	for _, t := range rep.Timing {
		fmt.Fprintf(&b, "%s: requests sent late by p50 %.3f ms, p99 %.3f ms; services ended late by p50 %.3f ms, p99 %.3f ms (real time)\n",
			t.Algorithm, t.SendLateP50, t.SendLateP99, t.ServiceLateP50, t.ServiceLateP99)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// fmtRatio formats a live/sim ratio, "-" when the simulated figure is 0.
func fmtRatio(r *float64) string {
	if r == nil {
		return "-"
	}
	return strconv.FormatFloat(*r, 'f', 2, 64)
}
