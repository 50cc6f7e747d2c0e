package report

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/lbsim/lbsim/results"
)

// Reading is a plain-English account of one algorithm's result next to
// the others' in the same Comparison, derived from the numbers alone.
type Reading struct {
	Algorithm string
	// Latency compares the figure the scenario judges by (its judge:,
	// p99 by default) with the other algorithms', says when seeds cannot
	// tell two apart, and, when the workload has request classes, says
	// how its quickest class fared (for example whether quick calls
	// queued behind slow ones).
	Latency string
	// Load says what failed and why, how fast crashes were detected, and
	// how evenly the work was spread.
	Load string
}

// Readings returns one Reading per result of c, in order.
func Readings(c *results.Comparison) []Reading {
	out := make([]Reading, len(c.Results))
	for i, r := range c.Results {
		out[i] = Reading{Algorithm: r.Algorithm, Latency: latencyReading(c, i), Load: loadReading(c, i)}
	}
	return out
}

// served lists the results that completed a request: only their latency
// and spread of work mean anything, and a run that served nothing must
// not rank as the fastest.
func served(rs []results.Result) []int {
	var idx []int
	for i := range rs {
		if rs[i].Completed > 0 {
			idx = append(idx, i)
		}
	}
	return idx
}

// argBest returns the index in rs of the result among idx that better
// prefers over all the others, the first on ties.
func argBest(rs []results.Result, idx []int, better func(a, b *results.Result) bool) int {
	best := idx[0]
	for _, i := range idx {
		if better(&rs[i], &rs[best]) {
			best = i
		}
	}
	return best
}

// lostShare is the share of r's requests that failed or were turned away.
func lostShare(r *results.Result) float64 {
	lost := float64(r.Failed + r.Rejected)
	if lost == 0 {
		return 0
	}
	return lost / (lost + float64(r.Completed))
}

// fasterBy orders results by figure f, then by mean latency.
func fasterBy(f results.Figure) func(a, b *results.Result) bool {
	return func(a, b *results.Result) bool {
		if x, y := f.Of(a.Latency), f.Of(b.Latency); x != y {
			return x < y
		}
		return a.Latency.Mean < b.Latency.Mean
	}
}

// indistinct says why the seeds cannot tell a and b apart on figure f,
// "" when they can or there is one seed. Runs of several seeds in hand
// are compared seed by seed (the 95% interval of their difference holds
// zero); results read back from JSON have only each one's interval,
// which must overlap.
func indistinct(f results.Figure, seeds int, a, b *results.Result) string {
	if iv, ok := results.DiffInterval(a.SeedLatency, b.SeedLatency, f); ok {
		if iv[0] <= 0 && 0 <= iv[1] {
			return fmt.Sprintf("over %d seeds the 95%% interval of their difference holds zero", seeds)
		}
		return ""
	}
	if a.LatencyCI95 != nil && b.LatencyCI95 != nil && a.LatencyCI95.Of(f).Overlaps(b.LatencyCI95.Of(f)) {
		return fmt.Sprintf("over %d seeds their 95%% intervals overlap", seeds)
	}
	return ""
}

func latencyReading(c *results.Comparison, i int) string {
	rs := c.Results
	r := &rs[i]
	idx := served(rs)
	f := c.Judge.OrDefault()
	fig := func(r *results.Result) string { return humanMS(f.Of(r.Latency)) }
	switch {
	case r.Completed == 0:
		return r.Algorithm + " completed no request, so it has no latency to compare."
	case len(idx) == 1 && f != results.FigureP99 && f != results.FigureP50 && f != results.FigureMean:
		return fmt.Sprintf("%s had a %s of %s, a p99 of %s, a median of %s and a mean of %s.",
			r.Algorithm, f, fig(r), humanMS(r.Latency.P99), humanMS(r.Latency.P50), humanMS(r.Latency.Mean))
	case len(idx) == 1:
		return fmt.Sprintf("%s had a p99 of %s, a median of %s and a mean of %s.",
			r.Algorithm, humanMS(r.Latency.P99), humanMS(r.Latency.P50), humanMS(r.Latency.Mean))
	}
	faster := fasterBy(f)
	best := argBest(rs, idx, faster)
	worst := argBest(rs, idx, func(a, b *results.Result) bool { return faster(b, a) })
	b := &rs[best]
	// rival is whom the seeds must tell r apart from: the best, or for
	// the best itself the fastest of the others, which it must beat
	// beyond the seeds' noise to be named the winner.
	rival := b
	if i == best {
		others := slices.DeleteFunc(slices.Clone(idx), func(k int) bool { return k == best })
		rival = &rs[argBest(rs, others, faster)]
	}
	why := indistinct(f, c.Seeds, r, rival)
	var s string
	switch {
	case f.Of(rs[worst].Latency) <= 1.05*f.Of(b.Latency):
		s = fmt.Sprintf("%s had a %s of %s, like the others (all within 5%%)", r.Algorithm, f, fig(r))
	case i == best && why != "":
		s = fmt.Sprintf("%s had the lowest %s, %s, but it is not distinguishable from %s's %s: %s",
			r.Algorithm, f, fig(r), rival.Algorithm, fig(rival), why)
	case i == best:
		s = fmt.Sprintf("%s had the lowest %s, %s, against %s for %s", r.Algorithm, f, fig(r), fig(&rs[worst]), rs[worst].Algorithm)
		// Latency covers only what completed: a fast tail bought by
		// losing requests is no win.
		if lost := lostShare(r); lost >= 0.01 {
			s += fmt.Sprintf(", but over only the %s of requests it did not lose", percent(1-lost))
		}
	case f.Of(r.Latency) <= 1.05*f.Of(b.Latency):
		s = fmt.Sprintf("%s reached a %s of %s, within 5%% of the lowest (%s, %s)", r.Algorithm, f, fig(r), b.Algorithm, fig(b))
	case why != "":
		s = fmt.Sprintf("%s reached a %s of %s, not distinguishable from the lowest (%s, %s): %s",
			r.Algorithm, f, fig(r), b.Algorithm, fig(b), why)
	default:
		s = fmt.Sprintf("%s reached a %s of %s, %s times the lowest (%s, %s)", r.Algorithm, f, fig(r),
			ratio(f.Of(r.Latency), f.Of(b.Latency)), b.Algorithm, fig(b))
	}
	return s + classReading(c, i) + "."
}

// ratio prints a/b to two significant digits ("1.8", "13"); "many" when
// b is 0.
func ratio(a, b float64) string {
	if b <= 0 {
		return "many"
	}
	v := a / b
	return strconv.FormatFloat(v, 'f', max(0, 1-int(math.Floor(math.Log10(v)))), 64)
}

// classReading says how the quickest request class of result i fared
// against the same class under the other algorithms: "; it queued profile
// calls behind report calls: their p99 was 8.87 s, against 2.93 s under
// least_connections". Empty for a single class.
func classReading(c *results.Comparison, i int) string {
	r := &c.Results[i]
	if len(r.Classes) < 2 {
		return ""
	}
	quick, slow := &r.Classes[0], &r.Classes[0]
	for k := range r.Classes {
		if cl := &r.Classes[k]; cl.Latency.P50 < quick.Latency.P50 {
			quick = cl
		} else if cl.Latency.P50 > slow.Latency.P50 {
			slow = cl
		}
	}
	if quick == slow {
		return ""
	}
	f := c.Judge.OrDefault()
	classFig := func(r *results.Result) float64 {
		for _, cl := range r.Classes {
			if cl.Name == quick.Name {
				return f.Of(cl.Latency)
			}
		}
		return math.Inf(1)
	}
	best := argBest(c.Results, served(c.Results), func(a, b *results.Result) bool { return classFig(a) < classFig(b) })
	b := &c.Results[best]
	switch v := f.Of(quick.Latency); {
	case len(c.Results) == 1:
		return fmt.Sprintf("; its %s calls had a %s of %s", quick.Name, f, humanMS(v))
	case best == i:
		return fmt.Sprintf("; its %s calls had the lowest %s of their class, %s", quick.Name, f, humanMS(v))
	case v >= 0.5*slow.Latency.P50 && v >= 1.5*classFig(b):
		// Some quick calls took about as long as a slow one: they waited
		// behind slow ones, which the best algorithm avoided.
		return fmt.Sprintf("; it queued %s calls behind %s calls: their %s was %s, against %s under %s",
			quick.Name, slow.Name, f, humanMS(v), humanMS(classFig(b)), b.Algorithm)
	default:
		return fmt.Sprintf("; its %s calls had a %s of %s, against %s under %s",
			quick.Name, f, humanMS(v), humanMS(classFig(b)), b.Algorithm)
	}
}

func loadReading(c *results.Comparison, i int) string {
	var parts []string
	if s := failureReading(c, i); s != "" {
		parts = append(parts, s)
	}
	if s := crashReading(&c.Results[i]); s != "" {
		parts = append(parts, s)
	}
	if s := balanceReading(c, i); s != "" {
		parts = append(parts, s)
	}
	return strings.Join(parts, " ")
}

// failureReading counts what failed or was turned away, by cause, and
// ranks it; empty when no algorithm lost a request.
func failureReading(c *results.Comparison, i int) string {
	lost := func(r *results.Result) int64 { return r.Failed + r.Rejected }
	fewest, most := lost(&c.Results[0]), lost(&c.Results[0])
	for k := range c.Results {
		fewest, most = min(fewest, lost(&c.Results[k])), max(most, lost(&c.Results[k]))
	}
	r := &c.Results[i]
	retries := ""
	if r.Retried > 0 {
		retries = fmt.Sprintf(", after %d retr%s", r.Retried, map[bool]string{true: "y", false: "ies"}[r.Retried == 1])
	}
	n := lost(r)
	switch {
	case most == 0 && retries == "":
		return ""
	case n == 0:
		return "It lost no request" + retries + "."
	}
	var causes []string
	for _, cause := range results.FailureCauses {
		if k := r.FailedByCause[cause]; k > 0 {
			causes = append(causes, fmt.Sprintf("%s %d", strings.ReplaceAll(cause, "_", " "), k))
		}
	}
	s := fmt.Sprintf("It lost %d request%s", n, plural(n))
	if len(causes) > 0 {
		s += " (" + strings.Join(causes, ", ") + ")"
	}
	switch {
	case fewest == most:
	case n == fewest:
		s += ", the fewest"
	case n == most:
		s += ", the most"
	}
	return s + retries + "."
}

// crashReading says how soon the host noticed each crash, and what the
// crashes cost: attempts that met a dead server, and the requests among
// them that retries did not save.
func crashReading(r *results.Result) string {
	if len(r.Crashes) == 0 {
		return ""
	}
	detected, meanS, attempts, lost := crashStats(r)
	var s string
	if cr := r.Crashes[0]; len(r.Crashes) == 1 && cr.DetectedAfterS < 0 {
		s = fmt.Sprintf("It never took %s out after its crash", cr.Server)
	} else if len(r.Crashes) == 1 {
		s = fmt.Sprintf("It took %s out %s after its crash", cr.Server, humanMS(cr.DetectedAfterS*1000))
	} else {
		s = fmt.Sprintf("It detected %d of %d crashes", detected, len(r.Crashes))
		if detected > 0 {
			s += fmt.Sprintf(", after %s on average", humanMS(meanS*1000))
		}
	}
	where := "there"
	if len(r.Crashes) > 1 {
		where = "on crashed servers"
	}
	switch {
	case attempts == 0:
		return s + "."
	case lost == 0:
		return s + fmt.Sprintf("; %d attempt%s failed %s, and retries saved every request.", attempts, plural(attempts), where)
	case lost == attempts:
		return s + fmt.Sprintf("; %d request%s failed %s.", lost, plural(lost), where)
	}
	were := "were"
	if lost == 1 {
		were = "was"
	}
	return s + fmt.Sprintf("; %d attempt%s failed %s, and %d request%s %s lost.", attempts, plural(attempts), where, lost, plural(lost), were)
}

// balanceReading names the busiest server, ranks how evenly busy the
// servers were (utilization, Jain's index) and gives the latency spread
// over the servers beside it. An algorithm with the most even utilization
// is not crowned when its judged figure or its latency spread is clearly worse than
// another's: the reading says both.
func balanceReading(c *results.Comparison, i int) string {
	r := &c.Results[i]
	if len(r.Servers) == 0 {
		return ""
	}
	if r.Completed == 0 {
		return "It served no request."
	}
	busiest := &r.Servers[0]
	for k := range r.Servers {
		if r.Servers[k].Utilization > busiest.Utilization {
			busiest = &r.Servers[k]
		}
	}
	var s string
	switch u, m := percent(busiest.Utilization), r.Fairness.MaxOverMeanUtilization; {
	case m < 1.05:
		s = fmt.Sprintf("It spread the work evenly (busiest server %s at %s utilization)", busiest.Name, u)
	case busiest.Utilization >= 0.95:
		s = fmt.Sprintf("Its busiest server, %s, was saturated at %s utilization, %s times the mean", busiest.Name, u, ratio(m, 1))
	default:
		s = fmt.Sprintf("Its busiest server was %s at %s utilization, %s times the mean", busiest.Name, u, ratio(m, 1))
	}
	// Jain indexes compare at three decimals, as the table prints them.
	jain := func(r *results.Result) string { return fmt.Sprintf("%.3f", r.Fairness.JainUtilization) }
	idx := served(c.Results)
	even := argBest(c.Results, idx, func(a, b *results.Result) bool { return a.Fairness.JainUtilization > b.Fairness.JainUtilization })
	uneven := argBest(c.Results, idx, func(a, b *results.Result) bool { return a.Fairness.JainUtilization < b.Fairness.JainUtilization })
	ties := 0
	for _, k := range idx {
		if jain(&c.Results[k]) == jain(r) {
			ties++
		}
	}
	var contra []string // what contradicts the most even utilization
	spreadSaid := false // whether contra gives the latency spread
	switch mine := jain(r); {
	case jain(&c.Results[even]) == jain(&c.Results[uneven]):
	case mine == jain(&c.Results[even]):
		s += "; "
		if ties > 1 {
			s += "tied for "
		}
		s += fmt.Sprintf("the most even utilization (Jain %s)", mine)
		contra, spreadSaid = evenButSlower(c, idx, i)
	case mine == jain(&c.Results[uneven]):
		s += fmt.Sprintf("; the least even utilization (Jain %s)", mine)
	}
	if len(contra) > 0 {
		s += ", but " + strings.Join(contra, " and ")
	}
	if !spreadSaid {
		s += latencySpreadReading(c, idx, i)
	}
	return s + "."
}

// clearly is how much worse than another's a judged figure or a latency
// spread must be to contradict an even utilization: beyond the 5% within
// which the latency reading calls figures alike.
const clearly = 1.05

// evenButSlower lists what contradicts result i's even utilization: a
// judged figure (p99 by default) the seeds tell apart, or a latency spread clearly worse than another served result's, each
// named against the best; spreadSaid is whether the list gives the spread.
func evenButSlower(c *results.Comparison, idx []int, i int) (out []string, spreadSaid bool) {
	rs := c.Results
	r := &rs[i]
	f := c.Judge.OrDefault()
	faster := fasterBy(f)
	fast := argBest(rs, idx, faster)
	slow := argBest(rs, idx, func(a, b *results.Result) bool { return faster(b, a) })
	if b := &rs[fast]; f.Of(r.Latency) > clearly*f.Of(b.Latency) && indistinct(f, c.Seeds, r, b) == "" {
		mine, theirs := f.Of(r.Latency), f.Of(b.Latency)
		if slow == i {
			out = append(out, fmt.Sprintf("the highest %s (%s, %s times %s's %s)",
				f, humanMS(mine), ratio(mine, theirs), b.Algorithm, humanMS(theirs)))
		} else {
			out = append(out, fmt.Sprintf("a %s %s times %s's (%s against %s)",
				f, ratio(mine, theirs), b.Algorithm, humanMS(mine), humanMS(theirs)))
		}
	}
	narrow, wide, ok := spreadRange(rs, idx)
	if b := &rs[narrow]; ok && r.Fairness.MaxOverMeanLatency > clearly*b.Fairness.MaxOverMeanLatency {
		if wide == i {
			out = append(out, fmt.Sprintf("the widest latency spread (its slowest server's mean latency %s times the overall mean, against %s under %s)",
				spread(r), spread(b), b.Algorithm))
		} else {
			out = append(out, fmt.Sprintf("a latency spread wider than %s's (its slowest server's mean latency %s times the overall mean, against %s)",
				b.Algorithm, spread(r), spread(b)))
		}
		spreadSaid = true
	}
	return out, spreadSaid
}

// latencySpreadReading gives result i's latency spread, and says when it is
// clearly the widest; empty when the result has none (a run that completed
// nothing, or results read from a file that predates the figure).
func latencySpreadReading(c *results.Comparison, idx []int, i int) string {
	r := &c.Results[i]
	if r.Fairness.MaxOverMeanLatency <= 0 {
		return ""
	}
	s := fmt.Sprintf("; its slowest server's mean latency was %s times the overall mean", spread(r))
	if narrow, wide, ok := spreadRange(c.Results, idx); ok && wide == i &&
		r.Fairness.MaxOverMeanLatency > clearly*c.Results[narrow].Fairness.MaxOverMeanLatency {
		s += ", the widest latency spread"
	}
	return s
}

// spreadRange returns the served results with the narrowest and the widest
// latency spread; ok is false when fewer than two have one.
func spreadRange(rs []results.Result, idx []int) (narrow, wide int, ok bool) {
	var with []int
	for _, k := range idx {
		if rs[k].Fairness.MaxOverMeanLatency > 0 {
			with = append(with, k)
		}
	}
	if len(with) < 2 {
		return 0, 0, false
	}
	narrow = argBest(rs, with, func(a, b *results.Result) bool {
		return a.Fairness.MaxOverMeanLatency < b.Fairness.MaxOverMeanLatency
	})
	wide = argBest(rs, with, func(a, b *results.Result) bool {
		return a.Fairness.MaxOverMeanLatency > b.Fairness.MaxOverMeanLatency
	})
	return narrow, wide, true
}

// spread prints a latency spread to two decimals, as the table does.
func spread(r *results.Result) string {
	return strconv.FormatFloat(r.Fairness.MaxOverMeanLatency, 'f', 2, 64)
}

func percent(v float64) string { return trimZeros(sig3(v*100)) + "%" }

func plural(n int64) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// humanMS writes milliseconds as a person would read them, to three
// significant digits: 0.42 ms, 50 ms, 180 ms, 9.02 s, 1200 s.
func humanMS(v float64) string {
	if v = sig3(v); math.Abs(v) >= 1000 {
		return trimZeros(sig3(v/1000)) + " s"
	}
	return trimZeros(v) + " ms"
}

// sig3 rounds v to three significant digits.
func sig3(v float64) float64 {
	if v == 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0
	}
	p := math.Pow(10, 2-math.Floor(math.Log10(math.Abs(v))))
	return math.Round(v*p) / p
}

// trimZeros prints v without an exponent or trailing zeros.
func trimZeros(v float64) string {
	s := strconv.FormatFloat(v, 'f', 6, 64)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	if s == "-0" {
		return "0"
	}
	return s
}

// upperFirst capitalizes the first letter of s (ASCII).
func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
