package scenarios

import (
	"embed"
	"errors"
	"io/fs"
	"path"
	"sort"
	"strings"
	"sync"

	"github.com/lbsim/lbsim/internal/suggest"
)

//go:embed bundled/*.yaml bundled/traces/*.gz
var bundledFiles embed.FS

// bundled holds the bundled scenarios, parsed once on first use.
var bundled struct {
	once  sync.Once
	names []string             // every embedded file, sorted
	byKey map[string]*Scenario // the ones that load
	errs  map[string]error     // the ones that do not (a bug: a test forbids it)
}

func loadBundled() {
	bundled.byKey = make(map[string]*Scenario)
	bundled.errs = make(map[string]error)
	entries, _ := fs.ReadDir(bundledFiles, "bundled")
	for _, e := range entries {
		name, ok := strings.CutSuffix(e.Name(), ".yaml")
		if !ok || e.IsDir() {
			continue
		}
		bundled.names = append(bundled.names, name)
		data, err := bundledFiles.ReadFile(path.Join("bundled", e.Name()))
		if err == nil {
			var s *Scenario
			if s, err = Parse("bundled:"+name, data); err == nil {
				bundled.byKey[name] = s
				continue
			}
		}
		var e *Error
		if !errors.As(err, &e) {
			err = &Error{Source: "bundled:" + name, Msg: err.Error(), Err: err}
		}
		bundled.errs[name] = err
	}
	sort.Strings(bundled.names)
}

// BundledNames lists the names of the scenarios built into lbsim, sorted.
func BundledNames() []string {
	bundled.once.Do(loadBundled)
	return append([]string(nil), bundled.names...)
}

// Bundled returns the scenarios built into lbsim, sorted by name, each
// validated with its defaults applied. The values are copies the caller may
// change.
func Bundled() []*Scenario {
	bundled.once.Do(loadBundled)
	out := make([]*Scenario, 0, len(bundled.names))
	for _, name := range bundled.names {
		if s := bundled.byKey[name]; s != nil {
			out = append(out, s.Clone())
		}
	}
	return out
}

// Open loads a bundled scenario by name ("black-friday"), or else the
// scenario file at nameOrPath. Every error it returns is an *Error; for a
// name that is neither, it lists the bundled names.
func Open(nameOrPath string) (*Scenario, error) {
	bundled.once.Do(loadBundled)
	if s := bundled.byKey[nameOrPath]; s != nil {
		return s.Clone(), nil
	}
	if err := bundled.errs[nameOrPath]; err != nil {
		return nil, err
	}
	s, err := Load(nameOrPath)
	var e *Error
	if errors.Is(err, fs.ErrNotExist) && errors.As(err, &e) {
		e.Msg = "no such file, and no bundled scenario of that name"
		if near, ok := suggest.Nearest(nameOrPath, bundled.names); ok {
			e.Msg += "; did you mean " + near + "?"
		}
		e.Msg += " (bundled: " + strings.Join(bundled.names, ", ") + ")"
	}
	return s, err
}
