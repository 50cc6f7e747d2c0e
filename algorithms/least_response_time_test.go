package algorithms

import (
	"errors"
	"math"
	"testing"
	"time"
)

const ms = time.Millisecond

// stateOf returns the balancer's state for b, scanned or indexed.
func stateOf(t *testing.T, bal Balancer, b *Backend) *lrtState {
	t.Helper()
	s := bal.(*leastResponseTime).snap.Load()
	st := s.state(b)
	if s.idx != nil {
		st = s.idx.state(b)
	}
	if st == nil {
		t.Fatalf("%s is not in the snapshot", b.Name)
	}
	return st
}

// estimateOf returns the balancer's decayed estimate for b at now.
func estimateOf(t *testing.T, bal Balancer, b *Backend, now time.Duration) (time.Duration, bool) {
	t.Helper()
	est, ok := stateOf(t, bal, b).estimate(now)
	return time.Duration(math.Round(est)), ok
}

// The lowest estimate × (in flight + 1) wins.
func TestLeastResponseTimeScore(t *testing.T) {
	for _, c := range []struct {
		desc     string
		latency  []time.Duration // one sample each at time 0; 0 = no sample
		inFlight []int64
		want     string
	}{
		{"faster idle backend", []time.Duration{10 * ms, 30 * ms}, []int64{0, 0}, "a"},
		{"fast but busy: 10x4=40 > 30x1", []time.Duration{10 * ms, 30 * ms}, []int64{3, 0}, "b"},
		{"fast, a little busy: 10x2=20 < 30x1", []time.Duration{10 * ms, 30 * ms}, []int64{1, 0}, "a"},
		{"equal latency, fewer in flight", []time.Duration{20 * ms, 20 * ms, 20 * ms}, []int64{2, 1, 3}, "b"},
		{"unsampled and idle is tried", []time.Duration{10 * ms, 10 * ms, 0}, []int64{0, 0, 0}, "c"},
		// An unsampled backend with requests in flight counts as the fastest
		// sampled one: c scores 10x(2+1)=30 against a's 10 and b's 20.
		{"unsampled but busy is not flooded", []time.Duration{10 * ms, 10 * ms, 0}, []int64{0, 1, 2}, "a"},
		// c scores 10x(1+1)=20 against a's 10x4=40 and b's 10x3=30.
		{"unsampled and busy, others busier", []time.Duration{10 * ms, 10 * ms, 0}, []int64{3, 2, 1}, "c"},
		{"nothing sampled: least in flight", []time.Duration{0, 0, 0}, []int64{2, 1, 3}, "b"},
	} {
		bal := mustNew(t, "least_response_time", 1)
		bs := pool(make([]int, len(c.latency))...)
		bal.Update(bs)
		for i, l := range c.latency {
			if l > 0 {
				bal.Done(bs[i], Outcome{Latency: l})
			}
			setInFlight(bs[i], c.inFlight[i])
		}
		for k := range 2 * len(bs) {
			if b, err := bal.Pick(&Request{}); err != nil || b.Name != c.want {
				t.Errorf("%s: pick %d = %v, %v; want %s", c.desc, k, b, err, c.want)
			}
		}
	}
}

func TestLeastResponseTimeEWMA(t *testing.T) {
	b := pool(1)
	bal := mustNew(t, "least_response_time", 1)
	bal.Update(b)
	// 100, then 100 + (200-100)/4 = 125, then 125 + (25-125)/4 = 100.
	for i, c := range []struct{ sample, want time.Duration }{{100 * ms, 100 * ms}, {200 * ms, 125 * ms}, {25 * ms, 100 * ms}} {
		bal.Done(b[0], Outcome{Latency: c.sample})
		if got, _ := estimateOf(t, bal, b[0], 0); got != c.want {
			t.Errorf("after sample %d (%v): estimate %v, want %v", i, c.sample, got, c.want)
		}
	}
	// Without samples it halves every decayHalfLife.
	for k, want := range []time.Duration{100 * ms, 50 * ms, 25 * ms, 12500 * time.Microsecond} {
		if got, _ := estimateOf(t, bal, b[0], time.Duration(k)*decayHalfLife); got != want {
			t.Errorf("after %d half-lives: estimate %v, want %v", k, got, want)
		}
	}
	// A sample after a long silence blends with the decayed estimate:
	// 50 + (10-50)/4 = 40.
	bal.Done(b[0], Outcome{Now: decayHalfLife, Latency: 10 * ms})
	if got, _ := estimateOf(t, bal, b[0], decayHalfLife); got != 40*ms {
		t.Errorf("after a sample one half-life later: estimate %v, want 40ms", got)
	}
}

// A backend that answered once very slowly is shunned for a while, then tried
// again as its estimate decays, instead of being starved for the rest of the run.
func TestLeastResponseTimeRetriesSlowOnce(t *testing.T) {
	bs := pool(1, 1)
	a, b := bs[0], bs[1]
	bal := mustNew(t, "least_response_time", 1)
	bal.Update(bs)
	for range 4 {
		bal.Done(a, Outcome{Latency: 10 * ms})
		bal.Done(b, Outcome{Latency: 10 * ms})
	}
	// b's estimate jumps to 10 + (1000-10)/4 = 257.5ms, 25.75 times a's
	// 10ms. With a sampled every 10ms, a stays near 10ms and b's estimate
	// falls below it after log2(25.75) half-lives, about 47s.
	bal.Done(b, Outcome{Latency: time.Second})
	const step = 10 * ms
	var now, retried time.Duration
	for now = step; now < 5*time.Minute && retried == 0; now += step {
		got, err := bal.Pick(&Request{Now: now})
		if err != nil {
			t.Fatal(err)
		}
		got.Begin()
		got.End()
		bal.Done(got, Outcome{Now: now, Latency: 10 * ms})
		if got == b {
			retried = now
		}
	}
	if retried < 40*time.Second || retried > 55*time.Second {
		t.Fatalf("b retried at %v of virtual time, want about 47s (between 40s and 55s)", retried)
	}
	// Once its fresh sample shows it is fast again, it takes its share.
	counts := map[*Backend]int{}
	for range 1000 {
		now += step
		got, _ := bal.Pick(&Request{Now: now})
		counts[got]++
		bal.Done(got, Outcome{Now: now, Latency: 10 * ms})
	}
	if counts[b] < 300 {
		t.Errorf("after its retry b got %d of 1000 picks, want a fair share (at least 300)", counts[b])
	}
}

func TestLeastResponseTimeFailures(t *testing.T) {
	errDown := errors.New("connection refused")
	for _, c := range []struct {
		desc    string
		before  time.Duration // one successful sample first; 0 = none
		failure Outcome
		want    time.Duration
		sampled bool
	}{
		{"fast failure does not make a backend look faster", 100 * ms, Outcome{Err: errDown}, 100 * ms, true},
		{"slow failure counts like a slow sample", 100 * ms, Outcome{Latency: 500 * ms, Err: errDown}, 200 * ms, true},
		{"fast failure on an unsampled backend is ignored", 0, Outcome{Err: errDown}, 0, false},
		{"slow failure on an unsampled backend is its first sample", 0, Outcome{Latency: 80 * ms, Err: errDown}, 80 * ms, true},
	} {
		b := pool(1)
		bal := mustNew(t, "least_response_time", 1)
		bal.Update(b)
		if c.before > 0 {
			bal.Done(b[0], Outcome{Latency: c.before})
		}
		bal.Done(b[0], c.failure)
		if got, ok := estimateOf(t, bal, b[0], 0); got != c.want || ok != c.sampled {
			t.Errorf("%s: estimate %v (sampled %v), want %v (sampled %v)", c.desc, got, ok, c.want, c.sampled)
		}
	}

	// A failure refreshes the sample time: a backend failing fast keeps its
	// estimate instead of decaying towards zero and attracting traffic.
	b := pool(1)
	bal := mustNew(t, "least_response_time", 1)
	bal.Update(b)
	bal.Done(b[0], Outcome{Latency: 100 * ms})
	bal.Done(b[0], Outcome{Now: 3 * decayHalfLife, Err: errDown})
	if got, _ := estimateOf(t, bal, b[0], 3*decayHalfLife); got != 12500*time.Microsecond {
		t.Errorf("failure after three half-lives: estimate %v, want 12.5ms (decayed, not lowered)", got)
	}
}

// Backends that stay across Update keep their estimates; a removed one loses
// it, and late outcomes for it are ignored.
func TestLeastResponseTimeUpdate(t *testing.T) {
	bs := pool(1, 1)
	bal := mustNew(t, "least_response_time", 1)
	bal.Update(bs)
	bal.Done(bs[0], Outcome{Latency: 40 * ms})
	bal.Done(bs[1], Outcome{Latency: 60 * ms})

	bal.Update([]*Backend{bs[1], bs[0]}) // same set, other order
	if got, ok := estimateOf(t, bal, bs[0], 0); !ok || got != 40*ms {
		t.Errorf("a after re-Update: %v (sampled %v), want 40ms", got, ok)
	}

	bal.Update(bs[1:])
	bal.Done(bs[0], Outcome{Latency: time.Hour}) // late outcome for a removed backend
	bal.Update(bs)
	if got, ok := estimateOf(t, bal, bs[0], 0); ok {
		t.Errorf("a after removal and return: estimate %v, want unsampled", got)
	}
	if got, ok := estimateOf(t, bal, bs[1], 0); !ok || got != 60*ms {
		t.Errorf("b kept through both updates: %v (sampled %v), want 60ms", got, ok)
	}
}

// Pick compares time-free log-domain keys; whatever Request.Now is, its choice
// must be the backend with the lowest decayed estimate × (in flight + 1)
// computed directly.
func TestLeastResponseTimeMatchesDecayedScores(t *testing.T) {
	r := newRNG(11)
	for trial := range 500 {
		bs := pool(1, 1, 1, 1, 1)
		bal := mustNew(t, "least_response_time", 1)
		bal.Update(bs)
		for _, b := range bs {
			for range 1 + r.IntN(3) {
				at := time.Duration(r.IntN(60_000)) * ms
				bal.Done(b, Outcome{Now: at, Latency: time.Duration(1+r.IntN(1000)) * ms})
			}
			setInFlight(b, int64(r.IntN(6)))
		}
		now := 60*time.Second + time.Duration(r.IntN(120_000))*ms
		var want *Backend
		wantScore := math.Inf(1)
		for _, b := range bs {
			est, _ := stateOf(t, bal, b).estimate(now)
			if score := est * float64(b.InFlight()+1); score < wantScore {
				want, wantScore = b, score
			}
		}
		for range len(bs) {
			if got, _ := bal.Pick(&Request{Now: now}); got != want {
				t.Fatalf("trial %d at %v: picked %s, lowest decayed score is %s", trial, now, got.Name, want.Name)
			}
		}
	}
}
