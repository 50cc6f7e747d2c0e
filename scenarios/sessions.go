package scenarios

// Sessions makes servers keep per-client state in memory, as an
// application that stores a login or a shopping cart in the process does.
// A server that serves a client becomes the home of the client's session;
// a request that lands on another server (or finds no session at all, or
// one its server lost in a crash) is a session miss: it costs MissCost of
// extra service demand, the time to rebuild the state elsewhere (from a
// database, or by logging in again). The simulator applies it; the live
// proxy ignores it.
type Sessions struct {
	// MissCost is the extra service demand of a request that misses its
	// session, on a server of speed 1; default 0, which counts misses
	// without slowing anything.
	MissCost Duration `yaml:"miss_cost"`
}

// checkSessions checks the sessions section.
func checkSessions(s *Scenario, d *decoder) error {
	if s.Sessions == nil {
		return nil
	}
	return d.durRange("sessions.miss_cost", s.Sessions.MissCost, true, MaxVirtualTime)
}
