package results_test

import (
	"fmt"
	"os"

	"github.com/lbsim/lbsim/results"
)

// In pod 2 of a Kubernetes Indexed Job (JOB_COMPLETION_INDEX=2), auto/4 is
// the third of four slices. os.LookupEnv is the usual lookup; this one
// stands in for the pod's environment.
func ExampleParseShardEnv() {
	pod := func(name string) (string, bool) {
		if name == results.ShardIndexEnv {
			return "2", true
		}
		return os.LookupEnv(name)
	}
	sh, err := results.ParseShardEnv("auto/4", pod)
	fmt.Println(sh, err, sh.Indices(10))
	// Output:
	// 3/4 <nil> [2 6]
}
