package cmt

import (
	"fmt"

	"github.com/gocmt/cmt/lib/flowmap"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
)

// Space is where the general-map CMT loss measures its error.
type Space string

const (
	// SpaceVelocity is the paper's loss, ‖h_θ(x̂_{t_i}, t_i, t_j) − (x̂_{t_i} − x̂_{t_j})/(t_i − t_j)‖²: every pair
	// counts alike, whatever the length of its jump.
	SpaceVelocity Space = "velocity"
	// SpaceMap weights it by (t_i − t_j)², which is ‖Ψ_θ(x̂_{t_i}, t_i, t_j) − x̂_{t_j}‖²: the error of the map's
	// end point. At t_j = 0 this is the special-map loss of Loss (squared ℓ2, f = Ψ(·, ·, 0)) exactly.
	SpaceMap Space = "map"
)

// ParseSpace checks a loss-space name.
func ParseSpace(s string) (Space, error) {
	switch sp := Space(s); sp {
	case SpaceVelocity, SpaceMap:
		return sp, nil
	}
	return "", fmt.Errorf("unknown CMT loss space %q: use velocity or map", s)
}

// LossMF is the CMT objective for a general flow map (the paper's CMT-MF):
//
//	L_CMT-MF(θ) = E_{i>j} E_{x_T} ‖ h_θ(x̂_{t_i}, t_i, t_j) − (x̂_{t_i} − x̂_{t_j})/(t_i − t_j) ‖²
//
// with the map's average velocity h_θ and Ψ_θ(x, t, s) = x − (t − s)·h_θ(x, t, s). The targets are fixed numbers
// from the teacher's trajectories (MFPairs): no JVP and no stop-gradient. Setting t_j = 0 gives the special map
// Ψ_{t→0}: per pair the loss is ‖f_θ(x̂_{t_i}, t_i) − x̂_{t_0}‖²/t_i² with f_θ = Ψ_θ(·, ·, 0), and in SpaceMap it
// is exactly Loss's squared-ℓ2 objective.
type LossMF struct {
	Map   flowmap.Map
	Space Space // "" means SpaceVelocity
}

// Of builds the mean over the batch of the pair losses: x [batch, dim] trajectory points x̂_{t_i}, t and s [batch]
// their times t_i and the later times t_j, target [batch, dim] the teacher's average velocities.
func (l LossMF) Of(net *model.Scope, x, t, s, target *Node) *Node {
	h := l.Map.H(net, x, t, s)
	perPair := ReduceSum(Square(Sub(h, target)), -1)
	if l.Space == SpaceMap {
		perPair = Mul(perPair, Square(Sub(t, s)))
	}
	return ReduceAllMean(perPair)
}
