package workloads

import (
	"math"
	"testing"
	"time"

	"github.com/lbsim/lbsim/scenarios"
)

func TestPoisson(t *testing.T) {
	for _, rate := range []float64{1000, 37.5} {
		g := newGen(t, workload(rate), 1)
		const n = 200_000
		rs := draw(g, n)
		ts := make([]time.Duration, n)
		for i := range rs {
			ts[i] = rs[i].Arrival
		}
		gs := gaps(ts)
		mean, sd := meanSD(gs)
		t.Logf("rate %g: mean gap %.1fns, CV %.4f", rate, mean, sd/mean)
		// Exponential gaps: the standard error of the mean gap is
		// (1/rate)/sqrt(n).
		want := 1e9 / rate
		if se := want / math.Sqrt(n); !within(mean, want, nSE*se) {
			t.Errorf("rate %g: mean gap %.0fns, want %.0fns ± %.0f", rate, mean, want, nSE*se)
		}
		// The coefficient of variation of exponential gaps is 1. By the
		// delta method on (mean, mean square), with the moments 1, 2, 6, 24
		// of Exp(1), the sample CV has standard error 1/sqrt(n).
		if cv, tol := sd/mean, nSE/math.Sqrt(n); !within(cv, 1, tol) {
			t.Errorf("rate %g: coefficient of variation %.4f, want 1 ± %.4f", rate, cv, tol)
		}
		// Counts in windows of mean lambda = 10 are Poisson: variance over
		// mean is 1. With K windows the sample variance has standard error
		// sqrt((lambda + 2 lambda^2)/K) (from the fourth central moment
		// lambda(1+3 lambda)), so the ratio has sqrt((1+2 lambda)/(lambda K)).
		w := time.Duration(10 / rate * 1e9)
		counts := windowCounts(ts, w, ts[n-1])
		lambda, k := 10.0, float64(len(counts))
		d, tol := dispersion(counts), nSE*math.Sqrt((1+2*lambda)/(lambda*k))
		t.Logf("rate %g: index of dispersion %.4f ± %.4f", rate, d, tol)
		if !within(d, 1, tol) {
			t.Errorf("rate %g: index of dispersion %.4f over %d windows, want 1 ± %.4f", rate, d, len(counts), tol)
		}
	}
}

func TestConstant(t *testing.T) {
	t.Run("whole nanoseconds", func(t *testing.T) {
		w := workload(1000)
		w.Arrival.Process = "constant"
		rs := draw(newGen(t, w, 1), 10_000)
		for i, r := range rs {
			if want := time.Duration(i+1) * time.Millisecond; r.Arrival != want {
				t.Fatalf("arrival %d at %v, want %v", i, r.Arrival, want)
			}
		}
	})
	t.Run("fractional gap does not drift", func(t *testing.T) {
		w := workload(3) // gaps of 333333333.33ns
		w.Arrival.Process = "constant"
		rs := draw(newGen(t, w, 1), 100_000)
		for i, r := range rs {
			exact := float64(i+1) * 1e9 / 3
			// Truncation gives the exact time rounded down; the carried
			// fraction is a float, so allow one rounding either way.
			if d := exact - float64(r.Arrival); math.Abs(d) > 1 {
				t.Fatalf("arrival %d at %d, want the exact %.2f to within 1ns", i, r.Arrival, exact)
			}
		}
	})
}

// TestBursty checks the interrupted Poisson process against the theory of a
// Markov-modulated Poisson process: on rate lambda, switching rates
// a = 1/On and b = 1/Off, p = On/(On+Off) the share of time on and
// kappa = a+b. Counts over a window of length T have mean lambda p T and
// variance lambda p T + (2 lambda^2 p(1-p)/kappa) (T - (1-e^(-kappa T))/kappa).
func TestBursty(t *testing.T) {
	const (
		rate = 1000.0
		on   = 50 * time.Millisecond
		off  = 150 * time.Millisecond
		end  = 4000 * time.Second
	)
	w := workload(rate)
	w.Arrival = scenarios.Arrival{Process: "bursty", Rate: rate, On: scenarios.Duration(on), Off: scenarios.Duration(off)}
	ts := arrivalsUntil(t, newGen(t, w, 7), end)

	p := on.Seconds() / (on + off).Seconds()
	kappa := 1/on.Seconds() + 1/off.Seconds()
	variance := func(T float64) float64 {
		return rate*p*T + 2*rate*rate*p*(1-p)/kappa*(T-(1-math.Exp(-kappa*T))/kappa)
	}

	// Long-run rate: Rate*On/(On+Off) = 250/s, give or take the standard
	// deviation of the count over the run (0.8% here).
	T := end.Seconds()
	got, want := float64(len(ts))/T, rate*p
	if tol := nSE * math.Sqrt(variance(T)) / T; !within(got, want, tol) {
		t.Errorf("long-run rate %.2f/s, want %.2f/s ± %.2f", got, want, tol)
	}

	// Burstiness: counts in 100ms windows are overdispersed (theory: an
	// index of about 37.6, against 1 for Poisson). The windows are
	// correlated and the counts far from normal, so the standard error
	// comes from the data: the spread of the index over 20 batches of
	// windows (batch means).
	win := 100 * time.Millisecond
	counts := windowCounts(ts, win, end)
	wantD := variance(win.Seconds()) / (rate * p * win.Seconds())
	gotD := dispersion(counts)
	const batches = 20
	per := len(counts) / batches
	ds := make([]float64, batches)
	for i := range ds {
		ds[i] = dispersion(counts[i*per : (i+1)*per])
	}
	_, sd := meanSD(ds)
	t.Logf("long-run rate %.2f/s (want %.2f); index of dispersion %.2f (want %.2f, batch SE %.2f)", got, want, gotD, wantD, sd/math.Sqrt(batches))
	if tol := nSE * sd / math.Sqrt(batches); !within(gotD, wantD, tol) {
		t.Errorf("index of dispersion %.2f, want %.2f ± %.2f", gotD, wantD, tol)
	}
	if gotD < 10 {
		t.Errorf("index of dispersion %.2f: not burstier than Poisson (1)", gotD)
	}
}

func TestPhases(t *testing.T) {
	s := func(d time.Duration) scenarios.Duration { return scenarios.Duration(d) }
	phases := []scenarios.Phase{
		{At: s(10 * time.Second), Rate: 5000},
		{At: s(20 * time.Second), Rate: 0},
		{At: s(30 * time.Second), Rate: 200},
		{At: s(40 * time.Second), Rate: 0}, // arrivals end
	}
	// Arrivals per phase at base rate 1000/s: rate x 10s.
	want := []float64{10_000, 50_000, 0, 2000}
	cases := []struct {
		name string
		arr  scenarios.Arrival
		// sd is the standard deviation of the count in a 10s phase at rate r.
		sd func(r float64) float64
	}{
		// Poisson counts: the standard deviation is sqrt(mean).
		{"poisson", scenarios.Arrival{Process: "poisson", Rate: 1000, Phases: phases},
			func(r float64) float64 { return math.Sqrt(r * 10) }},
		// Bursty with short on and off periods (mean 1ms each): the count
		// variance per second is lambda p + 2 lambda^2 p(1-p)/kappa (see
		// TestBursty) with p = 1/2 and kappa = 2000/s; the long-run rate is
		// half the phase rate.
		{"bursty", scenarios.Arrival{Process: "bursty", Rate: 2000, On: s(time.Millisecond), Off: s(time.Millisecond),
			Phases: []scenarios.Phase{{At: s(10 * time.Second), Rate: 10_000}, {At: s(20 * time.Second), Rate: 0},
				{At: s(30 * time.Second), Rate: 400}, {At: s(40 * time.Second), Rate: 0}}},
			func(r float64) float64 { l := 2 * r; return math.Sqrt(10 * (l/2 + 2*l*l/4/2000)) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := workload(1)
			w.Arrival = c.arr
			g := newGen(t, w, 3)
			ts := arrivalsUntil(t, g, Never)
			got := make([]float64, 4)
			for _, a := range ts {
				got[a/(10*time.Second)]++
			}
			t.Logf("arrivals per phase %v, want %v", got, want)
			for i := range want {
				if tol := nSE * c.sd(want[i]/10); !within(got[i], want[i], tol) {
					t.Errorf("phase %d: %.0f arrivals, want %.0f ± %.0f", i, got[i], want[i], tol)
				}
			}
			// After the last phase (rate 0) the stream has ended for good.
			var r Request
			for range 3 {
				if g.Next(&r); r.Arrival != Never {
					t.Fatalf("after the last phase: arrival at %v, want Never", r.Arrival)
				}
			}
		})
	}
}

// TestConstantPhases checks that a constant process switches rate exactly
// at a phase boundary: a gap that would cross it restarts there.
func TestConstantPhases(t *testing.T) {
	ms := time.Millisecond
	type seg struct {
		start, end, gap time.Duration // arrivals start+k*gap <= end, k >= 1; gap 0 for none
	}
	cases := []struct {
		name   string
		rate   float64
		phases []scenarios.Phase
		want   []seg
	}{
		{"faster", 1000, []scenarios.Phase{{At: scenarios.Duration(time.Second), Rate: 4000}},
			[]seg{{0, time.Second, ms}, {time.Second, 2 * time.Second, ms / 4}}},
		{"gap crosses the boundary", 1, []scenarios.Phase{{At: scenarios.Duration(1500 * ms), Rate: 10}},
			[]seg{{0, 1500 * ms, time.Second}, {1500 * ms, 5 * time.Second, 100 * ms}}},
		{"phase at 0 replaces the base rate", 1, []scenarios.Phase{{At: 0, Rate: 1000}},
			[]seg{{0, time.Second, ms}}},
		{"pause", 1000, []scenarios.Phase{{At: scenarios.Duration(time.Second), Rate: 0}, {At: scenarios.Duration(2 * time.Second), Rate: 2}},
			[]seg{{0, time.Second, ms}, {time.Second, 2 * time.Second, 0}, {2 * time.Second, 10 * time.Second, 500 * ms}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var want []time.Duration
			for _, s := range c.want {
				for a := s.start + s.gap; s.gap > 0 && a <= s.end; a += s.gap {
					want = append(want, a)
				}
			}
			w := workload(c.rate)
			w.Arrival.Process = "constant"
			w.Arrival.Phases = c.phases
			rs := draw(newGen(t, w, 1), len(want))
			for i, r := range rs {
				if r.Arrival != want[i] {
					t.Fatalf("arrival %d at %v, want %v", i, r.Arrival, want[i])
				}
			}
		})
	}
}

// TestArrivalsEnd checks the ways a stream ends, and that it ends rather
// than loop.
func TestArrivalsEnd(t *testing.T) {
	cases := []struct {
		name string
		arr  scenarios.Arrival
		n    int // arrivals before the end
	}{
		{"base rate 0", scenarios.Arrival{Process: "poisson"}, 0},
		{"last phase 0", scenarios.Arrival{Process: "constant", Rate: 1000,
			Phases: []scenarios.Phase{{At: scenarios.Duration(time.Second), Rate: 0}}}, 1000},
		{"every phase 0", scenarios.Arrival{Process: "bursty", On: 1, Off: 1,
			Phases: []scenarios.Phase{{At: 5, Rate: 0}, {At: 10, Rate: 0}}}, 0},
		// A rate so low that the next gap passes the end of virtual time.
		{"beyond the horizon", scenarios.Arrival{Process: "constant", Rate: 1e-10}, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := workload(1)
			w.Arrival = c.arr
			ts := arrivalsUntil(t, newGen(t, w, 1), Never)
			if len(ts) != c.n {
				t.Errorf("%d arrivals before the end, want %d", len(ts), c.n)
			}
		})
	}
}

// TestBurstyPhaseBoundaries checks the state of the bursty process where a
// phase starts: it must follow the on/off chain given that no request
// arrived since the last one. Phases of 10ms alternate rates 1000/s and 0
// under on and off periods of mean 50ms, so the state at a boundary matters
// (taking it from the chain alone, ignoring that no request arrived, gives
// 26% more arrivals). The chain is on half the time at any fixed instant,
// whatever the phases, so the mean count over 10s is 1000/s x 1/2 x 5s of
// rate-1000 phases = 2500. The tolerance uses the standard deviation of the
// count over independent runs (seeds).
func TestBurstyPhaseBoundaries(t *testing.T) {
	s := func(d time.Duration) scenarios.Duration { return scenarios.Duration(d) }
	var phases []scenarios.Phase
	for i := 1; i < 1000; i++ {
		phases = append(phases, scenarios.Phase{At: s(time.Duration(i) * 10 * time.Millisecond), Rate: float64(1000 * (1 - i%2))})
	}
	w := workload(1)
	w.Arrival = scenarios.Arrival{Process: "bursty", Rate: 1000, On: s(50 * time.Millisecond), Off: s(50 * time.Millisecond), Phases: phases}
	const runs = 400
	counts := make([]float64, runs)
	for i := range counts {
		counts[i] = float64(len(arrivalsUntil(t, newGen(t, w, uint64(i)), 10*time.Second)))
	}
	mean, sd := meanSD(counts)
	if tol := nSE * sd / math.Sqrt(runs); !within(mean, 2500, tol) {
		t.Errorf("mean count %.1f over %d runs, want 2500 ± %.1f", mean, runs, tol)
	}
}

// TestBurstyShortPeriods checks bursty processes whose on and off periods
// are far shorter than the gaps between arrivals: the cost per arrival must
// stay bounded (the test would time out otherwise) and the process is then
// close to Poisson at the long-run rate Rate*On/(On+Off). The cases cover
// each way of counting the on periods within a gap: one by one, distuv's
// Poisson, and the normal approximation.
func TestBurstyShortPeriods(t *testing.T) {
	cases := []struct {
		name    string
		rate    float64
		on, off time.Duration
	}{
		{"few periods per gap", 1000, 100 * time.Microsecond, 300 * time.Microsecond},
		{"thousands of periods per gap", 100, time.Microsecond, 3 * time.Microsecond},
		{"1e14 periods per gap", 1e-5, 1, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := workload(1)
			w.Arrival = scenarios.Arrival{Process: "bursty", Rate: c.rate, On: scenarios.Duration(c.on), Off: scenarios.Duration(c.off)}
			const n = 20_000
			rs := draw(newGen(t, w, 9), n)
			ts := make([]time.Duration, n)
			for i := range rs {
				ts[i] = rs[i].Arrival
			}
			// The mean gap is T/N for the N arrivals in time T. From the
			// variance in TestBursty, N has index of dispersion
			// I = 1 + 2 lambda (1-p)/kappa (1.11 in the first case, 1 to
			// within 1e-6 in the others), so the mean gap has relative
			// standard error sqrt(I/n).
			mean, sd := meanSD(gaps(ts))
			p := float64(c.on) / float64(c.on+c.off)
			kappa := 1/c.on.Seconds() + 1/c.off.Seconds()
			index := 1 + 2*c.rate*(1-p)/kappa
			want := 1e9 / (c.rate * p)
			if tol := nSE * want * math.Sqrt(index/n); !within(mean, want, tol) {
				t.Errorf("mean gap %.4g ns, want %.4g ± %.2g", mean, want, tol)
			}
			t.Logf("mean gap %.4g ns (want %.4g), CV %.3f", mean, want, sd/mean)
		})
	}
}
