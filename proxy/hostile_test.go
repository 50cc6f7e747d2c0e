package proxy

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// headServer starts a server that answers with the request's protocol and
// the headers named in its X-Show header, one per line as "Name: value",
// and counts the connections it accepted.
func headServer(t *testing.T, name string) (*testServer, *atomic.Int64) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	conns := new(atomic.Int64)
	srv := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.Copy(io.Discard, r.Body)
			var b strings.Builder
			b.WriteString(r.Proto + "\n")
			for _, k := range strings.Split(r.Header.Get("X-Show"), ",") {
				if k != "" {
					b.WriteString(k + ": " + strings.Join(r.Header.Values(k), ",") + "\n")
				}
			}
			io.WriteString(w, b.String())
		}),
		ConnState: func(_ net.Conn, st http.ConnState) {
			if st == http.StateNew {
				conns.Add(1)
			}
		},
	}
	s := &testServer{name: name, addr: ln.Addr().String(), srv: srv}
	go srv.Serve(ln)
	t.Cleanup(s.kill)
	return s, conns
}

// rawExchange sends raw requests on one new connection to addr and reads
// an answer to each.
func rawExchange(t *testing.T, addr string, requests ...string) []*http.Response {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	br := bufio.NewReader(c)
	var out []*http.Response
	for _, req := range requests {
		if _, err := io.WriteString(c, req); err != nil {
			t.Fatal(err)
		}
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatalf("reading the answer to %q: %v", req, err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body = io.NopCloser(strings.NewReader(string(body)))
		out = append(out, resp)
	}
	return out
}

func bodyOf(r *http.Response) string {
	b, _ := io.ReadAll(r.Body)
	return string(b)
}

// TestHTTPVersions checks that HTTP/1.0 and HTTP/1.1 are served and reach
// the server as HTTP/1.1, and that other versions are answered 505.
func TestHTTPVersions(t *testing.T) {
	s, _ := headServer(t, "a")
	r := startProxy(t, config(t, "", s), Options{})
	for _, tc := range []struct {
		proto string
		code  int
	}{
		{"HTTP/1.1", http.StatusOK},
		{"HTTP/1.0", http.StatusOK},
		{"HTTP/9.9", http.StatusHTTPVersionNotSupported},
		{"HTTP/2.0", http.StatusHTTPVersionNotSupported},
		{"HTTP/1.2", http.StatusHTTPVersionNotSupported},
		{"HTTP/0.9", http.StatusHTTPVersionNotSupported},
	} {
		t.Run(tc.proto, func(t *testing.T) {
			resp := rawExchange(t, r.Addr().String(), "GET / "+tc.proto+"\r\nHost: x\r\nConnection: close\r\n\r\n")[0]
			if resp.StatusCode != tc.code {
				t.Fatalf("status %d, want %d", resp.StatusCode, tc.code)
			}
			if body := bodyOf(resp); tc.code == http.StatusOK && body != "HTTP/1.1\n" {
				t.Errorf("the server saw %q, want HTTP/1.1", body)
			}
		})
	}
}

// TestServerConnectionsPooled checks that clients that close their
// connections, or speak HTTP/1.0, do not cost the server a connection per
// request: keep-alive is between the proxy and each side.
func TestServerConnectionsPooled(t *testing.T) {
	for _, tc := range []struct {
		name  string
		conns int // client connections
		req   string
	}{
		{"HTTP/1.0 keep-alive", 1, "GET / HTTP/1.0\r\nHost: x\r\nConnection: keep-alive\r\n\r\n"},
		{"HTTP/1.0", 3, "GET / HTTP/1.0\r\nHost: x\r\n\r\n"},
		{"HTTP/1.1 close", 3, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, conns := headServer(t, "a")
			r := startProxy(t, config(t, "", s), Options{})
			for range tc.conns {
				reqs := []string{tc.req}
				if tc.conns == 1 {
					reqs = []string{tc.req, tc.req, tc.req}
				}
				for _, resp := range rawExchange(t, r.Addr().String(), reqs...) {
					if resp.StatusCode != http.StatusOK {
						t.Fatalf("status %d", resp.StatusCode)
					}
				}
			}
			if n := conns.Load(); n != 1 {
				t.Errorf("the server accepted %d connections for 3 requests, want 1", n)
			}
		})
	}
}

// TestRefusedOrDropped checks what the proxy does with TRACE, an h2c
// upgrade and a client's Forwarded header.
func TestRefusedOrDropped(t *testing.T) {
	s, _ := headServer(t, "a")
	r := startProxy(t, config(t, "", s), Options{})
	for _, tc := range []struct {
		name string
		req  string
		code int
		body string // what the server saw; "" when it must not be reached
	}{
		{"TRACE", "TRACE / HTTP/1.1\r\nHost: x\r\n\r\n", http.StatusMethodNotAllowed, ""},
		{"h2c upgrade", "GET / HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\nX-Show: Upgrade,Http2-Settings,Connection\r\n\r\n",
			http.StatusOK, "HTTP/1.1\nUpgrade: \nHttp2-Settings: \nConnection: \n"},
		{"Forwarded", "GET / HTTP/1.1\r\nHost: x\r\nForwarded: for=192.0.2.1;proto=https\r\nX-Show: Forwarded,X-Forwarded-For\r\n\r\n",
			http.StatusOK, "HTTP/1.1\nForwarded: \nX-Forwarded-For: 127.0.0.1\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp := rawExchange(t, r.Addr().String(), tc.req)[0]
			if resp.StatusCode != tc.code {
				t.Fatalf("status %d, want %d", resp.StatusCode, tc.code)
			}
			if body := bodyOf(resp); tc.body != "" && body != tc.body {
				t.Errorf("the server saw\n%s\nwant\n%s", body, tc.body)
			}
		})
	}
	if n := r.server(t, "a").Requests; n != 2 {
		t.Errorf("the server got %d requests, want 2 (not the TRACE)", n)
	}
}
