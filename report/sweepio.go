package report

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"

	"github.com/lbsim/lbsim/results"
)

// WriteSweep renders s to w in format f: a table with one row per value
// and, per algorithm, the mean and p99 latency and the failures (failed
// plus rejected requests); CSV with one row per value and algorithm; or
// JSON. Values are rounded as Write rounds them, the output is built in
// memory and written with a single Write, and the same sweep always gives
// the same bytes.
func WriteSweep(w io.Writer, f Format, s *results.Sweep) error {
	if s == nil {
		return errors.New("report: nil sweep")
	}
	n := normalizeSweep(s)
	return render(w, f, func(w io.Writer, markdown bool) error { return writeSweepTable(w, n, markdown) },
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

func writeSweepTable(w io.Writer, s *results.Sweep, markdown bool) error {
	title := sweepTitle(s) + " (mean and p99 in ms; fail = failed + rejected requests)"
	if markdown {
		title = "**" + mdEscape(title) + "**"
	}
	if _, err := fmt.Fprintf(w, "%s\n\n", title); err != nil {
		return err
	}
	header := []string{cell(s.Vary.Key, markdown)}
	for _, a := range s.Algorithms {
		header = append(header, cell(a+" mean", markdown), cell(a+" p99", markdown), cell(a+" fail", markdown))
	}
	rows := make([][]string, 0, len(s.Points))
	for _, p := range s.Points {
		row := []string{s.Vary.Format(p.Value)}
		for _, r := range p.Results {
			row = append(row, FormatMS(r.Latency.Mean), FormatMS(r.Latency.P99), itoa(r.Failed+r.Rejected))
		}
		rows = append(rows, row)
	}
	return RenderTable(w, header, rows, 0, markdown)
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
