package proxy

import (
	"math"
	"testing"
	"time"
)

// t0 is a fake clock's start, on a whole second.
var t0 = time.Unix(1_700_000_000, 0)

func at(d time.Duration) time.Time { return t0.Add(d) }

func near(got, want, rel float64) bool { return math.Abs(got-want) <= rel*want }

func TestLatBuckets(t *testing.T) {
	// Every bucket's range starts where the previous one ends, and a
	// latency falls in the bucket whose range holds it.
	_, prev := latBounds(0)
	for i := 1; i < latBuckets; i++ {
		lo, hi := latBounds(i)
		if lo != prev || hi <= lo {
			t.Fatalf("bucket %d is [%g, %g), after one ending at %g", i, lo, hi, prev)
		}
		prev = hi
		for _, us := range []float64{lo, hi - 1} {
			if got := latBucket(time.Duration(us) * time.Microsecond); got != i {
				t.Fatalf("%g µs went to bucket %d, want %d", us, got, i)
			}
		}
	}
	if got := latBucket(time.Hour); got != latBuckets-1 {
		t.Errorf("an hour went to bucket %d, want the last", got)
	}
	if got := latBucket(-time.Second); got != 0 {
		t.Errorf("a negative latency went to bucket %d", got)
	}
	// 10 ms = 10000 µs: 2^13 <= 10000 < 2^14, in steps of 2^10 = 1024,
	// the bucket [9216, 10240).
	if lo, hi := latBounds(latBucket(10 * time.Millisecond)); lo != 9216 || hi != 10240 {
		t.Errorf("10 ms is in [%g, %g), want [9216, 10240)", lo, hi)
	}
}

func TestWindowRates(t *testing.T) {
	w := newWindow(t0)
	// 10 attempts in each of the first 60 seconds, one in ten failed.
	for s := range 60 {
		for i := range 10 {
			w.add(at(time.Duration(s)*time.Second+time.Duration(i)*50*time.Millisecond), time.Millisecond, i == 0)
		}
	}
	// At 60.5 s the 10 s span holds seconds 51..59 whole and 60 so far
	// (nothing yet): 90 attempts in 9.5 s.
	r := w.read(at(60500*time.Millisecond), 10)
	if r.n != 90 || r.failed != 9 || r.seconds != 9.5 {
		t.Fatalf("10 s: %d attempts, %d failed over %g s; want 90, 9, 9.5", r.n, r.failed, r.seconds)
	}
	if got := r.rate(); !near(got, 90/9.5, 1e-12) {
		t.Errorf("10 s rate %g, want %g", got, 90/9.5)
	}
	if got := r.errorRate(); got != 0.1 {
		t.Errorf("10 s error rate %g, want 0.1", got)
	}
	// The minute: seconds 1..59 whole and 60 so far, 590 attempts in 59.5 s.
	r = w.read(at(60500*time.Millisecond), 60)
	if r.n != 590 || r.failed != 59 || r.seconds != 59.5 {
		t.Fatalf("1 min: %d attempts, %d failed over %g s; want 590, 59, 59.5", r.n, r.failed, r.seconds)
	}
	// A quiet minute later nothing is left, though the ring's slots
	// still hold old seconds.
	r = w.read(at(125*time.Second), 60)
	if r.n != 0 || r.rate() != 0 || r.errorRate() != 0 || r.quantile(0.5) != 0 {
		t.Errorf("after a quiet minute: %d attempts, rate %g", r.n, r.rate())
	}
	// New seconds reuse the slots, which start from zero.
	w.add(at(125*time.Second), time.Millisecond, false)
	w.add(at(125*time.Second+time.Millisecond), time.Millisecond, false)
	if r = w.read(at(125500*time.Millisecond), 10); r.n != 2 || r.failed != 0 {
		t.Errorf("after the quiet minute: %d attempts, %d failed; want 2, 0", r.n, r.failed)
	}
}

func TestWindowYoung(t *testing.T) {
	// A window 2.5 s old divides by 2.5 s, not 10 s.
	w := newWindow(t0.Add(500 * time.Millisecond))
	for i := range 25 {
		w.add(at(500*time.Millisecond+time.Duration(i)*100*time.Millisecond), time.Millisecond, false)
	}
	r := w.read(at(3*time.Second), 10)
	if r.n != 25 || r.seconds != 2.5 || r.rate() != 10 {
		t.Errorf("%d attempts over %g s, rate %g; want 25 over 2.5 s, 10/s", r.n, r.seconds, r.rate())
	}
}

func TestWindowQuantiles(t *testing.T) {
	w := newWindow(t0)
	// 90 attempts of 1 ms and 10 of 100 ms, and failures, whose
	// latencies do not count.
	for i := range 90 {
		w.add(at(time.Duration(i)*time.Millisecond), time.Millisecond, false)
	}
	for i := range 10 {
		w.add(at(time.Second+time.Duration(i)*time.Millisecond), 100*time.Millisecond, false)
	}
	for range 50 {
		w.add(at(2*time.Second), time.Hour, true)
	}
	r := w.read(at(3*time.Second), 60)
	for _, c := range []struct{ q, want float64 }{
		{0.5, 1}, {0.9, 1}, // the 90th of 100 is the last 1 ms one
		{0.91, 100}, {0.99, 100}, {1, 100},
	} {
		if got := r.quantile(c.q); !near(got, c.want, 1.0/16) {
			t.Errorf("p%g = %g ms, want %g within 1/16", 100*c.q, got, c.want)
		}
	}
	// 1 ms = 1000 µs is in [960, 1024): its midpoint, 0.992 ms.
	if got := r.quantile(0.5); got != 0.992 {
		t.Errorf("p50 = %g ms, want the bucket's midpoint 0.992", got)
	}
	// The totals merge two servers' counts.
	o := newWindow(t0)
	for i := range 100 {
		o.add(at(time.Duration(i)*time.Millisecond), 100*time.Millisecond, false)
	}
	or := o.read(at(3*time.Second), 60)
	r.merge(&or)
	if r.n != 250 || r.failed != 50 {
		t.Fatalf("merged: %d attempts, %d failed; want 250, 50", r.n, r.failed)
	}
	// 90 of 200 successes at 1 ms: p45 is 1 ms, p46 is 100 ms.
	if a, b := r.quantile(0.45), r.quantile(0.46); !near(a, 1, 1.0/16) || !near(b, 100, 1.0/16) {
		t.Errorf("merged p45 %g ms, p46 %g ms; want 1 and 100", a, b)
	}
}

// TestWindowAddAllocs: recording an attempt allocates nothing.
func TestWindowAddAllocs(t *testing.T) {
	w := newWindow(t0)
	now := t0
	if n := testing.AllocsPerRun(1000, func() {
		now = now.Add(3 * time.Millisecond)
		w.add(now, time.Millisecond, false)
	}); n != 0 {
		t.Errorf("add allocates %g times", n)
	}
}

// BenchmarkWindowAdd is the stats page's cost per attempt, from many
// goroutines at once as the proxy records them, dated by a coarse clock as
// the proxy dates them.
func BenchmarkWindowAdd(b *testing.B) {
	var clock coarseClock
	clock.set()
	w := newWindow(clock.Now())
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			w.add(clock.Now(), time.Millisecond, false)
		}
	})
}
