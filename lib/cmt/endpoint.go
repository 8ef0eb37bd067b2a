package cmt

import (
	"fmt"

	"github.com/gocmt/cmt/lib/solver"
)

// EndpointOnly builds the ablation's pairs: only the start of each trajectory, (x_T, T) → x̂_{t_0}, one pair per
// teacher solve instead of FromTrajectory's M. It is knowledge distillation of the teacher's full ODE map at the
// single time T (the paper's "endpoint-only" / KD initialisation): the student sees no intermediate trajectory
// point, so it learns nothing about f(·, t) for t < T.
func EndpointOnly(tr *solver.Trajectory) (*Pairs, error) {
	if len(tr.States) < 2 {
		return nil, fmt.Errorf("cmt: a trajectory needs at least 2 states, got %d", len(tr.States))
	}
	dim, start, end := tr.Dim, tr.States[0], tr.End()
	n := len(end) / dim
	p := &Pairs{Dim: dim, X: make([]float32, n*dim), Target: make([]float32, n*dim), T: make([]float32, n)}
	for i := range n * dim {
		p.X[i], p.Target[i] = float32(start[i]), float32(end[i])
	}
	for i := range p.T {
		p.T[i] = float32(tr.Times[0])
	}
	return p, nil
}
