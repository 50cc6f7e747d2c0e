package suggest

import "testing"

func TestDistance(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"", "", 0},
		{"run", "run", 0},
		{"", "run", 3},
		{"run", "", 3},
		{"rnu", "run", 1},          // a swap of neighbours
		{"capcity", "capacity", 1}, // a deletion
		{"capacityy", "capacity", 1},
		{"ruin", "run", 1},
		{"kitten", "sitting", 3},
		{"ca", "abc", 3}, // optimal string alignment, not full Damerau (2)
		{"héllo", "hello", 1},
		{"round_robin", "weighted_round_robin", 9},
	}
	for _, tt := range tests {
		if got := Distance(tt.a, tt.b); got != tt.want {
			t.Errorf("Distance(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
		if got := Distance(tt.b, tt.a); got != tt.want {
			t.Errorf("Distance(%q, %q) = %d, want %d (symmetric)", tt.b, tt.a, got, tt.want)
		}
	}
}

func TestNearest(t *testing.T) {
	commands := []string{"run", "check", "sweep", "merge", "validate", "list", "explain", "trace", "quiz", "proxy"}
	policies := []string{"ip_hash", "least_connections", "round_robin", "weighted_round_robin", "least_conn", "leastconn", "ROUND_ROBIN"}
	tests := []struct {
		name  string
		known []string
		want  string // "" for no suggestion
	}{
		{"rnu", commands, "run"},
		{"chekc", commands, "check"},
		{"valdiate", commands, "validate"},
		{"lsit", commands, "list"},
		{"RUN", commands, "run"},
		{"frobnicate", commands, ""},
		{"x", commands, ""},
		{"", commands, ""},
		{"Round-Robin", policies, "round_robin"}, // case and separators first, in known's order
		{"round robin", policies, "round_robin"},
		{"roud_robin", policies, "round_robin"},
		{"least_con", policies, "least_conn"},
		{"leastconnections", policies, "least_connections"},
		{"ip-hash", policies, "ip_hash"},
		{"fastest", policies, ""},
		{"capcity", []string{"name", "count", "capacity", "speed"}, "capacity"},
		{"sevrers", []string{"name", "servers", "seed"}, "servers"},
		{"anything", nil, ""},
	}
	for _, tt := range tests {
		got, ok := Nearest(tt.name, tt.known)
		if got != tt.want || ok != (tt.want != "") {
			t.Errorf("Nearest(%q) = %q, %v; want %q", tt.name, got, ok, tt.want)
		}
	}
}
