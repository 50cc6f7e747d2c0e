package scenarios

import (
	"strconv"
	"strings"
)

// Error is why a scenario could not be loaded. Every error Load, Parse and
// Open return is an *Error (possibly wrapped), so a caller can tell bad input
// from other failures with errors.As; the CLI exits with code 2 on one.
//
// Its message reads "SOURCE:LINE:COLUMN: FIELD: MSG", for example
//
//	black.yaml:12:5: servers[1].capacity: must be at least 1, got 0
//
// where the parts that are unknown (no line for an unreadable file, no field
// for a YAML syntax error) are left out.
type Error struct {
	// Source names the file: a path, or "bundled:NAME".
	Source string
	// Line and Column are 1-based; 0 when there is no position to report.
	Line, Column int
	// Field is the path of the value at fault, such as
	// "servers[1].capacity" or "workload.arrival.rate"; "" for the file as a
	// whole.
	Field string
	// Msg says what is wrong and, where it helps, what is allowed.
	Msg string
	// Err is the underlying cause when there is one (an *fs.PathError for a
	// file that cannot be read), so errors.Is(err, fs.ErrNotExist) works.
	Err error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Source)
	if e.Line > 0 {
		b.WriteByte(':')
		b.WriteString(strconv.Itoa(e.Line))
		if e.Column > 0 {
			b.WriteByte(':')
			b.WriteString(strconv.Itoa(e.Column))
		}
	}
	if b.Len() > 0 {
		b.WriteString(": ")
	}
	if e.Field != "" {
		b.WriteString(e.Field)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Unwrap returns the underlying cause, if any.
func (e *Error) Unwrap() error { return e.Err }
