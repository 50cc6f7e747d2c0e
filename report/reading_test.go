package report

import (
	"strings"
	"testing"

	"github.com/lbsim/lbsim/results"
)

// mixedRuns is a hand-built comparison in the shape of mixed-50ms-5s:
// round_robin queues the quick profile calls behind 5 s reports,
// least_connections does not. round_robin keeps its servers the most
// evenly busy, yet has the highest p99 and the widest latency spread.
func mixedRuns() *results.Comparison {
	classes := func(profileP50, profileP99 float64) []results.Class {
		return []results.Class{
			{Name: "profile", Completed: 990, Latency: results.Latency{P50: profileP50, P99: profileP99}},
			{Name: "report", Completed: 10, Latency: results.Latency{P50: 5000, P99: 5100}},
		}
	}
	servers := func(u1, u2 float64) []results.Server {
		return []results.Server{{Name: "app-1", Requests: 500, Utilization: u1}, {Name: "app-2", Requests: 500, Utilization: u2}}
	}
	return &results.Comparison{Scenario: "mixed", Seed: 1, Requests: 1000, Results: []results.Result{
		{Algorithm: "round_robin", Completed: 1000, Latency: results.Latency{Mean: 900, P50: 50, P99: 9000},
			Classes: classes(50, 8800), Servers: servers(0.7, 0.7),
			Fairness: results.Fairness{JainUtilization: 1, MaxOverMeanUtilization: 1, MaxOverMeanLatency: 1.4}},
		{Algorithm: "least_connections", Completed: 1000, Latency: results.Latency{Mean: 200, P50: 50, P99: 5000},
			Classes: classes(50, 180), Servers: servers(0.9, 0.5),
			Fairness: results.Fairness{JainUtilization: 0.92, MaxOverMeanUtilization: 1.29, MaxOverMeanLatency: 1.05}},
		{Algorithm: "power_of_two", Completed: 1000, Latency: results.Latency{Mean: 250, P50: 50, P99: 5100},
			Classes: classes(50, 240), Servers: servers(0.72, 0.68),
			Fairness: results.Fairness{JainUtilization: 0.998, MaxOverMeanUtilization: 1.03, MaxOverMeanLatency: 1.02}},
	}}
}

// crashRuns is a hand-built comparison with a crash: round_robin never
// detects it, least_connections does after 30 s and retries the rest.
func crashRuns() *results.Comparison {
	return &results.Comparison{Scenario: "crash", Seed: 1, Requests: 1000, Results: []results.Result{
		{Algorithm: "round_robin", Completed: 900, Failed: 100, FailedByCause: map[string]int64{"refused": 90, "reset": 10},
			Crashes: []results.Crash{{Server: "app-2", AtS: 60, DetectedAfterS: -1, FailedDuring: 100, AttemptsFailed: 100}},
			Latency: results.Latency{P99: 200}, Servers: []results.Server{{Name: "app-1", Utilization: 0.99}, {Name: "app-2", Utilization: 0.3}},
			Fairness: results.Fairness{JainUtilization: 0.8, MaxOverMeanUtilization: 1.52}},
		{Algorithm: "least_connections", Completed: 998, Failed: 2, Retried: 40, FailedByCause: map[string]int64{"reset": 2},
			Crashes: []results.Crash{{Server: "app-2", AtS: 60, DetectedAfterS: 30, FailedDuring: 2, AttemptsFailed: 42}},
			Latency: results.Latency{P99: 195}, Servers: []results.Server{{Name: "app-1", Utilization: 0.6}, {Name: "app-2", Utilization: 0.5}},
			Fairness: results.Fairness{JainUtilization: 0.99, MaxOverMeanUtilization: 1.09}},
	}}
}

// nothingServed is a comparison in which ip_hash sent every request to a
// crashed server, round_robin lost half, and least_connections and
// power_of_two none; round_robin and least_connections spread the work
// equally evenly.
func nothingServed() *results.Comparison {
	servers := []results.Server{{Name: "app-1", Utilization: 0.5}, {Name: "app-2", Utilization: 0.45}}
	return &results.Comparison{Scenario: "crash", Seed: 1, Requests: 2000, Results: []results.Result{
		{Algorithm: "round_robin", Completed: 1000, Failed: 1000, Latency: results.Latency{P99: 200}, Servers: servers,
			Fairness: results.Fairness{JainUtilization: 0.99, MaxOverMeanUtilization: 1.05}},
		{Algorithm: "ip_hash", Failed: 2000, Servers: []results.Server{{Name: "app-1"}, {Name: "app-2"}},
			Fairness: results.Fairness{JainUtilization: 1, MaxOverMeanUtilization: 1}},
		{Algorithm: "least_connections", Completed: 2000, Latency: results.Latency{P99: 400}, Servers: servers,
			Fairness: results.Fairness{JainUtilization: 0.99, MaxOverMeanUtilization: 1.05}},
		{Algorithm: "power_of_two", Completed: 2000, Latency: results.Latency{P99: 300}, Servers: servers,
			Fairness: results.Fairness{JainUtilization: 0.9, MaxOverMeanUtilization: 1.2}},
	}}
}

// evenRuns is two algorithms on two servers: round_robin keeps them the
// more evenly busy; spreadRR and spreadLC are their latency spreads,
// p99RR round_robin's p99 in ms (least_connections has 100).
func evenRuns(spreadRR, spreadLC, p99RR float64) *results.Comparison {
	return &results.Comparison{Scenario: "even", Seed: 1, Requests: 1000, Results: []results.Result{
		{Algorithm: "round_robin", Completed: 1000, Latency: results.Latency{Mean: 40, P99: p99RR},
			Servers:  []results.Server{{Name: "app-1", Utilization: 0.61}, {Name: "app-2", Utilization: 0.59}},
			Fairness: results.Fairness{JainUtilization: 0.9992, MaxOverMeanUtilization: 1.02, MaxOverMeanLatency: spreadRR}},
		{Algorithm: "least_connections", Completed: 1000, Latency: results.Latency{Mean: 40, P99: 100},
			Servers:  []results.Server{{Name: "app-1", Utilization: 0.8}, {Name: "app-2", Utilization: 0.45}},
			Fairness: results.Fairness{JainUtilization: 0.93, MaxOverMeanUtilization: 1.28, MaxOverMeanLatency: spreadLC}},
	}}
}

// withRandom adds a random run to c with the highest p99, the widest
// latency spread and the least even utilization.
func withRandom(c *results.Comparison) *results.Comparison {
	c.Results = append(c.Results, results.Result{Algorithm: "random", Completed: 1000, Latency: results.Latency{Mean: 60, P99: 200},
		Servers:  []results.Server{{Name: "app-1", Utilization: 0.9}, {Name: "app-2", Utilization: 0.3}},
		Fairness: results.Fairness{JainUtilization: 0.8, MaxOverMeanUtilization: 1.5, MaxOverMeanLatency: 1.2}})
	return c
}

// TestReadings checks the readings name the right algorithm as best, and
// say what the numbers show: queueing of quick calls, failures by cause,
// crash detection, the busiest server.
func TestReadings(t *testing.T) {
	tests := []struct {
		name      string
		c         *results.Comparison
		alg       int
		latency   []string
		load      []string
		notInText []string
	}{
		{"winner", mixedRuns(), 1, []string{
			"least_connections had the lowest p99, 5 s, against 9 s for round_robin",
			"its profile calls had the lowest p99 of their class, 180 ms",
		}, []string{"Its busiest server was app-1 at 90% utilization, 1.3 times the mean; the least even utilization (Jain 0.920); " +
			"its slowest server's mean latency was 1.05 times the overall mean."}, []string{"queued", "widest"}},
		// The most even utilization, contradicted by the worst p99 and the
		// widest latency spread: the reading says all three, and does not
		// end on the utilization.
		{"queueing", mixedRuns(), 0, []string{
			"round_robin reached a p99 of 9 s, 1.8 times the lowest (least_connections, 5 s)",
			"it queued profile calls behind report calls: their p99 was 8.8 s, against 180 ms under least_connections",
		}, []string{"It spread the work evenly (busiest server app-1 at 70% utilization); the most even utilization (Jain 1.000), " +
			"but the highest p99 (9 s, 1.8 times least_connections's 5 s) and the widest latency spread " +
			"(its slowest server's mean latency 1.40 times the overall mean, against 1.02 under power_of_two)."}, []string{"lost", "spread of work"}},
		{"close second", mixedRuns(), 2, []string{
			"power_of_two reached a p99 of 5.1 s, within 5% of the lowest (least_connections, 5 s)",
			"its profile calls had a p99 of 240 ms, against 180 ms under least_connections",
		}, []string{"It spread the work evenly (busiest server app-1 at 72% utilization); its slowest server's mean latency was 1.02 times the overall mean."},
			[]string{"queued", "Jain"}},
		// The normal case: the most even utilization, the lowest p99 and
		// the narrowest spread; nothing contradicts it.
		{"even and fast", evenRuns(1.02, 1.3, 100), 0, nil, []string{
			"It spread the work evenly (busiest server app-1 at 61% utilization); the most even utilization (Jain 0.999); " +
				"its slowest server's mean latency was 1.02 times the overall mean.",
		}, []string{"but", "widest"}},
		{"even and fast, the other reading", evenRuns(1.02, 1.3, 100), 1, nil, []string{
			"the least even utilization (Jain 0.930); its slowest server's mean latency was 1.30 times the overall mean, the widest latency spread.",
		}, nil},
		// Only the spread contradicts: p99s within 5%.
		{"even, wider spread", evenRuns(1.3, 1.02, 98), 0, nil, []string{
			"the most even utilization (Jain 0.999), but the widest latency spread " +
				"(its slowest server's mean latency 1.30 times the overall mean, against 1.02 under least_connections).",
		}, []string{"highest p99"}},
		// Worse than another's without being the worst.
		{"even, neither worst", withRandom(evenRuns(1.1, 1.02, 150)), 0, nil, []string{
			"the most even utilization (Jain 0.999), but a p99 1.5 times least_connections's (150 ms against 100 ms) " +
				"and a latency spread wider than least_connections's (its slowest server's mean latency 1.10 times the overall mean, against 1.02).",
		}, []string{"highest", "widest"}},
		// Only the p99 contradicts; the spread is given beside it.
		{"even, slower tail", evenRuns(1.02, 1.02, 150), 0, nil, []string{
			"the most even utilization (Jain 0.999), but the highest p99 (150 ms, 1.5 times least_connections's 100 ms); " +
				"its slowest server's mean latency was 1.02 times the overall mean.",
		}, []string{"widest"}},
		{"never detected", crashRuns(), 0, []string{"round_robin had a p99 of 200 ms, like the others"}, []string{
			"It lost 100 requests (refused 90, reset 10), the most.",
			"It never took app-2 out after its crash; 100 requests failed there.",
			"Its busiest server, app-1, was saturated at 99% utilization, 1.5 times the mean",
		}, nil},
		{"detected with retries", crashRuns(), 1, nil, []string{
			"It lost 2 requests (reset 2), the fewest, after 40 retries.",
			"It took app-2 out 30 s after its crash; 42 attempts failed there, and 2 requests were lost.",
		}, nil},
		// Retries that save every request: the crash cost attempts only,
		// and the reading must not call them failed requests.
		{"saved by retries", &results.Comparison{Results: []results.Result{{Algorithm: "round_robin", Completed: 1000, Retried: 397,
			Crashes: []results.Crash{{Server: "app-2", AtS: 60, DetectedAfterS: 25, AttemptsFailed: 397}}}}}, 0, nil, []string{
			"It took app-2 out 25 s after its crash; 397 attempts failed there, and retries saved every request.",
		}, []string{"requests failed", "were lost"}},
		// A run that served nothing has no latency to rank, and must not
		// rank as the fastest; a fast tail bought by losing half the
		// requests says so.
		{"served nothing", nothingServed(), 1, []string{"ip_hash completed no request"}, []string{"It served no request."}, []string{"lowest", "even"}},
		{"ranked without it", nothingServed(), 0, []string{
			"round_robin had the lowest p99, 200 ms, against 400 ms for least_connections, but over only the 50% of requests it did not lose",
		}, []string{"tied for the most even utilization (Jain 0.990)."}, []string{"ip_hash", "slowest server's mean latency"}},
		{"alone", &results.Comparison{Results: crashRuns().Results[1:]}, 0, []string{"least_connections had a p99 of 195 ms, a median of 0 ms"}, []string{"It lost 2 requests (reset 2), after 40 retries."}, []string{"fewest"}},
	}
	for _, tt := range tests {
		got := Readings(tt.c)
		if len(got) != len(tt.c.Results) {
			t.Fatalf("%s: %d readings for %d results", tt.name, len(got), len(tt.c.Results))
		}
		r := got[tt.alg]
		if r.Algorithm != tt.c.Results[tt.alg].Algorithm {
			t.Errorf("%s: reading %d is of %s", tt.name, tt.alg, r.Algorithm)
		}
		for _, want := range tt.latency {
			if !strings.Contains(r.Latency, want) {
				t.Errorf("%s: latency reading %q does not say %q", tt.name, r.Latency, want)
			}
		}
		for _, want := range tt.load {
			if !strings.Contains(r.Load, want) {
				t.Errorf("%s: load reading %q does not say %q", tt.name, r.Load, want)
			}
		}
		for _, not := range tt.notInText {
			if strings.Contains(r.Latency+r.Load, not) {
				t.Errorf("%s: reading %q says %q", tt.name, r.Latency+" "+r.Load, not)
			}
		}
	}
}

// TestHumanMS checks durations print as a person reads them.
func TestHumanMS(t *testing.T) {
	for in, want := range map[float64]string{
		0: "0 ms", 0.4249: "0.425 ms", 50: "50 ms", 93.74: "93.7 ms", 180: "180 ms",
		999.7: "1 s", 5004: "5 s", 9018: "9.02 s", 401000: "401 s", 1.2e6: "1200 s",
	} {
		if got := humanMS(in); got != want {
			t.Errorf("humanMS(%v) = %q, want %q", in, got, want)
		}
	}
}

// TestReadingsJudge: readings compare the figure the scenario judges by
// and name it. In mixedRuns least_connections has the lowest p99 and the
// lowest mean; judged by p50, every algorithm ties.
func TestReadingsJudge(t *testing.T) {
	tests := []struct {
		judge results.Figure
		alg   int
		want  string
	}{
		{"", 1, "least_connections had the lowest p99, 5 s, against 9 s for round_robin"},
		{results.FigureP99, 0, "round_robin reached a p99 of 9 s, 1.8 times the lowest (least_connections, 5 s)"},
		{results.FigureMean, 1, "least_connections had the lowest mean, 200 ms, against 900 ms for round_robin"},
		{results.FigureMean, 2, "power_of_two reached a mean of 250 ms, 1.2 times the lowest (least_connections, 200 ms)"},
		{results.FigureP50, 0, "round_robin had a p50 of 50 ms, like the others (all within 5%)"},
	}
	for _, tt := range tests {
		c := mixedRuns()
		c.Judge = tt.judge
		if got := Readings(c)[tt.alg].Latency; !strings.HasPrefix(got, tt.want) {
			t.Errorf("judge %q, %s:\n got %s\nwant it to start %s", tt.judge, c.Results[tt.alg].Algorithm, got, tt.want)
		}
	}
}

// TestReadingsIndistinct: with intervals over seeds, an algorithm whose
// interval overlaps the best one's is not distinguishable from it, and
// the best is not named the winner over an overlapping runner-up.
func TestReadingsIndistinct(t *testing.T) {
	ci := func(lo, hi float64) *results.LatencyCI { return &results.LatencyCI{P99: results.Interval{lo, hi}} }
	tests := []struct {
		name      string
		intervals []*results.LatencyCI // round_robin, least_connections, power_of_two
		alg       int
		want      string
	}{
		{"overlap with the best", []*results.LatencyCI{ci(8000, 10000), ci(4800, 5200), ci(5000, 5300)}, 2,
			"power_of_two reached a p99 of 5.1 s, within 5% of the lowest"},
		{"the best overlaps the runner-up", []*results.LatencyCI{ci(8000, 10000), ci(4000, 6000), ci(5000, 7000)}, 1,
			"least_connections had the lowest p99, 5 s, but it is not distinguishable from power_of_two's 5.1 s: over 5 seeds their 95% intervals overlap"},
		{"the worst overlaps the best", []*results.LatencyCI{ci(4000, 14000), ci(4000, 6000), ci(5000, 7000)}, 0,
			"round_robin reached a p99 of 9 s, not distinguishable from the lowest (least_connections, 5 s): over 5 seeds their 95% intervals overlap"},
		{"apart", []*results.LatencyCI{ci(8000, 10000), ci(4900, 5050), ci(5060, 5200)}, 1,
			"least_connections had the lowest p99, 5 s, against 9 s for round_robin"},
		{"one run has no intervals", []*results.LatencyCI{nil, nil, nil}, 0,
			"round_robin reached a p99 of 9 s, 1.8 times the lowest"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := mixedRuns()
			c.Seeds = 5
			for i, iv := range tt.intervals {
				c.Results[i].LatencyCI95 = iv
			}
			if got := Readings(c)[tt.alg].Latency; !strings.HasPrefix(got, tt.want) {
				t.Errorf("\n got %s\nwant it to start %s", got, tt.want)
			}
		})
	}
}

// TestIntervalTable: several seeds add a table of mean ± half-width per
// figure; one run has none.
func TestIntervalTable(t *testing.T) {
	c := mixedRuns()
	if strings.Contains(mustWrite(t, FormatTable, c), "95% intervals") {
		t.Error("an interval table for one run")
	}
	c.Seeds = 5
	for i := range c.Results {
		c.Results[i].LatencyCI95 = &results.LatencyCI{P99: results.Interval{4000, 6000}, Mean: results.Interval{190, 210}}
	}
	out := mustWrite(t, FormatTable, c)
	if !strings.Contains(out, "95% intervals over 5 seeds") || !strings.Contains(out, "5000 ±1000") || !strings.Contains(out, "200 ±10.0") {
		t.Errorf("no interval table with 5000 ±1000 and 200 ±10.0:\n%s", out)
	}
}

// TestReadingsPaired: with the seeds' runs in hand, two algorithms are
// compared seed by seed. One lower on every seed is told apart even when
// the intervals of each overlap; one lower on some seeds and higher on
// others is not.
func TestReadingsPaired(t *testing.T) {
	seeds := func(p99s ...float64) []results.Latency {
		out := make([]results.Latency, len(p99s))
		for i, v := range p99s {
			out[i] = results.Latency{P99: v}
		}
		return out
	}
	tests := []struct {
		name   string
		lc, p2 []results.Latency // least_connections, power_of_two
		want   string
	}{
		{"lower on every seed", seeds(92.2, 92.9, 91.9, 92.8, 91.9), seeds(92.5, 93.2, 92.2, 93.1, 92.3),
			"least_connections had the lowest p99, 5 s, against 9 s for round_robin"},
		{"either way", seeds(92.2, 93.9, 91.9, 92.8, 91.9), seeds(92.5, 93.2, 92.2, 92.1, 92.3),
			"least_connections had the lowest p99, 5 s, but it is not distinguishable from power_of_two's 5.1 s: over 5 seeds the 95% interval of their difference holds zero"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := mixedRuns()
			c.Seeds = 5
			c.Results[0].SeedLatency = seeds(9000, 9100, 8900, 9050, 8950)
			c.Results[1].SeedLatency, c.Results[2].SeedLatency = tt.lc, tt.p2
			for i := range c.Results {
				c.Results[i].LatencyCI95 = results.NewLatencyCI(c.Results[i].SeedLatency)
			}
			if !c.Results[1].LatencyCI95.P99.Overlaps(c.Results[2].LatencyCI95.P99) {
				t.Fatal("the test wants the two intervals to overlap")
			}
			if got := Readings(c)[1].Latency; !strings.HasPrefix(got, tt.want) {
				t.Errorf("\n got %s\nwant it to start %s", got, tt.want)
			}
		})
	}
}
