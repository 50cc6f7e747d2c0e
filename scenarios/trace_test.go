package scenarios

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// traceDir writes an nginx log of a few lines to a temporary directory and
// returns the path a scenario file there would have.
func traceDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	line := `10.0.0.1 - - [04/Dec/2026:10:00:00 +0000] "GET /reports/1 HTTP/1.1" 200 5 "-" "-" 0.120` + "\n"
	if err := os.WriteFile(filepath.Join(dir, "access.log"), []byte(strings.Repeat(line, 3)), 0o644); err != nil {
		t.Fatal(err)
	}
	return filepath.Join(dir, "replay.yaml")
}

const traceScenario = `name: replay
servers: [{name: app, count: 2}]
workload:
  trace: {file: access.log, format: nginx, classes: {/reports/: report, /api/: api, /api/v2/: api}}
`

func TestTraceLoads(t *testing.T) {
	path := traceDir(t)
	s, err := Parse(path, []byte(traceScenario))
	if err != nil {
		t.Fatal(err)
	}
	tr := s.Workload.Trace
	if tr.Speedup != 1 || s.Requests != 0 || s.Duration != 0 {
		t.Errorf("speedup %g, requests %d, duration %v; want 1, and a run as long as the trace", tr.Speedup, s.Requests, s.Duration)
	}
	if !s.Workload.Keyed() {
		t.Error("a trace's requests carry their paths as keys, but Keyed() is false")
	}
	var names, paths []string
	for _, c := range s.Workload.RequestClasses() {
		names, paths = append(names, c.Name), append(paths, c.Path)
	}
	if !slices.Equal(names, []string{"report", "api", "default"}) || !slices.Equal(paths, []string{"/reports/", "/api/", ""}) {
		t.Errorf("classes %q with paths %q; want report, api, default in file order, each with its first prefix", names, paths)
	}
	f, err := tr.Open()
	if err != nil {
		t.Fatalf("Open: %v (the file is relative to the scenario's directory)", err)
	}
	f.Close()
	// A clone has a trace of its own, so a sweep can vary it.
	c := s.Clone()
	c.Workload.Trace.Speedup = 3
	if tr.Speedup != 1 {
		t.Error("changing a clone's trace changed the original's")
	}
}

func TestTraceErrors(t *testing.T) {
	path := traceDir(t)
	base := "name: replay\nservers: [{name: app}]\n"
	tests := []struct {
		name, yaml, want string
	}{
		{"beside arrival", "workload:\n  trace: {file: access.log, format: nginx}\n  arrival: {rate: 1}\n",
			":5:3: workload.arrival: not allowed beside workload.trace"},
		{"beside requests", "requests: 10\nworkload:\n  trace: {file: access.log, format: nginx}\n",
			":3:1: requests: not allowed beside workload.trace"},
		{"beside keys", "workload:\n  trace: {file: access.log, format: nginx}\n  keys: {count: 3}\n",
			"workload.keys: not allowed beside workload.trace"},
		{"no file", "workload:\n  trace: {format: nginx}\n",
			"workload.trace.file: required"},
		{"missing file", "workload:\n  trace: {file: nope.log, format: nginx}\n",
			":4:11: workload.trace.file: cannot read " + filepath.Join(filepath.Dir(path), "nope.log") + ": no such file"},
		{"no format", "workload:\n  trace: {file: access.log}\n",
			"workload.trace.format: required; one of nginx, haproxy, lbsim, csv"},
		{"unknown format", "workload:\n  trace: {file: access.log, format: apache}\n",
			"workload.trace.format: unknown format"},
		{"log_format without a time", "workload:\n  trace: {file: access.log, format: nginx, log_format: '$remote_addr $request_time'}\n",
			"workload.trace.log_format: "},
		{"wrong format", "workload:\n  trace: {file: access.log, format: haproxy}\n",
			"workload.trace.format: 3 of the first 3 lines of access.log do not read as haproxy (access.log:1: "},
		{"prefix without slash", "workload:\n  trace: {file: access.log, format: nginx, classes: {reports: report}}\n",
			`workload.trace.classes["reports"]: a path prefix starts with /`},
		{"zero speedup", "workload:\n  trace: {file: access.log, format: nginx, speedup: 0}\n",
			"workload.trace.speedup: "},
		{"a directory", "workload:\n  trace: {file: ., format: nginx}\n",
			"workload.trace.file: cannot read " + filepath.Dir(path) + ": . is not a regular file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(path, []byte(base+tt.yaml))
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), path+":") {
				t.Errorf("error %v\nwant one starting with the file and containing %q", err, tt.want)
			}
		})
	}
}

// The bundled replay reads its log from among the bundled files.
func TestBundledTrace(t *testing.T) {
	s, err := Open("replay-shop-log")
	if err != nil {
		t.Fatal(err)
	}
	f, err := s.Workload.Trace.Open()
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer f.Close()
	if f.Size <= 0 {
		t.Errorf("size %d, want the compressed log's", f.Size)
	}
}
