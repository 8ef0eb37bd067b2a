package flowmap

import (
	"fmt"
	"math"
)

// HostMap is a flow map on the host: Ψ(x, t, s) for x [n·dim] row-major at one pair of times (t, s) → [n·dim].
type HostMap func(x []float64, dim int, t, s float64) []float64

// FromConsistency reads a consistency function f (the special map Ψ_{t→0}) as a general map,
// Ψ(x, t, s) = f(x, t) + (s/t)·(x − f(x, t)): the deterministic re-noising of the clean estimate (see
// Consistency). At s = 0 it returns f(x, t) itself, so MapSample on the grid [T, 0] is OneStep.
func FromConsistency(f Func) HostMap {
	return func(x []float64, dim int, t, s float64) []float64 {
		y := f(x, dim, t)
		if s == 0 {
			return y
		}
		out := make([]float64, len(y))
		for i := range y {
			out[i] = y[i] + s/t*(x[i]-y[i])
		}
		return out
	}
}

// CheckMapGrid reports whether grid can drive MapSample: at least 2 finite times, strictly descending, ≥ 0.
func CheckMapGrid(grid []float64) error {
	if len(grid) < 2 {
		return fmt.Errorf("flowmap: a sampling grid needs at least 2 times, got %d", len(grid))
	}
	for i, t := range grid {
		if math.IsNaN(t) || math.IsInf(t, 0) || t < 0 {
			return fmt.Errorf("flowmap: grid[%d] = %v: times must be finite and ≥ 0", i, t)
		}
		if i > 0 && !(t < grid[i-1]) {
			return fmt.Errorf("flowmap: grid must be strictly descending (grid[%d] = %v after %v)", i, t, grid[i-1])
		}
	}
	return nil
}

// MapSample is the N-step flow-map sampler on any descending time grid [N+1]: x ← Ψ(x, t_k, t_{k+1}) for
// k = 0..N−1, starting from xStart [n·dim], a draw from the prior at grid[0] (flow matching: z ~ N(0, I) at t = 1;
// EDM: T·z at t = T). It is deterministic: no noise is added between steps. N = 1 is the 1-step sampler
// Ψ(x_T, T, 0), and [1, 0.5, 0] is MeanFlow's 2-step sampler.
func MapSample(m HostMap, xStart []float64, dim int, grid []float64) ([]float64, error) {
	if err := CheckMapGrid(grid); err != nil {
		return nil, err
	}
	if dim < 1 || len(xStart)%dim != 0 {
		return nil, fmt.Errorf("flowmap: %d values do not make points of dimension %d", len(xStart), dim)
	}
	x := xStart
	for k := 0; k+1 < len(grid); k++ {
		x = m(x, dim, grid[k], grid[k+1])
		if len(x) != len(xStart) {
			return nil, fmt.Errorf("flowmap: the map returned %d values for %d", len(x), len(xStart))
		}
	}
	return x, nil
}

// UniformGrid is the grid [steps+1] from tMax down to tMin in equal steps (MeanFlow's multi-step grid on
// flow-matching time: UniformGrid(1, 0, 2) = [1, 0.5, 0]). The endpoints are exact.
func UniformGrid(tMax, tMin float64, steps int) []float64 {
	g := make([]float64, steps+1)
	for k := range g {
		g[k] = tMax + float64(k)/float64(steps)*(tMin-tMax)
	}
	g[0], g[steps] = tMax, tMin
	return g
}
