package sim

import (
	"math"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/lbsim/lbsim/algorithms"
	"github.com/lbsim/lbsim/results"
	"github.com/lbsim/lbsim/scenarios"
	"github.com/lbsim/lbsim/workloads"
)

// The balancing tier is balancers.count balancer instances that split the
// arrivals at random. Each has its own instance of the algorithm (its own
// round robin position, counts and random stream), and a view: what it
// knows of the servers. With view shared, every balancer sees the servers'
// true load and one health state, as one balancer would. With view local
// or stale, each keeps, as a separate proxy does, its own health checks,
// passive ejections, breakers and retry budget; a local view counts only
// the requests its balancer sent, a stale one holds the servers' true load
// as of its last refresh.
//
// A balancer that crashes fails the requests in flight through it, and
// those clients keep sending it for balancers.failover; then they split
// their requests among the others until it recovers, with a fresh
// instance of the algorithm and, unless the view is shared, a fresh view.

// balancer is one balancer instance.
type balancer struct {
	index int // from 0; balancers are numbered index+1
	zone  int16
	// algs are its instances of the algorithm, one for each pool: over
	// the pool's servers, or under zoned routing over those of its zone.
	// Under local_first, spill are those over the other zones' servers,
	// and localShare the share of its requests it keeps in its zone.
	algs       []algorithms.Balancer
	spill      []algorithms.Balancer
	localShare []float64
	view       *view
	// pick is reused: a fresh one per pick would escape to the heap.
	pick algorithms.Request
	// down while it is crashed, by its own fault or its zone's;
	// advertised while clients send to it, which outlasts a crash by the
	// failover time.
	down, faultDown, zoneDown, advertised bool
	// withdrawSeq is the pending withdrawal's event, so that one from an
	// earlier crash is ignored.
	withdrawSeq uint64
	restarts    uint64
}

// view is what one or more balancers know of the servers.
type view struct {
	// backends is what its balancers see of each server: the engine's
	// own counts (shared), or its own (local: counted as its balancers
	// send; stale: set at each refresh).
	backends []*algorithms.Backend
	counted  bool
	standing []standing // each server's, by index
	pools    []viewPool // each pool's, by index
	limits   []*limiter // each route's rate limit, nil without any
	// index is its place in engine.views, and the index of its first
	// balancer.
	index int
	// epoch tells a view from the one its balancer had before it
	// restarted, so that the events of the old one are ignored.
	epoch uint8
}

// viewPool is what a view knows of a pool as a whole.
type viewPool struct {
	// primaryUp is set while some server that is not a backup is healthy;
	// panicking while fewer than health_check.panic_threshold of them are.
	primaryUp, panicking bool
	// breakersOpen counts the servers whose breaker is open.
	breakersOpen int
	// budget is the retry budget's saved-up retries.
	budget float64
	// listed is set once the view's balancers have the pool's servers in
	// rotation: a refresh that takes none out and brings none back then
	// need not list them again, which in a pool of thousands costs more
	// than the refresh.
	listed bool
}

// standing is a server's standing with one view: what its checks,
// ejections and breaker say, and whether its balancers may choose it.
type standing struct {
	// Active checks' verdict and counts.
	checkDown  bool
	checkFails int
	checkOKs   int
	// checkAt and checkBusy are when a check last read the server's
	// utilization and its busy slot-time then, for
	// health_check.max_utilization.
	checkAt   time.Duration
	checkBusy float64
	// Passive checks' failures and ejection.
	passiveFails int
	passiveSince time.Duration
	ejectedUntil time.Duration
	// The circuit breaker: its state, failures in a row while closed, and
	// probes sent and succeeded while half-open.
	breaker   breakerState
	cbFails   int
	cbProbes  int
	cbProbeOK int
	// inRotation is whether its balancers may choose the server, as of
	// the last refresh; rampFrom is when it last came back, for slow
	// start.
	inRotation bool
	rampFrom   time.Duration
}

// tier is the engine's state for several balancers; nil with one
// balancer that never fails, where none of it is needed.
type tier struct {
	failover time.Duration
	refresh  time.Duration // a stale view's, else 0
	// split draws the balancer of each arrival among those advertised.
	split      *rand.Rand
	advertised []int
	// advertisedIn lists them by zone.
	advertisedIn [][]int
}

// initBalancers makes the scenario's balancers and their views.
func (e *engine) initBalancers(sc *scenarios.Scenario) error {
	n := sc.BalancerCount()
	view := sc.BalancerView()
	balancerFaults := false
	for _, f := range sc.Faults {
		balancerFaults = balancerFaults || f.Balancer > 0 || f.Zone != ""
	}
	if n > 1 || balancerFaults || view == scenarios.ViewStale {
		e.tier = &tier{split: rand.New(rand.NewPCG(routingSeed(sc.Seed), 0x73706c6974))}
		if view == scenarios.ViewStale {
			e.tier.refresh = sc.Balancers.Refresh.D()
		}
		if sc.Balancers != nil {
			e.tier.failover = sc.Balancers.Failover.D()
		}
	}
	e.lbs = make([]*balancer, n)
	for i := range e.lbs {
		b := &balancer{index: i, zone: e.balancerZone(i), advertised: true}
		if err := e.newAlgorithm(b); err != nil {
			return err
		}
		if i == 0 || view != scenarios.ViewShared {
			b.view = e.newView(view, i)
			e.views = append(e.views, b.view)
		} else {
			b.view = e.lbs[0].view
		}
		e.lbs[i] = b
	}
	e.view = view
	e.counting = view == scenarios.ViewLocal && e.l4 == nil
	e.readvertise()
	if e.tier != nil && e.tier.refresh > 0 {
		// The views refresh in turn, spread over the period, as proxies
		// polling on timers of their own do.
		for i := range e.views {
			at := time.Duration(i) * e.tier.refresh / time.Duration(len(e.views))
			e.events.push(event{at: at, req: int32(i), kind: snapshot})
		}
	}
	return nil
}

// newAlgorithm gives b a fresh instance of each pool's algorithm, each
// with a random stream of its own: the first balancer's for the first
// pool is the one a single balancer uses, so that one balancer decides as
// it always did.
func (e *engine) newAlgorithm(b *balancer) error {
	// The instances a restart replaces let go of the servers: a policy
	// that indexes their loads would otherwise go on hearing of every
	// change, for nothing.
	for _, algs := range [][]algorithms.Balancer{b.algs, b.spill} {
		for _, alg := range algs {
			if alg != nil {
				alg.Update(nil)
			}
		}
	}
	b.algs = make([]algorithms.Balancer, len(e.pools))
	spills := e.zones != nil && e.zones.routing == scenarios.ZoneLocalFirst
	if spills {
		b.spill, b.localShare = make([]algorithms.Balancer, len(e.pools)), make([]float64, len(e.pools))
	}
	for k := range e.pools {
		seed := routingSeed(e.seed)
		if b.index > 0 || b.restarts > 0 || k > 0 {
			seed = routingSeed(seed ^ (uint64(k)<<48 | uint64(b.index)<<32 | b.restarts))
		}
		alg, err := algorithms.New(e.pools[k].algorithm, algorithms.Options{Seed: seed})
		if err != nil {
			return err
		}
		b.algs[k] = alg
		if spills {
			if b.spill[k], err = algorithms.New(e.pools[k].algorithm, algorithms.Options{Seed: routingSeed(seed ^ 0x7370696c6c)}); err != nil {
				return err
			}
			b.localShare[k] = 1
		}
	}
	return nil
}

// newView returns a fresh view of the given kind for balancer i.
func (e *engine) newView(kind string, i int) *view {
	v := &view{index: i, standing: make([]standing, len(e.servers)), pools: make([]viewPool, len(e.pools)), limits: e.newLimiters()}
	for k := range v.standing {
		// In rotation from the start is not coming back: no ramp.
		v.standing[k].rampFrom = math.MinInt64 / 2
	}
	v.backends = make([]*algorithms.Backend, len(e.servers))
	for k := range e.servers {
		truth := e.balanced(&e.servers[k])
		if kind == scenarios.ViewShared {
			v.backends[k] = truth
		} else {
			v.backends[k] = algorithms.NewBackend(truth.Index, truth.Name, truth.Weight)
		}
	}
	v.counted = kind == scenarios.ViewLocal
	return v
}

// balancerOf is the balancer request i came through.
func (e *engine) balancerOf(i int32) *balancer { return e.lbs[e.reqs[i].lb] }

// viewOf is the view of the balancer request i came through.
func (e *engine) viewOf(i int32) *view { return e.lbs[e.reqs[i].lb].view }

// pickBalancer draws the balancer an arrival goes to, among those its
// clients send to (in its zone's target, while it has one), and reports
// false when they send to none.
func (e *engine) pickBalancer(r *workloads.Request) (int, bool) {
	if e.tier == nil {
		return 0, true
	}
	adv := e.tier.advertised
	if e.zones != nil {
		if in := e.tier.advertisedIn[e.targetZone(e.clientZone(r))]; len(in) > 0 {
			adv = in
		}
	}
	if len(adv) == 0 {
		return 0, false
	}
	if len(adv) == 1 {
		return adv[0], true
	}
	return adv[e.tier.split.IntN(len(adv))], true
}

// readvertise lists the balancers clients send to.
func (e *engine) readvertise() {
	if e.tier == nil {
		return
	}
	t := e.tier
	t.advertised = t.advertised[:0]
	if e.zones != nil && t.advertisedIn == nil {
		t.advertisedIn = make([][]int, len(e.zones.names))
	}
	for z := range t.advertisedIn {
		t.advertisedIn[z] = t.advertisedIn[z][:0]
	}
	for _, b := range e.lbs {
		if b.advertised {
			t.advertised = append(t.advertised, b.index)
			if t.advertisedIn != nil {
				t.advertisedIn[b.zone] = append(t.advertisedIn[b.zone], b.index)
			}
		}
	}
}

// begin counts request i's attempt on s: on the server, and in its
// balancer's view when that view counts what its balancers send. At
// layer 4 connections are counted instead (connect).
func (e *engine) begin(i int32, s *server) {
	s.backend.Begin()
	if e.counting {
		e.viewOf(i).backends[s.backend.Index].Begin()
	}
}

// end is begin's counterpart, when the attempt is over.
func (e *engine) end(i int32, s *server) {
	s.backend.End()
	if e.counting {
		e.viewOf(i).backends[s.backend.Index].End()
	}
}

// takeSnapshot refreshes stale view k with the servers' true load, and
// schedules its next refresh.
func (e *engine) takeSnapshot(k int, now time.Duration) {
	v := e.views[k]
	for i := range e.servers {
		v.backends[i].SetInFlight(e.balanced(&e.servers[i]).InFlight())
	}
	if !e.arrivalsDone {
		e.events.push(event{at: now + e.tier.refresh, req: int32(k), kind: snapshot})
	}
}

// crashBalancer crashes b: the requests in flight through it fail (their
// servers serve them for nobody), its connections break, and its clients
// stop sending to it after the failover time.
func (e *engine) crashBalancer(b *balancer, now time.Duration) {
	b.down = true
	e.changed(now, results.EventCrash, nil, "balancer %d crashed", b.index+1)
	if e.tier.failover > 0 {
		b.withdrawSeq = e.events.push(event{at: now + e.tier.failover, req: int32(b.index), kind: withdraw})
	} else {
		e.withdraw(b, now, 0)
	}
	for i := range e.reqs {
		q := &e.reqs[i]
		if int(q.lb) == b.index && q.held {
			e.fail(int32(i), causeBalancerDown) // held by its rate limit
			continue
		}
		if int(q.lb) != b.index || q.server < 0 || q.orphan {
			continue
		}
		if q.check {
			// A shared view's checks go on; a view of its own is gone.
			q.orphan = e.separate()
			continue
		}
		s := &e.servers[q.server]
		q.orphan, q.timeoutSeq = true, 0
		e.end(int32(i), s)
		if e.tracer != nil {
			e.trace(Failed, now, int32(i), s, "its balancer crashed")
		}
		e.failedForGood(q, causeBalancerDown)
	}
	if e.l4 != nil {
		for c := range e.l4.conns {
			if conn := &e.l4.conns[c]; conn.server >= 0 && int(conn.lb) == b.index {
				e.dropConnection(conn)
			}
		}
	}
}

// balancerDown crashes b unless it is down already; balancerUp brings
// it back unless something still holds it down.
func (e *engine) balancerDown(b *balancer, now time.Duration) {
	if !b.down {
		e.crashBalancer(b, now)
	}
}

func (e *engine) balancerUp(b *balancer, now time.Duration) {
	if b.down && !b.faultDown && !b.zoneDown {
		e.recoverBalancer(b, now)
	}
}

// withdraw stops b's clients from sending to it, unless it recovered
// since the crash that scheduled this (seq; 0 for at once).
func (e *engine) withdraw(b *balancer, now time.Duration, seq uint64) {
	if !b.down || (seq != 0 && seq != b.withdrawSeq) {
		return
	}
	b.advertised = false
	e.readvertise()
	e.changed(now, results.EventOut, nil, "clients stop sending to balancer %d", b.index+1)
}

// recoverBalancer restarts b: clients send to it again, and it starts
// with a fresh algorithm and, unless its view is shared, a fresh view.
func (e *engine) recoverBalancer(b *balancer, now time.Duration) {
	b.down, b.advertised, b.withdrawSeq = false, true, 0
	b.restarts++
	_ = e.newAlgorithm(b) // the same algorithm made the first instance
	for k := range b.view.pools {
		b.view.pools[k].listed = false // the new instances know no servers
	}
	if e.separate() {
		epoch := b.view.epoch + 1
		b.view = e.newView(e.view, b.index)
		b.view.epoch = epoch
		for k := range b.view.standing {
			// Back with every server in rotation, as at the start: no
			// ramp, and refresh takes out only those not usable.
			b.view.standing[k].inRotation = true
		}
		e.views[b.index] = b.view
		e.startChecks(b.view, now)
	}
	e.readvertise()
	e.changed(now, results.EventRecover, nil, "balancer %d works again", b.index+1)
	e.refresh(now)
}

// separate reports whether each balancer has a view of its own, which
// lives and dies with it: local and stale views.
func (e *engine) separate() bool { return e.view != scenarios.ViewShared }

// viaText is what the trace says of the balancer a request came through,
// "" with one balancer.
func (e *engine) viaText(i int32) string {
	if len(e.lbs) == 1 {
		return ""
	}
	return "via balancer " + strconv.Itoa(int(e.reqs[i].lb)+1)
}
