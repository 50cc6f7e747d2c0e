package accesslog

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"time"
)

// varKind is what the reader takes from an nginx variable.
type varKind uint8

const (
	vIgnore varKind = iota
	vRemoteAddr
	vTimeLocal
	vTimeISO
	vMsec
	vRequest
	vRequestURI
	vURI
	vArgs
	vRequestTime
	vUpstreamTime
	nKinds
)

// nginxVars are the variables the reader interprets; any other matches any
// text.
var nginxVars = map[string]varKind{
	"remote_addr":            vRemoteAddr,
	"time_local":             vTimeLocal,
	"time_iso8601":           vTimeISO,
	"msec":                   vMsec,
	"request":                vRequest,
	"request_uri":            vRequestURI,
	"uri":                    vURI,
	"args":                   vArgs,
	"query_string":           vArgs,
	"request_time":           vRequestTime,
	"upstream_response_time": vUpstreamTime,
}

// timeLocalLen is the length of a $time_local value, which holds a space:
// its value is sought past that space.
const timeLocalLen = len("04/Dec/2026:20:33:56 +0000")

// nginxVar is one variable of a compiled log_format and the text that
// follows it.
type nginxVar struct {
	kind varKind
	name string // "$request_time", for messages
	next []byte // the literal text after the variable
	end  bool   // no text follows: the value runs to the end of the line
	min  int    // bytes the value holds at least, before next is sought
	// list is set for $upstream_* variables, lists of one value per
	// server tried ("0.012, 0.034 : 0.100"): the value goes on past a
	// following text that starts with a space while a separator is
	// around it.
	list bool
}

// nginxFormat is a log_format compiled into a leading literal and
// variables each followed by a literal: a variable's value runs to the
// first occurrence of the literal after it.
type nginxFormat struct {
	head       []byte
	vars       []nginxVar
	time       varKind // vMsec, vTimeLocal or vTimeISO
	target     varKind // vRequestURI, vRequest, vURI or vIgnore
	args       bool    // $args or $query_string joins $uri
	request    bool    // $request_time is in the format
	upstream   bool    // $upstream_response_time is in the format
	resolution time.Duration
}

// compileNginx compiles a log_format written in nginx's syntax.
func compileNginx(lf string) (*nginxFormat, error) {
	f := &nginxFormat{}
	var lit []byte
	var vars []nginxVar
	flush := func() {
		if len(vars) == 0 {
			f.head = lit
		} else {
			vars[len(vars)-1].next = lit
		}
		lit = nil
	}
	for i := 0; i < len(lf); {
		if lf[i] != '$' {
			lit = append(lit, lf[i])
			i++
			continue
		}
		at := i + 1 // 1-based position of the '$'
		i++
		var name string
		if i < len(lf) && lf[i] == '{' {
			end := strings.IndexByte(lf[i+1:], '}')
			if end < 0 {
				return nil, fmt.Errorf(`log_format: "${" at byte %d has no closing "}"`, at)
			}
			name = lf[i+1 : i+1+end]
			i += end + 2
			if name == "" || strings.IndexFunc(name, func(c rune) bool { return c > 0x7f || !isNameChar(byte(c)) }) >= 0 {
				return nil, fmt.Errorf(`log_format: "${%s}" at byte %d is not a variable name`, name, at)
			}
		} else {
			j := i
			for j < len(lf) && isNameChar(lf[j]) {
				j++
			}
			if j == i {
				return nil, fmt.Errorf(`log_format: "$" at byte %d is not followed by a variable name`, at)
			}
			name, i = lf[i:j], j
		}
		flush()
		v := nginxVar{kind: nginxVars[name], name: "$" + name}
		if name == "time_local" {
			v.min = timeLocalLen
		}
		v.list = strings.HasPrefix(name, "upstream_")
		vars = append(vars, v)
	}
	flush()
	if len(vars) > 0 {
		last := &vars[len(vars)-1]
		last.end = len(last.next) == 0
	}
	f.choose(vars)
	if f.time == vIgnore {
		return nil, errors.New("log_format has no timestamp: it needs $time_local, $time_iso8601 or $msec")
	}
	if !f.request && !f.upstream {
		return nil, errors.New("log_format has no service time: it needs $request_time or $upstream_response_time")
	}
	// A variable followed at once by another has no end: merge ignored
	// neighbours, refuse when one of them is read.
	for _, v := range vars {
		n := len(f.vars)
		if n > 0 && !f.vars[n-1].end && len(f.vars[n-1].next) == 0 {
			prev := &f.vars[n-1]
			if prev.kind != vIgnore || v.kind != vIgnore {
				return nil, fmt.Errorf("log_format: %s and %s have no text between them, so their values cannot be told apart", prev.name, v.name)
			}
			prev.name += v.name
			prev.next, prev.end = v.next, v.end
			prev.min += v.min
			continue
		}
		f.vars = append(f.vars, v)
	}
	return f, nil
}

// choose picks, among the variables, the one read for each field and
// turns the others into ignored ones: $msec over the other timestamps
// (the finest), the first of $time_local and $time_iso8601 otherwise;
// $request_uri over $request over $uri.
func (f *nginxFormat) choose(vars []nginxVar) {
	var seen [nKinds]bool
	for _, v := range vars {
		seen[v.kind] = true
	}
	for _, v := range vars {
		if f.time == vIgnore && (v.kind == vTimeLocal || v.kind == vTimeISO) {
			f.time = v.kind
		}
	}
	f.resolution = time.Second
	if seen[vMsec] {
		f.time, f.resolution = vMsec, time.Millisecond
	}
	for _, k := range []varKind{vRequestURI, vRequest, vURI} {
		if seen[k] {
			f.target = k
			break
		}
	}
	f.args = f.target == vURI && seen[vArgs]
	f.request, f.upstream = seen[vRequestTime], seen[vUpstreamTime]
	var used [nKinds]bool
	for i := range vars {
		k := vars[i].kind
		keep := false
		switch k {
		case vRemoteAddr, vRequestTime, vUpstreamTime:
			keep = true
		case vTimeLocal, vTimeISO, vMsec:
			keep = k == f.time
		case vRequest, vRequestURI, vURI:
			keep = k == f.target
		case vArgs:
			keep = f.args
		}
		if !keep || used[k] {
			vars[i].kind = vIgnore
			continue
		}
		used[k] = true
	}
}

// valueEnd returns where v's value ends in p, the start of the text that
// follows it, or -1 when that text is missing.
func (v *nginxVar) valueEnd(p []byte) int {
	from := min(v.min, len(p))
	for {
		j := bytes.Index(p[from:], v.next)
		if j < 0 {
			return -1
		}
		end := from + j
		if !v.list || v.next[0] != ' ' ||
			!(end > 0 && (p[end-1] == ',' || p[end-1] == ':') || bytes.HasPrefix(p[end:], []byte(" : "))) {
			return end
		}
		from = end + 1
	}
}

func isNameChar(c byte) bool {
	return isDigit(c) || c == '_' || ('a' <= c|0x20 && c|0x20 <= 'z')
}

// parseNginx reads one line written with the compiled log_format.
func (r *Reader) parseNginx(line []byte, rec *Record) error {
	f := r.nginx
	if !bytes.HasPrefix(line, f.head) {
		return fmt.Errorf("the line does not start with %q as log_format does", f.head)
	}
	p := line[len(f.head):]
	var vals [nKinds][]byte
	for i := range f.vars {
		v := &f.vars[i]
		var val []byte
		if v.end {
			val, p = p, nil
		} else {
			end := v.valueEnd(p)
			if end < 0 {
				return fmt.Errorf("%s: no %q after it, as log_format has", v.name, v.next)
			}
			val, p = p[:end], p[end+len(v.next):]
		}
		vals[v.kind] = val
	}

	if err := r.nginxTime(vals[f.time], rec); err != nil {
		return err
	}
	rec.Resolution = f.resolution
	rec.Ends = true

	if a := vals[vRemoteAddr]; len(a) > 0 && string(a) != "-" && !bytes.HasPrefix(a, []byte("unix:")) {
		ip, ok := parseAddr(a)
		if !ok {
			return fmt.Errorf("$remote_addr: %s is not an IP address", quote(a))
		}
		rec.Client = ip
	}

	switch f.target {
	case vRequest:
		rec.Target = requestTarget(vals[vRequest], &r.scratch)
	case vRequestURI:
		if t := vals[vRequestURI]; len(t) > 0 && string(t) != "-" {
			rec.Target = originForm(t, &r.scratch)
		}
	case vURI:
		u, q := vals[vURI], vals[vArgs]
		if len(u) == 0 || string(u) == "-" {
			break
		}
		rec.Target = u
		if len(q) > 0 && string(q) != "-" {
			r.scratch = append(append(append(r.scratch[:0], u...), '?'), q...)
			rec.Target = r.scratch
		}
	}
	return nginxService(f, vals[vUpstreamTime], vals[vRequestTime], rec)
}

// nginxTime parses the chosen timestamp into rec.Time.
func (r *Reader) nginxTime(v []byte, rec *Record) error {
	var sec, frac int64
	switch r.nginx.time {
	case vMsec:
		ns, err := parseScaled(v, 9)
		if err != nil {
			return fmt.Errorf("$msec: %s is %w", quote(v), err)
		}
		rec.Time = ns
		return nil
	case vTimeLocal:
		s, ok := r.seconds.get(v)
		if !ok {
			s, ok = parseTimeLocal(v)
			if !ok {
				return fmt.Errorf("$time_local: %s is not a time like 04/Dec/2026:20:33:56 +0000", quote(v))
			}
			r.seconds.put(v, s)
		}
		sec = s
	default:
		var ok bool
		if sec, frac, ok = r.seconds.rfc3339(v); !ok {
			return fmt.Errorf("$time_iso8601: %s is not a time like 2026-12-04T20:33:56+00:00", quote(v))
		}
	}
	ns, ok := nanos(sec, frac)
	if !ok {
		name := "$time_local"
		if r.nginx.time == vTimeISO {
			name = "$time_iso8601"
		}
		return fmt.Errorf("%s: %s is out of range (years 1678 to 2262)", name, quote(v))
	}
	rec.Time = ns
	return nil
}

// parseTimeLocal parses "04/Dec/2026:20:33:56 +0000" into Unix seconds.
func parseTimeLocal(b []byte) (int64, bool) {
	if len(b) != timeLocalLen || b[20] != ' ' {
		return 0, false
	}
	c, ok := parseCLFSecond(b[:20])
	if !ok {
		return 0, false
	}
	off, ok := parseOffset(b[21:], false)
	if !ok {
		return 0, false
	}
	s, ok := c.unix()
	return s - off, ok
}

// rfc3339 parses "2026-12-04T20:33:56.123Z" or "...+01:00" into Unix
// seconds and nanoseconds, through the cache for the date and time to the
// second.
func (c *secondCache) rfc3339(b []byte) (sec, frac int64, ok bool) {
	if len(b) < 20 {
		return 0, 0, false
	}
	if sec, ok = c.get(b[:19]); !ok {
		t, ok := parseISOSecond(b[:19])
		if !ok {
			return 0, 0, false
		}
		if sec, ok = t.unix(); !ok {
			return 0, 0, false
		}
		c.put(b[:19], sec)
	}
	rest := b[19:]
	if rest[0] == '.' {
		end := 1
		for end < len(rest) && isDigit(rest[end]) {
			end++
		}
		if frac, ok = parseFraction(rest[1:end]); !ok {
			return 0, 0, false
		}
		rest = rest[end:]
	}
	if len(rest) == 1 && (rest[0] == 'Z' || rest[0] == 'z') {
		return sec, frac, true
	}
	off, ok := parseOffset(rest, true)
	return sec - off, frac, ok
}

// nginxService sets rec.Service from $upstream_response_time (the last
// server tried, the one that answered) or, when that is absent or not a
// number, $request_time.
func nginxService(f *nginxFormat, upstream, request []byte, rec *Record) error {
	if f.upstream {
		last := upstream
		if i := bytes.LastIndexAny(last, ",:"); i >= 0 {
			last = last[i+1:]
		}
		last = bytes.TrimSpace(last)
		if ns, err := parseScaled(last, 9); err == nil && ns >= 0 {
			rec.Service = time.Duration(ns)
			return nil
		}
		if !f.request {
			if len(last) == 0 || string(last) == "-" {
				return fmt.Errorf("$upstream_response_time: %s names no server that answered, and log_format has no $request_time", quote(upstream))
			}
			return fmt.Errorf("$upstream_response_time: %s is not a number of seconds", quote(last))
		}
	}
	ns, err := parseScaled(request, 9)
	switch {
	case err != nil:
		return fmt.Errorf("$request_time: %s is %w", quote(request), err)
	case ns < 0:
		return fmt.Errorf("$request_time: %s is negative", quote(request))
	}
	rec.Service = time.Duration(ns)
	return nil
}
