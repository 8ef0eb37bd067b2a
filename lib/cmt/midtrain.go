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
