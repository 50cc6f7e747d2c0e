package proxy

import (
	"bufio"
	"cmp"
	"io"
	"net"
	"net/http"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lbsim/lbsim/internal/limittest"
	"github.com/lbsim/lbsim/scenarios"
)

// TestLeakyBucket runs the proxy's limiter through limittest's
// hand-checked steps, which the simulator's passes too, so that the two
// provably agree. The clock is the argument.
func TestLeakyBucket(t *testing.T) {
	limittest.Run(t, func(l scenarios.Limit) limittest.Admit { return newLimiter(l).admit })
}

// TestLimitArithmetic goes beyond the simulator's table: one client at
// 200 requests a second under rate 100 gets exactly every other request
// through (sim's TestRateLimit); a request whose time comes before the
// bucket's (clocks read before the lock) drains nothing; and a bucket
// idle for a year at the highest rate is empty, not overflowed.
func TestLimitArithmetic(t *testing.T) {
	client := netip.MustParseAddr("192.0.2.1")
	l := newLimiter(scenarios.Limit{Per: scenarios.LimitPerClient, Rate: 100})
	var through []int
	for k := range 200 {
		if _, ok := l.admit(client, time.Duration(k)*5*time.Millisecond); ok {
			through = append(through, k)
		}
	}
	if len(through) != 100 || slices.ContainsFunc(through, func(k int) bool { return k%2 == 1 }) {
		t.Errorf("requests %v went through, want the 100 even ones", through)
	}

	l = newLimiter(scenarios.Limit{Per: scenarios.LimitPerClient, Rate: 10, Burst: 2})
	for k, s := range []struct {
		at   time.Duration
		hold time.Duration
	}{{time.Second, 0}, {time.Second - time.Millisecond, 100 * time.Millisecond}, {time.Second + 50*time.Millisecond, 150 * time.Millisecond}} {
		if hold, ok := l.admit(client, s.at); !ok || hold != s.hold {
			t.Errorf("request %d at %v: hold %v, through %v; want %v", k+1, s.at, hold, ok, s.hold)
		}
	}

	l = newLimiter(scenarios.Limit{Per: scenarios.LimitPerAll, Rate: 1e9, Burst: 5, NoDelay: true})
	for k, at := range []time.Duration{0, 0, 0, 365 * 24 * time.Hour, 365 * 24 * time.Hour} {
		if hold, ok := l.admit(client, at); !ok || hold != 0 {
			t.Errorf("request %d at %v: hold %v, through %v; want through at once", k+1, at, hold, ok)
		}
	}
	if b := l.shards[0].buckets[[16]byte{}]; b.excess != 1000 {
		t.Errorf("after a year and two requests, the excess is %d thousandths, want 1000", b.excess)
	}
}

// TestLimitKeys: a limit per client gives each address its own bucket,
// IPv4 and IPv6 alike; a limit for all shares one.
func TestLimitKeys(t *testing.T) {
	a, b, c := netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("192.0.2.2"), netip.MustParseAddr("2001:db8::1")
	for _, tc := range []struct {
		per  string
		want []bool // a, b, c, a again, all at once
	}{
		{scenarios.LimitPerClient, []bool{true, true, true, false}},
		{scenarios.LimitPerAll, []bool{true, false, false, false}},
	} {
		l := newLimiter(scenarios.Limit{Per: tc.per, Rate: 1})
		var got []bool
		for _, client := range []netip.Addr{a, b, c, a} {
			_, ok := l.admit(client, 0)
			got = append(got, ok)
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("per %s: %v went through, want %v", tc.per, got, tc.want)
		}
	}
}

// TestLimitEviction: a full shard forgets the buckets that have drained,
// which no client notices, and when too few have, those seen least
// recently, which then start afresh; a shard never holds more than
// shardBuckets.
func TestLimitEviction(t *testing.T) {
	// Addresses that all fall in shard 0.
	var addrs []netip.Addr
	for i := uint32(0); len(addrs) < shardBuckets+1; i++ {
		a := netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)})
		if shardOf(a.As16()) == 0 {
			addrs = append(addrs, a)
		}
	}
	full, next := addrs[:shardBuckets], addrs[shardBuckets]
	ms := time.Millisecond

	t.Run("drained", func(t *testing.T) {
		l := newLimiter(scenarios.Limit{Per: scenarios.LimitPerClient, Rate: 10})
		for _, a := range full {
			l.admit(a, 0)
		}
		l.admit(full[0], 50*ms) // rejected: its bucket stays
		if _, ok := l.admit(next, 100*ms); !ok || len(l.shards[0].buckets) != 1 {
			t.Fatalf("after a full shard drained, a new client: through %v, %d buckets; want through and 1", ok, len(l.shards[0].buckets))
		}
		// As good as kept: full[0] drained by 100 ms.
		if _, ok := l.admit(full[0], 100*ms); !ok {
			t.Error("a forgotten client that had drained was not let through")
		}
	})
	t.Run("least recently seen", func(t *testing.T) {
		// One request in 1000 s: no bucket drains during the test.
		l := newLimiter(scenarios.Limit{Per: scenarios.LimitPerClient, Rate: 0.001})
		for k, a := range full {
			l.admit(a, time.Duration(k)*ms)
		}
		l.admit(next, time.Second)
		if n := len(l.shards[0].buckets); n != shardBuckets*3/4+1 {
			t.Errorf("%d buckets after the eviction, want %d", n, shardBuckets*3/4+1)
		}
		oldest, newest := full[0], full[len(full)-1]
		if _, ok := l.admit(oldest, time.Second); !ok {
			t.Error("the client seen least recently was not forgotten")
		}
		if _, ok := l.admit(newest, time.Second); ok {
			t.Error("the client seen most recently was forgotten")
		}
	})
}

// TestLimitSharing: many goroutines through one limit at once, for the
// race detector; with rate 1 and burst 99 at one instant, exactly 100
// requests of one client get through, however they interleave.
func TestLimitSharing(t *testing.T) {
	l := newLimiter(scenarios.Limit{Per: scenarios.LimitPerClient, Rate: 1, Burst: 99, NoDelay: true})
	other := netip.MustParseAddr("192.0.2.9")
	var mu sync.Mutex
	through := 0
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 50 {
				if _, ok := l.admit(netip.MustParseAddr("192.0.2.1"), 0); ok {
					mu.Lock()
					through++
					mu.Unlock()
				}
				l.admit(other, 0)
			}
		})
	}
	wg.Wait()
	if through != 100 {
		t.Errorf("%d of 400 requests went through, want 100", through)
	}
}

// limitedConfig is a proxy config over servers with one route, to the
// default pool, limited as limit says, and extra YAML.
func limitedConfig(t *testing.T, limit, extra string, servers ...*testServer) *scenarios.Scenario {
	t.Helper()
	return config(t, "routes:\n  - {pool: default, limit: "+limit+"}\n"+extra, servers...)
}

// TestRateLimited: requests over the limit are answered at once with the
// limit's status, 503 unless it says otherwise, without their bodies
// being read and with their connections kept; the access log records
// them, and /metrics and /stats.json count them.
func TestRateLimited(t *testing.T) {
	for _, tc := range []struct {
		limit string
		code  int
	}{
		{"{rate: 1}", 503},
		{"{rate: 1, status: 429}", 429},
	} {
		t.Run(tc.limit, func(t *testing.T) {
			s := startServer(t, "s", "127.0.0.1:0", 0)
			var access logBuffer
			r := startProxy(t, limitedConfig(t, tc.limit, "", s), Options{AccessLog: access.logger()})
			resps := rawExchange(t, r.Addr().String(),
				"GET /a HTTP/1.1\r\nHost: x\r\n\r\n",
				"POST /b HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello",
				"GET /c HTTP/1.1\r\nHost: x\r\n\r\n")
			for i, want := range []int{200, tc.code, tc.code} {
				if resps[i].StatusCode != want {
					t.Errorf("answer %d: %d, want %d", i, resps[i].StatusCode, want)
				}
			}
			if s.hits.Load() != 1 {
				t.Errorf("the server got %d requests, want 1", s.hits.Load())
			}
			if rec := access.record(t, 1); rec.Path != "/b" || rec.Status != tc.code || rec.Backend != "" || rec.Attempts != 0 || rec.Error != "rate limited" {
				t.Errorf("access record %+v, want /b, %d, no backend, no attempt, rate limited", rec, tc.code)
			}
			if m := adminGet(t, r, "/metrics"); !strings.Contains(m, "\nlbsim_proxy_rate_limited_total 2\n") || !strings.Contains(m, "\nlbsim_proxy_rate_delayed_total 0\n") {
				t.Errorf("/metrics does not count 2 requests rate limited and none held:\n%s", m)
			}
			st, doc := adminJSON(t, r)
			if st.RateLimited != 2 || doc["rate_limited"] == nil || doc["rate_delayed"] == nil {
				t.Errorf("/stats.json: rate_limited %v, rate_delayed %v; want 2 and 0", doc["rate_limited"], doc["rate_delayed"])
			}
		})
	}
}

// sendAtOnce sends n GETs to the proxy at once, each on a connection of
// its own, and returns their statuses and how long each took from the
// moment they were all sent, in order of those times.
func sendAtOnce(t *testing.T, r *running, n int) ([]int, []time.Duration) {
	t.Helper()
	conns := make([]net.Conn, n)
	for i := range conns {
		c, err := net.Dial("tcp", r.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(5 * time.Second))
		conns[i] = c
	}
	type answer struct {
		code int
		took time.Duration
	}
	answers := make([]answer, n)
	var wg sync.WaitGroup
	start := time.Now()
	for i, c := range conns {
		wg.Go(func() {
			io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
			resp, err := http.ReadResponse(bufio.NewReader(c), nil)
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
			answers[i] = answer{resp.StatusCode, time.Since(start)}
		})
	}
	wg.Wait()
	slices.SortFunc(answers, func(a, b answer) int { return cmp.Compare(a.took, b.took) })
	codes, took := make([]int, n), make([]time.Duration, n)
	for i, a := range answers {
		codes[i], took[i] = a.code, a.took
	}
	return codes, took
}

// TestRateLimitBurst: five requests at once into a bucket of burst 3, so
// one is rejected at once. With nodelay the rest go through at once;
// without, they are held until the bucket has drained to them, 200 ms
// apart at rate 5, counted from the first request's arrival; with delay
// 2, the first two excess requests are not held. A timer never fires
// early and the hold counts from the proxy's arrival time, after the
// client sent, so each answer comes no sooner than its share of the
// delay; the upper bound adds 150 ms for the loopback round trip and
// timer and scheduler latency under the race detector on a busy machine,
// which is still less than the 200 ms between two releases, so that a
// request released a turn late fails.
func TestRateLimitBurst(t *testing.T) {
	const slack = 150 * time.Millisecond
	ms := time.Millisecond
	for _, tc := range []struct {
		limit string
		// holds are the admitted requests' delays, in order.
		holds   []time.Duration
		delayed int64
	}{
		{"{rate: 5, burst: 3, nodelay: true}", []time.Duration{0, 0, 0, 0}, 0},
		{"{rate: 5, burst: 3}", []time.Duration{0, 200 * ms, 400 * ms, 600 * ms}, 3},
		{"{rate: 5, burst: 3, delay: 2}", []time.Duration{0, 0, 0, 200 * ms}, 1},
	} {
		t.Run(tc.limit, func(t *testing.T) {
			s := startServer(t, "s", "127.0.0.1:0", 0)
			r := startProxy(t, limitedConfig(t, tc.limit, "", s), Options{})
			codes, took := sendAtOnce(t, r, 5)
			var held []time.Duration
			for i, code := range codes {
				switch {
				case code == 200:
					held = append(held, took[i])
				case code != 503 || took[i] > slack:
					t.Errorf("a %d after %v, want 200, or 503 at once", code, took[i].Round(ms))
				}
			}
			if len(held) != len(tc.holds) {
				t.Fatalf("%d requests went through (%v, %v), want %d", len(held), codes, took, len(tc.holds))
			}
			for i, d := range held {
				if d < tc.holds[i] || d > tc.holds[i]+slack {
					t.Errorf("request %d through after %v, want %v to %v (all: %v)", i+1, d.Round(ms), tc.holds[i], tc.holds[i]+slack, held)
				}
			}
			st := r.Stats()
			if st.RateDelayed != tc.delayed || st.RateLimited != 1 {
				t.Errorf("stats: %d held, %d rejected; want %d and 1", st.RateDelayed, st.RateLimited, tc.delayed)
			}
			// The server answers at once: the time a request was held is
			// the limit's, not the server's latency.
			if lat := st.Servers[0].LatencyMS.Max; lat > float64(slack/ms) {
				t.Errorf("the server's slowest answer took %v ms; the hold was counted as its latency", lat)
			}
		})
	}
}

// TestRateLimitPer: a limit for all clients shares its bucket between
// two client addresses, 127.0.0.1 and 127.0.0.2 (the connections' own
// addresses, whatever X-Forwarded-For says); a limit per client gives
// each its own.
func TestRateLimitPer(t *testing.T) {
	s := startServer(t, "s", "127.0.0.1:0", 0)
	from := func(t *testing.T, r *running, local string) int {
		t.Helper()
		d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(local)}}
		c, err := d.Dial("tcp", r.Addr().String())
		if err != nil {
			t.Skipf("cannot connect from %s: %v", local, err)
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(5 * time.Second))
		io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: 192.0.2.7\r\n\r\n")
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	for _, tc := range []struct {
		per  string
		want []int // from .1, .2, .1, .2
	}{
		{"client", []int{200, 200, 503, 503}},
		{"all", []int{200, 503, 503, 503}},
	} {
		t.Run(tc.per, func(t *testing.T) {
			r := startProxy(t, limitedConfig(t, "{per: "+tc.per+", rate: 1}", "", s), Options{})
			var got []int
			for _, local := range []string{"127.0.0.1", "127.0.0.2", "127.0.0.1", "127.0.0.2"} {
				got = append(got, from(t, r, local))
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("statuses %v, want %v", got, tc.want)
			}
		})
	}
}

// TestRateLimitHeldClientLeaves: a client that closes its connection
// while its request is held ends the request within a client check
// (100 ms): the access log records 499 and the server never sees it.
func TestRateLimitHeldClientLeaves(t *testing.T) {
	s := startServer(t, "s", "127.0.0.1:0", 0)
	var access logBuffer
	r := startProxy(t, limitedConfig(t, "{rate: 1, burst: 5}", "", s), Options{AccessLog: access.logger()})
	r.get(t, "/")
	c, err := net.Dial("tcp", r.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(c, "GET /held HTTP/1.1\r\nHost: x\r\n\r\n")
	time.Sleep(50 * time.Millisecond)
	c.Close()
	left := time.Now()
	waitFor(t, 2*time.Second, "the held request's access record", func() bool { return strings.Contains(access.String(), `"/held"`) })
	if d := time.Since(left); d > 500*time.Millisecond {
		t.Errorf("the held request ended %v after its client left, want within a client check", d)
	}
	if !strings.Contains(access.String(), `"status":499`) {
		t.Errorf("access log %s, want the held request with status 499", access.String())
	}
	time.Sleep(time.Second)
	if s.hits.Load() != 1 {
		t.Errorf("the server got %d requests, want 1: the held one was not sent", s.hits.Load())
	}
}

// TestRateLimitHeldBody: a held request's body is read after the hold,
// and reaches the server whole.
func TestRateLimitHeldBody(t *testing.T) {
	echo := serveHTTP(t, "echo", func(w http.ResponseWriter, r *http.Request) { io.Copy(w, r.Body) })
	r := startProxy(t, limitedConfig(t, "{rate: 10, burst: 1}", "", echo), Options{})
	resps := rawExchange(t, r.Addr().String(),
		"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nfirst",
		"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nsecond\r\n0\r\n\r\n")
	for i, want := range []string{"first", "second"} {
		if got := bodyOf(resps[i]); resps[i].StatusCode != 200 || got != want {
			t.Errorf("request %d: %d %q, want 200 %q", i+1, resps[i].StatusCode, got, want)
		}
	}
	if n := r.Stats().RateDelayed; n != 1 {
		t.Errorf("%d requests held, want 1", n)
	}
}

// TestRateLimitDrain: a drain answers at once, 503, a held request whose
// hold would end after the grace period, and lets one whose hold ends
// within it go on to its server.
func TestRateLimitDrain(t *testing.T) {
	for _, tc := range []struct {
		limit string
		code  int
		err   string // in the held request's access record
	}{
		{"{rate: 1, burst: 1}", 503, `"error":"rate limited: held past the drain's grace period"`}, // held 1 s, grace 300 ms
		{"{rate: 10, burst: 1}", 200, `"backend":"s"`},                                             // held 100 ms
	} {
		t.Run(tc.limit, func(t *testing.T) {
			s := startServer(t, "s", "127.0.0.1:0", 0)
			var access logBuffer
			r := startProxy(t, limitedConfig(t, tc.limit, "timeouts: {grace: 300ms}\n", s), Options{AccessLog: access.logger()})
			r.get(t, "/")
			c, err := net.Dial("tcp", r.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			c.SetDeadline(time.Now().Add(5 * time.Second))
			io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
			waitFor(t, time.Second, "the request to be held", func() bool { return r.Stats().RateDelayed == 1 })
			d, err := r.drain()
			if err != nil || d > 250*time.Millisecond {
				t.Errorf("drain took %v and returned %v, want nil well within the grace period", d, err)
			}
			resp, err := http.ReadResponse(bufio.NewReader(c), nil)
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != tc.code {
				t.Errorf("the held request got %d, want %d", resp.StatusCode, tc.code)
			}
			if held := strings.Split(strings.TrimSpace(access.String()), "\n")[1]; !strings.Contains(held, tc.err) {
				t.Errorf("the held request's access record %s, want %s", held, tc.err)
			}
		})
	}
}

// TestReloadLimits: a route's buckets survive a reload that keeps its
// index and limit, and start afresh when either changes.
func TestReloadLimits(t *testing.T) {
	s := startServer(t, "s", "127.0.0.1:0", 0)
	r := startProxy(t, limitedConfig(t, "{rate: 0.5}", "", s), Options{})
	if code, _ := r.get(t, "/"); code != 200 {
		t.Fatalf("first request: %d", code)
	}
	for _, step := range []struct {
		routes string
		code   int // the next request's
	}{
		{"routes:\n  - {pool: default, limit: {rate: 0.5}}\n", 503},
		{"routes:\n  - {pool: default, limit: {rate: 0.4}}\n", 200},
		{"routes:\n  - {pool: default, limit: {rate: 0.4}}\n  - {path: /x, pool: default}\n", 503},
		{"routes:\n  - {path: /x, pool: default}\n  - {pool: default, limit: {rate: 0.4}}\n", 200},
	} {
		next := config(t, step.routes, s)
		next.Listen = r.state.Load().cfg.Listen
		if err := r.Reload(next); err != nil {
			t.Fatal(err)
		}
		if code, _ := r.get(t, "/"); code != step.code {
			t.Errorf("after reloading with %q: %d, want %d", step.routes, code, step.code)
		}
	}
}
