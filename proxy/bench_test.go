package proxy

import (
	"fmt"
	"net"
	"testing"

	"github.com/valyala/fasthttp"
)

// BenchmarkHTTP measures one request through the proxy over loopback,
// with a fasthttp server and client on either side so that the
// allocations reported are the proxy's own.
func BenchmarkHTTP(b *testing.B) {
	var servers []*testServer
	for i := range 4 {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			b.Fatal(err)
		}
		srv := &fasthttp.Server{Handler: func(ctx *fasthttp.RequestCtx) { ctx.SetBodyString("ok\n") }}
		go srv.Serve(ln)
		b.Cleanup(func() { srv.Shutdown() })
		servers = append(servers, &testServer{name: fmt.Sprint("s", i), addr: ln.Addr().String()})
	}
	r := startProxy(b, config(b, "algorithm: least_connections\n", servers...), Options{})
	client := &fasthttp.HostClient{Addr: r.Addr().String()}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
		req.SetRequestURI("http://" + r.Addr().String() + "/")
		for pb.Next() {
			if err := client.Do(req, resp); err != nil {
				b.Fatal(err)
			}
			if resp.StatusCode() != 200 {
				b.Fatalf("status %d", resp.StatusCode())
			}
		}
	})
}
