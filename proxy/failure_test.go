package proxy

import (
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// switchable is a server that works or fails as told: in mode http a
// failing one closes each connection without an answer (an error, which a
// GET retries), in mode tcp it stops listening (a refused connection).
// Working, it answers with its name. hits counts the requests (mode tcp:
// connections) it answered.
type switchable struct {
	*testServer
	t       *testing.T
	tcp     bool
	failing atomic.Bool
	ln      atomic.Pointer[net.Listener]
}

func newSwitchable(t *testing.T, name string, tcp bool) *switchable {
	s := &switchable{t: t, tcp: tcp}
	if !tcp {
		s.testServer = serveHTTP(t, name, func(w http.ResponseWriter, r *http.Request) {
			if s.failing.Load() {
				if c, _, err := http.NewResponseController(w).Hijack(); err == nil {
					c.Close()
				}
				return
			}
			s.hits.Add(1)
			io.WriteString(w, name)
		})
		return s
	}
	s.testServer = &testServer{name: name, addr: "127.0.0.1:0"}
	s.listen()
	return s
}

// listen starts mode tcp's listener on the server's address.
func (s *switchable) listen() {
	ln, err := net.Listen("tcp", s.addr)
	if err != nil {
		s.t.Fatal(err)
	}
	s.addr = ln.Addr().String()
	s.ln.Store(&ln)
	s.t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s.hits.Add(1)
			io.WriteString(c, s.name)
			c.Close()
		}
	}()
}

// fail makes the server fail (true) or work again (false).
func (s *switchable) fail(failing bool) {
	if !s.tcp {
		s.failing.Store(failing)
		return
	}
	if failing {
		(*s.ln.Load()).Close()
	} else {
		s.listen()
	}
}

// ask sends one request (mode tcp: opens one connection) through the
// proxy and returns the answering server's name, or "" on failure.
func ask(t *testing.T, r *running, tcp bool) string {
	t.Helper()
	if !tcp {
		resp, err := r.client.Get(r.url("/"))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			return ""
		}
		return string(b)
	}
	c, err := net.Dial("tcp", r.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetReadDeadline(time.Now().Add(2 * time.Second))
	b, _ := io.ReadAll(c)
	return string(b)
}

// modeName names a mode for subtests; modeYAML sets it in a config.
func modeName(tcp bool) string {
	if tcp {
		return "tcp"
	}
	return "http"
}

func modeYAML(tcp bool) string { return "mode: " + modeName(tcp) + "\n" }

// TestCircuitBreaker follows a breaker through its states on real
// sockets, in both modes: failures failed attempts in a row open it, the
// server gets nothing while it is open, a failed probe opens it again,
// and a successful one closes it.
func TestCircuitBreaker(t *testing.T) {
	for _, tcp := range []bool{false, true} {
		t.Run(modeName(tcp), func(t *testing.T) {
			bad := newSwitchable(t, "bad", tcp)
			live := newSwitchable(t, "live", tcp)
			bad.fail(true)
			r := startProxy(t, config(t, modeYAML(tcp)+"retries: {count: 1}\ncircuit_breaker: {failures: 2, open: 300ms}\n", bad.testServer, live.testServer), Options{})
			want := func(state string, failures int64) {
				t.Helper()
				if s := r.server(t, "bad"); s.State != state || s.Failures != failures {
					t.Fatalf("bad is %s with %d failures, want %s with %d", s.State, s.Failures, state, failures)
				}
			}
			// Round robin: every request tries bad first while it is in
			// rotation, and the retry on live answers.
			for i := range 2 {
				if got := ask(t, r, tcp); got != "live" {
					t.Fatalf("request %d: %q, want live after a retry", i, got)
				}
			}
			want("open", 2)
			for range 10 {
				if got := ask(t, r, tcp); got != "live" {
					t.Fatalf("%q while bad's breaker is open, want live", got)
				}
			}
			want("open", 2)

			// Half-open, one probe: it fails and the breaker opens again.
			waitFor(t, 2*time.Second, "the breaker to turn half-open", func() bool { return r.server(t, "bad").State == "half-open" })
			for i := 0; r.server(t, "bad").Failures < 3; i++ {
				if i > 10 {
					t.Fatal("the half-open breaker got no probe")
				}
				ask(t, r, tcp)
			}
			want("open", 3)

			// Working again: the next probe succeeds and closes it.
			bad.fail(false)
			waitFor(t, 2*time.Second, "the breaker to turn half-open again", func() bool { return r.server(t, "bad").State == "half-open" })
			for i := 0; bad.hits.Load() == 0; i++ {
				if i > 10 {
					t.Fatal("the half-open breaker got no probe")
				}
				ask(t, r, tcp)
			}
			want("up", 3)
			got := map[string]int{}
			for range 10 {
				got[ask(t, r, tcp)]++
			}
			if got["bad"] != 5 || got["live"] != 5 {
				t.Errorf("after the breaker closed: %v, want 5 each", got)
			}
		})
	}
}

// TestCircuitBreakerProbes checks that a half-open breaker takes only its
// probes: while the one probe is in flight, other requests go elsewhere.
func TestCircuitBreakerProbes(t *testing.T) {
	var slow atomic.Bool
	var bad *testServer
	bad = serveHTTP(t, "bad", func(w http.ResponseWriter, r *http.Request) {
		bad.hits.Add(1)
		if slow.Load() {
			time.Sleep(500 * time.Millisecond)
			io.WriteString(w, "bad")
			return
		}
		if c, _, err := http.NewResponseController(w).Hijack(); err == nil {
			c.Close()
		}
	})
	live := startServer(t, "live", "127.0.0.1:0", 0)
	r := startProxy(t, config(t, "retries: {count: 1}\ncircuit_breaker: {failures: 1, open: 200ms, probes: 1}\n", bad, live), Options{})
	if got := ask(t, r, false); got != "live" {
		t.Fatalf("%q, want live after a retry", got)
	}
	waitFor(t, 2*time.Second, "the breaker to turn half-open", func() bool { return r.server(t, "bad").State == "half-open" })
	slow.Store(true)
	probe := make(chan string, 1)
	go func() {
		for {
			// Until one request is the probe; the others go to live.
			resp, err := r.client.Get(r.url("/"))
			if err != nil {
				probe <- err.Error()
				return
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if string(b) != "live" {
				probe <- string(b)
				return
			}
		}
	}()
	waitFor(t, 2*time.Second, "the probe to reach bad", func() bool { return bad.hits.Load() == 2 })
	for range 10 {
		if got := ask(t, r, false); got != "live" {
			t.Errorf("%q while the probe is out, want live", got)
		}
	}
	if got := <-probe; got != "bad" {
		t.Errorf("the probe got %q, want bad's answer", got)
	}
	if s := r.server(t, "bad"); s.State != "up" || bad.hits.Load() != 2 {
		t.Errorf("after the probe: bad is %s with %d requests, want up with 2", s.State, bad.hits.Load())
	}
}

// TestCircuitBreakerCap checks max_open: with the one slot taken, a second
// failing server stays in rotation, and its breaker opens at its next
// failure once the first breaker has turned half-open.
func TestCircuitBreakerCap(t *testing.T) {
	x, y := newSwitchable(t, "x", false), refusing(t, "y")
	x.fail(true)
	live := startServer(t, "live", "127.0.0.1:0", 0)
	r := startProxy(t, config(t, "retries: {count: 2}\ncircuit_breaker: {failures: 2, open: 300ms, max_open: 0.1}\n", x.testServer, y, live), Options{})
	// Round robin: each request tries x, then y, then live answers. The
	// second failure opens x's breaker, and finds y's the only slot taken.
	for range 2 {
		if got := ask(t, r, false); got != "live" {
			t.Fatalf("%q, want live after two retries", got)
		}
	}
	if sx, sy := r.server(t, "x"), r.server(t, "y"); sx.State != "open" || sy.State != "up" || sy.Failures != 2 {
		t.Fatalf("x %s, y %s with %d failures; want x open and y up past the cap, with 2", sx.State, sy.State, sy.Failures)
	}
	// x works again: its probe closes its breaker, and y's next failure
	// finds the slot free.
	x.fail(false)
	waitFor(t, 2*time.Second, "x to turn half-open", func() bool { return r.server(t, "x").State == "half-open" })
	for i := 0; r.server(t, "y").State != "open"; i++ {
		if i > 10 {
			t.Fatal("y's breaker did not open once the slot was free")
		}
		ask(t, r, false)
	}
	if f := r.server(t, "y").Failures; f != 3 {
		t.Errorf("y's breaker opened after %d failures, want at the first once a slot was free (3)", f)
	}
}

// TestRetryBudget checks retries.budget on real sockets: each request
// earns half a retry, a retry spends one, and the budget starts empty, so
// that with round robin over a refusing server and a live one, one
// request in four fails; in mode tcp as in mode http.
func TestRetryBudget(t *testing.T) {
	for _, tcp := range []bool{false, true} {
		t.Run(modeName(tcp), func(t *testing.T) {
			live := newSwitchable(t, "live", tcp)
			r := startProxy(t, config(t, modeYAML(tcp)+"retries: {count: 1, budget: 0.5}\n", refusing(t, "dead"), live.testServer), Options{})
			var got []string
			for range 12 {
				if ask(t, r, tcp) == "live" {
					got = append(got, "ok")
				} else {
					got = append(got, "failed")
				}
			}
			// 1: half a retry saved, too little; 2: live answers, 1 saved;
			// 3: spends it, half left; 4: spends the second half plus the
			// next; and again.
			want := strings.Repeat("failed ok ok ok ", 3)
			if strings.Join(got, " ")+" " != want {
				t.Errorf("got %v, want %s", got, want)
			}
		})
	}
}

// TestRetryBudgetBurst checks that a budget saves up at most 10 retries:
// after 40 requests that needed none at a budget of 0.5, it holds 10, not
// 20. Each request then earns half a retry (up to 10) and spends one, so
// once a server starts failing, the 20th request finds half a retry left.
func TestRetryBudgetBurst(t *testing.T) {
	bad := newSwitchable(t, "bad", false)
	live := newSwitchable(t, "live", false)
	r := startProxy(t, config(t, "retries: {count: 1, budget: 0.5}\n", bad.testServer, live.testServer), Options{})
	for range 40 {
		if got := ask(t, r, false); got == "" {
			t.Fatal("a request failed with both servers working")
		}
	}
	bad.fail(true)
	// Round robin offers every request to bad first.
	for i := 1; i <= 20; i++ {
		got := ask(t, r, false)
		if i < 20 && got != "live" {
			t.Fatalf("request %d after bad started failing: %q, want live after a retry", i, got)
		}
		if i == 20 && got != "" {
			t.Fatalf("request 20: %q, want a failure: the 10 saved retries and 19 halves are spent", got)
		}
	}
}

// TestSlowStart brings a server back into rotation with slow_start: it
// takes a small part of its share at first and all of it once the ramp is
// over; in both modes.
func TestSlowStart(t *testing.T) {
	for _, tcp := range []bool{false, true} {
		t.Run(modeName(tcp), func(t *testing.T) {
			steady := newSwitchable(t, "steady", tcp)
			back := newSwitchable(t, "back", tcp)
			var sick atomic.Bool
			check := "path: /health, "
			if !tcp {
				// Mode http checks a path: back fails it while sick.
				back.testServer.srv.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					if r.URL.Path == "/health" {
						if sick.Load() {
							w.WriteHeader(http.StatusServiceUnavailable)
						}
						return
					}
					back.hits.Add(1)
					io.WriteString(w, "back")
				})
			} else {
				check = ""
			}
			cfg := config(t, modeYAML(tcp)+"slow_start: 1s\nhealth_check: {"+check+"interval: 50ms, timeout: 50ms, fall: 1, rise: 1}\n", steady.testServer, back.testServer)
			r := startProxy(t, cfg, Options{})
			if tcp {
				back.fail(true) // mode tcp checks connect: stop listening
			} else {
				sick.Store(true)
			}
			waitFor(t, 2*time.Second, "back to be marked down", func() bool { return r.server(t, "back").State == "down" })
			if tcp {
				back.fail(false)
			} else {
				sick.Store(false)
			}
			waitFor(t, 2*time.Second, "back to come back", func() bool { return r.server(t, "back").State == "up" })
			start := time.Now()
			// The share back takes of the requests in three windows of the
			// 1 s ramp: round robin offers it half, and it takes a part
			// that grows from 0 to 1.
			var early, late [2]int // [back, all]
			for d := time.Duration(0); d < 1400*time.Millisecond; d = time.Since(start) {
				got := ask(t, r, tcp)
				var w *[2]int
				switch {
				case d < 250*time.Millisecond:
					w = &early
				case d > 1100*time.Millisecond:
					w = &late
				default:
					continue
				}
				w[1]++
				if got == "back" {
					w[0]++
				}
			}
			share := func(w [2]int) float64 { return float64(w[0]) / float64(max(w[1], 1)) }
			if early[1] < 20 || late[1] < 20 {
				t.Fatalf("too few requests to judge: %d early, %d late", early[1], late[1])
			}
			// Early it takes about 1/8 of its half; late, all of it.
			if s := share(early); s > 0.2 {
				t.Errorf("back took %.2f of the requests in the first quarter of its ramp, want about 0.06", s)
			}
			if s := share(late); s < 0.4 || s > 0.6 {
				t.Errorf("back took %.2f of the requests after its ramp, want about 0.5", s)
			}
		})
	}
}

// TestRetryTiesAtRandom: under ip_hash one client always hashes to the
// same server, so its retry is the proxy's own pick among the rest, all
// idle: it must take each of them about as often, not the first listed.
// With the hashed server dead, each of the other three answers a third of
// 300 requests: Binomial(300, 1/3), 100 with a standard deviation of 8.2,
// so 59 to 141 is five of them.
func TestRetryTiesAtRandom(t *testing.T) {
	var servers []*testServer
	for _, name := range []string{"a", "b", "c", "d"} {
		servers = append(servers, startServer(t, name, "127.0.0.1:0", 0))
	}
	r := startProxy(t, config(t, "algorithm: ip_hash\nretries: {count: 1, on: [connect, error]}\n", servers...), Options{Seed: 7})
	_, first := r.get(t, "/")
	for _, s := range servers {
		if s.name == first {
			s.kill()
		}
	}
	counts := map[string]int{}
	for range 300 {
		code, body := r.get(t, "/")
		if code != http.StatusOK {
			t.Fatalf("status %d, want the retry's answer", code)
		}
		counts[body]++
	}
	if len(counts) != 3 {
		t.Fatalf("answered by %v, want the three servers left", counts)
	}
	for name, n := range counts {
		if n < 59 || n > 141 {
			t.Errorf("%s answered %d of 300 retries, want 100 ± 41 (%v)", name, n, counts)
		}
	}
}
