package importer

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// nginx configurations are read by the small tokenizer below rather than
// by github.com/tufanbarisyildirim/gonginx (github.com/nginxinc/nginx-go-crossplane
// is not served by the module proxy). gonginx parses well, but an
// importer must name the line of every directive it warns about and must
// not lose part of a file silently, and there gonginx falls short: a
// directive's line is that of its closing ";" or "}" (an upstream block is
// placed at its last line), a stray "}" at the top level ends the parse
// without an error and drops the rest of the file, "unexpected eof in
// block" names no line, and quoted values keep their quotes. nginx's
// syntax is small (words, quotes, comments, braces and semicolons), so a
// tokenizer that keeps lines exactly is shorter than the fixes.

// ndir is one nginx directive, with its block if it has one.
type ndir struct {
	name     string
	args     []string
	at       pos
	block    []*ndir
	hasBlock bool
}

// find returns the directives of the block named name, in order.
func find(block []*ndir, name string) []*ndir {
	var out []*ndir
	for _, d := range block {
		if d.name == name {
			out = append(out, d)
		}
	}
	return out
}

// maxDepth bounds how deep blocks nest; real configurations use five or so.
const maxDepth = 100

// parseNginx reads nginx's syntax into a tree of directives: the text of
// file number file among r's, with what its include directives name
// spliced in their place. As in nginx, an included file holds whole
// directives and blocks: it cannot close a block opened outside it.
func parseNginx(r *nginxFiles, file int, text string) ([]*ndir, error) {
	fail := func(line int, format string, args ...any) error {
		return &Error{Source: r.names[file], Line: line, Msg: "nginx syntax error: " + fmt.Sprintf(format, args...)}
	}
	type frame struct {
		dir   *ndir
		block []*ndir
	}
	var (
		stack []frame
		top   []*ndir
		words []string
		first int // line of the first word of the directive being read
	)
	add := func(d *ndir) {
		if len(stack) > 0 {
			stack[len(stack)-1].block = append(stack[len(stack)-1].block, d)
		} else {
			top = append(top, d)
		}
	}
	line := 1
	for i := 0; i < len(text); {
		c := text[i]
		switch {
		case c == '\n':
			line++
			i++
		case c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v':
			i++
		case c == '#':
			for i < len(text) && text[i] != '\n' {
				i++
			}
		case c == ';':
			if len(words) == 0 {
				return nil, fail(line, `unexpected ";"`)
			}
			d := &ndir{name: words[0], args: words[1:], at: pos{file, first}}
			words = nil
			i++
			if d.name != "include" {
				add(d)
				continue
			}
			block, err := r.include(d.at, d.args)
			if err != nil {
				return nil, err
			}
			for _, d := range block {
				add(d)
			}
		case c == '{':
			if len(words) == 0 {
				return nil, fail(line, `unexpected "{": a block needs a directive name before it`)
			}
			if len(stack) >= maxDepth {
				return nil, fail(line, "blocks nested deeper than %d", maxDepth)
			}
			stack = append(stack, frame{dir: &ndir{name: words[0], args: words[1:], at: pos{file, first}, hasBlock: true}})
			words = nil
			i++
		case c == '}':
			if len(words) > 0 {
				return nil, fail(first, `directive %q has no ";" at its end`, words[0])
			}
			if len(stack) == 0 {
				return nil, fail(line, `unexpected "}": no block is open`)
			}
			f := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			f.dir.block = f.block
			add(f.dir)
			i++
		default:
			if len(words) == 0 {
				first = line
			}
			w, n, lines, err := nginxWord(text[i:])
			if err != nil {
				return nil, fail(line, "%v", err)
			}
			words = append(words, w)
			i += n
			line += lines
		}
	}
	if len(words) > 0 {
		return nil, fail(first, `unexpected end of file: directive %q has no ";" at its end`, words[0])
	}
	if len(stack) > 0 {
		d := stack[len(stack)-1].dir
		return nil, fail(d.at.line, `unexpected end of file: the block of %q opened here is not closed with "}"`, d.name)
	}
	return top, nil
}

// nginxWord reads one word at the start of s: a quoted string, or text up
// to a space, ";", "{" or "}" (a "{" or "}" of a ${variable} belongs to
// the word). It returns the word, the bytes read and the newlines among
// them. Escapes are nginx's: \" \' \\ lose their backslash, \t \r \n
// become the control characters, others stay as written.
func nginxWord(s string) (string, int, int, error) {
	var b strings.Builder
	lines := 0
	quote := byte(0)
	i := 0
	if s[0] == '"' || s[0] == '\'' {
		quote = s[0]
		i = 1
	}
	inVar := false
	for i < len(s) {
		c := s[i]
		if quote == 0 && (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == ';' || c == '\f' || c == '\v') {
			return b.String(), i, lines, nil
		}
		switch {
		case c == '\\' && i+1 < len(s):
			switch n := s[i+1]; n {
			case '"', '\'', '\\':
				b.WriteByte(n)
			case 't':
				b.WriteByte('\t')
			case 'r':
				b.WriteByte('\r')
			case 'n':
				b.WriteByte('\n')
			default:
				if n == '\n' {
					lines++
				}
				b.WriteByte(c)
				b.WriteByte(n)
			}
			i += 2
			continue
		case quote != 0 && c == quote:
			return b.String(), i + 1, lines, nil
		case quote == 0 && c == '{':
			if i > 0 && s[i-1] == '$' {
				inVar = true
			} else {
				return b.String(), i, lines, nil
			}
		case quote == 0 && c == '}':
			if !inVar {
				return b.String(), i, lines, nil
			}
			inVar = false
		case c == '\n':
			lines++
		}
		b.WriteByte(c)
		i++
	}
	if quote != 0 {
		return "", 0, 0, fmt.Errorf("a quoted string (%c) is not closed", quote)
	}
	return b.String(), i, lines, nil
}

// nupstream is one upstream block and where it sits.
type nupstream struct {
	dir    *ndir
	mode   string
	ctx    []*ndir // the http {} or stream {} block holding it (the top level for a fragment)
	inside bool    // inside http {} or stream {}, not a fragment's top level
}

// importNginx reads the upstream named opts.Upstream (or the only one),
// following includes through opts.Files.
func importNginx(source, text string, opts Options) (*pool, error) {
	files := newNginxFiles(source, len(text), opts.Files)
	root, err := parseNginx(files, 0, text)
	if err != nil {
		return nil, err
	}
	var ups []nupstream
	var walk func(block []*ndir, mode string, ctx []*ndir, inside bool)
	walk = func(block []*ndir, mode string, ctx []*ndir, inside bool) {
		for _, d := range block {
			switch {
			case d.name == "upstream" && d.hasBlock:
				ups = append(ups, nupstream{dir: d, mode: mode, ctx: ctx, inside: inside})
			case d.name == "http" && d.hasBlock:
				walk(d.block, "http", d.block, true)
			case d.name == "stream" && d.hasBlock:
				walk(d.block, "tcp", d.block, true)
			}
		}
	}
	walk(root, "http", root, false)
	names := make([]string, len(ups))
	for i, u := range ups {
		names[i] = "upstream " + firstArg(u.dir)
	}
	hint := ""
	if len(files.empty) > 0 {
		hint = fmt.Sprintf(" (include %s matched no file)", strings.Join(files.empty, ", "))
	}
	i, err := choose(source, "upstream", "upstream blocks", names, opts.Upstream, hint)
	if err != nil {
		return nil, err
	}
	u := ups[i]
	p := &pool{format: Nginx, files: files.names, name: firstArg(u.dir), kind: "upstream", at: u.dir.at, mode: u.mode, scheme: "http://"}
	if !u.inside {
		p.remark(u.dir.at, topicMode, "upstream "+p.name+" is outside http {} and stream {}: read as an http {} upstream")
	}
	chain := nginxChain(p, u)
	p.readUpstream(u.dir)
	if len(p.servers) == 0 {
		return nil, &Error{Source: p.files[u.dir.at.file], Line: u.dir.at.line, Msg: fmt.Sprintf("upstream %s has no server lbsim can address (a server needs a host and port)", p.name)}
	}
	p.readLocation(chain, u)
	return p, nil
}

// firstArg is a directive's first argument, "" for none.
func firstArg(d *ndir) string {
	if len(d.args) == 0 {
		return ""
	}
	return d.args[0]
}

// choose picks the section named want among names ("upstream app",
// "backend app"), or the only one when want is "".
func choose(source, kind, plural string, names []string, want, hint string) (int, error) {
	fail := func(format string, args ...any) error {
		return &Error{Source: source, Msg: fmt.Sprintf(format, args...)}
	}
	list := func() string {
		var short []string
		for _, n := range names {
			_, name, _ := strings.Cut(n, " ")
			short = append(short, name)
		}
		return strings.Join(short, ", ")
	}
	if want == "" {
		switch len(names) {
		case 0:
			return 0, fail("no %s found%s", plural, hint)
		case 1:
			return 0, nil
		}
		return 0, fail("%d %s (%s); choose one with --upstream NAME", len(names), plural, list())
	}
	for i, n := range names {
		if _, name, _ := strings.Cut(n, " "); name == want {
			return i, nil
		}
	}
	if len(names) == 0 {
		return 0, fail("no %s named %q: the configuration has none%s", kind, want, hint)
	}
	return 0, fail("no %s named %q; the configuration has: %s", kind, want, list())
}

// nchain is the blocks a request to the upstream passes through, innermost
// last: http (or stream), server, location..., the one that proxies to it.
type nchain struct {
	blocks [][]*ndir
	at     pos // the proxy_pass; line 0 when no location proxies to it
}

// lookup returns the innermost directive called name in the chain, which
// is how nginx inherits settings, or nil.
func (c nchain) lookup(name string) *ndir {
	for i := len(c.blocks) - 1; i >= 0; i-- {
		if ds := find(c.blocks[i], name); len(ds) > 0 {
			return ds[len(ds)-1]
		}
	}
	return nil
}

// nginxChain finds the location (or stream server) that proxies to the
// upstream: the first in file order. Settings come from its chain, so a
// second location with other settings is a warning.
func nginxChain(p *pool, u nupstream) nchain {
	var found []nchain
	var walk func(path [][]*ndir, block []*ndir)
	walk = func(path [][]*ndir, block []*ndir) {
		for _, d := range block {
			if d.hasBlock && (d.name == "server" || d.name == "location" || d.name == "if" || d.name == "limit_except") {
				walk(append(slices.Clip(path), d.block), d.block)
				continue
			}
			if d.name != "proxy_pass" || len(d.args) == 0 {
				continue
			}
			target := d.args[0]
			if u.mode == "http" {
				scheme, rest, ok := strings.Cut(target, "://")
				if !ok {
					continue
				}
				host, _, _ := strings.Cut(rest, "/")
				if host != p.name {
					continue
				}
				if scheme == "https" && len(found) == 0 {
					p.scheme = "https://"
				}
			} else if target != p.name {
				continue
			}
			found = append(found, nchain{blocks: path, at: d.at})
		}
	}
	walk([][]*ndir{u.ctx}, u.ctx)
	if len(found) == 0 {
		return nchain{blocks: [][]*ndir{u.ctx}}
	}
	for _, c := range found[1:] {
		for _, name := range nginxChainSettings {
			a, b := found[0].lookup(name), c.lookup(name)
			if !sameDirective(a, b) {
				p.approximated(c.at, topicRetries, -1, fmt.Sprintf("proxy_pass to %s here has other %s settings than at %s; lbsim has one setting per pool and takes that location's", p.name, name, p.place(found[0].at)))
				break
			}
		}
	}
	return found[0]
}

// nginxChainSettings are the directives read from a location's chain.
var nginxChainSettings = []string{"proxy_next_upstream", "proxy_next_upstream_tries", "proxy_next_upstream_timeout",
	"proxy_connect_timeout", "proxy_read_timeout", "proxy_timeout", "client_max_body_size", "health_check"}

func sameDirective(a, b *ndir) bool {
	if a == nil || b == nil {
		return a == b
	}
	return slices.Equal(a.args, b.args)
}

// readUpstream reads the upstream block: servers, the policy, and what
// lbsim does not model.
func (p *pool) readUpstream(up *ndir) {
	var (
		fails     []failures
		failLines []pos
		slow      []time.Duration
		policy    *ndir
	)
	for _, d := range up.block {
		switch d.name {
		case "server":
			f, slowStart, ok := p.nginxServer(d)
			if ok {
				fails = append(fails, f)
				failLines = append(failLines, d.at)
				slow = append(slow, slowStart)
			}
		case "least_conn", "ip_hash", "hash", "random", "least_time":
			if policy != nil {
				p.approximated(d.at, topicAlgorithm, -1, fmt.Sprintf("%s after %s at %s: nginx refuses a second balancing method; lbsim takes the first", d.name, policy.name, p.place(policy.at)))
				continue
			}
			policy = d
		case "zone":
			p.remark(d.at, topicServers, "zone "+strings.Join(d.args, " ")+": lbsim counts requests in flight exactly, as nginx does with a zone")
		case "sticky":
			p.nginxSticky(d)
		case "keepalive", "keepalive_requests", "keepalive_time", "keepalive_timeout":
			p.unmodelled(d.at, topicServers, -1, directive(d), "lbsim does not model reusing idle connections to servers")
		case "ntlm":
			p.unmodelled(d.at, topicServers, -1, directive(d), "lbsim does not bind client connections to server connections")
		case "queue":
			p.unmodelled(d.at, topicServers, -1, directive(d), "lbsim does not hold requests in the balancer when every server is at max_conns")
		case "resolver", "resolver_timeout":
			p.unmodelled(d.at, topicServers, -1, directive(d), "lbsim resolves server names once, when it loads the file")
		default:
			p.unmodelled(d.at, topicServers, -1, directive(d), "lbsim import does not know this upstream directive")
		}
	}
	p.nginxPolicy(policy)
	if len(fails) > 0 {
		f, same := mostCommon(fails)
		p.passive = &passive{maxFails: f.maxFails, failTimeout: f.failTimeout,
			why: fmt.Sprintf("the servers' max_fails=%d fail_timeout=%s", f.maxFails, formatDuration(f.failTimeout))}
		if f == (failures{1, 10 * time.Second}) {
			p.passive.why = "nginx's default max_fails=1 fail_timeout=10s"
		}
		if !same {
			i := slices.IndexFunc(fails, func(x failures) bool { return x != f })
			p.approximated(failLines[i], topicPassive, -1, fmt.Sprintf("max_fails=%d fail_timeout=%s here differs from the other servers': passive checks apply to the whole pool, so lbsim takes the most common, max_fails=%d fail_timeout=%s",
				fails[i].maxFails, formatDuration(fails[i].failTimeout), f.maxFails, formatDuration(f.failTimeout)))
		}
		if d, same := mostCommon(slow); d > 0 || !same {
			p.slowStart = d
			if !same {
				i := slices.IndexFunc(slow, func(x time.Duration) bool { return x != d })
				p.approximated(failLines[i], topicSlowStart, -1, "slow_start="+formatDuration(slow[i])+" here "+slowDiffers(d))
			}
		}
	}
}

// failures are a server's passive-check settings.
type failures struct {
	maxFails    int
	failTimeout time.Duration
}

// directive writes a directive as the configuration has it, for messages.
func directive(d *ndir) string {
	if len(d.args) == 0 {
		return d.name
	}
	return d.name + " " + strings.Join(d.args, " ")
}

// nginxServer reads one server line of an upstream. It returns the
// server's passive-check settings and slow start, and false when the
// server could not be added.
func (p *pool) nginxServer(d *ndir) (f failures, slowStart time.Duration, ok bool) {
	f.maxFails, f.failTimeout = 1, 10*time.Second
	if len(d.args) == 0 {
		p.unmodelled(d.at, topicServers, -1, "server", "it names no address")
		return f, 0, false
	}
	addr := d.args[0]
	if strings.HasPrefix(addr, "unix:") {
		p.unmodelled(d.at, topicServers, -1, "server "+addr, "lbsim reaches servers over TCP, not unix sockets; the server is left out")
		return f, 0, false
	}
	host, port, hasPort := splitHostPort(addr)
	if !hasPort {
		if p.mode == "tcp" {
			p.unmodelled(d.at, topicServers, -1, "server "+addr, "it has no port, which stream {} requires; the server is left out")
			return f, 0, false
		}
		port = "80"
	}
	hp, err := hostPort(host, port)
	if err != nil {
		p.unmodelled(d.at, topicServers, -1, "server "+addr, "its address "+err.Error()+"; the server is left out")
		return f, 0, false
	}
	s := server{name: hp, address: hp, weight: 1, at: d.at}
	if p.mode == "http" {
		s.address = p.scheme + hp
	}
	idx := len(p.servers)
	bad := func(param, why string) {
		p.unmodelled(d.at, topicServers, idx, param, why)
	}
	for _, a := range d.args[1:] {
		key, value, hasValue := strings.Cut(a, "=")
		switch {
		case key == "weight" && hasValue:
			n, err := strconv.Atoi(value)
			switch {
			case err != nil || n < 1:
				bad(a, "weight must be a whole number of 1 or more; lbsim uses 1")
			case n > 1000:
				p.approximated(d.at, topicServers, idx, fmt.Sprintf("%s is above lbsim's largest weight; lbsim uses 1000", a))
				s.weight = 1000
			default:
				s.weight = n
			}
		case key == "max_fails" && hasValue:
			n, err := strconv.Atoi(value)
			if err != nil || n < 0 || n > 1000 {
				bad(a, "max_fails must be a whole number from 0 to 1000")
				continue
			}
			f.maxFails = n
		case key == "fail_timeout" && hasValue:
			t, err := nginxTime(value)
			if err != nil || t == 0 {
				bad(a, "fail_timeout must be a positive time")
				continue
			}
			f.failTimeout = t
		case key == "slow_start" && hasValue:
			t, err := nginxTime(value)
			if err != nil {
				bad(a, err.Error())
				continue
			}
			slowStart = t
		case a == "backup":
			s.backup = true
		case a == "down":
			bad(a, "lbsim sends this server requests; delete its entry to leave it out, as nginx does")
		case a == "drain":
			bad(a, "lbsim sends this server new requests; delete its entry to leave it out")
		case key == "max_conns":
			bad(a, "lbsim does not cap the connections the balancer opens to a server")
		case a == "resolve":
			bad(a, "lbsim resolves the name once, when it loads the file")
		default:
			bad(a, "lbsim import does not know this server parameter")
		}
	}
	p.servers = append(p.servers, s)
	return f, slowStart, true
}

// nginxPolicy maps the upstream's balancing method to lbsim's policy.
func (p *pool) nginxPolicy(d *ndir) {
	if d == nil {
		p.alg = algorithm{name: "weighted_round_robin", why: "nginx's default, weighted round robin (no balancing directive)"}
		return
	}
	what := directive(d) + " (" + p.place(d.at) + ")"
	p.alg = algorithm{why: what}
	switch d.name {
	case "least_conn":
		p.alg.name = "least_connections"
	case "ip_hash":
		p.alg.name = "ip_hash"
		p.remark(d.at, topicAlgorithm, "ip_hash: nginx hashes the first three octets of an IPv4 address, lbsim the whole address")
	case "least_time":
		p.alg.name = "least_response_time"
		p.remark(d.at, topicAlgorithm, directive(d)+": lbsim times the whole response and weighs it by the requests in flight")
	case "random":
		switch {
		case len(d.args) == 0:
			p.alg.name = "random"
		case d.args[0] == "two" && (len(d.args) == 1 || d.args[1] == "least_conn"):
			p.alg.name = "power_of_two"
		case d.args[0] == "two" && strings.HasPrefix(d.args[1], "least_time"):
			p.alg.name = "peak_ewma"
			p.remark(d.at, topicAlgorithm, directive(d)+": peak_ewma also compares two random servers on their latency and load")
		default:
			p.alg.name = "random"
			p.unmodelled(d.at, topicAlgorithm, -1, directive(d), "lbsim's random draws one server by weight")
		}
	case "hash":
		key := firstArg(d)
		consistent := len(d.args) > 1 && slices.Contains(d.args[1:], "consistent")
		switch {
		case key == "":
			p.alg.name = "weighted_round_robin"
			p.unmodelled(d.at, topicAlgorithm, -1, "hash", "it names no key; weighted_round_robin, nginx's default, stands in")
		case key == "$remote_addr" || key == "$binary_remote_addr":
			p.alg.name = "ip_hash"
			p.remark(d.at, topicAlgorithm, directive(d)+": hashing the client address is lbsim's ip_hash")
		case strings.Contains(key, "$request_uri") || strings.Contains(key, "$uri") || strings.Contains(key, "$document_uri"):
			p.alg.name, p.keys = "consistent_hash", true
			if !consistent {
				p.remark(d.at, topicAlgorithm, directive(d)+": without consistent, nginx moves most keys when a server leaves; consistent_hash moves few")
			}
		default:
			p.alg.name, p.keys = "consistent_hash", true
			p.unmodelled(d.at, topicAlgorithm, -1, "hash "+key, "lbsim hashes the request's key (lbsim proxy: its URI), not "+key)
		}
	}
}

// nginxSticky reads nginx Plus's sticky directive.
func (p *pool) nginxSticky(d *ndir) {
	if len(d.args) < 2 || d.args[0] != "cookie" {
		p.unmodelled(d.at, topicSticky, -1, directive(d), "lbsim pins clients with a cookie of its own (sticky cookie NAME)")
		return
	}
	if p.mode == "tcp" {
		p.unmodelled(d.at, topicSticky, -1, directive(d), "stream {} sees no cookies")
		return
	}
	if !validCookie(d.args[1]) {
		p.unmodelled(d.at, topicSticky, -1, directive(d), "lbsim needs a cookie name of letters, digits and !#$%&'*+-.^_`|~")
		return
	}
	p.sticky = d.args[1]
	if len(d.args) > 2 {
		p.remark(d.at, topicSticky, "cookie attributes "+strings.Join(d.args[2:], " ")+" are lbsim's own")
	}
}

// readLocation reads the settings of the location (or stream server) that
// proxies to the upstream, inherited from the blocks around it: retries,
// timeouts, the body limit, nginx Plus's health_check and the access log.
func (p *pool) readLocation(c nchain, u nupstream) {
	if p.mode == "tcp" {
		p.streamRetries(c)
	} else {
		p.httpRetries(c)
	}
	timeouts := []struct{ directive, key string }{{"proxy_connect_timeout", "connect"}, {"proxy_read_timeout", "response"}}
	if p.mode == "tcp" {
		timeouts = []struct{ directive, key string }{{"proxy_connect_timeout", "connect"}, {"proxy_timeout", "idle"}}
	}
	for _, t := range timeouts {
		d := c.lookup(t.directive)
		if d == nil {
			continue
		}
		v, err := nginxTime(firstArg(d))
		if err != nil || v == 0 {
			p.unmodelled(d.at, topicTimeouts, -1, directive(d), "not a positive time")
			continue
		}
		p.timeouts = append(p.timeouts, timeout{key: t.key, value: v, from: directive(d)})
	}
	if d := c.lookup("client_max_body_size"); d != nil && p.mode == "http" {
		n, err := nginxSize(firstArg(d))
		switch {
		case err != nil:
			p.unmodelled(d.at, topicTimeouts, -1, directive(d), err.Error())
		case n == 0:
			p.unmodelled(d.at, topicTimeouts, -1, directive(d), "lbsim proxy bounds request bodies (at most 1 GiB)")
		case n > 1<<30:
			p.approximated(d.at, topicTimeouts, -1, directive(d)+" is above lbsim proxy's largest body, 1 GiB; lbsim uses 1 GiB")
			p.maxBody = 1 << 30
		default:
			p.maxBody = n
		}
	}
	if d := c.lookup("health_check"); d != nil {
		p.nginxHealth(d, c)
	}
	p.nginxLogFormat(c, u)
}

// httpRetries maps proxy_next_upstream and its tries and timeout.
func (p *pool) httpRetries(c nchain) {
	r := &retries{why: "nginx's default proxy_next_upstream error timeout"}
	args := []string{"error", "timeout"}
	line := p.at
	if d := c.lookup("proxy_next_upstream"); d != nil {
		args, line = d.args, d.at
		r.why = directive(d) + " (" + p.place(d.at) + ")"
	}
	var codes []string
	on := map[string]bool{}
	for _, a := range args {
		switch a {
		case "error":
			on["connect"], on["error"] = true, true
		case "timeout":
			on["timeout"] = true
		case "http_500", "http_502", "http_503", "http_504":
			on["5xx"] = true
			codes = append(codes, a)
		case "non_idempotent":
			r.nonIdempotent = true
		case "off":
			clear(on)
		default:
			p.unmodelled(line, topicRetries, -1, "proxy_next_upstream "+a, "lbsim retries on connect, error, timeout and 5xx")
		}
	}
	if on["5xx"] && len(codes) < 4 {
		p.remark(line, topicRetries, "proxy_next_upstream "+strings.Join(codes, " ")+": lbsim's 5xx retries any status from 500 to 599")
	}
	for _, k := range []string{"connect", "error", "timeout", "5xx"} {
		if on[k] {
			r.on = append(r.on, k)
		}
	}
	p.retryBounds(c, r)
	if len(r.on) > 0 && r.count > 0 && p.passive != nil {
		p.passive.on = r.on // nginx counts as failures what it retries
	}
	p.retries = r
}

// streamRetries maps stream {}'s proxy_next_upstream on|off.
func (p *pool) streamRetries(c nchain) {
	r := &retries{on: []string{"connect"}, why: "stream {}'s default proxy_next_upstream on: a connection that cannot be made"}
	if d := c.lookup("proxy_next_upstream"); d != nil {
		r.why = directive(d) + " (" + p.place(d.at) + ")"
		if firstArg(d) == "off" {
			r.on = nil
		}
	}
	p.retryBounds(c, r)
	p.retries = r
}

// retryBounds reads proxy_next_upstream_tries and _timeout into r.
func (p *pool) retryBounds(c nchain, r *retries) {
	tries := 0
	if d := c.lookup("proxy_next_upstream_tries"); d != nil {
		n, err := strconv.Atoi(firstArg(d))
		if err != nil || n < 0 {
			p.unmodelled(d.at, topicRetries, -1, directive(d), "not a whole number")
		} else {
			tries = n
		}
	}
	switch {
	case len(r.on) == 0:
		r.count = 0
	case tries == 0:
		// nginx tries every server once; lbsim retries on servers not yet tried.
		r.count = min(max(1, len(p.servers)-1), 100)
		r.why += ", every server once (proxy_next_upstream_tries 0)"
	default:
		r.count = min(tries-1, 100)
	}
	if d := c.lookup("proxy_next_upstream_timeout"); d != nil {
		t, err := nginxTime(firstArg(d))
		if err != nil {
			p.unmodelled(d.at, topicRetries, -1, directive(d), err.Error())
		} else {
			r.timeout = t
		}
	}
}

// nginxHealth maps nginx Plus's health_check.
func (p *pool) nginxHealth(d *ndir, c nchain) {
	h := &health{path: "/", interval: 5 * time.Second, fall: 1, rise: 1, why: directive(d) + " (" + p.place(d.at) + ")"}
	for _, a := range d.args {
		key, value, _ := strings.Cut(a, "=")
		var err error
		switch key {
		case "interval":
			h.interval, err = nginxTime(value)
			if err == nil && h.interval == 0 {
				err = fmt.Errorf("must be positive")
			}
		case "fails":
			h.fall, err = strconv.Atoi(value)
		case "passes":
			h.rise, err = strconv.Atoi(value)
		case "uri":
			h.path = value
		default:
			p.unmodelled(d.at, topicHealth, -1, "health_check "+a, "lbsim checks with GET on the server's own address and accepts any 2xx or 3xx")
		}
		if err != nil {
			p.unmodelled(d.at, topicHealth, -1, "health_check "+a, err.Error())
		}
	}
	if h.interval <= 0 || h.fall < 1 || h.rise < 1 || h.fall > 1000 || h.rise > 1000 ||
		!strings.HasPrefix(h.path, "/") || strings.ContainsAny(h.path, " \t\r\n") {
		p.unmodelled(d.at, topicHealth, -1, directive(d), "its interval, fails, passes or uri is out of lbsim's range; no active checks")
		return
	}
	if p.mode == "tcp" {
		h.path = ""
	}
	h.timeout = h.interval
	p.health = h
}

// nginxLogFormat finds the log_format of the access log of the proxying
// location, for --trace.
func (p *pool) nginxLogFormat(c nchain, u nupstream) {
	d := c.lookup("access_log")
	if d == nil || len(d.args) < 2 || firstArg(d) == "off" {
		return
	}
	name := d.args[1]
	if name == "combined" {
		return
	}
	for _, f := range find(u.ctx, "log_format") {
		if firstArg(f) != name {
			continue
		}
		parts := f.args[1:]
		if len(parts) > 0 && strings.HasPrefix(parts[0], "escape=") {
			parts = parts[1:]
		}
		p.logFormat = strings.Join(parts, "")
		return
	}
}
