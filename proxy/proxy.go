// Package proxy is lbsim's live mode: an HTTP or TCP reverse proxy that
// chooses servers with the same algorithms values the simulator compares, so
// a policy tuned in simulation runs unchanged in front of real servers.
//
// The proxy is the balancers' host, as the simulator is: it counts requests
// in flight on each Backend, reports every outcome through Done, and calls
// Update with the servers that active checks (HAProxy's fall and rise) and
// passive checks (nginx's max_fails within fail_timeout) leave usable.
// Requests that fail to connect, and idempotent ones that fail later, are
// retried on another server as the config's retries section allows. The
// config's routes send each request to a pool of servers with a balancer
// of its own (pools.go).
//
// A Proxy is configured by a scenarios.Scenario read with
// scenarios.LoadProxy (or built from flags by the command line); Reload
// swaps in a new config without dropping connections, keeping the state of
// servers that stay. Nothing here prints: events and access records go to
// the slog loggers in Options.
package proxy

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/lbsim/lbsim/algorithms"
	"github.com/lbsim/lbsim/scenarios"
)

// Options are the proxy's settings that are not part of its config file.
type Options struct {
	// Log receives events: servers going down and coming back, reloads,
	// errors. nil discards them.
	Log *slog.Logger
	// AccessLog receives one record per request (mode http) or connection
	// (mode tcp); docs/proxy.md lists its fields. nil turns it off.
	AccessLog *slog.Logger
	// AdminPublic allows the admin listener on an address other than
	// loopback. Without it such a config is refused.
	AdminPublic bool
	// Seed seeds the balancers' random choices and the routes' splits; 0
	// seeds from the clock. Tests set it to replay a simulated sequence
	// of decisions.
	Seed uint64
}

// Proxy is a running reverse proxy. Create it with Listen, run it with
// Serve.
type Proxy struct {
	opts    Options
	start   time.Time
	ln      net.Listener
	adminLn net.Listener
	metrics *metrics
	http    *fasthttp.Server
	admin   *http.Server
	tcp     *tcpServer

	state atomic.Pointer[state]
	clock coarseClock
	// sessions are mode tcp's connections and upgraded HTTP ones, which
	// a drain waits for.
	sessions sessions
	// clientConns are mode http's client connections.
	clientConns connSet
	// held counts the request body bytes held (max_buffered_bytes).
	held heldBytes
	// splits draws the pools of the routes that split; unrouted counts
	// the requests no route matched, rateLimited those a route's limit
	// rejected and rateDelayed those it held.
	splits      splitRNG
	unrouted    atomic.Int64
	rateLimited atomic.Int64
	rateDelayed atomic.Int64

	// mu serialises Reload and health changes, which both call Update.
	mu        sync.Mutex
	nextIndex int
	// updated is set once the balancers had their first lists of servers:
	// those in it do not ramp up (slow_start), as they are not coming
	// back.
	updated   bool
	stopCheck context.CancelFunc
	serving   context.Context
}

// state is one config's worth of proxy state; requests in flight keep the
// state they started with.
type state struct {
	cfg *scenarios.Scenario
	// ups are the configured servers in file order; byIndex finds them by
	// Backend.Index, byCookie by sticky-cookie value.
	ups      []*upstream
	byIndex  []*upstream
	byCookie map[string]*upstream
	// pools are the config's pools in the order of their first servers;
	// poolOf finds a server's by Backend.Index. routes are the config's
	// routes, resolved to pools.
	pools  []*pool
	poolOf []*pool
	routes []route
	// clients are the connection pools to the servers, by index (mode
	// http).
	clients []*fasthttp.HostClient
	// setCookie is each upstream's Set-Cookie header value, by index.
	setCookie []string
	// slowStart is the config's slow_start.
	slowStart time.Duration
	// keyed is set when the config's workload has keys: the hashing
	// policies then hash each request's URI, as the simulator hashes its
	// requests' keys, rather than the client's address.
	keyed bool
}

// ErrNoAlgorithm is returned for a config that lists several algorithms
// without choosing the one to run.
var ErrNoAlgorithm = errors.New("the config lists several algorithms; choose the one the proxy runs (algorithm: or --algorithm)")

// ErrAdminNotLoopback is returned (wrapped, with the address) for an admin
// listener on a non-loopback address without Options.AdminPublic.
var ErrAdminNotLoopback = errors.New("the admin listener shows every server and its state, so it stays on loopback unless explicitly made public (--admin-public)")

// Listen checks cfg, binds the proxy's listeners and returns a Proxy ready
// to Serve. cfg must come from scenarios.ParseProxy or LoadProxy (or be
// valid as they would return it); the Proxy keeps it.
func Listen(cfg *scenarios.Scenario, opts Options) (*Proxy, error) {
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.Admin != "off" && !opts.AdminPublic && !isLoopback(cfg.Admin) {
		return nil, fmt.Errorf("admin address %s is not a loopback address; %w", cfg.Admin, ErrAdminNotLoopback)
	}
	p := &Proxy{opts: opts, start: time.Now(), metrics: newMetrics()}
	p.clock.set()
	p.splits.state.Store(mix(p.seed(0) ^ 0x73706c6974))
	st, err := p.newState(cfg, nil)
	if err != nil {
		return nil, err
	}
	p.state.Store(st)
	p.metrics.register(p)

	if p.ln, err = net.Listen("tcp", cfg.Listen); err != nil {
		return nil, err
	}
	if cfg.Admin != "off" {
		if p.adminLn, err = net.Listen("tcp", cfg.Admin); err != nil {
			p.ln.Close()
			return nil, err
		}
		p.admin = &http.Server{Handler: p.adminHandler(), ReadHeaderTimeout: 10 * time.Second, ErrorLog: discardLog}
	}
	if cfg.Mode == scenarios.ModeTCP {
		p.tcp = newTCPServer(p)
	} else {
		p.http = p.newHTTPServer(cfg)
	}
	return p, nil
}

// Addr is the address the proxy listens on.
func (p *Proxy) Addr() net.Addr { return p.ln.Addr() }

// AdminAddr is the admin listener's address, or nil when it is off.
func (p *Proxy) AdminAddr() net.Addr {
	if p.adminLn == nil {
		return nil
	}
	return p.adminLn.Addr()
}

// Serve proxies until ctx is done, then drains: it stops accepting, lets
// requests in flight finish within the config's grace period, and returns
// nil. It returns an error if a listener fails, or if requests were still
// in flight when the grace period ended (they are cut off).
func (p *Proxy) Serve(ctx context.Context) error {
	p.mu.Lock()
	p.serving = ctx
	p.startChecks(p.state.Load())
	p.mu.Unlock()
	clockCtx, stopClock := context.WithCancel(context.Background())
	defer stopClock()
	go p.clock.run(clockCtx)

	errc := make(chan error, 2)
	if p.admin != nil {
		go func() { errc <- ignoreClosed(p.admin.Serve(p.adminLn)) }()
	}
	if p.tcp != nil {
		go func() { errc <- p.tcp.serve(p.ln) }()
	} else {
		ln := clientListener{Listener: p.ln, side: p.clientSide()}
		go func() { errc <- ignoreClosed(p.http.Serve(ln)) }()
	}

	var serveErr error
	select {
	case <-ctx.Done():
	case serveErr = <-errc:
	}
	grace := p.state.Load().cfg.Timeouts.Grace.D()
	p.opts.Log.Info("draining", "grace", grace.String())
	p.mu.Lock()
	p.stopCheck()
	p.mu.Unlock()

	dctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	var drainErr error
	if p.tcp != nil {
		p.tcp.close()
	} else {
		p.clientConns.drain()
		drainErr = p.http.ShutdownWithContext(dctx)
		if drainErr == nil {
			// A connection unparked as the drain began may not have
			// counted for fasthttp yet.
			drainErr = p.clientConns.resumed(dctx)
		}
		if drainErr != nil {
			p.clientConns.closeAll()
		}
	}
	drainErr = errors.Join(drainErr, p.sessions.drain(dctx))
	if p.admin != nil {
		p.admin.Close()
	}
	if errors.Is(drainErr, context.DeadlineExceeded) {
		drainErr = fmt.Errorf("grace period of %s over with requests still in flight; they were cut off", grace)
	}
	p.state.Load().closeIdle(nil)
	return errors.Join(serveErr, drainErr)
}

// clientSide is what mode http's client connections share.
func (p *Proxy) clientSide() *clientSide {
	idle := p.state.Load().cfg.Timeouts.Idle.D()
	side := &clientSide{idle: idle, clock: &p.clock}
	if fasthttpIdle(idle) < idle {
		side.parker = &parker{srv: p.http, conns: &p.clientConns, side: side}
	}
	return side
}

// Reload replaces the config without dropping connections. Servers that
// keep their name, address and weight keep their state (requests in
// flight, health, statistics); a pool's balancer is kept too unless the
// pool's algorithm changed. Settings bound to the listeners (mode, listen,
// admin, header timeout, idle timeout, header and body sizes) cannot
// change without a restart: a config that changes them is refused and the
// old one stays.
func (p *Proxy) Reload(cfg *scenarios.Scenario) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	old := p.state.Load()
	o, n := old.cfg, cfg
	switch {
	case o.Mode != n.Mode:
		return fmt.Errorf("mode changed from %s to %s; restart the proxy to change it", o.Mode, n.Mode)
	case o.Listen != n.Listen:
		return fmt.Errorf("listen changed from %s to %s; restart the proxy to change it", o.Listen, n.Listen)
	case o.Admin != n.Admin:
		return fmt.Errorf("admin changed from %s to %s; restart the proxy to change it", o.Admin, n.Admin)
	case o.Timeouts.Header != n.Timeouts.Header || o.Timeouts.Idle != n.Timeouts.Idle || o.MaxHeaderBytes != n.MaxHeaderBytes || o.MaxBodyBytes != n.MaxBodyBytes:
		return errors.New("timeouts.header, timeouts.idle, max_header_bytes and max_body_bytes apply to the listener; restart the proxy to change them")
	}
	st, err := p.newState(cfg, old)
	if err != nil {
		return err
	}
	p.state.Store(st)
	p.metrics.forget(old, st)
	if p.serving != nil {
		p.stopCheck()
		p.startChecks(st)
	}
	old.closeIdle(st)
	p.opts.Log.Info("reloaded", "servers", len(st.ups), "algorithm", cfg.Algorithm)
	return nil
}

// newState builds the state for cfg, reusing what it can of old (nil at
// start). The caller holds p.mu, or is Listen.
func (p *Proxy) newState(cfg *scenarios.Scenario, old *state) (*state, error) {
	st := &state{cfg: cfg, byCookie: make(map[string]*upstream), slowStart: cfg.SlowStart.D(), keyed: cfg.Workload.Keyed()}
	for k, name := range cfg.PoolNames() {
		pl, err := p.newPool(cfg, k, name, old)
		if err != nil {
			return nil, err
		}
		st.pools = append(st.pools, pl)
	}
	for _, srv := range cfg.ExpandServers() {
		var u *upstream
		if old != nil {
			if i := slices.IndexFunc(old.ups, func(o *upstream) bool { return o.same(srv) }); i >= 0 {
				u = old.ups[i]
			}
		}
		if u == nil {
			u = newUpstream(p.nextIndex, srv)
			p.nextIndex++
		}
		pl := st.pool(srv.Pool)
		if pl.health == nil {
			// Checks are off now: what they last said no longer holds.
			u.clearChecks()
		}
		if cfg.CircuitBreaker == nil {
			u.dropBreaker()
		}
		p.metrics.attach(u)
		st.ups = append(st.ups, u)
		pl.ups = append(pl.ups, u)
		st.byCookie[u.cookie] = u
	}
	st.poolOf = make([]*pool, p.nextIndex)
	for _, pl := range st.pools {
		if cb := cfg.CircuitBreaker; cb != nil {
			pl.maxOpen = max(1, int(cb.MaxOpen*float64(len(pl.ups))))
		}
		for _, u := range pl.ups {
			st.poolOf[u.be.Index] = pl
		}
	}
	st.newRoutes(cfg, old)
	st.byIndex = make([]*upstream, p.nextIndex)
	st.setCookie = make([]string, p.nextIndex)
	st.clients = make([]*fasthttp.HostClient, p.nextIndex)
	keepClients := old != nil && *old.cfg.Timeouts == *cfg.Timeouts && old.cfg.MaxHeaderBytes == cfg.MaxHeaderBytes
	for _, u := range st.ups {
		st.byIndex[u.be.Index] = u
		if keepClients && u.be.Index < len(old.clients) && old.clients[u.be.Index] != nil {
			st.clients[u.be.Index] = old.clients[u.be.Index]
		} else if cfg.Mode == scenarios.ModeHTTP {
			st.clients[u.be.Index] = newClient(cfg, u, &p.clock)
		}
		if cfg.Sticky != nil {
			st.setCookie[u.be.Index] = (&http.Cookie{Name: cfg.Sticky.Cookie, Value: u.cookie, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode}).String()
		}
	}
	p.update(st, time.Now())
	return st, nil
}

// closeIdle closes the idle server connections of st's pools that next
// (nil when stopping) does not keep.
func (st *state) closeIdle(next *state) {
	for i, c := range st.clients {
		if c != nil && (next == nil || i >= len(next.clients) || next.clients[i] != c) {
			c.CloseIdleConnections()
		}
	}
}

// dropIdle closes u's idle connections in mode http.
func (st *state) dropIdle(u *upstream) {
	if u.be.Index < len(st.clients) && st.clients[u.be.Index] != nil {
		st.clients[u.be.Index].CloseIdleConnections()
	}
}

// usable lists the backends the pool's balancer may choose now: the
// healthy primaries, or the healthy backups when no primary is healthy. In
// panic it lists every primary, healthy or not, and reports panic.
func (pl *pool) usable(now time.Time) (list []*algorithms.Backend, inPanic bool) {
	out := make([]*algorithms.Backend, 0, len(pl.ups))
	if pl.panicking(now) {
		for _, u := range pl.ups {
			if !u.backup {
				out = append(out, u.be)
			}
		}
		return out, true
	}
	for _, backup := range []bool{false, true} {
		for _, u := range pl.ups {
			if u.backup == backup && u.healthy(now) {
				out = append(out, u.be)
			}
		}
		if len(out) > 0 {
			break
		}
	}
	return out, false
}

// panicking reports whether fewer than health_check.panic_threshold of the
// pool's primary servers are healthy: Envoy's panic mode, in which the
// balancer uses every primary rather than pile all traffic on the few
// left, as the simulator does.
func (pl *pool) panicking(now time.Time) bool {
	hc := pl.health
	if hc == nil || hc.PanicThreshold == 0 {
		return false
	}
	healthy, primaries := 0, 0
	for _, u := range pl.ups {
		if !u.backup {
			primaries++
			if u.healthy(now) {
				healthy++
			}
		}
	}
	return float64(healthy) < hc.PanicThreshold*float64(primaries)
}

// refresh tells the current balancers which servers are usable after a
// health change.
func (p *Proxy) refresh() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.update(p.state.Load(), time.Now())
}

// update tells each of st's balancers which of its pool's servers are
// usable at now, notes which of them come back into rotation (where slow
// start ramps them), and says when a pool's panic routing starts or ends.
// The caller holds p.mu, or is Listen.
func (p *Proxy) update(st *state, now time.Time) {
	in := make([]bool, p.nextIndex)
	for _, pl := range st.pools {
		list, inPanic := pl.usable(now)
		for _, be := range list {
			in[be.Index] = true
		}
		for _, u := range pl.ups {
			back := in[u.be.Index]
			if back && !u.inRotation.Load() && p.updated {
				u.rampFrom.Store(now.UnixNano())
			}
			u.inRotation.Store(back)
		}
		if inPanic != pl.live.inPanic.Swap(inPanic) {
			if inPanic {
				p.opts.Log.Warn("panic: too few servers are healthy; balancing over all of them", "pool", pl.name, "panic_threshold", pl.health.PanicThreshold)
			} else {
				p.opts.Log.Info("panic over: balancing over the healthy servers again", "pool", pl.name)
			}
		}
		pl.bal.Update(list)
	}
	p.updated = true
}

// failed counts a failed attempt against u's passive checks, ejecting it
// when they say so.
func (p *Proxy) failed(st *state, pl *pool, u *upstream, cause string) {
	u.failures.Add(1)
	if cause == scenarios.RetryError {
		// A connection broke: the server's other idle ones are suspect
		// too (a restarted server closed them all).
		st.dropIdle(u)
	}
	p.passiveFailed(pl, u, cause)
}

// passiveFailed counts a failed attempt against u's passive checks, those
// of its pool pl, ejecting it when they say so.
func (p *Proxy) passiveFailed(pl *pool, u *upstream, cause string) {
	if d := u.recordFailure(time.Now(), pl.passive, cause); d > 0 {
		p.opts.Log.Warn("server ejected", "server", u.be.Name, "cause", cause, "for", d.String())
		p.refresh()
		time.AfterFunc(d, func() {
			p.refresh()
			p.opts.Log.Info("server back from ejection", "server", u.be.Name)
		})
	}
}

// finish ends an attempt, whatever its outcome: the in-flight count, the
// balancer's outcome, and then the latency of an answer or the accounting
// of a failure, for passive checks and the circuit breaker alike. An
// error status (a *statusError) is an answer that failed: the balancer
// and passive checks that count 5xx see a failure. It returns the
// failure's cause, or "".
func (p *Proxy) finish(st *state, a attempt, err error) string {
	u, pl := a.u, a.pool
	now := time.Now()
	d := now.Sub(a.start)
	u.be.End()
	if errors.Is(err, errClientGone) {
		// Not the server's failure: no failure is counted and a probe is
		// given back; the balancer hears that the request did not succeed
		// (and took at least this long).
		pl.bal.Done(u.be, algorithms.Outcome{Now: now.Sub(p.start), Latency: d, Err: err})
		if a.probe {
			p.probeAbandoned(st, u)
		}
		return ""
	}
	pl.bal.Done(u.be, algorithms.Outcome{Now: now.Sub(p.start), Latency: d, Err: err})
	// AsType, unlike As, does not make the answer escape: a request
	// allocates nothing here.
	_, isStatus := errors.AsType[*statusError](err)
	if err == nil || isStatus {
		// An answer, even an error status, is no failure for the circuit
		// breaker; passive checks may count error statuses.
		u.observe(d)
		p.metrics.latency(u, d)
		p.breakerSucceeded(st, u, a.probe)
		if !isStatus {
			return ""
		}
		p.passiveFailed(pl, u, scenarios.Retry5xx)
		return scenarios.Retry5xx
	}
	c := cause(err)
	p.metrics.failure(u, c)
	p.failed(st, pl, u, c)
	p.breakerFailed(st, pl, u, a.probe)
	return c
}

// now is the time balancers see: monotonic, since the proxy started.
func (p *Proxy) now() time.Duration { return time.Since(p.start) }

// coarseClock is a clock read without asking the system: a goroutine
// stores the time every tick, as nginx caches its time once per event-loop
// turn. Reading the system clock costs a few percent of a proxied request
// on some virtual machines; deadlines that tolerate a tick's error use
// this instead.
type coarseClock struct{ now atomic.Int64 }

// clockTick is the coarse clock's resolution.
const clockTick = 10 * time.Millisecond

func (c *coarseClock) set() { c.now.Store(time.Now().UnixNano()) }

// run keeps the clock current until ctx is done.
func (c *coarseClock) run(ctx context.Context) {
	t := time.NewTicker(clockTick)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			c.set()
		}
	}
}

// Now is the time as of the last tick.
func (c *coarseClock) Now() time.Time { return time.Unix(0, c.now.Load()) }

// clientAddr parses a connection's remote address for ip_hash.
func clientAddr(remote string) netip.Addr {
	ap, err := netip.ParseAddrPort(remote)
	if err != nil {
		return netip.Addr{}
	}
	return ap.Addr().Unmap()
}

// isLoopback reports whether a host:port listens on loopback only.
func isLoopback(hostport string) bool {
	host, _, err := net.SplitHostPort(hostport)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.IsLoopback()
}

func ignoreClosed(err error) error {
	if errors.Is(err, http.ErrServerClosed) || errors.Is(err, net.ErrClosed) {
		return nil
	}
	return err
}

// pick chooses an upstream of pool pl for a request, avoiding those
// already tried: a retry always goes to another server of the pool. It
// returns nil when none is left; ties in its own choice are broken by
// rng.
func (st *state) pick(pl *pool, req *algorithms.Request, tried []*upstream, rng *splitRNG) *upstream {
	for range 4 {
		be, err := pl.bal.Pick(req)
		if err != nil {
			return nil
		}
		// A balancer kept across a reload may briefly know servers of
		// the newer state, or servers that moved to another pool; skip
		// them.
		if be.Index >= len(st.poolOf) || st.poolOf[be.Index] != pl {
			continue
		}
		u := st.byIndex[be.Index]
		if !slices.Contains(tried, u) {
			return u
		}
	}
	// The policy keeps choosing servers already tried (ip_hash always
	// does, least_connections does when slow start turned its choice
	// away): take the usable one not tried with the fewest requests in
	// flight, at random among equals, as the simulator does: a choice
	// that neither piles onto one server nor favours the first listed.
	list, _ := pl.usable(time.Now())
	var best *upstream
	var bestN int64
	ties := uint64(0)
	for _, be := range list {
		u := st.byIndex[be.Index]
		if slices.Contains(tried, u) {
			continue
		}
		// One read a backend: loads move under a pick, and two reads could
		// find it neither lighter nor equal.
		switch n := be.InFlight(); {
		case best == nil || n < bestN:
			best, bestN, ties = u, n, 1
		case n == bestN:
			// Reservoir sampling: the k-th of k equals replaces the
			// choice with probability 1/k.
			if ties++; rng.intN(ties) == 0 {
				best = u
			}
		}
	}
	return best
}

// discardLog silences net/http's own logging: the proxy reports through
// Options.Log.
var discardLog = log.New(io.Discard, "", 0)
