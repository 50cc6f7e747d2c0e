package scenarios

import (
	"errors"
	"fmt"
	"math"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// setBase is valid with a health check, for the setting tests.
const setBase = valid + "health_check: {interval: 2s}\n"

// twoGroups has three server groups, the second merging the first, a load
// instead of a rate, a duration instead of requests, and classes that
// share a service through an alias.
const twoGroups = `name: two
duration: 10m
servers:
  - &base {name: app, count: 2, capacity: 4}
  - {<<: *base, name: spare}
  - {name: "db.main", speed: 2}
workload:
  arrival:
    load: 0.5
  classes:
    - {name: read, share: 0.5, service: &svc {dist: exponential, mean: 50ms}}
    - {name: write, share: 0.5, service: *svc}
`

func mustKey(t *testing.T, text string) *Key {
	t.Helper()
	k, err := ParseKey(text)
	if err != nil {
		t.Fatalf("ParseKey(%q): %v", text, err)
	}
	return k
}

func parseSet(t *testing.T, src, key string, v float64) (*Scenario, error) {
	t.Helper()
	return ParseWith("set.yaml", []byte(src), Setting{Key: mustKey(t, key), Value: v})
}

// TestParseWith sets each shorthand and some paths, and checks the value
// landed where it should and nothing else moved.
func TestParseWith(t *testing.T) {
	tests := []struct {
		name  string
		src   string
		key   string
		value float64
		check func(*Scenario) string
	}{
		{"rate over rate", setBase, "rate", 25, func(s *Scenario) string {
			return want(s.Workload.Arrival.Rate, 25.0)
		}},
		{"rate over load", twoGroups, "rate", 30, func(s *Scenario) string {
			return want(s.Workload.Arrival.Rate, 30.0)
		}},
		// Capacity: (2*4 + 2*4 + 1*2) slots / 0.05 s = 360 requests/s.
		{"load over load", twoGroups, "load", 0.9, func(s *Scenario) string {
			return want(s.Workload.Arrival.Rate, 0.9*360)
		}},
		// Capacity: 2*4 slots / 0.05 s = 160 requests/s.
		{"load over rate", setBase, "load", 0.5, func(s *Scenario) string {
			return want(s.Workload.Arrival.Rate, 80.0)
		}},
		{"path over load", twoGroups, "workload.arrival.rate", 7, func(s *Scenario) string {
			return want(s.Workload.Arrival.Rate, 7.0)
		}},
		{"servers", setBase, "servers", 5, func(s *Scenario) string {
			return want(len(s.ExpandServers()), 5)
		}},
		{"group by position, a key the file leaves out", setBase, "servers[0].weight", 3, func(s *Scenario) string {
			return want(s.Servers[0].Weight, 3)
		}},
		{"group by name, a key it merges", twoGroups, "servers[spare].capacity", 9, func(s *Scenario) string {
			return want([2]int{s.Servers[0].Capacity, s.Servers[1].Capacity}, [2]int{4, 9})
		}},
		{"the merged group stays as the file has it", twoGroups, "servers[app].capacity", 7, func(s *Scenario) string {
			return want([2]int{s.Servers[0].Capacity, s.Servers[1].Capacity}, [2]int{7, 4})
		}},
		{"quoted name", twoGroups, `servers["db.main"].speed`, 0.5, func(s *Scenario) string {
			return want(s.Servers[2].Speed, 0.5)
		}},
		{"through an alias, one place only", twoGroups, "workload.classes[0].service.mean", 0.2, func(s *Scenario) string {
			return want([2]Duration{s.Workload.Classes[0].Service.Mean, s.Workload.Classes[1].Service.Mean},
				[2]Duration{Duration(200 * time.Millisecond), Duration(50 * time.Millisecond)})
		}},
		{"duration in seconds", setBase, "health_check.interval", 1.5, func(s *Scenario) string {
			return want(s.HealthCheck.Interval.D(), 1500*time.Millisecond)
		}},
		{"requests over duration", twoGroups, "requests", 1000, func(s *Scenario) string {
			return want([2]int64{s.Requests, int64(s.Duration)}, [2]int64{1000, 0})
		}},
		{"duration over requests", setBase + "requests: 5000\n", "duration", 60, func(s *Scenario) string {
			return want([2]int64{s.Requests, int64(s.Duration)}, [2]int64{0, int64(time.Minute)})
		}},
		{"seed", setBase, "seed", 12, func(s *Scenario) string {
			return want(s.Seed, uint64(12))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := parseSet(t, tt.src, tt.key, tt.value)
			if err != nil {
				t.Fatal(err)
			}
			if msg := tt.check(s); msg != "" {
				t.Error(msg)
			}
			if string(s.YAML) != tt.src {
				t.Error("YAML is not the file's text")
			}
			// The file itself still loads as it was.
			if _, err := Parse("set.yaml", []byte(tt.src)); err != nil {
				t.Error(err)
			}
		})
	}
}

func want[T comparable](got, want T) string {
	if got != want {
		return fmt.Sprintf("got %v, want %v", got, want)
	}
	return ""
}

// TestParseWithErrors: a setting that does not fit the file, or a value
// the loader refuses, is an *Error at the key's place in the file.
func TestParseWithErrors(t *testing.T) {
	noCheck := strings.Replace(setBase, "health_check: {interval: 2s}\n", "", 1)
	tests := []struct {
		name  string
		src   string
		key   string
		value float64
		want  string // the whole message
	}{
		{"rate 0", setBase, "rate", 0, "set.yaml:7:31: workload.arrival.rate: must be greater than 0, got 0"},
		{"load above the limit", twoGroups, "load", 1000, "set.yaml:9:5: workload.arrival.load: must be at most 100, got 1000"},
		{"load replacing a rate is placed at the rate", setBase, "load", -1, "set.yaml:7:31: workload.arrival.load: must be greater than 0, got -1"},
		{"capacity 0", setBase, "servers[app].capacity", 0, "set.yaml:5:5: servers[0].capacity: must be at least 1, got 0"},
		{"a fraction of a server", setBase, "servers", 1.5, `set.yaml:4:5: servers[0].count: must be a whole number, got "1.5"`},
		{"a key the file leaves out is placed at its mapping", setBase, "servers[0].weight", 0, "set.yaml:3:5: servers[0].weight: must be at least 1, got 0"},
		{"a negative duration", setBase, "health_check.interval", -1, "set.yaml:9:16: health_check.interval: must not be negative, got -1s"},
		{"the servers shorthand with two groups", twoGroups, "servers", 3, `set.yaml:4:3: servers: servers sets the count of the only server group, but the file has 3 (app, spare, db.main); set one group's count, as servers[app].count`},
		{"no such group", setBase, "servers[db].count", 3, `set.yaml:3:3: servers[db]: no entry of servers is named "db" (names: app)`},
		{"no such position", setBase, "servers[3].count", 3, "set.yaml:3:3: servers[3]: servers has 1 entries, numbered from 0"},
		{"a section the file leaves out", noCheck, "health_check.interval", 3, "set.yaml:1:1: health_check: is not in the file; add it there to set health_check.interval"},
		{"the rate of a trace", "name: t\nservers: [{name: app}]\nworkload:\n  trace: {file: x.log, format: nginx}\n", "rate", 10,
			"set.yaml:4:3: workload.arrival: is not in the file, whose workload replays a trace: vary workload.trace.speedup to change its rate"},
		{"a duration out of range", setBase, "health_check.interval", 1e300, "set.yaml:1:1: health_check.interval: 1e+300s is out of range for a duration"},
		{"not a number", setBase, "rate", math.NaN(), "set.yaml:1:1: rate: NaN is not a number"},
		{"faults name servers the count removes", setBase + "faults: [{at: 1s, server: app-2, kind: crash}]\n", "servers", 1, `set.yaml:10:19: faults[0].server: no server is named "app-2" (servers of a group are NAME-1, NAME-2, ...)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseSet(t, tt.src, tt.key, tt.value)
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %v (%T) is not an *Error", err, err)
			}
			if err.Error() != tt.want {
				t.Errorf("got  %s\nwant %s", err, tt.want)
			}
		})
	}
}

func TestParseKeyErrors(t *testing.T) {
	tests := []struct{ key, want string }{
		{"", `key "": empty key`},
		{"workload.arival.rate", `key "workload.arival.rate": workload has no key "arival", did you mean "arrival"? (it has: arrival, service, classes, clients, connections, keys, trace)`},
		{"workload.arrival.rtae", `key "workload.arrival.rtae": workload.arrival has no key "rtae", did you mean "rate"? (it has: process, rate,`},
		{"health_check.intreval", `health_check has no key "intreval", did you mean "interval"?`},
		{"speed", `key "speed": a scenario file has no key "speed"`},
		{"name", `key "name": name holds text, not a number; only numbers and durations can be set`},
		{"servers[0]", `key "servers[0]": servers[0] is a mapping; name one of its keys (name, count, capacity`},
		{"workload.classes", `key "workload.classes": workload.classes is a list; name an entry and its key, as workload.classes[0]`},
		{"servers[0].backup", "holds true or false, not a number"},
		{"faults[crash].at", `key "faults[crash].at": the entries of faults have no name; pick one by position, as faults[0]`},
		{"expect[0]", "expect[0] holds expectations (text), not numbers"},
		{"servers[0].count.max", `servers[0].count holds a single value, it has no key "max"`},
		{"workload[0].rate", "workload is not a list"},
		{"workload..rate", `expected a key name at ".rate"`},
		{"workload.", `unexpected "."`},
		{"servers[0", "missing ]"},
		{"servers[].count", "empty []"},
		{`servers["app].count`, "unterminated quoted name"},
		{"servers[99999999999999].count", "position 99999999999999 is out of range"},
		{"rate-limit", `unexpected "-limit"`},
	}
	for _, tt := range tests {
		t.Run(tt.key, func(t *testing.T) {
			_, err := ParseKey(tt.key)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestParseKeyKinds(t *testing.T) {
	tests := []struct {
		key             string
		duration, whole bool
	}{
		{"rate", false, false},
		{"load", false, false},
		{"servers", false, true},
		{"servers[app].count", false, true},
		{"servers[0].speed", false, false},
		{"seed", false, true},
		{"requests", false, true},
		{"warmup", true, false},
		{"health_check.interval", true, false},
		{"workload.arrival.phases[1].at", true, false},
		{"workload.classes[0].service.mean", true, false},
		{"retries.budget", false, false},
	}
	for _, tt := range tests {
		k := mustKey(t, tt.key)
		if k.Duration() != tt.duration || k.Whole() != tt.whole || k.String() != tt.key {
			t.Errorf("%s: duration %v whole %v text %q, want %v %v", tt.key, k.Duration(), k.Whole(), k, tt.duration, tt.whole)
		}
	}
}

func TestParseVary(t *testing.T) {
	tests := []struct {
		spec   string
		points []float64
		unit   string
		canon  string
	}{
		{"rate=10:50:10", []float64{10, 20, 30, 40, 50}, "", "rate=10:50:10"},
		{" load = 0.5:0.9:0.1", []float64{0.5, 0.6, 0.7, 0.8, 0.9}, "", "load=0.5:0.9:0.1"},
		{"health_check.interval=1s:3s:500ms", []float64{1, 1.5, 2, 2.5, 3}, "s", "health_check.interval=1s:3s:500ms"},
		{"health_check.interval=1:3:0.5", []float64{1, 1.5, 2, 2.5, 3}, "s", "health_check.interval=1s:3s:500ms"},
		{"servers=8:2:-3", []float64{8, 5, 2}, "", "servers=8:2:-3"},
	}
	for _, tt := range tests {
		v, k, err := ParseVary(tt.spec)
		if err != nil {
			t.Errorf("%s: %v", tt.spec, err)
			continue
		}
		pts, _ := v.Points()
		if !slices.Equal(pts, tt.points) || v.Unit != tt.unit || v.String() != tt.canon || k.String() != v.Key {
			t.Errorf("%s: points %v unit %q canonical %q, want %v %q %q", tt.spec, pts, v.Unit, v, tt.points, tt.unit, tt.canon)
		}
	}
	errs := []struct{ spec, want string }{
		{"rate", "want KEY=FROM:TO:STEP"},
		{"rate=1:2", "want FROM:TO:STEP after rate=, such as rate=10:100:10"},
		{"rat=1:2:1", `a scenario file has no key "rat"`},
		{"rate=1s:2s:1s", `rate: FROM: "1s" is a duration, but rate holds numbers`},
		{"rate=a:2:1", `rate: FROM: "a" is not a number`},
		{"rate=1:inf:1", `rate: TO: "inf" is not a finite number`},
		{"warmup=1x:2s:1s", `warmup: FROM: "1x" is not a duration`},
		{"servers=1:4:0.5", "servers: STEP: servers holds whole numbers, got 0.5"},
		{"rate=1:2:0", "the step must not be 0"},
		{"rate=5:1:1", "1 is below 5, so the step must be negative"},
		{"rate=1:1e9:1", "more than the limit of 10000"},
	}
	for _, tt := range errs {
		if _, _, err := ParseVary(tt.spec); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: got %v, want %q", tt.spec, err, tt.want)
		}
	}
}

// FuzzParseVary feeds ParseVary arbitrary specs and sets the first values
// of those it accepts in a file: nothing may panic, the points are within
// their limit, and ParseWith fails only with an *Error.
func FuzzParseVary(f *testing.F) {
	for _, s := range []string{"rate=1:10:1", "load=0.1:0.9:0.2", "servers=1:3:1", "servers[app].count=1:2:1",
		`servers["app"].speed=0.5:2:0.5`, "health_check.interval=1s:3s:1s", "workload.classes[1].service.mean=10ms:50ms:20ms",
		"duration=1:5:1", "seed=1:3:1", "workload.arrival.phases[0].rate=1:2:1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, spec string) {
		v, k, err := ParseVary(spec)
		if err != nil {
			return
		}
		pts, err := v.Points()
		if err != nil || len(pts) == 0 || len(pts) > 10_000 {
			t.Fatalf("%q: %d points, %v", spec, len(pts), err)
		}
		for _, p := range pts[:min(len(pts), 3)] {
			_, err := ParseWith("fuzz.yaml", []byte(setBase), Setting{Key: k, Value: p})
			var e *Error
			if err != nil && !errors.As(err, &e) {
				t.Fatalf("%q at %g: %v (%T) is not an *Error", spec, p, err, err)
			}
		}
	})
}

// TestDocsSweepSpecs checks that every --vary range and every key that
// docs/sweeps.md shows parses.
func TestDocsSweepSpecs(t *testing.T) {
	doc, err := os.ReadFile("../docs/sweeps.md")
	if err != nil {
		t.Fatal(err)
	}
	specs := regexp.MustCompile("(?:--vary |`)([a-z_]+(?:[.\\[][^`\\s=]*)?=[^`\\s]+:[^`\\s]+:[^`\\s]+)").FindAllStringSubmatch(string(doc), -1)
	if len(specs) < 6 {
		t.Fatalf("found only %d ranges in docs/sweeps.md", len(specs))
	}
	for _, m := range specs {
		if _, _, err := ParseVary(strings.TrimSuffix(m[1], ":")); err != nil {
			t.Errorf("docs/sweeps.md: %s: %v", m[1], err)
		}
	}
	for _, line := range strings.Split(string(doc), "\n") {
		if !strings.HasPrefix(line, "| any numeric key") {
			continue
		}
		keys := regexp.MustCompile("`([^`]+)`").FindAllStringSubmatch(line, -1)
		for _, k := range keys {
			if _, err := ParseKey(k[1]); err != nil {
				t.Errorf("docs/sweeps.md: %v", err)
			}
		}
		if len(keys) < 10 {
			t.Errorf("found only %d keys in the table", len(keys))
		}
	}
}
