// Package live runs a scenario for real on this machine and beside it the
// simulation of the same file, so that a user can see how far to trust the
// simulation: emulated servers (one HTTP server per scenario server, with
// its capacity, speed, queue and faults), lbsim's reverse proxy running
// each algorithm in turn, and an open-loop load generator that replays the
// simulation's own arrivals, clients, classes and demands.
//
// Run does it all; Check says, before anything runs, whether a scenario
// sets a key that live cannot run faithfully; Scale speeds a scenario up.
// Nothing here prints: progress goes to Options.Status.
package live

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/lbsim/lbsim/proxy"
	"github.com/lbsim/lbsim/results"
	"github.com/lbsim/lbsim/scenarios"
	"github.com/lbsim/lbsim/sim"
)

// Options say how to run a scenario live.
type Options struct {
	// Algorithms to run, in order; nil runs the scenario's.
	Algorithms []string
	// Speedup divides every duration of the live run (and multiplies its
	// rates); its figures are multiplied back. 0 is 1.
	Speedup float64
	// Status receives progress lines; nil discards them.
	Status func(line string)
}

// Report is a live run beside its simulation.
type Report struct {
	// Live and Sim are the two sides, each as `lbsim run --format json`
	// would print it. Live has the algorithms that ran to their end, or
	// were stopped, in order.
	Live *results.Comparison
	Sim  *results.Comparison
	// Speedup is Options.Speedup.
	Speedup   float64
	Agreement Agreement
	// Timing says how precisely the live run kept its schedule, per
	// algorithm, in order.
	Timing []Timing
	// Interrupted is set when the context ended the run early: Live holds
	// what was measured until then.
	Interrupted bool
}

// Timing is how far the live run's clocks strayed, in milliseconds of
// real time (not multiplied by the speedup).
type Timing struct {
	Algorithm string `json:"algorithm"`
	// SendLateP50 and SendLateP99 are how late the generator sent
	// requests against their schedule.
	SendLateP50 float64 `json:"send_late_p50_ms"`
	SendLateP99 float64 `json:"send_late_p99_ms"`
	// ServiceLateP50 and ServiceLateP99 are how late the emulated
	// servers ended services against their plan.
	ServiceLateP50 float64 `json:"service_late_p50_ms"`
	ServiceLateP99 float64 `json:"service_late_p99_ms"`
}

// behindMS is how late, in milliseconds of real time, the generator may
// send its p99 request before Behind says the machine could not keep up.
const behindMS = 5

// Behind reports whether the load generator fell behind its schedule:
// this machine was too busy to run the scenario in real time at this
// speedup, and the live figures say more about the machine than about
// the algorithms.
func (r *Report) Behind() bool {
	for _, t := range r.Timing {
		if t.SendLateP99 > behindMS {
			return true
		}
	}
	return false
}

// ErrSpeedup is returned for a speedup that is not a positive number.
var ErrSpeedup = errors.New("the speedup must be a number above 0")

// Run runs sc's simulation, then sc live once per algorithm, each with
// fresh servers and a fresh proxy, and compares them. When ctx ends it
// stops, and returns what was measured with Interrupted set.
func Run(ctx context.Context, sc *scenarios.Scenario, opt Options) (*Report, error) {
	if opt.Speedup == 0 {
		opt.Speedup = 1
	}
	if !(opt.Speedup > 0) || opt.Speedup > 1e6 {
		return nil, fmt.Errorf("%w, got %g", ErrSpeedup, opt.Speedup)
	}
	if err := Check(sc); err != nil {
		return nil, err
	}
	status := opt.Status
	if status == nil {
		status = func(string) {}
	}
	algs := opt.Algorithms
	if algs == nil {
		algs = sc.Algorithms
	}
	status(fmt.Sprintf("simulating %s with %s", sc.Name, strings.Join(algs, ", ")))
	sims, err := sim.CompareAll([]*scenarios.Scenario{sc}, algs, sim.Options{})
	if err != nil {
		return nil, err
	}
	rep := &Report{Sim: sims[0], Speedup: opt.Speedup}
	rep.Live = &results.Comparison{Scenario: sc.Name, Description: sc.Description, Seed: sc.Seed, Requests: rep.Sim.Requests}
	for _, alg := range algs {
		if ctx.Err() != nil {
			break
		}
		res, timing, err := runOne(ctx, sc, alg, opt.Speedup, status)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", alg, err)
		}
		rep.Live.Results = append(rep.Live.Results, res)
		rep.Timing = append(rep.Timing, timing)
	}
	rep.Interrupted = ctx.Err() != nil
	rep.Agreement = Compare(rep.Live, rep.Sim)
	return rep, nil
}

// lead is how long after setting up a run its first request may be due:
// time for the proxy to start serving.
const lead = 50 * time.Millisecond

// maxPreconnect is how long before its time a request has its
// connection to the proxy opened (less when the proxy's header or idle
// timeout, sped up, is short).
const maxPreconnect = 5 * time.Millisecond

// runOne runs sc live with one algorithm.
func runOne(ctx context.Context, sc *scenarios.Scenario, alg string, speedup float64, status func(string)) (results.Result, Timing, error) {
	fast := Scale(sc, speedup)
	fleet, err := startFleet(fast, speedup)
	if err != nil {
		return results.Result{}, Timing{}, err
	}
	defer fleet.close()
	acc := &accessTally{}
	cfg := fleet.config(fast, alg, nil)
	p, err := proxy.Listen(cfg, proxy.Options{Seed: sc.Seed, AccessLog: slog.New(acc)})
	if err != nil {
		return results.Result{}, Timing{}, err
	}
	pctx, stopProxy := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- p.Serve(pctx) }()
	defer func() {
		stopProxy()
		<-served
	}()

	sched, err := newSchedule(sc, speedup)
	if err != nil {
		return results.Result{}, Timing{}, err
	}
	defer sched.gen.Close()
	g := &generator{
		target: p.Addr().String(), speedup: speedup, paths: classPaths(sc), classNames: sched.gen.ClassNames, jar: make(map[uint32]string),
		conns:      newConns(p.Addr().String(), 256, max(fast.Timeouts.Idle.D()/2, time.Millisecond)),
		preconnect: min(maxPreconnect, fast.Timeouts.Header.D()/4, fast.Timeouts.Idle.D()/4),
		tally:      newTally(len(sc.Workload.RequestClasses())),
	}
	if sc.Sticky != nil {
		g.cookie = sc.Sticky.Cookie
	}
	for _, r := range sc.Routes {
		if r.Limit != nil && r.Limit.Status != 503 && r.Limit.Status != 0 {
			g.limitStatus = append(g.limitStatus, r.Limit.Status)
		}
	}
	start := time.Now().Add(lead)
	warmup := fast.Warmup.D()
	acc.begin(start, warmup)
	for _, b := range fleet.backends {
		b.begin(start, warmup)
	}
	stopFaults := fleet.scheduleFaults(fast, start, func(drained []string) {
		if err := p.Reload(fleet.config(fast, alg, drained)); err != nil {
			status(fmt.Sprintf("%s: cannot drain: %v", alg, err))
		}
	}, status)
	defer stopFaults()

	status(fmt.Sprintf("%s: running live at %gx", alg, speedup))
	progress := startProgress(g.tally, alg, status)
	g.run(ctx, sched, start, func(end time.Duration) {
		for _, b := range fleet.backends {
			b.endWindow(end)
		}
	})
	progress()
	if err := sched.gen.Err(); err != nil {
		return results.Result{}, Timing{}, err // a trace that stopped part way
	}
	return g.result(alg, sc, fleet, acc), g.timing(alg, fleet), nil
}

// startProgress writes a status line every few seconds until the
// function it returns is called.
func startProgress(t *tally, alg string, status func(string)) func() {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(5 * time.Second)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				t.mu.Lock()
				sent, answered := t.sent, t.done
				t.mu.Unlock()
				status(fmt.Sprintf("%s: %d requests sent, %d answered", alg, sent, answered))
			}
		}
	}()
	return func() { close(done); wg.Wait() }
}

// classPaths are the request paths of sc's classes: each class's path,
// else "/".
func classPaths(sc *scenarios.Scenario) []string {
	var out []string
	for _, c := range sc.Workload.RequestClasses() {
		p := c.Path
		if p == "" {
			p = "/"
		}
		out = append(out, p)
	}
	return out
}

// fleet is the emulated servers of one live run, in ExpandServers order.
type fleet struct {
	servers  []scenarios.Server
	backends []*Backend
	byName   map[string]*Backend
}

func startFleet(fast *scenarios.Scenario, speedup float64) (*fleet, error) {
	f := &fleet{servers: fast.ExpandServers(), byName: make(map[string]*Backend)}
	for i, s := range f.servers {
		b, err := startBackend(server{Server: s, check: fast.PoolSettings(s.Pool).HealthCheck, speedup: speedup, seed: fast.Seed + uint64(i)})
		if err != nil {
			f.close()
			return nil, err
		}
		f.backends = append(f.backends, b)
		f.byName[s.Name] = b
	}
	return f, nil
}

func (f *fleet) close() {
	for _, b := range f.backends {
		b.close()
	}
}

// config is the proxy's config for fast, the sped-up scenario: each server
// its own group at its emulated server's address, but those drained; the
// proxy listens on a free loopback port and has no admin listener.
func (f *fleet) config(fast *scenarios.Scenario, alg string, drained []string) *scenarios.Scenario {
	cfg := *fast
	cfg.Servers = nil
	for i, s := range f.servers {
		if slices.Contains(drained, s.Name) {
			continue
		}
		cfg.Servers = append(cfg.Servers, scenarios.ServerGroup{
			Name: s.Name, Count: 1, Capacity: s.Capacity, Speed: s.Speed, Weight: s.Weight, Queue: s.Queue,
			Address: "http://" + f.backends[i].Addr(), Backup: s.Backup, Pool: s.Pool,
		})
	}
	cfg.Algorithm, cfg.Algorithms = alg, []string{alg}
	cfg.Listen, cfg.Admin = "127.0.0.1:0", "off"
	return &cfg
}

// scheduleFaults applies fast's server faults at their times from start:
// crashes, slowdowns and errors on the emulated servers, drains by
// reloading the proxy without the server (reload), as an operator does.
// The function it returns cancels the faults still to come.
func (f *fleet) scheduleFaults(fast *scenarios.Scenario, start time.Time, reload func(drained []string), status func(string)) func() {
	var mu sync.Mutex
	var drained []string
	var timers []*time.Timer
	at := func(d time.Duration, fn func()) {
		timers = append(timers, time.AfterFunc(time.Until(start.Add(d)), fn))
	}
	undrain := func(name string) {
		mu.Lock()
		defer mu.Unlock()
		if i := slices.Index(drained, name); i >= 0 {
			drained = slices.Delete(drained, i, i+1)
			reload(slices.Clone(drained))
		}
	}
	recover := func(name string) {
		undrain(name)
		if err := f.byName[name].recover(); err != nil {
			status(err.Error())
		}
	}
	for _, ft := range fast.Faults {
		b := f.byName[ft.Server]
		if b == nil {
			continue // Check refused the faults on anything else
		}
		name := ft.Server
		switch ft.Kind {
		case scenarios.FaultCrash:
			at(ft.At.D(), b.crash)
		case scenarios.FaultSlow:
			factor := ft.Factor
			at(ft.At.D(), func() { b.setSlow(factor) })
		case scenarios.FaultErrors:
			share := ft.Share
			at(ft.At.D(), func() { b.setErrors(share) })
		case scenarios.FaultDrain:
			at(ft.At.D(), func() {
				b.setDraining(true)
				mu.Lock()
				defer mu.Unlock()
				drained = append(drained, name)
				reload(slices.Clone(drained))
			})
		case scenarios.FaultRecover:
			at(ft.At.D(), func() { recover(name) })
			continue
		}
		if ft.For > 0 {
			at((ft.At + ft.For).D(), func() { recover(name) })
		}
	}
	return func() {
		for _, t := range timers {
			t.Stop()
		}
	}
}

// result is the live run's results.Result, in the simulator's terms and
// units: latencies and times multiplied back by the speedup.
func (g *generator) result(alg string, sc *scenarios.Scenario, f *fleet, acc *accessTally) results.Result {
	t := g.tally
	t.mu.Lock()
	defer t.mu.Unlock()
	res := results.Result{Algorithm: alg, Completed: t.completed, Failed: t.failed, Rejected: t.rejected}
	causes := make(map[string]int64)
	for k, v := range t.causes {
		causes[k] = v
	}
	refused, reset, limited, retried := acc.counts()
	res.Retried = retried
	causes["refused"] += refused
	causes["reset"] += reset
	limited = min(limited, t.proxy503)
	causes["rate_limited"] += limited
	causes["no_server"] += t.proxy503 - limited
	for k, v := range causes {
		if v == 0 {
			delete(causes, k)
		}
	}
	if len(causes) > 0 {
		res.FailedByCause = causes
	}
	if window := t.windowEnd - time.Duration(float64(sc.Warmup.D())/g.speedup); window > 0 {
		res.ThroughputRPS = float64(t.inWindow) / (window.Seconds() * g.speedup)
	}
	all := results.NewHistogram()
	names := g.classNames()
	for i, h := range t.classes {
		all.Merge(h)
		if len(t.classes) > 1 {
			res.Classes = append(res.Classes, results.Class{Name: names[i], Completed: h.Count(), Latency: h.Latency()})
		}
	}
	res.Latency = all.Latency()
	var utils []float64
	groupOf := make([]string, len(f.backends))
	latency := make([]*results.Sketch, len(f.backends))
	for i, b := range f.backends {
		s := b.result()
		sl := t.byServer[s.Name]
		if sl != nil {
			s.Completed, s.Latency = sl.Count(), sl.Latency()
		}
		res.Servers = append(res.Servers, s)
		utils = append(utils, s.Utilization)
		groupOf[i], latency[i] = f.servers[i].Group, sl
	}
	res.Groups = results.SumGroups(res.Servers, groupOf, latency)
	res.Fairness = results.NewFairness(utils)
	res.Fairness.MaxOverMeanLatency = results.LatencySpread(latency)
	return res
}

// timing sums up how well the run kept time.
func (g *generator) timing(alg string, f *fleet) Timing {
	g.tally.mu.Lock()
	out := Timing{Algorithm: alg, SendLateP50: ms(g.tally.late.Quantile(0.5)), SendLateP99: ms(g.tally.late.Quantile(0.99))}
	g.tally.mu.Unlock()
	over := results.NewHistogram()
	for _, b := range f.backends {
		b.mu.Lock()
		over.Merge(b.overshoot)
		b.mu.Unlock()
	}
	out.ServiceLateP50, out.ServiceLateP99 = ms(over.Quantile(0.5)), ms(over.Quantile(0.99))
	return out
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
