package algorithms

import (
	"fmt"
	"sort"
	"strings"
)

// Options configures a new balancer.
type Options struct {
	// Seed seeds the balancer's random choices (random, power_of_two, and
	// the tie-breaks of least_connections and least_response_time) so a
	// simulation is reproducible bit for bit. The proxy seeds from the clock.
	Seed uint64
}

// Info describes a registered policy.
type Info struct {
	// Name is the policy's name in scenario files and on the command line.
	Name string
	// Summary is one line on how the policy chooses.
	Summary string
	// Description explains the policy to a person (lbsim explain).
	Description Description
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

// UnknownError reports a policy name that is not registered.
type UnknownError struct{ Name string }

func (e *UnknownError) Error() string {
	return fmt.Sprintf("unknown algorithm %q (known: %s)", e.Name, strings.Join(Names(), ", "))
}

// New builds the policy registered under name.
func New(name string, opts Options) (Balancer, error) {
	info, ok := registry[name]
	if !ok {
		return nil, &UnknownError{Name: name}
	}
	return info.New(opts), nil
}

// Lookup returns the policy registered under name.
func Lookup(name string) (Info, bool) {
	info, ok := registry[name]
	return info, ok
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
