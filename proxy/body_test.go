package proxy

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"
)

// openBody starts a POST that announces a body of size bytes on a new
// connection and sends the first sent bytes of it.
func openBody(t *testing.T, addr string, size, sent int) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	fmt.Fprintf(c, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n%s", size, strings.Repeat("b", sent))
	return c
}

func heapInUse() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// TestBodyMemoryFollowsBytesReceived opens many requests that announce
// large bodies and send little of them: the proxy's memory grows with
// what arrived, not with what was announced, and is given back when the
// clients leave.
func TestBodyMemoryFollowsBytesReceived(t *testing.T) {
	r := startProxy(t, config(t, "", echoBody(t, "echo")), Options{})
	const conns = 20
	for _, tc := range []struct {
		name       string
		size, sent int
		held       int64 // bytes held once all arrived
	}{
		{"16 MiB announced, 1 byte sent", 16 << 20, 1, 0},
		{"16 MiB announced, 100 KiB sent", 16 << 20, 100 << 10, conns * 100 << 10},
		{"1 MiB announced, 1 MiB - 1 sent", 1 << 20, 1<<20 - 1, conns * (1<<20 - 1)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := heapInUse()
			var cs []net.Conn
			for range conns {
				cs = append(cs, openBody(t, r.Addr().String(), tc.size, tc.sent))
			}
			waitFor(t, 5*time.Second, "the bodies to be held", func() bool { return r.BufferedBytes() == tc.held })
			time.Sleep(200 * time.Millisecond) // for what else the proxy would do
			// A buffer may be up to twice what it holds; the heads and
			// the bytes fasthttp reads ahead (8 KiB a request) cost little.
			grown := int64(heapInUse()) - int64(before)
			if limit := 2*tc.held + 8<<20; grown > limit {
				t.Errorf("heap grew by %d MiB for %d MiB received, want at most %d MiB", grown>>20, conns*tc.sent>>20, limit>>20)
			}
			for _, c := range cs {
				c.Close()
			}
			waitFor(t, 5*time.Second, "the bodies to be let go", func() bool { return r.BufferedBytes() == 0 })
		})
	}
}

// TestMaxBufferedBytes checks that a body the proxy has no room left for is
// answered 503, and served again once room is made.
func TestMaxBufferedBytes(t *testing.T) {
	r := startProxy(t, config(t, "max_body_bytes: 1048576\nmax_buffered_bytes: 1572864\n", echoBody(t, "echo")), Options{})
	post := func(size int) int {
		body := strings.Repeat("p", size)
		resp, err := r.client.Post(r.url("/"), "text/plain", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK && string(got) != "POST "+body {
			t.Errorf("a body of %d bytes came back as %d bytes", size, len(got)-5)
		}
		return resp.StatusCode
	}
	holder := openBody(t, r.Addr().String(), 1<<20, 1<<20-1)
	waitFor(t, 5*time.Second, "the first body to be held", func() bool { return r.BufferedBytes() == 1<<20-1 })
	for _, tc := range []struct {
		name string
		size int
		want int
	}{
		{"no body", 0, http.StatusOK},
		{"a body that fits", 100 << 10, http.StatusOK},
		{"a body that does not", 600 << 10, http.StatusServiceUnavailable},
	} {
		if got := post(tc.size); got != tc.want {
			t.Errorf("%s: %d, want %d", tc.name, got, tc.want)
		}
	}
	holder.Close()
	waitFor(t, 5*time.Second, "the first body to be let go", func() bool { return r.BufferedBytes() == 0 })
	if got := post(600 << 10); got != http.StatusOK {
		t.Errorf("once room was made: %d, want 200", got)
	}
}

// TestChunkedRequestBodies checks chunked request bodies: held in full and
// sent on with a length, their trailers dropped (as nginx does), and
// refused with 413 beyond max_body_bytes.
func TestChunkedRequestBodies(t *testing.T) {
	s := serveHTTP(t, "echo", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		fmt.Fprintf(w, "%d %q %q %q", r.ContentLength, b, r.Header.Get("X-Check"), r.Trailer.Get("X-Check"))
	})
	r := startProxy(t, config(t, "max_body_bytes: 1000\n", s), Options{})
	big := strings.Repeat("z", 600)
	for _, tc := range []struct {
		name, req string
		code      int
		body      string
	}{
		{"trailer", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTrailer: X-Check\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\nX-Check: sum\r\n\r\n",
			http.StatusOK, `11 "hello world" "" ""`},
		{"no trailer", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
			http.StatusOK, `5 "hello" "" ""`},
		{"too large", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n258\r\n" + big + "\r\n258\r\n" + big + "\r\n0\r\n\r\n",
			http.StatusRequestEntityTooLarge, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp := rawExchange(t, r.Addr().String(), tc.req)[0]
			if resp.StatusCode != tc.code {
				t.Fatalf("status %d, want %d", resp.StatusCode, tc.code)
			}
			if got := bodyOf(resp); tc.body != "" && got != tc.body {
				t.Errorf("the server saw %s, want %s", got, tc.body)
			}
		})
	}
	if n := r.BufferedBytes(); n != 0 {
		t.Errorf("%d bytes still held", n)
	}
}
