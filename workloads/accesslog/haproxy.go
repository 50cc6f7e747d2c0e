package accesslog

import (
	"bytes"
	"errors"
	"fmt"
	"net/netip"
	"time"
)

// haproxyFields names, for messages, the space-separated fields of
// "option httplog" between the date and the captures.
var haproxyFields = [...]string{
	"frontend", "backend/server", "timers", "status", "bytes",
	"request cookie", "response cookie", "termination state",
	"connection counts", "queues",
}

const (
	hTimers = 2
	hStatus = 3
)

// parseHAProxy reads one line of HAProxy's HTTP log format (option
// httplog), with or without a syslog prefix:
//
//	10.0.1.2:33317 [06/Feb/2009:12:14:14.655] http-in static/srv1 10/0/30/69/109 200 2750 - - ---- 1/1/1/1/0 0/0 {1wt.eu} {} "GET /index.html HTTP/1.1"
func (r *Reader) parseHAProxy(line []byte, rec *Record) error {
	client, rest, ok := haproxyClient(line)
	if !ok {
		// A syslog prefix ("Feb  6 12:14:14 localhost haproxy[14389]: ")
		// ends at the first "]: ".
		i := bytes.Index(line, []byte("]: "))
		if i < 0 {
			return fmt.Errorf("client: %s is not ip:port followed by the date in brackets", quote(firstField(line)))
		}
		line = line[i+3:]
		if client, rest, ok = haproxyClient(line); !ok {
			return fmt.Errorf("client: %s is not ip:port followed by the date in brackets", quote(firstField(line)))
		}
	}
	rec.Client = client

	end := bytes.IndexByte(rest, ']')
	if end < 0 {
		return fmt.Errorf("date: %s has no closing ']'", quote(rest))
	}
	if err := r.haproxyDate(rest[:end], rec); err != nil {
		return err
	}
	rec.Resolution = time.Millisecond

	p := rest[end+1:]
	var fields [len(haproxyFields)][]byte
	for i := range fields {
		p = bytes.TrimLeft(p, " ")
		n := bytes.IndexByte(p, ' ')
		if n < 0 {
			n = len(p)
		}
		if n == 0 {
			return fmt.Errorf("%s: missing, the line ends early", haproxyFields[i])
		}
		fields[i], p = p[:n], p[n:]
		if i == hTimers {
			// Checked at once: a line of another format fails here.
			if err := haproxyService(fields[i], rec); err != nil {
				return err
			}
		}
	}
	if _, err := parseScaled(fields[hStatus], 0); err != nil {
		return fmt.Errorf("status: %s is %w", quote(fields[hStatus]), err)
	}

	// Captured headers, each in braces, then the quoted request line;
	// HAProxy cuts long lines, so the closing quote may be missing.
	for {
		p = bytes.TrimLeft(p, " ")
		if len(p) == 0 || p[0] != '{' {
			break
		}
		n := bytes.IndexByte(p, '}')
		if n < 0 {
			return fmt.Errorf("captured headers: %s has no closing '}'", quote(p))
		}
		p = p[n+1:]
	}
	if len(p) > 0 && p[0] == '"' {
		req := p[1:]
		if n := bytes.IndexByte(req, '"'); n >= 0 {
			req = req[:n]
		}
		rec.Target = requestTarget(req, &r.scratch)
	}
	return nil
}

// haproxyClient parses "ip:port [" at the start of p (IPv6 is written
// without brackets: "2001:db8::1:33317"; a UNIX socket client as
// "unix:N") and returns the address and what follows the bracket.
func haproxyClient(p []byte) (netip.Addr, []byte, bool) {
	sp := bytes.IndexByte(p, ' ')
	if sp < 0 || !bytes.HasPrefix(p[sp:], []byte(" [")) {
		return netip.Addr{}, nil, false
	}
	tok, rest := p[:sp], p[sp+2:]
	colon := bytes.LastIndexByte(tok, ':')
	if colon < 0 || colon == len(tok)-1 {
		return netip.Addr{}, nil, false
	}
	for _, c := range tok[colon+1:] {
		if !isDigit(c) {
			return netip.Addr{}, nil, false
		}
	}
	host := tok[:colon]
	if string(host) == "unix" {
		return netip.Addr{}, rest, true
	}
	if len(host) > 2 && host[0] == '[' && host[len(host)-1] == ']' {
		host = host[1 : len(host)-1]
	}
	a, ok := parseAddr(host)
	return a, rest, ok
}

func firstField(p []byte) []byte {
	if sp := bytes.IndexByte(p, ' '); sp >= 0 {
		return p[:sp]
	}
	return p
}

// haproxyDate parses "06/Feb/2009:12:14:14.655", the request's arrival.
// HAProxy writes local time without a zone; it is taken as UTC, which
// keeps the gaps between requests.
func (r *Reader) haproxyDate(b []byte, rec *Record) error {
	bad := func() error {
		return fmt.Errorf("date: %s is not a date like 06/Feb/2009:12:14:14.655", quote(b))
	}
	if len(b) < 22 || b[20] != '.' {
		return bad()
	}
	sec, ok := r.seconds.get(b[:20])
	if !ok {
		c, ok := parseCLFSecond(b[:20])
		if !ok {
			return bad()
		}
		if sec, ok = c.unix(); !ok {
			return bad()
		}
		r.seconds.put(b[:20], sec)
	}
	frac, ok := parseFraction(b[21:])
	if !ok {
		return bad()
	}
	if rec.Time, ok = nanos(sec, frac); !ok {
		return fmt.Errorf("date: %s is out of range (years 1678 to 2262)", quote(b))
	}
	return nil
}

// haproxyService sets rec.Service from the timers TR/Tw/Tc/Tr/Ta (Tq/Tw/
// Tc/Tr/Tt before HAProxy 1.9): Tr, the server's response time, or Ta,
// the request's total active time, when the server never answered (Tr is
// -1). "option logasap" prefixes Ta with '+'.
func haproxyService(b []byte, rec *Record) error {
	var t [5]int64
	p := b
	for i := range t {
		n := bytes.IndexByte(p, '/')
		if (n < 0) != (i == len(t)-1) {
			return fmt.Errorf("timers: %s is not TR/Tw/Tc/Tr/Ta (option httplog)", quote(b))
		}
		v := p
		if n >= 0 {
			v, p = p[:n], p[n+1:]
		}
		ms, err := parseScaled(v, 6)
		if err != nil {
			return fmt.Errorf("timers: %s is %w in %s", quote(v), err, quote(b))
		}
		t[i] = ms
	}
	tr, ta := t[3], t[4]
	switch {
	case tr >= 0:
		rec.Service = time.Duration(tr)
	case ta >= 0:
		rec.Service = time.Duration(ta)
	default:
		return errors.New("timers: Tr and Ta are both negative, so the request has no service time")
	}
	return nil
}
