package scenarios

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/lbsim/lbsim/algorithms"
	"github.com/lbsim/lbsim/results"
)

// Process and distribution names a scenario may use.
var (
	processes     = []string{"poisson", "constant", "bursty"}
	distributions = []string{"constant", "exponential", "uniform", "lognormal", "pareto"}
)

// validate checks a decoded scenario with its defaults applied, roughly in
// file order, and returns the first problem. On success it resolves every
// load into a rate.
// A proxy config (forProxy) may leave out the workload; when it has one, it
// is checked as in any scenario.
func validate(s *Scenario, d *decoder, forProxy bool) error {
	simulated := !forProxy || d.has("workload")
	checks := []func(*Scenario, *decoder) error{checkScenarioName, checkRun, checkServers, checkZones, checkBalancers, checkFaults, checkBreaker, checkSlowStart, checkSessions, checkCache, checkAutoscale}
	if simulated {
		checks = append(checks, checkWorkload)
	}
	checks = append(checks, checkConnections)
	checks = append(checks, checkAlgorithms, checkAlgorithm, checkJudge, checkExpect,
		func(s *Scenario, d *decoder) error { return checkProxy(s, d, forProxy) },
		func(s *Scenario, d *decoder) error { return checkRoutes(s, d, forProxy) })
	if simulated {
		checks = append(checks, resolveLoads, checkRunLength)
	}
	for _, check := range checks {
		if err := check(s, d); err != nil {
			return err
		}
	}
	return nil
}

func checkScenarioName(s *Scenario, d *decoder) error {
	return d.checkName("name", s.Name, "give the scenario a short name")
}

// checkName checks a required name: present, non-empty, one printable line.
func (d *decoder) checkName(path, name, hint string) error {
	switch {
	case !d.has(path):
		return d.errorf(path, "required; %s", hint)
	case strings.TrimSpace(name) == "":
		return d.errorf(path, "must not be empty; %s", hint)
	case len(name) > maxNameLen:
		return d.errorf(path, "must be at most %d bytes long, got %d", maxNameLen, len(name))
	case strings.IndexFunc(name, func(r rune) bool { return !unicode.IsPrint(r) && r != ' ' }) >= 0:
		return d.errorf(path, "must be one line of printable text, got %s", quote(name))
	}
	return nil
}

// checkRun checks how long the run is: requests or duration, and warmup.
func checkRun(s *Scenario, d *decoder) error {
	if d.has("requests") && d.has("duration") {
		return d.errorf("duration", "give requests or duration, not both")
	}
	if d.has("requests") {
		if err := d.intRange("requests", s.Requests, 1, MaxRequests); err != nil {
			return err
		}
	}
	if d.has("duration") {
		if err := d.durRange("duration", s.Duration, false, MaxVirtualTime); err != nil {
			return err
		}
	}
	if err := d.durRange("warmup", s.Warmup, true, MaxVirtualTime); err != nil {
		return err
	}
	if s.Duration > 0 && s.Warmup >= s.Duration {
		return d.errorf("warmup", "must be shorter than duration (%s), got %s", s.Duration, s.Warmup)
	}
	return nil
}

func checkServers(s *Scenario, d *decoder) error {
	if !d.has("servers") {
		return d.errorf("servers", "required; list at least one server")
	}
	if len(s.Servers) == 0 {
		return d.errorf("servers", "must list at least one server")
	}
	groups := make(map[string]int, len(s.Servers))
	total := 0
	for i := range s.Servers {
		g := &s.Servers[i]
		p := "servers[" + strconv.Itoa(i) + "]"
		if err := d.checkName(p+".name", g.Name, "name the server (or the group, with count)"); err != nil {
			return err
		}
		if j, dup := groups[g.Name]; dup {
			return d.errorf(p+".name", "%s is already the name of servers[%d]", quote(g.Name), j)
		}
		groups[g.Name] = i
		if err := d.intRange(p+".count", int64(g.Count), 1, maxCount); err != nil {
			return err
		}
		if total += g.Count; total > MaxServers {
			return d.errorf(p+".count", "the servers add up to %d so far, more than the limit of %d", total, MaxServers)
		}
		if err := d.intRange(p+".capacity", int64(g.Capacity), 1, maxCapacity); err != nil {
			return err
		}
		if err := d.floatRange(p+".speed", g.Speed, 0, true, maxSpeed); err != nil {
			return err
		}
		if g.Speed < minSpeed {
			return d.errorf(p+".speed", "must be at least %g, got %g", minSpeed, g.Speed)
		}
		if err := d.intRange(p+".weight", int64(g.Weight), 1, maxWeight); err != nil {
			return err
		}
		if err := d.intRange(p+".queue", int64(g.Queue), 0, maxQueue); err != nil {
			return err
		}
	}
	// The names servers get once groups are expanded must be unique too.
	// total <= MaxServers, so this set is small.
	owner := make(map[string]int, total)
	for i, g := range s.Servers {
		for k := 1; k <= g.Count; k++ {
			name := serverName(g, k)
			if j, dup := owner[name]; dup {
				return d.errorf("servers["+strconv.Itoa(max(i, j))+"].name",
					"two servers would be named %s (one from servers[%d], one from servers[%d]); rename a group",
					quote(name), min(i, j), max(i, j))
			}
			owner[name] = i
		}
	}
	return nil
}

func checkWorkload(s *Scenario, d *decoder) error {
	if !d.has("workload") {
		return d.errorf("workload", "required; give arrival and service (or classes), or a trace to replay")
	}
	w := &s.Workload
	if w.Trace != nil {
		return checkTrace(s, d)
	}
	if err := checkArrival(s, d); err != nil {
		return err
	}
	switch {
	case d.has("workload.service") && d.has("workload.classes"):
		return d.errorf("workload.classes", "give service (one kind of request) or classes (a mix), not both")
	case d.has("workload.service"):
		if err := d.checkService("workload.service", w.Service); err != nil {
			return err
		}
	case d.has("workload.classes"):
		if err := checkClasses(s, d); err != nil {
			return err
		}
	default:
		return d.errorf("workload.service", "required; give service (one kind of request) or classes (a mix)")
	}
	if err := checkKeys(s, d); err != nil {
		return err
	}
	return checkClients(s, d)
}

// checkArrival checks the arrival process. Rates that are given as loads
// are checked against their limit later, by resolveLoads.
func checkArrival(s *Scenario, d *decoder) error {
	a := &s.Workload.Arrival
	const p = "workload.arrival"
	if !d.has(p) {
		return d.errorf(p, "required; for example {process: poisson, load: 0.7}")
	}
	if !slices.Contains(processes, a.Process) {
		return d.errorf(p+".process", "unknown process %s (known: %s)", quote(a.Process), strings.Join(processes, ", "))
	}
	if err := d.rateOrLoad(p, a.Rate, a.Load, false); err != nil {
		return err
	}
	for _, key := range []string{"on", "off"} {
		v := a.On
		if key == "off" {
			v = a.Off
		}
		switch {
		case a.Process != "bursty" && d.has(p+"."+key):
			return d.errorf(p+"."+key, "applies only to process bursty, not %s", a.Process)
		case a.Process == "bursty" && !d.has(p+"."+key):
			return d.errorf(p+"."+key, "required by process bursty: the mean length of its %s periods", key)
		case a.Process == "bursty":
			if err := d.durRange(p+"."+key, v, false, MaxVirtualTime); err != nil {
				return err
			}
		}
	}
	for i, ph := range a.Phases {
		pp := p + ".phases[" + strconv.Itoa(i) + "]"
		if !d.has(pp + ".at") {
			return d.errorf(pp+".at", "required: when the phase starts")
		}
		if err := d.durRange(pp+".at", ph.At, true, MaxVirtualTime); err != nil {
			return err
		}
		if i > 0 && ph.At <= a.Phases[i-1].At {
			return d.errorf(pp+".at", "must be later than phases[%d].at (%s), got %s; phases are listed in time order", i-1, a.Phases[i-1].At, ph.At)
		}
		if s.Duration > 0 && ph.At >= s.Duration {
			return d.errorf(pp+".at", "must be earlier than duration (%s), got %s", s.Duration, ph.At)
		}
		if err := d.rateOrLoad(pp, ph.Rate, ph.Load, true); err != nil {
			return err
		}
	}
	return nil
}

// rateOrLoad checks that exactly one of path.rate and path.load is given and
// within limits. A phase may pause arrivals with 0; the base rate may not.
func (d *decoder) rateOrLoad(path string, rate, load float64, zeroOK bool) error {
	hasRate, hasLoad := d.has(path+".rate"), d.has(path+".load")
	switch {
	case hasRate && hasLoad:
		return d.errorf(path+".load", "give rate (requests/s) or load (a fraction of capacity), not both")
	case !hasRate && !hasLoad:
		return d.errorf(path+".rate", "required: give rate (requests/s) or load (a fraction of capacity)")
	case hasRate:
		return d.floatRange(path+".rate", rate, 0, !zeroOK, maxRate)
	default:
		return d.floatRange(path+".load", load, 0, !zeroOK, maxLoad)
	}
}

func checkClasses(s *Scenario, d *decoder) error {
	classes := s.Workload.Classes
	if len(classes) == 0 {
		return d.errorf("workload.classes", "must list at least one class")
	}
	names := make(map[string]int, len(classes))
	sum := 0.0
	for i, c := range classes {
		p := "workload.classes[" + strconv.Itoa(i) + "]"
		if err := d.checkName(p+".name", c.Name, "name the class"); err != nil {
			return err
		}
		if j, dup := names[c.Name]; dup {
			return d.errorf(p+".name", "%s is already the name of classes[%d]", quote(c.Name), j)
		}
		names[c.Name] = i
		if !d.has(p + ".share") {
			return d.errorf(p+".share", "required: the fraction of requests of this class, above 0 and at most 1")
		}
		if err := d.floatRange(p+".share", c.Share, 0, true, 1); err != nil {
			return err
		}
		sum += c.Share
		if !d.has(p + ".service") {
			return d.errorf(p+".service", "required: the service demand of this class, e.g. {dist: exponential, mean: 50ms}")
		}
		if err := d.checkService(p+".service", &classes[i].Service); err != nil {
			return err
		}
	}
	if math.Abs(sum-1) > shareTolerance {
		return d.errorf("workload.classes", "shares must sum to 1, got %s", formatSum(sum))
	}
	return nil
}

// formatSum prints a sum of decimal fractions without the noise of binary
// floating point: 0.6 + 0.3 prints 0.9, not 0.8999999999999999.
func formatSum(v float64) string {
	rounded, _ := strconv.ParseFloat(strconv.FormatFloat(v, 'g', 12, 64), 64)
	return strconv.FormatFloat(rounded, 'g', -1, 64)
}

// checkService checks one service-demand distribution. Shape parameters are
// allowed only with the distribution they shape, so a misplaced one is caught.
func (d *decoder) checkService(p string, svc *Service) error {
	if !d.has(p + ".dist") {
		return d.errorf(p+".dist", "required; one of %s", strings.Join(distributions, ", "))
	}
	if !slices.Contains(distributions, svc.Dist) {
		return d.errorf(p+".dist", "unknown distribution %s (known: %s)", quote(svc.Dist), strings.Join(distributions, ", "))
	}
	if !d.has(p + ".mean") {
		return d.errorf(p+".mean", "required: the mean service demand, e.g. 50ms")
	}
	if err := d.durRange(p+".mean", svc.Mean, false, MaxVirtualTime); err != nil {
		return err
	}
	only := map[string]string{"min": "uniform", "sigma": "lognormal", "alpha": "pareto"}
	for _, key := range []string{"min", "sigma", "alpha"} {
		if d.has(p+"."+key) && svc.Dist != only[key] {
			return d.errorf(p+"."+key, "applies only to dist %s, not %s", only[key], svc.Dist)
		}
	}
	switch svc.Dist {
	case "uniform":
		if err := d.durRange(p+".min", svc.Min, true, MaxVirtualTime); err != nil {
			return err
		}
		if svc.Min >= svc.Mean {
			return d.errorf(p+".min", "must be less than mean (%s), got %s", svc.Mean, svc.Min)
		}
	case "lognormal":
		return d.floatRange(p+".sigma", svc.Sigma, 0, true, maxSigma)
	case "pareto":
		// Alpha <= 1 has no finite mean.
		return d.floatRange(p+".alpha", svc.Alpha, 1, true, maxAlpha)
	}
	return nil
}

func checkClients(s *Scenario, d *decoder) error {
	c := &s.Workload.Clients
	const p = "workload.clients"
	if err := d.intRange(p+".count", int64(c.Count), 1, maxClients); err != nil {
		return err
	}
	if err := d.floatRange(p+".zipf", c.Zipf, 0, false, math.MaxFloat64); err != nil {
		return err
	}
	if c.Zipf > 0 && c.Zipf <= 1 {
		return d.errorf(p+".zipf", "must be 0 (uniform popularity) or above 1, got %g", c.Zipf)
	}
	if c.NAT == nil {
		return nil
	}
	if !d.has(p + ".nat.gateways") {
		return d.errorf(p+".nat.gateways", "required: the number of gateway addresses, 1 to %d", maxGateways)
	}
	if err := d.intRange(p+".nat.gateways", int64(c.NAT.Gateways), 1, maxGateways); err != nil {
		return err
	}
	if !d.has(p + ".nat.share") {
		return d.errorf(p+".nat.share", "required: the fraction of requests that come through a gateway, above 0 and at most 1")
	}
	return d.floatRange(p+".nat.share", c.NAT.Share, 0, true, 1)
}

// checkAlgorithms checks the algorithms list and turns each alias (an
// nginx, HAProxy or Envoy name) into the policy's own name, under which it
// runs and is reported.
func checkAlgorithms(s *Scenario, d *decoder) error {
	if d.has("algorithms") && len(s.Algorithms) == 0 {
		return d.errorf("algorithms", "must list at least one algorithm (leave the key out to run them all)")
	}
	seen := make(map[string]int, len(s.Algorithms))
	for i, name := range s.Algorithms {
		p := "algorithms[" + strconv.Itoa(i) + "]"
		canon, err := algorithms.Resolve(name)
		if err != nil {
			return d.errorf(p, "%v", err)
		}
		if j, dup := seen[canon]; dup {
			if canon != name {
				return d.errorf(p, "%s is %s, already listed as algorithms[%d]", quote(name), canon, j)
			}
			return d.errorf(p, "%s is already listed as algorithms[%d]", quote(name), j)
		}
		seen[canon] = i
		s.Algorithms[i] = canon
	}
	return nil
}

// checkJudge reads the figure the scenario judges algorithms by, p99
// when it names none.
func checkJudge(s *Scenario, d *decoder) error {
	if !d.has("judge") {
		s.Judge = results.DefaultFigure
		return nil
	}
	f, err := results.ParseFigure(string(s.Judge))
	if err != nil {
		return d.errorf("judge", "%v", err)
	}
	s.Judge = f
	return nil
}

// checkExpect checks that every metric an expectation reads can be in the
// results: its algorithm is run, its server and class exist.
func checkExpect(s *Scenario, d *decoder) error {
	servers, groups := map[string]bool{}, map[string]bool{}
	for _, sv := range append(s.ExpandServers(), s.AutoscaleServers()...) {
		servers[sv.Name], groups[sv.Group] = true, true
	}
	var classes []string
	if len(s.Workload.Classes) > 1 {
		for _, c := range s.Workload.Classes {
			classes = append(classes, c.Name)
		}
	}
	for i := range s.Expect {
		p := "expect[" + strconv.Itoa(i) + "]"
		n := d.values[p]
		// Refs returns the expectation's own references: an alias is
		// renamed in place, so the line reads the policy's results.
		refs := s.Expect[i].Refs()
		for j := range refs {
			r := &refs[j]
			canon, err := algorithms.Resolve(r.Algorithm)
			if err != nil {
				return d.expectErr(n, p, r.Offset, err.Error())
			}
			written := r.Algorithm
			r.Algorithm = canon
			switch {
			case !slices.Contains(s.Algorithms, r.Algorithm):
				name := quote(written)
				if written != canon {
					name += " (" + canon + ")"
				}
				return d.expectErr(n, p, r.Offset, fmt.Sprintf("%s is not among the scenario's algorithms (%s); add it there", name, strings.Join(s.Algorithms, ", ")))
			case r.Server != "" && !servers[r.Server]:
				return d.expectErr(n, p, r.KeyOffset, fmt.Sprintf("no server is named %s", quote(r.Server)))
			case r.Group != "" && !groups[r.Group]:
				return d.expectErr(n, p, r.KeyOffset, fmt.Sprintf("no server group is named %s", quote(r.Group)))
			case r.Class != "" && len(classes) == 0:
				return d.expectErr(n, p, r.KeyOffset, "the workload has a single request class, so results have no classes; use the algorithm's own latency")
			case r.Class != "" && !slices.Contains(classes, r.Class):
				return d.expectErr(n, p, r.KeyOffset, fmt.Sprintf("no request class is named %s (classes: %s)", quote(r.Class), strings.Join(classes, ", ")))
			}
		}
	}
	return nil
}

// resolveLoads turns every load into a rate against the servers' capacity,
// then checks the rate limit the file could not be checked against.
func resolveLoads(s *Scenario, d *decoder) error {
	if s.Workload.Trace != nil {
		return nil
	}
	c := s.Capacity()
	a := &s.Workload.Arrival
	resolve := func(path string, rate, load *float64) error {
		if !d.has(path + ".load") {
			return nil
		}
		r := *load * c
		if r > maxRate {
			return d.errorf(path+".load", "%g of the servers' capacity (%g requests/s) is %g requests/s, above the limit of %g", *load, c, r, float64(maxRate))
		}
		*rate, *load = r, 0
		return nil
	}
	if err := resolve("workload.arrival", &a.Rate, &a.Load); err != nil {
		return err
	}
	for i := range a.Phases {
		if err := resolve("workload.arrival.phases["+strconv.Itoa(i)+"]", &a.Phases[i].Rate, &a.Phases[i].Load); err != nil {
			return err
		}
	}
	return nil
}

// checkRunLength bounds the work a run implies: a run measured in requests
// must end (its last rate is positive) within MaxVirtualTime, and a run
// measured in time must expect at most MaxRequests arrivals.
func checkRunLength(s *Scenario, d *decoder) error {
	if s.Workload.Trace != nil {
		return nil // the trace is as long as it is
	}
	a := &s.Workload.Arrival
	if s.Requests > 0 {
		last, lastPath := a.Rate, "workload.arrival"
		if n := len(a.Phases); n > 0 {
			last, lastPath = a.Phases[n-1].Rate, "workload.arrival.phases["+strconv.Itoa(n-1)+"]"
		}
		if last == 0 {
			field := lastPath + ".rate"
			if d.has(lastPath + ".load") {
				field = lastPath + ".load"
			}
			return d.errorf(field, "the last phase pauses arrivals, so %d requests would never all arrive; end with a positive rate or use duration", s.Requests)
		}
		t := timeToArrive(a, float64(s.Requests))
		if t > MaxVirtualTime.D().Seconds() {
			return d.errorf("requests", "at these arrival rates %d requests take about %s of virtual time, more than the limit of %s",
				s.Requests, approxSeconds(t), MaxVirtualTime)
		}
		if w := s.Warmup.D().Seconds(); w > 0 && w >= t {
			return d.errorf("warmup", "at these arrival rates all %d requests arrive within about %s, before the warmup (%s) ends; nothing would be measured",
				s.Requests, approxSeconds(t), s.Warmup)
		}
		return nil
	}
	if n := expectedArrivals(a, s.Duration.D().Seconds()); n > MaxRequests {
		return d.errorf("duration", "at these arrival rates %s lasts for about %.3g requests, more than the limit of %d", s.Duration, n, int64(MaxRequests))
	}
	return nil
}

// segments calls f for each stretch of constant mean rate: from start (in
// seconds) to end (+Inf for the last), at rate requests/s.
func segments(a *Arrival, f func(start, end, rate float64) bool) {
	duty := 1.0
	if a.Process == "bursty" {
		duty = a.On.D().Seconds() / (a.On.D().Seconds() + a.Off.D().Seconds())
	}
	start, rate := 0.0, a.Rate
	for _, ph := range a.Phases {
		at := ph.At.D().Seconds()
		if !f(start, at, rate*duty) {
			return
		}
		start, rate = at, ph.Rate
	}
	f(start, math.Inf(1), rate*duty)
}

// expectedArrivals is the mean number of arrivals in the first t seconds.
func expectedArrivals(a *Arrival, t float64) float64 {
	n := 0.0
	segments(a, func(start, end, rate float64) bool {
		if start >= t {
			return false
		}
		n += rate * (math.Min(end, t) - start)
		return true
	})
	return n
}

// timeToArrive is when, in seconds, the mean arrival count reaches n.
func timeToArrive(a *Arrival, n float64) float64 {
	t := math.Inf(1)
	segments(a, func(start, end, rate float64) bool {
		if rate > 0 && n <= rate*(end-start) {
			t = start + n/rate
			return false
		}
		n -= rate * (end - start)
		return true
	})
	return t
}

func approxSeconds(sec float64) string {
	if days := sec / 86400; days >= 2 {
		return strconv.FormatFloat(math.Round(days), 'f', -1, 64) + " days"
	}
	return Duration(sec * 1e9).String()
}

// intRange checks lo <= v <= hi.
func (d *decoder) intRange(path string, v, lo, hi int64) error {
	switch {
	case v < lo:
		return d.errorf(path, "must be at least %d, got %d", lo, v)
	case v > hi:
		return d.errorf(path, "must be at most %d, got %d", hi, v)
	}
	return nil
}

// floatRange checks that v is finite, above lo (or at least lo when
// !loOpen) and at most hi.
func (d *decoder) floatRange(path string, v, lo float64, loOpen bool, hi float64) error {
	switch {
	case math.IsNaN(v) || math.IsInf(v, 0):
		return d.errorf(path, "must be a finite number, got %g", v)
	case loOpen && v <= lo:
		return d.errorf(path, "must be greater than %g, got %g", lo, v)
	case !loOpen && v < lo:
		return d.errorf(path, "must be at least %g, got %g", lo, v)
	case v > hi:
		return d.errorf(path, "must be at most %g, got %g", hi, v)
	}
	return nil
}

// durRange checks that v is positive (or non-negative, when zeroOK) and at
// most hi.
func (d *decoder) durRange(path string, v Duration, zeroOK bool, hi Duration) error {
	switch {
	case v < 0:
		return d.errorf(path, "must not be negative, got %s", v)
	case v == 0 && !zeroOK:
		return d.errorf(path, "must be greater than 0")
	case v > hi:
		return d.errorf(path, "must be at most %s (one year), got %s", hi, v)
	}
	return nil
}
