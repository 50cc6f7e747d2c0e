package report

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/lbsim/lbsim/results"
	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/renderer"
	"github.com/olekukonko/tablewriter/tw"
)

// summaryHeader is the main table's header; latencies are in milliseconds.
// Headers are kept short so that the table fits 120 columns with algorithm
// names up to 17 characters ("least_connections"); "p999" is the JSON name
// of the 99.9th percentile.
var summaryHeader = []string{
	"algorithm", "completed", "rejected", "failed", "req/s",
	"mean ms", "p50 ms", "p95 ms", "p99 ms", "p999 ms", "max ms",
}

// spreadHeader is the spread table's header: how evenly busy the servers
// were (Jain's index and max/mean of their utilizations) and how evenly
// fast (the slowest server's mean latency over the overall mean). The two
// can disagree, so they sit side by side, each named for what it measures.
var spreadHeader = []string{"algorithm", "util jain", "util max/mean", "latency max/mean"}

var classHeader = []string{"algorithm", "class", "completed", "p50 ms", "p99 ms"}

// poolHeader is the per-pool table's header: what routes sent each pool
// and how it fared.
var poolHeader = []string{"algorithm", "pool", "requests", "completed", "rejected", "failed", "p50 ms", "p99 ms"}

// writeTable writes the title, the summary table and, when some algorithm
// saw more than one request class, the per-class table. markdown selects
// GitHub markdown instead of a plain text table.
func writeTable(w io.Writer, c *results.Comparison, markdown bool) error {
	requests := strconv.FormatInt(c.Requests, 10) + " request"
	if c.Requests != 1 {
		requests += "s"
	}
	if c.CutAt > 0 {
		requests += fmt.Sprintf(" (cut at %d per algorithm, before the scenario's end)", c.CutAt)
	}
	title := fmt.Sprintf("%s: %s, %s", c.Scenario, results.SeedText(c.Seed, c.Seeds, c.Aggregate), requests)
	if markdown {
		title = "**" + mdEscape(c.Scenario) + "**: " + results.SeedText(c.Seed, c.Seeds, c.Aggregate) + ", " + requests
	}
	if _, err := fmt.Fprintf(w, "%s\n\n%s", title, traceText(c)); err != nil {
		return err
	}
	for _, s := range sections(c, markdown) {
		if err := writeSection(w, s, markdown); err != nil {
			return err
		}
	}
	return nil
}

// traceText says what a replayed trace held, and lists the first lines
// that could not be read; "" when the workload was drawn.
func traceText(c *results.Comparison) string {
	if len(c.Results) == 0 || c.Results[0].Trace == nil {
		return ""
	}
	tr := c.Results[0].Trace
	text := fmt.Sprintf("replayed %d requests of the %d trace lines read: %d skipped, %d late\n", tr.Requests, tr.Lines, tr.Skipped, tr.Late)
	for _, e := range tr.Errors {
		text += "  skipped " + e + "\n"
	}
	return text + "\n"
}

// section is one table of a comparison: a heading (empty for the
// summary), the header, the rows, and how many leading columns hold text
// rather than numbers.
type section struct {
	Heading  string
	Header   []string
	Rows     [][]string
	TextCols int
}

// sections returns the tables of c: the summary, the spread over servers,
// the latency by request class when some algorithm saw more than one
// class, each pool when routes send requests to several, the session misses
// when a run had any, the cache hit rates when servers cache keys, and the failures when anything failed or crashed. markdown escapes the text cells.
func sections(c *results.Comparison, markdown bool) []section {
	rows := make([][]string, 0, len(c.Results))
	for _, r := range c.Results {
		l := r.Latency
		rows = append(rows, []string{
			cell(r.Algorithm, markdown),
			itoa(r.Completed), itoa(r.Rejected), itoa(r.Failed),
			fmtRate(r.ThroughputRPS),
			FormatMS(l.Mean), FormatMS(l.P50), FormatMS(l.P95), FormatMS(l.P99), FormatMS(l.P999), FormatMS(l.Max),
		})
	}
	out := []section{{Header: summaryHeader, Rows: rows, TextCols: 1}}
	if ci := intervalSection(c, markdown); ci != nil {
		out = append(out, *ci)
	}

	rows = nil
	for _, r := range c.Results {
		rows = append(rows, []string{
			cell(r.Algorithm, markdown),
			strconv.FormatFloat(r.Fairness.JainUtilization, 'f', 3, 64),
			strconv.FormatFloat(r.Fairness.MaxOverMeanUtilization, 'f', 2, 64),
			strconv.FormatFloat(r.Fairness.MaxOverMeanLatency, 'f', 2, 64),
		})
	}
	out = append(out, section{"spread over servers", spreadHeader, rows, 1})

	out = append(out, serverSections(c, markdown)...)

	if multiClass(c) {
		rows = nil
		for _, r := range c.Results {
			for _, cl := range r.Classes {
				rows = append(rows, []string{
					cell(r.Algorithm, markdown), cell(cl.Name, markdown),
					itoa(cl.Completed), FormatMS(cl.Latency.P50), FormatMS(cl.Latency.P99),
				})
			}
		}
		out = append(out, section{"latency by request class", classHeader, rows, 2})
	}
	if len(c.Results) > 0 && len(c.Results[0].Pools) > 0 {
		rows = nil
		for _, r := range c.Results {
			for _, p := range r.Pools {
				rows = append(rows, []string{
					cell(r.Algorithm, markdown), cell(p.Name, markdown),
					itoa(p.Requests), itoa(p.Completed), itoa(p.Rejected), itoa(p.Failed),
					FormatMS(p.Latency.P50), FormatMS(p.Latency.P99),
				})
			}
		}
		out = append(out, section{"pools", poolHeader, rows, 2})
	}
	if anySessionMisses(c) {
		rows = nil
		for _, r := range c.Results {
			per := "-"
			if r.Completed > 0 {
				per = strconv.FormatFloat(100*float64(r.SessionMisses)/float64(r.Completed), 'f', 1, 64)
			}
			rows = append(rows, []string{cell(r.Algorithm, markdown), itoa(r.SessionMisses), per})
		}
		out = append(out, section{"sessions", sessionHeader, rows, 1})
	}
	if len(c.Results) > 0 && c.Results[0].CacheHitRate != nil {
		rows = nil
		for _, r := range c.Results {
			lo, hi := "-", "-"
			var rates []float64
			for _, sv := range r.Servers {
				if sv.CacheHitRate != nil && sv.Requests > 0 {
					rates = append(rates, *sv.CacheHitRate)
				}
			}
			if len(rates) > 0 {
				lo, hi = fmtPercent(slices.Min(rates)), fmtPercent(slices.Max(rates))
			}
			rows = append(rows, []string{cell(r.Algorithm, markdown), fmtPercent(*r.CacheHitRate), lo, hi})
		}
		out = append(out, section{"cache", cacheHeader, rows, 1})
	}
	if !anyFailures(c) {
		return out
	}
	causes, crashes := failureColumns(c)
	header := []string{"algorithm"}
	for _, cause := range causes {
		header = append(header, strings.ReplaceAll(cause, "_", " "))
	}
	header = append(header, "retried")
	if crashes {
		header = append(header, "detected", "detect s", "hit crashed", "lost to crashes")
	}
	rows = nil
	for _, r := range c.Results {
		row := []string{cell(r.Algorithm, markdown)}
		for _, cause := range causes {
			row = append(row, itoa(r.FailedByCause[cause]))
		}
		row = append(row, itoa(r.Retried))
		if crashes {
			detected, meanS, attempts, lost := crashStats(&r)
			mean := "-"
			if detected > 0 {
				mean = strconv.FormatFloat(meanS, 'f', 1, 64)
			}
			row = append(row, fmt.Sprintf("%d/%d", detected, len(r.Crashes)), mean, itoa(attempts), itoa(lost))
		}
		rows = append(rows, row)
	}
	return append(out, section{"failures", header, rows, 1})
}

// intervalHeader heads the table of 95% intervals over seeds.
var intervalHeader = []string{"algorithm", "mean ms", "p50 ms", "p90 ms", "p95 ms", "p99 ms", "p999 ms"}

// intervalSection is the table of each latency figure's 95% interval
// over the seeds, as mean ± half-width: nil for a single run. The
// summary above it prints the figures the aggregate chose; the interval
// says how far apart seeds put them, whichever that is.
func intervalSection(c *results.Comparison, markdown bool) *section {
	var rows [][]string
	for _, r := range c.Results {
		ci := r.LatencyCI95
		if ci == nil {
			continue
		}
		row := []string{cell(r.Algorithm, markdown)}
		for _, iv := range []results.Interval{ci.Mean, ci.P50, ci.P90, ci.P95, ci.P99, ci.P999} {
			row = append(row, FormatMS(iv.Mid())+" ±"+FormatMS(iv.HalfWidth()))
		}
		rows = append(rows, row)
	}
	if rows == nil {
		return nil
	}
	heading := fmt.Sprintf("95%% intervals over %d seeds (Student's t: the seeds' mean ± half-width)", c.Seeds)
	return &section{heading, intervalHeader, rows, 1}
}

// serverHeader and groupHeader head the per-server and per-group tables:
// the requests routed there, the measured ones completed, and their
// latency (percentiles within 1%, see results.Sketch).
var (
	serverHeader = []string{"algorithm", "server", "requests", "util %", "mean ms", "p50 ms", "p99 ms"}
	groupHeader  = []string{"algorithm", "group", "requests", "completed", "mean ms", "p50 ms", "p99 ms"}
)

// maxServerRows is how many servers per algorithm the servers table
// lists in full; a larger pool shows its slowest few, so the table says
// which servers were slow without listing hundreds of them.
const (
	maxServerRows = 16
	slowestShown  = 5
)

// serverSections returns the per-group table, when the servers come in
// several groups and some group has more than one, and the per-server
// table.
func serverSections(c *results.Comparison, markdown bool) []section {
	var out []section
	var rows [][]string
	for _, r := range c.Results {
		if len(r.Groups) < 2 || len(r.Groups) == len(r.Servers) {
			continue // one group is the whole run; groups of one server are the servers table
		}
		for _, g := range r.Groups {
			rows = append(rows, []string{cell(r.Algorithm, markdown), cell(g.Name, markdown),
				itoa(g.Requests), itoa(g.Completed), FormatMS(g.Latency.Mean), FormatMS(g.Latency.P50), FormatMS(g.Latency.P99)})
		}
	}
	if rows != nil {
		out = append(out, section{"latency by server group", groupHeader, rows, 2})
	}
	rows = nil
	heading := "latency by server"
	for _, r := range c.Results {
		shown := make([]results.Server, 0, len(r.Servers))
		for _, s := range r.Servers {
			if !s.NeverLaunched {
				shown = append(shown, s)
			}
		}
		if len(shown) > maxServerRows {
			heading = fmt.Sprintf("latency by server: of more than %d, the %d with the highest p99 (JSON lists all)", maxServerRows, slowestShown)
			slices.SortStableFunc(shown, func(a, b results.Server) int { return cmp.Compare(b.Latency.P99, a.Latency.P99) })
			shown = shown[:slowestShown]
		}
		for _, s := range shown {
			rows = append(rows, []string{cell(r.Algorithm, markdown), cell(s.Name, markdown), itoa(s.Requests),
				fmtPercent(s.Utilization), FormatMS(s.Latency.Mean), FormatMS(s.Latency.P50), FormatMS(s.Latency.P99)})
		}
	}
	if rows != nil {
		out = append(out, section{heading, serverHeader, rows, 2})
	}
	return out
}

// failureColumns says what the failures table of c shows: the causes
// (in the order of FailureCauses) some run lost requests to, and whether
// some run had crashes, which add the columns of crashes detected out of
// all, the mean time to detect one, the attempts that met a crashed
// server (refused or reset), and the requests that failed for good after
// one did. Causes no run met would only widen it with zeros.
func failureColumns(c *results.Comparison) (causes []string, crashes bool) {
	for _, cause := range results.FailureCauses {
		for _, r := range c.Results {
			if r.FailedByCause[cause] > 0 {
				causes = append(causes, cause)
				break
			}
		}
	}
	for _, r := range c.Results {
		crashes = crashes || len(r.Crashes) > 0
	}
	return causes, crashes
}

// crashStats sums up r's crashes: how many were detected, the mean time
// to detect them in seconds, the attempts that met a crashed server, and
// the requests lost after meeting one.
func crashStats(r *results.Result) (detected int, meanS float64, attempts, lost int64) {
	sum := 0.0
	for _, cr := range r.Crashes {
		attempts += cr.AttemptsFailed
		lost += cr.FailedDuring
		if cr.DetectedAfterS >= 0 {
			detected++
			sum += cr.DetectedAfterS
		}
	}
	if detected > 0 {
		meanS = sum / float64(detected)
	}
	return detected, meanS, attempts, lost
}

// writeSection writes a section: its heading, when it has one, and its
// table.
func writeSection(w io.Writer, s section, markdown bool) error {
	if s.Heading != "" {
		heading := s.Heading
		if markdown {
			heading = "**" + heading + "**"
		}
		if _, err := fmt.Fprintf(w, "\n%s\n\n", heading); err != nil {
			return err
		}
	}
	return RenderTable(w, s.Header, s.Rows, s.TextCols, markdown)
}

// cacheHeader is the cache table's header: the share of requests whose
// key their server held, over all servers and on the worst and best.
var cacheHeader = []string{"algorithm", "hit rate %", "lowest server %", "highest server %"}

// fmtPercent writes a share as a percentage with one decimal.
func fmtPercent(x float64) string { return strconv.FormatFloat(100*x, 'f', 1, 64) }

// sessionHeader is the sessions table's header: attempts that missed
// their client's session, and how many per 100 completed requests.
var sessionHeader = []string{"algorithm", "session misses", "per 100 completed"}

// anySessionMisses reports whether a run of a scenario with sessions
// missed any, which the sessions table details.
func anySessionMisses(c *results.Comparison) bool {
	for _, r := range c.Results {
		if r.SessionMisses > 0 {
			return true
		}
	}
	return false
}

// anyFailures reports whether a run failed requests by cause or had
// crashes, which the failures table details.
func anyFailures(c *results.Comparison) bool {
	for _, r := range c.Results {
		if len(r.FailedByCause) > 0 || len(r.Crashes) > 0 {
			return true
		}
	}
	return false
}

// multiClass reports whether any result has more than one request class.
func multiClass(c *results.Comparison) bool {
	for _, r := range c.Results {
		if len(r.Classes) > 1 {
			return true
		}
	}
	return false
}

// RenderTable renders one table as lbsim's tables look: the first
// textCols columns left-aligned, the rest (numbers) right-aligned, headers
// as given (no upper-casing), plain text or GitHub markdown.
func RenderTable(w io.Writer, header []string, rows [][]string, textCols int, markdown bool) error {
	align := make(tw.Alignment, len(header))
	for i := range align {
		align[i] = tw.AlignRight
		if i < textCols {
			align[i] = tw.AlignLeft
		}
	}
	opts := []tablewriter.Option{
		tablewriter.WithHeaderAutoFormat(tw.Off),
		tablewriter.WithAlignment(align),
	}
	if markdown {
		opts = append(opts, tablewriter.WithRenderer(renderer.NewMarkdown()))
	} else {
		opts = append(opts,
			tablewriter.WithRenderer(renderer.NewBlueprint(plainRendition())),
			tablewriter.WithPadding(tw.Padding{Overwrite: true}), // the column separator spaces them
		)
	}
	t := tablewriter.NewTable(w, opts...)
	t.Header(header)
	if err := t.Bulk(rows); err != nil {
		return err
	}
	return t.Render()
}

// plainRendition draws a borderless text table: columns two spaces apart,
// the header underlined with dashes, no trailing spaces. Only ASCII is used,
// so column widths do not depend on the terminal's East Asian width setting
// (box-drawing characters are "ambiguous width").
func plainRendition() tw.Rendition {
	sym := tw.NewSymbolCustom("plain").
		WithRow("-").WithColumn("  ").WithCenter("  ").WithHeaderMid("  ").
		WithHeaderLeft("").WithHeaderRight("").WithMidLeft("").WithMidRight("")
	return tw.Rendition{
		Symbols: sym,
		Borders: tw.Border{Left: tw.Off, Right: tw.Off, Top: tw.Off, Bottom: tw.Off},
		Settings: tw.Settings{
			Lines:      tw.Lines{ShowTop: tw.Off, ShowBottom: tw.Off, ShowHeaderLine: tw.On, ShowFooterLine: tw.Off},
			Separators: tw.Separators{BetweenColumns: tw.On, BetweenRows: tw.Off},
		},
	}
}

// FormatMS formats milliseconds with 3 to 4 significant digits, matching
// the histogram's 0.1% resolution: 5003, 250, 50.0, 2.35, 0.123.
func FormatMS(v float64) string {
	prec := 3
	switch a := abs(v); {
	case a == 0:
		return "0"
	case a >= 100:
		prec = 0
	case a >= 10:
		prec = 1
	case a >= 1:
		prec = 2
	}
	return strconv.FormatFloat(v, 'f', prec, 64)
}

// fmtRate formats requests per second: one decimal below 100, none above.
func fmtRate(v float64) string {
	if abs(v) >= 100 {
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	return strconv.FormatFloat(v, 'f', 1, 64)
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}

// cell prepares a text cell; markdown cells have "|" escaped.
func cell(s string, markdown bool) string {
	if markdown {
		return mdEscape(s)
	}
	return s
}

// mdEscape escapes the characters that would break a markdown table cell or
// start emphasis.
func mdEscape(s string) string { return mdEscaper.Replace(s) }

var mdEscaper = strings.NewReplacer(`\`, `\\`, "|", `\|`, "*", `\*`)
