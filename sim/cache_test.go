package sim

import (
	"math"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lbsim/lbsim/scenarios"
)

// cacheScenario is one server of one slot serving constant 10 ms requests
// that arrive 100 ms apart, so none waits and a request's latency is its
// service time plus any miss cost; keys and cache come from extra.
func cacheScenario(requests int, extra string) string {
	return bare(`name: cache
requests: ` + strconv.Itoa(requests) + `
algorithms: [round_robin]
servers: [{name: app}]
workload:
  arrival: {process: constant, rate: 10}
  service: {dist: constant, mean: 10ms}
` + extra)
}

// TestCacheHandChecked checks the cache's arithmetic on cases worked out
// by hand: the first request of each key misses and every later one
// hits while the cache holds every key; a miss adds miss_cost to its
// latency exactly; a crash empties the cache and a slow fault does not.
func TestCacheHandChecked(t *testing.T) {
	tests := []struct {
		name       string
		requests   int
		extra      string
		hitRate    float64
		meanMillis float64
	}{
		// One key: 1 miss of 1000; mean 10 ms + 40 ms/1000.
		{"one key", 1000, "  keys: {count: 1}\ncache: {entries: 5, miss_cost: 40ms}\n", 0.999, 10.04},
		// Ten keys, uniform, in a cache of 10: each misses once (all ten
		// are drawn in 2000 requests with probability 1 - 10(0.9)^2000).
		{"every key fits", 2000, "  keys: {count: 10}\ncache: {entries: 10, miss_cost: 40ms}\n", 0.995, 10.2},
		// The crash at 50 s (request 501 would arrive at 50 s) empties
		// the cache: the one key misses again after it comes back; the
		// requests of its 10 s down fail.
		{"crash empties", 1000, "  keys: {count: 1}\ncache: {entries: 5, miss_cost: 40ms}\nfaults: [{at: 50050ms, server: app, kind: crash, for: 10s}]\n", 1 - 2.0/900, 10 + 40*2.0/900},
		{"slow keeps", 1000, "  keys: {count: 1}\ncache: {entries: 5, miss_cost: 40ms}\nfaults: [{at: 50050ms, server: app, kind: slow, factor: 2, for: 10s}]\n", 0.999, 10 + 0.04 + 10*100.0/1000},
		// miss_cost 0 counts without slowing.
		{"free misses", 1000, "  keys: {count: 1}\ncache: {entries: 1}\n", 0.999, 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := mustRun(t, parse(t, cacheScenario(tt.requests, tt.extra)), "round_robin")
			if res.CacheHitRate == nil {
				t.Fatal("no cache_hit_rate")
			}
			if got := *res.CacheHitRate; math.Abs(got-tt.hitRate) > 1e-9 {
				t.Errorf("cache_hit_rate %v, want %v", got, tt.hitRate)
			}
			if got := *res.Servers[0].CacheHitRate; math.Abs(got-tt.hitRate) > 1e-9 {
				t.Errorf("the server's cache_hit_rate %v, want %v", got, tt.hitRate)
			}
			if math.Abs(res.Latency.Mean-tt.meanMillis) > 1e-6 {
				t.Errorf("mean latency %v ms, want %v", res.Latency.Mean, tt.meanMillis)
			}
		})
	}
}

// TestCacheLRUUniform checks the LRU against theory: under independent
// requests for K equally popular keys, a cache of C keys holds a random C
// of them whatever its policy, so the hit rate is C/K. 200,000 requests
// (the first 10,000 warm-up) give a binomial standard error of
// sqrt(0.2 x 0.8 / 190,000) = 0.0009; the tolerance is 5 of them.
func TestCacheLRUUniform(t *testing.T) {
	sc := parse(t, cacheScenario(200_000, "  keys: {count: 1000}\ncache: {entries: 200, miss_cost: 1ms}\nwarmup: 1000s\n"))
	res := mustRun(t, sc, "round_robin")
	if got := *res.CacheHitRate; math.Abs(got-0.2) > 5*0.0009 {
		t.Errorf("cache_hit_rate %.4f, want 0.2 (C/K)", got)
	}
}

// TestCacheOff: without a cache the results have no hit rate, and a
// server group may turn off the cache the top level gives.
func TestCacheOff(t *testing.T) {
	res := mustRun(t, parse(t, cacheScenario(100, "  keys: {count: 10}\n")), "round_robin")
	if res.CacheHitRate != nil || res.Servers[0].CacheHitRate != nil {
		t.Errorf("no cache, yet cache_hit_rate %v", res.CacheHitRate)
	}
	sc := parse(t, bare(`name: groups
requests: 1000
algorithms: [round_robin]
servers: [{name: web, count: 2}, {name: db, cache: {entries: 0}}]
cache: {entries: 100, miss_cost: 1ms}
workload:
  arrival: {process: constant, rate: 10}
  service: {dist: constant, mean: 10ms}
  keys: {count: 10}
`))
	res = mustRun(t, sc, "round_robin")
	if res.Servers[2].CacheHitRate != nil {
		t.Errorf("db has no cache, yet a hit rate %v", *res.Servers[2].CacheHitRate)
	}
	// web-1 and web-2 each see every key, missing each once; db's third
	// of the requests count no lookups.
	hits := float64(res.Servers[0].Requests + res.Servers[1].Requests - 20)
	if want := hits / float64(res.Servers[0].Requests+res.Servers[1].Requests); math.Abs(*res.CacheHitRate-want) > 1e-9 {
		t.Errorf("cache_hit_rate %v, want %v", *res.CacheHitRate, want)
	}
}

// TestRetryKeepsKey: a request retried after a timeout is the same
// request: it carries its key to the next server, and gives back the miss
// cost the first server's cache charged it, paying the next one's.
func TestRetryKeepsKey(t *testing.T) {
	sc := parse(t, bare(`name: retry-key
requests: 200
algorithms: [round_robin]
servers: [{name: app, count: 2}]
workload:
  arrival: {process: constant, rate: 10}
  service: {dist: constant, mean: 10ms}
  keys: {count: 1000}
cache: {entries: 1000, miss_cost: 5ms}
timeouts: {response: 1s}
retries: {count: 1, on: [timeout]}
faults: [{at: 0s, server: app-1, kind: slow, factor: 1000}]
`))
	first := map[int64]string{}
	retried := 0
	err := Trace(sc, "round_robin", 0, func(ev *TraceEvent) bool {
		if ev.Kind != Routed {
			return true
		}
		if ev.Attempt == 0 {
			first[ev.Request] = ev.Key
			return true
		}
		retried++
		if ev.Key != first[ev.Request] {
			t.Fatalf("request %d was sent with key %s, retried with key %s", ev.Request, first[ev.Request], ev.Key)
		}
		return true
	})
	if err != nil {
		t.Fatal(err)
	}
	if retried == 0 {
		t.Fatal("no request was retried; the test shows nothing")
	}
	// Every request app-1 timed out was served by app-2 in 10 ms plus
	// app-2's own miss cost: its demand lost app-1's 5 ms miss.
	res := mustRun(t, sc, "round_robin")
	if want := 1.0; res.Latency.Max > 1000+10+5+want {
		t.Errorf("slowest request %v ms: a retry paid both servers' misses", res.Latency.Max)
	}
}

// TestScaleInEmptiesCache: a server the autoscaler retires loses its
// cache. TestAutoscale's fleet with one key: app-1 and app-2 miss it once;
// app-3 and app-4 join at 15 s and miss once, leave after the scale-in at
// 50 s, and when traffic comes back at 60 s are launched again at 75 s
// and miss once more, six misses in all (four if leaving kept the cache).
func TestScaleInEmptiesCache(t *testing.T) {
	yaml := strings.Replace(scaleScenario, "phases: [{at: 40s, rate: 4}]}", "phases: [{at: 40s, rate: 4}, {at: 60s, rate: 16}]}\n  keys: {count: 1}", 1)
	sc := parse(t, yaml+"cache: {entries: 5}\n")
	sc.Duration = scenarios.Duration(110 * time.Second)
	res := mustRun(t, sc, "round_robin")
	if len(res.Scaling) < 3 {
		t.Fatalf("scaling %+v, want up, down and up again", res.Scaling)
	}
	var lookups int64
	for _, s := range res.Servers {
		lookups += s.Requests
	}
	misses := float64(lookups) * (1 - *res.CacheHitRate)
	if math.Abs(misses-6) > 1e-6 {
		t.Errorf("%.3f misses in %d lookups, want 6", misses, lookups)
	}
}
