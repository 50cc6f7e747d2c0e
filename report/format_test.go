package report

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/lbsim/lbsim/results"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// fairness is the fairness of the utilizations us, with max_over_mean_latency
// spread.
func fairness(spread float64, us ...float64) results.Fairness {
	f := results.NewFairness(us)
	f.MaxOverMeanLatency = spread
	return f
}

// sample is a small comparison in the shape of the mixed 50ms/5s scenario:
// round_robin queues profile calls behind reports, least_connections does not.
func sample() *results.Comparison {
	servers := func(u ...float64) []results.Server {
		s := make([]results.Server, len(u))
		for i, x := range u {
			s[i] = results.Server{
				Name: "app-" + string(rune('1'+i)), Requests: int64(2500 + 10*i),
				Utilization: x, MaxQueue: 3 * i, Failed: int64(i % 2),
				Completed: int64(2490 + 10*i),
				Latency:   results.Latency{Mean: 100 * x, P50: 50.0491, P90: 80 * x, P95: 90 * x, P99: 1000.12345 * x, P999: 2000 * x, Max: 3000 * x},
			}
		}
		return s
	}
	// groups makes one group of all four servers.
	groups := func(s []results.Server) []results.Group {
		g := results.Group{Name: "app", Latency: s[0].Latency}
		for _, x := range s {
			g.Requests += x.Requests
			g.Completed += x.Completed
		}
		return []results.Group{g}
	}
	return &results.Comparison{
		Scenario:    "mixed-50ms-5s",
		Description: "99% 50ms profile calls, 1% 5s reports",
		Seed:        42,
		Requests:    10000,
		Results: []results.Result{
			{
				Algorithm: "round_robin", Completed: 9990, Failed: 2, Rejected: 8, Retried: 3,
				ThroughputRPS: 19.98765432,
				Latency: results.Latency{
					Mean: 341.2345678, P50: 50.0491, P90: 1203.3, P95: 2410.77, P99: 5190.123456,
					P999: 9876.5, Max: 10234.0004,
				},
				Fairness: fairness(1.234567, 0.9, 0.5, 0.6, 0.7),
				Servers:  servers(0.9, 0.5, 0.6, 0.7),
				Groups:   groups(servers(0.9, 0.5, 0.6, 0.7)),
				Classes: []results.Class{
					{Name: "profile", Completed: 9890, Latency: results.Latency{Mean: 290.1, P50: 50.0491, P99: 4999.9}},
					{Name: "report", Completed: 100, Latency: results.Latency{Mean: 5400.2, P50: 5100.3, P99: 9800.25}},
				},
			},
			{
				Algorithm: "least_connections", Completed: 10000,
				ThroughputRPS: 20.0001,
				Latency: results.Latency{
					Mean: 99.87654321, P50: 50.0245, P90: 50.0491, P95: 50.0491, P99: 5000.1,
					P999: 5012.0, Max: 5050.5,
				},
				Fairness: fairness(1.01234, 0.62, 0.61, 0.63, 0.6),
				Servers:  servers(0.62, 0.61, 0.63, 0.6),
				Groups:   groups(servers(0.62, 0.61, 0.63, 0.6)),
				Classes: []results.Class{
					{Name: "profile", Completed: 9900, Latency: results.Latency{Mean: 50.2, P50: 50.0245, P99: 50.9}},
					{Name: "report", Completed: 100, Latency: results.Latency{Mean: 5003.4, P50: 5000.1, P99: 5050.5}},
				},
			},
			{
				Algorithm: "power_of_two", Completed: 9999, Rejected: 1,
				ThroughputRPS: math.NaN(), // a rate over zero time must not break JSON
				Latency: results.Latency{
					Mean: 0.0004, P50: 0.12345, P90: 0.9, P95: 1.5, P99: 12.25, P999: 150.5, Max: math.Inf(1),
				},
				Fairness: results.NewFairness(nil),
				Classes: []results.Class{
					{Name: "profile", Completed: 9899, Latency: results.Latency{P50: 0.1, P99: 12}},
					{Name: "report", Completed: 100, Latency: results.Latency{P50: 5000, P99: 5001}},
				},
			},
		},
	}
}

func TestWriteGolden(t *testing.T) {
	for _, f := range Formats() {
		t.Run(string(f), func(t *testing.T) {
			var buf bytes.Buffer
			if err := Write(&buf, f, sample()); err != nil {
				t.Fatal(err)
			}
			// Byte-identical for identical input.
			var again bytes.Buffer
			if err := Write(&again, f, sample()); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(buf.Bytes(), again.Bytes()) {
				t.Fatal("two renderings of the same comparison differ")
			}
			checkGolden(t, string(f)+".golden", buf.Bytes())
		})
	}
}

// checkGolden compares got with testdata/name, which -update rewrites.
func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	golden := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test ./report -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("output differs from %s (rerun with -update if intended):\n--- got\n%s--- want\n%s", golden, got, want)
	}
}

// keys returns the sorted keys of a JSON object.
func keys(t *testing.T, v any) []string {
	t.Helper()
	m, ok := v.(map[string]any)
	if !ok {
		t.Fatalf("want a JSON object, got %T", v)
	}
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

func sorted(s ...string) []string { slices.Sort(s); return s }

// TestJSONContract checks the keys of DESIGN.md's `--format json` contract,
// with and without the documented additions (description, classes).
func TestJSONContract(t *testing.T) {
	contractOnly := sample()
	contractOnly.Description = ""
	for i := range contractOnly.Results {
		contractOnly.Results[i].Classes = nil
	}
	tests := []struct {
		name                string
		c                   *results.Comparison
		topExtra, resultExt []string
	}{
		{"contract only", contractOnly, nil, nil},
		{"with additions", sample(), []string{"description"}, []string{"classes"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := Write(&buf, FormatJSON, tt.c); err != nil {
				t.Fatal(err)
			}
			if !bytes.HasSuffix(buf.Bytes(), []byte("}\n")) {
				t.Error("JSON output does not end in a newline")
			}
			var top any
			if err := json.Unmarshal(buf.Bytes(), &top); err != nil {
				t.Fatal(err)
			}
			check := func(where string, v any, want ...string) {
				t.Helper()
				if got := keys(t, v); !slices.Equal(got, sorted(want...)) {
					t.Errorf("%s keys = %v, want %v", where, got, sorted(want...))
				}
			}
			check("top level", top, append([]string{"scenario", "seed", "requests", "results"}, tt.topExtra...)...)
			rs := top.(map[string]any)["results"].([]any)
			if len(rs) != len(tt.c.Results) {
				t.Fatalf("%d results, want %d", len(rs), len(tt.c.Results))
			}
			for _, r := range rs {
				check("result", r, append([]string{"algorithm", "completed", "failed", "rejected", "retried",
					"throughput_rps", "latency_ms", "fairness", "servers", "groups"}, tt.resultExt...)...)
				rm := r.(map[string]any)
				latencyKeys := []string{"mean", "p50", "p90", "p95", "p99", "p999", "max"}
				check("latency_ms", rm["latency_ms"], latencyKeys...)
				check("fairness", rm["fairness"], "jain_utilization", "max_over_mean_utilization", "max_over_mean_latency")
				servers, ok := rm["servers"].([]any)
				if !ok {
					t.Fatalf("servers is %T, want an array (never null)", rm["servers"])
				}
				for _, s := range servers {
					check("server", s, "name", "requests", "utilization", "max_queue", "failed", "completed", "latency_ms")
					check("server latency_ms", s.(map[string]any)["latency_ms"], latencyKeys...)
				}
				groups, ok := rm["groups"].([]any)
				if !ok || len(groups) == 0 && len(servers) > 0 {
					t.Fatalf("groups is %v, want a list of the servers' groups (never null)", rm["groups"])
				}
				for _, g := range groups {
					check("group", g, "name", "requests", "completed", "latency_ms")
					check("group latency_ms", g.(map[string]any)["latency_ms"], latencyKeys...)
				}
			}

			// Round trip: decoding gives back the rounded comparison.
			var back results.Comparison
			if err := json.Unmarshal(buf.Bytes(), &back); err != nil {
				t.Fatal(err)
			}
			if want := results.Rounded(tt.c); !reflect.DeepEqual(back, want) {
				t.Errorf("round trip:\n got %+v\nwant %+v", back, want)
			}
		})
	}
}

func TestParseFormat(t *testing.T) {
	tests := []struct {
		in   string
		want Format
		ok   bool
	}{
		{"table", FormatTable, true},
		{"markdown", FormatMarkdown, true},
		{"csv", FormatCSV, true},
		{"json", FormatJSON, true},
		{" JSON ", FormatJSON, true},
		{"", "", false},
		{"xml", "", false},
		{"md", "", false},
		{"tables", "", false},
	}
	for _, tt := range tests {
		got, err := ParseFormat(tt.in)
		if tt.ok {
			if err != nil || got != tt.want {
				t.Errorf("ParseFormat(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
			continue
		}
		if err == nil {
			t.Errorf("ParseFormat(%q) = %q, want an error", tt.in, got)
			continue
		}
		if !errors.Is(err, ErrUnknownFormat) {
			t.Errorf("ParseFormat(%q) error %v does not wrap ErrUnknownFormat", tt.in, err)
		}
		for _, f := range Formats() {
			if !strings.Contains(err.Error(), string(f)) {
				t.Errorf("ParseFormat(%q) error %q does not list %q", tt.in, err, f)
			}
		}
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestWriteErrors(t *testing.T) {
	var buf bytes.Buffer
	if err := Write(&buf, FormatJSON, nil); err == nil {
		t.Error("Write(nil comparison) succeeded")
	}
	if err := Write(&buf, Format("xml"), sample()); !errors.Is(err, ErrUnknownFormat) {
		t.Errorf("Write(xml) = %v, want ErrUnknownFormat", err)
	}
	if buf.Len() != 0 {
		t.Errorf("failed writes wrote %q", buf.String())
	}
	for _, f := range Formats() {
		if err := Write(failWriter{}, f, sample()); err == nil {
			t.Errorf("Write(%s) to a failing writer returned nil", f)
		}
	}
}

// TestTableSingleClass: the per-class table appears only with several classes.
func TestTableSingleClass(t *testing.T) {
	c := sample()
	for i := range c.Results {
		c.Results[i].Classes = c.Results[i].Classes[:1]
	}
	for _, f := range []Format{FormatTable, FormatMarkdown} {
		var buf bytes.Buffer
		if err := Write(&buf, f, c); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(buf.String(), "by request class") {
			t.Errorf("%s: per-class table with a single class:\n%s", f, buf.String())
		}
	}
}

// TestTableWidth keeps the terminal table within 120 columns.
func TestTableWidth(t *testing.T) {
	var buf bytes.Buffer
	if err := Write(&buf, FormatTable, sample()); err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(buf.String(), "\n") {
		if len(line) > 120 {
			t.Errorf("line of %d columns: %q", len(line), line)
		}
		if strings.HasSuffix(line, " ") {
			t.Errorf("trailing space: %q", line)
		}
	}
}

func TestMarkdownEscape(t *testing.T) {
	c := sample()
	c.Results = c.Results[:1]
	c.Results[0].Algorithm = "a|b*c"
	var buf bytes.Buffer
	if err := Write(&buf, FormatMarkdown, c); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), `a\|b\*c`) {
		t.Errorf("name not escaped:\n%s", buf.String())
	}
}

// TestFailureTable checks the failures table, written when a run failed
// requests by cause or had crashes: counts by the causes some run met,
// retries, and, when a run had crashes, those detected, their mean
// detection time, the attempts that met a crashed server and the requests
// lost after one did.
func TestFailureTable(t *testing.T) {
	row := func(out, algorithm string) []string {
		i := strings.Index(out, "\nfailures\n")
		if i < 0 {
			t.Fatalf("no failures table:\n%s", out)
		}
		for l := range strings.Lines(out[i:]) {
			if strings.HasPrefix(l, algorithm+" ") {
				return strings.Fields(l)
			}
		}
		return nil
	}
	c := sample()
	if strings.Contains(mustWrite(t, FormatTable, c), "\nfailures\n") {
		t.Error("a failures table for a run without causes or crashes")
	}
	c.Results[0].FailedByCause = map[string]int64{"refused": 15, "timeout": 2, "5xx": 7}
	c.Results[1].FailedByCause = map[string]int64{"rate_limited": 4}
	out := mustWrite(t, FormatTable, c)
	// Only the causes some run met, in their order, and no crash columns.
	if !strings.Contains(out, "algorithm          refused  timeout  5xx  rate limited  retried\n") {
		t.Errorf("failures header, want the causes met and retried:\n%s", out)
	}
	if got, want := row(out, c.Results[0].Algorithm), []string{c.Results[0].Algorithm, "15", "2", "7", "0", "3"}; !slices.Equal(got, want) {
		t.Errorf("failures row %q, want %q", got, want)
	}
	c.Results[0].Crashes = []results.Crash{{Server: "a", AtS: 60, DetectedAfterS: 15, FailedDuring: 12, AttemptsFailed: 15}, {Server: "b", AtS: 90, DetectedAfterS: -1, FailedDuring: 3, AttemptsFailed: 4}}
	out = mustWrite(t, FormatTable, c)
	if got, want := row(out, c.Results[0].Algorithm), []string{c.Results[0].Algorithm, "15", "2", "7", "0", "3", "1/2", "15.0", "19", "15"}; !slices.Equal(got, want) {
		t.Errorf("failures row with crashes %q, want %q", got, want)
	}
	if !strings.Contains(out, "retried  detected  detect s  hit crashed  lost to crashes") {
		t.Errorf("failures header with crashes:\n%s", out)
	}
}

func mustWrite(t *testing.T, f Format, c *results.Comparison) string {
	t.Helper()
	var b bytes.Buffer
	if err := Write(&b, f, c); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestSessionTable: the sessions table appears when a run missed
// sessions, with the misses per 100 completed requests.
func TestSessionTable(t *testing.T) {
	c := sample()
	if strings.Contains(mustWrite(t, FormatTable, c), "\nsessions\n") {
		t.Error("a sessions table for a run without sessions")
	}
	c.Results[0].SessionMisses = c.Results[0].Completed / 4
	out := mustWrite(t, FormatTable, c)
	i := strings.Index(out, "\nsessions\n")
	if i < 0 {
		t.Fatalf("no sessions table:\n%s", out)
	}
	for l := range strings.Lines(out[i:]) {
		if strings.HasPrefix(l, c.Results[0].Algorithm+" ") {
			if got := strings.Fields(l); len(got) != 3 || got[2] != "25.0" {
				t.Errorf("sessions row %q, want 25.0 per 100 completed", l)
			}
			return
		}
	}
	t.Errorf("no sessions row for %s:\n%s", c.Results[0].Algorithm, out)
}

// TestTitleCounts: the title says "1 request", not "1 requests".
func TestTitleCounts(t *testing.T) {
	c := sample()
	for _, tc := range []struct {
		requests, cutAt int64
		want            string
	}{
		{1, 0, ", 1 request\n"},
		{2, 0, ", 2 requests\n"},
		{1000, 1000, ", 1000 requests (cut at 1000 per algorithm, before the scenario's end)\n"},
	} {
		c.Requests, c.CutAt = tc.requests, tc.cutAt
		for _, f := range []Format{FormatTable, FormatMarkdown} {
			if out := mustWrite(t, f, c); !strings.Contains(out, tc.want) {
				t.Errorf("%v with %d requests: title %q, want it to end %q", f, tc.requests, out[:strings.IndexByte(out, '\n')+1], tc.want)
			}
		}
	}
}

// TestCacheTable: the cache table appears when servers cache keys, with
// each algorithm's hit rate and its worst and best server's.
func TestCacheTable(t *testing.T) {
	c := sample()
	if strings.Contains(mustWrite(t, FormatTable, c), "\ncache\n") {
		t.Error("a cache table for a run without a cache")
	}
	rate := func(x float64) *float64 { return &x }
	for i := range c.Results {
		c.Results[i].CacheHitRate = rate(0.5)
		for k := range c.Results[i].Servers {
			c.Results[i].Servers[k].CacheHitRate = rate(0.25 * float64(k+1))
		}
	}
	out := mustWrite(t, FormatTable, c)
	i := strings.Index(out, "\ncache\n")
	if i < 0 {
		t.Fatalf("no cache table:\n%s", out)
	}
	n := len(c.Results[0].Servers)
	want := []string{c.Results[0].Algorithm, "50.0", "25.0", strconv.FormatFloat(25*float64(n), 'f', 1, 64)}
	for l := range strings.Lines(out[i:]) {
		if strings.HasPrefix(l, c.Results[0].Algorithm+" ") {
			if got := strings.Fields(l); !slices.Equal(got, want) {
				t.Errorf("cache row %q, want %q", got, want)
			}
			return
		}
	}
	t.Errorf("no cache row for %s:\n%s", c.Results[0].Algorithm, out)
}

// TestServerAndGroupCSV: one row per algorithm and server (or group),
// with the rounded figures the JSON has.
func TestServerAndGroupCSV(t *testing.T) {
	c := sample()
	for _, tt := range []struct {
		name  string
		write func(io.Writer, *results.Comparison) error
		rows  int
		first []string
	}{
		{"servers", WriteServersCSV, 8, []string{"round_robin", "app-1", "2500", "2490", "0", "0.9", "0", "90", "50.049", "72", "81", "900.111", "1800", "2700"}},
		{"groups", WriteGroupsCSV, 2, []string{"round_robin", "app", "10060", "10020", "90", "50.049", "72", "81", "900.111", "1800", "2700"}},
	} {
		var b bytes.Buffer
		if err := tt.write(&b, c); err != nil {
			t.Fatal(err)
		}
		rows, err := csv.NewReader(&b).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != tt.rows+1 || !slices.Equal(rows[1], tt.first) {
			t.Errorf("%s: %d rows, first %q; want %d and %q", tt.name, len(rows)-1, rows[1], tt.rows, tt.first)
		}
		if !slices.Contains(rows[0], "latency_ms_p99") {
			t.Errorf("%s header %q", tt.name, rows[0])
		}
	}
}

// TestServerTableLargePool: a pool of more than 16 servers shows each
// algorithm's 5 with the highest p99, and says so.
func TestServerTableLargePool(t *testing.T) {
	c := &results.Comparison{Scenario: "large", Seed: 1, Requests: 100}
	for _, alg := range []string{"round_robin", "least_connections"} {
		r := results.Result{Algorithm: alg, Completed: 100}
		for i := range 20 {
			r.Servers = append(r.Servers, results.Server{Name: fmt.Sprintf("app-%d", i+1), Latency: results.Latency{P99: float64(100 + (i*7)%20)}})
		}
		c.Results = append(c.Results, r)
	}
	out := mustWrite(t, FormatTable, c)
	if !strings.Contains(out, "latency by server: of more than 16, the 5 with the highest p99 (JSON lists all)") {
		t.Fatalf("no heading for the slowest servers:\n%s", out)
	}
	// p99 is 100 + 7i mod 20: the highest, 119 down to 115, are servers
	// 18, 15, 12, 9 and 6 (i = 17, 14, 11, 8, 5).
	var got []string
	for l := range strings.Lines(out[strings.Index(out, "latency by server"):]) {
		if f := strings.Fields(l); len(f) == 7 && f[0] == "round_robin" {
			got = append(got, f[1]+"="+f[6])
		}
	}
	want := []string{"app-18=119", "app-15=118", "app-12=117", "app-9=116", "app-6=115"}
	if !slices.Equal(got, want) {
		t.Errorf("round_robin rows %v, want %v", got, want)
	}
}
