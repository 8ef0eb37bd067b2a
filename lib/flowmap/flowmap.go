package flowmap

import (
	"github.com/gocmt/cmt/lib/nets"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
)

// Map is a flow map Ψ_θ(x, t, s) — the PF-ODE solution that starts at x at time t and ends at time s — in the
// average-velocity parameterisation
//
//	Ψ_θ(x, t, s) = x − (t − s)·h_θ(x, t, s),
//
// so that Ψ_θ(x, t, t) = x holds by construction, whatever the network. h is MeanFlow's u(z, r = s, t).
// A consistency model is the special map s = 0: f_θ(x, t) = Ψ_θ(x, t, 0).
type Map interface {
	// H is the average velocity h_θ(x, t, s) = (x − Ψ(x, t, s))/(t − s): x [batch, dim], t and s [batch] →
	// [batch, dim], in units of x per unit of time. Weights live under net.
	H(net *model.Scope, x, t, s *Node) *Node
}

// Psi is Ψ_θ(x, t, s) = x − (t − s)·h_θ(x, t, s) for x [batch, dim] and t, s [batch] → [batch, dim].
func Psi(m Map, net *model.Scope, x, t, s *Node) *Node {
	return Sub(x, Mul(ExpandAxes(Sub(t, s), -1), m.H(net, x, t, s)))
}

// AverageVelocity is the general two-time map on flow-matching time (t ∈ [0, 1], z_t = (1 − t)·x₀ + t·ε):
// h_θ(x, t, s) = F_θ(x, t, t − s), with the backbone fed the time t and the gap t − s, as in MeanFlow's code.
// Net must take two time inputs (nets.MLP with Times = 2). When F ignores its second time input (zero weights on
// its embedding, the initialisation from a flow-matching teacher), h(x, t, s) = v(x, t) for every s: Ψ is then
// one Euler step of the teacher's velocity.
type AverageVelocity struct {
	Net nets.Backbone
}

// H is F_θ(x, t, t − s) [batch, dim].
func (m AverageVelocity) H(net *model.Scope, x, t, s *Node) *Node {
	return m.Net.Apply(net, x, t, Sub(t, s))
}

// Velocity is the instantaneous velocity of an AverageVelocity map, v_θ(x, t) = h_θ(x, t, t) (the tangent
// condition of a flow map): x [batch, dim], t [batch] → [batch, dim]. It has the signature of a train.Forward.
func (m AverageVelocity) Velocity(net *model.Scope, x, t *Node) *Node { return m.H(net, x, t, t) }

// Consistency is the special map of a consistency model on EDM time (x_t = x₀ + t·ε), read as a general map:
// the average velocity is h(x, t, s) = (x − f_θ(x, t))/t for every s, so
//
//	Ψ(x, t, s) = x − (t − s)·(x − f_θ(x, t))/t,
//
// which is f_θ(x, t) at s = 0 and the deterministic re-noising x̂₀ + s·(x − x̂₀)/t (DDIM, γ = 0) in between.
// f is EDM's consistency function (nets.EDM.Consistency), the model ECT trains.
type Consistency struct {
	Pre nets.EDM
	Net nets.Backbone
}

// H is (x − f_θ(x, t))/t [batch, dim].
func (m Consistency) H(net *model.Scope, x, t, s *Node) *Node {
	return Div(Sub(x, m.F(net, x, t)), ExpandAxes(t, -1))
}

// F is the consistency function f_θ(x, t) = Ψ(x, t, 0), exactly the function ECT trains.
func (m Consistency) F(net *model.Scope, x, t *Node) *Node {
	return m.Pre.Consistency(net, m.Net, x, t)
}
