package algorithms

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

var allPolicies = []string{
	"ip_hash", "least_connections", "least_response_time", "power_of_two",
	"random", "round_robin", "weighted_round_robin",
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
	for _, name := range []string{"", "roundrobin", "Round_Robin", "least_conn"} {
		bal, err := New(name, Options{})
		var unknown *UnknownError
		if !errors.As(err, &unknown) || unknown.Name != name || bal != nil {
			t.Errorf("New(%q) = %v, %v; want nil, *UnknownError{%q}", name, bal, err, name)
			continue
		}
		if !strings.Contains(err.Error(), "round_robin") {
			t.Errorf("error %q should list the known names", err)
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
