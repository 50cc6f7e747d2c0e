package proxy

import (
	"math"
	"sync/atomic"

	"github.com/lbsim/lbsim/scenarios"
)

// retryBudget is a pool's retries.budget account, kept as the simulator
// keeps it: every request (every connection in mode tcp) of the pool earns
// budget of a retry, at most scenarios.RetryBudgetBurst are saved up, and
// a retry spends one. It starts empty. The balance is a float64's bits,
// so that requests on many goroutines share it without a lock.
type retryBudget struct{ bits atomic.Uint64 }

// earn adds amount to the balance, up to the burst.
func (b *retryBudget) earn(amount float64) {
	for {
		old := b.bits.Load()
		v := min(math.Float64frombits(old)+amount, scenarios.RetryBudgetBurst)
		if b.bits.CompareAndSwap(old, math.Float64bits(v)) {
			return
		}
	}
}

// spend takes one retry from the balance, if it holds one.
func (b *retryBudget) spend() bool {
	for {
		old := b.bits.Load()
		v := math.Float64frombits(old)
		if v < 1 {
			return false
		}
		if b.bits.CompareAndSwap(old, math.Float64bits(v-1)) {
			return true
		}
	}
}

// arrived credits pool pl's retry budget, if it has one, with a request.
func (pl *pool) arrived() {
	if r := pl.retries; r != nil && r.Budget > 0 {
		pl.live.budget.earn(r.Budget)
	}
}
