package live

import (
	"errors"
	"fmt"
	"io"
	"log"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/lbsim/lbsim/results"
	"github.com/lbsim/lbsim/scenarios"
	"github.com/lbsim/lbsim/sim"
)

// Headers between the load generator, the proxy and the emulated servers.
const (
	// HeaderDemand carries a request's service demand in nanoseconds on a
	// server of speed 1, as the simulator draws it (before any speedup).
	HeaderDemand = "X-Lbsim-Demand"
	// headerMeasured marks a request that arrived after the warm-up.
	headerMeasured = "X-Lbsim-Measured"
	// headerServer names the server that answered.
	headerServer = "X-Lbsim-Server"
	// headerOutcome says why a server did not serve a request: queue_full
	// or 5xx, the simulator's causes.
	headerOutcome = "X-Lbsim-Outcome"
)

// server is one emulated server's settings.
type server struct {
	scenarios.Server
	// check is its pool's health check, nil without one.
	check *scenarios.HealthCheck
	// speedup divides every service time.
	speedup float64
	seed    uint64
}

// Backend is an emulated server: an HTTP server on loopback that serves a
// request by holding one of its capacity slots for demand / speed (times a
// slow fault's factor, over the speedup), with a FIFO of requests waiting
// for a slot, as the simulator's server does. Faults make it refuse
// connections (crash), serve slower (slow) or answer 500 (5xx).
type Backend struct {
	cfg  server
	addr string

	mu sync.Mutex
	// srv serves while the backend is up; nil while it is crashed.
	// closed is set once the run is over, for good.
	srv    *http.Server
	closed bool
	// crashed is closed by the crash that ends the current up period;
	// requests of that period stop waiting and drop their connection.
	crashed  chan struct{}
	slow     float64
	errShare float64
	errDraw  *rand.Rand
	busy     int
	waiting  []chan time.Duration // each gets its planned start
	start    time.Time            // offsets below are from it
	warmup   time.Duration
	// windowEnd ends the measurement window (the last arrival); until
	// the load generator knows it, it is unbounded.
	windowEnd  time.Duration
	lastChange time.Duration
	busyArea   float64 // slot-nanoseconds busy inside the window
	busyAll    float64 // slot-nanoseconds busy over the whole run
	// checkAt and checkBusy are busyAll at the last deep health check.
	checkAt   time.Duration
	checkBusy float64
	requests  int64
	failed    int64
	maxQueue  int
	// down and draining, since stateFrom, and their time in the window.
	down, draining      bool
	stateFrom           time.Duration
	downTime, drainTime time.Duration
	// overshoot records how late services end against their plan: the
	// timer's error, which the latency figures include.
	overshoot *results.Histogram
}

// errAborted ends a request whose server crashed under it.
var errAborted = errors.New("server crashed")

// startBackend starts an emulated server on a free loopback port.
func startBackend(cfg server) (*Backend, error) {
	b := &Backend{
		cfg: cfg, slow: 1, windowEnd: 1<<63 - 1,
		errDraw:   rand.New(rand.NewPCG(cfg.seed, 0x35787878)),
		overshoot: results.NewHistogram(),
		start:     time.Now(),
		crashed:   make(chan struct{}),
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	b.addr = ln.Addr().String()
	b.serve(ln)
	return b, nil
}

// Addr is the backend's host:port.
func (b *Backend) Addr() string { return b.addr }

// serve starts an HTTP server on ln for a new up period. The caller holds
// b.mu, or owns b.
func (b *Backend) serve(ln net.Listener) {
	b.srv = &http.Server{Handler: http.HandlerFunc(b.handle), ReadHeaderTimeout: time.Minute, ErrorLog: discard}
	go b.srv.Serve(ln)
}

// begin sets the time the run's offsets are counted from, and its
// warm-up, before the first request.
func (b *Backend) begin(start time.Time, warmup time.Duration) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.start, b.warmup = start, warmup
}

// now is the time since the run's start.
func (b *Backend) now() time.Duration { return time.Since(b.start) }

// handle serves one request, or a health check (which carries no demand).
func (b *Backend) handle(w http.ResponseWriter, r *http.Request) {
	w.Header().Set(headerServer, b.cfg.Name)
	v := r.Header.Get(HeaderDemand)
	if v == "" {
		b.healthCheck(w)
		return
	}
	demand, err := strconv.ParseInt(v, 10, 64)
	if err != nil || demand < 0 {
		http.Error(w, "bad "+HeaderDemand, http.StatusBadRequest)
		return
	}
	measured := r.Header.Get(headerMeasured) == "1"
	errAnswer, err := b.run(time.Duration(demand), measured, false)
	switch {
	case errors.Is(err, errAborted):
		panic(http.ErrAbortHandler) // the connection drops, as in a crash
	case err != nil:
		w.Header().Set(headerOutcome, "queue_full")
		w.WriteHeader(http.StatusServiceUnavailable)
	case errAnswer:
		w.Header().Set(headerOutcome, "5xx")
		w.WriteHeader(http.StatusInternalServerError)
	default:
		w.Write([]byte("ok\n"))
	}
}

// errFull turns a request away from a server whose queue is full.
var errFull = errors.New("queue full")

// run serves a request of this demand (a health check when check is
// set): it waits for a slot, holds it for the service time, and reports
// whether a 5xx fault failed it; errFull when the queue turned it away,
// errAborted when a crash cut it.
func (b *Backend) run(demand time.Duration, measured, check bool) (errAnswer bool, err error) {
	b.mu.Lock()
	crashed := b.crashed
	if measured {
		b.requests++
	}
	if q := b.cfg.Queue; q > 0 && b.busy >= b.cfg.Capacity && len(b.waiting) >= q {
		b.mu.Unlock()
		return false, errFull
	}
	var at time.Duration
	if b.busy < b.cfg.Capacity {
		at = b.now()
		b.account(at)
		b.busy++
	} else {
		ready := make(chan time.Duration, 1)
		b.waiting = append(b.waiting, ready)
		if measured && len(b.waiting) > b.maxQueue {
			b.maxQueue = len(b.waiting)
		}
		came := b.now()
		b.mu.Unlock()
		select {
		case at = <-ready:
		case <-crashed:
			return b.aborted(measured)
		}
		// The slot was planned free before this request came when the
		// service before it woke late: its service starts as it came,
		// not earlier, which would shorten it.
		at = max(at, came)
		b.mu.Lock()
	}
	// As in the simulator, a request's fate and speed are set when its
	// service starts.
	service := time.Duration(float64(demand) * b.slow / b.cfg.Speed)
	if !check && b.errShare > 0 && (b.errShare >= 1 || b.errDraw.Float64() < b.errShare) {
		errAnswer, service = true, scenarios.ErrorLatency
		if measured {
			b.failed++
		}
	}
	b.mu.Unlock()
	end := at + time.Duration(float64(service)/b.cfg.speedup)
	if !b.sleepUntil(end, crashed) {
		return b.aborted(measured)
	}
	b.finish(end, crashed)
	return errAnswer, nil
}

// aborted counts a request a crash ended.
func (b *Backend) aborted(measured bool) (bool, error) {
	if measured {
		b.mu.Lock()
		b.failed++
		b.mu.Unlock()
	}
	return false, errAborted
}

// sleepUntil waits until the run's offset end, and reports false if the
// server crashed meanwhile. It records how late it woke (see clock.go).
func (b *Backend) sleepUntil(end time.Duration, crashed chan struct{}) bool {
	if !waitUntil(b.start.Add(end), crashed) {
		return false
	}
	late := b.now() - end
	b.mu.Lock()
	defer b.mu.Unlock()
	b.overshoot.Record(late)
	return true
}

// finish frees the slot of a service that ended at the planned offset
// end: the first waiting request takes it from then, so that the timer's
// lateness does not add up along a queue.
func (b *Backend) finish(end time.Duration, crashed chan struct{}) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if crashed != b.crashed {
		return // a crash emptied the slots meanwhile
	}
	if len(b.waiting) > 0 {
		next := b.waiting[0]
		b.waiting = b.waiting[1:]
		next <- end
		return
	}
	b.account(end)
	b.busy--
}

// account adds the busy slot-time since the last change, clipped to the
// measurement window, as the simulator does. The caller holds b.mu.
func (b *Backend) account(now time.Duration) {
	now = max(now, b.lastChange)
	if d := results.InWindow(b.lastChange, now, b.warmup, b.windowEnd); d > 0 {
		b.busyArea += float64(b.busy) * float64(d)
	}
	b.busyAll += float64(b.busy) * float64(now-b.lastChange)
	b.lastChange = now
}

// healthCheck answers the proxy's active check as the simulator's server
// does: in band (the default) it is served like a request of sim.CheckCost,
// turned away by a full queue; out of band it takes sim.CheckCost (times a
// slow fault's factor) apart from the slots. A deep check's answer
// reports the server's utilization since the last one.
func (b *Backend) healthCheck(w http.ResponseWriter) {
	hc := b.cfg.check
	if hc == nil {
		return // 200: not a check the scenario asked for
	}
	if hc.OutOfBand {
		b.mu.Lock()
		d := time.Duration(float64(sim.CheckCost) * b.slow / b.cfg.speedup)
		crashed := b.crashed
		b.mu.Unlock()
		if !b.sleepUntil(b.now()+d, crashed) {
			panic(http.ErrAbortHandler)
		}
	} else {
		_, err := b.run(sim.CheckCost, false, true)
		if errors.Is(err, errAborted) {
			panic(http.ErrAbortHandler)
		}
		if err != nil {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
	}
	if hc.MaxUtilization == 0 {
		return
	}
	b.mu.Lock()
	now := b.now()
	b.account(now)
	util := 0.0
	if span := now - b.checkAt; span > 0 {
		util = (b.busyAll - b.checkBusy) / (float64(b.cfg.Capacity) * float64(span))
	}
	b.checkAt, b.checkBusy = now, b.busyAll
	b.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, "{\"utilization\": %g}\n", util)
}

// crash stops the server as the simulator's crash does: requests in
// service or waiting fail (their connections drop), and connections are
// refused until recover.
func (b *Backend) crash() {
	b.mu.Lock()
	if b.srv == nil {
		b.mu.Unlock()
		return
	}
	now := b.now()
	b.account(now)
	b.trackState(now)
	b.down = true
	b.busy = 0
	b.waiting = nil
	close(b.crashed)
	b.crashed = make(chan struct{})
	srv := b.srv
	b.srv = nil
	b.mu.Unlock()
	srv.Close() // the listener and every connection, idle or not
}

// setSlow multiplies the service time of the requests the server starts
// from now on by factor.
func (b *Backend) setSlow(factor float64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.slow = factor
}

// setErrors makes the server answer share of the requests it starts with
// 500, after scenarios.ErrorLatency.
func (b *Backend) setErrors(share float64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.errShare = share
}

// setDraining records a drain, which the proxy applies (see run.go).
func (b *Backend) setDraining(on bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.trackState(b.now())
	b.draining = on
}

// recover ends a crash, a slowdown, errors and a drain: a crashed server
// listens again on its address.
func (b *Backend) recover() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.trackState(b.now())
	b.slow, b.errShare, b.draining = 1, 0, false
	if b.srv != nil || b.closed {
		return nil // up, or the run is over: a late fault's timer opens nothing
	}
	ln, err := net.Listen("tcp", b.addr)
	if err != nil {
		return fmt.Errorf("%s: listening again after its crash: %w", b.cfg.Name, err)
	}
	b.down = false
	b.serve(ln)
	return nil
}

// trackState adds the time since the last change of state to the down
// and draining totals, clipped to the window. The caller holds b.mu.
func (b *Backend) trackState(now time.Duration) {
	if d := results.InWindow(b.stateFrom, now, b.warmup, b.windowEnd); d > 0 {
		if b.down {
			b.downTime += d
		}
		if b.draining {
			b.drainTime += d
		}
	}
	b.stateFrom = now
}

// endWindow closes the measurement window at end, the offset of the last
// arrival.
func (b *Backend) endWindow(end time.Duration) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.account(b.now())
	b.windowEnd = end
}

// result is the server's share of the run, in the simulator's terms; its
// utilization is over the window from warmup to the window's end.
func (b *Backend) result() results.Server {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.account(b.now())
	b.trackState(b.now())
	out := results.Server{
		Name: b.cfg.Name, Requests: b.requests, MaxQueue: b.maxQueue, Failed: b.failed,
		DownS: b.downTime.Seconds() * b.cfg.speedup, DrainingS: b.drainTime.Seconds() * b.cfg.speedup,
	}
	if window := b.windowEnd - b.warmup; window > 0 && b.windowEnd < 1<<63-1 {
		out.Utilization = b.busyArea / (float64(b.cfg.Capacity) * float64(window))
	}
	return out
}

// close stops the server for good.
func (b *Backend) close() {
	b.mu.Lock()
	b.closed = true
	srv := b.srv
	b.srv = nil
	if srv != nil {
		close(b.crashed) // wakes what still waits
		b.crashed = make(chan struct{})
	}
	b.mu.Unlock()
	if srv != nil {
		srv.Close()
	}
}

// discard silences net/http's own log of dropped connections, which
// crashes cause on purpose.
var discard = log.New(io.Discard, "", 0)
