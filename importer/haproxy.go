package importer

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// HAProxy's configuration is line-based: a section keyword (global,
// defaults, frontend, backend, listen, ...) opens a section, and each
// following line is one directive of words. No Go parser for it is served
// by the module proxy (github.com/haproxytech/config-parser is not), and
// its syntax is small: words, quotes, backslash escapes and comments.

// hline is one directive: its words and its line.
type hline struct {
	words []string
	at    pos
	// inDefaults marks a line of the defaults section, which gives values
	// but warns only about what applies to the backend.
	inDefaults bool
}

// hsection is one section and its directives.
type hsection struct {
	kind, name string
	from       string // the defaults section named by "from NAME"
	line       int
	lines      []hline
}

// parseHAProxy splits the text into sections of directives.
func parseHAProxy(source, text string) ([]*hsection, error) {
	var sections []*hsection
	n := 0
	for raw := range strings.Lines(text) {
		n++
		words, err := haproxyWords(raw)
		if err != nil {
			return nil, &Error{Source: source, Line: n, Msg: "HAProxy syntax error: " + err.Error()}
		}
		if len(words) == 0 {
			continue
		}
		if haproxySections[words[0]] {
			s := &hsection{kind: words[0], line: n}
			if len(words) > 1 {
				s.name = words[1]
			}
			if i := slices.Index(words, "from"); i >= 1 && i+1 < len(words) && words[0] != "global" {
				s.from = words[i+1]
			}
			if s.kind == "defaults" && s.name == "from" {
				s.name = ""
			}
			sections = append(sections, s)
			continue
		}
		if len(sections) == 0 {
			return nil, &Error{Source: source, Line: n, Msg: fmt.Sprintf("HAProxy syntax error: %q is outside any section (global, defaults, frontend, backend, listen)", words[0])}
		}
		s := sections[len(sections)-1]
		s.lines = append(s.lines, hline{words: words, at: pos{line: n}})
	}
	return sections, nil
}

// haproxyWords splits a line into words as HAProxy does: blanks separate
// words, "#" starts a comment, a backslash escapes the next character,
// double quotes group (with escapes) and single quotes group literally.
func haproxyWords(line string) ([]string, error) {
	var (
		words []string
		b     strings.Builder
		in    bool // a word is open
		quote byte
	)
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case quote == '\'' && c == '\'', quote == '"' && c == '"':
			quote = 0
		case quote == '\'':
			b.WriteByte(c)
		case c == '\\' && i+1 < len(line) && line[i+1] != '\n':
			i++
			b.WriteByte(line[i])
			in = true
		case quote == 0 && (c == '"' || c == '\''):
			quote, in = c, true
		case quote == 0 && c == '#':
			i = len(line)
		case quote == 0 && (c == ' ' || c == '\t' || c == '\r' || c == '\n'):
			if in {
				words = append(words, b.String())
				b.Reset()
				in = false
			}
		default:
			b.WriteByte(c)
			in = true
		}
	}
	if quote != 0 {
		return nil, fmt.Errorf("a quoted string (%c) is not closed", quote)
	}
	if in {
		words = append(words, b.String())
	}
	return words, nil
}

// importHAProxy reads the backend or listen section named want (or the
// only one), with its defaults.
func importHAProxy(source, text, want string) (*pool, error) {
	sections, err := parseHAProxy(source, text)
	if err != nil {
		return nil, err
	}
	var names []string
	var backends []int
	for i, s := range sections {
		if s.kind == "backend" || s.kind == "listen" {
			if s.name == "" {
				return nil, &Error{Source: source, Line: s.line, Msg: "HAProxy syntax error: " + s.kind + " needs a name"}
			}
			names = append(names, s.kind+" "+s.name)
			backends = append(backends, i)
		}
	}
	k, err := choose(source, "backend", "backend or listen sections", names, want, "")
	if err != nil {
		return nil, err
	}
	sec := sections[backends[k]]
	var defaults *hsection
	for _, s := range sections[:backends[k]] {
		if s.kind == "defaults" && (sec.from == "" || s.name == sec.from) {
			defaults = s
		}
	}
	if sec.from != "" && defaults == nil {
		return nil, &Error{Source: source, Line: sec.line, Msg: fmt.Sprintf("%s %s takes its defaults from %q, but no defaults section of that name comes before it", sec.kind, sec.name, sec.from)}
	}
	p := &pool{format: HAProxy, files: []string{source}, name: sec.name, kind: sec.kind, at: pos{line: sec.line}, mode: "tcp", scheme: "http://"}
	var h hconf
	h.init()
	if defaults != nil {
		for _, l := range defaults.lines {
			h.read(p, l, true)
		}
	}
	for _, l := range sec.lines {
		h.read(p, l, false)
	}
	h.apply(p)
	if len(p.servers) == 0 {
		return nil, &Error{Source: source, Line: sec.line, Msg: fmt.Sprintf("%s %s has no server lbsim can address (a server needs a host and port)", sec.kind, sec.name)}
	}
	return p, nil
}

// hconf gathers what a backend says, defaults first; apply turns it into
// the pool once every line is read, since a later line (mode, a
// default-server) changes how earlier ones read.
type hconf struct {
	balance     hline
	hashType    hline
	balanceFact hline
	defaultSrv  []hline
	servers     []hline
	httpchk     *hline
	checkSend   *hline
	checkExpect *hline
	otherCheck  *hline
	cookie      *hline
	retries     int
	retryOn     *hline
	redispatch  *hline
	allBackups  bool
	timeouts    map[string]hline
}

func (h *hconf) init() {
	h.retries = 3
	h.timeouts = map[string]hline{}
}

// silent are directives that change nothing lbsim models and need no
// comment: logging, and X-Forwarded-For, which lbsim proxy always sets.
var silent = map[string]bool{
	"log": true, "log-format": true, "description": true, "option httplog": true, "option tcplog": true,
	"option dontlognull": true, "option log-health-checks": true, "option forwardfor": true,
}

// read takes one directive of the backend (or of its defaults, which only
// give values: what lbsim cannot model there is left without a warning,
// as it may not concern this backend).
func (h *hconf) read(p *pool, l hline, fromDefaults bool) {
	l.inDefaults = fromDefaults
	w := l.words
	key := w[0]
	negate := false
	if key == "no" && len(w) > 1 {
		negate, w = true, w[1:]
		key = w[0]
	}
	if key == "option" && len(w) > 1 {
		key = "option " + w[1]
	}
	if silent[key] {
		return
	}
	warn := func(why string) {
		if !fromDefaults {
			p.unmodelled(l.at, topicServers, -1, strings.Join(l.words, " "), why)
		}
	}
	switch key {
	case "mode":
		if len(w) > 1 && (w[1] == "http" || w[1] == "tcp") {
			p.mode = w[1]
		} else {
			warn("lbsim balances mode http and mode tcp")
		}
	case "balance":
		h.balance = l
	case "hash-type":
		h.hashType = l
	case "hash-balance-factor":
		h.balanceFact = l
	case "default-server":
		h.defaultSrv = append(h.defaultSrv, l)
	case "server":
		if !fromDefaults {
			h.servers = append(h.servers, l)
		}
	case "option httpchk":
		h.httpchk = &l
		if negate {
			h.httpchk = nil
		}
	case "http-check":
		switch {
		case len(w) > 1 && w[1] == "send":
			h.checkSend = &l
		case len(w) > 1 && w[1] == "expect":
			h.checkExpect = &l
		default:
			warn("lbsim's check is one GET of health_check.path")
		}
	case "option tcp-check", "option ssl-hello-chk", "option mysql-check", "option pgsql-check",
		"option redis-check", "option smtpchk", "option ldap-check", "option spop-check":
		h.otherCheck = &l
		if negate {
			h.otherCheck = nil
		}
	case "tcp-check":
		warn("lbsim's check in mode tcp is a connection")
	case "cookie":
		h.cookie = &l
	case "retries":
		if n, err := strconv.Atoi(word(w, 1)); err == nil && n >= 0 {
			h.retries = n
		} else {
			warn("not a whole number")
		}
	case "retry-on":
		h.retryOn = &l
	case "option redispatch":
		h.redispatch = &l
		if negate {
			h.redispatch = nil
		}
	case "option allbackups":
		h.allBackups = !negate
	case "timeout":
		if len(w) > 2 {
			h.timeouts[w[1]] = l
		} else {
			warn("a timeout needs a name and a time")
		}
	case "bind":
		warn("lbsim proxy listens where listen: says (127.0.0.1:8085 by default)")
	case "maxconn", "fullconn":
		warn("lbsim does not cap the connections the balancer accepts or opens")
	case "option http-keep-alive", "option http-server-close", "option httpclose", "http-reuse":
		warn("lbsim does not model reusing connections to servers")
	default:
		warn("lbsim import does not know this directive")
	}
}

// word returns w[i], "" past the end.
func word(w []string, i int) string {
	if i < len(w) {
		return w[i]
	}
	return ""
}

// serverValued are the server options that take a value.
var serverValued = map[string]bool{
	"weight": true, "inter": true, "fastinter": true, "downinter": true, "fall": true, "rise": true,
	"maxconn": true, "minconn": true, "maxqueue": true, "cookie": true, "port": true, "addr": true,
	"slowstart": true, "id": true, "verify": true, "sni": true, "ca-file": true, "crt": true,
	"resolvers": true, "resolve-prefer": true, "resolve-opts": true, "resolve-net": true, "init-addr": true,
	"on-error": true, "on-marked-down": true, "on-marked-up": true, "error-limit": true, "observe": true,
	"agent-port": true, "agent-inter": true, "agent-send": true, "agent-addr": true, "track": true,
	"redir": true, "alpn": true, "proto": true, "check-proto": true, "check-alpn": true, "check-sni": true,
	"pool-max-conn": true, "pool-purge-delay": true, "pool-low-conn": true, "max-reuse": true, "source": true,
	"namespace": true, "proxy-v2-options": true, "tcp-ut": true, "ws": true, "shard": true, "guid": true,
	"hash-key": true, "ciphers": true, "ciphersuites": true, "crl-file": true, "curves": true, "sigalgs": true,
	"client-sigalgs": true, "npn": true, "ssl-min-ver": true, "ssl-max-ver": true, "socks4": true,
	"log-proto": true, "set-proxy-v2-tlv-fmt": true, "usesrc": true,
}

// hserver is one server's options, default-server's first.
type hserver struct {
	weight        int
	backup, check bool
	ssl           bool
	inter         time.Duration
	fall, rise    int
	slowStart     time.Duration
}

// serverOptions reads the options in words (after "server NAME ADDR" or
// "default-server") into s; what lbsim does not model becomes a note on
// line, for the server idx (-1 for a default-server line).
func (p *pool) serverOptions(s *hserver, words []string, at pos, idx int) {
	bad := func(opt, why string) { p.unmodelled(at, topicServers, idx, opt, why) }
	for i := 0; i < len(words); i++ {
		opt, value := words[i], ""
		if serverValued[opt] {
			if i+1 >= len(words) {
				bad(opt, "it needs a value")
				continue
			}
			i++
			value = words[i]
		}
		text := strings.TrimSpace(opt + " " + value)
		var err error
		switch opt {
		case "weight":
			var n int
			if n, err = strconv.Atoi(value); err == nil && n < 0 {
				err = fmt.Errorf("must be 0 or more")
			}
			switch {
			case err != nil:
			case n == 0:
				bad(text, "HAProxy sends a server of weight 0 no new requests; lbsim's least weight is 1")
				s.weight = 1
			default:
				s.weight = min(n, 1000)
			}
		case "backup":
			s.backup = true
		case "no-backup":
			s.backup = false
		case "check":
			s.check = true
		case "no-check":
			s.check = false
		case "ssl":
			s.ssl = true
		case "no-ssl":
			s.ssl = false
		case "inter":
			var t time.Duration
			if t, err = haproxyTime(value); err == nil && t == 0 {
				err = fmt.Errorf("must be positive")
			}
			if err == nil {
				s.inter = t
			}
		case "fall", "rise":
			var n int
			if n, err = strconv.Atoi(value); err == nil && (n < 1 || n > 1000) {
				err = fmt.Errorf("must be 1 to 1000")
			}
			if err == nil && opt == "fall" {
				s.fall = n
			} else if err == nil {
				s.rise = n
			}
		case "slowstart":
			var t time.Duration
			if t, err = haproxyTime(value); err == nil {
				s.slowStart = t
			}
		case "cookie":
			// The value names the server in HAProxy's cookie; lbsim's
			// sticky cookie names servers its own way.
		case "disabled":
			bad(text, "lbsim sends this server requests; delete its entry to leave it out, as HAProxy does")
		case "enabled":
		case "maxconn", "maxqueue", "minconn":
			bad(text, "lbsim does not cap or queue the connections the balancer opens to a server")
		case "fastinter", "downinter":
			bad(text, "lbsim checks every health_check.interval, whatever the server's state")
		case "port", "addr":
			bad(text, "lbsim checks the server's own address")
		case "verify", "sni", "ca-file", "crt", "alpn", "check-ssl":
			bad(text, "lbsim proxy does not configure TLS to servers")
		default:
			bad(text, "lbsim import does not know this server option")
		}
		if err != nil {
			bad(text, "not a valid value: "+err.Error())
		}
	}
}

// apply turns what was read into the pool.
func (h *hconf) apply(p *pool) {
	var def hserver
	def.weight, def.inter, def.fall, def.rise = 1, 2*time.Second, 3, 2
	for _, l := range h.defaultSrv {
		p.serverOptions(&def, l.words[1:], l.at, -1)
	}
	var checked []hserver
	var checkedLines, slowLines []pos
	var slow []time.Duration
	var unchecked []hline
	backups := 0
	for _, l := range h.servers {
		if len(l.words) < 3 {
			p.unmodelled(l.at, topicServers, -1, strings.Join(l.words, " "), "a server needs a name and an address")
			continue
		}
		s := def
		idx := len(p.servers)
		p.serverOptions(&s, l.words[3:], l.at, idx)
		srv, ok := p.haproxyServer(l, s)
		if !ok {
			// The notes were on the server's index; the server is not there.
			for i := range p.notes {
				if p.notes[i].server == idx {
					p.notes[i].server = -1
				}
			}
			continue
		}
		p.servers = append(p.servers, srv)
		if s.backup {
			backups++
		}
		if s.check {
			checked = append(checked, s)
			checkedLines = append(checkedLines, l.at)
		} else {
			unchecked = append(unchecked, l)
		}
		slow = append(slow, s.slowStart)
		slowLines = append(slowLines, l.at)
	}
	if len(p.servers) == 0 {
		return
	}
	if backups > 1 && !h.allBackups {
		p.approximated(p.at, topicServers, -1, fmt.Sprintf("%s %s has %d backup servers and no option allbackups: HAProxy uses the first backup only, lbsim balances over all of them", p.kind, p.name, backups))
	}
	if d, same := mostCommon(slow); d > 0 || !same {
		p.slowStart = d
		if !same {
			i := slices.IndexFunc(slow, func(x time.Duration) bool { return x != d })
			p.approximated(slowLines[i], topicSlowStart, -1, "slowstart "+formatDuration(slow[i])+" here "+slowDiffers(d))
		}
	}
	h.policy(p)
	h.health(p, checked, checkedLines, unchecked)
	h.sticky(p)
	h.retriesAndTimeouts(p)
	p.passive = &passive{maxFails: 0, why: "HAProxy takes servers out on failed checks, not on failed requests"}
}

// haproxyServer builds the server of a server line.
func (p *pool) haproxyServer(l hline, s hserver) (server, bool) {
	name, addr := l.words[1], l.words[2]
	skip := func(why string) (server, bool) {
		p.unmodelled(l.at, topicServers, -1, "server "+name+" "+addr, why+"; the server is left out")
		return server{}, false
	}
	for _, prefix := range []string{"ipv4@", "ipv6@", "tcp@", "tcp4@", "tcp6@"} {
		addr = strings.TrimPrefix(addr, prefix)
	}
	if strings.HasPrefix(addr, "/") || strings.Contains(addr, "@") {
		return skip("lbsim reaches servers over TCP, not unix sockets or other address families")
	}
	host, port, hasPort := splitHostPort(addr)
	if !hasPort && !strings.HasPrefix(addr, "[") && strings.Count(addr, ":") > 1 {
		// HAProxy reads an IPv6 address's port after its last colon.
		i := strings.LastIndexByte(addr, ':')
		host, port, hasPort = addr[:i], addr[i+1:], true
	}
	if !hasPort || port == "" {
		if p.mode == "tcp" {
			return skip("it has no port (HAProxy then uses the client's destination port)")
		}
		p.approximated(l.at, topicServers, len(p.servers), fmt.Sprintf("server %s %s has no port: HAProxy uses the client's destination port, lbsim uses 80", name, l.words[2]))
		port = "80"
	}
	hp, err := hostPort(host, port)
	if err != nil {
		return skip("its address " + err.Error())
	}
	srv := server{name: name, address: hp, weight: s.weight, backup: s.backup, at: l.at}
	if p.mode == "http" {
		srv.address = "http://" + hp
		if s.ssl {
			srv.address = "https://" + hp
		}
	}
	return srv, true
}

// policy maps balance (with hash-type and hash-balance-factor).
func (h *hconf) policy(p *pool) {
	w := h.balance.words
	if len(w) < 2 {
		p.alg = algorithm{name: "weighted_round_robin", why: "HAProxy's default, balance roundrobin"}
		return
	}
	line := h.balance.at
	text := strings.Join(w, " ")
	p.alg.why = text + " (" + p.place(line) + ")"
	name, arg, _ := strings.Cut(w[1], "(")
	consistent := word(h.hashType.words, 1) == "consistent"
	switch name {
	case "roundrobin":
		p.alg.name = "weighted_round_robin"
	case "static-rr":
		p.alg.name = "weighted_round_robin"
		p.remark(line, topicAlgorithm, "static-rr: lbsim's weighted round robin is as static while slow_start is off")
	case "leastconn":
		p.alg.name = "least_connections"
	case "first":
		p.alg.name = "weighted_round_robin"
		p.unmodelled(line, topicAlgorithm, -1, text, "it fills servers in order up to their maxconn; weighted_round_robin, HAProxy's default, stands in")
	case "source":
		p.alg.name = "ip_hash"
		if !consistent {
			p.remark(line, topicAlgorithm, "balance source with hash-type map-based moves most clients when a server leaves; lbsim's ip_hash moves few")
		}
	case "random":
		draws := 2
		if n, err := strconv.Atoi(strings.TrimSuffix(arg, ")")); err == nil {
			draws = n
		}
		switch {
		case draws <= 1:
			p.alg.name = "random"
		case draws == 2:
			p.alg.name = "power_of_two"
		default:
			p.alg.name = "power_of_two"
			p.approximated(line, topicAlgorithm, -1, fmt.Sprintf("%s draws %d servers; power_of_two draws two", text, draws))
		}
	case "uri", "url_param", "hdr", "rdp-cookie", "hash", "url32", "url32+src":
		p.alg.name, p.keys = "consistent_hash", true
		if name == "uri" {
			if len(w) > 2 {
				p.unmodelled(line, topicAlgorithm, -1, "balance uri "+strings.Join(w[2:], " "), "lbsim hashes the whole request URI (path and query)")
			}
		} else {
			p.unmodelled(line, topicAlgorithm, -1, text, "lbsim hashes the request's key (lbsim proxy: its URI), not "+strings.Join(w[1:], " "))
		}
		if !consistent {
			p.remark(line, topicAlgorithm, "hash-type map-based moves most keys when a server leaves; consistent_hash moves few")
		}
		if f, err := strconv.Atoi(word(h.balanceFact.words, 1)); err == nil && f >= 100 && consistent {
			p.alg.name = "bounded_load"
			p.alg.params = []param{{"c", strconv.FormatFloat(float64(f)/100, 'f', -1, 64)}}
			p.alg.why += ", hash-balance-factor " + strconv.Itoa(f)
		}
	default:
		p.alg.name = "weighted_round_robin"
		p.unmodelled(line, topicAlgorithm, -1, text, "lbsim import does not know this policy; weighted_round_robin, HAProxy's default, stands in")
	}
	if h.balanceFact.words != nil && p.alg.name != "bounded_load" {
		p.unmodelled(h.balanceFact.at, topicAlgorithm, -1, strings.Join(h.balanceFact.words, " "), "lbsim bounds load on consistent hashing of keys (balance uri with hash-type consistent) only")
	}
	if len(h.hashType.words) > 2 {
		p.remark(h.hashType.at, topicAlgorithm, strings.Join(h.hashType.words, " ")+": lbsim hashes with a function of its own")
	}
}

// health maps check, inter, fall, rise, option httpchk and http-check.
func (h *hconf) health(p *pool, checked []hserver, lines []pos, unchecked []hline) {
	if len(checked) == 0 {
		for _, l := range []*hline{h.httpchk, h.checkSend, h.checkExpect, h.otherCheck} {
			if l != nil && !l.inDefaults {
				p.unmodelled(l.at, topicHealth, -1, strings.Join(l.words, " "), "no server has check, so there are no active checks")
			}
		}
		return
	}
	type cfg struct {
		inter      time.Duration
		fall, rise int
	}
	var cfgs []cfg
	for _, s := range checked {
		cfgs = append(cfgs, cfg{s.inter, s.fall, s.rise})
	}
	c, same := mostCommon(cfgs)
	if !same {
		i := slices.IndexFunc(cfgs, func(x cfg) bool { return x != c })
		p.approximated(lines[i], topicHealth, -1, fmt.Sprintf("inter %s fall %d rise %d here differs from the other servers': health_check applies to every server, so lbsim takes the most common, inter %s fall %d rise %d",
			formatDuration(cfgs[i].inter), cfgs[i].fall, cfgs[i].rise, formatDuration(c.inter), c.fall, c.rise))
	}
	hc := &health{interval: c.inter, timeout: c.inter, fall: c.fall, rise: c.rise,
		why: fmt.Sprintf("check inter %s fall %d rise %d", formatDuration(c.inter), c.fall, c.rise)}
	if l, ok := h.timeouts["check"]; ok {
		if t, err := haproxyTime(l.words[2]); err == nil && t > 0 {
			hc.timeout = min(t, hc.interval)
		}
		delete(h.timeouts, "check")
	}
	for _, l := range unchecked {
		p.approximated(l.at, topicHealth, -1, fmt.Sprintf("server %s has no check: lbsim's health_check checks every server", l.words[1]))
	}
	if p.mode == "http" {
		hc.path = "/"
		h.httpCheck(p, hc)
	} else if h.httpchk != nil {
		p.unmodelled(h.httpchk.at, topicHealth, -1, strings.Join(h.httpchk.words, " "), "lbsim's check in mode tcp is a connection")
	}
	if h.otherCheck != nil && (p.mode == "http" || h.otherCheck.words[1] != "tcp-check") {
		p.unmodelled(h.otherCheck.at, topicHealth, -1, strings.Join(h.otherCheck.words, " "), "lbsim's check is a connection in mode tcp, a GET in mode http")
	}
	p.health = hc
}

// httpCheck reads the path, method and expected status of an HTTP check.
func (h *hconf) httpCheck(p *pool, hc *health) {
	if h.httpchk == nil {
		if h.otherCheck == nil {
			p.approximated(p.at, topicHealth, -1, "check without option httpchk connects only; lbsim proxy in mode http checks with GET "+hc.path)
		}
		return
	}
	method, uri := "OPTIONS", "/"
	args := h.httpchk.words[2:]
	switch len(args) {
	case 0:
	case 1:
		uri = args[0]
	default:
		method, uri = args[0], args[1]
		if len(args) > 2 {
			p.remark(h.httpchk.at, topicHealth, "option httpchk's version and headers ("+strings.Join(args[2:], " ")+") are lbsim's own")
		}
	}
	line := h.httpchk.at
	if s := h.checkSend; s != nil {
		line = s.at
		for i := 2; i+1 < len(s.words); i += 2 {
			switch s.words[i] {
			case "meth":
				method = s.words[i+1]
			case "uri":
				uri = s.words[i+1]
			case "ver":
			default:
				p.unmodelled(s.at, topicHealth, -1, "http-check send "+s.words[i], "lbsim's check sends a plain GET")
			}
		}
	}
	if method != "GET" {
		p.unmodelled(line, topicHealth, -1, "check method "+method, "lbsim checks with GET")
	}
	if !strings.HasPrefix(uri, "/") || strings.ContainsAny(uri, " \t\r\n") {
		p.unmodelled(line, topicHealth, -1, "check uri "+uri, "lbsim's health_check.path is a path starting with /; it checks /")
	} else {
		hc.path = uri
	}
	hc.why += ", option httpchk"
	if e := h.checkExpect; e != nil {
		n, err := strconv.Atoi(word(e.words, 3))
		if word(e.words, 2) == "status" && len(e.words) == 4 && err == nil && n >= 100 && n <= 599 {
			hc.status = n
		} else {
			p.unmodelled(e.at, topicHealth, -1, strings.Join(e.words, " "), "lbsim's check expects one status, or any 2xx or 3xx")
		}
	}
}

// sticky maps cookie NAME insert|rewrite|prefix.
func (h *hconf) sticky(p *pool) {
	c := h.cookie
	if c == nil {
		return
	}
	text := strings.Join(c.words, " ")
	if p.mode == "tcp" {
		p.unmodelled(c.at, topicSticky, -1, text, "mode tcp sees no cookies")
		return
	}
	if len(c.words) < 2 || !validCookie(c.words[1]) {
		p.unmodelled(c.at, topicSticky, -1, text, "lbsim needs a cookie name of letters, digits and !#$%&'*+-.^_`|~")
		return
	}
	p.sticky = c.words[1]
	var attrs []string
	for _, a := range c.words[2:] {
		switch a {
		case "insert":
		case "rewrite", "prefix":
			p.remark(c.at, topicSticky, "cookie "+a+": lbsim sets a cookie of its own rather than changing the application's")
		default:
			attrs = append(attrs, a)
		}
	}
	if len(attrs) > 0 {
		p.remark(c.at, topicSticky, "cookie options "+strings.Join(attrs, " ")+" are lbsim's own")
	}
}

// validCookie reports whether name is a cookie name lbsim accepts.
func validCookie(name string) bool {
	return name != "" && !strings.ContainsFunc(name, func(r rune) bool {
		return r <= ' ' || r >= 0x7f || strings.ContainsRune("()<>@,;:\\\"/[]?={}", r)
	})
}

// retriesAndTimeouts maps retries, retry-on, option redispatch and the
// timeouts.
func (h *hconf) retriesAndTimeouts(p *pool) {
	r := &retries{}
	on := []string{"connect"}
	if l := h.retryOn; l != nil {
		on = nil
		set := map[string]bool{}
		for _, c := range l.words[1:] {
			switch c {
			case "conn-failure":
				set["connect"] = true
			case "empty-response", "junk-response":
				set["error"] = true
			case "response-timeout":
				set["timeout"] = true
			case "500", "502", "503", "504":
				set["5xx"] = true
			case "all-retryable-errors":
				set["connect"], set["error"], set["timeout"], set["5xx"] = true, true, true, true
			case "none":
				clear(set)
			default:
				p.unmodelled(l.at, topicRetries, -1, "retry-on "+c, "lbsim retries on connect, error, timeout and 5xx")
			}
		}
		for _, k := range []string{"connect", "error", "timeout", "5xx"} {
			if set[k] && (p.mode == "http" || k == "connect") {
				on = append(on, k)
			}
		}
	}
	switch {
	case h.redispatch == nil:
		r.why = fmt.Sprintf("retries %d try the same server again, which lbsim does not; without option redispatch none goes to another", h.retries)
	case h.retries == 0 || len(on) == 0:
		r.why = "retries 0"
	default:
		every := -1
		if n, err := strconv.Atoi(word(h.redispatch.words, 2)); err == nil {
			every = n
		}
		switch {
		case every > 0:
			r.count = h.retries / every
			r.why = fmt.Sprintf("retries %d with option redispatch %d: every %d retries one goes to another server", h.retries, every, every)
		case every < 0:
			r.count = 1
			r.why = fmt.Sprintf("retries %d with option redispatch: the last retry goes to another server, lbsim's one retry", h.retries)
		default:
			r.why = "option redispatch 0 keeps retries on the same server"
		}
	}
	r.count = min(r.count, 100)
	if r.count > 0 {
		r.on = on
	}
	p.retries = r
	keys := []struct{ name, key string }{{"connect", "connect"}, {"server", "response"}, {"http-request", "header"}, {"http-keep-alive", "idle"}}
	if p.mode == "tcp" {
		keys = []struct{ name, key string }{{"connect", "connect"}, {"server", "idle"}}
	}
	for _, k := range keys {
		l, ok := h.timeouts[k.name]
		if !ok {
			continue
		}
		delete(h.timeouts, k.name)
		t, err := haproxyTime(l.words[2])
		if err != nil || t == 0 {
			p.unmodelled(l.at, topicTimeouts, -1, strings.Join(l.words, " "), "not a positive time")
			continue
		}
		p.timeouts = append(p.timeouts, timeout{key: k.key, value: t, from: strings.Join(l.words, " ")})
	}
	var rest []hline
	for _, l := range h.timeouts {
		rest = append(rest, l)
	}
	slices.SortFunc(rest, func(a, b hline) int { return a.at.compare(b.at) })
	for _, l := range rest {
		if l.inDefaults || l.words[1] == "client" || l.words[1] == "client-fin" {
			continue // another section's, or the client side of a frontend
		}
		p.unmodelled(l.at, topicTimeouts, -1, strings.Join(l.words, " "), "lbsim's timeouts are connect, header, idle, response and grace")
	}
}
