package workloads

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lbsim/lbsim/scenarios"
)

// traceScenario writes text to a trace file beside a scenario that
// replays it in format, with the trace keys extra adds, and loads it.
func traceScenario(t testing.TB, format, text, extra string) *scenarios.Scenario {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "access.log"), []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "replay.yaml")
	yaml := fmt.Sprintf("name: replay\nservers: [{name: app}]\nworkload:\n  trace: {file: access.log, format: %s%s}\n", format, extra)
	if err := os.WriteFile(path, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	sc, err := scenarios.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	return sc
}

// replayAll returns every request the trace replays, and the generator.
func replayAll(t testing.TB, sc *scenarios.Scenario, seed uint64) ([]Request, *Generator) {
	t.Helper()
	g := newGen(t, &sc.Workload, seed)
	t.Cleanup(func() { g.Close() })
	var out []Request
	for {
		var r Request
		g.Next(&r)
		if r.Arrival == Never {
			return out, g
		}
		out = append(out, r)
	}
}

const ms = time.Millisecond

// A csv trace gives exact arrivals: they come back in order, counted from
// the first, with their demands, keys, clients and classes.
func TestReplayCSV(t *testing.T) {
	sc := traceScenario(t, "csv", `arrival,client,key,service,class
100.5,10.0.0.1,/a,0.050,api
100.0,10.0.0.2,/b,0.010,api
101.25,10.0.0.1,/a,2,report
100.75,,,0.001,api
`, "")
	got, g := replayAll(t, sc, 1)
	want := []struct {
		at, demand time.Duration
		client     string
		class      int
	}{
		{0, 10 * ms, "10.0.0.2", 1},
		{500 * ms, 50 * ms, "10.0.0.1", 1},
		{750 * ms, 1 * ms, "0.0.0.0", 1},
		{1250 * ms, 2 * time.Second, "10.0.0.1", 2},
	}
	if len(got) != len(want) {
		t.Fatalf("replayed %d requests, want %d", len(got), len(want))
	}
	for i, w := range want {
		r := got[i]
		if r.Arrival != w.at || r.Demand != w.demand || r.Client.String() != w.client || r.Class != w.class {
			t.Errorf("request %d: arrival %v demand %v client %v class %d; want %v %v %v %d",
				i, r.Arrival, r.Demand, r.Client, r.Class, w.at, w.demand, w.client, w.class)
		}
	}
	if got[1].Key != got[3].Key || got[1].Key == got[0].Key || got[1].Key < 0 {
		t.Errorf("keys %d %d %d: the same path must be the same key, another another", got[0].Key, got[1].Key, got[3].Key)
	}
	if got[2].Key != -1 {
		t.Errorf("a request without a key has key %d, want -1", got[2].Key)
	}
	if got[1].ClientID != got[3].ClientID || got[1].ClientID == got[0].ClientID {
		t.Errorf("client ids %d %d %d: one address is one client", got[0].ClientID, got[1].ClientID, got[3].ClientID)
	}
	if names := g.ClassNames(); strings.Join(names, ",") != "default,api,report" {
		t.Errorf("classes %v, want default, then the class column's in order of appearance", names)
	}
	st := g.TraceStats()
	if st.Lines != 4 || st.Requests != 4 || st.Skipped != 0 || st.Late != 0 {
		t.Errorf("stats %+v, want 4 lines, 4 requests", *st)
	}
}

// Speedup divides the gaps between arrivals, not the demands.
func TestReplaySpeedup(t *testing.T) {
	text := "arrival,service\n0,0.1\n1,0.1\n3,0.1\n"
	sc := traceScenario(t, "csv", text, ", speedup: 2")
	got, _ := replayAll(t, sc, 1)
	for i, want := range []time.Duration{0, 500 * ms, 1500 * ms} {
		if got[i].Arrival != want || got[i].Demand != 100*ms {
			t.Errorf("request %d: arrival %v demand %v, want %v and 100ms", i, got[i].Arrival, got[i].Demand, want)
		}
	}
}

// nginx logs a request when it ends, to the second: the n requests logged
// in one second are spread one to each n-th of it, in the order logged,
// and each arrives its request time before it ended.
func TestReplayNginxSpreadsSeconds(t *testing.T) {
	var b strings.Builder
	for i := range 4 {
		fmt.Fprintf(&b, "10.0.0.%d - - [04/Dec/2026:10:00:00 +0000] \"GET /x HTTP/1.1\" 200 5 \"-\" \"-\" 0.%d00\n", i+1, i+1)
	}
	b.WriteString("10.0.0.9 - - [04/Dec/2026:10:00:01 +0000] \"GET /x HTTP/1.1\" 200 5 \"-\" \"-\" 0.000\n")
	sc := traceScenario(t, "nginx", b.String(), "")
	for _, seed := range []uint64{1, 2, 3} {
		got, _ := replayAll(t, sc, seed)
		if len(got) != 5 {
			t.Fatalf("replayed %d requests, want 5", len(got))
		}
		// A request's end is its arrival plus its service.
		ends := map[string]time.Duration{}
		for _, r := range got {
			ends[r.Client.String()] = r.Arrival + r.Demand
		}
		first := ends["10.0.0.1"]
		for i := range 4 {
			end := ends[fmt.Sprintf("10.0.0.%d", i+1)] - first
			// The first request's end is somewhere in [0, 250ms); the
			// i-th's is in [i*250ms, (i+1)*250ms), so relative to
			// the first it is within (i-1)*250ms and (i+1)*250ms.
			if lo, hi := time.Duration(i-1)*250*ms, time.Duration(i+1)*250*ms; end <= lo || end >= hi {
				t.Errorf("seed %d: request %d ends %v after the first, want within (%v, %v)", seed, i+1, end, lo, hi)
			}
		}
		if d := got[len(got)-1]; d.Client.String() != "10.0.0.9" || d.Demand != coarseZero {
			t.Errorf("seed %d: last request %v with demand %v; want 10.0.0.9, whose logged 0 counts as %v", seed, d.Client, d.Demand, coarseZero)
		}
	}
	a, _ := replayAll(t, sc, 1)
	b2, _ := replayAll(t, sc, 1)
	c, _ := replayAll(t, sc, 2)
	if fmt.Sprint(a) != fmt.Sprint(b2) {
		t.Error("the same seed replayed the trace differently")
	}
	if fmt.Sprint(a) == fmt.Sprint(c) {
		t.Error("two seeds spread the seconds alike")
	}
}

// A request logged far out of order, beyond the reorder window, arrives
// with the one before it and is counted late; lines that do not parse are
// counted with their line numbers.
func TestReplayLateAndSkipped(t *testing.T) {
	text := "arrival,service\n100,0.1\n200,0.1\nnot a number,0.1\n300,0.1\n130,0.1\n301,0.1\n"
	sc := traceScenario(t, "csv", text, "")
	got, g := replayAll(t, sc, 1)
	var at []time.Duration
	for _, r := range got {
		at = append(at, r.Arrival)
	}
	// 130 s is read after 300 s, by when 200 s, more than a window
	// before 300 s, has been replayed.
	want := []time.Duration{0, 100 * time.Second, 100 * time.Second, 200 * time.Second, 201 * time.Second}
	if fmt.Sprint(at) != fmt.Sprint(want) {
		t.Errorf("arrivals %v, want %v (the arrival at 130 s is late)", at, want)
	}
	st := g.TraceStats()
	if st.Late != 1 || st.Skipped != 1 || st.Lines != 6 || st.Requests != 5 {
		t.Errorf("stats %+v, want 1 late, 1 skipped, 6 lines, 5 requests", *st)
	}
	if len(st.Errors) != 1 || !strings.HasPrefix(st.Errors[0], "access.log:4: ") {
		t.Errorf("errors %q, want one naming access.log:4", st.Errors)
	}
	if g.Err() != nil {
		t.Errorf("Err() = %v, want nil for one bad line in five", g.Err())
	}
}

// A trace whose lines mostly fail to parse stops the replay with an error,
// rather than a run of a few stray lines.
func TestReplayMostlyUnreadable(t *testing.T) {
	var b strings.Builder
	b.WriteString("arrival,service\n")
	for i := range 100 { // enough good lines to load
		fmt.Fprintf(&b, "%d,0.1\n", i)
	}
	for range 300 {
		b.WriteString("x,y\n")
	}
	sc := traceScenario(t, "csv", b.String(), "")
	_, g := replayAll(t, sc, 1)
	if err := g.Err(); !errors.Is(err, ErrTrace) || !strings.Contains(err.Error(), "access.log:") {
		t.Errorf("Err() = %v, want an ErrTrace naming the file's lines", err)
	}
}

// A gzip-compressed trace reads as the text it holds.
func TestReplayGzip(t *testing.T) {
	text := "arrival,service\n0,0.1\n1,0.2\n"
	var z bytes.Buffer
	zw := gzip.NewWriter(&z)
	zw.Write([]byte(text))
	zw.Close()
	sc := traceScenario(t, "csv", z.String(), "")
	got, _ := replayAll(t, sc, 1)
	if len(got) != 2 || got[1].Arrival != time.Second || got[1].Demand != 200*ms {
		t.Errorf("replayed %+v, want 2 requests, the second at 1s for 200ms", got)
	}
}

// trace.classes places requests by the longest prefix of their path.
func TestReplayClassesByPrefix(t *testing.T) {
	text := "arrival,key,service\n0,/reports/x,1\n1,/reports/big/y,1\n2,/api,1\n"
	sc := traceScenario(t, "csv", text, ", classes: {/reports/: report, /reports/big/: big}")
	got, g := replayAll(t, sc, 1)
	names := g.ClassNames()
	var classes []string
	for _, r := range got {
		classes = append(classes, names[r.Class])
	}
	if want := "report big default"; strings.Join(classes, " ") != want {
		t.Errorf("classes %v, want %s", classes, want)
	}
}

// The reorder window is a minute before the latest time read, whatever
// the trace's origin: csv times may be negative, and are put in order as
// any others.
func TestReplayReordersNegativeTimes(t *testing.T) {
	sc := traceScenario(t, "csv", "arrival,service\n-1000,0.01\n-990,0.01\n-995,0.01\n-900,0.01\n", "")
	got, g := replayAll(t, sc, 1)
	var at []time.Duration
	for _, r := range got {
		at = append(at, r.Arrival)
	}
	want := []time.Duration{0, 5 * time.Second, 10 * time.Second, 100 * time.Second}
	if fmt.Sprint(at) != fmt.Sprint(want) || g.TraceStats().Late != 0 {
		t.Errorf("arrivals %v with %d late, want %v and none late", at, g.TraceStats().Late, want)
	}
}

// A line logged more than the virtual-time limit from the first is
// skipped, rather than wrap the run's clock around.
func TestReplayFarTimes(t *testing.T) {
	sc := traceScenario(t, "csv", "arrival,service\n-9223372036.8,0.01\n0,0.01\n9223372036.8,0.01\n1,0.01\n", "")
	got, g := replayAll(t, sc, 1)
	st := g.TraceStats()
	if len(got) != 1 || st.Skipped != 3 || !strings.Contains(st.Errors[0], "from the trace's first line") {
		t.Errorf("replayed %d, stats %+v; want the first only, the other three skipped as too far from it", len(got), *st)
	}
}
