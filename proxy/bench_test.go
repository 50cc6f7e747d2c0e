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
func BenchmarkHTTP(b *testing.B) { benchHTTP(b, "/", "", make([]string, 4)...) }

// BenchmarkHTTPRouted is BenchmarkHTTP through routes: a long path that
// one route does not match and a 90/10 split take it to a pool, which
// costs no allocation.
func BenchmarkHTTPRouted(b *testing.B) {
	benchHTTP(b, "/api/v1/customers/1234567890/orders/recent?page=2",
		"routes:\n  - {path: /reports/, pool: reports}\n  - {split: {api: 90, canary: 10}}\n",
		"api", "api", "canary", "reports")
}

// BenchmarkHTTPLimited is BenchmarkHTTP through a route with a limit per
// client that lets every request through: one client's bucket, taken by
// every request, costs no allocation.
func BenchmarkHTTPLimited(b *testing.B) {
	benchHTTP(b, "/", "routes:\n  - {pool: default, limit: {rate: 1000000, burst: 1000, nodelay: true}}\n", make([]string, 4)...)
}

// benchHTTP runs the benchmark with a server in each of pools ("" for
// none), requesting path.
func benchHTTP(b *testing.B, path, routes string, pools ...string) {
	var servers []*testServer
	for i, pool := range pools {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			b.Fatal(err)
		}
		srv := &fasthttp.Server{Handler: func(ctx *fasthttp.RequestCtx) { ctx.SetBodyString("ok\n") }}
		go srv.Serve(ln)
		b.Cleanup(func() { srv.Shutdown() })
		servers = append(servers, &testServer{name: fmt.Sprint("s", i), addr: ln.Addr().String(), pool: pool})
	}
	r := startProxy(b, config(b, "algorithm: least_connections\n"+routes, servers...), Options{})
	client := &fasthttp.HostClient{Addr: r.Addr().String()}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
		req.SetRequestURI("http://" + r.Addr().String() + path)
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
