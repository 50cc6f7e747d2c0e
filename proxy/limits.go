package proxy

import (
	"cmp"
	"encoding/binary"
	"errors"
	"net/netip"
	"slices"
	"sync"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/lbsim/lbsim/scenarios"
)

// A route's limit is nginx's limit_req, with the simulator's arithmetic
// (sim/limits.go), so that the two agree request for request: a leaky
// bucket per client address (the connection's, as nginx's
// $binary_remote_addr) or one for all clients, draining at the limit's
// rate. The excess is counted in thousandths of a request; a bucket's
// first request finds it empty; a request that would raise the excess
// above the burst is rejected at once and leaves the bucket as it was;
// one within the burst is held until the bucket has drained to it, unless
// nodelay (or delay, for the first few) lets it through at once.
//
// The buckets of a limit per client are in shards, each with its own
// lock, so that clients rarely wait for one another, and each shard holds
// at most shardBuckets of them, as nginx's zone has a fixed size. A
// bucket that has drained is as good as none (the next request finds
// excess 0 either way), so a full shard first forgets those, which
// changes nothing; if most of its clients still have an excess, it also
// forgets those seen least recently, as nginx's zone does when full, and
// they start afresh.

const (
	// limitShards is the number of shards of a limit per client.
	limitShards = 64
	// shardBuckets is the most buckets a shard holds: 131,072 client
	// addresses per limit in all.
	shardBuckets = 2048
)

// limiter is one route's limit. A reload that keeps the route's index and
// limit keeps its limiter, buckets and all.
type limiter struct {
	cfg    scenarios.Limit
	shards []limitShard // one for a limit for all clients
}

// limitShard is a share of a limiter's buckets, by client address (the
// zero address for all clients), padded to a cache line of its own.
type limitShard struct {
	mu      sync.Mutex
	buckets map[[16]byte]bucket
	_       [48]byte
}

// bucket is one leaky bucket.
type bucket struct {
	excess int64         // thousandths of a request
	last   time.Duration // since the proxy started
}

func newLimiter(cfg scenarios.Limit) *limiter {
	n := limitShards
	if cfg.Per == scenarios.LimitPerAll {
		n = 1
	}
	l := &limiter{cfg: cfg, shards: make([]limitShard, n)}
	for i := range l.shards {
		l.shards[i].buckets = make(map[[16]byte]bucket)
	}
	return l
}

// admit reports whether a request from client at now (since the proxy
// started) passes the limit, and how long it is held first.
func (l *limiter) admit(client netip.Addr, now time.Duration) (hold time.Duration, ok bool) {
	var key [16]byte
	s := &l.shards[0]
	if len(l.shards) > 1 {
		key = client.As16()
		s = &l.shards[shardOf(key)]
	}
	s.mu.Lock()
	b, found := s.buckets[key]
	if !found {
		if len(s.buckets) >= shardBuckets {
			l.evict(s, now)
		}
		s.buckets[key] = bucket{last: now}
		s.mu.Unlock()
		return 0, true
	}
	excess, hold, ok := l.cfg.Admit(b.excess, b.last, now)
	if ok {
		// Requests read the clock before they take the lock, so one may
		// come with a time just before the bucket's: it drained nothing,
		// and the bucket keeps the later time, as in nginx.
		s.buckets[key] = bucket{excess, max(b.last, now)}
	}
	s.mu.Unlock()
	return hold, ok
}

// evict makes room in s, which is full: it forgets the buckets that have
// drained, and then, while more than three quarters of the shard is
// taken, those seen least recently. Each eviction frees a quarter of the
// shard at least, so it runs once per shardBuckets/4 new clients at most.
// The caller holds s.mu.
func (l *limiter) evict(s *limitShard, now time.Duration) {
	for k, b := range s.buckets {
		if next, _, _ := l.cfg.Admit(b.excess, b.last, now); next == 0 {
			delete(s.buckets, k)
		}
	}
	keep := shardBuckets * 3 / 4
	if len(s.buckets) <= keep {
		return
	}
	type seen struct {
		key  [16]byte
		last time.Duration
	}
	all := make([]seen, 0, len(s.buckets))
	for k, b := range s.buckets {
		all = append(all, seen{k, b.last})
	}
	slices.SortFunc(all, func(a, b seen) int { return cmp.Compare(a.last, b.last) })
	for _, c := range all[:len(all)-keep] {
		delete(s.buckets, c.key)
	}
}

// shardOf is the shard of a client address.
func shardOf(key [16]byte) uint64 {
	hi, lo := binary.BigEndian.Uint64(key[:8]), binary.BigEndian.Uint64(key[8:])
	return mix(hi^mix(lo)) % limitShards
}

// limiterFor returns the limiter of cfg's route i: old's, when old had a
// route i with the same limit, else a fresh one; nil for no limit.
func limiterFor(cfg *scenarios.Scenario, i int, old *state) *limiter {
	lim := cfg.Routes[i].Limit
	if lim == nil {
		return nil
	}
	if old != nil && i < len(old.routes) {
		if l := old.routes[i].limit; l != nil && l.cfg == *lim {
			return l
		}
	}
	return newLimiter(*lim)
}

var (
	errRateLimited = errors.New("rate limited")
	// errHeldDraining answers a held request whose hold would end after
	// the drain's grace period.
	errHeldDraining = errors.New("rate limited: held past the drain's grace period")
)

// limit applies lim to a request: it answers one over the limit with the
// limit's status and reports false, or holds one the limit delays and
// reports whether it may go on (see hold).
func (p *Proxy) limit(ctx *fasthttp.RequestCtx, ex *exchange, lim *limiter) bool {
	d, ok := lim.admit(ex.client, ex.start.Sub(p.start))
	switch {
	case !ok:
		p.rateLimited.Add(1)
		p.answer(ctx, ex, lim.cfg.Status, errRateLimited)
		return false
	case d > 0:
		p.rateDelayed.Add(1)
		return p.hold(ctx, ex, d)
	}
	return true
}

// hold waits until d after the request's arrival, with a timer, looking
// every clientCheck at whether the client is still there. It reports
// false, having answered the request, when the client left (499, as the
// watch on a silent server does), or when the proxy drains and the hold
// would end after the grace period (503: the request cannot be served in
// time, and the drain need not wait for it). A hold that ends within the
// grace period goes on: the drain waits for it as for any request. The
// request's body is read after the hold, as nginx reads it, and gets
// timeouts.idle from then.
func (p *Proxy) hold(ctx *fasthttp.RequestCtx, ex *exchange, d time.Duration) bool {
	until := ex.start.Add(d)
	t := time.NewTimer(min(d, clientCheck))
	defer t.Stop()
	drain := ctx.Done()
	for {
		select {
		case <-drain:
			drain = nil // closed: noticed once
			if until.After(time.Now().Add(p.state.Load().cfg.Timeouts.Grace.D())) {
				p.answer(ctx, ex, fasthttp.StatusServiceUnavailable, errHeldDraining)
				return false
			}
			continue
		case <-t.C:
		}
		left := time.Until(until)
		if left <= 0 {
			break
		}
		if clientGone(ctx.Conn()) {
			p.answer(ctx, ex, statusClientGone, errClientGone)
			ctx.SetConnectionClose()
			return false
		}
		t.Reset(min(left, clientCheck))
	}
	ex.sent = time.Now()
	if ctx.Request.Header.ContentLength() != 0 {
		// clientGone cleared the read deadline, and the one fasthttp set
		// for the body when the head arrived may be past.
		ctx.Conn().SetReadDeadline(time.Now().Add(p.state.Load().cfg.Timeouts.Idle.D()))
	}
	return true
}
