package check

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/lbsim/lbsim/results"
)

// Report is the check of one scenario: its expectations and, when a
// baseline was given, its metrics against the baseline's.
type Report struct {
	Scenario string `json:"scenario"`
	// Source is the file checked, or "bundled:NAME".
	Source string `json:"source"`
	// Seed is the first seed; the runs used Seed, Seed+1, ...
	Seed      uint64            `json:"seed"`
	Seeds     int               `json:"seeds"`
	Aggregate results.Aggregate `json:"aggregate"`
	// Baseline names the baseline file, if any, and Tolerance is how much
	// worse (a fraction) a metric may get.
	Baseline   string      `json:"baseline,omitempty"`
	Tolerance  float64     `json:"tolerance,omitempty"`
	Assertions []Assertion `json:"assertions"`
}

// Failed counts the failed assertions.
func (r *Report) Failed() int {
	n := 0
	for _, a := range r.Assertions {
		if !a.Passed {
			n++
		}
	}
	return n
}

// Format names an output format of [Write].
type Format string

// ErrUnknownFormat is returned (wrapped) by ParseFormat and Write for a
// format name they do not know.
var ErrUnknownFormat = errors.New("unknown format")

// The check output formats.
const (
	FormatText  Format = "text"  // one line per verdict, for people
	FormatJSON  Format = "json"  // one object, for scripts
	FormatJUnit Format = "junit" // JUnit XML, one testcase per verdict, for CI systems
)

// ParseFormat returns the Format named s.
func ParseFormat(s string) (Format, error) {
	switch f := Format(strings.ToLower(strings.TrimSpace(s))); f {
	case FormatText, FormatJSON, FormatJUnit:
		return f, nil
	}
	return "", fmt.Errorf("%w %q (valid: text, json, junit)", ErrUnknownFormat, s)
}

// Write renders the reports to w in format f, with one Write, and
// the same bytes for the same reports.
func Write(w io.Writer, f Format, reports []Report) error {
	var buf bytes.Buffer
	var err error
	switch f {
	case FormatText:
		writeCheckText(&buf, reports)
	case FormatJSON:
		err = writeCheckJSON(&buf, reports)
	case FormatJUnit:
		err = writeJUnit(&buf, reports)
	default:
		return fmt.Errorf("%w %q (valid: text, json, junit)", ErrUnknownFormat, f)
	}
	if err != nil {
		return fmt.Errorf("report: %s: %w", f, err)
	}
	_, err = w.Write(buf.Bytes())
	return err
}

// writeCheckText lists every expectation with its verdict and numbers, and
// of the baseline comparisons only the failures (all of them are in the
// JSON and JUnit outputs).
func writeCheckText(b *bytes.Buffer, reports []Report) {
	total, failed := 0, 0
	for i, r := range reports {
		if i > 0 {
			b.WriteByte('\n')
		}
		fmt.Fprintf(b, "%s (%s): %s\n", r.Scenario, r.Source, results.SeedText(r.Seed, r.Seeds, r.Aggregate))
		var base []Assertion
		for _, a := range r.Assertions {
			if a.Kind == "baseline" {
				base = append(base, a)
				continue
			}
			fmt.Fprintf(b, "  %s  %s\n", verdict(a.Passed), a.Name)
			first, more, _ := strings.Cut(a.Detail, "\n")
			if a.Seed != nil {
				first += fmt.Sprintf("  (seed %d)", *a.Seed)
			}
			fmt.Fprintf(b, "        %s\n", first)
			if more != "" {
				fmt.Fprintf(b, "        %s\n", strings.ReplaceAll(more, "\n", "\n        "))
			}
		}
		if r.Baseline != "" {
			worse := 0
			for _, a := range base {
				if !a.Passed {
					worse++
				}
			}
			fmt.Fprintf(b, "  baseline %s, tolerance %s%%: %d metrics compared, %d worse\n",
				r.Baseline, formatNumber(r.Tolerance*100), len(base), worse)
		}
		for _, a := range base {
			if !a.Passed {
				fmt.Fprintf(b, "  %s  %s: %s\n", verdict(false), a.Name, a.Detail)
			}
		}
		n := r.Failed()
		fmt.Fprintf(b, "  %d passed, %d failed\n", len(r.Assertions)-n, n)
		total += len(r.Assertions)
		failed += n
	}
	if len(reports) > 1 {
		fmt.Fprintf(b, "\n%d scenarios: %d passed, %d failed\n", len(reports), total-failed, failed)
	}
}

func verdict(passed bool) string {
	if passed {
		return "PASS"
	}
	return "FAIL"
}

func writeCheckJSON(b *bytes.Buffer, reports []Report) error {
	type check struct {
		Passed bool `json:"passed"`
		Report
	}
	out := struct {
		Passed bool    `json:"passed"`
		Checks []check `json:"checks"`
	}{Passed: true, Checks: make([]check, len(reports))}
	for i, r := range reports {
		out.Checks[i] = check{Passed: r.Failed() == 0, Report: r}
		out.Passed = out.Passed && out.Checks[i].Passed
	}
	return results.WriteJSON(b, out)
}

// The JUnit XML schema as CI systems read it (Jenkins, GitLab, GitHub
// test reporters): suites of testcases, each failure with a message.
type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name       string          `xml:"name,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Properties []junitProperty `xml:"properties>property"`
	Cases      []junitCase     `xml:"testcase"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Classname string        `xml:"classname,attr"`
	Name      string        `xml:"name,attr"`
	File      string        `xml:"file,attr,omitempty"`
	Line      int           `xml:"line,attr,omitempty"`
	Failure   *junitFailure `xml:"failure"`
	SystemOut string        `xml:"system-out"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
}

func writeJUnit(b *bytes.Buffer, reports []Report) error {
	out := junitSuites{Name: "lbsim check"}
	for _, r := range reports {
		s := junitSuite{Name: r.Scenario, Tests: len(r.Assertions), Failures: r.Failed(),
			Properties: []junitProperty{{"source", r.Source}, {"seeds", results.SeedText(r.Seed, r.Seeds, r.Aggregate)}}}
		if r.Baseline != "" {
			s.Properties = append(s.Properties, junitProperty{"baseline", r.Baseline},
				junitProperty{"tolerance", formatNumber(r.Tolerance*100) + "%"})
		}
		for _, a := range r.Assertions {
			c := junitCase{Classname: "lbsim." + r.Scenario + "." + a.Kind, Name: a.Name, SystemOut: a.Detail}
			first, _, _ := strings.Cut(a.Detail, "\n")
			if a.Kind == "expect" && !strings.HasPrefix(r.Source, "bundled:") {
				c.File, c.Line = r.Source, a.Line
			}
			if a.Seed != nil {
				first += fmt.Sprintf(" (seed %d)", *a.Seed)
				c.SystemOut += fmt.Sprintf("\nseed %d", *a.Seed)
			}
			if !a.Passed {
				c.Failure = &junitFailure{Message: first, Type: a.Kind}
			}
			s.Cases = append(s.Cases, c)
		}
		out.Tests += s.Tests
		out.Failures += s.Failures
		out.Suites = append(out.Suites, s)
	}
	b.WriteString(xml.Header)
	enc := xml.NewEncoder(b)
	enc.Indent("", "  ")
	if err := enc.Encode(out); err != nil {
		return err
	}
	b.WriteByte('\n')
	return nil
}
