package sim

import "slices"

// A request retried more than once never goes back to a server it tried,
// as in the proxy, which keeps the servers a request tried for as long as
// it is retried. Within one dispatch e.tried lists them; an attempt that
// fails later (a timeout, a crash, an error answer) starts a new dispatch,
// so the servers tried before are kept here, for requests that may still be
// retried more than once: with retries.count 1 (the default) the last
// server is all a retry must avoid, and nothing is kept.

// keepTried records the servers request i tried so far, when it may be
// retried again after this attempt.
func (e *engine) keepTried(i int32) {
	if rt := e.poolOf(i).retries; rt == nil || rt.Count < 2 || int(e.reqs[i].attempts) >= rt.Count {
		return
	}
	if e.triedBy == nil {
		e.triedBy = make(map[int32][]int)
	}
	e.triedBy[i] = append(e.triedBy[i][:0], e.tried...)
}

// retryTried sets e.tried for the retry of request i, whose attempt on
// server failed has just failed: every server it tried.
func (e *engine) retryTried(i int32, failed int) {
	e.tried = append(e.tried[:0], e.triedBy[i]...)
	delete(e.triedBy, i)
	if !slices.Contains(e.tried, failed) {
		e.tried = append(e.tried, failed)
	}
}
