package live

import (
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/lbsim/lbsim/scenarios"
)

// newTestBackend starts an emulated server that the test stops.
func newTestBackend(t *testing.T, capacity, queue int, speed float64, check *scenarios.HealthCheck) *Backend {
	t.Helper()
	b, err := startBackend(server{Server: scenarios.Server{Name: "app", Capacity: capacity, Queue: queue, Speed: speed}, check: check, speedup: 1, seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	b.begin(time.Now(), 0)
	t.Cleanup(b.close)
	return b
}

// answer is one request's outcome as a client saw it.
type answer struct {
	status  int
	outcome string
	took    time.Duration
	err     error
}

// get sends a request of this demand (none for a health check) to b.
func get(b *Backend, demand time.Duration) answer {
	req, _ := http.NewRequest(http.MethodGet, "http://"+b.Addr()+"/", nil)
	if demand > 0 {
		req.Header.Set(HeaderDemand, strconv.FormatInt(int64(demand), 10))
	}
	start := time.Now()
	resp, err := (&http.Client{Transport: &http.Transport{DisableKeepAlives: true}}).Do(req)
	if err != nil {
		return answer{err: err, took: time.Since(start)}
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return answer{status: resp.StatusCode, outcome: resp.Header.Get(headerOutcome), took: time.Since(start)}
}

// waitFor polls cond until it holds, failing the test after a few seconds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

func (b *Backend) state() (busy, waiting int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.busy, len(b.waiting)
}

func TestBackendCapacity(t *testing.T) {
	for _, tc := range []struct {
		name          string
		capacity      int
		speed         float64
		demand        time.Duration
		first, second time.Duration // least time each takes
	}{
		// One slot: the second waits for the first.
		{"one slot", 1, 1, 100 * time.Millisecond, 100 * time.Millisecond, 200 * time.Millisecond},
		// Two slots: both at once.
		{"two slots", 2, 1, 100 * time.Millisecond, 100 * time.Millisecond, 100 * time.Millisecond},
		// Speed 2 halves the service time.
		{"speed 2", 1, 2, 100 * time.Millisecond, 50 * time.Millisecond, 100 * time.Millisecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := newTestBackend(t, tc.capacity, 0, tc.speed, nil)
			var first, second answer
			var wg sync.WaitGroup
			wg.Add(1)
			sent := time.Now()
			go func() { defer wg.Done(); first = get(b, tc.demand) }()
			waitFor(t, "the first request to start", func() bool { busy, _ := b.state(); return busy == 1 })
			// The second is sent this much after the first, whose
			// service it waits out from then on.
			gap := time.Since(sent)
			second = get(b, tc.demand)
			wg.Wait()
			// A wait may end up to settle early (see clock.go); the
			// upper bound only catches a server that serves one at a
			// time whatever its capacity, on a loaded machine.
			for _, c := range []struct {
				got  answer
				want time.Duration
			}{{first, tc.first}, {second, tc.second - gap}} {
				if c.got.err != nil || c.got.status != http.StatusOK {
					t.Fatalf("got %+v, want 200", c.got)
				}
				if c.got.took < c.want-time.Millisecond || c.got.took > c.want+gap+tc.demand/2+150*time.Millisecond {
					t.Errorf("took %v, want about %v", c.got.took, c.want)
				}
			}
		})
	}
}

func TestBackendQueueFull(t *testing.T) {
	b := newTestBackend(t, 1, 1, 1, nil)
	var wg sync.WaitGroup
	answers := make([]answer, 2)
	for i := range answers {
		wg.Add(1)
		go func() { defer wg.Done(); answers[i] = get(b, 300*time.Millisecond) }()
		waitFor(t, "the request to be in", func() bool { busy, waiting := b.state(); return busy+waiting == i+1 })
	}
	third := get(b, 300*time.Millisecond)
	if third.status != http.StatusServiceUnavailable || third.outcome != "queue_full" {
		t.Errorf("third request with a full queue: got %+v, want 503 queue_full", third)
	}
	if third.took > 200*time.Millisecond {
		t.Errorf("the rejection took %v; it should be at once", third.took)
	}
	wg.Wait()
	for i, a := range answers {
		if a.status != http.StatusOK {
			t.Errorf("request %d: got %+v, want 200", i, a)
		}
	}
}

func TestBackendSlowFault(t *testing.T) {
	b := newTestBackend(t, 1, 0, 1, nil)
	b.setSlow(4)
	if a := get(b, 25*time.Millisecond); a.status != http.StatusOK || a.took < 99*time.Millisecond {
		t.Errorf("a 25ms request on a server 4x slower: got %+v, want 200 after 100ms", a)
	}
	if err := b.recover(); err != nil {
		t.Fatal(err)
	}
	if a := get(b, 25*time.Millisecond); a.status != http.StatusOK || a.took > 90*time.Millisecond {
		t.Errorf("after recover: got %+v, want 200 after 25ms", a)
	}
}

func TestBackendCrash(t *testing.T) {
	b := newTestBackend(t, 1, 0, 1, nil)
	inFlight := make(chan answer)
	go func() { inFlight <- get(b, time.Second) }()
	waitFor(t, "the request to start", func() bool { busy, _ := b.state(); return busy == 1 })
	b.crash()
	if a := <-inFlight; a.err == nil {
		t.Errorf("a request in service when its server crashed got %+v, want its connection dropped", a)
	}
	if _, err := net.Dial("tcp", b.Addr()); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("connecting to a crashed server: got %v, want connection refused", err)
	}
	if err := b.recover(); err != nil {
		t.Fatal(err)
	}
	if a := get(b, time.Millisecond); a.status != http.StatusOK {
		t.Errorf("after recover: got %+v, want 200", a)
	}
	if busy, waiting := b.state(); busy != 0 || waiting != 0 {
		t.Errorf("after the crash and a request: %d busy, %d waiting, want none", busy, waiting)
	}
}

func TestBackendErrors(t *testing.T) {
	for _, tc := range []struct {
		share    float64
		min, max int // of 200 requests answered 500
	}{
		{1, 200, 200},
		{0.5, 70, 130}, // binomial(200, 0.5): beyond 4 standard deviations
	} {
		b := newTestBackend(t, 8, 0, 1, nil)
		b.setErrors(tc.share)
		errs := 0
		for range 200 {
			a := get(b, time.Microsecond)
			switch {
			case a.status == http.StatusInternalServerError && a.outcome == "5xx":
				errs++
			case a.status != http.StatusOK:
				t.Fatalf("got %+v, want 200 or 500", a)
			}
		}
		if errs < tc.min || errs > tc.max {
			t.Errorf("share %g: %d of 200 answered 500, want %d to %d", tc.share, errs, tc.min, tc.max)
		}
	}
}

func TestBackendHealthCheck(t *testing.T) {
	deep := &scenarios.HealthCheck{Path: "/", MaxUtilization: 0.5}
	b := newTestBackend(t, 1, 1, 1, deep)
	if a := get(b, 0); a.status != http.StatusOK {
		t.Fatalf("check of an idle server: got %+v, want 200", a)
	}
	// Busy all the time from now on: one in service, one waiting.
	var wg sync.WaitGroup
	for i := range 2 {
		wg.Add(1)
		go func() { defer wg.Done(); get(b, 300*time.Millisecond) }()
		waitFor(t, "the request to be in", func() bool { busy, waiting := b.state(); return busy+waiting == i+1 })
	}
	if a := get(b, 0); a.status != http.StatusServiceUnavailable {
		t.Errorf("in-band check of a server with a full queue: got %+v, want 503", a)
	}
	wg.Wait()
	resp, err := http.Get("http://" + b.Addr() + "/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var deepAnswer struct{ Utilization float64 }
	if err := json.Unmarshal(body, &deepAnswer); err != nil || deepAnswer.Utilization < 0.5 || deepAnswer.Utilization > 1 {
		t.Errorf("deep check after a busy spell answered %q, want a utilization above 0.5", body)
	}
}
