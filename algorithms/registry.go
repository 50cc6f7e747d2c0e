package algorithms

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/lbsim/lbsim/internal/suggest"
)

// Options configures a new balancer.
type Options struct {
	// Seed seeds the balancer's random choices (random, power_of_two, and
	// the tie-breaks of least_connections and least_response_time) so a
	// simulation is reproducible bit for bit. The proxy seeds from the clock.
	Seed uint64
	// Params holds every parameter the policy declares; New fills it from
	// the spec and the defaults.
	Params Params
}

// Info describes a registered policy.
type Info struct {
	// Name is the policy's name in scenario files and on the command line.
	Name string
	// Summary is one line on how the policy chooses.
	Summary string
	// Description explains the policy to a person (lbsim explain).
	Description Description
	// Params are the policy's tunables, in the order a spec writes them;
	// none for most policies.
	Params []Param
	// New builds a balancer with no backends; the host calls Update before
	// the first Pick.
	New func(Options) Balancer
}

// Description is a policy explained for people who are choosing one:
// plain sentences, without the implementation's detail.
type Description struct {
	// How says how the policy chooses, in a few sentences.
	How string
	// UseWhen says where it fits best.
	UseWhen string
	// Drawback says what it gets wrong, and when that hurts.
	Drawback string
}

var registry = map[string]Info{}

// register adds a policy; each policy's file registers itself in init.
func register(info Info) {
	if _, dup := registry[info.Name]; dup {
		panic("algorithms: duplicate policy " + info.Name)
	}
	registry[info.Name] = info
}

// An Alias is the name another load balancer gives one of lbsim's
// policies. It is accepted wherever a policy is named, and the policy runs
// and is reported under its own name. docs/algorithms.md says where each
// original differs from lbsim's policy.
type Alias struct {
	// Name is the alias as the product spells it: "leastconn". Aliases are
	// case-sensitive: Envoy's ROUND_ROBIN is weighted_round_robin, while
	// round_robin is lbsim's own, unweighted policy.
	Name string
	// Policy is the registered name the alias stands for.
	Policy string
	// Product names where the alias comes from.
	Product string
}

// aliases are the names nginx, HAProxy and Envoy (and the usual short name
// for the power of two choices) give lbsim's policies.
var aliases = []Alias{
	{"least_conn", "least_connections", "nginx"},
	{"leastconn", "least_connections", "HAProxy"},
	{"roundrobin", "weighted_round_robin", "HAProxy"},
	{"static-rr", "weighted_round_robin", "HAProxy"},
	{"ROUND_ROBIN", "weighted_round_robin", "Envoy"},
	{"source", "ip_hash", "HAProxy"},
	{"RANDOM", "random", "Envoy"},
	{"LEAST_REQUEST", "weighted_least_request", "Envoy"},
	{"random two least_conn", "power_of_two", "nginx"},
	{"random two", "power_of_two", "nginx"},
	{"p2c", "power_of_two", "Finagle"},
	{"least_time", "least_response_time", "nginx Plus"},
	{"RING_HASH", "consistent_hash", "Envoy"},
	{"MAGLEV", "maglev", "Envoy"},
}

// Aliases lists every alias, by policy name and then as declared.
func Aliases() []Alias {
	out := append([]Alias(nil), aliases...)
	sort.SliceStable(out, func(i, j int) bool { return out[i].Policy < out[j].Policy })
	return out
}

// Canonical returns the canonical spec that name stands for: a registered
// name, or the policy an alias stands for, with any parameters checked and
// written in the policy's order ("bounded_load(c=1.5)"). ok is false for a
// spec Resolve refuses.
func Canonical(name string) (string, bool) {
	canon, err := Resolve(name)
	return canon, err == nil
}

// Resolve is Canonical with the reason for a refusal: an *UnknownError for
// a name that is neither registered nor an alias, a *ParamError for
// parameters the policy does not take.
func Resolve(name string) (string, error) {
	_, canon, _, err := resolve(name)
	return canon, err
}

// ResolveList resolves each of names (see Resolve) and returns the
// policies' own names, in order. An empty list, an unknown name and two
// names for one policy are errors, which callers prefix with where the
// list came from (a flag, a query parameter).
func ResolveList(names []string) ([]string, error) {
	if len(names) == 0 {
		return nil, errors.New("name at least one algorithm")
	}
	out := make([]string, len(names))
	for i, n := range names {
		canon, err := Resolve(n)
		if err != nil {
			return nil, err
		}
		if j := slices.Index(out[:i], canon); j >= 0 {
			if names[j] != n {
				return nil, fmt.Errorf("%q and %q both name %s", names[j], n, canon)
			}
			return nil, fmt.Errorf("%q given twice", n)
		}
		out[i] = canon
	}
	return out, nil
}

// lookupName finds a registered name or an alias, without parameters.
func lookupName(name string) (Info, bool) {
	if info, ok := registry[name]; ok {
		return info, true
	}
	for _, a := range aliases {
		if a.Name == name {
			return registry[a.Policy], true
		}
	}
	return Info{}, false
}

// UnknownError reports a policy name that is neither registered nor an
// alias.
type UnknownError struct{ Name string }

func (e *UnknownError) Error() string {
	return fmt.Sprintf("unknown algorithm %q%s (known: %s)", e.Name, didYouMean(e.Name), strings.Join(Names(), ", "))
}

// didYouMean offers the registered name or alias nearest to name, as
// ", did you mean ...?", or "".
func didYouMean(name string) string {
	known := Names()
	for _, a := range aliases {
		known = append(known, a.Name)
	}
	near, ok := suggest.Nearest(name, known)
	if !ok {
		return ""
	}
	if policy, _ := lookupName(near); policy.Name != near {
		for _, a := range aliases {
			if a.Name == near {
				return fmt.Sprintf(", did you mean %q (%s's name for %s)?", near, a.Product, policy.Name)
			}
		}
	}
	return fmt.Sprintf(", did you mean %q?", near)
}

// New builds the policy a spec names: a registered name or an alias, with
// parameters or without ("bounded_load(c=1.5)"). opts.Params is replaced by
// the spec's values and the policy's defaults.
func New(name string, opts Options) (Balancer, error) {
	info, _, params, err := resolve(name)
	if err != nil {
		return nil, err
	}
	opts.Params = params
	return info.New(opts), nil
}

// Lookup returns the policy a spec names; its Info carries the registered
// name.
func Lookup(name string) (Info, bool) {
	info, _, _, err := resolve(name)
	return info, err == nil
}

// List returns every registered policy, sorted by name.
func List() []Info {
	out := make([]Info, 0, len(registry))
	for _, info := range registry {
		out = append(out, info)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Names returns the registered policy names, sorted.
func Names() []string {
	list := List()
	names := make([]string, len(list))
	for i, info := range list {
		names[i] = info.Name
	}
	return names
}
