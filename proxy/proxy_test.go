package proxy

import (
	"bufio"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lbsim/lbsim/algorithms"
	"github.com/lbsim/lbsim/scenarios"
)

// TestSameDecisionsAsSimulator sends requests one after another through
// the real proxy and replays the same sequence on a fresh balancer of the
// same policy and seed, as the simulator would drive it: the proxy must
// choose the same server every time. The policies that learn from
// measured latencies (least_response_time, peak_ewma, prequal), which
// differ run to run, are only checked to use every server.
func TestSameDecisionsAsSimulator(t *testing.T) {
	learns := func(name string) bool {
		return name == "least_response_time" || name == "peak_ewma" || name == "prequal"
	}
	const requests, seed = 30, 7
	for _, name := range algorithms.Names() {
		t.Run(name, func(t *testing.T) {
			servers := []*testServer{
				startServer(t, "a", "127.0.0.1:0", 0),
				startServer(t, "b", "127.0.0.1:0", 0),
				startServer(t, "c", "127.0.0.1:0", 0),
			}
			cfg := config(t, "algorithm: "+name+"\n", servers...)
			// Weights 5:3:2, so weighted policies show them.
			for i, w := range []int{5, 3, 2} {
				cfg.Servers[i].Weight = w
			}
			r := startProxy(t, cfg, Options{Seed: seed})

			ref, err := algorithms.New(name, algorithms.Options{Seed: seed})
			if err != nil {
				t.Fatal(err)
			}
			var bes []*algorithms.Backend
			for i, s := range cfg.ExpandServers() {
				bes = append(bes, algorithms.NewBackend(i, s.Name, s.Weight))
			}
			ref.Update(bes)
			client := algorithms.Request{Client: netip.MustParseAddr("127.0.0.1")}

			counts := map[string]int{}
			for i := range requests {
				status, got := r.get(t, "/")
				if status != http.StatusOK {
					t.Fatalf("request %d: status %d", i, status)
				}
				counts[got]++
				if learns(name) {
					continue
				}
				want, err := ref.Pick(&client)
				if err != nil {
					t.Fatal(err)
				}
				want.Begin()
				want.End()
				ref.Done(want, algorithms.Outcome{Latency: time.Millisecond})
				if got != want.Name {
					t.Fatalf("request %d went to %s, the simulator's balancer chose %s", i, got, want.Name)
				}
			}
			if learns(name) && len(counts) != 3 {
				t.Errorf("%s used %v, want every server tried", name, counts)
			}
			if name == "weighted_round_robin" && (counts["a"] != 15 || counts["b"] != 9 || counts["c"] != 6) {
				t.Errorf("weighted_round_robin split %v, want 15/9/6 for weights 5:3:2", counts)
			}
		})
	}
}

// TestKilledServer kills one of four servers under load: retries and
// passive checks hide it from clients, active checks mark it down, and it
// comes back after rise good checks once it listens again.
func TestKilledServer(t *testing.T) {
	servers := []*testServer{
		startServer(t, "a", "127.0.0.1:0", time.Millisecond),
		startServer(t, "b", "127.0.0.1:0", time.Millisecond),
		startServer(t, "c", "127.0.0.1:0", time.Millisecond),
		startServer(t, "d", "127.0.0.1:0", time.Millisecond),
	}
	cfg := config(t, `algorithm: round_robin
retries: {count: 2, on: [connect, error]}
passive: {max_fails: 1, fail_timeout: 10s}
health_check: {path: /health, interval: 100ms, timeout: 50ms, fall: 2, rise: 3}
`, servers...)
	r := startProxy(t, cfg, Options{})

	stop := make(chan struct{})
	ok, bad, wait := r.load(8, stop)
	time.Sleep(200 * time.Millisecond)
	killed := time.Now()
	servers[1].kill()
	waitFor(t, 2*time.Second, "active checks to mark b down", func() bool { return r.server(t, "b").State == "down" })
	detected := time.Since(killed)
	time.Sleep(200 * time.Millisecond)
	close(stop)
	wait()
	if bad.Load() != 0 || ok.Load() == 0 {
		t.Errorf("%d requests failed, %d succeeded; want no failure visible to clients", bad.Load(), ok.Load())
	}
	// fall 2 at 100 ms intervals: down after 2 failed checks, so within
	// about 200 ms plus a check timeout; the bound leaves room for a slow,
	// race-instrumented machine.
	if detected > time.Second {
		t.Errorf("b marked down %s after the kill, want within about 250ms", detected)
	}

	// Bring b back on the same address: rise 3 checks at 100 ms.
	back := startServer(t, "b", servers[1].addr, 0)
	waitFor(t, 2*time.Second, "b to come back", func() bool { return r.server(t, "b").State == "up" })
	for range 8 {
		r.get(t, "/")
	}
	if back.hits.Load() == 0 {
		t.Error("b is up again but got no requests")
	}
}

// TestDrain stops the proxy while requests are in flight: every one of
// them completes, and Serve returns nil.
func TestDrain(t *testing.T) {
	s := startServer(t, "slow", "127.0.0.1:0", 300*time.Millisecond)
	r := startProxy(t, config(t, "timeouts: {grace: 5s}\n", s), Options{})
	url := r.url("/")

	var wg sync.WaitGroup
	codes := make(chan int, 20)
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := http.Get(url)
			if err != nil {
				codes <- 0
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			codes <- resp.StatusCode
		}()
	}
	waitFor(t, 2*time.Second, "20 requests in flight", func() bool { return s.hits.Load() == 20 })
	if _, err := r.drain(); err != nil {
		t.Errorf("Serve after drain: %v", err)
	}
	wg.Wait()
	close(codes)
	for c := range codes {
		if c != http.StatusOK {
			t.Errorf("a request in flight during the drain got %d, want 200", c)
		}
	}
	if _, err := net.DialTimeout("tcp", r.Addr().String(), time.Second); err == nil {
		t.Error("the proxy still accepts connections after draining")
	}
}

// TestSlowloris checks that a client that sends its headers too slowly is
// cut off by timeouts.header.
func TestSlowloris(t *testing.T) {
	s := startServer(t, "a", "127.0.0.1:0", 0)
	r := startProxy(t, config(t, "timeouts: {header: 200ms}\n", s), Options{})
	c, err := net.Dial("tcp", r.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	start := time.Now()
	io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n")
	// Trickle a header line at a time, never finishing.
	go func() {
		for i := 0; i < 50; i++ {
			time.Sleep(50 * time.Millisecond)
			if _, err := io.WriteString(c, "X-Slow: 1\r\n"); err != nil {
				return
			}
		}
	}()
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	io.Copy(io.Discard, c) // returns when the proxy closes the connection
	if d := time.Since(start); d < 150*time.Millisecond || d > 2*time.Second {
		t.Errorf("connection closed after %s, want about the 200ms header timeout", d)
	}
	if s.hits.Load() != 0 {
		t.Error("the incomplete request reached the server")
	}
}

// TestNotAnOpenProxy tries to make the proxy fetch from an address that is
// not one of its servers.
func TestNotAnOpenProxy(t *testing.T) {
	s := startServer(t, "app", "127.0.0.1:0", 0)
	victim := startServer(t, "victim", "127.0.0.1:0", 0)
	t.Setenv("HTTP_PROXY", victim.url())
	r := startProxy(t, config(t, "", s), Options{})

	raw := func(request string) string {
		c, err := net.Dial("tcp", r.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		io.WriteString(c, request)
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		return resp.Status + " " + string(body)
	}
	for _, tc := range []struct{ name, request, want string }{
		{"absolute-form URI", "GET http://" + victim.addr + "/ HTTP/1.1\r\nHost: " + victim.addr + "\r\nConnection: close\r\n\r\n", "200 OK app"},
		{"foreign Host", "GET / HTTP/1.1\r\nHost: " + victim.addr + "\r\nConnection: close\r\n\r\n", "200 OK app"},
		{"CONNECT", "CONNECT " + victim.addr + " HTTP/1.1\r\nHost: " + victim.addr + "\r\n\r\n", "405 Method Not Allowed"},
		{"opaque URI", "GET mailto:x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", "400 Bad Request"},
	} {
		if got := raw(tc.request); !strings.HasPrefix(got, tc.want) {
			t.Errorf("%s: got %q, want %q", tc.name, got, tc.want)
		}
	}
	if n := victim.hits.Load(); n != 0 {
		t.Errorf("the victim got %d requests through the proxy", n)
	}
}

// TestForwardedHeaders checks what the server sees: the client's Host,
// X-Forwarded-For from the connection (not the client's claim),
// X-Forwarded-Proto, and no hop-by-hop headers.
func TestForwardedHeaders(t *testing.T) {
	seen := make(chan http.Header, 1)
	hosts := make(chan string, 1)
	app := serveHTTP(t, "app", func(w http.ResponseWriter, r *http.Request) {
		seen <- r.Header.Clone()
		hosts <- r.Host
	})
	r := startProxy(t, config(t, "", app), Options{})

	req, _ := http.NewRequest("GET", r.url("/x"), nil)
	req.Host = "shop.example"
	req.Header.Set("X-Forwarded-For", "6.6.6.6")
	req.Header.Set("Connection", "X-Private")
	req.Header.Set("X-Private", "secret")
	req.Header.Set("Proxy-Authorization", "Basic Zm9vOmJhcg==")
	req.Header.Set("Expect", "100-continue")
	req.Body = io.NopCloser(strings.NewReader("body"))
	req.ContentLength = 4
	resp, err := r.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	h, host := <-seen, <-hosts
	for _, c := range []struct{ key, want string }{
		{"X-Forwarded-For", "127.0.0.1"},
		{"X-Forwarded-Proto", "http"},
		{"X-Forwarded-Host", "shop.example"},
		{"X-Private", ""},
		{"Proxy-Authorization", ""},
		{"Expect", ""},
	} {
		if got := h.Get(c.key); got != c.want {
			t.Errorf("%s = %q, want %q", c.key, got, c.want)
		}
	}
	if host != "shop.example" {
		t.Errorf("Host = %q, want the client's shop.example", host)
	}
}

// TestWebSocket passes an upgraded connection through and echoes over it.
func TestWebSocket(t *testing.T) {
	ws := wsEcho(t, "ws")
	var access logBuffer
	r := startProxy(t, config(t, "passive: {}\n", ws), Options{AccessLog: access.logger()})

	c, br := openWebSocket(t, r.Addr().String())
	defer c.Close()
	ping(t, c, br)
	// The client hanging up is the session's normal end: the server is
	// not in flight any more, and nothing counts against it.
	c.Close()
	waitFor(t, 2*time.Second, "the session to end", func() bool { return r.server(t, "ws").InFlight == 0 })
	if s := r.server(t, "ws"); s.Failures != 0 || s.State != "up" {
		t.Errorf("after the client closed: %+v, want no failure and up", s)
	}
	waitFor(t, time.Second, "the access record", func() bool { return strings.Contains(access.String(), `"status":101`) })
}

// TestUpgradeMismatch refuses a server that switches to a protocol the
// client did not ask for, without leaking the request in flight.
func TestUpgradeMismatch(t *testing.T) {
	odd := serveHTTP(t, "odd", func(w http.ResponseWriter, r *http.Request) {
		c, _, err := http.NewResponseController(w).Hijack()
		if err != nil {
			return
		}
		defer c.Close()
		io.WriteString(c, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\nConnection: Upgrade\r\n\r\n")
	})
	r := startProxy(t, config(t, "", odd), Options{})
	req, _ := http.NewRequest("GET", r.url("/"), nil)
	req.Header.Set("Connection", "Upgrade")
	req.Header.Set("Upgrade", "websocket")
	resp, err := r.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadGateway {
		t.Errorf("status %d, want 502", resp.StatusCode)
	}
	waitFor(t, time.Second, "no request in flight", func() bool { return r.server(t, "odd").InFlight == 0 })
}

// TestSticky pins a client to the server of its cookie, and moves it when
// that server is ejected.
func TestSticky(t *testing.T) {
	a := startServer(t, "a", "127.0.0.1:0", 0)
	b := startServer(t, "b", "127.0.0.1:0", 0)
	r := startProxy(t, config(t, "sticky: {cookie: srv}\nretries: {count: 1}\npassive: {max_fails: 1, fail_timeout: 10s}\n", a, b), Options{})

	fetch := func(cookie *http.Cookie) (string, *http.Cookie) {
		req, _ := http.NewRequest("GET", r.url("/"), nil)
		if cookie != nil {
			req.AddCookie(cookie)
		}
		resp, err := r.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		var set *http.Cookie
		for _, c := range resp.Cookies() {
			if c.Name == "srv" {
				set = c
			}
		}
		return string(body), set
	}
	first, cookie := fetch(nil)
	if cookie == nil {
		t.Fatal("the first response set no sticky cookie")
	}
	if addr := map[string]*testServer{"a": a, "b": b}[first].addr; cookie.Value == first || strings.Contains(cookie.Value, addr) {
		t.Errorf("cookie value %q reveals the server", cookie.Value)
	}
	for i := range 6 {
		got, set := fetch(cookie)
		if got != first || set != nil {
			t.Fatalf("request %d with the cookie went to %s (set cookie %v), want %s and no new cookie", i, got, set, first)
		}
	}
	map[string]*testServer{"a": a, "b": b}[first].kill()
	got, set := fetch(cookie)
	if got == first || set == nil || set.Value == cookie.Value {
		t.Errorf("after %s died: went to %s with cookie %v, want the other server and a new cookie", first, got, set)
	}
}

// TestRetryPolicy checks which failures are retried: a refused connection
// for any method, an error after sending only for idempotent methods.
func TestRetryPolicy(t *testing.T) {
	// reset closes each connection after reading the request.
	reset := serveTCP(t, "reset", func(c net.Conn) { c.Read(make([]byte, 4096)) })
	dead := refusing(t, "dead")
	live := startServer(t, "live", "127.0.0.1:0", 0)

	post := func(r *running) int {
		resp, err := r.client.Post(r.url("/"), "text/plain", strings.NewReader("order=1"))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	// Round robin from the first server: dead (or reset) first, then live.
	r := startProxy(t, config(t, "retries: {count: 1}\n", dead, live), Options{})
	if code := post(r); code != http.StatusOK {
		t.Errorf("POST after a refused connection: %d, want 200 from a retry", code)
	}
	r2 := startProxy(t, config(t, "retries: {count: 1}\n", reset, live), Options{})
	if code := post(r2); code != http.StatusBadGateway {
		t.Errorf("POST after a reset: %d, want 502 (it may have reached the server)", code)
	}
	if code, body := r2.get(t, "/"); code != http.StatusOK || body != "live" {
		t.Errorf("GET: %d %q, want 200 from live", code, body)
	}
	if code, body := r2.get(t, "/"); code != http.StatusOK || body != "live" {
		t.Errorf("GET after a reset: %d %q, want 200 from a retry on live", code, body)
	}
	r3 := startProxy(t, config(t, "", dead, live), Options{})
	if code, _ := r3.get(t, "/"); code != http.StatusBadGateway {
		t.Errorf("GET with retries off: %d, want 502", code)
	}
	// More retries than servers: every server is tried once, and the
	// answer is the last failure (502), not "no server" (503).
	r4 := startProxy(t, config(t, "retries: {count: 5}\n", dead), Options{})
	if code, _ := r4.get(t, "/"); code != http.StatusBadGateway {
		t.Errorf("GET after every server failed: %d, want 502", code)
	}
}

// TestAdmin checks the stats page, its JSON, the metrics and the access log.
func TestAdmin(t *testing.T) {
	a := startServer(t, "a", "127.0.0.1:0", 0)
	var access logBuffer
	r := startProxy(t, config(t, "", a), Options{AccessLog: access.logger()})
	for range 3 {
		r.get(t, "/page?q=1")
	}
	get := func(path string) string { return adminGet(t, r, path) }
	var stats Stats
	if err := json.Unmarshal([]byte(get("/stats.json")), &stats); err != nil {
		t.Fatal(err)
	}
	s := stats.Servers[0]
	if s.Name != "a" || s.State != "up" || s.Requests != 3 || s.InFlight != 0 || s.LatencyMS.P50 <= 0 || stats.Algorithm != "round_robin" {
		t.Errorf("stats %+v", stats)
	}
	if page := get("/stats"); !strings.Contains(page, "<td>a</td>") || !strings.Contains(page, "round_robin") {
		t.Errorf("stats page lacks the server or algorithm:\n%s", page)
	}
	if m := get("/metrics"); !strings.Contains(m, `lbsim_proxy_responses_total{code="2xx",server="a"} 3`) || !strings.Contains(m, `lbsim_proxy_server_up{server="a"} 1`) {
		t.Errorf("metrics lack the server's counters:\n%s", m)
	}

	lines := strings.Split(strings.TrimSpace(access.String()), "\n")
	if len(lines) != 3 {
		t.Fatalf("%d access records, want 3:\n%s", len(lines), access.String())
	}
	var rec map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &rec); err != nil {
		t.Fatal(err)
	}
	for key, want := range map[string]any{"msg": "request", "method": "GET", "path": "/page", "status": 200.0, "backend": "a", "attempts": 1.0} {
		if rec[key] != want {
			t.Errorf("access record %s = %v, want %v", key, rec[key], want)
		}
	}
	for _, key := range []string{"time", "client", "latency_ms", "bytes", "host"} {
		if _, ok := rec[key]; !ok {
			t.Errorf("access record lacks %s: %s", key, lines[0])
		}
	}
}

// TestAdminStaysLocal refuses an admin listener on a public address unless
// asked.
func TestAdminStaysLocal(t *testing.T) {
	a := startServer(t, "a", "127.0.0.1:0", 0)
	cfg := config(t, "", a)
	cfg.Admin = "0.0.0.0:0"
	if _, err := Listen(cfg, Options{}); err == nil || !strings.Contains(err.Error(), "not a loopback address") {
		t.Errorf("Listen with a public admin address: %v, want a refusal", err)
	}
	cfg.Admin = "127.0.0.1:0"
	cfg.Listen = "127.0.0.1:0"
	r := startProxy(t, cfg, Options{AdminPublic: true})
	if r.AdminAddr() == nil {
		t.Error("no admin listener")
	}
}

// TestReload swaps the config while serving: a kept server keeps its
// counters, a new one gets traffic, a removed one none, and a change that
// needs a restart is refused.
func TestReload(t *testing.T) {
	a := startServer(t, "a", "127.0.0.1:0", 0)
	b := startServer(t, "b", "127.0.0.1:0", 0)
	c := startServer(t, "c", "127.0.0.1:0", 0)
	cfg := config(t, "", a, b)
	r := startProxy(t, cfg, Options{})
	for range 4 {
		r.get(t, "/")
	}
	next := config(t, "algorithm: least_connections\n", a, c)
	next.Listen = cfg.Listen
	if err := r.Reload(next); err != nil {
		t.Fatal(err)
	}
	// One request at a time: least connections sees a and c tied each
	// time and picks one at random, so c's share is binomial; 40 requests
	// leave c without any once in 2^40 runs.
	before := b.hits.Load()
	for range 40 {
		r.get(t, "/")
	}
	if b.hits.Load() != before || c.hits.Load() == 0 {
		t.Errorf("after reload b got %d more, c got %d; want 0 and some", b.hits.Load()-before, c.hits.Load())
	}
	if got := r.server(t, "a").Requests; got != a.hits.Load() {
		t.Errorf("a's request count is %d after reload, want all %d it served, before and after", got, a.hits.Load())
	}
	if st := r.Stats(); st.Algorithm != "least_connections" || len(st.Servers) != 2 {
		t.Errorf("stats after reload: %+v", st)
	}
	bad := config(t, "", a)
	bad.Listen = "127.0.0.1:1"
	if err := r.Reload(bad); err == nil {
		t.Error("a reload that changes listen was accepted")
	}
}

// TestTCPMode splices connections to servers chosen in turn.
func TestTCPMode(t *testing.T) {
	echo := func(name string) *testServer {
		return serveTCP(t, name, func(c net.Conn) {
			io.WriteString(c, name+":")
			io.Copy(c, c)
		})
	}
	x, y := echo("x"), echo("y")
	cfg := config(t, "mode: tcp\n", x, y)
	var access logBuffer
	r := startProxy(t, cfg, Options{AccessLog: access.logger()})
	var got []string
	for range 4 {
		c, err := net.Dial("tcp", r.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(c, "hi")
		c.(*net.TCPConn).CloseWrite()
		b, _ := io.ReadAll(c)
		c.Close()
		got = append(got, string(b))
	}
	if strings.Join(got, " ") != "x:hi y:hi x:hi y:hi" {
		t.Errorf("got %q, want alternating echoes", got)
	}
	waitFor(t, time.Second, "4 connection records", func() bool { return strings.Count(access.String(), `"msg":"connection"`) == 4 })
}

// TestReloadDropsChecks reloads without health checks: a server the checks
// had marked down gets traffic again.
func TestReloadDropsChecks(t *testing.T) {
	a := startServer(t, "a", "127.0.0.1:0", 0)
	b := startServer(t, "b", "127.0.0.1:0", 0)
	cfg := config(t, "health_check: {path: /missing, status: 204, interval: 50ms, timeout: 40ms, fall: 1}\n", a, b)
	r := startProxy(t, cfg, Options{})
	waitFor(t, 2*time.Second, "checks to mark a down", func() bool { return r.server(t, "a").State == "down" })
	next := config(t, "", a, b)
	next.Listen = cfg.Listen
	if err := r.Reload(next); err != nil {
		t.Fatal(err)
	}
	if s := r.server(t, "a"); s.State != "up" {
		t.Errorf("a is %s after checks were turned off, want up", s.State)
	}
}

// TestTCPDrainGrace ends a TCP connection whose client has half-closed and
// whose server stays silent: the grace period bounds the drain.
func TestTCPDrainGrace(t *testing.T) {
	mute := serveTCP(t, "mute", func(c net.Conn) { io.Copy(io.Discard, c); time.Sleep(10 * time.Second) })
	r := startProxy(t, config(t, "mode: tcp\ntimeouts: {grace: 200ms, idle: 10s}\n", mute), Options{})
	c, err := net.Dial("tcp", r.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	io.WriteString(c, "hi")
	c.(*net.TCPConn).CloseWrite()
	waitFor(t, time.Second, "the connection in flight", func() bool { return r.Stats().Servers[0].InFlight == 1 })
	r.wantDrainCut(t)
}

// TestTCPIdle checks timeouts.idle in mode tcp: a one-way stream longer
// than the timeout stays open while the server sends, and the connection
// closes once both sides have been silent for the timeout.
func TestTCPIdle(t *testing.T) {
	ticker := serveTCP(t, "ticker", func(c net.Conn) {
		for range 10 {
			io.WriteString(c, ".")
			time.Sleep(50 * time.Millisecond)
		}
		time.Sleep(10 * time.Second) // then silence, connection open
	})
	r := startProxy(t, config(t, "mode: tcp\ntimeouts: {idle: 200ms}\n", ticker), Options{})
	c, err := net.Dial("tcp", r.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	start := time.Now()
	got, err := io.ReadAll(c) // the client never sends
	if string(got) != ".........." || err != nil {
		t.Errorf("got %q, %v; want the whole 500ms stream and a clean close", got, err)
	}
	// 10 ticks take 500 ms, then 200 ms of silence.
	if d := time.Since(start); d < 600*time.Millisecond || d > 2*time.Second {
		t.Errorf("closed after %s, want about 700ms", d)
	}
}

// TestPassiveEjection checks nginx's max_fails within fail_timeout: a
// failing server is ejected, gets no requests while ejected, and is tried
// again when the ejection ends.
func TestPassiveEjection(t *testing.T) {
	var resets atomic.Int64
	flaky := serveTCP(t, "flaky", func(c net.Conn) {
		resets.Add(1)
		c.Read(make([]byte, 4096))
	})
	live := startServer(t, "live", "127.0.0.1:0", 0)
	r := startProxy(t, config(t, "retries: {count: 1}\npassive: {max_fails: 1, fail_timeout: 300ms}\n", flaky, live), Options{})

	if code, body := r.get(t, "/"); code != http.StatusOK || body != "live" {
		t.Fatalf("first request: %d %q, want a retry on live", code, body)
	}
	if s := r.server(t, "flaky"); s.State != "ejected" || s.Failures != 1 {
		t.Fatalf("flaky after one failure: %+v, want ejected with 1 failure", s)
	}
	for range 6 {
		r.get(t, "/")
	}
	if n := resets.Load(); n != 1 {
		t.Errorf("flaky got %d connections while ejected, want only the first", n)
	}
	// The balancer hears of the end a moment after the stats show it.
	waitFor(t, 2*time.Second, "flaky to get a request again", func() bool {
		r.get(t, "/")
		return resets.Load() >= 2
	})
	if d := r.server(t, "flaky").Failures; d != 2 {
		t.Errorf("flaky has %d failures, want 2", d)
	}
}

// TestBackup checks a backup server: no requests while the primary is up,
// all of them once checks mark it down.
func TestBackup(t *testing.T) {
	primary := startServer(t, "primary", "127.0.0.1:0", 0)
	spare := startServer(t, "spare", "127.0.0.1:0", 0)
	cfg := config(t, "health_check: {path: /health, interval: 50ms, timeout: 40ms, fall: 1}\n", primary, spare)
	cfg.Servers[1].Backup = true
	r := startProxy(t, cfg, Options{})
	for range 4 {
		if _, body := r.get(t, "/"); body != "primary" {
			t.Fatalf("answer from %q while the primary is up", body)
		}
	}
	primary.kill()
	waitFor(t, 2*time.Second, "checks to mark the primary down", func() bool { return r.server(t, "primary").State == "down" })
	for range 4 {
		if code, body := r.get(t, "/"); code != http.StatusOK || body != "spare" {
			t.Errorf("%d %q with the primary down, want the spare", code, body)
		}
	}
}

// TestStatsAddress checks that /stats.json shows each server's address as
// the proxy reaches it: a URL in mode http, host:port in mode tcp.
func TestStatsAddress(t *testing.T) {
	s := serveTCP(t, "s", func(c net.Conn) {})
	for _, tc := range []struct{ mode, want string }{
		{"http", "http://" + s.addr},
		{"tcp", s.addr},
	} {
		t.Run(tc.mode, func(t *testing.T) {
			r := startProxy(t, config(t, "mode: "+tc.mode+"\n", s), Options{})
			resp, err := http.Get("http://" + r.AdminAddr().String() + "/stats.json")
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var stats Stats
			if err := json.NewDecoder(resp.Body).Decode(&stats); err != nil {
				t.Fatal(err)
			}
			if got := stats.Servers[0].Address; got != tc.want {
				t.Errorf("address %q, want %q", got, tc.want)
			}
		})
	}
}

// TestTCPRetryConnect checks that mode tcp classes a refused connection as
// connect, as mode http does: retries.on [connect] tries the next server,
// and the failure is counted under cause connect.
func TestTCPRetryConnect(t *testing.T) {
	dead := refusing(t, "dead")
	live := serveTCP(t, "live", func(c net.Conn) { io.WriteString(c, "live") })
	// Round robin from the first server: dead, then live.
	r := startProxy(t, config(t, "mode: tcp\nretries: {count: 1, on: [connect]}\n", dead, live), Options{})
	c, err := net.Dial("tcp", r.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetReadDeadline(time.Now().Add(2 * time.Second))
	if b, _ := io.ReadAll(c); string(b) != "live" {
		t.Errorf("got %q, want live after a retry of the refused connection", b)
	}
	resp, err := http.Get("http://" + r.AdminAddr().String() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	m, _ := io.ReadAll(resp.Body)
	if !strings.Contains(string(m), `lbsim_proxy_failures_total{cause="connect",server="dead"} 1`) {
		t.Errorf("metrics lack a connect failure on dead:\n%s", m)
	}
}

// healthServer starts a server whose /health answers with the status and
// body that answer returns (read on each check), and other paths with its
// name.
func healthServer(t *testing.T, name string, answer func() (int, string)) *testServer {
	var s *testServer
	s = serveHTTP(t, name, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/health" {
			code, body := answer()
			w.WriteHeader(code)
			io.WriteString(w, body)
			return
		}
		s.hits.Add(1)
		io.WriteString(w, name)
	})
	return s
}

// TestDeepHealthCheck checks health_check.max_utilization: a check fails
// when the answer's JSON body reports a utilization above it, and an
// answer without one passes on its status alone.
func TestDeepHealthCheck(t *testing.T) {
	var busy atomic.Value // b's health answer
	busy.Store(`{"utilization": 0.95}`)
	fixed := func(body string) func() (int, string) { return func() (int, string) { return http.StatusOK, body } }
	servers := []*testServer{
		healthServer(t, "calm", fixed(`{"utilization": 0.5, "queue": 3}`)),
		healthServer(t, "busy", func() (int, string) { return http.StatusOK, busy.Load().(string) }),
		healthServer(t, "text", fixed("ok")),
		healthServer(t, "other", fixed(`{"status": "ok"}`)),
		healthServer(t, "failing", func() (int, string) { return http.StatusServiceUnavailable, `{"utilization": 0.1}` }),
	}
	r := startProxy(t, config(t, "health_check: {path: /health, interval: 50ms, timeout: 50ms, fall: 2, rise: 2, max_utilization: 0.9}\n", servers...), Options{})
	waitFor(t, 2*time.Second, "busy to be marked down", func() bool { return r.server(t, "busy").State == "down" })
	waitFor(t, 2*time.Second, "failing to be marked down", func() bool { return r.server(t, "failing").State == "down" })
	time.Sleep(150 * time.Millisecond) // a few more checks
	for _, tc := range []struct{ name, state, check string }{
		{"calm", "up", "status 200, utilization 0.5"},
		{"busy", "down", "status 200, utilization 0.95 above 0.9"},
		{"text", "up", "status 200"},
		{"other", "up", "status 200"},
		{"failing", "down", "status 503"},
	} {
		if s := r.server(t, tc.name); s.State != tc.state || s.LastCheck != tc.check {
			t.Errorf("%s: %s after %q, want %s after %q", tc.name, s.State, s.LastCheck, tc.state, tc.check)
		}
	}
	// At the limit is not above it.
	busy.Store(`{"utilization": 0.9}`)
	waitFor(t, 2*time.Second, "busy to come back at 0.9", func() bool { return r.server(t, "busy").State == "up" })
}

// TestPanicThreshold checks health_check.panic_threshold: while fewer than
// that share of the primary servers pass their checks, requests go to
// every primary, healthy or not (and not to the backup).
func TestPanicThreshold(t *testing.T) {
	for _, tc := range []struct {
		threshold string
		panic     bool
	}{
		{"0", false},    // off, the default
		{"0.25", false}, // 1 healthy of 4 is not fewer than a quarter
		{"0.5", true},
	} {
		t.Run(tc.threshold, func(t *testing.T) {
			ok := func() (int, string) { return http.StatusOK, "" }
			sick := func() (int, string) { return http.StatusServiceUnavailable, "" }
			servers := []*testServer{
				healthServer(t, "a", ok), healthServer(t, "b", sick),
				healthServer(t, "c", sick), healthServer(t, "d", sick),
				healthServer(t, "spare", ok),
			}
			cfg := config(t, "health_check: {path: /health, interval: 50ms, timeout: 50ms, fall: 3, panic_threshold: "+tc.threshold+"}\n", servers...)
			cfg.Servers[4].Backup = true
			r := startProxy(t, cfg, Options{})
			waitFor(t, 2*time.Second, "checks to mark b, c and d down", func() bool {
				return r.server(t, "b").State == "down" && r.server(t, "c").State == "down" && r.server(t, "d").State == "down"
			})
			for range 40 {
				if code, _ := r.get(t, "/"); code != http.StatusOK {
					t.Fatalf("status %d", code)
				}
			}
			want := map[string]int64{"a": 40}
			if tc.panic {
				want = map[string]int64{"a": 10, "b": 10, "c": 10, "d": 10}
			}
			for _, s := range servers {
				if got := s.hits.Load(); got != want[s.name] {
					t.Errorf("%s served %d of 40 requests, want %d", s.name, got, want[s.name])
				}
			}
			if got := r.Stats().Panic; got != tc.panic {
				t.Errorf("stats say panic %v, want %v", got, tc.panic)
			}
		})
	}
}

// TestDefaultDefences: with no retries or passive section, the proxy
// behaves as nginx's default upstream does. One of three servers refuses
// connections: the first request sent to it is retried on another server
// and the server is ejected for 10 s, so no GET of a burst fails, in mode
// http and in mode tcp. With both turned off, a third of them fail.
func TestDefaultDefences(t *testing.T) {
	for _, tcp := range []bool{false, true} {
		t.Run(modeName(tcp), func(t *testing.T) {
			dead := refusing(t, "dead")
			a, b := startServer(t, "a", "127.0.0.1:0", 0), startServer(t, "b", "127.0.0.1:0", 0)
			// One connection a request, so that mode tcp balances each.
			client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
			burst := func(cfg *scenarios.Scenario) (failed int) {
				r := startProxy(t, cfg, Options{})
				for range 30 {
					resp, err := client.Get(r.url("/"))
					if err != nil {
						failed++ // mode tcp closes the connection
						continue
					}
					resp.Body.Close()
					if resp.StatusCode != http.StatusOK {
						failed++
					}
				}
				return failed
			}
			if failed := burst(defaultConfig(t, modeYAML(tcp), dead, a, b)); failed != 0 {
				t.Errorf("defaults: %d of 30 GETs failed, want none", failed)
			}
			if failed := burst(defaultConfig(t, modeYAML(tcp)+"retries: {count: 0}\npassive: {max_fails: 0}\n", dead, a, b)); failed != 10 {
				t.Errorf("retries and passive ejection off: %d of 30 GETs failed, want the 10 sent to the dead server", failed)
			}
		})
	}
}

// TestKeyedHashing: with keys in the config's workload, consistent_hash
// hashes each request's URI, so one URI always reaches one server while
// the URIs spread; without them it hashes the client, one address here,
// so every request reaches one server.
func TestKeyedHashing(t *testing.T) {
	servers := []*testServer{
		startServer(t, "a", "127.0.0.1:0", 0),
		startServer(t, "b", "127.0.0.1:0", 0),
		startServer(t, "c", "127.0.0.1:0", 0),
	}
	keyed := "algorithm: consistent_hash\nworkload: {arrival: {rate: 1}, service: {dist: constant, mean: 10ms}, keys: {count: 100}}\n"
	for _, tt := range []struct {
		name    string
		extra   string
		atLeast int // servers the 40 URIs reach
	}{
		{"keys", keyed, 2},
		{"no keys", "algorithm: consistent_hash\n", 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := startProxy(t, config(t, tt.extra, servers...), Options{Seed: 1})
			reached := map[string]bool{}
			for i := range 40 {
				path := "/object/" + strconv.Itoa(i)
				_, first := r.get(t, path)
				if _, again := r.get(t, path); again != first {
					t.Fatalf("%s went to %s, then to %s", path, first, again)
				}
				reached[first] = true
			}
			if len(reached) < tt.atLeast || tt.atLeast == 1 && len(reached) != 1 {
				t.Errorf("40 URIs reached %v", reached)
			}
		})
	}
}
