package results

import (
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
)

// FailureCauses are the keys of Result.FailedByCause, in the order tables
// list them.
var FailureCauses = []string{"refused", "reset", "timeout", "queue_full", "no_server", "5xx", "balancer_down", "rate_limited"}

// The metrics of a Result are its numeric JSON fields, found by reflection
// so the expectation language names exactly what --format json prints.

// PathPart is one ".name" of a metric path with its optional [key], and
// the byte offsets of both in the text they were read from, for errors.
type PathPart struct {
	Name, Key string
	At, KeyAt int
	HasKey    bool
}

// PathError says why a metric path names no metric, and where.
type PathError struct {
	// Offset is the byte offset of the part at fault.
	Offset int
	Msg    string
}

func (e *PathError) Error() string { return e.Msg }

// Path is a metric of a Result, checked against its fields and compiled
// so that reading it is a few field accesses.
type Path struct {
	// Metric is the path in full: "latency_ms.p99" for p99,
	// "servers[app-1].requests".
	Metric string
	// Server, Group and Class are the names in servers[NAME],
	// groups[NAME] and classes[NAME], so a loader can check them against
	// the scenario; "" if none.
	Server, Group, Class string
	// KeyOffset is the byte offset of the [NAME], if any.
	KeyOffset int

	steps []step
}

// step is one move from a value to a part of it: a struct field, then for
// a list the element with that name (or at that index), or a map's key.
type step struct {
	field int
	key   string // the element's name, or the map key; "" for index
	index int    // the element's index when key is ""; -1 for none
	list  bool
	isMap bool
}

var resultType = reflect.TypeFor[Result]()

// shortGroups are the fields of Result whose metrics may be named without
// their group: p99 for latency_ms.p99.
var shortGroups = []string{"latency_ms", "fairness"}

// jsonField finds t's field with JSON name name.
func jsonField(t reflect.Type, name string) (reflect.StructField, bool) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if jsonName(f) == name && isMetricType(f.Type) {
			return f, true
		}
	}
	return reflect.StructField{}, false
}

func jsonName(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
	return name
}

// isMetricType reports whether a field of type t holds metrics.
func isMetricType(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Int, reflect.Int64, reflect.Float64, reflect.Struct:
		return true
	case reflect.Pointer: // a number present only when its model is on
		return t.Elem().Kind() == reflect.Float64
	case reflect.Slice:
		return t.Elem().Kind() == reflect.Struct
	case reflect.Map:
		return t.Key().Kind() == reflect.String && isNumber(t.Elem())
	}
	return false
}

func isNumber(t reflect.Type) bool {
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	k := t.Kind()
	return k == reflect.Int || k == reflect.Int64 || k == reflect.Float64
}

// metricNames lists the metric fields of t, for messages.
func metricNames(t reflect.Type) []string {
	var names []string
	for i := 0; i < t.NumField(); i++ {
		if f := t.Field(i); isMetricType(f.Type) {
			names = append(names, jsonName(f))
		}
	}
	return names
}

// nameField is the index of the "name" field of a list's elements, which
// lists are keyed by (servers[app-1]); -1 for lists keyed by index
// (crashes[0]).
func nameField(t reflect.Type) int {
	for i := 0; i < t.NumField(); i++ {
		if f := t.Field(i); jsonName(f) == "name" && f.Type.Kind() == reflect.String {
			return i
		}
	}
	return -1
}

// ResolvePath checks a metric path, read from text as parts, against
// Result's fields and compiles it.
func ResolvePath(parts []PathPart) (Path, *PathError) {
	var ref Path
	var canon []string
	t := resultType // the struct the next part names a field of
	var leaf reflect.Type
	for i, part := range parts {
		f, ok := jsonField(t, part.Name)
		if !ok {
			// p99 for latency_ms.p99, at any level that has a latency_ms.
			for _, g := range shortGroups {
				if gf, has := jsonField(t, g); has {
					if f, ok = jsonField(gf.Type, part.Name); ok {
						ref.steps = append(ref.steps, step{field: gf.Index[0], index: -1})
						canon = append(canon, g)
						break
					}
				}
			}
		}
		if !ok {
			known := metricNames(t)
			for _, g := range shortGroups {
				if gf, has := jsonField(t, g); has {
					known = append(known, metricNames(gf.Type)...)
				}
			}
			return ref, &PathError{Offset: part.At, Msg: fmt.Sprintf("unknown metric %s (known here: %s)", strconv.Quote(part.Name), strings.Join(known, ", "))}
		}
		canon = append(canon, part.Name)
		leaf = f.Type
		s := step{field: f.Index[0], index: -1}
		switch ft := f.Type; ft.Kind() {
		case reflect.Struct:
			if part.HasKey {
				return ref, &PathError{Offset: part.KeyAt, Msg: part.Name + " takes no [...]"}
			}
			t = ft
		case reflect.Slice:
			if !part.HasKey {
				return ref, &PathError{Offset: part.At, Msg: fmt.Sprintf("%s is a list; pick one, as in %s", part.Name, listExample(ft.Elem(), part.Name))}
			}
			s.list = true
			if nameField(ft.Elem()) >= 0 {
				s.key = part.Key
				switch part.Name {
				case "servers":
					ref.Server = part.Key
				case "groups":
					ref.Group = part.Key
				case "classes":
					ref.Class = part.Key
				}
				ref.KeyOffset = part.KeyAt
			} else {
				n, err := strconv.Atoi(part.Key)
				if err != nil || n < 0 {
					return ref, &PathError{Offset: part.KeyAt, Msg: fmt.Sprintf("%s is numbered from 0; got [%s]", part.Name, part.Key)}
				}
				s.index = n
			}
			key := part.Key
			if strings.ContainsAny(key, "[]\"") {
				key = strconv.Quote(key)
			}
			canon[len(canon)-1] += "[" + key + "]"
			t = ft.Elem()
		case reflect.Map:
			if part.HasKey || i+2 != len(parts) || parts[i+1].HasKey {
				return ref, &PathError{Offset: part.At, Msg: fmt.Sprintf("name one of %s's keys, as in %s.%s: %s", part.Name, part.Name, FailureCauses[0], strings.Join(FailureCauses, ", "))}
			}
			next := parts[i+1]
			if !slices.Contains(FailureCauses, next.Name) {
				return ref, &PathError{Offset: next.At, Msg: fmt.Sprintf("unknown cause %s (known: %s)", strconv.Quote(next.Name), strings.Join(FailureCauses, ", "))}
			}
			s.isMap, s.key = true, next.Name
			ref.steps = append(ref.steps, s)
			ref.Metric = strings.Join(append(canon, next.Name), ".")
			return ref, nil
		default: // a number
			if part.HasKey {
				return ref, &PathError{Offset: part.KeyAt, Msg: part.Name + " is a number; it takes no [...]"}
			}
			if i != len(parts)-1 {
				return ref, &PathError{Offset: parts[i+1].At, Msg: part.Name + " is a number; nothing follows it"}
			}
		}
		ref.steps = append(ref.steps, s)
	}
	ref.Metric = strings.Join(canon, ".")
	if !isNumber(leaf) {
		return ref, &PathError{Offset: parts[len(parts)-1].At, Msg: fmt.Sprintf("%s is a group of metrics; name one: %s", ref.Metric, strings.Join(metricNames(t), ", "))}
	}
	return ref, nil
}

// listExample shows how to pick an element of a list of elem.
func listExample(elem reflect.Type, name string) string {
	key := "0"
	if nameField(elem) >= 0 {
		key = "NAME"
	}
	for _, m := range metricNames(elem) {
		return fmt.Sprintf("%s[%s].%s", name, key, m)
	}
	return name + "[" + key + "]"
}

// Value reads the metric from r; false when r has no such metric (a
// server or class it does not have, crashes[2] of a run with one crash).
func (p Path) Value(r *Result) (float64, bool) {
	return valueAt(reflect.ValueOf(r).Elem(), p.steps)
}

// valueAt follows steps from v, a Result, to a number.
func valueAt(v reflect.Value, steps []step) (float64, bool) {
	for _, s := range steps {
		v = v.Field(s.field)
		switch {
		case s.isMap:
			// A cause that did not happen is missing from the map: zero.
			if v.IsNil() {
				return 0, true
			}
			if v = v.MapIndex(reflect.ValueOf(s.key)); !v.IsValid() {
				return 0, true
			}
		case s.list && s.key != "":
			nf, found := nameField(v.Type().Elem()), false
			for i := 0; i < v.Len(); i++ {
				if v.Index(i).Field(nf).String() == s.key {
					v, found = v.Index(i), true
					break
				}
			}
			if !found {
				return 0, false
			}
		case s.list:
			if s.index >= v.Len() {
				return 0, false
			}
			v = v.Index(s.index)
		}
	}
	if v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return 0, false // the run's scenario has not got the model
		}
		v = v.Elem()
	}
	switch v.Kind() {
	case reflect.Int, reflect.Int64:
		return float64(v.Int()), true
	case reflect.Float64:
		return v.Float(), true
	}
	return 0, false
}

// IsDetection reports whether the metric at path is a crash's detection
// time, where -1 stands for never: not a number to compare or average.
func IsDetection(path string) bool { return strings.HasSuffix(path, ".detected_after_s") }

// Direction says which way a metric improves.
type Direction int

// Directions of metrics.
const (
	LowerIsBetter  Direction = -1 // latencies, failures, imbalance
	Neutral        Direction = 0  // shares and inputs: requests per server, utilization, downtime
	HigherIsBetter Direction = 1  // completed, throughput, Jain's index
)

// MetricDirection returns the direction of the metric at path, such as
// "latency_ms.p99" or "servers[app-1].requests".
func MetricDirection(path string) Direction {
	leaf := path[strings.LastIndexAny(path, ".]")+1:]
	switch leaf {
	case "completed", "throughput_rps", "jain_utilization", "cache_hit_rate":
		return HigherIsBetter
	case "requests", "utilization", "down_s", "draining_s", "at_s", "from", "to":
		return Neutral
	}
	return LowerIsBetter
}
