package accesslog

import (
	"math/rand/v2"
	"net/netip"
	"strings"
	"testing"
	"time"
)

func TestParseScaled(t *testing.T) {
	for _, c := range []struct {
		in    string
		scale int
		want  int64
		err   error
	}{
		{"0.123", 9, 123_000_000, nil},
		{"12.345", 6, 12_345_000, nil},
		{"1796416436.123", 9, 1_796_416_436_123_000_000, nil},
		{"+99627", 6, 99_627_000_000, nil},
		{"-1", 6, -1_000_000, nil},
		{"0", 9, 0, nil},
		{"000.000", 9, 0, nil},
		{".5", 9, 500_000_000, nil},
		{"5.", 9, 5_000_000_000, nil},
		{"1e-3", 9, 1_000_000, nil},
		{"2.5E+2", 0, 250, nil},
		{"0.0000000005", 9, 1, nil},   // half a nanosecond rounds away from zero
		{"-0.0000000005", 9, -1, nil}, // and so does its negative
		{"0.0000000004999", 9, 0, nil},
		{"1.0000000006", 9, 1_000_000_001, nil},
		{"9223372036.854775807", 9, 9_223_372_036_854_775_807, nil},
		{"-9223372036.854775808", 9, -9_223_372_036_854_775_808, nil},
		{"9223372036.854775808", 9, 0, errRange},
		{"1e19", 0, 0, errRange},
		{"1e-400", 9, 0, nil},
		{"0e400", 9, 0, nil},
		{"12345678901234567890123", -14, 123_456_789, nil}, // digits past the 19th count as zeros
		{"", 9, 0, errSyntax},
		{"-", 9, 0, errSyntax},
		{".", 9, 0, errSyntax},
		{"1e", 9, 0, errSyntax},
		{"1e+", 9, 0, errSyntax},
		{"0x10", 9, 0, errSyntax},
		{"1,5", 9, 0, errSyntax},
		{" 1", 9, 0, errSyntax},
		{"NaN", 9, 0, errSyntax},
		{"inf", 9, 0, errSyntax},
	} {
		got, err := parseScaled([]byte(c.in), c.scale)
		if got != c.want || (err == nil) != (c.err == nil) || (err != nil && err != c.err) {
			t.Errorf("parseScaled(%q, %d) = %d, %v, want %d, %v", c.in, c.scale, got, err, c.want, c.err)
		}
	}
}

// Dates computed by hand agree with package time over a wide range.
func TestCivilUnix(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		want := time.Unix(rng.Int64N(1<<36)-1<<35, 0).UTC()
		c := civil{want.Year(), int(want.Month()), want.Day(), want.Hour(), want.Minute(), want.Second()}
		if got, ok := c.unix(); !ok || got != want.Unix() {
			t.Fatalf("%+v: got %d %v, want %d", c, got, ok, want.Unix())
		}
	}
	for _, c := range []civil{
		{2026, 2, 29, 0, 0, 0}, {2100, 2, 29, 0, 0, 0}, {2026, 4, 31, 0, 0, 0}, {2026, 13, 1, 0, 0, 0},
		{2026, 0, 1, 0, 0, 0}, {2026, 1, 0, 0, 0, 0}, {2026, 1, 1, 24, 0, 0}, {2026, 1, 1, 0, 60, 0}, {2026, 1, 1, 0, 0, 60},
	} {
		if _, ok := c.unix(); ok {
			t.Errorf("%+v accepted", c)
		}
	}
	if _, ok := (civil{2000, 2, 29, 23, 59, 59}).unix(); !ok {
		t.Error("29 February 2000 refused")
	}
}

func TestTimeFormats(t *testing.T) {
	var c secondCache
	for _, tc := range []struct {
		in   string
		want time.Time
		ok   bool
	}{
		{"2026-12-04T20:33:56Z", time.Date(2026, 12, 4, 20, 33, 56, 0, time.UTC), true},
		{"2026-12-04T20:33:56.5+01:00", time.Date(2026, 12, 4, 19, 33, 56, 5e8, time.UTC), true},
		{"2026-12-04T20:33:56.123456789-02:30", time.Date(2026, 12, 4, 23, 3, 56, 123456789, time.UTC), true},
		{"2026-12-04t20:33:56.1234567891z", time.Date(2026, 12, 4, 20, 33, 56, 123456789, time.UTC), true},
		{"2026-12-04T20:33:56", time.Time{}, false},
		{"2026-12-04T20:33:56.Z", time.Time{}, false},
		{"2026-12-04T20:33:56+0100", time.Time{}, false},
		{"2026-12-04T20:33:56+24:00", time.Time{}, false},
		{"2026-12-04T20:33:56ZZ", time.Time{}, false},
	} {
		sec, frac, ok := c.rfc3339([]byte(tc.in))
		if ok != tc.ok || (ok && time.Unix(sec, frac).UnixNano() != tc.want.UnixNano()) {
			t.Errorf("rfc3339(%q) = %v, %v, want %v, %v", tc.in, time.Unix(sec, frac).UTC(), ok, tc.want, tc.ok)
		}
	}
	for _, tc := range []struct {
		in   string
		want time.Time
		ok   bool
	}{
		{"04/Dec/2026:20:33:56 +0000", time.Date(2026, 12, 4, 20, 33, 56, 0, time.UTC), true},
		{"01/Jan/1970:00:00:00 -0000", time.Unix(0, 0), true},
		{"04/Dec/2026:20:33:56 +00:00", time.Time{}, false},
		{"4/Dec/2026:20:33:56 +0000 ", time.Time{}, false},
		{"04/dec/2026:20:33:56 +0000", time.Time{}, false},
		{"04-Dec-2026:20:33:56 +0000", time.Time{}, false},
	} {
		sec, ok := parseTimeLocal([]byte(tc.in))
		if ok != tc.ok || (ok && sec != tc.want.Unix()) {
			t.Errorf("parseTimeLocal(%q) = %v, %v, want %v, %v", tc.in, time.Unix(sec, 0).UTC(), ok, tc.want, tc.ok)
		}
	}
}

func TestParseAddr(t *testing.T) {
	for _, s := range []string{
		"0.0.0.0", "192.0.2.1", "255.255.255.255", "::", "::1", "1::", "2001:db8::1", "2001:DB8:0:0:1:0:0:1",
		"1:2:3:4:5:6:7:8", "::ffff:192.0.2.1", "::192.0.2.1", "1:2:3:4:5:6:1.2.3.4", "fe80::1%eth0",
		"", "1.2.3", "1.2.3.4.5", "01.2.3.4", "256.1.1.1", "1..2.3", "1.2.3.4 ", ":", ":::", "1:2:3:4:5:6:7:8:9",
		"1:2:3:4:5:6:7::8", "1::2::3", "12345::", "::ffff:1.2.3", "1:2:3:4:5:6:7:1.2.3.4", "g::", "1:", ":1",
	} {
		want, err := netip.ParseAddr(s)
		got, ok := parseAddr([]byte(s))
		if ok != (err == nil) || (ok && got != want.Unmap()) {
			t.Errorf("parseAddr(%q) = %v, %v; netip says %v, %v", s, got, ok, want.Unmap(), err)
		}
	}
}

func FuzzParseAddr(f *testing.F) {
	for _, s := range []string{"192.0.2.1", "2001:db8::1", "::ffff:1.2.3.4", "1:2:3:4:5:6:7:8", "::", "fe80::1%eth0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, err := netip.ParseAddr(s)
		got, ok := parseAddr([]byte(s))
		if ok != (err == nil) || (ok && got != want.Unmap()) {
			t.Errorf("parseAddr(%q) = %v, %v; netip says %v, %v", s, got, ok, want.Unmap(), err)
		}
	})
}

func TestRequestTarget(t *testing.T) {
	var scratch []byte
	for _, c := range []struct{ in, want string }{
		{"GET /a/b?x=1 HTTP/1.1", "/a/b?x=1"},
		{"GET /a", "/a"},
		{"OPTIONS * HTTP/1.1", "*"},
		{"CONNECT example.com:443 HTTP/1.1", "example.com:443"},
		{"GET http://example.com/a?b HTTP/1.1", "/a?b"},
		{"GET HTTPS://example.com:8443 HTTP/1.1", "/"},
		{"GET http://example.com?b=1 HTTP/1.1", "/?b=1"},
		{"GET http://example.com#frag HTTP/1.1", "/"},
		{"GET 1http://x/y HTTP/1.1", "1http://x/y"},
		{"GET", nilText},
		{"GET  HTTP/1.1", nilText},
		{"-", nilText},
		{"", nilText},
	} {
		if got := text(requestTarget([]byte(c.in), &scratch)); got != c.want {
			t.Errorf("requestTarget(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestQuoteCuts(t *testing.T) {
	if got := quote([]byte(strings.Repeat("a", 100))); got != `"`+strings.Repeat("a", 64)+`"...` {
		t.Errorf("quote = %s", got)
	}
}
