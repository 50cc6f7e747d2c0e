package live

import (
	"reflect"
	"strings"
	"testing"

	"github.com/lbsim/lbsim/scenarios"
)

// scaledKinds lists the paths of every duration and rate field reachable
// from t (durations by their type, rates by the name Rate).
func scaledKinds(t reflect.Type, path string, out map[string]bool) {
	switch t.Kind() {
	case reflect.Pointer, reflect.Slice, reflect.Map:
		if ownType(t.Elem()) {
			scaledKinds(t.Elem(), path+"[]", out)
		}
	case reflect.Struct:
		if t.PkgPath() != scenarioPkg {
			return
		}
		for i := range t.NumField() {
			f := t.Field(i)
			switch {
			case !f.IsExported():
			case f.Type == durationType, f.Name == "Rate" && f.Type.Kind() == reflect.Float64:
				out[path+"."+f.Name] = true
			default:
				scaledKinds(f.Type, path+"."+f.Name, out)
			}
		}
	}
}

// checkScaled walks orig and scaled side by side: durations must be
// divided by k, rates multiplied, everything else equal. It marks the
// duration and rate fields it saw set in seen.
func checkScaled(t *testing.T, orig, scaled reflect.Value, k float64, path, generic string, seen map[string]bool) {
	t.Helper()
	switch {
	case orig.Type() == durationType:
		if want := int64(float64(orig.Int()) / k); scaled.Int() != want {
			t.Errorf("%s: scaled to %v, want %v", path, scenarios.Duration(scaled.Int()), scenarios.Duration(want))
		}
		if orig.Int() != 0 {
			seen[generic] = true
		}
		return
	}
	switch orig.Kind() {
	case reflect.Pointer:
		if orig.IsNil() != scaled.IsNil() {
			t.Errorf("%s: nil %v, scaled nil %v", path, orig.IsNil(), scaled.IsNil())
			return
		}
		if !orig.IsNil() {
			if ownType(orig.Type().Elem()) && orig.Pointer() == scaled.Pointer() {
				t.Errorf("%s: the copy shares the original's value", path)
			}
			checkScaled(t, orig.Elem(), scaled.Elem(), k, path, generic+"[]", seen)
		}
	case reflect.Slice:
		if orig.Len() != scaled.Len() {
			t.Errorf("%s: %d elements, scaled %d", path, orig.Len(), scaled.Len())
			return
		}
		for i := range orig.Len() {
			checkScaled(t, orig.Index(i), scaled.Index(i), k, path+"[]", generic+"[]", seen)
		}
	case reflect.Map:
		for it := orig.MapRange(); it.Next(); {
			checkScaled(t, it.Value(), scaled.MapIndex(it.Key()), k, path+"["+it.Key().String()+"]", generic+"[]", seen)
		}
	case reflect.Struct:
		if orig.Type().PkgPath() != scenarioPkg {
			return
		}
		for i := range orig.NumField() {
			f := orig.Type().Field(i)
			if !f.IsExported() {
				continue
			}
			p, g := path+"."+f.Name, generic+"."+f.Name
			if f.Name == "Rate" && f.Type.Kind() == reflect.Float64 {
				if want := orig.Field(i).Float() * k; scaled.Field(i).Float() != want {
					t.Errorf("%s: scaled to %g, want %g", p, scaled.Field(i).Float(), want)
				}
				if orig.Field(i).Float() != 0 {
					seen[g] = true
				}
				continue
			}
			checkScaled(t, orig.Field(i), scaled.Field(i), k, p, g, seen)
		}
	default:
		if !reflect.DeepEqual(orig.Interface(), scaled.Interface()) {
			t.Errorf("%s: %v changed to %v", path, orig.Interface(), scaled.Interface())
		}
	}
}

// TestScale scales scenarios that between them set every duration and
// rate a scenario has: a key added to the scenario types without a test
// file that sets it fails here, and one Scale would miss fails the walk.
func TestScale(t *testing.T) {
	const k = 4
	seen := make(map[string]bool)
	for _, file := range []string{"testdata/every-duration.yaml", "testdata/every-duration-2.yaml"} {
		orig, err := scenarios.Load(file)
		if err != nil {
			t.Fatal(err)
		}
		scaled := Scale(orig, k)
		checkScaled(t, reflect.ValueOf(orig).Elem(), reflect.ValueOf(scaled).Elem(), k, "", "", seen)
		again, err := scenarios.Load(file)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(orig, again) {
			t.Errorf("%s: Scale changed the scenario it copied", file)
		}
	}
	all := make(map[string]bool)
	scaledKinds(reflect.TypeFor[scenarios.Scenario](), "", all)
	var missed []string
	for p := range all {
		if !seen[p] {
			missed = append(missed, p)
		}
	}
	if len(missed) > 0 {
		t.Errorf("no test scenario sets %s: add it to testdata/every-duration*.yaml", strings.Join(missed, ", "))
	}
	if len(all) < 30 {
		t.Errorf("found only %d durations and rates in the scenario types: %v", len(all), all)
	}
}
