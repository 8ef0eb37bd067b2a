package solver

import (
	"fmt"
	"math"
)

// LogSNRGrid returns steps+1 noise levels [steps+1], descending from tMax to
// tMin, uniform in log-SNR λ = −log t: t_k = tMax·(tMin/tMax)^(k/steps).
// CMT's DPM-Solver++ reference uses LogSNRGrid(80, 0.002, 16). The endpoints
// are exact. It panics unless tMax > tMin > 0 (both finite) and steps ≥ 1.
func LogSNRGrid(tMax, tMin float64, steps int) []float64 {
	if !(tMax > tMin && tMin > 0) || math.IsInf(tMax, 1) || steps < 1 {
		panic(fmt.Sprintf("solver: LogSNRGrid needs tMax > tMin > 0 and steps ≥ 1, got %g, %g, %d", tMax, tMin, steps))
	}
	g := make([]float64, steps+1)
	logRatio := math.Log(tMin / tMax)
	for k := range g {
		g[k] = tMax * math.Exp(float64(k)/float64(steps)*logRatio)
	}
	g[0], g[steps] = tMax, tMin
	return g
}

// KarrasGrid returns the EDM ρ-grid [steps+1], descending from tMax to tMin:
// t_i = (tMax^(1/ρ) + i/steps·(tMin^(1/ρ) − tMax^(1/ρ)))^ρ (EDM uses ρ = 7).
// The endpoints are exact. It panics unless tMax > tMin ≥ 0 (finite),
// rho > 0 and steps ≥ 1.
func KarrasGrid(tMax, tMin float64, steps int, rho float64) []float64 {
	if !(tMax > tMin && tMin >= 0) || math.IsInf(tMax, 1) || !(rho > 0) || math.IsInf(rho, 1) || steps < 1 {
		panic(fmt.Sprintf("solver: KarrasGrid needs tMax > tMin ≥ 0, rho > 0, steps ≥ 1, got %g, %g, %d, %g", tMax, tMin, steps, rho))
	}
	a, b := math.Pow(tMax, 1/rho), math.Pow(tMin, 1/rho)
	g := make([]float64, steps+1)
	for i := range g {
		g[i] = math.Pow(a+float64(i)/float64(steps)*(b-a), rho)
	}
	g[0], g[steps] = tMax, tMin
	return g
}

// CheckGrid reports whether grid can drive a solver: at least 2 finite
// values, strictly descending, the first > 0 and the last ≥ 0.
func CheckGrid(grid []float64) error {
	if len(grid) < 2 {
		return fmt.Errorf("solver: grid needs at least 2 noise levels, has %d", len(grid))
	}
	for i, t := range grid {
		if math.IsNaN(t) || math.IsInf(t, 0) {
			return fmt.Errorf("solver: grid[%d] = %g is not finite", i, t)
		}
		if i > 0 && !(t < grid[i-1]) {
			return fmt.Errorf("solver: grid not strictly descending at %d: %g after %g", i, t, grid[i-1])
		}
	}
	if grid[len(grid)-1] < 0 {
		return fmt.Errorf("solver: grid ends at negative noise level %g", grid[len(grid)-1])
	}
	return nil
}

// Validate checks solver input: dim ≥ 1, len(xT) a multiple of dim, and a
// grid accepted by CheckGrid.
func Validate(xT []float64, dim int, grid []float64) error {
	if dim < 1 {
		return fmt.Errorf("solver: dim %d must be ≥ 1", dim)
	}
	if len(xT)%dim != 0 {
		return fmt.Errorf("solver: len(xT) = %d is not a multiple of dim %d", len(xT), dim)
	}
	return CheckGrid(grid)
}
