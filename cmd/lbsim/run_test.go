package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRunOverloadWarning: a file that offers more than its servers can
// serve still runs, with one line on stderr saying the queues will grow
// without bound; one the servers keep up with says nothing.
func TestRunOverloadWarning(t *testing.T) {
	file := func(load string) string {
		return writeFile(t, "over.yaml", `name: over
requests: 2000
servers: [{name: app, count: 2, capacity: 2}]
workload:
  arrival: {rate: 10, phases: [{at: 1s, load: `+load+`}]}
  service: {dist: constant, mean: 100ms}
`)
	}
	code, stdout, stderr := cli("run", file("1.5"), "--quiet")
	if code != 0 || !strings.Contains(stdout, "round_robin") {
		t.Fatalf("exit %d, stdout %q: an overloaded run must still run", code, stdout)
	}
	if lines := strings.Split(strings.TrimSpace(stderr), "\n"); len(lines) != 1 ||
		!strings.Contains(stderr, "warning") || !strings.Contains(stderr, "1.5 times") || !strings.Contains(stderr, "grow without bound") {
		t.Errorf("stderr %q, want one warning line about the load, 1.5 times capacity", stderr)
	}
	if _, _, stderr := cli("run", file("0.9"), "--quiet"); stderr != "" {
		t.Errorf("stderr %q for a run the servers keep up with", stderr)
	}
}

// A replayed trace's unreadable lines are reported with their line
// numbers; a trace that is mostly unreadable is bad input (exit 2), named
// by file and line.
func TestRunTrace(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	var good, bad strings.Builder
	good.WriteString("arrival,service\n")
	for i := range 200 {
		fmt.Fprintf(&good, "%d,0.01\n", i)
	}
	bad.WriteString(good.String())
	good.WriteString("oops,0.01\n")
	for range 300 {
		bad.WriteString("x,y\n")
	}
	write("good.csv", good.String())
	write("bad.csv", bad.String())
	scenario := func(file string) string {
		return write(file+".yaml", "name: replay\nservers: [{name: app}]\nworkload:\n  trace: {file: "+file+", format: csv}\nalgorithms: [round_robin]\n")
	}

	code, stdout, stderr := cli("run", scenario("good.csv"))
	if code != exitOK || !strings.Contains(stdout, "replayed 200 requests of the 201 trace lines read: 1 skipped, 0 late") ||
		!strings.Contains(stdout, "skipped good.csv:202: arrival: ") {
		t.Errorf("exit %d, stdout:\n%s\nstderr: %s\nwant the skipped line named", code, stdout, stderr)
	}
	code, _, stderr = cli("run", scenario("bad.csv"))
	if code != exitUsage || !strings.Contains(stderr, "bad.csv:202: ") || !strings.Contains(stderr, "cannot be read as csv") {
		t.Errorf("exit %d, stderr %q; want 2 naming bad.csv's first bad line", code, stderr)
	}
}
