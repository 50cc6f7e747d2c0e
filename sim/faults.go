package sim

import (
	"errors"
	"math/rand/v2"
	"slices"
	"strconv"
	"time"

	"github.com/lbsim/lbsim/algorithms"
	"github.com/lbsim/lbsim/results"
	"github.com/lbsim/lbsim/scenarios"
)

// Outcomes balancers see for failed attempts.
var (
	// ErrRefused is a request sent to a crashed server: the connection is
	// refused.
	ErrRefused = errors.New("connection refused: server down")
	// ErrReset is a request in service or waiting on a server when it
	// crashed.
	ErrReset = errors.New("connection reset: server crashed")
	// ErrTimeout is an attempt that got no response within
	// timeouts.response.
	ErrTimeout = errors.New("timeout: no response in time")
	// ErrStatus is an attempt a 5xx fault failed: the server answered
	// with an error status.
	ErrStatus = errors.New("error status: the server answered 500")
)

// Causes of failed requests, in the order of results.FailureCauses, which
// names them.
const (
	causeRefused = iota
	causeReset
	causeTimeout
	causeQueueFull
	causeNoServer
	cause5xx
	causeBalancerDown
	causeRateLimited
	numCauses
)

// failures is the engine's state for faults, health checks, passive checks
// and retries, whose settings are each pool's (pools.go). Each works as
// its live-proxy counterpart does (HAProxy's fall and rise, nginx's
// max_fails and fail_timeout), on the virtual clock.
type failures struct {
	breaker *scenarios.CircuitBreaker
	// attemptTimeout is timeouts.response when the file gives it: the
	// client gives up on an attempt after it.
	attemptTimeout time.Duration
	faults         []scenarios.Fault
	// faultOn is what each fault hits.
	faultOn []faultTarget
	// tried lists the servers the request being dispatched was sent to.
	tried []int
	// arrivalsDone stops the health checks: after the last arrival they
	// could only go on for ever.
	arrivalsDone bool
	// slowStart is the ramp of a server back in rotation; ramp decides
	// which requests it turns away meanwhile.
	slowStart time.Duration
	ramp      *rand.Rand
	// errDraw decides which requests a 5xx fault of a share below 1 fails;
	// tieDraw breaks ties when the host picks a server itself.
	errDraw, tieDraw *rand.Rand

	retried int64
	causes  [numCauses]int64
	crashes []crash
}

// crash is one crash's record.
type crash struct {
	server   int
	at       time.Duration
	detected time.Duration // -1 until detected
	// attempts counts the attempts that hit the server while it was down
	// (refused, or reset by the crash); failed counts the requests that
	// then failed for good, whatever their last attempt met.
	attempts, failed int64
}

// initFailures reads the failure-handling sections and schedules the
// faults and the first health checks.
func (e *engine) initFailures(sc *scenarios.Scenario) {
	e.faults = sc.Faults
	e.attemptTimeout = sc.AttemptTimeout.D()
	e.slowStart = sc.SlowStart.D()
	e.ramp = rand.New(rand.NewPCG(routingSeed(sc.Seed), 0x736c6f77))
	e.errDraw = rand.New(rand.NewPCG(routingSeed(sc.Seed), 0x35787878))
	e.tieDraw = rand.New(rand.NewPCG(routingSeed(sc.Seed), 0x74696573))
	e.breaker = sc.CircuitBreaker
	index := make(map[string]int, len(e.servers))
	for i := range e.servers {
		index[e.servers[i].name] = i
		e.servers[i].crash, e.servers[i].downCrash = -1, -1
	}
	for i, f := range e.faults {
		target := faultTarget{server: index[f.Server], balancer: -1, zone: -1}
		switch {
		case f.Balancer > 0:
			target.balancer = f.Balancer - 1
		case f.Zone != "":
			target.zone = int16(slices.Index(e.zones.names, f.Zone))
		}
		e.faultOn = append(e.faultOn, target)
		e.events.push(event{at: f.At.D(), req: int32(i), kind: fault})
		if f.For > 0 && f.Kind != scenarios.FaultRecover {
			e.events.push(event{at: (f.At + f.For).D(), req: int32(i), kind: faultEnd})
		}
	}
	for _, v := range e.views {
		e.startChecks(v, 0)
	}
	for i := range e.servers {
		if s := &e.servers[i]; s.mtbf > 0 {
			// Each server's failures have their own stream, apart from
			// the workload's and the balancers'.
			s.failRNG = rand.New(rand.NewPCG(routingSeed(sc.Seed), 0x6d746266+uint64(i)))
			e.events.push(event{at: s.exp(s.mtbf), req: int32(i), kind: randomCrash})
		}
	}
}

// exp draws an exponential time of the given mean from s's failure stream.
func (s *server) exp(mean time.Duration) time.Duration {
	return time.Duration(min(s.failRNG.ExpFloat64()*float64(mean), float64(scenarios.MaxVirtualTime)))
}

// randomCrash crashes s at random, unless a fault has it down already,
// and schedules its repair.
func (e *engine) randomCrash(s *server, now time.Duration) {
	if e.arrivalsDone {
		return
	}
	if !s.up {
		e.events.push(event{at: now + s.exp(s.mtbf), req: int32(s.backend.Index), kind: randomCrash})
		return
	}
	s.randomDown = true
	e.crash(s, now)
	e.events.push(event{at: now + s.exp(s.mttr), req: int32(s.backend.Index), kind: randomRepair})
}

// randomRepair ends s's random crash and schedules its next failure.
func (e *engine) randomRepair(s *server, now time.Duration) {
	e.trackState(s, now)
	s.randomDown = false
	e.setUp(s, now)
	if !e.arrivalsDone {
		e.events.push(event{at: now + s.exp(s.mtbf), req: int32(s.backend.Index), kind: randomCrash})
	}
}

// available reports whether s is in the fleet and in rotation as far as
// its operators are concerned: launched, not scaled in, not draining.
func (s *server) available() bool {
	return !s.idle && !s.starting && !s.retired && !s.draining
}

// healthy reports whether s may serve as far as view v knows: it is
// available, and checks, ejection and breaker all let it. A crashed server
// stays healthy until something notices.
func (e *engine) healthy(v *view, s *server, now time.Duration) bool {
	st := &v.standing[s.backend.Index]
	return s.available() && !st.checkDown && now >= st.ejectedUntil &&
		st.breaker != breakerOpen && !(st.breaker == breakerHalf && st.cbProbes >= e.breaker.Probes)
}

// usable reports whether v's balancers may choose s now: it is healthy,
// and it is a primary or no primary is healthy. In panic (see refresh)
// every available primary is usable, healthy or not.
func (e *engine) usable(v *view, s *server, now time.Duration) bool {
	vp := &v.pools[s.pool]
	return rotates(vp, s, !vp.panicking && e.healthy(v, s, now))
}

// rotates is usable for a server whose health is known: in panic every
// available primary, else a healthy server that is a primary or whose
// pool has no healthy primary.
func rotates(vp *viewPool, s *server, healthy bool) bool {
	if vp.panicking {
		return !s.backup && s.available()
	}
	return healthy && (!s.backup || !vp.primaryUp)
}

// refresh tells every balancer which servers are usable, and marks the
// crashes that this takes out of rotation everywhere as detected.
func (e *engine) refresh(now time.Duration) {
	for _, v := range e.views {
		e.refreshView(v, now)
	}
	e.detectCrashes(now)
}

// refreshOne is refresh after a change of view v's own state (a check's
// verdict, an ejection, a breaker): only v's balancers need hearing of
// it, and with a thousand local views refreshing every view on each
// change would cost views x servers.
func (e *engine) refreshOne(v *view, now time.Duration) {
	e.refreshView(v, now)
	e.detectCrashes(now)
}

// detectCrashes marks as detected the crashes whose server no balancer
// that is up may still choose.
func (e *engine) detectCrashes(now time.Duration) {
	for i := range e.servers {
		if s := &e.servers[i]; s.crash >= 0 && !e.anyHealthy(s, now) {
			e.crashes[s.crash].detected = now
			s.crash = -1
		}
	}
}

// refreshView tells v's balancers which servers of each pool are usable.
func (e *engine) refreshView(v *view, now time.Duration) {
	for k := range e.pools {
		e.refreshPool(v, k, now)
	}
}

// refreshPool tells v's balancers which servers of pool k are usable. It
// reads each server's health once, and lists the pool to the balancers
// only when a server came into or left rotation: in a pool of thousands a
// refresh is on the path of every ejection.
func (e *engine) refreshPool(v *view, k int, now time.Duration) {
	p, vp := &e.pools[k], &v.pools[k]
	healthy, primaries := 0, 0
	hs := e.healthBuf[:0]
	for _, i := range p.servers {
		s := &e.servers[i]
		h := e.healthy(v, s, now)
		hs = append(hs, h)
		if !s.backup && s.available() {
			primaries++
			if h {
				healthy++
			}
		}
	}
	vp.primaryUp = healthy > 0
	vp.panicking = p.health != nil && float64(healthy) < p.health.PanicThreshold*float64(primaries)
	moved := false
	list := e.listBuf[:0]
	for j, i := range p.servers {
		s, st := &e.servers[i], &v.standing[i]
		usable := rotates(vp, s, hs[j])
		moved = moved || usable != st.inRotation
		if usable && !st.inRotation && now > 0 {
			st.rampFrom = now
		}
		if usable != st.inRotation && e.observed() {
			if usable {
				e.changed(now, results.EventIn, s, "%sback in rotation", e.byView(v))
			} else {
				e.changed(now, results.EventOut, s, "%s%s", e.byView(v), e.outReason(v, s, now))
			}
		}
		st.inRotation = usable
		if usable {
			list = append(list, v.backends[i])
		}
	}
	e.healthBuf, e.listBuf = hs, list[:0] // Update does not keep the list
	if vp.listed && !moved {
		return
	}
	vp.listed = true
	if e.zoned() {
		e.updateZoned(v, k)
		return
	}
	for _, b := range e.lbs {
		if b.view == v {
			b.algs[k].Update(list)
		}
	}
}

// anyHealthy reports whether some balancer that is up may still choose s,
// as far as its view knows.
func (e *engine) anyHealthy(s *server, now time.Duration) bool {
	for _, v := range e.views {
		if (!e.separate() || !e.lbs[v.index].down) && e.healthy(v, s, now) {
			return true
		}
	}
	return false
}

// byView is what the timeline says of a view's decision: "" for the
// only or shared view, "balancer N: " for a balancer's own.
func (e *engine) byView(v *view) string {
	if !e.separate() {
		return ""
	}
	return "balancer " + strconv.Itoa(v.index+1) + ": "
}

// faultTarget is what a fault hits: a balancer (by index) or a zone, when
// not -1, else a server.
type faultTarget struct {
	server, balancer int
	zone             int16
}

// applyFault starts fault i.
func (e *engine) applyFault(i int, now time.Duration) {
	f, on := &e.faults[i], e.faultOn[i]
	crash := f.Kind == scenarios.FaultCrash
	switch {
	case on.balancer >= 0:
		b := e.lbs[on.balancer]
		b.faultDown = crash
		if crash {
			e.balancerDown(b, now)
		} else {
			e.balancerUp(b, now)
		}
		return
	case on.zone >= 0 && crash:
		e.crashZone(on.zone, now)
		return
	case on.zone >= 0:
		e.recoverZone(on.zone, now)
		return
	}
	s := &e.servers[on.server]
	switch f.Kind {
	case scenarios.FaultCrash:
		s.faultDown = true
		if s.up { // else its zone's crash holds it down already
			e.crash(s, now)
		}
	case scenarios.FaultSlow:
		s.slow = f.Factor
		e.changed(now, results.EventSlow, s, "%sx slower", trimFloat(f.Factor))
	case scenarios.FaultDrain:
		e.trackState(s, now)
		s.draining = true
		e.changed(now, results.EventDrain, s, "draining")
		e.refresh(now)
	case scenarios.FaultErrors:
		s.errShare = f.Share
		e.changed(now, results.EventErrors, s, "answers %s%% of its requests with 500", trimFloat(100*f.Share))
	case scenarios.FaultRecover:
		e.recover(s, now)
	}
}

// endFault ends fault i, whose time ("for") is over.
func (e *engine) endFault(i int, now time.Duration) {
	switch on := e.faultOn[i]; {
	case on.balancer >= 0:
		b := e.lbs[on.balancer]
		b.faultDown = false
		e.balancerUp(b, now)
	case on.zone >= 0:
		e.recoverZone(on.zone, now)
	default:
		e.recover(&e.servers[on.server], now)
	}
}

// failsFast reports whether s, under a 5xx fault, fails request q, which
// it starts now. Health checks are answered as ever.
func (e *engine) failsFast(s *server, q *request) bool {
	return s.errShare > 0 && !q.check && (s.errShare >= 1 || e.errDraw.Float64() < s.errShare)
}

// answeredError ends request i's attempt on s, which a 5xx fault failed:
// an answer, so not a failure for the circuit breaker, but one for
// passive checks that count 5xx, and a retry when retries.on has 5xx.
func (e *engine) answeredError(i int32, s *server, now time.Duration) {
	q := &e.reqs[i]
	measured := q.arrival >= e.warmup
	q.server, q.doneSeq, q.timeoutSeq, q.errAnswer, q.returning = -1, 0, 0, false, false
	e.attemptFailed(i, s, now, now-q.arrival, ErrStatus, "answered 500")
	if measured {
		s.failed++
	}
	v := e.viewOf(i)
	e.succeeded(v, s, now, q.probe)
	e.passiveFailed(v, s, now, scenarios.Retry5xx)
	if e.retry(i, scenarios.Retry5xx, now) {
		e.retryTried(i, s.backend.Index)
		e.dispatch(i, now)
		return
	}
	e.fail(i, cause5xx)
}

// recover ends whatever fault from the file s is in: a crash, a slowdown,
// errors or a drain. A random crash and an autoscaler's retirement are not its to
// end.
func (e *engine) recover(s *server, now time.Duration) {
	e.trackState(s, now)
	s.faultDown, s.slow, s.errShare = false, 1, 0
	e.setUp(s, now)
	if s.draining && !s.retired {
		s.draining = false
		e.refresh(now)
	}
}

// setUp brings s up if neither a fault nor a random crash holds it down.
func (e *engine) setUp(s *server, now time.Duration) {
	if !s.faultDown && !s.randomDown && !s.zoneDown {
		if !s.up {
			e.changed(now, results.EventRecover, s, "works again")
		}
		s.up, s.crash, s.downCrash = true, -1, -1
		e.regionChanged(s.zone, now)
	}
}

// crash stops s: every request on it fails (and may be retried elsewhere),
// and it refuses new ones until it recovers.
func (e *engine) crash(s *server, now time.Duration) {
	e.stop(s, now)
	e.resetRequests(s, now)
}

// stop marks s down and empties its slots and queue; resetRequests then
// fails what was on it. A zone's crash stops all its servers first, so
// that a request reset on one is not retried on another about to fall.
func (e *engine) stop(s *server, now time.Duration) {
	e.account(s, now)
	e.trackState(s, now)
	s.up = false
	e.changed(now, results.EventCrash, s, "crashed")
	e.regionChanged(s.zone, now)
	idx := s.backend.Index
	s.downCrash = len(e.crashes)
	if e.anyHealthy(s, now) {
		s.crash = s.downCrash
		e.crashes = append(e.crashes, crash{server: idx, at: now, detected: -1})
	} else {
		// Already out of rotation: nothing needs to notice.
		e.crashes = append(e.crashes, crash{server: idx, at: now, detected: now})
	}
	s.busy = 0
	s.waiting = ring[int32]{}
	e.leaveIfDrained(s, now)
	if e.sess != nil {
		e.sess.lose(idx)
	}
	if e.cache != nil {
		e.cache.empty(idx)
	}
}

// resetRequests fails every request on s, which has stopped: they are
// retried elsewhere or fail, as retries say.
func (e *engine) resetRequests(s *server, now time.Duration) {
	idx := s.backend.Index
	for i := range e.reqs {
		q := &e.reqs[i]
		if q.server != int32(idx) || q.transit || q.returning {
			continue // not on it: on its way there (and refused when it gets there), or answered
		}
		if q.check && !q.orphan {
			v := e.viewOf(int32(i))
			e.release(int32(i))
			e.checked(v, s, false, now) // the check's connection is reset
			continue
		}
		if q.orphan {
			e.release(int32(i)) // nobody waits for it
			continue
		}
		measured := q.arrival >= e.warmup
		q.server, q.doneSeq, q.timeoutSeq = -1, 0, 0
		e.attemptFailed(int32(i), s, now, now-q.arrival, ErrReset, "reset by the crash")
		e.hitCrash(q, s)
		e.serverFailed(e.viewOf(int32(i)), s, now, measured, q.probe, scenarios.RetryError)
		if e.retry(int32(i), scenarios.RetryError, now) {
			e.retryTried(int32(i), idx)
			e.dispatch(int32(i), now)
			continue
		}
		e.fail(int32(i), causeReset)
	}
}

// serverFailed counts a failed attempt of this condition (connect, error
// or timeout) on s: against its circuit breaker in view v (a failed probe
// reopens a half-open one), and against v's passive checks, which may
// eject s.
func (e *engine) serverFailed(v *view, s *server, now time.Duration, measured, probe bool, condition string) {
	if measured {
		s.failed++
	}
	if cb := e.breaker; cb != nil {
		st := &v.standing[s.backend.Index]
		switch st.breaker {
		case breakerClosed:
			// Past the cap on open breakers the run of failures goes on,
			// and opens the breaker at the next failure once a slot is free.
			if st.cbFails++; st.cbFails >= cb.Failures && v.pools[s.pool].breakersOpen < e.pools[s.pool].maxOpen {
				e.openBreaker(v, s, now)
			}
		case breakerHalf:
			if !probe {
				break
			}
			if v.pools[s.pool].breakersOpen < e.pools[s.pool].maxOpen {
				e.openBreaker(v, s, now)
			} else {
				// No slot: back in rotation, as past the cap, until the
				// next failure finds one.
				st.breaker, st.cbFails = breakerClosed, cb.Failures
				e.refreshOne(v, now)
			}
		}
	}
	e.passiveFailed(v, s, now, condition)
}

// passiveFailed counts a failed attempt of this condition on s against
// v's passive checks, which may eject s.
func (e *engine) passiveFailed(v *view, s *server, now time.Duration, condition string) {
	p := e.pools[s.pool].passive
	if !p.Counts(condition) {
		return
	}
	st := &v.standing[s.backend.Index]
	window := p.FailTimeout.D()
	if now-st.passiveSince > window {
		st.passiveSince, st.passiveFails = now, 0
	}
	st.passiveFails++
	if st.passiveFails < p.MaxFails || now < st.ejectedUntil {
		return
	}
	st.passiveFails = 0
	st.ejectedUntil = now + window
	e.events.push(viewEvent(st.ejectedUntil, ejectEnd, s.backend.Index, v))
	e.refreshOne(v, now)
}

// retry reports whether request i gets another attempt at now after a
// failure of this condition, and counts it.
func (e *engine) retry(i int32, condition string, now time.Duration) bool {
	q := &e.reqs[i]
	rt := e.pools[q.pool].retries
	if !rt.Retries(condition) || int(q.attempts) >= rt.Count {
		return false
	}
	if rt.Timeout > 0 && now-q.arrival >= rt.Timeout.D() {
		return false
	}
	if rt.Budget > 0 {
		vp := &e.viewOf(i).pools[q.pool]
		if vp.budget < 1 {
			return false
		}
		vp.budget--
	}
	q.attempts++
	if q.arrival >= e.warmup {
		e.retried++
	}
	return true
}

// attemptFailed ends request i's attempt on s, which failed with err
// after latency, and tells the balancer and the trace (why is the trace's
// word for it).
func (e *engine) attemptFailed(i int32, s *server, now, latency time.Duration, err error, why string) {
	e.end(i, s)
	e.tellBalancer(i, s, algorithms.Outcome{Now: now, Latency: latency, Err: err})
	if e.tracer != nil {
		e.trace(Failed, now, i, s, why)
	}
}

// hitCrash counts an attempt of q that met s down, against s's crash,
// and marks q as a request that met that crash.
func (e *engine) hitCrash(q *request, s *server) {
	if s.downCrash < 0 {
		return
	}
	e.crashes[s.downCrash].attempts++
	if q.crash == 0 {
		q.crash = int32(s.downCrash) + 1
	}
}

// fail ends request i without a response.
func (e *engine) fail(i int32, cause int) {
	e.failedForGood(&e.reqs[i], cause)
	e.release(i)
}

// failedForGood counts q, which gets no response, by cause and against
// the crash it met, if any.
func (e *engine) failedForGood(q *request, cause int) {
	e.countFailure(q.arrival >= e.warmup, cause)
	if p := &e.pools[q.pool]; p.hist != nil && q.arrival >= e.warmup {
		if rejected(cause) {
			p.rejected++
		} else {
			p.failed++
		}
	}
	if q.crash > 0 {
		e.crashes[q.crash-1].failed++
	}
}

func (e *engine) countFailure(measured bool, cause int) {
	if e.recording() {
		e.tl.cur.Failed++
	}
	if !measured {
		return
	}
	if rejected(cause) {
		e.rejected++
	} else {
		e.failed++
	}
	e.causes[cause]++
}

// rejected reports whether a request that fails for cause counts as
// rejected (turned away at once) rather than failed.
func rejected(cause int) bool {
	return cause == causeQueueFull || cause == causeNoServer || cause == causeRateLimited
}

// timedOut gives up on request i's attempt: the balancer hears of a
// timeout, and the request is retried elsewhere or fails, while its server,
// which does not know, goes on serving it for nobody. That wasted work is
// how retries turn a slow server into an overloaded fleet.
func (e *engine) timedOut(i int32, now time.Duration) {
	q := &e.reqs[i]
	q.orphan, q.timeoutSeq = true, 0
	s := &e.servers[q.server]
	e.attemptFailed(i, s, now, e.attemptTimeout, ErrTimeout, "timed out")
	measured := q.arrival >= e.warmup
	e.serverFailed(e.viewOf(i), s, now, measured, q.probe, scenarios.RetryTimeout)
	if !e.retry(i, scenarios.RetryTimeout, now) {
		e.failedForGood(q, causeTimeout)
		return
	}
	// The retry is a new request entry: the orphan keeps its place.
	again := request{arrival: q.arrival, demand: q.demand, client: q.client, clientID: q.clientID, conn: q.conn, key: q.key, number: q.number, server: -1, class: q.class, attempts: q.attempts, missed: q.missed, cacheMiss: q.cacheMiss, crash: q.crash, lb: q.lb, pool: q.pool, zone: q.zone}
	e.retryTried(i, int(q.server))
	e.dispatch(e.store(again), now)
}

// trackState adds the time since s last changed state to its down,
// draining and in-service totals, clipped to the measurement window. It
// is called before any of those states changes.
func (e *engine) trackState(s *server, now time.Duration) {
	if d := results.InWindow(s.stateFrom, now, e.warmup, e.windowEnd); d > 0 {
		if !s.up {
			s.downTime += d
		}
		if s.draining {
			s.drainTime += d
		}
		if s.inService() {
			s.inServiceTime += d
		}
	}
	s.stateFrom = now
}

func (e *engine) failedByCause() map[string]int64 {
	var m map[string]int64
	for c, n := range e.causes {
		if n > 0 {
			if m == nil {
				m = make(map[string]int64)
			}
			m[results.FailureCauses[c]] = n
		}
	}
	return m
}

func (e *engine) crashReport() []results.Crash {
	var out []results.Crash
	for _, c := range e.crashes {
		detected := -1.0
		if c.detected >= 0 {
			detected = (c.detected - c.at).Seconds()
		}
		out = append(out, results.Crash{
			Server:         e.servers[c.server].name,
			AtS:            c.at.Seconds(),
			DetectedAfterS: detected,
			FailedDuring:   c.failed,
			AttemptsFailed: c.attempts,
		})
	}
	return out
}

// breakerState is a circuit breaker's state.
type breakerState uint8

const (
	breakerClosed breakerState = iota
	breakerOpen
	breakerHalf
)

// openBreaker opens s's breaker in view v: no requests until it turns
// half-open. Open breakers hold the max_open slots; half-open ones do not,
// as a server taken out by health checks may never get its probes.
func (e *engine) openBreaker(v *view, s *server, now time.Duration) {
	v.pools[s.pool].breakersOpen++
	st := &v.standing[s.backend.Index]
	st.breaker, st.cbFails = breakerOpen, 0
	e.events.push(viewEvent(now+e.breaker.Open.D(), breakerHalfOpen, s.backend.Index, v))
	e.refreshOne(v, now)
}

// halfOpen lets s's breaker in view v send probes.
func (e *engine) halfOpen(v *view, s *server, now time.Duration) {
	v.pools[s.pool].breakersOpen--
	st := &v.standing[s.backend.Index]
	st.breaker, st.cbProbes, st.cbProbeOK = breakerHalf, 0, 0
	e.refreshOne(v, now)
}

// probe counts a request sent to s while its breaker in view v is
// half-open, and reports whether it is a probe; once the probes are out,
// s gets nothing more from v's balancers until they come back.
func (e *engine) probe(v *view, s *server, now time.Duration) bool {
	st := &v.standing[s.backend.Index]
	if st.breaker != breakerHalf {
		return false
	}
	st.cbProbes++
	if st.cbProbes == e.breaker.Probes {
		e.refreshOne(v, now)
	}
	return true
}

// unprobe gives back a probe that never reached the server.
func (e *engine) unprobe(v *view, s *server, now time.Duration, probe bool) {
	if st := &v.standing[s.backend.Index]; probe && st.breaker == breakerHalf {
		st.cbProbes--
		e.refreshOne(v, now)
	}
}

// succeeded counts a completed request on s for its breaker in view v: a
// success ends a run of failures, and closes a half-open breaker once
// every probe has succeeded (requests sent before it opened do not count).
func (e *engine) succeeded(v *view, s *server, now time.Duration, probe bool) {
	if e.breaker == nil {
		return
	}
	st := &v.standing[s.backend.Index]
	st.cbFails = 0
	if st.breaker == breakerHalf && probe {
		st.cbProbeOK++
		if st.cbProbeOK >= e.breaker.Probes {
			st.breaker = breakerClosed
			e.refreshOne(v, now)
		}
	}
}

// rampShare is the fraction of its full share a server that came back into
// rotation at from gets at now, under slow start: from 0 to 1 in a
// straight line.
func (e *engine) rampShare(from, now time.Duration) float64 {
	if e.slowStart <= 0 || now-from >= e.slowStart {
		return 1
	}
	return float64(now-from) / float64(e.slowStart)
}

// turnedAway reports whether slow start keeps a request off s: a server
// back in v's rotation for half the ramp takes half of what it is offered.
// The balancer chose, so this works with every algorithm.
func (e *engine) turnedAway(v *view, s *server, now time.Duration) bool {
	share := e.rampShare(v.standing[s.backend.Index].rampFrom, now)
	return share < 1 && e.ramp.Float64() >= share
}
