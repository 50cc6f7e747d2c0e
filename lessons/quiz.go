package lessons

import (
	"fmt"
	"slices"
	"strings"

	"github.com/lbsim/lbsim/algorithms"
	"github.com/lbsim/lbsim/results"
	"github.com/lbsim/lbsim/scenarios"
	"github.com/lbsim/lbsim/sim"
)

// Question is one classic situation of the quiz, answered by running a
// bundled scenario whose expect: lines state the lesson.
type Question struct {
	// Title names the situation; Prompt asks the question.
	Title, Prompt string
	// Scenario is the bundled scenario that answers it; its judge: key
	// names the latency figure that decides between the algorithms.
	Scenario string
	// Accept lists the right answers.
	Accept []string
	// Why explains the answer.
	Why string
}

// Quiz holds the five classic situations, in order.
var Quiz = []Question{
	{
		Title:    "A simple website on identical servers",
		Prompt:   "A simple website runs on four identical servers, and its requests are short and all alike. Which algorithm would you pick?",
		Scenario: "identical-stateless",
		Accept:   []string{"round_robin"},
		Why:      "With equal servers and equal requests no server falls behind, so a smarter policy has nothing to notice: the ones that watch the servers win by a few percent at most. Round robin needs no state and no tuning.",
	},
	{
		Title:    "Video encoding jobs of 5 seconds to 5 minutes",
		Prompt:   "A video service encodes uploads on six encoders that take one job at a time. Nine jobs in ten are clips of under a minute; the tenth is a film that takes up to five minutes. Which algorithm would you pick?",
		Scenario: "quiz-video-encoding",
		Accept:   []string{"least_connections"},
		Why:      "When job lengths differ sixtyfold, dealing jobs out in turn queues clips behind a film on one encoder while another sits idle. Least connections gives each job to an encoder with the fewest jobs, usually a free one.",
	},
	{
		Title:    "A shopping cart kept in server memory",
		Prompt:   "A shop keeps each shopper's cart in the memory of the server that served them last. A request that lands on another server must rebuild the cart from the database, which costs 100 ms of work. Which algorithm would you pick?",
		Scenario: "quiz-shopping-cart",
		Accept:   []string{"ip_hash"},
		Why:      "Only a policy that sends a shopper back to the same server finds the cart there. ip_hash hashes the address, so it misses little more than each shopper's first visit, while the others miss about two requests in three and pay the rebuild each time. A sticky cookie or a shared session store is the sturdier fix: ip_hash loses the carts of a server that crashes, and puts every shopper behind one NAT gateway on one server.",
	},
	{
		Title:    "One new powerful server and two older ones",
		Prompt:   "One new server works 2.5 times as fast as each of the two older servers beside it. Which algorithm would you pick?",
		Scenario: "quiz-one-new-two-old",
		Accept:   []string{"weighted_round_robin"},
		Why:      "Round robin gives each server a third of the traffic, more than an old one can finish, so their queues grow for the whole run. Weights of 5:2:2 match the speeds. Least connections finds a similar split by watching the servers; the weights say it once, in the configuration, and need nothing from the servers.",
	},
	{
		Title:    "An API of independent requests",
		Prompt:   "An API answers independent requests from 50,000 clients on six servers with room to spare; no request needs any particular server. Which algorithm would you pick?",
		Scenario: "quiz-independent-api",
		Accept:   []string{"round_robin", "random"},
		Why:      "When any server can answer any request and none is overloaded, every policy lands within a few percent of the others, so pick the simplest: round robin, or random where several balancers cannot share a counter. Hashing clients to servers buys nothing here.",
	},
}

// Rule says how the quiz judges a run.
var Rule = fmt.Sprintf("Each answer is a run of a bundled scenario. The simplest algorithm within %.0f%% of the best wins: a policy that watches the servers has to be clearly better to be worth its moving parts.", Margin*100)

// Margin is how far behind the best a simpler algorithm may be and still
// win: a policy that watches the servers must beat a simpler one by more
// than this to be worth its moving parts.
const Margin = 0.2

// simplicity ranks the policies from the simplest: those that need nothing
// from the servers (rotations, draws, hashes), then those that count
// requests in flight, then the one that learns latencies. A policy not
// listed ranks last.
var simplicity = []string{"round_robin", "random", "weighted_round_robin", "ip_hash", "least_connections", "power_of_two", "least_response_time"}

func rank(name string) int {
	if i := slices.Index(simplicity, name); i >= 0 {
		return i
	}
	return len(simplicity)
}

// Answer is a question answered by its run.
type Answer struct {
	*Question
	Comparison *results.Comparison
	// Scores are the results' values of the metric, in the order of
	// Comparison.Results; Best indexes the lowest, Winner the simplest
	// within Margin of it.
	Scores       []float64
	Best, Winner int
}

// Right reports whether name, a policy or an alias of one, is an accepted
// answer.
func (q *Question) Right(name string) bool {
	if canon, ok := algorithms.Canonical(name); ok {
		name = canon
	}
	return slices.Contains(q.Accept, name)
}

// Guess reads an algorithm's name as a person types it at the quiz: as
// written ("leastconn", "ROUND_ROBIN"), or in any case and with spaces or
// dashes between words ("Round Robin", "ip-hash", "least request"). It
// returns the policy's own name, and false when the text names none.
func Guess(text string) (string, bool) {
	text = strings.TrimSpace(text)
	if name, ok := algorithms.Canonical(text); ok {
		return name, true
	}
	words := strings.FieldsFunc(text, func(r rune) bool { return r == ' ' || r == '-' || r == '_' || r == '\t' })
	joined := strings.Join(words, "_")
	for _, name := range []string{strings.ToLower(joined), strings.ToUpper(joined)} {
		if canon, ok := algorithms.Canonical(name); ok {
			return canon, true
		}
	}
	return "", false
}

// Answer runs the question's scenario with its algorithms and judges it.
func (q *Question) Answer() (*Answer, error) {
	sc, err := scenarios.Open(q.Scenario)
	if err != nil {
		return nil, err
	}
	c, err := sim.Compare(sc, sc.Algorithms)
	if err != nil {
		return nil, err
	}
	return judge(q, c), nil
}

// judge scores a question's run on the figure its scenario judges by and
// picks the winner.
func judge(q *Question, c *results.Comparison) *Answer {
	a := &Answer{Question: q, Comparison: c, Scores: make([]float64, len(c.Results))}
	for i := range c.Results {
		a.Scores[i] = c.Judge.OrDefault().Of(c.Results[i].Latency)
		if a.Scores[i] < a.Scores[a.Best] {
			a.Best = i
		}
	}
	a.Winner = a.Best
	for i, r := range c.Results {
		if a.Scores[i] <= (1+Margin)*a.Scores[a.Best] && rank(r.Algorithm) < rank(c.Results[a.Winner].Algorithm) {
			a.Winner = i
		}
	}
	return a
}

// Verdict says in a sentence why the winner won, with the run's numbers.
func (a *Answer) Verdict() string {
	res := a.Comparison.Results
	w, b := res[a.Winner].Algorithm, res[a.Best].Algorithm
	m := a.Comparison.Judge.Text()
	if a.Winner != a.Best {
		return fmt.Sprintf("%s's %s, %s, is within %.0f%% of the best (%s: %s), and %s is simpler.",
			w, m, FormatMS(a.Scores[a.Winner]), Margin*100, b, FormatMS(a.Scores[a.Best]), w)
	}
	next := -1
	for i := range res {
		if i != a.Best && (next < 0 || a.Scores[i] < a.Scores[next]) {
			next = i
		}
	}
	switch {
	case next < 0:
		return fmt.Sprintf("%s has a %s of %s.", w, m, FormatMS(a.Scores[a.Winner]))
	case FormatMS(a.Scores[next]) == FormatMS(a.Scores[a.Best]):
		return fmt.Sprintf("%s ties for the best %s, %s, with %s, and is the simplest of the algorithms within %.0f%% of it.",
			w, m, FormatMS(a.Scores[a.Winner]), res[next].Algorithm, Margin*100)
	case a.Scores[next] <= (1+Margin)*a.Scores[a.Best]:
		return fmt.Sprintf("%s has the best %s, %s (%s: %s), and is the simplest of the algorithms within %.0f%% of it.",
			w, m, FormatMS(a.Scores[a.Winner]), res[next].Algorithm, FormatMS(a.Scores[next]), Margin*100)
	}
	return fmt.Sprintf("%s has the best %s by more than %.0f%%: %s, against %s for the next best, %s.",
		w, m, Margin*100, FormatMS(a.Scores[a.Winner]), FormatMS(a.Scores[next]), res[next].Algorithm)
}

// FormatMS writes a latency in milliseconds with its unit, in seconds
// from 10 s up.
func FormatMS(ms float64) string {
	if ms >= 10_000 {
		return fmt.Sprintf("%.1f s", ms/1000)
	}
	return fmt.Sprintf("%.1f ms", ms)
}
