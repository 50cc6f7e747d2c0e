package live

import (
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/lbsim/lbsim/scenarios"
)

// rule says whether live runs a key faithfully: check returns "" when
// it does, or why not (nil: always); descend has the key's own keys
// checked by their rules.
type rule struct {
	check   func(v reflect.Value) string
	descend bool
}

var (
	allow   = rule{}
	descend = rule{descend: true}
)

func refuse(why string) rule { return rule{check: func(reflect.Value) string { return why }} }

// refuseIf refuses a key whose value bad reports, for why.
func refuseIf[T any](bad func(T) bool, why string) rule {
	return rule{check: func(v reflect.Value) string {
		if bad(v.Interface().(T)) {
			return why
		}
		return ""
	}}
}

// Rules for the keys live reads. A path names a key as docs/scenarios.md
// does, with [] for any element of a list. A key whose rule is allow is
// run as it is; a key with no entry at all is refused whenever a scenario sets
// it, so that a key added to the simulator later is refused, never
// silently ignored, until live learns to run it.
var rules = map[string]rule{
	"name": allow, "description": allow, "seed": allow, "requests": allow, "duration": allow, "warmup": allow,
	"servers": descend, "servers[].name": allow, "servers[].count": allow, "servers[].capacity": allow,
	"servers[].speed": allow, "servers[].weight": allow, "servers[].queue": allow, "servers[].address": allow,
	"servers[].backup": allow, "servers[].pool": allow,
	"servers[].mtbf":  refuse("random crashes come from the simulator's own random stream; give timed crash faults instead"),
	"servers[].mttr":  refuse("random crashes come from the simulator's own random stream; give timed crash faults instead"),
	"servers[].zone":  refuse("the proxy is one balancer in one place: zones and their crossing latency are not emulated"),
	"servers[].cache": refuse("the emulated servers keep no cache of keys"),
	"workload":        descend, "workload.arrival": allow, "workload.service": allow, "workload.clients": allow, "workload.keys": allow,
	"workload.classes": descend, "workload.classes[].name": allow, "workload.classes[].path": allow,
	"workload.classes[].share": allow, "workload.classes[].service": allow, "workload.classes[].keys": allow,
	"workload.trace":       allow,
	"workload.connections": refuse("the load generator does not hold the workload's long-lived connections"),
	"algorithms":           allow, "algorithm": allow, "expect": allow, "judge": allow,
	"faults": descend, "faults[].at": allow, "faults[].server": allow, "faults[].kind": allow,
	"faults[].factor": allow, "faults[].share": allow, "faults[].for": allow,
	"faults[].balancer": refuse("one proxy is one balancer: balancer faults are not emulated"),
	"faults[].zone":     refuse("the proxy is one balancer in one place: zone faults are not emulated"),
	"circuit_breaker":   allow,
	"autoscale":         refuse("the live fleet is fixed: no server is launched or retired during the run"),
	"slow_start":        allow, "health_check": allow, "passive": allow, "retries": allow,
	"balancers": descend,
	"balancers.layer": refuseIf(func(l int) bool { return l != scenarios.Layer7 },
		"the emulated servers answer requests over HTTP: live runs layer 7 only"),
	"balancers.count": refuseIf(func(n int) bool { return n > 1 },
		"one proxy is one balancer: a tier of several is not emulated"),
	"balancers.view": refuseIf(func(v string) bool { return v != scenarios.ViewShared },
		"one proxy is one balancer, whose view is its own: local and stale views are not emulated"),
	"balancers.refresh":  refuse("one proxy is one balancer: stale views are not emulated"),
	"balancers.failover": refuse("one proxy is one balancer: balancer failover is not emulated"),
	"routes":             descend, "routes[].class": allow, "routes[].path": allow, "routes[].pool": allow,
	"routes[].split": allow, "routes[].limit": allow,
	"routes[].phases": refuse("the proxy cannot move a split during a run"),
	"pools":           allow,
	"zones":           refuse("the proxy is one balancer in one place: zones are not emulated"),
	"sessions":        refuse("the emulated servers keep no client sessions"),
	"cache":           refuse("the emulated servers keep no cache of keys"),
	"mode": refuseIf(func(m string) bool { return m != scenarios.ModeHTTP },
		"the emulated servers answer requests over HTTP: live runs mode http only"),
	"listen": allow, "admin": allow, "max_header_bytes": allow, "max_body_bytes": allow,
	"max_buffered_bytes": allow, "timeouts": allow, "sticky": allow,
}

// Check returns an error, a *scenarios.Error naming the key (and its line
// when the file has one), when sc sets a key that live cannot run
// faithfully, or whose rule live does not know.
func Check(sc *scenarios.Scenario) error {
	path, why := unsupported(reflect.ValueOf(sc).Elem(), "", "")
	if path == "" {
		for i, r := range sc.Routes {
			if r.Class != "" && r.ClassPath == "" {
				path = "routes[" + strconv.Itoa(i) + "].class"
				why = fmt.Sprintf("the proxy routes by path: give class %q a path (workload.classes[].path)", r.Class)
				break
			}
		}
	}
	if path == "" {
		path, why = queueWith5xx(sc)
	}
	if path == "" {
		return nil
	}
	line, col := keyLine(sc.YAML, path)
	return &scenarios.Error{Source: sc.Source, Line: line, Column: col, Field: path, Msg: "lbsim live cannot run this key faithfully: " + why}
}

// unsupported walks the struct v, whose fields are the keys under prefix
// (rule paths in generic, with [] for list elements), and returns the
// first key set to a value live refuses, with the reason.
func unsupported(v reflect.Value, prefix, generic string) (string, string) {
	t := v.Type()
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if !f.IsExported() || name == "-" || name == "" || v.Field(i).IsZero() {
			continue
		}
		path, gpath := join(prefix, name), join(generic, name)
		r, known := rules[gpath]
		if !known {
			return path, "lbsim live does not know how to run " + gpath + " yet"
		}
		fv := v.Field(i)
		if r.check != nil {
			if why := r.check(fv); why != "" {
				return path, why
			}
		}
		if !r.descend {
			continue
		}
		if p, why := unsupportedIn(fv, path, gpath); p != "" {
			return p, why
		}
	}
	return "", ""
}

// unsupportedIn is unsupported for a struct, a pointer to one, or a list
// of them.
func unsupportedIn(v reflect.Value, path, generic string) (string, string) {
	switch v.Kind() {
	case reflect.Pointer:
		return unsupportedIn(v.Elem(), path, generic)
	case reflect.Slice:
		for i := range v.Len() {
			if p, why := unsupportedIn(v.Index(i), path+"["+strconv.Itoa(i)+"]", generic+"[]"); p != "" {
				return p, why
			}
		}
	case reflect.Struct:
		return unsupported(v, path, generic)
	}
	return "", ""
}

func join(prefix, name string) string {
	if prefix == "" {
		return name
	}
	return prefix + "." + name
}

// keyLine finds the line and column of the key at path ("servers[1].mtbf")
// in the YAML text data; 0, 0 when it is not written there (a default).
func keyLine(data []byte, path string) (int, int) {
	var doc yaml.Node
	if len(data) == 0 || yaml.Unmarshal(data, &doc) != nil || len(doc.Content) == 0 {
		return 0, 0
	}
	n := doc.Content[0]
	var key *yaml.Node
	for part := range strings.SplitSeq(path, ".") {
		name, idx, _ := strings.Cut(part, "[")
		for n.Kind == yaml.AliasNode {
			n = n.Alias
		}
		if n.Kind != yaml.MappingNode {
			return 0, 0
		}
		found := false
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == name {
				key, n, found = n.Content[i], n.Content[i+1], true
				break
			}
		}
		if !found {
			return 0, 0
		}
		if idx != "" {
			k, err := strconv.Atoi(strings.TrimSuffix(idx, "]"))
			for n.Kind == yaml.AliasNode {
				n = n.Alias
			}
			if err != nil || n.Kind != yaml.SequenceNode || k >= len(n.Content) {
				return 0, 0
			}
			n = n.Content[k]
		}
	}
	return key.Line, key.Column
}

// queueWith5xx refuses retries.on or passive.on with 5xx in a scenario
// whose servers have a queue limit: an emulated server turns a request
// away from its full queue with 503, which the proxy would retry or count
// towards ejection as an error status, and the simulator does neither.
func queueWith5xx(sc *scenarios.Scenario) (string, string) {
	if !slices.ContainsFunc(sc.Servers, func(g scenarios.ServerGroup) bool { return g.Queue > 0 }) {
		return "", ""
	}
	const why = "a server whose queue is full answers 503, which the proxy would retry or count towards ejection, and the simulator does not: leave 5xx out, or the queue limit"
	check := func(prefix string, r *scenarios.Retries, p *scenarios.Passive) string {
		if r != nil {
			if i := slices.Index(r.On, scenarios.Retry5xx); i >= 0 && r.Count > 0 {
				return prefix + "retries.on[" + strconv.Itoa(i) + "]"
			}
		}
		if p != nil {
			if i := slices.Index(p.On, scenarios.Retry5xx); i >= 0 && p.MaxFails > 0 {
				return prefix + "passive.on[" + strconv.Itoa(i) + "]"
			}
		}
		return ""
	}
	if k := check("", sc.Retries, sc.Passive); k != "" {
		return k, why
	}
	for _, name := range slices.Sorted(maps.Keys(sc.Pools)) {
		if pl := sc.Pools[name]; pl != nil {
			if k := check("pools."+name+".", pl.Retries, pl.Passive); k != "" {
				return k, why
			}
		}
	}
	return "", ""
}
