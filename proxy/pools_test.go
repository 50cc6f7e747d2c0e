package proxy

import (
	"fmt"
	"math"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// getRaw sends GET path on a new connection, exactly as written (no
// client cleans it), and returns the status and body.
func getRaw(t *testing.T, r *running, path string) (int, string) {
	t.Helper()
	resp := rawExchange(t, r.Addr().String(), "GET "+path+" HTTP/1.1\r\nHost: x\r\n\r\n")[0]
	return resp.StatusCode, bodyOf(resp)
}

// TestRoutes sends requests by path to the pools the routes name: the
// first route that matches wins; a route's path matches the start of the
// request's path, decoded and normalized, without the query; a class
// route matches its class's path; and a path that no route matches is
// answered 404 and counted.
func TestRoutes(t *testing.T) {
	api := startServer(t, "api", "127.0.0.1:0", 0)
	reports := startServer(t, "reports", "127.0.0.1:0", 0)
	admin := startServer(t, "admin", "127.0.0.1:0", 0)
	inPool("api", api)
	inPool("reports", reports)
	inPool("admin", admin)
	for _, tc := range []struct {
		name, routes string
		// want is the server that answers each path, "" for 404.
		want map[string]string
	}{
		{"by path", "routes:\n  - {path: /reports/, pool: reports}\n  - {path: /admin/, pool: admin}\n  - {pool: api}\n", map[string]string{
			"/reports/today": "reports", "/reports/": "reports", "/reports/q?year=2026": "reports",
			"/reports": "api", "/api/reports/": "api", "/admin/users": "admin", "/": "api",
			// Decoded and normalized, as nginx matches locations.
			"/api/../reports/x": "reports", "/%72eports/x": "reports", "//reports/x": "reports",
		}},
		{"first match wins", "routes:\n  - {path: /reports/old/, pool: api}\n  - {path: /reports/, pool: reports}\n  - {path: /, pool: admin}\n", map[string]string{
			"/reports/old/1": "api", "/reports/new": "reports", "/x": "admin",
		}},
		{"no catch-all", "routes:\n  - {path: /reports/, pool: reports}\n  - {path: /api/, pool: api}\n  - {path: /admin/, pool: admin}\n", map[string]string{
			"/api/v1": "api", "/reports/1": "reports", "/admin/": "admin",
			"/other": "", "/": "", "/apix": "", "/api": "", "/reports/../x": "",
		}},
		{"by class", "workload:\n  arrival: {rate: 10}\n  classes:\n" +
			"    - {name: report, share: 0.1, path: /reports/, service: {dist: constant, mean: 1s}}\n" +
			"    - {name: call, share: 0.9, path: /admin/, service: {dist: constant, mean: 10ms}}\n" +
			"routes:\n  - {class: report, pool: reports}\n  - {class: call, pool: admin}\n", map[string]string{
			"/reports/x": "reports", "/admin/x": "admin", "/api/x": "",
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := startProxy(t, config(t, tc.routes, api, reports, admin), Options{})
			var unrouted int64
			for path, want := range tc.want {
				code, body := getRaw(t, r, path)
				switch {
				case want == "" && code != http.StatusNotFound:
					t.Errorf("%s: %d %q, want 404", path, code, body)
				case want != "" && (code != http.StatusOK || body != want):
					t.Errorf("%s: %d %q, want 200 from %s", path, code, body, want)
				}
				if want == "" {
					unrouted++
				}
			}
			if got := r.Stats().Unrouted; got != unrouted {
				t.Errorf("%d requests counted unrouted, want %d", got, unrouted)
			}
		})
	}
}

// TestUnrouted: a request no route matches is answered 404 at once, with
// its body (if any) left unread and its connection kept; the access log
// records it, and /metrics and /stats.json count it.
func TestUnrouted(t *testing.T) {
	api := startServer(t, "api", "127.0.0.1:0", 0)
	var access logBuffer
	r := startProxy(t, config(t, "routes:\n  - {path: /api/, pool: api}\n", inPool("api", api)...), Options{AccessLog: access.logger()})
	resps := rawExchange(t, r.Addr().String(),
		"GET /nowhere?x=1 HTTP/1.1\r\nHost: x\r\n\r\n",
		"POST /nowhere HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello",
		"GET /api/x HTTP/1.1\r\nHost: x\r\n\r\n")
	for i, want := range []int{404, 404, 200} {
		if resps[i].StatusCode != want {
			t.Errorf("answer %d: %d, want %d", i, resps[i].StatusCode, want)
		}
	}
	if api.hits.Load() != 1 {
		t.Errorf("api served %d requests, want only the routed one", api.hits.Load())
	}
	if rec := access.record(t, 0); rec.Path != "/nowhere" || rec.Status != 404 || rec.Backend != "" || rec.Attempts != 0 || rec.Error != "no route matches the path" {
		t.Errorf("access record %+v, want /nowhere, 404, no backend, no attempt, no route", rec)
	}
	if m := adminGet(t, r, "/metrics"); !strings.Contains(m, "\nlbsim_proxy_unrouted_total 2\n") {
		t.Errorf("/metrics does not count 2 unrouted requests:\n%s", m)
	}
	s, doc := adminJSON(t, r)
	if s.Unrouted != 2 || s.Routes != 1 || doc["unrouted"] == nil || doc["routes"] == nil {
		t.Errorf("/stats.json: unrouted %v, routes %v; want 2 and 1", doc["unrouted"], doc["routes"])
	}
}

// TestSplit sends 2000 requests through a split and counts the canary's
// share, which is binomial: with n = 2000 and p its weight's share, the
// mean is np and the standard deviation sqrt(np(1-p)), 13.4 for 10%.
// Five standard deviations either side fail a correct split once in 1.7
// million runs (and with a fixed seed, the same run every time), while a
// split that ignored the weights (1000) or the route (0 or 2000) lies far
// outside. A weight of 0 gets nothing.
func TestSplit(t *testing.T) {
	const n = 2000
	for _, tc := range []struct {
		split  string
		canary float64 // its share
	}{
		{"{api: 90, canary: 10}", 0.1},
		{"{api: 1, canary: 1}", 0.5},
		{"{api: 1, canary: 0}", 0},
	} {
		t.Run(tc.split, func(t *testing.T) {
			api := startServer(t, "api", "127.0.0.1:0", 0)
			canary := startServer(t, "canary", "127.0.0.1:0", 0)
			cfg := config(t, "routes:\n  - {split: "+tc.split+"}\n", append(inPool("api", api), inPool("canary", canary)...)...)
			r := startProxy(t, cfg, Options{Seed: 7})
			var wg sync.WaitGroup
			for range 8 {
				wg.Go(func() {
					for range n / 8 {
						resp, err := r.client.Get(r.url("/"))
						if err != nil {
							t.Error(err)
							return
						}
						resp.Body.Close()
					}
				})
			}
			wg.Wait()
			mean := n * tc.canary
			bound := 5 * math.Sqrt(n*tc.canary*(1-tc.canary))
			got := canary.hits.Load()
			if math.Abs(float64(got)-mean) > bound || got+api.hits.Load() != n {
				t.Errorf("canary got %d of %d requests (api %d), want %g ± %.0f", got, n, api.hits.Load(), mean, bound)
			}
		})
	}
}

// TestPoolAlgorithm: each pool runs its own algorithm, its own if it
// names one: ip_hash sends one client to one server of its pool, while
// the other pool takes turns with the config's round robin.
func TestPoolAlgorithm(t *testing.T) {
	var sticky, spread []*testServer
	for i := range 3 {
		sticky = append(sticky, startServer(t, fmt.Sprint("sticky-", i), "127.0.0.1:0", 0))
		spread = append(spread, startServer(t, fmt.Sprint("spread-", i), "127.0.0.1:0", 0))
	}
	cfg := config(t, "algorithm: round_robin\nroutes:\n  - {path: /sticky/, pool: sticky}\n  - {pool: spread}\npools:\n  sticky: {algorithm: ip_hash}\n",
		append(inPool("sticky", sticky...), inPool("spread", spread...)...)...)
	r := startProxy(t, cfg, Options{})
	for range 30 {
		r.get(t, "/sticky/cart")
		r.get(t, "/other")
	}
	got := map[string][]int64{}
	for _, s := range append(sticky, spread...) {
		got[s.pool] = append(got[s.pool], s.hits.Load())
	}
	if h := got["sticky"]; max(h[0], h[1], h[2]) != 30 {
		t.Errorf("ip_hash pool: one client's requests spread over %v, want all 30 on one server", h)
	}
	if h := got["spread"]; h[0] != 10 || h[1] != 10 || h[2] != 10 {
		t.Errorf("round-robin pool: %v, want 10 each", h)
	}
	s := r.Stats()
	if len(s.Pools) != 2 || s.Pools[0] != (PoolStats{Name: "sticky", Algorithm: "ip_hash"}) || s.Pools[1] != (PoolStats{Name: "spread", Algorithm: "round_robin"}) {
		t.Errorf("stats' pools %+v", s.Pools)
	}
	if ss := byName(t, s.Servers, "spread-1"); ss.Pool != "spread" {
		t.Errorf("spread-1 is in pool %q", ss.Pool)
	}
	// The stats page puts the servers under their pools' headings.
	page := adminGet(t, r, "/stats")
	i := strings.Index(page, `<tr class="pool" data-pool="sticky"><th colspan="14">pool sticky: ip_hash</th></tr>`)
	j := strings.Index(page, `<tr data-server="sticky-2"`)
	k := strings.Index(page, `<tr class="pool" data-pool="spread"><th colspan="14">pool spread: round_robin</th></tr>`)
	l := strings.Index(page, `<tr data-server="spread-0"`)
	if i < 0 || !(i < j && j < k && k < l) {
		t.Errorf("the stats page does not list each pool's servers under its heading (%d %d %d %d)", i, j, k, l)
	}
}

// TestPoolFailureHandling: a pool's own retries and passive sections
// apply to its servers alone, and a retry stays in its pool. Each pool
// has a refusing server and a live one, taken in turn.
func TestPoolFailureHandling(t *testing.T) {
	var servers []*testServer
	live := map[string]*testServer{}
	for _, pool := range []string{"retrying", "bare", "ejecting"} {
		live[pool] = startServer(t, pool+"-live", "127.0.0.1:0", 0)
		servers = append(servers, inPool(pool, refusing(t, pool+"-dead"), live[pool])...)
	}
	cfg := config(t, "routes:\n  - {path: /retrying/, pool: retrying}\n  - {path: /bare/, pool: bare}\n  - {path: /ejecting/, pool: ejecting}\n"+
		"pools:\n  retrying: {retries: {count: 2}}\n  ejecting: {passive: {max_fails: 1, fail_timeout: 1m}}\n", servers...)
	r := startProxy(t, cfg, Options{})
	for _, tc := range []struct {
		pool string
		// failed is how many of 6 requests get 502; dead is the refusing
		// server's state after them.
		failed int
		dead   string
	}{
		{"retrying", 0, "up"}, // every failure retried on the live server
		{"bare", 3, "up"},     // the top level's: no retry, no ejection
		{"ejecting", 1, "ejected"},
	} {
		t.Run(tc.pool, func(t *testing.T) {
			failed := 0
			for range 6 {
				code, body := r.get(t, "/"+tc.pool+"/x")
				switch {
				case code == http.StatusBadGateway:
					failed++
				case code != http.StatusOK || body != tc.pool+"-live":
					t.Errorf("%d %q, want 200 from %s-live or 502", code, body, tc.pool)
				}
			}
			if failed != tc.failed {
				t.Errorf("%d of 6 requests failed, want %d", failed, tc.failed)
			}
			if got := live[tc.pool].hits.Load(); got != int64(6-tc.failed) {
				t.Errorf("%s-live served %d requests, want %d: retries stay in their pool", tc.pool, got, 6-tc.failed)
			}
			if s := r.server(t, tc.pool+"-dead"); s.State != tc.dead {
				t.Errorf("%s-dead is %s, want %s", tc.pool, s.State, tc.dead)
			}
		})
	}
}

// TestPoolRetryBudget: each pool earns its own retry budget. Requests
// that a calm pool served do not fund the retries of another, whose
// budget starts empty, so that it fails as a fresh proxy does (see
// TestRetryBudget).
func TestPoolRetryBudget(t *testing.T) {
	calm := startServer(t, "calm", "127.0.0.1:0", 0)
	live := startServer(t, "live", "127.0.0.1:0", 0)
	cfg := config(t, "retries: {count: 1, budget: 0.5}\nroutes:\n  - {path: /calm/, pool: calm}\n  - {pool: flaky}\n",
		append(inPool("calm", calm), inPool("flaky", refusing(t, "dead"), live)...)...)
	r := startProxy(t, cfg, Options{})
	for range 40 {
		r.get(t, "/calm/")
	}
	var got []string
	for range 8 {
		if code, _ := r.get(t, "/"); code == http.StatusOK {
			got = append(got, "ok")
		} else {
			got = append(got, "failed")
		}
	}
	if want := strings.Repeat("failed ok ok ok ", 2); strings.Join(got, " ")+" " != want {
		t.Errorf("got %v, want %s", got, want)
	}
}

// TestPoolBreakers: circuit_breaker.max_open counts each pool's servers
// and open breakers, so that one pool's open breaker does not keep
// another pool's failing server in rotation.
func TestPoolBreakers(t *testing.T) {
	var servers []*testServer
	for _, pool := range []string{"a", "b"} {
		servers = append(servers, inPool(pool, refusing(t, pool+"-dead"), startServer(t, pool+"-live", "127.0.0.1:0", 0))...)
	}
	cfg := config(t, "circuit_breaker: {failures: 1, open: 1m, max_open: 0.1}\nroutes:\n  - {path: /a/, pool: a}\n  - {pool: b}\n", servers...)
	r := startProxy(t, cfg, Options{})
	for range 2 {
		r.get(t, "/a/")
		r.get(t, "/b/")
	}
	for _, name := range []string{"a-dead", "b-dead"} {
		if s := r.server(t, name); s.State != "open" {
			t.Errorf("%s is %s, want open: each pool has a slot", name, s.State)
		}
	}
}

// TestPoolHealthChecks: a pool checks its servers as its own
// health_check says, or not at all, and its panic is its own.
func TestPoolHealthChecks(t *testing.T) {
	failing := func() (int, string) { return http.StatusServiceUnavailable, "" }
	passing := func() (int, string) { return http.StatusOK, "" }
	servers := slices.Concat(
		inPool("checked", healthServer(t, "checked-sick", failing), healthServer(t, "checked-well", passing)),
		inPool("unchecked", healthServer(t, "unchecked-sick", failing)),
		inPool("panicky", healthServer(t, "panicky-sick", failing)))
	const check = "path: /health, interval: 50ms, timeout: 50ms, fall: 1"
	cfg := config(t, "routes:\n  - {path: /checked/, pool: checked}\n  - {path: /panicky/, pool: panicky}\n  - {pool: unchecked}\n"+
		"pools:\n  checked: {health_check: {"+check+"}}\n  panicky: {health_check: {"+check+", panic_threshold: 0.5}}\n", servers...)
	r := startProxy(t, cfg, Options{})
	waitFor(t, 2*time.Second, "checks to mark the sick servers down", func() bool {
		return r.server(t, "checked-sick").State == "down" && r.server(t, "panicky-sick").State == "down"
	})
	if s := r.server(t, "unchecked-sick"); s.State != "up" || s.LastCheck != "" {
		t.Errorf("unchecked-sick: %s after %q; want up and never checked", s.State, s.LastCheck)
	}
	s := r.Stats()
	if !s.Panic || s.Pools[0].Panic || !s.Pools[2].Panic {
		t.Errorf("panic %v, pools %+v; want panicky alone in panic", s.Panic, s.Pools)
	}
	// In panic, the pool's only server gets its requests, down or not.
	for _, tc := range []struct{ path, want string }{
		{"/checked/", "checked-well"}, {"/checked/", "checked-well"}, {"/panicky/", "panicky-sick"}, {"/x", "unchecked-sick"},
	} {
		if code, body := r.get(t, tc.path); code != http.StatusOK || body != tc.want {
			t.Errorf("%s: %d %q, want %s", tc.path, code, body, tc.want)
		}
	}
}

// TestStickyStaysInPool: a sticky cookie naming a server of another pool
// does not take a request out of its pool; the request is pinned anew.
func TestStickyStaysInPool(t *testing.T) {
	a := startServer(t, "a", "127.0.0.1:0", 0)
	b := startServer(t, "b", "127.0.0.1:0", 0)
	r := startProxy(t, config(t, "sticky: {cookie: srv}\nroutes:\n  - {path: /a/, pool: a}\n  - {pool: b}\n", append(inPool("a", a), inPool("b", b)...)...), Options{})
	first := rawExchange(t, r.Addr().String(), "GET /a/ HTTP/1.1\r\nHost: x\r\n\r\n")[0]
	cookie, _, _ := strings.Cut(first.Header.Get("Set-Cookie"), ";")
	resp := rawExchange(t, r.Addr().String(), "GET /b/ HTTP/1.1\r\nHost: x\r\nCookie: "+cookie+"\r\n\r\n")[0]
	if body := bodyOf(resp); body != "b" || resp.Header.Get("Set-Cookie") == "" {
		t.Errorf("with a's cookie, /b/ went to %q (Set-Cookie %q); want b, pinned anew", body, resp.Header.Get("Set-Cookie"))
	}
}

// TestReloadRoutes: a reload's routes take effect for the next request,
// and a pool keeps its balancer unless its algorithm changed.
func TestReloadRoutes(t *testing.T) {
	one := startServer(t, "one", "127.0.0.1:0", 0)
	two := startServer(t, "two", "127.0.0.1:0", 0)
	servers := append(inPool("one", one), inPool("two", two)...)
	r := startProxy(t, config(t, "routes:\n  - {path: /x/, pool: one}\n  - {pool: two}\n", servers...), Options{})
	bal := func(pool string) any { return r.state.Load().pool(pool).bal }
	oneBal, twoBal := bal("one"), bal("two")
	for _, step := range []struct {
		extra string
		// want is the server that answers each path, "" for 404.
		want map[string]string
		// kept says whether each pool kept its balancer.
		kept map[string]bool
	}{
		{"", map[string]string{"/x/1": "one", "/y/1": "two", "/z": "two"}, map[string]bool{"one": true, "two": true}},
		{"routes:\n  - {path: /x/, pool: two}\n  - {path: /y/, pool: one}\n", map[string]string{"/x/1": "two", "/y/1": "one", "/z": ""},
			map[string]bool{"one": true, "two": true}},
		{"routes:\n  - {path: /x/, pool: two}\n  - {pool: one}\npools:\n  one: {algorithm: least_connections}\n", map[string]string{"/x/1": "two", "/z": "one"},
			map[string]bool{"one": false, "two": true}},
	} {
		if step.extra != "" {
			next := config(t, step.extra, servers...)
			next.Listen = r.state.Load().cfg.Listen
			if err := r.Reload(next); err != nil {
				t.Fatal(err)
			}
		}
		for path, want := range step.want {
			code, body := r.get(t, path)
			if (want == "" && code != http.StatusNotFound) || (want != "" && body != want) {
				t.Errorf("after reloading with %q: %s gave %d %q, want %q", step.extra, path, code, body, want)
			}
		}
		if got := bal("one") == oneBal; got != step.kept["one"] {
			t.Errorf("after reloading with %q: pool one kept its balancer: %v", step.extra, got)
		}
		if got := bal("two") == twoBal; got != step.kept["two"] {
			t.Errorf("after reloading with %q: pool two kept its balancer: %v", step.extra, got)
		}
	}
}
