package report_test

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/lbsim/lbsim/report"
)

func ExampleJain() {
	fmt.Printf("%.4f\n", report.Jain([]float64{0.6, 0.6, 0.6, 0.6})) // equal
	fmt.Printf("%.4f\n", report.Jain([]float64{0.9, 0, 0, 0}))       // one of four busy: 1/4
	fmt.Printf("%.4f\n", report.Jain([]float64{1, 2, 3}))            // 36 / (3*14)
	fmt.Printf("%.4f\n", report.MaxOverMean([]float64{1, 2, 3}))     // 3 / 2
	// Output:
	// 1.0000
	// 0.2500
	// 0.8571
	// 1.5000
}

func ExampleHistogram() {
	h := report.NewHistogram()
	for i := 1; i <= 1000; i++ {
		h.Record(time.Duration(i) * time.Millisecond) // 1ms, 2ms, ... 1s
	}
	fmt.Println("count", h.Count())
	fmt.Println("mean ", h.Mean()) // exact
	fmt.Println("max  ", h.Max())  // exact
	// Percentiles are the top of a bucket at most 1/1024 of the value wide.
	fmt.Println("p50  ", h.Quantile(0.50))
	fmt.Println("p99  ", h.Quantile(0.99))
	l := h.Latency() // milliseconds, for the report
	fmt.Printf("p99.9 %.3f ms\n", l.P999)
	// Output:
	// count 1000
	// mean  500.5ms
	// max   1s
	// p50   500.170751ms
	// p99   990.380031ms
	// p99.9 999.293 ms
}

func ExampleWrite() {
	c := &report.Comparison{
		Scenario: "uniform",
		Seed:     1,
		Requests: 1000,
		Results: []report.Result{
			{
				Algorithm: "round_robin", Completed: 1000, ThroughputRPS: 20,
				Latency:  report.Latency{Mean: 120.5, P50: 100.1, P90: 230, P95: 290, P99: 460.8, P999: 700, Max: 812.3},
				Fairness: report.NewFairness([]float64{0.61, 0.59}),
				Servers:  []report.Server{{Name: "app-1", Requests: 500, Utilization: 0.61}, {Name: "app-2", Requests: 500, Utilization: 0.59}},
			},
		},
	}
	if err := report.Write(os.Stdout, report.FormatCSV, c); err != nil {
		fmt.Println(err)
	}
	// Output:
	// algorithm,completed,failed,rejected,retried,throughput_rps,latency_ms_mean,latency_ms_p50,latency_ms_p90,latency_ms_p95,latency_ms_p99,latency_ms_p999,latency_ms_max,jain_utilization,max_over_mean_utilization
	// round_robin,1000,0,0,0,20,120.5,100.1,230,290,460.8,700,812.3,0.9997,1.0167
}

func ExampleParseExpectation() {
	e, err := report.ParseExpectation("least_connections.p99 < 0.5 * round_robin.p99")
	if err != nil {
		fmt.Println(err)
		return
	}
	c := &report.Comparison{
		Scenario: "mixed",
		Results: []report.Result{
			{Algorithm: "round_robin", Latency: report.Latency{P99: 460.8}},
			{Algorithm: "least_connections", Latency: report.Latency{P99: 210.5}},
		},
	}
	o := e.Eval(c)
	fmt.Println("passed:", o.Passed)
	fmt.Printf("margin: %.1f\n", o.Margin) // 0.5 * 460.8 - 210.5
	fmt.Println(e.Detail(o))

	// A mistake is reported at its column.
	_, err = report.ParseExpectation("round_robin.p99 < 800ms")
	fmt.Println(err)
	// Output:
	// passed: true
	// margin: 19.9
	// 210.5 < 230.4
	// where least_connections.p99 = 210.5, round_robin.p99 = 460.8
	// column 22: unexpected 'm' after a number; numbers take no units (latencies are in milliseconds: write 800, not 800ms)
}

// The charts of a comparison, written as files, and the page that shows
// them inline. A comparison from sim.CompareSeeds with
// sim.Options{Timeline: true} has every chart; this one is built by hand,
// without the runs' Detail, so it has only the per-server bars.
func ExampleCharts() {
	c := &report.Comparison{
		Scenario: "two-servers", Seed: 1, Requests: 1000,
		Results: []report.Result{
			{Algorithm: "round_robin", Completed: 1000, Latency: report.Latency{P50: 50, P99: 900},
				Servers:  []report.Server{{Name: "app-1", Requests: 500, Utilization: 0.9}, {Name: "app-2", Requests: 500, Utilization: 0.5}},
				Fairness: report.NewFairness([]float64{0.9, 0.5})},
			{Algorithm: "least_connections", Completed: 1000, Latency: report.Latency{P50: 50, P99: 180},
				Servers:  []report.Server{{Name: "app-1", Requests: 420, Utilization: 0.7}, {Name: "app-2", Requests: 580, Utilization: 0.7}},
				Fairness: report.NewFairness([]float64{0.7, 0.7})},
		},
	}
	dir, err := os.MkdirTemp("", "charts")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	charts := report.Charts(c)
	for _, ch := range charts {
		for _, f := range []struct {
			ext   string
			write func(io.Writer) error
		}{{".svg", ch.WriteSVG}, {".png", ch.WritePNG}} {
			var buf bytes.Buffer
			if err := f.write(&buf); err != nil {
				fmt.Println(err)
				return
			}
			if err := os.WriteFile(filepath.Join(dir, ch.Name+f.ext), buf.Bytes(), 0o644); err != nil {
				fmt.Println(err)
				return
			}
		}
		fmt.Printf("%s: %s\n", ch.Name, ch.Title)
	}
	var page bytes.Buffer
	if err := report.WriteHTML(&page, c, []byte("name: two-servers\n"), charts); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(strings.Count(page.String(), "<svg "), "charts inline in the page")
	for _, r := range report.Readings(c) {
		fmt.Println(r.Latency)
	}
	// Output:
	// server-requests: Requests per server, two-servers, seed 1
	// server-utilization: Utilization per server, two-servers, seed 1
	// 2 charts inline in the page
	// round_robin reached a p99 of 900 ms, 5.0 times the lowest (least_connections, 180 ms).
	// least_connections had the lowest p99, 180 ms, against 900 ms for round_robin.
}

func ExampleHistogram_CDF() {
	h := report.NewHistogram()
	for i := 1; i <= 100; i++ {
		h.Record(time.Duration(i) * time.Millisecond) // 1ms ... 100ms
	}
	// Two points per halving of the distance to the 100th percentile.
	for _, p := range h.CDF(2) {
		fmt.Printf("%v: %.2f\n", p.Value.Round(10*time.Microsecond), p.Share)
	}
	// Output:
	// 1ms: 0.01
	// 25ms: 0.25
	// 50ms: 0.50
	// 63.01ms: 0.63
	// 75.04ms: 0.75
	// 82.05ms: 0.82
	// 88.01ms: 0.88
	// 91.03ms: 0.91
	// 94.04ms: 0.94
	// 96.01ms: 0.96
	// 97.06ms: 0.97
	// 98.04ms: 0.98
	// 99.02ms: 0.99
	// 100ms: 1.00
}
