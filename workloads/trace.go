package workloads

import (
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/lbsim/lbsim/algorithms"
	"github.com/lbsim/lbsim/scenarios"
	"github.com/lbsim/lbsim/workloads/accesslog"
)

// ReorderWindow is how far back in time a trace's arrivals are put in
// order. Logs are written when requests end, so a request that took 5 s
// is logged 5 s after requests that came in after it; the replay holds the
// requests of the last ReorderWindow in a heap, which bounds its memory by
// the trace's rate, not its length. A request that took longer than this
// arrives late, at the time of the request before it, and is counted.
const ReorderWindow = 60 * time.Second

// Limits of a trace replay.
const (
	// maxTraceClasses bounds the classes a csv class column may name.
	maxTraceClasses = 256
	// maxWaiting bounds the requests held for reordering, or read with
	// one coarse timestamp, for a trace whose clock stands still: past it
	// they are replayed as they are.
	maxWaiting = 1 << 20
	// maxTraceErrors is how many unreadable lines TraceStats lists.
	maxTraceErrors = 5
	// coarseZero is the demand of a request logged with a service time
	// of 0 by a log that counts whole milliseconds (nginx, HAProxy): half
	// of the millisecond it took less than.
	coarseZero = 500 * time.Microsecond
)

// ErrTrace is wrapped by the error Err returns when a trace cannot be
// replayed: it cannot be read, or most of its lines do not parse.
var ErrTrace = errors.New("trace")

// TraceStats says what a trace replay read.
type TraceStats struct {
	// Lines is the number of lines read, blank ones aside.
	Lines int64
	// Requests is the number of requests replayed.
	Requests int64
	// Skipped counts the lines that could not be read as requests;
	// Errors lists the first few, "FILE:LINE: why".
	Skipped int64
	Errors  []string
	// Late counts the requests that arrived more than ReorderWindow
	// before a request already replayed: each arrives at that request's
	// time instead.
	Late int64
}

// pending is a request read from a trace and not yet replayed.
type pending struct {
	at     int64 // arrival: the trace's clock, in ns
	seq    int64 // order read, to break ties
	client netip.Addr
	demand time.Duration
	key    int32
	class  int32
}

// replay turns a trace's lines into requests in arrival order.
type replay struct {
	trace *scenarios.Trace
	file  *scenarios.TraceFile
	rd    *accesslog.Reader
	rec   accesslog.Record
	// spread places requests logged with a coarse timestamp within it.
	spread *rand.Rand
	// group holds the requests read with the same coarse timestamp, and
	// groupAt is that timestamp.
	group             []pending
	groupAt, groupRes int64
	waiting           pendingHeap
	// latest is the latest logged time read, and first the first, in ns.
	latest, first int64
	seq           int64
	eof           bool
	started       bool
	origin        int64 // the first arrival, which the run's clock counts from
	last          time.Duration
	speedup       float64

	minDemand time.Duration
	classes   []string
	classOf   map[string]int32
	conns     uint32

	stats TraceStats
	err   error
}

// newReplay opens t for replay. The coarse timestamps of the lines are
// spread with a stream seeded from seed.
func newReplay(w *scenarios.Workload, seed uint64) (*replay, error) {
	t := w.Trace
	f, err := t.Open()
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrTrace, t.File, err)
	}
	rd, err := accesslog.NewReader(f, t.Options())
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("%w: %s: %v", ErrTrace, t.File, err)
	}
	r := &replay{trace: t, file: f, rd: rd, spread: newRand(seed, streamArrivals), speedup: t.Speedup,
		classes: t.ClassNames(), classOf: make(map[string]int32), minDemand: time.Nanosecond}
	if !(r.speedup > 0) {
		r.speedup = 1
	}
	for i, name := range r.classes {
		r.classOf[name] = int32(i)
	}
	if t.Format == accesslog.Nginx || t.Format == accesslog.HAProxy {
		r.minDemand = coarseZero
	}
	if c := w.Connections; c != nil {
		r.conns = uint32(min(c.Count, math.MaxInt32))
	}
	return r, nil
}

// next fills q with the next request, or sets its arrival to Never once
// the trace is replayed.
func (r *replay) next(q *Request) {
	for !r.eof && r.waiting.len() < maxWaiting && (r.waiting.len() == 0 || r.waiting.min().at > r.latest-int64(ReorderWindow)) {
		r.read()
	}
	if r.eof && len(r.group) > 0 {
		r.flush()
	}
	if r.waiting.len() == 0 {
		*q = Request{Arrival: Never, Conn: -1, Key: -1}
		return
	}
	p := r.waiting.pop()
	if !r.started {
		r.started, r.origin = true, p.at
	}
	at := time.Duration(math.Round(float64(p.at-r.origin) / r.speedup))
	if at < r.last {
		at = r.last
		r.stats.Late++
	}
	r.last = at
	r.stats.Requests++
	id := clientID(p.client)
	*q = Request{Arrival: at, Client: p.client, ClientID: id, Class: int(p.class), Demand: p.demand, Conn: -1, Key: p.key}
	if r.conns > 0 {
		q.Conn = int32(id % r.conns)
	}
}

// read reads one line of the trace into the waiting requests, or into
// the group of its coarse timestamp.
func (r *replay) read() {
	if err := r.rd.Next(&r.rec); err != nil {
		r.readFailed(err)
		return
	}
	rec := &r.rec
	r.stats.Lines++
	if rec.Service > MaxDemand {
		r.skip(rec.Line, fmt.Sprintf("service time %s is above the limit of %s", rec.Service, MaxDemand))
		return
	}
	if r.seq > 0 && math.Abs(float64(rec.Time)-float64(r.first)) > float64(scenarios.MaxVirtualTime) {
		r.skip(rec.Line, fmt.Sprintf("logged more than %s from the trace's first line", scenarios.MaxVirtualTime))
		return
	}
	class, ok := r.class(rec)
	if !ok {
		r.skip(rec.Line, fmt.Sprintf("a class column names more than %d classes", maxTraceClasses))
		return
	}
	p := pending{seq: r.seq, client: rec.Client, demand: max(rec.Service, r.minDemand), key: -1, class: class}
	r.seq++
	if !p.client.IsValid() {
		p.client = netip.IPv4Unspecified()
	}
	if rec.Target != nil {
		p.key = int32(algorithms.KeyHash(rec.Target) & math.MaxInt32)
	}
	// A log written as requests end gives the end: the arrival is the
	// service time earlier. Until a coarse timestamp is spread, at holds
	// only that offset.
	if rec.Ends {
		p.at = -int64(rec.Service)
	}
	if r.seq == 1 { // the first request read
		r.latest, r.first = rec.Time, rec.Time
	}
	r.latest = max(r.latest, rec.Time)
	if rec.Resolution <= 0 {
		p.at += rec.Time
		r.waiting.push(p)
		return
	}
	if len(r.group) > 0 && rec.Time != r.groupAt || len(r.group) >= maxWaiting {
		r.flush()
	}
	r.groupAt, r.groupRes = rec.Time, int64(rec.Resolution)
	r.group = append(r.group, p)
}

// readFailed handles an error of the reader: the end, a line it cannot
// read, or a failure to read the file. (Apart from read, so that the
// common case allocates nothing.)
func (r *replay) readFailed(err error) {
	var le *accesslog.LineError
	switch {
	case err == io.EOF:
		r.eof = true
	case errors.As(err, &le):
		r.stats.Lines++
		r.skip(le.Line, le.Msg)
	default:
		r.fail(fmt.Errorf("%w: %s: %v", ErrTrace, r.trace.File, err))
	}
}

// flush spreads the group of requests logged with one coarse timestamp
// evenly over the timestamp's resolution, in the order they were logged:
// the i-th of n at a uniform draw within the i-th n-th of it.
func (r *replay) flush() {
	n := float64(len(r.group))
	for i := range r.group {
		p := &r.group[i]
		off := (float64(i) + r.spread.Float64()) / n * float64(r.groupRes)
		p.at += r.groupAt + int64(off)
		r.waiting.push(*p)
	}
	r.group = r.group[:0]
}

// class returns the class of the request rec: the one its csv class
// column names (a new class on first sight), else the one of the longest
// trace.classes prefix of its path, else the default.
func (r *replay) class(rec *accesslog.Record) (int32, bool) {
	if rec.Class != nil {
		if c, ok := r.classOf[string(rec.Class)]; ok {
			return c, true
		}
		if len(r.classes) >= maxTraceClasses {
			return 0, false
		}
		name := string(rec.Class)
		r.classOf[name] = int32(len(r.classes))
		r.classes = append(r.classes, name)
		return int32(len(r.classes) - 1), true
	}
	best, bestLen := r.classOf[scenarios.TraceDefaultClass], -1
	for _, c := range r.trace.Classes {
		if len(c.Prefix) > bestLen && hasPrefix(rec.Target, c.Prefix) {
			best, bestLen = r.classOf[c.Name], len(c.Prefix)
		}
	}
	return best, true
}

// hasPrefix reports whether b starts with prefix, without allocating.
func hasPrefix(b []byte, prefix string) bool {
	return len(b) >= len(prefix) && string(b[:len(prefix)]) == prefix
}

// skip counts an unreadable line, and stops the replay with an error once
// most lines are unreadable: that is the wrong file or format, not noise.
func (r *replay) skip(line int64, msg string) {
	r.stats.Skipped++
	if len(r.stats.Errors) < maxTraceErrors {
		r.stats.Errors = append(r.stats.Errors, fmt.Sprintf("%s:%d: %s", r.trace.File, line, msg))
	}
	if r.stats.Skipped >= minFailing && r.stats.Skipped*2 > r.stats.Lines {
		r.fail(fmt.Errorf("%w: %s: %d of its first %d lines cannot be read as %s (%s)", ErrTrace, r.trace.File,
			r.stats.Skipped, r.stats.Lines, r.trace.Format, strings.Join(r.stats.Errors, "; ")))
	}
}

// minFailing is how many unreadable lines it takes before a majority of
// them stops a replay.
const minFailing = 100

// fail stops the replay with err.
func (r *replay) fail(err error) {
	if r.err == nil {
		r.err = err
	}
	r.eof = true
	r.group = r.group[:0]
	r.waiting = pendingHeap{}
}

// progress is the share of the trace file read, 0 when its size is
// unknown.
func (r *replay) progress() float64 {
	if r.file.Size <= 0 {
		return 0
	}
	return min(1, float64(r.file.Offset())/float64(r.file.Size))
}

// close closes the trace file.
func (r *replay) close() error { return r.file.Close() }

// clientID numbers a client by its address: the same address is the same
// client, as cookies and sessions see it.
func clientID(a netip.Addr) uint32 {
	b := a.As16()
	return uint32(algorithms.KeyHash(b[:]))
}

// pendingHeap orders waiting requests by arrival, then by the order they
// were read. It sorts small keys and keeps the requests apart, in slots
// reused as they leave: a minute of a busy log is tens of thousands of
// requests, and moving whole ones up and down the heap cost more than
// reading them.
type pendingHeap struct {
	keys  []pendingKey
	slots []pending
	free  []int32
}

type pendingKey struct {
	at, seq int64
	slot    int32
}

func (h *pendingHeap) len() int         { return len(h.keys) }
func (h *pendingHeap) min() *pendingKey { return &h.keys[0] }

func (a *pendingKey) before(b *pendingKey) bool {
	return a.at < b.at || a.at == b.at && a.seq < b.seq
}

func (h *pendingHeap) push(p pending) {
	var slot int32
	if n := len(h.free); n > 0 {
		slot, h.free = h.free[n-1], h.free[:n-1]
		h.slots[slot] = p
	} else {
		slot = int32(len(h.slots))
		h.slots = append(h.slots, p)
	}
	h.keys = append(h.keys, pendingKey{at: p.at, seq: p.seq, slot: slot})
	keys := h.keys
	for i := len(keys) - 1; i > 0; {
		parent := (i - 1) / 2
		if !keys[i].before(&keys[parent]) {
			break
		}
		keys[i], keys[parent] = keys[parent], keys[i]
		i = parent
	}
}

func (h *pendingHeap) pop() pending {
	keys := h.keys
	top := keys[0].slot
	last := len(keys) - 1
	keys[0] = keys[last]
	keys = keys[:last]
	h.keys = keys
	for i := 0; ; {
		small, l := i, 2*i+1
		if l < last && keys[l].before(&keys[small]) {
			small = l
		}
		if r := l + 1; r < last && keys[r].before(&keys[small]) {
			small = r
		}
		if small == i {
			break
		}
		keys[i], keys[small] = keys[small], keys[i]
		i = small
	}
	h.free = append(h.free, top)
	return h.slots[top]
}

// TraceSpan is how long the trace's arrivals last once replayed: from the
// first logged arrival to the last, divided by its speedup. It reads the
// whole trace, once per file: a timeline sizes its windows by it.
func TraceSpan(t *scenarios.Trace) (time.Duration, error) {
	key := spanKey{t.Options(), t.Identity()}
	spans.Lock()
	d, ok := spans.m[key]
	spans.Unlock()
	if !ok {
		var err error
		if d, err = traceSpan(t); err != nil {
			return 0, err
		}
		spans.Lock()
		spans.m[key] = d
		spans.Unlock()
	}
	return time.Duration(float64(d) / t.Speedup), nil
}

type spanKey struct {
	opts accesslog.Options
	file string
}

// spans memoizes traceSpan by file and format.
var spans = struct {
	sync.Mutex
	m map[spanKey]time.Duration
}{m: make(map[spanKey]time.Duration)}

// traceSpan reads t for its span at speedup 1.
func traceSpan(t *scenarios.Trace) (time.Duration, error) {
	f, err := t.Open()
	if err != nil {
		return 0, err
	}
	defer f.Close()
	rd, err := accesslog.NewReader(f, t.Options())
	if err != nil {
		return 0, err
	}
	first, last := int64(math.MaxInt64), int64(math.MinInt64)
	var rec accesslog.Record
	for {
		err := rd.Next(&rec)
		var le *accesslog.LineError
		switch {
		case err == io.EOF:
			if first > last {
				return 0, nil
			}
			return time.Duration(last - first), nil
		case errors.As(err, &le):
			continue
		case err != nil:
			return 0, err
		}
		at := rec.Time
		if rec.Ends {
			at -= int64(rec.Service)
		}
		first, last = min(first, at), max(last, at)
	}
}
