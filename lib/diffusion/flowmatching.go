package diffusion

import (
	"github.com/gocmt/cmt/lib/nets"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
)

// FMLoss is the conditional flow-matching objective (Lipman et al. 2023; rectified flow, Liu et al. 2023) on
// flow-matching time t ∈ [0, 1], with t = 1 pure noise:
//
//	z_t = (1 − t)·x₀ + t·ε,   v = ε − x₀,   L(θ) = E_{x₀, ε ~ N(0, I), t} ‖v_θ(z_t, t) − v‖²,
//
// averaged over the batch and the data dimensions, with t logit-normal: t = sigmoid(N(P_mean, P_std²)). The
// minimiser is the marginal velocity v(z, t) = E[ε − x₀ | z_t = z], whose ODE dz/dt = v carries noise at t = 1 to
// data at t = 0.
type FMLoss struct {
	Net         nets.Backbone // v_θ(z, t) = F_θ(z, t): one time input, t itself (no preconditioning)
	PMean, PStd float64
}

// Velocity is the model v_θ(z, t): z [batch, dim], t [batch] → [batch, dim].
func (l FMLoss) Velocity(net *model.Scope, z, t *Node) *Node { return l.Net.Apply(net, z, t) }

// Loss builds the scalar loss for the network at scope net on the clean batch x0 [batch, dim]; t and ε are drawn
// in the graph from the Store's random stream.
func (l FMLoss) Loss(net *model.Scope, x0 *Node) *Node {
	g, b := x0.Graph(), x0.Shape().Dimensions[0]
	t := Sigmoid(AddScalar(MulScalar(net.RandomNormal(g, shapes.Make(dtypes.Float32, b)), l.PStd), l.PMean))
	return l.LossAt(net, x0, t, net.RandomNormal(g, x0.Shape()))
}

// LossAt is the loss for given times t [batch] and noise eps [batch, dim].
func (l FMLoss) LossAt(net *model.Scope, x0, t, eps *Node) *Node {
	col := ExpandAxes(t, -1)
	z := Add(Mul(OneMinus(col), x0), Mul(col, eps))
	return ReduceAllMean(Square(Sub(l.Velocity(net, z, t), Sub(eps, x0))))
}
