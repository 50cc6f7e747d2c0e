package proxy

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lbsim/lbsim/scenarios"
)

// testServer is a real HTTP server on loopback that answers with its name.
type testServer struct {
	name string
	addr string
	hits atomic.Int64
	srv  *http.Server
	// delay is how long each answer takes.
	delay time.Duration
	// pool is the pool config puts the server in; "" names none.
	pool string
}

// startServer starts a named server on addr ("127.0.0.1:0" for any port).
func startServer(t *testing.T, name, addr string, delay time.Duration) *testServer {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	s := &testServer{name: name, addr: ln.Addr().String(), delay: delay}
	s.srv = &http.Server{Handler: http.HandlerFunc(s.serve)}
	go s.srv.Serve(ln)
	t.Cleanup(s.kill)
	return s
}

func (s *testServer) serve(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/health" {
		w.WriteHeader(http.StatusOK)
		return
	}
	s.hits.Add(1)
	if s.delay > 0 {
		time.Sleep(s.delay)
	}
	w.Header().Set("X-Server", s.name)
	io.Copy(io.Discard, r.Body)
	fmt.Fprint(w, s.name)
}

// kill stops the server at once: its listener and every connection close.
func (s *testServer) kill() { s.srv.Close() }

// serveHTTP starts a server on any loopback port with its own handler.
func serveHTTP(t *testing.T, name string, h http.HandlerFunc) *testServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &testServer{name: name, addr: ln.Addr().String(), srv: &http.Server{Handler: h}}
	go s.srv.Serve(ln)
	t.Cleanup(s.kill)
	return s
}

// wsEcho starts a server that accepts a WebSocket upgrade and then echoes
// what it receives.
func wsEcho(t *testing.T, name string) *testServer {
	return serveHTTP(t, name, func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Upgrade") != "websocket" {
			http.Error(w, "upgrade required", http.StatusUpgradeRequired)
			return
		}
		c, brw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			return
		}
		defer c.Close()
		io.WriteString(c, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n")
		io.Copy(c, brw) // echo
	})
}

// openWebSocket upgrades a new connection to addr and checks the 101.
func openWebSocket(t *testing.T, addr string) (net.Conn, *bufio.Reader) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(c, "GET /chat HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n")
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		c.Close()
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusSwitchingProtocols {
		c.Close()
		t.Fatalf("status %d, want 101", resp.StatusCode)
	}
	return c, br
}

// ping sends "ping" over an upgraded connection and expects it back.
func ping(t *testing.T, c net.Conn, br *bufio.Reader) {
	t.Helper()
	io.WriteString(c, "ping")
	buf := make([]byte, 4)
	c.SetReadDeadline(time.Now().Add(2 * time.Second))
	if _, err := io.ReadFull(br, buf); err != nil || string(buf) != "ping" {
		t.Fatalf("echo %q, %v; want ping", buf, err)
	}
}

// serveTCP starts a raw TCP server on any loopback port; handle runs for
// each connection, which is closed when it returns.
func serveTCP(t *testing.T, name string, handle func(net.Conn)) *testServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				handle(c)
			}()
		}
	}()
	return &testServer{name: name, addr: ln.Addr().String()}
}

func (s *testServer) url() string { return "http://" + s.addr }

// inPool puts servers in a pool for config, and returns them.
func inPool(pool string, servers ...*testServer) []*testServer {
	for _, s := range servers {
		s.pool = pool
	}
	return servers
}

// config builds a proxy config over servers, with extra YAML appended;
// the proxy and its admin listener take any free loopback port. The
// defences every config has by default (one retry, ejection after a
// failure) are off unless extra sets them, so that a test sees what the
// mechanism it tests does alone; defaultConfig keeps them.
func config(t testing.TB, extra string, servers ...*testServer) *scenarios.Scenario {
	t.Helper()
	if !strings.Contains("\n"+extra, "\nretries:") {
		extra += "retries: {count: 0}\n"
	}
	if !strings.Contains("\n"+extra, "\npassive:") {
		extra += "passive: {max_fails: 0}\n"
	}
	return defaultConfig(t, extra, servers...)
}

// defaultConfig is config with the defaults left as they are.
func defaultConfig(t testing.TB, extra string, servers ...*testServer) *scenarios.Scenario {
	t.Helper()
	var b strings.Builder
	b.WriteString("name: test\nlisten: 127.0.0.1:0\nadmin: 127.0.0.1:0\nservers:\n")
	tcp := strings.Contains(extra, "mode: tcp")
	for _, s := range servers {
		addr := s.url()
		if tcp {
			addr = s.addr
		}
		if s.pool != "" {
			fmt.Fprintf(&b, "  - {name: %s, address: %q, pool: %s}\n", s.name, addr, s.pool)
			continue
		}
		fmt.Fprintf(&b, "  - {name: %s, address: %q}\n", s.name, addr)
	}
	b.WriteString(extra)
	cfg, err := scenarios.ParseProxy("test.yaml", []byte(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// running is a proxy serving in the background.
type running struct {
	*Proxy
	stop context.CancelFunc
	// done is closed when Serve has returned err. A test that judges err
	// itself sets judged, so that the cleanup does not.
	done   chan struct{}
	err    error
	judged bool
	client *http.Client
}

func startProxy(t testing.TB, cfg *scenarios.Scenario, opts Options) *running {
	t.Helper()
	p, err := Listen(cfg, opts)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{Proxy: p, stop: cancel, done: make(chan struct{}),
		client: &http.Client{Transport: &http.Transport{Proxy: nil, MaxIdleConnsPerHost: 64}}}
	go func() { r.err = p.Serve(ctx); close(r.done) }()
	t.Cleanup(func() {
		cancel()
		<-r.done
		if !r.judged && r.err != nil {
			t.Errorf("Serve: %v", r.err)
		}
	})
	return r
}

// drain stops the proxy and waits for Serve, returning how long the drain
// took and what Serve returned, for the test to judge.
func (r *running) drain() (time.Duration, error) {
	start := time.Now()
	r.stop()
	<-r.done
	r.judged = true
	return time.Since(start), r.err
}

// wantDrainCut drains the proxy and checks that the grace period (200ms)
// ended the drain.
func (r *running) wantDrainCut(t *testing.T) {
	t.Helper()
	d, err := r.drain()
	if d > 2*time.Second {
		t.Errorf("drain took %s, want about the 200ms grace period", d)
	}
	if err == nil || !strings.Contains(err.Error(), "grace period") {
		t.Errorf("Serve: %v, want the grace period's error", err)
	}
}

func (r *running) url(path string) string { return "http://" + r.Addr().String() + path }

// get fetches path through the proxy and returns the status and body.
func (r *running) get(t *testing.T, path string) (int, string) {
	t.Helper()
	resp, err := r.client.Get(r.url(path))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(body)
}

// adminGet fetches path from the proxy's admin listener, which must
// answer 200.
func adminGet(t *testing.T, r *running, path string) string {
	t.Helper()
	resp, err := http.Get("http://" + r.AdminAddr().String() + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s: %d", path, resp.StatusCode)
	}
	return string(b)
}

// server returns a server's stats by name.
func (r *running) server(t *testing.T, name string) ServerStats {
	t.Helper()
	for _, s := range r.Stats().Servers {
		if s.Name == name {
			return s
		}
	}
	t.Fatalf("no server %s in stats", name)
	return ServerStats{}
}

// waitFor polls cond every 10 ms until it holds or timeout passes.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// load sends GETs from n goroutines until stop is closed and counts the
// answers that were not 200.
func (r *running) load(n int, stop <-chan struct{}) (ok, bad *atomic.Int64, wait func()) {
	ok, bad = new(atomic.Int64), new(atomic.Int64)
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				resp, err := r.client.Get(r.url("/"))
				if err != nil {
					bad.Add(1)
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					ok.Add(1)
				} else {
					bad.Add(1)
				}
			}
		}()
	}
	return ok, bad, wg.Wait
}

// logBuffer collects JSON log records for inspection.
type logBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// accessRecord is what the tests read of an access log record.
type accessRecord struct {
	Path, Backend, Error string
	Status, Attempts     int
}

// record returns the i-th access record logged, from 0.
func (l *logBuffer) record(t *testing.T, i int) accessRecord {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(l.String()), "\n")
	if i >= len(lines) {
		t.Fatalf("%d access records, want record %d:\n%s", len(lines), i, l.String())
	}
	var rec accessRecord
	if err := json.Unmarshal([]byte(lines[i]), &rec); err != nil {
		t.Fatal(err)
	}
	return rec
}

func (l *logBuffer) logger() *slog.Logger { return slog.New(slog.NewJSONHandler(l, nil)) }
