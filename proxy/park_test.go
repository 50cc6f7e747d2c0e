package proxy

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"
)

// parkedConns counts the connections park waits on.
func (s *connSet) parkedConns() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.parked)
}

// keepAlive is one client connection to a proxy, read through one reader.
type keepAlive struct {
	c  net.Conn
	br *bufio.Reader
}

func dialKeepAlive(t *testing.T, r *running) *keepAlive {
	t.Helper()
	c, err := net.Dial("tcp", r.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &keepAlive{c: c, br: bufio.NewReader(c)}
}

// send writes the pieces of a request, pausing between them, and returns
// the bodies of the n answers.
func (k *keepAlive) send(t *testing.T, n int, pause time.Duration, pieces ...string) []string {
	t.Helper()
	for i, p := range pieces {
		if i > 0 {
			time.Sleep(pause)
		}
		if _, err := io.WriteString(k.c, p); err != nil {
			t.Fatal(err)
		}
	}
	k.c.SetReadDeadline(time.Now().Add(5 * time.Second))
	var bodies []string
	for range n {
		resp, err := http.ReadResponse(k.br, nil)
		if err != nil {
			t.Fatalf("reading an answer: %v", err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("status %d (%s), want 200", resp.StatusCode, b)
		}
		bodies = append(bodies, string(b))
	}
	return bodies
}

// closedWithin reports whether the proxy closes k within d, having sent
// nothing more.
func (k *keepAlive) closedWithin(d time.Duration) bool {
	k.c.SetReadDeadline(time.Now().Add(d))
	_, err := k.br.ReadByte()
	return err != nil && !errors.Is(err, os.ErrDeadlineExceeded)
}

const get = "GET /x HTTP/1.1\r\nHost: a\r\n\r\n"

// TestParkedConnection checks that a keep-alive connection idle past
// parkAfter is parked, and is served as before when its client comes
// back, however its next request arrives.
func TestParkedConnection(t *testing.T) {
	for _, tc := range []struct {
		name   string
		pieces []string
		n      int
	}{
		{"whole request", []string{get}, 1},
		{"first byte alone", []string{get[:1], get[1:]}, 1},
		{"head in two pieces", []string{get[:9], get[9:]}, 1},
		{"two requests at once", []string{get + get}, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := startServer(t, "a", "127.0.0.1:0", 0)
			r := startProxy(t, config(t, "", a), Options{})
			k := dialKeepAlive(t, r)
			first := k.send(t, 1, 0, get)
			waitFor(t, 2*time.Second, "the connection to park", func() bool { return r.clientConns.parkedConns() == 1 })
			if m := adminGet(t, r, "/metrics"); !strings.Contains(m, `lbsim_proxy_client_connections{state="parked"} 1`) || !strings.Contains(m, `lbsim_proxy_client_connections{state="served"} 0`) {
				t.Errorf("metrics do not count the parked connection:\n%s", m)
			}
			if c := r.Stats().Clients; c != (ClientStats{Served: 0, Parked: 1}) {
				t.Errorf("stats count clients %+v, want one parked", c)
			}
			got := k.send(t, tc.n, 50*time.Millisecond, tc.pieces...)
			for _, b := range got {
				if b != first[0] {
					t.Errorf("answer after parking %q, want %q as before", b, first[0])
				}
			}
			// Served again, the connection parks again.
			waitFor(t, 2*time.Second, "the connection to park again", func() bool { return r.clientConns.parkedConns() == 1 })
			if got := k.send(t, 1, 0, get); got[0] != first[0] {
				t.Errorf("answer after parking twice %q, want %q", got[0], first[0])
			}
		})
	}
}

// TestParkedIdleTimeout checks that parking keeps timeouts.idle: a parked
// connection is closed when timeouts.idle has passed since its last
// answer, not at parkAfter and not never.
func TestParkedIdleTimeout(t *testing.T) {
	a := startServer(t, "a", "127.0.0.1:0", 0)
	r := startProxy(t, config(t, "timeouts: {idle: 600ms}\n", a), Options{})
	k := dialKeepAlive(t, r)
	k.send(t, 1, 0, get)
	start := time.Now()
	if k.closedWithin(400 * time.Millisecond) {
		t.Fatalf("closed after %s, want open until timeouts.idle (600ms)", time.Since(start))
	}
	if r.clientConns.parkedConns() != 1 {
		t.Fatalf("%d parked connections, want 1", r.clientConns.parkedConns())
	}
	if !k.closedWithin(2 * time.Second) {
		t.Fatal("a parked connection was kept past timeouts.idle")
	}
	// The coarse clock and the lazy write deadline may each take off a
	// little; 600ms less a sixteenth and a tick is the earliest.
	if d := time.Since(start); d < 500*time.Millisecond {
		t.Errorf("closed after %s, want about 600ms", d)
	}
	if n := r.clientConns.parkedConns(); n != 0 {
		t.Errorf("%d parked connections after the close, want 0", n)
	}
}

// TestNeverParked checks the connections that must not park: one that
// never sent a request is closed at timeouts.header, and an upgraded one
// stays a tunnel however long it is quiet.
func TestNeverParked(t *testing.T) {
	ws := wsEcho(t, "ws")
	r := startProxy(t, config(t, "timeouts: {header: 300ms}\n", ws), Options{})

	silent := dialKeepAlive(t, r)
	if !silent.closedWithin(2 * time.Second) {
		t.Error("a connection that sent nothing was kept past timeouts.header")
	}

	c, br := openWebSocket(t, r.Addr().String())
	defer c.Close()
	ping(t, c, br)
	time.Sleep(3 * parkAfter)
	if n := r.clientConns.parkedConns(); n != 0 {
		t.Errorf("%d parked connections, want 0", n)
	}
	ping(t, c, br)
}

// TestDrainParked checks that a drain closes parked connections at once,
// as nginx closes idle keep-alive connections, and ends without error.
func TestDrainParked(t *testing.T) {
	a := startServer(t, "a", "127.0.0.1:0", 0)
	r := startProxy(t, config(t, "timeouts: {grace: 5s}\n", a), Options{})
	k := dialKeepAlive(t, r)
	k.send(t, 1, 0, get)
	waitFor(t, 2*time.Second, "the connection to park", func() bool { return r.clientConns.parkedConns() == 1 })
	d, err := r.drain()
	if err != nil || d > time.Second {
		t.Errorf("drain took %s and returned %v, want at once and nil", d, err)
	}
	if !k.closedWithin(time.Second) {
		t.Error("a parked connection outlived the drain")
	}
}

// TestStalledBodyNotParked checks that a connection whose request body
// stalls is answered 408 and closed, not parked and served again: only a
// wait for a new request parks, never one inside a request (after fasthttp's
// own "100 Continue" here), or bytes sent later would be read as a request.
func TestStalledBodyNotParked(t *testing.T) {
	a := startServer(t, "a", "127.0.0.1:0", 0)
	r := startProxy(t, config(t, "timeouts: {idle: 300ms}\n", a), Options{})
	k := dialKeepAlive(t, r)
	io.WriteString(k.c, "POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\nExpect: 100-continue\r\n\r\n")
	k.c.SetReadDeadline(time.Now().Add(5 * time.Second))
	cont, err := http.ReadResponse(k.br, nil)
	if err != nil || cont.StatusCode != http.StatusContinue {
		t.Fatalf("interim answer %v (%v), want 100 Continue", cont, err)
	}
	resp, err := http.ReadResponse(k.br, nil)
	if err != nil || resp.StatusCode != http.StatusRequestTimeout {
		t.Fatalf("answer %v (%v), want 408 once the body stalls", resp, err)
	}
	io.Copy(io.Discard, resp.Body)
	if n := r.clientConns.parkedConns(); n != 0 {
		t.Errorf("%d parked connections, want 0", n)
	}
	// What the client sends next is not served.
	io.WriteString(k.c, get)
	if resp, err := http.ReadResponse(k.br, nil); err == nil {
		t.Errorf("a request after the 408 was answered %d, want the connection closed", resp.StatusCode)
	}
}
