package check

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/lbsim/lbsim/results"
)

// TestParseExpectationErrors checks that every kind of bad expectation is
// rejected with an *ExpectationError pointing at the byte at fault, since
// scenario loaders turn Offset into a column for the user.
func TestParseExpectationErrors(t *testing.T) {
	args17 := "max(round_robin.p99" + strings.Repeat(", 1", 16) + ") < 5"
	tests := []struct {
		name   string
		text   string
		offset int
		msg    string
	}{
		{"empty", "", 0, "empty"},
		{"only spaces", "   ", 3, "empty"},
		{"no comparison", "round_robin.p99", 15, "no comparison"},
		{"no metric", "1 < 2", 0, "compares no metric"},
		{"unknown metric", "round_robin.p100 < 5", 12, `unknown metric "p100"`},
		{"missing dot", "round_robin < 5", 11, `expected "." and a metric after "round_robin"`},
		{"space before the dot", "round_robin .p99 < 500", 11, `expected "." and a metric after "round_robin"`},
		{"space after dot", "round_robin. p99 < 5", 12, `expected a metric name after "."`},
		{"single =", "round_robin.p99 = 5", 16, "write =="},
		{"unit suffix", "round_robin.p99 < 800ms", 21, "numbers take no units"},
		{"out of range", "round_robin.p99 < 1e999", 18, `number "1e999" is out of range`},
		{"malformed number", "round_robin.p99 < 1.2.3", 18, `malformed number "1.2.3"`},
		{"unclosed paren", "(round_robin.p99 < 5", 17, `expected ")" to close the "(" at column 1`},
		{"parens nested 33 deep", strings.Repeat("(", 33) + "round_robin.p99" + strings.Repeat(")", 33) + " < 5", 33, "nested more than 32 deep"},
		{"unary minus nested 33 deep", strings.Repeat("-", 33) + "round_robin.p99 < 5", 33, "nested more than 32 deep"},
		{"servers without name", "round_robin.servers < 5", 12, "servers is a list; pick one, as in servers[NAME].requests"},
		{"crashes without index", "round_robin.crashes > 0", 12, "crashes is a list; pick one, as in crashes[0].at_s"},
		{"server is a group", "round_robin.servers[app-1] < 5", 12, "servers[app-1] is a group of metrics; name one: requests,"},
		{"latency_ms is a group", "round_robin.latency_ms < 5", 12, "latency_ms is a group of metrics; name one: mean, p50"},
		{"unknown cause", "round_robin.failed_by_cause.oops > 0", 28, `unknown cause "oops"`},
		{"cause missing", "round_robin.failed_by_cause > 0", 12, "name one of failed_by_cause's keys"},
		{"crash index not a number", "round_robin.crashes[x].at_s > 0", 20, "crashes is numbered from 0; got [x]"},
		{"crash index negative", "round_robin.crashes[-1].at_s > 0", 20, "crashes is numbered from 0; got [-1]"},
		{"empty key", "round_robin.servers[].requests > 0", 20, "empty []"},
		{"two keys", "round_robin.servers[a][b].requests > 0", 23, "servers takes one [...]"},
		{"key on a struct", "round_robin.latency_ms[x].p99 > 0", 23, "latency_ms takes no [...]"},
		{"key on a number", "round_robin.p99[1] < 5", 16, "p99 is a number; it takes no [...]"},
		{"field of a number", "round_robin.p99.x < 5", 16, "p99 is a number; nothing follows it"},
		{"unknown function", "foo(round_robin.p99) < 5", 0, `unknown function "foo"`},
		{"abs with 2 args", "abs(round_robin.p99, 1) < 5", 0, "abs takes 1 arguments, got 2"},
		{"min with 1 arg", "min(round_robin.p99) < 5", 0, "min takes 2 to 16 arguments, got 1"},
		{"max with 17 args", args17, 0, "max takes 2 to 16 arguments, got 17"},
		{"unclosed call", "abs(round_robin.p99 < 5", 20, `expected "," or ")" in the call of abs, got '<'`},
		{"trailing paren", "round_robin.p99 < 5)", 19, `unexpected ')'; expected an operator or the end`},
		{"unclosed bracket", "round_robin.servers[app-1.requests < 5", 19, `"[" is never closed`},
		{"unterminated quoted key", `round_robin.servers["a].requests > 0`, 20, "unterminated quoted name"},
		{"ends after operator", "round_robin.p99 <", 17, "the expectation ends"},
		{"unexpected character", "round_robin.p99 < @", 18, `unexpected '@'`},
		{"too long", "round_robin.p99 < 5" + strings.Repeat(" ", MaxExpectationLen), MaxExpectationLen, "longer than 1000 bytes"},
		{"not UTF-8", "round_robin.p99 < 5 \xff", 0, "not UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := ParseExpectation(tt.text)
			if err == nil {
				t.Fatalf("ParseExpectation(%q) = %v, want an error", tt.text, e)
			}
			var ee *ExpectationError
			if !errors.As(err, &ee) {
				t.Fatalf("error %v is a %T, not an *ExpectationError", err, err)
			}
			if ee.Offset != tt.offset {
				t.Errorf("Offset = %d, want %d (%v)", ee.Offset, tt.offset, err)
			}
			if !strings.Contains(ee.Msg, tt.msg) {
				t.Errorf("Msg = %q, want it to contain %q", ee.Msg, tt.msg)
			}
			if prefix := fmt.Sprintf("column %d: ", tt.offset+1); !strings.HasPrefix(err.Error(), prefix) {
				t.Errorf("Error() = %q, want prefix %q", err.Error(), prefix)
			}
		})
	}
}

// TestParseExpectationLimits checks the limits are bounds, not off by one:
// exactly MaxExpectationLen bytes and exactly 32 levels of nesting parse.
func TestParseExpectationLimits(t *testing.T) {
	for _, text := range []string{
		"round_robin.p99 < 5" + strings.Repeat(" ", MaxExpectationLen-len("round_robin.p99 < 5")),
		strings.Repeat("(", 32) + "round_robin.p99" + strings.Repeat(")", 32) + " < 5",
		strings.Repeat("-", 32) + "round_robin.p99 < 5",
		strings.Repeat("abs(", 32) + "round_robin.p99" + strings.Repeat(")", 32) + " < 5",
	} {
		if _, err := ParseExpectation(text); err != nil {
			t.Errorf("ParseExpectation(%d bytes %.40q...) = %v, want it accepted", len(text), text, err)
		}
	}
	// Calls count towards the same limit as parentheses.
	text := strings.Repeat("abs(", 33) + "round_robin.p99" + strings.Repeat(")", 33) + " < 5"
	if _, err := ParseExpectation(text); err == nil || !strings.Contains(err.Error(), "nested more than 32 deep") {
		t.Errorf("33 nested calls: err = %v, want nesting error", err)
	}
}

// TestRefs checks the references an expectation reports: a scenario
// loader checks Algorithm, Server and Class against the scenario, and
// reports use the canonical Metric whichever short form was written.
func TestRefs(t *testing.T) {
	type ref struct {
		Algorithm, Metric, Server, Class, Text string
		Offset, KeyOffset                      int
	}
	tests := []struct {
		text string
		want []ref
	}{
		{"round_robin.p99 < 5", []ref{{"round_robin", "latency_ms.p99", "", "", "round_robin.p99", 0, 0}}},
		{"round_robin.latency_ms.p99 < 5", []ref{{"round_robin", "latency_ms.p99", "", "", "round_robin.latency_ms.p99", 0, 0}}},
		{"0.9 < round_robin.jain_utilization", []ref{{"round_robin", "fairness.jain_utilization", "", "", "round_robin.jain_utilization", 6, 0}}},
		{"a.max_over_mean_utilization < 2", []ref{{"a", "fairness.max_over_mean_utilization", "", "", "a.max_over_mean_utilization", 0, 0}}},
		{"a.classes[profile].p99 < 5", []ref{{"a", "classes[profile].latency_ms.p99", "", "profile", "a.classes[profile].p99", 0, 10}}},
		{"a.classes[report].completed > 5", []ref{{"a", "classes[report].completed", "", "report", "a.classes[report].completed", 0, 10}}},
		{"a.servers[app-1].requests > 0", []ref{{"a", "servers[app-1].requests", "app-1", "", "a.servers[app-1].requests", 0, 10}}},
		{"a.servers[ app-1 ].requests > 0", []ref{{"a", "servers[app-1].requests", "app-1", "", "a.servers[ app-1 ].requests", 0, 10}}},
		{"a.failed_by_cause.timeout == 0", []ref{{"a", "failed_by_cause.timeout", "", "", "a.failed_by_cause.timeout", 0, 0}}},
		{"a.crashes[0].detected_after_s < 5", []ref{{"a", "crashes[0].detected_after_s", "", "", "a.crashes[0].detected_after_s", 0, 0}}},
		{"a.scaling[2].to <= 4", []ref{{"a", "scaling[2].to", "", "", "a.scaling[2].to", 0, 0}}},
		{"bounded_load(c=1.5).p99 < 5", []ref{{"bounded_load(c=1.5)", "latency_ms.p99", "", "", "bounded_load(c=1.5).p99", 0, 0}}},
		{
			"abs(b(c=2, d=1s).cache_hit_rate - b.cache_hit_rate) < 0.1",
			[]ref{
				{"b(c=2, d=1s)", "cache_hit_rate", "", "", "b(c=2, d=1s).cache_hit_rate", 4, 0},
				{"b", "cache_hit_rate", "", "", "b.cache_hit_rate", 34, 0},
			},
		},
		{
			"least_connections.p99 < 0.5 * round_robin.p99",
			[]ref{
				{"least_connections", "latency_ms.p99", "", "", "least_connections.p99", 0, 0},
				{"round_robin", "latency_ms.p99", "", "", "round_robin.p99", 30, 0},
			},
		},
		{
			"0.45 <= w.servers[big].requests / w.completed <= 0.55",
			[]ref{
				{"w", "servers[big].requests", "big", "", "w.servers[big].requests", 8, 18},
				{"w", "completed", "", "", "w.completed", 34, 0},
			},
		},
	}
	for _, tt := range tests {
		e := mustParse(t, tt.text)
		var got []ref
		for _, r := range e.Refs() {
			got = append(got, ref{r.Algorithm, r.Metric, r.Server, r.Class, r.String(), r.Offset, r.KeyOffset})
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Refs(%q) =\n%+v\nwant\n%+v", tt.text, got, tt.want)
		}
		if e.String() != tt.text {
			t.Errorf("String() = %q, want the text as written", e.String())
		}
	}
}

// TestRefQuotedKey checks that a quoted name may hold "]", which an
// unquoted one cannot.
func TestRefQuotedKey(t *testing.T) {
	e, err := ParseExpectation(`round_robin.servers["a]b"].requests == 7`)
	if err != nil {
		t.Fatal(err)
	}
	r := e.Refs()[0]
	if r.Server != "a]b" || r.KeyOffset != 20 || r.Metric != `servers["a]b"].requests` {
		t.Errorf("ref = %+v, want Server a]b at KeyOffset 20, metric ...].requests", r)
	}
	if o := e.Eval(evalRun()); !o.Passed || o.Values[`round_robin.servers["a]b"].requests`] != 7 {
		t.Errorf("Eval = %+v, want passed reading 7", o)
	}
}

// evalRun is a hand-built two-algorithm run with every kind of metric the
// expectation language reads.
func evalRun() *results.Comparison {
	return &results.Comparison{
		Scenario: "eval", Seed: 1, Requests: 1000,
		Results: []results.Result{
			{
				Algorithm: "round_robin", Completed: 1000, Failed: 10, Rejected: 2,
				FailedByCause: map[string]int64{"timeout": 4, "refused": 6},
				Crashes:       []results.Crash{{Server: "app-1", AtS: 10, DetectedAfterS: 2.5, FailedDuring: 3}},
				ThroughputRPS: 20,
				Latency:       results.Latency{Mean: 120, P50: 100, P99: 460.8, Max: 900},
				Fairness:      results.Fairness{JainUtilization: 0.9, MaxOverMeanUtilization: 1.2},
				Servers: []results.Server{
					{Name: "app-1", Requests: 600, Utilization: 0.6},
					{Name: "app-2", Requests: 400, Utilization: 0.4},
					{Name: "a]b", Requests: 7},
				},
				Classes: []results.Class{
					{Name: "profile", Completed: 990, Latency: results.Latency{P99: 50}},
					{Name: "report", Completed: 10, Latency: results.Latency{P99: 5000}},
				},
			},
			{
				Algorithm: "least_connections", Completed: 1000, ThroughputRPS: 20,
				Latency:  results.Latency{Mean: 80, P99: 210.5},
				Fairness: results.Fairness{JainUtilization: 0.99, MaxOverMeanUtilization: 1.01},
				Servers: []results.Server{
					{Name: "app-1", Requests: 500, Utilization: 0.5},
					{Name: "app-2", Requests: 500, Utilization: 0.5},
				},
			},
		},
	}
}

// TestEval checks each operator's verdict and the sign of Margin, which
// Expectations uses to pick the seed where an expectation held least,
// and the arithmetic: precedence, associativity, unary minus, percent and
// functions.
func TestEval(t *testing.T) {
	tests := []struct {
		text   string
		passed bool
		margin float64
		sides  []float64
	}{
		{"round_robin.p99 < 500", true, 39.2, []float64{460.8, 500}},
		{"round_robin.p99 < 460.8", false, 0, nil},
		{"round_robin.p99 < 400", false, -60.8, nil},
		{"round_robin.p99 <= 460.8", true, 0, nil},
		{"round_robin.p99 <= 400", false, -60.8, nil},
		{"round_robin.p99 > 400", true, 60.8, nil},
		{"round_robin.p99 > 460.8", false, 0, nil},
		{"round_robin.p99 >= 460.8", true, 0, nil},
		{"round_robin.p99 >= 500", false, -39.2, nil},
		{"round_robin.completed == 1000", true, 0, nil},
		{"round_robin.completed == 999", false, -1, nil},
		{"round_robin.completed == 1001", false, -1, nil},
		{"round_robin.completed != 999", true, 1, nil},
		{"round_robin.completed != 1000", false, 0, nil},
		{"500 > round_robin.p99", true, 39.2, []float64{500, 460.8}},
		// A chain holds when every link does; its margin is the least link's.
		{"0.4 <= round_robin.servers[app-2].requests / round_robin.completed <= 0.6", true, 0, []float64{0.4, 0.4, 0.6}},
		{"0.3 <= round_robin.servers[app-2].requests / round_robin.completed <= 0.6", true, 0.1, nil},
		{"0.7 <= round_robin.servers[app-1].requests / round_robin.completed <= 0.8", false, -0.1, nil},
		{"0.5 <= round_robin.servers[app-1].requests / round_robin.completed <= 0.55", false, -0.05, nil},
		{"1 < 2 < round_robin.failed", true, 1, []float64{1, 2, 10}},
		{"1 < 2 > round_robin.failed", false, -8, nil},
		// * and / bind tighter than + and -; both associate to the left.
		{"1 + 2 * 3 == 7 + 0 * round_robin.p99", true, 0, []float64{7, 7}},
		{"round_robin.failed + 2 * 3 == 16", true, 0, nil},
		{"(round_robin.failed + 2) * 3 == 36", true, 0, nil},
		{"round_robin.failed - 2 - 3 == 5", true, 0, nil},
		{"round_robin.completed / 10 / 2 == 50", true, 0, nil},
		{"-round_robin.failed == -10", true, 0, []float64{-10, -10}},
		{"--round_robin.failed == 10", true, 0, nil},
		{"2 - -round_robin.failed == 12", true, 0, nil},
		{"-round_robin.failed * 2 == -20", true, 0, nil},
		{"-(round_robin.failed - 15) == 5", true, 0, nil},
		{"5% == 0.05 + 0 * round_robin.p99", true, 0, []float64{0.05, 0.05}},
		{"round_robin.failed / round_robin.completed == 1%", true, 0, nil},
		{"round_robin.failed / round_robin.completed < 0.5%", false, -0.005, nil},
		{"abs(least_connections.failed - round_robin.failed) == 10", true, 0, []float64{10, 10}},
		{"abs(round_robin.failed) == 10", true, 0, nil},
		{"min(round_robin.p99, least_connections.p99, 300) == 210.5", true, 0, nil},
		{"min(round_robin.p99, 300) == 300", true, 0, nil},
		{"max(round_robin.failed, 3, least_connections.failed) == 10", true, 0, nil},
		{"max(least_connections.failed, 3) == 3", true, 0, nil},
		// Metrics of every shape.
		{"least_connections.jain_utilization > round_robin.fairness.jain_utilization", true, 0.09, []float64{0.99, 0.9}},
		{"round_robin.classes[report].p99 > 10 * round_robin.classes[profile].latency_ms.p99", true, 4500, []float64{5000, 500}},
		{"round_robin.classes[profile].completed == 990", true, 0, nil},
		{"round_robin.failed_by_cause.timeout == 4", true, 0, nil},
		{"round_robin.crashes[0].detected_after_s < 3", true, 0.5, nil},
		{"round_robin.servers[app-1].utilization == 0.6", true, 0, nil},
		// A cause that did not happen is absent from the map, or the map
		// is nil: it reads as 0.
		{"round_robin.failed_by_cause.queue_full == 0", true, 0, nil},
		{"least_connections.failed_by_cause.timeout == 0", true, 0, nil},
	}
	c := evalRun()
	for _, tt := range tests {
		e := mustParse(t, tt.text)
		o := e.Eval(c)
		if o.Problem != "" {
			t.Errorf("%s: Problem %q", tt.text, o.Problem)
			continue
		}
		if o.Passed != tt.passed {
			t.Errorf("%s: Passed = %v, want %v (sides %v)", tt.text, o.Passed, tt.passed, o.Sides)
		}
		if math.Abs(o.Margin-tt.margin) > 1e-9 {
			t.Errorf("%s: Margin = %v, want %v", tt.text, o.Margin, tt.margin)
		}
		if tt.passed && o.Margin < 0 || !tt.passed && o.Margin > 0 {
			t.Errorf("%s: Margin %v has the wrong sign for Passed=%v", tt.text, o.Margin, o.Passed)
		}
		if tt.sides != nil && !approxEqual(o.Sides, tt.sides) {
			t.Errorf("%s: Sides = %v, want %v", tt.text, o.Sides, tt.sides)
		}
	}
}

func approxEqual(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Abs(a[i]-b[i]) > 1e-9 {
			return false
		}
	}
	return true
}

// TestEvalValues checks Values is keyed by each reference as written, so
// two spellings of one metric are two keys.
func TestEvalValues(t *testing.T) {
	e, err := ParseExpectation("round_robin.p99 + round_robin.latency_ms.p99 > 2 * least_connections.p99")
	if err != nil {
		t.Fatal(err)
	}
	o := e.Eval(evalRun())
	want := map[string]float64{"round_robin.p99": 460.8, "round_robin.latency_ms.p99": 460.8, "least_connections.p99": 210.5}
	if !reflect.DeepEqual(o.Values, want) {
		t.Errorf("Values = %v, want %v", o.Values, want)
	}
	if !o.Passed {
		t.Errorf("921.6 > 421 failed: %+v", o)
	}
}

// TestEvalProblems checks that a metric the run lacks, or a side that is
// not a number, fails the expectation with a Problem instead of a verdict.
func TestEvalProblems(t *testing.T) {
	tests := []struct{ text, problem string }{
		{"round_robin.p99 / least_connections.failed < 5", "round_robin.p99 / least_connections.failed is not a finite number (a division by zero or an overflow)"},
		{"least_connections.failed / least_connections.failed == 0", "is not a finite number"},
		{"1 < -round_robin.p99 / (round_robin.failed - 10)", "-round_robin.p99 / (round_robin.failed - 10) is not a finite number"},
		// A division by zero inside a call or a reciprocal is caught too.
		{"min(round_robin.p99 / least_connections.failed, 1000) > 999", "is not a finite number"},
		{"1 / (round_robin.p99 / least_connections.failed) == 0", "is not a finite number"},
		{"round_robin.servers[app-9].requests > 0", "the round_robin run has no servers[app-9].requests"},
		{"least_connections.classes[profile].p99 > 0", "the least_connections run has no classes[profile].latency_ms.p99"},
		{"random.p99 < 5", "random was not run"},
		{"round_robin.p99 < 2 * random.p99", "random was not run"},
		{"round_robin.crashes[1].detected_after_s < 5", "the round_robin run has no crashes[1].detected_after_s"},
		{"least_connections.crashes[0].at_s < 5", "the least_connections run has no crashes[0].at_s"},
	}
	c := evalRun()
	for _, tt := range tests {
		e := mustParse(t, tt.text)
		o := e.Eval(c)
		if o.Passed || !strings.Contains(o.Problem, tt.problem) || !math.IsNaN(o.Margin) {
			t.Errorf("%s: Passed %v, Problem %q, Margin %v; want failed with problem %q and NaN margin",
				tt.text, o.Passed, o.Problem, o.Margin, tt.problem)
		}
		if d := e.Detail(o); d != o.Problem {
			t.Errorf("%s: Detail = %q, want the problem", tt.text, d)
		}
	}
}

// TestDetail checks the rendering of an outcome: numbers in place of the
// sides, and the metrics read only when a side is computed from them.
func TestDetail(t *testing.T) {
	small := &results.Comparison{Results: []results.Result{{Algorithm: "round_robin", Latency: results.Latency{P99: 2.499935}}}}
	tests := []struct {
		text string
		c    *results.Comparison
		want string
	}{
		{"round_robin.p99 < 500", evalRun(), "460.8 < 500"},
		{"round_robin.p99 > least_connections.p99", evalRun(), "460.8 > 210.5"},
		{"(round_robin.p99) < 500", evalRun(), "460.8 < 500"},
		{"least_connections.p99 < 0.5 * round_robin.p99", evalRun(),
			"210.5 < 230.4\nwhere least_connections.p99 = 210.5, round_robin.p99 = 460.8"},
		{"0.4 <= round_robin.servers[app-2].requests / round_robin.completed <= 0.6", evalRun(),
			"0.4 <= 0.4 <= 0.6\nwhere round_robin.servers[app-2].requests = 400, round_robin.completed = 1000"},
		{"-round_robin.failed_by_cause.queue_full == 0", evalRun(),
			"0 == 0\nwhere round_robin.failed_by_cause.queue_full = 0"},
		// A metric read twice is listed once; two spellings are two.
		{"round_robin.p99 - round_robin.p99 == 0 * round_robin.p99", evalRun(),
			"0 == 0\nwhere round_robin.p99 = 460.8"},
		{"round_robin.p99 + round_robin.latency_ms.p99 > round_robin.p99", evalRun(),
			"921.6 > 460.8\nwhere round_robin.p99 = 460.8, round_robin.latency_ms.p99 = 460.8"},
		// 7 significant digits: 2.499935 must not pass for 2.5.
		{"round_robin.p99 < 2.5", small, "2.499935 < 2.5"},
		{"round_robin.p99 / 3 < 1", small, "0.8333116667 < 1\nwhere round_robin.p99 = 2.499935"},
	}
	for _, tt := range tests {
		e := mustParse(t, tt.text)
		if got := e.Detail(e.Eval(tt.c)); got != tt.want {
			t.Errorf("Detail(%s) = %q, want %q", tt.text, got, tt.want)
		}
	}
}

// TestFormatNumber checks numbers keep 10 significant digits, drop float
// noise, and print without exponents or a negative zero.
func TestFormatNumber(t *testing.T) {
	tests := []struct {
		v    float64
		want string
	}{
		{2.499935, "2.499935"},
		{2.49993541234, "2.499935412"},
		{2.49993567891, "2.499935679"},
		{2.5, "2.5"},
		{0.1 + 0.2, "0.3"},
		{1234567.8, "1234567.8"},
		{12345678, "12345678"},
		{12345679, "12345679"},
		{12345678901, "12345678900"},
		{0.000123456789012, "0.000123456789"},
		{-460.8, "-460.8"},
		{math.Copysign(0, -1), "0"},
		{1e20, "100000000000000000000"},
	}
	for _, tt := range tests {
		if got := formatNumber(tt.v); got != tt.want {
			t.Errorf("formatNumber(%v) = %q, want %q", tt.v, got, tt.want)
		}
	}
}

// mustParse parses an expectation a test means to be valid.
func mustParse(t *testing.T, text string) *Expectation {
	t.Helper()
	e, err := ParseExpectation(text)
	if err != nil {
		t.Fatalf("ParseExpectation(%q): %v", text, err)
	}
	return e
}
