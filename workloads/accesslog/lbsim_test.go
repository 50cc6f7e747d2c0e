package accesslog

import (
	"bytes"
	"context"
	"log/slog"
	"net/netip"
	"strings"
	"testing"
	"time"
)

// slogLine writes one access record the way lbsim's proxy does: through
// log/slog's JSON handler, with latency_ms in microseconds over 1000.
func slogLine(t *testing.T, at time.Time, msg string, attrs ...slog.Attr) string {
	t.Helper()
	var b bytes.Buffer
	r := slog.NewRecord(at, slog.LevelInfo, msg, 0)
	r.AddAttrs(attrs...)
	if err := slog.NewJSONHandler(&b, nil).Handle(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	return strings.TrimSuffix(b.String(), "\n")
}

func request(client, path string, latency time.Duration) []slog.Attr {
	return []slog.Attr{
		slog.String("client", client), slog.String("method", "GET"), slog.String("host", "example.com"),
		slog.String("path", path), slog.Int("status", 200), slog.Int64("bytes", 5120),
		slog.String("backend", "app-3"), slog.Int("attempts", 1),
		slog.Float64("latency_ms", float64(latency.Microseconds())/1000),
	}
}

func TestLBSim(t *testing.T) {
	at := time.Date(2026, 12, 4, 20, 33, 56, 123456789, time.UTC)
	paris := time.FixedZone("CET", 3600)
	connection := []slog.Attr{
		slog.String("client", "192.0.2.9"), slog.String("backend", "db-1"), slog.Int("attempts", 1),
		slog.Int64("bytes_in", 10), slog.Int64("bytes", 20), slog.Float64("latency_ms", 1500.25),
		slog.String("error", "EOF"),
	}
	runCases(t, Options{Format: LBSim}, true, []lineCase{
		{name: "request", at: at, client: "10.0.0.17", target: "/api/v1/items/12345", service: 12345 * time.Microsecond, class: nilText,
			line: slogLine(t, at, "request", request("10.0.0.17", "/api/v1/items/12345", 12345*time.Microsecond)...)},
		{name: "one microsecond", at: at, client: "10.0.0.17", target: "/", service: time.Microsecond, class: nilText,
			line: slogLine(t, at, "request", request("10.0.0.17", "/", time.Microsecond)...)},
		{name: "minutes", at: at, client: "10.0.0.17", target: "/", service: 1234567890 * time.Microsecond, class: nilText,
			line: slogLine(t, at, "request", request("10.0.0.17", "/", 1234567890*time.Microsecond)...)},
		{name: "zone offset and whole second", at: at.Truncate(time.Second), client: "2001:db8::1", target: "/", service: 0, class: nilText,
			line: slogLine(t, at.Truncate(time.Second).In(paris), "request", request("2001:db8::1", "/", 0)...)},
		{name: "escaped path", at: at, client: "10.0.0.17", target: `/a"b\c<d>é`, service: time.Millisecond, class: nilText,
			line: slogLine(t, at, "request", request("10.0.0.17", `/a"b\c<d>é`, time.Millisecond)...)},
		{name: "tcp connection", at: at, client: "192.0.2.9", target: nilText, service: 1500250 * time.Microsecond, class: nilText,
			line: slogLine(t, at, "connection", connection...)},
		{name: "fields in any order, unknown ones skipped", at: at, client: "", target: "/x", service: 2 * time.Millisecond, class: nilText,
			line: `{"latency_ms":2,"extra":{"a":[1,"}",{"b":null}]},"path":"/x","time":"2026-12-04T20:33:56.123456789Z"}`},
		{name: "escaped name", at: at, client: "", target: nilText, service: 2 * time.Millisecond, class: nilText,
			line: `{"lat\u0065ncy_ms":2e0,"time":"2026-12-04T20:33:56.123456789Z"}`},
		{name: "last of a repeated name", at: at, client: "", target: nilText, service: 3 * time.Millisecond, class: nilText,
			line: `{"latency_ms":2,"time":"2026-12-04T20:33:56.123456789Z","latency_ms":3}`},
		{name: "no time", err: "no time field", line: `{"latency_ms":2}`},
		{name: "no latency", err: "no latency_ms field", line: `{"time":"2026-12-04T20:33:56Z","path":"/"}`},
		{name: "time not a string", err: "time: \"1796416436\" is not a string", line: `{"time":1796416436,"latency_ms":2}`},
		{name: "bad time", err: `time: "2026-12-04 20:33:56Z" is not an RFC 3339 time`, line: `{"time":"2026-12-04 20:33:56Z","latency_ms":2}`},
		{name: "latency as a string", err: `latency_ms: "\"2\"" is not a number`, line: `{"time":"2026-12-04T20:33:56Z","latency_ms":"2"}`},
		{name: "negative latency", err: `latency_ms: "-2" is negative`, line: `{"time":"2026-12-04T20:33:56Z","latency_ms":-2}`},
		{name: "bad client", err: `client: "10.0.0" is not an IP address`, line: `{"time":"2026-12-04T20:33:56Z","latency_ms":2,"client":"10.0.0"}`},
		{name: "cut short", err: "not valid JSON", line: `{"time":"2026-12-04T20:33:56Z","latency_ms":2`},
		{name: "quote inside a string", err: "not valid JSON", line: `{"time":"2026-12-04T20:33:56Z","path":"/a"b","latency_ms":2}`},
		{name: "text after", err: "text after the JSON object", line: `{"time":"2026-12-04T20:33:56Z","latency_ms":2} x`},
		{name: "array", err: "not a JSON object", line: `[1,2]`},
	})
}

// The fields the proxy writes are the ones read: a record written by
// slog reads back whatever the values.
func TestLBSimRoundTrip(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	var in strings.Builder
	for i := range 200 {
		lat := time.Duration(i*i*7919) * time.Microsecond
		addr := netip.AddrFrom4([4]byte{10, byte(i), 0, 1})
		in.WriteString(slogLine(t, at.Add(time.Duration(i)*time.Nanosecond*7777), "request", request(addr.String(), "/p", lat)...) + "\n")
	}
	r, err := NewReader(strings.NewReader(in.String()), Options{Format: LBSim})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 200 {
		var rec Record
		if err := r.Next(&rec); err != nil {
			t.Fatal(err)
		}
		if want := time.Duration(i*i*7919) * time.Microsecond; rec.Service != want {
			t.Errorf("line %d: service %v, want %v", i+1, rec.Service, want)
		}
		if want := at.Add(time.Duration(i) * time.Nanosecond * 7777).UnixNano(); rec.Time != want {
			t.Errorf("line %d: time %d, want %d", i+1, rec.Time, want)
		}
		if want := netip.AddrFrom4([4]byte{10, byte(i), 0, 1}); rec.Client != want {
			t.Errorf("line %d: client %v, want %v", i+1, rec.Client, want)
		}
	}
}
