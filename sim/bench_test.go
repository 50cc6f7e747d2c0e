package sim

import (
	"testing"
	"time"

	"github.com/lbsim/lbsim/algorithms"
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
	const requests = 1_000_000
	sc := parse(b, benchScenario)
	sc.Requests = requests
	for _, alg := range algorithms.Names() {
		b.Run(alg, func(b *testing.B) {
			b.ReportAllocs()
			start := time.Now()
			for b.Loop() {
				if _, err := Run(sc, alg); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(requests)*float64(b.N)/time.Since(start).Seconds(), "req/s")
		})
	}
}

// BenchmarkSessions is BenchmarkThroughput's yardstick with sessions kept
// for its 10,000 clients: what the session model costs when it is on.
func BenchmarkSessions(b *testing.B) {
	const requests = 1_000_000
	sc := parse(b, benchScenario+"sessions: {miss_cost: 1ms}\n")
	sc.Requests = requests
	b.ReportAllocs()
	start := time.Now()
	for b.Loop() {
		if _, err := Run(sc, "power_of_two"); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(requests)*float64(b.N)/time.Since(start).Seconds(), "req/s")
}
