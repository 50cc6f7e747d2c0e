package proxy

import (
	_ "embed"
	"encoding/json"
	"html/template"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"
)

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
		w.Header().Set("Cache-Control", "no-store")
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		enc.Encode(p.Stats())
	})
	mux.Handle("GET /metrics", promhttp.HandlerFor(p.metrics.reg, promhttp.HandlerOpts{}))
	return mux
}

// statsPage is the /stats page: the table as of loading, which its
// script then refreshes from /stats.json.
//
//go:embed stats.html.tmpl
var statsHTML string

var statsPage = template.Must(template.New("stats").Funcs(template.FuncMap{
	"ms":  func(v float64) string { return strconv.FormatFloat(v, 'f', 2, 64) },
	"num": func(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) },
	"pct": func(v float64) string { return strconv.FormatFloat(100*v, 'f', 1, 64) + "%" },
	"age": func(s float64) string { return age(time.Duration(s * float64(time.Second))) },
	"clock": func(iso string) string {
		if len(iso) < 19 {
			return iso
		}
		return iso[11:19] + " UTC"
	},
	"when": func(iso string) string {
		if len(iso) < 19 {
			return iso
		}
		return iso[:10] + " " + iso[11:19] + " UTC"
	},
	"class":  stateClass,
	"label":  stateLabel,
	"byPool": byPool,
}).Parse(statsHTML))
