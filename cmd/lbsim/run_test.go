package main

import (
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
