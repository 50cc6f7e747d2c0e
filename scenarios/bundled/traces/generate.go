//go:build ignore

// Command generate writes shop-access.log.gz, the access log the bundled
// scenario replay-shop-log replays: five minutes of an online shop's nginx
// log in nginx's combined format followed by $request_time. Run it from
// this directory with `go run generate.go`; it writes the same bytes
// every time.
//
// The shop serves fast catalogue and cart calls (about 30 ms) and slow
// report exports under /reports/ (about 3 s, 2% of requests). Most
// customers come from their own addresses; a third of requests come
// through one office's NAT gateway. At 02:30 a promotion e-mail doubles
// the traffic for a minute.
package main

import (
	"bufio"
	"compress/gzip"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"time"
)

type request struct {
	end     time.Time
	client  string
	path    string
	service time.Duration
	status  int
	bytes   int
}

func main() {
	rng := rand.New(rand.NewPCG(2026, 12))
	start := time.Date(2026, 11, 27, 9, 0, 0, 0, time.FixedZone("", 3600))
	const span = 5 * time.Minute
	var reqs []request
	products := []string{"/products/", "/cart", "/search?q=", "/checkout", "/api/stock/"}
	for t := time.Duration(0); t < span; {
		rate := 40.0 // requests per second
		if t >= 150*time.Second && t < 210*time.Second {
			rate = 80
		}
		t += time.Duration(rng.ExpFloat64() / rate * float64(time.Second))
		r := request{status: 200}
		if rng.Float64() < 1.0/3 {
			r.client = "198.51.100.7" // the office gateway
		} else {
			n := rng.IntN(3000)
			r.client = fmt.Sprintf("10.0.%d.%d", n/254, n%254+1)
		}
		if rng.Float64() < 0.02 {
			r.path = fmt.Sprintf("/reports/sales-%d.csv", rng.IntN(40))
			r.service = lognormal(rng, 3*time.Second, 0.5)
			r.bytes = 200_000 + rng.IntN(800_000)
		} else {
			p := products[rng.IntN(len(products))]
			switch p {
			case "/products/", "/api/stock/":
				// Product popularity is skewed: a few items are hot.
				p += fmt.Sprint(int(math.Pow(rng.Float64(), 3) * 5000))
			case "/search?q=":
				p += fmt.Sprintf("item%d", rng.IntN(500))
			}
			r.path = p
			r.service = lognormal(rng, 30*time.Millisecond, 0.6)
			r.bytes = 2_000 + rng.IntN(30_000)
		}
		if rng.Float64() < 0.002 {
			r.status = 502
		}
		r.end = start.Add(t + r.service)
		reqs = append(reqs, r)
	}
	// nginx writes a line when a request ends.
	slices.SortStableFunc(reqs, func(a, b request) int { return a.end.Compare(b.end) })

	f, err := os.Create("shop-access.log.gz")
	check(err)
	zw, err := gzip.NewWriterLevel(f, gzip.BestCompression)
	check(err)
	zw.ModTime = start // a fixed header, for the same bytes every run
	w := bufio.NewWriter(zw)
	for _, r := range reqs {
		fmt.Fprintf(w, "%s - - [%s] \"GET %s HTTP/1.1\" %d %d \"-\" \"Mozilla/5.0\" %.3f\n",
			r.client, r.end.Format("02/Jan/2006:15:04:05 -0700"), r.path, r.status, r.bytes, r.service.Seconds())
	}
	check(w.Flush())
	check(zw.Close())
	check(f.Close())
}

// lognormal draws a lognormal duration of the given mean and shape.
func lognormal(rng *rand.Rand, mean time.Duration, sigma float64) time.Duration {
	mu := math.Log(float64(mean)) - sigma*sigma/2
	return time.Duration(math.Exp(mu + sigma*rng.NormFloat64())).Round(time.Millisecond)
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
