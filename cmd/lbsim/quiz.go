package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/lbsim/lbsim/internal/suggest"
	"github.com/lbsim/lbsim/lessons"
	"github.com/lbsim/lbsim/scenarios"
)

// stdin is where quiz reads guesses, and terminal says whether it is a
// person at a terminal (then quiz asks before it answers); tests replace
// both.
var (
	stdin    io.Reader = os.Stdin
	terminal           = func(r io.Reader) bool { return isTerminal(r) }
)

func quizCmd(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("quiz", stderr)
	question := fs.Int("question", 0, fmt.Sprintf("ask only this question, 1 to %d", len(lessons.Quiz)))
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: lbsim quiz [--question N]")
		fmt.Fprintln(stderr, "Five classic situations: which algorithm fits? Each answer is a real run of a bundled scenario.")
		fmt.Fprintln(stderr, "At a terminal it asks for your guess first; otherwise it prints everything.")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return usagef("quiz takes no arguments, got %q", fs.Args())
	}
	qs := lessons.Quiz
	if fs.Changed("question") {
		if *question < 1 || *question > len(qs) {
			return usagef("--question must be between 1 and %d, got %d", len(qs), *question)
		}
		qs = qs[*question-1 : *question]
	}
	var guesses *bufio.Scanner
	if terminal(stdin) {
		guesses = bufio.NewScanner(stdin)
	}
	w := &errWriter{w: stdout}
	w.printf("%s\n\n", wrap(lessons.Rule, "", textWidth))
	for i := range qs {
		q := &qs[i]
		number := i + 1
		if fs.Changed("question") {
			number = *question
		}
		if err := askQuestion(w, q, number, guesses); err != nil {
			return err
		}
	}
	return w.err
}

// askQuestion asks q, reads a guess when guesses is set, runs the
// question's scenario and shows the answer with its numbers.
func askQuestion(w *errWriter, q *lessons.Question, number int, guesses *bufio.Scanner) error {
	sc, err := scenarios.Open(q.Scenario)
	if err != nil {
		return err
	}
	w.printf("Question %d of %d: %s\n%s\n", number, len(lessons.Quiz), q.Title, wrap(q.Prompt, "  ", textWidth))
	w.printf("%s\n\n", wrap("Choose from: "+strings.Join(sc.Algorithms, ", "), "  ", textWidth))
	typed := ""
	if guesses != nil {
		w.printf("Your pick: ")
		if guesses.Scan() {
			typed = strings.TrimSpace(guesses.Text())
		}
		w.printf("\n")
	}
	a, err := q.Answer()
	if err != nil {
		return err
	}
	winner := a.Comparison.Results[a.Winner].Algorithm
	verdict := ""
	// "Round Robin" and "round-robin" mean round_robin, "leastconn"
	// least_connections.
	switch guess, known := lessons.Guess(typed); {
	case typed == "":
	case !known:
		verdict = fmt.Sprintf(" (you picked %q, which is not an algorithm", typed)
		if near, ok := suggest.Nearest(typed, sc.Algorithms); ok {
			verdict += fmt.Sprintf("; did you mean %s?", near)
		}
		verdict += ")"
	case q.Right(guess):
		verdict = " (you picked " + guess + ": right)"
	default:
		verdict = " (you picked " + guess + ")"
	}
	w.printf("Answer: %s%s\n", strings.Join(q.Accept, " or "), verdict)
	c := a.Comparison
	w.printf("  The run: %s, seed %d, %d requests for each algorithm\n", c.Scenario, c.Seed, c.Requests)
	w.printf("%s", answerTable(a))
	w.printf("%s\n", wrap(a.Verdict()+" "+q.Why, "  ", textWidth))
	if !q.Right(winner) {
		// The run disagrees with the lesson: say so rather than hide it.
		w.printf("  (This run picks %s, not the expected answer.)\n", winner)
	}
	w.printf("\n")
	return nil
}

// answerTable is the run's results as an indented table: mean and p99
// latency, session misses when the scenario keeps sessions, and which
// algorithm won and which was best.
func answerTable(a *lessons.Answer) string {
	res := a.Comparison.Results
	misses := false
	for _, r := range res {
		misses = misses || r.SessionMisses > 0
	}
	rows := [][]string{{"algorithm", "mean", "p99"}}
	if misses {
		rows[0] = append(rows[0], "session misses")
	}
	for _, r := range res {
		row := []string{r.Algorithm, lessons.FormatMS(r.Latency.Mean), lessons.FormatMS(r.Latency.P99)}
		if misses {
			row = append(row, strconv.FormatInt(r.SessionMisses, 10))
		}
		rows = append(rows, row)
	}
	widths := make([]int, len(rows[0]))
	for _, row := range rows {
		for j, cell := range row {
			widths[j] = max(widths[j], len(cell))
		}
	}
	var b strings.Builder
	for i, row := range rows {
		line := "    " + fmt.Sprintf("%-*s", widths[0], row[0])
		for j := 1; j < len(row); j++ {
			line += fmt.Sprintf("  %*s", widths[j], row[j])
		}
		switch k := i - 1; {
		case k == a.Winner:
			line += "  winner"
		case k == a.Best:
			line += "  best " + a.Comparison.Judge.Text()
		}
		b.WriteString(line + "\n")
	}
	return b.String()
}
