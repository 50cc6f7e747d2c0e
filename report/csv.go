package report

import (
	"encoding/csv"
	"io"
	"slices"
	"strconv"

	"github.com/lbsim/lbsim/results"
)

// csvHeader names the CSV columns: the JSON field names, nested ones joined
// with "_" (latency_ms.p99 becomes latency_ms_p99).
var csvHeader = slices.Concat(
	[]string{"algorithm", "completed", "failed", "rejected", "retried", "throughput_rps"},
	latencyColumns,
	[]string{"jain_utilization", "max_over_mean_utilization", "max_over_mean_latency"},
)

// writeCSV writes a header row and one row per algorithm. Numbers use the
// shortest decimal form of the (already rounded) values.
func writeCSV(w io.Writer, c *results.Comparison) error {
	rows := make([][]string, len(c.Results))
	for i, r := range c.Results {
		rows[i] = csvRow(r)
	}
	return writeRows(w, csvHeader, rows)
}

// csvRow is r's row under csvHeader.
func csvRow(r results.Result) []string {
	return slices.Concat(
		[]string{r.Algorithm, itoa(r.Completed), itoa(r.Failed), itoa(r.Rejected), itoa(r.Retried), ftoa(r.ThroughputRPS)},
		latencyCells(r.Latency),
		[]string{ftoa(r.Fairness.JainUtilization), ftoa(r.Fairness.MaxOverMeanUtilization), ftoa(r.Fairness.MaxOverMeanLatency)},
	)
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func ftoa(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }

// latencyColumns name a latency's CSV columns: latency_ms.p99 is
// latency_ms_p99.
var latencyColumns = []string{"latency_ms_mean", "latency_ms_p50", "latency_ms_p90", "latency_ms_p95",
	"latency_ms_p99", "latency_ms_p999", "latency_ms_max"}

func latencyCells(l results.Latency) []string {
	return []string{ftoa(l.Mean), ftoa(l.P50), ftoa(l.P90), ftoa(l.P95), ftoa(l.P99), ftoa(l.P999), ftoa(l.Max)}
}

// WriteServersCSV writes one row per algorithm and server: the servers
// entries of the JSON, flat. `--format csv` keeps its one row per
// algorithm, which scripts read; --out adds this file beside it.
func WriteServersCSV(w io.Writer, c *results.Comparison) error {
	n := results.Rounded(c)
	header := append([]string{"algorithm", "server", "requests", "completed", "failed", "utilization", "max_queue"}, latencyColumns...)
	var rows [][]string
	for _, r := range n.Results {
		for _, s := range r.Servers {
			rows = append(rows, append([]string{r.Algorithm, s.Name, itoa(s.Requests), itoa(s.Completed), itoa(s.Failed),
				ftoa(s.Utilization), itoa(int64(s.MaxQueue))}, latencyCells(s.Latency)...))
		}
	}
	return writeRows(w, header, rows)
}

// WriteGroupsCSV writes one row per algorithm and server group: the
// groups entries of the JSON, flat.
func WriteGroupsCSV(w io.Writer, c *results.Comparison) error {
	n := results.Rounded(c)
	header := append([]string{"algorithm", "group", "requests", "completed"}, latencyColumns...)
	var rows [][]string
	for _, r := range n.Results {
		for _, g := range r.Groups {
			rows = append(rows, append([]string{r.Algorithm, g.Name, itoa(g.Requests), itoa(g.Completed)}, latencyCells(g.Latency)...))
		}
	}
	return writeRows(w, header, rows)
}

// writeRows writes a CSV header and rows.
func writeRows(w io.Writer, header []string, rows [][]string) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(header); err != nil {
		return err
	}
	if err := cw.WriteAll(rows); err != nil {
		return err
	}
	return cw.Error()
}
