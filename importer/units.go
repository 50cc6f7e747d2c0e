package importer

import (
	"fmt"
	"math"
	"net"
	"strconv"
	"strings"
	"time"
)

// maxTime bounds every time read, well within what a scenario accepts.
const maxTime = 365 * 24 * time.Hour

// nginxTime reads an nginx time: "10s", "1m30s", "1h 30m", "500ms"; a bare
// number is seconds. Units are ms, s, m, h, d, w, M (30 days) and y.
func nginxTime(s string) (time.Duration, error) {
	units := map[string]time.Duration{
		"ms": time.Millisecond, "s": time.Second, "m": time.Minute, "h": time.Hour,
		"d": 24 * time.Hour, "w": 7 * 24 * time.Hour, "M": 30 * 24 * time.Hour, "y": 365 * 24 * time.Hour,
	}
	return parseTime(s, units, time.Second, "an nginx time such as 10s, 1m or 500ms")
}

// haproxyTime reads an HAProxy time: a bare number is milliseconds
// ("inter 2000" is 2 s); units are us, ms, s, m, h and d.
func haproxyTime(s string) (time.Duration, error) {
	units := map[string]time.Duration{
		"us": time.Microsecond, "ms": time.Millisecond, "s": time.Second, "m": time.Minute,
		"h": time.Hour, "d": 24 * time.Hour,
	}
	return parseTime(s, units, time.Millisecond, "an HAProxy time such as 2000 (ms), 2s or 1m")
}

// parseTime reads numbers each followed by a unit, summed; a number alone
// is in bare.
func parseTime(s string, units map[string]time.Duration, bare time.Duration, want string) (time.Duration, error) {
	bad := fmt.Errorf("%q is not %s", s, want)
	text := strings.ReplaceAll(s, " ", "")
	if text == "" {
		return 0, bad
	}
	var total time.Duration
	for text != "" {
		i := 0
		for i < len(text) && text[i] >= '0' && text[i] <= '9' {
			i++
		}
		if i == 0 || i > 12 {
			return 0, bad
		}
		n, _ := strconv.ParseInt(text[:i], 10, 64)
		text = text[i:]
		j := 0
		for j < len(text) && (text[j] < '0' || text[j] > '9') {
			j++
		}
		unit := bare
		if j > 0 {
			u, ok := units[text[:j]]
			if !ok {
				return 0, bad
			}
			unit = u
		} else if total > 0 {
			return 0, bad // "1m30": a bare number only stands alone
		}
		text = text[j:]
		if float64(n)*float64(unit) > float64(maxTime) {
			return 0, fmt.Errorf("%q is longer than a year", s)
		}
		total += time.Duration(n) * unit
		if total > maxTime {
			return 0, fmt.Errorf("%q is longer than a year", s)
		}
	}
	return total, nil
}

// nginxSize reads an nginx size: bytes, or k, m, g (either case).
func nginxSize(s string) (int64, error) {
	mult := int64(1)
	num := s
	if n := len(s); n > 0 {
		switch s[n-1] {
		case 'k', 'K':
			mult, num = 1<<10, s[:n-1]
		case 'm', 'M':
			mult, num = 1<<20, s[:n-1]
		case 'g', 'G':
			mult, num = 1<<30, s[:n-1]
		}
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n < 0 || n > math.MaxInt64/mult {
		return 0, fmt.Errorf("%q is not a size such as 1m, 512k or 1048576", s)
	}
	return n * mult, nil
}

// formatDuration writes d as a Go duration in its largest exact unit:
// "30s", "2m", "1m30s", "500ms".
func formatDuration(d time.Duration) string {
	switch {
	case d == 0:
		return "0s"
	case d%time.Hour == 0:
		return strconv.FormatInt(int64(d/time.Hour), 10) + "h"
	case d%time.Minute == 0:
		return strconv.FormatInt(int64(d/time.Minute), 10) + "m"
	case d%time.Second == 0:
		return strconv.FormatInt(int64(d/time.Second), 10) + "s"
	case d%time.Millisecond == 0:
		return strconv.FormatInt(int64(d/time.Millisecond), 10) + "ms"
	}
	return d.String()
}

// hostPort checks a server's host and port and joins them as lbsim's
// addresses are written ("[::1]:8080" for IPv6). It fails for what an
// address cannot hold: an empty host, a variable, a port that is not one.
func hostPort(host, port string) (string, error) {
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	switch {
	case host == "":
		return "", fmt.Errorf("has no host")
	case net.ParseIP(host) == nil && strings.ContainsFunc(host, func(r rune) bool {
		return !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || r == '.' || r == '-' || r == '_')
	}):
		return "", fmt.Errorf("host %q is not a name or an IP address", host)
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < 1 || n > 65535 {
		return "", fmt.Errorf("port %q is not a number from 1 to 65535", port)
	}
	return net.JoinHostPort(host, port), nil
}

// splitHostPort splits "host:port", "[v6]:port", "host" or "[v6]" and
// reports whether a port was given. A bare IPv6 address ("::1") has no
// port.
func splitHostPort(addr string) (host, port string, hasPort bool) {
	if strings.HasPrefix(addr, "[") {
		end := strings.IndexByte(addr, ']')
		if end < 0 {
			return addr, "", false
		}
		host, rest := addr[1:end], addr[end+1:]
		if p, ok := strings.CutPrefix(rest, ":"); ok {
			return host, p, true
		}
		return host, "", rest != ""
	}
	if strings.Count(addr, ":") > 1 {
		return addr, "", false
	}
	host, port, ok := strings.Cut(addr, ":")
	return host, port, ok
}
