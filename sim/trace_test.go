package sim

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lbsim/lbsim/scenarios"
	"github.com/lbsim/lbsim/workloads"
)

// writeTrace writes a csv trace and a scenario that replays it on servers,
// and loads the scenario.
func writeTrace(t *testing.T, csv, servers, extra string) *scenarios.Scenario {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "trace.csv"), []byte(csv), 0o644); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "replay.yaml")
	yaml := bare("name: replay\nservers: " + servers + "\nworkload:\n  trace: {file: trace.csv, format: csv}\n" + extra)
	if err := os.WriteFile(path, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	sc, err := scenarios.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	return sc
}

// Three 100 ms requests 50 ms apart on one single-slot server queue behind
// each other: they finish at 100, 200 and 300 ms, so they take 100, 150
// and 200 ms.
func TestTraceReplayQueues(t *testing.T) {
	sc := writeTrace(t, "arrival,service\n10.000,0.1\n10.050,0.1\n10.100,0.1\n", "[{name: app}]", "")
	res := mustRun(t, sc, "round_robin")
	if res.Completed != 3 || res.Latency.Mean != 150 || res.Latency.Max != 200 {
		t.Errorf("completed %d, mean %g ms, max %g ms; want 3, 150, 200", res.Completed, res.Latency.Mean, res.Latency.Max)
	}
	if res.Trace == nil || res.Trace.Lines != 3 || res.Trace.Requests != 3 {
		t.Errorf("trace stats %+v, want 3 lines replayed", res.Trace)
	}
}

// Replaying a workload's own requests, written out as a trace, gives the
// latencies and the routing drawing them gives: the replay adds and loses
// nothing. (Rates and utilizations differ a little: a replay's clock starts
// at its first arrival, a drawn run's some milliseconds before.)
func TestTraceReplaysDrawnWorkload(t *testing.T) {
	drawn := parse(t, bare(`name: drawn
requests: 5000
servers: [{name: app, count: 3, capacity: 2}]
workload:
  arrival: {process: poisson, load: 0.8}
  service: {dist: lognormal, mean: 20ms, sigma: 1}
  clients: {count: 50}
`))
	g, err := workloads.New(&drawn.Workload, drawn.Seed)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	b.WriteString("arrival,client,service\n")
	var r workloads.Request
	for range drawn.Requests {
		g.Next(&r)
		fmt.Fprintf(&b, "%d.%09d,%s,%d.%09d\n", r.Arrival/1e9, r.Arrival%1e9, r.Client, r.Demand/1e9, r.Demand%1e9)
	}
	replayed := writeTrace(t, b.String(), "[{name: app, count: 3, capacity: 2}]", "")
	for _, alg := range []string{"round_robin", "least_connections", "ip_hash"} {
		want, got := mustRun(t, drawn, alg), mustRun(t, replayed, alg)
		if got.Latency != want.Latency || got.Completed != want.Completed {
			t.Errorf("%s: replayed %d requests, latency %+v\nwant the drawn run's %d, %+v", alg, got.Completed, got.Latency, want.Completed, want.Latency)
		}
		for i := range want.Servers {
			g, w := got.Servers[i], want.Servers[i]
			if g.Requests != w.Requests || g.MaxQueue != w.MaxQueue {
				t.Errorf("%s: %s served %d with queue up to %d, want %d and %d", alg, g.Name, g.Requests, g.MaxQueue, w.Requests, w.MaxQueue)
			}
		}
	}
}

// A run bounded by --requests replays only the trace's first requests,
// and says so, however far the replay read ahead.
func TestTraceReplayRequestsCap(t *testing.T) {
	sc := writeTrace(t, "arrival,service\n0,0.01\n1,0.01\n2,0.01\n3,0.01\n", "[{name: app}]", "")
	sc.Requests = 2
	if res := mustRun(t, sc, "round_robin"); res.Completed != 2 || res.Trace.Requests != 2 {
		t.Errorf("completed %d, trace stats %+v; want the first 2", res.Completed, res.Trace)
	}
}

// The classes a csv class column names as the replay goes take the route
// for every request; before, the router knew only the file's classes.
func TestTraceClassColumnRoutes(t *testing.T) {
	csv := "arrival,service,class\n0,0.01,api\n0.1,0.01,web\n0.2,0.01,api\n"
	sc := writeTrace(t, csv, "[{name: a, pool: stable}, {name: b, pool: canary}]",
		"routes: [{split: {stable: 90, canary: 10}}]\n")
	res := mustRun(t, sc, "round_robin")
	var names []string
	for _, c := range res.Classes {
		names = append(names, c.Name)
	}
	if res.Completed != 3 || strings.Join(names, " ") != "default api web" {
		t.Errorf("completed %d in classes %v, want 3 in default, api, web", res.Completed, names)
	}
}
