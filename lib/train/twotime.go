package train

import (
	"github.com/gocmt/cmt/lib/host"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
)

// Forward2 is a two-time model as a graph function of the network scope: x [batch, dim] and times t, s [batch] →
// [batch, dim]. Example: a flow map Ψ(x, t, s). A stage that trains one still has a single-time Forward (used to
// build its weights), e.g. the map's diagonal velocity h(x, t, t).
type Forward2 func(net *model.Scope, x, t, s *Node) *Node

// EMAFunc2 returns a host function evaluating fwd on the EMA weights: x is [n·dim] row-major, (t, s) one pair of
// times for all points; the result is [n·dim]. Like EMAFunc it follows the weights as training moves them. A stage
// keeps one compiled two-time evaluator: call EMAFunc2 with the same fwd each time.
func (s *Stage) EMAFunc2(fwd Forward2) func(x []float64, dim int, t, u float64) []float64 {
	return func(x []float64, dim int, t, u float64) []float64 {
		e := s.evaluator("ema2", func() *model.Exec {
			return model.MustNewExec(s.Backend, s.Store, func(root *model.Scope, x, t, u *Node) *Node {
				return fwd(EMAScope(root), x, t, u)
			})
		})
		n := len(x) / dim
		return host.Float64s(e.MustCall(host.Tensor(x, n, dim), host.Tensor(filled(n, t), n), host.Tensor(filled(n, u), n))[0])
	}
}
