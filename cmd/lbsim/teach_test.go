package main

import (
	"fmt"
	"io"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/lbsim/lbsim/scenarios"
	"github.com/lbsim/lbsim/sim"
)

// TestTeachingExitCodes holds explain, trace and quiz to the exit code
// contract: 0 and the lesson, or 2 and a message saying what was wrong.
func TestTeachingExitCodes(t *testing.T) {
	tests := []cliCase{
		{"explain", []string{"explain", "least_connections"}, 0, "", "Use it when\n  Request durations vary widely"},
		{"explain demo", []string{"explain", "round_robin"}, 0, "", "sent to a busy server: requests 4 and 7."},
		{"explain unknown", []string{"explain", "fastest"}, 2, `unknown algorithm "fastest" (known: bounded_load, consistent_hash, ip_hash,`, ""},
		{"explain misspelt", []string{"explain", "least_connection"}, 2, `unknown algorithm "least_connection", did you mean "least_connections"? (known: bounded_load,`, ""},
		{"explain an alias", []string{"explain", "leastconn"}, 0, "", "least_connections: fewest requests in flight"},
		{"trace an alias", []string{"trace", "mixed-50ms-5s", "--algorithm", "leastconn", "--first", "1"}, 0, "", "mixed-50ms-5s with least_connections, seed 1"},
		{"trace one decision", []string{"trace", writeFile(t, "one.yaml", strings.Replace(one, "requests: 20", "requests: 1", 1))}, 0, "", "(the run ended after 1 decision)\n"},
		{"explain nothing", []string{"explain"}, 2, "explain takes one ALGORITHM (one of bounded_load,", ""},
		{"explain two", []string{"explain", "random", "ip_hash"}, 2, "explain takes one ALGORITHM", ""},
		{"trace", []string{"trace", "crash-with-health-checks", "--algorithm", "round_robin", "--from", "2m", "--first", "1"}, 0, "",
			"crash-with-health-checks with round_robin, seed 1, from t=120.000s:\nt=120.000s app-2 crashed (in flight"},
		{"trace the only algorithm", []string{"trace", writeFile(t, "one.yaml", one), "--first", "1"}, 0, "", "one with random"},
		{"trace past the end", []string{"trace", writeFile(t, "one.yaml", one), "--algorithm", "random", "--from", "1h"}, 0, "", "(the run ended after 0 decisions)"},
		{"trace without algorithm", []string{"trace", "mixed-50ms-5s"}, 2, "trace needs --algorithm: mixed-50ms-5s runs round_robin, least_connections", ""},
		{"trace unknown algorithm", []string{"trace", "mixed-50ms-5s", "--algorithm", "fastest"}, 2, `--algorithm: unknown algorithm "fastest"`, ""},
		{"trace first 0", []string{"trace", "mixed-50ms-5s", "--algorithm", "random", "--first", "0"}, 2, "--first must be at least 1", ""},
		{"trace first not a number", []string{"trace", "mixed-50ms-5s", "--algorithm", "random", "--first", "x"}, 2, "--first", ""},
		{"trace bad from", []string{"trace", "mixed-50ms-5s", "--algorithm", "random", "--from", "soon"}, 2, `--from must be a virtual time such as 90s or 2m, got "soon"`, ""},
		{"trace negative from", []string{"trace", "mixed-50ms-5s", "--algorithm", "random", "--from", "-1s"}, 2, "--from", ""},
		{"trace no scenario", []string{"trace"}, 2, "trace takes one SCENARIO", ""},
		{"trace missing file", []string{"trace", "no/such.yaml", "--algorithm", "random"}, 2, "no/such.yaml", ""},
		{"quiz one question", []string{"quiz", "--question", "3"}, 0, "", "Question 3 of 5: A shopping cart kept in server memory"},
		{"quiz question 0", []string{"quiz", "--question", "0"}, 2, "--question must be between 1 and 5, got 0", ""},
		{"quiz question 6", []string{"quiz", "--question", "6"}, 2, "--question must be between 1 and 5", ""},
		{"quiz argument", []string{"quiz", "now"}, 2, "quiz takes no arguments", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, tt.run)
	}
}

// one is a small scenario that runs one algorithm.
const one = "name: one\nrequests: 20\nservers: [{name: app, count: 3}]\n" +
	"workload: {arrival: {rate: 10}, service: {dist: constant, mean: 250ms}}\nalgorithms: [random]\n"

var state = regexp.MustCompile(`-> (\S+) \(in flight app-1=(\d+) app-2=(\d+) app-3=(\d+) app-4=(\d+)\)$`)

// TestTraceFirst: --first 5 prints the header and exactly five decisions,
// each with the server and the in-flight counts the simulator's own trace
// reports for it.
func TestTraceFirst(t *testing.T) {
	code, out, stderr := cli("trace", "mixed-50ms-5s", "--algorithm", "least_connections", "--from", "90s", "--first", "5")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != 6 || lines[0] != "mixed-50ms-5s with least_connections, seed 1, from t=90.000s:" {
		t.Fatalf("want a header and 5 decisions, got:\n%s", out)
	}
	sc, err := scenarios.Open("mixed-50ms-5s")
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	err = sim.Trace(sc, "least_connections", 0, func(ev *sim.TraceEvent) bool {
		if ev.At >= 90*time.Second && ev.Kind == sim.Routed {
			want = append(want, fmt.Sprint(ev.Server, ev.InFlight))
		}
		return len(want) < 5
	})
	if err != nil {
		t.Fatal(err)
	}
	for i, line := range lines[1:] {
		m := state.FindStringSubmatch(line)
		if m == nil || fmt.Sprint(m[1], m[2:]) != want[i] {
			t.Errorf("decision %d: %q, want %s", i+1, line, want[i])
		}
	}
}

// TestTeachingReproducible: the same command prints the same bytes.
func TestTeachingReproducible(t *testing.T) {
	for _, args := range [][]string{
		{"explain", "power_of_two"},
		{"trace", "mixed-50ms-5s", "--algorithm", "power_of_two", "--first", "50"},
		{"quiz", "--question", "2"},
	} {
		_, a, _ := cli(args...)
		_, b, _ := cli(args...)
		if a != b || a == "" {
			t.Errorf("%v: two runs differ or print nothing", args)
		}
	}
}

// TestQuizAnswers: without a terminal the quiz prints every question with
// its answer, the run's table and the winner, which is the expected one.
func TestQuizAnswers(t *testing.T) {
	code, out, stderr := cli("quiz")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	winners := regexp.MustCompile(`(?m)^    (\w+) .*  winner$`).FindAllStringSubmatch(out, -1)
	var got []string
	for _, m := range winners {
		got = append(got, m[1])
	}
	want := "round_robin least_connections ip_hash weighted_round_robin round_robin"
	if strings.Join(got, " ") != want {
		t.Errorf("winners %v, want %s\n%s", got, want, out)
	}
	if strings.Count(out, "\nAnswer: ") != 5 || strings.Contains(out, "Your pick") || strings.Contains(out, "not the expected answer") {
		t.Errorf("want five answers, no prompts and no disagreement:\n%s", out)
	}
}

// TestQuizAsks: at a terminal the quiz asks for a pick before each answer
// and says whether it was right. A pick may be an alias, and is named as
// the algorithm it stands for.
func TestQuizAsks(t *testing.T) {
	oldIn, oldTerm := stdin, terminal
	defer func() { stdin, terminal = oldIn, oldTerm }()
	terminal = func(io.Reader) bool { return true }
	tests := []struct{ pick, want string }{
		{"round_robin", "Answer: ip_hash (you picked round_robin)\n"},
		{" IP-hash", "Answer: ip_hash (you picked ip_hash: right)\n"},
		{"source", "Answer: ip_hash (you picked ip_hash: right)\n"},
		{"Least Conn", "Answer: ip_hash (you picked least_connections)\n"},
		{"ip hsah", `Answer: ip_hash (you picked "ip hsah", which is not an algorithm; did you mean ip_hash?)`},
		{"fastest", `Answer: ip_hash (you picked "fastest", which is not an algorithm)`},
	}
	for _, tt := range tests {
		stdin = strings.NewReader(tt.pick + "\n")
		code, out, stderr := cli("quiz", "--question", "3")
		if code != 0 {
			t.Fatalf("%q: exit %d: %s", tt.pick, code, stderr)
		}
		ask, answer := strings.Index(out, "Your pick: "), strings.Index(out, tt.want)
		if ask < 0 || answer < ask {
			t.Errorf("%q: want the prompt, then %q:\n%s", tt.pick, tt.want, out)
		}
	}
}

func TestWrap(t *testing.T) {
	tests := []struct {
		text  string
		width int
		want  string
	}{
		{"one two three", 9, "  one two\n  three"},
		{"a enormous word", 5, "  a\n  enormous\n  word"},
		{"took 122.5 ms, then", 13, "  took\n  122.5 ms,\n  then"},
		{"", 10, "  "},
	}
	for _, tt := range tests {
		if got := wrap(tt.text, "  ", tt.width); got != tt.want {
			t.Errorf("wrap(%q, %d) = %q, want %q", tt.text, tt.width, got, tt.want)
		}
	}
}
