package proxy

import (
	"sync/atomic"
	"time"
)

// The circuit breaker (circuit_breaker) works as the simulator's does:
// closed, failures failed attempts in a row open it; open, the server gets
// nothing for open; then half-open, it gets probes requests, and closes
// once all of them succeed or opens again at the first that fails. Only
// the probes' outcomes count while it is half-open. At most max_open of
// a pool's servers (always one) have open breakers: a server that reaches
// failures, or fails a probe, while they are all taken stays in rotation,
// and its breaker opens at its next failure once a slot is free. Failures
// are those passive checks count: connect, error and timeout, not HTTP
// error statuses.

// breakerState is a circuit breaker's state.
type breakerState uint8

const (
	breakerClosed breakerState = iota
	breakerOpen
	breakerHalf
)

// breakerSlots counts a pool's open breakers, against
// circuit_breaker.max_open. Half-open ones hold no slot, as a server that
// checks keep out of rotation may never get its probes.
type breakerSlots struct{ open atomic.Int64 }

// take takes a slot if fewer than limit are taken.
func (b *breakerSlots) take(limit int) bool {
	for {
		n := b.open.Load()
		if n >= int64(limit) {
			return false
		}
		if b.open.CompareAndSwap(n, n+1) {
			return true
		}
	}
}

func (b *breakerSlots) release() { b.open.Add(-1) }

// breakerFailed counts a failed attempt on u, a server of pool pl, against
// its breaker; probe says whether the attempt was one of a half-open
// breaker's probes.
func (p *Proxy) breakerFailed(st *state, pl *pool, u *upstream, probe bool) {
	cb := st.cfg.CircuitBreaker
	if cb == nil {
		return
	}
	opened, closed := false, false
	u.mu.Lock()
	switch u.cb {
	case breakerClosed:
		u.cbClean.Store(false)
		// Past the cap the run of failures goes on, and opens the breaker
		// at the next failure once a slot is free.
		if u.cbFails++; u.cbFails >= cb.Failures && pl.live.breakers.take(pl.maxOpen) {
			u.openBreaker(&pl.live.breakers)
			opened = true
		}
	case breakerHalf:
		if !probe {
			break // sent before the breaker opened: it does not count
		}
		if pl.live.breakers.take(pl.maxOpen) {
			u.openBreaker(&pl.live.breakers)
			opened = true
		} else {
			// No slot: back in rotation, as past the cap, until the next
			// failure finds one.
			u.cb, u.cbFails = breakerClosed, cb.Failures
			u.cbAt = time.Now()
			closed = true
		}
	}
	gen := u.cbGen
	u.mu.Unlock()
	if opened {
		p.opts.Log.Warn("circuit breaker open", "server", u.be.Name, "for", cb.Open.D().String())
		time.AfterFunc(cb.Open.D(), func() { p.halfOpen(u, gen) })
	}
	if closed {
		p.opts.Log.Info("circuit breaker closed: no slot to open it again", "server", u.be.Name)
	}
	if opened || closed {
		p.refresh()
	}
}

// openBreaker opens u's breaker. The caller holds u.mu and a slot of
// slots, which the breaker gives back there even if u changes pools.
func (u *upstream) openBreaker(slots *breakerSlots) {
	u.cb, u.cbFails, u.cbSlots = breakerOpen, 0, slots
	u.cbGen++
	u.cbAt = time.Now()
}

// halfOpen lets u's breaker send probes, if it is still the open breaker
// of generation gen (a reload may have cleared it).
func (p *Proxy) halfOpen(u *upstream, gen uint64) {
	cb := p.state.Load().cfg.CircuitBreaker
	u.mu.Lock()
	if u.cb != breakerOpen || u.cbGen != gen {
		u.mu.Unlock()
		return
	}
	u.cbSlots.release()
	if cb == nil {
		u.clearBreaker()
	} else {
		u.cb, u.cbProbes, u.cbProbeOK, u.cbLimit = breakerHalf, 0, 0, cb.Probes
	}
	u.cbAt = time.Now()
	u.mu.Unlock()
	p.opts.Log.Info("circuit breaker half-open", "server", u.be.Name)
	p.refresh()
}

// probe is asked before an attempt goes to u, a server of pool pl. It
// reports whether the attempt is one of a half-open breaker's probes, and
// whether u takes it at all: a breaker that opened since the balancer
// chose, or a half-open one whose probes are all out, takes nothing. In
// panic the pool's balancer has every server, and they take what it sends
// them, as in the simulator: an open breaker's server gets requests that
// are not probes, a half-open one's are all probes.
func (p *Proxy) probe(st *state, pl *pool, u *upstream) (probe, ok bool) {
	if st.cfg.CircuitBreaker == nil || u.cbClean.Load() {
		return false, true
	}
	u.mu.Lock()
	inPanic := pl.live.inPanic.Load()
	switch {
	case u.cb == breakerClosed:
		u.mu.Unlock()
		return false, true
	case !inPanic && (u.cb == breakerOpen || u.cbProbes >= u.cbLimit):
		u.mu.Unlock()
		return false, false
	case u.cb == breakerOpen:
		u.mu.Unlock()
		return false, true
	}
	u.cbProbes++
	out := u.cbProbes == u.cbLimit
	u.mu.Unlock()
	if out {
		p.refresh() // no more requests until the probes come back
	}
	return true, true
}

// breakerSucceeded counts a success on u: it ends a run of failures, and
// closes a half-open breaker once every probe has succeeded.
func (p *Proxy) breakerSucceeded(st *state, u *upstream, probe bool) {
	if st.cfg.CircuitBreaker == nil || u.cbClean.Load() {
		return
	}
	closed := false
	u.mu.Lock()
	u.cbFails = 0
	if u.cb == breakerHalf && probe {
		if u.cbProbeOK++; u.cbProbeOK >= u.cbLimit {
			u.cb = breakerClosed
			u.cbAt = time.Now()
			closed = true
		}
	}
	if u.cb == breakerClosed {
		u.cbClean.Store(true)
	}
	u.mu.Unlock()
	if closed {
		p.opts.Log.Info("circuit breaker closed", "server", u.be.Name)
		p.refresh()
	}
}

// dropBreaker forgets u's breaker, for a config without one.
func (u *upstream) dropBreaker() {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.cb == breakerOpen {
		u.cbSlots.release()
	}
	u.clearBreaker()
}

// clearBreaker closes u's breaker with no failure counted, and makes a
// pending half-open a no-op. The caller holds u.mu.
func (u *upstream) clearBreaker() {
	if u.cb != breakerClosed {
		u.cbAt = time.Now()
	}
	u.cb, u.cbFails, u.cbProbes, u.cbProbeOK = breakerClosed, 0, 0, 0
	u.cbGen++
	u.cbClean.Store(true)
}
