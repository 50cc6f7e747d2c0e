package sim

import "time"

// CheckCost is what a health check costs a healthy server: 1 ms of one
// slot. A slow server answers it factor times slower, and fails it past
// the check's timeout: a disk ten times slower passes 1 s checks, one a
// thousand times slower does not.
const CheckCost = time.Millisecond

// startChecks schedules view v's first health check of every server, one
// interval after now.
func (e *engine) startChecks(v *view, now time.Duration) {
	for i := range e.servers {
		if hc := e.pools[e.servers[i].pool].health; hc != nil {
			e.events.push(viewEvent(now+hc.Interval.D(), check, i, v))
		}
	}
}

// checkEvent runs the check event ev, unless it belongs to a view that
// is gone, or whose balancer is down: a crashed proxy checks nothing.
func (e *engine) checkEvent(ev *event) {
	v := e.views[ev.view()]
	if ev.epoch() != v.epoch || (e.separate() && e.lbs[v.index].down) {
		return
	}
	e.check(v, &e.servers[ev.server()], ev.at)
}

// check runs view v's active health check of s. A crashed server fails it at
// once (the connection is refused). Otherwise, by default, the check is
// served like a request: it takes a slot or waits in the server's queue,
// and passes if it is answered within the timeout, so a server with a deep
// queue fails its checks. An out-of-band check (a dedicated health port)
// skips the queue and passes unless the server is too slow to answer in
// time.
func (e *engine) check(v *view, s *server, now time.Duration) {
	if e.arrivalsDone {
		return
	}
	hc := e.pools[s.pool].health
	e.events.push(viewEvent(now+hc.Interval.D(), check, s.backend.Index, v))
	switch {
	case !s.up:
		e.checked(v, s, false, now)
	case hc.OutOfBand:
		e.checked(v, s, time.Duration(float64(CheckCost)*s.slow) <= hc.Timeout.D(), now)
	case s.full():
		e.checked(v, s, false, now) // turned away like a request
	default:
		i := e.store(request{arrival: now, demand: CheckCost, server: int32(s.backend.Index), check: true, lb: int16(v.index)})
		e.reqs[i].timeoutSeq = e.events.push(event{at: now + hc.Timeout.D(), req: i, kind: checkTimeout})
		if s.busy < s.capacity {
			e.start(s, i, now)
		} else {
			s.waiting.push(i)
		}
	}
}

// checkAnswered ends in-band check i, served by s at now: it passes unless
// it timed out already.
func (e *engine) checkAnswered(i int32, s *server, now time.Duration) {
	late, v := e.reqs[i].orphan, e.viewOf(i)
	e.release(i)
	if !late {
		e.checked(v, s, true, now)
	}
}

// checkTimedOut fails in-band check i, which s has not answered in time;
// s still serves it when its turn comes.
func (e *engine) checkTimedOut(i int32, now time.Duration) {
	q := &e.reqs[i]
	q.orphan, q.timeoutSeq = true, 0
	e.checked(e.viewOf(i), &e.servers[q.server], false, now)
}

// checked counts view v's check verdict on s: fall failures in a row take it
// out, rise passes bring it back. A check that was answered still fails
// when the server was busier than max_utilization since its last answer,
// as a deep health check reports.
func (e *engine) checked(v *view, s *server, ok bool, now time.Duration) {
	hc := e.pools[s.pool].health
	st := &v.standing[s.backend.Index]
	if ok && hc.MaxUtilization > 0 {
		e.account(s, now)
		if span := now - st.checkAt; span > 0 {
			ok = (s.busyAll-st.checkBusy)/(float64(s.capacity)*float64(span)) <= hc.MaxUtilization
		}
		st.checkAt, st.checkBusy = now, s.busyAll
	}
	changed := false
	if ok {
		st.checkFails = 0
		st.checkOKs++
		if st.checkDown && st.checkOKs >= hc.Rise {
			st.checkDown, st.ejectedUntil, changed = false, 0, true
		}
	} else {
		st.checkOKs = 0
		st.checkFails++
		if !st.checkDown && st.checkFails >= hc.Fall {
			st.checkDown, changed = true, true
		}
	}
	if changed {
		e.refreshOne(v, now)
	}
}
