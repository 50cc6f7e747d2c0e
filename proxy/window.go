package proxy

import (
	"math"
	"math/bits"
	"sync"
	"sync/atomic"
	"time"
)

// window counts one server's recent attempts, failures and latencies in a
// ring of one-second slots, for the stats page's rates and percentiles
// over the last 10 s and the last minute. Recording an attempt is a few
// atomic operations and allocates nothing; memory is fixed (slots x
// latency buckets) however many requests pass.
type window struct {
	// start is when counting began: a window younger than its span
	// divides by its age, not by the span.
	start time.Time
	// mu serialises the reset of a slot for a new second, once per slot
	// and second; recording otherwise takes no lock.
	mu    sync.Mutex
	slots [windowSlots]slot
}

// windowSlots is the ring's length: more than the longest span read (60
// s), a power of two.
const windowSlots = 64

// slot is one second's counts; sec is the Unix second it counts. The
// attempts that ended are the failures and the successes, counted by
// latency.
type slot struct {
	sec    atomic.Int64
	failed atomic.Uint32
	lat    [latBuckets]atomic.Uint32
}

// Latencies go in log-linear buckets of microseconds: exact below 16 µs,
// then 8 buckets per power of two, so a bucket's midpoint is within 1/16
// (6.25%) of any latency in it. The last bucket holds everything from
// about 8 minutes up.
const (
	latSub     = 8
	latBuckets = 27 * latSub
)

// latBucket is d's bucket.
func latBucket(d time.Duration) int {
	us := uint64(max(d, 0) / time.Microsecond)
	if us < 2*latSub {
		return int(us)
	}
	e := bits.Len64(us) - 1 // 2^e <= us < 2^(e+1), e >= 4
	i := (e-2)*latSub + int(us>>(e-3))&(latSub-1)
	return min(i, latBuckets-1)
}

// latBounds is bucket i's range [lo, hi) in microseconds.
func latBounds(i int) (lo, hi float64) {
	if i < 2*latSub {
		return float64(i), float64(i + 1)
	}
	e := i/latSub + 2
	width := math.Ldexp(1, e-3)
	lo = float64(latSub+i%latSub) * width
	return lo, lo + width
}

func newWindow(start time.Time) *window { return &window{start: start} }

// add records one attempt that ended at now: its latency d if it
// succeeded, or a failure. It is an atomic load and an atomic add, but
// once a second, when it clears the slot for the new second.
func (w *window) add(now time.Time, d time.Duration, failed bool) {
	sec := now.Unix()
	s := &w.slots[sec&(windowSlots-1)]
	if s.sec.Load() != sec {
		w.turn(s, sec)
	}
	if failed {
		s.failed.Add(1)
	} else {
		s.lat[latBucket(d)].Add(1)
	}
}

// turn clears s for second sec, unless another goroutine did, or s
// already counts a later second (a late recording is then dropped into
// it, a negligible error).
func (w *window) turn(s *slot, sec int64) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if s.sec.Load() >= sec {
		return
	}
	s.failed.Store(0)
	for i := range s.lat {
		s.lat[i].Store(0)
	}
	s.sec.Store(sec)
}

// recent is what a window counted over a span ending now.
type recent struct {
	// seconds is the time the counts cover: the span, or less for a
	// young window.
	seconds float64
	n       uint64
	failed  uint64
	lat     [latBuckets]uint64
}

// read sums the last span seconds up to now: the current second so far
// and the span-1 whole seconds before it.
func (w *window) read(now time.Time, span int) recent {
	var r recent
	r.seconds = float64(span-1) + float64(now.Nanosecond())/1e9
	if age := now.Sub(w.start).Seconds(); age < r.seconds {
		r.seconds = max(age, 0)
	}
	sec := now.Unix()
	for k := range span {
		s := &w.slots[(sec-int64(k))&(windowSlots-1)]
		if s.sec.Load() != sec-int64(k) {
			continue
		}
		f := uint64(s.failed.Load())
		r.n += f
		r.failed += f
		for i := range s.lat {
			c := uint64(s.lat[i].Load())
			r.n += c
			r.lat[i] += c
		}
	}
	return r
}

// merge adds o's counts to r (for the totals over every server).
func (r *recent) merge(o *recent) {
	r.seconds = max(r.seconds, o.seconds)
	r.n += o.n
	r.failed += o.failed
	for i := range r.lat {
		r.lat[i] += o.lat[i]
	}
}

// rate is attempts per second.
func (r *recent) rate() float64 {
	if r.seconds <= 0 {
		return 0
	}
	return float64(r.n) / r.seconds
}

// errorRate is the share of attempts that failed, 0 with none.
func (r *recent) errorRate() float64 {
	if r.n == 0 {
		return 0
	}
	return float64(r.failed) / float64(r.n)
}

// quantile is the q-quantile of the successes' latencies in
// milliseconds (the midpoint of the bucket holding it), 0 with none.
func (r *recent) quantile(q float64) float64 {
	var total uint64
	for _, c := range r.lat {
		total += c
	}
	if total == 0 {
		return 0
	}
	rank := max(uint64(math.Ceil(q*float64(total))), 1)
	var seen uint64
	for i, c := range r.lat {
		if seen += c; seen >= rank {
			lo, hi := latBounds(i)
			return (lo + hi) / 2 / 1000
		}
	}
	return 0
}
