package report_test

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/lbsim/lbsim/report"
	"github.com/lbsim/lbsim/results"
)

func ExampleWrite() {
	c := &results.Comparison{
		Scenario: "uniform",
		Seed:     1,
		Requests: 1000,
		Results: []results.Result{
			{
				Algorithm: "round_robin", Completed: 1000, ThroughputRPS: 20,
				Latency:  results.Latency{Mean: 120.5, P50: 100.1, P90: 230, P95: 290, P99: 460.8, P999: 700, Max: 812.3},
				Fairness: results.Fairness{JainUtilization: 0.9997, MaxOverMeanUtilization: 1.0167, MaxOverMeanLatency: 1.02},
				Servers:  []results.Server{{Name: "app-1", Requests: 500, Utilization: 0.61}, {Name: "app-2", Requests: 500, Utilization: 0.59}},
			},
		},
	}
	if err := report.Write(os.Stdout, report.FormatCSV, c); err != nil {
		fmt.Println(err)
	}
	// Output:
	// algorithm,completed,failed,rejected,retried,throughput_rps,latency_ms_mean,latency_ms_p50,latency_ms_p90,latency_ms_p95,latency_ms_p99,latency_ms_p999,latency_ms_max,jain_utilization,max_over_mean_utilization,max_over_mean_latency
	// round_robin,1000,0,0,0,20,120.5,100.1,230,290,460.8,700,812.3,0.9997,1.0167,1.02
}

// The charts of a comparison, written as files, and the page that shows
// them inline. A comparison from sim.CompareSeeds with
// sim.Options{Timeline: true} has every chart; this one is built by hand,
// without the runs' Detail, so it has only the per-server bars.
func ExampleCharts() {
	c := &results.Comparison{
		Scenario: "two-servers", Seed: 1, Requests: 1000,
		Results: []results.Result{
			{Algorithm: "round_robin", Completed: 1000, Latency: results.Latency{P50: 50, P99: 900},
				Servers:  []results.Server{{Name: "app-1", Requests: 500, Utilization: 0.9}, {Name: "app-2", Requests: 500, Utilization: 0.5}},
				Fairness: results.NewFairness([]float64{0.9, 0.5})},
			{Algorithm: "least_connections", Completed: 1000, Latency: results.Latency{P50: 50, P99: 180},
				Servers:  []results.Server{{Name: "app-1", Requests: 420, Utilization: 0.7}, {Name: "app-2", Requests: 580, Utilization: 0.7}},
				Fairness: results.NewFairness([]float64{0.7, 0.7})},
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
