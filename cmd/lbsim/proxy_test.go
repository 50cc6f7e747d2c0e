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
		{"missing config", []string{"proxy", "--config", "nope.yaml"}, "nope.yaml: cannot read scenario: no such file"},
		{"stray argument", []string{"proxy", "http://127.0.0.1:1"}, "servers are given with --backend"},
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
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	started := make(chan struct{}, 1)
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		started <- struct{}{}
		time.Sleep(300 * time.Millisecond)
		fmt.Fprint(w, "done")
	})}
	go srv.Serve(ln)
	defer srv.Close()
	front, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := front.Addr().String()
	front.Close()

	exit := make(chan int, 1)
	go func() {
		code, _, _ := cli("proxy", "--backend", "http://"+ln.Addr().String(), "--listen", addr, "--admin", "off", "--access-log", "off")
		exit <- code
	}()
	for i := 0; ; i++ {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			break
		}
		if i > 200 {
			t.Fatal("lbsim proxy did not start listening")
		}
		time.Sleep(10 * time.Millisecond)
	}
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
