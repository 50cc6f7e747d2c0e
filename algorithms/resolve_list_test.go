package algorithms

import (
	"slices"
	"strings"
	"testing"
)

// TestResolveList: names and aliases resolve in order; an empty list, an
// unknown name and one policy named twice are refused, saying which.
func TestResolveList(t *testing.T) {
	tests := []struct {
		names   []string
		want    []string
		wantErr string
	}{
		{[]string{"leastconn", "round_robin"}, []string{"least_connections", "round_robin"}, ""},
		{nil, nil, "name at least one algorithm"},
		{[]string{"fastest"}, nil, `unknown algorithm "fastest"`},
		{[]string{"random", "random"}, nil, `"random" given twice`},
		{[]string{"least_conn", "leastconn"}, nil, `"least_conn" and "leastconn" both name least_connections`},
	}
	for _, tt := range tests {
		got, err := ResolveList(tt.names)
		switch {
		case tt.wantErr == "" && (err != nil || !slices.Equal(got, tt.want)):
			t.Errorf("ResolveList(%q) = %q, %v; want %q", tt.names, got, err, tt.want)
		case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
			t.Errorf("ResolveList(%q): error %v, want one with %q", tt.names, err, tt.wantErr)
		}
	}
}
