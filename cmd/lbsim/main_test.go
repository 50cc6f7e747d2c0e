package main

import (
	"bytes"
	"encoding/json"
	"image/png"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// small keeps command tests quick: a bundled scenario cut to a few seconds
// of virtual time after its warm-up.
var small = []string{"--requests", "20000"}

func cli(args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	code = lbsim(args, &out, &errb)
	return code, out.String(), errb.String()
}

func writeFile(t *testing.T, name, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// cliCase is one command line and what it must do: its exit code, and
// substrings of what it prints. Bad input (exit 2) prints no results.
type cliCase struct {
	name   string
	args   []string
	code   int
	stderr string
	stdout string
}

func (tt cliCase) run(t *testing.T) {
	code, stdout, stderr := cli(tt.args...)
	if code != tt.code {
		t.Errorf("exit %d, want %d; stderr: %s", code, tt.code, stderr)
	}
	if !strings.Contains(stderr, tt.stderr) {
		t.Errorf("stderr %q does not contain %q", stderr, tt.stderr)
	}
	if !strings.Contains(stdout, tt.stdout) {
		t.Errorf("stdout %q does not contain %q", stdout, tt.stdout)
	}
	if tt.code == exitUsage && stdout != "" {
		t.Errorf("bad input printed results: %q", stdout)
	}
}

func TestExitCodes(t *testing.T) {
	bad := writeFile(t, "bad.yaml", "name: x\nservers:\n  - name: app\n    capcity: 2\n")
	fault := func(extra string) string {
		return writeFile(t, "fault.yaml", "name: x\nservers: [{name: app, count: 2}]\n"+
			"workload: {arrival: {rate: 1}, service: {dist: constant, mean: 10ms}}\n"+extra)
	}
	tests := []cliCase{
		{"no command", nil, 2, "Usage", ""},
		{"unknown command", []string{"frobnicate"}, 2, `unknown command "frobnicate"; run 'lbsim help'`, ""},
		{"misspelt command", []string{"rnu", "black-friday"}, 2, `unknown command "rnu"; did you mean "run"?`, ""},
		{"misspelt command in capitals", []string{"LIST"}, 2, `unknown command "LIST"; did you mean "list"?`, ""},
		{"misspelt flag", []string{"run", "black-friday", "--algoritms", "random"}, 2, "run: unknown flag: --algoritms; did you mean --algorithms?", ""},
		{"tab", []string{"run", writeFile(t, "tab.yaml", "name: t\nservers:\n\t- name: app\n")}, 2, "tab.yaml:3: a tab indents this line; YAML indents with spaces\n", ""},
		{"misspelt key", []string{"validate", bad}, 2, `bad.yaml:4:5: servers[0].capcity: unknown key "capcity", did you mean "capacity"?`, ""},
		{"alias twice", []string{"run", "black-friday", "--algorithms", "leastconn,least_connections"}, 2, `--algorithms: "leastconn" and "least_connections" both name least_connections`, ""},
		{"bad parameter", []string{"run", "black-friday", "--algorithms", "bounded_load(c=0)"}, 2, "--algorithms: bounded_load: c must be at least 1, got 0", ""},
		{"misspelt alias", []string{"run", "black-friday", "--algorithms", "roundrobbin"}, 2, `--algorithms: unknown algorithm "roundrobbin", did you mean "roundrobin" (HAProxy's name for weighted_round_robin)?`, ""},
		{"validate one server", []string{"validate", writeFile(t, "one.yaml", "name: o\nservers: [{name: a}]\nworkload: {arrival: {rate: 1}, service: {dist: constant, mean: 1ms}}\nalgorithms: [leastconn]\n")}, 0, "", "one.yaml: ok (o: 1 server, 1 algorithm)\n"},
		{"validate servers", []string{"validate", "mixed-50ms-5s"}, 0, "", "mixed-50ms-5s: ok (mixed-50ms-5s: 4 servers, 5 algorithms)\n"},
		{"help", []string{"help"}, 0, "", "lbsim run SCENARIO"},
		{"run without scenario", []string{"run"}, 2, "one SCENARIO", ""},
		{"run unknown flag", []string{"run", "black-friday", "--bogus"}, 2, "unknown flag: --bogus", ""},
		{"run bad format", []string{"run", "black-friday", "--format", "xml"}, 2, "--format", ""},
		{"run unknown algorithm", []string{"run", "black-friday", "--algorithms", "round_robin,fastest"}, 2, `unknown algorithm "fastest"`, ""},
		{"run zero requests", []string{"run", "black-friday", "--requests", "0"}, 2, "--requests", ""},
		{"run zero p99 window", []string{"run", "black-friday", "--out", t.TempDir(), "--p99-window", "0s"}, 2, "--p99-window must be a positive duration, got 0s", ""},
		{"run p99 window without out", []string{"run", "black-friday", "--p99-window", "30s"}, 2, "--p99-window shapes the charts: it needs --out", ""},
		{"run missing file", []string{"run", "no/such/file.yaml"}, 2, "no/such/file.yaml", ""},
		{"run unknown key", []string{"run", bad}, 2, "bad.yaml:4", ""},
		{"validate bad", []string{"validate", bad}, 2, "capcity", ""},
		{"validate bundled", []string{"validate", "mixed-50ms-5s"}, 0, "", "mixed-50ms-5s: ok"},
		{"list", []string{"list"}, 0, "", "power_of_two"},
		{"fault on an unknown server", []string{"run", fault("faults: [{at: 1s, server: db, kind: crash}]\n")}, 2, `fault.yaml:4:19: faults[0].server: no server is named "db"`, ""},
		{"overlapping faults", []string{"run", fault("faults: [{at: 1s, server: app-1, kind: crash, for: 5s}, {at: 2s, server: app-1, kind: drain}]\n")}, 2, "overlaps faults[0]", ""},
		{"negative check interval", []string{"run", fault("health_check: {interval: -5s}\n")}, 2, "health_check.interval", ""},
		{"fall 0", []string{"run", fault("health_check: {fall: 0}\n")}, 2, "health_check.fall: must be at least 1", ""},
		{"run shorter than warmup", []string{"run", "nat-skew", "--requests", "3000"}, 2, "warm-up", ""},
		{"run table", append([]string{"run", "identical-stateless"}, small...), 0, "", "round_robin"},
	}
	for _, tt := range tests {
		t.Run(tt.name, tt.run)
	}
}

// Every command that lbsim suggests is one it runs.
func TestCommandsRun(t *testing.T) {
	for _, c := range commands {
		if code, _, stderr := cli(c, "--help"); code != 0 || strings.Contains(stderr, "unknown command") {
			t.Errorf("lbsim %s --help: exit %d: %s", c, code, stderr)
		}
	}
}

// TestList: every algorithm, every alias with the algorithm it names, and
// the bundled scenarios, with no line of spaces between them.
func TestList(t *testing.T) {
	code, out, stderr := cli("list")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{
		"\n  power_of_two ", "\n  leastconn              least_connections       HAProxy\n",
		"\n  random two least_conn  power_of_two            nginx\n", "\n  ROUND_ROBIN            weighted_round_robin    Envoy\n",
		"\n                            c=1.25 (default): ",
		"\n  mixed-50ms-5s ",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("list does not print %q:\n%s", want, out)
		}
	}
	for i, line := range strings.Split(out, "\n") {
		if line != strings.TrimRight(line, " \t") {
			t.Errorf("line %d %q ends in white space", i+1, line)
		}
	}
}

// Aliases run as the algorithms they name, and results carry those names.
func TestRunAliases(t *testing.T) {
	file := writeFile(t, "aliases.yaml", "name: a\nrequests: 2000\nservers: [{name: app, count: 2}]\n"+
		"workload: {arrival: {rate: 10}, service: {dist: exponential, mean: 50ms}}\nalgorithms: [leastconn, roundrobin]\n")
	for _, tt := range []struct {
		args []string
		want []string
	}{
		{[]string{"run", "nat-skew", "--requests", "20000", "--algorithms", "source,RANDOM,p2c"}, []string{"ip_hash", "random", "power_of_two"}},
		{[]string{"run", "nat-skew", "--requests", "20000", "--algorithms", "random two least_conn,static-rr"}, []string{"power_of_two", "weighted_round_robin"}},
		{[]string{"run", "nat-skew", "--requests", "20000", "--algorithms", "p2c, bounded_load( c=1.5 ), bounded_load(c=3)", "--algorithms", "least_time"}, []string{"power_of_two", "bounded_load(c=1.5)", "bounded_load(c=3)", "least_response_time"}},
		{[]string{"run", file}, []string{"least_connections", "weighted_round_robin"}},
	} {
		code, stdout, stderr := cli(append(tt.args, "--format", "json")...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", tt.args, code, stderr)
		}
		var got struct {
			Results []struct {
				Algorithm string `json:"algorithm"`
			} `json:"results"`
		}
		if err := json.Unmarshal([]byte(stdout), &got); err != nil {
			t.Fatalf("%v: not JSON: %v", tt.args, err)
		}
		var names []string
		for _, r := range got.Results {
			names = append(names, r.Algorithm)
		}
		if !slices.Equal(names, tt.want) {
			t.Errorf("%v: results for %q, want %q", tt.args, names, tt.want)
		}
	}
}

// The JSON contract scripts depend on, through the real command line.
func TestRunJSON(t *testing.T) {
	code, stdout, stderr := cli("run", "nat-skew", "--format", "json", "--seed", "3", "--algorithms", "ip_hash,round_robin", "--requests", "20000")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var got struct {
		Scenario string `json:"scenario"`
		Seed     uint64 `json:"seed"`
		Requests int64  `json:"requests"`
		Results  []struct {
			Algorithm string `json:"algorithm"`
			Completed int64  `json:"completed"`
		} `json:"results"`
	}
	if err := json.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, stdout)
	}
	if got.Scenario != "nat-skew" || got.Seed != 3 || got.Requests != 20000 {
		t.Errorf("header %+v", got)
	}
	if len(got.Results) != 2 || got.Results[0].Algorithm != "ip_hash" || got.Results[1].Algorithm != "round_robin" {
		t.Fatalf("results %+v", got.Results)
	}
	if got.Results[0].Completed == 0 {
		t.Error("nothing completed")
	}
}

// outFiles are the files run --out writes, with a scenario that has a
// timeline and failures: the machine formats, every chart twice and the page.
var outFiles = []string{
	"results.json", "results.csv", "results.md", "servers.csv", "groups.csv",
	"latency-cdf.svg", "latency-cdf.png", "ccdf.svg", "ccdf.png", "server-requests.svg", "server-requests.png",
	"server-utilization.svg", "server-utilization.png", "inflight.svg", "inflight.png",
	"p99-over-time.svg", "p99-over-time.png", "failures-over-time.svg", "failures-over-time.png", "report.html",
}

// TestRunOutWritesFiles checks run --out writes every file, the same bytes
// on every run, with no temporary file left behind; with several seeds the
// page says which seed the charts show.
func TestRunOutWritesFiles(t *testing.T) {
	tests := []struct {
		name string
		args []string
		html string // in report.html
	}{
		{"one seed", nil, "Seed 1;"},
		{"three seeds", []string{"--seeds", "3"}, "the first seed&#39;s (seed 1)"},
		{"a p99 window", []string{"--p99-window", "30s"}, "p99 latency over a trailing 30s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var dirs [2]string
			for i := range dirs {
				dirs[i] = filepath.Join(t.TempDir(), "out")
				args := append([]string{"run", "crash-without-health-checks", "--requests", "8000", "--out", dirs[i]}, tt.args...)
				if code, _, stderr := cli(args...); code != 0 {
					t.Fatalf("exit %d: %s", code, stderr)
				}
			}
			entries, err := os.ReadDir(dirs[0])
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, e := range entries {
				names = append(names, e.Name())
			}
			if want := slices.Sorted(slices.Values(outFiles)); !slices.Equal(names, want) {
				t.Errorf("--out wrote %v, want %v", names, want)
			}
			for _, name := range outFiles {
				a, err := os.ReadFile(filepath.Join(dirs[0], name))
				if err != nil || len(a) == 0 {
					t.Errorf("%s: %v (%d bytes)", name, err, len(a))
					continue
				}
				if b, _ := os.ReadFile(filepath.Join(dirs[1], name)); !bytes.Equal(a, b) {
					t.Errorf("%s differs between two runs of the same command", name)
				}
				if strings.HasSuffix(name, ".png") {
					if _, err := png.Decode(bytes.NewReader(a)); err != nil {
						t.Errorf("%s: %v", name, err)
					}
				}
			}
			page, _ := os.ReadFile(filepath.Join(dirs[0], "report.html"))
			for _, want := range []string{tt.html, "crash app-2", `id="chart-inflight"`, "What happened"} {
				if !strings.Contains(string(page), want) {
					t.Errorf("report.html does not contain %q", want)
				}
			}
		})
	}
}

// TestRunOutBadDirectory checks an --out that cannot be a directory is bad
// input (exit 2) found before running, and that it destroys nothing.
func TestRunOutBadDirectory(t *testing.T) {
	file := writeFile(t, "results", "keep me\n")
	tests := []cliCase{
		{"a file", []string{"run", "identical-stateless", "--out", file}, 2, "is a file, not a directory", ""},
		{"below a file", []string{"run", "identical-stateless", "--out", filepath.Join(file, "out")}, 2, "a part of the path is a file", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, tt.run)
	}
	if data, err := os.ReadFile(file); err != nil || string(data) != "keep me\n" {
		t.Errorf("the file in the way now holds %q (%v)", data, err)
	}
}

// TestRunOutReplaces checks a second run into the same directory replaces
// the files whole and leaves no temporary file.
func TestRunOutReplaces(t *testing.T) {
	dir := t.TempDir()
	stale := filepath.Join(dir, "report.html")
	if err := os.WriteFile(stale, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := cli(append([]string{"run", "identical-stateless", "--out", dir}, small...)...); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if data, _ := os.ReadFile(stale); !bytes.HasPrefix(data, []byte("<!DOCTYPE html>")) {
		t.Errorf("report.html was not replaced: %.40q", data)
	}
	if tmp, _ := filepath.Glob(filepath.Join(dir, "*.tmp")); len(tmp) > 0 {
		t.Errorf("temporary files left behind: %v", tmp)
	}
}

// freeAddr returns an address on host that nothing listens on.
func freeAddr(t *testing.T, host string) string {
	t.Helper()
	ln, err := net.Listen("tcp", host+":0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// exited is how a command that serves (serve, proxy) ended.
type exited struct {
	code   int
	stderr string
}

// startServing runs the command line args in the background until url
// answers a GET, and returns how the command ends.
func startServing(t *testing.T, url string, args ...string) <-chan exited {
	t.Helper()
	done := make(chan exited, 1)
	go func() {
		code, _, stderr := cli(args...)
		done <- exited{code, stderr}
	}()
	for i := 0; ; i++ {
		if r, err := http.Get(url); err == nil {
			r.Body.Close()
			return done
		}
		select {
		case res := <-done:
			t.Fatalf("lbsim %s exited %d before serving: %s", args[0], res.code, res.stderr)
		default:
		}
		if i > 300 {
			t.Fatalf("lbsim %s did not start serving", args[0])
		}
		time.Sleep(10 * time.Millisecond)
	}
}
