package sim

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lbsim/lbsim/algorithms"
	"github.com/lbsim/lbsim/results"
	"github.com/lbsim/lbsim/scenarios"
)

// benchScenario is the yardstick: 100 single-slot servers, Poisson
// arrivals at 90% load, exponential service with a 1 s mean.
const benchScenario = `
name: bench-100
servers: [{name: app, count: 100}]
workload:
  arrival: {process: poisson, load: 0.9}
  service: {dist: exponential, mean: 1s}
`

// BenchmarkThroughput reports simulated requests per second of wall time,
// one million requests per iteration with full metrics, for every policy
// (power_of_two is the yardstick; the scanning policies pay O(servers) a pick).
func BenchmarkThroughput(b *testing.B) {
	sc := parse(b, benchScenario)
	for _, alg := range algorithms.Names() {
		b.Run(alg, func(b *testing.B) { benchRuns(b, sc, alg, 1_000_000) })
	}
}

// benchRuns runs sc with alg for the given number of requests an
// iteration, and reports simulated requests per second of wall time.
func benchRuns(b *testing.B, sc *scenarios.Scenario, alg string, requests int64) {
	sc.Requests, sc.Duration = requests, 0
	b.ReportAllocs()
	start := time.Now()
	for b.Loop() {
		if _, err := Run(sc, alg); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(requests)*float64(b.N)/time.Since(start).Seconds(), "req/s")
}

// BenchmarkSessions is BenchmarkThroughput's yardstick with sessions kept
// for its 10,000 clients: what the session model costs when it is on.
func BenchmarkSessions(b *testing.B) {
	benchRuns(b, parse(b, benchScenario+"sessions: {miss_cost: 1ms}\n"), "power_of_two", 1_000_000)
}

// BenchmarkSweep measures the wall time of a sweep as lbsim sweep runs it:
// the 100-server scenario at 8 loads from 0.55 to 0.9, each point set in
// the file and loaded, with two policies, 100,000 requests a run, all 16
// runs through one CompareEach. Run at -cpu=1,2 it shows how a sweep scales
// with cores; points/s is the sweep's throughput.
func BenchmarkSweep(b *testing.B) {
	const requests = 100_000
	vary, key, err := scenarios.ParseVary("load=0.55:0.9:0.05")
	if err != nil {
		b.Fatal(err)
	}
	values, _ := vary.Points()
	algs := []string{"power_of_two", "least_connections"}
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	// A b.N loop, not b.Loop: with -cpu=1,2, Go 1.26 reports the first
	// setting's b.Loop result from a run made under the last setting's
	// GOMAXPROCS.
	for range b.N {
		scs := make([]*scenarios.Scenario, len(values))
		for i, v := range values {
			sc, err := scenarios.ParseWith("bench.yaml", []byte(benchScenario), scenarios.Setting{Key: key, Value: v})
			if err != nil {
				b.Fatal(err)
			}
			sc.Requests = requests
			scs[i] = sc
		}
		if _, err := CompareEach(scs, algs, 1, results.AggregateMean, Options{}); err != nil {
			b.Fatal(err)
		}
	}
	elapsed := time.Since(start).Seconds()
	b.ReportMetric(float64(len(values)*b.N)/elapsed, "points/s")
	b.ReportMetric(float64(len(values)*len(algs)*requests*b.N)/elapsed, "req/s")
}

// BenchmarkBalancers is BenchmarkThroughput's yardstick run by one
// balancer and by eight, in each view, with least_connections (which reads
// every server's count at each pick) and power_of_two: what several
// balancers cost over one.
func BenchmarkBalancers(b *testing.B) {
	for _, tier := range []struct{ name, yaml string }{
		{"one", ""},
		{"8-shared", "balancers: {count: 8, view: shared}\n"},
		{"8-local", "balancers: {count: 8, view: local}\n"},
		{"8-stale", "balancers: {count: 8, view: stale, refresh: 1s}\n"},
	} {
		sc := parse(b, benchScenario+tier.yaml)
		for _, alg := range []string{"least_connections", "power_of_two"} {
			b.Run(tier.name+"/"+alg, func(b *testing.B) { benchRuns(b, sc, alg, 1_000_000) })
		}
	}
}

// BenchmarkLargePool is BenchmarkThroughput's yardstick on 10,000 servers,
// and on 100 for comparison, for every policy: the policies that index
// their backends by load must cost about what power_of_two does however
// large the pool, rather than O(servers) a pick. 200,000 requests a run.
func BenchmarkLargePool(b *testing.B) {
	const requests = 200_000
	for _, servers := range []int{100, 10_000} {
		sc := parse(b, strings.Replace(benchScenario, "count: 100}", "count: "+strconv.Itoa(servers)+"}", 1))
		for _, alg := range algorithms.Names() {
			b.Run(strconv.Itoa(servers)+"/"+alg, func(b *testing.B) { benchRuns(b, sc, alg, requests) })
		}
	}
}
