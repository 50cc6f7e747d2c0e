package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lbsim/lbsim/scenarios"
)

// importCLI runs lbsim import as the command line does.
func importCLI(args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	code = exitCode(importCmd(args, &out, &errb), &errb)
	return code, out.String(), errb.String()
}

const nginxTwoUpstreams = `http {
    upstream api {
        least_conn;
        server 127.0.0.1:9001 max_conns=10;
        server 127.0.0.1:9002;
        keepalive 8;
    }
    upstream static {
        server 127.0.0.1:9003;
    }
    server {
        location / { proxy_pass http://api; }
    }
}
`

const haproxyBackend = `defaults
    mode http
backend app
    balance leastconn
    option httpchk GET /health
    server a 127.0.0.1:9001 check
    server b 127.0.0.1:9002 check
`

func TestImportCommand(t *testing.T) {
	nginx := writeFile(t, "nginx.conf", nginxTwoUpstreams)
	haproxy := writeFile(t, "haproxy.cfg", haproxyBackend)
	unclear := writeFile(t, "unclear.conf", "hello world\n")
	broken := writeFile(t, "broken.conf", "http {\n  upstream a {\n    server x:1;\n")
	unreadable := writeFile(t, "secret.conf", nginxTwoUpstreams)
	if err := os.Chmod(unreadable, 0); err != nil {
		t.Fatal(err)
	}
	if f, err := os.Open(unreadable); err == nil {
		f.Close()
		unreadable = filepath.Dir(unreadable) // running as root: a directory cannot be read as a file either
	}
	for _, tc := range []struct {
		name   string
		args   []string
		code   int
		stdout string // a substring of stdout, "" for none
		stderr []string
	}{
		{"nginx upstream", []string{nginx, "--upstream", "api"}, exitOK, "algorithm: least_connections # imported: least_conn (line 3)",
			[]string{"lbsim import: " + nginx + ":4: max_conns=10 is not modelled", "lbsim import: " + nginx + ":6: keepalive 8 is not modelled"}},
		{"haproxy", []string{haproxy}, exitOK, "health_check: {path: /health", nil},
		{"format given", []string{"--format", "haproxy", haproxy}, exitOK, "name: app", nil},
		{"several upstreams", []string{nginx}, exitUsage, "", []string{"2 upstream blocks (api, static); choose one with --upstream NAME"}},
		{"unknown upstream", []string{nginx, "--upstream", "web"}, exitUsage, "", []string{`no upstream named "web"; the configuration has: api, static`}},
		{"unknown format", []string{nginx, "--format", "apache"}, exitUsage, "", []string{`--format must be nginx or haproxy, got "apache"`}},
		{"format not told", []string{unclear}, exitUsage, "", []string{"give --format nginx or --format haproxy"}},
		{"wrong format", []string{"--format", "haproxy", nginx}, exitUsage, "", []string{"HAProxy syntax error"}},
		{"syntax error", []string{broken}, exitUsage, "", []string{broken + `:2: nginx syntax error: unexpected end of file: the block of "upstream"`}},
		{"missing file", []string{"nope.conf"}, exitUsage, "", []string{"nope.conf: no such file"}},
		{"unreadable file", []string{unreadable}, exitUsage, "", []string{unreadable + ": "}},
		{"no file", nil, exitUsage, "", []string{"import takes one FILE"}},
		{"misspelt flag", []string{nginx, "--upstrem", "api"}, exitUsage, "", []string{"did you mean --upstream?"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := importCLI(tc.args...)
			if code != tc.code {
				t.Errorf("exit %d, want %d; stderr %q", code, tc.code, stderr)
			}
			if !strings.Contains(stdout, tc.stdout) || (tc.stdout == "") != (stdout == "") {
				t.Errorf("stdout %q, want %q", stdout, tc.stdout)
			}
			if lines := strings.Count(stderr, "\n"); lines != max(len(tc.stderr), 1) && !(lines == 0 && len(tc.stderr) == 0) {
				t.Errorf("stderr has %d lines, want %d: %q", lines, len(tc.stderr), stderr)
			}
			for _, s := range tc.stderr {
				if !strings.Contains(stderr, s) {
					t.Errorf("stderr %q, want %q", stderr, s)
				}
			}
		})
	}
}

// TestImportRuns: what lbsim import prints, saved to a file, is a scenario
// lbsim run runs and a config lbsim proxy loads.
func TestImportRuns(t *testing.T) {
	for _, tc := range []struct{ name, config, upstream string }{
		{"nginx.conf", nginxTwoUpstreams, "api"},
		{"haproxy.cfg", haproxyBackend, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := []string{writeFile(t, tc.name, tc.config)}
			if tc.upstream != "" {
				args = append(args, "--upstream", tc.upstream)
			}
			code, stdout, stderr := importCLI(args...)
			if code != exitOK {
				t.Fatalf("import: exit %d, %s", code, stderr)
			}
			out := writeFile(t, "out.yaml", stdout)
			if code, stdout, stderr := cli("run", out, "--requests", "2000", "--quiet"); code != exitOK || !strings.Contains(stdout, "least_connections") || !strings.Contains(stdout, "power_of_two") {
				t.Errorf("lbsim run: exit %d, stdout %q, stderr %q", code, stdout, stderr)
			}
			cfg, err := scenarios.LoadProxy(out)
			if err != nil {
				t.Fatalf("as a proxy config: %v", err)
			}
			if cfg.Algorithm != "least_connections" || len(cfg.Servers) != 2 {
				t.Errorf("proxy config: the proxy would run %q with %d servers, want least_connections and 2", cfg.Algorithm, len(cfg.Servers))
			}
		})
	}
}

// TestImportTraceFlag: --trace replays the log in the configuration's
// format, and lbsim run replays it.
func TestImportTraceFlag(t *testing.T) {
	dir := t.TempDir()
	conf := filepath.Join(dir, "nginx.conf")
	cfg := strings.Replace(nginxTwoUpstreams, "http {", "http {\n    log_format timed '$remote_addr [$time_local] \"$request\" $status $request_time';\n    access_log /var/log/nginx/access.log timed;", 1)
	if err := os.WriteFile(conf, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	log := filepath.Join(dir, "access.log")
	line := `203.0.113.7 [04/Dec/2026:20:33:56 +0000] "GET /a HTTP/1.1" 200 0.050` + "\n"
	if err := os.WriteFile(log, []byte(strings.Repeat(line, 5)), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := importCLI(conf, "--upstream", "api", "--trace", log)
	want := `trace: {file: ` + log + `, format: nginx, log_format: '$remote_addr [$time_local] "$request" $status $request_time'}`
	if code != exitOK || !strings.Contains(stdout, want) {
		t.Fatalf("exit %d, stderr %q; want %s in\n%s", code, stderr, want, stdout)
	}
	out := filepath.Join(dir, "out.yaml")
	if err := os.WriteFile(out, []byte(stdout), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, stdout, stderr := cli("run", out, "--quiet"); code != exitOK || !strings.Contains(stdout, "least_connections") {
		t.Errorf("lbsim run on the trace: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
}

// TestImportIncludes: lbsim import follows nginx's include directives on
// disk, relative ones from FILE's directory, and names the included file
// and line in its warnings, its errors and the scenario's comments.
func TestImportIncludes(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) {
		t.Helper()
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("nginx.conf", "events {}\nhttp {\n    include mime.types;\n    include conf.d/*.conf;\n    server {\n        location / { proxy_pass http://api; }\n    }\n}\n")
	write("mime.types", "types { text/html html; }\n")
	write("conf.d/api.conf", "upstream api {\n    least_conn;\n    include upstreams/api-servers;\n    keepalive 8;\n}\n")
	write("conf.d/static.conf", "upstream static {\n    server 127.0.0.1:9003;\n}\n")
	write("upstreams/api-servers", "server 127.0.0.1:9001;\nserver 127.0.0.1:9002 max_conns=10;\n")
	write("broken/nginx.conf", "http {\n    include mime.types;\n    upstream a { server 127.0.0.1:9001; }\n}\n")
	write("loop/nginx.conf", "http {\n    include nginx.conf;\n}\n")
	main := filepath.Join(dir, "nginx.conf")
	for _, tc := range []struct {
		name   string
		args   []string
		code   int
		stdout []string // substrings of stdout
		stderr []string // the lines of stderr, in order
	}{
		{"upstream in conf.d", []string{main, "--upstream", "api"}, exitOK,
			[]string{"algorithm: least_connections # imported: least_conn (conf.d/api.conf:2)",
				"# conf.d/api.conf:4: keepalive 8 is not modelled", "  # upstreams/api-servers:2: max_conns=10 is not modelled"},
			[]string{"lbsim import: " + filepath.Join(dir, "conf.d/api.conf") + ":4: keepalive 8 is not modelled: lbsim does not model reusing idle connections to servers",
				"lbsim import: " + filepath.Join(dir, "upstreams/api-servers") + ":2: max_conns=10 is not modelled: lbsim does not cap the connections the balancer opens to a server"}},
		{"upstreams listed", []string{main}, exitUsage, nil,
			[]string{"lbsim: " + main + ": 2 upstream blocks (api, static); choose one with --upstream NAME"}},
		{"missing include", []string{filepath.Join(dir, "broken/nginx.conf")}, exitUsage, nil,
			[]string{"lbsim: " + filepath.Join(dir, "broken/nginx.conf") + ":2: include mime.types: no such file: " + filepath.Join(dir, "broken/mime.types") + " (relative includes are read from the directory of " + filepath.Join(dir, "broken/nginx.conf") + ")"}},
		{"cycle", []string{filepath.Join(dir, "loop/nginx.conf")}, exitUsage, nil,
			[]string{"lbsim: " + filepath.Join(dir, "loop/nginx.conf") + ":2: include nginx.conf: an include cycle"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := importCLI(tc.args...)
			if code != tc.code {
				t.Errorf("exit %d, want %d; stderr %q", code, tc.code, stderr)
			}
			for _, s := range tc.stdout {
				if !strings.Contains(stdout, s) {
					t.Errorf("no %q in stdout\n%s", s, stdout)
				}
			}
			lines := strings.Split(strings.TrimSuffix(stderr, "\n"), "\n")
			if len(lines) != len(tc.stderr) {
				t.Fatalf("stderr %q, want %d lines", stderr, len(tc.stderr))
			}
			for i, want := range tc.stderr {
				if !strings.HasPrefix(lines[i], want) {
					t.Errorf("stderr line %d is %q, want it to start %q", i+1, lines[i], want)
				}
			}
		})
	}

	// Run from the configuration's directory, the included files are
	// named as the include directives name them, and the scenario runs.
	t.Run("relative", func(t *testing.T) {
		t.Chdir(dir)
		code, stdout, stderr := importCLI("nginx.conf", "--upstream", "api")
		if code != exitOK || !strings.HasPrefix(stderr, "lbsim import: conf.d/api.conf:4: keepalive 8") {
			t.Fatalf("exit %d, stderr %q", code, stderr)
		}
		out := writeFile(t, "out.yaml", stdout)
		cfg, err := scenarios.LoadProxy(out)
		if err != nil || len(cfg.Servers) != 2 || cfg.Algorithm != "least_connections" {
			t.Fatalf("as a proxy config: %v; want least_connections over the 2 included servers", err)
		}
	})
}
