package live

import (
	"bufio"
	"container/list"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/lbsim/lbsim/results"
	"github.com/lbsim/lbsim/scenarios"
	"github.com/lbsim/lbsim/workloads"
)

// arrival is one request as the load generator sends it.
type arrival struct {
	// at is when it is due, from the run's start, sped up.
	at time.Duration
	// demand is its service demand as the simulator draws it (not sped
	// up: the emulated server divides it).
	demand   time.Duration
	class    int
	client   netip.Addr
	clientID uint32
	key      int32
	measured bool
}

// schedule yields the arrivals sim.Run sees for the scenario, from the
// same generator and seed, ending where the simulator ends them (see
// sim's engine.finished), with their times divided by the speedup.
type schedule struct {
	gen      *workloads.Generator
	requests int64
	duration time.Duration
	warmup   time.Duration
	speedup  float64
	n        int64
	r        workloads.Request
}

func newSchedule(sc *scenarios.Scenario, speedup float64) (*schedule, error) {
	gen, err := workloads.New(&sc.Workload, sc.Seed)
	if err != nil {
		return nil, err
	}
	return &schedule{gen: gen, requests: sc.Requests, duration: sc.Duration.D(), warmup: sc.Warmup.D(), speedup: speedup}, nil
}

// next fills a with the next arrival, or reports false after the last.
func (s *schedule) next(a *arrival) bool {
	s.gen.Next(&s.r)
	r := &s.r
	switch {
	case r.Arrival == workloads.Never:
		return false
	case s.duration > 0 && r.Arrival >= s.duration:
		return false
	case s.duration == 0 && s.requests > 0 && s.n >= s.requests:
		return false
	}
	s.n++
	*a = arrival{
		at: s.scaled(r.Arrival), demand: r.Demand, class: r.Class, client: r.Client,
		clientID: r.ClientID, key: r.Key, measured: r.Arrival >= s.warmup,
	}
	return true
}

func (s *schedule) scaled(d time.Duration) time.Duration {
	return time.Duration(float64(d) / s.speedup)
}

// sources maps the workload's client addresses one to one onto loopback
// addresses, 127.0.0.1, 127.0.0.2, ... in the order clients are first
// seen, so that the proxy sees as many distinct clients, sending the same
// requests, as the simulator's balancer does.
type sources struct {
	mu sync.Mutex
	m  map[netip.Addr]netip.Addr
}

// maxSources is how many clients 127.0.0.0/8 holds, 127.0.0.0 and
// 127.255.255.255 aside.
const maxSources = 1<<24 - 2

// of returns the loopback address of client, and false once 127.0.0.0/8
// has no address left for a new client.
func (s *sources) of(client netip.Addr) (netip.Addr, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if a, ok := s.m[client]; ok {
		return a, true
	}
	if s.m == nil {
		s.m = make(map[netip.Addr]netip.Addr)
	}
	n := len(s.m) + 1
	if n > maxSources {
		return netip.Addr{}, false
	}
	a := netip.AddrFrom4([4]byte{127, byte(n >> 16), byte(n >> 8), byte(n)})
	s.m[client] = a
	return a, true
}

// conns keeps keep-alive connections to the proxy per source address,
// for the most recently used maxOpen addresses, up to maxIdle idle ones
// each. An address evicted has its idle connections closed; its busy ones
// close when their request ends.
type conns struct {
	target  string
	mu      sync.Mutex
	maxOpen int
	idle    time.Duration
	byAddr  map[netip.Addr]*list.Element
	lru     list.List // of *sourceConns, most recent first
}

// maxIdle is how many idle connections a source address keeps.
const maxIdle = 4

type sourceConns struct {
	addr netip.Addr
	idle []*conn // most recently used last
}

// conn is one connection to the proxy.
type conn struct {
	net.Conn
	br *bufio.Reader
	// idleSince is when it last went idle; reused tells a connection
	// that served a request before from a new one.
	idleSince time.Time
	reused    bool
}

func newConns(target string, maxOpen int, idle time.Duration) *conns {
	return &conns{target: target, maxOpen: maxOpen, idle: idle, byAddr: make(map[netip.Addr]*list.Element)}
}

// get returns an idle connection from src to the proxy, or a new one.
func (c *conns) get(ctx context.Context, src netip.Addr) (*conn, error) {
	c.mu.Lock()
	var stale []*conn
	var cn *conn
	if e, ok := c.byAddr[src]; ok {
		c.lru.MoveToFront(e)
		sc := e.Value.(*sourceConns)
		for len(sc.idle) > 0 && cn == nil {
			last := sc.idle[len(sc.idle)-1]
			sc.idle = sc.idle[:len(sc.idle)-1]
			if time.Since(last.idleSince) < c.idle {
				cn = last
			} else {
				stale = append(stale, last)
			}
		}
	} else {
		c.byAddr[src] = c.lru.PushFront(&sourceConns{addr: src})
		if c.lru.Len() > c.maxOpen {
			last := c.lru.Back()
			c.lru.Remove(last)
			old := last.Value.(*sourceConns)
			delete(c.byAddr, old.addr)
			stale = append(stale, old.idle...)
		}
	}
	c.mu.Unlock()
	for _, s := range stale {
		s.Close()
	}
	if cn != nil {
		return cn, nil
	}
	return c.dial(ctx, src)
}

func (c *conns) dial(ctx context.Context, src netip.Addr) (*conn, error) {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: src.AsSlice()}, Timeout: 10 * time.Second}
	nc, err := d.DialContext(ctx, "tcp", c.target)
	if err != nil {
		return nil, err
	}
	return &conn{Conn: nc, br: bufio.NewReaderSize(nc, 1024)}, nil
}

// put gives back a connection that served a request and may serve
// another.
func (c *conns) put(src netip.Addr, cn *conn) {
	c.mu.Lock()
	e, ok := c.byAddr[src]
	if ok {
		sc := e.Value.(*sourceConns)
		if len(sc.idle) < maxIdle {
			cn.idleSince, cn.reused = time.Now(), true
			sc.idle = append(sc.idle, cn)
			c.mu.Unlock()
			return
		}
	}
	c.mu.Unlock()
	cn.Close()
}

// closeAll closes every idle connection.
func (c *conns) closeAll() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for e := c.lru.Front(); e != nil; e = e.Next() {
		sc := e.Value.(*sourceConns)
		for _, cn := range sc.idle {
			cn.Close()
		}
		sc.idle = nil
	}
}

// generator sends a schedule's requests to the proxy, each at its time,
// whatever became of the ones before (an open loop), and measures each
// from its scheduled time to the end of its response.
type generator struct {
	target  string // the proxy's host:port
	speedup float64
	paths   []string // each class's request path
	// classNames names the classes of the requests sent so far: the
	// workload's, then those a trace's class column named.
	classNames func() []string
	cookie     string // the sticky cookie's name, "" for none
	// limitStatus lists the statuses route limits answer other than 503.
	limitStatus []int
	sources     sources
	conns       *conns
	// preconnect is how long before a request's time its connection is
	// taken or opened.
	preconnect time.Duration
	// jar holds each client's sticky cookie, by client id.
	jarMu sync.Mutex
	jar   map[uint32]string

	tally *tally
}

// tally is what the generator measured; the caller reads it once the run
// is over.
type tally struct {
	mu        sync.Mutex
	windowEnd time.Duration
	sent      int64
	done      int64
	classes   []*results.Histogram
	completed int64
	inWindow  int64
	failed    int64
	rejected  int64
	causes    map[string]int64
	// proxy503 counts the measured requests the proxy itself answered
	// 503: no usable server, or a route's limit.
	proxy503 int64
	// byServer holds the latency of the requests each server completed.
	byServer map[string]*results.Sketch
	// late records how late each request was sent against its schedule.
	late *results.Histogram
}

func newTally(classes int) *tally {
	t := &tally{causes: make(map[string]int64), byServer: make(map[string]*results.Sketch), late: results.NewHistogram(), windowEnd: 1<<63 - 1}
	for range classes {
		t.classes = append(t.classes, results.NewHistogram())
	}
	return t
}

// run sends the schedule's arrivals from start on until the schedule
// ends or ctx is done, calls windowEnd with the offset of the
// measurement window's end once the last is sent, and returns when every
// request sent has its answer. Each request gets its connection
// preconnect ahead of its time, so that it leaves on time on a connection
// that is there, as a client's request reaches a balancer that has its
// connection open: the simulator does not model connecting.
func (g *generator) run(ctx context.Context, s *schedule, start time.Time, windowEnd func(time.Duration)) {
	var wg sync.WaitGroup
	var a arrival
	var last time.Duration
	ended := true
	for s.next(&a) {
		if !waitUntil(start.Add(a.at-g.preconnect), ctx.Done()) {
			ended = false
			break
		}
		g.tally.mu.Lock()
		g.tally.sent++
		g.tally.mu.Unlock()
		last = a.at
		wg.Add(1)
		go func(a arrival) {
			defer wg.Done()
			g.send(ctx, a, start)
		}(a)
	}
	end := last
	if s.duration > 0 && ended {
		end = s.scaled(s.duration)
	}
	g.tally.mu.Lock()
	g.tally.windowEnd = end
	g.tally.mu.Unlock()
	windowEnd(end)
	wg.Wait()
	g.conns.closeAll()
}

// path is the request path of a: its class's path, with its key, if it
// has one, as the last segment, so that the proxy's key hashing sees one
// key per simulated key.
func (g *generator) path(a *arrival) string {
	p := "/" // a class a trace's class column named, which has no path
	if a.class < len(g.paths) {
		p = g.paths[a.class]
	}
	if a.key < 0 {
		return p
	}
	if !strings.HasSuffix(p, "/") {
		p += "/"
	}
	return p + "k" + strconv.Itoa(int(a.key))
}

// send sends one request at its time and records its outcome.
func (g *generator) send(ctx context.Context, a arrival, start time.Time) {
	src, ok := g.sources.of(a.client)
	if !ok {
		g.record(&a, "", "reset", 0)
		return
	}
	cn, err := g.conns.get(ctx, src)
	if !waitUntil(start.Add(a.at), ctx.Done()) {
		if cn != nil {
			cn.Close()
		}
		return
	}
	late := time.Since(start) - a.at
	g.tally.mu.Lock()
	g.tally.late.Record(late)
	g.tally.mu.Unlock()
	req := g.request(&a)
	var resp *http.Response
	if err == nil {
		resp, err = g.exchange(ctx, cn, req)
		if err != nil && cn.reused && ctx.Err() == nil && stale(err) {
			// The proxy closed the idle connection as the request left:
			// once more on a new one, as net/http does.
			cn.Close()
			if cn, err = g.conns.dial(ctx, src); err == nil {
				resp, err = g.exchange(ctx, cn, req)
			}
		}
	}
	if err != nil {
		if cn != nil {
			cn.Close()
		}
		if ctx.Err() == nil {
			g.record(&a, "", "reset", 0)
		}
		return
	}
	end := time.Since(start)
	if resp.Close {
		cn.Close()
	} else {
		g.conns.put(src, cn)
	}
	if g.cookie != "" {
		for _, c := range resp.Cookies() {
			if c.Name == g.cookie {
				g.jarMu.Lock()
				g.jar[a.clientID] = c.Value
				g.jarMu.Unlock()
			}
		}
	}
	server := resp.Header.Get(headerServer)
	switch outcome := resp.Header.Get(headerOutcome); {
	case resp.StatusCode < 400:
		g.record(&a, server, "", end)
	case outcome != "":
		g.record(&a, server, outcome, end)
	case resp.StatusCode == http.StatusGatewayTimeout:
		g.record(&a, "", "timeout", end)
	case resp.StatusCode == http.StatusServiceUnavailable:
		g.record(&a, "", "proxy503", end)
	case containsInt(g.limitStatus, resp.StatusCode):
		g.record(&a, "", "rate_limited", end)
	default:
		// 502: the proxy's last attempt found no server or lost it; the
		// proxy's access log tells which (see accessTally).
		g.record(&a, "", "proxy502", end)
	}
}

// stale reports whether err is what a request gets on a connection the
// proxy had closed before it came: nothing read back.
func stale(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}

// request is a's HTTP/1.1 request head.
func (g *generator) request(a *arrival) []byte {
	b := make([]byte, 0, 160)
	b = append(b, "GET "...)
	b = append(b, g.path(a)...)
	b = append(b, " HTTP/1.1\r\nHost: "...)
	b = append(b, g.target...)
	b = append(b, "\r\n"+HeaderDemand+": "...)
	b = strconv.AppendInt(b, int64(a.demand), 10)
	b = append(b, "\r\n"...)
	if a.measured {
		b = append(b, headerMeasured+": 1\r\n"...)
	}
	if g.cookie != "" {
		g.jarMu.Lock()
		v := g.jar[a.clientID]
		g.jarMu.Unlock()
		if v != "" {
			b = append(b, "Cookie: "...)
			b = append(b, (&http.Cookie{Name: g.cookie, Value: v}).String()...)
			b = append(b, "\r\n"...)
		}
	}
	return append(b, "\r\n"...)
}

// exchange sends req on cn and reads the response to its end; when ctx
// ends, the connection is cut.
func (g *generator) exchange(ctx context.Context, cn *conn, req []byte) (*http.Response, error) {
	stop := context.AfterFunc(ctx, func() { cn.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	if _, err := cn.Write(req); err != nil {
		return nil, err
	}
	resp, err := http.ReadResponse(cn.br, nil)
	if err != nil {
		return nil, err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp, err
}

func containsInt(xs []int, x int) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

// record counts a request that ended at end (an offset from the run's
// start) with the cause of its failure, "" for success.
func (g *generator) record(a *arrival, server, cause string, end time.Duration) {
	t := g.tally
	t.mu.Lock()
	defer t.mu.Unlock()
	t.done++
	if !a.measured {
		return
	}
	switch cause {
	case "":
		lat := time.Duration(float64(end-a.at) * g.speedup)
		for a.class >= len(t.classes) { // a class a trace named since the start
			t.classes = append(t.classes, results.NewHistogram())
		}
		t.classes[a.class].Record(lat)
		t.completed++
		if end <= t.windowEnd {
			t.inWindow++
		}
		sl := t.byServer[server]
		if sl == nil {
			sl = new(results.Sketch)
			t.byServer[server] = sl
		}
		sl.Record(lat)
	case "queue_full", "rate_limited":
		t.rejected++
		t.causes[cause]++
	case "proxy503":
		t.rejected++
		t.proxy503++
	case "proxy502":
		t.failed++
	default:
		t.failed++
		t.causes[cause]++
	}
}
