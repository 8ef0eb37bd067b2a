package solver

import (
	"fmt"
	"math"
)

// Methods are the solver names Solve accepts: Euler, EDM's Heun, and DPM-Solver++ multistep of order 1, 2 and 3
// (the reference form, as CMT's code runs it) plus "dpm3-taylor", the third-order variant with the consistent
// Taylor weight (DPMConfig.Taylor3). The DPM variants cap their order near the end (lowerOrderFinal), as CMT does.
var Methods = []string{"euler", "heun", "dpm1", "dpm2", "dpm3", "dpm3-taylor"}

// Solve integrates the PF-ODE from xT [n·dim] over grid with the named method (see Methods).
func Solve(method string, d Denoiser, xT []float64, dim int, grid []float64) (*Trajectory, error) {
	if err := Validate(xT, dim, grid); err != nil {
		return nil, err
	}
	switch method {
	case "euler":
		return Euler(d, xT, dim, grid), nil
	case "heun":
		return Heun(d, xT, dim, grid), nil
	case "dpm1", "dpm2", "dpm3":
		return DPMSolverPP(d, xT, dim, grid, int(method[3]-'0'), true)
	case "dpm3-taylor":
		return DPMSolverPPWith(d, xT, dim, grid, DPMConfig{Order: 3, LowerOrderFinal: true, Taylor3: true})
	}
	return nil, fmt.Errorf("solver: unknown method %q (use one of %v)", method, Methods)
}

// StepsForNFE is the number of steps that spends about nfe denoiser calls (at least 1 step): nfe for the
// one-call-per-step methods, (nfe+1)/2 for Heun, whose last step to t_min > 0 also takes two calls.
func StepsForNFE(method string, nfe int) int {
	if method == "heun" {
		return max(1, nfe/2)
	}
	return max(1, nfe)
}

// ErrorPoint is the end-point error of one solve against a reference.
type ErrorPoint struct {
	Method string
	Steps  int
	NFE    int     // denoiser calls spent
	RMS    float64 // root mean square over points of the Euclidean distance to the reference
}

// EndErrors solves from xT [n·dim] with every method at every step count on the log-SNR grid tMax → tMin
// (CMT's grid) and measures each end point's RMS distance to ref [n·dim], e.g. the exact flow map Ψ_{T→t_min}(x_T)
// or a much finer solve of the same ODE. Points come method by method, in the order of steps.
func EndErrors(d Denoiser, xT []float64, dim int, tMax, tMin float64, ref []float64, methods []string, steps []int) ([]ErrorPoint, error) {
	if len(ref) != len(xT) {
		return nil, fmt.Errorf("solver: reference has %d values, x_T %d", len(ref), len(xT))
	}
	var out []ErrorPoint
	for _, m := range methods {
		for _, s := range steps {
			if s < 1 {
				return nil, fmt.Errorf("solver: %d steps", s)
			}
			tr, err := Solve(m, d, xT, dim, LogSNRGrid(tMax, tMin, s))
			if err != nil {
				return nil, err
			}
			out = append(out, ErrorPoint{Method: m, Steps: s, NFE: tr.NFE, RMS: RMS(tr.End(), ref, dim)})
		}
	}
	return out, nil
}

// RMS is the root mean square over the n points of a and b [n·dim] of their Euclidean distance.
func RMS(a, b []float64, dim int) float64 {
	var s float64
	for i := range a {
		d := a[i] - b[i]
		s += d * d
	}
	return math.Sqrt(s / float64(len(a)/dim))
}
