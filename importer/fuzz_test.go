package importer_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/lbsim/lbsim/importer"
	"github.com/lbsim/lbsim/scenarios"
)

// fuzzImport imports data in format and checks the contract: an *Error or
// a scenario both loaders accept, and never a panic.
func fuzzImport(t *testing.T, format importer.Format, data []byte) {
	res, err := importer.Import("fuzz.conf", data, importer.Options{Format: format})
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
	f.Fuzz(func(t *testing.T, data []byte) { fuzzImport(t, importer.Nginx, data) })
}

func FuzzHAProxy(f *testing.F) {
	seeds(f, "haproxy-*.cfg")
	f.Add([]byte("backend a\n server s [::1]:80 weight 300 check inter 0 fall 0\n balance random(9)\n cookie \"a b\" insert\n"))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzImport(t, importer.HAProxy, data) })
}
