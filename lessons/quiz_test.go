package lessons

import (
	"strings"
	"testing"

	"github.com/lbsim/lbsim/results"
)

// TestQuizWinners runs every question: the run's winner is an accepted
// answer, and the verdict quotes the run's numbers.
func TestQuizWinners(t *testing.T) {
	want := []string{"round_robin", "least_connections", "ip_hash", "weighted_round_robin", "round_robin"}
	if len(Quiz) != len(want) {
		t.Fatalf("%d questions, want %d", len(Quiz), len(want))
	}
	for i := range Quiz {
		q := &Quiz[i]
		t.Run(q.Scenario, func(t *testing.T) {
			a, err := q.Answer()
			if err != nil {
				t.Fatal(err)
			}
			w := a.Comparison.Results[a.Winner]
			if w.Algorithm != want[i] || !q.Right(w.Algorithm) {
				t.Errorf("winner %s, want %s (accepted: %v)", w.Algorithm, want[i], q.Accept)
			}
			if v := a.Verdict(); !strings.HasPrefix(v, w.Algorithm) || !strings.Contains(v, FormatMS(a.Scores[a.Winner])) {
				t.Errorf("verdict %q does not quote the winner's %s", v, FormatMS(a.Scores[a.Winner]))
			}
		})
	}
}

// TestJudge pins the rule on made-up scores: the simplest within the
// margin of the best wins, else the best.
func TestJudge(t *testing.T) {
	q := &Question{}
	run := func(scores map[string]float64, order ...string) string {
		c := &results.Comparison{}
		for _, name := range order {
			c.Results = append(c.Results, results.Result{Algorithm: name, Latency: results.Latency{P99: scores[name]}})
		}
		a := judge(q, c)
		return c.Results[a.Winner].Algorithm
	}
	tests := []struct {
		scores map[string]float64
		want   string
	}{
		{map[string]float64{"least_connections": 100, "round_robin": 119}, "round_robin"},
		{map[string]float64{"least_connections": 100, "round_robin": 121}, "least_connections"},
		{map[string]float64{"power_of_two": 100, "least_connections": 110, "round_robin": 500}, "least_connections"},
		{map[string]float64{"round_robin": 100, "random": 100}, "round_robin"},
		{map[string]float64{"some_new_policy": 100, "least_response_time": 100}, "least_response_time"},
	}
	for _, tt := range tests {
		var order []string
		for name := range tt.scores {
			order = append(order, name)
		}
		for _, o := range [][]string{order, reversed(order)} {
			if got := run(tt.scores, o...); got != tt.want {
				t.Errorf("%v in order %v: winner %s, want %s", tt.scores, o, got, tt.want)
			}
		}
	}
}

func reversed(s []string) []string {
	out := make([]string, len(s))
	for i, v := range s {
		out[len(s)-1-i] = v
	}
	return out
}

// TestVerdict checks the verdict's wording against the scores: a win by
// more than the margin, the simplest within it, and a tie.
func TestVerdict(t *testing.T) {
	q := &Question{}
	tests := []struct {
		scores []float64 // round_robin, least_connections
		want   string
	}{
		{[]float64{500, 100}, "least_connections has the best p99 latency by more than 20%: 100.0 ms, against 500.0 ms for the next best, round_robin."},
		{[]float64{110, 100}, "round_robin's p99 latency, 110.0 ms, is within 20% of the best (least_connections: 100.0 ms), and round_robin is simpler."},
		{[]float64{100, 100.01}, "round_robin ties for the best p99 latency, 100.0 ms, with least_connections, and is the simplest of the algorithms within 20% of it."},
	}
	for _, tt := range tests {
		c := &results.Comparison{}
		for i, name := range []string{"round_robin", "least_connections"} {
			c.Results = append(c.Results, results.Result{Algorithm: name, Latency: results.Latency{P99: tt.scores[i]}})
		}
		if got := judge(q, c).Verdict(); got != tt.want {
			t.Errorf("scores %v:\n got %s\nwant %s", tt.scores, got, tt.want)
		}
	}
}

func TestGuess(t *testing.T) {
	tests := []struct{ text, want string }{
		{"round_robin", "round_robin"},
		{"Round Robin", "round_robin"},
		{" round-robin ", "round_robin"},
		{"ROUND_ROBIN", "weighted_round_robin"}, // Envoy's, which honours weights
		{"leastconn", "least_connections"},
		{"least conn", "least_connections"},
		{"Least Request", "weighted_least_request"}, // Envoy's LEAST_REQUEST
		{"random two least_conn", "power_of_two"},
		{"static-rr", "weighted_round_robin"},
		{"", ""},
		{"fastest", ""},
		{"round robbin", ""},
	}
	for _, tt := range tests {
		got, ok := Guess(tt.text)
		if got != tt.want || ok != (tt.want != "") {
			t.Errorf("Guess(%q) = %q, %v; want %q", tt.text, got, ok, tt.want)
		}
	}
	q := &Quiz[1] // least_connections
	for _, name := range []string{"least_connections", "leastconn", "least_conn"} {
		if !q.Right(name) {
			t.Errorf("Right(%q) = false for %s", name, q.Accept)
		}
	}
	if q.Right("round_robin") {
		t.Error("Right(round_robin) = true")
	}
}

// TestJudgeByScenario: the figure the scenario names decides, and the
// verdict names it.
func TestJudgeByScenario(t *testing.T) {
	tests := []struct {
		judge       results.Figure
		winner, say string
	}{
		{results.FigureMean, "least_connections", "mean latency"},
		{results.FigureP99, "power_of_two", "p99 latency"},
		{"", "power_of_two", "p99 latency"}, // results that predate judge:
	}
	for _, tt := range tests {
		c := &results.Comparison{Judge: tt.judge, Results: []results.Result{
			{Algorithm: "least_connections", Latency: results.Latency{Mean: 100, P99: 900}},
			{Algorithm: "power_of_two", Latency: results.Latency{Mean: 200, P99: 300}},
		}}
		a := judge(&Question{}, c)
		if got := c.Results[a.Winner].Algorithm; got != tt.winner || !strings.Contains(a.Verdict(), tt.say) {
			t.Errorf("judge %q: winner %s, verdict %q; want %s and %q", tt.judge, got, a.Verdict(), tt.winner, tt.say)
		}
	}
}
