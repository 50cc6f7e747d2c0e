package importer_test

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lbsim/lbsim/importer"
	"github.com/lbsim/lbsim/scenarios"
	"github.com/lbsim/lbsim/sim"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// srv is what a loaded scenario must hold for one server.
type srv struct {
	name, address string
	weight        int
	backup        bool
}

// importCase is a real configuration and what the scenario made from it
// must say once the loaders have read it.
type importCase struct {
	file, upstream string
	mode           string
	algorithm      string // the first of the algorithms, as lbsim names it
	servers        []srv
	passive        scenarios.Passive
	retries        scenarios.Retries
	health         *scenarios.HealthCheck // nil: no active checks
	sticky         string
	slowStart      time.Duration
	timeouts       map[string]time.Duration // the timeouts the file sets
	maxBody        int
	keys           bool
	// warnings are substrings of the warnings, in order, one each.
	warnings []string
	// comments are substrings the YAML must hold as comments.
	comments []string
}

var nginxDefaultPassive = []string{"connect", "error", "timeout"}

var importCases = []importCase{
	{
		file: "nginx-weighted.conf", mode: "http", algorithm: "weighted_round_robin",
		servers: []srv{
			{"10.0.0.1:8080", "http://10.0.0.1:8080", 5, false},
			{"10.0.0.2:8080", "http://10.0.0.2:8080", 3, false},
			{"backend.example.com:80", "http://backend.example.com:80", 1, false},
			{"10.0.0.9:8080", "http://10.0.0.9:8080", 1, true},
		},
		passive: scenarios.Passive{MaxFails: 3, FailTimeout: sd(30 * time.Second), On: nginxDefaultPassive},
		retries: scenarios.Retries{Count: 3, On: []string{"connect", "error", "timeout"}},
		warnings: []string{
			"nginx-weighted.conf:19: max_fails=1 fail_timeout=10s here differs",
			"nginx-weighted.conf:20: keepalive 32 is not modelled",
		},
		comments: []string{"# line 20: keepalive 32 is not modelled", "# line 15: zone app 64k", "# imported: nginx's default"},
	},
	{
		file: "nginx-ip-hash.conf", mode: "http", algorithm: "ip_hash",
		servers: []srv{
			{"10.0.2.1:9000", "https://10.0.2.1:9000", 1, false},
			{"10.0.2.2:9000", "https://10.0.2.2:9000", 2, false},
			{"10.0.2.3:9000", "https://10.0.2.3:9000", 1, false},
			{"[2001:db8::10]:9000", "https://[2001:db8::10]:9000", 1, false},
		},
		passive:  scenarios.Passive{MaxFails: 1, FailTimeout: sd(10 * time.Second), On: nginxDefaultPassive},
		retries:  scenarios.Retries{Count: 3, On: []string{"connect", "error", "timeout"}},
		timeouts: map[string]time.Duration{"response": 2 * time.Minute},
		warnings: []string{
			"nginx-ip-hash.conf:7: down is not modelled",
			"nginx-ip-hash.conf:8: server unix:/run/app.sock is not modelled",
			"nginx-ip-hash.conf:9: max_conns=200 is not modelled",
		},
		comments: []string{"  # line 7: down is not modelled", "# line 4: ip_hash: nginx hashes the first three octets"},
	},
	{
		file: "nginx-hash-uri.conf", mode: "http", algorithm: "consistent_hash", keys: true,
		servers: []srv{
			{"10.0.3.1:6081", "http://10.0.3.1:6081", 1, false},
			{"10.0.3.2:6081", "http://10.0.3.2:6081", 1, false},
			{"10.0.3.3:6081", "http://10.0.3.3:6081", 1, false},
		},
		passive: scenarios.Passive{MaxFails: 1, FailTimeout: sd(10 * time.Second), On: nginxDefaultPassive},
		retries: scenarios.Retries{Count: 1, On: []string{"connect", "error", "timeout"}},
		warnings: []string{
			"nginx-hash-uri.conf:8: max_conns=500 is not modelled",
			"nginx-hash-uri.conf:9: max_conns=500 is not modelled",
			"nginx-hash-uri.conf:10: max_conns=500 is not modelled",
			"nginx-hash-uri.conf:11: keepalive 64 is not modelled",
			"nginx-hash-uri.conf:12: keepalive_timeout 60s is not modelled",
		},
		comments: []string{"keys: {count: 100000", "# imported: hash $request_uri consistent (line 7)"},
	},
	{
		file: "nginx-least-conn.conf", upstream: "api", mode: "http", algorithm: "least_connections",
		servers: []srv{
			{"api1.internal:8000", "http://api1.internal:8000", 1, false},
			{"api2.internal:8000", "http://api2.internal:8000", 1, false},
			{"api3.internal:8000", "http://api3.internal:8000", 1, false},
		},
		passive: scenarios.Passive{MaxFails: 2, FailTimeout: sd(20 * time.Second), On: []string{"connect", "error", "timeout", "5xx"}},
		retries: scenarios.Retries{Count: 2, On: []string{"connect", "error", "timeout", "5xx"},
			Timeout: sd(10 * time.Second), NonIdempotent: true},
		timeouts: map[string]time.Duration{"connect": 2 * time.Second, "response": 30 * time.Second},
		maxBody:  10 << 20,
		warnings: []string{"nginx-least-conn.conf:9: slow_start=30s here differs from the other servers'"},
		comments: []string{"lbsim's 5xx retries any status from 500 to 599"},
	},
	{
		file: "nginx-least-conn.conf", upstream: "static", mode: "http", algorithm: "weighted_round_robin",
		servers: []srv{
			{"10.0.4.1:80", "http://10.0.4.1:80", 1, false},
			{"10.0.4.2:80", "http://10.0.4.2:80", 1, false},
		},
		passive:  scenarios.Passive{MaxFails: 1, FailTimeout: sd(10 * time.Second), On: nginxDefaultPassive},
		retries:  scenarios.Retries{Count: 1, On: []string{"connect", "error", "timeout"}},
		timeouts: map[string]time.Duration{"connect": 2 * time.Second},
		maxBody:  10 << 20,
	},
	{
		file: "nginx-stream.conf", mode: "tcp", algorithm: "least_connections",
		servers: []srv{
			{"10.0.5.1:5432", "10.0.5.1:5432", 1, false},
			{"10.0.5.2:5432", "10.0.5.2:5432", 1, false},
			{"10.0.5.3:5432", "10.0.5.3:5432", 1, true},
		},
		passive:  scenarios.Passive{MaxFails: 2, FailTimeout: sd(5 * time.Second), On: nginxDefaultPassive},
		retries:  scenarios.Retries{Count: 1, On: []string{"connect"}},
		timeouts: map[string]time.Duration{"connect": time.Second, "idle": 5 * time.Minute},
		warnings: []string{"nginx-stream.conf:7: max_fails=1 fail_timeout=10s here differs"},
	},
	{
		file: "nginx-plus.conf", mode: "http", algorithm: "power_of_two",
		servers: []srv{
			{"10.0.6.1:8080", "http://10.0.6.1:8080", 1, false},
			{"10.0.6.2:8080", "http://10.0.6.2:8080", 1, false},
			{"10.0.6.3:8080", "http://10.0.6.3:8080", 1, false},
		},
		passive: scenarios.Passive{MaxFails: 1, FailTimeout: sd(10 * time.Second), On: nginxDefaultPassive},
		retries: scenarios.Retries{Count: 2, On: []string{"connect", "error", "timeout"}},
		health: &scenarios.HealthCheck{Path: "/healthz", Interval: sd(5 * time.Second), Timeout: sd(5 * time.Second),
			Fall: 3, Rise: 2},
		sticky:    "srv_id",
		slowStart: 30 * time.Second,
		comments:  []string{"# line 6: cookie attributes expires=1h path=/ are lbsim's own"},
	},
	{
		file: "haproxy-leastconn.cfg", mode: "http", algorithm: "least_connections",
		servers: []srv{
			{"web1", "http://10.0.0.11:8080", 10, false},
			{"web2", "http://10.0.0.12:8080", 10, false},
			{"web3", "http://10.0.0.13:8080", 5, false},
			{"spare", "http://10.0.0.19:8080", 1, true},
		},
		passive: scenarios.Passive{MaxFails: 0, FailTimeout: sd(10 * time.Second), On: nginxDefaultPassive},
		retries: scenarios.Retries{Count: 1, On: []string{"connect"}},
		health: &scenarios.HealthCheck{Path: "/health", Status: 200, Interval: sd(2 * time.Second),
			Timeout: sd(2 * time.Second), Fall: 3, Rise: 2},
		sticky:   "SERVERID",
		timeouts: map[string]time.Duration{"connect": 5 * time.Second, "response": 30 * time.Second},
		warnings: []string{"haproxy-leastconn.cfg:28: maxconn 100 is not modelled"},
		comments: []string{"  # line 28: maxconn 100 is not modelled", "the last retry goes to another server"},
	},
	{
		file: "haproxy-tcp.cfg", mode: "tcp", algorithm: "ip_hash",
		servers: []srv{
			{"db1", "10.0.7.1:3306", 1, false},
			{"db2", "10.0.7.2:3306", 1, false},
			{"db3", "10.0.7.3:3306", 1, false},
		},
		passive: scenarios.Passive{MaxFails: 0, FailTimeout: sd(10 * time.Second), On: nginxDefaultPassive},
		retries: scenarios.Retries{Count: 0, On: []string{"connect", "error"}},
		health: &scenarios.HealthCheck{Path: "/", Interval: sd(2 * time.Second), Timeout: sd(500 * time.Millisecond),
			Fall: 3, Rise: 2},
		timeouts: map[string]time.Duration{"connect": 3 * time.Second, "idle": time.Minute},
		warnings: []string{
			"haproxy-tcp.cfg:11: bind 0.0.0.0:3306 is not modelled",
			"haproxy-tcp.cfg:17: disabled is not modelled",
			"haproxy-tcp.cfg:18: server local /var/run/mysqld/mysqld.sock is not modelled",
		},
		comments: []string{"without option redispatch none goes to another"},
	},
	{
		file: "haproxy-uri.cfg", upstream: "cache", mode: "http", algorithm: "bounded_load(c=1.5)", keys: true,
		servers: []srv{
			{"c1", "http://10.0.8.1:6081", 1, false},
			{"c2", "http://10.0.8.2:6081", 1, false},
			{"c3", "http://10.0.8.3:6081", 2, false},
		},
		passive:  scenarios.Passive{MaxFails: 0, FailTimeout: sd(10 * time.Second), On: nginxDefaultPassive},
		retries:  scenarios.Retries{Count: 1, On: []string{"connect", "error", "timeout", "5xx"}},
		timeouts: map[string]time.Duration{"connect": 2 * time.Second, "response": 20 * time.Second},
		warnings: []string{
			"haproxy-uri.cfg:15: http-reuse safe is not modelled",
			"haproxy-uri.cfg:18: slowstart 20s here differs",
		},
	},
	{
		file: "haproxy-uri.cfg", upstream: "api", mode: "http", algorithm: "weighted_round_robin",
		servers: []srv{
			{"a1", "http://10.0.9.1:8000", 1, false},
			{"a2", "https://10.0.9.2:8000", 1, false},
			{"a3", "http://10.0.9.3:80", 1, false},
		},
		passive: scenarios.Passive{MaxFails: 0, FailTimeout: sd(10 * time.Second), On: nginxDefaultPassive},
		retries: scenarios.Retries{Count: 0, On: []string{"connect", "error"}},
		health: &scenarios.HealthCheck{Path: "/ping", Interval: sd(time.Second), Timeout: sd(time.Second),
			Fall: 3, Rise: 2},
		timeouts: map[string]time.Duration{"connect": 2 * time.Second, "response": 20 * time.Second},
		warnings: []string{
			"haproxy-uri.cfg:23: http-check send hdr is not modelled",
			"haproxy-uri.cfg:23: check method HEAD is not modelled",
			"haproxy-uri.cfg:25: verify none is not modelled",
			"haproxy-uri.cfg:26: server a3 10.0.9.3 has no port",
			"haproxy-uri.cfg:26: inter 2s fall 3 rise 2 here differs",
		},
	},
}

// testdata reads what the configurations in testdata include.
var testdata = importer.FromFS(os.DirFS("testdata"))

func sd(d time.Duration) scenarios.Duration { return scenarios.Duration(d) }

// TestImport imports every configuration in testdata and checks what the
// real loaders read from the result, then that it runs.
func TestImport(t *testing.T) {
	for _, tc := range importCases {
		t.Run(strings.TrimSuffix(tc.file, filepath.Ext(tc.file))+"/"+tc.upstream, func(t *testing.T) {
			path := filepath.Join("testdata", tc.file)
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			res, err := importer.Import(tc.file, data, importer.Options{Upstream: tc.upstream, Files: testdata})
			if err != nil {
				t.Fatal(err)
			}
			golden(t, strings.TrimSuffix(path, filepath.Ext(path))+name(tc.upstream)+".golden", res.YAML)

			sc, err := scenarios.Parse(tc.file, res.YAML)
			if err != nil {
				t.Fatalf("scenarios.Parse: %v\n%s", err, res.YAML)
			}
			checkScenario(t, tc, sc)
			if res.Algorithm != tc.algorithm || sc.Algorithms[0] != tc.algorithm || len(sc.Algorithms) < 3 {
				t.Errorf("algorithms %v (result says %s), want %s first and alternatives", sc.Algorithms, res.Algorithm, tc.algorithm)
			}

			px, err := scenarios.ParseProxy(tc.file, res.YAML)
			if err != nil {
				t.Fatalf("scenarios.ParseProxy: %v\n%s", err, res.YAML)
			}
			checkScenario(t, tc, px)
			// The proxy runs the imported policy from the file alone.
			if px.Algorithm != tc.algorithm || sc.Algorithm != tc.algorithm {
				t.Errorf("the proxy would run %q (the simulator reads %q), want the imported %s", px.Algorithm, sc.Algorithm, tc.algorithm)
			}

			var got []string
			for _, w := range res.Warnings {
				got = append(got, w.String())
			}
			if len(got) != len(tc.warnings) {
				t.Errorf("warnings:\n%s\nwant %d: %q", strings.Join(got, "\n"), len(tc.warnings), tc.warnings)
			} else {
				for i, w := range tc.warnings {
					if !strings.HasPrefix(got[i], w) {
						t.Errorf("warning %d is %q, want it to start %q", i, got[i], w)
					}
					// Every warning is a comment of the scenario too.
					_, msg, _ := strings.Cut(strings.TrimPrefix(got[i], tc.file+":"), ": ")
					if !bytes.Contains(res.YAML, []byte(msg)) {
						t.Errorf("warning %q is not a comment of the scenario", got[i])
					}
				}
			}
			for _, c := range tc.comments {
				if !bytes.Contains(res.YAML, []byte(c)) {
					t.Errorf("the scenario has no comment %q", c)
				}
			}

			sc.Requests = 2000
			for _, alg := range sc.Algorithms {
				r, err := sim.Run(sc, alg)
				if err != nil {
					t.Fatalf("sim.Run %s: %v", alg, err)
				}
				if r.Completed == 0 {
					t.Errorf("%s completed no request", alg)
				}
			}
		})
	}
}

func name(upstream string) string {
	if upstream == "" {
		return ""
	}
	return "-" + upstream
}

// checkScenario compares a loaded scenario with what the case expects.
func checkScenario(t *testing.T, tc importCase, sc *scenarios.Scenario) {
	t.Helper()
	if sc.Mode != tc.mode {
		t.Errorf("mode %s, want %s", sc.Mode, tc.mode)
	}
	var servers []srv
	for _, g := range sc.Servers {
		servers = append(servers, srv{g.Name, g.Address, g.Weight, g.Backup})
	}
	if !slices.Equal(servers, tc.servers) {
		t.Errorf("servers\n%v\nwant\n%v", servers, tc.servers)
	}
	if p := sc.Passive; p.MaxFails != tc.passive.MaxFails || (p.MaxFails > 0 && (p.FailTimeout != tc.passive.FailTimeout || !slices.Equal(p.On, tc.passive.On))) {
		t.Errorf("passive %+v, want %+v", *p, tc.passive)
	}
	if r := sc.Retries; r.Count != tc.retries.Count || !slices.Equal(r.On, tc.retries.On) || r.Timeout != tc.retries.Timeout || r.NonIdempotent != tc.retries.NonIdempotent {
		t.Errorf("retries %+v, want %+v", *r, tc.retries)
	}
	switch {
	case (sc.HealthCheck == nil) != (tc.health == nil):
		t.Errorf("health_check %+v, want %+v", sc.HealthCheck, tc.health)
	case tc.health != nil && *sc.HealthCheck != *tc.health:
		t.Errorf("health_check %+v, want %+v", *sc.HealthCheck, *tc.health)
	}
	sticky := ""
	if sc.Sticky != nil {
		sticky = sc.Sticky.Cookie
	}
	if sticky != tc.sticky {
		t.Errorf("sticky cookie %q, want %q", sticky, tc.sticky)
	}
	if sc.SlowStart.D() != tc.slowStart {
		t.Errorf("slow_start %s, want %s", sc.SlowStart.D(), tc.slowStart)
	}
	want := scenarios.DefaultTimeouts
	for k, v := range tc.timeouts {
		switch k {
		case "connect":
			want.Connect = sd(v)
		case "response":
			want.Response = sd(v)
		case "idle":
			want.Idle = sd(v)
		case "header":
			want.Header = sd(v)
		}
	}
	if *sc.Timeouts != want {
		t.Errorf("timeouts %+v, want %+v", *sc.Timeouts, want)
	}
	if tc.maxBody > 0 && sc.MaxBodyBytes != tc.maxBody {
		t.Errorf("max_body_bytes %d, want %d", sc.MaxBodyBytes, tc.maxBody)
	}
	if (sc.Workload.Keys != nil) != tc.keys {
		t.Errorf("workload keys %+v, want keys: %v", sc.Workload.Keys, tc.keys)
	}
}

// golden compares got with the golden file, or rewrites it with -update.
func golden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./importer/ -update to write it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("output differs from %s (go test ./importer/ -update rewrites it):\n%s", path, got)
	}
}

// TestImportTrace: with an access log the workload replays it, in the
// configuration's format, with nginx's log_format when one is used; the
// scenario loads and runs on the log.
func TestImportTrace(t *testing.T) {
	for _, tc := range []struct {
		file, line, want string
	}{
		{"nginx-weighted.conf", `203.0.113.7 - - [04/Dec/2026:20:33:56 +0000] "GET /a HTTP/1.1" 200 512 "-" 0.120`,
			`trace: {file: LOG, format: nginx, log_format: '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" $request_time'}`},
		{"nginx-hash-uri.conf", `{"time":"2026-12-04T20:33:56+00:00","uri":"/a","status":200,"rt":0.005}`,
			`trace: {file: LOG, format: nginx, log_format: '{"time":"$time_iso8601","uri":"$request_uri","status":$status,"rt":$request_time}'}`},
		{"nginx-plus.conf", `203.0.113.7 - - [04/Dec/2026:20:33:56 +0000] "GET /a HTTP/1.1" 200 512 "-" "curl/8" 0.120`,
			`trace: {file: LOG, format: nginx}`},
		{"haproxy-leastconn.cfg", `Feb  6 12:14:14 localhost haproxy[14389]: 10.0.1.2:33317 [06/Feb/2009:12:14:14.655] www app/web1 10/0/30/69/109 200 2750 - - ---- 1/1/1/1/0 0/0 "GET /index.html HTTP/1.1"`,
			`trace: {file: LOG, format: haproxy}`},
	} {
		t.Run(tc.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", tc.file))
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			log := filepath.Join(dir, "access.log")
			lines := strings.Repeat(tc.line+"\n", 3)
			if err := os.WriteFile(log, []byte(lines), 0o644); err != nil {
				t.Fatal(err)
			}
			res, err := importer.Import(tc.file, data, importer.Options{Trace: log, Files: testdata})
			if err != nil {
				t.Fatal(err)
			}
			if want := strings.Replace(tc.want, "LOG", log, 1); !bytes.Contains(res.YAML, []byte(want)) {
				t.Errorf("no %s in\n%s", want, res.YAML)
			}
			for _, key := range []string{"arrival:", "service:", "keys:"} {
				if bytes.Contains(res.YAML, []byte(key)) {
					t.Errorf("a trace workload has %s", key)
				}
			}
			sc, err := scenarios.Parse(filepath.Join(dir, "out.yaml"), res.YAML)
			if err != nil {
				t.Fatalf("scenarios.Parse: %v\n%s", err, res.YAML)
			}
			if _, err := scenarios.ParseProxy(filepath.Join(dir, "out.yaml"), res.YAML); err != nil {
				t.Errorf("scenarios.ParseProxy: %v", err)
			}
			r, err := sim.Run(sc, sc.Algorithms[0])
			if err != nil || r.Completed != 3 {
				t.Errorf("sim.Run: %d completed, %v; want the log's 3 requests", r.Completed, err)
			}
		})
	}
}

// TestImportErrors: input that cannot become a scenario is an *Error
// naming the file and, where there is one, the line.
func TestImportErrors(t *testing.T) {
	for _, tc := range []struct {
		name, text string
		opts       importer.Options
		want       string
	}{
		{"empty", "  \n", importer.Options{}, "c.conf: empty file"},
		{"binary", "upstream a {\x00}", importer.Options{}, "c.conf:1: not a text file"},
		{"neither format", "hello world\n", importer.Options{}, "give --format nginx or --format haproxy"},
		{"both formats", "backend app\nupstream x { server a; }\n", importer.Options{}, "give --format nginx or --format haproxy"},
		{"unknown format", "upstream a { server b; }", importer.Options{Format: "apache"}, `unknown format "apache"`},
		{"several upstreams", "upstream a { server x:1; }\nupstream b { server y:1; }\n", importer.Options{}, "2 upstream blocks (a, b); choose one with --upstream NAME"},
		{"unknown upstream", "upstream a { server x:1; }\nupstream b { server y:1; }\n", importer.Options{Upstream: "c"}, `no upstream named "c"; the configuration has: a, b`},
		{"no upstream", "http { server { listen 80; } }\n", importer.Options{}, "no upstream blocks found"},
		{"include without files", "http {\n include conf.d/*.conf;\n}\n", importer.Options{}, "c.conf:2: include conf.d/*.conf: the included files are needed"},
		{"no servers", "http {\n upstream a {\n  keepalive 2;\n }\n}\n", importer.Options{}, "c.conf:2: upstream a has no server"},
		{"only a unix server", "upstream a {\n server unix:/tmp/s;\n}\n", importer.Options{}, "c.conf:1: upstream a has no server"},
		{"stray brace", "http {\n}\n}\nupstream a { server b; }\n", importer.Options{}, `c.conf:3: nginx syntax error: unexpected "}"`},
		{"unclosed block", "http {\n upstream a {\n  server b;\n}\n", importer.Options{}, `c.conf:1: nginx syntax error: unexpected end of file: the block of "http"`},
		{"missing semicolon", "upstream a {\n server b\n}\n", importer.Options{}, `c.conf:2: nginx syntax error: directive "server" has no ";"`},
		{"unclosed quote", "upstream a {\n server \"b;\n}\n", importer.Options{}, "c.conf:2: nginx syntax error: a quoted string"},
		{"haproxy outside section", "balance roundrobin\nbackend a\n server s 1.2.3.4:80\n", importer.Options{Format: importer.HAProxy}, `c.conf:1: HAProxy syntax error: "balance" is outside any section`},
		{"haproxy unclosed quote", "backend a\n server s \"1.2.3.4:80\n", importer.Options{}, "c.conf:2: HAProxy syntax error: a quoted string"},
		{"haproxy no backend", "global\n maxconn 10\nfrontend f\n bind :80\n", importer.Options{}, "no backend or listen sections found"},
		{"haproxy no servers", "defaults\n mode http\nbackend app\n balance roundrobin\n", importer.Options{}, "c.conf:3: backend app has no server"},
		{"haproxy missing defaults", "backend app from base\n server s 1.2.3.4:80\n", importer.Options{}, `c.conf:1: backend app takes its defaults from "base"`},
		{"haproxy several backends", "backend a\n server s 1.2.3.4:80\nlisten b\n server t 1.2.3.4:81\n", importer.Options{}, "2 backend or listen sections (a, b)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := importer.Import("c.conf", []byte(tc.text), tc.opts)
			var ie *importer.Error
			if !errors.As(err, &ie) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want an *Error with %q", err, tc.want)
			}
		})
	}
}

// TestImportMappings checks single directives against the policy or
// setting they map to, for the cases the testdata files do not cover.
func TestImportMappings(t *testing.T) {
	for _, tc := range []struct {
		name, text string
		want       string // the first algorithm, or a substring of the YAML
		warning    string // a substring of the one warning; "" for none
	}{
		{"nginx random", "upstream a { random; server b:1; }", "random", ""},
		{"nginx random two", "upstream a { random two; server b:1; }", "power_of_two", ""},
		{"nginx random two least_time", "upstream a { random two least_time=header; server b:1; }", "peak_ewma", ""},
		{"nginx least_time", "upstream a { least_time header; server b:1; }", "least_response_time", ""},
		{"nginx hash by address", "upstream a { hash $remote_addr consistent; server b:1; }", "ip_hash", ""},
		{"nginx hash by cookie", "upstream a { hash $cookie_user consistent; server b:1; }", "consistent_hash", "hash $cookie_user is not modelled"},
		{"nginx proxy_next_upstream off", "http { upstream a { server b:1; server c:1; } server { location / { proxy_pass http://a; proxy_next_upstream off; } } }", "retries: {count: 0}", ""},
		{"nginx http_404", "http { upstream a { server b:1; } server { location / { proxy_pass http://a/x; proxy_next_upstream error http_404; } } }", "on: [connect, error]", "proxy_next_upstream http_404 is not modelled"},
		{"nginx proxy_read_timeout 0", "http { upstream a { server b:1; } server { location / { proxy_pass http://a; proxy_read_timeout 0; } } }", "retries: {count: 1, on: [connect, error, timeout]}", "proxy_read_timeout 0 is not modelled: not a positive time"},
		{"nginx fragment", "upstream a { server b:1; }\nserver { location / { proxy_pass http://a; proxy_read_timeout 5s; } }", "timeouts: {response: 5s}", ""},
		{"nginx weight above lbsim's", "upstream a { server b:1 weight=5000; }", "weight: 1000", "weight=5000 is above lbsim's largest weight"},
		{"nginx duplicate server", "upstream a { server b:1; server b:1; }", "name: 'b:1#2'", "server b:1 is listed twice"},
		{"haproxy default", "backend a\n server s 1.2.3.4:80\n", "weighted_round_robin", ""},
		{"haproxy static-rr", "backend a\n balance static-rr\n server s 1.2.3.4:80\n", "weighted_round_robin", ""},
		{"haproxy first", "backend a\n balance first\n server s 1.2.3.4:80\n", "weighted_round_robin", "balance first is not modelled"},
		{"haproxy random", "backend a\n balance random\n server s 1.2.3.4:80\n", "power_of_two", ""},
		{"haproxy random(1)", "backend a\n balance random(1)\n server s 1.2.3.4:80\n", "random", ""},
		{"haproxy url_param", "backend a\n mode http\n balance url_param id\n server s 1.2.3.4:80\n", "consistent_hash", "balance url_param id is not modelled"},
		{"haproxy hdr", "backend a\n mode http\n balance hdr(host)\n server s 1.2.3.4:80\n", "consistent_hash", "balance hdr(host) is not modelled"},
		{"haproxy redispatch every retry", "backend a\n retries 3\n option redispatch 1\n server s 1.2.3.4:80\n", "retries: {count: 3, on: [connect]}", ""},
		{"haproxy no option redispatch", "defaults\n option redispatch\nbackend a\n no option redispatch\n server s 1.2.3.4:80\n", "retries: {count: 0}", ""},
		{"haproxy cookie rewrite", "backend a\n mode http\n cookie JSESSIONID prefix\n server s 1.2.3.4:80 cookie s1\n", "sticky: {cookie: JSESSIONID}", ""},
		{"haproxy cookie in tcp", "backend a\n cookie S insert\n server s 1.2.3.4:80\n", "weighted_round_robin", "cookie S insert is not modelled"},
		{"haproxy inter in ms", "backend a\n server s 1.2.3.4:80 check inter 1500\n", "interval: 1500ms", ""},
		{"haproxy check without httpchk", "backend a\n mode http\n server s 1.2.3.4:80 check\n", "path: /", "check without option httpchk connects only"},
		{"haproxy ipv6", "backend a\n server s ipv6@2001:db8::1:8080\n", "address: '[2001:db8::1]:8080'", ""},
		{"haproxy weight 0", "backend a\n server s 1.2.3.4:80 weight 0\n server t 1.2.3.5:80\n", "weight: 1", "weight 0 is not modelled"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := importer.Import("c.conf", []byte(tc.text), importer.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if res.Algorithm != tc.want && !bytes.Contains(res.YAML, []byte(tc.want)) {
				t.Errorf("algorithm %s, and no %q in\n%s", res.Algorithm, tc.want, res.YAML)
			}
			switch {
			case tc.warning == "" && len(res.Warnings) > 0:
				t.Errorf("warnings %v, want none", res.Warnings)
			case tc.warning != "" && (len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0].Msg, tc.warning)):
				t.Errorf("warnings %v, want one with %q", res.Warnings, tc.warning)
			}
			if _, err := scenarios.Parse("c.conf", res.YAML); err != nil {
				t.Errorf("scenarios.Parse: %v\n%s", err, res.YAML)
			}
			if _, err := scenarios.ParseProxy("c.conf", res.YAML); err != nil {
				t.Errorf("scenarios.ParseProxy: %v\n%s", err, res.YAML)
			}
		})
	}
}

func TestDetect(t *testing.T) {
	for _, f := range []string{"nginx-weighted.conf", "nginx-stream.conf", "haproxy-leastconn.cfg", "haproxy-tcp.cfg"} {
		data, err := os.ReadFile(filepath.Join("testdata", f))
		if err != nil {
			t.Fatal(err)
		}
		got, err := importer.Detect(data)
		if want := importer.Format(strings.Split(f, "-")[0]); got != want || err != nil {
			t.Errorf("%s: Detect %q, %v; want %q", f, got, err, want)
		}
	}
}
