package report

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/lbsim/lbsim/results"
)

// TestReadComparison checks a baseline file written by Write reads back,
// and that bad files are refused with a position a user can find.
func TestReadComparison(t *testing.T) {
	var buf bytes.Buffer
	c := sample()
	if err := Write(&buf, FormatJSON, c); err != nil {
		t.Fatal(err)
	}
	got, err := results.ReadComparison(buf.Bytes())
	if err != nil {
		t.Fatalf("ReadComparison(Write(json)): %v", err)
	}
	if want := results.Rounded(c); !reflect.DeepEqual(got, &want) {
		t.Errorf("round trip:\n got %+v\nwant %+v", got, &want)
	}

	good := buf.String()
	after := strings.Count(good, "\n") + 1 // the line after the object
	tests := []struct {
		name  string
		in    string
		line  int    // 0: no position
		field string // JSONError.Field
		msg   string
	}{
		{"syntax error on line 3", "{\n  \"scenario\": \"x\",\n  \"seed\": 1,,\n  \"results\": []\n}", 3, "", "invalid character ','"},
		{"type error", "{\"scenario\": \"x\",\n \"results\": [{\"algorithm\": \"a\", \"latency_ms\": {\"p99\": \"x\"}}]}", 2,
			"results.latency_ms.p99", "cannot read a JSON string as float64"},
		{"empty", "", 1, "", "the JSON ends early"},
		{"cut short", good[:len(good)/2], 0, "", "the JSON ends early"},
		{"two values", good + "{}", after, "", "more after the JSON object"},
		{"garbage after", good + "x", after, "", "more after the JSON object"},
		{"stray bracket after", good + "]", after, "", "more after the JSON object"},
		{"stray brace after", good + "\n}", after + 1, "", "more after the JSON object"},
		{"no results", `{"scenario": "x", "seed": 1, "results": []}`, 0, "", "not lbsim results"},
		{"no scenario", `{"results": [{"algorithm": "a"}]}`, 0, "", "not lbsim results"},
		{"null", "null", 0, "", "not lbsim results"},
		{"not an object", "[1, 2]", 0, "", "cannot read a JSON array"},
		{"no algorithm", `{"scenario": "x", "results": [{"algorithm": "a"}, {"completed": 3}]}`, 0, "results[1].algorithm", "missing"},
	}
	for _, tt := range tests {
		c, err := results.ReadComparison([]byte(tt.in))
		var je *results.JSONError
		if !errors.As(err, &je) {
			t.Errorf("%s: ReadComparison = %v, %v; want a *JSONError", tt.name, c, err)
			continue
		}
		if c != nil {
			t.Errorf("%s: comparison %+v returned with the error", tt.name, c)
		}
		if tt.line != 0 && je.Line != tt.line {
			t.Errorf("%s: Line %d, want %d (%v)", tt.name, je.Line, tt.line, err)
		}
		if je.Field != tt.field || !strings.Contains(je.Msg, tt.msg) {
			t.Errorf("%s: Field %q Msg %q, want %q and %q", tt.name, je.Field, je.Msg, tt.field, tt.msg)
		}
		if je.Line > 0 && !strings.HasPrefix(err.Error(), fmt.Sprintf("%d:%d: ", je.Line, je.Column)) {
			t.Errorf("%s: Error() = %q, want it to start with LINE:COLUMN", tt.name, err)
		}
	}
}

// TestReadComparisonColumn checks the column of a syntax error is the
// offending character's.
func TestReadComparisonColumn(t *testing.T) {
	//        123456789012345
	line3 := `  "seed": 1,,`
	_, err := results.ReadComparison([]byte("{\n  \"scenario\": \"x\",\n" + line3 + "\n}"))
	var je *results.JSONError
	if !errors.As(err, &je) || je.Line != 3 {
		t.Fatalf("err = %v, want a *JSONError on line 3", err)
	}
	if je.Column != 13 {
		t.Errorf("Column %d, want the second comma's, 13", je.Column)
	}
}

// TestReadComparisonUnknownFields checks fields a later version may add
// are ignored rather than refused.
func TestReadComparisonUnknownFields(t *testing.T) {
	in := `{"scenario": "s", "new_header": {"x": [1]}, "results": [{"algorithm": "a", "latency_ms": {"p99": 5, "p9999": 7}, "energy_j": 3}]}`
	c, err := results.ReadComparison([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	if c.Scenario != "s" || len(c.Results) != 1 || c.Results[0].Algorithm != "a" || c.Results[0].Latency.P99 != 5 {
		t.Errorf("read %+v", c)
	}
}
