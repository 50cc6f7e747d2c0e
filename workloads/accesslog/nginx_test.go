package accesslog

import (
	"strings"
	"testing"
	"time"
)

func TestNginxDefaultFormat(t *testing.T) {
	at := time.Date(2026, 12, 4, 20, 33, 56, 0, time.UTC)
	runCases(t, Options{Format: Nginx}, true, []lineCase{
		{
			name: "combined", at: at, res: time.Second, client: "203.0.113.7", target: "/a/b?x=1", service: 123 * time.Millisecond, class: nilText,
			line: `203.0.113.7 - alice [04/Dec/2026:20:33:56 +0000] "GET /a/b?x=1 HTTP/1.1" 200 512 "https://example.com/" "curl/8.5.0" 0.123`,
		},
		{
			name: "zone offset east", at: at.Add(-90 * time.Minute), res: time.Second, client: "203.0.113.7", target: "/", service: 0, class: nilText,
			line: `203.0.113.7 - - [04/Dec/2026:20:33:56 +0130] "HEAD / HTTP/1.0" 200 0 "-" "-" 0.000`,
		},
		{
			name: "zone offset west", at: at.Add(5 * time.Hour), res: time.Second, client: "203.0.113.7", target: "/", service: 2500 * time.Millisecond, class: nilText,
			line: `203.0.113.7 - - [04/Dec/2026:20:33:56 -0500] "GET / HTTP/1.1" 200 0 "-" "-" 2.500`,
		},
		{
			name: "ipv6 client", at: at, res: time.Second, client: "2001:db8::7", target: "/x", service: 7 * time.Millisecond, class: nilText,
			line: `2001:db8::7 - - [04/Dec/2026:20:33:56 +0000] "GET /x HTTP/2.0" 200 1 "-" "-" 0.007`,
		},
		{
			name: "ipv4-mapped client", at: at, res: time.Second, client: "192.0.2.1", target: "/x", service: 7 * time.Millisecond, class: nilText,
			line: `::ffff:192.0.2.1 - - [04/Dec/2026:20:33:56 +0000] "GET /x HTTP/1.1" 200 1 "-" "-" 0.007`,
		},
		{
			name: "absolute-form target", at: at, res: time.Second, client: "192.0.2.1", target: "/p/q?r=1", service: time.Millisecond, class: nilText,
			line: `192.0.2.1 - - [04/Dec/2026:20:33:56 +0000] "GET http://example.com:8080/p/q?r=1 HTTP/1.1" 200 1 "-" "-" 0.001`,
		},
		{
			name: "absolute-form without path", at: at, res: time.Second, client: "192.0.2.1", target: "/", service: time.Millisecond, class: nilText,
			line: `192.0.2.1 - - [04/Dec/2026:20:33:56 +0000] "GET https://example.com HTTP/1.1" 200 1 "-" "-" 0.001`,
		},
		{
			name: "absolute-form with query only", at: at, res: time.Second, client: "192.0.2.1", target: "/?q=1", service: time.Millisecond, class: nilText,
			line: `192.0.2.1 - - [04/Dec/2026:20:33:56 +0000] "GET http://example.com?q=1 HTTP/1.1" 200 1 "-" "-" 0.001`,
		},
		{
			name: "garbled request has no target", at: at, res: time.Second, client: "192.0.2.1", target: nilText, service: 0, class: nilText,
			line: `192.0.2.1 - - [04/Dec/2026:20:33:56 +0000] "\x16\x03\x01\x00\xF4\x01\x00\x00" 400 157 "-" "-" 0.000`,
		},
		{
			name: "empty request", at: at, res: time.Second, client: "192.0.2.1", target: nilText, service: 0, class: nilText,
			line: `192.0.2.1 - - [04/Dec/2026:20:33:56 +0000] "" 400 0 "-" "-" 0.000`,
		},
		{
			name: "escaped quote in user agent", at: at, res: time.Second, client: "192.0.2.1", target: "/", service: 10 * time.Millisecond, class: nilText,
			line: `192.0.2.1 - - [04/Dec/2026:20:33:56 +0000] "GET / HTTP/1.1" 200 0 "-" "evil\x22 agent" 0.010`,
		},
		{
			name: "leap day", at: time.Date(2028, 2, 29, 23, 59, 59, 0, time.UTC), res: time.Second, client: "192.0.2.1", target: "/", service: 0, class: nilText,
			line: `192.0.2.1 - - [29/Feb/2028:23:59:59 +0000] "GET / HTTP/1.1" 200 0 "-" "-" 0.000`,
		},
		{name: "bad time", err: `$time_local: "31/Feb/2026:20:33:56 +0000" is not a time`,
			line: `192.0.2.1 - - [31/Feb/2026:20:33:56 +0000] "GET / HTTP/1.1" 200 0 "-" "-" 0.000`},
		{name: "bad month", err: `$time_local: "04/Dek/2026:20:33:56 +0000"`,
			line: `192.0.2.1 - - [04/Dek/2026:20:33:56 +0000] "GET / HTTP/1.1" 200 0 "-" "-" 0.000`},
		{name: "year out of range", err: `$time_local: "04/Dec/2263:20:33:56 +0000" is out of range`,
			line: `192.0.2.1 - - [04/Dec/2263:20:33:56 +0000] "GET / HTTP/1.1" 200 0 "-" "-" 0.000`},
		{name: "bad request_time", err: `$request_time: "abc" is not a number`,
			line: `192.0.2.1 - - [04/Dec/2026:20:33:56 +0000] "GET / HTTP/1.1" 200 0 "-" "-" abc`},
		{name: "negative request_time", err: `$request_time: "-0.001" is negative`,
			line: `192.0.2.1 - - [04/Dec/2026:20:33:56 +0000] "GET / HTTP/1.1" 200 0 "-" "-" -0.001`},
		{name: "bad client", err: `$remote_addr: "192.0.2.300" is not an IP address`,
			line: `192.0.2.300 - - [04/Dec/2026:20:33:56 +0000] "GET / HTTP/1.1" 200 0 "-" "-" 0.000`},
		{name: "missing field", err: `$http_user_agent: no "\" " after it`,
			line: `192.0.2.1 - - [04/Dec/2026:20:33:56 +0000] "GET / HTTP/1.1" 200 0 "-" "-"`},
		{name: "not nginx", err: `$remote_addr: no " - " after it`,
			line: `{"time":"2026-12-04T20:33:56Z"}`},
	})
}

func TestNginxCustomFormats(t *testing.T) {
	at := time.Date(2026, 12, 4, 20, 33, 56, 0, time.UTC)
	const upstream = `$msec $remote_addr "$request" $upstream_response_time $request_time`
	runCases(t, Options{Format: Nginx, LogFormat: upstream}, true, []lineCase{
		{
			name: "msec and one upstream", at: at.Add(123 * time.Millisecond), res: time.Millisecond, client: "192.0.2.1", target: "/u", service: 12 * time.Millisecond, class: nilText,
			line: `1796416436.123 192.0.2.1 "GET /u HTTP/1.1" 0.012 0.015`,
		},
		{
			name: "upstream list takes the last server", at: at.Add(123 * time.Millisecond), res: time.Millisecond, client: "192.0.2.1", target: "/u", service: 100 * time.Millisecond, class: nilText,
			line: `1796416436.123 192.0.2.1 "GET /u HTTP/1.1" 0.012, 0.034 : 0.100 0.150`,
		},
		{
			name: "no upstream falls back to request_time", at: at.Add(123 * time.Millisecond), res: time.Millisecond, client: "192.0.2.1", target: "/u", service: 3 * time.Millisecond, class: nilText,
			line: `1796416436.123 192.0.2.1 "GET /u HTTP/1.1" - 0.003`,
		},
		{
			name: "last upstream absent falls back", at: at.Add(123 * time.Millisecond), res: time.Millisecond, client: "192.0.2.1", target: "/u", service: 3 * time.Millisecond, class: nilText,
			line: `1796416436.123 192.0.2.1 "GET /u HTTP/1.1" 0.012, - 0.003`,
		},
		{name: "bad msec", err: `$msec: "17964x6436.123" is not a number`,
			line: `17964x6436.123 192.0.2.1 "GET /u HTTP/1.1" 0.012 0.015`},
		{name: "bad fallback", err: `$request_time: "x"`,
			line: `1796416436.123 192.0.2.1 "GET /u HTTP/1.1" - x`},
	})

	runCases(t, Options{Format: Nginx, LogFormat: `$time_iso8601 ${remote_addr} $uri $args "$upstream_response_time"`}, true, []lineCase{
		{
			name: "iso time, uri and args", at: at.Add(-time.Hour), res: time.Second, client: "192.0.2.1", target: "/s?a=1&b=2", service: 34 * time.Millisecond, class: nilText,
			line: `2026-12-04T20:33:56+01:00 192.0.2.1 /s a=1&b=2 "0.034"`,
		},
		{
			name: "no args", at: at, res: time.Second, client: "192.0.2.1", target: "/s", service: 34 * time.Millisecond, class: nilText,
			line: `2026-12-04T20:33:56+00:00 192.0.2.1 /s - "0.034"`,
		},
		{
			name: "no client", at: at, res: time.Second, client: "", target: "/s", service: 34 * time.Millisecond, class: nilText,
			line: `2026-12-04T20:33:56+00:00 - /s - "0.034"`,
		},
		{name: "no upstream and no request_time", err: `$upstream_response_time: "-" names no server`,
			line: `2026-12-04T20:33:56+00:00 192.0.2.1 /s - "-"`},
		{name: "bad upstream", err: `$upstream_response_time: "x" is not a number`,
			line: `2026-12-04T20:33:56+00:00 192.0.2.1 /s - "x"`},
		{name: "bad iso time", err: `$time_iso8601: "2026-12-04" is not a time`,
			line: `2026-12-04 20:33:56+00:00 192.0.2.1 /s - "0.034"`},
	})

	// $time_local holds a space, so the text after it is sought past it;
	// $msec wins over $time_local; $request_uri over $request.
	runCases(t, Options{Format: Nginx, LogFormat: `$time_local $msec $request_uri "$request" $request_time`}, true, []lineCase{
		{
			name: "msec preferred", at: at.Add(5 * time.Millisecond), res: time.Millisecond, client: "", target: "/uri?x", service: 0, class: nilText,
			line: `04/Dec/2026:21:33:56 +0100 1796416436.005 /uri?x "GET /other HTTP/1.1" 0.000`,
		},
	})
	runCases(t, Options{Format: Nginx, LogFormat: `$time_local $remote_addr $request_time`}, true, []lineCase{
		{
			name: "space inside time_local", at: at, res: time.Second, client: "192.0.2.1", target: nilText, service: time.Second, class: nilText,
			line: `04/Dec/2026:21:33:56 +0100 192.0.2.1 1.000`,
		},
	})
}

func TestNginxHeadMismatch(t *testing.T) {
	runCases(t, Options{Format: Nginx, LogFormat: `log: $msec $request_time`}, true, []lineCase{
		{name: "head", line: `1796416436.005 0.001`, err: `does not start with "log: "`},
	})
}

func TestCompileNginx(t *testing.T) {
	for _, c := range []struct {
		format string
		err    string
	}{
		{DefaultNginxFormat, ""},
		{`$msec $request_time`, ""},
		{`$time_iso8601 $upstream_response_time`, ""},
		{`$remote_addr $request_time`, "no timestamp"},
		{`$msec $status`, "no service time"},
		{`$msec ${request_time`, `"${" at byte 7 has no closing "}"`},
		{`$msec ${req-time}`, `"${req-time}" at byte 7 is not a variable name`},
		{`$msec $ $request_time`, `"$" at byte 7 is not followed by a variable name`},
		{`$msec$request_time`, "$msec and $request_time have no text between them"},
		{`$msec $status$bytes_sent $request_time`, ""},
	} {
		_, err := compileNginx(c.format)
		if (err == nil) != (c.err == "") || (err != nil && !strings.Contains(err.Error(), c.err)) {
			t.Errorf("compileNginx(%q) = %v, want error containing %q", c.format, err, c.err)
		}
	}
}

func TestNginxMergesAdjacentIgnoredVariables(t *testing.T) {
	o := Options{Format: Nginx, LogFormat: `$msec $status$bytes_sent $request_time`}
	got := readAll(t, o, strings.NewReader("1796416436.005 200512 0.250\n"))
	if len(got) != 1 || got[0].err != "" {
		t.Fatalf("got %+v, want one record", got)
	}
}
