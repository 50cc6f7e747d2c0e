package scenarios

import (
	"net"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/lbsim/lbsim/algorithms"
)

// The keys below configure failure handling and the live proxy. They sit
// beside the simulation keys so that a scenario file with server addresses
// added is a valid proxy config, and a proxy config tuned live can be
// simulated. Defaults are nginx's, in both: a failed connection or a broken
// exchange is retried once on another server, and one failure ejects a
// server for 10 s; health checks and stickiness are off unless asked for.

// HealthCheck configures active health checks, as HAProxy's "check": a
// request every Interval; Fall failures in a row mark a server down, Rise
// successes in a row bring it back.
type HealthCheck struct {
	// Path is requested with GET; default "/".
	Path string `yaml:"path"`
	// Status is the status a healthy server answers; 0 (the default)
	// accepts any 2xx or 3xx.
	Status   int      `yaml:"status"`
	Interval Duration `yaml:"interval"` // default 2s
	Timeout  Duration `yaml:"timeout"`  // default 1s; at most interval
	Fall     int      `yaml:"fall"`     // default 3
	Rise     int      `yaml:"rise"`     // default 2
	// OutOfBand serves checks apart from requests, as a dedicated health
	// port or thread would. By default (false) the simulator serves a
	// check like a request: it takes a slot or waits in the server's
	// queue, so it times out behind a deep queue. The live proxy's check
	// is a real request either way, and how the server serves it is the
	// server's affair: both values behave the same there.
	OutOfBand bool `yaml:"out_of_band"`
	// MaxUtilization fails a check when the server was busier than this
	// over the last interval, as a deep health check that answers
	// unhealthy above 90% CPU does; 0 (the default) is off. The live
	// proxy learns the server's utilization from the check's answer, a
	// JSON object such as {"utilization": 0.95}; an answer without one
	// passes on its status alone. Mode tcp reads no answer and refuses it.
	MaxUtilization float64 `yaml:"max_utilization"`
	// PanicThreshold is Envoy's panic threshold: while fewer than this
	// share of the primary servers are healthy, balance over all of them,
	// healthy or not, rather than pile everything on the few left; the
	// simulator and the live proxy alike. 0, the default, is off (Envoy's
	// default is 0.5).
	PanicThreshold float64 `yaml:"panic_threshold"`
}

// Passive configures passive checks, as nginx's max_fails and fail_timeout:
// MaxFails failed attempts (refused, broken or timed out) within
// FailTimeout take a server out of rotation for FailTimeout. On by
// default, as in nginx; MaxFails 0 turns it off (nginx's max_fails=0).
type Passive struct {
	MaxFails    int      `yaml:"max_fails"`    // default 1; 0 is off
	FailTimeout Duration `yaml:"fail_timeout"` // default 10s
	// On lists the failed attempts that count, from the retry
	// conditions; default [connect, error, timeout]. With 5xx it is
	// Envoy's outlier detection on errors.
	On []string `yaml:"on"`
}

// Counts reports whether a failed attempt of this condition counts
// towards ejection.
func (p *Passive) Counts(condition string) bool {
	return p != nil && p.MaxFails > 0 && slices.Contains(p.On, condition)
}

// Retry conditions: what makes a failed attempt worth another try.
const (
	// RetryConnect retries when a connection to the server cannot be made.
	// Nothing reached the server, so any method is retried.
	RetryConnect = "connect"
	// RetryError retries when the connection broke before a response.
	RetryError = "error"
	// RetryTimeout retries when the server did not answer in time.
	RetryTimeout = "timeout"
	// Retry5xx retries when the server answered with an error status
	// (500 to 599), as nginx's proxy_next_upstream http_500 and the like.
	Retry5xx = "5xx"
)

// RetryConditions lists the conditions retries.on and passive.on may name.
var RetryConditions = []string{RetryConnect, RetryError, RetryTimeout, Retry5xx}

// Retries configures how a failed attempt is tried again, always on another
// server. On by default, as nginx's proxy_next_upstream error: a refused
// connection, or one that broke before an answer, is tried once more.
type Retries struct {
	// Count is the most extra attempts per request; default 1, 0 is off.
	Count int `yaml:"count"`
	// On lists the conditions that trigger a retry; default [connect, error].
	On []string `yaml:"on"`
	// Timeout bounds the time spent on all attempts of one request
	// together; 0 (the default) leaves only the per-attempt timeouts.
	Timeout Duration `yaml:"timeout"`
	// NonIdempotent also retries POST, PATCH and other non-idempotent
	// requests after an error or a timeout, when the request may have
	// reached the server. Default false.
	NonIdempotent bool `yaml:"non_idempotent"`
	// Budget caps retries at this fraction of requests, as Finagle's and
	// Envoy's retry budgets do: each request earns Budget of a retry, a
	// retry spends one, and at most RetryBudgetBurst can be saved up. 0,
	// the default, leaves retries unbounded but for Count. The simulator
	// and the live proxy apply it alike, starting empty.
	Budget float64 `yaml:"budget"`
}

// RetryBudgetBurst is how many retries a budget can save up.
const RetryBudgetBurst = 10

// Retries reports whether a failure of this condition is retried.
func (r *Retries) Retries(condition string) bool {
	return r != nil && r.Count > 0 && slices.Contains(r.On, condition)
}

// Timeouts bounds each stage of a proxied request.
type Timeouts struct {
	// Connect bounds connecting to a server; default 5s.
	Connect Duration `yaml:"connect"`
	// Header bounds reading a client's request headers; default 10s. It is
	// what cuts off slowloris clients.
	Header Duration `yaml:"header"`
	// Idle bounds how long an idle keep-alive connection (client or
	// server side) stays open; default 60s.
	Idle Duration `yaml:"idle"`
	// Response bounds the server's silence: the wait for its response
	// head, and each wait for more of its body, as nginx's
	// proxy_read_timeout; default 60s, and 0 is none.
	Response Duration `yaml:"response"`
	// Grace bounds how long a stopping proxy waits for requests in
	// flight; default 30s.
	Grace Duration `yaml:"grace"`
}

// Sticky pins a client to a server with a cookie, as HAProxy's "cookie
// insert": the first response sets it, later requests follow it while that
// server is up.
type Sticky struct {
	// Cookie is the cookie's name; default "lbsim_server".
	Cookie string `yaml:"cookie"`
}

// Proxy modes.
const (
	ModeHTTP = "http"
	ModeTCP  = "tcp"
)

// Defaults of the proxy and failure-handling keys.
const (
	DefaultListen       = "127.0.0.1:8085"
	DefaultAdmin        = "127.0.0.1:8086"
	DefaultProxyPolicy  = "round_robin"
	DefaultStickyCookie = "lbsim_server"
	// DefaultMaxHeaderSize is HAProxy's buffer size: the proxy holds a
	// request's whole head in a buffer of this size per connection.
	DefaultMaxHeaderSize = 16 << 10
	// DefaultMaxBodySize bounds request bodies, which the proxy reads in
	// full before sending them on.
	DefaultMaxBodySize = 16 << 20
	// DefaultMaxBuffered bounds the request body bytes the proxy holds at
	// once, over all requests: sixteen bodies of the largest size.
	DefaultMaxBuffered = 256 << 20
)

// Default timeouts and check settings, shared by the file and the proxy's
// flags.
var (
	DefaultTimeouts = Timeouts{
		Connect:  Duration(5 * time.Second),
		Header:   Duration(10 * time.Second),
		Idle:     Duration(60 * time.Second),
		Response: Duration(60 * time.Second),
		Grace:    Duration(30 * time.Second),
	}
	DefaultHealthCheck = HealthCheck{Path: "/", Interval: Duration(2 * time.Second), Timeout: Duration(time.Second), Fall: 3, Rise: 2}
	DefaultPassive     = Passive{MaxFails: 1, FailTimeout: Duration(10 * time.Second), On: []string{RetryConnect, RetryError, RetryTimeout}}
	DefaultRetries     = Retries{Count: 1, On: []string{RetryConnect, RetryError}}
)

const (
	maxHeaderSize = 16 << 20
	maxBodySize   = 1 << 30
	maxBuffered   = 1 << 40
	maxChecks     = 1000
	maxRetries    = 100
)

// proxyDefaults fills in the absent keys of the sections that are present.
func proxyDefaults(s *Scenario, d *decoder) {
	if !d.has("mode") {
		s.Mode = layerMode(s.Layer())
	}
	if !d.has("listen") {
		s.Listen = DefaultListen
	}
	if !d.has("admin") {
		s.Admin = DefaultAdmin
	}
	if !d.has("max_header_bytes") {
		s.MaxHeaderBytes = DefaultMaxHeaderSize
	}
	if !d.has("max_body_bytes") {
		s.MaxBodyBytes = DefaultMaxBodySize
	}
	if !d.has("max_buffered_bytes") {
		s.MaxBufferedBytes = max(DefaultMaxBuffered, int64(s.MaxBodyBytes))
	}
	t := DefaultTimeouts
	if s.Timeouts != nil {
		t = withDefaults(d, "timeouts", *s.Timeouts, t)
	}
	s.Timeouts = &t
	s.AttemptTimeout = t.Response
	if hc := s.HealthCheck; hc != nil {
		*hc = withDefaults(d, "health_check", *hc, DefaultHealthCheck)
	}
	// Retries and passive ejection are on unless the file turns them off,
	// as nginx's proxy_next_upstream and max_fails are.
	p := DefaultPassive
	if s.Passive != nil {
		p = withDefaults(d, "passive", *s.Passive, DefaultPassive)
	}
	p.On = slices.Clone(p.On) // never share the default's list
	s.Passive = &p
	r := DefaultRetries
	if s.Retries != nil {
		r = withDefaults(d, "retries", *s.Retries, DefaultRetries)
	}
	r.On = slices.Clone(r.On) // never share the default's list
	s.Retries = &r
	if st := s.Sticky; st != nil && !d.has("sticky.cookie") {
		st.Cookie = DefaultStickyCookie
	}
}

// checkConditions checks a list of retry conditions at path.
func checkConditions(d *decoder, path string, on []string) error {
	for i, c := range on {
		if !slices.Contains(RetryConditions, c) {
			return d.errorf(path+"["+strconv.Itoa(i)+"]", "unknown condition %s (known: %s)", quote(c), strings.Join(RetryConditions, ", "))
		}
	}
	return nil
}

// httpOnly5xx refuses 5xx in the list at path in mode tcp, which sees no
// statuses.
func httpOnly5xx(s *Scenario, d *decoder, path string, on []string) error {
	if i := slices.Index(on, Retry5xx); i >= 0 && s.Mode == ModeTCP {
		return d.errorf(path+"["+strconv.Itoa(i)+"]", "5xx applies to mode http only: a TCP proxy sees no statuses")
	}
	return nil
}

// withDefaults returns def with each field the file gave under path taken
// from v, the value decoded there: the keys a file leaves out of a mapping
// take their defaults, every key it gives is kept.
func withDefaults[T any](d *decoder, path string, v, def T) T {
	out, in := reflect.ValueOf(&def).Elem(), reflect.ValueOf(v)
	for _, f := range yamlFields(out.Type()) {
		if d.has(joinPath(path, f.name)) {
			out.Field(f.index).Set(in.Field(f.index))
		}
	}
	return def
}

// checkProxy checks the proxy and failure-handling keys. forProxy is set
// when the file configures a live proxy, which needs every server's address.
func checkProxy(s *Scenario, d *decoder, forProxy bool) error {
	if s.Mode != ModeHTTP && s.Mode != ModeTCP {
		return d.errorf("mode", "must be http or tcp, got %s", quote(s.Mode))
	}
	if err := d.checkHostPort("listen", s.Listen); err != nil {
		return err
	}
	if s.Admin != "off" {
		if err := d.checkHostPort("admin", s.Admin); err != nil {
			return err
		}
	}
	if err := d.intRange("max_header_bytes", int64(s.MaxHeaderBytes), 1024, maxHeaderSize); err != nil {
		return err
	}
	if err := d.intRange("max_body_bytes", int64(s.MaxBodyBytes), 1, maxBodySize); err != nil {
		return err
	}
	if s.MaxBufferedBytes < int64(s.MaxBodyBytes) {
		// A body of the largest size accepted must fit.
		return d.errorf("max_buffered_bytes", "must be at least max_body_bytes (%d), got %d", s.MaxBodyBytes, s.MaxBufferedBytes)
	}
	if err := d.intRange("max_buffered_bytes", s.MaxBufferedBytes, 1, maxBuffered); err != nil {
		return err
	}
	for i, g := range s.Servers {
		p := "servers[" + strconv.Itoa(i) + "]"
		switch {
		case g.Address == "" && forProxy:
			return d.errorf(p+".address", "required by the proxy: where the server listens, e.g. http://127.0.0.1:9001")
		case g.Address == "":
			continue
		case g.Count > 1:
			return d.errorf(p+".address", "names one server, but the group has count %d; list each server with its own address", g.Count)
		}
		if err := d.checkAddress(p+".address", g.Address, s.Mode); err != nil {
			return err
		}
	}
	t := s.Timeouts
	for _, c := range []struct {
		key string
		v   Duration
	}{{"connect", t.Connect}, {"header", t.Header}, {"idle", t.Idle}, {"response", t.Response}, {"grace", t.Grace}} {
		// A response timeout of 0 is none, as nginx's proxy_read_timeout 0.
		if err := d.durRange("timeouts."+c.key, c.v, c.key == "response", MaxVirtualTime); err != nil {
			return err
		}
	}
	if err := checkFailureHandling(s, d, "", s.HealthCheck, s.Passive, s.Retries, forProxy); err != nil {
		return err
	}
	if st := s.Sticky; st != nil {
		if st.Cookie == "" || strings.ContainsFunc(st.Cookie, func(r rune) bool {
			return r <= ' ' || r >= 0x7f || strings.ContainsRune("()<>@,;:\\\"/[]?={}", r)
		}) {
			return d.errorf("sticky.cookie", "must be a cookie name (letters, digits and !#$%%&'*+-.^_`|~), got %s", quote(st.Cookie))
		}
		if s.Mode == ModeTCP {
			return d.errorf("sticky", "applies to mode http only: a TCP proxy cannot see cookies")
		}
	}
	return nil
}

// checkFailureHandling checks the health_check, passive and retries
// sections under prefix ("" for the top level, "pools.NAME." for a pool's
// own); nil sections are absent.
func checkFailureHandling(s *Scenario, d *decoder, prefix string, hc *HealthCheck, ps *Passive, r *Retries, forProxy bool) error {
	if hc != nil {
		if err := checkHealthCheck(s, d, prefix+"health_check", hc, forProxy); err != nil {
			return err
		}
	}
	if ps != nil {
		p := prefix + "passive"
		if err := d.intRange(p+".max_fails", int64(ps.MaxFails), 0, maxChecks); err != nil {
			return err
		}
		if err := d.durRange(p+".fail_timeout", ps.FailTimeout, false, MaxVirtualTime); err != nil {
			return err
		}
		if err := checkConditions(d, p+".on", ps.On); err != nil {
			return err
		}
		if err := httpOnly5xx(s, d, p+".on", ps.On); err != nil {
			return err
		}
	}
	if r != nil {
		return checkRetries(s, d, prefix+"retries", r)
	}
	return nil
}

// checkHealthCheck checks the health_check section at p.
func checkHealthCheck(s *Scenario, d *decoder, p string, hc *HealthCheck, forProxy bool) error {
	if !strings.HasPrefix(hc.Path, "/") || strings.ContainsAny(hc.Path, " \r\n\t") {
		return d.errorf(p+".path", "must be a URL path starting with /, without spaces, got %s", quote(hc.Path))
	}
	if hc.Status != 0 {
		if err := d.intRange(p+".status", int64(hc.Status), 100, 599); err != nil {
			return err
		}
	}
	if err := d.durRange(p+".interval", hc.Interval, false, MaxVirtualTime); err != nil {
		return err
	}
	if err := d.durRange(p+".timeout", hc.Timeout, false, MaxVirtualTime); err != nil {
		return err
	}
	if hc.Timeout > hc.Interval {
		return d.errorf(p+".timeout", "must be at most interval (%s), got %s", hc.Interval, hc.Timeout)
	}
	if err := d.intRange(p+".fall", int64(hc.Fall), 1, maxChecks); err != nil {
		return err
	}
	if err := d.intRange(p+".rise", int64(hc.Rise), 1, maxChecks); err != nil {
		return err
	}
	if err := d.floatRange(p+".max_utilization", hc.MaxUtilization, 0, false, 1); err != nil {
		return err
	}
	if forProxy && s.Mode == ModeTCP && hc.MaxUtilization > 0 {
		// The simulator knows every server's utilization; a live
		// proxy learns it from a check's answer, which mode tcp has not.
		return d.errorf(p+".max_utilization", "applies to mode http only: a TCP check is a connection, which reports no utilization")
	}
	return d.floatRange(p+".panic_threshold", hc.PanicThreshold, 0, false, 1)
}

// checkRetries checks the retries section at p.
func checkRetries(s *Scenario, d *decoder, p string, r *Retries) error {
	if err := d.intRange(p+".count", int64(r.Count), 0, maxRetries); err != nil {
		return err
	}
	if err := checkConditions(d, p+".on", r.On); err != nil {
		return err
	}
	if err := httpOnly5xx(s, d, p+".on", r.On); err != nil {
		return err
	}
	if err := d.durRange(p+".timeout", r.Timeout, true, MaxVirtualTime); err != nil {
		return err
	}
	if err := d.floatRange(p+".budget", r.Budget, 0, false, 1); err != nil {
		return err
	}
	if i := slices.Index(r.On, RetryTimeout); i >= 0 && s.Timeouts.Response == 0 {
		return d.errorf(p+".on["+strconv.Itoa(i)+"]", "retries on timeout, but timeouts.response is 0, which is none: nothing ever times out; set timeouts.response (for example 30s) or leave timeout out of retries.on")
	}
	return nil
}

// checkHostPort checks a listen address: host:port with a numeric port.
func (d *decoder) checkHostPort(path, addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return d.errorf(path, "must be host:port, e.g. 127.0.0.1:8085, got %s", quote(addr))
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return d.errorf(path, "port must be a number from 0 to 65535, got %s", quote(port))
	}
	if strings.ContainsAny(host, " /") {
		return d.errorf(path, "host must be a name or an IP address, got %s", quote(host))
	}
	return nil
}

// checkAddress checks a server address: host:port, or in http mode also an
// http:// or https:// URL with no path.
func (d *decoder) checkAddress(path, addr, mode string) error {
	if !strings.Contains(addr, "://") {
		return d.checkHostPort(path, addr)
	}
	if mode == ModeTCP {
		return d.errorf(path, "mode tcp takes host:port, not a URL, got %s", quote(addr))
	}
	u, err := url.Parse(addr)
	switch {
	case err != nil:
		return d.errorf(path, "is not a valid URL: %s", quote(addr))
	case u.Scheme != "http" && u.Scheme != "https":
		return d.errorf(path, "scheme must be http or https, got %s", quote(u.Scheme))
	case u.User != nil || u.RawQuery != "" || u.Fragment != "" || (u.Path != "" && u.Path != "/"):
		return d.errorf(path, "must be scheme://host:port only (no path, query or user), got %s", quote(addr))
	case u.Port() == "":
		return d.errorf(path, "needs a port, e.g. %s://%s:8080", u.Scheme, u.Hostname())
	}
	return d.checkHostPort(path, u.Host)
}

// checkAlgorithm checks the single algorithm key against algorithms, and
// turns an alias into the policy's own name, as checkAlgorithms does.
func checkAlgorithm(s *Scenario, d *decoder) error {
	if !d.has("algorithm") {
		if s.Algorithm != "" && len(s.Algorithms) == 1 {
			// A proxy config's one listed algorithm, named as
			// checkAlgorithms named it.
			s.Algorithm = s.Algorithms[0]
		}
		return nil
	}
	canon, err := algorithms.Resolve(s.Algorithm)
	if err != nil {
		return d.errorf("algorithm", "%v", err)
	}
	s.Algorithm = canon
	if !d.has("algorithms") {
		s.Algorithms = []string{s.Algorithm}
		return nil
	}
	// Both: the proxy runs algorithm, the simulator compares algorithms,
	// and one file is one behaviour only if the first is among the others.
	if !slices.Contains(s.Algorithms, canon) {
		return d.errorf("algorithm", "%s is the policy lbsim proxy runs, and must be one of algorithms (%s), which lbsim run compares", quote(canon), strings.Join(s.Algorithms, ", "))
	}
	return nil
}

// simulationKeys are the keys that describe the simulated world (its
// traffic, run length, faults, checks and balancer instances) and serverSimulationKeys
// those of a server, which a live proxy has no use for: real traffic and
// real servers take their place.
var (
	simulationKeys = []string{"seed", "requests", "duration", "warmup", "workload", "sessions", "cache", "faults", "autoscale", "expect", "judge",
		// A proxy process is one balancer of the tier these describe.
		"balancers.count", "balancers.view", "balancers.refresh", "balancers.failover", "zones"}
	serverSimulationKeys = []string{"capacity", "speed", "queue", "mtbf", "mttr", "zone", "cache"}
)

// SimulationKeys lists the keys of s's file that only the simulator reads,
// so that the live proxy can say which it ignores: top-level keys first,
// then server keys as servers[].KEY, each once, in a fixed order. It is
// empty when the file has none, or when s was not loaded from a file.
func (s *Scenario) SimulationKeys() []string {
	if len(s.YAML) == 0 {
		return nil
	}
	// The loader records which keys a file gives only while it decodes;
	// decoding the text again (it was valid) finds them, merge keys and
	// aliases included.
	root, err := parseYAML(s.Source, s.YAML)
	if err != nil {
		return nil
	}
	d := newDecoder(s.Source, s.YAML)
	if err := d.decode(root, reflect.ValueOf(new(Scenario)).Elem(), ""); err != nil {
		return nil
	}
	var keys []string
	for _, k := range simulationKeys {
		if !d.has(k) {
			continue
		}
		if k == "workload" && slices.ContainsFunc(s.Routes, func(r Route) bool { return r.ClassPath != "" }) {
			k = "workload (all but the classes' paths, which routes use)"
		}
		keys = append(keys, k)
	}
	for _, k := range serverSimulationKeys {
		for i := range s.Servers {
			if d.has("servers[" + strconv.Itoa(i) + "]." + k) {
				keys = append(keys, "servers[]."+k)
				break
			}
		}
	}
	return keys
}
