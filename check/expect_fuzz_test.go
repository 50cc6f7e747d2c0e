package check

import (
	"errors"
	"testing"

	"github.com/lbsim/lbsim/results"
)

// FuzzParseExpectation feeds the expectation parser arbitrary text: it
// must return an expectation or an *ExpectationError that points inside
// the text, never panic, and what it accepts must evaluate and render
// without panicking, whatever the run holds.
func FuzzParseExpectation(f *testing.F) {
	for _, seed := range []string{
		"least_connections.p99 < 0.5 * round_robin.p99",
		"0.45 <= weighted_round_robin.servers[big].requests / weighted_round_robin.completed <= 0.55",
		"abs(a.classes[profile].p99 - b.classes[\"profile\"].latency_ms.p99) < 5%",
		"max(a.failed_by_cause.timeout, a.crashes[0].detected_after_s, -a.rejected) != 1e308",
		"((((a.p99))))) < 1", "a.servers[", "1e999 < a.p50", "a.p99 <= .5e-3",
	} {
		f.Add(seed)
	}
	c := &results.Comparison{Results: []results.Result{
		{Algorithm: "a", Completed: 10, FailedByCause: map[string]int64{"timeout": 1},
			Servers: []results.Server{{Name: "big", Requests: 5}}, Classes: []results.Class{{Name: "profile"}},
			Crashes: []results.Crash{{Server: "big", DetectedAfterS: -1}}},
		{Algorithm: "b"},
	}}
	f.Fuzz(func(t *testing.T, text string) {
		e, err := ParseExpectation(text)
		if err != nil {
			var ee *ExpectationError
			if !errors.As(err, &ee) || ee.Offset < 0 || ee.Offset > len(text) {
				t.Fatalf("%q: error %v is not an *ExpectationError inside the text", text, err)
			}
			return
		}
		if len(e.Refs()) == 0 {
			t.Fatalf("%q parsed without a metric", text)
		}
		o := e.Eval(c)
		_ = e.Detail(o)
		if o.Passed && o.Problem != "" {
			t.Fatalf("%q passed with a problem: %s", text, o.Problem)
		}
	})
}
