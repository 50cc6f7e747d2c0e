package report

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/lbsim/lbsim/internal/suggest"
	"github.com/lbsim/lbsim/results"
)

// A sweep's text tables fit a terminal of sweepWidth columns, with at most
// sweepColumns algorithms side by side, few enough to compare at a glance.
const (
	sweepWidth   = 120
	sweepColumns = 6
	// sweepKeyWidth is where the varied key's header wraps: a long path
	// such as workload.classes[report].service.mean heads a column of
	// short values.
	sweepKeyWidth = 40
)

// DefaultSweepMetrics is what a sweep table shows when no metric is named:
// the tail latency, where queueing shows first.
var DefaultSweepMetrics = []string{"p99"}

// ErrUnknownMetric is returned (wrapped) by ParseSweepMetrics and
// WriteSweep for a metric name they do not know.
var ErrUnknownMetric = errors.New("unknown metric")

// sweepMetric is one quantity of a result that a sweep table shows, a
// column per algorithm.
type sweepMetric struct {
	name  string
	title string // what the table shows, with its unit
	value func(r *results.Result) string
}

func latencyMetric(name string, v func(l *results.Latency) float64) sweepMetric {
	return sweepMetric{name, name + " latency in ms", func(r *results.Result) string { return FormatMS(v(&r.Latency)) }}
}

// sweepMetrics are the metrics a sweep table can show, in the order help
// lists them. failed counts rejected requests too, as the run table's
// failure columns do: either way the client got no answer.
var sweepMetrics = []sweepMetric{
	latencyMetric("mean", func(l *results.Latency) float64 { return l.Mean }),
	latencyMetric("p50", func(l *results.Latency) float64 { return l.P50 }),
	latencyMetric("p90", func(l *results.Latency) float64 { return l.P90 }),
	latencyMetric("p95", func(l *results.Latency) float64 { return l.P95 }),
	latencyMetric("p99", func(l *results.Latency) float64 { return l.P99 }),
	latencyMetric("p999", func(l *results.Latency) float64 { return l.P999 }),
	latencyMetric("max", func(l *results.Latency) float64 { return l.Max }),
	{"failed", "failed + rejected requests", func(r *results.Result) string { return itoa(r.Failed + r.Rejected) }},
	{"completed", "completed requests", func(r *results.Result) string { return itoa(r.Completed) }},
	{"retried", "retry attempts", func(r *results.Result) string { return itoa(r.Retried) }},
	{"throughput", "throughput in completed requests/s", func(r *results.Result) string { return fmtRate(r.ThroughputRPS) }},
	{"jain", "Jain's index of server utilization (1 = even)", func(r *results.Result) string {
		return strconv.FormatFloat(r.Fairness.JainUtilization, 'f', 3, 64)
	}},
}

// SweepMetrics returns the metric names a sweep table takes, in the order
// help texts list them.
func SweepMetrics() []string {
	names := make([]string, len(sweepMetrics))
	for i, m := range sweepMetrics {
		names[i] = m.name
	}
	return names
}

// ParseSweepMetrics reads a comma-separated list of metric names
// ("p99,mean,failed"; case and spaces do not matter) into the names
// WriteSweep takes, in the order given. The error for an unknown name wraps
// ErrUnknownMetric, suggests the nearest name and lists the valid ones; a
// name given twice and an empty list are errors too.
func ParseSweepMetrics(list string) ([]string, error) {
	var names []string
	for _, part := range strings.Split(list, ",") {
		part = strings.ToLower(strings.TrimSpace(part))
		if part == "" {
			continue
		}
		m, err := lookupSweepMetric(part)
		if err != nil {
			return nil, err
		}
		for _, seen := range names {
			if seen == m.name {
				return nil, fmt.Errorf("metric %q given twice", m.name)
			}
		}
		names = append(names, m.name)
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("no metric given (valid: %s)", strings.Join(SweepMetrics(), ", "))
	}
	return names, nil
}

func lookupSweepMetric(name string) (sweepMetric, error) {
	for _, m := range sweepMetrics {
		if m.name == name {
			return m, nil
		}
	}
	valid := strings.Join(SweepMetrics(), ", ")
	near, ok := suggest.Nearest(name, SweepMetrics())
	if !ok {
		near, ok = onlyPrefixed(name, SweepMetrics())
	}
	if ok {
		return sweepMetric{}, fmt.Errorf("%w %q, did you mean %q? (valid: %s)", ErrUnknownMetric, name, near, valid)
	}
	return sweepMetric{}, fmt.Errorf("%w %q (valid: %s)", ErrUnknownMetric, name, valid)
}

// onlyPrefixed returns the one name in known that starts with prefix, for
// a shortened name ("fail", the old table's column, for failed).
func onlyPrefixed(prefix string, known []string) (string, bool) {
	found := ""
	for _, k := range known {
		if strings.HasPrefix(k, prefix) {
			if found != "" {
				return "", false
			}
			found = k
		}
	}
	return found, found != "" && prefix != ""
}

// writeSweepTables writes a table per metric. The algorithms are dealt
// into the same groups for every metric, so a column stays in its place
// from one metric's table to the next.
func writeSweepTables(w io.Writer, s *results.Sweep, metrics []sweepMetric, markdown bool) error {
	// The layout is the text table's; markdown keeps it, with its headers
	// on one line, so both show the same tables.
	keyHeader := []string{s.Vary.Key}
	if textWidth(s.Vary.Key) > sweepKeyWidth {
		keyHeader = wrapName(s.Vary.Key, sweepKeyWidth, ".[")
	}
	keyWidth := linesWidth(keyHeader)
	keys := make([]string, len(s.Points))
	for i, p := range s.Points {
		keys[i] = s.Vary.Format(p.Value)
		keyWidth = max(keyWidth, textWidth(keys[i]))
	}

	// Each algorithm's header, wrapped only when the name alone would not
	// fit beside the key column, and the width of its widest cell.
	room := sweepWidth - keyWidth - 2
	headers := make([][]string, len(s.Algorithms))
	widths := make([]int, len(s.Algorithms))
	for a, name := range s.Algorithms {
		headers[a] = []string{name}
		if textWidth(name) > room {
			headers[a] = wrapName(name, room, "_,(=")
		}
		widths[a] = linesWidth(headers[a])
		for _, m := range metrics {
			for _, p := range s.Points {
				widths[a] = max(widths[a], textWidth(m.value(&p.Results[a])))
			}
		}
	}
	groups := sweepGroups(keyWidth, widths)

	for i, m := range metrics {
		for g, group := range groups {
			if i > 0 || g > 0 {
				if _, err := io.WriteString(w, "\n"); err != nil {
					return err
				}
			}
			title := sweepTableTitle(s, m, group, len(groups) > 1)
			if err := writeTitle(w, title, markdown); err != nil {
				return err
			}
			header := []string{strings.Join(keyHeader, "\n")}
			for _, a := range group {
				header = append(header, strings.Join(headers[a], "\n"))
			}
			if markdown {
				header[0] = cell(s.Vary.Key, true)
				for i, a := range group {
					header[i+1] = cell(s.Algorithms[a], true)
				}
			}
			rows := make([][]string, len(s.Points))
			for r, p := range s.Points {
				row := []string{keys[r]}
				for _, a := range group {
					row = append(row, m.value(&p.Results[a]))
				}
				rows[r] = row
			}
			var buf bytes.Buffer
			if err := RenderTable(&buf, header, rows, 0, markdown); err != nil {
				return err
			}
			// A wrapped header pads its shorter neighbours' lines with
			// spaces at the end; drop them.
			for line := range strings.Lines(buf.String()) {
				if _, err := io.WriteString(w, strings.TrimRight(line, " \n")+"\n"); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// sweepTableTitle says what one table shows: the scenario, the metric and
// its unit, the key, the seeds, the slice, and which algorithms when they
// span several tables.
func sweepTableTitle(s *results.Sweep, m sweepMetric, group []int, several bool) string {
	t := fmt.Sprintf("%s: %s by %s, %s", s.Scenario, m.title, s.Vary.Key, results.SeedText(s.Seed, s.Seeds, s.Aggregate))
	if s.Shard != nil {
		t += fmt.Sprintf(", slice %s of %s", s.Shard, s.Vary)
	}
	if several && len(group) > 0 {
		first, last := group[0]+1, group[len(group)-1]+1
		if first == last {
			t += fmt.Sprintf(" (algorithm %d of %d)", first, len(s.Algorithms))
		} else {
			t += fmt.Sprintf(" (algorithms %d to %d of %d)", first, last, len(s.Algorithms))
		}
	}
	return t
}

// writeTitle writes a table's title and a blank line: in bold for
// markdown, where the reader's window wraps it, and otherwise wrapped at
// word boundaries to sweepWidth.
func writeTitle(w io.Writer, title string, markdown bool) error {
	text := "**" + mdEscape(title) + "**"
	if !markdown {
		text = strings.Join(wrapWords(title, sweepWidth), "\n")
	}
	_, err := fmt.Fprintf(w, "%s\n\n", text)
	return err
}

// sweepGroups deals the algorithms, whose columns are widths wide, into
// as few tables as fit sweepWidth beside a key column keyWidth wide with
// at most sweepColumns algorithms each, in order, as evenly as fits: seven
// algorithms make tables of 4 and 3 rather than 6 and 1.
func sweepGroups(keyWidth int, widths []int) [][]int {
	n := len(widths)
	if n == 0 {
		return [][]int{nil}
	}
	fits := func(from, to int) bool {
		total := keyWidth
		for _, w := range widths[from:to] {
			total += 2 + w
		}
		return to-from <= sweepColumns && total <= sweepWidth
	}
	// fill puts as many algorithms in each table as fit, up to most;
	// with most = sweepColumns it makes the fewest tables.
	fill := func(most int) [][]int {
		var groups [][]int
		for from := 0; from < n; {
			to := from + 1
			for to < n && to+1-from <= most && fits(from, to+1) {
				to++
			}
			group := make([]int, to-from)
			for i := range group {
				group[i] = from + i
			}
			groups, from = append(groups, group), to
		}
		return groups
	}
	tables := len(fill(sweepColumns))
	if groups, ok := evenGroups(n, tables, fits); ok {
		return groups
	}
	// Names of different widths spoil the even split: take the smallest
	// most that still needs no more tables.
	for most := 1; ; most++ {
		if groups := fill(most); len(groups) == tables {
			return groups
		}
	}
}

// evenGroups splits 0..n-1 into k runs whose lengths differ by at most one,
// the longer first, and says whether every run fits.
func evenGroups(n, k int, fits func(from, to int) bool) ([][]int, bool) {
	groups := make([][]int, 0, k)
	from := 0
	for g := range k {
		size := n / k
		if g < n%k {
			size++
		}
		if !fits(from, from+size) {
			return nil, false
		}
		group := make([]int, size)
		for i := range group {
			group[i] = from + i
		}
		groups = append(groups, group)
		from += size
	}
	return groups, true
}

// wrapWords breaks text into lines of at most width characters at spaces;
// a word longer than a line is cut.
func wrapWords(text string, width int) []string {
	var lines []string
	line := ""
	for _, word := range strings.Fields(text) {
		for textWidth(word) > width {
			if line != "" {
				lines, line = append(lines, line), ""
			}
			cut := runePrefix(word, width)
			lines, word = append(lines, cut), word[len(cut):]
		}
		switch {
		case line == "":
			line = word
		case textWidth(line)+1+textWidth(word) <= width:
			line += " " + word
		default:
			lines, line = append(lines, line), word
		}
	}
	if line != "" || len(lines) == 0 {
		lines = append(lines, line)
	}
	return lines
}

// wrapName breaks a name without spaces into lines of at most width
// characters, after the last of breaks that fits on a line
// (least_connections after its "_"), or else at width.
func wrapName(name string, width int, breaks string) []string {
	width = max(width, 1)
	var lines []string
	for textWidth(name) > width {
		head := runePrefix(name, width)
		if i := strings.LastIndexAny(head, breaks); i > 0 {
			head = head[:i+1]
		}
		lines, name = append(lines, head), name[len(head):]
	}
	return append(lines, name)
}

// runePrefix is the first n characters of s.
func runePrefix(s string, n int) string {
	for i := range s {
		if n == 0 {
			return s[:i]
		}
		n--
	}
	return s
}

// textWidth is the width of a cell: its characters, lbsim's names and
// numbers being ASCII or near it.
func textWidth(s string) int { return utf8.RuneCountInString(s) }

// linesWidth is the width of a cell of several lines.
func linesWidth(lines []string) int {
	w := 0
	for _, l := range lines {
		w = max(w, textWidth(l))
	}
	return w
}
