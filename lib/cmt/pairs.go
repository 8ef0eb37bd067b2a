package cmt

import (
	"fmt"
	"math/rand/v2"

	"github.com/gocmt/cmt/lib/solver"
	"github.com/gomlx/gomlx/core/tensors"
)

// Pairs are CMT's regression pairs (x̂_{t_i}, t_i) → x̂_{t_0}, flattened from teacher trajectories: every
// non-final state of every trajectory is paired with that trajectory's clean end ("trajectory reuse": M pairs per
// solve). X and Target are [N·Dim], T is [N].
type Pairs struct {
	Dim       int
	X, Target []float32
	T         []float32
}

// N is the number of pairs.
func (p *Pairs) N() int { return len(p.T) }

// FromTrajectory builds the pairs of one batched trajectory (all its non-final states).
func FromTrajectory(tr *solver.Trajectory) (*Pairs, error) {
	if len(tr.States) < 2 {
		return nil, fmt.Errorf("cmt: a trajectory needs at least 2 states, got %d", len(tr.States))
	}
	dim := tr.Dim
	end := tr.States[len(tr.States)-1]
	n := len(end) / dim
	p := &Pairs{Dim: dim}
	for k := 0; k < len(tr.States)-1; k++ {
		for i := 0; i < n; i++ {
			for d := 0; d < dim; d++ {
				p.X = append(p.X, float32(tr.States[k][i*dim+d]))
				p.Target = append(p.Target, float32(end[i*dim+d]))
			}
			p.T = append(p.T, float32(tr.Times[k]))
		}
	}
	return p, nil
}

// Batch draws size pairs uniformly with replacement using rng and returns the tensors x [size, Dim], t [size] and
// target [size, Dim].
func (p *Pairs) Batch(rng *rand.Rand, size int) (x, t, target *tensors.Tensor) {
	xs := make([]float32, size*p.Dim)
	ys := make([]float32, size*p.Dim)
	ts := make([]float32, size)
	for b := 0; b < size; b++ {
		i := rng.IntN(p.N())
		copy(xs[b*p.Dim:(b+1)*p.Dim], p.X[i*p.Dim:(i+1)*p.Dim])
		copy(ys[b*p.Dim:(b+1)*p.Dim], p.Target[i*p.Dim:(i+1)*p.Dim])
		ts[b] = p.T[i]
	}
	return tensors.FromFlatDataAndDimensions(xs, size, p.Dim), tensors.FromFlatDataAndDimensions(ts, size),
		tensors.FromFlatDataAndDimensions(ys, size, p.Dim)
}
