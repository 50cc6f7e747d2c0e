package sim

import (
	"context"
	"errors"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lbsim/lbsim/results"
	"github.com/lbsim/lbsim/scenarios"
)

// limitScenario sends 20 requests a second to two servers, for a length
// the test sets.
func limitScenario(length string) string {
	return `name: limits
` + length + `
servers: [{name: app, count: 2, capacity: 1}]
workload:
  arrival: {process: poisson, rate: 20}
  service: {dist: exponential, mean: 40ms}
algorithms: [round_robin, least_connections]
`
}

// TestMaxRequests cuts runs at the cap: a cut run is the run of exactly
// that many requests, and says so; a cap the scenario stays under
// changes nothing.
func TestMaxRequests(t *testing.T) {
	tests := []struct {
		name, length string
		max          int64
		wantCut      bool
	}{
		{"requests over the cap", "requests: 5000", 1000, true},
		{"duration over the cap", "duration: 250s", 1000, true},
		{"requests at the cap", "requests: 1000", 1000, false},
		{"duration under the cap", "duration: 10s", 1000, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sc := parse(t, limitScenario(tt.length))
			got, err := compareWith(t, sc, Options{MaxRequests: tt.max})
			if err != nil {
				t.Fatal(err)
			}
			if cut := got.CutAt != 0; cut != tt.wantCut {
				t.Fatalf("CutAt = %d, want cut %v", got.CutAt, tt.wantCut)
			}
			// The same workload bounded by the file alone.
			want, err := compareWith(t, sc, Options{})
			if tt.wantCut {
				if got.CutAt != tt.max || got.Requests != tt.max {
					t.Fatalf("CutAt %d, Requests %d, want both %d", got.CutAt, got.Requests, tt.max)
				}
				capped := parse(t, limitScenario("requests: "+strconv.FormatInt(tt.max, 10)))
				want, err = compareWith(t, capped, Options{})
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got.Results, want.Results) {
				t.Fatalf("cut results differ from a run of %d requests:\n got %+v\nwant %+v", got.Requests, got.Results[0].Latency, want.Results[0].Latency)
			}
		})
	}
}

// TestContextStopsRuns: a context that is done stops every run, and the
// error says why.
func TestContextStopsRuns(t *testing.T) {
	sc := parse(t, limitScenario("requests: 50000000")) // minutes of work
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	expiring, stop := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer stop()
	for _, tt := range []struct {
		ctx  context.Context
		want error
	}{{cancelled, context.Canceled}, {expiring, context.DeadlineExceeded}} {
		start := time.Now()
		_, err := compareWith(t, sc, Options{Context: tt.ctx, Timeline: true})
		if !errors.Is(err, tt.want) {
			t.Fatalf("err = %v, want %v", err, tt.want)
		}
		// A run that stopped at once takes milliseconds; the whole run
		// takes minutes, so 10 s tells them apart on any machine.
		if took := time.Since(start); took > 10*time.Second {
			t.Fatalf("took %v to stop", took)
		}
	}
}

// compareWith runs sc's algorithms on its seed with opt.
func compareWith(t *testing.T, sc *scenarios.Scenario, opt Options) (*results.Comparison, error) {
	t.Helper()
	runs, err := CompareSeeds(sc, sc.Algorithms, []uint64{sc.Seed}, opt)
	if err != nil {
		return nil, err
	}
	return runs[0], nil
}

// TestCutInWarmup: a cap that ends the arrivals inside the warm-up is
// ErrNothingMeasured, and says the cap did it.
func TestCutInWarmup(t *testing.T) {
	sc := parse(t, limitScenario("requests: 5000\nwarmup: 100s"))
	_, err := compareWith(t, sc, Options{MaxRequests: 100})
	if !errors.Is(err, ErrNothingMeasured) || !strings.Contains(err.Error(), "the cap of 100 requests per algorithm ends the run at") {
		t.Errorf("err = %v, want ErrNothingMeasured naming the cap", err)
	}
}

// TestTraceContext: a done context stops a trace, and its error says
// why; a live one tells the same events as Trace.
func TestTraceContext(t *testing.T) {
	sc := parse(t, limitScenario("requests: 50000000"))
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	calls := 0
	err := TraceContext(cancelled, sc, "round_robin", 1e15, func(*TraceEvent) bool { calls++; return true })
	if !errors.Is(err, context.Canceled) || calls != 0 {
		t.Errorf("err = %v after %d events, want context.Canceled at once", err, calls)
	}
	small := parse(t, limitScenario("requests: 200"))
	count := func(trace func(func(*TraceEvent) bool) error) int {
		n := 0
		if err := trace(func(*TraceEvent) bool { n++; return true }); err != nil {
			t.Fatal(err)
		}
		return n
	}
	plain := count(func(fn func(*TraceEvent) bool) error { return Trace(small, "round_robin", 0, fn) })
	withCtx := count(func(fn func(*TraceEvent) bool) error {
		return TraceContext(context.Background(), small, "round_robin", 0, fn)
	})
	if plain == 0 || plain != withCtx {
		t.Errorf("Trace told %d events, TraceContext %d", plain, withCtx)
	}
}
