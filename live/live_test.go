package live

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/lbsim/lbsim/results"
	"github.com/lbsim/lbsim/scenarios"
)

// twoSpeeds is a fleet of a fast and a slow server: round robin sends the
// slow one half the requests, more than it can serve, and its queue
// grows; least connections sends it what it can take. Their p99s are more
// than ten times apart in simulation.
const twoSpeeds = `name: two-speeds
requests: 150
servers:
  - {name: fast, speed: 4}
  - {name: slow, speed: 0.5}
workload:
  arrival: {rate: 30}
  service: {dist: constant, mean: 40ms}
  clients: {count: 8}
algorithms: [round_robin, least_connections]
`

// TestRunAgrees runs a short scenario live and in simulation, and checks
// that both rank the algorithms alike and that least connections' p50 (a
// 10 ms service on the fast server, 5 ms of real time at speedup 2) is
// close. Live adds the proxy's and two loopback HTTP exchanges' cost and
// its timers' lateness, about 0.5 ms of real time (10% of this service)
// and a few times that on a busy 2-core machine: the live p50 lies
// between 0.8 and 1.6 times the simulated. A live server that
// ignored its speed or capacity would be 4 or more times slower.
func TestRunAgrees(t *testing.T) {
	if testing.Short() {
		t.Skip("runs for seconds")
	}
	sc, err := scenarios.Parse("two-speeds.yaml", []byte(twoSpeeds))
	if err != nil {
		t.Fatal(err)
	}
	var rep *Report
	for attempt := 1; ; attempt++ {
		rep, err = Run(context.Background(), sc, Options{Speedup: 2})
		if err != nil {
			t.Fatal(err)
		}
		if !rep.Behind() {
			break
		}
		if attempt == 2 {
			t.Skipf("this machine is too busy to run in real time: %+v", rep.Timing)
		}
	}
	if got := len(rep.Live.Results); got != 2 {
		t.Fatalf("%d live results, want 2", got)
	}
	a := rep.Agreement
	if !a.RankingAgrees || a.LiveRanking[0] != "least_connections" {
		t.Errorf("rankings: simulated %v, live %v (%v)", a.SimRanking, a.LiveRanking, a.Disagreements)
	}
	lc := a.Algorithms[1]
	t.Logf("least_connections p50: simulated %.2f ms, live %.2f ms; timing %+v", lc.SimP50, lc.LiveP50, rep.Timing)
	if r := *lc.P50Ratio; !raceDetector && (r < 0.8 || r > 1.6) {
		t.Errorf("least_connections p50: simulated %.2f ms, live %.2f ms", lc.SimP50, lc.LiveP50)
	}
	for _, r := range rep.Live.Results {
		if r.Completed+r.Failed+r.Rejected != rep.Sim.Requests {
			t.Errorf("%s: %d completed, %d failed, %d rejected of %d requests", r.Algorithm, r.Completed, r.Failed, r.Rejected, rep.Sim.Requests)
		}
		if len(r.Servers) != 2 || r.Servers[0].Requests+r.Servers[1].Requests != rep.Sim.Requests {
			t.Errorf("%s: servers %+v", r.Algorithm, r.Servers)
		}
		// Each server's latency covers what it completed, and its group
		// (one server each here) repeats it, as in the simulator.
		if len(r.Groups) != 2 || r.Servers[0].Completed+r.Servers[1].Completed != r.Completed ||
			r.Groups[0].Completed != r.Servers[0].Completed || r.Groups[1].Latency != r.Servers[1].Latency ||
			max(r.Servers[0].Latency.Max, r.Servers[1].Latency.Max) != r.Latency.Max || r.Servers[0].Latency.P50 <= 0 {
			t.Errorf("%s: servers %+v, groups %+v, completed %d", r.Algorithm, r.Servers, r.Groups, r.Completed)
		}
	}
}

func TestRunStops(t *testing.T) {
	sc, err := scenarios.Parse("two-speeds.yaml", []byte(twoSpeeds))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	rep, err := Run(ctx, sc, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Interrupted || len(rep.Live.Results) != 0 || len(rep.Sim.Results) != 2 {
		t.Errorf("a run stopped before it started: interrupted %v, %d live and %d simulated results", rep.Interrupted, len(rep.Live.Results), len(rep.Sim.Results))
	}
}

// A replayed trace runs live too: every line is sent once, and the classes
// its class column names come out as the simulator's.
func TestRunTrace(t *testing.T) {
	dir := t.TempDir()
	var csv strings.Builder
	csv.WriteString("arrival,client,key,service,class\n")
	for i := range 40 {
		class := "browse"
		if i%4 == 0 {
			class = "buy"
		}
		fmt.Fprintf(&csv, "%.3f,10.0.0.%d,/item/%d,0.020,%s\n", float64(i)*0.05, i%5+1, i%7, class)
	}
	if err := os.WriteFile(filepath.Join(dir, "trace.csv"), []byte(csv.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "replay.yaml")
	yaml := "name: replay\nservers: [{name: app, count: 2, capacity: 2}]\nworkload:\n  trace: {file: trace.csv, format: csv}\nalgorithms: [round_robin]\n"
	if err := os.WriteFile(path, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	sc, err := scenarios.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Run(context.Background(), sc, Options{Speedup: 2})
	if err != nil {
		t.Fatal(err)
	}
	classes := func(r []results.Result) (names []string, n int64) {
		for _, c := range r[0].Classes {
			names = append(names, c.Name)
			n += c.Completed
		}
		return names, n
	}
	liveNames, liveN := classes(rep.Live.Results)
	simNames, simN := classes(rep.Sim.Results)
	if !slices.Equal(liveNames, simNames) || liveN != 40 || simN != 40 {
		t.Errorf("live classes %v (%d requests), simulated %v (%d); want the same classes, 40 requests each", liveNames, liveN, simNames, simN)
	}
}
