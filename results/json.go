package results

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
)

// JSONError is why ReadComparison could not read its input, with the
// position in the text.
type JSONError struct {
	// Line and Column are 1-based; 0 when unknown.
	Line, Column int
	// Field is the path of the value at fault ("results.latency_ms.p99"),
	// "" for the document as a whole.
	Field string
	Msg   string
}

func (e *JSONError) Error() string {
	s := fmt.Sprintf("%d:%d: ", e.Line, e.Column)
	if e.Line == 0 {
		s = ""
	}
	if e.Field != "" {
		s += e.Field + ": "
	}
	return s + e.Msg
}

// ReadComparison reads a Comparison in the JSON form Write produces (a
// baseline, say). Fields it does not know are ignored, as later versions
// may add some; a wrong type, broken syntax or a comparison without results
// is a *JSONError.
func ReadComparison(data []byte) (*Comparison, error) {
	var c Comparison
	if err := decodeJSON(data, &c); err != nil {
		return nil, err
	}
	if c.Scenario == "" || len(c.Results) == 0 {
		return nil, &JSONError{Msg: "not lbsim results: no scenario or no results (make one with lbsim run SCENARIO --format json)"}
	}
	for i, r := range c.Results {
		if r.Algorithm == "" {
			return nil, &JSONError{Field: fmt.Sprintf("results[%d].algorithm", i), Msg: "missing"}
		}
	}
	return &c, nil
}

// decodeJSON decodes the one JSON value in data into v, placing an error
// at its line and column.
func decodeJSON(data []byte, v any) *JSONError {
	dec := json.NewDecoder(bytes.NewReader(data))
	err := dec.Decode(v)
	if rest := dec.InputOffset(); err == nil && len(bytes.TrimSpace(data[rest:])) > 0 {
		at := rest + int64(len(data[rest:])-len(bytes.TrimLeft(data[rest:], " \t\r\n")))
		return jsonError(data, at, "", "more after the JSON object")
	}
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case err == nil:
		return nil
	// Both offsets count the bytes read, so they are one past the
	// character at fault (the last of the value, for a type error).
	case errors.As(err, &syn):
		return jsonError(data, syn.Offset-1, "", syn.Error())
	case errors.As(err, &typ):
		return jsonError(data, typ.Offset-1, typ.Field, fmt.Sprintf("cannot read a JSON %s as %s", typ.Value, typ.Type))
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return jsonError(data, int64(len(data)), "", "the JSON ends early")
	}
	return &JSONError{Msg: err.Error()}
}

// jsonError places a message at the byte at offset in data.
func jsonError(data []byte, offset int64, field, msg string) *JSONError {
	offset = min(max(offset, 0), int64(len(data)))
	before := data[:offset]
	line := bytes.Count(before, []byte("\n")) + 1
	col := int(offset) - bytes.LastIndexByte(before, '\n')
	return &JSONError{Line: line, Column: col, Field: field, Msg: msg}
}

// ReadSweep reads a sweep, or a slice of one, in the JSON form WriteSweep
// produces. Fields it does not know are ignored; broken syntax, a wrong
// type or a sweep that does not hold together (results that do not match
// its algorithms, a range with no points, a slice out of range) is a
// *JSONError.
func ReadSweep(data []byte) (*Sweep, error) {
	var s Sweep
	if err := decodeJSON(data, &s); err != nil {
		return nil, err
	}
	bad := func(field, format string, args ...any) error {
		return &JSONError{Field: field, Msg: fmt.Sprintf(format, args...)}
	}
	if s.Scenario == "" || s.Vary.Key == "" || len(s.Algorithms) == 0 {
		return nil, bad("", "not an lbsim sweep: no scenario, vary or algorithms (make one with lbsim sweep SCENARIO --vary KEY=FROM:TO:STEP --format json)")
	}
	if _, err := s.Vary.Points(); err != nil {
		return nil, bad("vary", "%v", err)
	}
	if s.Shard != nil {
		if err := s.Shard.check(); err != nil {
			return nil, bad("shard", "%v", err)
		}
	}
	for i, p := range s.Points {
		names := AlgorithmNames(p.Results)
		if !slices.Equal(names, s.Algorithms) {
			return nil, bad(fmt.Sprintf("points[%d].results", i), "has results for %v, not for the sweep's algorithms %v", names, s.Algorithms)
		}
	}
	return &s, nil
}

// WriteJSON writes v as lbsim's JSON outputs are written: one object with
// 2-space indentation, no HTML escaping, and a trailing newline. Results
// (rounded first, see Rounded), sweeps and check verdicts all go through
// it, and ReadComparison and ReadSweep read it back.
func WriteJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}
