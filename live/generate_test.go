package live

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/lbsim/lbsim/scenarios"
	"github.com/lbsim/lbsim/sim"
	"github.com/lbsim/lbsim/workloads"
)

func TestSources(t *testing.T) {
	var s sources
	seen := make(map[netip.Addr]netip.Addr)
	clients := []netip.Addr{
		netip.MustParseAddr("10.0.0.1"), netip.MustParseAddr("10.0.0.2"), netip.MustParseAddr("192.168.1.1"),
		netip.MustParseAddr("10.0.0.1"), netip.MustParseAddr("2001:db8::1"), netip.MustParseAddr("10.0.0.2"),
	}
	for i := range 70000 { // past 127.0.255.255
		clients = append(clients, netip.AddrFrom4([4]byte{10, 1, byte(i >> 8), byte(i)}))
	}
	back := make(map[netip.Addr]netip.Addr)
	for _, c := range clients {
		a, ok := s.of(c)
		switch {
		case !ok:
			t.Fatalf("no address for %v", c)
		case !a.Is4() || a.As4()[0] != 127:
			t.Fatalf("%v mapped to %v, not a loopback address", c, a)
		}
		if prev, ok := seen[c]; ok && prev != a {
			t.Fatalf("%v mapped to %v, then to %v", c, prev, a)
		}
		if other, ok := back[a]; ok && other != c {
			t.Fatalf("%v and %v both mapped to %v", other, c, a)
		}
		seen[c], back[a] = a, c
	}
	if a, _ := s.of(clients[0]); a != netip.MustParseAddr("127.0.0.1") {
		t.Errorf("the first client maps to %v, want 127.0.0.1", a)
	}
}

// TestSchedule checks that the live run replays the simulation's
// arrivals: as many as sim counts, at the workload's times sped up, with
// its demands, and measured after the same warm-up.
func TestSchedule(t *testing.T) {
	for _, tc := range []struct{ name, yaml string }{
		{"requests", "requests: 500\nwarmup: 5s\n"},
		{"duration", "duration: 20s\nwarmup: 2s\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sc, err := scenarios.Parse("t.yaml", []byte("name: t\n"+tc.yaml+`servers: [{name: a, count: 2}]
workload:
  arrival: {rate: 20}
  classes:
    - {name: quick, share: 0.9, service: {dist: exponential, mean: 10ms}}
    - {name: slow, share: 0.1, service: {dist: constant, mean: 100ms}}
  keys: {count: 50}
`))
			if err != nil {
				t.Fatal(err)
			}
			cmp, err := sim.Compare(sc, []string{"round_robin"})
			if err != nil {
				t.Fatal(err)
			}
			const k = 4
			s, err := newSchedule(sc, k)
			if err != nil {
				t.Fatal(err)
			}
			gen, err := workloads.New(&sc.Workload, sc.Seed)
			if err != nil {
				t.Fatal(err)
			}
			var a arrival
			var r workloads.Request
			n := int64(0)
			for s.next(&a) {
				n++
				gen.Next(&r)
				want := arrival{at: time.Duration(float64(r.Arrival) / k), demand: r.Demand, class: r.Class, client: r.Client,
					clientID: r.ClientID, key: r.Key, measured: r.Arrival >= sc.Warmup.D()}
				if a != want {
					t.Fatalf("arrival %d: got %+v, want %+v", n, a, want)
				}
			}
			if n != cmp.Requests {
				t.Errorf("%d arrivals, the simulation had %d", n, cmp.Requests)
			}
		})
	}
}

// TestOpenLoop checks that a slow answer does not hold up the requests
// due after it: each leaves at its time, and its latency counts from
// then.
func TestOpenLoop(t *testing.T) {
	const slow = 400 * time.Millisecond
	var mu sync.Mutex
	var got []time.Duration
	var start time.Time
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		got = append(got, time.Since(start))
		mu.Unlock()
		time.Sleep(slow)
	}))
	defer srv.Close()
	s, g := constantLoad(t, srv.Listener.Addr().String(), 10, 50, time.Millisecond)
	start = time.Now().Add(20 * time.Millisecond)
	g.run(context.Background(), s, start, func(time.Duration) {})
	if len(got) != 10 {
		t.Fatalf("the server got %d requests, want 10", len(got))
	}
	// One every 20 ms, all from one client: the last is due at 200 ms,
	// well before the first answer (400 ms).
	for i, at := range got {
		if want := time.Duration(i+1) * 20 * time.Millisecond; at > want+100*time.Millisecond {
			t.Errorf("request %d reached the server at %v, due at %v", i+1, at, want)
		}
	}
	if g.tally.completed != 10 {
		t.Errorf("%d completed, want 10", g.tally.completed)
	}
	if min := g.tally.classes[0].Min(); min < slow {
		t.Errorf("shortest latency %v, want at least the server's %v", min, slow)
	}
}

// TestPreconnect checks that a request's connection is open before the
// request is due, so that connecting does not delay it, and that a
// client's next request reuses it.
func TestPreconnect(t *testing.T) {
	const preconnect = 30 * time.Millisecond
	var mu sync.Mutex
	var accepted []time.Time
	var first []time.Time // the first byte of each request
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			accepted = append(accepted, time.Now())
			mu.Unlock()
			go func() {
				defer c.Close()
				br := bufio.NewReader(c)
				for {
					if _, err := br.Peek(1); err != nil {
						return
					}
					mu.Lock()
					first = append(first, time.Now())
					mu.Unlock()
					req, err := http.ReadRequest(br)
					if err != nil {
						return
					}
					if req.Header.Get(HeaderDemand) == "" {
						t.Errorf("no %s header", HeaderDemand)
					}
					io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nok\n")
				}
			}()
		}
	}()
	s, g := constantLoad(t, ln.Addr().String(), 3, 5, preconnect)
	start := time.Now().Add(50 * time.Millisecond)
	g.run(context.Background(), s, start, func(time.Duration) {})
	mu.Lock()
	defer mu.Unlock()
	if g.tally.completed != 3 || len(first) != 3 {
		t.Fatalf("%d completed, %d requests reached the server; want 3", g.tally.completed, len(first))
	}
	if len(accepted) != 1 {
		t.Errorf("%d connections for one client's requests 200 ms apart, want 1", len(accepted))
	}
	// The first request is due at 200 ms; its connection opens ahead of
	// it (30 ms ahead on an idle machine; a busy one, running tests in
	// parallel, can wake the dialer 20 ms late, so only "ahead" is
	// asserted: without preconnection it would open at the due time or
	// after) and it leaves on time.
	due := start.Add(200 * time.Millisecond)
	if lead := due.Sub(accepted[0]); lead <= 0 {
		t.Errorf("the connection opened %v before its request was due, want about %v", lead, preconnect)
	}
	if early := due.Sub(first[0]); early > time.Millisecond {
		t.Errorf("the request left %v before it was due", early)
	}
}

// constantLoad returns the schedule of n requests from one client at rate
// a second, and a generator that sends them to target.
func constantLoad(t *testing.T, target string, n int, rate float64, preconnect time.Duration) (*schedule, *generator) {
	t.Helper()
	sc, err := scenarios.Parse("t.yaml", []byte(fmt.Sprintf(`name: t
requests: %d
servers: [{name: a}]
workload: {arrival: {process: constant, rate: %g}, service: {dist: constant, mean: 1ms}, clients: {count: 1}}
`, n, rate)))
	if err != nil {
		t.Fatal(err)
	}
	s, err := newSchedule(sc, 1)
	if err != nil {
		t.Fatal(err)
	}
	return s, &generator{target: target, speedup: 1, paths: []string{"/"}, conns: newConns(target, 8, time.Second), preconnect: preconnect, tally: newTally(1)}
}
