package report

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
)

// Format names an output format of [Write].
type Format string

// The output formats.
const (
	FormatTable    Format = "table"    // aligned text tables for a terminal
	FormatMarkdown Format = "markdown" // the same tables as GitHub markdown
	FormatCSV      Format = "csv"      // a header row, then one row per algorithm
	FormatJSON     Format = "json"     // one object, the DESIGN.md contract
)

// ErrUnknownFormat is returned (wrapped) by ParseFormat and Write for a
// format name they do not know.
var ErrUnknownFormat = errors.New("unknown format")

// Formats returns the valid formats, in the order help texts list them.
func Formats() []Format {
	return []Format{FormatTable, FormatMarkdown, FormatCSV, FormatJSON}
}

// ParseFormat returns the Format named s (case-insensitive). The error for an
// unknown name wraps ErrUnknownFormat and lists the valid names.
func ParseFormat(s string) (Format, error) {
	f := Format(strings.ToLower(strings.TrimSpace(s)))
	for _, v := range Formats() {
		if f == v {
			return v, nil
		}
	}
	return "", unknownFormat(s)
}

func unknownFormat(s string) error {
	names := make([]string, 0, len(Formats()))
	for _, v := range Formats() {
		names = append(names, string(v))
	}
	return fmt.Errorf("%w %q (valid: %s)", ErrUnknownFormat, s, strings.Join(names, ", "))
}

// Write renders c to w in format f. The output is built in memory and written
// with a single Write, so on error nothing (or, if w itself fails, whatever w
// accepted) has been written. Identical input gives identical bytes.
//
// Every format sees the values rounded by one rule: latencies (milliseconds)
// and throughput to 3 decimals, ratios (utilization, fairness) to 4
// decimals; NaN and ±Inf become 0, so they never reach an encoder.
func Write(w io.Writer, f Format, c *Comparison) error {
	if c == nil {
		return errors.New("report: nil comparison")
	}
	n := normalize(c)
	return render(w, f, func(w io.Writer, markdown bool) error { return writeTable(w, &n, markdown) },
		func(w io.Writer) error { return writeCSV(w, &n) }, &n)
}

// render writes v in format f: a table or markdown by table, CSV by csv,
// or v as JSON. It builds the output in memory and writes it with a
// single Write.
func render(w io.Writer, f Format, table func(w io.Writer, markdown bool) error, csv func(io.Writer) error, v any) error {
	var buf bytes.Buffer
	var err error
	switch f {
	case FormatTable:
		err = table(&buf, false)
	case FormatMarkdown:
		err = table(&buf, true)
	case FormatCSV:
		err = csv(&buf)
	case FormatJSON:
		err = writeJSON(&buf, v)
	default:
		return unknownFormat(string(f))
	}
	if err != nil {
		return fmt.Errorf("report: %s: %w", f, err)
	}
	_, err = w.Write(buf.Bytes())
	return err
}

// Decimal places kept in every output.
const (
	latencyDecimals = 3 // milliseconds: microsecond resolution
	rateDecimals    = 3 // requests per second
	ratioDecimals   = 4 // utilization, Jain, max/mean
	secondDecimals  = 6 // times of events and downtime: microsecond resolution
)

// normalize returns a deep copy of c with every float rounded (see Write) and
// nil slices replaced by empty ones, so JSON has [] rather than null.
func normalize(c *Comparison) Comparison {
	n := *c
	n.Results = make([]Result, len(c.Results))
	for i, r := range c.Results {
		r.ThroughputRPS = round(r.ThroughputRPS, rateDecimals)
		r.Latency = roundLatency(r.Latency)
		r.Fairness = Fairness{
			JainUtilization:        round(r.Fairness.JainUtilization, ratioDecimals),
			MaxOverMeanUtilization: round(r.Fairness.MaxOverMeanUtilization, ratioDecimals),
		}
		servers := make([]Server, len(r.Servers))
		for j, s := range r.Servers {
			s.Utilization = round(s.Utilization, ratioDecimals)
			s.DownS, s.DrainingS = round(s.DownS, secondDecimals), round(s.DrainingS, secondDecimals)
			servers[j] = s
		}
		r.Servers = servers
		if r.Crashes != nil {
			crashes := make([]Crash, len(r.Crashes))
			for j, cr := range r.Crashes {
				cr.AtS, cr.DetectedAfterS = round(cr.AtS, secondDecimals), round(cr.DetectedAfterS, secondDecimals)
				crashes[j] = cr
			}
			r.Crashes = crashes
		}
		if r.Scaling != nil {
			scaling := make([]Scale, len(r.Scaling))
			for j, sc := range r.Scaling {
				sc.AtS, sc.Utilization = round(sc.AtS, secondDecimals), round(sc.Utilization, ratioDecimals)
				scaling[j] = sc
			}
			r.Scaling = scaling
		}
		if r.Classes != nil {
			classes := make([]Class, len(r.Classes))
			for j, cl := range r.Classes {
				cl.Latency = roundLatency(cl.Latency)
				classes[j] = cl
			}
			r.Classes = classes
		}
		n.Results[i] = r
	}
	return n
}

func roundLatency(l Latency) Latency {
	return Latency{
		Mean: round(l.Mean, latencyDecimals),
		P50:  round(l.P50, latencyDecimals),
		P90:  round(l.P90, latencyDecimals),
		P95:  round(l.P95, latencyDecimals),
		P99:  round(l.P99, latencyDecimals),
		P999: round(l.P999, latencyDecimals),
		Max:  round(l.Max, latencyDecimals),
	}
}

var pow10 = [...]float64{1, 10, 100, 1e3, 1e4, 1e5, 1e6}

// round rounds x to the given number of decimals, half away from zero.
// NaN and ±Inf become 0 (a metric that could not be computed, such as a rate
// over zero time) and -0 becomes 0, so encoders always see a plain number.
func round(x float64, decimals int) float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return 0
	}
	p := pow10[decimals]
	if math.Abs(x)*p >= 1<<52 { // no fractional digits left to round
		return x
	}
	r := math.Round(x*p) / p
	if r == 0 {
		return 0
	}
	return r
}
