package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/lbsim/lbsim/playground"
)

// defaultServeListen is where lbsim serve listens: loopback, so that only
// this machine reaches a server that runs what it is sent.
const defaultServeListen = "127.0.0.1:8090"

func serveCmd(args []string, _, stderr io.Writer) error {
	fs := newFlags("serve", stderr)
	listen := fs.String("listen", defaultServeListen, "address to serve the playground on; anything but loopback lets other machines run scenarios here")
	maxRequests := fs.Int64("max-requests", playground.DefaultMaxRequests, "cut each algorithm's run after this many arrivals (the answer says so)")
	maxTime := fs.Duration("max-time", playground.DefaultMaxTime, "stop a request's runs after this long and answer 504")
	maxRuns := fs.Int("max-runs", playground.DefaultMaxRuns, "run at most this many requests at once; more are answered 503")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: lbsim serve [--listen 127.0.0.1:8090]")
		fmt.Fprintln(stderr, "Serves the playground: pick or edit a scenario in a browser, run it, compare runs, step through explain and trace.")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return usagef("serve takes no arguments, got %q; the address is given with --listen", fs.Args())
	}
	switch {
	case *maxRequests < 1:
		return usagef("--max-requests must be at least 1, got %d", *maxRequests)
	case *maxTime <= 0:
		return usagef("--max-time must be above 0, such as 60s, got %s", *maxTime)
	case *maxRuns < 1:
		return usagef("--max-runs must be at least 1, got %d", *maxRuns)
	}
	if _, _, err := net.SplitHostPort(*listen); err != nil {
		return usagef("--listen %q: want HOST:PORT, such as %s: %v", *listen, defaultServeListen, err)
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	var handler http.Handler = playground.New(playground.Config{MaxRequests: *maxRequests, MaxTime: *maxTime, MaxRuns: *maxRuns})
	addr := ln.Addr().(*net.TCPAddr)
	if addr.IP.IsLoopback() {
		handler = loopbackOnly(handler)
	} else {
		fmt.Fprintf(stderr, "lbsim serve: warning: %s is not a loopback address: anyone who reaches it can run scenarios on this machine\n", addr)
	}
	fmt.Fprintf(stderr, "lbsim serve: the playground is at http://%s/ (Ctrl+C stops it)\n", addr)

	// Signals end the server's context, which every request's runs
	// derive from: shutting down stops them rather than waiting.
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	srv := &http.Server{
		Handler:           handler,
		BaseContext:       func(net.Listener) context.Context { return ctx },
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       time.Minute,
		WriteTimeout:      *maxTime + time.Minute,
		IdleTimeout:       2 * time.Minute,
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	stop() // a second Ctrl+C ends the process at once
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil {
		srv.Close() // a client that has not read its answer in time
		if !errors.Is(err, context.DeadlineExceeded) {
			return fmt.Errorf("serve: %w", err)
		}
	}
	fmt.Fprintln(stderr, "lbsim serve: stopped")
	return nil
}

// loopbackOnly answers only requests addressed to this machine's loopback
// by name or address. A page on another site whose name is made to
// resolve to 127.0.0.1 (DNS rebinding) would otherwise count as the
// playground's own origin.
func loopbackOnly(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host := r.Host
		if name, _, err := net.SplitHostPort(host); err == nil {
			host = name
		}
		if ip := net.ParseIP(strings.Trim(host, "[]")); (ip != nil && ip.IsLoopback()) || strings.EqualFold(host, "localhost") {
			h.ServeHTTP(w, r)
			return
		}
		http.Error(w, "lbsim serve listens on loopback: open it as localhost or 127.0.0.1, not as "+r.Host, http.StatusForbidden)
	})
}
