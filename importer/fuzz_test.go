package importer_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"testing/fstest"

	"github.com/lbsim/lbsim/importer"
	"github.com/lbsim/lbsim/scenarios"
)

// fuzzFiles are the files a fuzzed nginx configuration may include:
// upstreams, servers to splice into one, and a file that includes itself.
var fuzzFiles = fstest.MapFS{
	"mime.types":     {Data: []byte("types { text/html html; }\n")},
	"conf.d/a.conf":  {Data: []byte("upstream inc { server 10.0.0.1:80; include servers/*.conf; }\n")},
	"servers/b.conf": {Data: []byte("server 10.0.0.2:80 weight=2 max_conns=3;\n")},
	"loop.conf":      {Data: []byte("include loop.conf;\n")},
}

// fuzzImport imports data in format and checks the contract: an *Error or
// a scenario both loaders accept, and never a panic.
func fuzzImport(t *testing.T, format importer.Format, data []byte) {
	res, err := importer.Import("fuzz.conf", data, importer.Options{Format: format, Files: fuzzFiles})
	if err != nil {
		var ie *importer.Error
		if !errors.As(err, &ie) {
			t.Fatalf("error %v is not an *importer.Error", err)
		}
		return
	}
	if _, err := scenarios.Parse("out.yaml", res.YAML); err != nil {
		t.Fatalf("scenarios.Parse: %v\n%s", err, res.YAML)
	}
	if _, err := scenarios.ParseProxy("out.yaml", res.YAML); err != nil {
		t.Fatalf("scenarios.ParseProxy: %v\n%s", err, res.YAML)
	}
}

// seeds adds the testdata files of a format to the corpus.
func seeds(f *testing.F, glob string) {
	files, err := filepath.Glob(filepath.Join("testdata", glob))
	if err != nil || len(files) == 0 {
		f.Fatalf("no seeds for %s: %v", glob, err)
	}
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
}

func FuzzNginx(f *testing.F) {
	seeds(f, "nginx-*.conf")
	f.Add([]byte(`upstream "a b" { server 'x:1' weight=0 max_fails=x; hash ${x}y; } location / { proxy_pass http://a b; }`))
	f.Add([]byte("http { include conf.d/*.conf; include mime.types; upstream u { include servers/b.conf; server c:1; } }\ninclude loop.conf;\n"))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzImport(t, importer.Nginx, data) })
}

func FuzzHAProxy(f *testing.F) {
	seeds(f, "haproxy-*.cfg")
	f.Add([]byte("backend a\n server s [::1]:80 weight 300 check inter 0 fall 0\n balance random(9)\n cookie \"a b\" insert\n"))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzImport(t, importer.HAProxy, data) })
}
