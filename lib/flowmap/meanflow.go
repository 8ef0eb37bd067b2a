package flowmap

import (
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
)

// MeanFlow is the MeanFlow objective (Geng et al. 2025) on flow-matching time, z_t = (1 − t)·x + t·e with data x
// and noise e ~ N(0, I), conditional velocity v = e − x:
//
//	u_tgt = sg( v − (t − r)·du/dt ),   du/dt = JVP of u_θ(z, r, t) along (v, 0, 1) in (z, r, t),
//	ℓ = ‖u_θ(z_t, r, t) − u_tgt‖²,     L = mean over the batch of ℓ / sg(ℓ + c)^p   (adaptive weight).
//
// u_θ(z, r, t) is the map's average velocity h_θ(z, t, r), so the trained model is the flow map
// Ψ(z, t, r) = z − (t − r)·u_θ(z, r, t). On the diagonal r = t the target is v: plain flow matching.
type MeanFlow struct {
	Map   Map
	Times TimeSampler
	P     float64 // adaptive-weight power p (1 on ImageNet, 0.75 on CIFAR-10; 0 = plain squared error)
	C     float64 // the constant c in sg(ℓ + c)^p (MeanFlow's norm_eps, 1e-3)
	JVP   JVPMode // exact (double VJP) or fd (central finite difference)
	FDEps float64 // finite-difference step in time units (fd mode only)
}

// Loss builds the loss for clean data x [batch, dim], drawing e and (t, r) from the scope's random stream.
func (l MeanFlow) Loss(net *model.Scope, x *Node) *Node {
	g := x.Graph()
	e := net.RandomNormal(g, x.Shape())
	t, r := l.Times.Sample(net, g, x.Shape().Dimensions[0])
	return l.LossAt(net, x, e, t, r)
}

// LossAt is the loss for given noise e [batch, dim] and times t, r [batch] (r ≤ t).
func (l MeanFlow) LossAt(net *model.Scope, x, e, t, r *Node) *Node {
	col := func(v *Node) *Node { return ExpandAxes(v, -1) }
	z := Add(Mul(col(OneMinus(t)), x), Mul(col(t), e))
	v := Sub(e, x)
	u, dudt := l.UAndDuDt(net, z, r, t, v)
	uTgt := StopGradient(Sub(v, Mul(col(Sub(t, r)), dudt)))
	return AdaptiveMean(ReduceSum(Square(Sub(u, uTgt)), -1), l.P, l.C)
}

// UAndDuDt returns u_θ(z, r, t) and its total derivative du/dt = v·∂_z u + ∂_t u (the JVP along (v, 0, 1) in
// (z, r, t)); z, v [batch, dim], r, t [batch].
func (l MeanFlow) UAndDuDt(net *model.Scope, z, r, t, v *Node) (u, dudt *Node) {
	fn := func(p []*Node) *Node { return l.Map.H(net, p[0], p[2], p[1]) }
	return JVP(fn, []*Node{z, r, t}, []*Node{v, nil, OnesLike(t)}, l.JVP, l.FDEps)
}

// AdaptiveMean is MeanFlow's adaptively weighted mean over the batch of per-example losses ℓ [batch]:
// mean ℓ / sg(ℓ + c)^p. With p = 1 every example contributes ≈ 1 and its gradient is that of ℓ scaled by
// 1/(ℓ + c), a robust (≈ ℓ2-norm-like) loss; p = 0 is the plain mean.
func AdaptiveMean(l *Node, p, c float64) *Node {
	if p == 0 {
		return ReduceAllMean(l)
	}
	w := Pow(StopGradient(AddScalar(l, c)), ConstAs(l, -p))
	return ReduceAllMean(Mul(l, w))
}
