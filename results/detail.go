package results

import "time"

// Detail is what a run's charts draw beyond its summary: the whole latency
// distribution and the run's course over virtual time. Runs record it only
// when asked (see sim.Options); it is not part of the JSON contract.
type Detail struct {
	// Latency holds every measured request's latency (after the warm-up).
	Latency *Histogram
	// Timeline is the run window by window, warm-up included.
	Timeline Timeline
}

// Timeline is a run cut into windows of Step, from time 0 to the end of
// arrivals or the last request's end, whichever is later.
type Timeline struct {
	Step   time.Duration
	Warmup time.Duration
	// Servers names the servers, in the order of InFlight's columns.
	Servers []string
	// Windows are the run's windows, in order.
	Windows []Window
	// Events are what happened to servers and to the arrival rate, in order.
	Events []Event
}

// Window is one step of a Timeline.
type Window struct {
	// InFlight is each server's requests in flight (waiting or in service)
	// at the window's start, as a balancer sees them.
	InFlight []int
	// Completed counts the requests that completed in the window, and
	// Latency holds their latencies (nil when none completed): a Sketch,
	// so that the windows of a span merge into its percentiles (see
	// RollingQuantile) at a few kilobytes a window.
	Completed int64
	Latency   *Sketch
	// Failed counts the requests that failed or were turned away in it.
	Failed int64
}

// Add counts in w the window o that follows it, so that w lasts until o's
// end: o's completions, latencies and failures. w keeps its InFlight,
// sampled at its start; its Latency is merged into in place (made when
// nil), and o is unchanged.
func (w *Window) Add(o *Window) {
	w.Completed += o.Completed
	w.Failed += o.Failed
	if o.Latency != nil && o.Latency.Count() > 0 {
		if w.Latency == nil {
			w.Latency = new(Sketch)
		}
		w.Latency.Merge(o.Latency)
	}
}

// End is where the timeline's last window ends.
func (t *Timeline) End() time.Duration { return time.Duration(len(t.Windows)) * t.Step }

// Coarsened returns t with windows k times as long, each the sum of k of
// t's (the last of fewer when they do not divide evenly), so that
// timelines whose steps differ can be drawn and compared on one. k below 2
// returns t as it is. t is unchanged; the windows share its InFlight
// slices.
func (t *Timeline) Coarsened(k int) Timeline {
	c := *t
	if k < 2 {
		return c
	}
	c.Step *= time.Duration(k)
	c.Windows = make([]Window, 0, (len(t.Windows)+k-1)/k)
	for i := 0; i < len(t.Windows); i += k {
		w := Window{InFlight: t.Windows[i].InFlight}
		for j := i; j < min(i+k, len(t.Windows)); j++ {
			w.Add(&t.Windows[j])
		}
		c.Windows = append(c.Windows, w)
	}
	return c
}

// SpanWindows is how many of t's windows make up span: span rounded to
// whole steps, at least one.
func (t *Timeline) SpanWindows(span time.Duration) int {
	if t.Step <= 0 {
		return 1
	}
	return int(max((span+t.Step/2)/t.Step, 1))
}

// Rolling is a latency quantile over a trailing span of a Timeline.
type Rolling struct {
	// Completed counts the requests that completed in the span; Value is
	// the quantile of their latencies, 0 when none did.
	Completed int64
	Value     time.Duration
}

// RollingQuantile returns, for each window, quantile q of the latencies of
// the requests completed in the span that ends with it: that window and
// the SpanWindows(span)-1 before it (fewer at the start of the run). A
// percentile over a trailing span, as a monitoring dashboard draws it,
// rises with the requests that make it and falls a span later, where the
// percentile of each window alone jumps with the few slow requests it
// happens to hold. Values are within SketchAccuracy (1%).
//
// It costs about four sketch merges a window, whatever the span: each
// span is the merge of a suffix of one block of SpanWindows windows and a
// prefix of the next (van Herk and Gil-Werman's running extremum,
// applied to sketches).
func (t *Timeline) RollingQuantile(span time.Duration, q float64) []Rolling {
	n, w := len(t.Windows), t.SpanWindows(span)
	out := make([]Rolling, n)
	// suffix[i] merges the windows from block-w+i to the end of the block
	// before the current one, which begins at block.
	suffix := make([]Sketch, w)
	var prefix, both Sketch
	for k := range n {
		block := k / w * w
		if k == block {
			for j := block - 1; j >= max(block-w, 0); j-- {
				s := &suffix[j-(block-w)]
				s.Reset()
				if j < block-1 {
					s.Merge(&suffix[j+1-(block-w)])
				}
				s.Merge(t.Windows[j].Latency)
			}
			prefix.Reset()
		}
		prefix.Merge(t.Windows[k].Latency)
		span := &prefix
		if from := k - w + 1; from > 0 && from < block {
			both.Reset()
			both.Merge(&suffix[from-(block-w)])
			both.Merge(&prefix)
			span = &both
		}
		out[k] = Rolling{Completed: span.Count(), Value: span.Quantile(q)}
	}
	return out
}

// EventKind says what an Event is.
type EventKind string

// The kinds of Event.
const (
	EventCrash   EventKind = "crash"   // the server stopped; the balancer may not know yet
	EventRecover EventKind = "recover" // the server works again
	EventSlow    EventKind = "slow"    // the server slowed down
	EventErrors  EventKind = "5xx"     // the server answers requests with errors
	EventDrain   EventKind = "drain"   // the server takes no new requests
	EventOut     EventKind = "out"     // the balancer took the server out of rotation
	EventIn      EventKind = "in"      // the balancer put it back
	EventScale   EventKind = "scale"   // the autoscaler resized the group
	EventRate    EventKind = "rate"    // the arrival rate changed (a phase began)
)

// Event is one change during a run.
type Event struct {
	At     time.Duration
	Kind   EventKind
	Server string // the server it concerns; empty for rate and scale events
	// Text says more in a few words: why a server left rotation, the new
	// rate, the group's new size.
	Text string
}
