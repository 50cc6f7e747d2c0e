package report

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/lbsim/lbsim/results"
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
func Write(w io.Writer, f Format, c *results.Comparison) error {
	if c == nil {
		return errors.New("report: nil comparison")
	}
	n := results.Rounded(c)
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
		err = results.WriteJSON(&buf, v)
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
