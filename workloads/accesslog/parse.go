package accesslog

import (
	"bytes"
	"errors"
	"net/netip"
	"strconv"
)

// The errors of parseScaled, worded to follow "field: "text" is".
var (
	errSyntax = errors.New("not a number")
	errRange  = errors.New("out of range")
)

// pow10 holds the powers of ten that fit in a uint64.
var pow10 = [20]uint64{
	1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9,
	1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19,
}

// parseScaled parses a decimal number (an optional sign, digits with an
// optional fraction, an optional exponent) and returns it times 10^scale,
// rounded to the nearest integer, halves away from zero. The error is
// errSyntax when b is not such a number, errRange when the result does
// not fit in an int64.
//
// Log timers are decimal text ("0.123" seconds, "12.345" ms): parsing them
// in integers gives the exact nanosecond count, where a float64 could be one
// nanosecond off, and costs no allocation. The first 19 significant digits
// count; later ones are dropped.
func parseScaled(b []byte, scale int) (int64, error) {
	i := 0
	neg := false
	if i < len(b) && (b[i] == '+' || b[i] == '-') {
		neg = b[i] == '-'
		i++
	}
	var mant uint64
	exp, sig := 0, 0 // mant's decimal exponent; its significant digits
	digits := false
	for ; i < len(b) && isDigit(b[i]); i++ {
		digits = true
		if sig < 19 {
			mant = mant*10 + uint64(b[i]-'0')
			if mant != 0 {
				sig++
			}
		} else {
			exp++
		}
	}
	if i < len(b) && b[i] == '.' {
		for i++; i < len(b) && isDigit(b[i]); i++ {
			digits = true
			if sig < 19 {
				mant = mant*10 + uint64(b[i]-'0')
				exp--
				if mant != 0 {
					sig++
				}
			}
		}
	}
	if !digits {
		return 0, errSyntax
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		eneg := false
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			eneg = b[i] == '-'
			i++
		}
		if i == len(b) {
			return 0, errSyntax
		}
		e := 0
		for ; i < len(b) && isDigit(b[i]); i++ {
			if e < 10000 {
				e = e*10 + int(b[i]-'0')
			}
		}
		if eneg {
			e = -e
		}
		exp += e
	}
	if i != len(b) {
		return 0, errSyntax
	}
	exp += scale
	var u uint64
	switch {
	case mant == 0:
	case exp >= 0:
		if exp > 19 || mant > (1<<63)/pow10[exp] {
			return 0, errRange
		}
		u = mant * pow10[exp]
	case exp >= -19:
		p := pow10[-exp]
		u = mant / p
		if r := mant % p; r >= p-r {
			u++
		}
	}
	if u > 1<<63 || (u == 1<<63 && !neg) {
		return 0, errRange
	}
	if neg {
		return -int64(u), nil
	}
	return int64(u), nil
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// atoi2 parses exactly two digits; atoi4 exactly four.
func atoi2(b []byte) (int, bool) {
	if !isDigit(b[0]) || !isDigit(b[1]) {
		return 0, false
	}
	return int(b[0]-'0')*10 + int(b[1]-'0'), true
}

func atoi4(b []byte) (int, bool) {
	hi, ok1 := atoi2(b)
	lo, ok2 := atoi2(b[2:])
	return hi*100 + lo, ok1 && ok2
}

// months maps nginx's and HAProxy's English month abbreviations.
var months = [12]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}

func month(b []byte) (int, bool) {
	for i, m := range months {
		if string(b) == m {
			return i + 1, true
		}
	}
	return 0, false
}

// civil is a calendar date and time of day, before any zone offset.
type civil struct{ year, month, day, hour, min, sec int }

// unix returns the seconds since the Unix epoch of c taken as UTC, and
// false when a field is out of range. Days are counted by hand (Howard
// Hinnant's days-from-civil) to keep time.Date and its zone lookup off a
// path taken once per log line.
func (c civil) unix() (int64, bool) {
	if c.month < 1 || c.month > 12 || c.day < 1 || c.day > daysIn(c.year, c.month) ||
		c.hour > 23 || c.min > 59 || c.sec > 59 {
		return 0, false
	}
	y, m := int64(c.year), int64(c.month)
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era--
	}
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + int64(c.day) - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	days := era*146097 + doe - 719468
	return days*86400 + int64(c.hour)*3600 + int64(c.min)*60 + int64(c.sec), true
}

func daysIn(year, month int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// The seconds of an int64 count of nanoseconds: years 1678 to 2262.
const (
	minSec = -(1 << 63) / 1_000_000_000
	maxSec = (1<<63 - 1) / 1_000_000_000
)

// nanos returns sec seconds plus frac nanoseconds as nanoseconds, false
// when that does not fit in an int64.
func nanos(sec, frac int64) (int64, bool) {
	if sec <= minSec || sec >= maxSec {
		return 0, false
	}
	return sec*1e9 + frac, true
}

// secondCache remembers the last date-and-time text parsed and its value:
// log lines come in time order, many in the same second.
type secondCache struct {
	key [32]byte
	n   int
	sec int64
}

func (c *secondCache) get(b []byte) (int64, bool) {
	return c.sec, c.n > 0 && c.n == len(b) && string(c.key[:c.n]) == string(b)
}

func (c *secondCache) put(b []byte, sec int64) {
	c.n = copy(c.key[:], b)
	if c.n != len(b) {
		c.n = 0
	}
	c.sec = sec
}

// parseCLFSecond parses "04/Dec/2026:20:33:56", the common log format's
// date and time without a zone, as nginx's $time_local and HAProxy's dates
// write them.
func parseCLFSecond(b []byte) (civil, bool) {
	var c civil
	if len(b) != 20 || b[2] != '/' || b[6] != '/' || b[11] != ':' || b[14] != ':' || b[17] != ':' {
		return c, false
	}
	var ok [5]bool
	c.day, ok[0] = atoi2(b)
	c.month, ok[1] = month(b[3:6])
	c.year, ok[2] = atoi4(b[7:])
	c.hour, ok[3] = atoi2(b[12:])
	c.min, ok[4] = atoi2(b[15:])
	s, oks := atoi2(b[18:])
	c.sec = s
	return c, ok == [5]bool{true, true, true, true, true} && oks
}

// parseISOSecond parses "2026-12-04T20:33:56" (RFC 3339 without the
// fraction and zone).
func parseISOSecond(b []byte) (civil, bool) {
	var c civil
	if len(b) != 19 || b[4] != '-' || b[7] != '-' || (b[10] != 'T' && b[10] != 't') || b[13] != ':' || b[16] != ':' {
		return c, false
	}
	var ok [6]bool
	c.year, ok[0] = atoi4(b)
	c.month, ok[1] = atoi2(b[5:])
	c.day, ok[2] = atoi2(b[8:])
	c.hour, ok[3] = atoi2(b[11:])
	c.min, ok[4] = atoi2(b[14:])
	c.sec, ok[5] = atoi2(b[17:])
	return c, ok == [6]bool{true, true, true, true, true, true}
}

// parseOffset parses a zone offset, "+0100" (colon false) or "+01:00"
// (colon true), into seconds east of UTC.
func parseOffset(b []byte, colon bool) (int64, bool) {
	want := 5
	if colon {
		want = 6
	}
	if len(b) != want || (b[0] != '+' && b[0] != '-') {
		return 0, false
	}
	h, ok1 := atoi2(b[1:])
	mb := b[3:]
	if colon {
		if b[3] != ':' {
			return 0, false
		}
		mb = b[4:]
	}
	m, ok2 := atoi2(mb)
	if !ok1 || !ok2 || h > 23 || m > 59 {
		return 0, false
	}
	off := int64(h*3600 + m*60)
	if b[0] == '-' {
		off = -off
	}
	return off, true
}

// parseFraction parses the digits after a decimal point into nanoseconds;
// digits past the ninth are dropped.
func parseFraction(b []byte) (int64, bool) {
	if len(b) == 0 {
		return 0, false
	}
	var ns int64
	for i, c := range b {
		if !isDigit(c) {
			return 0, false
		}
		if i < 9 {
			ns = ns*10 + int64(c-'0')
		}
	}
	for n := len(b); n < 9; n++ {
		ns *= 10
	}
	return ns, true
}

// parseAddr parses an IPv4 or IPv6 address without allocating (IPv6 with
// a zone excepted); an IPv4-mapped IPv6 address is returned as IPv4, the
// client it stands for.
func parseAddr(b []byte) (netip.Addr, bool) {
	if bytes.IndexByte(b, ':') < 0 {
		ip, ok := parseIPv4(b)
		return netip.AddrFrom4(ip), ok
	}
	if bytes.IndexByte(b, '%') >= 0 {
		a, err := netip.ParseAddr(string(b))
		return a.Unmap(), err == nil
	}
	a, ok := parseIPv6(b)
	return a.Unmap(), ok
}

// parseIPv4 parses dotted decimal with no leading zeros, as
// netip.ParseAddr does.
func parseIPv4(b []byte) (ip [4]byte, ok bool) {
	field, n, digits := 0, 0, 0
	for i := 0; i <= len(b); i++ {
		if i == len(b) || b[i] == '.' {
			if digits == 0 || field > 3 {
				return ip, false
			}
			ip[field] = byte(n)
			field++
			n, digits = 0, 0
			continue
		}
		c := b[i]
		if !isDigit(c) || (digits == 1 && n == 0) {
			return ip, false
		}
		n = n*10 + int(c-'0')
		digits++
		if n > 255 {
			return ip, false
		}
	}
	return ip, field == 4
}

// parseIPv6 parses an IPv6 address without a zone: hex groups, one "::"
// standing for at least one zero group, an optional dotted IPv4 tail.
func parseIPv6(b []byte) (netip.Addr, bool) {
	var ip [16]byte
	ellipsis := -1 // byte index of "::"
	if len(b) >= 2 && b[0] == ':' && b[1] == ':' {
		ellipsis = 0
		b = b[2:]
	}
	i := 0
	for i < 16 && len(b) > 0 {
		n, off := 0, 0
		for off < len(b) {
			v := unhex(b[off])
			if v < 0 {
				break
			}
			if off == 4 {
				return netip.Addr{}, false
			}
			n = n<<4 | v
			off++
		}
		if off == 0 {
			return netip.Addr{}, false
		}
		if off < len(b) && b[off] == '.' {
			if (ellipsis < 0 && i != 12) || i > 12 {
				return netip.Addr{}, false
			}
			v4, ok := parseIPv4(b)
			if !ok {
				return netip.Addr{}, false
			}
			copy(ip[i:], v4[:])
			i += 4
			b = nil
			break
		}
		ip[i], ip[i+1] = byte(n>>8), byte(n)
		i += 2
		b = b[off:]
		if len(b) == 0 {
			break
		}
		if b[0] != ':' || len(b) == 1 {
			return netip.Addr{}, false
		}
		b = b[1:]
		if b[0] == ':' {
			if ellipsis >= 0 {
				return netip.Addr{}, false
			}
			ellipsis = i
			b = b[1:]
		}
	}
	if len(b) != 0 {
		return netip.Addr{}, false
	}
	if i < 16 {
		if ellipsis < 0 {
			return netip.Addr{}, false
		}
		n := 16 - i
		copy(ip[ellipsis+n:], ip[ellipsis:i])
		clear(ip[ellipsis : ellipsis+n])
	} else if ellipsis >= 0 {
		return netip.Addr{}, false
	}
	return netip.AddrFrom16(ip), true
}

func unhex(c byte) int {
	switch {
	case '0' <= c && c <= '9':
		return int(c - '0')
	case 'a' <= c && c <= 'f':
		return int(c-'a') + 10
	case 'A' <= c && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

// requestTarget returns the target of an HTTP request line ("GET /a?b=1
// HTTP/1.1" gives "/a?b=1"), the path and query of an absolute-form
// target, or nil when the line has no target (an empty or garbled
// request). scratch holds a target that had to be rebuilt.
func requestTarget(req []byte, scratch *[]byte) []byte {
	sp := bytes.IndexByte(req, ' ')
	if sp < 0 {
		return nil
	}
	t := req[sp+1:]
	if sp := bytes.IndexByte(t, ' '); sp >= 0 {
		t = t[:sp]
	}
	if len(t) == 0 {
		return nil
	}
	return originForm(t, scratch)
}

// originForm turns an absolute-form target ("http://host/a?b") into the
// path and query a server sees ("/a?b"); other forms are returned as they
// are.
func originForm(t []byte, scratch *[]byte) []byte {
	if len(t) == 0 || t[0] == '/' {
		return t
	}
	i := bytes.Index(t, []byte("://"))
	if i <= 0 || !isScheme(t[:i]) {
		return t
	}
	rest := t[i+3:]
	j := bytes.IndexAny(rest, "/?#")
	switch {
	case j < 0 || rest[j] == '#':
		return []byte("/")
	case rest[j] == '/':
		return rest[j:]
	}
	*scratch = append(append((*scratch)[:0], '/'), rest[j:]...)
	return *scratch
}

func isScheme(b []byte) bool {
	for i, c := range b {
		letter := 'a' <= c|0x20 && c|0x20 <= 'z'
		if !letter && (i == 0 || !(isDigit(c) || c == '+' || c == '-' || c == '.')) {
			return false
		}
	}
	return true
}

// quote quotes a field's text for an error message, cut to a readable
// length.
func quote(b []byte) string {
	const max = 64
	if len(b) > max {
		return strconv.Quote(string(b[:max])) + "..."
	}
	return strconv.Quote(string(b))
}

// isBlank reports whether a line holds only spaces and tabs.
func isBlank(b []byte) bool {
	for _, c := range b {
		if c != ' ' && c != '\t' {
			return false
		}
	}
	return true
}
