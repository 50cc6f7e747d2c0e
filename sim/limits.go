package sim

import (
	"net/netip"
	"time"

	"github.com/lbsim/lbsim/scenarios"
)

// A route's limit is nginx's limit_req: a leaky bucket per client address
// (or one for all) that drains at the limit's rate. A request that would
// raise a bucket's excess above the burst is rejected at once, and does
// not count; one within the burst is held until the bucket has drained to
// it, unless nodelay lets it through at once (or delay lets the first few
// through). As in nginx, the excess is counted in thousandths of a request
// and a bucket's first request finds it empty. Each view keeps its own
// buckets: separate balancers limit separately, as separate nginx
// instances do, so eight of them let eight times the rate through.

// limiter is one route's limit, as one view keeps it.
type limiter struct {
	cfg     *scenarios.Limit
	buckets map[netip.Addr]*bucket // by client address, or one at the zero address
}

// bucket is one leaky bucket.
type bucket struct {
	excess int64 // thousandths of a request
	last   time.Duration
}

// newLimiters returns a view's limiters, one for each route (nil for a
// route without a limit), or nil when no route has one.
func (e *engine) newLimiters() []*limiter {
	if e.router == nil || !e.router.limited {
		return nil
	}
	out := make([]*limiter, len(e.router.limits))
	for k, l := range e.router.limits {
		if l != nil {
			out[k] = &limiter{cfg: l, buckets: make(map[netip.Addr]*bucket)}
		}
	}
	return out
}

// admit reports whether a request from client at now passes the limit,
// and how long it is held first.
func (l *limiter) admit(client netip.Addr, now time.Duration) (hold time.Duration, ok bool) {
	if l.cfg.Per == scenarios.LimitPerAll {
		client = netip.Addr{}
	}
	b := l.buckets[client]
	if b == nil {
		l.buckets[client] = &bucket{last: now}
		return 0, true
	}
	next, hold, ok := l.cfg.Admit(b.excess, b.last, now)
	if ok {
		b.excess, b.last = next, now
	}
	return hold, ok
}

// limit applies request i's route's limit as its balancer's view keeps
// it, at now: it reports false for a request over the limit, which it
// fails, and holds one the limit delays until its release.
func (e *engine) limit(i int32, now time.Duration) bool {
	if e.router == nil || !e.router.limited {
		return true
	}
	q := &e.reqs[i]
	limits := e.viewOf(i).limits
	l := limits[e.router.classRoute[q.class]]
	if l == nil {
		return true
	}
	hold, ok := l.admit(q.client, now)
	switch {
	case !ok:
		if e.tracer != nil {
			e.trace(Failed, now, i, nil, "rate limited")
		}
		e.fail(i, causeRateLimited)
		return false
	case hold > 0:
		q.held = true
		q.doneSeq = e.events.push(event{at: now + hold, req: i, kind: unhold})
		if e.tracer != nil {
			e.trace(Held, now, i, nil, "by the rate limit for "+hold.String())
		}
		return false
	}
	return true
}

// unhold sends request i, which a rate limit held, on to its pool.
func (e *engine) unhold(i int32, now time.Duration) {
	e.reqs[i].held = false
	e.tried = e.tried[:0]
	e.dispatch(i, now)
}
