// Package sim is lbsim's virtual-clock, discrete-event engine. It feeds a
// scenario's request stream through one balancer from algorithms/ and
// measures what the servers and clients see. Every algorithm in a comparison
// gets the same arrivals, clients and service demands (common random
// numbers), so the differences between results are the algorithms'.
package sim

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"net/netip"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/lbsim/lbsim/algorithms"
	"github.com/lbsim/lbsim/results"
	"github.com/lbsim/lbsim/scenarios"
	"github.com/lbsim/lbsim/workloads"
)

// ErrNothingMeasured reports a run whose arrivals all fall inside the
// warm-up, so it has no measurement window.
var ErrNothingMeasured = errors.New("every arrival falls inside the warm-up: simulate more requests or shorten warmup")

// errCutInWarmup is ErrNothingMeasured when Options.MaxRequests, not the
// scenario, ended the arrivals: more requests cannot be the advice.
type errCutInWarmup struct{}

func (errCutInWarmup) Error() string {
	return "nothing would be measured: shorten warmup, or run with a higher cap"
}
func (errCutInWarmup) Is(target error) bool { return target == ErrNothingMeasured }

// ErrQueueFull is the outcome balancers see for a request rejected because
// its server's queue was full.
var ErrQueueFull = errors.New("server queue full")

// Compare simulates the scenario once per algorithm, in parallel on all
// cores, and returns the results in the order of algorithms. Runs are
// independent and each is single-threaded, so the result does not depend
// on the number of cores.
func Compare(sc *scenarios.Scenario, algs []string) (*results.Comparison, error) {
	cmps, err := CompareAll([]*scenarios.Scenario{sc}, algs, Options{})
	if err != nil {
		return nil, err
	}
	return cmps[0], nil
}

// CompareSeeds is Compare once for each seed in place of the scenario's,
// with every run of every seed sharing the cores; the comparisons are in
// the order of seeds.
func CompareSeeds(sc *scenarios.Scenario, algs []string, seeds []uint64, opt Options) ([]*results.Comparison, error) {
	scs := make([]*scenarios.Scenario, len(seeds))
	for i, seed := range seeds {
		c := *sc
		c.Seed = seed
		scs[i] = &c
	}
	return CompareAll(scs, algs, opt)
}

// CompareAll is Compare for each scenario, with every run sharing the
// cores; the comparisons are in the order of scs.
func CompareAll(scs []*scenarios.Scenario, algs []string, opt Options) ([]*results.Comparison, error) {
	byScenario := make([][]results.Result, len(scs))
	arrivals := make([][]int64, len(scs))
	errs := make([]error, len(scs)*len(algs))
	cut := make([]bool, len(errs)) // whether MaxRequests cut run k
	for i := range scs {
		byScenario[i] = make([]results.Result, len(algs))
		arrivals[i] = make([]int64, len(algs))
	}
	progress := newProgress(opt.Progress, len(errs))
	slots := make(chan struct{}, runtime.GOMAXPROCS(0))
	var wg sync.WaitGroup
	for i, sc := range scs {
		for j, name := range algs {
			wg.Add(1)
			slots <- struct{}{}
			go func() {
				defer func() { <-slots; wg.Done() }()
				k := i*len(algs) + j
				res, n, wasCut, err := run(sc, name, runOptions{timeline: opt.Timeline && i == 0, progress: progress.run(k), ctx: opt.Context, maxRequests: opt.MaxRequests})
				byScenario[i][j], arrivals[i][j], cut[k], errs[k] = res, n, wasCut, err
			}()
		}
	}
	wg.Wait()
	if progress != nil {
		opt.Progress(1)
	}
	// Every run of a scenario sees the same requests, so the first
	// failure speaks for all.
	for k, err := range errs {
		if err != nil {
			if len(scs) > 1 {
				err = fmt.Errorf("%s (seed %d): %w", scs[k/len(algs)].Name, scs[k/len(algs)].Seed, err)
			}
			return nil, err
		}
	}
	out := make([]*results.Comparison, len(scs))
	for i, sc := range scs {
		out[i] = &results.Comparison{
			Scenario:    sc.Name,
			Description: sc.Description,
			Seed:        sc.Seed,
			Results:     byScenario[i],
			Judge:       sc.Judge,
		}
		if len(algs) > 0 {
			out[i].Requests = arrivals[i][0]
		}
		// Every run of a scenario sees the same arrivals, so the cap cuts
		// all of them or none.
		if slices.Contains(cut[i*len(algs):(i+1)*len(algs)], true) {
			out[i].CutAt = opt.MaxRequests
		}
	}
	return out, nil
}

// Run simulates the scenario with one algorithm.
func Run(sc *scenarios.Scenario, algorithm string) (results.Result, error) {
	res, _, _, err := run(sc, algorithm, runOptions{})
	return res, err
}

// runOptions are one run's share of Options.
type runOptions struct {
	timeline    bool
	progress    func(float64)
	ctx         context.Context
	maxRequests int64
}

// run simulates sc with one algorithm, keeping a timeline if asked, and
// returns the result, the number of arrivals and whether MaxRequests cut
// the run short.
func run(sc *scenarios.Scenario, algorithm string, opt runOptions) (results.Result, int64, bool, error) {
	e, err := newEngine(sc, algorithm)
	if err != nil {
		return results.Result{}, 0, false, fmt.Errorf("%s: %w", algorithm, err)
	}
	defer e.gen.Close()
	e.ctx, e.maxRequests = opt.ctx, opt.maxRequests
	if opt.timeline {
		span := expectedSpan(sc)
		if opt.maxRequests > 0 && (sc.Requests == 0 || sc.Requests > opt.maxRequests) {
			capped := *sc
			capped.Requests, capped.Duration = opt.maxRequests, 0
			span = min(span, expectedSpan(&capped)) // a cut run's windows fit what it runs
		}
		if t := sc.Workload.Trace; t != nil {
			if span, err = workloads.TraceSpan(t); err != nil {
				return results.Result{}, 0, false, err
			}
		}
		e.tl = newTimeline(e, span, e.warmup)
		e.markPhases(&sc.Workload.Arrival)
	}
	e.onProgress = opt.progress
	e.run()
	if err := e.gen.Err(); err != nil {
		return results.Result{}, 0, false, err
	}
	if e.stopErr != nil {
		return results.Result{}, 0, false, fmt.Errorf("%s: stopped after %d arrivals: %w", algorithm, e.arrivals, e.stopErr)
	}
	if e.windowEnd <= e.warmup && e.cut {
		return results.Result{}, 0, false, fmt.Errorf("%s: the cap of %d requests per algorithm ends the run at %v of virtual time, before the warmup (%v) ends: %w",
			algorithm, e.maxRequests, e.windowEnd.Round(time.Millisecond), e.warmup, errCutInWarmup{})
	}
	if e.windowEnd <= e.warmup {
		return results.Result{}, 0, false, fmt.Errorf("%s: the run ends at %v of virtual time, warmup is %v: %w",
			algorithm, e.windowEnd.Round(time.Millisecond), e.warmup, ErrNothingMeasured)
	}
	res := e.result()
	e.recycle()
	return res, e.arrivals, e.cut, nil
}

// request is a request in flight: queued or in service.
type request struct {
	arrival time.Duration
	demand  time.Duration
	number  int64 // its arrival number, from 1
	client  netip.Addr
	// doneSeq is the sequence number of the request's completion event,
	// so that the event of a request its server's crash ended is ignored.
	doneSeq uint64
	// timeoutSeq is the sequence number of its attempt's timeout event.
	timeoutSeq uint64
	// clientID is the client behind the address (see
	// workloads.Request.ClientID), for sessions and sticky cookies.
	clientID uint32
	// server is the server it is on, -1 while it is not on one.
	server int32
	// class and attempts (retries so far) are small, as lb below is: a
	// workload has at most 1,000 classes and a request at most 100
	// retries.
	class, attempts int16
	// conn is the connection it came on (workloads.Request.Conn).
	conn int32
	// key is its key (workloads.Request.Key), -1 for none.
	key int32
	// crash is 1 + the index of the first crash one of its attempts met
	// (refused or reset), 0 for none: if it fails for good, it counts
	// against that crash.
	crash int32
	// lb is the balancer it came through, by index (for a health check,
	// the view that sent it); pool is the pool its route sent it to, and
	// zone its client's zone. They are small so that a request takes 104
	// bytes: the engine keeps every request in flight.
	lb, pool, zone int16
	// cacheMiss is 1 + the server whose cache its attempt missed, 0 for
	// none: its demand includes that server's cache.miss_cost.
	cacheMiss int16
	// orphan marks a request whose client gave up (timed out): the
	// server still serves it, for nobody.
	orphan bool
	// probe marks an attempt a half-open circuit breaker let through.
	probe bool
	// missed marks an attempt that missed its client's session: its
	// demand includes the scenario's sessions.miss_cost.
	missed bool
	// check marks an in-band health check, which the server serves like a
	// request but which nobody counts as one.
	check bool
	// errAnswer marks an attempt a 5xx fault fails: it ends after
	// scenarios.ErrorLatency with an error status.
	errAnswer bool
	// held marks a request a rate limit holds; doneSeq is then its
	// release's event.
	held bool
	// transit and returning mark a request crossing zones on its way to
	// its server, and its answer on its way back; doneSeq is then the
	// event of its arrival.
	transit, returning bool
}

type engine struct {
	algorithm string
	seed      uint64
	gen       *workloads.Generator
	servers   []server
	events    eventQueue

	// The balancing tier (balancers.go): the balancers, their views of
	// the servers (one when shared), and, with several balancers or
	// balancer faults, the state that splits arrivals among them.
	lbs   []*balancer
	views []*view
	tier  *tier
	// view is the balancers' view (scenarios.Views); counting is set
	// when views count the requests their balancers send (local views,
	// at layer 7).
	view     string
	counting bool
	// pools are the pools of servers, and router sends each request to
	// one (pools.go); router is nil without routes.
	pools  []pool
	router *router
	zones  *zones // nil without zones (zones.go)

	// reqs holds requests in flight; free lists the reusable slots, so
	// memory follows the requests in flight, not the requests simulated.
	reqs []request
	free []int32

	maxArrivals int64         // 0 when the run is bounded by duration, or by its trace
	duration    time.Duration // 0 when the run is bounded by arrivals
	warmup      time.Duration
	// windowEnd closes the measurement window: unbounded while requests
	// arrive, then the end of arrivals, so the drain does not dilute
	// utilization or throughput.
	windowEnd time.Duration

	arrivals          int64
	classes           []*results.Histogram
	classNames        []string
	completed         int64
	completedInWindow int64
	rejected          int64
	failed            int64

	failures           // faults, checks and retries (faults.go)
	scale    *scaler   // nil unless autoscaling (autoscale.go)
	sess     *sessions // nil unless the scenario keeps sessions (sessions.go)
	cache    *caches   // nil unless servers cache keys (cache.go)
	// healthBuf, listBuf and otherBuf are scratch for refreshPool and
	// updateZoned, kept between refreshes.
	healthBuf         []bool
	listBuf, otherBuf []*algorithms.Backend
	pins              pins    // nil unless the scenario is sticky (sessions.go)
	l4                *layer4 // nil unless an L4 balancer carries connections (conns.go)
	// triedBy keeps the servers each request tried, when it may be
	// retried more than once (tried.go).
	triedBy map[int32][]int

	// Observers (observe.go), nil unless asked for.
	tl         *timeline
	tracer     *tracer
	onProgress func(done float64) // this run's share done

	// Limits a caller set (Options.Context and MaxRequests): stopErr is
	// why the context stopped the run, cut whether the cap did.
	ctx         context.Context
	maxRequests int64
	stopErr     error
	cut         bool
}

func newEngine(sc *scenarios.Scenario, algorithm string) (*engine, error) {
	gen, err := workloads.New(&sc.Workload, sc.Seed)
	if err != nil {
		return nil, err
	}
	e := &engine{
		algorithm:   algorithm,
		seed:        sc.Seed,
		gen:         gen,
		maxArrivals: sc.Requests,
		duration:    sc.Duration.D(),
		warmup:      sc.Warmup.D(),
		windowEnd:   math.MaxInt64,
	}
	list := sc.ExpandServers()
	firstExtra := len(list)
	list = append(list, sc.AutoscaleServers()...)
	e.servers = make([]server, len(list))
	for i, s := range list {
		e.servers[i] = server{
			backend:    algorithms.NewBackend(i, s.Name, s.Weight),
			latency:    sketches.Get().(*results.Sketch),
			name:       s.Name,
			capacity:   s.Capacity,
			speed:      s.Speed,
			queueLimit: s.Queue,
			backup:     s.Backup,
			group:      s.Group,
			poolName:   s.Pool,
			zoneName:   s.Zone,
			mtbf:       s.MTBF.D(),
			mttr:       s.MTTR.D(),
			up:         true,
			slow:       1,
		}
	}
	e.sess = newSessions(sc.Sessions, len(e.servers))
	e.cache = newCaches(list)
	e.l4 = newLayer4(sc, e.servers)
	if sc.Sticky != nil {
		e.pins = make(pins)
	}
	e.initPools(sc)
	e.initZones(sc)
	if err := e.initBalancers(sc); err != nil {
		gen.Close()
		return nil, err
	}
	e.initFailures(sc)
	e.initScaler(sc, firstExtra)
	e.refresh(0)
	for _, c := range sc.Workload.RequestClasses() {
		h := histograms.Get().(*results.Histogram)
		h.Reset()
		e.classes = append(e.classes, h)
		e.classNames = append(e.classNames, c.Name)
	}
	return e, nil
}

// addClasses adds the classes a trace's class column named since the
// last call.
func (e *engine) addClasses() {
	for _, name := range e.gen.ClassNames()[len(e.classes):] {
		h := histograms.Get().(*results.Histogram)
		h.Reset()
		e.classes = append(e.classes, h)
		e.classNames = append(e.classNames, name)
		if e.router != nil {
			e.router.classRoute = append(e.router.classRoute, e.router.traceClassRoute(name))
		}
	}
}

// histograms recycles the latency histograms of finished runs. Each holds
// about 350 KiB of buckets; runs in parallel that each made new ones would
// make garbage fast enough for collections to take a core from them every
// few runs.
var histograms = sync.Pool{New: func() any { return results.NewHistogram() }}

// sketches recycles the servers' latency sketches, a few kilobytes each:
// a pool of 10,000 servers would otherwise make 50 MB of garbage a run.
var sketches = sync.Pool{New: func() any { return new(results.Sketch) }}

// recycle gives the run's histograms back once its result is made, unless
// its timeline may still refer to them.
func (e *engine) recycle() {
	for i := range e.servers {
		e.servers[i].latency.Reset()
		sketches.Put(e.servers[i].latency)
		e.servers[i].latency = nil
	}
	if e.tl != nil {
		return
	}
	for _, h := range e.classes {
		histograms.Put(h)
	}
	e.classes = nil
	for k := range e.pools {
		if h := e.pools[k].hist; h != nil {
			histograms.Put(h)
			e.pools[k].hist = nil
		}
	}
}

// routingSeed derives the balancers' random stream from the scenario seed,
// apart from the workload's streams.
func routingSeed(seed uint64) uint64 {
	z := seed + 0x6a09e667f3bcc909
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// run advances the clock until every arrival has been served.
func (e *engine) run() {
	var r workloads.Request
	lastArrival := time.Duration(0)
	for {
		e.gen.Next(&r)
		if e.finished(&r) || e.traceStopped() {
			break
		}
		if e.stopped(e.arrivals) {
			return
		}
		for e.events.len() > 0 && e.events.peek().at <= r.Arrival {
			e.fire(e.events.pop())
		}
		if e.tl != nil {
			e.advance(r.Arrival)
		}
		e.arrive(&r)
		lastArrival = r.Arrival
		if e.onProgress != nil && e.arrivals%progressEvery == 0 {
			e.onProgress(e.done(r.Arrival))
		}
	}
	if e.duration > 0 && !e.cut {
		e.windowEnd = e.duration
	} else {
		e.windowEnd = lastArrival
	}
	e.arrivalsDone = true
	if e.tl != nil {
		e.tl.arrivalsEnded(e.windowEnd)
	}
	for n := int64(1); e.events.len() > 0 && !e.traceStopped(); n++ {
		if e.stopped(n) {
			return
		}
		e.fire(e.events.pop())
	}
	if e.recording() {
		e.tl.close()
	}
	if e.tl != nil {
		slices.SortStableFunc(e.tl.Events, func(a, b results.Event) int { return cmp.Compare(a.At, b.At) })
	}
	for i := range e.servers {
		e.account(&e.servers[i], e.windowEnd)
		e.trackState(&e.servers[i], e.windowEnd)
	}
}

// stopped looks at the caller's context every stopEvery counts of n
// (arrivals, or events of the drain), and records why it is done.
func (e *engine) stopped(n int64) bool {
	if e.ctx == nil || n%stopEvery != 0 {
		return false
	}
	e.stopErr = e.ctx.Err()
	return e.stopErr != nil
}

// finished reports whether r lies past the end of the run: the end of
// its scenario, or the caller's cap (Options.MaxRequests), which it then
// records as a cut.
func (e *engine) finished(r *workloads.Request) bool {
	switch {
	case r.Arrival == math.MaxInt64:
		return true // the workload stopped sending
	case e.duration > 0 && r.Arrival >= e.duration,
		e.maxArrivals > 0 && e.arrivals >= e.maxArrivals:
		return true
	}
	e.cut = e.maxRequests > 0 && e.arrivals >= e.maxRequests
	return e.cut // a trace is replayed to its end, if no cap stops it
}

func (e *engine) arrive(r *workloads.Request) {
	e.arrivals++
	if r.Class >= len(e.classes) {
		e.addClasses()
	}
	lb, ok := e.pickBalancer(r)
	if c := e.openConnection(r.Conn); c != nil {
		lb, ok = int(c.lb), true // it stays on its connection's balancer
	}
	pool := e.route(r)
	i := e.alloc(r, lb, pool)
	if r.Arrival >= e.warmup {
		e.pools[pool].requests++
	}
	if rt := e.pools[pool].retries; rt != nil && rt.Budget > 0 {
		vp := &e.lbs[lb].view.pools[pool]
		vp.budget = min(vp.budget+rt.Budget, scenarios.RetryBudgetBurst)
	}
	if !ok || e.lbs[lb].down {
		if e.tracer != nil {
			e.trace(Failed, r.Arrival, i, nil, "its balancer is down")
		}
		e.fail(i, causeBalancerDown)
		return
	}
	if !e.limit(i, r.Arrival) {
		return
	}
	e.tried = e.tried[:0]
	e.dispatch(i, r.Arrival)
}

// dispatch sends request i to a server at now. A server that refuses it
// (crashed) fails the attempt, which is retried elsewhere as configured.
func (e *engine) dispatch(i int32, now time.Duration) {
	measured := e.reqs[i].arrival >= e.warmup
	var rampedAway *algorithms.Backend // the last server slow start kept it off
	for {
		var b *algorithms.Backend
		if len(e.tried) > 0 {
			b = e.choose(i, now) // a retry goes elsewhere
		} else if s := e.pinned(i, now); s != nil {
			b = s.backend // its cookie names a usable server
		} else if s := e.onConnection(i, now); s != nil {
			b = s.backend // its connection is open to s (layer 4)
		} else {
			b = e.choose(i, now)
		}
		switch {
		case b != nil:
			e.tried = append(e.tried, b.Index)
			if e.slowStart > 0 && e.turnedAway(e.viewOf(i), &e.servers[b.Index], now) {
				rampedAway = b
				continue
			}
		case rampedAway != nil:
			// Every other server is out: a ramping one beats none.
			b, rampedAway = rampedAway, nil
		default:
			if e.tracer != nil {
				e.trace(Failed, now, i, nil, "no usable server")
			}
			e.fail(i, causeNoServer)
			return
		}
		s := &e.servers[b.Index]
		opened := e.connect(i, s, now)
		if e.tracer != nil {
			e.trace(Routed, now, i, s, e.routeText(i, opened))
		}
		if measured {
			s.requests++
		}
		probe := e.breaker != nil && e.probe(e.viewOf(i), s, now)
		e.reqs[i].probe = probe
		if !s.up {
			e.begin(i, s)
			if e.refused(i, s, now, 0, probe) {
				continue
			}
			return
		}
		if s.full() {
			e.begin(i, s)
			e.queueFull(i, s, now, 0, probe)
			return
		}
		if e.sess != nil {
			e.serveSession(i, b.Index, measured)
		}
		if e.cache != nil {
			e.serveCache(i, b.Index, measured)
		}
		e.begin(i, s)
		e.keepTried(i)
		if e.crosses(i, s) {
			e.crossTo(i, s, now)
			return
		}
		e.reqs[i].server = int32(b.Index)
		if s.busy < s.capacity {
			// A request served at once whose service ends within the
			// timeout cannot time out: most requests need no timeout
			// event at all.
			if done := e.start(s, i, now); e.attemptTimeout > 0 && done-now > e.attemptTimeout {
				e.reqs[i].timeoutSeq = e.events.push(event{at: now + e.attemptTimeout, req: i, kind: timeout})
			}
			return
		}
		if e.attemptTimeout > 0 {
			e.reqs[i].timeoutSeq = e.events.push(event{at: now + e.attemptTimeout, req: i, kind: timeout})
		}
		e.enqueue(s, i)
		return
	}
}

// refused ends request i's attempt on s, which is down and refused it
// after latency: it reports whether the request gets another attempt,
// and fails it if not.
func (e *engine) refused(i int32, s *server, now, latency time.Duration, probe bool) bool {
	q := &e.reqs[i]
	e.attemptFailed(i, s, now, latency, ErrRefused, "connection refused")
	e.hitCrash(q, s)
	e.serverFailed(e.viewOf(i), s, now, q.arrival >= e.warmup, probe, scenarios.RetryConnect)
	if e.retry(i, scenarios.RetryConnect, now) {
		return true
	}
	e.fail(i, causeRefused)
	return false
}

// queueFull turns request i away from s, whose queue is full, after
// latency.
func (e *engine) queueFull(i int32, s *server, now, latency time.Duration, probe bool) {
	e.attemptFailed(i, s, now, latency, ErrQueueFull, "queue full")
	e.unprobe(e.viewOf(i), s, now, probe) // it never reached the server
	e.fail(i, causeQueueFull)
}

// enqueue puts request i in s's queue, noting the longest.
func (e *engine) enqueue(s *server, i int32) {
	s.waiting.push(i)
	if e.reqs[i].arrival >= e.warmup && s.waiting.len() > s.maxQueue {
		s.maxQueue = s.waiting.len()
	}
}

// choose picks a server for request i with its balancer, avoiding those
// it already tried: a retry always goes to another server. It returns nil
// when none is left.
func (e *engine) choose(i int32, now time.Duration) *algorithms.Backend {
	lb, pool := e.balancerOf(i), e.reqs[i].pool
	lb.pick = algorithms.Request{Client: e.reqs[i].client, Now: now, Key: uint64(e.reqs[i].key), Keyed: e.reqs[i].key >= 0}
	alg, other := e.zoneAlgorithm(lb, pool)
	for range 4 {
		b, err := alg.Pick(&lb.pick)
		if err != nil && other != nil {
			alg, other = other, nil // its side has no usable server
			b, err = alg.Pick(&lb.pick)
		}
		if err != nil {
			return nil
		}
		if !slices.Contains(e.tried, b.Index) {
			return b
		}
	}
	// The policy keeps choosing servers already tried (ip_hash always
	// does, least_connections does when slow start turned its choice
	// away): take the usable one not tried with the fewest requests in
	// flight, as far as the balancer knows, at random among equals: a
	// choice that neither piles onto one server nor favours the first
	// listed.
	var best *algorithms.Backend
	ties := 0
	for _, k := range e.pools[pool].servers {
		if slices.Contains(e.tried, k) || !e.usable(lb.view, &e.servers[k], now) || e.outOfReach(lb, &e.servers[k]) {
			continue
		}
		switch b := lb.view.backends[k]; {
		case best == nil || b.InFlight() < best.InFlight():
			best, ties = b, 1
		case b.InFlight() == best.InFlight():
			// Reservoir sampling: the k-th of k equals replaces the
			// choice with probability 1/k.
			if ties++; e.tieDraw.IntN(ties) == 0 {
				best = b
			}
		}
	}
	return best
}

// alloc stores a request in flight through balancer lb to pool, on no
// server yet, and returns its index.
func (e *engine) alloc(r *workloads.Request, lb int, pool int16) int32 {
	return e.store(request{arrival: r.Arrival, demand: r.Demand, client: r.Client, clientID: r.ClientID, conn: r.Conn, key: r.Key, number: e.arrivals, server: -1, class: int16(r.Class), lb: int16(lb), pool: pool, zone: e.clientZone(r)})
}

// store keeps q in a free slot of the requests in flight and returns its
// index.
func (e *engine) store(q request) int32 {
	if n := len(e.free); n > 0 {
		i := e.free[n-1]
		e.free = e.free[:n-1]
		e.reqs[i] = q
		return i
	}
	e.reqs = append(e.reqs, q)
	return int32(len(e.reqs) - 1)
}

// start gives request i a slot on s at now and schedules its completion,
// which it returns.
func (e *engine) start(s *server, i int32, now time.Duration) time.Duration {
	e.account(s, now)
	s.busy++
	q := &e.reqs[i]
	var done time.Duration
	if q.errAnswer = e.failsFast(s, q); q.errAnswer {
		done = now + scenarios.ErrorLatency
	} else {
		done = now + s.serviceTime(q.demand)
	}
	q.doneSeq = e.events.push(event{at: done, req: i, kind: completion})
	return done
}

func (e *engine) fire(ev event) {
	if e.stale(&ev) {
		return // its request completed, or its attempt ended, meanwhile
	}
	if e.tl != nil {
		e.advance(ev.at)
	}
	switch ev.kind {
	case completion:
		e.complete(ev.req, ev.at)
	case timeout:
		e.timedOut(ev.req, ev.at)
	case check:
		e.checkEvent(&ev)
	case checkTimeout:
		e.checkTimedOut(ev.req, ev.at)
	case fault:
		e.applyFault(int(ev.req), ev.at)
	case faultEnd:
		e.endFault(int(ev.req), ev.at)
	case ejectEnd:
		if v := e.views[ev.view()]; v.epoch == ev.epoch() {
			e.refreshOne(v, ev.at)
		}
	case breakerHalfOpen:
		if v := e.views[ev.view()]; v.epoch == ev.epoch() {
			e.halfOpen(v, &e.servers[ev.server()], ev.at)
		}
	case randomCrash:
		e.randomCrash(&e.servers[ev.req], ev.at)
	case randomRepair:
		e.randomRepair(&e.servers[ev.req], ev.at)
	case autoscale:
		e.evaluate(ev.at)
	case join:
		e.joinServer(&e.servers[ev.req], ev.at, ev.seq)
	case snapshot:
		e.takeSnapshot(int(ev.req), ev.at)
	case withdraw:
		e.withdraw(e.lbs[ev.req], ev.at, ev.seq)
	case unhold:
		e.unhold(ev.req, ev.at)
	case reach:
		e.reached(ev.req, ev.at)
	case deliver:
		e.delivered(ev.req, ev.at)
	case regionFailover:
		e.failRegion(int(ev.req), ev.at, ev.seq)
	}
}

// stale reports whether ev is the completion or timeout of an attempt
// that has ended otherwise: such events are left in the queue rather than
// removed, and do nothing, not even move the timeline on.
func (e *engine) stale(ev *event) bool {
	switch ev.kind {
	case completion, unhold, reach, deliver:
		return e.reqs[ev.req].doneSeq != ev.seq
	case timeout, checkTimeout:
		q := &e.reqs[ev.req]
		return q.timeoutSeq != ev.seq || q.orphan
	}
	return false
}

// release frees request i's slot.
func (e *engine) release(i int32) {
	if e.triedBy != nil {
		delete(e.triedBy, i)
	}
	e.reqs[i] = request{server: -1}
	e.free = append(e.free, i)
}

func (e *engine) complete(i int32, now time.Duration) {
	q := &e.reqs[i]
	s := &e.servers[q.server]
	e.account(s, now)
	s.busy--
	if e.crosses(i, s) && !q.orphan {
		e.returnAnswer(i, now)
	} else {
		e.delivered(i, now)
	}
	if s.waiting.len() > 0 {
		e.start(s, s.waiting.pop(), now)
	} else if s.retired {
		e.leaveIfDrained(s, now)
	}
}

// delivered ends request i's attempt, whose server has answered and
// whose answer has reached its client (at once, unless it crossed
// zones).
func (e *engine) delivered(i int32, now time.Duration) {
	q := e.reqs[i]
	s := &e.servers[q.server]
	switch {
	case q.check:
		e.checkAnswered(i, s, now)
	case q.orphan:
		e.release(i) // its client gave up: nobody counts it
	case q.errAnswer:
		e.answeredError(i, s, now)
	default:
		latency := now - q.arrival
		e.end(i, s)
		e.tellBalancer(i, s, algorithms.Outcome{Now: now, Latency: latency})
		e.release(i)
		if e.recording() {
			e.tl.hist.Record(latency)
		}
		if q.arrival >= e.warmup {
			e.completed++
			e.classes[q.class].Record(latency)
			if p := &e.pools[q.pool]; p.hist != nil {
				p.completed++
				p.hist.Record(latency)
			}
			s.latency.Record(latency)
			if now <= e.windowEnd {
				e.completedInWindow++
			}
		}
		if e.breaker != nil {
			e.succeeded(e.viewOf(i), s, now, q.probe)
		}
		if e.pins != nil {
			e.pins[q.clientID] = q.server
		}
	}
}

// account adds s's busy slot-time since its last change, clipped to the
// measurement window [warmup, windowEnd].
func (e *engine) account(s *server, now time.Duration) {
	if d := results.InWindow(s.lastChange, now, e.warmup, e.windowEnd); d > 0 {
		s.busyArea += float64(s.busy) * float64(d)
	}
	s.busyAll += float64(s.busy) * float64(now-s.lastChange)
	s.lastChange = now
}

func (e *engine) result() results.Result {
	window := float64(e.windowEnd - e.warmup)
	res := results.Result{
		Algorithm:     e.algorithm,
		Completed:     e.completed,
		Failed:        e.failed,
		Rejected:      e.rejected,
		Retried:       e.retried,
		FailedByCause: e.failedByCause(),
		Crashes:       e.crashReport(),
	}
	if e.scale != nil {
		res.Scaling = e.scale.events
	}
	res.Pools = e.poolResults()
	if e.sess != nil {
		res.SessionMisses = e.sess.misses
	}
	if e.cache != nil {
		res.CacheHitRate = e.cache.hitRate(-1)
	}
	if st := e.gen.TraceStats(); st != nil {
		// The replay may have read ahead of where the run stopped.
		res.Trace = &results.Trace{Lines: st.Lines, Requests: e.arrivals, Skipped: st.Skipped, Late: st.Late, Errors: st.Errors}
	}
	if window > 0 {
		res.ThroughputRPS = float64(e.completedInWindow) / (window / float64(time.Second))
	}
	// One class is the whole run: merging it into a fresh histogram would
	// only make garbage, and garbage makes collections that take cores from
	// runs in parallel.
	var all *results.Histogram
	if len(e.classes) == 1 {
		all = e.classes[0]
	} else {
		all = results.NewHistogram()
		for i, h := range e.classes {
			all.Merge(h)
			res.Classes = append(res.Classes, results.Class{Name: e.classNames[i], Completed: h.Count(), Latency: h.Latency()})
		}
	}
	res.Latency = all.Latency()
	if e.tl != nil {
		res.Detail = &results.Detail{Latency: all, Timeline: e.tl.Timeline}
	}
	// Utilization is over each server's time in service, and fairness
	// over the servers that served at all: an autoscaled server that was
	// never launched is not an idle one.
	utils := make([]float64, 0, len(e.servers))
	groupOf := make([]string, len(e.servers))
	latency := make([]*results.Sketch, len(e.servers))
	for i := range e.servers {
		s := &e.servers[i]
		groupOf[i], latency[i] = s.group, s.latency
		out := results.Server{
			Name:      s.name,
			Requests:  s.requests,
			MaxQueue:  s.maxQueue,
			Failed:    s.failed,
			Completed: s.latency.Count(),
			Latency:   s.latency.Latency(),
			DownS:     s.downTime.Seconds(),
			DrainingS: s.drainTime.Seconds(),
		}
		if e.cache != nil {
			out.CacheHitRate = e.cache.hitRate(i)
		}
		if s.inServiceTime > 0 {
			out.Utilization = s.busyArea / (float64(s.capacity) * float64(s.inServiceTime))
			utils = append(utils, out.Utilization)
		}
		if e.scale != nil && s.group == e.scale.cfg.Group {
			out.InServiceS = s.inServiceTime.Seconds()
			out.NeverLaunched = s.inServiceTime == 0
		}
		res.Servers = append(res.Servers, out)
	}
	res.Groups = results.SumGroups(res.Servers, groupOf, latency)
	res.Fairness = results.NewFairness(utils)
	res.Fairness.MaxOverMeanLatency = results.LatencySpread(latency)
	return res
}
