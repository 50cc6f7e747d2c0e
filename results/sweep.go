package results

import (
	"fmt"
	"math"
	"math/big"
	"slices"
	"strconv"
	"strings"
	"time"
)

// MaxSweepPoints bounds the points of a sweep.
const MaxSweepPoints = 10_000

// Sweep is a scenario run at every value of one key, with every algorithm
// at each value: the data of latency-against-load curves. Its JSON form is
// what `lbsim sweep --format json` prints and `lbsim merge` reads.
//
// A sweep may be one slice (Shard) of a larger one; the fields before
// Points say which sweep it is, so slices can be checked and joined (see
// MergeSweeps).
type Sweep struct {
	Scenario    string `json:"scenario"`
	Description string `json:"description,omitempty"`
	// ScenarioSHA256 is the hash of the scenario file's text, in hex.
	ScenarioSHA256 string   `json:"scenario_sha256"`
	Vary           Vary     `json:"vary"`
	Algorithms     []string `json:"algorithms"`
	// Seed is the first seed of each point's runs; Seeds and Aggregate say
	// how several were combined (see Combine), and are left out for one.
	Seed      uint64    `json:"seed"`
	Seeds     int       `json:"seeds,omitempty"`
	Aggregate Aggregate `json:"aggregate,omitempty"`
	// RunRequests is the number of arrivals of every run when the command
	// line set it (--requests), and 0 when each point ran its scenario's.
	RunRequests int64 `json:"run_requests,omitempty"`
	// Shard says which slice of the sweep this is; nil for a whole sweep.
	Shard *Shard `json:"shard,omitempty"`
	// Points are the sweep's points (the slice's, for a shard) in order.
	Points []SweepPoint `json:"points"`
}

// SweepPoint is the scenario at one value of the varied key.
type SweepPoint struct {
	// Index is the point's place in the whole sweep, from 0.
	Index int     `json:"index"`
	Value float64 `json:"value"`
	// Requests is the number of arrivals simulated per algorithm.
	Requests int64 `json:"requests"`
	// Results has one entry per algorithm, in the order of Algorithms.
	Results []Result `json:"results"`
}

// Vary is what a sweep varies: a key of the scenario file over the values
// From, From+Step, ... up to To (inclusive; see Points).
type Vary struct {
	Key  string  `json:"key"`
	From float64 `json:"from"`
	To   float64 `json:"to"`
	Step float64 `json:"step"`
	// Unit is "s" when the key holds durations, its values in seconds,
	// and "" for plain numbers.
	Unit string `json:"unit,omitempty"`
}

// String writes v as on the command line: "rate=10:100:10",
// "health_check.interval=1s:10s:500ms".
func (v Vary) String() string {
	return v.Key + "=" + v.Format(v.From) + ":" + v.Format(v.To) + ":" + v.Format(v.Step)
}

// Format writes one value of the key: a duration ("1.5s") or a number.
func (v Vary) Format(x float64) string {
	if v.Unit == "s" && math.Abs(x) < float64(math.MaxInt64)/float64(time.Second) {
		return time.Duration(math.Round(x * float64(time.Second))).String()
	}
	return formatValue(x)
}

// formatValue writes x in the shortest form that reads back exactly, in
// plain decimals unless they would be long.
func formatValue(x float64) string {
	if s := strconv.FormatFloat(x, 'f', -1, 64); len(s) <= 12 {
		return s
	}
	return strconv.FormatFloat(x, 'g', -1, 64)
}

// Points returns the values of the sweep: From + i*Step for i = 0, 1, ...
// while they do not pass To. The arithmetic is exact on the decimals the
// values are written with (0.1 is a tenth, not the binary number nearest
// it), so 0:1:0.1 gives the 11 points 0, 0.1, ... 1 with no rounding
// drift; a range Step does not divide stops at the last point before To
// (0:1:0.3 gives 0, 0.3, 0.6, 0.9). A range going down needs a negative
// step. At most MaxSweepPoints points.
func (v Vary) Points() ([]float64, error) {
	for _, x := range []float64{v.From, v.To, v.Step} {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, fmt.Errorf("%s: every bound must be a finite number", v)
		}
	}
	from, to, step := decimal(v.From), decimal(v.To), decimal(v.Step)
	if step.Sign() == 0 {
		if from.Cmp(to) == 0 {
			return []float64{v.From}, nil
		}
		return nil, fmt.Errorf("%s: the step must not be 0", v)
	}
	span := new(big.Rat).Sub(to, from)
	span.Quo(span, step)
	switch {
	case span.Sign() < 0 && step.Sign() > 0:
		return nil, fmt.Errorf("%s: %s is below %s, so the step must be negative", v, v.Format(v.To), v.Format(v.From))
	case span.Sign() < 0:
		return nil, fmt.Errorf("%s: %s is above %s, so the step must be positive", v, v.Format(v.To), v.Format(v.From))
	case span.Cmp(big.NewRat(MaxSweepPoints, 1)) >= 0:
		return nil, fmt.Errorf("%s: that is %s points, more than the limit of %d; use a larger step", v, approxCount(span), MaxSweepPoints)
	}
	n := new(big.Int).Quo(span.Num(), span.Denom()).Int64() + 1
	points := make([]float64, n)
	for i := range points {
		p := new(big.Rat).Mul(step, big.NewRat(int64(i), 1))
		points[i], _ = p.Add(p, from).Float64()
	}
	return points, nil
}

// decimal is x as the decimal it is written as.
func decimal(x float64) *big.Rat {
	r, _ := new(big.Rat).SetString(strconv.FormatFloat(x, 'g', -1, 64))
	return r
}

func approxCount(r *big.Rat) string {
	f, _ := r.Float64()
	return strconv.FormatFloat(math.Floor(f)+1, 'g', 3, 64)
}

// Shard is slice Index (from 1) of Count of a sweep's points: the points
// whose index i has i mod Count = Index-1. Dealing the points out in turn,
// rather than in blocks, gives every slice a share of the slow points at
// the top of a range.
type Shard struct {
	Index int `json:"index"`
	Count int `json:"count"`
}

// MaxShards bounds a shard's count.
const MaxShards = MaxSweepPoints

// ParseShard reads "k/n": slice k of n, 1 <= k <= n.
func ParseShard(s string) (Shard, error) {
	ks, ns, ok := strings.Cut(strings.TrimSpace(s), "/")
	k, kerr := strconv.Atoi(ks)
	n, nerr := strconv.Atoi(ns)
	if !ok || kerr != nil || nerr != nil {
		return Shard{}, fmt.Errorf("want k/n, such as 2/8 (slice 2 of 8), got %q", s)
	}
	sh := Shard{Index: k, Count: n}
	return sh, sh.check()
}

// ShardIndexEnv is the environment variable "auto/n" takes its slice from:
// Kubernetes sets it in every pod of an Indexed Job to the pod's index,
// from 0, so that one Job with n completions runs the n slices.
const ShardIndexEnv = "JOB_COMPLETION_INDEX"

// ParseShardEnv reads "k/n" as ParseShard does, or "auto/n": slice i+1 of
// n, where i is the value lookup (os.LookupEnv) gives ShardIndexEnv. The
// error for a missing, non-numeric, negative or too large index names the
// variable and its value.
func ParseShardEnv(s string, lookup func(string) (string, bool)) (Shard, error) {
	ks, ns, ok := strings.Cut(strings.TrimSpace(s), "/")
	if !ok || !strings.EqualFold(ks, "auto") {
		return ParseShard(s)
	}
	n, err := strconv.Atoi(ns)
	if err != nil {
		return Shard{}, fmt.Errorf("want auto/n, such as auto/8 (the slice from $%s, of 8), got %q", ShardIndexEnv, s)
	}
	if err := (Shard{Index: 1, Count: n}).check(); err != nil {
		return Shard{}, err
	}
	v, set := lookup(ShardIndexEnv)
	if !set {
		return Shard{}, fmt.Errorf("auto/%d takes the slice from %s, which is not set (Kubernetes sets it, from 0, in each pod of an Indexed Job)", n, ShardIndexEnv)
	}
	i, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || i < 0 || i >= n {
		return Shard{}, fmt.Errorf("%s is %q, but auto/%d needs a whole number from 0 to %d (the index counts from 0)", ShardIndexEnv, v, n, n-1)
	}
	return Shard{Index: i + 1, Count: n}, nil
}

func (s Shard) check() error {
	switch {
	case s.Count < 1 || s.Count > MaxShards:
		return fmt.Errorf("the number of slices must be between 1 and %d, got %d", MaxShards, s.Count)
	case s.Index < 1 || s.Index > s.Count:
		return fmt.Errorf("the slice must be between 1 and %d, got %d", s.Count, s.Index)
	}
	return nil
}

// String writes s as "k/n".
func (s Shard) String() string { return strconv.Itoa(s.Index) + "/" + strconv.Itoa(s.Count) }

// Indices lists the points, of a sweep of n points, that s holds.
func (s Shard) Indices(n int) []int {
	var out []int
	for i := s.Index - 1; i < n; i += s.Count {
		out = append(out, i)
	}
	return out
}

// sweepShard is s's shard, a whole sweep counting as slice 1 of 1.
func sweepShard(s *Sweep) Shard {
	if s.Shard == nil {
		return Shard{Index: 1, Count: 1}
	}
	return *s.Shard
}

// SweepFile is a sweep read from a file, for MergeSweeps.
type SweepFile struct {
	Name  string
	Sweep *Sweep
}

// MergeError is why MergeSweeps refused its input; File names the file at
// fault, or is "" when the fault is the set of files (a slice missing).
type MergeError struct {
	File string
	Msg  string
}

func (e *MergeError) Error() string {
	if e.File == "" {
		return e.Msg
	}
	return e.File + ": " + e.Msg
}

// MergeSweeps joins the slices of one sweep into the whole sweep, exactly
// as an unsharded run makes it. It refuses, with a *MergeError naming the
// file, a slice of another sweep (another scenario or scenario text, key,
// range, algorithms, seeds or run length), a slice given twice, a slice
// that does not hold the points its shard says, and a set of slices with
// one missing.
func MergeSweeps(files []SweepFile) (*Sweep, error) {
	if len(files) == 0 {
		return nil, &MergeError{Msg: "no files to merge"}
	}
	first := files[0]
	count := sweepShard(first.Sweep).Count
	points, err := first.Sweep.Vary.Points()
	if err != nil {
		return nil, &MergeError{File: first.Name, Msg: err.Error()}
	}
	seen := make(map[int]string, count)
	var all []SweepPoint
	for _, f := range files {
		s := f.Sweep
		if diff := sweepDiff(first.Sweep, s); diff != "" {
			return nil, &MergeError{File: f.Name, Msg: fmt.Sprintf("a slice of another sweep than %s: %s", first.Name, diff)}
		}
		sh := sweepShard(s)
		if sh.Count != count {
			return nil, &MergeError{File: f.Name, Msg: fmt.Sprintf("slice %s of a sweep cut into %d slices, but %s is a slice of %d", sh, sh.Count, first.Name, count)}
		}
		if other, dup := seen[sh.Index]; dup {
			return nil, &MergeError{File: f.Name, Msg: fmt.Sprintf("slice %s again: %s is that slice too", sh, other)}
		}
		seen[sh.Index] = f.Name
		want := sh.Indices(len(points))
		got := make([]int, len(s.Points))
		for i, p := range s.Points {
			got[i] = p.Index
			if p.Index >= 0 && p.Index < len(points) && p.Value != points[p.Index] {
				return nil, &MergeError{File: f.Name, Msg: fmt.Sprintf("point %d has the value %s, but %s makes it %s", p.Index, formatValue(p.Value), s.Vary, formatValue(points[p.Index]))}
			}
		}
		if !slices.Equal(got, want) {
			return nil, &MergeError{File: f.Name, Msg: fmt.Sprintf("slice %s of %d points should hold points %s, but holds %s", sh, len(points), indexList(want), indexList(got))}
		}
		all = append(all, s.Points...)
	}
	var missing []string
	for k := 1; k <= count; k++ {
		if seen[k] == "" {
			missing = append(missing, Shard{Index: k, Count: count}.String())
		}
	}
	if len(missing) > 0 {
		return nil, &MergeError{Msg: fmt.Sprintf("slice %s of the sweep (%s of %s) is missing; merge needs every slice",
			strings.Join(missing, ", "), first.Sweep.Vary, first.Sweep.Scenario)}
	}
	slices.SortFunc(all, func(a, b SweepPoint) int { return a.Index - b.Index })
	out := *first.Sweep
	out.Shard, out.Points = nil, all
	return &out, nil
}

// sweepDiff says how b is a slice of another sweep than a, or "".
func sweepDiff(a, b *Sweep) string {
	fields := []struct {
		name string
		a, b any
	}{
		{"scenario", a.Scenario, b.Scenario},
		{"scenario_sha256 (the scenario file's text)", a.ScenarioSHA256, b.ScenarioSHA256},
		{"vary", a.Vary.String(), b.Vary.String()},
		{"algorithms", strings.Join(a.Algorithms, ","), strings.Join(b.Algorithms, ",")},
		{"seed", a.Seed, b.Seed},
		{"seeds", a.Seeds, b.Seeds},
		{"aggregate", a.Aggregate, b.Aggregate},
		{"run_requests", a.RunRequests, b.RunRequests},
	}
	for _, f := range fields {
		if f.a != f.b {
			return fmt.Sprintf("its %s is %v, not %v", f.name, f.b, f.a)
		}
	}
	if a.Vary != b.Vary {
		return fmt.Sprintf("its vary is %+v, not %+v", b.Vary, a.Vary)
	}
	return ""
}

// indexList writes point indices for a message, shortened when long.
func indexList(idx []int) string {
	if len(idx) == 0 {
		return "none"
	}
	const most = 8
	var b strings.Builder
	for i, x := range idx {
		if i == most {
			fmt.Fprintf(&b, " ... (%d in all)", len(idx))
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(strconv.Itoa(x))
	}
	return b.String()
}
