package proxy

import (
	"hash/fnv"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lbsim/lbsim/algorithms"
	"github.com/lbsim/lbsim/results"
	"github.com/lbsim/lbsim/scenarios"
)

// upstream is one configured server with its live state. It outlives
// reloads that keep the server's name, address and weight, so a reload does
// not forget requests in flight, health or statistics.
type upstream struct {
	be *algorithms.Backend
	// addr is host:port; url is set in mode http.
	addr string
	url  *url.URL
	// cookie is the sticky-session cookie value naming this server.
	cookie string
	// backup servers get requests only while no primary is usable.
	backup bool

	requests atomic.Int64
	failures atomic.Int64
	m        *serverMetrics
	// recent counts the last minute's attempts for the stats page.
	recent *window

	mu sync.Mutex
	// checkDown is set by active checks (fall failures in a row) and
	// cleared after rise successes in a row.
	checkDown    bool
	checkFails   int
	checkOKs     int
	lastCheck    string
	passiveFails int
	passiveSince time.Time
	passiveUntil time.Time
	latency      results.Histogram
	// When the upstream was created, and when checks last took it out or
	// let it back, passive checks last ejected it and its breaker last
	// changed state: the stats page's "since".
	created   time.Time
	checkAt   time.Time
	ejectedAt time.Time
	cbAt      time.Time

	// The circuit breaker's state (breaker.go), under mu: failures in a
	// row, probes sent and succeeded while half-open, the probes it takes
	// (circuit_breaker.probes as it turned half-open), a generation that
	// changes as it opens, and the pool's slots it holds while open.
	// cbClean is set while it is closed with no failure counted, so that
	// a success has nothing to take the lock for.
	cb        breakerState
	cbSlots   *breakerSlots
	cbFails   int
	cbProbes  int
	cbProbeOK int
	cbLimit   int
	cbGen     uint64
	cbClean   atomic.Bool

	// inRotation is set while the balancer has this upstream; rampFrom is
	// when it last came back into rotation (Unix nanoseconds, 0 if it has
	// been in rotation from the start), where slow start's ramp begins.
	inRotation atomic.Bool
	rampFrom   atomic.Int64
}

func newUpstream(index int, srv scenarios.Server) *upstream {
	u := serverURL(srv.Address)
	up := &upstream{
		be:      algorithms.NewBackend(index, srv.Name, srv.Weight),
		addr:    u.Host,
		url:     u,
		cookie:  cookieValue(srv.Name),
		backup:  srv.Backup,
		created: time.Now(),
	}
	up.cbClean.Store(true)
	return up
}

// serverURL turns a server address (validated by the loader: host:port or
// scheme://host:port) into the URL requests are sent to.
func serverURL(addr string) *url.URL {
	if !strings.Contains(addr, "://") {
		return &url.URL{Scheme: "http", Host: addr}
	}
	u, _ := url.Parse(addr)
	return &url.URL{Scheme: u.Scheme, Host: u.Host}
}

// same reports whether srv describes this upstream, so a reload may keep it.
func (u *upstream) same(srv scenarios.Server) bool {
	return u.be.Name == srv.Name && u.be.Weight == max(srv.Weight, 1) && *u.url == *serverURL(srv.Address) && u.backup == srv.Backup
}

// healthy reports whether checks, ejections and the circuit breaker let
// this upstream have requests. (Its pool's balancer may also get
// unhealthy ones, in panic.)
func (u *upstream) healthy(now time.Time) bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	return !u.checkDown && !now.Before(u.passiveUntil) &&
		u.cb != breakerOpen && !(u.cb == breakerHalf && u.cbProbes >= u.cbLimit)
}

// state names the upstream's state for the stats page and metrics, and
// says since when it has been in it.
func (u *upstream) state(now time.Time) (string, time.Time) {
	u.mu.Lock()
	defer u.mu.Unlock()
	switch {
	case u.checkDown:
		return "down", u.checkAt
	case now.Before(u.passiveUntil):
		return "ejected", u.ejectedAt
	case u.cb == breakerOpen:
		return "open", u.cbAt
	case u.cb == breakerHalf:
		return "half-open", u.cbAt
	}
	// Up since the latest of the ends of the other states.
	since := u.created
	for _, t := range []time.Time{u.checkAt, u.passiveUntil, u.cbAt} {
		if t.After(since) {
			since = t
		}
	}
	return "up", since
}

// recordCheck counts one active check result and reports whether the
// upstream's health changed.
func (u *upstream) recordCheck(ok bool, detail string, hc *scenarios.HealthCheck) bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.lastCheck = detail
	if ok {
		u.checkFails = 0
		u.checkOKs++
		if u.checkDown && u.checkOKs >= hc.Rise {
			// Rise good checks outweigh an older passive ejection.
			u.checkDown = false
			u.passiveUntil = time.Time{}
			u.checkAt = time.Now()
			return true
		}
		return false
	}
	u.checkOKs = 0
	u.checkFails++
	if !u.checkDown && u.checkFails >= hc.Fall {
		u.checkDown = true
		u.checkAt = time.Now()
		return true
	}
	return false
}

// clearChecks forgets the active checks' verdict.
func (u *upstream) clearChecks() {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.checkDown {
		u.checkAt = time.Now()
	}
	u.checkDown, u.checkFails, u.checkOKs, u.lastCheck = false, 0, 0, ""
}

// recordFailure counts a failed request of this cause against passive
// checks, as nginx does, if they count it: max_fails failures within
// fail_timeout eject the upstream for fail_timeout. It returns how long
// the ejection lasts, or 0.
func (u *upstream) recordFailure(now time.Time, p *scenarios.Passive, cause string) time.Duration {
	if !p.Counts(cause) {
		return 0
	}
	window := p.FailTimeout.D()
	u.mu.Lock()
	defer u.mu.Unlock()
	if now.Sub(u.passiveSince) > window {
		u.passiveSince, u.passiveFails = now, 0
	}
	u.passiveFails++
	if u.passiveFails < p.MaxFails || now.Before(u.passiveUntil) {
		return 0
	}
	u.passiveFails = 0
	u.passiveUntil = now.Add(window)
	u.ejectedAt = now
	return window
}

// observe records a finished request's latency for the stats page.
func (u *upstream) observe(d time.Duration) {
	u.mu.Lock()
	u.latency.Record(d)
	u.mu.Unlock()
}

// cookieValue is an opaque, stable sticky-cookie value for a server name,
// so the cookie does not reveal the server's name or address.
func cookieValue(name string) string {
	h := fnv.New64a()
	h.Write([]byte(name))
	return strconv.FormatUint(h.Sum64(), 16)
}
