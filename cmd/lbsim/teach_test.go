package main

import (
	"io"
	"regexp"
	"strings"
	"testing"
)

// TestTeachingExitCodes holds explain, trace and quiz to the exit code
// contract: 0 and the lesson, or 2 and a message saying what was wrong.
func TestTeachingExitCodes(t *testing.T) {
	tests := []cliCase{
		{"explain", []string{"explain", "least_connections"}, 0, "", "Use it when\n  Request durations vary widely"},
		{"explain demo", []string{"explain", "round_robin"}, 0, "", "sent to a busy server: requests 4 and 7."},
		{"explain unknown", []string{"explain", "least_conn"}, 2, `unknown algorithm "least_conn" (known: ip_hash, least_connections,`, ""},
		{"explain nothing", []string{"explain"}, 2, "explain takes one ALGORITHM (one of ip_hash,", ""},
		{"explain two", []string{"explain", "random", "ip_hash"}, 2, "explain takes one ALGORITHM", ""},
		{"trace", []string{"trace", "crash-with-health-checks", "--algorithm", "round_robin", "--from", "2m", "--first", "1"}, 0, "",
			"crash-with-health-checks with round_robin, seed 1, from t=120.000s:\nt=120.000s app-2 crashed (in flight"},
		{"trace the only algorithm", []string{"trace", writeFile(t, "one.yaml", stagger+"algorithms: [random]\n"), "--first", "1"}, 0, "", "one with random"},
		{"trace past the end", []string{"trace", writeFile(t, "s.yaml", stagger), "--algorithm", "random", "--from", "1h"}, 0, "", "(the run ended after 0 decisions)"},
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

// stagger is three single-slot servers and a 250 ms request every 100 ms:
// under round robin each server's request ends 50 ms before its next
// turn.
const stagger = `name: one
requests: 20
servers: [{name: app, count: 3}]
workload:
  arrival: {process: constant, rate: 10}
  service: {dist: constant, mean: 250ms}
`

var inFlight = regexp.MustCompile(`-> (app-\d) \(in flight app-1=(\d) app-2=(\d) app-3=(\d)\)$`)

// TestTraceFirst: --first 5 prints the header and exactly five decisions,
// in turn, each with the in-flight counts counted by hand.
func TestTraceFirst(t *testing.T) {
	code, out, stderr := cli("trace", writeFile(t, "s.yaml", stagger), "--algorithm", "round_robin", "--first", "5")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != 6 || lines[0] != "one with round_robin, seed 1, from t=0.000s:" {
		t.Fatalf("want a header and 5 decisions, got:\n%s", out)
	}
	want := [][]string{
		{"app-1", "0", "0", "0"},
		{"app-2", "1", "0", "0"},
		{"app-3", "1", "1", "0"},
		{"app-1", "0", "1", "1"},
		{"app-2", "1", "0", "1"},
	}
	for i, line := range lines[1:] {
		m := inFlight.FindStringSubmatch(line)
		if m == nil || strings.Join(m[1:], " ") != strings.Join(want[i], " ") {
			t.Errorf("decision %d: %q, want %s with in flight %v", i+1, line, want[i][0], want[i][1:])
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
// and says whether it was right.
func TestQuizAsks(t *testing.T) {
	oldIn, oldTerm := stdin, terminal
	defer func() { stdin, terminal = oldIn, oldTerm }()
	stdin = strings.NewReader("round_robin\n")
	terminal = func(io.Reader) bool { return true }
	code, out, stderr := cli("quiz", "--question", "3")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	ask, answer := strings.Index(out, "Your pick: "), strings.Index(out, "Answer: ip_hash (you picked round_robin)")
	if ask < 0 || answer < ask {
		t.Errorf("want the prompt, then the answer and the pick:\n%s", out)
	}
	stdin = strings.NewReader("ip_hash\n")
	if _, out, _ = cli("quiz", "--question", "3"); !strings.Contains(out, "(you picked ip_hash: right)") {
		t.Errorf("a right pick is not called right:\n%s", out)
	}
}
