package flowmap

import (
	"github.com/gocmt/cmt/lib/distance"
	"github.com/gocmt/cmt/lib/nets"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
)

// ECT is Easy Consistency Tuning (Geng et al. 2024) as in the CMT code:
//
//	t = exp(N(P_mean, P_std²)),  r = max(0, t·(1 − q^{−(s+1)}·(1 + k·sigmoid(−b·t)))),
//	x_t = y + t·ε,  x_r = y + r·ε (shared ε),
//	L = d( f_θ(x_t, t), sg f_θ(x_r, r) ) / (t − r),   with target y itself where r = 0.
//
// Stage s counts Δt halvings: with DoubleEvery > 0 it increments every DoubleEvery steps (ECT's doubling
// schedule, q = 2); with DoubleEvery = 0 it stays 0 and the ratio is fixed at q (CMT's recipe, q = 4096 on
// CIFAR-10). ECD (Teacher set) replaces x_r by one teacher ODE step from x_t to r.
type ECT struct {
	Pre         nets.EDM
	Net         nets.Backbone
	PMean, PStd float64
	Q           float64 // Δt ratio q
	K, B        float64 // sigmoid mapping constants (8, 1)
	DoubleEvery int     // steps per halving of Δt; 0 = fixed q
	Distance    distance.Kind
	HuberC      float64

	// ECD: when Teacher is set, x_r is one teacher step from x_t (Euler, or Heun if Heun) instead of y + r·ε.
	Teacher    nets.Backbone
	TeacherPre nets.EDM
	Heun       bool
}

// R is the Δt mapping r(t) for stage s (graph version; t [batch]).
func (l ECT) R(t *Node, stage *Node) *Node {
	// q^{−(s+1)} = exp(−(s+1)·ln q)
	qPow := Exp(MulScalar(AddScalar(stage, 1), -logf(l.Q)))
	sig := Sigmoid(MulScalar(t, -l.B))
	r := Mul(t, OneMinus(Mul(qPow, AddScalar(MulScalar(sig, l.K), 1))))
	return Max(r, ZerosLike(r))
}

// Loss builds the ECT (or ECD) loss for clean data y [batch, dim]; step is the scalar float32 global step (for
// the doubling schedule); teacher is the scope of the frozen teacher (ECD only).
func (l ECT) Loss(net, teacher *model.Scope, y, step *Node) *Node {
	g := y.Graph()
	b := y.Shape().Dimensions[0]
	t := Exp(AddScalar(MulScalar(net.RandomNormal(g, shapes.Make(dtypes.Float32, b)), l.PStd), l.PMean))
	t = Min(Max(t, ConstAs(t, l.Pre.SigmaMin)), ConstAs(t, 80))
	stage := ConstAs(t, 0)
	if l.DoubleEvery > 0 {
		stage = Floor(DivScalar(step, float64(l.DoubleEvery)))
	}
	return l.LossAt(net, teacher, y, t, l.R(t, stage), net.RandomNormal(g, y.Shape()))
}

// LossAt is the loss for given times t, r [batch] and noise eps [batch, dim].
func (l ECT) LossAt(net, teacher *model.Scope, y, t, r, eps *Node) *Node {
	atZero := LessThan(r, ConstAs(r, l.Pre.SigmaMin)) // r below σ_min: the target is the data itself
	rSafe := Where(atZero, OnesLike(r), r)            // keeps f's inputs finite where its output is unused
	col := func(v *Node) *Node { return ExpandAxes(v, -1) }
	xt := Add(y, Mul(col(t), eps))
	var xr *Node
	if l.Teacher == nil {
		xr = Add(y, Mul(col(rSafe), eps))
	} else {
		xr = l.teacherStep(teacher, xt, t, rSafe)
	}
	cm := Consistency{Pre: l.Pre, Net: l.Net} // the special flow map f_θ(x, t) = Ψ_θ(x, t, 0)
	var target, f *Node
	SameRandomness(y.Graph(), net, func() { target = StopGradient(Where(col(atZero), y, cm.F(net, xr, rSafe))) },
		func() { f = cm.F(net, xt, t) })
	d := distance.Of(l.Distance, l.HuberC, f, target)
	return ReduceAllMean(Div(d, Sub(t, Where(atZero, ZerosLike(r), r))))
}

// SameRandomness builds first, then second, with the store's random state restored in between, so that both
// draw the same random numbers: ECT's f_θ(x_t, t) and its target f_θ(x_r, r) then see the same dropout masks, as
// in the ECT code (which restores the RNG state between the two calls). Networks without dropout draw nothing, and
// nothing changes for them.
func SameRandomness(g *Graph, scope *model.Scope, first, second func()) {
	rng := scope.Store().GetVariable(model.JoinPath("/", model.RNGStateVariableName))
	if rng == nil || !rng.HasValue() {
		first() // nothing drew random numbers yet: there is no state to restore
		second()
		return
	}
	saved := rng.NodeValue(g)
	first()
	rng.SetNodeValue(saved)
	second()
}

// teacherStep is one Euler (or Heun) step of the teacher's PF-ODE dx/dt = (x − D(x, t))/t from t to r.
func (l ECT) teacherStep(teacher *model.Scope, xt, t, r *Node) *Node {
	col := func(v *Node) *Node { return ExpandAxes(v, -1) }
	d := Div(Sub(xt, l.TeacherPre.Denoiser(teacher, l.Teacher, xt, t)), col(t))
	h := col(Sub(r, t))
	x := Add(xt, Mul(h, d))
	if !l.Heun {
		return StopGradient(x)
	}
	d2 := Div(Sub(x, l.TeacherPre.Denoiser(teacher, l.Teacher, x, r)), col(r))
	return StopGradient(Add(xt, Mul(h, MulScalar(Add(d, d2), 0.5))))
}
