package sim

import (
	"math"
	"time"

	"github.com/lbsim/lbsim/results"
	"github.com/lbsim/lbsim/scenarios"
)

// scaler is the engine's autoscaler: it sizes one server group every
// interval so that its servers would run at the target utilization.
type scaler struct {
	cfg *scenarios.Autoscale
	// members are the group's server indices, the ones it starts with
	// first; a server is active, starting, or idle (never launched, or
	// retired).
	members   []int
	lastScale time.Duration // -1 before the first change
	lastBusy  float64       // the members' busy slot-time at the last evaluation
	events    []results.Scale
}

// initScaler marks the group's extra servers idle and schedules the first
// evaluation.
func (e *engine) initScaler(sc *scenarios.Scenario, firstExtra int) {
	a := sc.Autoscale
	if a == nil {
		return
	}
	e.scale = &scaler{cfg: a, lastScale: -1}
	for i := range e.servers {
		s := &e.servers[i]
		if s.group == a.Group {
			e.scale.members = append(e.scale.members, i)
			if i >= firstExtra {
				s.idle = true
			}
		}
	}
	e.events.push(event{at: a.Interval.D(), kind: autoscale})
}

// evaluate sizes the group: from its utilization over the last interval,
// the number of servers that would run at the target.
func (e *engine) evaluate(now time.Duration) {
	if e.arrivalsDone {
		return
	}
	sc := e.scale
	a := sc.cfg
	e.events.push(event{at: now + a.Interval.D(), kind: autoscale})
	var busy, slots float64
	active, planned := 0, 0
	for _, i := range sc.members {
		s := &e.servers[i]
		e.account(s, now)
		busy += s.busyAll
		if !s.idle && !s.retired {
			planned++
			if !s.starting {
				active++
				slots += float64(s.capacity)
			}
		}
	}
	util := 0.0
	if slots > 0 {
		util = (busy - sc.lastBusy) / (slots * float64(a.Interval.D()))
	}
	sc.lastBusy = busy
	if sc.lastScale >= 0 && now-sc.lastScale < a.Cooldown.D() {
		return
	}
	want := min(max(int(math.Ceil(float64(active)*util/a.Target-1e-9)), a.Min), a.Max)
	from := planned
	switch {
	case want > planned:
		for _, i := range sc.members {
			if s := &e.servers[i]; planned < want && (s.idle || s.retired) {
				e.trackState(s, now)
				s.idle, s.retired, s.left, s.starting = false, false, false, true
				s.joinSeq = e.events.push(event{at: now + a.Startup.D(), req: int32(i), kind: join})
				planned++
			}
		}
	case want < planned:
		// Cancel launches first, then retire the newest servers: drained,
		// they finish what they have.
		for k := len(sc.members) - 1; k >= 0 && planned > want; k-- {
			if s := &e.servers[sc.members[k]]; s.starting {
				e.trackState(s, now)
				s.starting, s.idle = false, true
				planned--
			}
		}
		for k := len(sc.members) - 1; k >= 0 && planned > want; k-- {
			if s := &e.servers[sc.members[k]]; !s.idle && !s.retired && !s.starting {
				e.trackState(s, now)
				s.retired, s.draining = true, true
				e.leaveIfDrained(s, now)
				planned--
			}
		}
		e.refresh(now)
	default:
		return
	}
	sc.lastScale = now
	sc.events = append(sc.events, results.Scale{AtS: now.Seconds(), Utilization: util, From: from, To: want})
	e.changed(now, results.EventScale, nil, "%d -> %d servers at %.0f%% busy", from, want, 100*util)
}

// joinServer brings a launched server into rotation, unless the launch
// that scheduled this join (seq) was cancelled meanwhile.
func (e *engine) joinServer(s *server, now time.Duration, seq uint64) {
	if !s.starting || s.joinSeq != seq {
		return
	}
	e.trackState(s, now)
	s.starting, s.draining = false, false
	e.regionChanged(s.zone, now) // a region that had none up has one now
	e.refresh(now)
}

// leaveIfDrained lets a retired server that has nothing left to serve
// leave the fleet: it stops draining, and its time in service ends.
func (e *engine) leaveIfDrained(s *server, now time.Duration) {
	if !s.retired || s.left || s.busy > 0 || s.waiting.len() > 0 || s.transit > 0 {
		return
	}
	e.trackState(s, now)
	s.left, s.draining = true, false
	if e.cache != nil {
		e.cache.empty(s.backend.Index)
	}
}
