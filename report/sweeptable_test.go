package report

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/lbsim/lbsim/results"
)

// longNames are algorithm names as --algorithms writes them, the longest
// with parameters; wideSweep cycles through them.
var longNames = []string{
	"weighted_least_request(choices=3,bias=0.5)", "bounded_load(c=1.5)", "least_response_time",
	"prequal(probes=4,pool=8,q_rif=0.9,max_age=2s)", "round_robin", "peak_ewma(decay=5s)", "power_of_two",
}

// wideSweep is a sweep of n algorithms over 4 values of a long key, with
// every metric distinct per algorithm and value, so a cell shows which
// column and row it was taken from. An algorithm is named by its place
// and a long name, so no two share a name.
func wideSweep(n int, key string) *results.Sweep {
	s := &results.Sweep{Scenario: "wide", Vary: results.Vary{Key: key, From: 1, To: 4, Step: 1}, Seed: 1}
	for a := range n {
		s.Algorithms = append(s.Algorithms, fmt.Sprintf("a%d_%s", a+1, longNames[a%len(longNames)]))
	}
	for i := range 4 {
		p := results.SweepPoint{Index: i, Value: float64(i + 1), Requests: 1000}
		for a, name := range s.Algorithms {
			x := float64(100*(a+1) + i)
			p.Results = append(p.Results, results.Result{
				Algorithm: name, Completed: int64(1000 + a), Failed: int64(a), Rejected: int64(i), Retried: int64(7 * a),
				ThroughputRPS: x / 10,
				Latency:       results.Latency{Mean: x, P50: x + 1, P90: x + 2, P95: x + 3, P99: 10 * x, P999: 20 * x, Max: 30 * x},
			})
		}
		s.Points = append(s.Points, p)
	}
	return s
}

// textTable is one table of a sweep's text output as a reader sees it.
type textTable struct {
	title   string
	columns []string   // the headers, a wrapped one joined up again
	rows    [][]string // the cells, trimmed
}

// parseTextTables reads the text output of WriteSweep back into tables,
// taking the columns from the dashes under the header.
func parseTextTables(t *testing.T, out string) []textTable {
	t.Helper()
	blocks := strings.Split(strings.TrimSuffix(out, "\n"), "\n\n")
	if len(blocks)%2 != 0 {
		t.Fatalf("%d blocks, want a title and a table each:\n%s", len(blocks), out)
	}
	var tables []textTable
	for b := 0; b < len(blocks); b += 2 {
		tt := textTable{title: strings.ReplaceAll(blocks[b], "\n", " ")}
		lines := strings.Split(blocks[b+1], "\n")
		dash := slices.IndexFunc(lines, func(l string) bool { return strings.HasPrefix(l, "-") })
		if dash < 1 {
			t.Fatalf("table %q has no header line:\n%s", tt.title, blocks[b+1])
		}
		var spans [][2]int
		for i := 0; i < len(lines[dash]); {
			j := i
			for j < len(lines[dash]) && lines[dash][j] == '-' {
				j++
			}
			spans = append(spans, [2]int{i, j})
			i = j + 2
		}
		cut := func(line string, sp [2]int) string {
			if sp[0] >= len(line) {
				return ""
			}
			return strings.TrimSpace(line[sp[0]:min(sp[1], len(line))])
		}
		for _, sp := range spans {
			var head string
			for _, l := range lines[:dash] {
				head += cut(l, sp)
			}
			tt.columns = append(tt.columns, head)
		}
		for _, l := range lines[dash+1:] {
			var row []string
			for _, sp := range spans {
				row = append(row, cut(l, sp))
			}
			tt.rows = append(tt.rows, row)
		}
		tables = append(tables, tt)
	}
	return tables
}

// TestSweepTableLayout: with any number of algorithms, however long their
// names, every line fits 120 columns, a table holds at most six
// algorithms, every algorithm has its column in each metric's tables,
// in order, and every cell holds its own algorithm's value at its own
// point.
func TestSweepTableLayout(t *testing.T) {
	huge := strings.Repeat("servers[app].capacity_", 8) // longer than a line
	tests := []struct {
		algorithms int
		key        string
		metrics    []string
		tables     int // per metric
	}{
		{1, "rate", nil, 1},
		{6, "rate", []string{"p99", "mean"}, 2},
		{7, "workload.classes[report].service.mean", []string{"failed"}, 3},
		{13, "workload.classes[report].service.mean", []string{"mean", "p99", "failed"}, 6},
		{13, "rate", []string{"completed", "throughput", "retried"}, 4},
		{3, huge, []string{"max"}, 2},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%d algorithms by %.20s", tt.algorithms, tt.key), func(t *testing.T) {
			s := wideSweep(tt.algorithms, tt.key)
			var buf bytes.Buffer
			if err := WriteSweep(&buf, FormatTable, s, tt.metrics...); err != nil {
				t.Fatal(err)
			}
			out := buf.String()
			for i, line := range strings.Split(out, "\n") {
				if len(line) > sweepWidth {
					t.Errorf("line %d has %d characters:\n%s", i+1, len(line), line)
				}
				if strings.HasSuffix(line, " ") {
					t.Errorf("line %d ends in a space: %q", i+1, line)
				}
			}
			metrics := tt.metrics
			if metrics == nil {
				metrics = DefaultSweepMetrics
			}
			tables := parseTextTables(t, out)
			if len(tables) != tt.tables*len(metrics) {
				t.Fatalf("%d tables, want %d for each of %v:\n%s", len(tables), tt.tables, metrics, out)
			}
			for m, name := range metrics {
				metric, _ := lookupSweepMetric(name)
				var algs []string
				for _, tab := range tables[m*tt.tables : (m+1)*tt.tables] {
					if !strings.Contains(tab.title, ": "+metric.title+" by ") {
						t.Errorf("table %q is not one of %s", tab.title, name)
					}
					if n := len(tab.columns) - 1; n < 1 || n > sweepColumns {
						t.Errorf("table %q has %d algorithms", tab.title, n)
					}
					if tab.columns[0] != s.Vary.Key {
						t.Errorf("the first column is %q, want %q", tab.columns[0], s.Vary.Key)
					}
					for c, alg := range tab.columns[1:] {
						a := slices.Index(s.Algorithms, alg)
						if a < 0 {
							t.Fatalf("table %q: column %q is no algorithm", tab.title, alg)
						}
						algs = append(algs, alg)
						for i, row := range tab.rows {
							if want := metric.value(&s.Points[i].Results[a]); row[c+1] != want {
								t.Errorf("%s of %s at %s: %q, want %q", name, alg, row[0], row[c+1], want)
							}
						}
					}
				}
				if !slices.Equal(algs, s.Algorithms) {
					t.Errorf("%s: columns %v, want every algorithm once, in order", name, algs)
				}
			}
		})
	}
}

// TestSweepGroups: the algorithms go into as few tables as fit, split as
// evenly as fits.
func TestSweepGroups(t *testing.T) {
	sizes := func(groups [][]int) []int {
		var out []int
		next := 0
		for _, g := range groups {
			for _, a := range g {
				if a != next {
					t.Fatalf("groups %v are not in order", groups)
				}
				next++
			}
			out = append(out, len(g))
		}
		return out
	}
	tests := []struct {
		name     string
		keyWidth int
		widths   []int
		want     []int
	}{
		{"one", 4, []int{11}, []int{1}},
		{"six narrow", 4, slices.Repeat([]int{10}, 6), []int{6}},
		{"seven narrow", 4, slices.Repeat([]int{10}, 7), []int{4, 3}},
		{"thirteen narrow", 4, slices.Repeat([]int{10}, 13), []int{5, 4, 4}},
		{"five wide", 4, slices.Repeat([]int{30}, 5), []int{3, 2}},
		// Two tables: four narrow ones and the wide one; an even split
		// (3 and 2) would put a narrow one beside the wide one, 123
		// characters.
		{"uneven widths", 4, []int{5, 5, 5, 5, 110}, []int{4, 1}},
		// Three tables, as a wide one fits beside none; fewer tables
		// win over evener ones (2, 2, 1, 1).
		{"uneven widths, three tables", 4, []int{5, 5, 5, 5, 110, 5}, []int{4, 1, 1}},
		{"each alone", 4, []int{114, 114}, []int{1, 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := sizes(sweepGroups(tt.keyWidth, tt.widths)); !slices.Equal(got, tt.want) {
				t.Errorf("tables of %v algorithms, want %v", got, tt.want)
			}
		})
	}
}

func TestWrapWords(t *testing.T) {
	tests := []struct {
		text  string
		width int
		want  []string
	}{
		{"short title", 20, []string{"short title"}},
		{"a title that runs past the line", 12, []string{"a title that", "runs past", "the line"}},
		{"a verylongwordindeed here", 8, []string{"a", "verylong", "wordinde", "ed here"}},
		{"", 8, []string{""}},
	}
	for _, tt := range tests {
		if got := wrapWords(tt.text, tt.width); !slices.Equal(got, tt.want) {
			t.Errorf("wrapWords(%q, %d) = %q, want %q", tt.text, tt.width, got, tt.want)
		}
	}
}

func TestWrapName(t *testing.T) {
	tests := []struct {
		name  string
		width int
		want  []string
	}{
		{"round_robin", 20, []string{"round_robin"}},
		{"weighted_least_request", 16, []string{"weighted_least_", "request"}},
		{"bounded_load(c=1.5)", 14, []string{"bounded_load(", "c=1.5)"}},
		{"abcdefghij", 4, []string{"abcd", "efgh", "ij"}},
	}
	for _, tt := range tests {
		if got := wrapName(tt.name, tt.width, "_,(="); !slices.Equal(got, tt.want) {
			t.Errorf("wrapName(%q, %d) = %q, want %q", tt.name, tt.width, got, tt.want)
		}
	}
}

func TestParseSweepMetrics(t *testing.T) {
	tests := []struct {
		in      string
		want    []string
		err     string
		unknown bool
	}{
		{in: "p99", want: []string{"p99"}},
		{in: "p99,mean,failed", want: []string{"p99", "mean", "failed"}},
		{in: " Failed , P999,throughput ", want: []string{"failed", "p999", "throughput"}},
		{in: "99", err: `unknown metric "99", did you mean "p99"? (valid: mean, p50, p90, p95, p99, p999, max, failed, completed, retried, throughput, jain)`, unknown: true},
		{in: "mean,throughput_rps", err: `did you mean "throughput"?`, unknown: true},
		{in: "fail", err: `unknown metric "fail", did you mean "failed"?`, unknown: true},
		{in: "thr", err: `unknown metric "thr", did you mean "throughput"?`, unknown: true},
		{in: "latency", err: `unknown metric "latency" (valid: mean,`, unknown: true},
		{in: "p99,mean,p99", err: `metric "p99" given twice`},
		{in: " , ", err: "no metric given (valid: mean,"},
	}
	for _, tt := range tests {
		got, err := ParseSweepMetrics(tt.in)
		if tt.err == "" {
			if err != nil || !slices.Equal(got, tt.want) {
				t.Errorf("ParseSweepMetrics(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tt.err) || errors.Is(err, ErrUnknownMetric) != tt.unknown {
			t.Errorf("ParseSweepMetrics(%q): %v; want an error with %q (unknown metric: %v)", tt.in, err, tt.err, tt.unknown)
		}
	}
	if err := WriteSweep(&bytes.Buffer{}, FormatTable, sampleSweep(), "p98"); !errors.Is(err, ErrUnknownMetric) {
		t.Errorf("WriteSweep with metric p98: %v", err)
	}
}

// TestSweepMetricsLeaveCSVAndJSON: metrics choose tables only; CSV and
// JSON hold every metric whatever is asked, and markdown deals the
// algorithms into the same tables as text.
func TestSweepMetricsLeaveCSVAndJSON(t *testing.T) {
	s := wideSweep(7, "rate")
	for _, f := range []Format{FormatCSV, FormatJSON} {
		var all, some bytes.Buffer
		if err := WriteSweep(&all, f, s); err != nil {
			t.Fatal(err)
		}
		if err := WriteSweep(&some, f, s, "failed", "jain"); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(all.Bytes(), some.Bytes()) {
			t.Errorf("%s changes with the metrics asked for", f)
		}
	}
	var text, md bytes.Buffer
	if err := WriteSweep(&text, FormatTable, s, "mean", "failed"); err != nil {
		t.Fatal(err)
	}
	if err := WriteSweep(&md, FormatMarkdown, s, "mean", "failed"); err != nil {
		t.Fatal(err)
	}
	var mdHeaders []string
	for _, line := range strings.Split(md.String(), "\n") {
		if strings.HasPrefix(line, "| rate ") {
			mdHeaders = append(mdHeaders, strings.Join(strings.Fields(strings.ReplaceAll(line, "|", " ")), " "))
		}
	}
	var textHeaders []string
	for _, tab := range parseTextTables(t, text.String()) {
		textHeaders = append(textHeaders, strings.Join(tab.columns, " "))
	}
	if len(textHeaders) != 4 || !slices.Equal(mdHeaders, textHeaders) {
		t.Errorf("markdown tables %q, text tables %q; want the same 4", mdHeaders, textHeaders)
	}
}
