// Package cmt is the paper's contribution, stage 2: consistency mid-training. The teacher's PF-ODE is solved from
// x_T with M steps (DPM-Solver++ on the log-SNR grid by default), and the student is regressed from every
// non-final trajectory point onto the trajectory's clean end:
//
//	L_CMT(θ) = E_{x_T} E_i d( f_θ(x̂_{t_i}, t_i), x̂_{t_0} ),   i = 1..M (t_M = T, t_0 = t_min)
//
// with no stop-gradient, no time weighting and no schedule: the targets are fixed numbers.
package cmt

import (
	"github.com/gocmt/cmt/lib/distance"
	"github.com/gocmt/cmt/lib/nets"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
)

// Loss is the CMT objective for the special flow map Ψ_{t→0} (consistency models).
type Loss struct {
	Pre      nets.EDM
	Net      nets.Backbone
	Distance distance.Kind
	HuberC   float64 // pseudo-Huber c (only for distance.PseudoHuber)
}

// Of builds the mean over the batch of d(f_θ(x_t, t), x̂₀): xt [batch, dim] trajectory points, t [batch] their
// times, x0hat [batch, dim] the clean ends of their trajectories.
func (l Loss) Of(net *model.Scope, xt, t, x0hat *Node) *Node {
	f := l.Pre.Consistency(net, l.Net, xt, t)
	return ReduceAllMean(distance.Of(l.Distance, l.HuberC, f, x0hat))
}
