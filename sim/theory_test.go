package sim

import (
	"fmt"
	"math"
	"testing"

	"github.com/lbsim/lbsim/results"
	"gonum.org/v1/gonum/stat"
)

// erlangC is the probability that an arrival waits in an M/M/c queue with
// offered load a = lambda/mu (Erlang's C formula).
func erlangC(c int, a float64) float64 {
	term, sum := 1.0, 1.0 // a^k/k! for k = 0
	for k := 1; k < c; k++ {
		term *= a / float64(k)
		sum += term
	}
	last := term * a / float64(c) * float64(c) / (float64(c) - a) // a^c/c! * c/(c-a)
	return last / (sum + last)
}

// The simulator against queueing theory. Each case runs independent
// replications (seeds 1..reps) and compares their mean with the formula.
// The tolerance comes from the replications themselves: the estimate must
// be within 4 standard errors of the theory (a false alarm about once in
// 16,000 runs for a normal estimate), plus the histogram's 0.1% bucket
// error for percentiles, and the standard error must itself be below 3% of
// the theory so a noisy run cannot pass by being vague.
func TestQueueingTheory(t *testing.T) {
	if testing.Short() {
		t.Skip("long-run statistics")
	}
	const S = 0.1 // mean service time, seconds
	mm1Mean := func(rho float64) float64 { return S / (1 - rho) }
	// In M/M/1 under FIFO the response time is exponential with rate mu-lambda.
	mm1P99 := func(rho float64) float64 { return math.Log(100) * S / (1 - rho) }
	mmc := func(c int, rho float64) float64 {
		lambda := rho * float64(c) / S
		return erlangC(c, lambda*S)/(float64(c)/S-lambda) + S
	}
	// Pollaczek-Khinchine for deterministic service: Wq = rho*S / (2(1-rho)).
	md1 := func(rho float64) float64 { return rho*S/(2*(1-rho)) + S }

	tests := []struct {
		name     string
		servers  string
		service  string
		load     float64
		alg      string
		requests int
		metric   func(results.Result) float64 // seconds
		want     float64
	}{
		{"M/M/1 rho 0.5 mean", "[{name: app}]", "exponential", 0.5, "round_robin", 100_000, meanOf, mm1Mean(0.5)},
		{"M/M/1 rho 0.5 p99", "[{name: app}]", "exponential", 0.5, "round_robin", 100_000, p99Of, mm1P99(0.5)},
		{"M/M/1 rho 0.8 mean", "[{name: app}]", "exponential", 0.8, "round_robin", 300_000, meanOf, mm1Mean(0.8)},
		{"M/M/1 rho 0.8 p99", "[{name: app}]", "exponential", 0.8, "round_robin", 300_000, p99Of, mm1P99(0.8)},
		{"M/M/4 as one server of capacity 4 (Erlang C)", "[{name: app, capacity: 4}]", "exponential", 0.8, "round_robin", 300_000, meanOf, mmc(4, 0.8)},
		{"M/D/1 rho 0.8 (Pollaczek-Khinchine)", "[{name: app}]", "constant", 0.8, "round_robin", 200_000, meanOf, md1(0.8)},
		{"random over 4 servers is 4 M/M/1 queues", "[{name: app, count: 4}]", "exponential", 0.7, "random", 300_000, meanOf, mm1Mean(0.7)},
	}
	const reps = 8
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			yaml := fmt.Sprintf(`
name: theory
requests: %d
warmup: %ds
servers: %s
workload:
  arrival: {process: poisson, load: %g}
  service: {dist: %s, mean: 100ms}
`, tt.requests, tt.requests/400, tt.servers, tt.load, tt.service)
			sc := parse(t, yaml)
			xs := make([]float64, reps)
			for i := range xs {
				sc.Seed = uint64(i + 1)
				xs[i] = tt.metric(mustRun(t, sc, tt.alg))
			}
			mean, sd := stat.MeanStdDev(xs, nil)
			se := sd / math.Sqrt(reps)
			tol := 4*se + 0.001*tt.want
			t.Logf("mean %.4f s, theory %.4f s, standard error %.4f s (%.2f%%)", mean, tt.want, se, 100*se/tt.want)
			if se > 0.03*tt.want {
				t.Errorf("standard error %.4f s is above 3%% of %.4f s: the run is too short to judge", se, tt.want)
			}
			if math.Abs(mean-tt.want) > tol {
				t.Errorf("got %.4f s, theory %.4f s, tolerance %.4f s", mean, tt.want, tol)
			}
		})
	}
}

func meanOf(r results.Result) float64 { return r.Latency.Mean / 1000 }
func p99Of(r results.Result) float64  { return r.Latency.P99 / 1000 }

// Utilization of a single server is the offered load.
func TestUtilizationIsLoad(t *testing.T) {
	sc := parse(t, `
name: util
requests: 200000
servers: [{name: app, count: 2}]
workload:
  arrival: {load: 0.6}
  service: {dist: exponential, mean: 10ms}
`)
	res := mustRun(t, sc, "round_robin")
	for _, s := range res.Servers {
		// Each server sees 100,000 services with coefficient of variation 1:
		// the busy-time sum has a relative standard error near 1/sqrt(1e5) =
		// 0.3%, so 2% (about 6 standard errors, counting arrival noise) is safe.
		if math.Abs(s.Utilization-0.6) > 0.6*0.02 {
			t.Errorf("%s utilization %.4f, want 0.6", s.Name, s.Utilization)
		}
	}
	if j := res.Fairness.JainUtilization; j < 0.999 {
		t.Errorf("round robin over identical servers: Jain %.4f, want ~1", j)
	}
}
