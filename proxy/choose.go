package proxy

import (
	"math/rand/v2"
	"time"

	"github.com/lbsim/lbsim/algorithms"
)

// attempt is one try of a request (a connection in mode tcp) on one
// server, of the request's pool.
type attempt struct {
	u     *upstream
	pool  *pool
	start time.Time
	// probe is set when the attempt is one of a half-open circuit
	// breaker's probes.
	probe bool
}

// choose picks the server of pool pl for a request's next attempt, as the
// simulator's dispatch does. The first attempt goes to pinned, the server
// of a sticky cookie, when there is one; otherwise the pool's balancer
// chooses among the servers not in avoid. Slow start may then turn the
// request away from a server coming back into rotation, and a half-open
// breaker takes only its probes. The chosen server and those turned away
// join avoid, which choose returns, so that the choice, and a later retry,
// go elsewhere. A ramping server still beats none. ok is false when no
// server is left.
func (p *Proxy) choose(st *state, pl *pool, req *algorithms.Request, pinned *upstream, avoid []*upstream) (a attempt, _ []*upstream, ok bool) {
	var ramped *upstream // the last server slow start turned the request from
	for {
		var u *upstream
		if pinned != nil && len(avoid) == 0 {
			u = pinned
		} else {
			u = st.pick(pl, req, avoid, &p.splits)
		}
		switch {
		case u != nil:
			avoid = append(avoid, u)
			if st.slowStart > 0 && u.turnedAway(time.Now(), st.slowStart) {
				ramped = u
				continue
			}
		case ramped != nil:
			u, ramped = ramped, nil
		default:
			return attempt{}, avoid, false
		}
		if probe, ok := p.probe(st, pl, u); ok {
			return attempt{u: u, pool: pl, probe: probe}, avoid, true
		}
	}
}

// turnedAway reports whether slow start keeps a request off u at now: a
// server back in rotation for a part of the ramp takes that part of what
// it is offered, from none to all in a straight line. The balancer chose
// it, so this works with every algorithm.
func (u *upstream) turnedAway(now time.Time, ramp time.Duration) bool {
	from := u.rampFrom.Load()
	if from == 0 {
		return false // in rotation from the start
	}
	since := time.Duration(now.UnixNano() - from)
	if since >= ramp {
		return false
	}
	return rand.Float64() >= float64(since)/float64(ramp)
}
