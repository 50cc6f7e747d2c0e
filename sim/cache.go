package sim

import (
	"time"

	"github.com/hashicorp/golang-lru/v2/simplelru"

	"github.com/lbsim/lbsim/scenarios"
)

// caches is the engine's state when servers cache the requests' keys
// (scenarios.Cache): each server's LRU of keys, and how often measured
// requests found their key. The engine holds none unless the scenario
// asks, so runs without caches pay one nil check per attempt.
type caches struct {
	// lru is each server's cache, made at its first key; missCost and
	// entries are its group's (entries 0: the server caches nothing).
	lru      []*simplelru.LRU[int32, struct{}]
	entries  []int
	missCost []time.Duration
	// hits and lookups count measured attempts with a key, per server.
	hits, lookups []int64
}

// newCaches returns the cache state for servers, nil when none has a
// cache.
func newCaches(servers []scenarios.Server) *caches {
	var c *caches
	for i, s := range servers {
		if s.Cache == nil || s.Cache.Entries == 0 {
			continue
		}
		if c == nil {
			n := len(servers)
			c = &caches{lru: make([]*simplelru.LRU[int32, struct{}], n), entries: make([]int, n),
				missCost: make([]time.Duration, n), hits: make([]int64, n), lookups: make([]int64, n)}
		}
		c.entries[i], c.missCost[i] = s.Cache.Entries, s.Cache.MissCost.D()
	}
	return c
}

// holds looks key up in server s's cache, which then holds it, as the
// most recently used.
func (c *caches) holds(s int, key int32) bool {
	lru := c.lru[s]
	if lru == nil {
		lru, _ = simplelru.NewLRU[int32, struct{}](c.entries[s], nil) // entries >= 1: no error
		c.lru[s] = lru
	}
	if _, ok := lru.Get(key); ok {
		return true
	}
	lru.Add(key, struct{}{})
	return false
}

// peek reports whether server s holds key, without touching its cache.
func (c *caches) peek(s int, key int32) bool {
	return c.lru[s] != nil && c.lru[s].Contains(key)
}

// empty forgets everything server s holds: it crashed, or left the fleet.
func (c *caches) empty(s int) {
	if c.lru[s] != nil {
		c.lru[s].Purge()
	}
}

// hitRate is the share of measured lookups that hit, on server s or, for
// s < 0, on every server; nil when s has no cache.
func (c *caches) hitRate(s int) *float64 {
	var hits, lookups int64
	switch {
	case s >= 0 && c.entries[s] == 0:
		return nil
	case s >= 0:
		hits, lookups = c.hits[s], c.lookups[s]
	default:
		for i := range c.hits {
			hits, lookups = hits+c.hits[i], lookups+c.lookups[i]
		}
	}
	rate := 0.0
	if lookups > 0 {
		rate = float64(hits) / float64(lookups)
	}
	return &rate
}

// serveCache is server s taking request i: its key is in s's cache (a
// hit), or the request pays s's miss cost and s then holds the key. The
// cost of an earlier attempt's miss is given back first, so a retry pays
// for its own server only.
func (e *engine) serveCache(i int32, s int, measured bool) {
	c, q := e.cache, &e.reqs[i]
	if q.cacheMiss > 0 {
		q.demand -= c.missCost[q.cacheMiss-1]
		q.cacheMiss = 0
	}
	if q.key < 0 || c.entries[s] == 0 {
		return
	}
	hit := c.holds(s, q.key)
	if measured {
		c.lookups[s]++
		if hit {
			c.hits[s]++
		}
	}
	if !hit {
		q.demand += c.missCost[s]
		q.cacheMiss = int16(s + 1)
	}
}
