package scenarios

import "strconv"

// Keys gives every request a key drawn from a finite set: a URL, a user
// id, a cache key. The key-hashing policies (consistent_hash, maglev,
// bounded_load) hash it, and servers' caches hold it. Key popularity
// follows Zipf's law over the set, as web objects' popularity does.
type Keys struct {
	// Count is the number of distinct keys.
	Count int `yaml:"count"`
	// Zipf is the popularity exponent: the k-th most popular key is drawn
	// in proportion to 1/k^zipf. Any exponent from 0 (every key alike) up;
	// web caches see about 0.6 to 1.
	Zipf float64 `yaml:"zipf"`
}

// Cache makes each server keep the keys of the requests it served in an
// LRU of Entries keys. A request whose key its server does not hold pays
// MissCost of extra service demand (fetching the object from the origin or
// the database) and then the server holds it. A crash, or a scale-in,
// empties a server's cache; a slow fault does not. The simulator applies
// it; the live proxy ignores it.
type Cache struct {
	// Entries is how many keys a server holds; 0 in a server group turns
	// off the cache the top level gives.
	Entries int `yaml:"entries"`
	// MissCost is the extra service demand of a miss, on a server of
	// speed 1.
	MissCost Duration `yaml:"miss_cost"`
}

const (
	// maxKeys bounds a key set: a sampler over it needs no table, but
	// keys are numbered in 31 bits across all sets.
	maxKeys = 100_000_000
	// maxZipf bounds the exponent; past 10 nearly every draw is the first
	// key.
	maxZipf = 10
	// maxCacheEntries bounds one server's cache.
	maxCacheEntries = 10_000_000
)

// Keyed reports whether any request of the workload carries a key. A
// trace's requests carry their paths as keys.
func (w *Workload) Keyed() bool {
	if w.Keys != nil || w.Trace != nil {
		return true
	}
	for _, c := range w.Classes {
		if c.Keys != nil {
			return true
		}
	}
	return false
}

// checkKeys checks the workload's keys and the classes' own.
func checkKeys(s *Scenario, d *decoder) error {
	total := 0
	check := func(p string, k *Keys) error {
		if k == nil {
			return nil
		}
		if !d.has(p + ".count") {
			return d.errorf(p+".count", "required: the number of distinct keys, 1 to %d", maxKeys)
		}
		if err := d.intRange(p+".count", int64(k.Count), 1, maxKeys); err != nil {
			return err
		}
		if total += k.Count; total > maxKeys {
			return d.errorf(p+".count", "the key sets of the workload and its classes hold %d keys together; at most %d", total, maxKeys)
		}
		return d.floatRange(p+".zipf", k.Zipf, 0, false, maxZipf)
	}
	if err := check("workload.keys", s.Workload.Keys); err != nil {
		return err
	}
	for i, c := range s.Workload.Classes {
		if err := check("workload.classes["+strconv.Itoa(i)+"].keys", c.Keys); err != nil {
			return err
		}
	}
	return nil
}

// checkCache checks the caches of the top level and of the server groups,
// and fills each group's cache from the top level's where it gives none.
func checkCache(s *Scenario, d *decoder) error {
	check := func(p string, c *Cache, zeroOK bool) error {
		lo := int64(1)
		if zeroOK {
			lo = 0
		}
		if !d.has(p + ".entries") {
			return d.errorf(p+".entries", "required: the number of keys a server holds, %d to %d", lo, maxCacheEntries)
		}
		if err := d.intRange(p+".entries", int64(c.Entries), lo, maxCacheEntries); err != nil {
			return err
		}
		return d.durRange(p+".miss_cost", c.MissCost, true, MaxVirtualTime)
	}
	any := false
	if s.Cache != nil {
		if err := check("cache", s.Cache, false); err != nil {
			return err
		}
		any = true
	}
	for i := range s.Servers {
		g := &s.Servers[i]
		p := "servers[" + strconv.Itoa(i) + "].cache"
		switch {
		case g.Cache != nil:
			if err := check(p, g.Cache, true); err != nil {
				return err
			}
			any = true
		case s.Cache != nil:
			c := *s.Cache
			g.Cache = &c
		}
	}
	if any && !s.Workload.Keyed() {
		path := "cache"
		if s.Cache == nil {
			path = "servers"
		}
		return d.errorf(path, "a cache holds the requests' keys, and the workload has none: add workload.keys, e.g. {count: 100000, zipf: 0.9}")
	}
	return nil
}
