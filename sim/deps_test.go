package sim

import (
	"os/exec"
	"strings"
	"testing"
)

// TestEngineDeps keeps the engine small: the simulator and what it is
// built from import no rendering, no tables and no sockets, so a program
// that only simulates does not carry them.
func TestEngineDeps(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "../sim", "../algorithms", "../workloads", "../scenarios").Output()
	if err != nil {
		t.Skipf("go list: %v", err)
	}
	for _, dep := range strings.Fields(string(out)) {
		for _, banned := range []string{"gonum.org/v1/plot", "github.com/olekukonko/tablewriter", "github.com/valyala/fasthttp",
			"github.com/lbsim/lbsim/report", "github.com/lbsim/lbsim/proxy", "net/http"} {
			if dep == banned || strings.HasPrefix(dep, banned+"/") {
				t.Errorf("the engine depends on %s", dep)
			}
		}
	}
}
