package accesslog

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/go-json-experiment/json/jsontext"
)

// jsonOptions let a repeated name through (the last one counts), which
// spares the decoder a set of names per line.
var jsonOptions = []jsontext.Options{jsontext.AllowDuplicateNames(true)}

// parseLBSim reads one record of lbsim's own access log, a JSON object
// written by log/slog (docs/proxy.md, "Access log"). jsontext reads it in
// place, about five times as fast as encoding/json and without
// allocating.
func (r *Reader) parseLBSim(line []byte, rec *Record) error {
	r.jsonIn = *bytes.NewBuffer(line)
	d := r.json
	d.Reset(&r.jsonIn, jsonOptions...)
	tok, err := d.ReadToken()
	if err != nil {
		return jsonError(err)
	}
	if tok.Kind() != '{' {
		return errors.New("not a JSON object")
	}
	var haveTime, haveLatency, connection bool
	for d.PeekKind() != '}' {
		name, err := d.ReadValue()
		if err != nil {
			return jsonError(err)
		}
		k := fieldKey(r.unquote(name))
		if k == "" {
			if err := d.SkipValue(); err != nil {
				return jsonError(err)
			}
			continue
		}
		val, err := d.ReadValue()
		if err != nil {
			return jsonError(err)
		}
		switch k {
		case "time":
			if val.Kind() != '"' {
				return fmt.Errorf("time: %s is not a string", quote(val))
			}
			s := r.unquote(val)
			sec, frac, ok := r.seconds.rfc3339(s)
			if ok {
				rec.Time, ok = nanos(sec, frac)
			}
			if !ok {
				return fmt.Errorf("time: %s is not an RFC 3339 time like 2026-12-04T20:33:56.123456789Z", quote(s))
			}
			haveTime = true
		case "latency_ms":
			ns, err := parseScaled(val, 6)
			switch {
			case val.Kind() != '0':
				return fmt.Errorf("latency_ms: %s is not a number", quote(val))
			case err != nil:
				return fmt.Errorf("latency_ms: %s is %w", quote(val), err)
			case ns < 0:
				return fmt.Errorf("latency_ms: %s is negative", quote(val))
			}
			rec.Service = time.Duration(ns)
			haveLatency = true
		case "client":
			if val.Kind() != '"' {
				return fmt.Errorf("client: %s is not a string", quote(val))
			}
			s := r.unquote(val)
			if len(s) > 0 && string(s) != "-" {
				a, ok := parseAddr(s)
				if !ok {
					return fmt.Errorf("client: %s is not an IP address", quote(s))
				}
				rec.Client = a
			}
		case "path":
			if val.Kind() != '"' {
				return fmt.Errorf("path: %s is not a string", quote(val))
			}
			rec.Target = r.unquoteTarget(val)
		case "msg":
			connection = val.Kind() == '"' && string(r.unquote(val)) == "connection"
		}
	}
	if _, err := d.ReadToken(); err != nil {
		return jsonError(err)
	}
	if _, err := d.ReadToken(); err != io.EOF {
		return errors.New("text after the JSON object")
	}
	switch {
	case !haveTime:
		return errors.New("no time field")
	case !haveLatency:
		return errors.New("no latency_ms field")
	}
	if connection {
		rec.Target = nil
	}
	rec.Ends = true
	return nil
}

// fieldKey returns the field name equal to key among those read, "" for
// the others; a constant, so the switch on it allocates nothing.
func fieldKey(key []byte) string {
	for _, k := range [...]string{"time", "client", "path", "latency_ms", "msg"} {
		if string(key) == k {
			return k
		}
	}
	return ""
}

// unquote returns the text of a JSON string, in place when it has no
// escapes; valid until the next unquote.
func (r *Reader) unquote(v jsontext.Value) []byte {
	if bytes.IndexByte(v, '\\') < 0 {
		return v[1 : len(v)-1]
	}
	r.tmp, _ = jsontext.AppendUnquote(r.tmp[:0], v)
	return r.tmp
}

// unquoteTarget is unquote for the path, which must outlive other fields'
// unquoting.
func (r *Reader) unquoteTarget(v jsontext.Value) []byte {
	if bytes.IndexByte(v, '\\') < 0 {
		return v[1 : len(v)-1]
	}
	r.scratch, _ = jsontext.AppendUnquote(r.scratch[:0], v)
	return r.scratch
}

// jsonError turns a decoder's error into a message without the package
// prefix.
func jsonError(err error) error {
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return fmt.Errorf("not valid JSON: %s", strings.TrimPrefix(err.Error(), "jsontext: "))
}
