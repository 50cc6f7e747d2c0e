package algorithms

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

var allPolicies = []string{
	"bounded_load", "consistent_hash", "ip_hash", "join_idle_queue",
	"least_connections", "least_response_time", "maglev", "peak_ewma",
	"power_of_two", "prequal", "random", "round_robin",
	"weighted_least_request", "weighted_round_robin",
}

func TestListSortedAndComplete(t *testing.T) {
	names := Names()
	if !slices.IsSorted(names) {
		t.Errorf("Names() = %v, not sorted", names)
	}
	for _, want := range allPolicies {
		if !slices.Contains(names, want) {
			t.Errorf("Names() = %v, missing %s", names, want)
		}
	}
	list := List()
	if !slices.IsSortedFunc(list, func(a, b Info) int { return strings.Compare(a.Name, b.Name) }) {
		t.Error("List() is not sorted by name")
	}
	for _, info := range list {
		if info.Summary == "" || strings.ContainsAny(info.Summary, "\n\t") {
			t.Errorf("%s: Summary %q must be one non-empty line without tabs", info.Name, info.Summary)
		}
		for field, text := range map[string]string{"How": info.Description.How, "UseWhen": info.Description.UseWhen, "Drawback": info.Description.Drawback} {
			if strings.TrimSpace(text) == "" || strings.ContainsAny(text, "\n\t") {
				t.Errorf("%s: Description.%s %q must be non-empty text without newlines or tabs", info.Name, field, text)
			}
		}
		if info.New == nil {
			t.Errorf("%s: New is nil", info.Name)
		}
		if got, ok := Lookup(info.Name); !ok || got.Name != info.Name {
			t.Errorf("Lookup(%q) = %v, %v", info.Name, got.Name, ok)
		}
	}
}

func TestUnknownPolicy(t *testing.T) {
	tests := []struct {
		name    string
		suggest string // what the message offers; "" for nothing
	}{
		{"", ""},
		{"Round_Robin", `did you mean "round_robin"?`},
		{"round-robin", `did you mean "round_robin"?`},
		{"least_connection", `did you mean "least_connections"?`},
		{"lest_conn", `did you mean "least_conn" (nginx's name for least_connections)?`},
		{"leastcon", `did you mean "leastconn" (HAProxy's name for least_connections)?`},
		{"Least_Request", `did you mean "LEAST_REQUEST" (Envoy's name for weighted_least_request)?`},
		{"static_rr", `did you mean "static-rr" (HAProxy's name for weighted_round_robin)?`},
		{"fastest", ""},
	}
	for _, tt := range tests {
		bal, err := New(tt.name, Options{})
		var unknown *UnknownError
		if !errors.As(err, &unknown) || unknown.Name != tt.name || bal != nil {
			t.Errorf("New(%q) = %v, %v; want nil, *UnknownError{%q}", tt.name, bal, err, tt.name)
			continue
		}
		if _, ok := Lookup(tt.name); ok {
			t.Errorf("Lookup(%q) found a policy", tt.name)
		}
		msg := err.Error()
		if !strings.Contains(msg, "(known: bounded_load, consistent_hash, ip_hash,") {
			t.Errorf("error %q should list the known names", msg)
		}
		if got := strings.Contains(msg, "did you mean"); got != (tt.suggest != "") || !strings.Contains(msg, tt.suggest) {
			t.Errorf("error %q; want the suggestion %q", msg, tt.suggest)
		}
	}
}

// The names of nginx, HAProxy and Envoy stand for lbsim's policies, exactly
// as those products spell them.
func TestAliases(t *testing.T) {
	tests := []struct{ name, policy string }{
		{"least_conn", "least_connections"},
		{"leastconn", "least_connections"},
		{"roundrobin", "weighted_round_robin"},
		{"static-rr", "weighted_round_robin"},
		{"ROUND_ROBIN", "weighted_round_robin"},
		{"source", "ip_hash"},
		{"RANDOM", "random"},
		{"p2c", "power_of_two"},
		{"LEAST_REQUEST", "weighted_least_request"},
		{"least_time", "least_response_time"},
		{"RING_HASH", "consistent_hash"},
		{"MAGLEV", "maglev"},
		{"random two least_conn", "power_of_two"},
		{"random two", "power_of_two"},
		// Registered names stand for themselves, and case matters:
		// round_robin is lbsim's unweighted policy, not Envoy's ROUND_ROBIN.
		{"round_robin", "round_robin"},
		{"random", "random"},
		{"power_of_two", "power_of_two"},
	}
	for _, tt := range tests {
		got, ok := Canonical(tt.name)
		if !ok || got != tt.policy {
			t.Errorf("Canonical(%q) = %q, %v; want %q", tt.name, got, ok, tt.policy)
		}
		info, ok := Lookup(tt.name)
		if !ok || info.Name != tt.policy {
			t.Errorf("Lookup(%q) = %q, %v; want %q", tt.name, info.Name, ok, tt.policy)
		}
		if _, err := New(tt.name, Options{Seed: 1}); err != nil {
			t.Errorf("New(%q): %v", tt.name, err)
		}
	}
	for _, name := range []string{"Round_Robin", "round robin", "LEAST_CONN", "random(2)", "source ", "bounded_load(c=2", "bounded_load(c)"} {
		if got, ok := Canonical(name); ok {
			t.Errorf("Canonical(%q) = %q; want no policy", name, got)
		}
	}
}

// An alias names a registered policy, never shadows one, and is listed
// once; the list is grouped by policy.
func TestAliasList(t *testing.T) {
	list := Aliases()
	if len(list) != len(aliases) {
		t.Fatalf("Aliases() has %d entries, want %d", len(list), len(aliases))
	}
	seen := map[string]bool{}
	for i, a := range list {
		if _, ok := registry[a.Policy]; !ok {
			t.Errorf("alias %q names %q, which is not registered", a.Name, a.Policy)
		}
		if _, ok := registry[a.Name]; ok {
			t.Errorf("alias %q shadows a registered policy", a.Name)
		}
		if seen[a.Name] {
			t.Errorf("alias %q is listed twice", a.Name)
		}
		seen[a.Name] = true
		if a.Product == "" {
			t.Errorf("alias %q names no product", a.Name)
		}
		if i > 0 && list[i-1].Policy > a.Policy {
			t.Errorf("Aliases() not grouped by policy: %q before %q", list[i-1].Policy, a.Policy)
		}
	}
}

// Every policy refuses to pick from an empty set: before the first Update,
// after an empty Update, and after its last backend is removed.
func TestEmptySnapshot(t *testing.T) {
	for _, name := range Names() {
		t.Run(name, func(t *testing.T) {
			for _, c := range []struct {
				desc    string
				updates [][]*Backend
			}{
				{"no update", nil},
				{"nil update", [][]*Backend{nil}},
				{"all removed", [][]*Backend{pool(1, 2), {}}},
				{"only nil entries", [][]*Backend{{nil, nil}}},
			} {
				bal := mustNew(t, name, 1)
				for _, u := range c.updates {
					bal.Update(u)
				}
				for _, req := range []*Request{{}, nil} {
					if b, err := bal.Pick(req); !errors.Is(err, ErrNoBackend) || b != nil {
						t.Errorf("%s: Pick = %v, %v; want nil, ErrNoBackend", c.desc, b, err)
					}
				}
				// Done on a backend the balancer does not know is harmless.
				bal.Done(NewBackend(9, "z", 1), Outcome{Latency: 1})
				bal.Done(nil, Outcome{})
			}
		})
	}
}

// One backend: every policy returns it.
func TestSingleBackend(t *testing.T) {
	for _, name := range Names() {
		bal := mustNew(t, name, 1)
		bal.Update(pool(3))
		if got := picks(t, bal, &Request{}, 20); got != strings.Repeat("a", 20) {
			t.Errorf("%s: picks %q, want only a", name, got)
		}
	}
}
