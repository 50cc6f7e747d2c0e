package lessons

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/lbsim/lbsim/results"
	"github.com/lbsim/lbsim/scenarios"
	"github.com/lbsim/lbsim/sim"
)

// maxListed is how many servers a narrated state lists one by one; a
// larger fleet is summed up.
const maxListed = 12

// Narrate tells one event of a trace in a line: when, what, and the state
// the balancer saw just before it, such as
//
//	t=0.120s request 7 from 203.0.113.9 -> app-2 (in flight app-1=2 app-2=0 app-3=1)
//
// A server the balancer may not choose (failed checks, ejected, draining,
// breaker open, a backup on standby) shows as out.
func Narrate(ev *sim.TraceEvent) string {
	var b strings.Builder
	fmt.Fprintf(&b, "t=%.3fs ", ev.At.Seconds())
	switch ev.Kind {
	case sim.Routed:
		b.WriteString(request(ev))
		b.WriteString(" -> " + ev.Server)
		if ev.Text != "" {
			b.WriteString(" " + ev.Text) // its balancer, its connection
		}
		b.WriteString(" " + state(ev))
		if ev.Session != "" {
			b.WriteString(", session " + ev.Session)
		}
		if ev.Cache != "" {
			b.WriteString(", cache " + ev.Cache)
		}
		return b.String()
	case sim.Failed:
		b.WriteString(request(ev) + " failed")
		if ev.Server != "" {
			b.WriteString(" on " + ev.Server)
		}
		b.WriteString(": " + ev.Text)
	case sim.Held:
		b.WriteString(request(ev) + " held " + ev.Text)
	case sim.Changed:
		if ev.Server != "" { // else the text names what changed
			b.WriteString(ev.Server)
			if ev.Change == results.EventOut {
				b.WriteString(" out of rotation:")
			}
			b.WriteString(" ")
		}
		b.WriteString(ev.Text)
	}
	b.WriteString(" " + state(ev))
	return b.String()
}

// request names the request of ev: its number, class (when the workload
// has several), retry and client.
func request(ev *sim.TraceEvent) string {
	s := "request " + strconv.FormatInt(ev.Request, 10)
	if ev.Class != "" && ev.Class != "default" {
		s += " [" + ev.Class + "]"
	}
	if ev.Attempt > 0 {
		s += " (retry " + strconv.Itoa(ev.Attempt) + ")"
	}
	if ev.Key != "" {
		s += " for key " + ev.Key
	}
	return s + " from " + ev.Client.String()
}

// state is the servers' requests in flight, out of rotation as "out",
// in parentheses.
func state(ev *sim.TraceEvent) string {
	one := func(k int) string {
		if !ev.InRotation[k] {
			return ev.Servers[k] + "=out"
		}
		return ev.Servers[k] + "=" + strconv.Itoa(ev.InFlight[k])
	}
	parts := make([]string, 0, min(len(ev.Servers), maxListed))
	if len(ev.Servers) <= maxListed {
		for k := range ev.Servers {
			parts = append(parts, one(k))
		}
		return "(in flight " + strings.Join(parts, " ") + ")"
	}
	busy, out, most := 0, 0, 0
	for k := range ev.Servers {
		switch {
		case !ev.InRotation[k]:
			out++
		case ev.InFlight[k] > 0:
			busy++
		}
		most = max(most, ev.InFlight[k])
	}
	lead := ""
	if k := slices.Index(ev.Servers, ev.Server); k >= 0 {
		lead = one(k) + "; "
	}
	return fmt.Sprintf("(in flight %sof %d servers %d busy, %d out, most %d)", lead, len(ev.Servers), busy, out, most)
}

// Step is one narrated event: its line, and the event with its slices
// copied.
type Step struct {
	Line  string
	Event sim.TraceEvent
}

// Follow runs sc with algorithm and narrates the run to fn, one event at a
// time in order, from virtual time from on, until first routing decisions
// have been told (0 tells the whole run). The failures of the last
// decision's attempt at its instant are told too; then the run stops. It
// returns how many decisions it told.
func Follow(sc *scenarios.Scenario, algorithm string, from time.Duration, first int, fn func(Step)) (int, error) {
	return follow(context.Background(), sc, algorithm, from, first, fn)
}

// follow is Follow, stopped by ctx once it is done.
func follow(ctx context.Context, sc *scenarios.Scenario, algorithm string, from time.Duration, first int, fn func(Step)) (int, error) {
	decisions := 0
	var last int64
	var lastAt time.Duration
	err := sim.TraceContext(ctx, sc, algorithm, from, func(ev *sim.TraceEvent) bool {
		if first > 0 && decisions == first && (ev.Kind != sim.Failed || ev.Request != last || ev.At != lastAt) {
			return false
		}
		if ev.Kind == sim.Routed {
			decisions++
			last, lastAt = ev.Request, ev.At
		}
		fn(Step{Line: Narrate(ev), Event: copyEvent(ev)})
		return true
	})
	return decisions, err
}

// copyEvent copies ev with its slices, which the trace reuses.
func copyEvent(ev *sim.TraceEvent) sim.TraceEvent {
	c := *ev
	c.Servers = slices.Clone(ev.Servers)
	c.InFlight = slices.Clone(ev.InFlight)
	c.InRotation = slices.Clone(ev.InRotation)
	return c
}
