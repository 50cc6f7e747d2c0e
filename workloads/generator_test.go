package workloads

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/lbsim/lbsim/scenarios"
)

// mixed is the mixed-50ms-5s workload: 99% cheap requests, 1% expensive, 60%
// of them behind three NAT gateways.
func mixed() *scenarios.Workload {
	return &scenarios.Workload{
		Arrival: scenarios.Arrival{Process: "poisson", Rate: 120},
		Classes: []scenarios.Class{
			{Name: "profile", Share: 0.99, Service: scenarios.Service{Dist: "constant", Mean: scenarios.Duration(50 * time.Millisecond)}},
			{Name: "report", Share: 0.01, Service: scenarios.Service{Dist: "constant", Mean: scenarios.Duration(5 * time.Second)}},
		},
		Clients: scenarios.Clients{Count: 10_000, NAT: &scenarios.NAT{Gateways: 3, Share: 0.6}},
	}
}

func TestClasses(t *testing.T) {
	const n = 1_000_000
	svc := func(mean time.Duration) scenarios.Service {
		return scenarios.Service{Dist: "constant", Mean: scenarios.Duration(mean)}
	}
	cases := []struct {
		name    string
		classes []scenarios.Class
	}{
		{"0.99/0.01", mixed().Classes},
		{"three with a zero share", []scenarios.Class{
			{Name: "a", Share: 0.2, Service: svc(time.Millisecond)},
			{Name: "never", Share: 0, Service: svc(2 * time.Millisecond)},
			{Name: "b", Share: 0.5, Service: svc(3 * time.Millisecond)},
			{Name: "c", Share: 0.3, Service: svc(4 * time.Millisecond)},
			{Name: "never at the end", Share: 0, Service: svc(5 * time.Millisecond)},
		}},
		{"shares summing to 1 - 1e-9", []scenarios.Class{
			{Name: "a", Share: 0.5, Service: svc(time.Millisecond)},
			{Name: "b", Share: 0.5 - 1e-9, Service: svc(2 * time.Millisecond)},
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := workload(1000)
			w.Service, w.Classes = nil, c.classes
			g := newGen(t, w, 11)
			counts := make([]float64, len(c.classes))
			var r Request
			for range n {
				g.Next(&r)
				counts[r.Class]++
				if want := c.classes[r.Class].Service.Mean.D(); r.Demand != want {
					t.Fatalf("class %d request with demand %v, want %v", r.Class, r.Demand, want)
				}
			}
			for i, cl := range c.classes {
				// Binomial count: standard deviation sqrt(n p (1-p)); a
				// class with share 0 is never chosen.
				p := cl.Share
				if tol := nSE * math.Sqrt(n*p*(1-p)); !within(counts[i], n*p, tol) {
					t.Errorf("class %d: %.0f requests, want %.0f ± %.0f", i, counts[i], n*p, tol)
				}
			}
		})
	}
}

// TestClassBoundaries checks the class search at the edges of the
// cumulative shares.
func TestClassBoundaries(t *testing.T) {
	g := &Generator{cum: []float64{0.25, 0.25, 0.75, 1}}
	cases := []struct {
		u    float64
		want int
	}{{0, 0}, {0.2499, 0}, {0.25, 2}, {0.5, 2}, {0.75, 3}, {math.Nextafter(1, 0), 3}}
	for _, c := range cases {
		if got := g.class(c.u); got != c.want {
			t.Errorf("class(%g) = %d, want %d", c.u, got, c.want)
		}
	}
}

func TestReproducible(t *testing.T) {
	const n = 20_000
	same := func(a, b []Request, field func(*Request) any) int {
		diff := 0
		for i := range a {
			if field(&a[i]) != field(&b[i]) {
				diff++
			}
		}
		return diff
	}
	arrival := func(r *Request) any { return r.Arrival }
	class := func(r *Request) any { return r.Class }
	demand := func(r *Request) any { return r.Demand }
	client := func(r *Request) any { return r.Client }
	all := func(r *Request) any { return *r }

	base := func() *scenarios.Workload {
		w := mixed()
		w.Classes[1].Service = scenarios.Service{Dist: "lognormal", Mean: scenarios.Duration(5 * time.Second), Sigma: 1}
		w.Clients.Zipf = 1.1
		return w
	}
	ref := draw(newGen(t, base(), 42), n)

	cases := []struct {
		name    string
		seed    uint64
		change  func(w *scenarios.Workload)
		same    []func(*Request) any // fields that must not change
		differs []func(*Request) any // fields that must change
	}{
		{name: "same seed", seed: 42, same: []func(*Request) any{all}},
		{name: "other seed", seed: 43, differs: []func(*Request) any{arrival, class, demand, client}},
		{name: "other clients", seed: 42,
			change: func(w *scenarios.Workload) {
				w.Clients = scenarios.Clients{Count: 77, NAT: &scenarios.NAT{Gateways: 9, Share: 0.1}}
			},
			same: []func(*Request) any{arrival, class, demand}, differs: []func(*Request) any{client}},
		{name: "other arrival process", seed: 42,
			change: func(w *scenarios.Workload) {
				w.Arrival = scenarios.Arrival{Process: "bursty", Rate: 500, On: 1e6, Off: 3e6}
			},
			same: []func(*Request) any{class, demand, client}, differs: []func(*Request) any{arrival}},
		{name: "other phases", seed: 42,
			change: func(w *scenarios.Workload) {
				w.Arrival.Phases = []scenarios.Phase{{At: scenarios.Duration(time.Minute), Rate: 1000}}
			},
			same: []func(*Request) any{class, demand, client}, differs: []func(*Request) any{arrival}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := base()
			if c.change != nil {
				c.change(w)
			}
			got := draw(newGen(t, w, c.seed), n)
			for i, f := range c.same {
				if d := same(ref, got, f); d > 0 {
					t.Errorf("same[%d]: %d of %d requests differ", i, d, n)
				}
			}
			for i, f := range c.differs {
				// Most requests differ; a few coincide (the class of
				// two streams agrees 98% of the time).
				if d := same(ref, got, f); d == 0 {
					t.Errorf("differs[%d]: every request is the same", i)
				}
			}
		})
	}

	// Per-class service streams: changing one class's distribution, or the
	// mix, leaves the k-th demand of another class as it was.
	classDemands := func(rs []Request, class int) []time.Duration {
		var out []time.Duration
		for _, r := range rs {
			if r.Class == class {
				out = append(out, r.Demand)
			}
		}
		return out
	}
	w := base()
	w.Classes[0].Service = scenarios.Service{Dist: "pareto", Mean: scenarios.Duration(50 * time.Millisecond), Alpha: 2}
	w.Classes[0].Share, w.Classes[1].Share = 0.5, 0.5
	got := draw(newGen(t, w, 42), n)
	want, have := classDemands(ref, 1), classDemands(got, 1)
	for i := range min(len(want), len(have)) {
		if want[i] != have[i] {
			t.Fatalf("class 1 demand %d is %v, was %v before class 0 changed", i, have[i], want[i])
		}
	}
}

func TestErrors(t *testing.T) {
	cases := []struct {
		name   string
		change func(w *scenarios.Workload)
		field  string // the error names this field
	}{
		{"unknown process", func(w *scenarios.Workload) { w.Arrival.Process = "posson" }, "arrival.process"},
		{"empty process", func(w *scenarios.Workload) { w.Arrival.Process = "" }, "arrival.process"},
		{"negative rate", func(w *scenarios.Workload) { w.Arrival.Rate = -1 }, "arrival.rate"},
		{"NaN rate", func(w *scenarios.Workload) { w.Arrival.Rate = math.NaN() }, "arrival.rate"},
		{"infinite rate", func(w *scenarios.Workload) { w.Arrival.Rate = math.Inf(1) }, "arrival.rate"},
		{"bursty without on", func(w *scenarios.Workload) { w.Arrival.Process = "bursty"; w.Arrival.Off = 1e6 }, "arrival.on"},
		{"bursty negative off", func(w *scenarios.Workload) {
			w.Arrival = scenarios.Arrival{Process: "bursty", Rate: 1, On: 1e6, Off: -1}
		}, "arrival.off"},
		{"phase before 0", func(w *scenarios.Workload) { w.Arrival.Phases = []scenarios.Phase{{At: -1, Rate: 1}} }, "phases[0].at"},
		{"phases out of order", func(w *scenarios.Workload) {
			w.Arrival.Phases = []scenarios.Phase{{At: 10, Rate: 1}, {At: 5, Rate: 1}}
		}, "phases[1].at"},
		{"negative phase rate", func(w *scenarios.Workload) { w.Arrival.Phases = []scenarios.Phase{{At: 10, Rate: -2}} }, "phases[0].rate"},
		{"no service", func(w *scenarios.Workload) { w.Service = nil }, "service"},
		{"unknown dist", func(w *scenarios.Workload) { w.Service.Dist = "normal" }, "service.dist"},
		{"zero mean", func(w *scenarios.Workload) { w.Service.Mean = 0 }, "service.mean"},
		{"negative mean", func(w *scenarios.Workload) { w.Service.Mean = -5 }, "service.mean"},
		{"uniform min above mean", func(w *scenarios.Workload) {
			*w.Service = scenarios.Service{Dist: "uniform", Mean: 10, Min: 11}
		}, "service.min"},
		{"uniform negative min", func(w *scenarios.Workload) {
			*w.Service = scenarios.Service{Dist: "uniform", Mean: 10, Min: -1}
		}, "service.min"},
		{"lognormal sigma 0", func(w *scenarios.Workload) { *w.Service = scenarios.Service{Dist: "lognormal", Mean: 10} }, "service.sigma"},
		{"lognormal NaN sigma", func(w *scenarios.Workload) {
			*w.Service = scenarios.Service{Dist: "lognormal", Mean: 10, Sigma: math.NaN()}
		}, "service.sigma"},
		{"pareto alpha 1", func(w *scenarios.Workload) { *w.Service = scenarios.Service{Dist: "pareto", Mean: 10, Alpha: 1} }, "service.alpha"},
		{"pareto infinite alpha", func(w *scenarios.Workload) {
			*w.Service = scenarios.Service{Dist: "pareto", Mean: 10, Alpha: math.Inf(1)}
		}, "service.alpha"},
		{"negative share", func(w *scenarios.Workload) {
			w.Service = nil
			w.Classes = []scenarios.Class{{Share: -0.5, Service: scenarios.Service{Dist: "constant", Mean: 1}},
				{Share: 1.5, Service: scenarios.Service{Dist: "constant", Mean: 1}}}
		}, "classes[0].share"},
		{"shares sum to 0.5", func(w *scenarios.Workload) {
			w.Service = nil
			w.Classes = []scenarios.Class{{Share: 0.5, Service: scenarios.Service{Dist: "constant", Mean: 1}}}
		}, "classes"},
		{"bad class service", func(w *scenarios.Workload) {
			w.Service = nil
			w.Classes = []scenarios.Class{{Share: 0.5, Service: scenarios.Service{Dist: "constant", Mean: 1}},
				{Share: 0.5, Service: scenarios.Service{Dist: "gamma", Mean: 1}}}
		}, "classes[1].service.dist"},
		{"no clients", func(w *scenarios.Workload) { w.Clients.Count = 0 }, "clients.count"},
		{"too many clients", func(w *scenarios.Workload) { w.Clients.Count = MaxClients + 1 }, "clients.count"},
		{"negative zipf", func(w *scenarios.Workload) { w.Clients.Zipf = -2 }, "clients.zipf"},
		{"NaN zipf", func(w *scenarios.Workload) { w.Clients.Zipf = math.NaN() }, "clients.zipf"},
		{"infinite zipf", func(w *scenarios.Workload) { w.Clients.Zipf = math.Inf(1) }, "clients.zipf"},
		{"nat share above 1", func(w *scenarios.Workload) { w.Clients.NAT = &scenarios.NAT{Gateways: 1, Share: 1.5} }, "nat.share"},
		{"nat without gateways", func(w *scenarios.Workload) { w.Clients.NAT = &scenarios.NAT{Share: 0.5} }, "nat.gateways"},
		{"too many gateways", func(w *scenarios.Workload) {
			w.Clients.NAT = &scenarios.NAT{Gateways: MaxGateways + 1, Share: 0.5}
		}, "nat.gateways"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := workload(10)
			c.change(w)
			g, err := New(w, 1)
			switch {
			case err == nil:
				t.Fatalf("New succeeded (%v), want an error", g)
			case !errors.Is(err, ErrInvalid):
				t.Errorf("error %q does not wrap ErrInvalid", err)
			case !strings.Contains(err.Error(), c.field):
				t.Errorf("error %q does not name %s", err, c.field)
			}
		})
	}
	if _, err := New(nil, 1); !errors.Is(err, ErrInvalid) {
		t.Errorf("New(nil): %v, want ErrInvalid", err)
	}
}

// FuzzNew checks that New never panics and that whatever it accepts yields
// a well-formed stream.
func FuzzNew(f *testing.F) {
	f.Add(uint64(1), "poisson", 10.0, int64(0), int64(0), int64(0), 0.0, "exponential", int64(1e8), int64(0), 0.0, 0.0, 100, 0.0, 0.0, 0)
	f.Add(uint64(2), "bursty", 1e9, int64(1), int64(1), int64(5), 0.0, "lognormal", int64(1), int64(0), 10.0, 0.0, 1, 1.5, 1.0, 508)
	f.Add(uint64(3), "constant", 1e-9, int64(-1), int64(1e9), int64(0), 3.0, "pareto", int64(1e15), int64(0), 0.0, 1.0001, MaxClients, 1e300, 0.5, 3)
	f.Add(uint64(4), "constant", 3.0, int64(0), int64(0), int64(1e9), 0.0, "uniform", int64(50), int64(50), 0.0, 0.0, 2, 0.0, 0.0, 0)
	f.Fuzz(func(t *testing.T, seed uint64, process string, rate float64, on, off, at int64, phaseRate float64,
		dist string, mean, lo int64, sigma, alpha float64, count int, zipf, natShare float64, gateways int) {
		w := &scenarios.Workload{
			Arrival: scenarios.Arrival{Process: process, Rate: rate, On: scenarios.Duration(on), Off: scenarios.Duration(off),
				Phases: []scenarios.Phase{{At: scenarios.Duration(at), Rate: phaseRate}}},
			Service: &scenarios.Service{Dist: dist, Mean: scenarios.Duration(mean), Min: scenarios.Duration(lo), Sigma: sigma, Alpha: alpha},
			Clients: scenarios.Clients{Count: count, Zipf: zipf, NAT: &scenarios.NAT{Gateways: gateways, Share: natShare}},
		}
		g, err := New(w, seed)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("error %q does not wrap ErrInvalid", err)
			}
			return
		}
		var r Request
		last := time.Duration(0)
		for range 100 {
			g.Next(&r)
			if r.Arrival < last || r.Arrival < 0 {
				t.Fatalf("arrival %v after %v", r.Arrival, last)
			}
			last = r.Arrival
			if r.Demand < 1 || r.Demand > MaxDemand || r.Class != 0 || !r.Client.Is4() {
				t.Fatalf("bad request %+v", r)
			}
		}
	})
}

func BenchmarkNext(b *testing.B) {
	bursty := mixed()
	bursty.Arrival = scenarios.Arrival{Process: "bursty", Rate: 1000, On: 5e7, Off: 1.5e8,
		Phases: []scenarios.Phase{{At: scenarios.Duration(time.Hour), Rate: 2000}}}
	bursty.Classes[0].Service = scenarios.Service{Dist: "lognormal", Mean: 5e7, Sigma: 1}
	bursty.Classes[1].Service = scenarios.Service{Dist: "pareto", Mean: 5e9, Alpha: 2.5}
	bursty.Clients.Zipf = 1.2
	cases := []struct {
		name string
		w    *scenarios.Workload
	}{
		{"poisson-exponential", workload(1000)},
		{"mixed-two-classes-nat", mixed()},
		{"bursty-phases-lognormal-pareto-zipf", bursty},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			g := newGen(b, c.w, 1)
			var r Request
			b.ReportAllocs()
			for b.Loop() {
				g.Next(&r)
			}
		})
	}
}

// TestBundled checks that every bundled scenario's workload, as the loader
// leaves it, makes a generator.
func TestBundled(t *testing.T) {
	for _, s := range scenarios.Bundled() {
		t.Run(s.Name, func(t *testing.T) {
			g := newGen(t, &s.Workload, s.Seed)
			classes := len(s.Workload.RequestClasses())
			last := time.Duration(0)
			for _, r := range draw(g, 1000) {
				if r.Arrival < last || r.Class < 0 || r.Class >= classes || r.Demand < 1 {
					t.Fatalf("bad request %+v after an arrival at %v", r, last)
				}
				last = r.Arrival
			}
		})
	}
}

// A drawn workload's classes are named as its RequestClasses.
func TestClassNames(t *testing.T) {
	w := workload(10)
	w.Service = nil
	w.Classes = []scenarios.Class{
		{Name: "profile", Share: 0.9, Service: scenarios.Service{Dist: "constant", Mean: scenarios.Duration(time.Millisecond)}},
		{Name: "report", Share: 0.1, Service: scenarios.Service{Dist: "constant", Mean: scenarios.Duration(time.Second)}},
	}
	if got := newGen(t, w, 1).ClassNames(); strings.Join(got, ",") != "profile,report" {
		t.Errorf("ClassNames() = %v, want profile, report", got)
	}
	if got := newGen(t, workload(10), 1).ClassNames(); strings.Join(got, ",") != "default" {
		t.Errorf("ClassNames() = %v for one service, want default", got)
	}
}
