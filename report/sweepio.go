package report

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"

	"github.com/lbsim/lbsim/results"
)

// WriteSweep renders s to w in format f. Table and markdown output hold
// one table per metric named in metrics (p99 when none is given; see
// SweepMetrics), the varied values down and the algorithms across, each
// line at most 120 characters: past six algorithms, or when the names are
// long, the algorithms are dealt into several tables. CSV has one row per
// value and algorithm with every metric, and JSON is the whole sweep. Values
// are rounded as Write rounds them, the output is built in memory and
// written with a single Write, and the same sweep always gives the same
// bytes.
func WriteSweep(w io.Writer, f Format, s *results.Sweep, metrics ...string) error {
	if s == nil {
		return errors.New("report: nil sweep")
	}
	if len(metrics) == 0 {
		metrics = DefaultSweepMetrics
	}
	ms := make([]sweepMetric, len(metrics))
	for i, name := range metrics {
		m, err := lookupSweepMetric(name)
		if err != nil {
			return err
		}
		ms[i] = m
	}
	n := normalizeSweep(s)
	return render(w, f, func(w io.Writer, markdown bool) error { return writeSweepTables(w, n, ms, markdown) },
		func(w io.Writer) error { return writeSweepCSV(w, n) }, n)
}

// normalizeSweep returns a copy of s with every result rounded (see
// Write) and nil lists made empty.
func normalizeSweep(s *results.Sweep) *results.Sweep {
	n := *s
	n.Algorithms = append([]string{}, s.Algorithms...)
	n.Points = make([]results.SweepPoint, len(s.Points))
	for i, p := range s.Points {
		p.Results = results.Rounded(&results.Comparison{Results: p.Results}).Results
		n.Points[i] = p
	}
	return &n
}

// sweepTitle says what a sweep shows and how it was run.
func sweepTitle(s *results.Sweep) string {
	t := fmt.Sprintf("%s: latency by %s, %s", s.Scenario, s.Vary.Key, results.SeedText(s.Seed, s.Seeds, s.Aggregate))
	if s.Shard != nil {
		t += fmt.Sprintf(", slice %s of %s", s.Shard, s.Vary)
	}
	return t
}

// writeSweepCSV writes a header, the varied key and then csvHeader, and a
// row per value and algorithm; durations are in seconds.
func writeSweepCSV(w io.Writer, s *results.Sweep) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(append([]string{s.Vary.Key}, csvHeader...)); err != nil {
		return err
	}
	for _, p := range s.Points {
		for _, r := range p.Results {
			if err := cw.Write(append([]string{ftoa(p.Value)}, csvRow(r)...)); err != nil {
				return err
			}
		}
	}
	cw.Flush()
	return cw.Error()
}
