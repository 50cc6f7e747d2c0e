package check

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/lbsim/lbsim/results"
)

// checkReports are two checks: a file over three seeds with a baseline,
// one expectation and one baseline metric failing; and a bundled scenario
// on one seed that passes.
func checkReports() []Report {
	seed := func(v uint64) *uint64 { return &v }
	return []Report{
		{
			Scenario: "uniform", Source: "scenarios/uniform.yaml", Seed: 1, Seeds: 3, Aggregate: results.AggregateWorst,
			Baseline: "base.json", Tolerance: 0.05,
			Assertions: []Assertion{
				{Kind: "expect", Name: "round_robin.p99 < 500", Line: 4, Passed: true, Detail: "460.8 < 500",
					Values: map[string]float64{"round_robin.p99": 460.8}, Seed: seed(2)},
				{Kind: "expect", Name: "least_connections.p99 < 0.5 * round_robin.p99", Line: 5, Passed: false,
					Detail: "300 < 230.4\nwhere least_connections.p99 = 300, round_robin.p99 = 460.8",
					Values: map[string]float64{"least_connections.p99": 300, "round_robin.p99": 460.8}, Seed: seed(3)},
				{Kind: "baseline", Name: "round_robin.latency_ms.p99", Passed: true, Detail: "460.8, baseline 460.8: unchanged",
					Values: map[string]float64{"baseline": 460.8, "current": 460.8}},
				{Kind: "baseline", Name: "round_robin.completed", Passed: false, Detail: "900, baseline 1000: 10% worse",
					Values: map[string]float64{"baseline": 1000, "current": 900}},
			},
		},
		{
			Scenario: "mixed", Source: "bundled:mixed", Seed: 7,
			Assertions: []Assertion{
				{Kind: "expect", Name: "least_connections.p99 < round_robin.p99", Line: 3, Passed: true, Detail: "210.5 < 460.8",
					Values: map[string]float64{"least_connections.p99": 210.5, "round_robin.p99": 460.8}},
			},
		},
	}
}

func writeCheck(t *testing.T, f Format, reports []Report) string {
	t.Helper()
	var buf bytes.Buffer
	if err := Write(&buf, f, reports); err != nil {
		t.Fatalf("Write(%s): %v", f, err)
	}
	return buf.String()
}

// TestWriteCheckText checks the text a person reads: every expectation
// with its verdict, numbers and seed, of the baseline only the failures,
// and the totals. The expected text was written by hand.
func TestWriteCheckText(t *testing.T) {
	uniform := `uniform (scenarios/uniform.yaml): worst of seeds 1 to 3
  PASS  round_robin.p99 < 500
        460.8 < 500  (seed 2)
  FAIL  least_connections.p99 < 0.5 * round_robin.p99
        300 < 230.4  (seed 3)
        where least_connections.p99 = 300, round_robin.p99 = 460.8
  baseline base.json, tolerance 5%: 2 metrics compared, 1 worse
  FAIL  round_robin.completed: 900, baseline 1000: 10% worse
  2 passed, 2 failed
`
	mixed := `mixed (bundled:mixed): seed 7
  PASS  least_connections.p99 < round_robin.p99
        210.5 < 460.8
  1 passed, 0 failed
`
	tests := []struct {
		name    string
		reports []Report
		want    string
	}{
		{"one report, no totals", checkReports()[:1], uniform},
		{"one bundled report", checkReports()[1:], mixed},
		{"two reports", checkReports(), uniform + "\n" + mixed + "\n2 scenarios: 3 passed, 2 failed\n"},
		{"nothing", nil, ""},
	}
	for _, tt := range tests {
		if got := writeCheck(t, FormatText, tt.reports); got != tt.want {
			t.Errorf("%s:\n got %q\nwant %q", tt.name, got, tt.want)
		}
	}
	if got := writeCheck(t, FormatText, checkReports()); strings.Contains(got, "latency_ms.p99") {
		t.Errorf("a passing baseline metric is listed:\n%s", got)
	}
}

// TestWriteCheckJSON checks the object scripts read: passed overall and
// per check, and the report's fields flattened into each check.
func TestWriteCheckJSON(t *testing.T) {
	type assertion struct {
		Kind, Name string
		Line       int
		Passed     bool
		Detail     string
		Values     map[string]float64
		Seed       *uint64
	}
	type check struct {
		Passed     bool
		Scenario   string
		Source     string
		Seed       uint64
		Seeds      int
		Aggregate  string
		Baseline   string
		Tolerance  float64
		Assertions []assertion
	}
	var out struct {
		Passed bool
		Checks []check
	}
	data := writeCheck(t, FormatJSON, checkReports())
	if err := json.Unmarshal([]byte(data), &out); err != nil {
		t.Fatalf("invalid JSON: %v\n%s", err, data)
	}
	if out.Passed || len(out.Checks) != 2 || out.Checks[0].Passed || !out.Checks[1].Passed {
		t.Fatalf("passed %v, checks %+v; want false overall, the first failed, the second passed", out.Passed, out.Checks)
	}
	c := out.Checks[0]
	if c.Scenario != "uniform" || c.Source != "scenarios/uniform.yaml" || c.Seed != 1 || c.Seeds != 3 ||
		c.Aggregate != "worst" || c.Baseline != "base.json" || c.Tolerance != 0.05 || len(c.Assertions) != 4 {
		t.Errorf("check = %+v", c)
	}
	a := c.Assertions[1]
	if a.Kind != "expect" || a.Line != 5 || a.Passed || a.Seed == nil || *a.Seed != 3 ||
		a.Values["least_connections.p99"] != 300 || !strings.Contains(a.Detail, "\nwhere ") {
		t.Errorf("assertion = %+v", a)
	}
	if b := c.Assertions[3]; b.Kind != "baseline" || b.Passed || b.Seed != nil || b.Values["current"] != 900 {
		t.Errorf("baseline assertion = %+v", b)
	}

	// The names are the contract: check the keys themselves.
	var raw struct {
		Checks []map[string]json.RawMessage
	}
	if err := json.Unmarshal([]byte(data), &raw); err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		{"aggregate", "assertions", "baseline", "passed", "scenario", "seed", "seeds", "source", "tolerance"},
		{"aggregate", "assertions", "passed", "scenario", "seed", "seeds", "source"},
	}
	for i, m := range raw.Checks {
		var got []string
		for k := range m {
			got = append(got, k)
		}
		slices.Sort(got)
		if !reflect.DeepEqual(got, want[i]) {
			t.Errorf("check %d keys %v, want %v", i, got, want[i])
		}
	}

	// All passing, or nothing checked, is a pass.
	for _, reports := range [][]Report{checkReports()[1:], nil} {
		out.Passed = false
		if err := json.Unmarshal([]byte(writeCheck(t, FormatJSON, reports)), &out); err != nil || !out.Passed {
			t.Errorf("%d passing reports: passed %v, err %v; want true", len(reports), out.Passed, err)
		}
	}
}

// The JUnit schema, declared apart from the writer's types so that a
// renamed tag is caught.
type (
	xSuites struct {
		XMLName  xml.Name `xml:"testsuites"`
		Name     string   `xml:"name,attr"`
		Tests    int      `xml:"tests,attr"`
		Failures int      `xml:"failures,attr"`
		Suites   []xSuite `xml:"testsuite"`
	}
	xSuite struct {
		Name       string  `xml:"name,attr"`
		Tests      int     `xml:"tests,attr"`
		Failures   int     `xml:"failures,attr"`
		Properties []xProp `xml:"properties>property"`
		Cases      []xCase `xml:"testcase"`
	}
	xProp struct {
		Name  string `xml:"name,attr"`
		Value string `xml:"value,attr"`
	}
	xCase struct {
		Classname string    `xml:"classname,attr"`
		Name      string    `xml:"name,attr"`
		File      string    `xml:"file,attr"`
		Line      int       `xml:"line,attr"`
		Failure   *xFailure `xml:"failure"`
		SystemOut string    `xml:"system-out"`
	}
	xFailure struct {
		Message string `xml:"message,attr"`
		Type    string `xml:"type,attr"`
	}
)

// TestWriteCheckJUnit checks the XML a CI system reads: valid, with the
// counts right, a <failure> only on failed cases, and files and lines
// only for expectations of a file.
func TestWriteCheckJUnit(t *testing.T) {
	data := writeCheck(t, FormatJUnit, checkReports())
	if !strings.HasPrefix(data, xml.Header) {
		t.Errorf("no XML header:\n%s", data)
	}
	var got xSuites
	if err := xml.Unmarshal([]byte(data), &got); err != nil {
		t.Fatalf("invalid XML: %v\n%s", err, data)
	}
	if got.Name != "lbsim check" || got.Tests != 5 || got.Failures != 2 || len(got.Suites) != 2 {
		t.Fatalf("testsuites name %q tests %d failures %d suites %d; want lbsim check, 5, 2, 2",
			got.Name, got.Tests, got.Failures, len(got.Suites))
	}
	s := got.Suites[0]
	wantProps := []xProp{{"source", "scenarios/uniform.yaml"}, {"seeds", "worst of seeds 1 to 3"}, {"baseline", "base.json"}, {"tolerance", "5%"}}
	if s.Name != "uniform" || s.Tests != 4 || s.Failures != 2 || !reflect.DeepEqual(s.Properties, wantProps) {
		t.Errorf("suite %q tests %d failures %d properties %v", s.Name, s.Tests, s.Failures, s.Properties)
	}
	wantCases := []xCase{
		{Classname: "lbsim.uniform.expect", Name: "round_robin.p99 < 500", File: "scenarios/uniform.yaml", Line: 4,
			SystemOut: "460.8 < 500\nseed 2"},
		{Classname: "lbsim.uniform.expect", Name: "least_connections.p99 < 0.5 * round_robin.p99", File: "scenarios/uniform.yaml", Line: 5,
			Failure:   &xFailure{Message: "300 < 230.4 (seed 3)", Type: "expect"},
			SystemOut: "300 < 230.4\nwhere least_connections.p99 = 300, round_robin.p99 = 460.8\nseed 3"},
		{Classname: "lbsim.uniform.baseline", Name: "round_robin.latency_ms.p99", SystemOut: "460.8, baseline 460.8: unchanged"},
		{Classname: "lbsim.uniform.baseline", Name: "round_robin.completed",
			Failure:   &xFailure{Message: "900, baseline 1000: 10% worse", Type: "baseline"},
			SystemOut: "900, baseline 1000: 10% worse"},
	}
	if !reflect.DeepEqual(s.Cases, wantCases) {
		t.Errorf("cases:\n got %+v\nwant %+v", s.Cases, wantCases)
	}
	m := got.Suites[1]
	wantMixed := xCase{Classname: "lbsim.mixed.expect", Name: "least_connections.p99 < round_robin.p99", SystemOut: "210.5 < 460.8"}
	if m.Tests != 1 || m.Failures != 0 || len(m.Properties) != 2 || len(m.Cases) != 1 || !reflect.DeepEqual(m.Cases[0], wantMixed) {
		t.Errorf("bundled suite %+v; want one passing case without a file", m)
	}
}

// TestWriteCheckDeterministic checks identical reports give identical
// bytes, in one Write, whatever the format: CI diffs and caches rely on
// it.
func TestWriteCheckDeterministic(t *testing.T) {
	for _, f := range []Format{FormatText, FormatJSON, FormatJUnit} {
		var w countingWriter
		if err := Write(&w, f, checkReports()); err != nil {
			t.Fatal(err)
		}
		if w.writes != 1 {
			t.Errorf("%s: %d writes, want 1", f, w.writes)
		}
		for range 5 {
			if again := writeCheck(t, f, checkReports()); again != w.buf.String() {
				t.Errorf("%s: output differs between two writes of the same reports", f)
				break
			}
		}
	}
}

type countingWriter struct {
	buf    bytes.Buffer
	writes int
}

func (w *countingWriter) Write(p []byte) (int, error) {
	w.writes++
	return w.buf.Write(p)
}

// TestWriteCheckErrors checks an unknown format writes nothing and a
// failing writer's error is returned.
func TestWriteCheckErrors(t *testing.T) {
	var w countingWriter
	if err := Write(&w, "xml", checkReports()); !errors.Is(err, ErrUnknownFormat) || w.writes != 0 {
		t.Errorf("format xml: err %v after %d writes; want ErrUnknownFormat and nothing written", err, w.writes)
	}
	if err := Write(failWriter{}, FormatText, checkReports()); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Errorf("failing writer: err %v, want disk full", err)
	}
}

// TestParseCheckFormat checks the format names, case and spaces aside,
// and that an unknown one lists the valid names.
func TestParseCheckFormat(t *testing.T) {
	tests := []struct {
		in   string
		want Format
		ok   bool
	}{
		{"text", FormatText, true},
		{"JSON", FormatJSON, true},
		{" junit ", FormatJUnit, true},
		{"xml", "", false},
		{"table", "", false}, // a Write format, not a check format
		{"", "", false},
	}
	for _, tt := range tests {
		got, err := ParseFormat(tt.in)
		if tt.ok && (err != nil || got != tt.want) {
			t.Errorf("ParseFormat(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
		if !tt.ok && (!errors.Is(err, ErrUnknownFormat) || !strings.Contains(err.Error(), "valid: text, json, junit") || got != "") {
			t.Errorf("ParseFormat(%q) = %q, %v; want an ErrUnknownFormat listing the names", tt.in, got, err)
		}
	}
}

// TestCheckReportFailed checks Failed counts failed assertions only.
func TestCheckReportFailed(t *testing.T) {
	for i, want := range []int{2, 0} {
		r := checkReports()[i]
		if got := r.Failed(); got != want {
			t.Errorf("report %d: Failed() = %d, want %d", i, got, want)
		}
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }
