package scenarios

import (
	"fmt"
	"strconv"
)

// Server is one server of a scenario, after groups are expanded.
type Server struct {
	// Name is unique in the scenario: the group's name, or NAME-1 .. NAME-N
	// in a group of N > 1.
	Name string
	// Group is the name of the group the server belongs to.
	Group    string
	Capacity int
	Speed    float64
	Weight   int
	Queue    int
	Address  string
	Backup   bool
	MTBF     Duration
	MTTR     Duration
	Pool     string
	Zone     string
	// Cache is the server's cache of keys, nil for none.
	Cache *Cache
}

// ExpandServers lists every server, groups expanded, in file order. (It
// would be called Servers, but that is the name of the field it expands.)
func (s *Scenario) ExpandServers() []Server {
	n := 0
	for _, g := range s.Servers {
		n += g.Count
	}
	out := make([]Server, 0, n)
	for _, g := range s.Servers {
		for k := 1; k <= g.Count; k++ {
			out = append(out, g.server(serverName(g, k)))
		}
	}
	return out
}

// AutoscaleServers lists the servers the autoscaler may add to its group
// beyond the group's count: NAME-(count+1) .. NAME-max, each like the
// group's others. It is empty without autoscale.
func (s *Scenario) AutoscaleServers() []Server {
	a := s.Autoscale
	if a == nil {
		return nil
	}
	var g ServerGroup
	for _, sg := range s.Servers {
		if sg.Name == a.Group {
			g = sg
		}
	}
	var out []Server
	for k := g.Count + 1; k <= a.Max; k++ {
		out = append(out, g.server(g.Name+"-"+strconv.Itoa(k)))
	}
	return out
}

// server is one server of group g, named name.
func (g *ServerGroup) server(name string) Server {
	return Server{Name: name, Group: g.Name, Capacity: g.Capacity, Speed: g.Speed, Weight: g.Weight,
		Queue: g.Queue, Address: g.Address, Backup: g.Backup, MTBF: g.MTBF, MTTR: g.MTTR, Pool: g.PoolName(), Zone: g.Zone, Cache: g.Cache}
}

// serverName names the k-th (1-based) server of group g.
func serverName(g ServerGroup, k int) string {
	if g.Count == 1 {
		return g.Name
	}
	return g.Name + "-" + strconv.Itoa(k)
}

// Capacity is the most requests per second the servers can complete: the
// slots of all servers, each sped up by its speed, over the mean service
// demand of the workload (classes weighted by share). It is 0 when the
// workload has no service demand.
func (s *Scenario) Capacity() float64 {
	mean := s.Workload.meanDemand()
	if mean <= 0 {
		return 0
	}
	slots := 0.0
	for _, g := range s.Servers {
		slots += float64(g.Count) * float64(g.Capacity) * g.Speed
	}
	return slots / mean
}

// Overload says by how much the rate the run settles on is above what the
// servers can complete, "" when they keep up. That rate is the arrival
// rate in effect at the end (the last phase's, if any), averaged over a
// bursty process's off periods; the servers' capacity counts an
// autoscaled group at its largest. Above it, a run never settles: queues
// grow for as long as it lasts.
func (s *Scenario) Overload() string {
	a := &s.Workload.Arrival
	rate := a.Rate
	if n := len(a.Phases); n > 0 {
		rate = a.Phases[n-1].Rate
	}
	if a.Process == "bursty" && a.On+a.Off > 0 {
		rate *= a.On.D().Seconds() / (a.On + a.Off).D().Seconds()
	}
	capacity := s.Capacity()
	if as := s.Autoscale; as != nil && capacity > 0 {
		for _, g := range s.Servers {
			if g.Name == as.Group && as.Max > g.Count {
				capacity += float64(as.Max-g.Count) * float64(g.Capacity) * g.Speed / s.Workload.meanDemand()
			}
		}
	}
	if capacity <= 0 || rate <= capacity*(1+1e-9) {
		return ""
	}
	return fmt.Sprintf("the offered load is %s times what the servers can serve (%s requests/s of %s/s): queues will grow without bound",
		strconv.FormatFloat(rate/capacity, 'g', 3, 64), strconv.FormatFloat(rate, 'g', 4, 64), strconv.FormatFloat(capacity, 'g', 4, 64))
}
