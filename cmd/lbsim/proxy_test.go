package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestProxyBadInput(t *testing.T) {
	cfg := writeFile(t, "p.yaml", "name: p\nservers:\n  - {name: a}\n")
	public := writeFile(t, "public.yaml", "name: p\nlisten: 127.0.0.1:0\nadmin: 0.0.0.0:0\nservers:\n  - {name: a, address: \"127.0.0.1:1\"}\n")
	many := writeFile(t, "many.yaml", "name: p\nservers:\n  - {name: a, address: \"127.0.0.1:1\"}\nalgorithms: [random, ip_hash]\n")
	for _, tc := range []struct {
		name   string
		args   []string
		stderr string
	}{
		{"no servers", []string{"proxy"}, "give the servers with --backend"},
		{"bad address", []string{"proxy", "--backend", "http://127.0.0.1"}, "--backend #1 (http://127.0.0.1): needs a port"},
		{"bad weight", []string{"proxy", "--backend", "127.0.0.1:1,weight=x"}, "only ,weight=N may follow"},
		{"zero weight", []string{"proxy", "--backend", "127.0.0.1:1,weight=0"}, "--backend #1 (127.0.0.1:1,weight=0): must be at least 1"},
		{"unknown algorithm", []string{"proxy", "--backend", "127.0.0.1:1", "--algorithm", "fastest"}, `--algorithm: unknown algorithm "fastest"`},
		{"bad mode", []string{"proxy", "--backend", "127.0.0.1:1", "--mode", "udp"}, "--mode: must be http or tcp"},
		{"config without address", []string{"proxy", "--config", cfg}, "p.yaml:3:5: servers[0].address: required by the proxy"},
		{"config and backend", []string{"proxy", "--config", cfg, "--backend", "127.0.0.1:1"}, "--backend cannot be combined with --config"},
		{"several algorithms", []string{"proxy", "--config", many}, "choose the one the proxy runs"},
		{"config, misspelt algorithm", []string{"proxy", "--config", many, "--algorithm", "leastconn_"}, `did you mean "least_conn"`},
		{"missing config", []string{"proxy", "--config", "nope.yaml"}, "nope.yaml: cannot read scenario: no such file"},
		{"stray argument", []string{"proxy", "http://127.0.0.1:1"}, "servers are given with --backend"},
		{"small max-buffered-bytes", []string{"proxy", "--backend", "127.0.0.1:1", "--max-buffered-bytes", "1000"}, "--max-buffered-bytes: must be at least max_body_bytes (16777216), got 1000"},
		{"bad max-buffered-bytes", []string{"proxy", "--backend", "127.0.0.1:1", "--max-buffered-bytes", "lots"}, "--max-buffered-bytes"},
		{"max-buffered-bytes and config", []string{"proxy", "--config", many, "--max-buffered-bytes", "1000"}, "--max-buffered-bytes cannot be combined with --config"},
		{"public admin", []string{"proxy", "--backend", "127.0.0.1:1", "--admin", "0.0.0.0:0"}, "admin address 0.0.0.0:0 is not a loopback address"},
		{"public admin from the config", []string{"proxy", "--config", public}, "admin address 0.0.0.0:0 is not a loopback address"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := cli(tc.args...)
			if code != exitUsage || !strings.Contains(stderr, tc.stderr) {
				t.Errorf("exit %d, stderr %q; want 2 and %q", code, stderr, tc.stderr)
			}
		})
	}
}

// TestProxySIGTERM runs lbsim proxy, sends the process SIGTERM while a
// request is in flight, and expects that request to complete and the
// command to exit 0.
func TestProxySIGTERM(t *testing.T) {
	started := make(chan struct{}, 1)
	addr, exit := runProxy(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		started <- struct{}{}
		time.Sleep(300 * time.Millisecond)
		fmt.Fprint(w, "done")
	}))
	got := make(chan string, 1)
	go func() {
		r, err := http.Get("http://" + addr + "/")
		if err != nil {
			got <- err.Error()
			return
		}
		defer r.Body.Close()
		b, _ := io.ReadAll(r.Body)
		got <- string(b)
	}()
	<-started
	if err := syscall.Kill(syscall.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if body := <-got; body != "done" {
		t.Errorf("in-flight request got %q, want done", body)
	}
	select {
	case code := <-exit:
		if code != exitOK {
			t.Errorf("exit %d after SIGTERM, want 0", code)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("lbsim proxy did not exit after SIGTERM")
	}
}

// TestProxyIgnoredKeys runs lbsim proxy on config files: one that is a
// whole scenario gets exactly one line on stderr naming the simulation
// keys the proxy ignores; one without them gets none.
func TestProxyIgnoredKeys(t *testing.T) {
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "ok") })}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	defer srv.Close()
	servers := fmt.Sprintf("name: shop\nservers:\n  - {name: a, address: \"http://%s\", mtbf: 1h, mttr: 1m}\n", ln.Addr())
	for _, tc := range []struct {
		name, body, want string
	}{
		{"scenario", servers + `algorithm: round_robin
requests: 1000
workload: {arrival: {rate: 10}, service: {dist: constant, mean: 10ms}}
faults: [{at: 1s, server: a, kind: crash}]
expect: ["round_robin.p99 < 1000"]
`, "ignoring simulation keys in %s: requests, workload, faults, expect, servers[].mtbf, servers[].mttr\n"},
		{"proxy config", "name: shop\nservers:\n  - {name: a, address: \"http://" + ln.Addr().String() + "\"}\nslow_start: 1s\n", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			file := writeFile(t, "shop.yaml", tc.body)
			code, stderr := runProxyUntilTERM(t, "--config", file)
			if code != exitOK {
				t.Errorf("exit %d, want 0; stderr:\n%s", code, stderr)
			}
			n := strings.Count(stderr, "ignoring simulation keys")
			switch {
			case tc.want == "" && n != 0:
				t.Errorf("stderr mentions ignored keys of a file without any:\n%s", stderr)
			case tc.want != "" && (n != 1 || !strings.Contains(stderr, "lbsim proxy: "+fmt.Sprintf(tc.want, file))):
				t.Errorf("stderr:\n%s\nwant exactly one line %q", stderr, "lbsim proxy: "+fmt.Sprintf(tc.want, file))
			}
		})
	}
}

// runProxyUntilTERM runs lbsim proxy with args on a free address, waits
// until it has proxied a request (so it is serving and handles signals),
// sends the process SIGTERM and returns the exit code and stderr.
func runProxyUntilTERM(t *testing.T, args ...string) (int, string) {
	t.Helper()
	addr := freeAddr(t, "127.0.0.1")
	done := startServing(t, "http://"+addr+"/", append([]string{"proxy", "--listen", addr, "--admin", "off", "--access-log", "off"}, args...)...)
	if err := syscall.Kill(syscall.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case res := <-done:
		return res.code, res.stderr
	case <-time.After(5 * time.Second):
		t.Fatal("lbsim proxy did not exit after SIGTERM")
	}
	return 0, ""
}

// TestProxyAlgorithmAlias: --algorithm over a config file takes the names
// of nginx, HAProxy and Envoy, and the proxy runs and shows the policy
// they name.
func TestProxyAlgorithmAlias(t *testing.T) {
	many := writeFile(t, "many.yaml", "name: p\nservers:\n  - {name: a, address: \"127.0.0.1:1\"}\nalgorithms: [random, ip_hash]\n")
	f := proxyFlags{fs: newFlags("proxy", io.Discard), config: many, algorithm: "least_conn"}
	cfg, err := f.load()
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Algorithm != "least_connections" {
		t.Errorf("--algorithm least_conn runs %q, want least_connections", cfg.Algorithm)
	}
}

// TestProxyMaxBufferedBytes: --max-buffered-bytes sets max_buffered_bytes,
// which defaults to 256 MiB.
func TestProxyMaxBufferedBytes(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want int64
	}{
		{nil, 256 << 20},
		{[]string{"--max-buffered-bytes", "33554432"}, 32 << 20},
	} {
		f := proxyFlags{fs: newFlags("proxy", io.Discard)}
		f.fs.StringArrayVar(&f.backends, "backend", nil, "")
		f.fs.Int64Var(&f.maxBuffered, "max-buffered-bytes", 0, "")
		if err := f.fs.Parse(append([]string{"--backend", "127.0.0.1:1"}, tc.args...)); err != nil {
			t.Fatal(err)
		}
		cfg, err := f.load()
		if err != nil {
			t.Fatal(err)
		}
		if cfg.MaxBufferedBytes != tc.want {
			t.Errorf("%v: max_buffered_bytes %d, want %d", tc.args, cfg.MaxBufferedBytes, tc.want)
		}
	}
}

// TestProxySIGTERMAfterClientLeft: a request whose client left no longer
// holds up a drain, so SIGTERM exits 0 at once even though its server
// never answered.
func TestProxySIGTERMAfterClientLeft(t *testing.T) {
	started := make(chan struct{}, 1)
	release := make(chan struct{})
	defer close(release)
	addr, exit := runProxy(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			started <- struct{}{}
			select {
			case <-release:
			case <-r.Context().Done():
			}
		}
	}))
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(c, "GET /slow HTTP/1.1\r\nHost: x\r\n\r\n")
	<-started
	c.Close()
	time.Sleep(300 * time.Millisecond) // the proxy notices within about 100ms
	start := time.Now()
	if err := syscall.Kill(syscall.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case code := <-exit:
		if code != exitOK {
			t.Errorf("exit %d after SIGTERM, want 0", code)
		}
		if d := time.Since(start); d > time.Second {
			t.Errorf("the drain took %s, want at once", d)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("lbsim proxy did not exit within 5s of SIGTERM")
	}
}

// runProxy runs lbsim proxy in front of handler, served on a port of its
// own, and returns the proxy's address once it accepts connections, and
// the channel its exit code comes on.
func runProxy(t *testing.T, handler http.Handler) (addr string, exit chan int) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: handler}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	front, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr = front.Addr().String()
	front.Close()
	exit = make(chan int, 1)
	go func() {
		code, _, _ := cli("proxy", "--backend", "http://"+ln.Addr().String(), "--listen", addr, "--admin", "off", "--access-log", "off")
		exit <- code
	}()
	for i := 0; ; i++ {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return addr, exit
		}
		if i > 200 {
			t.Fatal("lbsim proxy did not start listening")
		}
		time.Sleep(10 * time.Millisecond)
	}
}
