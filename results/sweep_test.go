package results

import (
	"math"
	"slices"
	"strings"
	"testing"
)

func TestVaryPoints(t *testing.T) {
	tests := []struct {
		name           string
		from, to, step float64
		want           []float64
	}{
		{"tenths land on the decimals", 0.1, 0.3, 0.1, []float64{0.1, 0.2, 0.3}},
		{"a step that does not divide stops before to", 0, 1, 0.3, []float64{0, 0.3, 0.6, 0.9}},
		{"going down", 10, 1, -3, []float64{10, 7, 4, 1}},
		{"one point", 5, 5, 0, []float64{5}},
		{"one point, any step", 5, 5, 2, []float64{5}},
		{"tiny steps", 1e-7, 3e-7, 1e-7, []float64{1e-7, 2e-7, 3e-7}},
		{"loads", 0.7, 0.95, 0.05, []float64{0.7, 0.75, 0.8, 0.85, 0.9, 0.95}},
		{"large values keep their units", 1e15, 1e15 + 2, 1, []float64{1e15, 1e15 + 1, 1e15 + 2}},
		{"negative to positive", -0.2, 0.2, 0.1, []float64{-0.2, -0.1, 0, 0.1, 0.2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Vary{Key: "k", From: tt.from, To: tt.to, Step: tt.step}.Points()
			if err != nil || !slices.Equal(got, tt.want) {
				t.Errorf("got %v, %v; want %v", got, err, tt.want)
			}
		})
	}
	// 0:1:0.1 has 11 points, each the double nearest i/10 (which IEEE
	// division gives), where adding 0.1 ten times would drift.
	got, err := Vary{Key: "k", From: 0, To: 1, Step: 0.1}.Points()
	if err != nil || len(got) != 11 {
		t.Fatalf("0:1:0.1: %d points, %v", len(got), err)
	}
	for i, p := range got {
		if p != float64(i)/10 {
			t.Errorf("0:1:0.1: point %d is %v, want %v", i, p, float64(i)/10)
		}
	}
	if got, err := (Vary{Key: "k", From: 0, To: MaxSweepPoints - 1, Step: 1}).Points(); err != nil || len(got) != MaxSweepPoints {
		t.Errorf("%d points: %d, %v", MaxSweepPoints, len(got), err)
	}

	errs := []struct {
		v    Vary
		want string
	}{
		{Vary{Key: "rate", From: 0, To: MaxSweepPoints, Step: 1}, "rate=0:10000:1: that is 1e+04 points, more than the limit of 10000"},
		{Vary{Key: "rate", From: 0, To: 1e300, Step: 1e-300}, "more than the limit"},
		{Vary{Key: "rate", From: 5, To: 1, Step: 1}, "1 is below 5, so the step must be negative"},
		{Vary{Key: "rate", From: 1, To: 5, Step: -1}, "5 is above 1, so the step must be positive"},
		{Vary{Key: "rate", From: 1, To: 5, Step: 0}, "the step must not be 0"},
		{Vary{Key: "rate", From: math.NaN(), To: 5, Step: 1}, "finite"},
		{Vary{Key: "rate", From: 1, To: math.Inf(1), Step: 1}, "finite"},
		{Vary{Key: "warmup", From: 2, To: 1, Step: 0.5, Unit: "s"}, "warmup=2s:1s:500ms: 1s is below 2s"},
	}
	for _, tt := range errs {
		if _, err := tt.v.Points(); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%+v: got %v, want %q", tt.v, err, tt.want)
		}
	}
}

// TestShardIndices: the slices of a sweep hold every point exactly once,
// in order, however many points and slices there are.
func TestShardIndices(t *testing.T) {
	for points := 0; points <= 30; points++ {
		for count := 1; count <= 12; count++ {
			held := make([]int, points)
			for k := 1; k <= count; k++ {
				idx := Shard{Index: k, Count: count}.Indices(points)
				if !slices.IsSorted(idx) {
					t.Errorf("%d points, slice %d/%d: %v not in order", points, k, count, idx)
				}
				for _, i := range idx {
					held[i]++
				}
				if want := (points - k + count) / count; len(idx) != max(want, 0) {
					t.Errorf("%d points, slice %d/%d holds %d, want %d", points, k, count, len(idx), want)
				}
			}
			for i, n := range held {
				if n != 1 {
					t.Errorf("%d points in %d slices: point %d is held %d times", points, count, i, n)
				}
			}
		}
	}
}

func TestParseShard(t *testing.T) {
	for _, s := range []string{"1/1", "3/4", " 10/10 "} {
		sh, err := ParseShard(s)
		if err != nil || sh.String() != strings.TrimSpace(s) {
			t.Errorf("%q: %v, %v", s, sh, err)
		}
	}
	bad := map[string]string{
		"0/4": "the slice must be between 1 and 4, got 0", "5/4": "between 1 and 4, got 5",
		"1/0": "between 1 and 10000, got 0", "1/10001": "got 10001", "3": "want k/n", "a/b": "want k/n",
		"-1/2": "got -1", "": "want k/n", "1/2/3": "want k/n",
	}
	for s, want := range bad {
		if _, err := ParseShard(s); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: got %v, want %q", s, err, want)
		}
	}
}

func TestParseShardEnv(t *testing.T) {
	tests := []struct {
		shard string
		env   string // the value of JOB_COMPLETION_INDEX; "unset" for none
		want  Shard
		err   string
	}{
		{"auto/4", "0", Shard{Index: 1, Count: 4}, ""},
		{"auto/4", "3", Shard{Index: 4, Count: 4}, ""},
		{" AUTO/1 ", "0", Shard{Index: 1, Count: 1}, ""},
		{"auto/10000", "9999", Shard{Index: 10000, Count: 10000}, ""},
		{"2/4", "0", Shard{Index: 2, Count: 4}, ""},     // k/n ignores the index
		{"2/4", "unset", Shard{Index: 2, Count: 4}, ""}, // and needs none
		{"auto/4", "unset", Shard{}, "auto/4 takes the slice from JOB_COMPLETION_INDEX, which is not set"},
		{"auto/4", "", Shard{}, `JOB_COMPLETION_INDEX is "", but auto/4 needs a whole number from 0 to 3`},
		{"auto/4", "two", Shard{}, `JOB_COMPLETION_INDEX is "two", but auto/4 needs a whole number from 0 to 3`},
		{"auto/4", "1.5", Shard{}, `JOB_COMPLETION_INDEX is "1.5"`},
		{"auto/4", "-1", Shard{}, `JOB_COMPLETION_INDEX is "-1", but auto/4 needs a whole number from 0 to 3 (the index counts from 0)`},
		{"auto/4", "4", Shard{}, `JOB_COMPLETION_INDEX is "4", but auto/4 needs`},
		{"auto/4", "99999999999999999999", Shard{}, `JOB_COMPLETION_INDEX is "99999999999999999999"`},
		{"auto/0", "0", Shard{}, "the number of slices must be between 1 and 10000, got 0"},
		{"auto/10001", "0", Shard{}, "got 10001"},
		{"auto/x", "0", Shard{}, "want auto/n, such as auto/8"},
		{"auto", "0", Shard{}, "want k/n"},
		{"5/4", "0", Shard{}, "the slice must be between 1 and 4, got 5"},
	}
	for _, tt := range tests {
		lookup := func(name string) (string, bool) {
			if name != ShardIndexEnv {
				t.Errorf("looked up %s", name)
			}
			return tt.env, tt.env != "unset"
		}
		got, err := ParseShardEnv(tt.shard, lookup)
		if tt.err == "" {
			if err != nil || got != tt.want {
				t.Errorf("%q with index %q: %v, %v; want %v", tt.shard, tt.env, got, err, tt.want)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tt.err) {
			t.Errorf("%q with index %q: got %v, %v; want an error with %q", tt.shard, tt.env, got, err, tt.err)
		}
	}
}
