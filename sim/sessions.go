package sim

import (
	"time"

	"github.com/lbsim/lbsim/scenarios"
)

// sessions is the engine's state when a scenario keeps client sessions on
// servers (scenarios.Sessions): where each client's session lives. The
// engine holds none unless the scenario asks, so runs without sessions pay
// one nil check per attempt.
type sessions struct {
	missCost time.Duration
	// home maps a client (the client itself, not its address: clients
	// behind one gateway have sessions of their own) to the server that
	// holds its session. A session lives in its server's memory: a crash
	// bumps the server's epoch, and every session it got in an earlier
	// epoch is gone.
	home  map[uint32]sessionHome
	epoch []uint32
	// misses counts measured attempts that missed their session.
	misses int64
}

// sessionHome is where a client's session lives: a server, in the epoch
// it got the session in.
type sessionHome struct {
	server int32
	epoch  uint32
}

// newSessions returns the session state for n servers, nil when cfg is.
func newSessions(cfg *scenarios.Sessions, n int) *sessions {
	if cfg == nil {
		return nil
	}
	return &sessions{missCost: cfg.MissCost.D(), home: make(map[uint32]sessionHome), epoch: make([]uint32, n)}
}

// holds reports whether server s holds client c's session.
func (ss *sessions) holds(c uint32, s int) bool {
	h, ok := ss.home[c]
	return ok && int(h.server) == s && h.epoch == ss.epoch[s]
}

// lose forgets every session server s holds: it crashed.
func (ss *sessions) lose(s int) { ss.epoch[s]++ }

// serveSession is server s taking request i: the client's session is
// there already (a hit), or the request pays the miss cost and the session
// moves to s. The demand of an earlier attempt's miss is given back first,
// so a retry pays for its own server only.
func (e *engine) serveSession(i int32, s int, measured bool) {
	ss, q := e.sess, &e.reqs[i]
	if q.missed {
		q.demand -= ss.missCost
	}
	q.missed = !ss.holds(q.clientID, s)
	if !q.missed {
		return
	}
	q.demand += ss.missCost
	if measured {
		ss.misses++
	}
	ss.home[q.clientID] = sessionHome{server: int32(s), epoch: ss.epoch[s]}
}

// pins is the engine's state when the scenario is sticky (scenarios.Sticky):
// the server each client's cookie names, set by the server that answered
// its last request, as the proxy's Set-Cookie does. A cookie belongs to
// the client, not to its address, so it survives NAT.
type pins map[uint32]int32

// pinned returns the server request i's client is pinned to while that
// server is usable by its balancer, else nil.
func (e *engine) pinned(i int32, now time.Duration) *server {
	if e.pins == nil {
		return nil
	}
	if k, ok := e.pins[e.reqs[i].clientID]; ok && e.servers[k].pool == e.reqs[i].pool && e.usable(e.viewOf(i), &e.servers[k], now) && !e.outOfReach(e.balancerOf(i), &e.servers[k]) {
		return &e.servers[k]
	}
	return nil
}
