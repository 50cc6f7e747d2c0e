package proxy

import (
	"encoding/json"
	"html/template"
	"net/http"
	"time"

	"github.com/lbsim/lbsim/results"
	"github.com/lbsim/lbsim/scenarios"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Stats is the admin listener's /stats.json document: the proxy's config in
// brief and each server's live state.
type Stats struct {
	Name      string  `json:"name"`
	Mode      string  `json:"mode"`
	Algorithm string  `json:"algorithm"`
	UptimeS   float64 `json:"uptime_s"`
	// Panic is set while fewer than health_check.panic_threshold of the
	// primary servers are healthy, so that all of them get requests.
	Panic   bool          `json:"panic"`
	Servers []ServerStats `json:"servers"`
}

// ServerStats is one server's state and counters since it joined.
type ServerStats struct {
	Name    string `json:"name"`
	Address string `json:"address"`
	// State is up, down (failed its active checks) or ejected (by passive
	// checks, for fail_timeout).
	State     string `json:"state"`
	Weight    int    `json:"weight"`
	InFlight  int64  `json:"in_flight"`
	Requests  int64  `json:"requests"`
	Failures  int64  `json:"failures"`
	LastCheck string `json:"last_check,omitempty"`
	// LatencyMS summarises the time from sending a request to the end of
	// its response, in milliseconds of wall time.
	LatencyMS results.Latency `json:"latency_ms"`
}

// Stats returns the proxy's current statistics.
func (p *Proxy) Stats() Stats {
	st := p.state.Load()
	now := time.Now()
	s := Stats{Name: st.cfg.Name, Mode: st.cfg.Mode, Algorithm: st.cfg.Algorithm, UptimeS: time.Since(p.start).Seconds(), Panic: p.inPanic.Load()}
	for _, u := range st.ups {
		u.mu.Lock()
		lat := u.latency.Latency()
		last := u.lastCheck
		u.mu.Unlock()
		// What the proxy connects to: a URL in mode http, host:port in
		// mode tcp, where there is no scheme.
		addr := u.url.String()
		if st.cfg.Mode == scenarios.ModeTCP {
			addr = u.addr
		}
		s.Servers = append(s.Servers, ServerStats{
			Name:      u.be.Name,
			Address:   addr,
			State:     u.state(now),
			Weight:    u.be.Weight,
			InFlight:  u.be.InFlight(),
			Requests:  u.requests.Load(),
			Failures:  u.failures.Load(),
			LastCheck: last,
			LatencyMS: lat,
		})
	}
	return s
}

// adminHandler serves the stats page, its JSON and Prometheus metrics.
func (p *Proxy) adminHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/stats", http.StatusFound)
	})
	mux.HandleFunc("GET /stats", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		statsPage.Execute(w, p.Stats())
	})
	mux.HandleFunc("GET /stats.json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		enc.Encode(p.Stats())
	})
	mux.Handle("GET /metrics", promhttp.HandlerFor(p.metrics.reg, promhttp.HandlerOpts{}))
	return mux
}

var statsPage = template.Must(template.New("stats").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="5">
<title>lbsim proxy: {{.Name}}</title>
<style>
body{font-family:system-ui,sans-serif;margin:2em;color:#222}
table{border-collapse:collapse}th,td{padding:.3em .8em;border-bottom:1px solid #ddd;text-align:right}
th:first-child,td:first-child,td.s{text-align:left}
.up{color:#176f2c}.down,.ejected{color:#b3261e;font-weight:bold}
</style></head><body>
<h1>lbsim proxy: {{.Name}}</h1>
<p>mode {{.Mode}}, algorithm <b>{{.Algorithm}}</b>, up {{printf "%.0f" .UptimeS}} s.
Also as <a href="/stats.json">JSON</a> and <a href="/metrics">Prometheus metrics</a>.</p>
{{if .Panic}}<p class="down">Panic: too few servers are healthy, so requests go to every server, healthy or not.</p>{{end}}
<table>
<tr><th>server</th><th>address</th><th>state</th><th>weight</th><th>in flight</th><th>requests</th><th>failures</th>
<th>p50 ms</th><th>p90 ms</th><th>p99 ms</th><th>max ms</th><th>last check</th></tr>
{{range .Servers}}<tr><td>{{.Name}}</td><td class="s">{{.Address}}</td><td class="s {{.State}}">{{.State}}</td>
<td>{{.Weight}}</td><td>{{.InFlight}}</td><td>{{.Requests}}</td><td>{{.Failures}}</td>
<td>{{printf "%.2f" .LatencyMS.P50}}</td><td>{{printf "%.2f" .LatencyMS.P90}}</td><td>{{printf "%.2f" .LatencyMS.P99}}</td><td>{{printf "%.2f" .LatencyMS.Max}}</td>
<td class="s">{{.LastCheck}}</td></tr>
{{end}}</table></body></html>
`))
