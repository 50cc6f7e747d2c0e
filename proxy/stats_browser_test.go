package proxy

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/lbsim/lbsim/internal/chromium"
)

// TestStatsPageInChromium opens /stats of a running proxy in headless
// Chromium, lets a server be ejected, and waits for the page's own
// refresh to show it: every server has a row with its state in words (and
// a colour of its own), the totals are filled in, and the page fetched
// nothing but its own page and /stats.json from the admin listener.
func TestStatsPageInChromium(t *testing.T) {
	browser := chromium.Path(t)
	a := startServer(t, "a", "127.0.0.1:0", 0)
	b := startServer(t, "b", "127.0.0.1:0", 0)
	dead := refusing(t, "dead")
	r := startProxy(t, config(t, "algorithm: round_robin\npassive: {max_fails: 1, fail_timeout: 1m}\n", a, b, dead), Options{})
	origin := "http://" + r.AdminAddr().String()
	ctx, fetched := chromium.Open(t, browser, origin+"/stats", 1300, 800)
	states := func() map[string]string {
		t.Helper()
		rows, err := chromedp.Run(ctx, chromedp.Evaluate[[][2]string](`Array.from(document.querySelectorAll("#servers tbody tr")).map(
			(tr) => [tr.dataset.server, tr.querySelector(".st").textContent])`))
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]string{}
		for _, row := range rows {
			m[row[0]] = row[1]
		}
		return m
	}
	if got := states(); len(got) != 3 || got["a"] != "up" || got["b"] != "up" || got["dead"] != "up" {
		t.Errorf("as loaded, the table shows %v; want a, b and dead up", got)
	}

	// A round: dead fails its request and is ejected.
	for range 3 {
		r.get(t, "/")
	}
	_, err := chromedp.Run(ctx, chromedp.Poll[bool](
		`document.querySelector('#servers tr[data-server="dead"][data-state="ejected"]') !== null && Number(document.body.dataset.refreshes) > 0`,
		chromedp.WithPollingInterval(100*time.Millisecond), chromedp.WithPollingTimeout(15*time.Second)))
	if err != nil {
		t.Fatalf("the page did not refresh to show dead ejected (it shows %v): %v", states(), err)
	}
	if got := states(); len(got) != 3 || got["a"] != "up" || got["b"] != "up" || got["dead"] != "ejected" {
		t.Errorf("after the refresh, the table shows %v; want a and b up, dead ejected", got)
	}
	// The client's keep-alive connection, idle since, is parked.
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](
		`document.getElementById("parked").textContent === "1" && document.getElementById("served").textContent === "0"`,
		chromedp.WithPollingInterval(100*time.Millisecond), chromedp.WithPollingTimeout(10*time.Second))); err != nil {
		t.Errorf("the page does not show the idle client connection parked: %v", err)
	}
	type look struct {
		Up, Ejected string   // the states' colours
		Since       string   // dead's "since" text
		Total       []string // the totals row's cells
		Status      string
		Banners     []bool // the panic and draining banners shown
	}
	got, err := chromedp.Run(ctx, chromedp.Evaluate[look](`(() => {
		const colour = (s) => getComputedStyle(document.querySelector('tr[data-server="' + s + '"] .st')).color;
		return {
			Up: colour("a"), Ejected: colour("dead"),
			Since: document.querySelector('tr[data-server="dead"] .since').textContent,
			Total: Array.from(document.querySelectorAll("#servers tfoot td")).map((td) => td.textContent),
			Status: document.getElementById("status").textContent,
			Banners: ["panic", "draining"].map((id) => getComputedStyle(document.getElementById(id)).display !== "none"),
		};
	})()`))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%+v", got)
	if got.Up == got.Ejected {
		t.Errorf("up and ejected are both %s", got.Up)
	}
	if !strings.HasPrefix(got.Since, "since ") || !strings.Contains(got.Since, " UTC, for ") {
		t.Errorf("dead's state is dated %q", got.Since)
	}
	// The totals row: all servers, 0 in flight, a third of the attempts
	// failed, 3 requests and 1 failure.
	if c := got.Total; len(c) != 14 || c[0] != "all servers" || c[3] != "0" || c[7] != "33.3%" || c[10] != "3" || c[11] != "1" {
		t.Errorf("totals row %q, want all servers, 0 in flight, 33.3%% errors, 3 requests, 1 failure", c)
	}
	if !strings.HasPrefix(got.Status, "Figures as of ") || !strings.Contains(got.Status, " UTC") {
		t.Errorf("status %q", got.Status)
	}
	if len(got.Banners) != 2 || got.Banners[0] || got.Banners[1] {
		t.Errorf("panic and draining banners shown: %v; the proxy does neither", got.Banners)
	}

	json := 0
	for _, u := range fetched() {
		switch {
		case u == origin+"/stats.json":
			json++
		case u == origin+"/stats" || u == origin+"/favicon.ico":
		default:
			t.Errorf("the page fetched %s", u)
		}
	}
	if json == 0 {
		t.Errorf("the page never fetched /stats.json: %v", fetched())
	}
}

// TestStatsPagePoolsInChromium: with servers in pools, the stats page
// lists each pool's servers under a heading naming the pool and its
// algorithm, as loaded and as its script refreshes it, and counts the
// requests no route matched and those a route's limit rejected.
func TestStatsPagePoolsInChromium(t *testing.T) {
	browser := chromium.Path(t)
	// reports comes between api's servers in the file: the page groups
	// them.
	servers := slices.Concat(inPool("api", startServer(t, "api-1", "127.0.0.1:0", 0)),
		inPool("reports", startServer(t, "reports", "127.0.0.1:0", 0)), inPool("api", startServer(t, "api-2", "127.0.0.1:0", 0)))
	cfg := config(t, "routes:\n  - {path: /reports/, pool: reports, limit: {rate: 0.1}}\n  - {path: /api/, pool: api}\npools:\n  reports: {algorithm: least_connections}\n", servers...)
	r := startProxy(t, cfg, Options{})
	ctx, _ := chromium.Open(t, browser, "http://"+r.AdminAddr().String()+"/stats", 1300, 800)
	rows := func() []string {
		t.Helper()
		got, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("#servers tbody tr")).map(
			(tr) => tr.dataset.pool ? tr.textContent : tr.dataset.server)`))
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	want := []string{"pool api: round_robin", "api-1", "api-2", "pool reports: least_connections", "reports"}
	if got := rows(); !slices.Equal(got, want) {
		t.Errorf("as loaded, the rows are %q, want %q", got, want)
	}
	if code, _ := r.get(t, "/other"); code != 404 {
		t.Fatalf("an unrouted request got %d", code)
	}
	r.get(t, "/reports/")
	if code, _ := r.get(t, "/reports/"); code != 503 {
		t.Fatalf("a request over the limit got %d", code)
	}
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](
		`document.getElementById("unrouted").textContent === "1" && document.getElementById("rate_limited").textContent === "1" && !document.getElementById("routing").hidden`,
		chromedp.WithPollingInterval(100*time.Millisecond), chromedp.WithPollingTimeout(15*time.Second))); err != nil {
		t.Fatalf("the page does not show the unrouted and rate-limited requests: %v", err)
	}
	if got := rows(); !slices.Equal(got, want) {
		t.Errorf("refreshed, the rows are %q, want %q", got, want)
	}
}
