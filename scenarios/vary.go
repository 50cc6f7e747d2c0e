package scenarios

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/lbsim/lbsim/results"
)

// ParseVary reads what a sweep varies, KEY=FROM:TO:STEP: a key (see Key)
// and an inclusive range of values (see results.Vary.Points), such as
// "rate=10:100:10" or "servers[app].count=2:8:1". A duration key takes
// durations ("health_check.interval=1s:10s:500ms") or plain seconds
// ("=1:10:0.5"); a whole-number key takes whole numbers. It checks the key
// against the file format and the range's number of points, not a file:
// ParseWith does that for each value.
func ParseVary(spec string) (results.Vary, *Key, error) {
	text, rng, ok := strings.Cut(spec, "=")
	if !ok {
		return results.Vary{}, nil, fmt.Errorf("want KEY=FROM:TO:STEP, such as rate=10:100:10, got %q", spec)
	}
	k, err := ParseKey(strings.TrimSpace(text))
	if err != nil {
		return results.Vary{}, nil, err
	}
	parts := strings.Split(rng, ":")
	if len(parts) != 3 {
		return results.Vary{}, nil, fmt.Errorf("%s: want FROM:TO:STEP after %s=, such as %s=%s, got %q", k, k, k, example(k), rng)
	}
	var vals [3]float64
	for i, p := range parts {
		if vals[i], err = k.parseValue(strings.TrimSpace(p)); err != nil {
			return results.Vary{}, nil, fmt.Errorf("%s: %s: %w", k, []string{"FROM", "TO", "STEP"}[i], err)
		}
	}
	v := results.Vary{Key: k.String(), From: vals[0], To: vals[1], Step: vals[2]}
	if k.Duration() {
		v.Unit = "s"
	}
	if _, err := v.Points(); err != nil {
		return results.Vary{}, nil, err
	}
	return v, k, nil
}

// parseValue reads one bound of a range for k.
func (k *Key) parseValue(s string) (float64, error) {
	if k.Duration() {
		if d, err := time.ParseDuration(s); err == nil {
			return d.Seconds(), nil
		}
	}
	f, err := strconv.ParseFloat(s, 64)
	switch {
	case err != nil && !k.Duration():
		if _, derr := time.ParseDuration(s); derr == nil {
			return 0, fmt.Errorf("%q is a duration, but %s holds numbers", s, k)
		}
		return 0, fmt.Errorf("%q is not a number", s)
	case err != nil:
		return 0, fmt.Errorf("%q is not a duration (such as 500ms or 2s) or a number of seconds", s)
	case math.IsNaN(f) || math.IsInf(f, 0):
		return 0, fmt.Errorf("%q is not a finite number", s)
	case k.Whole() && f != math.Trunc(f):
		return 0, fmt.Errorf("%s holds whole numbers, got %s", k, s)
	}
	return f, nil
}

// example is a range to show for k in a message.
func example(k *Key) string {
	switch {
	case k.Duration():
		return "1s:10s:1s"
	case k.Whole():
		return "1:8:1"
	case strings.HasSuffix(k.String(), "load"):
		return "0.5:0.95:0.05"
	}
	return "10:100:10"
}
