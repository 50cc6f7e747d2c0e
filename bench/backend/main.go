// Command backend is the upstream that bench/proxy.sh puts behind each proxy
// it measures. It answers every request at once with 200 and a 3-byte body,
// so that a proxy benchmark measures the proxy's own cost rather than the
// backend's.
//
//	backend --listen 127.0.0.1:9001 --listen 127.0.0.1:9002
//
// Each --listen address gets its own server in this one process. Keep-alive
// is on (net/http's default), as the proxies hold pooled connections to it.
package main

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/pflag"
)

var body = []byte("ok\n")

func handle(w http.ResponseWriter, _ *http.Request) {
	h := w.Header()
	h["Content-Type"] = []string{"text/plain"}
	h["Content-Length"] = []string{"3"}
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
}

func main() {
	addrs := pflag.StringArray("listen", nil, "address to serve on, HOST:PORT (repeatable)")
	pflag.Parse()
	if len(*addrs) == 0 || pflag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "usage: backend --listen HOST:PORT [--listen HOST:PORT]...")
		os.Exit(2)
	}

	errs := make(chan error, len(*addrs))
	for _, addr := range *addrs {
		srv := &http.Server{Addr: addr, Handler: http.HandlerFunc(handle)}
		go func() {
			err := srv.ListenAndServe()
			if !errors.Is(err, http.ErrServerClosed) {
				errs <- fmt.Errorf("%s: %w", addr, err)
			}
		}()
	}

	// Exit on the first server that fails (a port in use, say) or on a signal
	// from the script's cleanup.
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	select {
	case err := <-errs:
		fmt.Fprintln(os.Stderr, "backend:", err)
		os.Exit(1)
	case <-sig:
	}
}
