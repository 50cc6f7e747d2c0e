package proxy_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"

	"github.com/lbsim/lbsim/proxy"
	"github.com/lbsim/lbsim/scenarios"
)

// A proxy config is a scenario whose servers have addresses; Listen binds
// it and Serve runs it until its context ends.
func ExampleListen() {
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "hello from app")
	}))
	defer app.Close()

	cfg, err := scenarios.ParseProxy("example.yaml", []byte(`
name: example
listen: 127.0.0.1:0
admin: "off"
algorithm: least_connections
servers:
  - {name: app, address: "`+app.URL+`"}
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	p, err := proxy.Listen(cfg, proxy.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	done := make(chan error)
	go func() { done <- p.Serve(ctx) }()

	resp, err := http.Get("http://" + p.Addr().String() + "/")
	if err != nil {
		fmt.Println(err)
		return
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	fmt.Println(resp.StatusCode, string(body))

	s := p.Stats().Servers[0]
	fmt.Println(s.Name, s.State, s.Requests, "request(s)")

	stop()
	fmt.Println("drained:", <-done)
	// Output:
	// 200 hello from app
	// app up 1 request(s)
	// drained: <nil>
}
