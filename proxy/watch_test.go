package proxy

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"testing"
	"time"
)

// TestClientLeaves checks that a client that closes its connection while
// the server is silent ends its request at once: the server's slot is
// freed long before any timeout, the server is not blamed, and a drain
// finds nothing in flight and ends at once, with no error.
func TestClientLeaves(t *testing.T) {
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	for _, tc := range []struct {
		name string
		path string
		head bool // the client reads the response head before it leaves
	}{
		{"waiting for the head", "/head", false},
		{"between two pieces of the body", "/body", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := serveHTTP(t, "slow", func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/body" {
					io.WriteString(w, "first piece\n")
					w.(http.Flusher).Flush()
				}
				select {
				case <-release:
				case <-r.Context().Done():
				}
			})
			r := startProxy(t, config(t, "timeouts: {grace: 10s}\n", s), Options{})
			c, err := net.Dial("tcp", r.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			io.WriteString(c, "GET "+tc.path+" HTTP/1.1\r\nHost: x\r\n\r\n")
			if tc.head {
				c.SetReadDeadline(time.Now().Add(5 * time.Second))
				if _, err := http.ReadResponse(bufio.NewReader(c), nil); err != nil {
					t.Fatal(err)
				}
			}
			waitFor(t, 5*time.Second, "the request to be in flight", func() bool { return r.server(t, "slow").InFlight == 1 })
			left := time.Now()
			c.Close()
			waitFor(t, time.Second, "the request to end", func() bool { return r.server(t, "slow").InFlight == 0 })
			if d := time.Since(left); d > 300*time.Millisecond {
				t.Errorf("the request ended %s after its client left, want within 300ms", d)
			}
			if f := r.server(t, "slow").Failures; f != 0 {
				t.Errorf("%d failures counted against the server, want 0", f)
			}
			d, err := r.drain()
			if err != nil || d > time.Second {
				t.Errorf("drain took %s and returned %v; want at once and nil", d, err)
			}
		})
	}
}

// TestClientLeavesAfterLongSilence checks that the checks on a client,
// which come less often once its server has been silent for a second,
// still notice it leave within maxClientCheck.
func TestClientLeavesAfterLongSilence(t *testing.T) {
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	s := serveHTTP(t, "slow", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	r := startProxy(t, config(t, "", s), Options{})
	c, err := net.Dial("tcp", r.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	waitFor(t, 5*time.Second, "the request to be in flight", func() bool { return r.server(t, "slow").InFlight == 1 })
	time.Sleep(clientBackoff + 1500*time.Millisecond) // past the checks at 1, 1.2, 1.6 and 2.4 s
	left := time.Now()
	c.Close()
	waitFor(t, 3*time.Second, "the request to end", func() bool { return r.server(t, "slow").InFlight == 0 })
	if d := time.Since(left); d > maxClientCheck+300*time.Millisecond {
		t.Errorf("the request ended %s after its client left, want within %s", d, maxClientCheck)
	}
}

// TestUnaskedSwitchCloses checks that a server that switches protocols on
// a plain request gets 502 sent to the client and its connection closed,
// not kept open or pooled.
func TestUnaskedSwitchCloses(t *testing.T) {
	closed := make(chan error, 1)
	odd := serveHTTP(t, "odd", func(w http.ResponseWriter, r *http.Request) {
		c, _, err := http.NewResponseController(w).Hijack()
		if err != nil {
			return
		}
		defer c.Close()
		io.WriteString(c, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\nConnection: Upgrade\r\n\r\n")
		c.SetReadDeadline(time.Now().Add(2 * time.Second))
		_, err = io.Copy(io.Discard, c)
		closed <- err
	})
	r := startProxy(t, config(t, "", odd), Options{})
	if code, _ := r.get(t, "/"); code != http.StatusBadGateway {
		t.Errorf("status %d, want 502", code)
	}
	if err := <-closed; err != nil {
		t.Errorf("the server's connection was not closed: %v", err)
	}
	waitFor(t, time.Second, "no request in flight", func() bool { return r.server(t, "odd").InFlight == 0 })
}
