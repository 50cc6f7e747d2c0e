package scenarios

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// String formats d like time.Duration ("1m30s").
func (d Duration) String() string { return time.Duration(d).String() }

// UnmarshalYAML reads a Go duration string such as "50ms", "5s" or "2m". A
// bare number other than 0 is an error that asks for a unit, since "5" could
// mean seconds or milliseconds. Negative durations parse; the scenario's
// validation decides where they are allowed.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	v, msg := parseDuration(n)
	if msg != "" {
		return errors.New(msg)
	}
	*d = v
	return nil
}

// MarshalYAML writes d as a Go duration string.
func (d Duration) MarshalYAML() (any, error) { return d.String(), nil }

// parseDuration reads a duration from a YAML node (aliases resolved). It
// returns a message, not an error, so the caller can add position and field.
func parseDuration(n *yaml.Node) (Duration, string) {
	if n.Kind != yaml.ScalarNode {
		return 0, fmt.Sprintf(`must be a duration such as "50ms" or "5s", got %s`, describe(n))
	}
	text := strings.TrimSpace(n.Value)
	switch n.ShortTag() {
	case nullTag:
		return 0, noValue
	case intTag, floatTag:
		if f, err := strconv.ParseFloat(strings.ReplaceAll(text, "_", ""), 64); err == nil && f == 0 {
			return 0, ""
		}
		return 0, bareNumber(text)
	case strTag:
	default:
		return 0, fmt.Sprintf(`must be a duration such as "50ms" or "5s", got %s`, describe(n))
	}
	if v, err := time.ParseDuration(text); err == nil {
		return Duration(v), ""
	}
	if _, ferr := strconv.ParseFloat(text, 64); ferr == nil {
		return 0, bareNumber(text)
	}
	if strings.HasSuffix(text, "d") {
		return 0, fmt.Sprintf(`%q is not a duration: Go durations have no "d" unit; use hours, e.g. "24h"`, text)
	}
	return 0, fmt.Sprintf(`%q is not a duration such as "50ms", "5s" or "2m" (units: ns, us, ms, s, m, h)`, text)
}

func bareNumber(text string) string {
	return fmt.Sprintf(`%s has no unit; write a duration such as "%sms" or "%ss"`, text, text, text)
}
