package playground_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/lbsim/lbsim/playground"
)

func ExampleNew() {
	// Runs are cut at 2,000 arrivals per algorithm.
	srv := httptest.NewServer(playground.New(playground.Config{MaxRequests: 2000}))
	defer srv.Close()

	post := func(yaml string) (int, map[string]any) {
		res, err := http.Post(srv.URL+"/api/run?algorithms=round_robin", "application/yaml", strings.NewReader(yaml))
		if err != nil {
			panic(err)
		}
		defer res.Body.Close()
		var answer map[string]any
		if err := json.NewDecoder(res.Body).Decode(&answer); err != nil {
			panic(err)
		}
		return res.StatusCode, answer
	}
	scenario := `name: tiny
requests: 5000
servers: [{name: app, count: 2}]
workload: {arrival: {rate: 5}, service: {dist: constant, mean: 100ms}}
`
	status, run := post(scenario)
	fmt.Println(status, run["scenario"], run["requests"], run["cut_at"])

	// A bad scenario is answered 400 with lbsim run's message.
	status, bad := post(strings.Replace(scenario, "count: 2", "count: 0", 1))
	fmt.Println(status, bad["error"])
	// Output:
	// 200 tiny 2000 2000
	// 400 scenario.yaml:3:23: servers[0].count: must be at least 1, got 0
}
