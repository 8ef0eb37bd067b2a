package cmt

import (
	"fmt"
	"math/rand/v2"

	"github.com/gocmt/cmt/lib/solver"
	"github.com/gomlx/gomlx/core/tensors"
)

// PairScheme says how CMT for a general flow map draws its (i, j) pairs from a trajectory of K points. The paper
// writes E_{i>j} and does not say more; these are the choices offered.
type PairScheme string

const (
	// PairsAll draws (i, j) uniformly over all K(K−1)/2 ordered pairs t_i > t_j of the trajectory: every start
	// time and every end time, short and long jumps alike (the plain reading of E_{i>j}).
	PairsAll PairScheme = "all"
	// PairsEnd always ends at the clean end, t_j = t_0: the special map Ψ_{t→0} (CMT for consistency models).
	PairsEnd PairScheme = "end"
)

// ParsePairScheme checks a pair-scheme name.
func ParsePairScheme(s string) (PairScheme, error) {
	switch p := PairScheme(s); p {
	case PairsAll, PairsEnd:
		return p, nil
	}
	return "", fmt.Errorf("unknown CMT pair scheme %q: use all or end", s)
}

// MFPairs holds teacher trajectories for CMT mid-training of a general flow map (any time convention), in groups
// that each share one time grid. From a trajectory point x̂_{t_i} and a later one x̂_{t_j} (t_i > t_j) the pair is
//
//	input (x̂_{t_i}, t_i, t_j),  target (x̂_{t_i} − x̂_{t_j})/(t_i − t_j),
//
// the average velocity of the teacher's solution between the two times. A map trained on one grid is accurate
// at that grid's times only; groups solved on shifted grids cover the times in between. With DiagFrac > 0, that
// fraction of the pairs sits on the diagonal j = i with the teacher's instantaneous velocity at x̂_{t_i} as
// target (the tangent condition h(x, t, t) = v(x, t); Vel must then be set).
type MFPairs struct {
	Groups   []*solver.Trajectory // Times [K_g] descending (Times[0] the start, Times[K_g−1] the clean end)
	Vel      [][][]float64        // optional [group][K_g][n_g·Dim]: the teacher's velocity at each state
	Scheme   PairScheme
	DiagFrac float64

	first []int // index of each group's first trajectory in the pool
	n     int   // trajectories in the pool
}

// NewMFPairs wraps trajectory groups (not copied) with a pair scheme.
func NewMFPairs(scheme PairScheme, groups ...*solver.Trajectory) (*MFPairs, error) {
	if _, err := ParsePairScheme(string(scheme)); err != nil {
		return nil, err
	}
	if len(groups) == 0 {
		return nil, fmt.Errorf("cmt: no trajectories")
	}
	p := &MFPairs{Groups: groups, Scheme: scheme}
	for _, tr := range groups {
		if len(tr.States) < 2 || len(tr.Times) != len(tr.States) {
			return nil, fmt.Errorf("cmt: a trajectory needs at least 2 states with one time each, got %d states and %d times",
				len(tr.States), len(tr.Times))
		}
		for k := 1; k < len(tr.Times); k++ {
			if !(tr.Times[k] < tr.Times[k-1]) {
				return nil, fmt.Errorf("cmt: trajectory times must descend (%v after %v)", tr.Times[k], tr.Times[k-1])
			}
		}
		if tr.Dim != groups[0].Dim {
			return nil, fmt.Errorf("cmt: trajectory groups of dimensions %d and %d", groups[0].Dim, tr.Dim)
		}
		p.first = append(p.first, p.n)
		p.n += tr.N()
	}
	return p, nil
}

// N is the number of trajectories in the pool.
func (p *MFPairs) N() int { return p.n }

// Indices draws one pair of time indices (a, b) on a grid of K points with a ≤ b (Times[a] ≥ Times[b]; a = b only
// on the diagonal).
func (p *MFPairs) Indices(rng *rand.Rand, K int) (a, b int) {
	if p.DiagFrac > 0 && rng.Float64() < p.DiagFrac {
		a = rng.IntN(K - 1) // the clean end has no velocity target worth training (t ≈ 0)
		return a, a
	}
	if p.Scheme == PairsEnd {
		return rng.IntN(K - 1), K - 1
	}
	a, b = rng.IntN(K), rng.IntN(K-1)
	if b >= a {
		b++
	} else {
		a, b = b, a
	}
	return a, b
}

// Batch draws size pairs with rng (trajectory uniform over the pool, time pair by Indices on its group's grid)
// and returns x [size, Dim], t [size], s [size] and the target average velocity [size, Dim] (computed in
// float64, then rounded).
func (p *MFPairs) Batch(rng *rand.Rand, size int) (x, t, s, target *tensors.Tensor, err error) {
	if p.DiagFrac > 0 && len(p.Vel) != len(p.Groups) {
		return nil, nil, nil, nil, fmt.Errorf("cmt: diagonal pairs need the teacher's velocities (MFPairs.Vel)")
	}
	d := p.Groups[0].Dim
	xs, ys := make([]float32, size*d), make([]float32, size*d)
	ts, ss := make([]float32, size), make([]float32, size)
	for k := 0; k < size; k++ {
		j := rng.IntN(p.n)
		g := len(p.first) - 1
		for p.first[g] > j {
			g--
		}
		tr, i := p.Groups[g], j-p.first[g]
		a, b := p.Indices(rng, len(tr.Times))
		xa := tr.States[a][i*d : (i+1)*d]
		ts[k], ss[k] = float32(tr.Times[a]), float32(tr.Times[b])
		for c := 0; c < d; c++ {
			xs[k*d+c] = float32(xa[c])
			if a == b {
				ys[k*d+c] = float32(p.Vel[g][a][i*d+c])
			} else {
				ys[k*d+c] = float32((xa[c] - tr.States[b][i*d+c]) / (tr.Times[a] - tr.Times[b]))
			}
		}
	}
	return tensors.FromFlatDataAndDimensions(xs, size, d), tensors.FromFlatDataAndDimensions(ts, size),
		tensors.FromFlatDataAndDimensions(ss, size), tensors.FromFlatDataAndDimensions(ys, size, d), nil
}
