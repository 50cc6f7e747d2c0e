package algorithms

import (
	"math"
	"net/netip"
	"testing"
	"time"
)

// clientAddr returns the i-th of a run of distinct IPv4 clients in 10.0.0.0/8.
func clientAddr(i int) netip.Addr {
	return netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)})
}

// mapping returns the backend name each of n clients is sent to.
func mapping(t *testing.T, bal Balancer, n int) []string {
	t.Helper()
	out := make([]string, n)
	for i := range out {
		b, err := bal.Pick(&Request{Client: clientAddr(i)})
		if err != nil {
			t.Fatal(err)
		}
		out[i] = b.Name
	}
	return out
}

func TestIPHashSticky(t *testing.T) {
	bs := pool(5, 3, 2)
	bal := mustNew(t, "ip_hash", 1)
	bal.Update(bs)
	other := mustNew(t, "ip_hash", 99) // the seed does not matter
	other.Update([]*Backend{bs[2], bs[0], bs[1]})
	for _, s := range []string{"192.0.2.1", "192.0.2.2", "198.51.100.7", "2001:db8::1", "2001:db8::2", "::1"} {
		req := &Request{Client: netip.MustParseAddr(s)}
		first, _ := bal.Pick(req)
		for k := range 100 {
			if b, _ := bal.Pick(&Request{Client: req.Client, Now: time.Duration(k)}); b != first {
				t.Fatalf("%s: pick %d went to %s, first to %s", s, k, b.Name, first.Name)
			}
		}
		if b, _ := other.Pick(req); b != first {
			t.Errorf("%s: %s with the backends in another order, %s before", s, b.Name, first.Name)
		}
	}
	// An IPv4 client is the same client as its IPv4-mapped IPv6 form.
	v4, _ := bal.Pick(&Request{Client: netip.MustParseAddr("192.0.2.1")})
	v6, _ := bal.Pick(&Request{Client: netip.MustParseAddr("::ffff:192.0.2.1")})
	if v4 != v6 {
		t.Errorf("192.0.2.1 went to %s but ::ffff:192.0.2.1 to %s", v4.Name, v6.Name)
	}
}

// Distinct clients spread with the weights. Over 10000 clients a backend with
// weight share p gets a binomial count if the hash behaves like a random
// function: mean 10000p, standard deviation sqrt(10000 p (1-p)), 40 to 50
// clients here. The table quantizes shares to within one slot in thousands
// (under 0.1%), so 4 standard deviations bound the deviation; the check is
// deterministic because the hash is fixed.
func TestIPHashSpread(t *testing.T) {
	for _, c := range []struct {
		weights []int
		want    map[string]float64
	}{
		{[]int{5, 3, 2}, map[string]float64{"a": .5, "b": .3, "c": .2}},
		{[]int{1, 1, 1, 1}, map[string]float64{"a": .25, "b": .25, "c": .25, "d": .25}},
		{[]int{1, 9}, map[string]float64{"a": .1, "b": .9}},
	} {
		bal := mustNew(t, "ip_hash", 1)
		bal.Update(pool(c.weights...))
		const n = 10000
		counts := map[string]int{}
		for _, name := range mapping(t, bal, n) {
			counts[name]++
		}
		checkShares(t, counts, c.want, n)
	}
}

// Unlike nginx's ip_hash, which keys on the first three octets, the clients
// of one /24 spread over the backends.
func TestIPHashWholeAddress(t *testing.T) {
	bal := mustNew(t, "ip_hash", 1)
	bal.Update(pool(1, 1, 1, 1))
	seen := map[string]bool{}
	for i := range 256 {
		b, _ := bal.Pick(&Request{Client: netip.AddrFrom4([4]byte{192, 0, 2, byte(i)})})
		seen[b.Name] = true
	}
	if len(seen) != 4 {
		t.Errorf("256 clients of 192.0.2.0/24 reached %d of 4 backends", len(seen))
	}
}

// When a backend leaves or joins, mostly the clients of that backend move.
// Maglev is not quite minimal: the bound allows 2% of the other clients to
// move too (hash-mod-n would move about 80%).
func TestIPHashDisruption(t *testing.T) {
	const n = 10000
	bs := pool(1, 1, 1, 1, 1, 1)
	bal := mustNew(t, "ip_hash", 1)
	bal.Update(bs[:5])
	before := mapping(t, bal, n)

	bal.Update([]*Backend{bs[0], bs[1], bs[3], bs[4]}) // c leaves
	after := mapping(t, bal, n)
	moved := 0
	for i := range before {
		switch {
		case after[i] == "c":
			t.Fatalf("client %d still goes to the removed backend", i)
		case before[i] != "c" && after[i] != before[i]:
			moved++
		}
	}
	if frac := float64(moved) / n; frac > 0.02 {
		t.Errorf("removing c moved %.1f%% of the clients of other backends, want at most 2%%", 100*frac)
	}

	bal.Update(bs) // c comes back and f joins
	again := mapping(t, bal, n)
	moved = 0
	for i := range before {
		if again[i] != before[i] && again[i] != "f" {
			moved++
		}
	}
	if frac := float64(moved) / n; frac > 0.02 {
		t.Errorf("restoring c and adding f: %.1f%% of clients neither back home nor moved to f", 100*frac)
	}
	if frac := float64(countOf(again, "f")) / n; math.Abs(frac-1.0/6) > 0.02 {
		t.Errorf("f took %.1f%% of the clients, want about 1/6", 100*frac)
	}
}

func countOf(names []string, name string) int {
	n := 0
	for _, s := range names {
		if s == name {
			n++
		}
	}
	return n
}
