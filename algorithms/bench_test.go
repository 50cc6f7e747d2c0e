package algorithms

import (
	"fmt"
	"net/netip"
	"testing"
	"time"
)

// benchPool returns n backends with weights 1..5 and a spread of in-flight
// counts, and a balancer of the named policy over them with latency samples
// for every backend, as in a run that has warmed up.
func benchPool(tb testing.TB, name string, n int) (Balancer, []*Backend) {
	bs := make([]*Backend, n)
	for i := range bs {
		bs[i] = NewBackend(i, fmt.Sprintf("app-%d", i+1), 1+i%5)
		setInFlight(bs[i], int64(i%7))
	}
	bal := mustNew(tb, name, 1)
	bal.Update(bs)
	for i, b := range bs {
		bal.Done(b, Outcome{Latency: time.Duration(10+i%13) * time.Millisecond})
	}
	return bal, bs
}

// benchClients are distinct client addresses, so ip_hash hashes real input.
var benchClients = func() [1024]netip.Addr {
	var a [1024]netip.Addr
	for i := range a {
		a[i] = clientAddr(i * 7919)
	}
	return a
}()

// Pick must not allocate, for any policy, including the host's bookkeeping
// around it (Begin, Done, End).
func TestPickDoesNotAllocate(t *testing.T) {
	for _, name := range Names() {
		bal, _ := benchPool(t, name, 100)
		req := &Request{}
		o := Outcome{Latency: time.Millisecond, Err: ErrNoBackend}
		k := 0
		allocs := testing.AllocsPerRun(1000, func() {
			k++
			req.Client = benchClients[k%len(benchClients)]
			req.Now = time.Duration(k) * time.Millisecond
			b, err := bal.Pick(req)
			if err != nil {
				t.Fatal(err)
			}
			b.Begin()
			o.Now = req.Now
			bal.Done(b, o)
			b.End()
		})
		if allocs != 0 {
			t.Errorf("%s: %v allocations per pick, want 0", name, allocs)
		}
	}
}

// BenchmarkPick measures one pick over 100 backends, the simulator's case:
// one goroutine, no contention.
func BenchmarkPick(b *testing.B) {
	for _, name := range Names() {
		b.Run(name, func(b *testing.B) {
			bal, _ := benchPool(b, name, 100)
			req := &Request{}
			b.ReportAllocs()
			k := 0
			for b.Loop() {
				k++
				req.Client = benchClients[k%len(benchClients)]
				req.Now = time.Duration(k) * time.Microsecond
				if _, err := bal.Pick(req); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkPickParallel measures picks with Begin, Done and End from every
// CPU at once, the proxy's case.
func BenchmarkPickParallel(b *testing.B) {
	for _, name := range Names() {
		b.Run(name, func(b *testing.B) {
			bal, _ := benchPool(b, name, 100)
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				req := &Request{}
				k := 0
				for pb.Next() {
					k++
					req.Client = benchClients[k%len(benchClients)]
					req.Now = time.Duration(k) * time.Microsecond
					be, err := bal.Pick(req)
					if err != nil {
						b.Error(err)
						return
					}
					be.Begin()
					bal.Done(be, Outcome{Now: req.Now, Latency: time.Millisecond})
					be.End()
				}
			})
		})
	}
}

// BenchmarkUpdate measures rebuilding the snapshot for 100 backends, which
// the host pays on every membership or health change.
func BenchmarkUpdate(b *testing.B) {
	for _, name := range Names() {
		b.Run(name, func(b *testing.B) {
			bal, bs := benchPool(b, name, 100)
			b.ReportAllocs()
			for b.Loop() {
				bal.Update(bs)
			}
		})
	}
}

// BenchmarkPickCycle measures what a host pays per request on one
// goroutine: Pick, then Begin and End on the chosen backend, which the
// policies that index backends by load must follow. At 100 and 10,000
// backends, so that a cost growing with the pool shows.
func BenchmarkPickCycle(b *testing.B) {
	for _, n := range []int{100, 10_000} {
		for _, name := range Names() {
			b.Run(fmt.Sprintf("%d/%s", n, name), func(b *testing.B) {
				bal, _ := benchPool(b, name, n)
				req := &Request{}
				b.ReportAllocs()
				k := 0
				for b.Loop() {
					k++
					req.Client = benchClients[k%len(benchClients)]
					req.Now = time.Duration(k) * time.Microsecond
					be, err := bal.Pick(req)
					if err != nil {
						b.Fatal(err)
					}
					be.Begin()
					be.End()
				}
			})
		}
	}
}
