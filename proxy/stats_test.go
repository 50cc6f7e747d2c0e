package proxy

import (
	"encoding/json"
	"io"
	"math"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

// adminJSON fetches /stats.json from r's admin listener, as a Stats and
// as a generic document (to see the field names).
func adminJSON(t *testing.T, r *running) (Stats, map[string]any) {
	t.Helper()
	resp, err := http.Get("http://" + r.AdminAddr().String() + "/stats.json")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("/stats.json: %d %v", resp.StatusCode, err)
	}
	var s Stats
	var doc map[string]any
	if err := json.Unmarshal(body, &s); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatal(err)
	}
	return s, doc
}

func byName(t *testing.T, list []ServerStats, name string) ServerStats {
	t.Helper()
	for _, s := range list {
		if s.Name == name {
			return s
		}
	}
	t.Fatalf("no server %s in %+v", name, list)
	return ServerStats{}
}

// TestStatsJSONFigures sends 30 requests round robin to a fast server, a
// slow one and one that refuses connections, and reads the recent figures
// back from /stats.json.
func TestStatsJSONFigures(t *testing.T) {
	fast := startServer(t, "fast", "127.0.0.1:0", 0)
	slow := startServer(t, "slow", "127.0.0.1:0", 20*time.Millisecond)
	dead := refusing(t, "dead")
	r := startProxy(t, config(t, "algorithm: round_robin\n", fast, slow, dead), Options{})
	codes := map[int]int{}
	for range 30 {
		code, _ := r.get(t, "/")
		codes[code]++
	}
	if codes[200] != 20 || codes[502] != 10 {
		t.Fatalf("answers %v, want 20 200s and 10 502s", codes)
	}
	s, doc := adminJSON(t, r)

	for _, name := range []string{"fast", "slow", "dead"} {
		ss := byName(t, s.Servers, name)
		if ss.Requests != 10 || ss.Requests1m != 10 || ss.InFlight != 0 {
			t.Errorf("%s: %d requests, %d in the last minute, %d in flight; want 10, 10, 0", name, ss.Requests, ss.Requests1m, ss.InFlight)
		}
		// Every attempt came after the proxy started, and the window is
		// as old as the proxy: 10 attempts over its age. The two ages are
		// read apart, so they may differ by tens of milliseconds under
		// the race detector on a busy machine; 50 ms allows for it.
		if ss.RPS1m <= 0 || math.Abs(10/ss.RPS1m-s.UptimeS) > 0.05 {
			t.Errorf("%s: %g requests/s over the last minute with %g s up, want 10 over the age", name, ss.RPS1m, s.UptimeS)
		}
		if s.UptimeS < 9 && math.Abs(ss.RPS10s-ss.RPS1m) > 1e-9*ss.RPS1m {
			t.Errorf("%s: %g requests/s over 10 s, %g over 1 min, want the same for a proxy %g s old", name, ss.RPS10s, ss.RPS1m, s.UptimeS)
		}
		if ss.State != "up" || !ss.InRotation || ss.Ramping || ss.SlowStartShare != 1 || ss.EffectiveWeight != 1 {
			t.Errorf("%s: %+v, want up, in rotation at full weight", name, ss)
		}
		if ss.StateSince == "" || ss.StateForS < 0 || ss.StateForS > s.UptimeS+1 {
			t.Errorf("%s: up since %q, for %g s, with the proxy up %g s", name, ss.StateSince, ss.StateForS, s.UptimeS)
		}
	}
	fastS, slowS, deadS := byName(t, s.Servers, "fast"), byName(t, s.Servers, "slow"), byName(t, s.Servers, "dead")
	if fastS.Failures1m != 0 || fastS.ErrorRate1m != 0 || slowS.ErrorRate10s != 0 {
		t.Errorf("failures on healthy servers: %+v %+v", fastS.Recent, slowS.Recent)
	}
	if deadS.Failures1m != 10 || deadS.ErrorRate10s != 1 || deadS.ErrorRate1m != 1 || deadS.Latency1mMS.P50 != 0 {
		t.Errorf("dead: %+v, want 10 failures, error rate 1, no latency", deadS.Recent)
	}
	// The slow server sleeps 20 ms per request; buckets are within 1/16.
	if p := slowS.Latency1mMS; p.P50 < 20*15/16.0 || p.P50 > 200 || p.P99 < p.P50 {
		t.Errorf("slow: p50 %g ms, p99 %g ms; want at least 20 ms", p.P50, p.P99)
	}
	if p := fastS.Latency1mMS; p.P50 <= 0 || p.P50 >= 18 {
		t.Errorf("fast: p50 %g ms, want under the slow one's 20", p.P50)
	}
	tot := s.Totals
	if tot.Requests != 30 || tot.Failures != 10 || tot.Requests1m != 30 || tot.Failures1m != 10 || tot.InFlight != 0 {
		t.Errorf("totals %+v, want 30 requests, 10 failed", tot)
	}
	if math.Abs(tot.ErrorRate1m-1.0/3) > 1e-12 || math.Abs(tot.RPS1m-3*fastS.RPS1m) > 0.01*tot.RPS1m {
		t.Errorf("totals: error rate %g, %g requests/s; want 1/3 and thrice one server's %g", tot.ErrorRate1m, tot.RPS1m, fastS.RPS1m)
	}
	// Half the successes took 20 ms or more: the total p50 sits between
	// the two servers'.
	if tot.Latency1mMS.P50 < fastS.Latency1mMS.P50 || tot.Latency1mMS.P99 < 20*15/16.0 {
		t.Errorf("total latency %+v", tot.Latency1mMS)
	}
	if s.Draining || len(s.DrainingServers) != 0 || s.Started == "" || s.Time == "" {
		t.Errorf("stats %+v", s)
	}
	// The names that scripts and docs/proxy.md use.
	for _, k := range []string{"name", "mode", "algorithm", "uptime_s", "panic", "servers", "time", "started", "draining", "slow_start_s", "clients", "totals", "draining_servers"} {
		if _, ok := doc[k]; !ok {
			t.Errorf("/stats.json lacks %s", k)
		}
	}
	server := doc["servers"].([]any)[0].(map[string]any)
	for _, k := range []string{"name", "address", "state", "weight", "in_flight", "requests", "failures", "latency_ms",
		"state_since", "state_for_s", "backup", "in_rotation", "ramping", "slow_start_share", "effective_weight",
		"requests_1m", "failures_1m", "rps_10s", "rps_1m", "error_rate_10s", "error_rate_1m", "latency_1m_ms"} {
		if _, ok := server[k]; !ok {
			t.Errorf("a server in /stats.json lacks %s", k)
		}
	}
	if p, ok := server["latency_1m_ms"].(map[string]any); !ok || p["p50"] == nil || p["p99"] == nil {
		t.Errorf("latency_1m_ms is %v, want p50 and p99", server["latency_1m_ms"])
	}
}

// TestStatsEjectedThenRamping: a passive ejection shows as ejected since
// the failure, and the server then ramps up under slow start.
func TestStatsEjectedThenRamping(t *testing.T) {
	dead := refusing(t, "dead")
	r := startProxy(t, config(t, "passive: {max_fails: 1, fail_timeout: 300ms}\nslow_start: 1m\n", dead), Options{})
	before := time.Now().Truncate(time.Second)
	if code, _ := r.get(t, "/"); code != http.StatusBadGateway {
		t.Fatalf("status %d, want 502", code)
	}
	s, _ := adminJSON(t, r)
	d := byName(t, s.Servers, "dead")
	since, err := time.Parse(time.RFC3339, d.StateSince)
	if d.State != "ejected" || d.InRotation || err != nil || since.Before(before) || since.After(time.Now()) {
		t.Fatalf("after a failure: %s since %s (%v), in rotation %v; want ejected since the failure", d.State, d.StateSince, err, d.InRotation)
	}
	if d.StateForS > s.UptimeS {
		t.Errorf("ejected for %g s, longer than the proxy is up (%g s)", d.StateForS, s.UptimeS)
	}
	waitFor(t, 5*time.Second, "the server back in rotation", func() bool {
		s, _ = adminJSON(t, r)
		return byName(t, s.Servers, "dead").InRotation
	})
	d = byName(t, s.Servers, "dead")
	if d.State != "up" || !d.Ramping || d.SlowStartShare <= 0 || d.SlowStartShare > 0.1 || d.EffectiveWeight != d.SlowStartShare*float64(d.Weight) {
		t.Errorf("back from ejection: %+v, want up and ramping from a small share", d)
	}
	if d.StateForS > 5 || s.SlowStartS != 60 {
		t.Errorf("ramping for %g s, slow start %g s", d.StateForS, s.SlowStartS)
	}
	if lbl := stateLabel(d); !strings.HasPrefix(lbl, "slow start ") || stateClass(d) != "slow-start" {
		t.Errorf("label %q, class %q", lbl, stateClass(d))
	}
}

// TestStatsBreakerOpen: a circuit breaker that opens shows as such.
func TestStatsBreakerOpen(t *testing.T) {
	dead := refusing(t, "dead")
	live := startServer(t, "live", "127.0.0.1:0", 0)
	r := startProxy(t, config(t, "algorithm: round_robin\ncircuit_breaker: {failures: 1, open: 1m, max_open: 0.5}\n", dead, live), Options{})
	for range 2 {
		r.get(t, "/")
	}
	s, _ := adminJSON(t, r)
	d := byName(t, s.Servers, "dead")
	if d.State != "open" || d.InRotation || d.StateForS > 5 || stateLabel(d) != "breaker open" {
		t.Errorf("after a failure: %+v, want its breaker open", d)
	}
	if l := byName(t, s.Servers, "live"); l.State != "up" || !l.InRotation {
		t.Errorf("live: %+v", l)
	}
}

// TestStatsDraining: a server a reload removes while it has a request in
// flight is listed as draining until the request ends.
func TestStatsDraining(t *testing.T) {
	release := make(chan struct{})
	held := serveHTTP(t, "held", func(w http.ResponseWriter, r *http.Request) {
		<-release
		io.WriteString(w, "late")
	})
	other := startServer(t, "other", "127.0.0.1:0", 0)
	r := startProxy(t, config(t, "", held), Options{})
	done := make(chan int)
	go func() {
		resp, err := r.client.Get(r.url("/"))
		if err != nil {
			done <- 0
			return
		}
		resp.Body.Close()
		done <- resp.StatusCode
	}()
	waitFor(t, 5*time.Second, "the request in flight", func() bool { return r.server(t, "held").InFlight == 1 })
	if err := r.Reload(config(t, "", other)); err != nil {
		t.Fatal(err)
	}
	s, _ := adminJSON(t, r)
	if len(s.Servers) != 1 || s.Servers[0].Name != "other" || len(s.DrainingServers) != 1 {
		t.Fatalf("servers %+v, draining %+v", s.Servers, s.DrainingServers)
	}
	if d := s.DrainingServers[0]; d.Name != "held" || d.State != "draining" || d.InFlight != 1 || d.InRotation || s.Totals.InFlight != 1 {
		t.Errorf("draining %+v, totals %+v", d, s.Totals)
	}
	close(release)
	if code := <-done; code != http.StatusOK {
		t.Fatalf("the held request: %d", code)
	}
	waitFor(t, 5*time.Second, "the drained server gone", func() bool {
		s, _ = adminJSON(t, r)
		return len(s.DrainingServers) == 0
	})
	if s.Totals.Requests != 0 || !slices.ContainsFunc(s.Servers, func(x ServerStats) bool { return x.Name == "other" }) {
		t.Errorf("after the drain: %+v", s)
	}
}

// TestStatsPage: the page has a row per server with its state in words,
// the totals, and loads nothing from elsewhere.
func TestStatsPage(t *testing.T) {
	a := startServer(t, "a", "127.0.0.1:0", 0)
	dead := refusing(t, "dead")
	r := startProxy(t, config(t, "algorithm: round_robin\npassive: {max_fails: 1, fail_timeout: 1m}\n", a, dead), Options{})
	for range 2 {
		r.get(t, "/")
	}
	resp, err := http.Get("http://" + r.AdminAddr().String() + "/stats")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	page := string(b)
	for _, want := range []string{
		`<tr data-server="a" data-state="up">`, `<span class="st st-up">up</span>`,
		`<tr data-server="dead" data-state="ejected">`, `<span class="st st-ejected">ejected</span>`,
		"<td>all servers</td>", "fetch(\"/stats.json\"", "algorithm <b id=\"algorithm\">round_robin</b>",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %s", want)
		}
	}
	for _, bad := range []string{"<link", " src=", "http-equiv=\"refresh\"", "//cdn", "@import"} {
		if strings.Contains(page, bad) {
			t.Errorf("the page has %s", bad)
		}
	}
}

// TestStatsProxyDraining: while the proxy drains, /stats.json says so,
// and the request it waits for is in flight.
func TestStatsProxyDraining(t *testing.T) {
	release := make(chan struct{})
	held := serveHTTP(t, "held", func(w http.ResponseWriter, r *http.Request) {
		<-release
		io.WriteString(w, "late")
	})
	r := startProxy(t, config(t, "", held), Options{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		if resp, err := r.client.Get(r.url("/")); err == nil {
			resp.Body.Close()
		}
	}()
	waitFor(t, 5*time.Second, "the request in flight", func() bool { return r.server(t, "held").InFlight == 1 })
	if s, _ := adminJSON(t, r); s.Draining {
		t.Fatal("draining before the proxy was stopped")
	}
	r.stop()
	waitFor(t, 5*time.Second, "the drain", func() bool { return r.Stats().Draining })
	s, _ := adminJSON(t, r)
	if !s.Draining || s.Totals.InFlight != 1 {
		t.Errorf("while draining: draining %v, %d in flight", s.Draining, s.Totals.InFlight)
	}
	close(release)
	<-done
}

// TestStatsParameterisedPolicy: a policy given with parameters runs, and
// the stats name it by its spec, as results do.
func TestStatsParameterisedPolicy(t *testing.T) {
	a := startServer(t, "a", "127.0.0.1:0", 0)
	b := startServer(t, "b", "127.0.0.1:0", 0)
	r := startProxy(t, config(t, "algorithm: {name: bounded_load, c: 1.5}\n", a, b), Options{})
	if code, _ := r.get(t, "/"); code != http.StatusOK {
		t.Fatalf("status %d", code)
	}
	if s, _ := adminJSON(t, r); s.Algorithm != "bounded_load(c=1.5)" {
		t.Errorf("stats name the algorithm %q, want bounded_load(c=1.5)", s.Algorithm)
	}
}
