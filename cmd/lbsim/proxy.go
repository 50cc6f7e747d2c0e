package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"

	"github.com/spf13/pflag"
	"go.yaml.in/yaml/v3"

	"github.com/lbsim/lbsim/algorithms"
	"github.com/lbsim/lbsim/proxy"
	"github.com/lbsim/lbsim/scenarios"
)

// proxyFlags are the command line of lbsim proxy.
type proxyFlags struct {
	config      string
	backends    []string
	listen      string
	admin       string
	algorithm   string
	mode        string
	healthCheck string
	retries     int
	passive     bool
	sticky      string
	adminPublic bool
	accessLog   string
	maxBuffered int64
	fs          *pflag.FlagSet
}

func proxyCmd(args []string, stdout, stderr io.Writer) error {
	f := proxyFlags{fs: newFlags("proxy", stderr)}
	fs := f.fs
	fs.Usage = func() {
		fmt.Fprint(stderr, "Usage: lbsim proxy (--backend ADDR... | --config FILE) [flags]\n\n"+
			"Runs a reverse proxy over real servers with one of lbsim's algorithms.\n"+
			"SIGTERM or SIGINT drains it; SIGHUP reloads --config.\n\n")
		fs.PrintDefaults()
	}
	fs.StringVarP(&f.config, "config", "c", "", "config file: a scenario whose servers have addresses (see docs/proxy.md)")
	fs.StringArrayVar(&f.backends, "backend", nil, "a server, repeatable: http://host:port (host:port in tcp mode), optionally followed by ,weight=N")
	fs.StringVar(&f.listen, "listen", "", "address to accept clients on (default "+scenarios.DefaultListen+")")
	fs.StringVar(&f.algorithm, "algorithm", "", "balancing algorithm (default "+scenarios.DefaultProxyPolicy+"; see lbsim list)")
	fs.StringVar(&f.mode, "mode", "", "http or tcp (default http)")
	fs.StringVar(&f.admin, "admin", "", "address of the admin listener (/stats, /stats.json, /metrics), or off (default "+scenarios.DefaultAdmin+")")
	fs.StringVar(&f.healthCheck, "health-check", "", "turn on active checks: GET this path on every server (HTTP) or connect (TCP)")
	fs.IntVar(&f.retries, "retries", 1, "retry a refused or broken attempt this many times on other servers, as nginx does; 0 is off")
	fs.BoolVar(&f.passive, "passive", true, "eject a server for 10s after a failed attempt (nginx's max_fails=1 fail_timeout=10s); --passive=false is off")
	fs.StringVar(&f.sticky, "sticky", "", "pin clients to servers with a cookie of this name")
	fs.Int64Var(&f.maxBuffered, "max-buffered-bytes", scenarios.DefaultMaxBuffered, "request body bytes held at once over all requests; a body beyond it is answered 503")
	fs.BoolVar(&f.adminPublic, "admin-public", false, "allow the admin listener on a non-loopback address")
	fs.StringVar(&f.accessLog, "access-log", "-", "access log (JSON lines): - for stdout, a file to append to, or off")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("proxy: unexpected argument %q; servers are given with --backend", fs.Arg(0))
	}
	cfg, err := f.load()
	if err != nil {
		return err
	}
	if keys := cfg.SimulationKeys(); len(keys) > 0 {
		// A scenario makes a valid config; what only the simulator reads
		// is said once, so that nothing is ignored silently.
		fmt.Fprintf(stderr, "lbsim proxy: ignoring simulation keys in %s: %s\n", f.config, strings.Join(keys, ", "))
	}

	events := slog.New(slog.NewTextHandler(stderr, nil))
	access, closeLog, err := openAccessLog(f.accessLog, stdout)
	if err != nil {
		return err
	}
	defer closeLog()
	p, err := proxy.Listen(cfg, proxy.Options{Log: events, AccessLog: access, AdminPublic: f.adminPublic})
	if err != nil {
		switch {
		case errors.Is(err, proxy.ErrNoAlgorithm):
			return usagef("%s: %v", cfg.Source, err)
		case errors.Is(err, proxy.ErrAdminNotLoopback):
			return usagef("proxy: %v", err)
		}
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer func() {
		signal.Stop(hup)
		close(hup)
	}()
	go func() {
		for range hup {
			if f.config == "" {
				events.Warn("SIGHUP: nothing to reload without --config")
				continue
			}
			next, err := f.load()
			if err == nil {
				err = p.Reload(next)
			}
			if err != nil {
				events.Error("reload refused; the running config stays", "err", err)
			} else if keys := next.SimulationKeys(); len(keys) > 0 {
				events.Warn("ignoring simulation keys", "file", f.config, "keys", strings.Join(keys, ", "))
			}
		}
	}()
	admin := "off"
	if a := p.AdminAddr(); a != nil {
		admin = "http://" + a.String() + "/stats"
	}
	events.Info("proxying", "listen", p.Addr().String(), "mode", cfg.Mode, "algorithm", cfg.Algorithm, "servers", len(cfg.Servers), "admin", admin)
	return p.Serve(ctx)
}

// load reads the config file, or builds a config from the flags, then
// applies the flags that override a file.
func (f *proxyFlags) load() (*scenarios.Scenario, error) {
	if f.config != "" {
		for _, name := range []string{"backend", "health-check", "retries", "passive", "sticky", "mode", "max-buffered-bytes"} {
			if f.fs.Changed(name) {
				return nil, usagef("proxy: --%s cannot be combined with --config; set it in the file", name)
			}
		}
		cfg, err := scenarios.LoadProxy(f.config)
		if err != nil {
			return nil, err
		}
		// Overrides replace values the file's validation already
		// accepted, and are checked the same way: an alias runs, and
		// shows, as the policy it names.
		if f.algorithm != "" {
			name, err := algorithms.Resolve(f.algorithm)
			if err != nil {
				return nil, usagef("proxy: --algorithm: %v", err)
			}
			cfg.Algorithm = name
		}
		if f.listen != "" {
			cfg.Listen = f.listen
		}
		if f.admin != "" {
			cfg.Admin = f.admin
		}
		return cfg, nil
	}
	if len(f.backends) == 0 {
		return nil, usagef("proxy: give the servers with --backend (one per server) or a --config file")
	}
	doc, err := f.yaml()
	if err != nil {
		return nil, err
	}
	cfg, err := scenarios.ParseProxy("command line", doc)
	if err != nil {
		var se *scenarios.Error
		if errors.As(err, &se) {
			return nil, usagef("proxy: %s: %s", f.flagFor(se.Field), se.Msg)
		}
		return nil, err
	}
	return cfg, nil
}

// yaml writes the flags as a proxy config, so flags and files are checked
// by the same loader.
func (f *proxyFlags) yaml() ([]byte, error) {
	doc := map[string]any{"name": "command-line"}
	var servers []map[string]any
	for i, b := range f.backends {
		addr, opts, _ := strings.Cut(b, ",")
		srv := map[string]any{"name": serverName(addr), "address": addr}
		if opts != "" {
			w, ok := strings.CutPrefix(opts, "weight=")
			n, err := strconv.Atoi(w)
			if !ok || err != nil {
				return nil, usagef("proxy: --backend #%d %q: after the address only ,weight=N may follow", i+1, b)
			}
			srv["weight"] = n
		}
		servers = append(servers, srv)
	}
	doc["servers"] = servers
	for key, v := range map[string]string{"listen": f.listen, "admin": f.admin, "algorithm": f.algorithm, "mode": f.mode} {
		if v != "" {
			doc[key] = v
		}
	}
	if f.healthCheck != "" {
		doc["health_check"] = map[string]any{"path": f.healthCheck}
	}
	doc["retries"] = map[string]any{"count": f.retries}
	if !f.passive {
		doc["passive"] = map[string]any{"max_fails": 0}
	}
	if f.sticky != "" {
		doc["sticky"] = map[string]any{"cookie": f.sticky}
	}
	if f.fs.Changed("max-buffered-bytes") {
		doc["max_buffered_bytes"] = f.maxBuffered
	}
	return yaml.Marshal(doc)
}

// serverName names a server given by flag after its host and port.
func serverName(addr string) string {
	if _, rest, ok := strings.Cut(addr, "://"); ok {
		return rest
	}
	return addr
}

// flagFor names the flag behind a config field, for messages.
func (f *proxyFlags) flagFor(field string) string {
	if rest, ok := strings.CutPrefix(field, "servers["); ok {
		i, _ := strconv.Atoi(rest[:strings.IndexByte(rest, ']')])
		return fmt.Sprintf("--backend #%d (%s)", i+1, f.backends[min(i, len(f.backends)-1)])
	}
	names := map[string]string{
		"health_check.path": "--health-check", "retries.count": "--retries", "sticky.cookie": "--sticky",
	}
	if n, ok := names[field]; ok {
		return n
	}
	return "--" + strings.ReplaceAll(field, "_", "-")
}

// openAccessLog opens the access log: stdout for "-", nothing for "off",
// otherwise a file appended to.
func openAccessLog(dest string, stdout io.Writer) (*slog.Logger, func(), error) {
	switch dest {
	case "off":
		return nil, func() {}, nil
	case "-":
		return slog.New(slog.NewJSONHandler(stdout, nil)), func() {}, nil
	}
	file, err := os.OpenFile(dest, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return nil, nil, usagef("proxy: --access-log: %v", err)
	}
	return slog.New(slog.NewJSONHandler(file, nil)), func() { file.Close() }, nil
}
