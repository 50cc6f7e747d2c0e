package main

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/lbsim/lbsim/results"
)

func TestSweepExitCodes(t *testing.T) {
	file := tiny(t)
	twoGroups := writeFile(t, "two.yaml", "name: two\nservers: [{name: a}, {name: b}]\n"+
		"workload: {arrival: {rate: 1}, service: {dist: constant, mean: 10ms}}\n")
	sweep := func(args ...string) []string { return append([]string{"sweep", file}, args...) }
	tests := []cliCase{
		{"no scenario", []string{"sweep", "--vary", "rate=1:2:1"}, 2, "sweep takes one SCENARIO", ""},
		{"no vary", sweep(), 2, "sweep needs --vary KEY=FROM:TO:STEP", ""},
		{"unknown key", sweep("--vary", "workload.arival.rate=1:2:1"), 2, `--vary: key "workload.arival.rate": workload has no key "arival", did you mean "arrival"? (it has: arrival, service, classes, clients, connections, keys, trace)`, ""},
		{"text key", sweep("--vary", "name=1:2:1"), 2, "name holds text, not a number", ""},
		{"bad range", sweep("--vary", "rate=1:2"), 2, "--vary: rate: want FROM:TO:STEP", ""},
		{"too many points", sweep("--vary", "rate=1:100000:1"), 2, "more than the limit of 10000", ""},
		{"a value the file cannot take", sweep("--vary", "rate=0:10:5"), 2, "--vary rate=0: " + file + ":5:13: workload.arrival.rate: must be greater than 0, got 0", ""},
		{"a whole-number key", sweep("--vary", "servers=1:2:0.5"), 2, "servers holds whole numbers, got 0.5", ""},
		{"servers with two groups", []string{"sweep", twoGroups, "--vary", "servers=1:3:1"}, 2, "two.yaml:2:10: servers: servers sets the count of the only server group, but the file has 2 (a, b); set one group's count, as servers[a].count", ""},
		{"no such group", sweep("--vary", "servers[db].count=1:3:1"), 2, `servers[db]: no entry of servers is named "db" (names: app)`, ""},
		{"a section the file leaves out", sweep("--vary", "health_check.interval=1s:2s:1s"), 2, "health_check: is not in the file", ""},
		{"a warm-up longer than the run", sweep("--vary", "warmup=0s:2000s:1000s"), 2, "--vary warmup=16m40s: " + file + ":1:1: warmup: at these arrival rates all 2000 requests arrive", ""},
		{"bad shard", sweep("--vary", "rate=1:2:1", "--shard", "3/2"), 2, "--shard: the slice must be between 1 and 2, got 3", ""},
		{"bad format", sweep("--vary", "rate=1:2:1", "--format", "xml"), 2, "--format", ""},
		{"bad seeds", sweep("--vary", "rate=1:2:1", "--seeds", "0"), 2, "--seeds", ""},
		{"seed twice", sweep("--vary", "seed=1:2:1", "--seed", "3"), 2, "--seed and --vary seed", ""},
		{"length twice", sweep("--vary", "requests=100:300:100", "--requests", "50"), 2, "--requests and --vary requests= both set the run's length", ""},
		{"duration and requests", sweep("--vary", "duration=1s:3s:1s", "--requests", "50"), 2, "--requests and --vary duration= both", ""},
		// The file's 2000 requests would take years at this rate; the
		// 20 of --requests do not, and each point is checked with them.
		{"points checked at the run's length", sweep("--vary", "rate=0.00001:0.00002:0.00001", "--requests", "2"), 0, "", "p99 latency in ms by rate"},
		{"unknown algorithm", sweep("--vary", "rate=1:2:1", "--algorithms", "fastest"), 2, `unknown algorithm "fastest"`, ""},
		{"an alias", sweep("--vary", "rate=5:15:5", "--algorithms", "leastconn"), 0, "", "rate  least_connections\n"},
		{"bad requests", sweep("--vary", "rate=1:2:1", "--requests", "0"), 2, "--requests", ""},
		{"missing file", []string{"sweep", "no/such.yaml", "--vary", "rate=1:2:1"}, 2, "no/such.yaml", ""},
		{"table", sweep("--vary", "rate=5:15:5"), 0, "", "tiny: p99 latency in ms by rate, seed 1\n\nrate  round_robin  least_connections\n"},
		{"metrics", sweep("--vary", "rate=5:15:5", "--metrics", "throughput,failed"), 0, "", "tiny: failed + rejected requests by rate"},
		{"unknown metric", sweep("--vary", "rate=5:15:5", "--metrics", "mean,p99.9"), 2, `--metrics: unknown metric "p99.9", did you mean "p999"? (valid: mean, p50, p90, p95, p99, p999, max, failed, completed, retried, throughput, jain)`, ""},
		{"no metric", sweep("--vary", "rate=5:15:5", "--metrics", ""), 2, "--metrics: no metric given", ""},
		{"durations", sweep("--vary", "workload.service.mean=20ms:60ms:20ms", "--algorithms", "random"), 0, "", "60ms"},
		{"a slice", sweep("--vary", "rate=5:15:5", "--shard", "2/2"), 0, "", "slice 2/2 of rate=5:15:5"},
	}
	for _, tt := range tests {
		t.Run(tt.name, tt.run)
	}
}

// sweepJSON runs a sweep and writes its JSON to a file, returning the path.
func sweepJSON(t *testing.T, name string, args ...string) string {
	t.Helper()
	code, out, stderr := cli(append(args, "--format", "json")...)
	if code != 0 {
		t.Fatalf("%v: exit %d: %s", args, code, stderr)
	}
	return writeFile(t, name, out)
}

func TestMergeExitCodes(t *testing.T) {
	file := tiny(t)
	args := []string{"sweep", file, "--vary", "rate=5:20:5"}
	s1 := sweepJSON(t, "s1.json", append(args, "--shard", "1/3")...)
	s2 := sweepJSON(t, "s2.json", append(args, "--shard", "2/3")...)
	s3 := sweepJSON(t, "s3.json", append(args, "--shard", "3/3")...)
	other := sweepJSON(t, "other.json", "sweep", file, "--vary", "rate=5:25:5", "--shard", "2/3")
	seeded := sweepJSON(t, "seeded.json", append(args, "--shard", "2/3", "--seed", "9")...)
	changed := sweepJSON(t, "changed.json", "sweep", tiny(t, "round_robin.completed > 0"), "--vary", "rate=5:20:5", "--shard", "2/3")
	broken := writeFile(t, "broken.json", "{\n  \"scenario\": \"queue\",\n  \"points\": [,]\n}\n")
	tests := []cliCase{
		{"no files", []string{"merge"}, 2, "merge takes the JSON files", ""},
		{"missing file", []string{"merge", "no/such.json"}, 2, "no/such.json", ""},
		{"broken file", []string{"merge", s1, broken}, 2, "broken.json:3:", ""},
		{"not a sweep", []string{"merge", writeFile(t, "run.json", `{"scenario": "x", "results": [{"algorithm": "random"}]}`)}, 2, "run.json: not an lbsim sweep", ""},
		{"another range", []string{"merge", s1, other, s3}, 2, "other.json: a slice of another sweep than " + s1 + ": its vary is rate=5:25:5, not rate=5:20:5", ""},
		{"another seed", []string{"merge", s1, seeded, s3}, 2, "seeded.json: a slice of another sweep than " + s1 + ": its seed is 9, not 1", ""},
		{"another scenario text", []string{"merge", s1, changed, s3}, 2, "changed.json: a slice of another sweep than " + s1 + ": its scenario_sha256 (the scenario file's text)", ""},
		{"twice", []string{"merge", s1, s2, s1, s3}, 2, s1 + ": slice 1/3 again", ""},
		{"missing slice", []string{"merge", s1, s3}, 2, "merge: slice 2/3 of the sweep (rate=5:20:5 of tiny) is missing", ""},
		{"bad format", []string{"merge", s1, s2, s3, "--format", "xml"}, 2, "--format", ""},
		{"unknown metric", []string{"merge", s1, s2, s3, "--metrics", "fail"}, 2, `--metrics: unknown metric "fail", did you mean "failed"?`, ""},
		{"whole", []string{"merge", s3, s1, s2}, 0, "", "tiny: p99 latency in ms by rate, seed 1\n"},
		{"metrics", []string{"merge", s3, s1, s2, "--metrics", "completed,mean", "--format", "markdown"}, 0, "", "**tiny: mean latency in ms by rate, seed 1**"},
	}
	for _, tt := range tests {
		t.Run(tt.name, tt.run)
	}
}

// TestSweepShardsMerge: a sweep cut into slices and merged prints and
// writes exactly what the whole sweep does, charts included, and a second
// run of the whole sweep gives the same bytes.
func TestSweepShardsMerge(t *testing.T) {
	file := tiny(t)
	args := []string{"sweep", file, "--vary", "load=0.3:0.9:0.1", "--seeds", "2", "--aggregate", "worst"}
	whole, again := t.TempDir(), t.TempDir()
	var slices []string
	for _, k := range []string{"1/3", "2/3", "3/3"} {
		slices = append(slices, sweepJSON(t, "slice"+k[:1]+".json", append(args, "--shard", k)...))
	}
	for _, format := range []string{"json", "csv", "table", "markdown"} {
		code, want, stderr := cli(append(args, "--format", format, "--metrics", "mean,p99,failed", "--out", whole)...)
		if code != 0 {
			t.Fatalf("sweep: exit %d: %s", code, stderr)
		}
		code, rerun, _ := cli(append(args, "--format", format, "--metrics", "mean,p99,failed", "--out", again)...)
		if code != 0 || rerun != want {
			t.Errorf("%s: a second run differs", format)
		}
		merged := t.TempDir()
		code, got, stderr := cli(append(append([]string{"merge"}, slices...), "--format", format, "--metrics", "mean,p99,failed", "--out", merged)...)
		if code != 0 {
			t.Fatalf("merge: exit %d: %s", code, stderr)
		}
		if got != want {
			t.Errorf("%s: merged slices print\n%s\nthe whole sweep\n%s", format, got, want)
		}
		for _, name := range []string{"sweep.json", "sweep.csv", "sweep.png", "sweep.svg"} {
			w, g, a := mustRead(t, filepath.Join(whole, name)), mustRead(t, filepath.Join(merged, name)), mustRead(t, filepath.Join(again, name))
			if len(w) == 0 || g != w || a != w {
				t.Errorf("%s: merged %d bytes, rerun %d bytes, whole %d bytes, not the same", name, len(g), len(a), len(w))
			}
		}
	}
	s, err := results.ReadSweep([]byte(mustRead(t, filepath.Join(whole, "sweep.json"))))
	if err != nil {
		t.Fatal(err)
	}
	if s.Seeds != 2 || s.Aggregate != results.AggregateWorst || len(s.Points) != 7 || s.Shard != nil {
		t.Errorf("seeds %d %s, %d points, shard %v", s.Seeds, s.Aggregate, len(s.Points), s.Shard)
	}
}

// TestSweepShardAuto: --shard auto/n runs the slice of the pod's
// JOB_COMPLETION_INDEX, counted from 0, and records it as k/n; an index
// that is missing or names no slice is bad input.
func TestSweepShardAuto(t *testing.T) {
	file := tiny(t)
	args := []string{"sweep", file, "--vary", "rate=5:25:5", "--format", "json"}
	tests := []struct {
		index  string // "unset" for none
		shard  string
		want   results.Shard
		points []int
		stderr string
	}{
		{"0", "auto/3", results.Shard{Index: 1, Count: 3}, []int{0, 3}, ""},
		{"1", "auto/3", results.Shard{Index: 2, Count: 3}, []int{1, 4}, ""},
		{"2", "auto/3", results.Shard{Index: 3, Count: 3}, []int{2}, ""},
		{"7", "auto/8", results.Shard{Index: 8, Count: 8}, nil, ""},
		{"unset", "auto/3", results.Shard{}, nil, "--shard: auto/3 takes the slice from JOB_COMPLETION_INDEX, which is not set"},
		{"one", "auto/3", results.Shard{}, nil, `--shard: JOB_COMPLETION_INDEX is "one", but auto/3 needs a whole number from 0 to 2`},
		{"-1", "auto/3", results.Shard{}, nil, `--shard: JOB_COMPLETION_INDEX is "-1"`},
		{"3", "auto/3", results.Shard{}, nil, `--shard: JOB_COMPLETION_INDEX is "3", but auto/3 needs a whole number from 0 to 2 (the index counts from 0)`},
		{"0", "auto/0", results.Shard{}, nil, "--shard: the number of slices must be between 1 and"},
	}
	for _, tt := range tests {
		t.Run(tt.shard+" at index "+tt.index, func(t *testing.T) {
			t.Setenv("JOB_COMPLETION_INDEX", tt.index)
			if tt.index == "unset" {
				os.Unsetenv("JOB_COMPLETION_INDEX")
			}
			code, out, stderr := cli(append(args, "--shard", tt.shard)...)
			if tt.stderr != "" {
				if code != exitUsage || !strings.Contains(stderr, tt.stderr) || out != "" {
					t.Errorf("exit %d, stderr %q, stdout %q; want exit 2 and %q", code, stderr, out, tt.stderr)
				}
				return
			}
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			s, err := results.ReadSweep([]byte(out))
			if err != nil {
				t.Fatal(err)
			}
			var points []int
			for _, p := range s.Points {
				points = append(points, p.Index)
			}
			if s.Shard == nil || *s.Shard != tt.want || !slices.Equal(points, tt.points) {
				t.Errorf("shard %v with points %v, want %v with %v", s.Shard, points, tt.want, tt.points)
			}
		})
	}
}

// TestSweepTableFits: thirteen algorithms, some with long parameter
// lists, print in tables of at most six algorithms whose every line,
// titles included, fits 120 columns.
func TestSweepTableFits(t *testing.T) {
	algs := "bounded_load(c=1.5),consistent_hash,ip_hash,join_idle_queue,least_connections,least_response_time,maglev," +
		"peak_ewma(decay=5s),power_of_two,prequal(probes=4,pool=8,q_rif=0.9,max_age=2s),random,round_robin," +
		"weighted_least_request(choices=3,bias=0.5)"
	code, out, stderr := cli("sweep", tiny(t), "--vary", "workload.service.mean=10ms:30ms:10ms", "--requests", "300",
		"--algorithms", algs, "--metrics", "p99,mean,failed,throughput")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	tables := 0
	for i, line := range strings.Split(out, "\n") {
		if len(line) > 120 {
			t.Errorf("line %d has %d characters: %s", i+1, len(line), line)
		}
		if strings.HasPrefix(line, "---") {
			tables++
			if n := len(strings.Fields(line)) - 1; n > 6 {
				t.Errorf("line %d: a table of %d algorithms", i+1, n)
			}
		}
	}
	if tables < 4*3 {
		t.Errorf("%d tables for 13 algorithms and 4 metrics, want at least 12:\n%s", tables, out)
	}
}

// TestSweepMM1 sweeps the arrival rate of one server with exponential
// service (M/M/1, mu = 10/s) and holds the mean latency to queueing
// theory, 1/(mu - lambda): 125, 167, 250 and 500 ms at 2, 4, 6 and 8
// requests/s.
//
// The tolerance is 4 standard errors of the run's mean. Successive
// latencies in a queue are correlated, so the standard error is not
// sd/sqrt(n): by Whitt's asymptotic variance for M/M/1 ("Planning
// queueing simulations", 1989), the relative variance of a mean over n
// customers is about 2(1+rho)/((1-rho)^2 n). With 200,000 requests that is
// a 0.4% standard error at rho 0.2 and 2.1% at rho 0.8, so 4 of them
// allow 1.7% to 8.5%, while neighbouring points differ by 33% or more.
func TestSweepMM1(t *testing.T) {
	if testing.Short() {
		t.Skip("long-run statistics")
	}
	file := writeFile(t, "mm1.yaml", `name: mm1
requests: 200000
warmup: 200s
servers: [{name: app}]
workload:
  arrival: {process: poisson, load: 0.5}
  service: {dist: exponential, mean: 100ms}
algorithms: [round_robin]
`)
	code, out, stderr := cli("sweep", file, "--vary", "rate=2:8:2", "--format", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	s, err := results.ReadSweep([]byte(out))
	if err != nil {
		t.Fatal(err)
	}
	const mu = 10.0
	prev := 0.0
	for _, p := range s.Points {
		r := p.Results[0]
		rho := p.Value / mu
		want := 1000 / (mu - p.Value) // ms
		se := math.Sqrt(2 * (1 + rho) / ((1 - rho) * (1 - rho) * float64(r.Completed)))
		t.Logf("rate %g: mean %.1f ms, theory %.1f ms, standard error %.2f%%", p.Value, r.Latency.Mean, want, 100*se)
		if math.Abs(r.Latency.Mean-want) > 4*se*want {
			t.Errorf("rate %g: mean %.1f ms, theory %.1f ms, tolerance %.1f ms", p.Value, r.Latency.Mean, want, 4*se*want)
		}
		if r.Latency.Mean <= prev {
			t.Errorf("rate %g: mean %.1f ms does not rise from %.1f ms", p.Value, r.Latency.Mean, prev)
		}
		prev = r.Latency.Mean
	}
}

// TestSweepOutKeepsWrittenFiles: files written before a later one fails
// are whole and stay.
func TestSweepOutKeepsWrittenFiles(t *testing.T) {
	dir := t.TempDir()
	// A directory where the chart should go makes writing it fail.
	if err := os.Mkdir(filepath.Join(dir, "sweep.png"), 0o755); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := cli("sweep", tiny(t), "--vary", "rate=5:10:5", "--out", dir)
	if code == 0 || !strings.Contains(stderr, "sweep.png") {
		t.Errorf("exit %d, stderr %s", code, stderr)
	}
	for _, name := range []string{"sweep.json", "sweep.csv"} {
		if data := mustRead(t, filepath.Join(dir, name)); !strings.Contains(data, "round_robin") {
			t.Errorf("%s: %q", name, data)
		}
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".tmp") {
			t.Errorf("temporary file %s left behind", e.Name())
		}
	}
	var b bytes.Buffer
	b.WriteString(mustRead(t, filepath.Join(dir, "sweep.json")))
	if _, err := results.ReadSweep(b.Bytes()); err != nil {
		t.Error(err)
	}
}

// TestSweepAggregate: several seeds combine as run and check combine them,
// at their worst, unless --aggregate says otherwise.
func TestSweepAggregate(t *testing.T) {
	file := tiny(t)
	for _, tt := range []struct {
		args []string
		want results.Aggregate
	}{
		{nil, results.AggregateWorst},
		{[]string{"--aggregate", "worst"}, results.AggregateWorst},
		{[]string{"--aggregate", "mean"}, results.AggregateMean},
	} {
		args := append([]string{"sweep", file, "--vary", "rate=5:10:5", "--seeds", "2", "--algorithms", "round_robin"}, tt.args...)
		data, err := os.ReadFile(sweepJSON(t, "sweep.json", args...))
		if err != nil {
			t.Fatal(err)
		}
		s, err := results.ReadSweep(data)
		if err != nil {
			t.Fatal(err)
		}
		if s.Aggregate != tt.want {
			t.Errorf("%v: aggregate %q, want %q", tt.args, s.Aggregate, tt.want)
		}
	}
}
