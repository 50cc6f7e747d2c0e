package sim

import (
	"context"
	"fmt"
	"math"
	"net/netip"
	"slices"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/lbsim/lbsim/results"
	"github.com/lbsim/lbsim/scenarios"
)

// Options asks the runs of a comparison for more than their summaries.
type Options struct {
	// Timeline records the latency distribution and the course over time
	// of the first scenario's runs in their Results' Detail, for charts.
	// Only the first: with several seeds the charts draw the first seed
	// (see results.Combine), and the others' timelines would only cost
	// memory.
	Timeline bool
	// Progress, when set, is called now and then from the runs'
	// goroutines with the share of the whole comparison done, from 0 to 1.
	// It must be safe for concurrent use.
	Progress func(done float64)
	// Context, when set, stops the runs once it is done: CompareAll
	// then returns an error that wraps its Err. A server that runs
	// scenarios for others bounds their time with it.
	Context context.Context
	// MaxRequests, when above 0, stops each run after that many arrivals
	// if its scenario would send more, and the Comparison's CutAt says
	// so. The measurement window then ends at the last arrival.
	MaxRequests int64
}

// stopEvery is how many arrivals or events pass between looks at
// Options.Context: often enough to stop within milliseconds, rarely
// enough to cost nothing.
const stopEvery = 1 << 12

// timelineWindows is about how many windows a timeline has while
// requests arrive: enough for a smooth chart, few enough that a window
// holds many completions. A timeline never holds more than maxWindows:
// a run that goes on longer than expected (an overloaded one that takes
// days to drain) has its windows merged in pairs whenever it reaches
// maxWindows, so that its charts still cover it all, in at most
// maxWindows windows of a few kilobytes each.
const (
	timelineWindows = 200
	maxWindows      = 4 * timelineWindows
)

// progressEvery is how many arrivals pass between progress reports.
const progressEvery = 1 << 14

// timeline records a run window by window (see results.Timeline).
type timeline struct {
	results.Timeline
	next time.Duration  // the end of the current window
	cur  results.Window // the current window, but for its latencies:
	hist *results.Sketch
	// quiet counts the windows closed after those in Windows in which
	// nothing happened: nothing in flight at their start, no request
	// ended. They are added to Windows only when something happens
	// after them, or when they lie before the end of arrivals, so that a
	// run whose last requests ended long before its last event (a fault
	// scheduled after the drain) is not drawn as a long flat line.
	quiet int
	// end is where arrivals ended (set when they have), and ended is set
	// once the timeline is complete.
	end   time.Duration
	ended bool
}

// newTimeline starts a timeline for a run expected to last span.
func newTimeline(e *engine, span, warmup time.Duration) *timeline {
	t := &timeline{hist: new(results.Sketch)}
	t.Step, t.Warmup = niceStep(span/timelineWindows), warmup
	for i := range e.servers {
		t.Servers = append(t.Servers, e.servers[i].name)
	}
	t.cur.InFlight = make([]int, len(e.servers))
	t.next, t.end = t.Step, math.MaxInt64
	return t
}

// arrivalsEnded notes where arrivals ended: the timeline reaches at least
// that far.
func (t *timeline) arrivalsEnded(at time.Duration) {
	t.end = at
}

// observed reports whether a timeline or a trace is kept: whether a
// server's changes need words.
func (e *engine) observed() bool { return e.tl != nil || e.tracer != nil }

// traceStopped reports whether a trace's reader has seen enough.
func (e *engine) traceStopped() bool { return e.tracer != nil && e.tracer.stopped }

// recording reports whether what happens now goes on the timeline.
func (e *engine) recording() bool { return e.tl != nil && !e.tl.ended }

// advance closes every window that ends at or before now, sampling the
// servers' requests in flight as each new one opens. Nothing changes
// between two calls, so when nothing is in flight the windows up to now
// are all quiet, and are counted at once.
func (e *engine) advance(now time.Duration) {
	t := e.tl
	for now >= t.next && !t.ended {
		if !t.curQuiet() && len(t.Windows)+t.quiet+2 > maxWindows {
			t.coarsen()
			continue // the current window may now end later
		}
		t.closeWindow()
		t.cur = results.Window{InFlight: make([]int, len(e.servers))}
		for i := range e.servers {
			t.cur.InFlight[i] = int(e.servers[i].backend.InFlight())
		}
		t.next += t.Step
		if now >= t.next && t.curQuiet() {
			n := (now-t.next)/t.Step + 1
			t.quiet += int(n)
			t.next += n * t.Step
		}
	}
}

// curQuiet reports whether nothing has happened in the current window so
// far: nothing was in flight at its start, and no request ended.
func (t *timeline) curQuiet() bool {
	return t.hist.Count() == 0 && t.cur.Failed == 0 && !slices.ContainsFunc(t.cur.InFlight, func(n int) bool { return n > 0 })
}

// closeWindow ends the current window: it is kept, after the quiet ones
// before it, or counted as quiet.
func (t *timeline) closeWindow() {
	if t.curQuiet() {
		t.quiet++
		return
	}
	w := t.cur
	w.Completed = t.hist.Count()
	if w.Completed > 0 {
		// A copy holds only the buckets in use, where the sketch that
		// recorded them grew by appending; the sketch is reused.
		w.Latency = new(results.Sketch)
		w.Latency.Merge(t.hist)
		t.hist.Reset()
	}
	t.keepQuiet(t.quiet)
	t.Windows = append(t.Windows, w)
}

// keepQuiet adds n of the quiet windows to Windows (none when n is not
// above 0).
func (t *timeline) keepQuiet(n int) {
	for range n {
		t.Windows = append(t.Windows, results.Window{InFlight: make([]int, len(t.Servers))})
	}
	t.quiet -= n
}

// coarsen doubles the step: each pair of windows becomes one, from window
// 0 on, and the current window joins the one before it or the one after.
func (t *timeline) coarsen() {
	if (len(t.Windows)+t.quiet)%2 == 1 {
		// The current window is the second half of its pair: it takes in
		// the first, and starts where that started.
		if t.quiet > 0 {
			t.quiet--
			clear(t.cur.InFlight)
		} else {
			last := t.Windows[len(t.Windows)-1]
			t.Windows = t.Windows[:len(t.Windows)-1]
			t.cur.Failed += last.Failed
			t.hist.Merge(last.Latency)
			t.cur.InFlight = last.InFlight
		}
	} else {
		t.next += t.Step // the first half: it now ends a step later
	}
	kept := t.Windows[:0]
	for i := 0; i < len(t.Windows); i += 2 {
		w := t.Windows[i]
		if i+1 < len(t.Windows) {
			w.Add(&t.Windows[i+1])
		} else if t.quiet > 0 {
			t.quiet-- // paired with the first quiet window, which adds nothing
		}
		kept = append(kept, w)
	}
	clear(t.Windows[len(kept):])
	t.Windows = kept
	t.quiet /= 2
	t.Step *= 2
}

// close completes the timeline when the run is over. It reaches the end
// of arrivals or the last request's end, whichever is later: the quiet
// windows after both are left out, and so are the events in them (a
// fault scheduled after the drain). The windows after the current one,
// which no event opened, are quiet: every request has ended. It holds at
// most maxWindows.
func (t *timeline) close() {
	for t.kept() > maxWindows {
		t.coarsen()
	}
	t.closeWindow()
	t.quiet = 0
	t.keepQuiet(max(t.endWindows(), 1) - len(t.Windows))
	t.ended = true
	end := t.End()
	t.Events = slices.DeleteFunc(t.Events, func(e results.Event) bool { return e.At > end })
}

// kept is how many windows close would keep now.
func (t *timeline) kept() int {
	n := len(t.Windows)
	if !t.curQuiet() {
		n += t.quiet + 1
	}
	return max(n, t.endWindows(), 1)
}

// endWindows is how many windows reach the end of arrivals, 0 when
// arrivals did not end (the run was stopped).
func (t *timeline) endWindows() int {
	if t.end == math.MaxInt64 {
		return 0
	}
	return int((t.end + t.Step - 1) / t.Step)
}

// changed records an event of server s (nil for the whole run) on the
// timeline and in the trace, when either is kept.
func (e *engine) changed(now time.Duration, kind results.EventKind, s *server, format string, args ...any) {
	if !e.observed() {
		return
	}
	text := fmt.Sprintf(format, args...)
	if e.recording() {
		ev := results.Event{At: now, Kind: kind, Text: text}
		if s != nil {
			ev.Server = s.name
		}
		e.tl.Events = append(e.tl.Events, ev)
	}
	if e.tracer != nil {
		e.tracer.ev.Change = kind
		e.trace(Changed, now, -1, s, text)
	}
}

// markPhases records the arrival rate's changes, which the workload makes
// on its own schedule.
func (e *engine) markPhases(a *scenarios.Arrival) {
	for _, p := range a.Phases {
		e.changed(p.At.D(), results.EventRate, nil, "%s/s", trimFloat(p.Rate))
	}
}

// expectedSpan estimates how long a scenario's requests arrive for: its
// duration, or the time its arrival rates take, on average, to send its
// requests.
func expectedSpan(sc *scenarios.Scenario) time.Duration {
	if sc.Duration > 0 {
		return sc.Duration.D()
	}
	a := &sc.Workload.Arrival
	duty := 1.0
	if a.Process == "bursty" {
		duty = a.On.D().Seconds() / (a.On.D().Seconds() + a.Off.D().Seconds())
	}
	left, t, rate := float64(sc.Requests), 0.0, a.Rate
	for _, p := range a.Phases {
		at := p.At.D().Seconds()
		if n := rate * duty * (at - t); n >= left {
			break
		} else {
			left -= n
		}
		t, rate = at, p.Rate
	}
	if rate > 0 {
		t += left / (rate * duty)
	}
	return time.Duration(math.Min(t, float64(scenarios.MaxVirtualTime)/1e9) * float64(time.Second))
}

// niceStep rounds d up to 1, 2 or 5 times a power of ten, at least a
// millisecond, so that windows fall on round times.
func niceStep(d time.Duration) time.Duration {
	step := time.Millisecond
	for {
		for _, m := range []time.Duration{1, 2, 5} {
			if m*step >= d {
				return m * step
			}
		}
		step *= 10
	}
}

// trimFloat prints a rate without trailing zeros.
func trimFloat(v float64) string {
	return fmt.Sprintf("%.6g", v)
}

// TraceKind says what a TraceEvent is.
type TraceKind uint8

// The kinds of TraceEvent.
const (
	// Routed: the balancer chose Server for the request.
	Routed TraceKind = iota
	// Failed: the attempt failed on Server (Text says how: refused,
	// reset, queue full, timed out), or no server was usable (Server is
	// empty).
	Failed
	// Changed: something happened to Server (Change says what, Text says
	// why): it crashed or recovered, which the balancer learns only
	// through failures and checks, or the balancer took it out of rotation
	// or put it back.
	Changed
	// Held: a rate limit holds the request before its balancer chooses a
	// server (Text says for how long).
	Held
)

// TraceEvent is one step of a run as the balancer's host saw it.
type TraceEvent struct {
	Kind   TraceKind
	Change results.EventKind // for Changed
	At     time.Duration
	// Request is the request's arrival number, from 1; Attempt counts its
	// earlier tries (0 on the first); Client and Class are who sent it and
	// what it is. All are zero for Changed.
	Request int64
	Attempt int
	Client  netip.Addr
	Class   string
	// Key is the request's key (see workloads.Request.Key), in decimal;
	// "" for none.
	Key string
	// Server is the server chosen or concerned; "" for a change of the
	// whole run or of a balancer.
	Server string
	// Balancer is the balancer the request came through, from 1, when
	// there are several; 0 otherwise.
	Balancer int
	// Text says how an attempt failed or what changed; for a request
	// Routed at layer 4, which connection it is on.
	Text string
	// Cache is "hit" or "miss" for a keyed request Routed to a server that
	// is up and has a cache: whether the server holds its key.
	Cache string
	// Session is "hit" or "miss" for a request Routed to a server that is
	// up, when the scenario keeps sessions: whether the server holds the
	// client's session. It is "" otherwise.
	Session string
	// Servers, InFlight and InRotation are every server's name, requests
	// in flight and whether the balancer may choose it, just before the
	// event, as the request's balancer sees them (with views of their
	// own, its counts; otherwise the servers' own). The slices are
	// reused: copy them to keep them.
	Servers    []string
	InFlight   []int
	InRotation []bool
}

// Trace runs the scenario with one algorithm and tells fn of every routing
// decision and every change of a server from virtual time from on, in
// order, until the run ends or fn returns false. Events before from cost
// nothing, however many servers there are.
func Trace(sc *scenarios.Scenario, algorithm string, from time.Duration, fn func(*TraceEvent) bool) error {
	return TraceContext(context.Background(), sc, algorithm, from, fn)
}

// TraceContext is Trace stopped by ctx once it is done, which the error
// then wraps; events before from cost no call of fn either way.
func TraceContext(ctx context.Context, sc *scenarios.Scenario, algorithm string, from time.Duration, fn func(*TraceEvent) bool) error {
	e, err := newEngine(sc, algorithm)
	if err != nil {
		return fmt.Errorf("%s: %w", algorithm, err)
	}
	e.ctx = ctx
	e.tracer = &tracer{fn: fn, from: from}
	for i := range e.servers {
		e.tracer.ev.Servers = append(e.tracer.ev.Servers, e.servers[i].name)
	}
	e.tracer.ev.InFlight = make([]int, len(e.servers))
	e.tracer.ev.InRotation = make([]bool, len(e.servers))
	defer e.gen.Close()
	e.run()
	if e.stopErr != nil {
		return fmt.Errorf("%s: the trace stopped after %d arrivals: %w", algorithm, e.arrivals, e.stopErr)
	}
	return e.gen.Err()
}

// tracer feeds a Trace's callback.
type tracer struct {
	fn      func(*TraceEvent) bool
	from    time.Duration // events before it are not told
	ev      TraceEvent
	stopped bool
}

// trace tells the tracer of an event, with the servers' state as of now.
func (e *engine) trace(kind TraceKind, now time.Duration, i int32, s *server, text string) {
	t := e.tracer
	if t.stopped || now < t.from {
		return
	}
	ev := &t.ev
	ev.Kind, ev.At, ev.Text = kind, now, text
	if kind != Changed {
		ev.Change = ""
	}
	ev.Request, ev.Attempt, ev.Client, ev.Class, ev.Server, ev.Balancer, ev.Key = 0, 0, netip.Addr{}, "", "", 0, ""
	if i >= 0 {
		q := &e.reqs[i]
		ev.Request, ev.Attempt, ev.Client, ev.Class, ev.Key = q.number, int(q.attempts), q.client, e.classNames[q.class], keyText(q.key)
		if len(e.lbs) > 1 {
			ev.Balancer = int(q.lb) + 1
		}
	}
	ev.Session, ev.Cache = "", ""
	if s != nil {
		ev.Server = s.name
		if kind == Routed && e.cache != nil && s.up && e.reqs[i].key >= 0 && e.cache.entries[s.backend.Index] > 0 {
			ev.Cache = "miss"
			if e.cache.peek(s.backend.Index, e.reqs[i].key) {
				ev.Cache = "hit"
			}
		}
		if kind == Routed && e.sess != nil && s.up {
			ev.Session = "miss"
			if e.sess.holds(e.reqs[i].clientID, s.backend.Index) {
				ev.Session = "hit"
			}
		}
	}
	v := e.views[0]
	if i >= 0 && e.separate() {
		v = e.viewOf(i)
	}
	for k := range e.servers {
		b := e.servers[k].backend
		if e.separate() {
			b = v.backends[k]
		}
		ev.InFlight[k] = int(b.InFlight())
		ev.InRotation[k] = v.standing[k].inRotation
	}
	if !t.fn(ev) {
		t.stopped = true
	}
}

// outReason says why s is out of view v's rotation.
func (e *engine) outReason(v *view, s *server, now time.Duration) string {
	st := &v.standing[s.backend.Index]
	switch {
	case s.idle:
		return "not launched"
	case s.starting:
		return "starting"
	case s.left:
		return "scaled in"
	case s.retired:
		return "scaled in, draining"
	case st.checkDown:
		return fmt.Sprintf("failed %d health checks", e.pools[s.pool].health.Fall)
	case now < st.ejectedUntil:
		return "ejected by passive checks"
	case s.draining:
		return "draining"
	case st.breaker == breakerOpen:
		return "circuit breaker open"
	case st.breaker == breakerHalf:
		return "circuit breaker half-open, probes in flight"
	case s.backup:
		return "backup, primaries are up"
	}
	return "unusable"
}

// progress sums the runs' progress for Options.Progress.
type progress struct {
	report func(done float64)
	runs   int
	// done holds each run's share done in millionths, and total their sum.
	done  []atomic.Int64
	total atomic.Int64
}

func newProgress(report func(float64), runs int) *progress {
	if report == nil {
		return nil
	}
	return &progress{report: report, runs: runs, done: make([]atomic.Int64, runs)}
}

// run returns run k's progress callback, nil when nobody listens.
func (p *progress) run(k int) func(float64) {
	if p == nil {
		return nil
	}
	return func(share float64) {
		now := int64(math.Min(share, 1) * 1e6)
		total := p.total.Add(now - p.done[k].Swap(now))
		p.report(float64(total) / (1e6 * float64(p.runs)))
	}
}

// done is the share of the run's arrivals simulated by now.
func (e *engine) done(now time.Duration) float64 {
	if e.maxArrivals == 0 && e.duration == 0 {
		return e.gen.Progress()
	}
	if e.duration > 0 {
		return float64(now) / float64(e.duration)
	}
	return float64(e.arrivals) / float64(e.maxArrivals)
}

// keyText is a request's key as a trace names it, "" for none.
func keyText(key int32) string {
	if key < 0 {
		return ""
	}
	return strconv.Itoa(int(key))
}
