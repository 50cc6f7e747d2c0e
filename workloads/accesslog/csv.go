package accesslog

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// csvColumns are the column names a csv header may use, in any order and
// any case.
var csvColumns = []string{"arrival", "service", "client", "key", "class"}

// csvLayout is where each column is, -1 for an absent one.
type csvLayout struct {
	n                                    int // columns
	arrival, service, client, key, class int
}

// readHeader reads the first line that is not blank or a comment and
// lays out the columns it names. An input without one is empty: Next
// returns io.EOF.
func (r *Reader) readHeader() error {
	for {
		line, err := r.readLine()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if isBlank(line) || line[0] == '#' {
			continue
		}
		if err := r.layOut(line); err != nil {
			return &LineError{Line: r.line, Msg: err.Error()}
		}
		return nil
	}
}

func (r *Reader) layOut(line []byte) error {
	fields, err := r.splitCSV(line)
	if err != nil {
		return fmt.Errorf("header: %w", err)
	}
	l := csvLayout{n: len(fields), arrival: -1, service: -1, client: -1, key: -1, class: -1}
	col := map[string]*int{"arrival": &l.arrival, "service": &l.service, "client": &l.client, "key": &l.key, "class": &l.class}
	for i, f := range fields {
		name := strings.ToLower(strings.TrimSpace(string(f)))
		p, ok := col[name]
		switch {
		case !ok:
			return fmt.Errorf("header: unknown column %q; known columns: %s", f, strings.Join(csvColumns, ", "))
		case *p >= 0:
			return fmt.Errorf("header: column %q appears twice", name)
		}
		*p = i
	}
	switch {
	case l.arrival < 0:
		return errors.New("header: no arrival column (seconds)")
	case l.service < 0:
		return errors.New("header: no service column (seconds)")
	}
	r.csv = l
	return nil
}

// parseCSV reads one data line of a csv trace.
func (r *Reader) parseCSV(line []byte, rec *Record) error {
	fields, err := r.splitCSV(line)
	if err != nil {
		return err
	}
	l := &r.csv
	if len(fields) != l.n {
		return fmt.Errorf("%d fields where the header names %d columns", len(fields), l.n)
	}
	v := bytes.TrimSpace(fields[l.arrival])
	ns, err := parseScaled(v, 9)
	if err != nil {
		return fmt.Errorf("arrival: %s is %w (seconds)", quote(v), err)
	}
	rec.Time = ns
	v = bytes.TrimSpace(fields[l.service])
	ns, err = parseScaled(v, 9)
	switch {
	case err != nil:
		return fmt.Errorf("service: %s is %w (seconds)", quote(v), err)
	case ns < 0:
		return fmt.Errorf("service: %s is negative", quote(v))
	}
	rec.Service = time.Duration(ns)
	if l.client >= 0 {
		v = bytes.TrimSpace(fields[l.client])
		if len(v) > 0 && string(v) != "-" {
			a, ok := parseAddr(v)
			if !ok {
				return fmt.Errorf("client: %s is not an IP address", quote(v))
			}
			rec.Client = a
		}
	}
	if l.key >= 0 && len(fields[l.key]) > 0 {
		rec.Target = fields[l.key]
	}
	if l.class >= 0 && len(fields[l.class]) > 0 {
		rec.Class = fields[l.class]
	}
	return nil
}

// splitCSV splits a line into RFC 4180 fields: comma-separated, a field
// in double quotes may hold commas and doubled quotes. A quoted field
// cannot span lines: a trace record is one line. Unquoted fields are
// slices of line; quoted ones are rebuilt in r.scratch, which is grown
// first so that no field moves. Valid until the next call.
//
// encoding/csv splits as fast but allocates a string per record and
// would follow a quoted field across lines without bound, past the line
// limit and the line numbers that errors give.
func (r *Reader) splitCSV(line []byte) ([][]byte, error) {
	fields := r.fields[:0]
	if cap(r.scratch) < len(line) {
		r.scratch = make([]byte, 0, len(line))
	}
	out := r.scratch[:0]
	i := 0
	for {
		n := len(fields) + 1
		if i < len(line) && line[i] == '"' {
			start := len(out)
			j := i + 1
			for {
				k := bytes.IndexByte(line[j:], '"')
				if k < 0 {
					return nil, fmt.Errorf("field %d: no closing quote", n)
				}
				out = append(out, line[j:j+k]...)
				j += k + 1
				if j < len(line) && line[j] == '"' {
					out = append(out, '"')
					j++
					continue
				}
				break
			}
			if j < len(line) && line[j] != ',' {
				return nil, fmt.Errorf("field %d: text after its closing quote", n)
			}
			fields = append(fields, out[start:len(out):len(out)])
			i = j
		} else {
			end := len(line)
			if k := bytes.IndexByte(line[i:], ','); k >= 0 {
				end = i + k
			}
			f := line[i:end]
			if bytes.IndexByte(f, '"') >= 0 {
				return nil, fmt.Errorf("field %d: a quote in a field that does not start with one", n)
			}
			fields = append(fields, f)
			i = end
		}
		if i == len(line) {
			break
		}
		i++ // the comma
		if i == len(line) {
			fields = append(fields, line[i:])
			break
		}
	}
	r.fields = fields
	return fields, nil
}
