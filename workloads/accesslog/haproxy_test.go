package accesslog

import (
	"testing"
	"time"
)

func TestHAProxy(t *testing.T) {
	at := time.Date(2009, 2, 6, 12, 14, 14, 655e6, time.UTC)
	const ms = time.Millisecond
	runCases(t, Options{Format: HAProxy}, false, []lineCase{
		{
			name: "with syslog prefix", at: at, res: ms, client: "10.0.1.2", target: "/index.html", service: 69 * ms, class: nilText,
			line: `Feb  6 12:14:14 localhost haproxy[14389]: 10.0.1.2:33317 [06/Feb/2009:12:14:14.655] http-in static/srv1 10/0/30/69/109 200 2750 - - ---- 1/1/1/1/0 0/0 {1wt.eu} {} "GET /index.html HTTP/1.1"`,
		},
		{
			name: "without prefix nor captures", at: at, res: ms, client: "10.0.1.2", target: "/index.html?q=1", service: 69 * ms, class: nilText,
			line: `10.0.1.2:33317 [06/Feb/2009:12:14:14.655] http-in static/srv1 10/0/30/69/109 200 2750 - - ---- 1/1/1/1/0 0/0 "GET /index.html?q=1 HTTP/1.1"`,
		},
		{
			name: "rfc 5424 style prefix", at: at, res: ms, client: "127.0.0.1", target: "/intake", service: 283 * ms, class: nilText,
			line: `2012-06-12T17:56:11+00:00 localhost haproxy[21732]: 127.0.0.1:40074 [06/Feb/2009:12:14:14.655] dogarchive-frontend dogarchive-backend/i-8bcc18ed:9105 14/0/0/283/575 200 107 - - ---- 232/162/162/5/0 0/0 "POST /intake HTTP/1.1"`,
		},
		{
			name: "ipv6 client", at: at, res: ms, client: "2001:db8::17", target: "/", service: 5 * ms, class: nilText,
			line: `2001:db8::17:40334 [06/Feb/2009:12:14:14.655] fe~ be/s1 0/0/1/5/6 200 10 - - ---- 1/1/1/1/0 0/0 "GET / HTTP/2.0"`,
		},
		{
			name: "bracketed ipv6 client", at: at, res: ms, client: "2001:db8::17", target: "/", service: 5 * ms, class: nilText,
			line: `[2001:db8::17]:40334 [06/Feb/2009:12:14:14.655] fe be/s1 0/0/1/5/6 200 10 - - ---- 1/1/1/1/0 0/0 "GET / HTTP/1.1"`,
		},
		{
			name: "unix socket client", at: at, res: ms, client: "", target: "/", service: 5 * ms, class: nilText,
			line: `unix:1 [06/Feb/2009:12:14:14.655] fe be/s1 0/0/1/5/6 200 10 - - ---- 1/1/1/1/0 0/0 "GET / HTTP/1.1"`,
		},
		{
			name: "server never answered: Ta", at: at, res: ms, client: "10.0.1.2", target: "/slow", service: 4 * ms, class: nilText,
			line: `10.0.1.2:58006 [06/Feb/2009:12:14:14.655] pcweb-front~ pcweb-back/web1 0/0/2/-1/4 -1 0 - - SD-- 19/19/12/1/0 0/0 "GET /slow HTTP/1.1"`,
		},
		{
			name: "logasap", at: at, res: ms, client: "127.0.0.1", target: "/", service: 48082 * ms, class: nilText,
			line: `127.0.0.1:39759 [06/Feb/2009:12:14:14.655] loadbalancer default/instance8 0/51536/1/48082/+99627 200 +83285 - - ---- 87/87/87/1/0 0/67 {77.24.148.74} "GET / HTTP/1.1"`,
		},
		{
			name: "logasap without a response", at: at, res: ms, client: "127.0.0.1", target: "/", service: 99627 * ms, class: nilText,
			line: `127.0.0.1:39759 [06/Feb/2009:12:14:14.655] lb default/i8 0/51536/1/-1/+99627 200 +83285 - - ---- 87/87/87/1/0 0/67 "GET / HTTP/1.1"`,
		},
		{
			name: "request cut short", at: at, res: ms, client: "203.0.113.54", target: "/path/to/req", service: 19 * ms, class: nilText,
			line: `Jul 31 22:20:22 lb haproxy[1190]: 203.0.113.54:59968 [06/Feb/2009:12:14:14.655] lb default/i8 135/0/1/19/156 200 1015 - - --VR 8/8/0/0/0 0/0 "GET /path/to/req`,
		},
		{
			name: "bad request", at: at, res: ms, client: "10.0.1.2", target: nilText, service: 0, class: nilText,
			line: `10.0.1.2:33317 [06/Feb/2009:12:14:14.655] http-in http-in/<NOSRV> -1/-1/-1/-1/0 400 187 - - PR-- 1/1/0/0/0 0/0 "<BADREQ>"`,
		},
		{
			name: "headers with spaces", at: at, res: ms, client: "10.0.1.2", target: "/h", service: 69 * ms, class: nilText,
			line: `10.0.1.2:33317 [06/Feb/2009:12:14:14.655] http-in static/srv1 10/0/30/69/109 200 2750 - - ---- 1/1/1/1/0 0/0 {Mozilla/5.0 (X11)|a b} {} "GET /h HTTP/1.1"`,
		},
		{name: "no response at all", err: "timers: Tr and Ta are both negative",
			line: `10.0.1.2:33317 [06/Feb/2009:12:14:14.655] http-in static/srv1 10/0/-1/-1/-1 503 0 - - SC-- 1/1/1/1/0 0/0 "GET / HTTP/1.1"`},
		{name: "tcplog timers", err: `timers: "0/0/5007" is not TR/Tw/Tc/Tr/Ta`,
			line: `10.0.1.2:33313 [06/Feb/2009:12:12:51.443] fnt bck/srv1 0/0/5007 212 -- 0/0/0/0/3 0/0`},
		{name: "bad timer", err: `timers: "x" is not a number`,
			line: `10.0.1.2:33317 [06/Feb/2009:12:14:14.655] http-in static/srv1 10/0/30/x/109 200 2750 - - ---- 1/1/1/1/0 0/0 "GET / HTTP/1.1"`},
		{name: "bad date", err: `date: "06/Feb/2009:12:14:14" is not a date`,
			line: `10.0.1.2:33317 [06/Feb/2009:12:14:14] http-in static/srv1 10/0/30/69/109 200 2750 - - ---- 1/1/1/1/0 0/0 "GET / HTTP/1.1"`},
		{name: "bad client", err: `client: "10.0.1.256:33317" is not ip:port`,
			line: `10.0.1.256:33317 [06/Feb/2009:12:14:14.655] http-in static/srv1 10/0/30/69/109 200 2750 - - ---- 1/1/1/1/0 0/0 "GET / HTTP/1.1"`},
		{name: "bad status", err: `status: "OK" is not a number`,
			line: `10.0.1.2:33317 [06/Feb/2009:12:14:14.655] http-in static/srv1 10/0/30/69/109 OK 2750 - - ---- 1/1/1/1/0 0/0 "GET / HTTP/1.1"`},
		{name: "cut before the queues", err: "queues: missing",
			line: `10.0.1.2:33317 [06/Feb/2009:12:14:14.655] http-in static/srv1 10/0/30/69/109 200 2750 - - ---- 1/1/1/1/0`},
		{name: "unclosed capture", err: "captured headers:",
			line: `10.0.1.2:33317 [06/Feb/2009:12:14:14.655] http-in static/srv1 10/0/30/69/109 200 2750 - - ---- 1/1/1/1/0 0/0 {abc "GET / HTTP/1.1"`},
	})
}
