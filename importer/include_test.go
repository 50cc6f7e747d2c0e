package importer_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/lbsim/lbsim/importer"
	"github.com/lbsim/lbsim/scenarios"
)

// files makes a file system of name, text pairs.
func files(nameText ...string) fstest.MapFS {
	m := fstest.MapFS{}
	for i := 0; i+1 < len(nameText); i += 2 {
		m[nameText[i]] = &fstest.MapFile{Data: []byte(nameText[i+1])}
	}
	return m
}

// The layout of a stock nginx: nginx.conf includes mime.types and the
// conf.d files, which hold the upstreams; the location is in nginx.conf.
const (
	mainConf = `user nginx;
events {}
http {
    include mime.types;
    include conf.d/*.conf;
    server {
        location /api/ { proxy_pass http://api; proxy_next_upstream error timeout http_502; }
        location / { proxy_pass http://static; }
    }
}
`
	mimeTypes = "types {\n    text/html html;\n}\n"
	apiConf   = `# the API servers
upstream api {
    least_conn;
    server 10.0.0.1:8080;
    server 10.0.0.2:8080 max_conns=100;
    keepalive 32;
}
`
	staticConf = "upstream static {\n    server 10.0.1.1:80;\n}\n"
)

// TestImportIncludes: nginx's include directives are followed as nginx
// does, and what they bring in is named by its own file and line.
func TestImportIncludes(t *testing.T) {
	for _, tc := range []struct {
		name     string
		fsys     fstest.MapFS // nginx.conf is the file imported
		upstream string
		servers  []string // the servers' names, in order
		yaml     []string // substrings of the scenario
		warnings []string // the warnings, exactly
		err      string   // a substring of the error; "" for none
	}{
		{
			name:     "conf.d upstream",
			fsys:     files("nginx.conf", mainConf, "mime.types", mimeTypes, "conf.d/api.conf", apiConf, "conf.d/static.conf", staticConf),
			upstream: "api",
			servers:  []string{"10.0.0.1:8080", "10.0.0.2:8080"},
			yaml: []string{
				"description: nginx upstream api, imported from nginx.conf (conf.d/api.conf:2)",
				"algorithm: least_connections # imported: least_conn (conf.d/api.conf:3)",
				"# conf.d/api.conf:6: keepalive 32 is not modelled",
				"  # conf.d/api.conf:5: max_conns=100 is not modelled",
				// The location in nginx.conf still gives the retries.
				"# proxy_next_upstream error timeout http_502 (line 7)",
			},
			warnings: []string{
				"conf.d/api.conf:5: max_conns=100 is not modelled: lbsim does not cap the connections the balancer opens to a server",
				"conf.d/api.conf:6: keepalive 32 is not modelled: lbsim does not model reusing idle connections to servers",
			},
		},
		{
			name: "conf.d upstreams listed",
			fsys: files("nginx.conf", mainConf, "mime.types", mimeTypes, "conf.d/api.conf", apiConf, "conf.d/static.conf", staticConf),
			err:  "nginx.conf: 2 upstream blocks (api, static); choose one with --upstream NAME",
		},
		{
			name: "include inside upstream",
			fsys: files("nginx.conf", "http {\n  upstream app {\n    server 10.0.0.1:80;\n    include upstreams/app/*.conf;\n    server 10.0.0.9:80 backup;\n  }\n}\n",
				"upstream/app/ignored.conf", "server 10.9.9.9:80;\n",
				"upstreams/app/b.conf", "server 10.0.0.3:80;\nserver 10.0.0.4:80 down;\n",
				"upstreams/app/a.conf", "server 10.0.0.2:80 weight=2;\n"),
			servers:  []string{"10.0.0.1:80", "10.0.0.2:80", "10.0.0.3:80", "10.0.0.4:80", "10.0.0.9:80"},
			yaml:     []string{"description: nginx upstream app, imported from nginx.conf (line 2)", "  # upstreams/app/b.conf:2: down is not modelled"},
			warnings: []string{"upstreams/app/b.conf:2: down is not modelled: lbsim sends this server requests; delete its entry to leave it out, as nginx does"},
		},
		{
			// Relative includes resolve against nginx.conf's directory,
			// also from an included file, as nginx's against its prefix.
			name: "nested includes",
			fsys: files("nginx.conf", "http {\n  include sites-enabled/*;\n}\n",
				"sites-enabled/shop", "upstream shop { server 10.0.0.1:80; server 10.0.0.2:80; }\nserver {\n  location / {\n    proxy_pass http://shop;\n    include snippets/proxy.conf;\n  }\n}\n",
				"sites-enabled/.shop.swp", "not nginx at all {{{",
				"snippets/proxy.conf", "proxy_connect_timeout 2s;\nproxy_next_upstream_tries 2;\nproxy_next_upstream error timeout non_idempotent;\n"),
			servers: []string{"10.0.0.1:80", "10.0.0.2:80"},
			yaml: []string{
				"retries: {count: 1, on: [connect, error, timeout], non_idempotent: true} # proxy_next_upstream error timeout non_idempotent (snippets/proxy.conf:3)",
				"timeouts: {connect: 2s} # proxy_connect_timeout 2s",
			},
		},
		{
			name:    "glob matching nothing",
			fsys:    files("nginx.conf", "http {\n  include conf.d/*.conf;\n  upstream a { server 10.0.0.1:80; }\n}\n"),
			servers: []string{"10.0.0.1:80"},
		},
		{
			name: "glob matching nothing, no upstream",
			fsys: files("nginx.conf", "http {\n  include conf.d/*.conf;\n  include sites-enabled/*;\n}\n"),
			err:  "nginx.conf: no upstream blocks found (include conf.d/*.conf, sites-enabled/* matched no file)",
		},
		{
			name: "missing file",
			fsys: files("nginx.conf", "http {\n  upstream a { server 10.0.0.1:80; }\n  include mime.types;\n}\n"),
			err:  "nginx.conf:3: include mime.types: no such file (relative includes are read from the directory of nginx.conf)",
		},
		{
			name: "missing file in an included one",
			fsys: files("nginx.conf", "http {\n  include conf.d/*.conf;\n}\n", "conf.d/a.conf", "\n\ninclude snippets/gone.conf;\n"),
			err:  "conf.d/a.conf:3: include snippets/gone.conf: no such file",
		},
		{
			name: "cycle",
			fsys: files("nginx.conf", "http {\n  include conf.d/a.conf;\n}\n",
				"conf.d/a.conf", "upstream a { server 10.0.0.1:80; }\ninclude conf.d/b.conf;\n",
				"conf.d/b.conf", "# back again\ninclude conf.d/a.conf;\n"),
			err: "conf.d/b.conf:2: include conf.d/a.conf: an include cycle: conf.d/a.conf, which includes conf.d/b.conf, which includes conf.d/a.conf",
		},
		{
			// A glob in nginx.conf's own directory matches nginx.conf.
			name: "cycle through the main file",
			fsys: files("nginx.conf", "http {\n  upstream a { server 10.0.0.1:80; }\n  include *.conf;\n}\n", "other.conf", ""),
			err:  "nginx.conf:3: include *.conf: an include cycle: nginx.conf, which includes nginx.conf",
		},
		{
			name:     "the same file twice",
			fsys:     files("nginx.conf", "http {\n  upstream a {\n    include servers.conf;\n  }\n  upstream b {\n    include servers.conf;\n  }\n}\n", "servers.conf", "server 10.0.0.1:80;\n"),
			upstream: "b",
			servers:  []string{"10.0.0.1:80"},
		},
		{
			name: "syntax error in an included file",
			fsys: files("nginx.conf", "http {\n  include conf.d/*.conf;\n}\n", "conf.d/a.conf", "upstream a {\n  server 10.0.0.1:80\n}\n"),
			err:  `conf.d/a.conf:2: nginx syntax error: directive "server" has no ";" at its end`,
		},
		{
			// nginx reads an included file as a whole: it cannot close
			// the block the include is in.
			name: "included file closes a block",
			fsys: files("nginx.conf", "http {\n  upstream a {\n    include more.conf;\n  server 10.0.0.2:80;\n}\n", "more.conf", "server 10.0.0.1:80;\n}\n"),
			err:  `more.conf:2: nginx syntax error: unexpected "}": no block is open`,
		},
		{
			name: "included file leaves a block open",
			fsys: files("nginx.conf", "http {\n  include up.conf;\n  }\n}\n", "up.conf", "upstream a {\n  server 10.0.0.1:80;\n"),
			err:  `up.conf:1: nginx syntax error: unexpected end of file: the block of "upstream" opened here is not closed`,
		},
		{
			name: "binary included file",
			fsys: files("nginx.conf", "http {\n  include blob;\n}\n", "blob", "a\nb\x00"),
			err:  "blob:2: not a text file",
		},
		{
			name: "include with two arguments",
			fsys: files("nginx.conf", "http {\n  include a.conf b.conf;\n}\n"),
			err:  "nginx.conf:2: nginx syntax error: include takes one file name or glob, not 2",
		},
		{
			name: "bad glob",
			fsys: files("nginx.conf", "http {\n  include conf.d/[a.conf;\n}\n"),
			err:  "nginx.conf:2: include conf.d/[a.conf: syntax error in pattern",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := importer.Import("nginx.conf", tc.fsys["nginx.conf"].Data, importer.Options{Upstream: tc.upstream, Files: tc.fsys})
			if tc.err != "" {
				var ie *importer.Error
				if !errors.As(err, &ie) || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want an *Error with %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			sc, err := scenarios.Parse("out.yaml", res.YAML)
			if err != nil {
				t.Fatalf("scenarios.Parse: %v\n%s", err, res.YAML)
			}
			var servers []string
			for _, s := range sc.Servers {
				servers = append(servers, s.Name)
			}
			if !slices.Equal(servers, tc.servers) {
				t.Errorf("servers %v, want %v", servers, tc.servers)
			}
			for _, s := range tc.yaml {
				if !strings.Contains(string(res.YAML), s) {
					t.Errorf("no %q in\n%s", s, res.YAML)
				}
			}
			var warnings []string
			for _, w := range res.Warnings {
				warnings = append(warnings, w.String())
			}
			if !slices.Equal(warnings, tc.warnings) {
				t.Errorf("warnings\n%s\nwant\n%s", strings.Join(warnings, "\n"), strings.Join(tc.warnings, "\n"))
			}
		})
	}
}

// TestImportIncludeLimits: includes nest at most 16 deep, and the files
// read are at most MaxSize in all.
func TestImportIncludeLimits(t *testing.T) {
	deep := files("nginx.conf", "http {\n  include d1.conf;\n}\n")
	for i := 1; i <= 17; i++ {
		deep[fmt.Sprintf("d%d.conf", i)] = &fstest.MapFile{Data: fmt.Appendf(nil, "include d%d.conf;\n", i+1)}
	}
	deep["d18.conf"] = &fstest.MapFile{Data: []byte("upstream a { server 10.0.0.1:80; }\n")}
	_, err := importer.Import("nginx.conf", deep["nginx.conf"].Data, importer.Options{Files: deep})
	if want := "d16.conf:1: include d17.conf: includes nested deeper than 16 levels"; err == nil || err.Error() != want {
		t.Errorf("error %v, want %s", err, want)
	}
	delete(deep, "d17.conf")
	deep["d16.conf"].Data = deep["d18.conf"].Data
	if _, err := importer.Import("nginx.conf", deep["nginx.conf"].Data, importer.Options{Files: deep}); err != nil {
		t.Errorf("16 levels: %v", err)
	}

	big := "# " + strings.Repeat("x", importer.MaxSize/2) + "\n"
	large := files("nginx.conf", "http {\n  upstream a { server 10.0.0.1:80; }\n  include a.conf;\n  include b.conf;\n}\n", "a.conf", big, "b.conf", big)
	_, err = importer.Import("nginx.conf", large["nginx.conf"].Data, importer.Options{Files: large})
	if want := "nginx.conf:4: include b.conf: the configuration and the files it includes are larger than 8 MiB"; err == nil || err.Error() != want {
		t.Errorf("error %v, want %s", err, want)
	}
}

// TestImportIncludeOS follows includes on disk through OSFiles, with the
// main file named by an absolute path: the included files' warnings
// name them by that path, and the scenario's comments relative to the
// main file's directory.
func TestImportIncludeOS(t *testing.T) {
	dir := t.TempDir()
	for name, text := range map[string]string{
		"nginx.conf": mainConf, "mime.types": mimeTypes, "conf.d/api.conf": apiConf, "conf.d/static.conf": staticConf,
	} {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	main := filepath.Join(dir, "nginx.conf")
	res, err := importer.Import(main, []byte(mainConf), importer.Options{Upstream: "api", Files: importer.OSFiles})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Warnings) != 2 || res.Warnings[1].Source != filepath.Join(dir, "conf.d", "api.conf") || res.Warnings[1].Line != 6 {
		t.Errorf("warnings %v, want the second on %s line 6", res.Warnings, filepath.Join(dir, "conf.d", "api.conf"))
	}
	if want := "# conf.d/api.conf:6: keepalive 32 is not modelled"; !strings.Contains(string(res.YAML), want) {
		t.Errorf("no %q in\n%s", want, res.YAML)
	}

	// A directory where a file should be is an error naming the include.
	if err := os.Mkdir(filepath.Join(dir, "conf.d", "dir.conf"), 0o755); err != nil {
		t.Fatal(err)
	}
	_, err = importer.Import(main, []byte(mainConf), importer.Options{Upstream: "api", Files: importer.OSFiles})
	if want := main + ":5: include conf.d/*.conf: cannot read " + filepath.Join(dir, "conf.d", "dir.conf") + ": not a regular file"; err == nil || err.Error() != want {
		t.Errorf("error %v, want %s", err, want)
	}
}
