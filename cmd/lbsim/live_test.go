package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// liveCLI runs `lbsim live` with args, as main would.
func liveCLI(args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	code = exitCode(liveCmd(args, &out, &errb), &errb)
	return code, out.String(), errb.String()
}

func TestLiveBadInput(t *testing.T) {
	tiny := writeFile(t, "tiny.yaml", "name: tiny\nrequests: 20\nservers: [{name: a}]\nworkload: {arrival: {rate: 100}, service: {dist: constant, mean: 1ms}}\n")
	for _, tc := range []struct {
		name string
		args []string
		want string // in stderr
	}{
		{"no scenario", nil, "one SCENARIO"},
		{"two scenarios", []string{tiny, tiny}, "one SCENARIO"},
		{"speedup 0", []string{tiny, "--speedup", "0"}, "--speedup"},
		{"negative speedup", []string{tiny, "--speedup", "-2"}, "--speedup"},
		{"speedup not a number", []string{tiny, "--speedup", "fast"}, "speedup"},
		{"format", []string{tiny, "--format", "csv"}, "--format"},
		{"unknown flag", []string{tiny, "--speeedup", "2"}, "did you mean --speedup"},
		{"unknown algorithm", []string{tiny, "--algorithms", "round_robin,nope"}, "nope"},
		{"no such scenario", []string{"no-such-scenario"}, "no-such-scenario"},
		{"autoscale", []string{"autoscale-black-friday"}, "autoscale: lbsim live cannot run this key faithfully"},
		{"balancer tier", []string{"herding"}, "balancers.count"},
		{"random crashes", []string{writeFile(t, "mtbf.yaml", "name: m\nrequests: 20\nservers: [{name: a, mtbf: 1h, mttr: 1m}]\nworkload: {arrival: {rate: 100}, service: {dist: constant, mean: 1ms}}\n")},
			"mtbf.yaml:3:21: servers[0].mtbf"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := liveCLI(tc.args...)
			if code != exitUsage || stdout != "" || !strings.Contains(stderr, tc.want) {
				t.Errorf("exit %d, stdout %q, stderr %q; want exit 2 and %q", code, stdout, stderr, tc.want)
			}
		})
	}
}

// TestLiveJSON runs a tiny scenario live and reads its JSON: each side
// as `lbsim run --format json` prints it, the speedup and the agreement.
func TestLiveJSON(t *testing.T) {
	file := writeFile(t, "tiny.yaml", `name: tiny
requests: 40
servers: [{name: a, count: 2}]
workload: {arrival: {rate: 50}, service: {dist: constant, mean: 20ms}, clients: {count: 4}}
algorithms: [round_robin, least_connections]
`)
	code, stdout, stderr := liveCLI(file, "--format", "json", "--speedup", "4", "--algorithms", "least_connections")
	if code != exitOK {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	if !strings.Contains(stderr, "lbsim live: least_connections: running live at 4x") {
		t.Errorf("stderr %q has no progress line", stderr)
	}
	var got struct {
		Live struct {
			Scenario string
			Requests int64
			Results  []struct {
				Algorithm string
				Completed int64
				LatencyMS struct{ P50 float64 } `json:"latency_ms"`
				Servers   []struct{ Name string }
			}
		}
		Sim struct {
			Results []struct{ Algorithm string }
		}
		Speedup   float64
		Agreement struct {
			RankingAgrees bool `json:"ranking_agrees"`
			Algorithms    []struct {
				Algorithm string
				P50Ratio  float64 `json:"p50_ratio"`
			}
		}
	}
	if err := json.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatalf("%v in %s", err, stdout)
	}
	l := got.Live
	switch {
	case l.Scenario != "tiny" || l.Requests != 40 || len(l.Results) != 1 || l.Results[0].Algorithm != "least_connections":
		t.Errorf("live side %+v", l)
	case l.Results[0].Completed != 40 || len(l.Results[0].Servers) != 2 || l.Results[0].LatencyMS.P50 < 19:
		t.Errorf("live result %+v: want 40 completed on 2 servers, p50 at least 20 ms", l.Results[0])
	case len(got.Sim.Results) != 1 || got.Sim.Results[0].Algorithm != "least_connections":
		t.Errorf("sim side %+v", got.Sim)
	case got.Speedup != 4 || len(got.Agreement.Algorithms) != 1 || got.Agreement.Algorithms[0].P50Ratio == 0:
		t.Errorf("speedup %g, agreement %+v", got.Speedup, got.Agreement)
	}
}

func TestLiveTable(t *testing.T) {
	file := writeFile(t, "tiny.yaml", `name: tiny
requests: 40
servers: [{name: a, count: 2}]
workload: {arrival: {rate: 50}, service: {dist: constant, mean: 20ms}, clients: {count: 4}}
algorithms: [round_robin, least_connections]
`)
	code, stdout, stderr := liveCLI(file, "--speedup", "4")
	if code != exitOK {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	for _, want := range []string{"tiny: seed 1, 40 requests, live at 4x speed", "p99 sim  p99 live", "round_robin", "least_connections", "ranking by p99"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout)
		}
	}
}
