package importer_test

import (
	"fmt"

	"github.com/lbsim/lbsim/importer"
	"github.com/lbsim/lbsim/scenarios"
)

// An nginx upstream with least_conn and a backup becomes a scenario whose
// first algorithm is least_connections; keepalive, which lbsim does not
// model, is a comment in the scenario and a warning.
func ExampleImport() {
	conf := `
http {
    upstream api {
        least_conn;
        server 10.0.0.1:8080 weight=2;
        server 10.0.0.2:8080;
        server 10.0.0.3:8080 backup;
        keepalive 16;
    }
}
`
	res, err := importer.Import("nginx.conf", []byte(conf), importer.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	sc, err := scenarios.Parse("api.yaml", res.YAML)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(res.Format, res.Upstream, sc.Algorithms)
	for _, s := range sc.Servers {
		fmt.Println(s.Name, s.Address, s.Weight, s.Backup)
	}
	for _, w := range res.Warnings {
		fmt.Println(w)
	}
	// Output:
	// nginx api [least_connections power_of_two weighted_round_robin]
	// 10.0.0.1:8080 http://10.0.0.1:8080 2 false
	// 10.0.0.2:8080 http://10.0.0.2:8080 1 false
	// 10.0.0.3:8080 http://10.0.0.3:8080 1 true
	// nginx.conf:8: keepalive 16 is not modelled: lbsim does not model reusing idle connections to servers
}
