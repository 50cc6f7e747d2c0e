package scenarios

import (
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/lbsim/lbsim/algorithms"
)

// DefaultPool is the pool of the servers that name none.
const DefaultPool = "default"

// maxSplitWeight bounds the weights of a split.
const maxSplitWeight = 1_000_000

// Route sends the requests it matches to one pool, or splits them among
// pools by weight. Routes are tried in file order; the first that matches
// wins. A route without Class or Path matches every request.
type Route struct {
	// Class matches the requests of a workload class. In the proxy it
	// matches the class's path (Class.Path), which it must then have.
	Class string `yaml:"class"`
	// Path matches the requests whose path starts with it: in the proxy
	// the request's own path, in the simulator its class's path.
	Path string `yaml:"path"`
	// Pool is where the matched requests go; or Split divides them among
	// pools by weight (a canary, blue/green).
	Pool  string         `yaml:"pool"`
	Split map[string]int `yaml:"split"`
	// Phases change Split at points in virtual time, as a blue/green
	// cutover does; the simulator applies them.
	Phases []RoutePhase `yaml:"phases"`
	// Limit caps the rate of the requests the route matches (nginx's
	// limit_req); nil for none.
	Limit *Limit `yaml:"limit"`

	// ClassPath is Class's path, which the proxy matches; "" without
	// Class.
	ClassPath string `yaml:"-"`
}

// Limit is nginx's limit_req: a leaky bucket that lets Rate requests a
// second through, per client address or for all clients together. A
// request that finds Burst requests in excess already is rejected at once;
// one within the burst waits until the bucket has drained to it (excess /
// Rate), unless NoDelay lets it through at once, or Delay lets the first
// Delay excess requests through at once and holds only the rest (nginx's
// two-stage limiting).
type Limit struct {
	// Per is LimitPerClient (each client address has its own bucket, as
	// nginx's limit_req_zone $binary_remote_addr) or LimitPerAll.
	Per string `yaml:"per"`
	// Rate is the requests a second a bucket lets through. Required.
	Rate float64 `yaml:"rate"`
	// Burst is how many requests in excess of Rate a bucket holds;
	// default 0.
	Burst   int  `yaml:"burst"`
	NoDelay bool `yaml:"nodelay"`
	Delay   int  `yaml:"delay"`
	// Status is what the proxy answers a rejected request: 503 (nginx's
	// default) or another 4xx or 5xx status such as 429.
	Status int `yaml:"status"`
}

// Admit is limit_req's arithmetic for a request at now against a bucket
// that holds excess thousandths of a request as of last: the excess the
// request finds, itself included (0 for a bucket that has drained), how
// long it is held, and whether it passes. Only a request that passes
// changes the bucket, to (next, now); a bucket's first request finds it
// empty and passes at once. The simulator and the proxy keep the
// buckets; this says what one does.
func (l *Limit) Admit(excess int64, last, now time.Duration) (next int64, hold time.Duration, ok bool) {
	// In thousandths, the drained part truncated as nginx's integer
	// arithmetic does; compared as a float, as a bucket idle for months
	// at a high rate drains more than an int64 holds. A time before the
	// bucket's (a clock read before a lock) drains nothing.
	if drained := l.Rate * float64(max(now-last, 0)) / 1e6; drained < float64(excess+1000) {
		next = excess - int64(drained) + 1000
	}
	if next > int64(l.Burst)*1000 {
		return next, 0, false
	}
	if l.NoDelay || next <= int64(l.Delay)*1000 {
		return next, 0, true
	}
	return next, time.Duration(float64(next-int64(l.Delay)*1000) / l.Rate * 1e6), true
}

// Limit keys.
const (
	LimitPerClient = "client"
	LimitPerAll    = "all"
)

// DefaultLimitStatus is what the proxy answers a request over a limit.
const DefaultLimitStatus = 503

const (
	maxLimitRate  = 1e9
	maxLimitBurst = 1_000_000_000
)

// RoutePhase is a split that takes effect at a point in virtual time.
type RoutePhase struct {
	At    Duration       `yaml:"at"`
	Split map[string]int `yaml:"split"`
}

// Pool is a pool's own settings, which override the top level's for its
// servers. Its sections are whole: a pool's passive section with only
// max_fails takes the other keys from their defaults, not from the top
// level's passive section.
type Pool struct {
	// Algorithm, when set, is the pool's policy whatever the comparison
	// or the proxy runs elsewhere.
	Algorithm   string       `yaml:"algorithm"`
	HealthCheck *HealthCheck `yaml:"health_check"`
	Passive     *Passive     `yaml:"passive"`
	Retries     *Retries     `yaml:"retries"`
}

// Weighted is one pool of a split and its weight.
type Weighted struct {
	Pool   string
	Weight int
}

// PoolNames lists the pools in the order of their first servers.
func (s *Scenario) PoolNames() []string {
	var out []string
	for _, g := range s.Servers {
		if name := g.PoolName(); !slices.Contains(out, name) {
			out = append(out, name)
		}
	}
	return out
}

// PoolName is the pool g's servers are in.
func (g *ServerGroup) PoolName() string {
	if g.Pool == "" {
		return DefaultPool
	}
	return g.Pool
}

// PoolSettings returns pool name's settings: its own sections where it
// has them, the top level's otherwise. Algorithm is "" unless the pool
// fixes one.
func (s *Scenario) PoolSettings(name string) Pool {
	out := Pool{HealthCheck: s.HealthCheck, Passive: s.Passive, Retries: s.Retries}
	if p := s.Pools[name]; p != nil {
		out.Algorithm = p.Algorithm
		if p.HealthCheck != nil {
			out.HealthCheck = p.HealthCheck
		}
		if p.Passive != nil {
			out.Passive = p.Passive
		}
		if p.Retries != nil {
			out.Retries = p.Retries
		}
	}
	return out
}

// Targets lists the pools the route sends to at virtual time at, in the
// order of their names: its pool with weight 1, or the split in effect.
func (r *Route) Targets(at time.Duration) []Weighted {
	if r.Split == nil {
		return []Weighted{{r.Pool, 1}}
	}
	split := r.Split
	for _, p := range r.Phases {
		if at >= p.At.D() {
			split = p.Split
		}
	}
	return weights(split)
}

// weights lists a split in the order of the pools' names.
func weights(split map[string]int) []Weighted {
	out := make([]Weighted, 0, len(split))
	for pool, w := range split {
		out = append(out, Weighted{pool, w})
	}
	slices.SortFunc(out, func(a, b Weighted) int { return strings.Compare(a.Pool, b.Pool) })
	return out
}

// ClassRoute returns the index of the first route that matches the
// requests of class c (an index into Workload.RequestClasses()), or -1
// when none does or there are no routes.
func (s *Scenario) ClassRoute(c int) int {
	class := s.Workload.RequestClasses()[c]
	for i, r := range s.Routes {
		if (r.Class == "" || r.Class == class.Name) && (r.Path == "" || class.Path != "" && strings.HasPrefix(class.Path, r.Path)) {
			return i
		}
	}
	return -1
}

// TraceClassRoute returns the route of a class a trace's class column
// names as it replays, which the routes cannot name: the first route for
// every class and path, else the route of the trace's default class.
func (s *Scenario) TraceClassRoute(name string) int {
	for i, r := range s.Routes {
		if (r.Class == "" || r.Class == name) && r.Path == "" {
			return i
		}
	}
	for c, class := range s.Workload.RequestClasses() {
		if class.Name == TraceDefaultClass {
			return s.ClassRoute(c)
		}
	}
	return -1
}

// PathRoute returns the index of the first route that matches a request
// for path, as the proxy routes, or -1 when none does.
func (s *Scenario) PathRoute(path string) int {
	for i, r := range s.Routes {
		if strings.HasPrefix(path, r.Path) && strings.HasPrefix(path, r.ClassPath) {
			return i
		}
	}
	return -1
}

// checkRoutes checks servers' pools, the pools section and the routes,
// and fills in the pools' own failure-handling sections. forProxy is set
// for a live proxy's config, which routes by path.
func checkRoutes(s *Scenario, d *decoder, forProxy bool) error {
	pools := s.PoolNames()
	for i, c := range s.Workload.Classes {
		if p := "workload.classes[" + strconv.Itoa(i) + "].path"; d.has(p) && (!strings.HasPrefix(c.Path, "/") || strings.ContainsAny(c.Path, " \r\n\t")) {
			return d.errorf(p, "must be a URL path starting with /, without spaces, got %s", quote(c.Path))
		}
	}
	for i, g := range s.Servers {
		if p := "servers[" + strconv.Itoa(i) + "].pool"; d.has(p) {
			if err := d.checkKeyName(p, g.Pool); err != nil {
				return err
			}
		}
	}
	for _, name := range slices.Sorted(maps.Keys(s.Pools)) {
		if err := checkPool(s, d, name, pools, forProxy); err != nil {
			return err
		}
	}
	if s.ZoneRouting() == ZoneLatency {
		// A region keeps its requests: each needs every pool.
		for _, pool := range pools {
			for _, zone := range s.ZoneNames() {
				if !slices.ContainsFunc(s.Servers, func(g ServerGroup) bool { return g.PoolName() == pool && g.Zone == zone }) {
					return d.errorf("zones.routing", "latency routing keeps each request in its region, but region %s has no server of pool %s", quote(zone), quote(pool))
				}
			}
		}
	}
	if len(s.Routes) > 0 && s.Layer() == Layer4 {
		return d.errorf("routes", "need a layer 7 balancer, which sees each request; at layer 4 (mode tcp) a balancer sees only connections")
	}
	if len(s.Routes) == 0 {
		if len(pools) > 1 {
			return d.errorf("routes", "the servers are in %d pools (%s); give routes that say which requests go to each", len(pools), strings.Join(pools, ", "))
		}
		return nil
	}
	for i := range s.Routes {
		if err := checkRoute(s, d, i, pools, forProxy); err != nil {
			return err
		}
	}
	if forProxy && !d.has("workload") {
		return nil
	}
	for c, class := range s.Workload.RequestClasses() {
		if s.ClassRoute(c) < 0 {
			return d.errorf("routes", "no route matches the requests of class %s; end the routes with one for every request, such as {pool: %s}", quote(class.Name), pools[0])
		}
	}
	return nil
}

// checkPool checks pools.NAME and fills in its sections' defaults.
func checkPool(s *Scenario, d *decoder, name string, pools []string, forProxy bool) error {
	p := "pools." + name
	pool := s.Pools[name]
	if !slices.Contains(pools, name) {
		return d.errorf(p, "no server is in pool %s (pools: %s)", quote(name), strings.Join(pools, ", "))
	}
	if pool == nil {
		return d.errorf(p, "%s", noValue)
	}
	if d.has(p + ".algorithm") {
		canon, err := algorithms.Resolve(pool.Algorithm)
		if err != nil {
			return d.errorf(p+".algorithm", "%v", err)
		}
		pool.Algorithm = canon
	}
	if hc := pool.HealthCheck; hc != nil {
		*hc = withDefaults(d, p+".health_check", *hc, DefaultHealthCheck)
	}
	if ps := pool.Passive; ps != nil {
		*ps = withDefaults(d, p+".passive", *ps, DefaultPassive)
		ps.On = slices.Clone(ps.On)
	}
	if r := pool.Retries; r != nil {
		*r = withDefaults(d, p+".retries", *r, DefaultRetries)
		r.On = slices.Clone(r.On)
	}
	return checkFailureHandling(s, d, p+".", pool.HealthCheck, pool.Passive, pool.Retries, forProxy)
}

// checkRoute checks routes[i].
func checkRoute(s *Scenario, d *decoder, i int, pools []string, forProxy bool) error {
	r := &s.Routes[i]
	p := "routes[" + strconv.Itoa(i) + "]"
	if r.Class != "" {
		classes := s.Workload.RequestClasses()
		k := slices.IndexFunc(classes, func(c Class) bool { return c.Name == r.Class })
		switch {
		case k < 0 && (!forProxy || d.has("workload")):
			return d.errorf(p+".class", "no workload class is named %s", quote(r.Class))
		case k < 0 || classes[k].Path == "":
			if forProxy {
				return d.errorf(p+".class", "the proxy routes by path: give class %s a path (workload.classes[].path), or route by path", quote(r.Class))
			}
		default:
			r.ClassPath = classes[k].Path
		}
	}
	if d.has(p+".path") && !strings.HasPrefix(r.Path, "/") {
		return d.errorf(p+".path", "must be a URL path starting with /, got %s", quote(r.Path))
	}
	switch {
	case d.has(p+".pool") && d.has(p+".split"):
		return d.errorf(p+".split", "give pool or split, not both")
	case d.has(p + ".pool"):
		if !slices.Contains(pools, r.Pool) {
			return d.errorf(p+".pool", "no server is in pool %s (pools: %s)", quote(r.Pool), strings.Join(pools, ", "))
		}
	case d.has(p + ".split"):
		if err := checkSplit(d, p+".split", r.Split, pools); err != nil {
			return err
		}
	default:
		return d.errorf(p+".pool", "required: the pool the route sends to (or split: {POOL: WEIGHT, ...})")
	}
	if r.Limit != nil {
		if err := checkLimit(d, p+".limit", r.Limit); err != nil {
			return err
		}
	}
	if len(r.Phases) == 0 {
		return nil
	}
	if r.Split == nil {
		return d.errorf(p+".phases", "apply to a split only")
	}
	if forProxy {
		return d.errorf(p+".phases", "move a split over a run's virtual time, which a live proxy has not; reload the proxy with the new split instead")
	}
	for k, ph := range r.Phases {
		pp := p + ".phases[" + strconv.Itoa(k) + "]"
		if err := d.durRange(pp+".at", ph.At, false, MaxVirtualTime); err != nil {
			return err
		}
		if k > 0 && ph.At <= r.Phases[k-1].At {
			return d.errorf(pp+".at", "must be later than the phase before it (%s)", r.Phases[k-1].At)
		}
		if !d.has(pp + ".split") {
			return d.errorf(pp+".split", "required: the split from this time on")
		}
		if err := checkSplit(d, pp+".split", ph.Split, pools); err != nil {
			return err
		}
	}
	return nil
}

// checkLimit checks and completes a route's limit at p.
func checkLimit(d *decoder, p string, l *Limit) error {
	if !d.has(p + ".per") {
		l.Per = LimitPerClient
	} else if l.Per != LimitPerClient && l.Per != LimitPerAll {
		return d.errorf(p+".per", "must be client (a bucket per client address) or all (one bucket), got %s", quote(l.Per))
	}
	if !d.has(p + ".rate") {
		return d.errorf(p+".rate", "required: the requests a second the limit lets through")
	}
	if err := d.floatRange(p+".rate", l.Rate, 0, true, maxLimitRate); err != nil {
		return err
	}
	if err := d.intRange(p+".burst", int64(l.Burst), 0, maxLimitBurst); err != nil {
		return err
	}
	if err := d.intRange(p+".delay", int64(l.Delay), 0, int64(l.Burst)); err != nil {
		return err
	}
	if float64(l.Burst)/l.Rate > MaxVirtualTime.D().Seconds() {
		// A full burst's last request would be held past any run's end.
		return d.errorf(p+".burst", "holds a request up to burst/rate = %s s, more than the virtual-time limit of a year; lower burst or raise rate", strconv.FormatFloat(float64(l.Burst)/l.Rate, 'g', 4, 64))
	}
	if l.NoDelay && d.has(p+".delay") {
		return d.errorf(p+".delay", "give nodelay (no request waits) or delay (the first delay excess requests do not wait), not both")
	}
	if !d.has(p + ".status") {
		l.Status = DefaultLimitStatus
	}
	return d.intRange(p+".status", int64(l.Status), 400, 599)
}

// checkSplit checks a split at p: known pools, weights from 0 and not all
// 0.
func checkSplit(d *decoder, p string, split map[string]int, pools []string) error {
	total := 0
	for _, w := range weights(split) {
		if !slices.Contains(pools, w.Pool) {
			return d.errorf(p+"."+w.Pool, "no server is in pool %s (pools: %s)", quote(w.Pool), strings.Join(pools, ", "))
		}
		if err := d.intRange(p+"."+w.Pool, int64(w.Weight), 0, maxSplitWeight); err != nil {
			return err
		}
		total += w.Weight
	}
	if total == 0 {
		return d.errorf(p, "needs a pool with a weight above 0")
	}
	return nil
}
