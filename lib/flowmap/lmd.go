package flowmap

import (
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
)

// Velocity is a velocity field b(x, t) on flow-matching time as a graph function: x [batch, dim], t [batch] →
// [batch, dim], with weights under scope (a frozen flow-matching teacher).
type Velocity func(scope *model.Scope, x, t *Node) *Node

// LMD is Lagrangian map distillation from Flow Map Matching (Boffi, Albergo & Vanden-Eijnden 2024): the map
// transports points along the teacher's flow, ∂_s Ψ(x, t, s) = b(Ψ(x, t, s), s). With Ψ = x − (t − s)·h this
// reads h = b(Ψ, s) + (t − s)·∂_s h, which is regressed in MeanFlow's stop-gradient form:
//
//	z = (1 − t)·x + t·e,   h_tgt = sg( b(Ψ_θ(z, t, s), s) + (t − s)·∂_s h_θ(z, t, s) ),
//	ℓ = ‖h_θ(z, t, s) − h_tgt‖²,   L = mean ℓ / sg(ℓ + c)^p,
//
// with ∂_s h the JVP along (0, 0, 1) in (z, t, s). On the diagonal s = t it distils the teacher's velocity,
// h(z, t, t) = b(z, t). Times (t, s = r ≤ t) come from the same sampler as MeanFlow.
type LMD struct {
	Map     Map
	Teacher Velocity
	Times   TimeSampler
	P       float64 // adaptive-weight power
	C       float64 // constant in sg(ℓ + c)^p
	JVP     JVPMode
	FDEps   float64
}

// Loss builds the loss for clean data x [batch, dim]; teacher is the frozen teacher's scope.
func (l LMD) Loss(net, teacher *model.Scope, x *Node) *Node {
	g := x.Graph()
	e := net.RandomNormal(g, x.Shape())
	t, s := l.Times.Sample(net, g, x.Shape().Dimensions[0])
	return l.LossAt(net, teacher, x, e, t, s)
}

// LossAt is the loss for given noise e [batch, dim] and times t, s [batch] (s ≤ t).
func (l LMD) LossAt(net, teacher *model.Scope, x, e, t, s *Node) *Node {
	col := func(v *Node) *Node { return ExpandAxes(v, -1) }
	z := Add(Mul(col(OneMinus(t)), x), Mul(col(t), e))
	fn := func(p []*Node) *Node { return l.Map.H(net, p[0], p[1], p[2]) }
	h, dhds := JVP(fn, []*Node{z, t, s}, []*Node{nil, nil, OnesLike(s)}, l.JVP, l.FDEps)
	gap := col(Sub(t, s))
	psi := StopGradient(Sub(z, Mul(gap, h)))
	hTgt := StopGradient(Add(l.Teacher(teacher, psi, s), Mul(gap, dhds)))
	return AdaptiveMean(ReduceSum(Square(Sub(h, hTgt)), -1), l.P, l.C)
}
