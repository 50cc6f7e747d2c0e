package proxy

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// echoBody starts a server that answers with the request's method and body.
func echoBody(t *testing.T, name string) *testServer {
	return serveHTTP(t, name, func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		fmt.Fprintf(w, "%s %s", r.Method, b)
	})
}

// TestRequestBodyRetried checks that a request body survives a retry: the
// proxy holds it in full, so the next server gets all of it.
func TestRequestBodyRetried(t *testing.T) {
	reset := serveTCP(t, "reset", func(c net.Conn) { c.Read(make([]byte, 4096)) })
	for _, tc := range []struct {
		name, method string
		first        *testServer
	}{
		{"POST after a refused connection", http.MethodPost, refusing(t, "dead")},
		{"PUT after a reset", http.MethodPut, reset},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := startProxy(t, config(t, "retries: {count: 1}\n", tc.first, echoBody(t, "echo")), Options{})
			body := strings.Repeat("order=1;", 10000)
			req, _ := http.NewRequest(tc.method, r.url("/"), strings.NewReader(body))
			resp, err := r.client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			got, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if want := tc.method + " " + body; resp.StatusCode != http.StatusOK || string(got) != want {
				t.Errorf("%d, %d bytes; want 200 and the whole body echoed (%d bytes)", resp.StatusCode, len(got), len(want))
			}
		})
	}
}

// TestLimits checks max_header_bytes (431) and max_body_bytes (413).
func TestLimits(t *testing.T) {
	s := echoBody(t, "echo")
	r := startProxy(t, config(t, "max_header_bytes: 2048\nmax_body_bytes: 1000\n", s), Options{})
	for _, tc := range []struct {
		name   string
		header string
		body   string
		want   int
	}{
		{"small", "x", "y", http.StatusOK},
		{"header too large", strings.Repeat("x", 4000), "", http.StatusRequestHeaderFieldsTooLarge},
		{"body at the limit", "x", strings.Repeat("y", 1000), http.StatusOK},
		{"body too large", "x", strings.Repeat("y", 1001), http.StatusRequestEntityTooLarge},
	} {
		req, _ := http.NewRequest(http.MethodPost, r.url("/"), strings.NewReader(tc.body))
		req.Header.Set("X-Big", tc.header)
		resp, err := r.client.Do(req)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tc.want {
			t.Errorf("%s: %d, want %d", tc.name, resp.StatusCode, tc.want)
		}
	}
}

// TestStreaming checks that responses stream: a server's first chunk
// reaches the client before the server has finished, and a large body
// arrives intact.
func TestStreaming(t *testing.T) {
	firstSeen := make(chan struct{})
	big := bytes.Repeat([]byte("0123456789abcdef"), 1<<18) // 4 MiB
	s := serveHTTP(t, "stream", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/big" {
			w.Write(big)
			return
		}
		io.WriteString(w, "data: first\n\n")
		w.(http.Flusher).Flush()
		select {
		case <-firstSeen:
		case <-time.After(5 * time.Second):
		}
		io.WriteString(w, "data: second\n\n")
	})
	r := startProxy(t, config(t, "", s), Options{})

	resp, err := r.client.Get(r.url("/events"))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	br := bufio.NewReader(resp.Body)
	start := time.Now()
	line, err := br.ReadString('\n')
	if err != nil || line != "data: first\n" {
		t.Fatalf("first line %q, %v", line, err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("the first chunk took %s: the response was held back, not streamed", d)
	}
	close(firstSeen)
	rest, _ := io.ReadAll(br)
	if string(rest) != "\ndata: second\n\n" {
		t.Errorf("rest of the stream %q", rest)
	}

	resp2, err := r.client.Get(r.url("/big"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(resp2.Body)
	resp2.Body.Close()
	if err != nil || sha256.Sum256(got) != sha256.Sum256(big) {
		t.Errorf("large body: %d bytes, err %v; want the server's %d bytes", len(got), err, len(big))
	}
}

// TestResponseTimeout checks timeouts.response: a silent server gives 504,
// or a retry elsewhere when timeouts are retried.
func TestResponseTimeout(t *testing.T) {
	silent := serveHTTP(t, "silent", func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(time.Second)
	})
	live := startServer(t, "live", "127.0.0.1:0", 0)
	r := startProxy(t, config(t, "timeouts: {response: 100ms}\n", silent), Options{})
	start := time.Now()
	if code, _ := r.get(t, "/"); code != http.StatusGatewayTimeout {
		t.Errorf("silent server: %d, want 504", code)
	}
	if d := time.Since(start); d > 800*time.Millisecond {
		t.Errorf("504 after %s, want about the 100ms response timeout", d)
	}
	r2 := startProxy(t, config(t, "timeouts: {response: 100ms}\nretries: {count: 1, on: [timeout]}\n", silent, live), Options{})
	if code, body := r2.get(t, "/"); code != http.StatusOK || body != "live" {
		t.Errorf("with timeouts retried: %d %q, want 200 from live", code, body)
	}
}

// TestNoResponseTimeout checks timeouts.response 0, which is none: a
// server that takes its time is waited for, on plain requests and on
// upgrades alike, while the default of 60 s stays in force otherwise.
func TestNoResponseTimeout(t *testing.T) {
	patient := startServer(t, "patient", "127.0.0.1:0", 300*time.Millisecond)
	ws := wsEcho(t, "ws")
	r := startProxy(t, config(t, "timeouts: {response: 0}\n", patient), Options{})
	if code, body := r.get(t, "/"); code != http.StatusOK || body != "patient" {
		t.Errorf("timeouts.response 0: %d %q, want 200 from patient", code, body)
	}
	r2 := startProxy(t, config(t, "timeouts: {response: 0}\n", ws), Options{})
	c, br := openWebSocket(t, r2.Addr().String())
	defer c.Close()
	ping(t, c, br)
	if d := config(t, "", patient).Timeouts.Response.D(); d != 60*time.Second {
		t.Errorf("default response timeout %s, want 60s", d)
	}
}

// TestConnectionHeader checks that keep-alive is between the proxy and
// each side: a client's "Connection: close" closes the client's connection
// only, and a server's does not close the client's.
func TestConnectionHeader(t *testing.T) {
	closing := serveHTTP(t, "closing", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Connection") != "" {
			t.Errorf("the server got Connection: %q", r.Header.Get("Connection"))
		}
		w.Header().Set("Connection", "close")
		io.WriteString(w, "ok")
	})
	r := startProxy(t, config(t, "", closing), Options{})
	c, err := net.Dial("tcp", r.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	br := bufio.NewReader(c)
	send := func(extra string) *http.Response {
		t.Helper()
		fmt.Fprintf(c, "GET / HTTP/1.1\r\nHost: x\r\n%s\r\n", extra)
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp
	}
	if resp := send(""); resp.Close {
		t.Error("the server's Connection: close reached the client")
	}
	if resp := send("Connection: close\r\n"); !resp.Close {
		t.Error("the client asked to close, the response does not say so")
	}
	c.SetReadDeadline(time.Now().Add(2 * time.Second))
	if n, err := br.Read(make([]byte, 1)); n != 0 || err != io.EOF {
		t.Errorf("after Connection: close the connection stays open (read %d, %v)", n, err)
	}
}

// TestHEAD checks that a HEAD response keeps the server's Content-Length
// and has no body.
func TestHEAD(t *testing.T) {
	s := serveHTTP(t, "s", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "1234")
	})
	r := startProxy(t, config(t, "", s), Options{})
	resp, err := r.client.Head(r.url("/"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.ContentLength != 1234 {
		t.Errorf("HEAD: %d with Content-Length %d, want 200 with the server's 1234", resp.StatusCode, resp.ContentLength)
	}
}

// TestDrainUpgraded checks that a drain waits for an upgraded session: it
// keeps working after the drain began, and Serve returns once it ends.
func TestDrainUpgraded(t *testing.T) {
	r := startProxy(t, config(t, "timeouts: {grace: 5s}\n", wsEcho(t, "ws")), Options{})
	c, br := openWebSocket(t, r.Addr().String())
	defer c.Close()
	r.stop()
	time.Sleep(200 * time.Millisecond)
	ping(t, c, br)
	select {
	case <-r.done:
		t.Fatalf("Serve returned (%v) while a session was open", r.err)
	default:
	}
	c.Close()
	select {
	case <-r.done:
	case <-time.After(3 * time.Second):
		t.Error("Serve did not return after the session ended")
	}
}

// TestDrainGrace checks that a drain ends when the grace period does: a
// request still in flight is cut off and Serve says so.
func TestDrainGrace(t *testing.T) {
	slow := startServer(t, "slow", "127.0.0.1:0", 3*time.Second)
	r := startProxy(t, config(t, "timeouts: {grace: 200ms}\n", slow), Options{})
	got := make(chan error, 1)
	go func() {
		resp, err := http.Get(r.url("/"))
		if err == nil {
			resp.Body.Close()
		}
		got <- err
	}()
	waitFor(t, 2*time.Second, "the request in flight", func() bool { return slow.hits.Load() == 1 })
	r.wantDrainCut(t)
	select {
	case err := <-got:
		if err == nil {
			t.Error("the request in flight got a response, want its connection cut")
		}
	case <-time.After(2 * time.Second):
		t.Error("the request in flight was not cut off")
	}
}

// TestServerClosesIdle checks that a pooled connection the server closed
// while idle is not reused: the next request gets a new one and succeeds,
// with no failure counted against the server, even with retries off.
func TestServerClosesIdle(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &testServer{name: "s", addr: ln.Addr().String()}
	s.srv = &http.Server{Handler: http.HandlerFunc(s.serve), IdleTimeout: 100 * time.Millisecond}
	go s.srv.Serve(ln)
	t.Cleanup(s.kill)
	r := startProxy(t, config(t, "passive: {max_fails: 1}\n", s), Options{})
	for i := range 2 {
		if code, body := r.get(t, "/"); code != http.StatusOK || body != "s" {
			t.Fatalf("request %d: %d %q, want 200", i, code, body)
		}
		if i == 0 {
			time.Sleep(staleCheckAfter + 200*time.Millisecond) // the server closes the connection meanwhile
		}
	}
	if st := r.server(t, "s"); st.Failures != 0 || st.State != "up" {
		t.Errorf("server: %+v, want up with no failure", st)
	}
}

// TestHeaderSpelling checks that headers are handled whatever their case:
// a client's lowercase x-forwarded-for, x-real-ip, te and hop-by-hop
// headers do not reach the server, and a lowercase upgrade is an upgrade.
func TestHeaderSpelling(t *testing.T) {
	seen := make(chan http.Header, 1)
	app := serveHTTP(t, "app", func(w http.ResponseWriter, r *http.Request) {
		seen <- r.Header.Clone()
		if r.Header.Get("Authorization") != "" {
			t.Errorf("the server got Authorization %q", r.Header.Get("Authorization"))
		}
	})
	r := startProxy(t, config(t, "", app), Options{})
	rawExchange(t, r.Addr().String(), "GET http://user:pw@app/ HTTP/1.1\r\nHost: app\r\n"+
		"x-forwarded-for: 6.6.6.6\r\nx-real-ip: 6.6.6.6\r\nte: trailers\r\nkeep-alive: 5\r\n"+
		"connection: x-hop, close\r\nx-hop: 1\r\nproxy-authorization: secret\r\n\r\n")
	h := <-seen
	if got := h.Values("X-Forwarded-For"); len(got) != 1 || got[0] != "127.0.0.1" {
		t.Errorf("X-Forwarded-For = %q, want only the proxy's 127.0.0.1", got)
	}
	for _, k := range []string{"X-Real-Ip", "Te", "Keep-Alive", "X-Hop", "Proxy-Authorization"} {
		if v := h.Get(k); v != "" {
			t.Errorf("the server got %s: %q", k, v)
		}
	}

	ws := wsEcho(t, "ws")
	r2 := startProxy(t, config(t, "", ws), Options{})
	c, err := net.Dial("tcp", r2.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	io.WriteString(c, "GET /chat HTTP/1.1\r\nHost: x\r\nupgrade: websocket\r\nconnection: upgrade\r\n\r\n")
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, nil)
	if err != nil || resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("lowercase upgrade: %v, %v; want 101", resp, err)
	}
	ping(t, c, br)
}

// TestOddServers checks answers from servers that are legal but unusual:
// HTTP/1.0 with the body ended by closing, no Date or Content-Type, and a
// declined upgrade whose 304 announces a length it must not send.
func TestOddServers(t *testing.T) {
	old := serveTCP(t, "old", func(c net.Conn) {
		bufio.NewReader(c).ReadString('\n')
		io.WriteString(c, "HTTP/1.0 200 OK\r\nX-Old: 1\r\n\r\nhello")
	})
	r := startProxy(t, config(t, "", old), Options{})
	resp := rawExchange(t, r.Addr().String(), "GET / HTTP/1.1\r\nHost: x\r\n\r\n")[0]
	body := bodyOf(resp)
	if resp.StatusCode != http.StatusOK || body != "hello" || resp.Header.Get("X-Old") != "1" {
		t.Errorf("HTTP/1.0 server: %d %q %v, want 200 hello", resp.StatusCode, body, resp.Header)
	}
	for _, k := range []string{"Date", "Content-Type"} {
		if v := resp.Header.Get(k); v != "" {
			t.Errorf("the proxy added %s: %q", k, v)
		}
	}

	declining := serveTCP(t, "declining", func(c net.Conn) {
		bufio.NewReader(c).ReadString('\n')
		io.WriteString(c, "HTTP/1.1 304 Not Modified\r\nContent-Length: 100\r\n\r\n")
		time.Sleep(5 * time.Second)
	})
	r2 := startProxy(t, config(t, "", declining), Options{})
	start := time.Now()
	resp = rawExchange(t, r2.Addr().String(), "GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n")[0]
	if resp.StatusCode != http.StatusNotModified || time.Since(start) > 2*time.Second {
		t.Errorf("declined upgrade: %d after %s, want 304 at once", resp.StatusCode, time.Since(start))
	}
	waitFor(t, time.Second, "the attempt to end", func() bool { return r2.server(t, "declining").InFlight == 0 })
}

// TestServerNotReading checks that a server that stops reading cannot hold
// a request for ever: the write to it times out with timeouts.response.
func TestServerNotReading(t *testing.T) {
	deaf := serveTCP(t, "deaf", func(c net.Conn) { time.Sleep(10 * time.Second) })
	r := startProxy(t, config(t, "timeouts: {response: 300ms}\n", deaf), Options{})
	start := time.Now()
	resp, err := r.client.Post(r.url("/"), "application/octet-stream", bytes.NewReader(make([]byte, 15<<20)))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusGatewayTimeout || time.Since(start) > 3*time.Second {
		t.Errorf("%d after %s, want 504 after about 300ms", resp.StatusCode, time.Since(start))
	}
	waitFor(t, time.Second, "the attempt to end", func() bool { return r.server(t, "deaf").InFlight == 0 })
}

// TestUpgradeClientGone resets a client connection while its upgrade is
// on the way: the attempt still ends, and the server connection closes.
func TestUpgradeClientGone(t *testing.T) {
	slow := serveHTTP(t, "ws", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Upgrade") == "" {
			io.WriteString(w, "plain")
			return
		}
		time.Sleep(200 * time.Millisecond)
		c, _, err := http.NewResponseController(w).Hijack()
		if err != nil {
			return
		}
		defer c.Close()
		io.WriteString(c, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n")
		io.Copy(io.Discard, c)
	})
	r := startProxy(t, config(t, "", slow), Options{})
	for range 3 {
		c, err := net.Dial("tcp", r.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		// A pipelined request leaves a response to flush before the
		// hand-over, which fails once the client is gone.
		io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\nGET /chat HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n")
		time.Sleep(50 * time.Millisecond)
		c.(*net.TCPConn).SetLinger(0)
		c.Close()
	}
	waitFor(t, 3*time.Second, "every attempt to end", func() bool { return r.server(t, "ws").InFlight == 0 })
}
