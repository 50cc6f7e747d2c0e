package live

import (
	"reflect"

	"github.com/lbsim/lbsim/scenarios"
)

// Scale returns a deep copy of sc in which time runs k times faster: every
// duration (service demands, phases, faults, checks, timeouts, slow start,
// warm-up, run length...) is divided by k and every rate (arrivals, phases,
// route limits) multiplied by k. It walks the Scenario by reflection, so a
// key added later is scaled without anyone having to remember it: a
// scenarios.Duration anywhere is a duration, and a float64 field named Rate
// is a rate. sc is left as it was.
func Scale(sc *scenarios.Scenario, k float64) *scenarios.Scenario {
	out := reflect.New(reflect.TypeFor[scenarios.Scenario]()).Elem()
	scaleValue(out, reflect.ValueOf(sc).Elem(), k)
	return out.Addr().Interface().(*scenarios.Scenario)
}

var (
	durationType = reflect.TypeFor[scenarios.Duration]()
	scenarioPkg  = durationType.PkgPath()
)

// scaleValue sets dst, a settable value of src's type, to a deep copy of
// src with its durations and rates scaled by k. Values of types from
// other packages (the expect: lines) are shared, not copied: nothing
// scales them and nothing here changes them.
func scaleValue(dst, src reflect.Value, k float64) {
	t := src.Type()
	if t == durationType {
		dst.SetInt(int64(float64(src.Int()) / k))
		return
	}
	switch t.Kind() {
	case reflect.Pointer:
		if src.IsNil() || !ownType(t.Elem()) {
			dst.Set(src)
			return
		}
		p := reflect.New(t.Elem())
		scaleValue(p.Elem(), src.Elem(), k)
		dst.Set(p)
	case reflect.Slice:
		if src.IsNil() {
			dst.Set(src)
			return
		}
		s := reflect.MakeSlice(t, src.Len(), src.Len())
		if !ownType(t.Elem()) {
			reflect.Copy(s, src)
			dst.Set(s)
			return
		}
		for i := range src.Len() {
			scaleValue(s.Index(i), src.Index(i), k)
		}
		dst.Set(s)
	case reflect.Map:
		if src.IsNil() {
			dst.Set(src)
			return
		}
		m := reflect.MakeMapWithSize(t, src.Len())
		for it := src.MapRange(); it.Next(); {
			v := reflect.New(t.Elem()).Elem()
			scaleValue(v, it.Value(), k)
			m.SetMapIndex(it.Key(), v)
		}
		dst.Set(m)
	case reflect.Struct:
		dst.Set(src) // unexported fields, and those of other packages' types
		if t.PkgPath() != scenarioPkg {
			return
		}
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			if f.Name == "Rate" && f.Type.Kind() == reflect.Float64 {
				dst.Field(i).SetFloat(src.Field(i).Float() * k)
				continue
			}
			scaleValue(dst.Field(i), src.Field(i), k)
		}
	default:
		dst.Set(src)
	}
}

// ownType reports whether values of t may hold durations or rates to
// scale: types of package scenarios, and the containers of such types.
func ownType(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Pointer, reflect.Slice, reflect.Map:
		return ownType(t.Elem())
	case reflect.Struct:
		return t.PkgPath() == scenarioPkg
	}
	return t == durationType
}
