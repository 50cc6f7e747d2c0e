package playground

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/lbsim/lbsim/report"
	"github.com/lbsim/lbsim/results"
	"github.com/lbsim/lbsim/scenarios"
	"github.com/lbsim/lbsim/sim"
)

// small is a scenario of 3,000 requests that runs in milliseconds.
const small = `name: small
seed: 4
requests: 3000
servers:
  - name: app
    count: 3
    capacity: 2
workload:
  arrival: {process: poisson, rate: 60}
  service: {dist: exponential, mean: 40ms}
algorithms: [round_robin, least_connections]
`

// long would take minutes: only the limits end it.
const long = `name: long
requests: 1000000000
servers: [{name: app, count: 4, capacity: 4}]
workload: {arrival: {rate: 1000}, service: {dist: exponential, mean: 10ms}}
algorithms: [round_robin]
`

// call sends a request to h and returns the answer.
func call(t *testing.T, h http.Handler, method, target, body string, header ...string) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest(method, target, strings.NewReader(body))
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Set(header[i], header[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// errorOf decodes an error answer.
func errorOf(t *testing.T, w *httptest.ResponseRecorder) errorAnswer {
	t.Helper()
	var e errorAnswer
	if err := json.Unmarshal(w.Body.Bytes(), &e); err != nil {
		t.Fatalf("status %d, body %q: not an error answer: %v", w.Code, w.Body.String(), err)
	}
	return e
}

// runDirect runs sc as lbsim run does and renders it as JSON.
func runDirect(t *testing.T, sc *scenarios.Scenario) []byte {
	t.Helper()
	runs, err := sim.CompareSeeds(sc, sc.Algorithms, []uint64{sc.Seed}, sim.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := report.Write(&b, report.FormatJSON, results.Combine(runs, results.AggregateWorst)); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestRun: /api/run answers the bytes lbsim run --format json prints, for
// a bundled scenario and for a file of one's own.
func TestRun(t *testing.T) {
	h := New(Config{})
	bundled, err := scenarios.Open("crash-with-health-checks")
	if err != nil {
		t.Fatal(err)
	}
	own, err := scenarios.Parse("scenario.yaml", []byte(small))
	if err != nil {
		t.Fatal(err)
	}
	for _, sc := range []*scenarios.Scenario{bundled, own} {
		w := call(t, h, "POST", "/api/run", string(sc.YAML))
		if w.Code != http.StatusOK || w.Header().Get("Content-Type") != "application/json" {
			t.Fatalf("%s: %d %s: %s", sc.Name, w.Code, w.Header().Get("Content-Type"), w.Body.String())
		}
		if want := runDirect(t, sc); !bytes.Equal(w.Body.Bytes(), want) {
			t.Errorf("%s: /api/run answered\n%s\nlbsim run prints\n%s", sc.Name, w.Body.String(), want)
		}
		if w.Header().Get("Lbsim-Cut-At") != "" {
			t.Errorf("%s: a run within the limit says it was cut", sc.Name)
		}
	}
}

// TestRunParameters: the query mirrors lbsim run's flags.
func TestRunParameters(t *testing.T) {
	h := New(Config{})
	var got struct {
		Seed      uint64
		Seeds     int
		Aggregate string
		Requests  int64
		Results   []struct{ Algorithm string }
	}
	w := call(t, h, "POST", "/api/run?seed=9&seeds=2&aggregate=mean&requests=1500&algorithms=leastconn,random", small)
	if w.Code != http.StatusOK {
		t.Fatalf("%d: %s", w.Code, w.Body.String())
	}
	if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if got.Seed != 9 || got.Seeds != 2 || got.Aggregate != "mean" || got.Requests != 1500 || len(got.Results) != 2 ||
		got.Results[0].Algorithm != "least_connections" || got.Results[1].Algorithm != "random" {
		t.Errorf("the run is %+v; want seeds 9 and 10 averaged, 1500 requests, least_connections and random", got)
	}
}

// TestBadInput: what lbsim run refuses with exit 2 is answered 400, with
// the message it prints and, for a scenario, where the fault is.
func TestBadInput(t *testing.T) {
	h := New(Config{})
	broken := strings.Replace(small, "capacity: 2", "capacity: 0", 1)
	tests := []struct {
		name, target, body string
		status             int
		msg                string // a regexp the message matches
		line               int
	}{
		{"a value out of range", "/api/run", broken, 400, `^scenario\.yaml:7:5: servers\[0\]\.capacity: must be at least 1, got 0$`, 7},
		{"named by the request", "/api/run?file=shop.yaml", broken, 400, `^shop\.yaml:7:5: servers\[0\]\.capacity: `, 7},
		{"a YAML syntax error", "/api/report", "name: x\nservers: [\n", 400, `^scenario\.yaml:3: YAML syntax error: `, 3},
		{"an empty body", "/api/run", "", 400, `^scenario\.yaml: empty file`, 0},
		{"a file name with a directory", "/api/run?file=../x.yaml", small, 400, `^file: "\.\./x\.yaml" is not a file name`, 0},
		{"an unknown parameter", "/api/run?seed=1&algoritms=random", small, 400, `takes no parameter "algoritms"; did you mean "algorithms"\?`, 0},
		{"no seeds", "/api/run?seeds=0", small, 400, `^seeds must be a whole number from 1 to 100, got "0"$`, 0},
		{"an unknown algorithm", "/api/report?algorithms=fastest", small, 400, `^algorithms: unknown algorithm "fastest"`, 0},
		{"an algorithm twice", "/api/run?algorithms=leastconn,least_connections", small, 400, `both name least_connections`, 0},
		{"a bad aggregate", "/api/run?aggregate=best", small, 400, `^aggregate: unknown aggregate "best"`, 0},
		{"too many requests", "/api/run?requests=20000000000", small, 400, `^requests must be a whole number from 1 to 10000000000`, 0},
		{"trace without algorithm", "/api/trace", small, 400, `^trace needs \?algorithm=: small runs round_robin, least_connections$`, 0},
		{"trace from a bad time", "/api/trace?algorithm=random&from=soon", small, 400, `^from must be a virtual time`, 0},
		{"trace first too many", "/api/trace?algorithm=random&first=5000", small, 400, `^first must be a whole number from 1 to 1000`, 0},
		{"explain an unknown algorithm", "/api/explain?algorithm=fastest", "", 400, `^explain: unknown algorithm "fastest"`, 0},
		{"explain nothing", "/api/explain", "", 400, `^explain needs \?algorithm=`, 0},
		{"a list with parameters", "/api/scenarios?x=1", "", 400, `takes no parameters`, 0},
		{"too large", "/api/run", small + strings.Repeat("#\n", MaxBody/2), 413, `larger than 1048576 bytes`, 0},
		{"an unknown API", "/api/runs", small, 404, `^no such API: /api/runs`, 0},
		{"run with GET", "/api/run", "", 405, `^/api/run takes POST, not GET$`, 0},
		{"edit with PUT", "/api/edit", small, 405, `^/api/edit takes POST, not PUT$`, 0},
		{"scenarios with POST", "/api/scenarios", "", 405, `^/api/scenarios takes GET, not POST$`, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			method := "POST"
			switch {
			case strings.Contains(tt.name, "GET"), strings.HasPrefix(tt.target, "/api/explain"), tt.target == "/api/scenarios?x=1":
				method = "GET"
			case strings.Contains(tt.name, "PUT"):
				method = "PUT"
			}
			w := call(t, h, method, tt.target, tt.body)
			e := errorOf(t, w)
			if w.Code != tt.status || !regexp.MustCompile(tt.msg).MatchString(e.Error) {
				t.Errorf("%d %q; want %d and a message matching %s", w.Code, e.Error, tt.status, tt.msg)
			}
			if e.Line != tt.line {
				t.Errorf("line %d, want %d", e.Line, tt.line)
			}
			if w.Code == 405 && w.Header().Get("Allow") == "" {
				t.Error("405 without Allow")
			}
		})
	}
}

// TestTraceFiles: a posted scenario replays the bundled traces and no
// other file, however the file is written.
func TestTraceFiles(t *testing.T) {
	h := New(Config{})
	// A log that would replay: the refusal is not about its format.
	local := filepath.Join(t.TempDir(), "access.log")
	line := `10.0.0.1 - - [10/Oct/2025:13:55:36 +0000] "GET / HTTP/1.1" 200 512 "-" "curl" 0.050` + "\n"
	if err := os.WriteFile(local, []byte(strings.Repeat(line, 50)), 0o644); err != nil {
		t.Fatal(err)
	}
	shop, err := scenarios.Open("replay-shop-log")
	if err != nil {
		t.Fatal(err)
	}
	edited := strings.Replace(string(shop.YAML), "count: 4", "count: 5", 1)
	scenario := func(file string) string {
		return "name: replay\nservers: [{name: app, count: 2}]\nworkload:\n  trace:\n    file: " + file + "\n    format: nginx\n"
	}
	tests := []struct {
		name, body string
		line       int // of the refused file; 0 when allowed
	}{
		{"the bundled scenario", string(shop.YAML), 0},
		{"the bundled scenario edited", edited, 0},
		{"the bundled trace in a new file", scenario("traces/shop-access.log.gz"), 0},
		{"the bundled trace by a longer path", scenario("./traces/../traces/shop-access.log.gz"), 0},
		{"an absolute path", scenario(local), 5},
		{"a path out of the bundled files", scenario("../../../" + local), 5},
		{"a bundled scenario file", scenario("mixed-50ms-5s.yaml"), 5},
		{"quoted", scenario(`"` + local + `"`), 5},
		{"through an alias", "x: &f " + local + "\n" + scenario("*f"), 6},
		{"through a merge key", "x: &t {file: " + local + ", format: nginx}\nname: replay\nservers: [{name: app}]\nworkload:\n  trace: {<<: *t}\n", 1},
		{"a binary tag", scenario("!!binary dHJhY2VzL3Nob3AtYWNjZXNzLmxvZy5neg=="), 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := call(t, h, "POST", "/api/edit", tt.body)
			if tt.line == 0 {
				if w.Code != http.StatusOK {
					t.Fatalf("%d: %s", w.Code, w.Body.String())
				}
				return
			}
			e := errorOf(t, w)
			if w.Code != http.StatusBadRequest || e.Line != tt.line || e.Field != "workload.trace.file" ||
				!strings.Contains(e.Error, "replays only the traces bundled with lbsim (traces/shop-access.log.gz)") {
				t.Errorf("%d %+v; want 400 at line %d naming the bundled trace", w.Code, e, tt.line)
			}
		})
	}
	// A run replays the bundled trace.
	if w := call(t, h, "POST", "/api/run?algorithms=round_robin", edited); w.Code != http.StatusOK {
		t.Errorf("running the edited replay: %d %s", w.Code, w.Body.String())
	}
}

// TestLimits: a run over MaxRequests is cut and says so; one over MaxTime
// is stopped and answered 504; with every slot taken the answer is 503.
func TestLimits(t *testing.T) {
	cut := New(Config{MaxRequests: 1000})
	w := call(t, cut, "POST", "/api/run", small)
	var got struct {
		Requests int64
		CutAt    int64 `json:"cut_at"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil || w.Code != 200 {
		t.Fatalf("%d %v: %s", w.Code, err, w.Body.String())
	}
	if got.CutAt != 1000 || w.Header().Get("Lbsim-Cut-At") != "1000" {
		t.Errorf("cut_at %d, header %q; want both 1000", got.CutAt, w.Header().Get("Lbsim-Cut-At"))
	}
	w = call(t, cut, "POST", "/api/report", small)
	if !strings.Contains(w.Body.String(), `"cut_at":1000,`) {
		t.Errorf("/api/report does not say the run was cut: %.200s", w.Body.String())
	}
	if w = call(t, cut, "POST", "/api/run?requests=900", small); strings.Contains(w.Body.String(), "cut_at") {
		t.Errorf("a run under the cap says it was cut")
	}

	slow := New(Config{MaxTime: 50 * time.Millisecond, MaxRequests: 1 << 40})
	for _, target := range []string{"/api/run", "/api/report", "/api/trace?algorithm=round_robin&from=10000h"} {
		start := time.Now()
		w := call(t, slow, "POST", target, long)
		e := errorOf(t, w)
		if took := time.Since(start); w.Code != http.StatusGatewayTimeout || !strings.Contains(e.Error, "(50ms, lbsim serve --max-time)") || took > 5*time.Second {
			t.Errorf("%s: %d %q after %v; want 504 naming --max-time, soon after 50ms", target, w.Code, e.Error, took)
		}
	}

	busy := New(Config{MaxRuns: 1})
	busy.slots <- struct{}{}
	for _, target := range []string{"/api/run", "/api/report", "/api/trace?algorithm=random"} {
		w := call(t, busy, "POST", target, small)
		if e := errorOf(t, w); w.Code != http.StatusServiceUnavailable || w.Header().Get("Retry-After") == "" || !strings.HasPrefix(e.Error, "busy: 1 runs are in progress") {
			t.Errorf("%s with the slot taken: %d %q, Retry-After %q", target, w.Code, e.Error, w.Header().Get("Retry-After"))
		}
	}
	// What runs nothing answers.
	if w := call(t, busy, "POST", "/api/edit", small); w.Code != http.StatusOK {
		t.Errorf("/api/edit while busy: %d", w.Code)
	}
	<-busy.slots
	if w := call(t, busy, "POST", "/api/run", small); w.Code != http.StatusOK {
		t.Errorf("a run once the slot is free: %d %s", w.Code, w.Body.String())
	}
}

// TestOtherOrigins: a page from another site cannot make the playground
// run a scenario; the playground's own page can.
func TestOtherOrigins(t *testing.T) {
	h := New(Config{})
	for _, tc := range []struct {
		origin string
		status int
	}{{"http://evil.example", 403}, {"null", 403}, {"http://example.com", 200}, {"", 200}} {
		w := call(t, h, "POST", "http://example.com/api/edit", small, "Origin", tc.origin)
		if w.Code != tc.status {
			t.Errorf("Origin %q: %d, want %d", tc.origin, w.Code, tc.status)
		}
	}
}

// TestReport: /api/report holds /api/run's answer, the table lbsim run
// prints, a reading per algorithm and every chart as an svg element.
func TestReport(t *testing.T) {
	h := New(Config{})
	sc, err := scenarios.Open("crash-with-health-checks")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ body, file string }{
		{string(sc.YAML), "bundled:crash-with-health-checks"},
		{strings.Replace(string(sc.YAML), "count: 4", "count: 5", 1), "scenario.yaml"},
	} {
		w := call(t, h, "POST", "/api/report", tc.body)
		var got reportAnswer
		if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil || w.Code != 200 {
			t.Fatalf("%d %v: %.300s", w.Code, err, w.Body.String())
		}
		run := call(t, h, "POST", "/api/run", tc.body)
		var compact bytes.Buffer
		if err := json.Compact(&compact, run.Body.Bytes()); err != nil {
			t.Fatal(err)
		}
		if got.File != tc.file || !bytes.Equal(got.Results, compact.Bytes()) {
			t.Errorf("file %q, results %.200s; want %s and /api/run's answer %.200s", got.File, got.Results, tc.file, compact.String())
		}
		if !strings.HasPrefix(got.Table, "crash-with-health-checks: seed 1, ") || len(got.Readings) != len(sc.Algorithms) {
			t.Errorf("table %.80q, %d readings; want lbsim run's table and %d readings", got.Table, len(got.Readings), len(sc.Algorithms))
		}
		names := map[string]bool{}
		for _, ch := range got.Charts {
			names[ch.Name] = true
			if !strings.HasPrefix(ch.SVG, "<svg") || !strings.HasSuffix(strings.TrimSpace(ch.SVG), "</svg>") || ch.Title == "" || ch.About == "" {
				t.Errorf("chart %s: title %q, about %q, svg %.40q...", ch.Name, ch.Title, ch.About, ch.SVG)
			}
		}
		// The run keeps its timelines, so the charts over time are there.
		for _, want := range []string{"latency-cdf", "server-utilization", "p99-over-time"} {
			if !names[want] {
				t.Errorf("no chart %s among %v", want, names)
			}
		}
	}
}

// TestPage: the page and its files come with their types and a policy
// that lets them load nothing from elsewhere, and name nothing elsewhere.
func TestPage(t *testing.T) {
	h := New(Config{})
	for _, tc := range []struct{ path, typ, has string }{
		{"/", "text/html; charset=utf-8", `<script src="/app.js" defer></script>`},
		{"/app.js", "text/javascript; charset=utf-8", `"/api/report"`},
		{"/app.css", "text/css; charset=utf-8", "figure.chart svg"},
	} {
		w := call(t, h, "GET", tc.path, "")
		body := w.Body.String()
		if w.Code != 200 || w.Header().Get("Content-Type") != tc.typ || !strings.Contains(body, tc.has) {
			t.Errorf("%s: %d %q, has %q: %v", tc.path, w.Code, w.Header().Get("Content-Type"), tc.has, strings.Contains(body, tc.has))
		}
		if csp := w.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "connect-src 'self'") {
			t.Errorf("%s: Content-Security-Policy %q", tc.path, csp)
		}
		if m := regexp.MustCompile(`(?i)(https?:)?//[a-z0-9.-]+\.[a-z]{2,}|@import|@font-face|url\(`).FindString(body); m != "" {
			t.Errorf("%s names something elsewhere: %q", tc.path, m)
		}
	}
	if w := call(t, h, "POST", "/", ""); w.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST /: %d", w.Code)
	}
	if w := call(t, h, "GET", "/nothing", ""); w.Code != http.StatusNotFound {
		t.Errorf("GET /nothing: %d", w.Code)
	}
}

// TestScenarios: the list holds every bundled scenario with its file.
func TestScenarios(t *testing.T) {
	w := call(t, New(Config{}), "GET", "/api/scenarios", "")
	var got []scenarioEntry
	if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	all := scenarios.Bundled()
	if len(got) != len(all) {
		t.Fatalf("%d scenarios, want %d", len(got), len(all))
	}
	for i, sc := range all {
		if got[i].Name != sc.Name || got[i].YAML != string(sc.YAML) || got[i].Description != sc.Description {
			t.Errorf("entry %d is %s, want %s with its file", i, got[i].Name, sc.Name)
		}
	}
	w = call(t, New(Config{}), "GET", "/api/algorithms", "")
	if !strings.Contains(w.Body.String(), `{"name":"round_robin","summary":"each backend in turn`) {
		t.Errorf("/api/algorithms: %.200s", w.Body.String())
	}
}

// TestEdit: each quick control changes its key and no other line; a
// change that cannot apply is refused, saying why.
func TestEdit(t *testing.T) {
	h := New(Config{})
	open := func(name string) string {
		sc, err := scenarios.Open(name)
		if err != nil {
			t.Fatal(err)
		}
		return string(sc.YAML)
	}
	mixed, crash := open("mixed-50ms-5s"), open("crash-with-health-checks")
	tests := []struct {
		name, query, body string
		removed, added    []string // whole lines
		dropped           int      // expect: lines dropped
		settings          func(s settings) bool
		err               string
	}{
		{name: "nothing", body: mixed, settings: func(s settings) bool {
			return s.Groups == 1 && s.Servers == 4 && s.Load == 0.7 && len(s.Algorithms) == 5 && len(s.ServerNames) == 4 && s.Seconds > 3500 && s.Seconds < 3600
		}},
		{name: "servers", query: "servers=6", body: mixed, removed: []string{"    count: 4"}, added: []string{"    count: 6"},
			settings: func(s settings) bool { return s.Servers == 6 && len(s.ServerNames) == 6 && s.Load == 0.7 }},
		{name: "load in place of rate", query: "load=0.9", body: crash,
			removed: []string{"  arrival: {process: poisson, rate: 40}"}, added: []string{"  arrival: {process: poisson, load: 0.9}"},
			settings: func(s settings) bool { return s.Load == 0.9 }},
		{name: "algorithms", query: "algorithms=least_connections,p2c", body: mixed,
			removed: []string{"algorithms: [round_robin, least_connections, least_response_time, power_of_two, random]",
				"  - least_connections.mean < 0.3 * round_robin.mean", "  # Blind policies are alike: random is no better than round robin.",
				"  - random.classes[profile].p99 > 0.8 * round_robin.classes[profile].p99",
				"  - least_connections.classes[profile].p99 < 0.5 * round_robin.classes[profile].p99", "  # The lesson: quick calls no longer wait behind reports.", "expect:"},
			added: []string{"algorithms: [least_connections, power_of_two]"}, dropped: 3,
			settings: func(s settings) bool { return strings.Join(s.Algorithms, ",") == "least_connections,power_of_two" }},
		{name: "a crash", query: "fault=crash&server=app-3&at=90s&for=30s", body: mixed,
			added: []string{"faults:", "  - {at: 90s, server: app-3, kind: crash, for: 30s}"}, settings: func(s settings) bool { return s.Faults == 1 }},
		{name: "a slowdown beside a crash", query: "fault=slow&server=app-1&at=1m&factor=4", body: crash,
			added: []string{"  - {at: 1m, server: app-1, kind: slow, factor: 4}"}, settings: func(s settings) bool { return s.Faults == 2 }},
		{name: "no faults", query: "fault=none", body: crash,
			removed: []string{"faults:", "  - {at: 2m, server: app-2, kind: crash}"}, settings: func(s settings) bool { return s.Faults == 0 }},
		{name: "servers of several groups", query: "servers=3", body: open("heterogeneous"), err: `^servers: the scenario has 3 server groups; change their counts in the YAML \(line \d+\)$`},
		{name: "load of a trace", query: "load=0.5", body: open("replay-shop-log"), err: `^load: a replayed trace brings its own arrivals`},
		{name: "load out of range", query: "load=0", body: mixed, err: `^load must be a number above 0`},
		{name: "servers out of range", query: "servers=0", body: mixed, err: `^servers must be a whole number from 1 to 10000`},
		{name: "a crash of no server", query: "fault=crash&server=web-1&at=1m", body: mixed, err: `^server: "web-1" is not a server of mixed-50ms-5s \(it has app-1, app-2, app-3, app-4\)$`},
		{name: "a crash at no time", query: "fault=crash&server=app-1&at=soon", body: mixed, err: `^at must be a virtual time`},
		{name: "an unknown fault", query: "fault=flood&server=app-1&at=1m", body: mixed, err: `^fault must be crash, slow or none`},
		{name: "a fault left without its server", query: "servers=1", body: crash, err: `^the change would make the scenario invalid: scenario\.yaml:\d+:\d+: faults\[0\]\.server: `},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := call(t, h, "POST", "/api/edit?"+tt.query, tt.body)
			if tt.err != "" {
				if e := errorOf(t, w); w.Code != 400 || !regexp.MustCompile(tt.err).MatchString(e.Error) {
					t.Errorf("%d %q; want 400 matching %s", w.Code, e.Error, tt.err)
				}
				return
			}
			var got editAnswer
			if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil || w.Code != 200 {
				t.Fatalf("%d %v: %s", w.Code, err, w.Body.String())
			}
			removed, added := lineChanges(tt.body, got.YAML)
			if !sameLines(removed, tt.removed) || !sameLines(added, tt.added) {
				t.Errorf("removed %q and added %q; want %q and %q", removed, added, tt.removed, tt.added)
			}
			if len(got.Dropped) != tt.dropped {
				t.Errorf("dropped %q, want %d expect: lines", got.Dropped, tt.dropped)
			}
			if !tt.settings(got.Settings) {
				t.Errorf("settings %+v", got.Settings)
			}
			if _, err := scenarios.Parse("edited.yaml", []byte(got.YAML)); err != nil {
				t.Errorf("the edited file does not load: %v", err)
			}
		})
	}
}

// lineChanges lists the lines of a missing from b and of b missing from
// a, as multisets.
func lineChanges(a, b string) (removed, added []string) {
	count := map[string]int{}
	for _, l := range strings.Split(a, "\n") {
		count[l]++
	}
	for _, l := range strings.Split(b, "\n") {
		if count[l] > 0 {
			count[l]--
			continue
		}
		added = append(added, l)
	}
	for _, l := range strings.Split(a, "\n") {
		if count[l] > 0 {
			count[l]--
			removed = append(removed, l)
		}
	}
	return removed, added
}

func sameLines(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	seen := map[string]int{}
	for _, l := range a {
		seen[l]++
	}
	for _, l := range b {
		if seen[l]--; seen[l] < 0 {
			return false
		}
	}
	return true
}
